"""Response language: detection, composition, consistency.  Run: pytest tests/test_scoring_language.py -v"""

from __future__ import annotations

import csv

import pytest

from conftest import NO_BLOWUP_S
from xling.languages import LANGUAGES
from xling.scoring import judge
from xling.scoring.language import clean_text, detect_language, is_consistent, language_composition


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_detects_mgsm_questions(lang, shared_data):
    path = shared_data / "mgsm" / f"mgsm_{lang}.tsv"
    with open(path, encoding="utf-8", newline="") as f:
        questions = [row[0] for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)][:20]
    assert len(questions) >= 10  # 20 of the full file, all 12 of tests/data/staged
    assert sum(detect_language(q) == lang for q in questions) >= len(questions) - 1


def test_math_is_removed_before_detection():
    text = "Die Antwort ist $x = \\frac{18}{2}$, weil wir 9 und 9 addieren. \\boxed{18}"
    assert "frac" not in clean_text(text) and "18" not in clean_text(text)
    assert detect_language(text) == "de"
    assert detect_language("$$\\int_0^1 x^2 dx = \\frac{1}{3}$$ 18 + 4 = 22") is None
    assert language_composition("12 + 30 = 42") == {}


def test_composition_of_a_mixed_response():
    text = ("Zuerst berechnen wir die Anzahl der Eier pro Tag und ziehen die gegessenen ab.\n"
            "Then we multiply the remaining eggs by the price.")
    shares = language_composition(text)
    assert set(shares) == {"de", "en"}
    assert abs(sum(shares.values()) - 1) < 1e-9
    assert shares["de"] > shares["en"]
    assert is_consistent(text, "de") and not is_consistent(text, "en")


def test_deterministic_and_restricted():
    text = "Janet hat 16 Eier und verkauft den Rest auf dem Markt."
    assert {detect_language(text) for _ in range(5)} == {"de"}
    assert detect_language(text, candidates=("en", "fr")) in ("en", "fr")


def test_bounded_on_huge_input():
    import time

    detect_language("warm up")
    start = time.perf_counter()
    detect_language("$" * 1_000_000 + "Hallo Welt " * 100_000)
    assert time.perf_counter() - start < NO_BLOWUP_S


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_registered_language_is_detected(code):
    # The registry's own consistency instruction is a native sentence with no math: each
    # registered language must be a candidate and recognised, so a new entry fails here loudly.
    lang = LANGUAGES[code]
    text = f"{lang.consistency} {lang.instruction}"
    assert detect_language(text) == code


def test_telugu_answer_is_not_labelled_swahili():
    text = "మొదట మనం రెండు సంఖ్యలను కలుపుతాము. అప్పుడు సమాధానం ఐదు అవుతుంది. \\boxed{5}"
    verdict = judge(text, "5", "te")
    assert verdict.correct and verdict.response_lang == "te"
