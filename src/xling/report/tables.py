"""The reference tables of the papers: per-language accuracy, Avg, Gen — as Markdown or CSV.

Stage: report. Reads ``metrics.json`` of run directories (written by evaluation/run.py); every
derived number comes from ``xling.metrics``. Accuracies print as percentages with one decimal.
Try:  xling report runs/base runs/sft --base runs/base
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xling.metrics import average, gen_details
from xling.schema import MISSING, XlingError, markdown_table, pct
from xling.store import RunDir


@dataclass(frozen=True)
class RunResult:
    """One run's primary metric on one benchmark, per language."""

    name: str
    acc: dict[str, float]
    """lang -> fraction: the benchmark's primary metric (``metric``), accuracy by default."""
    ci95: dict[str, tuple[float, float]]
    n: dict[str, int]
    consistency: dict[str, float]
    metric: str = "accuracy"
    """What ``acc`` holds: "accuracy", "pass@16", "accuracy, mean ± sd over 6 runs", ..."""
    sd: dict[str, float] = field(default_factory=dict)
    """lang -> sd over seeded runs (when the run had several)."""
    paper_metric: str = "accuracy"
    """What the benchmark's paper publishes (``Headline.label``)."""
    paper_avg_langs: tuple[str, ...] = ()
    """The languages the paper's Avg covers when not all (study A: en, zh, de for some)."""
    items: dict[str, str] = field(default_factory=dict)
    """lang -> ``metrics.item_set_key`` of the items evaluated (Gen needs the same on both)."""
    ambiguous: dict[str, int] = field(default_factory=dict)
    """lang -> verdicts whose number had two readings in the language (accepted, counted)."""
    errors: dict[str, int] = field(default_factory=dict)
    """lang -> samples the backend failed on (counted as wrong; a rerun asks for them again)."""


def _headline(bench: dict[str, Any]) -> dict[str, Any]:
    """The benchmark's headline as stored (``Headline.to_dict``), or read from the prose of
    runs written before it was stored ('pass@16', 'accuracy (study A: Avg over en, zh, de)')."""
    if "headline" in bench:
        return bench["headline"]
    paper = str(bench.get("paper_metric", "accuracy"))
    k = re.match(r"pass@(\d+)", paper)
    return {"kind": "pass@k" if k else "accuracy", "k": int(k.group(1)) if k else None,
            "label": paper, "avg_langs": list(bench.get("paper_avg_langs", ()))}


