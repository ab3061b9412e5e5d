"""Reasoning models: the <think> split, its verdicts, language of each part, MTI with intervals.

Run: pytest tests/test_thinking.py -v
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from xling.data.io import read_parquet
from xling.evaluation.run import run_eval
from xling.evaluation.settings import EvalConfig
from xling.metrics import bootstrap_mti, mti, thinking_summary
from xling.schema import Generation, XlingError
from xling.scoring.thinking import read_completion, split_thinking


@pytest.mark.parametrize("text, prefilled, state, thinking, answer", [
    ("<think>Add them.</think> So \\boxed{4}.", False, "closed", "Add them.", "So \\boxed{4}."),
    ("Add them.</think>\\boxed{4}", False, "closed", "Add them.", "\\boxed{4}"),  # template opened it
    ("<think>Add them. 2 + 2 is", False, "unclosed", "Add them. 2 + 2 is", ""),
    ("Add them. 2 + 2 is", True, "unclosed", "Add them. 2 + 2 is", ""),
    ("The answer is \\boxed{4}.", False, "none", "", "The answer is \\boxed{4}."),
    ("<think>x</think>", False, "closed", "x", ""),
])
def test_split_states(text, prefilled, state, thinking, answer):
    part = split_thinking(text, prefilled=prefilled)
    assert (part.state, part.thinking, part.answer) == (state, thinking, answer)


def test_off_mode_never_splits():
    assert read_completion("<think>a</think>b", "off").answer == "<think>a</think>b"


DE_THINK = "Wir addieren zuerst die beiden Zahlen und prüfen dann das Ergebnis sorgfältig."
EN_THINK = "First we add the two numbers and then we check the result carefully."


class Scripted:
    """A generator that answers each question with its scripted completion (the stream sorts
    prompts by length, so completions are matched by question, not by call order)."""

    def __init__(self, by_question):
        self.by_question = by_question

    def generate(self, prompts, params):
        out = []
        for prompt in prompts:
            text = next(t for q, t in self.by_question.items() if prompt.startswith(q))
            # A completion that ends inside its thinking block was cut by the length cap.
            cut = text.rfind("<think>") > text.rfind("</think>") or text == "まだ考えています"
            out.append([Generation(text, 5, len(text.split()), "length" if cut else "stop")])
        return out


def test_eval_scores_the_answer_part_and_counts_each_state(tmp_path, shared_data):
    # MGSM de items 0-3 have golds 18, 3, 70000, 540 (mgsm_de.tsv).
    golds = ["18", "3", "70000", "540"]
    texts = [
        f"<think>{DE_THINK} 17 oder 18?</think> Die Antwort ist \\boxed{{{golds[0]}}}.",  # correct
        f"<think>{EN_THINK} Maybe {golds[1]}.",                                            # unclosed
        f"<think>{EN_THINK}</think>",                                                       # empty answer
        f"Die Antwort ist \\boxed{{{golds[3]}}}.",                                          # no thinking
    ]
    from xling.data import load_benchmark

    questions = [ex.question for ex in load_benchmark("mgsm", ["de"], limit=4)]
    cfg = EvalConfig(model="scripted", benchmark="mgsm", limit=4)
    result = run_eval(cfg, ["de"], tmp_path / "run",
                      generator=Scripted(dict(zip(questions, texts, strict=True))))
    rows = read_parquet(tmp_path / "run" / "eval" / "mgsm.parquet")
    assert [r["gold"] for r in rows] == golds
    assert [r["reason"] for r in rows] == ["boxed", "truncated-thinking", "empty-answer", "boxed"]
    assert [r["correct"] for r in rows] == [True, False, False, True]
    assert [r["think_state"] for r in rows] == ["closed", "unclosed", "closed", "none"]
    # The unclosed thinking mentions the gold (3) but is never scored as the answer.
    assert rows[1]["extracted"] is None
    assert [r["thinking_lang"] for r in rows] == ["de", "en", "en", None]
    assert rows[0]["response_lang"] == "de"
    stats = result["langs"]["de"]["thinking"]
    # By hand: thinking parts de, en, en -> 2 of 3 off-target; answer parts rows 0 and 3 (de, de).
    assert stats == pytest.approx({"n": 4, "with_thinking": 3, "unclosed": 1,
                                   "unclosed_finished": 0, "empty_answer": 1,
                                   "off_target_thinking": 2 / 3, "off_target_answer": 0.0,
                                   "mixed_thinking": 0.0})
    assert thinking_summary(rows, "de") == pytest.approx(stats)


def test_mixed_thinking_is_counted():
    rows = [{"thinking": "x", "thinking_lang": "de", "thinking_top_share": 0.6,
             "think_state": "closed", "reason": "boxed", "response_lang": "de"},
            {"thinking": "y", "thinking_lang": "de", "thinking_top_share": 1.0,
             "think_state": "closed", "reason": "boxed", "response_lang": "en"}]
    stats = thinking_summary(rows, "de")
    assert stats["mixed_thinking"] == 0.5 and stats["off_target_answer"] == 0.5


def test_bootstrap_mti_matches_the_formula_and_brackets_it():
    langs = ["en", "de", "zh"]
    rng = np.random.default_rng(1)
    init = (rng.random((80, 3)) < 0.3).astype(float)
    post = init.copy()
    post[:40, 0] = 1
    post[:20, 1] = 1
    out = bootstrap_mti(post, init, langs, n_boot=300)
    by_hand = mti(dict(zip(langs, post.mean(0), strict=True)),
                  dict(zip(langs, init.mean(0), strict=True)))
    gain = {lang: post[:, j].mean() - init[:, j].mean() for j, lang in enumerate(langs)}
    assert out["mti"] == pytest.approx((gain["de"] / gain["en"] + gain["zh"] / gain["en"]) / 2)
    assert out["mti"] == pytest.approx(by_hand)
    assert out["ci95"][0] < out["mti"] < out["ci95"][1]
    assert out["gains"] == pytest.approx(gain)
    for lang in langs:  # per-language gain intervals from the same paired resamples
        lo, hi = out["gains_ci95"][lang]
        assert lo <= gain[lang] <= hi
    assert out["gains_ci95"]["en"][0] > 0  # 40 of 80 items gained: clearly positive


def test_bootstrap_mti_undefined_without_source_gain():
    same = np.ones((5, 2))
    out = bootstrap_mti(same, same, ["en", "de"], n_boot=10)
    assert math.isnan(out["mti"]) and "no gain on the source" in out["undefined"]


class _Template:
    """A chat template like Qwen3's / R1's, which opens the thinking block itself."""

    chat_template = "<|user|>{content}<|assistant|><think>"

    def apply_chat_template(self, messages, tokenize, add_generation_prompt):
        assert not tokenize and add_generation_prompt
        return f"<|user|>{messages[0]['content']}<|assistant|><think>\n"


class PrefillScripted(Scripted):
    """A backend's chat call with an assistant prefix, rendered as hf and vllm render it
    (``render_prompt``, with the template when ``chat``); keeps what the model was given."""

    def __init__(self, by_question, chat):
        super().__init__(by_question)
        self.tokenizer = _Template() if chat else None
        self.given: list[str] = []

    def generate(self, prompts, params, *, assistant_prefix=None):
        from xling.generate import render_prompt

        self.given += [render_prompt(p, tokenizer=self.tokenizer, assistant_prefix=x)
                       for p, x in zip(prompts, assistant_prefix, strict=True)]
        return super().generate(prompts, params)


@pytest.mark.parametrize("chat", [False, True])
def test_think_prefill_opens_the_block_in_the_question_language(tmp_path, shared_data, chat):
    from xling.data import load_benchmark
    from xling.languages import get_language

    questions = [ex.question for ex in load_benchmark("mgsm", ["de", "ja"], limit=1)]
    texts = [f"{DE_THINK}</think> Die Antwort ist \\boxed{{18}}.", "まだ考えています"]
    gen = PrefillScripted({q: t for q, t in zip(questions, texts, strict=True)}, chat)
    cfg = EvalConfig(model="scripted", benchmark="mgsm", limit=1, prompt_style="think-prefill",
                     chat_template=chat)
    assert cfg.think == "prefilled"
    run_eval(cfg, ["de", "ja"], tmp_path / "run", generator=gen)
    rows = read_parquet(tmp_path / "run" / "eval" / "mgsm.parquet")
    for row in rows:
        assert row["prompt_style"] == "think-prefill"
        # the request as recorded: the prompt, then the assistant's opened block on a new line
        assert row["prompt"].endswith("\n<think>\n" + get_language(row["lang"]).think_opening + "\n")
    assert len(gen.given) == 2
    for given in gen.given:  # what the model continued
        lang = "de" if questions[0] in given else "ja"
        assert given.endswith("<think>\n" + get_language(lang).think_opening + "\n")
        assert given.count("<think>") == 1  # the template's own opening is not doubled
        assert given.startswith("<|user|>") == chat
    de, ja = rows
    assert (de["think_state"], de["correct"]) == ("closed", True)
    assert (ja["think_state"], ja["reason"]) == ("unclosed", "truncated-thinking")


def test_think_prefill_with_a_backend_that_takes_no_prefix_is_one_line(tmp_path, shared_data):
    cfg = EvalConfig(model="scripted", benchmark="mgsm", limit=1, prompt_style="think-prefill")
    with pytest.raises(XlingError, match=r"backend Scripted cannot start the model's turn with a "
                                         r"prefix \(think-prefill\)"):
        run_eval(cfg, ["de"], tmp_path / "run", generator=Scripted({}))


def test_every_language_has_a_think_opening_in_that_language():
    from xling.languages import LANGUAGES
    from xling.scoring.language import detect_language

    for code, language in LANGUAGES.items():
        assert detect_language(language.think_opening) == code, code
