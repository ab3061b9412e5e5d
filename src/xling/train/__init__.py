"""Stage 2: a checkpoint from (base model, training examples, paradigm config).

``PARADIGMS`` maps a name to its ``Paradigm`` row: ``<Name>Config``, ``run_<name>``, the CLI verb
and help line, and the check of its TRL fields. ``train`` validates the whole config (paradigm,
keys, values, TRL fields, languages) before any model is loaded, then dispatches; the CLI's
``xling train <verb>`` commands and the study files' paradigm names come from the same table.
Paradigms: ``sft``, ``rft``, ``grpo`` (reward accuracy | consistency | combined; mixed-language
GRPO is ``grpo`` on a ``mixed`` pool selection), and ``sft+grpo`` (study A's cold start: SFT,
then GRPO from its checkpoint). Adding a paradigm = one module + one row + one test.

Try:  xling train grpo --model ./tiny --pool sandbox --langs de --out runs/rl-de

>>> train("ppo", "m", [], "out")  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
xling.schema.XlingError: unknown paradigm 'ppo'; known: sft, rft, grpo, sft+grpo
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from xling.languages import get_language
from xling.paths import looks_local
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)


class Paradigm(NamedTuple):
    """One row of ``PARADIGMS``: where the paradigm lives and how the CLI shows it. Targets are
    ``"module:attribute"`` strings, imported only when the paradigm is used (no trl at import)."""

    config: str
    """``"module:<Name>Config"``: a dataclass of the paradigm's settings."""
    run: str
    """``"module:run_<name>"``: ``run(model, examples, cfg, out) -> checkpoint path``."""
    command: str
    """The CLI verb: ``xling train <command>``."""
    help: str
    """One line for ``xling train --help``."""
    validate: str | None = None
    """``"module:function"`` that checks a built config's TRL fields (imports trl, loads no
    model) and raises XlingError; None = nothing beyond the dataclass's own checks."""


PARADIGMS: dict[str, Paradigm] = {
    "sft": Paradigm(
        "xling.train.sft:SFTConfig", "xling.train.sft:run_sft", "sft",
        "Supervised fine-tuning on the pool's step-by-step solutions (loss on the answer only).",
        "xling.train.sft:validate_trl"),
    "rft": Paradigm(
        "xling.train.rft:RFTConfig", "xling.train.rft:run_rft", "rft",
        "Rejection fine-tuning: sample k answers per problem, keep the correct ones, fine-tune.",
        "xling.train.rft:validate_trl"),
    "grpo": Paradigm(
        "xling.train.grpo:GRPOConfig", "xling.train.grpo:run_grpo", "grpo",
        "GRPO with a correctness and/or language-consistency reward (--preset paper: study A).",
        "xling.train.grpo:validate_trl"),
    "sft+grpo": Paradigm(
        "xling.train:ColdStartConfig", "xling.train:run_cold_start", "cold-start",
        "Cold start: SFT, then GRPO from its checkpoint (study A).",
        "xling.train:validate_cold_start"),
}
"""Paradigm name (as study files and ``train`` spell it) -> its ``Paradigm`` row."""


@dataclass
class ColdStartConfig:
    """Study A's cold start: SFT on the examples' solutions, then GRPO from that checkpoint."""

    sft: dict[str, Any] = field(default_factory=dict)
    """SFTConfig fields of the first stage."""
    grpo: dict[str, Any] = field(default_factory=dict)
    """GRPOConfig fields of the second stage (``preset`` included)."""

    def __post_init__(self):
        self.stages()  # validates both stages now

    def stages(self):
        """The (SFTConfig, GRPOConfig) pair."""
        from xling.train.grpo import GRPOConfig
        from xling.train.sft import SFTConfig

        return _build(SFTConfig, self.sft, "sft+grpo: sft"), _build(GRPOConfig, self.grpo, "sft+grpo: grpo")


def run_cold_start(model: str | Path, examples: list[Example], cfg: ColdStartConfig, out: str | Path) -> Path:
    """SFT into ``out/sft``, then GRPO from its checkpoint into ``out/grpo``; returns the final
    checkpoint (``out/grpo/checkpoint``). A rerun skips a finished SFT stage."""
    from xling.train.grpo import run_grpo
    from xling.train.sft import run_sft, save_config

    out = Path(out)
    sft_cfg, grpo_cfg = cfg.stages()
    save_config(out, "sft+grpo", model, cfg, len(examples))
    sft_ckpt = out / "sft" / "checkpoint"
    if not (sft_ckpt / "config.json").exists():
        sft_ckpt = run_sft(model, examples, sft_cfg, out / "sft")
    return run_grpo(sft_ckpt, examples, grpo_cfg, out / "grpo")


def validate_cold_start(cfg: ColdStartConfig) -> None:
    """Check both stages' TRL fields (imports trl, loads no model)."""
    from xling.train import grpo, sft

    sft_cfg, grpo_cfg = cfg.stages()
    sft.validate_trl(sft_cfg)
    grpo.validate_trl(grpo_cfg)


def make_config(paradigm: str, config: dict[str, Any] | None = None, preset: str | None = None):
    """Build and validate the config of ``paradigm`` (imports trl to check TRL fields; loads no model).

    Raises:
        XlingError: unknown paradigm, unknown or invalid key, a preset on a paradigm without one.
    """
    if paradigm not in PARADIGMS:
        raise XlingError(f"unknown paradigm {paradigm!r}; known: {', '.join(PARADIGMS)}")
    config = dict(config or {})
    if preset is not None:
        if paradigm == "grpo":
            config["preset"] = preset
        elif paradigm == "sft+grpo":
            config["grpo"] = {**config.get("grpo", {}), "preset": preset}
        else:
            raise XlingError(f"presets apply to grpo and sft+grpo, not {paradigm!r}")
    row = PARADIGMS[paradigm]
    cfg = _build(_load(row.config), config, paradigm)
    if row.validate:
        _load(row.validate)(cfg)
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
    return _load(PARADIGMS[paradigm].run)(model_str, examples, cfg, Path(out))


def _build(cls, config: dict[str, Any], what: str):
    """``cls(**config)``, its keys and types checked first as a study file's are (``config.build``:
    ``<what> config: <key>: <what is wrong; what is allowed>``); the class's own errors as
    it words them."""
    from xling.config import build

    build(cls, config, f"{what} config", construct=False)
    try:
        return cls(**config)
    except (TypeError, ValueError) as exc:
        raise XlingError(f"{what} config: {exc}") from None


def _load(target: str):
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


__all__ = ["PARADIGMS", "ColdStartConfig", "Paradigm", "make_config", "run_cold_start", "train",
           "validate_cold_start"]
