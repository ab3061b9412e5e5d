"""Several runs, pass@k, per-benchmark tables and run directories that cannot be poisoned.

Run: pytest tests/test_eval_runs.py -v
"""

from __future__ import annotations

import json
import math
from itertools import combinations
from pathlib import Path

import pytest

from xling.data.io import read_parquet, write_parquet
from xling.evaluation.run import run_eval
from xling.evaluation.settings import EvalConfig
from xling.metrics import mean_pass_at_k, pass_at_k, run_stats, summarize_rows
from xling.report.tables import RunResult, format_markdown, reference_table
from xling.schema import XlingError
from xling.store import RunDir


@pytest.mark.parametrize("n, c, k", [(1, 0, 1), (1, 1, 1), (5, 2, 1), (5, 2, 3), (6, 3, 6),
                                     (8, 1, 4), (16, 5, 8), (10, 0, 3)])
def test_pass_at_k_is_the_probability_over_all_k_subsets(n, c, k):
    # Closed form by enumeration: the share of the C(n, k) subsets holding a correct sample.
    samples = [True] * c + [False] * (n - c)
    subsets = list(combinations(range(n), k))
    expected = sum(any(samples[i] for i in s) for s in subsets) / len(subsets)
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)
    assert pass_at_k(n, c, k) == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k))


def test_pass_at_k_rejects_k_above_n_and_averages_items():
    with pytest.raises(XlingError, match="1 <= k <= n"):
        pass_at_k(4, 1, 8)
    with pytest.raises(XlingError, match="impossible"):
        pass_at_k(4, 5, 1)
    assert mean_pass_at_k([(2, 1), (2, 0)], 1) == pytest.approx(0.25)


def test_run_stats_is_mean_sd_and_a_t_interval():
    stats = run_stats([0.5, 0.6, 0.7])
    assert stats["mean"] == pytest.approx(0.6)
    assert stats["sd"] == pytest.approx(0.1)
    # t(0.975, 2) = 4.3027: the interval is mean ± t · sd / sqrt(3)
    half = 4.302653 * 0.1 / math.sqrt(3)
    assert stats["ci95"] == pytest.approx([0.6 - half, 0.6 + half], abs=1e-5)
    assert math.isnan(run_stats([0.4])["sd"])


@pytest.mark.parametrize("values", [[0.9, 1.0, 1.0], [0.0, 0.0, 0.1], [0.0, 1.0], [0.02, 0.0]])
def test_run_interval_stays_a_proportion(values):
    """A t-interval of a proportion near 0 or 1 reaches past the range: the ends are clipped."""
    lo, hi = run_stats(values)["ci95"]
    assert 0.0 <= lo <= run_stats(values)["mean"] <= hi <= 1.0
    assert lo == 0.0 or hi == 1.0  # each of these reaches a bound


def _row(lang, pid, run, correct, sample=0):
    return {"id": f"{lang}-{pid}", "parallel_id": pid, "lang": lang, "run": run, "sample": sample,
            "correct": correct, "extracted": "1", "reason": "boxed", "finish_reason": "stop",
            "response_lang": lang}


def test_summarize_rows_reports_runs_and_pass_at_k_from_rows():
    rows = [_row("de", "p1", 0, True), _row("de", "p2", 0, False),
            _row("de", "p1", 1, True), _row("de", "p2", 1, True)]
    summary = summarize_rows(rows, pass_k=(1, 2))["de"]
    assert summary["acc"]["value"] == 0.75
    assert summary["runs"]["values"] == [0.5, 1.0]
    # p1: 2 of 2 correct; p2: 1 of 2 -> pass@1 = (1 + 0.5) / 2, pass@2 = 1
    assert summary["pass_at_k"] == {"1": 0.75, "2": 1.0}


def test_config_refuses_greedy_copies_and_impossible_k():
    with pytest.raises(XlingError, match="identical greedy copies"):
        EvalConfig(model="m", runs=3)
    with pytest.raises(XlingError, match="needs 1 <= k <= n x runs = 4"):
        EvalConfig(model="m", n=2, temperature=0.7, runs=2, pass_k=(8,))


def test_runs_and_pass_at_k_end_to_end(tiny_model, tmp_path):
    cfg = EvalConfig(model=str(tiny_model), benchmark="mgsm", limit=2, runs=2, pass_k=(1, 4),
                     n=2, temperature=1.0, max_new_tokens=6)
    result = run_eval(cfg, ["en", "de"], tmp_path / "run")
    rows = read_parquet(tmp_path / "run" / "eval" / "mgsm.parquet")
    assert len(rows) == 2 * 2 * 2 * 2  # langs x items x runs x samples
    assert sorted({r["run"] for r in rows}) == [0, 1]
    for lang in ("en", "de"):
        m = result["langs"][lang]
        assert m["runs"]["n_runs"] == 2 and set(m["pass_at_k"]) == {"1", "4"}
    # Runs are seeded differently: their completions are not all equal.
    by_run = {r["run"]: [] for r in rows}
    for r in rows:
        by_run[r["run"]].append(r["completion"])
    assert by_run[0] != by_run[1]
    assert result["langs"] == json.loads(json.dumps(summarize_rows(rows, pass_k=(1, 4))))


