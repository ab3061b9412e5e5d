"""Hand an RL cell to verl (the engine study A used) for multi-GPU / multi-node GRPO, and back.

Stage: train (export). ``export_verl`` writes one self-contained directory::

    train.parquet, val.parquet   one row per prompt, in verl's row layout
                                 (data_source, prompt, ability, reward_model, extra_info)
    xling_reward.py              the file verl loads the reward from; it re-exports xling's
                                 ``compute_score*`` hooks (train/rewards.py, ``to_verl``)
    verl_grpo.yaml               extends verl's own ``ppo_trainer`` defaults with study A's GRPO
                                 settings (read from grpo.PAPER_PRESET, never repeated here), the
                                 reward under ``reward.custom_reward_function`` (the key verl
                                 0.9.1 reads), batch / micro-batch sizes derived from the
                                 data and the GPUs (``verl_batch_sizes``), the config's seed in
                                 every seed verl takes, and, for a plain prompt (``chat: false``),
                                 a chat template that renders the prompt as it is

A cell is the same experiment on either engine: the rows (``rows.prompt_of``,
``rows.reward_columns``), the prompt's form (chat template or plain text) and the seed are the
GRPO config's, as TRL gets them (tests/test_same_experiment.py).

and returns the one-line launch command (``launch_command``). Paths in the config are relative
to the export directory (the launch runs there; a Ray job uploads it as its working directory)
or under a directory the user names (``cluster_dir``). Problems are split by ``parallel_id``,
so no translation of a validation problem is trained on. ``merge_verl_checkpoint`` turns the
latest actor checkpoint verl wrote into a Hugging Face model directory with verl's own merger,
so the trained model comes back to xling's evaluation and probes.

Checked against verl 0.9.1 (``pip install 'xling[verl]'``): tests/test_verl_export.py composes
the config with ``main_ppo --cfg job``, runs verl's ``validate_config``, loads the data with
``RLHFDataset`` and scores through verl's reward loader and reward manager.
Try:  xling export verl --pool sandbox --langs en,zh,de --gpus 8 --out runs/verl
"""

from __future__ import annotations

import logging
import math
import os
import random
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

VERL_VERSION = "0.9.1"
"""The verl release the config layout and the tests were checked against."""
CONFIG_NAME = "verl_grpo"
"""The exported config is ``<out>/verl_grpo.yaml``; verl is launched with ``--config-name`` this."""
REWARD_FILE = "xling_reward.py"
"""The reward file in the export; verl loads it by path (``reward.custom_reward_function.path``)."""
MAX_MICRO_BATCH = 8
"""Default upper bound on sequences per GPU per forward/backward pass (``*_micro_batch_size_per_gpu``):
a memory setting, not a study setting; raise it on large GPUs with short responses."""

PLAIN_CHAT_TEMPLATE = "{%- for message in messages %}{{- message['content'] }}{%- endfor %}"
"""The chat template of a plain-text prompt (``chat: false``): verl 0.9.1 always renders a
prompt's messages with the tokenizer's chat template (its agent loop), so the export hands it
this one (``actor_rollout_ref.model.custom_chat_template``), which renders the prompt as it is,
as TRL tokenizes a plain prompt. ``plain_chat_template`` prepends the tokenizer's BOS when the
tokenizer adds one to plain text (TRL's ``add_special_tokens``)."""

REWARD_SHIM = '''"""xling's rewards for verl (written by `xling export verl`).

verl loads this file by path (reward.custom_reward_function.path in verl_grpo.yaml) and calls the
function named by reward.custom_reward_function.name once per response:
compute_score(data_source, solution_str, ground_truth, extra_info) -> float.
xling must be installed wherever verl's reward workers run (pip install xling).
"""

from xling.train.rewards import (  # noqa: F401
    compute_score,
    compute_score_combined,
    compute_score_consistency,
)
'''


