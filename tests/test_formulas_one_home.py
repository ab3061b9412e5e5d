"""Issue #13 item 5: every formula lives in one function of xling.metrics, and the report calls it.

Each report number below is recomputed from the stored rows with the metrics function and
compared with the Markdown; a spy checks that the report really calls the function (so a
re-derived copy in the report cannot drift from it). The bootstrap intervals all come from one
loop (``metrics.resample``) that counts dropped resamples; models load through
``xling.checkpoint``.
Run: pytest tests/test_formulas_one_home.py -v
"""

from __future__ import annotations

import numpy as np
import pytest

import xling.metrics as metrics
from xling.data.io import read_parquet, write_json, write_parquet
from xling.report.study import build_sections, write_study_report
from xling.schema import XlingError
from xling.study.grid import resolve_cells
from xling.study.spec import parse_spec

LANGS = ["en", "de", "sw"]
P_CORRECT = {"Base": [0.5, 0.3, 0.1], "SFT(de)": [0.55, 0.45, 0.12], "GRPO(de)": [0.8, 0.7, 0.5]}
P_SAME_LANG = {"Base": [1.0, 0.9, 0.6], "SFT(de)": [0.95, 0.8, 0.5], "GRPO(de)": [0.9, 0.4, 0.2]}


def write_rows(cell, p_correct, p_same, n, seed=0, thinking=False):
    """Synthetic per-sample rows for one cell (no model), with their metrics.json."""
    rng = np.random.default_rng(seed)
    rows = []
    for j, lang in enumerate(LANGS):
        for i in range(n):
            ok = bool(rng.random() < p_correct[j])
            same = bool(rng.random() < p_same[j])
            row = {"id": f"{lang}-{i}", "parallel_id": f"p{i}", "lang": lang, "sample": 0,
                   "gold": "1", "prompt": "q", "completion": "c", "extracted": "1" if ok else None,
                   "correct": ok, "reason": "boxed" if ok else "no-answer",
                   "response_lang": lang if same else "en" if lang != "en" else "de",
                   "ambiguous_number": False, "prompt_tokens": 1, "completion_tokens": 1,
                   "finish_reason": "length" if i % 7 == 0 else "stop", "error": None}
            if thinking:
                row.update(thinking="t", think_state="unclosed" if i % 5 == 0 else "closed",
                           thinking_lang="en" if rng.random() < 0.5 else lang,
                           thinking_top_share=float(rng.random()))
            rows.append(row)
    write_parquet(cell.run.eval_file("sandbox"), rows)
    write_json(cell.run.metrics, {"benchmarks": {"sandbox": {"langs": metrics.summarize_rows(rows)}}})
    cell.mark_done()
    return rows


@pytest.fixture
def study(tmp_path):
    spec = parse_spec({
        "name": "formulas", "base_model": str(tmp_path), "out": str(tmp_path / "runs"),
        "grid": {"paradigms": ["sft", "grpo"], "train_langs": [["de"]]},
        "eval": {"benchmarks": ["sandbox"], "langs": ",".join(LANGS)},
    }, "formulas.yaml")
    for k, cell in enumerate(resolve_cells(spec)):
        write_rows(cell, P_CORRECT[cell.label], P_SAME_LANG[cell.label], 60, seed=k)
    return spec


def _summary(cell):
    return cell.run.read_metrics()["benchmarks"]["sandbox"]["langs"]


def _section(sections, title_part):
    return next(s for s in sections if title_part in s.title)


def _row(markdown, label):
    line = next(line for line in markdown.splitlines() if line.startswith(f"| {label} |"))
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _spy(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)

    def spy(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)  # raises when the module does not use the function
    return calls


