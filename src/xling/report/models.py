"""Report sections of multi-model studies (study B): MTI per model, reasoning-language metrics.

Stage: report. A *pair* is a post-trained model and the model it started from: an observational
model with an ``initial`` (both evaluated as they are, or the post-trained one made by training
in the sandbox), or an interventional cell trained from ``grid.base_models``. For each pair and
benchmark: MTI (``metrics.bootstrap_mti``, provisional formula; the source language is the
training language of a one-language cell, else English), per-language gains, and the off-target
rates of the thinking and the answer parts (``metrics.reasoning_language_rates`` over the
per-language ``metrics.thinking_summary``).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from xling.metrics import bootstrap_mti, correctness_matrix, reasoning_language_rates
from xling.schema import MISSING, markdown_table, pct
from xling.study.grid import Cell
from xling.study.spec import StudySpec


def model_pairs(study: StudySpec, cells: list[Cell]) -> list[tuple[Cell, Cell]]:
    """(post-trained, initial) cell pairs among finished ``cells``."""
    evaluated = {c.spec.base: c for c in cells if c.spec.paradigm == "base" and c.spec.base}
    pairs = []
    for cell in cells:
        if cell.spec.paradigm != "base" and cell.spec.base in evaluated:
            pairs.append((cell, evaluated[cell.spec.base]))
        elif cell.spec.paradigm == "base" and cell.spec.base:
            initial = study.model(cell.spec.base).initial
            if initial in evaluated:
                pairs.append((cell, evaluated[initial]))
    return pairs


def _labels(study: StudySpec, cell: Cell) -> dict[str, str]:
    """type / family / size of a pair's post-trained side: the listed model itself
    (observational), or for a grid cell its initial model (the interventional axis)."""
    listed = {m.name: m for m in study.models}
    name = cell.spec.name if cell.spec.name in listed else cell.spec.base
    if cell.spec.paradigm == "base":
        name = cell.spec.base
    m = listed.get(name)
    return {"type": m.type, "family": m.family, "size": m.size} if m else \
        {"type": "", "family": "", "size": ""}


def size_number(size: str) -> float:
    """'1.5B' -> 1.5e9, '400k' -> 4e5, '' -> NaN (for plotting MTI against size)."""
    m = re.fullmatch(r"\s*([\d.]+)\s*([kKmMbBtT]?)\s*", size or "")
    if not m:
        return math.nan
    scale = {"": 1, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}[m.group(2).lower()]
    return float(m.group(1)) * scale


def pair_rows(study: StudySpec, pairs: list[tuple[Cell, Cell]], bench: str,
              langs: list[str]) -> list[dict[str, Any]]:
    """One record per pair: MTI with its interval, gains, off-target rates of both parts."""
    from xling.data.io import read_parquet

    records = []
    for post, init in pairs:
        rows_post = read_parquet(post.run.eval_file(bench))
        rows_init = read_parquet(init.run.eval_file(bench))
        pids_post, _ = correctness_matrix(rows_post, langs)
        pids_init, _ = correctness_matrix(rows_init, langs)
        pids = sorted(set(pids_post) & set(pids_init))
        source = (post.spec.train_langs[0] if len(post.spec.train_langs) == 1 else "en")
        record: dict[str, Any] = {"model": post.label, "initial": init.label, "source": source,
                                  "n_items": len(pids), **_labels(study, post)}
        if not pids or source not in langs:
            record["mti"] = {"mti": math.nan, "ci95": [math.nan, math.nan], "gains": {},
                             "dropped": 0, "undefined": "no shared items or no source language"}
        else:
            record["mti"] = bootstrap_mti(correctness_matrix(rows_post, langs, pids)[1],
                                          correctness_matrix(rows_init, langs, pids)[1],
                                          langs, source, seed=post.spec.seed)
        record.update(reasoning_language_rates(post.run.read_metrics()["benchmarks"][bench]["langs"]))
        records.append(record)
    return records


def _ratio(x: float) -> str:
    return MISSING if x is None or math.isnan(x) else f"{x:.2f}"


def mti_table(records: list[dict[str, Any]], langs: list[str]) -> str:
    """Markdown: model, labels, MTI [95% CI], per-language gains (pp) [95% CI], off-target."""
    header = ["model", "initial", "type", "family", "size", "MTI [95% CI]",
              *(f"Δ{lang}" for lang in langs), "off-target answer %", "off-target thinking %",
              "mixed thinking %"]
    rows = []
    for r in records:
        m = r["mti"]
        mti_cell = (f"{_ratio(m['mti'])} [{_ratio(m['ci95'][0])}, {_ratio(m['ci95'][1])}]"
                    if not math.isnan(m["mti"]) else f"undefined ({m.get('undefined', '')})")
        ci = m.get("gains_ci95", {})
        gains = [f"{pct(m['gains'][lang])} [{pct(ci[lang][0])}, {pct(ci[lang][1])}]"
                 if lang in m["gains"] and lang in ci else MISSING for lang in langs]
        rows.append([
            r["model"], r["initial"], r["type"] or MISSING, r["family"] or MISSING, r["size"] or MISSING,
            mti_cell, *gains, pct(r["off_target_answer"]), pct(r["off_target_thinking"]),
            pct(r["mixed_thinking"])])
    return markdown_table(header, rows)


def plot_mti(records: list[dict[str, Any]], path: str | Path) -> Path | None:
    """MTI against model size (log x when sizes are given, else by model), one colour per type."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = [r for r in records if not math.isnan(r["mti"]["mti"])]
    if not points:
        return None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sizes = [size_number(r["size"]) for r in points]
    by_size = all(not math.isnan(s) for s in sizes)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for kind in sorted({r["type"] or "unlabelled" for r in points}):
        group = [(i, r) for i, r in enumerate(points) if (r["type"] or "unlabelled") == kind]
        xs = [sizes[i] if by_size else i for i, _ in group]
        ys = [r["mti"]["mti"] for _, r in group]
        err = [[y - r["mti"]["ci95"][0] for (_, r), y in zip(group, ys, strict=True)],
               [r["mti"]["ci95"][1] - y for (_, r), y in zip(group, ys, strict=True)]]
        ax.errorbar(xs, ys, yerr=err, fmt="o", capsize=3, label=kind)
    if by_size:
        ax.set_xscale("log")
        ax.set_xlabel("model size (parameters)")
    else:
        ax.set_xticks(range(len(points)), [r["model"] for r in points], rotation=30, ha="right",
                      fontsize=7)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("MTI (provisional)")
    ax.set_title("Multilingual Transferability Index, 95% CI")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