@dataclass(frozen=True)
class VerlBatch:
    """Batch sizes of one verl GRPO run, in verl's units.

    ``train_batch`` prompts are sampled ``n`` times each per step; the actor then takes one policy
    update over them (``mini_batch == train_batch``, as xling's TRL path does with gradient
    accumulation). Micro-batches are sequences per GPU per forward/backward pass.
    """

    train_batch: int
    """Prompts per rollout step (``data.train_batch_size``)."""
    mini_batch: int
    """Prompts per policy update (``actor.ppo_mini_batch_size``)."""
    micro_per_gpu: int
    """Sequences per GPU per actor forward/backward (``actor.ppo_micro_batch_size_per_gpu``)."""
    log_prob_micro_per_gpu: int
    """Sequences per GPU per log-prob pass (rollout and ref ``log_prob_micro_batch_size_per_gpu``)."""


@dataclass(frozen=True)
class VerlExport:
    """What ``export_verl`` wrote, and how to launch it."""

    out: Path
    train: Path
    val: Path
    config: Path
    reward: Path
    n_train: int
    """Training prompts (rows of train.parquet)."""
    n_val: int
    batch: VerlBatch
    launch: str
    """One shell line that starts the run (``launch_command``)."""


def verl_row(e: Example, index: int, split: str, prompt_style: str = "standard") -> dict:
    """One verl row for example ``e`` (the layout of verl's ``examples/data_preprocess``).

    The prompt is the one every paradigm trains on (``rows.example_prompt``) as one user
    message (verl renders it with the chat template: the model's, or ``PLAIN_CHAT_TEMPLATE``
    for a plain prompt). The reward columns (``rows.reward_columns``, those of TRL's rows) travel
    in ``extra_info``, which verl hands to the reward per row, so ``rewards.to_verl`` scores a
    choice or IFEval row with its own scorer; ``ability`` is the scorer kind.
    """
    from xling.train.rows import prompt_of, reward_columns

    cols = reward_columns(e)
    return {
        "data_source": f"xling/{e.source or 'pool'}",
        "prompt": prompt_of(e, prompt_style, chat=True),
        "ability": cols["scorer"],
        "reward_model": {"style": "rule", "ground_truth": cols["answer"]},
        "extra_info": {"lang": cols["lang"], "parallel_id": cols["parallel_id"], "index": index,
                       "split": split, "id": cols["id"], "scorer": cols["scorer"],
                       "choices": cols["choices"], "meta": cols["meta"]},
    }


def verl_batch_sizes(
    n_train: int, n: int, gpus: int, nodes: int = 1, rollout_batch: int = 512,
    max_micro: int = MAX_MICRO_BATCH,
) -> VerlBatch:
    """Batch sizes that satisfy verl's checks for ``n_train`` prompts on ``gpus * nodes`` GPUs.

    verl requires ``train_batch * n`` (sequences per step) to divide evenly over the GPUs, and
    its data loader drops an incomplete last batch, so the rollout batch is ``rollout_batch``
    (study A: 512), capped at ``n_train`` and rounded down to a multiple of
    ``gpus * nodes / gcd(n, gpus * nodes)``. Micro-batches are the largest divisors of the
    per-GPU sequence count up to ``max_micro`` (actor) and ``2 * max_micro`` (log-probs).

    >>> verl_batch_sizes(7473, n=8, gpus=8)
    VerlBatch(train_batch=512, mini_batch=512, micro_per_gpu=8, log_prob_micro_per_gpu=16)
    >>> verl_batch_sizes(100, n=8, gpus=3).train_batch  # 100 rounded down to a multiple of 3
    99

    Raises:
        XlingError: non-positive sizes, or fewer training prompts than one step needs.
    """
    for name, value in (("n_train", n_train), ("n", n), ("gpus", gpus), ("nodes", nodes),
                        ("rollout_batch", rollout_batch), ("max_micro", max_micro)):
        if value < 1:
            raise XlingError(f"{name} must be >= 1, got {value}")
    n_gpus = gpus * nodes
    unit = n_gpus // math.gcd(n, n_gpus)
    train_batch = min(rollout_batch, n_train) // unit * unit
    if train_batch == 0:
        raise XlingError(f"{n_train} training prompt(s) cannot fill one rollout step on {n_gpus} "
                         f"GPU(s) with n={n}: need at least {unit}")
    if train_batch != rollout_batch:
        log.warning("rollout batch %d -> %d (%d training prompts, %d GPU(s), n=%d)",
                    rollout_batch, train_batch, n_train, n_gpus, n)
    per_gpu = train_batch * n // n_gpus
    return VerlBatch(train_batch=train_batch, mini_batch=train_batch,
                     micro_per_gpu=_largest_divisor(per_gpu, max_micro),
                     log_prob_micro_per_gpu=_largest_divisor(per_gpu, 2 * max_micro))