def test_report_off_target_is_mean_off_target_of_the_stored_rows(study, tmp_path, monkeypatch):
    import xling.report.study as report_study

    calls = _spy(monkeypatch, report_study, "mean_off_target")
    sections = build_sections(study, tmp_path / "out")
    gains = _section(sections, "gains over the base").markdown
    for cell in resolve_cells(study):
        if cell.label == "Base":
            continue
        rows = read_parquet(cell.run.eval_file("sandbox"))
        rates = {lang: metrics.off_target_rate([r["response_lang"] for r in rows if r["lang"] == lang],
                                               [lang] * sum(r["lang"] == lang for r in rows))
                 for lang in LANGS}
        by_hand = sum(rates.values()) / len(LANGS)
        assert by_hand == pytest.approx(metrics.mean_off_target(
            {lang: m["consistency"] for lang, m in _summary(cell).items()}, LANGS))
        assert _row(gains, cell.label)[-1] == f"{100 * by_hand:.1f}"
    assert len(calls) == 2  # SFT(de) and GRPO(de)


def test_report_consistency_mean_is_average(study, tmp_path, monkeypatch):
    import xling.report.study as report_study

    calls = _spy(monkeypatch, report_study, "average")
    md = _section(build_sections(study, tmp_path / "out"), "language consistency").markdown
    for cell in resolve_cells(study):
        consistency = {lang: m["consistency"] for lang, m in _summary(cell).items()}
        assert _row(md, cell.label)[-1] == f"{100 * metrics.average(consistency, LANGS):.1f}"
    assert any(args and args[0] == consistency for args in calls)


def test_report_failure_counts_are_failure_counts(study, tmp_path, monkeypatch):
    import xling.report.study as report_study

    calls = _spy(monkeypatch, report_study, "failure_counts")
    md = _section(build_sections(study, tmp_path / "out"), "recorded failures").markdown
    for cell in resolve_cells(study):
        rows = read_parquet(cell.run.eval_file("sandbox"))
        truncated = sum(r["finish_reason"] == "length" for r in rows)
        no_answer = sum(r["extracted"] is None for r in rows)
        assert _row(md, cell.label) == [cell.label, str(len(rows)), str(no_answer), str(truncated),
                                        "0", "0"]
        assert metrics.failure_counts(_summary(cell))["truncated"] == truncated
    assert len(calls) == 3


def test_scaling_ys_are_transfer_accuracy(tmp_path, monkeypatch):
    import xling.report.study as report_study

    spec = parse_spec({
        "name": "scaling", "base_model": str(tmp_path), "out": str(tmp_path / "runs"),
        "pool": {"name": "sandbox", "n": 16, "design": "parallel"},
        "scaling": {"order": LANGS, "paradigm": "sft", "target": "unseen"},
        "eval": {"benchmarks": ["sandbox"], "langs": ",".join(LANGS)},
    }, "scaling.yaml")
    cells = resolve_cells(spec)
    for k, cell in enumerate(cells):
        write_rows(cell, [0.2 + 0.1 * k, 0.3, 0.4 + 0.05 * k], [1.0, 1.0, 1.0], 40, seed=k)
    calls = _spy(monkeypatch, report_study, "transfer_accuracy")
    md = _section(build_sections(spec, tmp_path / "out"), "Parallel scaling").markdown
    trained = [c for c in cells if c.spec.paradigm != "base"]
    expected = {}
    for cell in trained:
        rows = read_parquet(cell.run.eval_file("sandbox"))
        unseen = [lang for lang in LANGS if lang not in cell.spec.train_langs]
        if unseen:  # y(N): mean accuracy over the languages not trained on
            acc = {lang: np.mean([r["correct"] for r in rows if r["lang"] == lang]) for lang in unseen}
            expected[len(cell.spec.train_langs)] = float(np.mean(list(acc.values())))
    assert sorted(expected) == [1, 2]  # N = 3 trains on every language: no unseen one
    for n, y in expected.items():
        assert _row(md, str(n)) == [str(n), f"{100 * y:.1f}"]
    assert len(calls) == len(trained)


