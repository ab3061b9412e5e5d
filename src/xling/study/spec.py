"""Study specs: one YAML file -> validated dataclasses, before any model loads.

Stage: study. A study names the base model, the training pool, the grid (paradigm x
training-language set x seed, plus explicit named cells for ablations), the evaluation, the
probes and the scaling analysis. Unknown keys, languages, paradigms, benchmarks or probes are
refused with the file and the key named. See ``studies/*.yaml`` for the shipped ones.
The blocks are ``study.blocks``' dataclasses, built by ``config.build``; what the cells train
with is checked by ``study.configs``; ``parse_spec`` reads the file block by block, each block
one function below, in the order the checks run.

Example (the sandbox demo)::

    name: sandbox-demo
    base_model: sandbox           # the built sandbox base; or a path / hub id
    pool: {name: sandbox, n: 256}
    grid: {paradigms: [sft, grpo], train_langs: [[de]], seeds: [0]}
    eval: {benchmarks: [sandbox], langs: all, limit: 60, max_new_tokens: 80}

Try:  xling study run studies/sandbox.yaml
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xling.config import build, lang_codes, shown, typed_list
from xling.schema import XlingError
from xling.study.blocks import (
    MODEL_TRAIN_KEYS,
    CellSpec,
    EvalSpec,
    ModelSpec,
    PoolSpec,
    ScalingSpec,
    VerlSpec,
)
from xling.study.configs import check_paradigm_config, check_sandbox, merged_config


@dataclass(frozen=True)
class StudySpec:
    """A whole study file, validated (``parse_spec``): every cell, and what they share."""

    name: str
    base_model: str
    cells: tuple[CellSpec, ...]
    pool: PoolSpec = PoolSpec()
    eval: EvalSpec = EvalSpec()
    paradigm_config: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per-paradigm config shared by every cell of that paradigm."""
    probes: tuple[str, ...] = ()
    scaling: ScalingSpec | None = None
    sandbox: dict[str, Any] = field(default_factory=dict)
    """Sandbox recipe overrides when base_model is 'sandbox' (see study/sandbox.py)."""
    backend: str = "hf"
    out: str = ""
    """Run directory; default runs/<name>."""
    source_file: str = ""
    verl: VerlSpec | None = None
    """RL cells trained on verl instead of TRL (None = every cell trains with TRL)."""
    models: tuple[ModelSpec, ...] = ()
    """Named models of a multi-model study (study B's observational / interventional stages)."""

    def model(self, name: str) -> ModelSpec:
        """The listed model ``name``."""
        for model in self.models:
            if model.name == name:
                return model
        raise XlingError(f"no model named {name!r} in {self.source_file or self.name}; "
                         f"listed: {', '.join(m.name for m in self.models) or 'none'}")

    def start(self, model: str = "") -> tuple[str, dict[str, Any]]:
        """``(path, sandbox recipe)`` of the model a cell starts from: the listed model
        ``model``, or ('' ) the study's base model."""
        if model:
            listed = self.model(model)
            return listed.path, listed.sandbox
        return self.base_model, self.sandbox

    def benchmark_source(self, benchmark: str, model: str = "") -> str | None:
        """Where ``benchmark`` is read from for a cell starting from ``model``: the ``eval:``
        block's source for it (``EvalSpec.source_for``), else, for the sandbox benchmark on a
        sandbox base, the problems of that base's recipe (evaluation in the world the base was
        pretrained in), else None (the benchmark's default)."""
        source = self.eval.source_for(benchmark)
        if source is not None:
            return source
        path, recipe = self.start(model)
        if benchmark == "sandbox" and path == "sandbox":
            # The sandbox benchmark's source format (SandboxConfig JSON) belongs in its module
            # (data/benchmarks/sandbox.py, issue 20's file): to move there as a Benchmark hook.
            from xling.study.sandbox import SandboxRecipe

            problems = SandboxRecipe.from_overrides(recipe).problems
            return json.dumps(problems) if problems else None
        return None

    @property
    def out_dir(self) -> Path:
        return Path(self.out or f"runs/{self.name}")



TOP_KEYS = {"name", "base_model", "backend", "pool", "grid", "cells", "eval", "paradigm_config",
            "verl", "models", "probes", "scaling", "sandbox", "out"}
GRID_KEYS = ("paradigms", "train_langs", "seeds", "base_models")
Cells = list[tuple[CellSpec, str]]
"""Cells with the key path each came from (for errors)."""