def _largest_divisor(value: int, cap: int) -> int:
    return max(d for d in range(1, min(value, cap) + 1) if value % d == 0)


def export_verl(
    examples: list[Example], out_dir: str | Path, cfg: Any = None, *,
    val_fraction: float = 0.05, seed: int = 0, model: str = "Qwen/Qwen2.5-3B",
    gpus: int = 1, nodes: int = 1, rollout_tp: int = 1, max_micro: int = MAX_MICRO_BATCH,
    checkpoint_dir: str = "checkpoints", cluster_dir: str | None = None,
    name: str | None = None,
) -> VerlExport:
    """Write a verl run for ``examples``: data, reward file, config; returns what it wrote.

    Args:
        examples: the pool selection to train on.
        out_dir: the export directory (created).
        cfg: a ``grpo.GRPOConfig`` (study A's preset by default): reward, prompt style, seed,
            save_steps, and the GRPO settings (each unset one falls back to the preset's, else
            verl's default).
        val_fraction: share of problems (parallel_ids) held out for validation, in [0, 1).
            0 = no validation: verl's validation is turned off (it still needs a val file, so
            val.parquet holds one placeholder row it never scores). A positive share that
            rounds to no problem is an error, not a silent copy of a training row.
        seed: seeds the train/val split.
        model: base model (hub id or a path that exists on the GPU nodes).
        gpus: GPUs per node (``trainer.n_gpus_per_node``); nodes: ``trainer.nnodes``.
        rollout_tp: vLLM tensor-parallel size of the rollout (divides ``gpus``).
        max_micro: upper bound on micro-batches (``verl_batch_sizes``).
        checkpoint_dir: where verl saves (``trainer.default_local_dir``); relative = under the
            export. With several nodes it must be absolute, on storage every node shares.
        cluster_dir: where this directory will live on the GPU machines, if not where it is
            launched from; the config then names its files under it.
        name: experiment name (default: the export directory's name).

    Raises:
        XlingError: no examples, bad sizes, an unknown reward, or settings verl cannot run.
    """
    from xling.data.io import atomic_write_text, write_parquet  # files get 0o666 minus umask
    from xling.train.grpo import GRPOConfig

    cfg = cfg if cfg is not None else GRPOConfig(preset="paper")
    if not examples:
        raise XlingError("nothing to export: no examples")
    if not 0 <= val_fraction < 1:
        raise XlingError(f"val_fraction must be in [0, 1), got {val_fraction}")
    hook = _check_cfg(cfg)
    if gpus < 1 or nodes < 1 or rollout_tp < 1:
        raise XlingError(f"gpus, nodes and rollout_tp must be >= 1, got {gpus}, {nodes}, {rollout_tp}")
    if gpus % rollout_tp:
        raise XlingError(f"rollout_tp {rollout_tp} must divide the {gpus} GPU(s) per node")
    base = PurePosixPath(cluster_dir) if cluster_dir else None
    ckpt = str(base / checkpoint_dir) if base and not PurePosixPath(checkpoint_dir).is_absolute() \
        else checkpoint_dir
    if nodes > 1 and not PurePosixPath(ckpt).is_absolute():
        raise XlingError(
            f"with {nodes} nodes every node writes checkpoint shards: give --checkpoint-dir (or "
            f"--cluster-dir) an absolute path on storage all nodes share, not {ckpt!r}")

    out = Path(out_dir)
    ids = sorted({e.parallel_id for e in examples})
    n_held = round(len(ids) * val_fraction)
    if val_fraction > 0 and n_held == 0:
        raise XlingError(
            f"val_fraction {val_fraction:g} of {len(ids)} problem(s) holds out none: raise it to at "
            f"least {1 / len(ids):.3g} (one problem), or pass 0 to train on all and validate nowhere")
    val_ids = set(random.Random(seed).sample(ids, n_held))
    splits: dict[str, list[dict]] = {"train": [], "val": []}
    for e in examples:
        split = "val" if e.parallel_id in val_ids else "train"
        splits[split].append(verl_row(e, len(splits[split]), split, cfg.prompt_style))
    if not splits["train"]:
        raise XlingError("no training rows left after the validation split; lower val_fraction")
    settings = paper_settings(cfg)
    batch = verl_batch_sizes(len(splits["train"]), settings["n"], gpus, nodes,
                             settings["rollout_batch"], max_micro)
    train = write_parquet(out / "train.parquet", splits["train"])
    validate = bool(splits["val"])
    if not validate:
        # val_fraction 0: no validation. verl still builds a loader from data.val_files and
        # asserts it is non-empty (ray_trainer._create_dataloader, verl 0.9.1), so val.parquet
        # holds one placeholder row (split "placeholder") and the config turns validation off
        # (test_freq -1, val_before_train false): verl never scores it.
        log.info("verl export: no validation split (val_fraction 0); validation is off and "
                 "val.parquet holds one placeholder row verl never scores")
    val = write_parquet(out / "val.parquet", splits["val"] or [
        {**splits["train"][0], "extra_info": {**splits["train"][0]["extra_info"],
                                              "split": "placeholder"}}])
    reward = atomic_write_text(out / REWARD_FILE, reward_file(hook))
    files = {k: str(base / f) if base else f for k, f in
             (("train", train.name), ("val", val.name), ("reward", REWARD_FILE))}
    config = verl_config(cfg, settings, batch, files, model=model, gpus=gpus, nodes=nodes,
                         rollout_tp=rollout_tp, checkpoint_dir=ckpt,
                         name=name or out.resolve().name, validate=validate,
                         hook=hook.partition(":")[2],
                         chat_template=None if cfg.chat else plain_chat_template(model))
    launch = launch_command(cluster_dir or out, nodes)
    config_path = atomic_write_text(out / f"{CONFIG_NAME}.yaml", _config_text(config, launch))
    log.info("verl export: %d train, %d val rows -> %s", len(splits["train"]), len(splits["val"]), out)
    return VerlExport(out=out, train=train, val=val, config=config_path, reward=reward,
                      n_train=len(splits["train"]), n_val=len(splits["val"]), batch=batch,
                      launch=launch)