def test_transfer_accuracy_and_mean_off_target():
    acc = {"en": 0.9, "de": 0.5, "zh": 0.3}
    assert metrics.transfer_accuracy(acc, ["en"], "unseen") == pytest.approx(0.4)
    assert metrics.transfer_accuracy(acc, ["en"], "all") == pytest.approx(0.5666666)
    with pytest.raises(XlingError, match="no unseen language"):
        metrics.transfer_accuracy(acc, ["en", "de", "zh"])
    with pytest.raises(XlingError, match="no accuracy for zh"):
        metrics.mean_off_target({"en": 1.0}, ["en", "zh"])  # never a mean over fewer languages


def test_polymath_dw_acc_is_difficulty_weighted_accuracy(monkeypatch):
    import xling.data.benchmarks.polymath as polymath

    calls = _spy(monkeypatch, polymath, "difficulty_weighted_accuracy")
    levels = {"low": [1, 1], "medium": [1, 0], "high": [0, 1], "top": [0, 0]}
    rows = [{"id": f"{lv}-{i}", "lang": "de", "correct": bool(c), "meta": {"level": lv}}
            for lv, cs in levels.items() for i, c in enumerate(cs)]
    summary = polymath.summarize(rows)
    acc = {lv: sum(cs) / len(cs) for lv, cs in levels.items()}
    assert calls == [(acc,)]
    assert summary["de"]["dw_acc"] == metrics.difficulty_weighted_accuracy(acc) == (1 + 1 + 2) / 15
    assert polymath.LEVELS == tuple(metrics.POLYMATH_WEIGHTS)


def test_pair_rows_rates_are_reasoning_language_rates(tmp_path, monkeypatch):
    import xling.report.models as report_models

    spec = parse_spec({
        "name": "pairs", "base_model": str(tmp_path), "out": str(tmp_path / "runs"),
        "models": [{"name": "init", "path": "init"},
                   {"name": "reasoner", "path": "reasoner", "initial": "init"}],
        "eval": {"benchmarks": ["sandbox"], "langs": ",".join(LANGS)},
    }, "pairs.yaml")
    cells = resolve_cells(spec)
    for k, cell in enumerate(cells):
        write_rows(cell, [0.3, 0.3, 0.3] if k == 0 else [0.8, 0.6, 0.5], [0.9, 0.7, 0.5], 40,
                   seed=k, thinking=cell.label == "reasoner")
    calls = _spy(monkeypatch, report_models, "reasoning_language_rates")
    pairs = report_models.model_pairs(spec, cells)
    (record,) = report_models.pair_rows(spec, pairs, "sandbox", LANGS)
    reasoner = next(c for c in cells if c.label == "reasoner")
    rows = read_parquet(reasoner.run.eval_file("sandbox"))
    off_think = [np.mean([r["thinking_lang"] != lang for r in rows if r["lang"] == lang])
                 for lang in LANGS]
    assert record["off_target_thinking"] == pytest.approx(np.mean(off_think))
    assert record["unclosed"] == sum(r["think_state"] == "unclosed" for r in rows)
    rates = metrics.reasoning_language_rates(_summary(reasoner))
    assert {k: record[k] for k in rates} == pytest.approx(rates)
    assert len(calls) == 1


# ---- one bootstrap loop -------------------------------------------------------------------

def _old_bootstrap_gen(model, base, n_boot, seed):
    """bootstrap_gen's loop as it was before the shared helper (for the numbers)."""
    rng = np.random.default_rng(seed)
    langs = [str(j) for j in range(model.shape[1])]
    boots = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(model), size=len(model))
        try:
            boots.append(metrics.gen_score(dict(zip(langs, model[idx].mean(0), strict=True)),
                                           dict(zip(langs, base[idx].mean(0), strict=True))))
        except XlingError:
            continue
    return np.percentile(boots, [2.5, 97.5])


