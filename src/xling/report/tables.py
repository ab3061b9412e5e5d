"""The reference tables of the papers: per-language accuracy, Avg, Gen — as Markdown or CSV.

Stage: report. Reads ``metrics.json`` of run directories (written by study/evaluate.py); every
derived number comes from ``xling.metrics``. Accuracies print as percentages with one decimal.
Try:  xling report runs/base runs/sft --base runs/base
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xling.metrics import average, gen_details
from xling.schema import XlingError
from xling.study.store import RunDir


@dataclass(frozen=True)
class RunResult:
    """One run's accuracies on one benchmark."""

    name: str
    acc: dict[str, float]
    """lang -> fraction."""
    ci95: dict[str, tuple[float, float]]
    n: dict[str, int]
    consistency: dict[str, float]


def load_run(path: str | Path, benchmark: str, name: str | None = None) -> RunResult:
    """Read one run directory's metrics for ``benchmark``.

    Raises:
        XlingError: no metrics.json, or no results for ``benchmark`` in it.
    """
    run = RunDir(Path(path))
    metrics = run.read_metrics()
    if not metrics:
        raise XlingError(f"{path}: no metrics.json (run `xling eval ... --out {path}` first)")
    bench = metrics.get("benchmarks", {}).get(benchmark)
    if bench is None:
        have = ", ".join(metrics.get("benchmarks", {})) or "none"
        raise XlingError(f"{path}: no {benchmark} results (has: {have})")
    langs = bench["langs"]
    return RunResult(
        name=name or Path(path).name,
        acc={lang: m["acc"]["value"] for lang, m in langs.items()},
        ci95={lang: tuple(m["acc"]["ci95"]) for lang, m in langs.items()},
        n={lang: m["acc"]["n"] for lang, m in langs.items()},
        consistency={lang: m["consistency"] for lang, m in langs.items()},
    )


def reference_table(
    runs: list[RunResult], base: RunResult | None = None, langs: list[str] | None = None
) -> tuple[list[str], list[list[Any]], list[str]]:
    """Rows of the papers' table: name, per-language accuracy, Avg, and Gen when ``base`` is given.

    Returns:
        (header, rows, notes): numbers are fractions (formatting multiplies by 100); notes say
        which languages Gen skipped because the base had no room.
    """
    if not runs:
        raise XlingError("no runs to tabulate")
    if langs is None:
        langs = list(runs[0].acc)
    header = ["model", *langs, "Avg"] + (["Gen"] if base is not None else [])
    rows: list[list[Any]] = []
    notes: list[str] = []
    for run in runs:
        missing = [lang for lang in langs if lang not in run.acc]
        if missing:
            raise XlingError(f"run {run.name} has no results for {', '.join(missing)}")
        row: list[Any] = [run.name, *(run.acc[lang] for lang in langs), average(run.acc, langs)]
        if base is not None:
            gen = gen_details({lang: run.acc[lang] for lang in langs}, base.acc)
            row.append(gen.value)
            if gen.skipped:
                notes.append(f"Gen of {run.name} skips {', '.join(gen.skipped)} (base at 100%)")
        rows.append(row)
    return header, rows, sorted(set(notes))


def _pct(value: Any) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{100 * value:.1f}"
    return str(value)


def format_markdown(header: list[str], rows: list[list[Any]], notes: list[str] = ()) -> str:
    """A Markdown table; numbers as percentages."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_pct(v) for v in row) + " |" for row in rows]
    lines += [f"\n_{note}_" for note in notes]
    return "\n".join(lines)


def format_csv(header: list[str], rows: list[list[Any]]) -> str:
    """CSV with percentages (one decimal) so it pastes into a paper's table."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows([[_pct(v) for v in row] for row in rows])
    return buf.getvalue()
