"""The grid that runs everything, resumably: run-directory layout, evaluation, study specs."""
