"""Rewards: values on fixed cases; the TRL and verl adapters score alike.  Run: pytest tests/test_rewards.py"""

from __future__ import annotations

import pytest

from xling.schema import XlingError
from xling.train import rewards
from xling.train.rewards import (
    REWARDS,
    accuracy_reward,
    check_weights,
    combined_reward,
    consistency_reward,
    get_reward,
    to_trl,
    to_verl,
)

DE = "Sie hat drei Äpfel und kauft zwei weitere Äpfel dazu, also hat sie jetzt fünf Äpfel. \\boxed{5}"
EN = "She has three apples and buys two more apples, so now she has five apples. \\boxed{5}"
MIXED = ("Sie hat drei Äpfel und kauft zwei weitere Äpfel dazu, also hat sie fünf.\n"
         "She has three apples and buys two more apples, so she has five. \\boxed{5}")
WRONG_DE = "Sie hat drei Äpfel und kauft zwei weitere Äpfel dazu, also hat sie sechs. \\boxed{6}"
CASES = {  # completion, gold, question language
    "completions": [DE, EN, MIXED, WRONG_DE, "\\boxed{5}"],
    "answer": ["5", "5", "5", "5", "5"],
    "lang": ["de", "de", "de", "de", "de"],
}


def test_accuracy_reward():
    assert accuracy_reward(**CASES) == [1.0, 1.0, 1.0, 0.0, 1.0]


def test_consistency_reward_scores_share_of_question_language():
    scores = consistency_reward(**CASES)
    assert scores[0] == 1.0 and scores[1] == 0.0 and scores[3] == 1.0
    assert 0.3 < scores[2] < 0.7  # half German, half English
    assert scores[4] == 0.0  # no detectable language: no credit


def test_combined_reward_is_weighted_sum():
    acc, cons = accuracy_reward(**CASES), consistency_reward(**CASES)
    assert combined_reward(**CASES) == pytest.approx([0.5 * a + 0.5 * c for a, c in zip(acc, cons, strict=True)])
    assert combined_reward(**CASES, weights=(1.0, 0.0)) == acc
    assert combined_reward(**CASES, weights=[0.25, 0.75]) == pytest.approx(
        [0.25 * a + 0.75 * c for a, c in zip(acc, cons, strict=True)])


@pytest.mark.parametrize("weights", [(0.5, 0.6), (1.5, -0.5), (1.0,), (0.2, 0.2, 0.6)])
def test_bad_weights_refused(weights):
    with pytest.raises(XlingError, match="weights"):
        check_weights(weights)


def test_unknown_reward_lists_known():
    with pytest.raises(XlingError, match="known: accuracy, consistency, combined"):
        get_reward("length")


@pytest.mark.parametrize("name", sorted(REWARDS))
def test_trl_and_verl_adapters_agree(name):
    fn = get_reward(name).fn
    logged = {}
    conversational = [[{"role": "assistant", "content": c}] for c in CASES["completions"]]
    trl_scores = to_trl(fn)(prompts=["q"] * 5, completions=conversational, answer=CASES["answer"],
                            lang=CASES["lang"], trainer_state=None, log_metric=logged.__setitem__)
    verl = to_verl(fn)
    verl_scores = [verl("xling/test", c, a, {"lang": lg})
                   for c, a, lg in zip(CASES["completions"], CASES["answer"], CASES["lang"], strict=True)]
    assert trl_scores == verl_scores == fn(**CASES)
    # dominant language German: DE, WRONG_DE and MIXED (about 51% German by letters)
    assert logged["lang/consistent"] == pytest.approx(3 / 5)


def test_module_level_verl_hooks():
    assert rewards.compute_score("d", DE, "5", {"lang": "de"}) == 1.0
    assert rewards.compute_score_combined("d", EN, "5", {"lang": "de"}) == 0.5
    with pytest.raises(XlingError, match="lang"):
        rewards.compute_score("d", DE, "5", {})


def test_consistency_reward_and_metric_read_the_scoring_function(monkeypatch):
    """One language-consistency function: the RL reward is scoring.language.language_share and
    the logged metric is scoring.language.is_consistent (evaluation's verdict), not copies."""
    from xling.scoring import language
    from xling.train import rewards

    monkeypatch.setattr(language, "language_share", lambda text, lang: 0.25)
    monkeypatch.setattr(language, "is_consistent", lambda text, lang: lang == "de")
    assert rewards.consistency_reward(["Hallo Welt, wie geht es?"], ["de"]) == [0.25]
    assert rewards.part_consistency_reward(["Hallo Welt"], ["de"], "all") == [0.25]
    logged = {}
    rewards.to_trl(rewards.consistency_reward)(
        completions=["a", "b"], lang=["de", "en"], log_metric=logged.__setitem__)
    assert logged == {"lang/consistent": 0.5}
    assert not hasattr(rewards, "language_share") and not hasattr(rewards, "in_language")
