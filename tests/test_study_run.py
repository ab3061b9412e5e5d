"""A real study run killed mid-cell resumes without redoing or losing finished work.

Run: pytest tests/test_study_run.py -v   (slow: trains a tiny SFT cell)
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from xling.data.io import read_parquet
from xling.metrics import summarize_rows
from xling.study.grid import resolve_cells
from xling.study.runner import study_status
from xling.study.spec import load_spec


def study_file(tmp_path, base):
    spec = {
        "name": "resume", "base_model": str(base), "out": str(tmp_path / "runs"),
        "pool": {"name": "sandbox", "n": 16},
        "grid": {"paradigms": ["sft"], "train_langs": [["de"]], "seeds": [0]},
        "paradigm_config": {"sft": {"epochs": 1, "batch_size": 8, "learning_rate": 1e-4}},
        "eval": {"benchmarks": ["sandbox"], "langs": "en,de,sw", "limit": 6,
                 "max_new_tokens": 64, "batch_size": 18},
    }
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


CHUNK = {"XLING_EVAL_CHUNK_PROMPTS": "6"}  # 18 prompts -> 3 saved chunks: a kill point mid-eval


def start(path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", **CHUNK}
    return subprocess.Popen([sys.executable, "-m", "xling.cli", "study", "run", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)


def kill_when(proc, condition, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return
        if proc.poll() is not None:
            pytest.fail(f"study ended before the kill point: {proc.stderr.read()[-2000:]}")
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("kill point never reached")


@pytest.mark.slow
def test_kill_mid_cell_and_resume(tmp_path, sandbox_base):
    path = study_file(tmp_path, sandbox_base)
    spec = load_spec(path)
    base_cell, sft_cell = resolve_cells(spec)
    first_chunk = base_cell.run.shard("sandbox", "en").parent / ".part-r0-0.parquet"

    # Kill 1: inside the base cell's evaluation, after its first chunk was saved.
    kill_when(start(path), first_chunk.is_file)
    assert not base_cell.run.is_done()
    assert {s.state for s in study_status(spec)} <= {"pending", "failed"}  # RUNNING is not trusted

    # Kill 2: inside the SFT cell, once training has started.
    second = start(path)
    kill_when(second, lambda: (sft_cell.run.root / "train").is_dir())
    assert base_cell.run.is_done() and not sft_cell.run.is_done()
    log = second.stderr.read()
    assert "chunk 1/3 (6 prompts, run 0) reused" in log  # the saved chunk was not generated again
    assert "chunk 2/3 (6 prompts, run 0) done" in log
    done_at = base_cell.run.done_marker.stat().st_mtime_ns

    final = start(path)
    out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err[-3000:]
    assert base_cell.run.done_marker.stat().st_mtime_ns == done_at  # finished cell untouched
    assert [s.state for s in study_status(spec)] == ["done", "done"]
    for cell in (base_cell, sft_cell):
        rows = read_parquet(cell.run.eval_file("sandbox"))
        assert len(rows) == 18
        summary = cell.run.read_metrics()["benchmarks"]["sandbox"]["langs"]
        assert summary == json.loads(json.dumps(summarize_rows(rows)))
    assert (spec.out_dir / "report.html").is_file()

    # An uninterrupted run of the base cell gives the same rows.
    other = tmp_path / "again"
    other.mkdir()
    data = yaml.safe_load(path.read_text())
    data.update(out=str(other / "runs"), grid=None)
    (other / "study.yaml").write_text(yaml.safe_dump(data))
    clean = subprocess.run([sys.executable, "-m", "xling.cli", "study", "run", str(other / "study.yaml")],
                           capture_output=True, text=True, timeout=600, env={**os.environ, **CHUNK})
    assert clean.returncode == 0, clean.stderr[-2000:]
    clean_cell = resolve_cells(load_spec(other / "study.yaml"))[0]
    strip = lambda rows: [{k: v for k, v in r.items() if k != "prompt_tokens"} for r in rows]  # noqa: E731
    assert strip(read_parquet(clean_cell.run.eval_file("sandbox"))) == strip(
        read_parquet(base_cell.run.eval_file("sandbox")))
