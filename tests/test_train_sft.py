"""SFT: the loss falls, the checkpoint loads and generates; LoRA merges; bad input is refused.

Run: pytest tests/test_train_sft.py -v  (about half a minute on 2 CPU cores)
"""

from __future__ import annotations

import pytest
import yaml

from xling.data.io import read_jsonl
from xling.data.pools import load_pool, select
from xling.schema import Example, XlingError
from xling.train import train
from xling.train.sft import SFTConfig, run_sft, sft_row


@pytest.fixture(scope="module")
def sandbox_de():
    return select(load_pool("sandbox", "de"), ["de"], "single", n=16, seed=0)


@pytest.mark.slow
def test_sft_lowers_loss_and_leaves_a_usable_checkpoint(tiny_model, sandbox_de, tmp_path):
    from transformers import AutoModelForCausalLM

    from xling.generate import SamplingParams, get_generator

    out = tmp_path / "sft"
    ckpt = train("sft", str(tiny_model), sandbox_de, out,
                 {"epochs": 3, "learning_rate": 3e-3, "batch_size": 4, "max_length": 256})
    losses = [r["loss"] for r in read_jsonl(out / "train_log.jsonl") if "loss" in r]
    assert len(losses) == 12  # 16 examples / 4 per step x 3 epochs
    print(f"SFT loss: first {losses[0]:.2f} -> last {losses[-1]:.2f}")
    assert sum(losses[-3:]) / 3 < 0.7 * losses[0]
    assert AutoModelForCausalLM.from_pretrained(ckpt).config.model_type == "qwen2"
    gens = get_generator("hf", str(ckpt)).generate(["Frage: 2+2?"], SamplingParams(max_new_tokens=8))
    assert len(gens) == 1 and gens[0][0].completion_tokens > 0
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["paradigm"] == "sft" and config["config"]["learning_rate"] == 3e-3


@pytest.mark.slow
def test_sft_lora_chat_checkpoint_is_merged(tiny_model, sandbox_de, tmp_path):
    from transformers import AutoModelForCausalLM

    ckpt = train("sft", str(tiny_model), sandbox_de[:4], tmp_path / "lora", {
        "lora": {"r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"]},
        "max_length": 256, "chat": True, "trl": {"max_steps": 2},
    })
    assert not (ckpt / "adapter_config.json").exists()
    merged, base = (dict(AutoModelForCausalLM.from_pretrained(p).named_parameters())
                    for p in (ckpt, tiny_model))
    assert merged.keys() == base.keys()  # plain weights, no lora_A/lora_B left
    # The adapter was merged into the attention projections it targeted, and only there.
    changed = {name for name in base if not (merged[name] - base[name]).abs().max() == 0}
    assert changed and all(("q_proj" in n or "v_proj" in n) for n in changed)


def test_prompt_completion_rows():
    e = Example("a", "a", "de", "Wie viel ist 2+2?", "4", solution="2+2=4 \\boxed{4}")
    row = sft_row(e, "standard", chat=False)
    assert row["prompt"].startswith("Wie viel ist 2+2?\n") and row["completion"] == " 2+2=4 \\boxed{4}"
    chat = sft_row(e, "consistency", chat=True)
    assert chat["prompt"][0]["role"] == "user" and "Deutsch" in chat["prompt"][0]["content"]
    assert chat["completion"] == [{"role": "assistant", "content": "2+2=4 \\boxed{4}"}]


def test_sft_refuses_examples_without_solutions(tmp_path):
    with pytest.raises(XlingError, match="1 of 1 have none"):
        run_sft("/nonexistent", [Example("a", "a", "en", "q", "1")], SFTConfig(), tmp_path)


@pytest.mark.parametrize("kwargs,match", [
    ({"prompt_style": "loud"}, "unknown prompt_style"),
    ({"learning_rate": 0}, "learning_rate"),
    ({"lora": 8}, "lora"),
])
def test_sft_config_validation(kwargs, match):
    with pytest.raises(XlingError, match=match):
        SFTConfig(**kwargs)
