"""A training process SIGKILLed right after a TRL checkpoint resumes from it and ends where an
uninterrupted run ends: same logged losses, same final weights (within float tolerance).

Each run is its own process (``python -c CHILD``) with one thread and fixed seeds. The killed
run patches transformers' ``Trainer._save_checkpoint`` to SIGKILL its own process once
checkpoint-``KILL_AT`` is on disk (a kill at a known point, not a timed one); the rerun with
the same ``out`` goes through xling's resume path (``sft.train_and_save``: last checkpoint in
out/trl, log rows after it trimmed). The kill falls mid-epoch, so the resumed run must also
restore the data order and skip the batches already seen.
Run: pytest tests/test_train_resume_kill.py -v   (~30 s: three short training processes)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

STEPS, SAVE_STEPS, KILL_AT = 8, 3, 6
"""16 examples / 4 per step x 2 epochs = 8 steps; checkpoints at 3 and 6; killed after 6
(the middle of epoch 2)."""

CHILD = """
import logging, os, signal, sys
logging.basicConfig(level=logging.INFO)
model, out, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
if kill_at:
    import transformers
    save = transformers.Trainer._save_checkpoint
    def save_then_die(self, *args, **kwargs):
        save(self, *args, **kwargs)
        if self.state.global_step == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
    transformers.Trainer._save_checkpoint = save_then_die
from xling.data.pools import load_pool, select
from xling.train import train
examples = select(load_pool("sandbox", "de"), ["de"], "single", n=16, seed=0)
train("sft", model, examples, out, {"epochs": 2, "learning_rate": 3e-3, "batch_size": 4,
                                    "max_length": 256, "save_steps": SAVE_STEPS})
""".replace("SAVE_STEPS", str(SAVE_STEPS))


def _run(model: Path, out: Path, kill_at: int = 0) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
           "CUBLAS_WORKSPACE_CONFIG": ":4096:8", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.run([sys.executable, "-c", CHILD, str(model), str(out), str(kill_at)],
                          capture_output=True, text=True, env=env, timeout=600)


def _losses(out: Path) -> list[tuple[int, float]]:
    from xling.data.io import read_jsonl

    return [(r["step"], r["loss"]) for r in read_jsonl(out / "train_log.jsonl") if "loss" in r]


def _weights(ckpt: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(ckpt / "model.safetensors")


def test_killed_sft_resumes_from_its_checkpoint_and_matches_an_uninterrupted_run(tiny_model, tmp_path):
    import torch

    whole, killed = tmp_path / "whole", tmp_path / "killed"
    r = _run(tiny_model, whole)
    assert r.returncode == 0, r.stderr[-3000:]

    r = _run(tiny_model, killed, kill_at=KILL_AT)
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stderr[-3000:])
    assert (killed / "trl" / f"checkpoint-{KILL_AT}" / "trainer_state.json").is_file()
    assert not (killed / "checkpoint").exists()  # the kill came before the final save
    assert [s for s, _ in _losses(killed)] == list(range(1, KILL_AT + 1))

    r = _run(tiny_model, killed)  # the same command again: resumes
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"resuming from {killed / 'trl' / f'checkpoint-{KILL_AT}'}" in r.stderr
    # Only the steps after the checkpoint ran again (a rerun from scratch would also end equal).
    assert f"step {KILL_AT + 1}/{STEPS}" in r.stderr and f"step 1/{STEPS}" not in r.stderr

    expected, got = _losses(whole), _losses(killed)
    assert [s for s, _ in got] == [s for s, _ in expected] == list(range(1, STEPS + 1))
    assert [loss for _, loss in got] == pytest.approx([loss for _, loss in expected], rel=1e-5)
    a, b = _weights(whole / "checkpoint"), _weights(killed / "checkpoint")
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(b[name], a[name], rtol=1e-5, atol=1e-6, msg=name)
    start = _weights(tiny_model) if (tiny_model / "model.safetensors").is_file() else None
    if start is not None:  # training moved the weights, so equality above is not vacuous
        assert any(not torch.equal(a[n], start[n]) for n in a if n in start)
