"""The scorer kind travels with a training pool: RL rewards score choice and IFEval items with
their own scorer, not as math. Run: pytest tests/test_rewards_scorer_kinds.py -v"""

from __future__ import annotations

import json

import yaml

from xling.data.pools import load_pool
from xling.train.grpo import grpo_row
from xling.train.rewards import accuracy_reward, to_trl


def _card(tmp_path, scorer, rows, fields):
    (tmp_path / "en.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "card.yaml").write_text(yaml.safe_dump(
        {"name": f"pool-{scorer}", "files": {"en": "en.jsonl"}, "fields": fields, "scorer": scorer}))
    return tmp_path


def _reward(examples, completions):
    rows = [grpo_row(e, "standard", chat=False) for e in examples]
    columns = {k: [r[k] for r in rows] for k in ("answer", "lang", "scorer", "meta", "choices")}
    return rows, to_trl(accuracy_reward)(prompts=[r["prompt"] for r in rows],
                                         completions=completions, **columns)


def test_ifeval_pool_is_rewarded_by_its_instructions(tmp_path):
    rows = [{"key": 1, "prompt": "Write about cats in lowercase letters only.",
             "instruction_id_list": ["change_case:english_lowercase"], "kwargs": [{}]}]
    folder = _card(tmp_path, "ifeval", rows, {"id": "key", "question": "prompt",
                                              "instruction_id_list": "instruction_id_list",
                                              "kwargs": "kwargs"})
    examples = load_pool(folder, ["en"])
    assert examples[0].meta["scorer"] == "ifeval"
    grpo_rows, rewards = _reward(examples * 2, ["cats are small and soft.", "Cats Are Small."])
    assert grpo_rows[0]["prompt"] == rows[0]["prompt"]  # the raw instruction prompt
    assert rewards == [1.0, 0.0]


def test_choice_pool_is_rewarded_by_letter_and_prompt_lists_options(tmp_path):
    rows = [{"id": "q1", "q": "Which is a colour?", "options": ["stone", "blue", "seven"],
             "gold": "B"}]
    folder = _card(tmp_path, "choice", rows, {"id": "id", "question": "q", "choices": "options",
                                              "answer": "gold"})
    examples = load_pool(folder, ["en"])
    grpo_rows, rewards = _reward(examples * 3, ["The answer is (B).", "\\boxed{blue}", "\\boxed{2}"])
    assert "B. blue" in grpo_rows[0]["prompt"]
    assert rewards == [1.0, 1.0, 0.0]


def test_math_rows_are_unchanged():
    assert accuracy_reward(["so \\boxed{4}", "\\boxed{5}"], ["4", "4"], ["en", "en"]) == [1.0, 0.0]
