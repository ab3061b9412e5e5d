"""Export a training pool for verl (cluster-scale GRPO), with xling's reward as verl's reward.

Stage: train (export). Writes ``train.parquet`` and ``val.parquet`` in the row layout of verl's
data preprocessing examples (e.g. ``examples/data_preprocess/gsm8k.py``)::

    data_source   "xling/<pool source>"
    prompt        [{"role": "user", "content": build_prompt(question, lang, style)}]
    ability       "math"
    reward_model  {"style": "rule", "ground_truth": answer}
    extra_info    {"lang", "parallel_id", "index", "split", "id"}

and ``verl_grpo.yaml``: study A's GRPO settings as verl config overrides, with
``custom_reward_function.path`` naming xling/train/rewards.py and ``.name`` one of its
module-level ``compute_score*`` hooks (built with ``rewards.to_verl``). Problems are split by
``parallel_id``, so no translation of a validation problem is trained on.
Try:  xling export verl --pool sandbox --langs en,zh,de --out runs/verl
"""

from __future__ import annotations

import logging
import random
from pathlib import Path

from xling.languages import build_prompt
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

REWARD_HOOKS: dict[str, str] = {
    "accuracy": "compute_score",
    "consistency": "compute_score_consistency",
    "combined": "compute_score_combined",
}
"""xling reward name -> the function in xling.train.rewards that verl calls."""


def verl_row(e: Example, index: int, split: str, prompt_style: str = "standard") -> dict:
    """One verl row for example ``e``."""
    return {
        "data_source": f"xling/{e.source or 'pool'}",
        "prompt": [{"role": "user", "content": build_prompt(e.question, e.lang, prompt_style)}],
        "ability": "math",
        "reward_model": {"style": "rule", "ground_truth": e.answer},
        "extra_info": {"lang": e.lang, "parallel_id": e.parallel_id, "index": index,
                       "split": split, "id": e.id},
    }


def export_verl(
    examples: list[Example], out_dir: str | Path, val_fraction: float = 0.05, seed: int = 0,
    prompt_style: str = "standard", reward: str = "accuracy",
) -> tuple[Path, Path]:
    """Write train/val parquet files and an example verl config; returns (train, val) paths.

    Args:
        examples: the pool selection to train on.
        val_fraction: share of problems (parallel_ids) held out for validation, in [0, 1).
        seed: seeds the train/val split.
        prompt_style: languages.PROMPT_STYLES.
        reward: which xling reward verl should call (``REWARD_HOOKS``).

    Raises:
        XlingError: no examples, a bad fraction, or an unknown reward.
    """
    from xling.data.io import write_parquet

    if not examples:
        raise XlingError("nothing to export: no examples")
    if not 0 <= val_fraction < 1:
        raise XlingError(f"val_fraction must be in [0, 1), got {val_fraction}")
    if reward not in REWARD_HOOKS:
        raise XlingError(f"unknown reward {reward!r}; known: {', '.join(REWARD_HOOKS)}")
    out = Path(out_dir)
    ids = sorted({e.parallel_id for e in examples})
    val_ids = set(random.Random(seed).sample(ids, round(len(ids) * val_fraction)))
    splits: dict[str, list[dict]] = {"train": [], "val": []}
    for e in examples:
        split = "val" if e.parallel_id in val_ids else "train"
        splits[split].append(verl_row(e, len(splits[split]), split, prompt_style))
    train_path = write_parquet(out / "train.parquet", splits["train"])
    val_path = write_parquet(out / "val.parquet", splits["val"] or splits["train"][:1])
    write_verl_config(out / "verl_grpo.yaml", train_path, val_path, reward)
    log.info("verl export: %d train, %d val rows -> %s", len(splits["train"]), len(splits["val"]), out)
    return train_path, val_path


def write_verl_config(path: Path, train: Path, val: Path, reward: str = "accuracy") -> Path:
    """Write study A's GRPO settings as a verl config (overrides of verl's ppo_trainer.yaml)."""
    import yaml

    from xling.data.io import atomic_write_text
    from xling.train import rewards

    config = {
        "algorithm": {"adv_estimator": "grpo", "use_kl_in_reward": False},
        "data": {"train_files": str(train.resolve()), "val_files": str(val.resolve()),
                 "prompt_key": "prompt", "train_batch_size": 512,  # study A: rollout batch 512
                 "max_prompt_length": 1024, "max_response_length": 1024},
        "actor_rollout_ref": {
            "model": {"path": "Qwen/Qwen2.5-3B"},  # study A's base; replace with yours
            "actor": {"optim": {"lr": 1e-6},  # study A: learning rate 1e-6
                      "ppo_mini_batch_size": 128,
                      "use_kl_loss": True, "kl_loss_coef": 0.001,  # study A: KL 0.001
                      "kl_loss_type": "low_var_kl"},
            "rollout": {"name": "vllm", "n": 8, "temperature": 1.0},  # study A: temperature 1.0
        },
        "custom_reward_function": {"path": str(Path(rewards.__file__).resolve()),
                                   "name": REWARD_HOOKS[reward]},
        "trainer": {"total_epochs": 3, "project_name": "xling", "logger": ["console"]},
    }
    header = (
        "# verl GRPO config for an xling export (study A's settings; see xling/train/grpo.py).\n"
        "# Run: python -m verl.trainer.main_ppo --config-path=. --config-name=verl_grpo\n"
        "#   (or pass these keys as key=value overrides). xling must be importable where\n"
        "#   verl's reward workers run (pip install xling), since the reward file imports it.\n"
        "# Not published by study A, chosen here: rollout.n, ppo_mini_batch_size, lengths.\n"
    )
    return atomic_write_text(path, header + yaml.safe_dump(config, sort_keys=False))
