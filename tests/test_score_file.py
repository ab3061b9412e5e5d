"""`xling score`: completions produced elsewhere scored exactly as `xling eval` scores its own.

Run: pytest tests/test_score_file.py -v
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from xling.data import load_benchmark
from xling.data.io import read_parquet
from xling.evaluation.score_file import score_file
from xling.schema import XlingError
from xling.scoring import judge


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


@pytest.mark.full_data("the real outputs on MGSM, MMMLU and Global-MMLU declare no licence; tests/data/staged has only M-IFEval's")
def test_real_mgsm_outputs_score_as_judge_does(tmp_path, shared_data):
    """The real Qwen3 / s1.1 MGSM outputs, as a server would hand them back (rows with their own
    gold and finish reason), give the rows and metrics judge gives them one by one."""
    real = shared_data / "real-outputs" / "rows.jsonl"
    if not real.is_file():
        pytest.skip("real-outputs not staged")
    with (Path(__file__).parent / "data" / "real_outputs_labels.jsonl").open(encoding="utf-8") as fh:
        labels = {r["id"]: r for r in map(json.loads, fh)}
    rows = [r for r in map(json.loads, real.open(encoding="utf-8")) if r["benchmark"] == "mgsm"]
    finish = {r["id"]: "stop" if labels[r["id"]]["finished"] else "length" for r in rows}
    src = _write(tmp_path / "completions.jsonl",
                 [{"id": r["id"], "lang": r["lang"], "completion": r["response"],
                   "gold": r["gold"], "finish_reason": finish[r["id"]]} for r in rows])
    result = score_file(src, tmp_path / "out", name="real-mgsm")
    scored = {r["id"]: r for r in read_parquet(tmp_path / "out" / "eval" / "real-mgsm.parquet")}
    assert set(scored) == {r["id"] for r in rows}
    for r in rows:
        v = judge(r["response"], r["gold"], r["lang"], finish_reason=finish[r["id"]])
        got = scored[r["id"]]
        assert (got["correct"], got["extracted"], got["reason"], got["think_state"]) == \
            (v.correct, v.extracted, v.reason, v.think_state), r["id"]
    for lang, m in result["langs"].items():
        mine = [scored[r["id"]]["correct"] for r in rows if r["lang"] == lang]
        assert m["acc"]["value"] == pytest.approx(sum(mine) / len(mine))
        assert m["truncated"] == sum(finish[r["id"]] == "length" for r in rows if r["lang"] == lang)


def test_rows_matched_to_a_benchmark_by_id_or_parallel_id(tmp_path, shared_data):
    items = load_benchmark("mgsm", ["de", "en"], limit=3)
    de = [ex for ex in items if ex.lang == "de"]
    en = [ex for ex in items if ex.lang == "en"]
    src = _write(tmp_path / "c.jsonl", [
        {"id": de[0].id, "lang": "de", "completion": f"Also \\boxed{{{de[0].answer}}}."},
        {"id": de[1].id, "lang": "de", "completion": "keine Ahnung"},
        {"parallel_id": en[2].parallel_id, "lang": "en", "completion": "The answer is 1.",
         "finish_reason": "length"},
    ])
    result = score_file(src, tmp_path / "out", benchmark="mgsm")
    rows = read_parquet(tmp_path / "out" / "eval" / "mgsm.parquet")
    assert [r["correct"] for r in rows] == [True, False, en[2].answer == "1"]
    assert [r["reason"] for r in rows][:2] == ["boxed", "no-answer"]
    assert result["langs"]["de"]["acc"]["value"] == 0.5 and result["langs"]["en"]["truncated"] == 1
    assert result["headline"]["kind"] == "runs"  # MGSM's study A headline travels along


def test_cli_prints_the_table_and_report_reads_it(tmp_path, shared_data):
    ex = load_benchmark("mgsm", ["fr"], limit=1)[0]
    src = _write(tmp_path / "c.jsonl", [{"id": ex.id, "lang": "fr",
                                         "completion": f"La réponse est {ex.answer}."}])
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "xling.cli", "score", str(src), "--benchmark",
                           "mgsm", "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "| 100.0 |" in done.stdout
    report = subprocess.run([sys.executable, "-m", "xling.cli", "report", str(out)],
                            capture_output=True, text=True)
    assert report.returncode == 0 and "100.0" in report.stdout


@pytest.mark.parametrize("row, message", [
    ({"lang": "de"}, r"c\.jsonl:1: missing key\(s\) completion"),
    ({"lang": "xx", "completion": "a", "gold": "1"}, r"c\.jsonl:1: unknown language 'xx'"),
    ({"lang": "de", "completion": 3, "gold": "1"}, r"c\.jsonl:1: 'completion' must be a string"),
    ({"lang": "de", "completion": "a", "gold": "1", "finish_reason": "cut"},
     r"c\.jsonl:1: finish_reason 'cut'"),
    ({"lang": "de", "completion": "a"}, r"c\.jsonl:1: no 'gold'"),
    ({"lang": "de", "completion": "a", "gold": "1", "scorer": "maths"}, r"unknown scorer 'maths'"),
])
def test_malformed_rows_are_one_line_errors_naming_the_line(tmp_path, row, message):
    src = _write(tmp_path / "c.jsonl", [row])
    with pytest.raises(XlingError, match=message):
        score_file(src, tmp_path / "out")
    assert not (tmp_path / "out" / "metrics.json").exists()


def test_an_unknown_id_names_the_line_and_the_id_form(tmp_path, shared_data):
    src = _write(tmp_path / "c.jsonl", [{"id": "mgsm-de-9999", "lang": "de", "completion": "x"}])
    with pytest.raises(XlingError, match=r"c\.jsonl:1: no mgsm item 'mgsm-de-9999' in de"):
        score_file(src, tmp_path / "out", benchmark="mgsm")


def test_empty_and_gigantic_completions_are_counted_outcomes(tmp_path):
    src = _write(tmp_path / "c.jsonl", [
        {"lang": "en", "completion": "", "gold": "4"},
        {"lang": "en", "completion": "x" * 2_000_000 + " \\boxed{4}", "gold": "4"},
        {"lang": "en", "completion": "(B)", "gold": "B", "scorer": "choice",
         "choices": ["x", "y", "z", "w"]},
    ])
    result = score_file(src, tmp_path / "out")
    rows = read_parquet(tmp_path / "out" / "eval" / "scored.parquet")
    assert [r["reason"] for r in rows] == ["no-answer", "boxed", "parenthesized"]
    assert result["langs"]["en"]["no_answer"] == 1
