"""GRPO with a correctness and/or language-consistency reward (study A's RL), on TRL's GRPOTrainer.

Stage: train. Each Example becomes a prompt (``build_prompt(question, lang, prompt_style)``; the
consistency style adds "reason only in <language>") with its ``answer`` and ``lang`` as dataset
columns, which TRL hands to the reward (train/rewards.py). The run directory has the same layout
as SFT's (checkpoint/, config.yaml, train_log.jsonl, trl/); a rerun with the same ``out`` resumes
from the last checkpoint in out/trl (every ``save_steps``).

Logged per step (train_log.jsonl, TRL's names): ``loss``, ``reward`` and ``reward_std`` (the
weighted total), ``rewards/<fn>/mean`` per reward function, ``kl`` (when beta > 0),
``completions/mean_length`` (tokens), and ``lang/consistent``: the fraction of sampled responses
whose dominant language is the question's (measured inside the reward call, no second pass).

Precedence of settings: TRL's defaults < ``PAPER_PRESET`` (when ``preset="paper"``) < the fields of
``GRPOConfig`` that are set (not None) < ``GRPOConfig.trl``.
Try:  xling train grpo --model ./tiny --pool sandbox --langs de --preset paper --out runs/rl-de
"""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xling.schema import Example, XlingError
from xling.train import Paradigm
from xling.train.rewards import (
    CONSISTENCY_PARTS,
    REWARDS,
    check_term_weights,
    check_weights,
    get_reward,
    to_trl,
)
from xling.train.rows import check_prompt_style, prompt_of, reward_columns

log = logging.getLogger(__name__)

PAPER_PRESET: dict[str, Any] = {
    "learning_rate": 1e-6,
    # study A: learning rate 1e-6 (constant in verl's default actor optimiser).
    "temperature": 1.0,
    # study A: rollout sampling temperature 1.0.
    "beta": 0.001,
    # study A: KL coefficient 0.001. verl adds it as a KL *loss* against the reference model
    # (use_kl_loss, kl_loss_coef=0.001); TRL's ``beta`` is the same term in the GRPO loss.
    "num_train_epochs": 3,
    # study A: 3 epochs over the training problems.
    "num_generations": 8,
    # Responses per prompt (verl's rollout.n): not published; 8 is a common GRPO choice.
    "max_completion_length": 1024,
    # Not published; enough for GSM8K-style chains of thought.
}
"""Study A's GRPO settings on TRL's GRPOConfig field names, each commented above.

The one place they are written: ``trl_fields`` reads them for TRL, and ``verl_export``
(``paper_settings``) maps them onto verl's keys (optim.lr, rollout.temperature, kl_loss_coef,
total_epochs, rollout.n, max_response_length). The rollout batch of 512 prompts is not one TRL
field: see ``PAPER_ROLLOUT_BATCH`` and ``trl_fields``."""
DEFAULT_GROUP = 8
"""Responses per prompt when neither the preset nor the config sets ``num_generations`` (TRL's
default; the verl export uses the same)."""
PAPER_ROLLOUT_BATCH = 512
"""Study A's rollout batch (verl ``data.train_batch_size``): prompts per policy update. Both
engines take one update per rollout batch (TRL: gradient accumulation over it; verl:
``ppo_mini_batch_size`` = ``train_batch_size``)."""


