"""Hidden-state drift from the base model to a trained one (study A, arXiv 2509.23657,
"representation drift": smaller, more concentrated drift went with better generalization;
RL on German was the most concentrated).

Stage: probes. Reads two checkpoints and Examples; gives a ``DriftResult``. For each question,
h = the final-layer hidden state (after the final norm, what the LM head reads) mean-pooled over
its tokens; h_diff = h_trained - h_base, shape [n, hidden]; PCA (2 components) of h_diff gives
the scatter, and four dispersion numbers summarise it (``DriftResult``). Both models read the
same token ids, from the base model's tokenizer.

The probe (``run``) skips base cells, stores ``summary()`` in probes.json and h_diff in the cell's
``drift.npz``, from which ``section`` rebuilds the scatter plot.

Try:  python -c "from xling.probes.drift import drift_between; print(drift_between(base, trained, examples).summary())"
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from xling.checkpoint import load_causal_lm
from xling.probes import ProbeContext, ProbeResult, encode_batch
from xling.schema import Example, Section, XlingError, markdown_table

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class DriftResult:
    """Drift of one trained model from its base on n texts (study A's h_diff analysis)."""

    h_diff: np.ndarray
    """h_trained - h_base, shape [n, hidden] (float64)."""
    coords: np.ndarray
    """h_diff projected on its first two principal components, shape [n, 2]."""
    explained_variance_ratio: np.ndarray
    """Share of h_diff's total variance on each of the 2 components, shape [2]; zeros if none."""
    mean_norm: float
    """Mean L2 norm of h_diff rows: how far, on average, representations moved."""
    mean_dispersion: float
    """Mean L2 distance of h_diff rows to their centroid: how uneven the move is."""
    trace_cov: float
    """Trace of h_diff's covariance (ddof=1): total variance of the move."""
    concentration: float
    """First component's explained-variance ratio in [0, 1] (higher = more concentrated drift);
    0 when h_diff has no variance (no drift)."""

    def summary(self) -> dict[str, float]:
        """The scalar statistics as plain floats (JSON-serialisable)."""
        n, hidden = self.h_diff.shape
        return {
            "n": float(n),
            "hidden": float(hidden),
            "mean_norm": float(self.mean_norm),
            "mean_dispersion": float(self.mean_dispersion),
            "trace_cov": float(self.trace_cov),
            "concentration": float(self.concentration),
            "explained_variance_1": float(self.explained_variance_ratio[0]),
            "explained_variance_2": float(self.explained_variance_ratio[1]),
        }


def hidden_states(model: Any, tokenizer: Any, texts: list[str], batch_size: int = 8) -> np.ndarray:
    """Final-layer hidden states mean-pooled over each text's (non-pad) tokens.

    Returns:
        float64 array of shape [len(texts), hidden_size], rows in input order.
    """
    import torch

    device = next(model.parameters()).device
    rows: list[np.ndarray] = []
    for start in range(0, len(texts), batch_size):
        input_ids, mask = encode_batch(tokenizer, texts[start : start + batch_size], device)
        with torch.no_grad():
            out = model(input_ids=input_ids, attention_mask=mask, output_hidden_states=True)
        last = out.hidden_states[-1].float()  # [batch, len, hidden]
        weights = mask.unsqueeze(-1).float()
        pooled = (last * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        rows.append(pooled.cpu().numpy().astype(np.float64))
    return np.concatenate(rows) if rows else np.zeros((0, model.config.hidden_size))


def drift(base_states: np.ndarray, trained_states: np.ndarray, *, seed: int = 0) -> DriftResult:
    """h_diff = trained - base, its 2-component PCA (seeded) and dispersion statistics.

    Args:
        base_states, trained_states: [n, hidden] hidden states of the same n texts.
        seed: PCA's random_state (matters only for its randomized solver on large inputs).

    Raises:
        XlingError: shapes differ, or n < 2.

    >>> r = drift(np.zeros((3, 4)), np.array([[1., 0, 0, 0], [2, 0, 0, 0], [3, 0, 0, 0]]))
    >>> r.coords.shape, round(r.concentration, 6), round(r.mean_norm, 6)
    ((3, 2), 1.0, 2.0)
    """
    from sklearn.decomposition import PCA

    base, trained = np.asarray(base_states, float), np.asarray(trained_states, float)
    if base.shape != trained.shape or base.ndim != 2:
        raise XlingError(
            f"hidden-state shapes differ or are not 2-D: {base.shape} vs {trained.shape}"
        )
    if base.shape[0] < 2:
        raise XlingError(f"drift needs at least 2 texts; got {base.shape[0]}")
    h_diff = trained - base
    centred = h_diff - h_diff.mean(0)
    trace_cov = float((centred**2).sum() / (len(h_diff) - 1))
    scale = float(np.linalg.norm(base, axis=1).mean()) or 1.0
    if trace_cov <= (1e-9 * scale) ** 2:  # no drift beyond float noise: PCA would be 0/0
        coords, evr = np.zeros((len(h_diff), 2)), np.zeros(2)
    else:
        pca = PCA(n_components=2, random_state=seed)
        coords, evr = pca.fit_transform(h_diff), np.asarray(pca.explained_variance_ratio_)
    return DriftResult(
        h_diff=h_diff,
        coords=coords,
        explained_variance_ratio=evr,
        mean_norm=float(np.linalg.norm(h_diff, axis=1).mean()),
        mean_dispersion=float(np.linalg.norm(centred, axis=1).mean()),
        trace_cov=trace_cov,
        concentration=float(evr[0]),
    )


def plot_drift(results: dict[str, DriftResult], langs: Sequence[str], path: str | Path) -> Path:
    """One PCA scatter of h_diff per model (a panel each), points colored by language.

    Args:
        results: {model label: DriftResult}, all on the same n texts.
        langs: the language of each text, length n (row order of h_diff).
        path: output PNG path (parent folders are created).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not results:
        raise XlingError("plot_drift needs at least one result")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    langs_arr = np.asarray(list(langs))
    order = list(dict.fromkeys(langs_arr.tolist()))
    fig, axes = plt.subplots(1, len(results), figsize=(4 * len(results), 4), squeeze=False)
    try:
        for ax, (label, res) in zip(axes[0], results.items(), strict=True):
            if len(langs_arr) != len(res.coords):
                raise XlingError(f"{label}: {len(res.coords)} points but {len(langs_arr)} langs")
            for k, lang in enumerate(order):
                pts = res.coords[langs_arr == lang]
                ax.scatter(pts[:, 0], pts[:, 1], s=10, color=f"C{k % 10}", label=lang)
            evr = res.explained_variance_ratio
            ax.set_title(f"{label}  (concentration {res.concentration:.2f})", fontsize=9)
            ax.set_xlabel(f"PC1 ({evr[0]:.0%})")
            ax.set_ylabel(f"PC2 ({evr[1]:.0%})")
        axes[0][-1].legend(fontsize=7, markerscale=1.5)
        fig.tight_layout()
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)
    log.info("wrote %s", path)
    return path


def drift_between(
    base_path: str,
    trained_path: str,
    examples: list[Example],
    *,
    batch_size: int = 8,
    device: str | None = None,
    seed: int = 0,
) -> DriftResult:
    """Study A's drift probe: hidden states of both models on the questions, then ``drift``.

    The models are loaded one after the other (only one in memory at a time); both read the
    base model's tokenization of ``Example.question``. Row i of the result is examples[i].
    """
    import torch

    texts = [ex.question for ex in examples]
    model, tokenizer = load_causal_lm(base_path, device=device)
    base = hidden_states(model, tokenizer, texts, batch_size)
    del model
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    model = load_causal_lm(trained_path, device=device)[0]
    trained = hidden_states(model, tokenizer, texts, batch_size)
    return drift(base, trained, seed=seed)


NPZ = "drift.npz"
"""File in the cell's run directory holding h_diff and each row's language (for the plot)."""


def run(ctx: ProbeContext) -> dict[str, float] | None:
    """The probe: drift of the cell's model from its base on the probe questions; None for a
    base cell (nothing was trained). Writes ``drift.npz`` (h_diff, langs) to the run directory."""
    if not ctx.trained:
        return None
    result = drift_between(ctx.base, ctx.model, ctx.examples, seed=ctx.seed)
    # h_diff is enough to rebuild the DriftResult for the report's plot (drift(0, h_diff)).
    np.savez(Path(ctx.run_dir) / NPZ, h_diff=result.h_diff,
             langs=np.array([ex.lang for ex in ctx.examples]))
    return result.summary()


def section(results: dict[str, ProbeResult], out: Path) -> Section | None:
    """Table of the drift statistics per model, and the PCA scatter of every cell with a
    ``drift.npz`` (written to ``out/drift.png``)."""
    if not results:
        return None
    keys = list(next(iter(results.values())).value)
    rows = [[label, *(f"{r.value[k]:.4g}" for k in keys)] for label, r in results.items()]
    plotted, langs = {}, None
    for label, r in results.items():
        npz = Path(r.run_dir) / NPZ
        if npz.is_file():
            data = np.load(npz)
            plotted[label] = drift(np.zeros_like(data["h_diff"]), data["h_diff"], seed=r.seed)
            langs = data["langs"].tolist()
    images = [plot_drift(plotted, langs, Path(out) / "drift.png")] if plotted else []
    md = markdown_table(["model", *keys], rows) + (
        "\n\n_Study A: smaller, more concentrated drift went with better generalization._")
    return Section("Probe: hidden-state drift from the base (PCA)", md, images)
