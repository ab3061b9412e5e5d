"""Scaling out: the verl export round-trips, and accelerate configs for several GPUs are valid.

Run: pytest tests/test_verl_export.py -v
"""

from __future__ import annotations

import importlib.util

import pytest
import yaml

from xling.data.io import read_parquet
from xling.data.pools import load_pool, select
from xling.schema import XlingError
from xling.train.launch import accelerate_config, write_accelerate_config
from xling.train.verl_export import export_verl


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    examples = select(load_pool("sandbox", "en,de,zh"), ["en", "de", "zh"], "parallel", n=20)
    out = tmp_path_factory.mktemp("verl")
    return examples, out, export_verl(examples, out, val_fraction=0.2, seed=0, reward="combined")


def test_parquet_round_trip_in_verl_layout(exported):
    examples, out, (train_path, val_path) = exported
    train, val = read_parquet(train_path), read_parquet(val_path)
    assert len(train) + len(val) == 60 and len(val) == 12  # 4 of 20 problems x 3 languages
    assert not {r["extra_info"]["parallel_id"] for r in train} & {r["extra_info"]["parallel_id"] for r in val}
    row = train[0]
    assert set(row) == {"data_source", "prompt", "ability", "reward_model", "extra_info"}
    assert row["prompt"][0]["role"] == "user" and "\\boxed{}" in row["prompt"][0]["content"]
    assert row["ability"] == "math" and row["reward_model"]["style"] == "rule"
    assert set(row["extra_info"]) == {"lang", "parallel_id", "index", "split", "id"}
    assert [r["extra_info"]["index"] for r in train] == list(range(len(train)))


def test_every_row_scored_by_the_configured_verl_reward(exported):
    examples, out, (train_path, val_path) = exported
    config = yaml.safe_load((out / "verl_grpo.yaml").read_text())
    hook = config["custom_reward_function"]
    # Load the reward the way verl does: by file path, then the named function.
    spec = importlib.util.spec_from_file_location("custom_module", hook["path"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    compute_score = getattr(module, hook["name"])
    solutions = {e.id: e.solution for e in examples}
    for row in read_parquet(train_path) + read_parquet(val_path):
        gold, info = row["reward_model"]["ground_truth"], row["extra_info"]
        good = compute_score(row["data_source"], solutions[info["id"]], gold, info)
        bad = compute_score(row["data_source"], "\\boxed{-12345}", gold, info)
        assert good >= 0.5 and bad <= 0.5  # combined: accuracy (0.5) + consistency share (0.5)
    assert config["data"]["train_batch_size"] == 512 and config["actor_rollout_ref"]["actor"]["kl_loss_coef"] == 0.001


def test_export_refuses_bad_input(tmp_path):
    with pytest.raises(XlingError, match="no examples"):
        export_verl([], tmp_path)
    examples = select(load_pool("sandbox", "en"), ["en"], "single", n=2)
    with pytest.raises(XlingError, match="val_fraction"):
        export_verl(examples, tmp_path, val_fraction=1.0)
    with pytest.raises(XlingError, match="unknown reward"):
        export_verl(examples, tmp_path, reward="length")


@pytest.mark.parametrize("gpus,stage,kind", [(1, None, "NO"), (8, None, "MULTI_GPU"), (4, 3, "DEEPSPEED")])
def test_accelerate_config_by_construction(tmp_path, gpus, stage, kind):
    from accelerate.commands.config.config_args import ClusterConfig

    path = write_accelerate_config(tmp_path / "acc.yaml", gpus, deepspeed_stage=stage)
    config = ClusterConfig.from_yaml_file(str(path))  # accelerate's own parser accepts it
    assert config.num_processes == gpus and config.distributed_type.value == kind
    assert config.mixed_precision == "bf16"
    if stage:
        assert config.deepspeed_config["zero_stage"] == 3


@pytest.mark.parametrize("kwargs,match", [
    ({"num_gpus": 0}, "num_gpus"), ({"num_gpus": 2, "mixed_precision": "fp8"}, "mixed_precision"),
    ({"num_gpus": 2, "deepspeed_stage": 4}, "deepspeed_stage"),
])
def test_accelerate_config_refuses_bad_values(kwargs, match):
    with pytest.raises(XlingError, match=match):
        accelerate_config(**kwargs)
