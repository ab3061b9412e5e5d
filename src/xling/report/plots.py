"""Figures of the report (matplotlib, Agg backend): per-language gains.

Stage: report. Each function writes one PNG and returns its path; the scaling plot lives in
``xling.scaling.plot_scaling`` and the drift scatter in ``xling.probes.drift.plot_drift``.
"""

from __future__ import annotations

from pathlib import Path

from xling.report.tables import RunResult


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_gains(runs: list[RunResult], base: RunResult, langs: list[str], path: str | Path) -> Path:
    """Grouped bars: accuracy gain over the base (percentage points) per language, per run."""
    plt = _plt()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(max(6, 0.8 * len(langs) + 2), 3.6))
    width = 0.8 / max(1, len(runs))
    for i, run in enumerate(runs):
        gains = [100 * (run.acc[lang] - base.acc[lang]) for lang in langs]
        xs = [j + (i - (len(runs) - 1) / 2) * width for j in range(len(langs))]
        ax.bar(xs, gains, width=width, label=run.name)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(langs)), langs)
    ax.set_ylabel("gain over base (pp)")
    ax.set_title("Per-language accuracy gain over the base model")
    ax.legend(fontsize=8, ncols=min(4, len(runs)))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
