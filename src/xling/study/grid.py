"""Spec -> cells: each cell's resolved spec, its keys per stage, and its run directory.

Stage: study. Each stage of a cell is keyed by what it depends on, so editing a study re-runs
exactly what the edit changed and reuses the rest:

- training (``Cell.key``, which also names the cell's directory): base model, paradigm,
  languages, seed (the data selection's and the trainer's: ``train_config``), pool, training
  config;
- evaluation (``Cell.stage_keys["eval"]``): the evaluation settings and the backend; each
  benchmark's results also carry their own config fingerprint (``evaluation.run.run_eval``);
- probes (``Cell.stage_keys["probes"]``): the probe names and the evaluation key (probes read
  the evaluation's questions and rows); ``probes.json`` records the evaluation key its results
  were computed with, and each probe is kept or run on its own (``runner._probes``), so adding a
  probe runs only that probe.

A finished cell's ``DONE`` records the stage keys it finished with; a cell whose keys changed
since is not done, and rerunning it skips its finished training. Versions and times are recorded
in ``spec.yaml`` but are in no key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xling.store import RunDir, cell_key
from xling.study.blocks import CellSpec
from xling.study.configs import merged_config
from xling.study.spec import StudySpec


@dataclass(frozen=True)
class Cell:
    """One cell of a study, resolved."""

    spec: CellSpec
    resolved: dict[str, Any]
    key: str
    """The training key (names the directory)."""
    run: RunDir
    stage_keys: dict[str, str] = dataclasses.field(default_factory=dict)
    """Keys of the stages after training: {"eval": ..., "probes": ...}."""

    @property
    def label(self) -> str:
        return self.spec.label

    def is_done(self) -> bool:
        """DONE exists and was written for this cell's current evaluation and probes."""
        return self.run.is_done() and self.run.done_info().get("stages") == self.stage_keys

    def mark_done(self, info: dict[str, Any] | None = None) -> None:
        """Write DONE (last, atomically) with this cell's stage keys and ``info``."""
        self.run.mark_done({**(info or {}), "stages": self.stage_keys})


def cell_config(study: StudySpec, cell: CellSpec) -> dict[str, Any]:
    """The paradigm config of a cell: the study's per-paradigm config, then the cell's overrides."""
    return merged_config(study.paradigm_config, cell)


def train_config(cell: Cell) -> dict[str, Any]:
    """The paradigm config ``cell`` trains with, on TRL and verl alike: its resolved config with
    the cell's seed as the trainer's seed (``train.with_seed``; the data selection takes the same
    seed).

    Raises:
        XlingError: the config sets another seed.
    """
    from xling.train import with_seed

    return with_seed(cell.spec.paradigm, cell.resolved["config"], cell.spec.seed)


def base_identity(study: StudySpec, model: str = "") -> dict[str, Any]:
    """What identifies a cell's starting model in its key: the study's base model, or the listed
    model ``model`` (the recipe for a sandbox base, else its path or hub id)."""
    path, recipe = study.start(model)
    if path == "sandbox":
        from xling.study.sandbox_base import SandboxRecipe

        return {"sandbox": SandboxRecipe.from_overrides(recipe).key()}
    return {"model": path}


UNKEYED_EVAL: tuple[str, ...] = ("batch_size",)
"""Evaluation settings that change speed, not results: in no key."""


def resolve_cells(study: StudySpec) -> list[Cell]:
    """All cells of ``study`` with keys and directories under ``study.out_dir``."""
    cells: list[Cell] = []
    for spec in study.cells:
        # A listed model's think_format changes how its rows are scored (StudySpec.eval_for);
        # every other cell keeps the key of the study's eval block.
        evaluation = {k: v for k, v in dataclasses.asdict(study.eval_for(spec)).items()
                      if k not in UNKEYED_EVAL}
        eval_key = cell_key({"eval": evaluation, "backend": study.backend})
        training = {
            "base": base_identity(study, spec.base),
            "paradigm": spec.paradigm,
            "train_langs": list(spec.train_langs),
            "seed": spec.seed,
            "design": spec.design or study.pool.design,
            "pool": ({**dataclasses.asdict(study.pool), "name": spec.pool or study.pool.name}
                     if spec.paradigm != "base" else None),
            "config": cell_config(study, spec),
        }
        if spec.seed and spec.paradigm != "base":
            # The cell's seed seeds its trainer too (``train_config``), not only its data
            # selection as before: a cell of another seed trains differently now, so its key
            # changes; a seed-0 cell trained with seed 0 either way and keeps its key.
            training["trainer_seed"] = spec.seed
        key = cell_key(training)
        # Probes read the evaluation's questions and rows (composition), so they follow it.
        stage_keys = {"eval": eval_key,
                      "probes": cell_key({"eval": eval_key, "probes": sorted(study.probes)})}
        resolved = {**training, "eval": evaluation, "backend": study.backend,
                    "probes": list(study.probes)}
        slug = "".join(ch if ch.isalnum() else "-" for ch in spec.label.lower()).strip("-")
        cells.append(Cell(spec, resolved, key, RunDir(Path(study.out_dir) / f"{slug}-{key}"),
                          stage_keys))
    return cells
