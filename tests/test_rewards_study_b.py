"""Study B's interventional reward: λ-weighted accuracy, consistency (of a chosen part), format.

Run: pytest tests/test_rewards_study_b.py -v
"""

from __future__ import annotations

import pytest

from xling.schema import XlingError
from xling.train.rewards import (
    format_reward,
    get_reward,
    part_consistency_reward,
    weighted_reward,
)

EN = "First we add the two numbers and then we check the result carefully."
DE = "Wir addieren zuerst die beiden Zahlen und prüfen dann das Ergebnis sorgfältig."
COMPLETIONS = [
    f"<think>{EN}</think> {DE} \\boxed{{4}}",  # English thinking, German answer, right
    f"<think>{DE}",                            # unclosed thinking
    f"{DE} \\boxed{{5}}",                      # no thinking, German, wrong
]


def test_format_needs_a_closed_block_and_a_box_after_it():
    assert format_reward(COMPLETIONS) == [1.0, 0.0, 1.0]
    assert format_reward([f"<think>\\boxed{{4}}</think> {DE}"]) == [0.0]  # box only in thinking


def test_consistency_reads_the_chosen_part():
    assert part_consistency_reward(COMPLETIONS, ["de"] * 3, "thinking") == [0.0, 1.0, 0.0]
    assert part_consistency_reward(COMPLETIONS, ["de"] * 3, "answer") == [1.0, 0.0, 1.0]
    whole = part_consistency_reward(COMPLETIONS, ["de"] * 3, "all")
    assert 0.0 < whole[0] < 1.0 and whole[1] == whole[2] == 1.0
    with pytest.raises(XlingError, match="unknown consistency part"):
        part_consistency_reward(COMPLETIONS, ["de"] * 3, "middle")


def test_weighted_reward_is_the_lambda_sum_of_its_terms():
    lam = {"accuracy": 1.0, "consistency": 0.5, "format": 0.25}
    got = weighted_reward(COMPLETIONS, ["4", "4", "4"], ["de"] * 3, weights=lam, part="thinking")
    # by hand: acc [1, 0, 0]; thinking consistency [0, 1, 0]; format [1, 0, 1]
    assert got == pytest.approx([1.0 + 0.25, 0.5, 0.25])
    assert weighted_reward(COMPLETIONS, ["4"] * 3, ["de"] * 3) == [1.0, 0.0, 0.0]  # accuracy only


@pytest.mark.parametrize("weights, message", [
    ({"accuracy": 1, "fluency": 1}, "unknown reward terms"),
    ({"accuracy": -1}, r"reward_lambdas\.accuracy: λ must be a finite number >= 0, got -1"),
    ({"accuracy": 0, "format": 0}, "not all 0"),
    ({"accuracy": "high"}, r"reward_lambdas\.accuracy: λ must be a finite number >= 0, got 'high'"),
    ({"accuracy": 1, "format": float("nan")}, r"reward_lambdas\.format: .* got nan"),
    ({"accuracy": float("inf")}, r"reward_lambdas\.accuracy: .* got inf"),
])
def test_bad_lambdas_are_refused(weights, message):
    with pytest.raises(XlingError, match=message):
        weighted_reward(COMPLETIONS, ["4"] * 3, ["de"] * 3, weights=weights)


def test_registered():
    assert get_reward("weighted").fn is weighted_reward and get_reward("format").fn is format_reward
