"""End to end through the real `xling` entry point: eval, report, user errors.

Run: pytest tests/test_cli_eval.py -v
"""

import json
import subprocess
import sys

import pytest

from xling.data.io import read_parquet
from xling.metrics import gen_score, summarize_rows


def xling(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "xling.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=600, env={**__import__("os").environ,
                                                                "OMP_NUM_THREADS": "1"})


def test_eval_writes_rows_and_metrics_and_resumes(tiny_model, tmp_path):
    out = tmp_path / "run"
    args = ["eval", "--model", tiny_model, "--benchmark", "mgsm", "--langs", "de,bn", "--limit", "3",
            "--max-new-tokens", "12", "--out", out]
    r = xling(*args)
    assert r.returncode == 0, r.stderr
    assert "| model | de | bn | Avg |" in r.stdout
    rows = read_parquet(out / "eval" / "mgsm.parquet")
    assert len(rows) == 6 and {row["lang"] for row in rows} == {"de", "bn"}
    for key in ("prompt", "completion", "extracted", "correct", "response_lang", "completion_tokens"):
        assert key in rows[0]
    metrics = json.loads((out / "metrics.json").read_text())
    # metrics.json is exactly recomputable from the per-sample rows
    assert metrics["benchmarks"]["mgsm"]["langs"] == json.loads(json.dumps(summarize_rows(rows)))
    again = xling(*args)
    assert again.returncode == 0
    assert "already evaluated" in again.stderr  # nothing regenerated
    changed = xling(*args[:-2], "--temperature", "0.7", "--out", out)
    assert changed.returncode == 1
    assert "another config" in changed.stderr and "Traceback" not in changed.stderr


@pytest.mark.parametrize("args, message", [
    (["--langs", "de,xx"], "unknown language 'xx'; supported: en, zh"),
    (["--benchmark", "mgsmm"], "unknown benchmark 'mgsmm'; known:"),
    (["--limit", "0"], "limit must be >= 1"),
    (["--timeout", "5"], "--timeout applies to the openai backend (requests to a server); the "
                         "backend here is hf"),
    (["--backend", "openai", "--timeout", "0"], "--timeout must be > 0 seconds, got 0"),
])
def test_user_errors_are_one_line_without_traceback(tiny_model, tmp_path, args, message):
    r = xling("eval", "--model", tiny_model, "--out", tmp_path / "x", *args)
    assert r.returncode == 1
    assert message in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0


@pytest.mark.parametrize("command", [["eval", "--langs", "en", "--limit", "1"], ["tiny"]])
def test_an_output_path_that_is_a_file_is_one_line(tiny_model, tmp_path, command):
    taken = tmp_path / "results.txt"
    taken.write_text("not a folder")
    args = command + (["--model", tiny_model] if command[0] == "eval" else [])
    r = xling(*args, "--out", taken)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip() == f"error: {taken}: File exists"
    assert taken.read_text() == "not a folder"  # never overwritten


def test_missing_model_path_is_a_clear_error(tmp_path):
    r = xling("eval", "--model", tmp_path / "no-model", "--langs", "en", "--limit", "1",
              "--out", tmp_path / "x")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "no-model" in r.stderr


@pytest.mark.slow
def test_report_gen_against_base_equals_hand_computation(tiny_model, sandbox_base, tmp_path):
    common = ["--benchmark", "sandbox", "--langs", "en,de,sw", "--limit", "12",
              "--max-new-tokens", "80", "--batch-size", "36"]
    assert xling("eval", "--model", tiny_model, *common, "--out", tmp_path / "tiny").returncode == 0
    r = xling("eval", "--model", sandbox_base, *common, "--out", tmp_path / "sandbox")
    assert r.returncode == 0, r.stderr
    report = xling("report", tmp_path / "sandbox", "--base", tmp_path / "tiny",
                   "--benchmark", "sandbox", "--format", "csv")
    assert report.returncode == 0, report.stderr
    header, row = report.stdout.strip().splitlines()
    assert header == "model,en,de,sw,Avg,Gen"

    def acc(path):
        rows = read_parquet(path / "eval" / "sandbox.parquet")
        return {lang: m["acc"]["value"] for lang, m in summarize_rows(rows).items()}

    model, base = acc(tmp_path / "sandbox"), acc(tmp_path / "tiny")
    by_hand = sum((model[lang] - base[lang]) / (1 - base[lang]) for lang in model) / len(model)
    assert by_hand == pytest.approx(gen_score(model, base))
    assert row.split(",")[-1] == f"{100 * by_hand:.1f}"
    # the sandbox base actually answers (in boxes); it rarely gets the two-step skill right
    answered = read_parquet(tmp_path / "sandbox" / "eval" / "sandbox.parquet")
    assert sum(r["extracted"] is not None for r in answered) > len(answered) / 2