def parse_spec(data: dict[str, Any], where: str = "study") -> StudySpec:
    """Validate a study mapping (as loaded from YAML) into a ``StudySpec``.

    Every key and value is checked before anything runs: unknown keys, value types (against the
    dataclasses they fill), ranges, languages, benchmarks, probes, the backend, the pool, the
    sandbox recipe, and each cell's paradigm config as resolved for that cell (built with the
    paradigm's own config class, e.g. ``train.sft.SFTConfig``). TRL's own field names are
    checked by the runner (``runner.check_training``), which needs trl imported.

    Raises:
        XlingError: one line naming ``where`` (the file), the key path and what is allowed.
    """
    file = where
    backend = _top_level(data, file)
    pool = _pool(data.get("pool"), file)
    ev = _eval(data.get("eval"), file)
    probes = _probes(data.get("probes"), file)
    models = _models(data.get("models"), file)
    cells, scaling = _cells(data, models, file)
    paradigm_config = _paradigm_config(data.get("paradigm_config"), file)
    _check_cells(cells, paradigm_config, file)
    base_model, sandbox = _base_model(data, file)
    return StudySpec(
        verl=_verl(data.get("verl"), file), models=models,
        name=data["name"], base_model=base_model, cells=tuple(c for c, _ in cells), pool=pool,
        eval=ev, paradigm_config=paradigm_config, probes=probes, scaling=scaling,
        sandbox=sandbox, backend=backend, out=data.get("out", ""), source_file=file,
    )


def _top_level(data: Any, file: str) -> str:
    """The mapping's keys, the required ones, the plain strings; returns the backend."""
    from xling.generate import BACKENDS

    if not isinstance(data, dict):
        raise XlingError(f"{file}: a study file must be a mapping")
    unknown = sorted(set(data) - TOP_KEYS, key=str)
    if unknown:
        raise XlingError(f"{file}: unknown key {unknown[0]!r}; known: {', '.join(sorted(TOP_KEYS))}")
    required = ("name",) if data.get("models") else ("name", "base_model")
    for key in required:
        if not data.get(key):
            raise XlingError(f"{file}: missing required key {key!r}")
    for key in ("name", "base_model", "backend", "out"):
        if key in data and not isinstance(data[key], str):
            raise XlingError(f"{file}: {key}: expected a string, got {shown(data[key])}")
    backend = data.get("backend", "hf")
    if backend not in BACKENDS and ":" not in backend:
        raise XlingError(f"{file}: backend: unknown backend {backend!r}; known: "
                         f"{', '.join(BACKENDS)} (or a dotted path 'my_pkg.module:Class')")
    return backend


def _pool(raw: Any, file: str) -> PoolSpec:
    from xling.data.pools import POOLS

    pool = build(PoolSpec, raw, file, "pool")
    if pool.name not in POOLS and not Path(pool.name).exists():
        raise XlingError(f"{file}: pool.name: unknown pool {pool.name!r}; known: {', '.join(POOLS)} "
                         "(or a path to a .jsonl file, a card.yaml, or a folder holding one)")
    return pool


def _eval(raw: Any, file: str) -> EvalSpec:
    """The ``eval:`` block; each benchmark registered, or a card that loads (rows included)."""
    from xling.data import BENCHMARKS, get_benchmark

    ev = build(EvalSpec, raw, file, "eval", convert={
        "benchmarks": lambda v: tuple([v] if isinstance(v, str) else v) if isinstance(
            v, str | list | tuple) else v,
        "langs": lambda v: lang_codes(v, file, "eval.langs"),
        "pass_k": lambda v: tuple(v) if isinstance(v, list) else v,
    })
    for bench in ev.benchmarks:
        if str(bench).endswith((".yaml", ".yml")):  # a benchmark card (e.g. xling translate's)
            try:
                get_benchmark(str(bench))
            except XlingError as exc:
                raise XlingError(f"{file}: eval.benchmarks: {exc}") from None
        elif bench not in BENCHMARKS:
            raise XlingError(f"{file}: eval.benchmarks: unknown benchmark {bench!r}; "
                             f"known: {', '.join(sorted(BENCHMARKS))} (or a card.yaml path)")
    return ev


def _probes(raw: Any, file: str) -> tuple[str, ...]:
    from xling.probes import PROBES

    probes = tuple(typed_list(raw, file, "probes", str))
    for probe in probes:
        if probe not in PROBES:
            raise XlingError(f"{file}: probes: unknown probe {probe!r}; known: {', '.join(PROBES)}")
    return probes


