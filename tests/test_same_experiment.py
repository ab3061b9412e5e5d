"""A study cell is the same experiment on TRL and on verl: the rows each engine would train on.

One GRPO cell (seed 3, a plain or a chat prompt) is run up to the point where each engine takes
over: TRL's ``GRPOTrainer`` is replaced by a stand-in that records what it was given, and the
verl cell stops at its export (``AwaitingExternal``). The test then compares, row by row: the
problems and their order, the prompt's token ids as each engine renders them (TRL: the plain
text tokenized as it is, or the chat template; verl: the template the export hands it, as verl's
agent loop applies it), the reward columns, the reward of sample completions (TRL's reward
functions with their weights against verl's hook from the exported reward file) and every seed.
tests/test_verl_export.py checks the same prompt ids with verl's own token builder.
Run: pytest tests/test_same_experiment.py -v
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

from xling.data.io import read_parquet
from xling.schema import XlingError
from xling.store import AwaitingExternal
from xling.study.grid import resolve_cells
from xling.study.runner import run_cell, run_study
from xling.study.spec import parse_spec

SEED = 3


class Captured(Exception):
    """Raised by the stand-in trainer once it has recorded its arguments."""


def study(tmp_path: Path, base: Path, chat: bool, engine: str, seed_in_config: int | None = None):
    grpo = {"reward": "combined", "prompt_style": "consistency", "chat": chat,
            "num_generations": 2, "max_completion_length": 8, "learning_rate": 1e-5}
    if seed_in_config is not None:
        grpo["seed"] = seed_in_config
    spec = {"name": f"same-{engine}", "base_model": str(base), "out": str(tmp_path / engine),
            "pool": {"name": "sandbox", "n": 6},
            "grid": {"paradigms": ["grpo"], "train_langs": [["de"]], "seeds": [SEED]},
            "paradigm_config": {"grpo": grpo},
            "eval": {"benchmarks": ["sandbox"], "langs": "de", "limit": 2, "max_new_tokens": 8}}
    if engine == "verl":
        spec["verl"] = {"paradigms": ["grpo"], "gpus": 1}
    return parse_spec(spec, f"{engine}.yaml")


def trained_cell(spec):
    return next(c for c in resolve_cells(spec) if c.spec.paradigm != "base")


def trl_side(tmp_path, base, chat, monkeypatch) -> dict:
    """What TRL's GRPOTrainer is handed for the cell."""
    import trl

    seen: dict = {}

    def stand_in(**kwargs):
        seen.update(kwargs)
        raise Captured

    monkeypatch.setattr(trl, "GRPOTrainer", stand_in)
    spec = study(tmp_path, base, chat, "trl")
    with pytest.raises(Captured):
        run_cell(spec, trained_cell(spec), str(base))
    return seen


def verl_side(tmp_path, base, chat) -> tuple[list[dict], dict, Path]:
    """The verl export of the same cell: train rows, config, reward file."""
    spec = study(tmp_path, base, chat, "verl")
    cell = trained_cell(spec)
    with pytest.raises(AwaitingExternal):
        run_cell(spec, cell, str(base))
    export = cell.run.root.resolve() / "verl"
    config = yaml.safe_load((export / "verl_grpo.yaml").read_text(encoding="utf-8"))
    return read_parquet(export / "train.parquet"), config, export / "xling_reward.py"


