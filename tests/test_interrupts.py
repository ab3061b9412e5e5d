"""Ctrl-C and SIGTERM through the real `xling` entry point: exit 130 / 143 (never 0), one line
saying what was kept and how to resume, and a rerun that resumes.

Each test starts a real `xling` child process, waits until it has saved some work, sends the
signal to it and reads its exit status and stderr.
Run: pytest tests/test_interrupts.py -v
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.processes import XLING, interrupt_when


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def _parts(folder: Path) -> Callable[[], bool]:
    return lambda: any(folder.glob("**/.part-*.parquet"))


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_eval_exits_128_plus_signal_and_says_how_to_resume(tiny_model, tmp_path,
                                                                          sig, code):
    out = tmp_path / "run"
    cmd = [*XLING, "eval", "--model", str(tiny_model), "--benchmark", "mgsm", "--langs", "en,de",
           "--limit", "40", "--max-new-tokens", "32", "--out", str(out)]
    env = {"XLING_EVAL_CHUNK_PROMPTS": "2"}  # many small chunks: saved work exists early
    r = interrupt_when(cmd, _parts(out / "eval" / ".shards"), sig, env=env)
    assert r.returncode == code, r.stderr[-3000:]
    assert last_line(r.stderr) == (f"interrupted: finished chunks and languages are kept in "
                                   f"{out / 'eval' / '.shards'}; rerun the same command to resume")
    assert "Traceback" not in r.stderr
    assert not (out / "metrics.json").exists()
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                           env={**os.environ, "OMP_NUM_THREADS": "1", **env})
    assert again.returncode == 0, again.stderr[-3000:]
    assert " reused, " in again.stderr  # the saved chunks were not generated again


def test_interrupted_study_run_exits_130_and_marks_no_cell_failed(tiny_model, tmp_path):
    study = tmp_path / "s.yaml"
    out = tmp_path / "runs"
    study.write_text(f"name: s\nbase_model: {tiny_model}\nout: {out}\n"
                     "eval: {benchmarks: [mgsm], langs: 'en,de', limit: 40, max_new_tokens: 32}\n",
                     encoding="utf-8")
    cmd = [*XLING, "study", "run", str(study), "--no-report"]
    env = {"XLING_EVAL_CHUNK_PROMPTS": "2"}
    r = interrupt_when(cmd, _parts(out), signal.SIGINT, env=env)
    assert r.returncode == 130, r.stderr[-3000:]
    assert last_line(r.stderr) == (f"interrupted: finished cells, trainings and evaluation chunks "
                                   f"are kept under {out}; rerun `xling study run {study}` to resume")
    assert not list(out.glob("*/FAILED"))  # interrupted, not failed
    status = subprocess.run([*XLING, "study", "status", str(study)], capture_output=True,
                            text=True, timeout=300)
    assert status.returncode == 0 and " pending " in status.stdout


def test_ctrl_c_does_not_wait_for_openai_requests_in_flight(tmp_path):
    """Ctrl-C while an OpenAI-compatible server sits on requests: the process exits at once with
    130, not after the requests' timeout (600 s here; the guard of ``interrupt_when`` is 300 s,
    so a process that waited for them fails the test)."""
    import threading

    from helpers.json_http import JsonHandler, listening

    release = threading.Event()
    seen = {"posts": 0}

    class Silent(JsonHandler):
        def do_POST(self):  # noqa: N802
            self.read_json()
            seen["posts"] += 1
            if seen["posts"] > 1:  # the first request is answered; the others never are
                release.wait(600)
                return
            self.send_json(200, {"choices": [{"index": 0, "text": " \\boxed{1}",
                                              "finish_reason": "stop"}],
                                 "usage": {"prompt_tokens": 5, "completion_tokens": 3},
                                 "model": "m"})

    with listening(Silent) as url:
        try:
            cmd = [*XLING, "eval", "--backend", "openai", "--model", "m", "--base-url", url,
                   "--timeout", "600", "--benchmark", "sandbox", "--langs", "en", "--limit", "6",
                   "--out", str(tmp_path / "run")]
            r = interrupt_when(cmd, lambda: seen["posts"] >= 3, signal.SIGINT)
        finally:
            release.set()
    assert r.returncode == 130, r.stderr[-3000:]
    assert last_line(r.stderr).startswith("interrupted: finished chunks and languages are kept")
    assert "Traceback" not in r.stderr