def _check_cfg(cfg: Any) -> str:
    """Refuse GRPOConfig settings that the verl export cannot carry over; returns the reward's
    verl hook (``"module:function"``, ``rewards.Reward.verl``).

    The hook is ``rewards.to_verl`` of the reward at its default arguments, so an adapter
    argument set to another value (combined's weights, the consistency part) is refused.
    """
    import inspect
    import json

    from xling.train.rewards import REWARDS, get_reward

    reward = get_reward(cfg.reward)
    if reward.verl is None:
        on_verl = [name for name in REWARDS if get_reward(name).verl is not None]
        raise XlingError(f"reward {cfg.reward!r} has no verl hook (rewards.Reward.verl); on verl: "
                         f"{', '.join(on_verl)}, or train the cell with TRL")
    params = inspect.signature(reward.fn).parameters
    for field_name, kw in reward.args.items():
        value = getattr(cfg, field_name)
        default = params[kw].default if kw in params else inspect.Parameter.empty
        if value is None or (default is not inspect.Parameter.empty
                             and json.dumps(value, sort_keys=True) == json.dumps(default, sort_keys=True)):
            continue
        shown = list(default) if isinstance(default, tuple) else default
        raise XlingError(f"the verl export scores reward {cfg.reward!r} with its hook "
                         f"{reward.verl}, which uses the {cfg.reward} {kw} {shown!r}; {field_name} "
                         f"{value!r} cannot be carried over (train the cell with TRL)")
    if cfg.trl:
        raise XlingError("trl fields do not apply to verl: pass verl settings as key=value "
                         "overrides on the launch command instead")
    return reward.verl


