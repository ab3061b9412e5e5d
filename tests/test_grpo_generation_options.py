"""GRPO rollout generation options (TRL's vLLM and cache settings): mapped, and wrong combinations
refused before training starts. Run: pytest tests/test_grpo_generation_options.py -v"""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from xling.schema import XlingError
from xling.train.grpo import GRPOConfig, trl_fields


def test_options_map_onto_fields_trl_grpo_config_has():
    import trl

    names = {f.name for f in dataclasses.fields(trl.GRPOConfig)}
    for cfg in (GRPOConfig(use_vllm=True, vllm_mode="server", vllm_server_base_url="http://h:8000"),
                GRPOConfig(use_vllm=True, vllm_mode="colocate", vllm_gpu_memory_utilization=0.5),
                GRPOConfig(cache_implementation="static")):
        fields = trl_fields(cfg)
        assert set(fields) <= names
    assert trl_fields(GRPOConfig(cache_implementation="static"))["cache_implementation"] == "static"
    assert "use_vllm" not in trl_fields(GRPOConfig())


@pytest.mark.parametrize("kwargs, message", [
    ({"vllm_mode": "server"}, "need use_vllm: true"),
    ({"use_vllm": True, "cache_implementation": "static"}, "would be ignored"),
    ({"use_vllm": True, "vllm_mode": "remote"}, "'colocate' or 'server'"),
    ({"use_vllm": True, "vllm_server_base_url": "http://h:8000"}, "needs vllm_mode: server"),
    ({"use_vllm": True, "vllm_mode": "server", "vllm_gpu_memory_utilization": 0.5}, "colocate"),
    ({"use_vllm": True, "vllm_gpu_memory_utilization": 1.5}, r"in \(0, 1\]"),
])
def test_wrong_combinations_are_refused(kwargs, message):
    with pytest.raises(XlingError, match=message):
        GRPOConfig(**kwargs)


def test_unknown_cache_and_missing_vllm_fail_at_validation():
    import importlib.util

    from xling.train import make_config

    with pytest.raises(XlingError, match="unknown to transformers"):
        make_config("grpo", {"cache_implementation": "turbo"})
    if importlib.util.find_spec("vllm") is None:
        with pytest.raises(XlingError, match="needs vLLM installed"):
            make_config("grpo", {"use_vllm": True})


def test_a_study_file_sets_them_and_is_refused_before_running(tmp_path):
    from xling.study.spec import load_spec

    data = {"name": "s", "base_model": "sandbox", "grid": {"paradigms": ["grpo"],
            "train_langs": [["de"]]}, "eval": {"benchmarks": ["sandbox"], "limit": 2},
            "paradigm_config": {"grpo": {"cache_implementation": "static"}}}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    load_spec(path)
    data["paradigm_config"]["grpo"] = {"use_vllm": True, "cache_implementation": "static"}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(XlingError, match="s.yaml.*would be ignored"):
        load_spec(path)