def load_run(path: str | Path, benchmark: str, name: str | None = None) -> RunResult:
    """Read one run directory's metrics for ``benchmark``.

    The primary metric is the one the paper reports when the run has it (the stored
    ``Headline``): the benchmark's own summary ``primary`` (PolyMath's difficulty-weighted
    accuracy, M-IFEval's instruction-level accuracy), else pass@k for the headline's k when it
    was computed (else the largest k computed), else accuracy (mean ± sd when there were several
    seeded runs).

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
    headline = _headline(bench)
    acc = {lang: m["acc"]["value"] for lang, m in langs.items()}
    metric, sd = "accuracy", {}
    primary = (bench.get("summary") or {}).get("primary")
    computed_k = (set.intersection(*(set(m.get("pass_at_k", {})) for m in langs.values()))
                  if langs else set())
    if primary:
        metric, acc = primary["name"], {lang: primary["values"][lang] for lang in langs}
    elif computed_k:
        k = (str(headline["k"]) if headline.get("kind") == "pass@k"
             and str(headline["k"]) in computed_k else max(computed_k, key=int))
        metric, acc = f"pass@{k}", {lang: m["pass_at_k"][k] for lang, m in langs.items()}
    elif langs and all("runs" in m for m in langs.values()):
        r = next(iter(langs.values()))["runs"]["n_runs"]
        metric = f"accuracy, mean ± sd over {r} runs"
        acc = {lang: m["runs"]["mean"] for lang, m in langs.items()}
        sd = {lang: m["runs"]["sd"] for lang, m in langs.items()}
    return RunResult(
        name=name or Path(path).name,
        acc=acc,
        ci95={lang: tuple(m["acc"]["ci95"]) for lang, m in langs.items()},
        n={lang: m["acc"]["n"] for lang, m in langs.items()},
        consistency={lang: m["consistency"] for lang, m in langs.items()},
        metric=metric, sd=sd, paper_metric=str(headline.get("label", "accuracy")),
        paper_avg_langs=tuple(headline.get("avg_langs") or ()),
        items={lang: m["items"] for lang, m in langs.items() if "items" in m},
        ambiguous={lang: int(m.get("ambiguous_numbers", 0)) for lang, m in langs.items()},
        errors={lang: m["errors"] for lang, m in langs.items() if m.get("errors")},
    )


def check_comparable(run: RunResult, base: RunResult, langs: list[str]) -> None:
    """Gen (and every number derived from a run against a base) compares the same metric on the
    same items, or is refused with one line saying why.

    Raises:
        XlingError: different metrics (pass@8 against greedy accuracy), or different item sets
            in some language (another --limit, source or benchmark version).
    """
    if run.metric != base.metric:
        raise XlingError(f"cannot compare {run.name} ({run.metric}) with the base {base.name} "
                         f"({base.metric}): Gen needs the same metric on both; evaluate them "
                         "with the same --n/--pass-k/--runs")
    differ = [lang for lang in langs if lang in run.items and lang in base.items
              and run.items[lang] != base.items[lang]]
    if differ:
        raise XlingError(f"cannot compare {run.name} with the base {base.name}: different items in "
                         f"{', '.join(differ)} (another --limit, --source or dataset version); "
                         "Gen needs the same items on both")


def ordered_langs(lang_sets: list[Any]) -> list[str]:
    """The union of several runs' languages in the registry's order (study languages first):
    the same columns whatever order the runs are given in."""
    from xling.languages import LANGUAGES

    union = {lang for langs in lang_sets for lang in langs}
    return [lang for lang in LANGUAGES if lang in union] + sorted(union - set(LANGUAGES))


def reference_table(
    runs: list[RunResult], base: RunResult | None = None, langs: list[str] | None = None
) -> tuple[list[str], list[list[Any]], list[str]]:
    """Rows of the papers' table: name, per-language metric, Avg, and Gen when ``base`` is given.

    Columns are ``langs`` (default: the union of the runs' languages, in registry order, so the
    table does not depend on the order of the runs). A language a run lacks is shown as missing
    (``None``, printed "—"), never as 0; such a run gets no Avg (an Avg over fewer languages is
    not comparable), and a note says so.

    Returns:
        (header, rows, notes): numbers are fractions (formatting multiplies by 100), or
        ``(mean, sd)`` pairs for means over runs; notes name skipped or missing languages and,
        per language, the samples a backend failed on.
    """
    if not runs:
        raise XlingError("no runs to tabulate")
    if langs is None:
        langs = ordered_langs([run.acc for run in runs])
    metrics = sorted({run.metric for run in runs})
    paper_avg = next((run.paper_avg_langs for run in runs if run.paper_avg_langs), ())
    extra = [f"Avg({','.join(paper_avg)})"] if paper_avg else []
    header = ["model", *langs, "Avg", *extra] + (["Gen"] if base is not None else [])
    rows: list[list[Any]] = []
    notes: list[str] = []
    if len(metrics) > 1:
        notes.append(f"runs report different metrics: {'; '.join(metrics)}")
    for run in runs:
        if run.errors:
            notes.append(f"{run.name}: backend errors (no completion; counted as wrong) in "
                         + ", ".join(f"{lang} {k} of {run.n.get(lang, '?')}"
                                     for lang, k in run.errors.items())
                         + "; a rerun of the evaluation asks for them again")
        ambiguous = {lang: n for lang, n in run.ambiguous.items() if n and lang in langs}
        if ambiguous:
            notes.append(f"{run.name}: {sum(ambiguous.values())} answers held a number with two "
                         "readings in their language (read the language's way, or accepted by "
                         "the other when that equals the gold): "
                         + ", ".join(f"{lang} {n}" for lang, n in ambiguous.items()))
        missing = [lang for lang in langs if lang not in run.acc]
        cells = [(run.acc[lang], run.sd[lang]) if lang in run.sd else run.acc.get(lang)
                 for lang in langs]
        avg: Any = None
        if missing:
            notes.append(f"{run.name} has no {', '.join(missing)}: shown as {MISSING}, no Avg")
        else:
            avg = average(run.acc, langs)
        row: list[Any] = [run.name, *cells, avg]
        if paper_avg:
            have_all = all(lang in run.acc for lang in paper_avg)
            row.append(average(run.acc, paper_avg) if have_all else None)
        if base is not None:
            have = [lang for lang in langs if lang in run.acc and lang in base.acc]
            check_comparable(run, base, have)
            lacking = [lang for lang in langs if lang in run.acc and lang not in base.acc]
            if lacking:
                notes.append(f"the base has no {', '.join(lacking)}: Gen of {run.name} without them")
            try:
                gen = gen_details({lang: run.acc[lang] for lang in have}, base.acc) if have else None
            except XlingError as exc:  # the base at 100% everywhere: no room to gain, no Gen
                gen = None
                notes.append(f"Gen of {run.name}: {exc}")
            row.append(gen.value if gen else None)
            if gen and gen.skipped:
                notes.append(f"Gen of {run.name} skips {', '.join(gen.skipped)} (base at 100%)")
        rows.append(row)
    return header, rows, sorted(set(notes))


def table_title(benchmark: str, runs: list[RunResult]) -> str:
    """'mgsm: accuracy (%)', naming the metric the runs hold and the paper's when it differs."""
    metric = "; ".join(sorted({run.metric for run in runs}))
    paper = runs[0].paper_metric if runs else "accuracy"
    title = f"{benchmark}: {metric} (%)"
    return title if paper in ("accuracy", metric) else f"{title}; the paper reports {paper}"


