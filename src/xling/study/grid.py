"""Spec -> cells: each cell's resolved spec, content key and run directory.

Stage: study. A cell's key is the hash of everything that determines its results (base model,
paradigm, languages, seed, pool, training config, evaluation), so editing a study re-runs
exactly the cells whose results would change and reuses the rest. Versions and times are
recorded in ``spec.yaml`` but are not part of the key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xling.study.spec import CellSpec, StudySpec
from xling.study.store import RunDir, cell_key


@dataclass(frozen=True)
class Cell:
    """One cell of a study, resolved."""

    spec: CellSpec
    resolved: dict[str, Any]
    key: str
    run: RunDir

    @property
    def label(self) -> str:
        return self.spec.label


def cell_config(study: StudySpec, cell: CellSpec) -> dict[str, Any]:
    """The paradigm config of a cell: the study's per-paradigm config, then the cell's overrides."""
    if cell.paradigm == "base":
        return {}
    config: dict[str, Any] = {}
    # A composed paradigm ('sft+grpo') takes the configs of its parts under their names.
    for part in cell.paradigm.split("+"):
        if part in study.paradigm_config and part != cell.paradigm:
            config[part] = dict(study.paradigm_config[part])
    config.update(study.paradigm_config.get(cell.paradigm, {}))
    config.update(cell.config)
    return config


def base_identity(study: StudySpec, model: str = "") -> dict[str, Any]:
    """What identifies a cell's starting model in its key: the study's base model, or the listed
    model ``model`` (the recipe for a sandbox base, else its path or hub id)."""
    path, recipe = study.base_model, study.sandbox
    if model:
        listed = study.model(model)
        path, recipe = listed.path, listed.sandbox
    if path == "sandbox":
        from xling.study.sandbox import SandboxRecipe

        return {"sandbox": SandboxRecipe.from_overrides(recipe).key()}
    return {"model": path}


def resolve_cells(study: StudySpec) -> list[Cell]:
    """All cells of ``study`` with keys and directories under ``study.out_dir``."""
    cells: list[Cell] = []
    for spec in study.cells:
        resolved = {
            "base": base_identity(study, spec.base),
            "paradigm": spec.paradigm,
            "train_langs": list(spec.train_langs),
            "seed": spec.seed,
            "design": spec.design or study.pool.design,
            "pool": dataclasses.asdict(study.pool) if spec.paradigm != "base" else None,
            "config": cell_config(study, spec),
            "eval": dataclasses.asdict(study.eval),
            "backend": study.backend,
        }
        key = cell_key(resolved)
        slug = "".join(ch if ch.isalnum() else "-" for ch in spec.label.lower()).strip("-")
        cells.append(Cell(spec, resolved, key, RunDir(Path(study.out_dir) / f"{slug}-{key}")))
    return cells
