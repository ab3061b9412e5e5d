"""Scoring: per-sample verdicts for model answers (also the RL reward).

Stage: score. ``score`` dispatches on the benchmark's scorer kind: "math" (last box, then the
language's answer phrases), "math-lenient" (also the last number, like lm-eval's
flexible-extract), "choice" (multiple-choice letters). Every verdict carries the language of the
response (``scoring.language``). Never raises on model output; every call is bounded in time.
Imports no torch/transformers.
Try:  python -c "from xling.scoring import score; print(score('Die Antwort lautet 70.000.', '70000', 'de'))"

>>> check_answer("Also \\\\boxed{1.234,5}", "1234.5", "de")
True
>>> extract_answer("答案是 １２，０００ 元。", "zh")
'12000'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from xling.languages import get_language
from xling.schema import Verdict, XlingError
from xling.scoring import choice, language
from xling.scoring import math as math_scoring

SCORERS: tuple[str, ...] = ("math", "math-lenient", "choice", "ifeval")

__all__ = ["SCORERS", "check_answer", "extract_answer", "score"]


def extract_answer(completion: str, lang: str) -> str | None:
    """The normalised final answer (``"70000"``, ``"1.5"``, ``"\\\\frac{1}{2}"``), or None."""
    get_language(lang)
    span, _ = math_scoring.extract_span(completion, lang)
    if span is None:
        return None
    return math_scoring.normalize(span, lang)[0] or None


def check_answer(completion: str, gold: str, lang: str) -> bool:
    """Whether the completion's final math answer equals ``gold`` (no language ID: fast)."""
    get_language(lang)
    return math_scoring.score_math(completion, gold, lang).correct


def score(completion: str, gold: str, lang: str, scorer: str = "math",
          choices: tuple[str, ...] | None = None, meta: Mapping[str, Any] | None = None) -> Verdict:
    """Full verdict: extracted answer, correctness, rule that fired, response language.

    ``meta`` is the example's ``meta`` (the "ifeval" scorer reads its instruction ids and kwargs
    there; the other scorers ignore it).

    Raises:
        XlingError: unknown ``scorer`` or ``lang`` (never for anything in ``completion``).
    """
    get_language(lang)
    if scorer == "math" or scorer == "math-lenient":
        verdict = math_scoring.score_math(completion, gold, lang, lenient=scorer != "math")
    elif scorer == "choice":
        verdict = choice.score_choice(completion, gold, lang, choices)
    elif scorer == "ifeval":
        from xling.scoring import ifeval  # instruction checkers: imported only when used

        verdict = ifeval.score_ifeval(completion, meta or {}, lang)
    else:
        raise XlingError(f"unknown scorer {scorer!r}; known: {', '.join(SCORERS)}")
    return replace(verdict, response_lang=language.detect_language(completion))