def reward_file(hook: str) -> str:
    """The export's reward file: xling's hooks, and ``hook``'s module when it is a user's own."""
    module, _, attr = hook.partition(":")
    if module == "xling.train.rewards":
        return REWARD_SHIM
    return REWARD_SHIM + f"from {module} import {attr}  # noqa: E402, F401 (the cell's reward)\n"


def plain_chat_template(model: str) -> str:
    """``PLAIN_CHAT_TEMPLATE``, with the tokenizer's BOS first when it adds one to plain text, so
    verl's prompt tokens are TRL's for a plain prompt. A tokenizer that is not on this machine (a
    hub id not in the local cache) is read as adding none, as Qwen2.5's does (logged).

    Raises:
        XlingError: a tokenizer that adds other special tokens to plain text (set chat: true).
    """
    tokenizer = _local_tokenizer(model)
    if tokenizer is None:
        log.warning("verl export: the tokenizer of %s is not on this machine; the plain-prompt "
                    "template adds no BOS, as TRL does for Qwen2.5 (a tokenizer that prepends one "
                    "would train without it on verl: export where the model is, or set chat: true)",
                    model)
        return PLAIN_CHAT_TEMPLATE
    ids = list(tokenizer("x")["input_ids"])
    bare = list(tokenizer("x", add_special_tokens=False)["input_ids"])
    if ids == bare:
        return PLAIN_CHAT_TEMPLATE
    if tokenizer.bos_token_id is not None and ids == [tokenizer.bos_token_id, *bare]:
        return "{{- bos_token }}" + PLAIN_CHAT_TEMPLATE
    raise XlingError(f"the tokenizer of {model} adds special tokens to plain text ({ids} for "
                     f"{bare}) that a plain prompt on verl cannot reproduce; set chat: true")


def _local_tokenizer(model: str):
    """The tokenizer of ``model`` when it is on this machine (a directory, or the hub cache), else None."""
    from transformers import AutoTokenizer

    try:
        if Path(model).expanduser().is_dir():
            return AutoTokenizer.from_pretrained(str(Path(model).expanduser()))
        return AutoTokenizer.from_pretrained(model, local_files_only=True)
    except (OSError, ValueError):
        return None


def paper_settings(cfg: Any) -> dict[str, Any]:
    """GRPO settings of ``cfg`` in the export's terms, from grpo.PAPER_PRESET and the cfg fields.

    Keys: lr, temperature, kl (None = no KL loss), epochs, n, response_length, rollout_batch;
    a value is None where neither the preset nor the cfg sets it (verl's default then applies),
    except n (the group size; grpo.DEFAULT_GROUP, as in grpo.trl_fields) and rollout_batch
    (PAPER_ROLLOUT_BATCH).
    """
    from xling.train.grpo import DEFAULT_GROUP, PAPER_PRESET, PAPER_ROLLOUT_BATCH

    preset = PAPER_PRESET if cfg.preset == "paper" else {}

    def pick(field: str, key: str) -> Any:
        value = getattr(cfg, field)
        return value if value is not None else preset.get(key)

    return {"lr": pick("learning_rate", "learning_rate"),
            "temperature": pick("temperature", "temperature"),
            "kl": pick("beta", "beta"), "epochs": pick("epochs", "num_train_epochs"),
            "n": pick("num_generations", "num_generations") or DEFAULT_GROUP,
            "response_length": pick("max_completion_length", "max_completion_length"),
            "rollout_batch": cfg.rollout_batch or PAPER_ROLLOUT_BATCH}


