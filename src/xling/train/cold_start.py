"""Study A's cold start (``sft+grpo``): SFT on the examples' solutions, then GRPO from that checkpoint.

Stage: train. A composed paradigm: its config holds each stage's config under the stage's name
(``{"sft": {...}, "grpo": {...}}``), its row names the stages (``Paradigm.stages``), and its run
directory holds one TRL run per stage (``out/sft``, ``out/grpo``). On verl (a study's
``verl.paradigms``) the SFT stage trains here with TRL and the GRPO stage is exported.
Try:  xling train cold-start --model ./tiny --pool sandbox --langs de --n 32 --out runs/cold-de
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xling.schema import Example
from xling.train import Paradigm, build_config, grpo, sft
from xling.train.trl_glue import save_config


@dataclass
class ColdStartConfig:
    """Study A's cold start: SFT on the examples' solutions, then GRPO from that checkpoint."""

    sft: dict[str, Any] = field(default_factory=dict)
    """SFTConfig fields of the first stage."""
    grpo: dict[str, Any] = field(default_factory=dict)
    """GRPOConfig fields of the second stage (``preset`` included)."""

    def __post_init__(self):
        self.stages()  # validates both stages now

    def stages(self) -> tuple[sft.SFTConfig, grpo.GRPOConfig]:
        """The (SFTConfig, GRPOConfig) pair, in ``PARADIGM.stages`` order."""
        return (build_config(sft.SFTConfig, self.sft, "sft+grpo: sft"),
                build_config(grpo.GRPOConfig, self.grpo, "sft+grpo: grpo"))


def run_cold_start(model: str | Path, examples: list[Example], cfg: ColdStartConfig, out: str | Path) -> Path:
    """SFT into ``out/sft``, then GRPO from its checkpoint into ``out/grpo``; returns the final
    checkpoint (``out/grpo/checkpoint``). A rerun skips a finished SFT stage."""
    out = Path(out)
    sft_cfg, grpo_cfg = cfg.stages()
    save_config(out, "sft+grpo", model, cfg, len(examples))
    sft_ckpt = out / "sft" / "checkpoint"
    if not (sft_ckpt / "config.json").exists():
        sft_ckpt = sft.run_sft(model, examples, sft_cfg, out / "sft")
    return grpo.run_grpo(sft_ckpt, examples, grpo_cfg, out / "grpo")


def validate_trl(cfg: ColdStartConfig) -> None:
    """Check both stages' TRL fields (imports trl, loads no model)."""
    sft_cfg, grpo_cfg = cfg.stages()
    sft.validate_trl(sft_cfg)
    grpo.validate_trl(grpo_cfg)


PARADIGM = Paradigm(
    config=ColdStartConfig, run=run_cold_start, kind="rl", command="cold-start",
    engines=("trl", "verl"), validate=validate_trl, preset="grpo.preset", stages=("sft", "grpo"),
    help="Cold start: SFT, then GRPO from its checkpoint (study A).")
"""The ``sft+grpo`` row of ``train.PARADIGMS``."""
