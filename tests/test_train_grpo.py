"""GRPO: it learns (reward rises), logs what study A needs, resumes, refuses bad configs early.

The learning test uses a "lucky number" world: every question's answer is 7, and a short SFT
warm-up teaches the format ``\\boxed{d}`` with d drawn from {3, 5, 7} at random, so the
warmed-up model is right about a third of the time. GRPO with the accuracy reward must then
raise the mean reward. Run: pytest tests/test_train_grpo.py -v  (the slow ones take ~2 min)
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from xling.data.io import read_jsonl
from xling.data.pools import load_pool, select
from xling.languages import build_prompt
from xling.schema import Example, XlingError
from xling.train import make_config, train
from xling.train.grpo import GRPOConfig, trl_fields

DIGITS = ("3", "5", "7")


def lucky_examples(n: int = 120, seed: int = 0) -> tuple[list[Example], list[Example]]:
    """(GRPO examples with answer 7, SFT warm-up examples with a random boxed digit)."""
    rng = random.Random(seed)
    grpo = [Example(f"l{i}", f"l{i}", "en", f"Problem {i}: what is the lucky number?", "7")
            for i in range(n)]
    warm = [Example(e.id, e.parallel_id, "en", e.question, e.answer,
                    solution=f"\\boxed{{{rng.choice(DIGITS)}}}") for e in grpo]
    return grpo, warm


@pytest.fixture(scope="module")
def lucky_model(tmp_path_factory) -> Path:
    """A tiny model warmed up by SFT to answer ``\\boxed{3|5|7}`` (the format, not the answer)."""
    from xling.tiny import build_tiny_model

    root = tmp_path_factory.mktemp("lucky")
    grpo, warm = lucky_examples()
    texts = [build_prompt(e.question, "en") + " " + e.solution for e in warm] * 3
    base = build_tiny_model(root / "base", texts, vocab_size=400)
    return train("sft", str(base), warm, root / "sft",
                 {"epochs": 3, "learning_rate": 3e-3, "batch_size": 8, "max_length": 128})


def _rewards(out: Path) -> list[float]:
    return [r["reward"] for r in read_jsonl(out / "train_log.jsonl") if "reward" in r]


@pytest.mark.slow
def test_grpo_raises_mean_reward(lucky_model, tmp_path):
    grpo, _ = lucky_examples()
    out = tmp_path / "grpo"
    ckpt = train("grpo", str(lucky_model), grpo, out, {
        "learning_rate": 5e-4, "num_generations": 8, "per_device_batch": 16,
        "max_completion_length": 12, "epochs": 1, "trl": {"max_steps": 40},
    })
    rewards = _rewards(out)
    assert len(rewards) == 40
    first, last = sum(rewards[:3]) / 3, sum(rewards[-10:]) / 10
    print(f"GRPO mean reward: first 3 steps {first:.2f} -> last 10 steps {last:.2f}\n{rewards}")
    assert first < 0.6, "the warm-up should leave room to learn"
    assert last - first >= 0.3, f"reward did not rise: {rewards}"
    assert (ckpt / "config.json").exists() and (out / "config.yaml").exists()


@pytest.mark.slow
def test_grpo_resumes_from_last_checkpoint(lucky_model, tmp_path):
    import shutil

    grpo, _ = lucky_examples(16)
    out = tmp_path / "resume"
    cfg = {"num_generations": 4, "max_completion_length": 8, "save_steps": 2}
    train("grpo", str(lucky_model), grpo, out, {**cfg, "trl": {"max_steps": 3}})
    # Simulate a kill after step 3 but before its checkpoint was written.
    shutil.rmtree(out / "trl" / "checkpoint-3")
    train("grpo", str(lucky_model), grpo, out, {**cfg, "trl": {"max_steps": 5}})
    steps = [r["step"] for r in read_jsonl(out / "train_log.jsonl") if "loss" in r]
    assert steps == [1, 2, 3, 4, 5]  # steps 1-2 not redone, 3 redone once, 4-5 new
    assert (out / "trl" / "checkpoint-5").is_dir()


@pytest.mark.slow
def test_grpo_combined_reward_consistency_prompt_chat_logs_study_metrics(tiny_model, tmp_path):
    examples = select(load_pool("sandbox", "de"), ["de"], "single", n=4)
    out = tmp_path / "combined"
    ckpt = train("grpo", str(tiny_model), examples, out, {
        "reward": "combined", "reward_weights": [0.5, 0.5], "prompt_style": "consistency", "chat": True,
        "num_generations": 4, "max_completion_length": 8, "beta": 0.001, "trl": {"max_steps": 2},
    })
    row = [r for r in read_jsonl(out / "train_log.jsonl") if "loss" in r][-1]
    for key in ("loss", "reward", "reward_std", "kl", "completions/mean_length", "lang/consistent",
                "rewards/accuracy_reward/mean", "rewards/consistency_reward/mean"):
        assert key in row, key
    from transformers import AutoModelForCausalLM

    # The saved checkpoint is the whole policy (not an adapter or a value-head wrapper).
    assert (AutoModelForCausalLM.from_pretrained(ckpt).num_parameters()
            == AutoModelForCausalLM.from_pretrained(tiny_model).num_parameters())


@pytest.mark.slow
def test_cold_start_and_mixed_language_grpo(tiny_model, tmp_path):
    pool = load_pool("sandbox", "en,de,zh")
    mixed = select(pool, ["en", "de", "zh"], "mixed", n=4, seed=0)
    ckpt = train("sft+grpo", str(tiny_model), mixed, tmp_path / "cold", {
        "sft": {"trl": {"max_steps": 2}, "max_length": 256},
        "grpo": {"num_generations": 4, "max_completion_length": 8, "trl": {"max_steps": 1}},
    })
    assert ckpt == tmp_path / "cold" / "grpo" / "checkpoint" and (ckpt / "config.json").exists()
    assert (tmp_path / "cold" / "sft" / "checkpoint" / "config.json").exists()


def test_paper_preset_maps_onto_trl_fields():
    fields = trl_fields(GRPOConfig(preset="paper"), world_size=1)
    assert fields["learning_rate"] == 1e-6 and fields["temperature"] == 1.0
    assert fields["beta"] == 0.001 and fields["num_train_epochs"] == 3
    # 512 prompts x 8 completions per update = 8 per micro-batch x 512 accumulation steps
    assert fields["per_device_train_batch_size"] * fields["gradient_accumulation_steps"] == 512 * 8
    override = trl_fields(GRPOConfig(preset="paper", learning_rate=2e-6, trl={"beta": 0.0}))
    assert override["learning_rate"] == 2e-6 and override["beta"] == 0.0


@pytest.mark.parametrize("paradigm,config,preset,match", [
    ("ppo", {}, None, "unknown paradigm 'ppo'; known: sft, rft, grpo, sft\\+grpo"),
    ("grpo", {"rewards": "accuracy"}, None, "grpo config: unknown key 'rewards'"),
    ("grpo", {"learning_rate": "1e-4"}, None,  # typed as a study file's paradigm_config is
     r"grpo config: learning_rate: expected a number or null, got '1e-4' \(a string"),
    ("grpo", {"reward": "length"}, None, "unknown reward"),
    ("grpo", {"reward": "combined", "reward_weights": [0.7, 0.7]}, None, "sum to 1"),
    ("grpo", {"reward": "combined", "reward_weights": [1.5, -0.5]}, None, "non-negative"),
    ("grpo", {"trl": {"not_a_field": 1}}, None, "unknown trl.GRPOConfig field"),
    ("grpo", {"rollout_batch": 3, "num_generations": 4, "per_device_batch": 8}, None, "multiple"),
    ("grpo", {}, "llama", "unknown preset"),
    ("sft", {}, "paper", "presets apply to grpo"),
    ("sft", {"trl": {"nope": 1}}, None, "unknown trl.SFTConfig field"),
    ("rft", {"sft": {"epoch": 1}}, None, "unknown sft field"),
    ("sft+grpo", {"grpo": {"reward": "combined", "reward_weights": [1, 1]}}, None, "sum to 1"),
])
def test_bad_config_refused_before_loading(paradigm, config, preset, match):
    examples = [Example("a", "a", "en", "q", "1", solution="\\boxed{1}")]
    with pytest.raises(XlingError, match=match):
        train(paradigm, "/nonexistent/model", examples, "/nonexistent/out", config, preset)


def test_unknown_language_and_missing_model_refused():
    with pytest.raises(XlingError, match="unknown language 'xx'"):
        train("grpo", "/nonexistent/model", [Example("a", "a", "xx", "q", "1")], "/tmp/x")
    with pytest.raises(XlingError, match="model path not found"):
        train("grpo", "/nonexistent/model", [Example("a", "a", "en", "q", "1")], "/tmp/x")
    assert make_config("grpo", {"reward": "combined"}, "paper").preset == "paper"


def _xling(*args, timeout=300):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "xling.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_cli_grpo_then_eval_loads_the_checkpoint(tiny_model, tmp_path):
    config = tmp_path / "grpo.yaml"
    config.write_text("num_generations: 4\nmax_completion_length: 8\ntrl: {max_steps: 1}\n")
    run = _xling("train", "grpo", "--model", tiny_model, "--pool", "sandbox", "--langs", "de",
                 "--n", "4", "--config", config, "--reward", "combined",
                 "--prompt-style", "consistency", "--out", tmp_path / "rl")
    assert run.returncode == 0, run.stderr[-2000:]
    ckpt = Path(run.stdout.strip().splitlines()[-1])
    assert ckpt == tmp_path / "rl" / "checkpoint"
    ev = _xling("eval", "--model", ckpt, "--benchmark", "sandbox", "--langs", "de", "--limit", "2",
                "--max-new-tokens", "8", "--out", tmp_path / "eval")
    assert ev.returncode == 0, ev.stderr[-2000:]


@pytest.mark.slow  # two CLI processes (imports only), ~10 s
def test_cli_bad_config_is_one_line_error(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("reward_weights: [0.7, 0.7]\n")
    run = _xling("train", "grpo", "--model", "/nonexistent", "--langs", "de", "--config", config,
                 "--reward", "combined", "--out", tmp_path / "x")
    assert run.returncode == 1
    assert run.stderr.strip().splitlines()[-1].startswith("error: ") and "sum to 1" in run.stderr
    assert "Traceback" not in run.stderr
    run = _xling("train", "grpo", "--model", "/nonexistent", "--pool", "gsm8k", "--langs", "de",
                 "--out", tmp_path / "x")
    assert run.returncode == 1 and "it has: en" in run.stderr