def verl_config(
    cfg: Any, settings: dict[str, Any], batch: VerlBatch, files: dict[str, str], *, model: str,
    gpus: int, nodes: int, rollout_tp: int, checkpoint_dir: str, name: str, validate: bool = True,
    hook: str = "compute_score", chat_template: str | None = None,
) -> dict[str, Any]:
    """The verl config (overrides of verl's ``ppo_trainer`` defaults) as a plain dict;
    ``validate=False`` (no validation split) turns verl's validation off. ``hook``: the reward
    function verl calls; ``chat_template``: the template verl renders prompts with instead of
    the model's (``plain_chat_template`` for a plain prompt; None = the model's).

    Every seed verl takes is ``cfg.seed`` (data order, rollout sampling, the actor's mini-batch
    order and initialisation), as TRL's ``seed`` and ``data_seed`` are."""
    kl = settings["kl"]
    actor: dict[str, Any] = {
        "ppo_mini_batch_size": batch.mini_batch,
        "ppo_micro_batch_size_per_gpu": batch.micro_per_gpu,
        "use_kl_loss": bool(kl),  # study A's KL is a loss against the reference model
        "data_loader_seed": cfg.seed, "fsdp_config": {"seed": cfg.seed},
    }
    if kl:
        actor.update(kl_loss_coef=kl, kl_loss_type="low_var_kl")
    if settings["lr"] is not None:
        actor["optim"] = {"lr": settings["lr"]}
    rollout: dict[str, Any] = {"name": "vllm", "n": settings["n"], "seed": cfg.seed,
                               "tensor_model_parallel_size": rollout_tp,
                               "log_prob_micro_batch_size_per_gpu": batch.log_prob_micro_per_gpu}
    if settings["temperature"] is not None:
        rollout["temperature"] = settings["temperature"]
    data: dict[str, Any] = {"train_files": files["train"], "val_files": files["val"],
                            "prompt_key": "prompt", "train_batch_size": batch.train_batch,
                            "max_prompt_length": 1024, "shuffle": True, "seed": cfg.seed}
    if settings["response_length"] is not None:
        data["max_response_length"] = settings["response_length"]
    trainer: dict[str, Any] = {
        "project_name": "xling", "experiment_name": name, "logger": ["console"],
        "n_gpus_per_node": gpus, "nnodes": nodes, "default_local_dir": checkpoint_dir,
        "save_freq": cfg.save_steps, "test_freq": cfg.save_steps if validate else -1,
        "max_actor_ckpt_to_keep": 2,
    }
    if not validate:
        trainer["val_before_train"] = False
    if settings["epochs"] is not None:
        trainer["total_epochs"] = math.ceil(settings["epochs"])
    return {
        "hydra": {"searchpath": ["pkg://verl.trainer.config"]},
        "defaults": ["ppo_trainer", "_self_"],
        "algorithm": {"adv_estimator": "grpo", "use_kl_in_reward": False},
        "data": data,
        "actor_rollout_ref": {
            "model": {"path": model,
                      **({"custom_chat_template": chat_template} if chat_template else {})},
            "actor": actor,
            "rollout": rollout,
            "ref": {"log_prob_micro_batch_size_per_gpu": batch.log_prob_micro_per_gpu,
                    "fsdp_config": {"seed": cfg.seed}},
        },
        "reward": {"custom_reward_function": {"path": files["reward"], "name": hook}},
        "trainer": trainer,
    }


