"""Causal-LM pretraining of a (tiny) model on plain texts: how the sandbox base model is made.

Stage: train. Not a paradigm of the studies — it produces the *base* that the paradigms start
from. Uses transformers' ``Trainer`` with the causal-LM collator (labels = inputs, padding
masked); every text ends with EOS so the model learns to stop. Writes the model + tokenizer to
``out`` and one row per logging step to ``out/train_log.jsonl``.
Try:  python -c "from xling.train.pretrain import *; help(run_pretrain)"
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from xling.checkpoint import load_causal_lm
from xling.schema import XlingError

log = logging.getLogger(__name__)


@dataclass
class PretrainConfig:
    """Settings of one pretraining run (defaults sized for the sandbox on 2 CPU cores)."""

    steps: int = 1200
    """Optimizer steps (the corpus is cycled as needed)."""
    batch_size: int = 32
    """Texts per step."""
    learning_rate: float = 3e-3
    """Peak AdamW learning rate (tiny models from scratch tolerate a high one)."""
    warmup_ratio: float = 0.05
    weight_decay: float = 0.01
    max_length: int = 192
    """Tokens kept per text (sandbox texts are far shorter)."""
    seed: int = 0
    logging_steps: int = 50

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "max_length", "logging_steps"):
            if getattr(self, name) < 1:
                raise XlingError(f"PretrainConfig.{name} must be >= 1, got {getattr(self, name)}")
        if not self.learning_rate > 0:
            raise XlingError(f"PretrainConfig.learning_rate must be > 0, got {self.learning_rate}")


def run_pretrain(
    model: str | Path, texts: list[str], cfg: PretrainConfig, out: str | Path,
    *, stop_after: int | None = None,
) -> Path:
    """Train ``model`` (a saved checkpoint dir) on ``texts`` with the causal-LM loss.

    Args:
        model: directory with model + tokenizer (e.g. from ``xling.tiny.build_tiny_model``).
        texts: training documents; EOS is appended to each.
        out: where the trained model + tokenizer and ``train_log.jsonl`` are written.
        stop_after: stop after this many steps with the schedule of the full run (to check that
            a recipe reproduces a shipped training log without paying for the whole run).

    Returns:
        ``out``.
    """
    import datasets
    from transformers import (
        DataCollatorForLanguageModeling,
        PrinterCallback,
        Trainer,
        TrainerCallback,
        TrainingArguments,
        set_seed,
    )

    if not texts:
        raise XlingError("pretraining corpus is empty")
    out = Path(out)
    set_seed(cfg.seed)
    lm, tokenizer = load_causal_lm(model, device="cpu", dtype="float32", eval_mode=False)
    if tokenizer.pad_token_id is None or tokenizer.pad_token_id == tokenizer.eos_token_id:
        # The collator masks pad positions in the labels; a pad equal to EOS would hide EOS.
        raise XlingError("pretraining needs a pad token distinct from EOS")

    def tokenize(batch: dict) -> dict:
        return tokenizer([t + tokenizer.eos_token for t in batch["text"]],
                         truncation=True, max_length=cfg.max_length)

    data = datasets.Dataset.from_dict({"text": texts}).map(
        tokenize, batched=True, remove_columns=["text"])
    log_rows: list[dict] = []

    class _Log(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                row = {"step": state.global_step, **logs}
                log_rows.append(row)
                log.info("pretrain step %d/%d loss %.3f", state.global_step, cfg.steps, logs["loss"])

        def on_step_end(self, args, state, control, **kwargs):
            if stop_after is not None and state.global_step >= stop_after:
                control.should_training_stop = True

    scratch = out / "_trainer"
    args = TrainingArguments(
        output_dir=str(scratch), max_steps=cfg.steps, per_device_train_batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate, warmup_steps=int(cfg.warmup_ratio * cfg.steps),
        lr_scheduler_type="cosine", weight_decay=cfg.weight_decay, logging_steps=cfg.logging_steps,
        save_strategy="no", report_to="none", seed=cfg.seed, data_seed=cfg.seed,
        disable_tqdm=True, use_cpu=not _cuda_available(), dataloader_num_workers=0,
    )
    trainer = Trainer(model=lm, args=args, train_dataset=data,
                      data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
                      callbacks=[_Log()])
    trainer.remove_callback(PrinterCallback)  # prints raw dicts to stdout; _Log logs instead
    trainer.train()
    out.mkdir(parents=True, exist_ok=True)
    trainer.model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / "train_log.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in log_rows), encoding="utf-8")
    (out / "pretrain_config.json").write_text(json.dumps(asdict(cfg), indent=2), encoding="utf-8")
    shutil.rmtree(scratch, ignore_errors=True)
    return out


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()
