"""RFT: keeps only correct, distinct samples; runs end to end on the hf backend.

Run: pytest tests/test_train_rft.py -v
"""

from __future__ import annotations

import json
import random

import pytest

from xling.languages import build_prompt
from xling.schema import Example, Generation, XlingError
from xling.train import train
from xling.train.rft import RFTConfig, keep_correct


def _gen(text: str, finish: str = "stop") -> Generation:
    return Generation(text=text, prompt_tokens=5, completion_tokens=5, finish_reason=finish)


def test_keep_correct_filters_and_deduplicates():
    examples = [Example("a-en", "a", "en", "q", "4"), Example("a-de", "a", "de", "q", "4"),
                Example("b-en", "b", "en", "q", "9")]
    gens = [
        [_gen("2+2=4 \\boxed{4}"), _gen("2+2 = 4  \\boxed{4}"), _gen("2+2=4 \\boxed{4} "),
         _gen("\\boxed{5}"), _gen("", "error")],
        [_gen("2 plus 2 ist 4. \\boxed{4}")],
        [_gen("\\boxed{8}"), _gen("no idea")],
    ]
    kept, stats = keep_correct(examples, gens)
    assert [e.solution for e in kept] == ["2+2=4 \\boxed{4}", "2+2 = 4  \\boxed{4}",
                                          "2 plus 2 ist 4. \\boxed{4}"]
    assert len({e.id for e in kept}) == 3 and kept[0].parallel_id == "a"
    assert stats["problems"] == 3 and stats["samples"] == 8 and stats["correct"] == 4
    assert stats["kept"] == 3 and stats["solved"] == 2
    assert stats["per_lang"]["en"] == {"problems": 2, "samples": 7, "correct": 3, "kept": 2, "solved": 1}
    capped, _ = keep_correct(examples, gens, max_per_problem=1)
    assert len(capped) == 2


def test_rft_config_validation():
    with pytest.raises(XlingError, match="unknown sft field"):
        RFTConfig(sft={"epoch": 3})
    with pytest.raises(XlingError, match="k must be"):
        RFTConfig(k=0)


@pytest.mark.slow
def test_rft_end_to_end_on_hf_backend(tmp_path):
    """Sampler: a tiny model warmed up to answer \\boxed{3|5|7}; gold is 7, so about a third of
    the samples are correct and RFT fine-tunes on those."""
    from xling.tiny import build_tiny_model

    rng = random.Random(0)
    questions = [Example(f"l{i}", f"l{i}", "en", f"Problem {i}: what is the lucky number?", "7")
                 for i in range(24)]
    warm = [Example(e.id, e.parallel_id, "en", e.question, e.answer,
                    solution=f"\\boxed{{{rng.choice('357')}}}") for e in questions]
    texts = [build_prompt(e.question, "en") + " " + e.solution for e in warm] * 3
    base = build_tiny_model(tmp_path / "base", texts, vocab_size=400)
    sampler = train("sft", str(base), warm, tmp_path / "warm", {"epochs": 8, "learning_rate": 3e-3, "max_length": 128})
    out = tmp_path / "rft"
    ckpt = train("rft", str(base), questions[:8], out, {
        "k": 4, "max_new_tokens": 8, "sampler": str(sampler),
        "backend_kwargs": {"batch_size": 8}, "sft": {"max_length": 128, "trl": {"max_steps": 2}},
    })
    stats = json.loads((out / "rft_stats.json").read_text())
    assert stats["problems"] == 8 and stats["samples"] == 32
    assert 0 < stats["kept"] <= stats["correct"] < 32
    assert (ckpt / "config.json").exists()
    rows = [json.loads(line) for line in (out / "rft_samples.jsonl").read_text().splitlines()]
    assert len(rows) == stats["kept"] and all("\\boxed{7" in r["solution"] for r in rows)


def test_keep_correct_scores_a_choice_item_by_its_scorer():
    """RFT's filter uses the item's scorer kind (as the RL rewards do): a letter answer to a
    multiple-choice item is correct, which the math checker would reject."""
    from xling.schema import Example, Generation
    from xling.train.rft import keep_correct

    e = Example("q1", "q1", "en", "Which is a colour?", "B", choices=("stone", "blue", "seven"),
                meta={"scorer": "choice"})
    gens = [Generation(text=t, prompt_tokens=5, completion_tokens=5) for t in
            ("The answer is (B).", "\\boxed{C}", "\\boxed{blue}")]
    kept, stats = keep_correct([e], [gens])
    assert [k.solution for k in kept] == ["The answer is (B).", "\\boxed{blue}"]
    assert stats["correct"] == 2


def test_keep_correct_reads_the_finish_reason_as_evaluation_does():
    """An answer inside a thinking block cut by the length cap is not kept (evaluation calls it
    truncated-thinking); the same text from a model that stopped on its own is."""
    from xling.schema import Example, Generation
    from xling.train.rft import keep_correct

    ex = Example("q-1", "q-1", "en", "2+2?", "4")
    text = "<think>2 + 2 = 4, so \\boxed{4}"
    kept, stats = keep_correct([ex, ex], [[Generation(text, 3, 9, "length")],
                                          [Generation(text, 3, 9, "stop")]])
    assert stats["correct"] == 1 and len(kept) == 1
