"""Scoring: per-sample verdicts for model answers; ``judge`` is the one verdict of xling.

Stage: score. ``judge`` gives the verdict evaluation records, and every RL reward, RFT's filter
and the verl reward call it too, so a completion is right or wrong the same way everywhere.
It reads the completion as a reasoning model writes it (``scoring.thinking``: the answer after
the thinking block; a block cut off by the length cap is ``truncated-thinking``, a block the
model never closed but finished is scored on its final answer), then dispatches on the
benchmark's scorer kind (``SCORERS``, a registry table): "math" (last box, then the language's
answer phrases), "math-first-box" (PolyMath's first box), "math-lenient" (also the last number,
like lm-eval's flexible-extract), "choice" (multiple-choice letters), "ifeval" (instruction
checks), or a user's own ``Scorer`` named by a dotted path ``"my_pkg.module:score"``, which gets
the same place: evaluation, every reward and RFT's filter call it through ``judge``.
Never raises on model output; every call is bounded in time. Imports no torch/transformers.
Try:  python -c "from xling.scoring import judge; print(judge('Die Antwort lautet 70.000.', '70000', 'de'))"

>>> judge("<think>2+2 ... \\\\boxed{4}</think> I am not sure.", "4", "en").correct
False
>>> judge("<think>So \\\\boxed{4}.", "4", "en").think_state
'unclosed-finished'
>>> judge("<think>So \\\\boxed{4}", "4", "en", finish_reason="length").reason
'truncated-thinking'
>>> check_answer("Also \\\\boxed{1.234,5}", "1234.5", "de")
True
>>> extract_answer("答案是 １２，０００ 元。", "zh")
'12000'
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol

from xling.languages import get_language
from xling.registry import resolve
from xling.schema import Verdict, XlingError
from xling.scoring import language
from xling.scoring import math as math_scoring
from xling.scoring.thinking import ThinkFormat, read_completion

SCORERS: dict[str, str] = {
    "math": "xling.scoring.math:score",
    "math-first-box": "xling.scoring.math:score_first_box",
    "math-lenient": "xling.scoring.math:score_lenient",
    "choice": "xling.scoring.choice:score",
    "ifeval": "xling.scoring.ifeval:score",  # instruction checkers: imported only when used
}
"""Scorer kind -> ``"module:function"`` of a ``Scorer``; a dotted path names a user's own."""
FINISH_REASONS: tuple[str, ...] = ("stop", "length", "error")

__all__ = ["FINISH_REASONS", "SCORERS", "Scorer", "check_answer", "extract_answer", "get_scorer",
           "judge"]


class Scorer(Protocol):
    """What ``SCORERS`` resolves to: the verdict on a completion's answer text (the part after
    its thinking block; ``judge`` splits it and fills in the response language and the thinking
    state). Never raises on model output."""

    def __call__(self, text: str, gold: str, lang: str, *, choices: tuple[str, ...] | None,
                 meta: Mapping[str, Any]) -> Verdict: ...


def get_scorer(name: str) -> Scorer:
    """The scorer registered as ``name`` (a kind of ``SCORERS`` or a dotted path).

    Raises:
        XlingError: unknown kind (the message lists the known ones), or a dotted path that does
            not import or names something that is not callable.
    """
    if not isinstance(name, str):
        raise XlingError(f"unknown scorer {name!r}; known: {', '.join(SCORERS)}")
    return _resolve_scorer(name)


@functools.lru_cache(maxsize=64)
def _resolve_scorer(name: str) -> Scorer:  # judge runs per sample: one import lookup per name
    return resolve(SCORERS, name, "scorer", expect=Callable, sort_known=False)


def extract_answer(completion: str, lang: str) -> str | None:
    """The normalised final answer (``"70000"``, ``"1.5"``, ``"\\\\frac{1}{2}"``), or None."""
    get_language(lang)
    span, _ = math_scoring.extract_span(completion, lang)
    if span is None:
        return None
    return math_scoring.normalize(span, lang)[0] or None


def check_answer(completion: str, gold: str, lang: str) -> bool:
    """Whether the completion's final math answer equals ``gold``: ``judge(...).correct`` for
    the "math" scorer, without language ID (fast)."""
    return judge(completion, gold, lang, langid=False).correct


def judge(completion: str, gold: str, lang: str, *, scorer: str = "math",
          choices: Sequence[str] | None = None, meta: Mapping[str, Any] | None = None,
          think: str = "auto", finish_reason: str = "stop",
          think_format: str | ThinkFormat | None = None, langid: bool = True) -> Verdict:
    """The verdict of one completion: extracted answer, correctness, the rule that fired, the
    thinking block's state and the response's language.

    Args:
        gold: the gold answer (a number or expression, a letter for "choice"; "" for "ifeval").
        scorer: a kind of ``SCORERS`` or a dotted path to a ``Scorer``.
        choices: option texts of a multiple-choice item (an option's text may stand for its
            letter; letters beyond them are ignored).
        meta: the example's meta ("ifeval" reads its instruction ids and kwargs there).
        think: ``scoring.thinking.THINK_MODES``: "auto" (split where a block's tags appear),
            "prefilled" (the prompt opened the block), "off" (score the whole text).
        finish_reason: how generation ended ("stop", "length" = cut by the token cap,
            "error" = the backend failed). An unclosed thinking block cut by the cap is
            ``truncated-thinking``; one the model stopped in is scored on its final answer.
        think_format: the thinking delimiters (``thinking.THINK_FORMATS`` preset, "OPEN CLOSE",
            or None / "auto": any preset by its tags).
        langid: detect the response's language (``Verdict.response_lang``); rewards that only
            need correctness turn it off.

    Raises:
        XlingError: unknown ``scorer``, ``lang`` or ``finish_reason`` (never for anything in
            ``completion``).
    """
    get_language(lang)
    score = get_scorer(scorer)
    if finish_reason not in FINISH_REASONS:
        raise XlingError(f"unknown finish reason {finish_reason!r}; known: "
                         f"{', '.join(FINISH_REASONS)}")
    if finish_reason == "error":
        return Verdict(extracted=None, correct=False, reason="error")
    part = read_completion(completion, think, think_format)
    state, text = part.state, part.answer
    thinking = part.thinking or None
    if state == "unclosed":
        if finish_reason == "length":
            return Verdict(extracted=None, correct=False, reason="truncated-thinking",
                           think_state="unclosed", thinking=thinking)
        state, text = "unclosed-finished", part.thinking
    if not text.strip():
        reason = "empty-answer" if state == "closed" else "no-answer"
        return Verdict(extracted=None, correct=False, reason=reason, think_state=state,
                       thinking=thinking)
    verdict = score(text, gold, lang, choices=tuple(choices) if choices else None, meta=meta or {})
    return replace(verdict, response_lang=language.detect_language(text) if langid else None,
                   think_state=state, thinking=thinking)
