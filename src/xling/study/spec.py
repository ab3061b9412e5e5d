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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xling.languages import STUDY_LANGS, parse_langs
from xling.schema import XlingError

DESIGNS = ("single", "mixed", "parallel")


@dataclass(frozen=True)
class PoolSpec:
    """Where training examples come from."""

    name: str = "sandbox"
    """A name of data.pools.POOLS (sandbox, gsm8k, mgsm8k) or a jsonl path."""
    n: int | None = 256
    """Problems per training run (per language for the parallel design); None = all."""
    design: str = "single"
    """single | mixed | parallel (study B's parallel data)."""


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

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.paradigm == "base":
            return "Base"
        return f"{self.paradigm.upper()}({','.join(self.train_langs)})"


@dataclass(frozen=True)
class EvalSpec:
    benchmarks: tuple[str, ...] = ("mgsm",)
    langs: tuple[str, ...] = STUDY_LANGS
    limit: int | None = None
    n: int = 1
    temperature: float = 0.0
    top_p: float = 1.0
    max_new_tokens: int = 512
    prompt_style: str = "standard"
    batch_size: int = 32
    source: str | None = None
    """Benchmark source override (folder / hub id); None = each benchmark's default."""


@dataclass(frozen=True)
class ScalingSpec:
    """Study B's parallel scaling: cells for N = 1..len(order) parallel training languages."""

    order: tuple[str, ...] = STUDY_LANGS
    """Languages added one at a time, English first by default."""
    paradigm: str = "grpo"
    target: str = "all"
    """What y(N) averages: 'all' evaluation languages, or 'unseen' (not trained on)."""


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

    @property
    def out_dir(self) -> Path:
        return Path(self.out or f"runs/{self.name}")


_TOP_KEYS = {"name", "base_model", "backend", "pool", "grid", "cells", "eval", "paradigm_config",
             "probes", "scaling", "sandbox", "out"}


def _fields(cls) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def _build(cls, data: Any, where: str, convert: dict[str, Any] | None = None):
    if data is None:
        return cls()
    if not isinstance(data, dict):
        raise XlingError(f"{where}: expected a mapping, got {type(data).__name__}")
    unknown = sorted(set(data) - _fields(cls))
    if unknown:
        raise XlingError(f"{where}: unknown key {unknown[0]!r}; known: {', '.join(sorted(_fields(cls)))}")
    values = dict(data)
    for key, fn in (convert or {}).items():
        if key in values:
            values[key] = fn(values[key])
    try:
        return cls(**values)
    except TypeError as exc:
        raise XlingError(f"{where}: {exc}") from None


def _langs(value: Any, where: str) -> tuple[str, ...]:
    try:
        return tuple(parse_langs(value if isinstance(value, str) else list(value)))
    except XlingError as exc:
        raise XlingError(f"{where}: {exc}") from None


