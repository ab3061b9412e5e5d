"""The cells of a study file, and the models they start from.

Stage: study. ``parse_cells`` lists every cell in order, each with the key path it came from:
the base, the listed models (``models:``), the grid (paradigm x base model x training languages
x seed), the explicit ``cells:`` and the scaling series. ``check_cells`` checks each as it will
train: its paradigm, languages, its config merged as the grid merges it (built with the
paradigm's own class, once per distinct config), distinct labels, its own pool. Errors are one
line with the study file and key path; ``study.spec.parse_spec`` calls these in order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from xling.config import build, lang_codes, shown, typed_list
from xling.schema import XlingError
from xling.study.blocks import MODEL_TRAIN_KEYS, CellSpec, ModelSpec, ScalingSpec
from xling.study.configs import (
    check_paradigm,
    check_paradigm_config,
    check_pool_name,
    check_sandbox,
    merged_config,
    stages,
)

GRID_KEYS = ("paradigms", "train_langs", "seeds", "base_models")
Cells = list[tuple[CellSpec, str]]
"""Cells with the key path each came from (for errors)."""


def parse_models(raw: Any, file: str) -> tuple[ModelSpec, ...]:
    """The ``models:`` list: each entry checked, names unique, ``initial`` naming a listed model
    that has a path (a model made by training cannot be another's initial model)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise XlingError(f"{file}: models: expected a non-empty list of model mappings")
    models = [build(ModelSpec, entry, file, f"models[{i}]") for i, entry in enumerate(raw)]
    by_name: dict[str, ModelSpec] = {}
    for i, model in enumerate(models):
        if model.name in by_name:
            raise XlingError(f"{file}: models[{i}]: duplicate model name {model.name!r}")
        by_name[model.name] = model
    for i, model in enumerate(models):
        where = f"{file}: models[{i}]"
        if model.initial:
            initial = by_name.get(model.initial)
            if initial is None:
                raise XlingError(f"{where}.initial: no model named {model.initial!r}; listed: "
                                 f"{', '.join(by_name)}")
            if not initial.path:
                raise XlingError(f"{where}.initial: {model.initial!r} is itself made by training")
        if model.train:
            unknown = sorted(set(model.train) - set(MODEL_TRAIN_KEYS))
            if unknown or "paradigm" not in model.train or "train_langs" not in model.train:
                raise XlingError(f"{where}.train: needs paradigm and train_langs (keys: "
                                 f"{', '.join(MODEL_TRAIN_KEYS)}); got {sorted(model.train)}")
        if model.path == "sandbox":
            check_sandbox(model.sandbox, f"{where}.sandbox")
        elif missing_path(model.path):
            raise XlingError(f"{where}.path: no model at {model.path!r}")
    return tuple(models)


def parse_cells(data: dict[str, Any], models: tuple[ModelSpec, ...],
           file: str) -> tuple[Cells, ScalingSpec | None]:
    """Every cell, in order: the base, the listed models, the grid, the explicit cells, the
    scaling series (returned too)."""
    cells: Cells = [(CellSpec("base"), "base")] if data.get("base_model") else []
    for i, model in enumerate(models):
        if model.path:
            cells.append((CellSpec("base", base=model.name), f"models[{i}]"))
        else:
            train = model.train
            cells.append((CellSpec(train["paradigm"], lang_codes(train["train_langs"], file,
                                   f"models[{i}].train.train_langs"), train.get("seed", 0),
                                   name=model.name, config=dict(train.get("config") or {}),
                                   base=model.initial), f"models[{i}].train"))
    if data.get("grid") is not None:
        cells += _grid(data["grid"], models, bool(data.get("base_model")), file)
    raw_cells = data.get("cells")
    if raw_cells is not None and not isinstance(raw_cells, list):
        raise XlingError(f"{file}: cells: expected a list of cell mappings, got {shown(raw_cells)}")
    for i, raw in enumerate(raw_cells or []):
        cells.append((build(CellSpec, raw, file, f"cells[{i}]", convert={
            "train_langs": lambda v, i=i: lang_codes(v, file, f"cells[{i}].train_langs")}),
            f"cells[{i}]"))
    scaling = None
    if data.get("scaling") is not None:
        scaling = build(ScalingSpec, data["scaling"], file, "scaling", convert={
            "order": lambda v: lang_codes(v, file, "scaling.order")})
        for k in range(1, len(scaling.order) + 1):
            cells.append((CellSpec(scaling.paradigm, scaling.order[:k], 0, design="parallel"),
                          "scaling.paradigm"))
    return cells, scaling


def _grid(grid: Any, models: tuple[ModelSpec, ...], has_base: bool, file: str) -> Cells:
    """The ``grid:`` block: paradigm x base model x training languages x seed."""
    if not isinstance(grid, dict) or set(grid) - set(GRID_KEYS):
        raise XlingError(f"{file}: grid: expected a mapping with keys {', '.join(GRID_KEYS)}")
    paradigms = typed_list(grid.get("paradigms"), file, "grid.paradigms", str)
    sets = [lang_codes(s, file, f"grid.train_langs[{i}]")
            for i, s in enumerate(typed_list(grid.get("train_langs"), file, "grid.train_langs", Any))]
    seeds = typed_list(grid.get("seeds", [0]), file, "grid.seeds", int)
    if not paradigms or not sets or not seeds:
        raise XlingError(f"{file}: grid: paradigms, train_langs and seeds must each be non-empty")
    bases = typed_list(grid.get("base_models", [""]), file, "grid.base_models", str)
    listed = {m.name: m for m in models}
    for k, name in enumerate(bases):
        if name and name not in listed:
            raise XlingError(f"{file}: grid.base_models[{k}]: no model named {name!r}; "
                             f"listed: {', '.join(listed) or 'none (add a models: list)'}")
        if name and not listed[name].path:
            raise XlingError(f"{file}: grid.base_models[{k}]: {name!r} is itself made by "
                             "training; start from a model with a path")
        if not name and not has_base:
            raise XlingError(f"{file}: grid: without base_model, name grid.base_models")
    return [(CellSpec(paradigm, langs, seed, base=base), f"grid.paradigms[{j}]")
            for j, paradigm in enumerate(paradigms) for base in bases for langs in sets
            for seed in seeds]


def check_cells(cells: Cells, paradigm_config: dict[str, dict[str, Any]], file: str) -> None:
    """Each cell's paradigm, languages and config as it will train (built once per distinct
    config), and distinct labels."""
    from xling.train import PARADIGMS

    checked: set[str] = set()
    for cell, source in cells:
        if cell.paradigm != "base":
            check_paradigm(cell.paradigm, file, source, ["base", *PARADIGMS])
        if cell.paradigm == "base":
            if cell.train_langs or cell.config:
                raise XlingError(f"{file}: {source}: a base cell takes no train_langs or config")
            continue
        if not cell.train_langs:
            raise XlingError(f"{file}: cell {cell.label} has no train_langs")
        if cell.config:
            check_paradigm_config(cell.paradigm, cell.config, file, f"{source}.config", construct=False)
        merged = merged_config(paradigm_config, cell)
        fingerprint = json.dumps([cell.paradigm, merged], sort_keys=True, default=str)
        if fingerprint not in checked:
            sources = " + ".join([f"paradigm_config.{p}" for p in dict.fromkeys(
                [*stages(cell.paradigm), cell.paradigm]) if p in paradigm_config]
                + ([f"{source}.config"] if cell.config else [])) or "defaults"
            check_paradigm_config(cell.paradigm, merged, f"{file}: cell {cell.label} ({sources})",
                                  "", construct=True)
            checked.add(fingerprint)
    labels = [c.label for c, _ in cells]
    dupes = sorted({label for label in labels if labels.count(label) > 1})
    if dupes:
        raise XlingError(f"{file}: duplicate cell {dupes[0]!r}; give cells distinct names")
    for cell, source in cells:
        if cell.pool:
            check_pool_name(cell.pool, file, f"{source}.pool")
        if cell.pool and cell.paradigm == "base":
            raise XlingError(f"{file}: {source}: a base cell takes no pool")


def missing_path(model: str) -> bool:
    """A local-looking model path (``paths.looks_local``: ``./x``, ``/x``, ``runs/typo`` beside an
    existing ``runs/``) that does not exist, as ``xling eval --model`` refuses it; hub ids are
    checked once per study by the runner (``runner.check_models``)."""
    from xling.paths import looks_local

    return looks_local(model) and not Path(model).expanduser().exists()