def test_every_bootstrap_goes_through_resample(monkeypatch):
    rng = np.random.default_rng(0)
    base = (rng.random((30, 3)) < 0.4).astype(float)
    model = (rng.random((30, 3)) < 0.7).astype(float)
    expected = {
        "gen": metrics.bootstrap_gen(model, base, n_boot=300, seed=2),
        "paired": metrics.paired_bootstrap(model.mean(1), base.mean(1), n_boot=300, seed=2),
        "mti": metrics.bootstrap_mti(model, base, ["en", "de", "zh"], n_boot=300, seed=2),
    }
    # Same numbers as the loops the helper replaced (no change to any reported interval).
    np.testing.assert_allclose(expected["gen"][1:], _old_bootstrap_gen(model, base, 300, 2))
    import xling.metrics.bootstrap as bootstrap

    calls = _spy(monkeypatch, bootstrap, "resample")
    assert metrics.bootstrap_gen(model, base, n_boot=300, seed=2) == expected["gen"]
    assert metrics.paired_bootstrap(model.mean(1), base.mean(1), n_boot=300, seed=2) == expected["paired"]
    assert metrics.bootstrap_mti(model, base, ["en", "de", "zh"], n_boot=300, seed=2) == expected["mti"]
    assert len(calls) == 4  # gen, paired, and mti's two passes (MTI and gains) over one seed


def test_paired_bootstrap_counts_undefined_resamples():
    x, y = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0], [0.0] * 6

    def ratio(a, b):
        if a[0] == 0 and a.sum() == 0:
            raise XlingError("undefined")
        return float(a.mean() - b.mean())

    ci = metrics.paired_bootstrap(x, y, n_boot=500, seed=3, statistic=ratio)
    assert ci.n_boot == 500 and 0 < ci.dropped < 500  # resamples of only zeros are dropped
    assert ci[1] <= ci[0] <= ci[2]
    with pytest.raises(XlingError, match="undefined in all 50 resamples"):
        metrics.paired_bootstrap([0.0, 0.0], [0.0, 0.0], n_boot=50, statistic=ratio)


def test_report_names_dropped_gen_resamples(tmp_path):
    spec = parse_spec({
        "name": "dropped", "base_model": str(tmp_path), "out": str(tmp_path / "runs"),
        "grid": {"paradigms": ["sft"], "train_langs": [["de"]]},
        "eval": {"benchmarks": ["sandbox"], "langs": ",".join(LANGS)},
    }, "dropped.yaml")
    for k, cell in enumerate(resolve_cells(spec)):
        rows = write_rows(cell, [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], 20, seed=k)
        if cell.label == "Base":  # the base misses one question in one language only
            rows[0]["correct"], rows[0]["extracted"] = False, None
            write_parquet(cell.run.eval_file("sandbox"), rows)
            write_json(cell.run.metrics,
                       {"benchmarks": {"sandbox": {"langs": metrics.summarize_rows(rows)}}})
    md = _section(build_sections(spec, tmp_path / "out"), "gains over the base").markdown
    m = np.ones((20, 3))
    b = m.copy()
    b[0, 0] = 0.0
    ci = metrics.bootstrap_gen(m, b, seed=0)
    assert ci.dropped > 0
    assert f"SFT(de) {ci.dropped} of 2000" in md


# ---- one model loader ----------------------------------------------------------------------

def test_probes_load_models_through_the_one_loader(monkeypatch, tmp_path):
    import xling.checkpoint
    import xling.probes.drift
    import xling.probes.perplexity

    for module in (xling.probes.perplexity, xling.probes.drift):
        assert module.load_causal_lm is xling.checkpoint.load_causal_lm
    with pytest.raises(XlingError, match="model path not found"):
        xling.probes.perplexity.perplexity_by_lang(str(tmp_path / "typo"), [_example()])


def _example():
    from xling.schema import Example

    return Example(id="e", parallel_id="p", lang="en", question="one two three", answer="1")


def test_report_spec_section_shows_the_whole_resolved_spec(study):
    md = write_study_report(study)[0].read_text(encoding="utf-8")
    spec_text = md.split("## Study spec", 1)[1]
    for key in ("name: formulas", "paradigm: grpo", "max_new_tokens: 512", "probes: []",
                "pool:", "backend: hf"):
        assert key in spec_text, key
