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

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xling.config import build, fits, lang_codes, shown, typed_list
from xling.registry import is_dotted, resolve
from xling.schema import XlingError
from xling.study.blocks import (
    CellSpec,
    EvalSpec,
    ModelSpec,
    PoolSpec,
    ScalingSpec,
    VerlSpec,
)
from xling.study.cells import Cells, check_cells, missing_path, parse_cells, parse_models
from xling.study.configs import (
    check_paradigm,
    check_paradigm_config,
    check_pool_name,
    check_sandbox,
    merged_config,
    resolved,
)


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
    """Sandbox recipe overrides when base_model is 'sandbox' (see study/sandbox_base.py)."""
    backend: str = "hf"
    out: str = ""
    """Run directory; default runs/<name>."""
    source_file: str = ""
    verl: VerlSpec | None = None
    """RL cells trained on verl instead of TRL (None = every cell trains with TRL)."""
    models: tuple[ModelSpec, ...] = ()
    """Named models of a multi-model study (study B's observational / interventional stages)."""
    controls: dict[str, str] = field(default_factory=dict)
    """Control role (``CONTROL_ROLES``) -> cell label; the report states whether each held
    (``report.controls``)."""

    def model(self, name: str) -> ModelSpec:
        """The listed model ``name``."""
        for model in self.models:
            if model.name == name:
                return model
        raise XlingError(f"no model named {name!r} in {self.source_file or self.name}; "
                         f"listed: {', '.join(m.name for m in self.models) or 'none'}")

    def eval_for(self, cell: CellSpec) -> EvalSpec:
        """The evaluation settings of ``cell``: the ``eval:`` block, with the ``think_format``
        of the listed model the cell is (its name) or starts from (its ``base``) where that
        model names one; the cell's own model first."""
        listed = {model.name: model for model in self.models}
        for name in (cell.name, cell.base):
            if name in listed and listed[name].think_format:
                return dataclasses.replace(self.eval, think_format=listed[name].think_format)
        return self.eval

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
        sandbox base, the skill of that base's recipe (what post-training in its world teaches),
        else None (the benchmark's default)."""
        source = self.eval.source_for(benchmark)
        if source is not None:
            return source
        path, recipe = self.start(model)
        if benchmark == "sandbox" and path == "sandbox":
            # The sandbox benchmark's source format (SandboxConfig JSON) belongs in its module
            # (data/benchmarks/sandbox.py, issue 20's file): to move there as a Benchmark hook.
            from xling.study.sandbox_base import SandboxRecipe

            return json.dumps(SandboxRecipe.from_overrides(recipe).skill_overrides(),
                              sort_keys=True)
        return None

    @property
    def out_dir(self) -> Path:
        return Path(self.out or f"runs/{self.name}")


CONTROL_ROLES: tuple[str, ...] = ("positive", "transfer", "negative")
"""Roles of a study's ``controls:`` (criteria in ``report.controls.CRITERIA``)."""
TOP_KEYS = {"name", "base_model", "backend", "pool", "grid", "cells", "eval", "paradigm_config",
            "verl", "models", "controls", "probes", "scaling", "sandbox", "out"}


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
    models = parse_models(data.get("models"), file)
    cells, scaling = parse_cells(data, models, file)
    paradigm_config = _paradigm_config(data.get("paradigm_config"), file)
    check_cells(cells, paradigm_config, file)
    controls = _controls(data.get("controls"), cells, bool(data.get("base_model")), file)
    base_model, sandbox = _base_model(data, file)
    return StudySpec(
        verl=_verl(data.get("verl"), file), models=models,
        name=data["name"], base_model=base_model, cells=tuple(c for c, _ in cells), pool=pool,
        eval=ev, paradigm_config=paradigm_config, probes=probes, scaling=scaling,
        sandbox=sandbox, backend=backend, out=data.get("out", ""), source_file=file,
        controls=controls,
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
    if backend not in BACKENDS:
        if not is_dotted(backend):
            raise XlingError(f"{file}: backend: unknown backend {backend!r}; known: "
                             f"{', '.join(BACKENDS)} (or a dotted path 'my_pkg.module:Class')")
        resolved(lambda: resolve(BACKENDS, backend, "backend", expect=Callable), file, "backend")
    return backend


def _pool(raw: Any, file: str) -> PoolSpec:
    pool = build(PoolSpec, raw, file, "pool")
    check_pool_name(pool.name, file, "pool.name")
    return pool


def _eval(raw: Any, file: str) -> EvalSpec:
    """The ``eval:`` block; each benchmark registered, or a card that loads (rows included), or
    a dotted path to a user's ``Benchmark``, resolved now with its scorer."""
    from xling.data import BENCHMARKS, get_benchmark, is_card_path
    from xling.scoring import get_scorer

    ev = build(EvalSpec, raw, file, "eval", convert={
        "benchmarks": lambda v: tuple([v] if isinstance(v, str) else v) if isinstance(
            v, str | list | tuple) else v,
        "langs": lambda v: lang_codes(v, file, "eval.langs"),
        "pass_k": lambda v: tuple(v) if isinstance(v, list) else v,
    })
    for bench in ev.benchmarks:
        # a benchmark card (e.g. xling translate's), validated now with its rows, or a dotted path
        if is_card_path(bench) or (bench not in BENCHMARKS and is_dotted(bench)):
            resolved(lambda b=bench: get_scorer(get_benchmark(str(b)).scorer), file,
                     "eval.benchmarks")
        elif bench not in BENCHMARKS:
            raise XlingError(f"{file}: eval.benchmarks: unknown benchmark {bench!r}; "
                             f"known: {', '.join(sorted(BENCHMARKS))} (or a card.yaml path, or a "
                             "dotted path 'my_pkg.module:BENCHMARK')")
    return ev


def _probes(raw: Any, file: str) -> tuple[str, ...]:
    from xling.probes import PROBES, get_probe

    probes = tuple(typed_list(raw, file, "probes", str))
    for probe in probes:
        if probe not in PROBES:
            if not is_dotted(probe):
                raise XlingError(f"{file}: probes: unknown probe {probe!r}; known: "
                                 f"{', '.join(PROBES)} (or a dotted path 'my_pkg.module')")
            resolved(lambda p=probe: get_probe(p), file, "probes")
    return probes


def _paradigm_config(raw: Any, file: str) -> dict[str, dict[str, Any]]:
    """``paradigm_config:``: paradigm -> its config's keys and types (values are checked per
    cell, once merged with the cell's own config: ``cells.check_cells``)."""
    from xling.train import PARADIGMS

    paradigm_config = raw or {}
    if not isinstance(paradigm_config, dict):
        raise XlingError(f"{file}: paradigm_config: expected a mapping of paradigm -> config, "
                         f"got {shown(paradigm_config)}")
    for paradigm, config in paradigm_config.items():
        check_paradigm(paradigm, file, "paradigm_config", PARADIGMS)
        check_paradigm_config(paradigm, config, file, f"paradigm_config.{paradigm}", construct=False)
    return paradigm_config


def _controls(raw: Any, cells: Cells, has_base: bool, file: str) -> dict[str, str]:
    """``controls:``: role -> the label of a trained cell, compared against the study's base."""
    controls = raw or {}
    if not fits(controls, dict[str, str]):
        raise XlingError(f"{file}: controls: expected a mapping of role -> cell label, "
                         f"got {shown(controls)}")
    labels = [c.label for c, _ in cells]
    for role, label in controls.items():
        if role not in CONTROL_ROLES:
            raise XlingError(f"{file}: controls: unknown role {role!r}; known: "
                             f"{', '.join(CONTROL_ROLES)}")
        if label not in labels or label == "Base":
            raise XlingError(f"{file}: controls.{role}: no trained cell {label!r}; cells: "
                             f"{', '.join(x for x in labels if x != 'Base')}")
    if controls and not has_base:
        raise XlingError(f"{file}: controls: compare against the study's base; set base_model")
    return dict(controls)


def _base_model(data: dict[str, Any], file: str) -> tuple[str, dict[str, Any]]:
    """``base_model`` (a local path must exist) and its ``sandbox:`` recipe."""
    base_model = data.get("base_model", "")
    if base_model and base_model != "sandbox" and missing_path(base_model):
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
    from xling.train import PARADIGMS, get_paradigm

    verl = build(VerlSpec, raw, file, "verl", convert={
        "paradigms": lambda v: tuple(typed_list(v, file, "verl.paradigms", str))})
    on_verl = [name for name in PARADIGMS if "verl" in get_paradigm(name).engines]
    for paradigm in verl.paradigms:
        check_paradigm(paradigm, file, "verl.paradigms", PARADIGMS)
        if "verl" not in get_paradigm(paradigm).engines:
            raise XlingError(f"{file}: verl.paradigms: {paradigm!r} cannot train on verl; "
                             f"allowed: {', '.join(on_verl)} (a paradigm whose row lists "
                             "the verl engine)")
    return verl


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


__all__ = ["CONTROL_ROLES", "StudySpec", "load_spec", "merged_config", "parse_spec"]
