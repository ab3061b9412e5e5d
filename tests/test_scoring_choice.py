"""Multiple-choice letter extraction.  Run: pytest tests/test_scoring_choice.py -v"""

from __future__ import annotations

import pytest

from xling.scoring import score
from xling.scoring.choice import extract_choice


@pytest.mark.parametrize("lang, completion, letter", [
    ("en", "Let me think... The answer is (B).", "B"),
    ("en", "The answer is B. Wait, re-reading option C... the answer is C.", "C"),
    ("en", "Answer: I think it is D.", None),         # "I" is the pronoun, not option I
    ("en", "Answer: A cat cannot fly, so the correct answer is J", "J"),
    ("en", "**Answer: E**", "E"),
    ("en", "Therefore \\boxed{G}.", "G"),
    ("en", "Therefore \\boxed{\\text{H}}.", "H"),
    ("en", "B", "B"),
    ("en", "(C).", "C"),
    ("en", "**D**", "D"),
    ("en", "Because a bee is B-like", None),          # no cue, not a bare letter
    ("de", "Die Antwort ist B. Nein, die richtige Antwort ist **D**.", "D"),
    ("de", "Antwort: (A)", "A"),
    ("es", "La respuesta correcta es C.", "C"),
    ("fr", "La réponse est (F).", "F"),
    ("ru", "Правильный ответ: B", "B"),
    ("zh", "所以正确答案是 Ｃ。", "C"),
    ("zh", "答案：（D）", "D"),
    ("ja", "正解は B です。", "B"),
    ("th", "คำตอบคือ ข", "B"),
    ("sw", "Jibu sahihi ni A.", "A"),
    ("bn", "সঠিক উত্তর হল গ", "C"),
    ("bn", "উত্তর: ঘ", "D"),
    ("en", "The answer is", None),
    ("en", "", None),
])
def test_extract_choice(lang, completion, letter):
    assert extract_choice(completion, lang) == letter


def test_letters_beyond_the_options_are_ignored():
    assert extract_choice("The answer is E.", "en", choices=("1", "2", "3", "4")) is None
    assert extract_choice("The answer is D.", "en", choices=("1", "2", "3", "4")) == "D"


def test_boxed_option_text_maps_to_its_letter():
    assert extract_choice("\\boxed{Paris}", "en", choices=("London", "Paris")) == "B"


def test_choice_verdict():
    verdict = score("Die Antwort ist (C).", "C", "de", scorer="choice")
    assert (verdict.extracted, verdict.correct, verdict.reason) == ("C", True, "choice")
    assert score("keine Ahnung", "C", "de", scorer="choice").reason == "no-answer"


def test_long_input_is_bounded():
    import time

    start = time.perf_counter()
    extract_choice("The answer is " * 100_000, "en")
    assert time.perf_counter() - start < 1.0