def launch_command(export_dir: str | Path, nodes: int = 1) -> str:
    """The shell line that starts verl on ``export_dir``'s config.

    One node: run ``main_ppo`` in the export directory (verl starts a local Ray instance).
    Several nodes: submit it as a Ray job whose working directory is the export (uploaded to the
    cluster, so the relative paths resolve on every node); needs a running Ray cluster
    (``RAY_ADDRESS`` or ``--address``).

    >>> launch_command("runs/verl")
    'cd runs/verl && python3 -m verl.trainer.main_ppo --config-dir=. --config-name=verl_grpo'
    """
    main = f"python3 -m verl.trainer.main_ppo --config-dir=. --config-name={CONFIG_NAME}"
    where = shlex.quote(str(export_dir))
    if nodes > 1:
        return f"ray job submit --working-dir {where} -- {main}"
    return f"cd {where} && {main}"


def _config_text(config: dict[str, Any], launch: str) -> str:
    import yaml

    header = (
        f"# verl {VERL_VERSION} GRPO run of an xling export (written by `xling export verl`).\n"
        "# Extends verl's ppo_trainer defaults; study A's GRPO settings come from\n"
        "# xling.train.grpo.PAPER_PRESET; batch sizes from the data and the GPUs.\n"
        f"# Launch (one line):  {launch}\n"
        "# Override any key on that line, e.g. trainer.logger='[console,wandb]'.\n"
        "# Paths are relative to this directory (the launch runs here). xling must be installed\n"
        "# where verl runs (pip install 'xling[verl]'): the reward file imports it.\n"
        "# Not published by study A, chosen here: rollout.n, lengths, one update per rollout batch.\n"
    )
    return header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def merge_verl_checkpoint(export_dir: str | Path, target: str | Path | None = None) -> Path:
    """Merge the latest actor checkpoint of an exported run into a Hugging Face model directory.

    Reads ``trainer.default_local_dir`` from the export's config (relative = under the export),
    finds the latest ``global_step_N`` with verl's tracker file, and runs verl's own merger
    (``python -m verl.model_merger merge --backend fsdp``). Returns ``target`` (default
    ``<export>/checkpoint``), loadable with ``AutoModelForCausalLM.from_pretrained`` and
    usable as ``--model`` in xling eval / probes.

    Raises:
        XlingError: verl not installed, no config, no finished checkpoint, or the merge failed.
    """
    import yaml

    export = Path(export_dir)
    config_path = export / f"{CONFIG_NAME}.yaml"
    if not config_path.is_file():
        raise XlingError(f"{config_path}: not found; is {export} an `xling export verl` directory?")
    try:
        from verl.utils.checkpoint.checkpoint_manager import find_latest_ckpt_path
    except ImportError as exc:
        raise XlingError(f"merging a verl checkpoint needs verl: pip install 'xling[verl]' ({exc})") from None
    trainer = (yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}).get("trainer", {})
    root = Path(os.path.expanduser(trainer.get("default_local_dir", "checkpoints")))
    root = root if root.is_absolute() else export / root
    step = find_latest_ckpt_path(str(root))
    if step is None:
        raise XlingError(f"{root}: no finished verl checkpoint (latest_checkpointed_iteration.txt "
                         "naming an existing global_step_N); has the run saved one?")
    actor = Path(step) / "actor"
    if not (actor / "fsdp_config.json").is_file():
        raise XlingError(f"{actor}: not an FSDP actor checkpoint (no fsdp_config.json)")
    target = Path(target) if target is not None else export / "checkpoint"
    cmd = [sys.executable, "-m", "verl.model_merger", "merge", "--backend", "fsdp",
           "--local_dir", str(actor), "--target_dir", str(target)]
    log.info("merging %s -> %s", actor, target)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise XlingError(f"verl's model merger failed on {actor} (exit {done.returncode}):\n"
                         + done.stderr[-2000:])
    return target
