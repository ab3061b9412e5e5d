"""Study specs: one YAML file -> validated dataclasses, before any model loads.

Stage: study. A study names the base model, the training pool, the grid (paradigm x
training-language set x seed, plus explicit named cells for ablations), the evaluation, the
probes and the scaling analysis. Unknown keys, languages, paradigms, benchmarks or probes are
refused with the file and the key named. See ``studies/*.yaml`` for the shipped ones.

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
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xling.evaluation.settings import EvalSettings
from xling.languages import STUDY_LANGS, parse_langs
from xling.schema import XlingError

DESIGNS = ("single", "mixed", "parallel")


@dataclass(frozen=True)
class PoolSpec:
    """Where training examples come from."""

    name: str = "sandbox"
    """A name of data.pools.POOLS (sandbox, gsm8k, mgsm8k), a jsonl path, or a card.yaml (or a
    folder holding one, e.g. ``xling translate``'s output)."""
    n: int | None = 256
    """Problems per training run (per language for the parallel design); None = all."""
    design: str = "single"
    """single | mixed | parallel (study B's parallel data)."""
    format: str = "plain"
    """Solutions as they are ('plain') or in a reasoning model's ``<think>`` format ('think')."""

    def __post_init__(self) -> None:
        from xling.data.pools import SOLUTION_FORMATS

        if self.format not in SOLUTION_FORMATS:
            raise XlingError(f"format {self.format!r} unknown; known: {', '.join(SOLUTION_FORMATS)}")
        if not self.name:
            raise XlingError("name must be a pool name or a path")
        if self.n is not None and self.n < 1:
            raise XlingError(f"n must be >= 1 (or null = all), got {self.n}")
        if self.design not in DESIGNS:
            raise XlingError(f"design {self.design!r} unknown; known: {', '.join(DESIGNS)}")


@dataclass(frozen=True)
class CellSpec:
    """One trained model of the grid (or an explicit ablation cell)."""

    paradigm: str
    """A key of train.PARADIGMS ('sft', 'grpo', 'rft', 'sft+grpo'), or 'base' (no training)."""
    train_langs: tuple[str, ...] = ()
    seed: int = 0
    name: str = ""
    """Display name; default '<PARADIGM>(<langs>)' as the papers write it."""
    config: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    """Overrides of the paradigm's config for this cell (e.g. prompt_style, reward)."""
    design: str | None = None
    """Overrides the pool design for this cell."""
    base: str = ""
    """The listed model (``StudySpec.models``) this cell starts from; '' = ``base_model``."""

    def __post_init__(self) -> None:
        if self.design is not None and self.design not in DESIGNS:
            raise XlingError(f"design {self.design!r} unknown; known: {', '.join(DESIGNS)}")

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.paradigm == "base":
            return self.base or "Base"
        label = f"{self.paradigm.upper()}({','.join(self.train_langs)})"
        return f"{label}@{self.base}" if self.base else label


@dataclass(frozen=True)
class EvalSpec(EvalSettings):
    """A study's ``eval:`` block: the evaluation settings every cell is evaluated with
    (``EvalSettings``: sampling, prompt style, thinking, ...), the benchmarks and languages,
    and where the benchmarks are read from."""

    benchmarks: tuple[str, ...] = ("mgsm",)
    """Registered benchmarks or card.yaml paths; the first is the one the probes read."""
    langs: tuple[str, ...] = STUDY_LANGS
    """Evaluation languages; a benchmark is evaluated in those its source holds (the others
    are n/a)."""
    source: str | None = None
    """Benchmark source override (folder / hub id); None = each benchmark's default."""
    sources: dict[str, str] = field(default_factory=dict)
    """Per-benchmark sources (benchmark -> folder / hub id), e.g. translated folders."""

    def __post_init__(self) -> None:
        super().__post_init__()  # the checks `xling eval` applies to the same settings
        unknown = sorted(set(self.sources) - set(self.benchmarks))
        if unknown:
            raise XlingError(f"sources names {unknown[0]!r}, which is not in benchmarks")
        if not self.benchmarks:
            raise XlingError("benchmarks: name at least one benchmark")

    def source_for(self, benchmark: str) -> str | None:
        """Where the study reads ``benchmark`` from: its own source, else the global one, else
        None (the benchmark's default)."""
        return self.sources.get(benchmark, self.source)


@dataclass(frozen=True)
class ScalingSpec:
    """Study B's parallel scaling: cells for N = 1..len(order) parallel training languages."""

    order: tuple[str, ...] = STUDY_LANGS
    """Languages added one at a time, English first by default."""
    paradigm: str = "grpo"
    target: str = "all"
    """What y(N) averages: 'all' evaluation languages, or 'unseen' (not trained on)."""

    def __post_init__(self) -> None:
        if not self.order:
            raise XlingError("order: name at least one language")
        if self.target not in ("all", "unseen"):
            raise XlingError(f"target must be 'all' or 'unseen', got {self.target!r}")


MODEL_TYPES: tuple[str, ...] = ("base", "instruct", "math", "reasoning", "other")
"""Study B's initial-model types (its interventional axis), plus the post-trained reasoning models."""


@dataclass(frozen=True)
class ModelSpec:
    """A named model of a multi-model study (study B): a released model evaluated as it is, or
    (the sandbox, tests) a model made by post-training another listed model.

    Observational: each model with an ``initial`` is compared with it (MTI, per-language gains).
    Interventional: ``grid.base_models`` names the models the training grid starts from.
    """

    name: str
    path: str = ""
    """Hub id, local path, or 'sandbox' (a sandbox base built from ``sandbox``)."""
    initial: str = ""
    """Name of the listed model this one was post-trained from."""
    train: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    """Instead of ``path``: make this model by training ``initial``:
    ``{paradigm, train_langs, seed, config}`` (the sandbox stand-in for a released model)."""
    family: str = ""
    """Label: model family ('qwen2.5', 'llama3')."""
    size: str = ""
    """Label: parameter count as written ('1.5B', '7B', '400k'); plots read the number."""
    type: str = ""
    """Label: one of ``MODEL_TYPES`` ('' = unknown)."""
    sandbox: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    """Sandbox recipe overrides when ``path`` is 'sandbox' (see study/sandbox.py)."""

    def __post_init__(self) -> None:
        if not self.name or not all(ch.isalnum() or ch in "._-+" for ch in self.name):
            raise XlingError(f"name {self.name!r}: use letters, digits, '.', '_', '-', '+'")
        if bool(self.path) == bool(self.train):
            raise XlingError(f"model {self.name}: give exactly one of path (a model) or train "
                             "(made by training its initial model)")
        if self.train and not self.initial:
            raise XlingError(f"model {self.name}: train needs the initial model it starts from")
        if self.type and self.type not in MODEL_TYPES:
            raise XlingError(f"model {self.name}: type {self.type!r} unknown; known: "
                             f"{', '.join(MODEL_TYPES)}")
        if self.sandbox and self.path != "sandbox":
            raise XlingError(f"model {self.name}: a sandbox recipe needs path: sandbox")


_MODEL_TRAIN_KEYS = ("paradigm", "train_langs", "seed", "config")


@dataclass(frozen=True)
class VerlSpec:
    """Cells whose paradigm is in ``paradigms`` train on verl (a GPU node or a Ray cluster)
    instead of TRL: ``xling study run`` writes the export and prints the launch command, and
    picks up verl's checkpoint (merged to a HF model) on the next run (``study.verl_cells``)."""

    paradigms: tuple[str, ...] = ("grpo",)
    gpus: int = 1
    """GPUs per node (``trainer.n_gpus_per_node``)."""
    nodes: int = 1
    rollout_tp: int = 1
    """vLLM tensor-parallel size of the rollout; divides ``gpus``."""
    checkpoint_dir: str = "checkpoints"
    """Where verl saves; relative = under the cell's export (absolute on shared storage for
    several nodes)."""
    cluster_dir: str | None = None
    """Where the exports will live on the GPU machines, if not where the study runs."""

    def __post_init__(self) -> None:
        if self.gpus < 1 or self.nodes < 1 or self.rollout_tp < 1:
            raise XlingError(f"gpus, nodes and rollout_tp must be >= 1, got {self.gpus}, "
                             f"{self.nodes}, {self.rollout_tp}")
        if self.gpus % self.rollout_tp:
            raise XlingError(f"rollout_tp {self.rollout_tp} must divide gpus {self.gpus}")


@dataclass(frozen=True)
class StudySpec:
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


_TOP_KEYS = {"name", "base_model", "backend", "pool", "grid", "cells", "eval", "paradigm_config", "verl",
             "models",
             "probes", "scaling", "sandbox", "out"}
_GRID_KEYS = ("paradigms", "train_langs", "seeds", "base_models")


# --- typed construction: every key and value checked against the dataclass it fills ----------

def _fits(value: Any, hint: Any) -> bool:
    """Whether a YAML value fits a field annotation (bool is not a number; ints are floats)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return (isinstance(value, int | float) and not isinstance(value, bool)
                and math.isfinite(value))
    if hint is str:
        return isinstance(value, str)
    if origin in (list, tuple) or hint in (list, tuple):
        inner = [arg for arg in args if arg is not Ellipsis]
        return isinstance(value, list | tuple) and all(_fits(v, inner[0]) for v in value if inner)
    if origin is dict or hint is dict:
        return isinstance(value, dict) and (not args or all(
            _fits(k, args[0]) and _fits(v, args[1]) for k, v in value.items()))
    return True  # any other annotation is left to the class's own checks


def _mismatch(value: Any, hint: Any, path: str) -> tuple[str, Any, Any]:
    """Where ``value`` does not fit ``hint``: ``(key path, hint there, value there)``, inside
    mappings and lists (``reward_lambdas.accuracy``: expected a number, got 'abc'), not just
    at the top ("expected a mapping", of a value that is one)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    arms = args if origin in (typing.Union, types.UnionType) else (hint,)
    for arm in arms:
        arm_origin, arm_args = typing.get_origin(arm), typing.get_args(arm)
        if isinstance(value, dict) and (arm_origin is dict or arm is dict) and len(arm_args) == 2:
            for k, v in value.items():
                if not _fits(k, arm_args[0]):
                    return _key(path, str(k)), arm_args[0], k
                if not _fits(v, arm_args[1]):
                    return _mismatch(v, arm_args[1], _key(path, str(k)))
        if isinstance(value, list | tuple) and (arm_origin in (list, tuple) or arm in (list, tuple)):
            inner = [a for a in arm_args if a is not Ellipsis]
            for i, v in enumerate(value):
                if inner and not _fits(v, inner[0]):
                    return _mismatch(v, inner[0], f"{path}[{i}]")
    return path, hint, value


def _describe(hint: Any) -> str:
    """'an integer', 'a number or null', 'a list of strings', ..."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(arg) for arg in args)
    simple = {type(None): "null", bool: "true or false", int: "an integer", float: "a number",
              str: "a string", Any: "anything"}
    if hint in simple:
        return simple[hint]
    if origin in (list, tuple) or hint in (list, tuple):
        inner = [arg for arg in args if arg is not Ellipsis]
        return f"a list of {_describe(inner[0]).split(' ', 1)[-1]}s" if inner else "a list"
    if origin is dict or hint is dict:
        return "a mapping"
    return getattr(hint, "__name__", str(hint))


def _got(value: Any) -> str:
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    if isinstance(value, float) and not math.isfinite(value):
        return f"{shown} (numbers must be finite)"
    if isinstance(value, str):
        try:
            float(value)
            return f"{shown} (a string: YAML reads 1e-4 as text; write 1.0e-4)"
        except ValueError:
            pass
    return shown


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _at(file: str, path: str) -> str:
    """'<file>: <key path>' (the file alone when the path is empty)."""
    return f"{file}: {path}" if path else file


def _build(cls: type, data: Any, file: str, path: str, *, convert: dict[str, Any] | None = None,
           construct: bool = True) -> Any:
    """``cls(**data)`` after refusing unknown keys, missing required keys and values of the
    wrong type (from ``cls``'s annotations); ``cls``'s own checks (``__post_init__``) run last.
    Every error is one line: ``<file>: <key path>: <what is wrong; what is allowed>``.

    Args:
        convert: key -> function applied to the raw value first (e.g. language parsing).
        construct: False = check keys and types only (a partial config, merged later).
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise XlingError(f"{_at(file, path)}: expected a mapping, got {_got(data)}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted((k for k in data if k not in fields), key=str)
    if unknown:
        raise XlingError(f"{_at(file, path)}: unknown key {unknown[0]!r}; "
                         f"known: {', '.join(sorted(fields))}")
    hints = typing.get_type_hints(cls)
    values = dict(data)
    for key, value in data.items():
        if key in (convert or {}):
            value = values[key] = convert[key](value)  # type: ignore[index]
        if not _fits(value, hints.get(key, Any)):
            where, hint, got = _mismatch(value, hints[key], _key(path, key))
            raise XlingError(f"{_at(file, where)}: expected {_describe(hint)}, got {_got(got)}")
    if not construct:
        return None
    missing = [name for name, f in fields.items() if name not in values
               and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    if missing:
        raise XlingError(f"{_at(file, path)}: missing required key {missing[0]!r}")
    try:
        return cls(**values)
    except (XlingError, TypeError, ValueError) as exc:
        raise XlingError(f"{_at(file, path)}: {exc}") from None


def _langs(value: Any, file: str, path: str) -> tuple[str, ...]:
    if not isinstance(value, str | list | tuple):
        raise XlingError(f"{file}: {path}: expected 'all', 'en,de' or a list of language codes, "
                         f"got {_got(value)}")
    try:
        return tuple(parse_langs(value if isinstance(value, str) else [str(v) for v in value]))
    except XlingError as exc:
        raise XlingError(f"{file}: {path}: {exc}") from None


def _list(value: Any, file: str, path: str, item: type) -> list[Any]:
    hint = list[item]  # type: ignore[valid-type]
    if value is None:
        return []
    if not _fits(value, hint):
        raise XlingError(f"{file}: {path}: expected {_describe(hint)}, got {_got(value)}")
    return list(value)


# --- paradigm configs: the train dataclasses themselves ---------------------------------------

def config_class(paradigm: str) -> type:
    """The config dataclass of a paradigm (``train.PARADIGMS``); imports no trainer."""
    from xling.registry import resolve
    from xling.train import PARADIGMS

    return resolve({k: v[0] for k, v in PARADIGMS.items()}, paradigm, "paradigm")


def merged_config(paradigm_config: dict[str, dict[str, Any]], cell: CellSpec) -> dict[str, Any]:
    """A cell's paradigm config: the study's per-paradigm config, then the cell's overrides.

    A composed paradigm ('sft+grpo') takes the configs of its parts under their names.
    (``grid.cell_config`` is this for a StudySpec.)
    """
    if cell.paradigm == "base":
        return {}
    config: dict[str, Any] = {}
    for part in cell.paradigm.split("+"):
        if part in paradigm_config and part != cell.paradigm:
            config[part] = dict(paradigm_config[part])
    config.update(paradigm_config.get(cell.paradigm, {}))
    config.update(cell.config)
    return config


def _check_paradigm_config(paradigm: str, data: Any, file: str, path: str, construct: bool) -> None:
    """Keys and types of a paradigm config (and of nested stage configs, e.g. sft+grpo's 'sft'
    or rft's 'sft': a field named after a paradigm holds that paradigm's config)."""
    from xling.train import PARADIGMS

    cls = config_class(paradigm)
    if isinstance(data, dict):
        names = {f.name for f in dataclasses.fields(cls)}
        for key, value in data.items():
            if key in PARADIGMS and key != paradigm and key in names:
                _check_paradigm_config(key, value, file, _key(path, key), construct)
    _build(cls, data, file, path, construct=construct)


# --- sandbox recipe -----------------------------------------------------------------------------

def _check_sandbox(overrides: Any, file: str) -> None:
    """The ``sandbox:`` block: keys, types and values of the recipe and its problem range."""
    from xling.data.sandbox import SandboxConfig
    from xling.study.sandbox import PRESETS, SandboxRecipe

    if not isinstance(overrides, dict):
        raise XlingError(f"{file}: sandbox: expected a mapping, got {_got(overrides)}")
    overrides = dict(overrides)
    preset = overrides.pop("preset", "default")
    if preset not in PRESETS:
        raise XlingError(f"{file}: sandbox.preset: unknown preset {preset!r}; known: {', '.join(PRESETS)}")
    try:
        _build(SandboxRecipe, overrides, file, "sandbox", construct=False)
    except XlingError as exc:
        raise XlingError(str(exc).replace("; known: ", "; known: preset, ", 1)) from None
    recipe = dataclasses.replace(PRESETS[preset], **overrides)
    for name in ("pretrain_texts", "vocab_size", "hidden_size", "num_layers", "num_heads",
                 "num_kv_heads", "intermediate_size", "steps", "batch_size"):
        if getattr(recipe, name) < 1:
            raise XlingError(f"{file}: sandbox.{name}: must be >= 1, got {getattr(recipe, name)}")
    if recipe.learning_rate <= 0:
        raise XlingError(f"{file}: sandbox.learning_rate: must be > 0, got {recipe.learning_rate}")
    if recipe.hidden_size % recipe.num_heads or recipe.num_heads % recipe.num_kv_heads:
        raise XlingError(f"{file}: sandbox: hidden_size ({recipe.hidden_size}) must be a multiple of "
                         f"num_heads ({recipe.num_heads}), and num_heads of num_kv_heads "
                         f"({recipe.num_kv_heads})")
    if recipe.mix:
        _langs(list(recipe.mix), file, "sandbox.mix")
        shares = list(recipe.mix.values())
        if min(shares) < 0 or abs(sum(shares) - 1.0) > 1e-6:
            raise XlingError(f"{file}: sandbox.mix: shares must be >= 0 and sum to 1, "
                             f"got sum {sum(shares):.3f}")
    _build(SandboxConfig, {"seed": recipe.seed, **recipe.problems}, file, "sandbox.problems")


# --- the study file -----------------------------------------------------------------------------

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
    from xling.data import BENCHMARKS
    from xling.data.pools import POOLS
    from xling.generate import BACKENDS
    from xling.probes import PROBES
    from xling.train import PARADIGMS

    file = where
    if not isinstance(data, dict):
        raise XlingError(f"{file}: a study file must be a mapping")
    unknown = sorted(set(data) - _TOP_KEYS, key=str)
    if unknown:
        raise XlingError(f"{file}: unknown key {unknown[0]!r}; known: {', '.join(sorted(_TOP_KEYS))}")
    required = ("name",) if data.get("models") else ("name", "base_model")
    for key in required:
        if not data.get(key):
            raise XlingError(f"{file}: missing required key {key!r}")
    for key in ("name", "base_model", "backend", "out"):
        if key in data and not isinstance(data[key], str):
            raise XlingError(f"{file}: {key}: expected a string, got {_got(data[key])}")

    backend = data.get("backend", "hf")
    if backend not in BACKENDS and ":" not in backend:
        raise XlingError(f"{file}: backend: unknown backend {backend!r}; known: "
                         f"{', '.join(BACKENDS)} (or a dotted path 'my_pkg.module:Class')")

    pool = _build(PoolSpec, data.get("pool"), file, "pool")
    if pool.name not in POOLS and not Path(pool.name).exists():
        raise XlingError(f"{file}: pool.name: unknown pool {pool.name!r}; known: {', '.join(POOLS)} "
                         "(or a path to a .jsonl file, a card.yaml, or a folder holding one)")
    ev = _build(EvalSpec, data.get("eval"), file, "eval", convert={
        "benchmarks": lambda v: tuple([v] if isinstance(v, str) else v) if isinstance(
            v, str | list | tuple) else v,
        "langs": lambda v: _langs(v, file, "eval.langs"),
        "pass_k": lambda v: tuple(v) if isinstance(v, list) else v,
    })
    for bench in ev.benchmarks:
        if str(bench).endswith((".yaml", ".yml")):  # a benchmark card (e.g. xling translate's)
            from xling.data import get_benchmark

            try:
                get_benchmark(str(bench))  # validated now, rows included
            except XlingError as exc:
                raise XlingError(f"{file}: eval.benchmarks: {exc}") from None
        elif bench not in BENCHMARKS:
            raise XlingError(f"{file}: eval.benchmarks: unknown benchmark {bench!r}; "
                             f"known: {', '.join(sorted(BENCHMARKS))} (or a card.yaml path)")
    probes = tuple(_list(data.get("probes"), file, "probes", str))
    for probe in probes:
        if probe not in PROBES:
            raise XlingError(f"{file}: probes: unknown probe {probe!r}; known: {', '.join(PROBES)}")

    models = _models(data.get("models"), file)
    # cells: the base, the listed models, the grid, explicit cells, the scaling series; each with
    # its key path
    cells: list[tuple[CellSpec, str]] = [(CellSpec("base"), "base")] if data.get("base_model") else []
    for i, model in enumerate(models):
        if model.path:
            cells.append((CellSpec("base", base=model.name), f"models[{i}]"))
        else:
            train = model.train
            cells.append((CellSpec(train["paradigm"], _langs(train["train_langs"], file,
                                   f"models[{i}].train.train_langs"), train.get("seed", 0),
                                   name=model.name, config=dict(train.get("config") or {}),
                                   base=model.initial), f"models[{i}].train"))
    grid = data.get("grid")
    if grid is not None:
        if not isinstance(grid, dict) or set(grid) - set(_GRID_KEYS):
            raise XlingError(f"{file}: grid: expected a mapping with keys {', '.join(_GRID_KEYS)}")
        paradigms = _list(grid.get("paradigms"), file, "grid.paradigms", str)
        sets = [_langs(s, file, f"grid.train_langs[{i}]")
                for i, s in enumerate(_list(grid.get("train_langs"), file, "grid.train_langs", Any))]
        seeds = _list(grid.get("seeds", [0]), file, "grid.seeds", int)
        if not paradigms or not sets or not seeds:
            raise XlingError(f"{file}: grid: paradigms, train_langs and seeds must each be non-empty")
        bases = _list(grid.get("base_models", [""]), file, "grid.base_models", str)
        listed = {m.name: m for m in models}
        for k, name in enumerate(bases):
            if name and name not in listed:
                raise XlingError(f"{file}: grid.base_models[{k}]: no model named {name!r}; "
                                 f"listed: {', '.join(listed) or 'none (add a models: list)'}")
            if name and not listed[name].path:
                raise XlingError(f"{file}: grid.base_models[{k}]: {name!r} is itself made by "
                                 "training; start from a model with a path")
            if not name and not data.get("base_model"):
                raise XlingError(f"{file}: grid: without base_model, name grid.base_models")
        for j, paradigm in enumerate(paradigms):
            for base in bases:
                for langs in sets:
                    for seed in seeds:
                        cells.append((CellSpec(paradigm, langs, seed, base=base),
                                      f"grid.paradigms[{j}]"))
    raw_cells = data.get("cells")
    if raw_cells is not None and not isinstance(raw_cells, list):
        raise XlingError(f"{file}: cells: expected a list of cell mappings, got {_got(raw_cells)}")
    for i, raw in enumerate(raw_cells or []):
        cells.append((_build(CellSpec, raw, file, f"cells[{i}]", convert={
            "train_langs": lambda v, i=i: _langs(v, file, f"cells[{i}].train_langs")}),
            f"cells[{i}]"))
    scaling = None
    if data.get("scaling") is not None:
        scaling = _build(ScalingSpec, data["scaling"], file, "scaling", convert={
            "order": lambda v: _langs(v, file, "scaling.order")})
        for k in range(1, len(scaling.order) + 1):
            cells.append((CellSpec(scaling.paradigm, scaling.order[:k], 0, design="parallel"),
                          "scaling.paradigm"))

    paradigm_config = data.get("paradigm_config") or {}
    if not isinstance(paradigm_config, dict):
        raise XlingError(f"{file}: paradigm_config: expected a mapping of paradigm -> config, "
                         f"got {_got(paradigm_config)}")
    for paradigm, config in paradigm_config.items():
        if paradigm not in PARADIGMS:
            raise XlingError(f"{file}: paradigm_config: unknown paradigm {paradigm!r}; "
                             f"known: {', '.join(PARADIGMS)}")
        _check_paradigm_config(paradigm, config, file, f"paradigm_config.{paradigm}", construct=False)
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
            _check_paradigm_config(cell.paradigm, cell.config, file, f"{source}.config", construct=False)
        merged = merged_config(paradigm_config, cell)
        fingerprint = json.dumps([cell.paradigm, merged], sort_keys=True, default=str)
        if fingerprint not in checked:
            sources = " + ".join([f"paradigm_config.{p}" for p in dict.fromkeys(
                [*cell.paradigm.split("+"), cell.paradigm]) if p in paradigm_config]
                + ([f"{source}.config"] if cell.config else [])) or "defaults"
            _check_paradigm_config(cell.paradigm, merged, f"{file}: cell {cell.label} ({sources})",
                                   "", construct=True)
            checked.add(fingerprint)
    labels = [c.label for c, _ in cells]
    dupes = sorted({label for label in labels if labels.count(label) > 1})
    if dupes:
        raise XlingError(f"{file}: duplicate cell {dupes[0]!r}; give cells distinct names")

    base_model = data.get("base_model", "")
    if base_model and base_model != "sandbox" and _missing_path(base_model):
        raise XlingError(f"{file}: base_model: no model at {base_model!r}")
    sandbox = data.get("sandbox")
    if sandbox is not None:
        if base_model != "sandbox":
            raise XlingError(f"{file}: sandbox: the sandbox recipe applies only when base_model is "
                             f"'sandbox' (it is {base_model!r}); remove the block")
        _check_sandbox(sandbox, file)
    verl = None
    if data.get("verl") is not None:
        verl = _build(VerlSpec, data["verl"], file, "verl", convert={
            "paradigms": lambda v: tuple(_list(v, file, "verl.paradigms", str))})
        for paradigm in verl.paradigms:
            if paradigm not in ("grpo", "sft+grpo"):
                raise XlingError(f"{file}: verl.paradigms: {paradigm!r} cannot train on verl; "
                                 "allowed: grpo, sft+grpo")
    return StudySpec(
        verl=verl, models=models,
        name=data["name"], base_model=base_model, cells=tuple(c for c, _ in cells), pool=pool,
        eval=ev, paradigm_config=paradigm_config, probes=probes, scaling=scaling,
        sandbox=dict(sandbox or {}), backend=backend, out=data.get("out", ""), source_file=file,
    )


def _models(raw: Any, file: str) -> tuple[ModelSpec, ...]:
    """The ``models:`` list: each entry checked, names unique, ``initial`` naming a listed model
    that has a path (a model made by training cannot be another's initial model)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise XlingError(f"{file}: models: expected a non-empty list of model mappings")
    models = [_build(ModelSpec, entry, file, f"models[{i}]") for i, entry in enumerate(raw)]
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
            unknown = sorted(set(model.train) - set(_MODEL_TRAIN_KEYS))
            if unknown or "paradigm" not in model.train or "train_langs" not in model.train:
                raise XlingError(f"{where}.train: needs paradigm and train_langs (keys: "
                                 f"{', '.join(_MODEL_TRAIN_KEYS)}); got {sorted(model.train)}")
        if model.path == "sandbox":
            _check_sandbox(model.sandbox, f"{where}.sandbox")
        elif _missing_path(model.path):
            raise XlingError(f"{where}.path: no model at {model.path!r}")
    return tuple(models)


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
