"""The language a run answers and reasons in: consistency and off-target rates, and the shape of
reasoning models' thinking (``thinking_summary``).

Stage: metrics (see ``xling.metrics``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from xling.metrics.transfer import average


def consistency_rate(response_langs: Sequence[str | None], question_langs: Sequence[str]) -> float:
    """Share of responses whose detected language equals the question's (None counts as no)."""
    if len(response_langs) != len(question_langs):
        raise ValueError("response_langs and question_langs differ in length")
    if not response_langs:
        return math.nan
    same = sum(r == q for r, q in zip(response_langs, question_langs, strict=True))
    return same / len(response_langs)


def off_target_rate(response_langs: Sequence[str | None], question_langs: Sequence[str]) -> float:
    """Study B's off-target rate: share of responses NOT in the question's language."""
    return 1.0 - consistency_rate(response_langs, question_langs)


def mean_off_target(consistency: Mapping[str, float], langs: Iterable[str] | None = None) -> float:
    """Off-target rate of a run over languages: 1 − the unweighted mean over ``langs`` of the
    per-language consistency rates (``summarize_rows``' ``consistency``), i.e. the mean of the
    per-language ``off_target_rate``.

    >>> round(mean_off_target({"en": 1.0, "de": 0.5}), 6)
    0.25

    Raises:
        XlingError: a requested language has no consistency rate (as ``average``).
    """
    return 1.0 - average(consistency, langs)


MIXED_BELOW = 0.9
"""A thinking part is *mixed-language* when its dominant language holds less than this share of
its letters (``scoring.language.language_composition``)."""


def thinking_summary(rows: Sequence[Mapping[str, Any]], lang: str) -> dict[str, Any]:
    """Language and shape of reasoning models' completions in one question language.

    Off-target rate (xling's definition; study B does not give one): the share of parts whose
    dominant language (largest letter share, by sentence, math removed) is not the question's
    language ``lang``. Measured separately over the thinking parts (rows with thinking text) and
    the answer parts (rows with an answer after the thinking, or with no thinking block); a part
    with no detectable language counts as off-target, since it is not in the question's language.

    Returns counts (``n``, ``with_thinking``, ``unclosed`` (cut by the length cap),
    ``unclosed_finished`` (never closed, but finished: scored on its final answer),
    ``empty_answer``) and fractions
    (``off_target_thinking``, ``off_target_answer``, ``mixed_thinking``: share of thinking parts
    whose top language holds less than ``MIXED_BELOW``); a fraction over zero parts is NaN.
    """
    thinking = [r for r in rows if r.get("thinking")]
    answers = [r for r in rows if r.get("think_state") != "unclosed"
               and r.get("reason") not in ("empty-answer", "error")]
    return {
        "n": len(rows),
        "with_thinking": len(thinking),
        "unclosed": sum(r.get("think_state") == "unclosed" for r in rows),
        "unclosed_finished": sum(r.get("think_state") == "unclosed-finished" for r in rows),
        "empty_answer": sum(r.get("reason") == "empty-answer" for r in rows),
        "off_target_thinking": off_target_rate([r.get("thinking_lang") for r in thinking],
                                               [lang] * len(thinking)),
        "off_target_answer": off_target_rate([r.get("response_lang") for r in answers],
                                             [lang] * len(answers)),
        "mixed_thinking": (sum((r.get("thinking_top_share") or 0.0) < MIXED_BELOW for r in thinking)
                           / len(thinking)) if thinking else math.nan,
    }


def _nanmean(values: Iterable[float | None]) -> float:
    kept = [v for v in values if v is not None and not math.isnan(v)]
    return sum(kept) / len(kept) if kept else math.nan


def reasoning_language_rates(summary: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A run's language rates over its question languages, from a ``summarize_rows`` result.

    Unweighted means over the languages that have a value (a language with zero thinking parts
    has NaN rates and is left out): ``off_target_answer`` (``thinking_summary``'s when the run
    has thinking parts, else ``1 − consistency`` per language), ``off_target_thinking``,
    ``mixed_thinking``; and ``unclosed``, the count of unclosed thinking blocks. NaN where no
    language has a value.

    >>> r = reasoning_language_rates({"en": {"consistency": 1.0}, "de": {"consistency": 0.5}})
    >>> r["off_target_answer"], r["unclosed"]
    (0.25, 0)
    """
    thinking = [m["thinking"] for m in summary.values() if m.get("thinking")]
    return {
        "off_target_answer": _nanmean([t["off_target_answer"] for t in thinking] if thinking
                                      else [1 - m["consistency"] for m in summary.values()]),
        "off_target_thinking": _nanmean(t["off_target_thinking"] for t in thinking),
        "mixed_thinking": _nanmean(t["mixed_thinking"] for t in thinking),
        "unclosed": sum(t["unclosed"] for t in thinking),
    }
