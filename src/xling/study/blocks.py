"""The blocks of a study file, one dataclass each: ``pool:``, a cell, ``eval:``, ``scaling:``,
``models:`` entries and ``verl:``.

Stage: study. Each block documents its keys where they are declared and checks its own values
(``__post_init__``); ``study.spec`` builds them from the YAML mapping (``config.build``: keys
and types first, with the file and key path in every error) and checks what spans blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xling.evaluation.settings import EvalSettings
from xling.languages import STUDY_LANGS
from xling.schema import XlingError

DESIGNS = ("single", "mixed", "parallel")


@dataclass(frozen=True)
class PoolSpec:
    """Where training examples come from."""

    name: str = "sandbox"
    """A name of data.pools.POOLS (sandbox, gsm8k, mgsm8k), a jsonl path, a card.yaml (or a
    folder holding one, e.g. ``xling translate``'s output), or a dotted path to a user's loader."""
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
    """A key of train.PARADIGMS ('sft', 'grpo', 'rft', 'sft+grpo'), a dotted path to a user's
    ``train.Paradigm``, or 'base' (no training)."""
    train_langs: tuple[str, ...] = ()
    seed: int = 0
    """Seeds the cell's data selection and its trainer (``grid.train_config``)."""
    name: str = ""
    """Display name; default '<PARADIGM>(<langs>)' as the papers write it."""
    config: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    """Overrides of the paradigm's config for this cell (e.g. prompt_style, reward)."""
    design: str | None = None
    """Overrides the pool design for this cell."""
    base: str = ""
    """The listed model (``StudySpec.models``) this cell starts from; '' = ``base_model``."""
    pool: str = ""
    """A pool name or path replacing ``pool.name`` for this cell ('' = the study's), e.g. the
    sandbox's ``sandbox-basic`` for a negative control; the study's n, design, format apply."""

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
    """Sandbox recipe overrides when ``path`` is 'sandbox' (see study/sandbox_base.py)."""
    think_format: str = ""
    """The delimiters of this model's thinking block when they differ from the ``eval:``
    block's ``think_format`` ('' = the eval block's): a preset (think, s1, solution) or
    'OPEN CLOSE'. It applies to this model's cell and to every cell trained from it
    (``StudySpec.eval_for``): a study B list mixes R1 distills, s1 and models with their own
    tags."""

    def __post_init__(self) -> None:
        if self.think_format:
            from xling.scoring.thinking import parse_think_format

            parse_think_format(self.think_format)  # a bad spec is a one-line error now
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


MODEL_TRAIN_KEYS = ("paradigm", "train_langs", "seed", "config")
"""The keys of a listed model's ``train:`` (a model made by training its initial one)."""


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