@dataclass
class GRPOConfig:
    """Settings of one GRPO run. ``None`` means "the preset's value, else TRL's default"."""

    reward: str = "accuracy"
    """One of rewards.REWARDS: accuracy | consistency | combined | format | weighted, or a
    dotted path to a user's own ``rewards.Reward`` (or reward function)."""
    reward_weights: list[float] | None = None
    """(accuracy, consistency) weights for 'combined'; None = study A's (0.5, 0.5)."""
    reward_lambdas: dict[str, float] | None = None
    """λ per term of study B's 'weighted' reward: accuracy, consistency, format
    (``rewards.STUDY_B_TERMS``); None = accuracy only."""
    consistency_part: str = "all"
    """Which part of a completion the consistency term reads: all | thinking | answer."""
    prompt_style: str = "standard"
    """One of rows.TRAIN_PROMPT_STYLES; 'consistency' adds study A's reason-only-in-L instruction."""
    chat: bool = False
    """True: prompts are chat messages (the model's chat template wraps them); False: plain text,
    tokenized as it is. The same on TRL and verl (the verl export renders a plain prompt as it
    is through ``verl_export.PLAIN_CHAT_TEMPLATE``)."""
    preset: str | None = None
    """'paper' applies PAPER_PRESET and PAPER_ROLLOUT_BATCH; None uses TRL's defaults."""
    learning_rate: float | None = None
    """AdamW learning rate (trl ``learning_rate``)."""
    epochs: float | None = None
    """Passes over the prompts (trl ``num_train_epochs``)."""
    num_generations: int | None = None
    """Sampled responses per prompt, the GRPO group (trl ``num_generations``; >= 2)."""
    rollout_batch: int | None = None
    """Prompts per policy update. TRL counts *completions*: one update sees
    ``per_device_batch * world_size * gradient_accumulation_steps`` completions =
    ``rollout_batch * num_generations``, so gradient_accumulation_steps (and TRL's
    steps_per_generation, its default) = rollout_batch * num_generations / (per_device_batch *
    world_size). None = one micro-batch per update."""
    per_device_batch: int | None = None
    """Completions per device per micro-batch (trl ``per_device_train_batch_size``);
    None = num_generations (one prompt group)."""
    temperature: float | None = None
    """Sampling temperature of the rollouts (trl ``temperature``)."""
    beta: float | None = None
    """KL coefficient against the initial model (trl ``beta``; 0 = no reference model)."""
    max_completion_length: int | None = None
    """Maximum generated tokens per response (trl ``max_completion_length``)."""
    seed: int = 0
    """Seeds data order and sampling."""
    save_steps: int = 50
    """Steps between resumable checkpoints in out/trl (the last 2 are kept)."""
    report_to: str = "none"
    """TRL/transformers tracker ('wandb', 'tensorboard', ...); none by default."""
    use_vllm: bool = False
    """Sample the rollouts with vLLM (trl ``use_vllm``; needs a GPU and ``pip install vllm``).
    GRPO spends most of a step sampling; this is the fast path on GPUs."""
    vllm_mode: str | None = None
    """'colocate' (vLLM inside the training process, sharing its GPUs; TRL's default) or
    'server' (a separate ``trl vllm-serve`` process; trl ``vllm_mode``). Needs use_vllm."""
    vllm_server_base_url: str | None = None
    """URL of the vLLM server in 'server' mode (trl ``vllm_server_base_url``)."""
    vllm_gpu_memory_utilization: float | None = None
    """GPU memory share of the colocated vLLM engine, in (0, 1] (trl's default 0.3)."""
    cache_implementation: str | None = None
    """KV cache of transformers ``generate`` when vLLM is not used, e.g. 'static' (trl
    ``cache_implementation``); refused together with use_vllm, which ignores it."""
    trl: dict[str, Any] = field(default_factory=dict)
    """Passed to ``trl.GRPOConfig`` last, overriding everything above."""

    def __post_init__(self):
        reward = get_reward(self.reward)
        for f in dataclasses.fields(self):  # a field set for a reward that does not read it
            if f.default is None and getattr(self, f.name) is not None and f.name not in reward.args:
                readers = [repr(name) for name in REWARDS if f.name in get_reward(name).args]
                if readers:
                    raise XlingError(f"{f.name} only apply to reward {' or '.join(readers)}, not "
                                     f"{self.reward!r}")
        unknown = sorted(set(reward.args) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise XlingError(f"reward {self.reward!r} reads {', '.join(unknown)}, which GRPOConfig "
                             "does not have")
        if self.reward_weights is not None:
            self.reward_weights = list(check_weights(self.reward_weights))
        if self.reward_lambdas is not None:
            self.reward_lambdas = check_term_weights(self.reward_lambdas)
        if self.consistency_part not in CONSISTENCY_PARTS:
            raise XlingError(f"unknown consistency_part {self.consistency_part!r}; known: "
                             f"{', '.join(CONSISTENCY_PARTS)}")
        check_prompt_style(self.prompt_style)
        if self.preset not in (None, "paper"):
            raise XlingError(f"unknown preset {self.preset!r}; known: paper")
        if not isinstance(self.trl, dict):
            raise XlingError(f"trl must be a mapping of TRL config fields, got {type(self.trl).__name__}")
        for name in ("learning_rate", "epochs", "rollout_batch", "per_device_batch",
                     "max_completion_length", "temperature"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise XlingError(f"{name} must be > 0, got {value}")
        if self.num_generations is not None and self.num_generations < 2:
            raise XlingError(f"num_generations must be >= 2 (GRPO compares a group), got {self.num_generations}")
        if self.beta is not None and self.beta < 0:
            raise XlingError(f"beta must be >= 0, got {self.beta}")
        self._check_generation()

    def _check_generation(self) -> None:
        """Refuse combinations of the rollout-generation settings that TRL would ignore or
        that cannot run, before any model loads."""
        vllm_only = {"vllm_mode": self.vllm_mode, "vllm_server_base_url": self.vllm_server_base_url,
                     "vllm_gpu_memory_utilization": self.vllm_gpu_memory_utilization}
        if not self.use_vllm:
            given = [k for k, v in vllm_only.items() if v is not None]
            if given:
                raise XlingError(f"{', '.join(given)} need use_vllm: true")
            return
        if self.cache_implementation is not None:
            raise XlingError("cache_implementation applies to transformers generate; with "
                             "use_vllm: true vLLM samples and it would be ignored: drop one")
        if self.vllm_mode not in (None, "colocate", "server"):
            raise XlingError(f"vllm_mode must be 'colocate' or 'server', got {self.vllm_mode!r}")
        if self.vllm_server_base_url is not None and self.vllm_mode != "server":
            raise XlingError("vllm_server_base_url needs vllm_mode: server")
        if self.vllm_gpu_memory_utilization is not None:
            if self.vllm_mode == "server":
                raise XlingError("vllm_gpu_memory_utilization applies to vllm_mode: colocate "
                                 "(a server sets its own with `trl vllm-serve`)")
            if not 0 < self.vllm_gpu_memory_utilization <= 1:
                raise XlingError("vllm_gpu_memory_utilization must be in (0, 1], got "
                                 f"{self.vllm_gpu_memory_utilization}")


def trl_fields(cfg: GRPOConfig, world_size: int | None = None) -> dict[str, Any]:
    """The TRL GRPOConfig keyword arguments ``cfg`` resolves to (preset, fields, rollout, trl).

    >>> f = trl_fields(GRPOConfig(preset="paper", per_device_batch=16), world_size=8)
    >>> f["learning_rate"], f["beta"], f["gradient_accumulation_steps"]
    (1e-06, 0.001, 32)
    """
    world_size = world_size or int(os.environ.get("WORLD_SIZE", "1"))
    out: dict[str, Any] = dict(PAPER_PRESET) if cfg.preset == "paper" else {}
    named = {"learning_rate": cfg.learning_rate, "num_train_epochs": cfg.epochs,
             "num_generations": cfg.num_generations, "temperature": cfg.temperature,
             "beta": cfg.beta, "max_completion_length": cfg.max_completion_length}
    out.update({k: v for k, v in named.items() if v is not None})
    generation = {"use_vllm": cfg.use_vllm or None, "vllm_mode": cfg.vllm_mode,
                  "vllm_server_base_url": cfg.vllm_server_base_url,
                  "vllm_gpu_memory_utilization": cfg.vllm_gpu_memory_utilization,
                  "cache_implementation": cfg.cache_implementation}
    out.update({k: v for k, v in generation.items() if v is not None})
    group = out.get("num_generations", DEFAULT_GROUP)
    per_device = cfg.per_device_batch or group
    out["per_device_train_batch_size"] = per_device
    rollout = cfg.rollout_batch or (PAPER_ROLLOUT_BATCH if cfg.preset == "paper" else None)
    if rollout is not None:
        completions, per_step = rollout * group, per_device * world_size
        if completions % per_step:
            raise XlingError(
                f"rollout_batch {rollout} x num_generations {group} = {completions} completions is not "
                f"a multiple of per_device_batch {per_device} x {world_size} device(s)"
            )
        out["gradient_accumulation_steps"] = completions // per_step
    elif (per_device * world_size) % group:
        raise XlingError(f"per_device_batch {per_device} x {world_size} device(s) must be a multiple "
                         f"of num_generations {group}")
    return {**out, **cfg.trl}


def validate_trl(cfg: GRPOConfig) -> None:
    """Refuse trl keys that ``trl.GRPOConfig`` does not have and a rollout batch that does not
    divide (imports trl, loads no model)."""
    import trl

    from xling.train.trl_glue import check_trl_keys

    check_trl_keys(cfg.trl, trl.GRPOConfig)
    trl_fields(cfg)  # the rollout batch must divide
    if cfg.cache_implementation is not None:
        from transformers.generation.configuration_utils import ALL_CACHE_IMPLEMENTATIONS

        if cfg.cache_implementation not in ALL_CACHE_IMPLEMENTATIONS:
            raise XlingError(f"cache_implementation {cfg.cache_implementation!r} unknown to "
                             f"transformers; known: {', '.join(sorted(ALL_CACHE_IMPLEMENTATIONS))}")
    if cfg.use_vllm:
        import importlib.util

        if importlib.util.find_spec("vllm") is None:
            raise XlingError("use_vllm: true needs vLLM installed where training runs "
                             "(pip install vllm; a CUDA GPU)")


def reward_args(cfg: GRPOConfig) -> dict[str, Any]:
    """The reward's adapter arguments as ``cfg`` sets them (``Reward.args``: config field ->
    keyword; a field left None keeps the reward function's default)."""
    reward = get_reward(cfg.reward)
    return {kw: getattr(cfg, name) for name, kw in reward.args.items()
            if getattr(cfg, name) is not None}


def reward_functions(cfg: GRPOConfig, stop_ids: list[int] | None = None) -> tuple[list, list[float]]:
    """TRL reward functions and their weights for ``cfg.reward``: its row's ``trl_parts`` with
    the arguments ``cfg`` sets, each adapted by ``rewards.to_trl``.

    A reward of several terms is passed as one function per term with TRL ``reward_weights``
    ('combined': accuracy and consistency; 'weighted': each term with a positive λ), so TRL logs
    each part (``rewards/accuracy_reward/mean``, ...) and sums them as the studies do. Only the
    first function logs ``lang/consistent``. ``stop_ids``: the trainer's EOS and pad ids
    (filled in once the trainer exists), from which each completion's finish reason is read.
    """
    parts = get_reward(cfg.reward).trl_parts(**reward_args(cfg))
    return ([to_trl(fn, log_language=i == 0, stop_ids=stop_ids) for i, (fn, _) in enumerate(parts)],
            [float(w) for _, w in parts])


def grpo_row(e: Example, style: str, chat: bool) -> dict[str, Any]:
    """One GRPO prompt row (``rows.prompt_of``); the ``rows.reward_columns`` (``answer``,
    ``lang``, ``scorer``, ``choices``, ``meta``, ids) become reward kwargs, so a pool of
    multiple-choice or instruction-following items (its scorer kind in ``meta["scorer"]``) is
    rewarded by its own scorer, not as math."""
    return {"prompt": prompt_of(e, style, chat), **reward_columns(e)}


def run_grpo(
    model: str | Path, examples: list[Example], cfg: GRPOConfig, out: str | Path,
    callbacks: list | None = None,
) -> Path:
    """Post-train ``model`` with GRPO on the examples' questions; returns ``out/checkpoint``.

    ``callbacks``: extra transformers ``TrainerCallback``s (e.g. the timing one of
    benchmarks/grpo_overhead.py).

    Raises:
        XlingError: no examples, an unknown trl field, or a rollout batch that does not divide.
    """
    import trl

    from xling.train.trl_glue import (
        save_config,
        to_dataset,
        train_and_save,
        train_log_callback,
        trl_args,
    )

    if not examples:
        raise XlingError("GRPO needs at least one example")
    out = Path(out)
    validate_trl(cfg)
    stop_ids: list[int] = []  # filled once the trainer has resolved them (as TRL's own rule)
    funcs, weights = reward_functions(cfg, stop_ids)
    fields = {**trl_fields(cfg), "reward_weights": weights}
    args = trl_args(trl.GRPOConfig, dataclasses.replace(cfg, trl={}), out, fields)
    save_config(out, "grpo", model, cfg, len(examples), trl_resolved=_plain(fields))
    trainer = trl.GRPOTrainer(
        model=str(model), reward_funcs=funcs, args=args,
        train_dataset=to_dataset([grpo_row(e, cfg.prompt_style, cfg.chat) for e in examples]),
        callbacks=[train_log_callback(out, log), *(callbacks or [])],
    )
    pad = getattr(getattr(trainer, "processing_class", None), "pad_token_id", None)
    stop_ids += [*getattr(trainer, "eos_token_ids", []), *([pad] if pad is not None else [])]
    return train_and_save(trainer, out, log)


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, str | int | float | bool | list | type(None)) else str(v)
            for k, v in d.items()}


PARADIGM = Paradigm(
    config=GRPOConfig, run=run_grpo, kind="rl", command="grpo", engines=("trl", "verl"),
    validate=validate_trl, preset="preset",
    help="GRPO with a correctness and/or language-consistency reward (--preset paper: study A).")
"""The ``grpo`` row of ``train.PARADIGMS``."""