IFEVAL_COLUMNS = (("prompt_strict", "prompt strict"), ("prompt_loose", "prompt loose"),
                  ("inst_strict", "instruction strict"), ("inst_loose", "instruction loose"))


def ifeval_table(path: str | Path, benchmark: str, name: str | None = None) -> str | None:
    """IFEval's four accuracies per language (% [95% CI]) from a run's metrics.json summary,
    and the instruction ids without a checker; None when the benchmark has no such summary."""
    bench = RunDir(Path(path)).read_metrics().get("benchmarks", {}).get(benchmark, {})
    langs = ((bench.get("summary") or {}).get("langs")) or {}
    if not langs or "prompt_strict" not in next(iter(langs.values())):
        return None
    header = ["model", "lang", *(label for _, label in IFEVAL_COLUMNS)]
    rows = [[name or Path(path).name, lang,
             *(f"{pct(m[key]['value'])} [{pct(m[key]['ci95'][0])}, {pct(m[key]['ci95'][1])}]"
               for key, _ in IFEVAL_COLUMNS)] for lang, m in langs.items()]
    lines = [markdown_table(header, rows)]
    unknown = bench["summary"].get("unknown_instructions") or {}
    if unknown:
        lines.append("\n_instruction ids without a checker (counted as not followed): "
                     + ", ".join(f"{k} ({v})" for k, v in unknown.items()) + "_")
    for key, what in (("n_substitute", "checked with an offline substitute for the authors' "
                                       "counter"),
                      ("n_deliberate", "whose result differs from the authors' check by a "
                                       "deliberate difference (docs/ifeval.md)")):
        counts = {lang: m[key] for lang, m in langs.items() if m.get(key)}
        if counts:
            lines.append(f"\n_instructions {what}: "
                         + ", ".join(f"{lang} {n}" for lang, n in counts.items()) + "_")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    """A table cell: a fraction as a percentage (``pct``), a mean over runs as "mean ± sd",
    anything else (a label, a count) as written."""
    if isinstance(value, tuple):
        mean, sd = value
        return f"{pct(mean)} ± {pct(sd)}"
    if value is None or isinstance(value, float):
        return pct(value)
    return str(value)


def format_markdown(header: list[str], rows: list[list[Any]], notes: list[str] = ()) -> str:
    """A Markdown table; numbers as percentages."""
    table = markdown_table([str(h) for h in header], [[_cell(v) for v in row] for row in rows])
    return "\n".join([table, *(f"\n_{note}_" for note in notes)])


def format_csv(header: list[str], rows: list[list[Any]]) -> str:
    """CSV with percentages (one decimal) so it pastes into a paper's table; a mean over runs
    takes two columns, ``<lang>`` and ``<lang> sd`` (a cell holds one number, never "±")."""
    split = [any(isinstance(row[j], tuple) for row in rows) for j in range(len(header))]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([name for h, two in zip(header, split, strict=True)
                     for name in ((h, f"{h} sd") if two else (h,))])
    for row in rows:
        cells: list[str] = []
        for value, two in zip(row, split, strict=True):
            if not two:
                cells.append(_cell(value))
            elif isinstance(value, tuple):
                cells += [_cell(value[0]), _cell(value[1])]
            else:
                cells += [_cell(value), ""]
        writer.writerow(cells)
    return buf.getvalue()