def parse_spec(data: dict[str, Any], where: str = "study") -> StudySpec:
    """Validate a study mapping (as loaded from YAML) into a ``StudySpec``.

    Raises:
        XlingError: naming ``where`` (the file) and the offending key.
    """
    from xling.data import BENCHMARKS
    from xling.probes import PROBES
    from xling.train import PARADIGMS

    if not isinstance(data, dict):
        raise XlingError(f"{where}: a study file must be a mapping")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise XlingError(f"{where}: unknown key {unknown[0]!r}; known: {', '.join(sorted(_TOP_KEYS))}")
    for key in ("name", "base_model"):
        if not data.get(key):
            raise XlingError(f"{where}: missing required key {key!r}")

    pool = _build(PoolSpec, data.get("pool"), f"{where}: pool")
    if pool.design not in DESIGNS:
        raise XlingError(f"{where}: pool.design {pool.design!r} unknown; known: {', '.join(DESIGNS)}")
    ev = _build(EvalSpec, data.get("eval"), f"{where}: eval", {
        "benchmarks": lambda v: tuple([v] if isinstance(v, str) else v),
        "langs": lambda v: _langs(v, f"{where}: eval.langs"),
    })
    for bench in ev.benchmarks:
        if bench not in BENCHMARKS:
            raise XlingError(f"{where}: eval.benchmarks: unknown benchmark {bench!r}; "
                             f"known: {', '.join(sorted(BENCHMARKS))}")
    probes = tuple(data.get("probes") or ())
    for probe in probes:
        if probe not in PROBES:
            raise XlingError(f"{where}: probes: unknown probe {probe!r}; known: {', '.join(PROBES)}")

    cells: list[CellSpec] = [CellSpec("base")]
    grid = data.get("grid")
    if grid is not None:
        if not isinstance(grid, dict) or set(grid) - {"paradigms", "train_langs", "seeds"}:
            raise XlingError(f"{where}: grid: keys are paradigms, train_langs, seeds")
        sets = [_langs(s, f"{where}: grid.train_langs") for s in grid.get("train_langs", [])]
        for paradigm in grid.get("paradigms", []):
            for langs in sets:
                for seed in grid.get("seeds", [0]):
                    cells.append(CellSpec(str(paradigm), langs, int(seed)))
    for i, raw in enumerate(data.get("cells") or []):
        cell_where = f"{where}: cells[{i}]"
        cells.append(_build(CellSpec, raw, cell_where, {
            "train_langs": lambda v, w=cell_where: _langs(v, f"{w}.train_langs")}))
    scaling = None
    if data.get("scaling") is not None:
        scaling = _build(ScalingSpec, data["scaling"], f"{where}: scaling", {
            "order": lambda v: _langs(v, f"{where}: scaling.order")})
        if scaling.target not in ("all", "unseen"):
            raise XlingError(f"{where}: scaling.target must be 'all' or 'unseen'")
        for k in range(1, len(scaling.order) + 1):
            cells.append(CellSpec(scaling.paradigm, scaling.order[:k], 0, design="parallel"))

    paradigm_config = data.get("paradigm_config") or {}
    for cell in cells:
        if cell.paradigm != "base" and cell.paradigm not in PARADIGMS:
            raise XlingError(f"{where}: unknown paradigm {cell.paradigm!r}; "
                             f"known: base, {', '.join(PARADIGMS)}")
        if cell.paradigm != "base" and not cell.train_langs:
            raise XlingError(f"{where}: cell {cell.label} has no train_langs")
        if cell.design is not None and cell.design not in DESIGNS:
            raise XlingError(f"{where}: cell {cell.label}: design {cell.design!r} unknown")
    for paradigm in paradigm_config:
        if paradigm not in PARADIGMS:
            raise XlingError(f"{where}: paradigm_config: unknown paradigm {paradigm!r}; "
                             f"known: {', '.join(PARADIGMS)}")
    labels = [c.label for c in cells]
    dupes = sorted({label for label in labels if labels.count(label) > 1})
    if dupes:
        raise XlingError(f"{where}: duplicate cell {dupes[0]!r}; give cells distinct names")
    base_model = str(data["base_model"])
    if base_model != "sandbox" and base_model.startswith((".", "/")) and not Path(base_model).exists():
        raise XlingError(f"{where}: base_model: no model at {base_model!r}")
    return StudySpec(
        name=str(data["name"]), base_model=base_model, cells=tuple(cells), pool=pool, eval=ev,
        paradigm_config=paradigm_config, probes=probes, scaling=scaling,
        sandbox=dict(data.get("sandbox") or {}), backend=str(data.get("backend", "hf")),
        out=str(data.get("out", "")), source_file=where,
    )


def load_spec(path: str | Path) -> StudySpec:
    """Read and validate a study YAML file (nothing heavy is imported or loaded)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise XlingError(f"study file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise XlingError(f"{path}: invalid YAML ({exc})") from None
    return parse_spec(data, str(path))
