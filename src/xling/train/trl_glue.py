"""The TRL glue every paradigm shares: TRL arguments, the run directory, the training log,
resume and the final save.

Stage: train. A TRL paradigm (sft.py, rft.py, grpo.py) builds its trainer and hands it to
``train_and_save``; its run directory holds::

    out/checkpoint/       model + tokenizer (AutoModelForCausalLM.from_pretrained loads it)
    out/config.yaml       the resolved config (paradigm, model, xling and TRL settings)
    out/train_log.jsonl   one row per logging step (step, loss, learning_rate, ...)
    out/trl/              TRL's intermediate checkpoints; a rerun resumes from the last one

Engine-neutral pieces (the training prompt of an example, the reward columns) are in rows.py,
shared with the verl export. trl, transformers and datasets are imported inside the functions.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

from xling.schema import XlingError

log = logging.getLogger(__name__)



def trl_args(config_cls, cfg, out: Path, fields: dict[str, Any]):
    """Build a TRL config: xling's defaults, then ``fields``, then ``cfg.trl`` (wins).

    Raises:
        XlingError: a key of ``cfg.trl`` that ``config_cls`` does not have.
    """
    check_trl_keys(cfg.trl, config_cls)
    import sys

    import torch

    gpu = torch.cuda.is_available()
    names = {f.name for f in dataclasses.fields(config_cls)}
    ckpt_field = "activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"
    kwargs = {
        "output_dir": str(out / "trl"), "logging_steps": 1, "save_steps": cfg.save_steps,
        "save_total_limit": 2, "seed": cfg.seed, "data_seed": cfg.seed, "report_to": cfg.report_to,
        # bf16 and gradient checkpointing (TRL's defaults) on GPU; off on CPU, where bf16 is slow
        # and the models are tiny.
        "bf16": gpu and torch.cuda.is_bf16_supported(), ckpt_field: gpu, "dataloader_pin_memory": gpu,
        "disable_tqdm": not sys.stderr.isatty(), **fields, **cfg.trl,
    }
    return config_cls(**kwargs)


def check_trl_keys(trl_kwargs: dict[str, Any], config_cls) -> None:
    """Raise XlingError for keys that the TRL config class ``config_cls`` does not have."""
    known = {f.name for f in dataclasses.fields(config_cls)}
    unknown = sorted(set(trl_kwargs) - known)
    if unknown:
        raise XlingError(f"unknown trl.{config_cls.__name__} field(s): {', '.join(unknown)}")


def save_config(out: Path, paradigm: str, model: str | Path, cfg, n_examples: int, **extra) -> Path:
    """Write the resolved config to ``out/config.yaml``."""
    import yaml

    import xling
    from xling.data.io import atomic_write_text

    doc = {"paradigm": paradigm, "model": str(model), "n_examples": n_examples,
           "xling_version": xling.__version__, **extra, "config": dataclasses.asdict(cfg)}
    return atomic_write_text(out / "config.yaml", yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


def to_dataset(rows: list[dict[str, Any]]):
    """A ``datasets.Dataset`` from row dicts."""
    from datasets import Dataset

    return Dataset.from_list(rows)


def peft_config(lora: dict[str, Any] | None):
    """A ``peft.LoraConfig`` for causal LM from the ``lora`` dict, or None."""
    if lora is None:
        return None
    from peft import LoraConfig

    return LoraConfig(**{"task_type": "CAUSAL_LM", **lora})


def train_log_callback(out: Path, logger: logging.Logger | None = None):
    """A ``TrainerCallback`` appending each TRL log (with its step) to ``out/train_log.jsonl``.

    ``logger``: where the one-line progress per step goes: the calling paradigm's own logger
    (``xling.train.grpo`` for GRPO), so a run's log says which paradigm is training; default
    this module's.
    """
    from transformers import TrainerCallback

    path = Path(out) / "train_log.jsonl"
    progress = logger or log

    class TrainLog(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if state.is_world_process_zero and logs:
                with path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"step": state.global_step, **logs}) + "\n")
                # Progress in the log (one line per logged step) instead of TRL's stdout dicts.
                shown = {k: logs[k] for k in ("loss", "reward", "kl") if k in logs}
                if shown:
                    progress.info("step %d/%d %s", state.global_step, state.max_steps,
                             " ".join(f"{k} {v:.4g}" for k, v in shown.items()))

    return TrainLog()


def last_checkpoint(out: Path) -> str | None:
    """The newest resumable TRL checkpoint under ``out/trl``, or None."""
    from transformers.trainer_utils import get_last_checkpoint

    folder = out / "trl"
    return get_last_checkpoint(str(folder)) if folder.is_dir() else None


def train_and_save(trainer, out: Path, logger: logging.Logger | None = None) -> Path:
    """Train (resuming from ``out/trl``'s last checkpoint if any), then save ``out/checkpoint``.

    On resume, log rows after the checkpoint's step (written by the interrupted run) are dropped,
    so ``train_log.jsonl`` has each step once. ``logger``: the calling paradigm's (see
    ``train_log_callback``); default this module's.
    """
    from transformers import PrinterCallback

    log_ = logger or log

    # Without tqdm (not a TTY) transformers adds PrinterCallback, which prints raw log dicts to
    # stdout; TrainLog above logs the same steps properly.
    trainer.remove_callback(PrinterCallback)
    resume = last_checkpoint(out)
    _trim_log(out / "train_log.jsonl", _checkpoint_step(resume))
    if resume:
        log_.info("resuming from %s", resume)
    trainer.train(resume_from_checkpoint=resume)
    ckpt = out / "checkpoint"
    model = trainer.model
    if hasattr(model, "merge_and_unload"):  # LoRA: save a plain model that loads without peft
        model = model.merge_and_unload()
    model.save_pretrained(ckpt)
    trainer.processing_class.save_pretrained(ckpt)
    log_.info("saved %s", ckpt)
    return ckpt


def _checkpoint_step(path: str | None) -> int:
    return int(Path(path).name.rsplit("-", 1)[-1]) if path else 0


def _trim_log(path: Path, step: int) -> None:
    if not path.exists():
        return
    from xling.data.io import atomic_write_text

    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [ln for ln in lines if ln.strip() and json.loads(ln).get("step", 0) <= step]
    atomic_write_text(path, "".join(ln + "\n" for ln in kept))
