"""Across languages: Avg, Gen against the base model (study A), MTI (study B, provisional) and the
mean accuracy over a model's target languages.

Stage: metrics (see ``xling.metrics``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from xling.schema import XlingError


def average(acc: Mapping[str, float], langs: Iterable[str] | None = None) -> float:
    """Avg: the unweighted mean accuracy over ``langs`` (default: all keys).

    Raises:
        XlingError: a requested language has no accuracy (never average over fewer silently).
    """
    langs = list(acc) if langs is None else list(langs)
    missing = [lang for lang in langs if lang not in acc or math.isnan(acc[lang])]
    if missing:
        raise XlingError(f"no accuracy for {', '.join(missing)}; cannot average over {langs}")
    if not langs:
        raise XlingError("cannot average over zero languages")
    return sum(acc[lang] for lang in langs) / len(langs)


@dataclass(frozen=True)
class GenResult:
    """Gen with its parts: per-language normalised gains and the languages skipped (no room)."""

    value: float
    per_lang: dict[str, float]
    skipped: tuple[str, ...]


def gen_details(acc: Mapping[str, float], base_acc: Mapping[str, float]) -> GenResult:
    """Gen (study A): mean over l of (Acc(M,l) − Acc(Base,l)) / (1 − Acc(Base,l)).

    Languages are those of ``acc``; each must have a base accuracy. A language where the base
    is already at 1.0 has no room to improve and is skipped (listed in ``skipped``).

    Raises:
        XlingError: a language without a base accuracy, or no language with room.
    """
    missing = [lang for lang in acc if lang not in base_acc]
    if missing:
        raise XlingError(f"base run has no accuracy for {', '.join(missing)}")
    per_lang: dict[str, float] = {}
    skipped: list[str] = []
    for lang, value in acc.items():
        room = 1.0 - base_acc[lang]
        if room <= 1e-12:
            skipped.append(lang)
            continue
        per_lang[lang] = (value - base_acc[lang]) / room
    if not per_lang:
        raise XlingError("Gen undefined: the base is at 100% in every language")
    return GenResult(sum(per_lang.values()) / len(per_lang), per_lang, tuple(skipped))


def gen_score(acc: Mapping[str, float], base_acc: Mapping[str, float]) -> float:
    """Gen as a fraction (reports multiply by 100); see ``gen_details`` for the skipped languages.

    >>> gen_score({"en": 1.0}, {"en": 0.5})
    1.0
    """
    return gen_details(acc, base_acc).value


def mti(acc_post: Mapping[str, float], acc_init: Mapping[str, float], source: str = "en") -> float:
    """Multilingual Transferability Index (study B) — PROVISIONAL formula.

    ``mean over l != source of (post(l) − init(l)) / (post(source) − init(source))``: the gain on
    the other languages relative to the gain on the training language. The published formula is
    not yet confirmed (REFERENCE_STUDIES.md); ``source`` is a parameter for that reason.

    Raises:
        XlingError: the source-language gain is 0 (MTI undefined; never divided by), or a
            language lacks an initial accuracy.
    """
    if source not in acc_post or source not in acc_init:
        raise XlingError(f"MTI needs the source language {source!r} in both runs")
    gain_src = acc_post[source] - acc_init[source]
    if abs(gain_src) < 1e-12:
        raise XlingError(f"MTI undefined: no gain on the source language {source!r}")
    targets = [lang for lang in acc_post if lang != source]
    missing = [lang for lang in targets if lang not in acc_init]
    if missing or not targets:
        raise XlingError(f"MTI needs initial accuracies for {', '.join(missing) or 'targets'}")
    return sum((acc_post[t] - acc_init[t]) / gain_src for t in targets) / len(targets)


def transfer_accuracy(
    acc: Mapping[str, float], train_langs: Iterable[str], target: str = "unseen"
) -> float:
    """Mean accuracy over a model's target languages: all of ``acc``'s languages
    (``target="all"``) or those not trained on (``"unseen"``; study B's y(N) for parallel scaling).

    >>> transfer_accuracy({"en": 0.9, "de": 0.5, "zh": 0.3}, ["en"])
    0.4

    Raises:
        XlingError: an unknown ``target``, or no target language.
    """
    if target not in ("all", "unseen"):
        raise XlingError(f"target must be 'all' or 'unseen', got {target!r}")
    trained = set(train_langs)
    targets = [lang for lang in acc if target == "all" or lang not in trained]
    if not targets:
        raise XlingError(f"no {target} language to average over (trained on {sorted(trained)})")
    return average(acc, targets)