def _mgsm_cfg(model, **kw):
    return EvalConfig(model=str(model), benchmark="mgsm", limit=2,
                      max_new_tokens=4, **kw)


def test_failed_start_does_not_poison_the_run_directory(tiny_model, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(XlingError):
        run_eval(_mgsm_cfg(tmp_path / "typo"), ["en"], out)
    run_eval(_mgsm_cfg(tiny_model), ["en"], out)  # the corrected command is accepted
    assert len(read_parquet(out / "eval" / "mgsm.parquet")) == 2


@pytest.mark.parametrize("damage", ["truncated", "half", "other-language", "empty"])
def test_damaged_shards_are_redone_not_trusted(tiny_model, tmp_path, damage, caplog):
    out = tmp_path / "run"
    cfg = _mgsm_cfg(tiny_model)
    run_eval(cfg, ["en", "de"], out)
    good = read_parquet(out / "eval" / "mgsm.parquet")
    shard = RunDir(out).shard("mgsm", "de")
    de_rows = read_parquet(shard)
    if damage == "truncated":
        shard.write_bytes(shard.read_bytes()[:40])
    elif damage == "half":
        write_parquet(shard, de_rows[:1])
    elif damage == "other-language":
        write_parquet(shard, read_parquet(RunDir(out).shard("mgsm", "en")))
    else:
        write_parquet(shard, [])
    caplog.set_level("WARNING")
    run_eval(cfg, ["en", "de"], out)
    assert "redoing de" in caplog.text
    assert read_parquet(out / "eval" / "mgsm.parquet") == good


def _result(name, acc, metric="accuracy", sd=None):
    return RunResult(name=name, acc=acc, ci95={k: (0.0, 1.0) for k in acc},
                     n=dict.fromkeys(acc, 10), consistency=dict.fromkeys(acc, 1.0),
                     metric=metric, sd=sd or {})


def test_report_shows_missing_languages_as_such_in_any_order():
    a = _result("a", {"en": 0.5, "de": 0.25})
    b = _result("b", {"en": 0.75, "te": 0.5})
    ab = format_markdown(*reference_table([a, b]))
    ba = format_markdown(*reference_table([b, a]))
    assert ab.splitlines()[0] == ba.splitlines()[0] == "| model | en | de | te | Avg |"
    assert "| a | 50.0 | 25.0 | — | — |" in ab and "| b | 75.0 | — | 50.0 | — |" in ab
    assert "| a | 50.0 | 25.0 | — | — |" in ba
    assert "a has no te" in ab and "b has no de" in ab
    assert " 0.0 " not in ab


def test_report_prints_mean_and_sd_over_runs():
    run = _result("r", {"en": 0.5}, metric="accuracy, mean ± sd over 6 runs", sd={"en": 0.02})
    assert "| r | 50.0 ± 2.0 | 50.0 |" in format_markdown(*reference_table([run]))


def test_csv_gives_mean_and_sd_their_own_columns():
    from xling.report.tables import format_csv

    runs = _result("r", {"en": 0.5, "de": 0.25}, metric="accuracy, mean ± sd over 6 runs",
                   sd={"en": 0.02, "de": 0.125})
    once = _result("s", {"en": 0.75, "de": 0.5})
    header, *rows = format_csv(*reference_table([runs, once])[:2]).splitlines()
    assert header == "model,en,en sd,de,de sd,Avg"
    assert rows == ["r,50.0,2.0,25.0,12.5,37.5", "s,75.0,,50.0,,62.5"]
    assert "±" not in "".join(rows)


class _Counting:
    """Wraps a generator: records each call's prompts; can fail on the k-th call (a kill)."""

    def __init__(self, inner, fail_on: int | None = None):
        self.inner, self.fail_on, self.calls = inner, fail_on, []

    def generate(self, prompts, params):
        self.calls.append(list(prompts))
        if self.fail_on is not None and len(self.calls) == self.fail_on:
            raise KeyboardInterrupt("killed")
        return self.inner.generate(prompts, params)


def test_stream_mixes_languages_and_a_killed_eval_resumes_without_redoing(
        tiny_model, tmp_path, monkeypatch):
    import xling.evaluation.run as evaluate
    from xling.generate import get_generator

    monkeypatch.setattr(evaluate, "CHUNK_PROMPTS", 3)
    inner = get_generator("hf", str(tiny_model), progress=False)
    cfg = EvalConfig(model=str(tiny_model), benchmark="mgsm", limit=3,
                     max_new_tokens=5, temperature=1.0)
    langs = ["en", "de", "zh"]
    whole = _Counting(inner)
    run_eval(cfg, langs, tmp_path / "whole", generator=whole)
    assert len(whole.calls) == 3  # 9 prompts in chunks of 3
    assert any(len({p.splitlines()[-1] for p in call}) > 1 for call in whole.calls)  # mixed langs

    killed = _Counting(inner, fail_on=2)
    with pytest.raises(KeyboardInterrupt):
        run_eval(cfg, langs, tmp_path / "resumed", generator=killed)
    resumed = _Counting(inner)
    run_eval(cfg, langs, tmp_path / "resumed", generator=resumed)
    assert len(resumed.calls) == 2  # the first chunk was saved and is not asked for again
    assert killed.calls[0] not in resumed.calls
    assert (read_parquet(tmp_path / "resumed" / "eval" / "mgsm.parquet")
            == read_parquet(tmp_path / "whole" / "eval" / "mgsm.parquet"))
    again = _Counting(inner)
    run_eval(cfg, langs, tmp_path / "resumed", generator=again)
    assert again.calls == []


def test_a_rerun_with_fewer_languages_keeps_the_others(tiny_model, tmp_path):
    out = tmp_path / "run"
    cfg = _mgsm_cfg(tiny_model)
    run_eval(cfg, ["en", "de", "zh"], out)
    whole = read_parquet(out / "eval" / "mgsm.parquet")
    metrics = json.loads((out / "metrics.json").read_text())["benchmarks"]["mgsm"]
    result = run_eval(cfg, ["de"], out)  # nothing to generate: de is done
    assert read_parquet(out / "eval" / "mgsm.parquet") == whole
    assert result["langs"] == metrics["langs"] and set(result["langs"]) == {"en", "de", "zh"}
    run_eval(cfg, ["ja"], out)  # adds ja, keeps the rest
    rows = read_parquet(out / "eval" / "mgsm.parquet")
    assert [r for r in rows if r["lang"] != "ja"] == whole
    saved = json.loads((out / "metrics.json").read_text())["benchmarks"]["mgsm"]
    assert list(saved["langs"]) == ["en", "zh", "de", "ja"]  # the registry's order
    assert saved["langs"] == json.loads(json.dumps(summarize_rows(rows)))
    assert {Path(f).name for f in saved["data"]["files"]} == {
        "mgsm_en.tsv", "mgsm_de.tsv", "mgsm_zh.tsv", "mgsm_ja.tsv"}


class _Failing:
    """Wraps a generator; every sample of a prompt holding one of ``fail`` is a backend error."""

    def __init__(self, inner, fail=()):
        self.inner, self.fail, self.calls = inner, tuple(fail), []

    def generate(self, prompts, params):
        from xling.schema import Generation

        self.calls.append(list(prompts))
        gens = self.inner.generate(prompts, params)
        return [[Generation("", 0, 0, "error", error="HTTP 503 from the server") for _ in gs]
                if any(q in p for q in self.fail) else gs for p, gs in zip(prompts, gens, strict=True)]


def test_backend_errors_are_named_per_language_and_retried_on_a_rerun(tiny_model, tmp_path):
    from xling.data.benchmarks import mgsm
    from xling.generate import get_generator
    from xling.report.tables import load_run

    inner = get_generator("hf", str(tiny_model), progress=False)
    cfg = _mgsm_cfg(tiny_model)
    failing = mgsm.load(["de"], limit=2)[1].question
    out = tmp_path / "run"
    run_eval(cfg, ["en", "de"], out, generator=_Failing(inner, [failing]))
    header, rows, notes = reference_table([load_run(out, "mgsm")])
    assert ("run: backend errors (no completion; counted as wrong) in de 1 of 2; a rerun of the "
            "evaluation asks for them again") in notes
    again = _Failing(inner)
    result = run_eval(cfg, ["en", "de"], out, generator=again)
    assert len(again.calls) == 1 and len(again.calls[0]) == 1 and failing in again.calls[0][0]
    rows = read_parquet(out / "eval" / "mgsm.parquet")
    assert all(r["finish_reason"] != "error" for r in rows) and len(rows) == 4
    assert result["langs"]["de"]["errors"] == 0
    assert not [n for n in reference_table([load_run(out, "mgsm")])[2] if "backend errors" in n]
    quiet = _Failing(inner)
    run_eval(cfg, ["en", "de"], out, generator=quiet)
    assert quiet.calls == []  # nothing failed: nothing asked
