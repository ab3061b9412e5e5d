"""Concurrent `study run`s share a study's cells (each cell runs once); a killed run's lock is
never stale; training configs are checked against TRL before the base model is built.

The cells here are fake (``runner.run_cell`` replaced by a function that logs and marks DONE), so
the tests exercise only the scheduling. Run: pytest tests/test_study_lock.py -v
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import yaml

from xling.schema import XlingError
from xling.study import runner
from xling.study.grid import resolve_cells
from xling.study.spec import load_spec

FAKE_RUN = textwrap.dedent("""\
    import json, os, sys, time
    from pathlib import Path
    from xling.study import runner
    from xling.study.spec import load_spec

    study, log, barrier = load_spec(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    (barrier / str(os.getpid())).touch()

    def fake_run_cell(study, cell, base, backend_options=None):
        deadline = time.time() + 60  # both runs are inside run_study before any cell finishes
        while len(list(barrier.iterdir())) < 2 and time.time() < deadline:
            time.sleep(0.05)
        with open(log, "a") as fh:
            fh.write(json.dumps([cell.label, os.getpid()]) + "\\n")
        time.sleep(0.5)
        cell.mark_done()

    runner.run_cell = fake_run_cell
    runner.check_training = lambda study, cells: None  # (imports trl; tested below)
    runner.check_models = lambda study, cells: None  # (asks the hub; tested in test_hub.py)
    runner.run_study(study)
""")


def study_file(tmp_path, **extra):
    spec = {"name": "lock", "base_model": "org/some-model", "out": str(tmp_path / "runs"),
            "grid": {"paradigms": ["sft"], "train_langs": [["de"], ["en"], ["zh"], ["fr"]]},
            "eval": {"benchmarks": ["sandbox"], "langs": "en,de", "limit": 2}, **extra}
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def test_two_concurrent_runs_run_each_cell_once(tmp_path):
    path = study_file(tmp_path)
    log, barrier = tmp_path / "ran.jsonl", tmp_path / "barrier"
    barrier.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", FAKE_RUN, str(path), str(log), str(barrier)],
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
    ran = [json.loads(line) for line in log.read_text().splitlines()]
    labels = [c.label for c in resolve_cells(load_spec(path))]
    assert sorted(label for label, _ in ran) == sorted(labels)  # every cell, each exactly once
    assert {pid for _, pid in ran} == {p.pid for p in procs}  # the work was shared
    assert [s.state for s in runner.study_status(load_spec(path))] == ["done"] * len(labels)


def test_a_killed_holder_does_not_block_the_cell(tmp_path, monkeypatch):
    study = load_spec(study_file(tmp_path, grid=None))
    (cell,) = resolve_cells(study)
    hold = ("import sys, time; from pathlib import Path; from xling.study.runner import CellLock; "
            "assert CellLock(Path(sys.argv[1])).acquire(); print('held', flush=True); time.sleep(600)")
    holder = subprocess.Popen([sys.executable, "-c", hold, str(cell.run.root)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        status = runner.cell_status(cell)
        assert (status.state, status.detail) == ("running", f"pid {holder.pid}")
        assert not runner.CellLock(cell.run.root).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert runner.cell_status(cell).state == "pending"  # the kernel dropped the dead run's lock

    ran = []
    monkeypatch.setattr(runner, "check_models", lambda study, cells: None)  # a fake hub id
    monkeypatch.setattr(runner, "run_cell", lambda s, c, b, o=None: (ran.append(c.label),
                                                                       c.mark_done()))
    assert [s.state for s in runner.run_study(study)] == ["done"]
    assert ran == ["Base"]


def test_a_run_waits_for_a_cell_held_elsewhere_and_skips_it_when_done(tmp_path, monkeypatch):
    study = load_spec(study_file(tmp_path, grid=None))
    (cell,) = resolve_cells(study)
    finish = ("import sys, time; from pathlib import Path; from xling.study.runner import CellLock; "
              "from xling.store import RunDir; import json; root = Path(sys.argv[1]); "
              "assert CellLock(root).acquire(); print('held', flush=True); time.sleep(1.5); "
              "RunDir(root).mark_done({'stages': json.loads(sys.argv[2])})")
    other = subprocess.Popen([sys.executable, "-c", finish, str(cell.run.root),
                              json.dumps(cell.stage_keys)],
                             stdout=subprocess.PIPE, text=True)
    assert other.stdout.readline().strip() == "held"
    ran = []
    monkeypatch.setattr(runner, "check_models", lambda study, cells: None)  # a fake hub id
    monkeypatch.setattr(runner, "run_cell", lambda s, c, b, o=None: ran.append(c.label))
    start = time.perf_counter()
    statuses = runner.run_study(study)
    other.wait()
    assert ran == [] and [s.state for s in statuses] == ["done"]  # waited, then found it done
    assert time.perf_counter() - start > 0.5


def test_trl_fields_are_checked_before_the_base_model_is_built(tmp_path, monkeypatch):
    study = load_spec(study_file(tmp_path, paradigm_config={"sft": {"trl": {"max_stepz": 3}}}))
    monkeypatch.setattr(runner, "base_model_path", lambda s: pytest.fail("base model built"))
    with pytest.raises(XlingError, match=r"study\.yaml: cell SFT\(de\): .*max_stepz"):
        runner.run_study(study)