def _models(raw: Any, file: str) -> tuple[ModelSpec, ...]:
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
        elif _missing_path(model.path):
            raise XlingError(f"{where}.path: no model at {model.path!r}")
    return tuple(models)


def _cells(data: dict[str, Any], models: tuple[ModelSpec, ...],
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


def _paradigm_config(raw: Any, file: str) -> dict[str, dict[str, Any]]:
    """``paradigm_config:``: paradigm -> its config's keys and types (values are checked per
    cell, once merged with the cell's own config: ``_check_cells``)."""
    from xling.train import PARADIGMS

    paradigm_config = raw or {}
    if not isinstance(paradigm_config, dict):
        raise XlingError(f"{file}: paradigm_config: expected a mapping of paradigm -> config, "
                         f"got {shown(paradigm_config)}")
    for paradigm, config in paradigm_config.items():
        if paradigm not in PARADIGMS:
            raise XlingError(f"{file}: paradigm_config: unknown paradigm {paradigm!r}; "
                             f"known: {', '.join(PARADIGMS)}")
        check_paradigm_config(paradigm, config, file, f"paradigm_config.{paradigm}", construct=False)
    return paradigm_config


def _check_cells(cells: Cells, paradigm_config: dict[str, dict[str, Any]], file: str) -> None:
    """Each cell's paradigm, languages and config as it will train (built once per distinct
    config), and distinct labels."""
    from xling.train import PARADIGMS

    checked: set[str] = set()
    for cell, source in cells:
        if cell.paradigm != "base" and cell.paradigm not in PARADIGMS:
            raise XlingError(f"{file}: {source}: unknown paradigm {cell.paradigm!r}; "
                             f"known: base, {', '.join(PARADIGMS)}")
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
                [*cell.paradigm.split("+"), cell.paradigm]) if p in paradigm_config]
                + ([f"{source}.config"] if cell.config else [])) or "defaults"
            check_paradigm_config(cell.paradigm, merged, f"{file}: cell {cell.label} ({sources})",
                                  "", construct=True)
            checked.add(fingerprint)
    labels = [c.label for c, _ in cells]
    dupes = sorted({label for label in labels if labels.count(label) > 1})
    if dupes:
        raise XlingError(f"{file}: duplicate cell {dupes[0]!r}; give cells distinct names")


def _base_model(data: dict[str, Any], file: str) -> tuple[str, dict[str, Any]]:
    """``base_model`` (a local path must exist) and its ``sandbox:`` recipe."""
    base_model = data.get("base_model", "")
    if base_model and base_model != "sandbox" and _missing_path(base_model):
        raise XlingError(f"{file}: base_model: no model at {base_model!r}")
    sandbox = data.get("sandbox")
    if sandbox is not None:
        if base_model != "sandbox":
            raise XlingError(f"{file}: sandbox: the sandbox recipe applies only when base_model is "
                             f"'sandbox' (it is {base_model!r}); remove the block")
        check_sandbox(sandbox, file)
    return base_model, dict(sandbox or {})


def _verl(raw: Any, file: str) -> VerlSpec | None:
    if raw is None:
        return None
    verl = build(VerlSpec, raw, file, "verl", convert={
        "paradigms": lambda v: tuple(typed_list(v, file, "verl.paradigms", str))})
    for paradigm in verl.paradigms:
        if paradigm not in ("grpo", "sft+grpo"):
            raise XlingError(f"{file}: verl.paradigms: {paradigm!r} cannot train on verl; "
                             "allowed: grpo, sft+grpo")
    return verl


def _missing_path(model: str) -> bool:
    """A local-looking model path (``paths.looks_local``: ``./x``, ``/x``, ``runs/typo`` beside an
    existing ``runs/``) that does not exist, as ``xling eval --model`` refuses it; hub ids are
    checked once per study by the runner (``runner.check_models``)."""
    from xling.paths import looks_local

    return looks_local(model) and not Path(model).expanduser().exists()


def load_spec(path: str | Path) -> StudySpec:
    """Read and validate a study YAML file (nothing heavy is imported or loaded).

    Raises:
        XlingError: a missing file, bytes that are not UTF-8, invalid YAML or a key written
            twice (``file:line``), or what ``parse_spec`` refuses.
    """
    from xling.data.io import read_yaml

    path = Path(path)
    if not path.is_file():
        raise XlingError(f"study file not found: {path}")
    return parse_spec(read_yaml(path), str(path))
