"""Editing a finished study re-runs exactly what the edit changed (README: "Studies resume").

Each stage of a cell is keyed by what it depends on (``study.grid``): changing ``eval.limit``
re-evaluates without retraining; adding a probe runs only that probe; an unchanged study runs
nothing. Run: pytest tests/test_study_stages.py -v   (trains one tiny SFT cell, ~30 s)
"""

from __future__ import annotations

import json

import pytest

from xling.data.io import read_parquet
from xling.study.grid import resolve_cells
from xling.study.runner import run_study, study_status
from xling.study.spec import parse_spec


def spec(tmp_path, base, **changes):
    data = {
        "name": "stages", "base_model": str(base), "out": str(tmp_path / "runs"),
        "pool": {"name": "sandbox", "n": 16},
        "grid": {"paradigms": ["sft"], "train_langs": [["de"]], "seeds": [0]},
        "paradigm_config": {"sft": {"epochs": 1, "batch_size": 8, "learning_rate": 1e-4}},
        "eval": {"benchmarks": ["sandbox"], "langs": "en,de", "limit": 3,
                 "max_new_tokens": 16, "batch_size": 6},
    }
    for key, value in changes.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    return parse_spec(data, "stages.yaml")


def test_stage_keys_follow_what_each_stage_reads():
    base = {"name": "k", "base_model": "m", "grid": {"paradigms": ["sft"], "train_langs": [["de"]]},
            "eval": {"benchmarks": ["mgsm"], "langs": "en,de", "limit": 4}}
    a = resolve_cells(parse_spec(base))
    b = resolve_cells(parse_spec({**base, "eval": {**base["eval"], "limit": 6}}))
    c = resolve_cells(parse_spec({**base, "probes": ["composition"]}))
    d = resolve_cells(parse_spec({**base, "eval": {**base["eval"], "batch_size": 7}}))
    e = resolve_cells(parse_spec({**base, "paradigm_config": {"sft": {"epochs": 2}}}))
    for x, y, z, w in zip(a, b, c, d, strict=True):
        assert x.key == y.key == z.key == w.key  # training never depends on evaluation or probes
        assert x.run.root == y.run.root
        assert x.stage_keys["eval"] != y.stage_keys["eval"]
        assert x.stage_keys["probes"] != y.stage_keys["probes"]  # probes read the evaluation
        assert x.stage_keys["eval"] == z.stage_keys["eval"]
        assert x.stage_keys["probes"] != z.stage_keys["probes"]
        assert x.stage_keys == w.stage_keys  # batch size changes speed, not results
    assert a[0].key == e[0].key  # the base cell has no training config
    assert a[1].key != e[1].key and a[1].run.root != e[1].run.root


@pytest.mark.slow
def test_edits_rerun_exactly_what_they_change(tmp_path, tiny_model, caplog):
    caplog.set_level("INFO", logger="xling")
    first = spec(tmp_path, tiny_model)
    run_study(first)
    base_cell, sft_cell = resolve_cells(first)
    trained = (sft_cell.run.root / "train" / "TRAINED").stat().st_mtime_ns
    assert len(read_parquet(sft_cell.run.eval_file("sandbox"))) == 6

    # Unchanged: nothing runs, DONE untouched.
    done = sft_cell.run.done_marker.stat().st_mtime_ns
    caplog.clear()
    run_study(first)
    assert sft_cell.run.done_marker.stat().st_mtime_ns == done
    assert "training" not in caplog.text and "re-evaluating" not in caplog.text

    # eval.limit 3 -> 4: both cells are pending again, re-evaluated, not retrained.
    second = spec(tmp_path, tiny_model, eval={"limit": 4})
    assert [s.state for s in study_status(second)] == ["pending", "pending"]
    caplog.clear()
    run_study(second)
    assert "re-evaluating" in caplog.text and "training sft" not in caplog.text
    assert (sft_cell.run.root / "train" / "TRAINED").stat().st_mtime_ns == trained
    for cell in resolve_cells(second):
        rows = read_parquet(cell.run.eval_file("sandbox"))
        assert len(rows) == 8  # 4 items x 2 languages: the new limit, not a mix
        assert cell.run.read_metrics()["benchmarks"]["sandbox"]["config"]["limit"] == 4
    assert [s.state for s in study_status(second)] == ["done", "done"]

    # Adding a probe runs that probe only (evaluation reused) and the cells carry its result.
    third = spec(tmp_path, tiny_model, eval={"limit": 4}, probes=["composition"])
    evaluated = sft_cell.run.eval_file("sandbox").stat().st_mtime_ns
    caplog.clear()
    run_study(third)
    assert "probes composition" in caplog.text and "re-evaluating" not in caplog.text
    assert sft_cell.run.eval_file("sandbox").stat().st_mtime_ns == evaluated
    for cell in resolve_cells(third):
        assert set(json.loads(cell.run.probes.read_text())) == {"composition"}
        assert cell.is_done()

    # A probe with nothing to say for a cell (drift on the base) is recorded as run, so adding
    # another probe later runs only that one.
    fourth = spec(tmp_path, tiny_model, eval={"limit": 4}, probes=["composition", "drift"])
    run_study(fourth)
    base_cell = resolve_cells(fourth)[0]
    assert "drift" not in json.loads(base_cell.run.probes.read_text())
    assert json.loads(base_cell.run.probe_inputs.read_text())["ran"] == ["composition", "drift"]
    caplog.clear()
    run_study(spec(tmp_path, tiny_model, eval={"limit": 4},
                   probes=["composition", "drift", "perplexity"]))
    assert "Base: probes perplexity" in caplog.text and "SFT(de): probes perplexity" in caplog.text
