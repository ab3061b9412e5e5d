"""Stage 6: the papers' tables, plots and a self-contained HTML/Markdown report."""
