"""Figures of the report (matplotlib, Agg backend): per-language gains and drift scatter.

Stage: report. Each function writes one PNG and returns its path; the scaling plot lives in
``xling.scaling.plot_scaling``.
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


def plot_drift_scatter(coords: dict[str, tuple], path: str | Path) -> Path:
    """One panel per model: PCA coordinates of h_trained − h_base, coloured by language.

    Args:
        coords: model name -> (coords [n, 2] array, langs [n] array).
    """
    plt = _plt()
    path = Path(path)
    fig, axes = plt.subplots(1, len(coords), figsize=(3.6 * len(coords), 3.4), squeeze=False)
    for ax, (name, (xy, langs)) in zip(axes[0], coords.items(), strict=True):
        for lang in sorted(set(langs.tolist())):
            sel = langs == lang
            ax.scatter(xy[sel, 0], xy[sel, 1], s=10, label=lang)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("PC1")
        ax.set_ylabel("PC2")
    axes[0][-1].legend(fontsize=7, loc="best")
    fig.suptitle("Hidden-state drift from the base model (PCA)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
