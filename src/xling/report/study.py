"""Gather a finished (or partly finished) study into report sections: tables, claims, plots.

Stage: report (composes metrics, scaling, study). Every number is computed here from the cells'
``eval/*.parquet`` rows and ``probes.json`` — nothing is typed in. Claims about differences
(RL vs SFT, a model vs the base) carry paired bootstrap intervals over parallel questions and
are marked as holding at 95% or not. ``xling.report.html`` renders the sections.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from xling.data import is_card_path, results_name
from xling.data.io import read_parquet
from xling.metrics import (
    average,
    bootstrap_gen,
    correctness_matrix,
    failure_counts,
    mean_off_target,
    mti,
    paired_bootstrap,
    transfer_accuracy,
)
from xling.report.tables import (
    RunResult,
    format_markdown,
    ifeval_table,
    load_run,
    ordered_langs,
    reference_table,
    table_title,
)
from xling.schema import MISSING, Section, XlingError, markdown_table, pct
from xling.study.grid import Cell
from xling.study.runner import cell_results
from xling.study.spec import StudySpec

log = logging.getLogger(__name__)

__all__ = ["Section", "build_sections", "write_study_report"]


def _ci(value: float, lo: float, hi: float) -> str:
    return f"{pct(value)} [{pct(lo)}, {pct(hi)}]"


def _holds(lo: float, hi: float) -> str:
    return "yes" if lo > 0 or hi < 0 else "no"


def _matrices(cells: list[Cell], bench: str, langs: list[str]) -> dict[str, Any]:
    rows = {c.label: read_parquet(c.run.eval_file(bench)) for c in cells}
    pid_sets = [set(correctness_matrix(r, langs)[0]) for r in rows.values()]
    pids = sorted(set.intersection(*pid_sets)) if pid_sets else []
    return {label: correctness_matrix(r, langs, pids)[1] for label, r in rows.items()}


def build_sections(study: StudySpec, out: Path) -> list[Section]:
    """All report sections of ``study`` (plots are written under ``out``)."""
    from xling.report.plots import plot_gains

    done = cell_results(study)
    if not done:
        return [Section("No results yet", "No cell of this study has finished; run `xling study run`.")]
    cells = [c for c, _ in done]
    # The study-wide base (not a listed model's own evaluation, which pairs in model_sections).
    base_cell = next((c for c in cells if c.spec.paradigm == "base" and not c.spec.base), None)
    trained = [c for c in cells if c.spec.paradigm != "base"]
    sections: list[Section] = []
    for bench in map(results_name, study.eval.benchmarks):
        have = [c for c in cells if c.run.eval_file(bench).is_file()]
        if not have:
            continue
        runs = {c.label: load_run(c.run.root, bench, name=c.label) for c in have}
        langs = ordered_langs([r.acc for r in runs.values()])
        missing = [lang for lang in study.eval.langs if lang not in langs]
        base = runs.get(base_cell.label) if base_cell in have else None
        header, rows, notes = reference_table(list(runs.values()), base, langs)
        md = format_markdown(header, rows, notes)
        if missing:
            md += f"\n\n_{bench} has no {', '.join(missing)}: not shown, not averaged._"
        title = f"{table_title(bench, list(runs.values()))} per language, Avg"
        sections.append(Section(title + (", Gen" if base is not None else ""), md))
        if base is not None:
            mats = _matrices(have, bench, langs)  # read once: controls and comparisons share it
            if study.controls:
                sections.append(_controls(study, have, base_cell, mats, bench, langs))
            sections += _comparisons(study, bench, have, base_cell, runs, langs, out, mats)
            gains = plot_gains([runs[c.label] for c in have if c is not base_cell], base, langs,
                               out / f"gains-{bench}.png") if len(have) > 1 else None
            if gains:
                sections.append(Section(f"{bench}: per-language gains over the base", "", [gains]))
        if study.models:
            sections += _model_sections(study, have, bench, langs, out)
        ifeval = [t for c in have if (t := ifeval_table(c.run.root, bench, c.label)) is not None]
        if ifeval:
            sections.append(Section(f"{bench}: IFEval accuracies (%) [95% CI]", "\n\n".join(ifeval)))
        sections.append(_consistency(runs, langs, bench))
        sections.append(_outcomes(have, bench))
    sections += _probe_sections(done, out, study.probes)
    if study.scaling is not None and trained:
        sections.append(_scaling(study, [c for c in trained if c.spec.design == "parallel"], out))
    return sections + _translation_sections(study)


def _translation_sections(study: StudySpec) -> list[Section]:
    """Cite the translation summary (``xling translate``'s summary.json) of a translated pool or
    benchmark card the study uses: items, pass rate, retries and drops per language."""
    sections = []
    for use, where in [("training pool", study.pool.name),
                       *(("benchmark", b) for b in study.eval.benchmarks)]:
        path = Path(where)
        summary_path = (path if path.is_dir() else path.parent) / "summary.json"
        if not (path.is_dir() or is_card_path(path)) or not summary_path.is_file():
            continue
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        rows = [[lang, str(s["items"]), str(s["passed"]), pct(s["passed"] / max(1, s["items"])),
                 str(s["retried"]), ", ".join(f"{k} {v}" for k, v in sorted(s["dropped"].items()))
                 or "0", str(s.get("in_card", ""))] for lang, s in summary["langs"].items()]
        md = markdown_table(["lang", "items", "passed", "pass rate %", "retried", "dropped (by reason)",
                     "parallel items kept"], rows)
        judge = summary.get("verify_model")
        md += (f"\n\n_{summary.get('source')} translated by `{summary.get('model')}`"
               + (f", judged by `{judge}`" if judge else ", rule checks only")
               + f"; checks: {', '.join(summary.get('checks', []))}. Source: `{summary_path}`._")
        sections.append(Section(f"Translated {use} `{where}`: verification summary", md))
    return sections


def _controls(study: StudySpec, have: list[Cell], base_cell: Cell, mats: dict[str, Any],
              bench: str, langs: list[str]) -> Section:
    """Whether each of the study's controls held (``report.controls``)."""
    from xling.report.controls import control_verdicts, controls_section

    verdicts = control_verdicts(mats, base_cell.label, study.controls, langs,
                                {c.label: c.spec.train_langs for c in have},
                                seeds={c.label: c.spec.seed for c in have})
    missing = [f"{role} ({label})" for role, label in study.controls.items() if label not in mats]
    return controls_section(verdicts, langs, bench, missing)


def _gen_cell(m, base_m, seed: int) -> str:
    """Gen with its interval as a table cell, or why it is undefined (base at 100%)."""
    try:
        return _ci(*bootstrap_gen(m, base_m, seed=seed))
    except XlingError:
        return "undefined (base at 100%)"


def _comparisons(study, bench, have, base_cell, runs, langs, out, mats) -> list[Section]:
    base_m = mats[base_cell.label]
    rows, dropped = [], []
    for c in have:
        if c is base_cell:
            continue
        m = mats[c.label]
        try:
            gen_ci = bootstrap_gen(m, base_m, seed=c.spec.seed)
        except XlingError:  # the base solved every item in every language: Gen has no room
            gen_ci = None
        if gen_ci is not None and gen_ci.dropped:
            dropped.append(f"{c.label} {gen_ci.dropped} of {gen_ci.n_boot}")
        avg, alo, ahi = paired_bootstrap(m.mean(1), base_m.mean(1), seed=c.spec.seed)
        src = c.spec.train_langs[0] if len(c.spec.train_langs) == 1 else None
        try:
            mti_value = (f"{mti(runs[c.label].acc, runs[base_cell.label].acc, source=src):.2f}"
                         if src else MISSING)
        except XlingError:  # no gain on the source language: MTI is undefined, say so
            mti_value = f"undefined (no gain in {src})"
        off = mean_off_target(runs[c.label].consistency, langs)
        # Transfer proper: the languages the cell was not trained on.
        unseen = [j for j, lang in enumerate(langs) if lang not in c.spec.train_langs]
        if unseen and len(unseen) < len(langs):
            ugen = _gen_cell(m[:, unseen], base_m[:, unseen], seed=c.spec.seed)
            ugain = _ci(*paired_bootstrap(m[:, unseen].mean(1), base_m[:, unseen].mean(1),
                                          seed=c.spec.seed))
        else:
            ugen = ugain = MISSING
        gen_cells = ([_ci(*gen_ci), _holds(*gen_ci[1:])] if gen_ci is not None
                     else ["undefined (base at 100%)", MISSING])
        rows.append([c.label, _ci(avg, alo, ahi), _holds(alo, ahi), *gen_cells,
                     ugen, ugain, mti_value, pct(off)])
    md = markdown_table(["model", "Avg gain over base [95% CI]", "holds", "Gen [95% CI]", "holds",
                 "Gen, unseen langs [95% CI]", "mean gain, unseen langs [95% CI]",
                 "MTI (provisional)", "off-target %"], rows)
    md += ("\n\n_Intervals: paired bootstrap over parallel questions (2,000 resamples). "
           "'holds' = the 95% interval excludes 0. Gen covers every evaluation language, the training "
           "language included; the 'unseen' columns are transfer proper: only the languages the "
           "model was not trained on. MTI (a ratio: mean gain elsewhere / gain in the training "
           "language) uses the training language as source._")
    if dropped:
        md += ("\n\n_Resamples without a Gen (the base at 100% in every language), left out of "
               "the Gen interval: " + "; ".join(dropped) + "._")
    sections = [Section(f"{bench}: gains over the base, with intervals", md)]
    # Paradigm comparisons on the same training languages (e.g. GRPO(de) vs SFT(de)): each
    # single-stage RL cell against each SFT-kind cell, as their paradigms' rows declare them.
    pairs = []
    for a in have:
        for b in have:
            if (a is not b and a.spec.train_langs == b.spec.train_langs and a.spec.seed == b.spec.seed
                    and _kind(a) == "rl" and _kind(b) == "sft"):
                pairs.append((a, b))
    if pairs:
        lines = []
        for a, b in pairs:
            try:
                d, lo, hi = bootstrap_gen(mats[a.label], base_m, mats[b.label], seed=a.spec.seed)
            except XlingError as exc:  # the base at 100% everywhere: no Gen to compare
                lines.append(f"- **{a.label} vs {b.label}**: {exc}.")
                continue
            other = b.spec.paradigm.upper()
            verdict = (f"RL beat {other} in cross-lingual Gen" if lo > 0 else
                       f"{other} beat RL in cross-lingual Gen" if hi < 0 else
                       f"no significant difference in Gen between RL and {other}")
            lines.append(f"- **{a.label} vs {b.label}**: Gen difference {_ci(d, lo, hi)} points "
                         f"→ {verdict} at 95% in this run.")
        sections.insert(0, Section(f"{bench}: does RL beat SFT?", "\n".join(lines)))
    return sections


def _kind(cell: Cell) -> str | None:
    """"rl" or "sft" as the cell's paradigm row declares it (``train.Paradigm.kind``); None for a
    base cell and a composed paradigm (its RL starts from an SFT model: not RL against SFT)."""
    from xling.train import get_paradigm

    if cell.spec.paradigm == "base":
        return None
    row = get_paradigm(cell.spec.paradigm)
    return None if row.stages else row.kind


def _model_sections(study: StudySpec, have: list[Cell], bench: str, langs: list[str],
                    out: Path) -> list[Section]:
    """Study B: MTI per (post-trained, initial) pair with intervals, gains and off-target rates."""
    from xling.report.models import model_pairs, mti_table, pair_rows, plot_mti

    pairs = model_pairs(study, have)
    if not pairs:
        return []
    records = pair_rows(study, pairs, bench, langs)
    md = mti_table(records, langs)
    md += ("\n\n_MTI (provisional formula, `xling.metrics.mti`): mean over the other languages of "
           "the gain divided by the gain in the source language (the training language of a "
           "one-language cell, else English); 95% interval from 2,000 paired resamples of the "
           "parallel questions (resamples without a source gain are dropped and counted in "
           "metrics). Δ = accuracy gain over the initial model (pp) with its interval from the same "
           "resamples. Off-target: share of "
           "answer / thinking parts whose dominant language is not the question's; mixed: "
           "thinking whose top language holds < 90% of its letters._")
    plot = plot_mti(records, out / f"mti-{bench}.png")
    return [Section(f"{bench}: transfer from each model's post-training (MTI)", md,
                    [plot] if plot else [])]


def _consistency(runs: dict[str, RunResult], langs: list[str], bench: str) -> Section:
    rows = [[name, *(pct(r.consistency.get(lang)) for lang in langs),
             pct(average(r.consistency, langs) if all(lang in r.consistency for lang in langs)
                  else None)] for name, r in runs.items()]
    md = markdown_table(["model", *langs, "mean"], rows)
    md += "\n\n_Share of responses whose dominant language is the question's (study A's consistency)._"
    return Section(f"{bench}: language consistency of responses (%)", md)


def _outcomes(cells: list[Cell], bench: str) -> Section:
    rows = []
    for c in cells:
        counts = failure_counts(c.run.read_metrics()["benchmarks"][bench]["langs"])
        rows.append([c.label, *(str(counts[k]) for k in
                                ("samples", "no_answer", "truncated", "timeouts", "errors"))])
    md = markdown_table(["model", "samples", "no answer", "truncated", "scoring timeouts", "generation errors"], rows)
    return Section(f"{bench}: recorded failures (counts)", md)


def _probe_sections(done, out: Path, named: tuple[str, ...] = ()) -> list[Section]:
    """Each probe renders its own section (``xling.probes.PROBES`` in the table's order, then a
    user's probes ``named`` by dotted path in the study) from the cells' ``probes.json``; an entry
    of a probe neither in the table nor named is skipped, logged."""
    from xling.probes import PROBES, ProbeResult, get_probe

    stored = [(c, json.loads(c.run.probes.read_text(encoding="utf-8")))
              for c, _ in done if c.run.probes.is_file()]
    order = [*PROBES, *(name for name in named if name not in PROBES)]
    unknown = sorted({name for _, p in stored for name in p} - set(order))
    if unknown:
        log.warning("probes.json holds results of unknown probes, not reported: %s", ", ".join(unknown))
    sections = []
    for name in order:
        results = {c.label: ProbeResult(p[name], c.run.root, c.spec.seed)
                   for c, p in stored if name in p}
        if results and (section := get_probe(name).section(results, out)) is not None:
            sections.append(section)
    return sections


def _scaling(study: StudySpec, cells: list[Cell], out: Path) -> Section:
    from xling.scaling import (
        first_parallel_leap,
        fit_power_law,
        monolingual_generalization_gap,
        plot_scaling,
    )
    bench = results_name(study.eval.benchmarks[0])
    ns, ys = [], []
    for c in sorted(cells, key=lambda c: len(c.spec.train_langs)):
        run = load_run(c.run.root, bench)
        try:
            y = transfer_accuracy(run.acc, c.spec.train_langs, study.scaling.target)
        except XlingError:  # trained on every evaluated language: no unseen one
            continue
        ns.append(len(c.spec.train_langs))
        ys.append(y)
    rows = [[str(n), pct(y)] for n, y in zip(ns, ys, strict=True)]
    md = markdown_table(["N parallel languages", f"accuracy on {study.scaling.target} languages (%)"], rows)
    try:
        fit = fit_power_law(ns, ys)
        md += (f"\n\nPower law on N ≥ 2: y = {fit.a:.3f} · N^{fit.b:.3f} "
               f"(se a {fit.a_se:.3f}, se b {fit.b_se:.3f}, R² {fit.r2:.3f}, {fit.n_points} points). "
               f"First-Parallel Leap {pct(first_parallel_leap(ns, ys))} pp; "
               f"Monolingual Generalization Gap {pct(monolingual_generalization_gap(ns, ys, fit))} pp.")
        images = [plot_scaling(ns, ys, fit, out / "scaling.png")]
    except XlingError as exc:
        md += f"\n\n_No power-law fit: {exc}._"
        images = []
    return Section("Parallel scaling (study B)", md, images)



def resolved_spec_yaml(study: StudySpec) -> str:
    """The whole resolved study spec as YAML (every field of ``StudySpec``, cells included): the
    report's "Study spec" when the study has no source file (``xling demo`` builds it in code)."""
    import dataclasses

    import yaml

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return str(value) if isinstance(value, Path) else value

    return yaml.safe_dump(plain(dataclasses.asdict(study)), allow_unicode=True, sort_keys=False)


def write_study_report(study: StudySpec, out: Path | None = None) -> tuple[Path, Path]:
    """Build ``report.md`` and ``report.html`` for ``study`` in its run directory (or ``out``)."""
    import hashlib

    from xling.report.html import provenance, write_report
    from xling.study.runner import study_status

    out = Path(out or study.out_dir)
    sections = build_sections(study, out)
    states = study_status(study)
    done = sum(s.state == "done" for s in states)
    models = "; ".join(f"{m.name} (`{m.path}`)" if m.path else f"{m.name} (trained from "
                       f"{m.initial})" for m in study.models)
    start = ([f"Base model: `{study.base_model}`."] if study.base_model else []) + (
        [f"Models: {models}."] if models else [])
    intro = (f"{' '.join(start)} Cells finished: {done} of {len(states)}. "
             f"Benchmarks: {', '.join(study.eval.benchmarks)}; languages: {', '.join(study.eval.langs)}. "
             "Accuracies are percentages; every number below was computed from this run's per-sample rows.")
    unfinished = [f"{s.label} ({s.state})" for s in states if s.state != "done"]
    if unfinished:
        intro += "\n\n_Not finished (not in the tables): " + ", ".join(unfinished) + "._"
    spec_text = (Path(study.source_file).read_text(encoding="utf-8")
                 if study.source_file and Path(study.source_file).is_file()
                 else resolved_spec_yaml(study))
    # The data files (sha256), hub datasets and models (at their commit) each finished cell's
    # evaluation and training read,
    # recorded when they read them (data.record_reads), and the hash of each result file.
    files: dict[str, str] = {}
    hub: list[str] = []
    models: list[str] = []
    eval_files: dict[str, str] = {}
    for c, metrics in cell_results(study):
        records = [m.get("data") or {} for m in metrics.get("benchmarks", {}).values()]
        if c.run.train_data.is_file():
            records.append(json.loads(c.run.train_data.read_text(encoding="utf-8")))
        for record in records:
            files.update(record.get("files", {}))
            hub += [h for h in record.get("hub", []) if h not in hub]
            models += [m for m in record.get("models", []) if m not in models]
        for bench in map(results_name, study.eval.benchmarks):
            path = c.run.eval_file(bench)
            if path.is_file():
                eval_files[f"{c.label}/{bench}"] = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    prov = provenance(files, hub, models)
    if eval_files:
        prov["eval_files"] = eval_files
    return write_report(f"xling study: {study.name}", intro, sections, spec_text, prov, out)