def test_openai_backend_gives_the_same_eval_as_hf(tiny_model, tmp_path):
    """The same `xling eval` through a real local OpenAI-compatible server equals the hf run."""
    from helpers.openai_server import serving

    with serving(tiny_model, model_name="tiny") as url:
        common = ["--benchmark", "mgsm", "--langs", "en,ja", "--limit", "3", "--max-new-tokens", "16"]
        hf = xling("eval", "--model", tiny_model, *common, "--out", tmp_path / "hf")
        api = xling("eval", "--model", "tiny", "--backend", "openai", "--base-url", url, *common,
                    "--out", tmp_path / "api")
    assert hf.returncode == 0 and api.returncode == 0, api.stderr
    keys = ("id", "lang", "completion", "extracted", "correct", "response_lang", "finish_reason")
    a = [{k: r[k] for k in keys} for r in read_parquet(tmp_path / "hf" / "eval" / "mgsm.parquet")]
    b = [{k: r[k] for k in keys} for r in read_parquet(tmp_path / "api" / "eval" / "mgsm.parquet")]
    assert a == b and len(a) == 6


def test_mistyped_relative_model_path_fails_at_once(tmp_path):
    # 'runs/typo' beside an existing runs/ folder is a path, not an 'org/name' hub id: one line,
    # no minute of hub retries (the timeout bounds the whole command well below that).
    (tmp_path / "runs").mkdir()
    r = subprocess.run([sys.executable, "-m", "xling.cli", "eval", "--model", "runs/typo",
                        "--langs", "en", "--limit", "1", "--out", "out"], capture_output=True,
                       text=True, cwd=tmp_path, timeout=60,
                       env={**__import__("os").environ, "HF_HUB_OFFLINE": "0"})
    assert r.returncode == 1 and "model path not found: runs/typo" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("source, message", [
    ("./nowhere/mgsm", "does not exist"),
    ("mgsm_en.tsv", "is a file"),
])
def test_mgsm_bad_local_source_is_an_error_not_a_hub_fallback(source, message, shared_data):
    from xling.data import load_benchmark
    from xling.schema import XlingError

    if source.endswith(".tsv"):
        source = str(shared_data / "mgsm" / source)
    with pytest.raises(XlingError, match=message):
        load_benchmark("mgsm", ["en"], source=source)


def test_benchmarks_lists_aligned_columns():
    import re

    r = xling("benchmarks")
    assert r.returncode == 0, r.stderr
    blocks = r.stdout.strip().split("\n\n")
    assert len(blocks) >= 17
    for block in blocks:  # in each benchmark's block, every value starts in one column, however
        fields = [line for line in block.splitlines() if line.startswith("  ")]  # long its name
        assert len({re.match(r"  (?:\S+(?: \S+)*)?\s+", line).end() for line in fields}) == 1, block


def test_study_run_timeout_needs_an_openai_backend(tmp_path):
    study = tmp_path / "s.yaml"
    study.write_text("name: s\nbase_model: sandbox\neval: {benchmarks: [sandbox], limit: 2}\n",
                     encoding="utf-8")
    r = xling("study", "run", study, "--timeout", "30")
    assert r.returncode == 1 and r.stderr.strip() == (
        "error: --timeout applies to the openai backend (requests to a server); the backend here "
        "is hf")