def _module(path: Path):
    spec = importlib.util.spec_from_file_location("same_experiment_reward", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("chat", [False, True], ids=["plain", "chat"])
def test_trl_and_verl_train_on_the_same_rows(tmp_path, sandbox_base, monkeypatch, chat):
    from transformers import AutoTokenizer

    trl_given = trl_side(tmp_path, sandbox_base, chat, monkeypatch)
    verl_rows, config, reward_file = verl_side(tmp_path, sandbox_base, chat)
    trl_rows = list(trl_given["train_dataset"])

    # The same problems, in the same order (one selection, the cell's seed).
    assert [r["id"] for r in trl_rows] == [r["extra_info"]["id"] for r in verl_rows]
    assert len(trl_rows) == 6

    # The prompt each engine renders, in token ids.
    tok = AutoTokenizer.from_pretrained(sandbox_base)
    template = config["actor_rollout_ref"]["model"].get("custom_chat_template")
    assert (template is None) == chat  # a plain prompt brings its own template to verl
    for trl_row, verl_row in zip(trl_rows, verl_rows, strict=True):
        if chat:  # TRL renders conversational prompts with the chat template
            trl_ids = tok.apply_chat_template(trl_row["prompt"], add_generation_prompt=True,
                                              tokenize=True, return_dict=True)["input_ids"]
        else:  # ... and tokenizes a plain prompt as it is
            assert isinstance(trl_row["prompt"], str)
            trl_ids = tok(text=[trl_row["prompt"]])["input_ids"][0]
        verl_ids = tok.apply_chat_template(list(verl_row["prompt"]), chat_template=template,
                                           add_generation_prompt=True, tokenize=True,
                                           return_dict=True)["input_ids"]
        assert verl_ids == trl_ids
        assert ("<|im_start|>" in tok.decode(trl_ids)) == chat  # the form asked for, on both

        # The columns the reward reads.
        info = verl_row["extra_info"]
        assert verl_row["reward_model"]["ground_truth"] == trl_row["answer"]
        for key in ("lang", "parallel_id", "scorer", "choices", "meta"):
            assert info[key] == trl_row[key], key

    # The reward of sample completions: TRL's functions with their weights, verl's hook.
    hook = getattr(_module(reward_file), config["reward"]["custom_reward_function"]["name"])
    funcs, weights = trl_given["reward_funcs"], list(trl_given["args"].reward_weights)
    columns = {k: [v] for k, v in trl_rows[0].items() if k != "prompt"}
    answer = trl_rows[0]["answer"]
    for completion in (f"Also ist die Antwort \\boxed{{{answer}}}.", "\\boxed{-7}",
                       f"So the answer is \\boxed{{{answer}}}."):
        trl_total = sum(w * f(prompts=["p"], completions=[completion], **columns)[0]
                        for f, w in zip(funcs, weights, strict=True))
        verl_total = hook(verl_rows[0]["data_source"], completion, answer, verl_rows[0]["extra_info"])
        assert trl_total == pytest.approx(verl_total)

    # Every seed is the cell's.
    args = trl_given["args"]
    assert args.seed == args.data_seed == SEED
    ref = config["actor_rollout_ref"]
    assert (config["data"]["seed"], ref["rollout"]["seed"], ref["actor"]["data_loader_seed"],
            ref["actor"]["fsdp_config"]["seed"], ref["ref"]["fsdp_config"]["seed"]) == (SEED,) * 5


def test_a_config_seed_other_than_the_cells_is_refused_before_anything_runs(tmp_path, sandbox_base):
    spec = study(tmp_path, sandbox_base, False, "trl", seed_in_config=5)
    with pytest.raises(XlingError, match=r"trl\.yaml: cell GRPO\(de\): grpo config sets seed 5, "
                                         r"but the cell's seed is 3"):
        run_study(spec)
    assert not any((tmp_path / "trl").glob("*/train/config.yaml"))


def test_only_cells_of_another_seed_change_their_keys(tmp_path, sandbox_base):
    """The trainer's seed is the cell's now: a seed-0 cell trained with seed 0 before too and
    keeps its directory; a cell of another seed trains differently and gets a new key."""
    from xling.study.spec import parse_spec as parse

    def cell(seed):  # one study per seed (a grid's cells of several seeds share a label)
        spec = parse({"name": "keys", "base_model": str(sandbox_base), "out": str(tmp_path),
                      "grid": {"paradigms": ["sft"], "train_langs": [["de"]], "seeds": [seed]}},
                     "keys.yaml")
        return trained_cell(spec)

    zero, three = cell(0), cell(SEED)
    assert "trainer_seed" not in zero.resolved and three.resolved["trainer_seed"] == SEED
    from xling.study.grid import train_config

    assert train_config(three)["seed"] == SEED and train_config(zero)["seed"] == 0


def test_a_plain_prompt_keeps_the_bos_a_tokenizer_adds(tmp_path, sandbox_base):
    """TRL tokenizes a plain prompt with the tokenizer's special tokens; for a tokenizer that
    prepends a BOS (Llama-style) the exported template renders that BOS first, so verl's ids
    are TRL's; a tokenizer that adds nothing (Qwen2.5, the sandbox's) gets the bare prompt."""
    from tokenizers.processors import TemplateProcessing
    from transformers import AutoTokenizer

    from xling.train.verl_export import PLAIN_CHAT_TEMPLATE, plain_chat_template

    assert plain_chat_template(str(sandbox_base)) == PLAIN_CHAT_TEMPLATE
    tok = AutoTokenizer.from_pretrained(sandbox_base)
    tok.backend_tokenizer.post_processor = TemplateProcessing(
        single=f"{tok.bos_token} $A", special_tokens=[(tok.bos_token, tok.bos_token_id)])
    tok.save_pretrained(tmp_path / "bos")
    tok = AutoTokenizer.from_pretrained(tmp_path / "bos")
    template = plain_chat_template(str(tmp_path / "bos"))
    prompt = "Wie viele Äpfel hat sie?"
    trl_ids = tok(text=[prompt])["input_ids"][0]
    assert trl_ids[0] == tok.bos_token_id
    verl_ids = tok.apply_chat_template([{"role": "user", "content": prompt}], chat_template=template,
                                       add_generation_prompt=True, tokenize=True,
                                       return_dict=True)["input_ids"]
    assert verl_ids == trl_ids
