"""Stage 2: a checkpoint from (base model, training examples, paradigm config).

``PARADIGMS`` maps a name to ``"module:PARADIGM"``: the ``Paradigm`` row each paradigm module
declares (``<Name>Config``, ``run_<name>``, the CLI verb and help line, the check of its TRL
fields, and what is special about it: its ``kind`` (sft or rl, which the report's "does RL beat
SFT?" reads), the ``engines`` it trains on (trl, verl), where a ``--preset`` goes, and the
``stages`` of a composed paradigm). ``train`` validates the whole config (paradigm, keys,
values, TRL fields, languages) before any model is loaded, then dispatches; the CLI's
``xling train <verb>`` commands and the study files' paradigm names come from the same table,
and a study may name a user's own ``Paradigm`` by a dotted path ``"my_pkg.module:PARADIGM"``.
Paradigms: ``sft``, ``rft``, ``grpo`` (reward accuracy | consistency | combined | format |
weighted; mixed-language GRPO is ``grpo`` on a ``mixed`` pool selection), and ``sft+grpo``
(study A's cold start: SFT, then GRPO from its checkpoint). Adding a paradigm = one module (its
config, run function and ``PARADIGM``) + one row + one test.

Try:  xling train grpo --model ./tiny --pool sandbox --langs de --out runs/rl-de

>>> train("ppo", "m", [], "out")  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
xling.schema.XlingError: unknown paradigm 'ppo'; known: sft, rft, grpo, sft+grpo
>>> get_paradigm("grpo").kind, get_paradigm("grpo").engines
('rl', ('trl', 'verl'))
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from xling.languages import get_language
from xling.paths import looks_local
from xling.registry import resolve
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

KINDS: tuple[str, ...] = ("sft", "rl")
ENGINES: tuple[str, ...] = ("trl", "verl")


@dataclass(frozen=True)
class Paradigm:
    """A paradigm: what ``PARADIGMS`` resolves to, declared once in the paradigm's module."""

    config: type
    """``<Name>Config``: a dataclass of the paradigm's settings (its ``__post_init__`` checks
    values and raises XlingError or ValueError)."""
    run: Callable[..., Path]
    """``run_<name>(model, examples, cfg, out) -> checkpoint path``."""
    kind: Literal["sft", "rl"]
    """"sft": fine-tuning on solutions (SFT, RFT's kept samples); "rl": a reward-driven policy
    update (GRPO). The report pairs each single-stage "rl" cell with each "sft" cell of the same
    languages and seed ("does RL beat SFT?")."""
    help: str
    """One line for ``xling train --help``."""
    command: str = ""
    """The CLI verb ``xling train <command>``; "" = the table name."""
    engines: tuple[str, ...] = ("trl",)
    """Where it can train (``ENGINES``): TRL on this machine, or exported to verl (a study's
    ``verl.paradigms``; the verl export trains the last stage's GRPO config)."""
    validate: Callable[[Any], None] | None = None
    """Checks a built config's TRL fields (imports trl, loads no model) and raises XlingError;
    None = nothing beyond the dataclass's own checks."""
    preset: str | None = None
    """Where ``--preset`` goes in the config: a key (``"preset"``), or ``"stage.key"`` for a
    composed paradigm; None = the paradigm takes no preset."""
    stages: tuple[str, ...] = ()
    """A composed paradigm: the paradigms it runs in order, each stage's config under its name
    (the config's ``stages()`` returns them built); () = a single stage. A composed paradigm is
    not paired against SFT in the report (its RL starts from an SFT model)."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise XlingError(f"paradigm kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        unknown = [e for e in self.engines if e not in ENGINES]
        if unknown or not self.engines:
            raise XlingError(f"paradigm engines must be among {', '.join(ENGINES)}, got "
                             f"{list(self.engines)}")


PARADIGMS: dict[str, str] = {
    "sft": "xling.train.sft:PARADIGM",
    "rft": "xling.train.rft:PARADIGM",
    "grpo": "xling.train.grpo:PARADIGM",
    "sft+grpo": "xling.train.cold_start:PARADIGM",
}
"""Paradigm name (as study files and ``train`` spell it) -> ``"module:PARADIGM"``."""


def get_paradigm(name: str) -> Paradigm:
    """The ``Paradigm`` registered as ``name`` (a key of ``PARADIGMS`` or a dotted path).

    Raises:
        XlingError: unknown name (the message lists the known ones), a dotted path that does
            not import, or an object that is not a ``Paradigm``.
    """
    return resolve(PARADIGMS, name, "paradigm", expect=Paradigm, sort_known=False)


def with_preset(paradigm: str, config: dict[str, Any], preset: str) -> dict[str, Any]:
    """``config`` with ``preset`` where the paradigm's row says it goes (``Paradigm.preset``).

    Raises:
        XlingError: a paradigm that takes no preset.
    """
    where = get_paradigm(paradigm).preset
    if where is None:
        takes = [name for name in PARADIGMS if get_paradigm(name).preset is not None]
        raise XlingError(f"presets apply to {', '.join(takes)}, not {paradigm!r}")
    stage, _, key = where.rpartition(".")
    if not stage:
        return {**config, key: preset}
    return {**config, stage: {**config.get(stage, {}), key: preset}}


def with_seed(paradigm: str, config: dict[str, Any], seed: int) -> dict[str, Any]:
    """``config`` with the trainer's seed set to ``seed`` (each stage's, for a composed
    paradigm; a config without a ``seed`` field is left as it is): a study cell's seed seeds
    its data selection and its trainer, on TRL and verl alike.

    Raises:
        XlingError: the config already sets another seed (the cell's seed is the one).
    """
    row = get_paradigm(paradigm)
    if row.stages:
        return {**config, **{stage: with_seed(stage, dict(config.get(stage, {})), seed)
                             for stage in row.stages}}
    if "seed" not in {f.name for f in dataclasses.fields(row.config)}:
        return config
    if config.get("seed", seed) != seed:
        raise XlingError(f"{paradigm} config sets seed {config['seed']}, but the cell's seed is "
                         f"{seed}: a cell's seed seeds its training too; remove seed from the "
                         "config and list the seeds in grid.seeds (or the cell's seed)")
    return {**config, "seed": seed}


def make_config(paradigm: str, config: dict[str, Any] | None = None, preset: str | None = None):
    """Build and validate the config of ``paradigm`` (imports trl to check TRL fields; loads no model).

    Raises:
        XlingError: unknown paradigm, unknown or invalid key, a preset on a paradigm without one.
    """
    row = get_paradigm(paradigm)
    config = dict(config or {})
    if preset is not None:
        config = with_preset(paradigm, config, preset)
    cfg = build_config(row.config, config, paradigm)
    if row.validate:
        row.validate(cfg)
    return cfg


def train(
    paradigm: str, model: str | Path, examples: list[Example], out: str | Path,
    config: dict[str, Any] | None = None, preset: str | None = None,
) -> Path:
    """Train ``model`` on ``examples`` with ``paradigm``; returns the checkpoint directory.

    Everything is validated before a model is loaded: the paradigm, the config keys and values,
    TRL fields, the examples' languages, and a local model path.

    Raises:
        XlingError: any invalid input (the message lists the valid choices).
    """
    cfg = make_config(paradigm, config, preset)
    if not examples:
        raise XlingError("no training examples (check --pool, --langs, --n and --limit)")
    for lang in sorted({e.lang for e in examples}):
        get_language(lang)
    model_str = str(model)
    if not Path(model_str).expanduser().exists() and looks_local(model):
        raise XlingError(f"model path not found: {model_str}")
    log.info("training %s on %d examples -> %s", paradigm, len(examples), out)
    return get_paradigm(paradigm).run(model_str, examples, cfg, Path(out))


def build_config(cls: type, config: dict[str, Any], what: str):
    """``cls(**config)``, its keys and types checked first as a study file's are (``config.build``:
    ``<what> config: <key>: <what is wrong; what is allowed>``); the class's own errors as
    it words them."""
    from xling.config import build

    build(cls, config, f"{what} config", construct=False)
    try:
        return cls(**config)
    except (TypeError, ValueError) as exc:
        raise XlingError(f"{what} config: {exc}") from None


__all__ = ["ENGINES", "KINDS", "PARADIGMS", "Paradigm", "build_config", "get_paradigm",
           "make_config", "train", "with_preset", "with_seed"]
