"""Supervised fine-tuning on step-by-step solutions (study A's SFT), on TRL's SFTTrainer.

Stage: train. Full-parameter by default (LoRA via peft when ``lora`` is set, merged into the saved
checkpoint). Each Example becomes a prompt-completion pair: prompt = ``build_prompt(question,
lang, prompt_style)``, completion = ``" " + solution`` (+ EOS; see ``COMPLETION_SEP``), and
the loss is on the completion only. A run directory holds:

    out/checkpoint/       model + tokenizer (AutoModelForCausalLM.from_pretrained loads it)
    out/config.yaml       the resolved config (paradigm, model, xling and TRL settings)
    out/train_log.jsonl   one row per logging step (step, loss, learning_rate, ...)
    out/trl/              TRL's intermediate checkpoints; a rerun resumes from the last one

The helpers below (config file, training log, resume) are shared by the other paradigms.
Try:  xling train sft --model ./tiny --pool sandbox --langs de --n 64 --out runs/sft-de
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xling.languages import PROMPT_STYLES, build_prompt
from xling.schema import Example, XlingError

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


TRAIN_PROMPT_STYLES: tuple[str, ...] = tuple(s for s in PROMPT_STYLES if s != "think-prefill")
"""Prompt styles a training prompt can take (every paradigm, TRL and verl): think-prefill opens
the model's thinking block after a chat template is applied, which only evaluation does."""


def check_prompt_style(style: str) -> None:
    """Refuse a prompt style training cannot carry (never a silent stand-in).

    Raises:
        XlingError: an unknown style, or think-prefill (evaluation only).
    """
    if style == "think-prefill":
        raise XlingError("prompt_style think-prefill opens the model's thinking block, which only "
                         "evaluation does (xling eval, a study's eval.prompt_style); a training "
                         f"prompt takes {', '.join(TRAIN_PROMPT_STYLES)} (consistency is the same "
                         "instruction without the opened block)")
    if style not in PROMPT_STYLES:
        raise XlingError(f"unknown prompt_style {style!r}; known: {', '.join(TRAIN_PROMPT_STYLES)}")


def check_common(cfg) -> None:
    """Validation shared by the paradigm configs (numbers, prompt style, trl dict)."""
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
        peft_config=peft_config(cfg.lora), callbacks=[train_log_callback(out)],
    )
    return train_and_save(trainer, out)


def example_prompt(e: Example, style: str = "standard") -> str:
    """The training prompt of ``e`` for every paradigm and engine (SFT, RFT, GRPO, verl), by its
    scorer kind (``e.meta["scorer"]``, default math): an IFEval item is its instruction prompt
    as is; a multiple-choice item lists its options; otherwise ``build_prompt`` in ``style``.

    >>> example_prompt(Example("q", "q", "en", "Which?", "B", choices=("x", "y"))).splitlines()[2]
    'A. x'
    """
    if e.meta.get("scorer") == "ifeval":
        return e.question
    return build_prompt(e.question, e.lang, style, choices=e.choices)


def sft_row(e: Example, style: str, chat: bool) -> dict[str, Any]:
    """One prompt-completion training row (plain text, or messages when ``chat``)."""
    prompt = example_prompt(e, style)
    if chat:
        return {"prompt": [{"role": "user", "content": prompt}],
                "completion": [{"role": "assistant", "content": e.solution}]}
    return {"prompt": prompt, "completion": COMPLETION_SEP + str(e.solution)}


# ---- shared by the paradigms: TRL arguments, config file, log, resume, final save ----------

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


def read_train_log(out: str | Path) -> list[dict[str, Any]]:
    """Rows of ``out/train_log.jsonl`` (one per logging step, plus TRL's final summary row)."""
    from xling.data.io import read_jsonl

    return read_jsonl(Path(out) / "train_log.jsonl")


def _checkpoint_step(path: str | None) -> int:
    return int(Path(path).name.rsplit("-", 1)[-1]) if path else 0


def _trim_log(path: Path, step: int) -> None:
    if not path.exists():
        return
    from xling.data.io import atomic_write_text

    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [ln for ln in lines if ln.strip() and json.loads(ln).get("step", 0) <= step]
    atomic_write_text(path, "".join(ln + "\n" for ln in kept))
