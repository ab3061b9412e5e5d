"""Stage: evaluation. One model on one benchmark: prompts -> completions -> verdicts -> metrics.

Beside ``generate`` and ``scoring``, and below ``study`` (which runs it for every cell):

- ``settings``: ``EvalSettings`` (how a model is asked and scored; the ``xling eval`` flags,
  a study file's ``eval:`` block and the probes read it) and ``EvalConfig`` (one model on one
  benchmark, the fingerprint its results carry).
- ``run``: ``run_eval``, the resumable evaluation (``xling eval``).
- ``rows``: the eval rows (one per sample) and a benchmark's metrics.json entry.
- ``score_file``: completions made elsewhere scored into the same rows (``xling score``).

Results go to a run directory (``xling.store.RunDir``). Importing this package loads nothing.
Try:  xling eval --model ./tiny --benchmark mgsm --langs de,en --limit 5 --out runs/tiny
"""
