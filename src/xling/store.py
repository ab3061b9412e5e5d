"""The run-directory layout, in one place: paths, the DONE marker, content keys.

Stage: below evaluation and study, which both write into it (report reads it). Every artifact
of a run lives under one directory::

    <run>/spec.yaml            resolved spec of the run (model, paradigm, langs, seeds, versions)
    <run>/log.txt              log of every run of this directory
    <run>/train/               training (study cells): train/checkpoint/ the trained model
    <run>/eval/<bench>.parquet one row per sample
    <run>/eval/.shards/        per-language parts of an unfinished evaluation
    <run>/metrics.json         aggregated metrics, recomputable from eval/*.parquet
    <run>/probes.json          probe results (study cells), with the inputs they were run on
    <run>/DONE                 written last, atomically, with the stage keys it finished with
    <run>/FAILED, LOCK, EXTERNAL, train/TRAINED   markers (see below)

>>> cell_key({"b": 1, "a": [2, 3]}) == cell_key({"a": [2, 3], "b": 1})
True
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xling.data.io import atomic_write_text

log = logging.getLogger(__name__)

FAILED, TRAINED, LOCK, EXTERNAL = "FAILED", "TRAINED", "LOCK", "EXTERNAL"
"""Marker files: ``<cell>/FAILED`` (the error of the last attempt), ``<cell>/train/TRAINED`` (the
trained checkpoint's path), ``<cell>/LOCK`` (the flock of the run holding the cell),
``<cell>/EXTERNAL`` (the launch command of training handed to verl)."""


class AwaitingExternal(Exception):
    """A cell's training was handed to another engine (verl) and has not come back yet.

    Not a failure: the cell is left without DONE and ``EXTERNAL`` holds what to run; the next
    ``xling study run`` picks the result up (``study.verl_cells``)."""


def cell_key(spec: dict[str, Any], length: int = 12) -> str:
    """Content hash of a resolved spec (key order does not matter): the run's identity."""
    blob = json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:length]


@dataclass(frozen=True)
class RunDir:
    """Paths of one run directory (nothing is created until written)."""

    root: Path

    @property
    def spec(self) -> Path:
        return self.root / "spec.yaml"

    @property
    def log(self) -> Path:
        return self.root / "log.txt"

    @property
    def train_dir(self) -> Path:
        """Training output: ``train/checkpoint`` (the trained model), TRL's checkpoints, logs."""
        return self.root / "train"

    @property
    def trained_marker(self) -> Path:
        """``train/TRAINED``: written last by training, holds the trained model's path."""
        return self.train_dir / TRAINED

    @property
    def train_data(self) -> Path:
        """``train/data.json``: the data files (sha256) and hub ids the training pool read."""
        return self.train_dir / "data.json"

    @property
    def failed_marker(self) -> Path:
        return self.root / FAILED

    @property
    def external_marker(self) -> Path:
        return self.root / EXTERNAL

    @property
    def lock_file(self) -> Path:
        return self.root / LOCK

    @property
    def probe_inputs(self) -> Path:
        """``probes.inputs.json``: the evaluation key the stored probe results were computed on."""
        return self.root / "probes.inputs.json"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics.json"

    @property
    def done_marker(self) -> Path:
        return self.root / "DONE"

    def eval_file(self, benchmark: str) -> Path:
        return self.root / "eval" / f"{benchmark}.parquet"

    def eval_config(self, benchmark: str) -> Path:
        return self.root / "eval" / f"{benchmark}.config.json"

    def shard(self, benchmark: str, lang: str) -> Path:
        return self.root / "eval" / ".shards" / benchmark / f"{lang}.parquet"

    def is_done(self) -> bool:
        return self.done_marker.is_file()

    def mark_done(self, info: dict[str, Any] | None = None) -> None:
        """Write DONE last and atomically; its presence means every artifact is complete."""
        atomic_write_text(self.done_marker, json.dumps(info or {}, default=str) + "\n")

    def done_info(self) -> dict[str, Any]:
        """What DONE recorded (label, model, the stage keys it finished with); {} without DONE."""
        try:
            return json.loads(self.done_marker.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}

    @property
    def probes(self) -> Path:
        return self.root / "probes.json"

    def read_metrics(self) -> dict[str, Any]:
        if not self.metrics.is_file():
            return {}
        return json.loads(self.metrics.read_text(encoding="utf-8"))


def attach_log(run: RunDir) -> logging.Handler:
    """Send xling's log records to ``<run>/log.txt`` (appending); returns the handler to remove."""
    run.root.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(run.log, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("xling")
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    return handler
