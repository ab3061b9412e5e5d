"""Multi-GPU runs on one node: an ``accelerate launch`` config for xling's TRL trainers.

Stage: train (launch). TRL trainers scale to several GPUs through accelerate: write a config
with ``write_accelerate_config`` and start any paradigm with it, e.g.::

    python -c "from xling.train.launch import write_accelerate_config as w; w('acc.yaml', 8)"
    accelerate launch --config_file acc.yaml -m xling.cli train grpo \\
        --model Qwen/Qwen2.5-3B --pool mgsm8k --langs de --preset paper --out runs/rl-de

Each process reads ``WORLD_SIZE`` (set by accelerate), which GRPO uses to turn the rollout
batch into gradient-accumulation steps (grpo.trl_fields). DeepSpeed ZeRO stage 2 or 3 shards
optimizer state (and parameters with 3) for models that do not fit one GPU's memory.

>>> accelerate_config(4)["num_processes"]
4
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xling.schema import XlingError

MIXED_PRECISION = ("no", "fp16", "bf16")


def accelerate_config(
    num_gpus: int, mixed_precision: str = "bf16", deepspeed_stage: int | None = None,
) -> dict[str, Any]:
    """An accelerate config (the YAML ``accelerate config`` writes) for ``num_gpus`` on one node.

    Args:
        num_gpus: processes to start, one per GPU (>= 1).
        mixed_precision: no | fp16 | bf16.
        deepspeed_stage: None = plain DDP (MULTI_GPU); 2 or 3 = DeepSpeed ZeRO stage.

    Raises:
        XlingError: invalid number of GPUs, precision or ZeRO stage.
    """
    if not isinstance(num_gpus, int) or num_gpus < 1:
        raise XlingError(f"num_gpus must be an integer >= 1, got {num_gpus!r}")
    if mixed_precision not in MIXED_PRECISION:
        raise XlingError(f"mixed_precision must be one of {', '.join(MIXED_PRECISION)}, got {mixed_precision!r}")
    config: dict[str, Any] = {
        "compute_environment": "LOCAL_MACHINE",
        "distributed_type": "MULTI_GPU" if num_gpus > 1 else "NO",
        "num_machines": 1, "machine_rank": 0, "num_processes": num_gpus,
        "gpu_ids": "all", "mixed_precision": mixed_precision,
        "rdzv_backend": "static", "same_network": True, "main_training_function": "main",
        "use_cpu": False, "downcast_bf16": "no",
    }
    if deepspeed_stage is not None:
        if deepspeed_stage not in (1, 2, 3):
            raise XlingError(f"deepspeed_stage must be 1, 2 or 3, got {deepspeed_stage!r}")
        config["distributed_type"] = "DEEPSPEED"
        config["deepspeed_config"] = {
            "zero_stage": deepspeed_stage, "gradient_accumulation_steps": "auto",
            "gradient_clipping": "auto", "offload_optimizer_device": "none",
            "offload_param_device": "none", "zero3_init_flag": deepspeed_stage == 3,
            "zero3_save_16bit_model": deepspeed_stage == 3,
        }
    return config


def write_accelerate_config(
    path: str | Path, num_gpus: int, mixed_precision: str = "bf16", deepspeed_stage: int | None = None,
) -> Path:
    """Write ``accelerate_config(...)`` as YAML to ``path`` (for ``accelerate launch --config_file``)."""
    import yaml

    from xling.data.io import atomic_write_text

    config = accelerate_config(num_gpus, mixed_precision, deepspeed_stage)
    return atomic_write_text(path, yaml.safe_dump(config, sort_keys=False))
