"""Supervised fine-tuning on step-by-step solutions (study A's SFT), on TRL's SFTTrainer.

Stage: train. Full-parameter by default (LoRA via peft when ``lora`` is set, merged into the saved
checkpoint). Each Example becomes a prompt-completion pair: prompt = ``build_prompt(question,
lang, prompt_style)``, completion = ``" " + solution`` (+ EOS; see ``COMPLETION_SEP``), and
the loss is on the completion only. The run directory is every TRL paradigm's (trl_glue.py:
checkpoint/, config.yaml, train_log.jsonl, trl/ to resume from).
Try:  xling train sft --model ./tiny --pool sandbox --langs de --n 64 --out runs/sft-de
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xling.schema import Example, XlingError
from xling.train import Paradigm
from xling.train.rows import check_prompt_style, prompt_of
from xling.train.trl_glue import (
    check_trl_keys,
    peft_config,
    save_config,
    to_dataset,
    train_and_save,
    train_log_callback,
    trl_args,
)

log = logging.getLogger(__name__)

COMPLETION_SEP = " "
"""Joins a plain-text prompt and its solution. A space, not a newline: byte-level BPE
pre-tokenizers (Qwen's) merge punctuation with a following newline ('.\\n'), so the prompt
would not tokenize as a prefix of prompt + completion and TRL would cut the prompt's end."""


@dataclass
class SFTConfig:
    """Settings of one SFT run (defaults: study A's 3 full-parameter epochs)."""

    epochs: float = 3.0
    """Passes over the training examples (trl ``num_train_epochs``)."""
    learning_rate: float = 1e-5
    """Peak AdamW learning rate (study A does not publish its SFT rate; 1e-5 is LlamaFactory's
    usual full-parameter choice)."""
    batch_size: int = 8
    """Examples per device per optimizer micro-step (trl ``per_device_train_batch_size``)."""
    max_length: int = 1024
    """Prompt + completion tokens kept per example (longer ones are truncated)."""
    prompt_style: str = "standard"
    """One of languages.PROMPT_STYLES: standard | english | consistency."""
    chat: bool = False
    """True: conversational format (the tokenizer's chat template wraps prompt and answer);
    False: plain text, as ``xling eval`` prompts by default."""
    lora: dict[str, Any] | None = None
    """None = full-parameter; else kwargs of ``peft.LoraConfig`` (e.g. ``{"r": 16}``)."""
    seed: int = 0
    """Seeds data order and initialisation of new parameters."""
    save_steps: int = 500
    """Steps between resumable checkpoints in out/trl (the last 2 are kept)."""
    report_to: str = "none"
    """TRL/transformers tracker ('wandb', 'tensorboard', ...); none by default."""
    trl: dict[str, Any] = field(default_factory=dict)
    """Passed to ``trl.SFTConfig`` last, overriding the fields above (e.g. ``{"max_steps": 10}``)."""

    def __post_init__(self):
        check_common(self)
        if self.lora is not None and not isinstance(self.lora, dict):
            raise XlingError(f"lora must be a dict of peft.LoraConfig arguments or null, got {self.lora!r}")


def check_common(cfg) -> None:
    """SFTConfig's checks: numbers, prompt style, trl dict."""
    check_prompt_style(cfg.prompt_style)
    if cfg.learning_rate <= 0:
        raise XlingError(f"learning_rate must be > 0, got {cfg.learning_rate}")
    if cfg.epochs <= 0:
        raise XlingError(f"epochs must be > 0, got {cfg.epochs}")
    if cfg.batch_size < 1 or cfg.save_steps < 1:
        raise XlingError("batch_size and save_steps must be >= 1")
    if not isinstance(cfg.trl, dict):
        raise XlingError(f"trl must be a mapping of TRL config fields, got {type(cfg.trl).__name__}")


def validate_trl(cfg: SFTConfig) -> None:
    """Refuse trl keys that ``trl.SFTConfig`` does not have (imports trl, loads no model)."""
    import trl

    check_trl_keys(cfg.trl, trl.SFTConfig)


def run_sft(model: str | Path, examples: list[Example], cfg: SFTConfig, out: str | Path) -> Path:
    """Fine-tune ``model`` on the examples' solutions; returns ``out/checkpoint``.

    Raises:
        XlingError: no examples, examples without a solution, or an unknown trl field.
    """
    import trl

    out = Path(out)
    missing = [e.id for e in examples if not e.solution]
    if not examples or missing:
        raise XlingError(
            f"SFT needs examples with solutions; {len(missing)} of {len(examples)} have none "
            f"(e.g. {', '.join(missing[:3])})" if examples else "SFT needs at least one example"
        )
    args = trl_args(trl.SFTConfig, cfg, out, {
        "num_train_epochs": cfg.epochs, "learning_rate": cfg.learning_rate,
        "per_device_train_batch_size": cfg.batch_size, "max_length": cfg.max_length,
        "completion_only_loss": True,
    })
    rows = [sft_row(e, cfg.prompt_style, cfg.chat) for e in examples]
    save_config(out, "sft", model, cfg, len(examples))
    trainer = trl.SFTTrainer(
        model=str(model), args=args, train_dataset=to_dataset(rows),
        peft_config=peft_config(cfg.lora), callbacks=[train_log_callback(out, log)],
    )
    return train_and_save(trainer, out, log)


def sft_row(e: Example, style: str, chat: bool) -> dict[str, Any]:
    """One prompt-completion training row (plain text, or messages when ``chat``)."""
    if chat:
        return {"prompt": prompt_of(e, style, chat),
                "completion": [{"role": "assistant", "content": e.solution}]}
    return {"prompt": prompt_of(e, style, chat), "completion": COMPLETION_SEP + str(e.solution)}


PARADIGM = Paradigm(
    config=SFTConfig, run=run_sft, kind="sft", command="sft", validate=validate_trl,
    help="Supervised fine-tuning on the pool's step-by-step solutions (loss on the answer only).")
"""The ``sft`` row of ``train.PARADIGMS``."""
