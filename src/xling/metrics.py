"""Stage 5: metrics over verdict tables — accuracy with CI, Avg, Gen, MTI, language rates, bootstrap.

Pure functions (numpy only); every formula lives here exactly once and the report, the study
runner and the tests import it. Accuracies are fractions in [0, 1]; reports print percentages.
Formulas are those of ../shared/REFERENCE_STUDIES.md.

>>> round(gen_score({"en": 0.8, "de": 0.5}, {"en": 0.6, "de": 0.0}), 4)
0.5
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xling.schema import XlingError


@dataclass(frozen=True)
class Accuracy:
    """An accuracy with its sample size and 95% Wilson interval."""

    value: float
    """Fraction in [0, 1]."""
    n: int
    ci95: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "n": self.n, "ci95": list(self.ci95)}


def wilson_interval(k: int, n: int, confidence_level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes out of n (Wilson, 1927), as fractions in [0, 1].

    ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``. Unlike the Wald interval
    p ± z·sqrt(p(1-p)/n) it is not degenerate at k = 0 or k = n (0 of 10 gives [0, 0.278]) and
    is asymmetric around k/n near the bounds. n = 0 (no samples) gives (nan, nan).

    >>> tuple(round(x, 3) for x in wilson_interval(5, 10))
    (0.237, 0.763)
    >>> tuple(round(x, 3) for x in wilson_interval(0, 10))
    (0.0, 0.278)
    """
    if n <= 0:
        return (math.nan, math.nan)
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=confidence_level, method="wilson")
    return (float(ci.low), float(ci.high))


def accuracy(correct: Sequence[bool]) -> Accuracy:
    """Fraction of True with a Wilson 95% interval; an empty sequence gives NaN with n = 0."""
    n = len(correct)
    k = sum(bool(c) for c in correct)
    return Accuracy(k / n if n else math.nan, n, wilson_interval(k, n))


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


def paired_bootstrap(
    x: Sequence[float],
    y: Sequence[float],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    statistic: Callable[[Any, Any], float] | None = None,
) -> BootstrapCI:
    """Paired bootstrap of ``statistic(x, y)`` (default: mean(x) − mean(y)) over items.

    ``x[i]`` and ``y[i]`` are the scores of the same item (e.g. the same parallel question) under
    two runs; items are resampled with replacement, keeping pairs together (``bootstrap_ci``).

    Returns:
        (observed, lo, hi): the statistic and its 95% percentile interval, as a ``BootstrapCI``
        (resamples where ``statistic`` raised ``XlingError`` are counted in ``dropped``).
    """
    import numpy as np

    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xa.shape != ya.shape or xa.ndim != 1 or len(xa) == 0:
        raise XlingError(f"paired bootstrap needs two equal-length score lists, got {xa.shape}, {ya.shape}")
    stat = statistic or (lambda a, b: float(a.mean() - b.mean()))
    return bootstrap_ci(lambda idx: stat(xa[idx], ya[idx]), len(xa), n_boot=n_boot, seed=seed,
                        what="the paired statistic")


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one item with ``c`` correct of ``n`` samples (Chen et al., 2021):
    ``1 − C(n−c, k) / C(n, k)``, the chance that k samples drawn without replacement from the n
    include a correct one.

    >>> pass_at_k(2, 1, 1), pass_at_k(16, 0, 16), pass_at_k(16, 1, 16)
    (0.5, 0.0, 1.0)

    Raises:
        XlingError: ``k`` > ``n``, ``c`` outside [0, n], or k < 1.
    """
    if not 1 <= k <= n:
        raise XlingError(f"pass@{k} needs 1 <= k <= n samples per item (n = {n})")
    if not 0 <= c <= n:
        raise XlingError(f"{c} correct of {n} samples is impossible")
    if n - c < k:
        return 1.0
    # Product form of the binomial ratio: exact for large n without huge integers.
    prob_all_wrong = 1.0
    for i in range(n - c + 1, n + 1):
        prob_all_wrong *= 1.0 - k / i
    return 1.0 - prob_all_wrong


def mean_pass_at_k(counts: Iterable[tuple[int, int]], k: int) -> float:
    """pass@k of a benchmark: the mean over items of ``pass_at_k(n, c, k)``; counts = (n, c)."""
    values = [pass_at_k(n, c, k) for n, c in counts]
    if not values:
        raise XlingError("pass@k over zero items")
    return sum(values) / len(values)


def run_stats(values: Sequence[float]) -> dict[str, Any]:
    """Mean ± sample sd of one accuracy over R seeded runs, with a t-based 95% interval clipped
    to [0, 1].

    Study A reports MGSM and MMath500 as means over six sampled runs. The interval describes run
    to run variation (R values), so it needs R >= 2; with R = 1 sd and the interval are NaN.
    It is Student's t-interval of the mean of the R per-run accuracies (mean ± t(0.975, R-1) ·
    sd / sqrt(R)); accuracies are proportions, and with few runs near 0 or 1 that interval
    reaches past the range, so its ends are clipped to [0, 1] (a clipped end says the runs
    cannot rule out the bound).

    >>> run_stats([0.5, 0.7])["mean"]
    0.6
    >>> run_stats([0.9, 1.0, 1.0])["ci95"][1]
    1.0
    """
    from scipy import stats

    r = len(values)
    if r == 0:
        raise XlingError("run statistics over zero runs")
    mean = sum(values) / r
    if r < 2:
        return {"n_runs": 1, "values": list(values), "mean": mean, "sd": math.nan,
                "ci95": [math.nan, math.nan]}
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (r - 1))
    half = float(stats.t.ppf(0.975, r - 1)) * sd / math.sqrt(r)
    return {"n_runs": r, "values": list(values), "mean": mean, "sd": sd,
            "ci95": [max(0.0, mean - half), min(1.0, mean + half)]}


def summarize_rows(
    rows: Iterable[Mapping[str, Any]], pass_k: Sequence[int] = ()
) -> dict[str, dict[str, Any]]:
    """Per-language metrics from per-sample eval rows (the ``eval/<benchmark>.parquet`` rows).

    Each row needs ``lang``, ``correct``, ``reason``, ``finish_reason`` and ``response_lang``.
    Returns lang -> {acc: Accuracy dict (over all samples), no_answer, truncated, errors,
    timeouts, ambiguous_numbers (counts: verdicts whose number had two readings in the language,
    ``Verdict.ambiguous_number``), consistency (fraction), items (``item_set_key``)}; plus ``runs`` (``run_stats`` of the per-run
    accuracies) when rows carry a ``run`` column with more than one run, and ``pass_at_k``
    ({k: fraction}) for each k in ``pass_k`` (all samples of an item, over runs, are its n).
    metrics.json is exactly this, so it is recomputable from the rows.
    """
    by_lang: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_lang[row["lang"]].append(row)
    out: dict[str, dict[str, Any]] = {}
    for lang, items in by_lang.items():
        out[lang] = {
            "acc": accuracy([bool(r["correct"]) for r in items]).to_dict(),
            "no_answer": sum(r["extracted"] is None for r in items),
            "truncated": sum(r["finish_reason"] == "length" for r in items),
            "errors": sum(r["finish_reason"] == "error" for r in items),
            "timeouts": sum(r["reason"] == "timeout" for r in items),
            "consistency": consistency_rate([r["response_lang"] for r in items], [lang] * len(items)),
            "ambiguous_numbers": sum(bool(r.get("ambiguous_number")) for r in items),
        }
        if all("id" in r for r in items):
            out[lang]["items"] = item_set_key(r["id"] for r in items)
        by_run: dict[int, list[bool]] = defaultdict(list)
        for r in items:
            by_run[int(r.get("run") or 0)].append(bool(r["correct"]))
        if len(by_run) > 1:
            out[lang]["runs"] = run_stats([sum(v) / len(v) for _, v in sorted(by_run.items())])
        if any(r.get("think_state") in ("closed", "unclosed", "unclosed-finished") for r in items):
            out[lang]["thinking"] = thinking_summary(items, lang)
        if pass_k:
            per_item: dict[str, list[bool]] = defaultdict(list)
            for r in items:
                per_item[str(r["id"])].append(bool(r["correct"]))
            counts = [(len(v), sum(v)) for v in per_item.values()]
            out[lang]["pass_at_k"] = {str(k): mean_pass_at_k(counts, k) for k in pass_k}
    return out


def item_set_key(ids: Iterable[Any]) -> str:
    """A short fingerprint of a set of item ids: two runs compare the same items only when their
    keys are equal (Gen and every derived number refuse otherwise).

    >>> item_set_key(["b", "a", "a"]) == item_set_key(["a", "b"])
    True
    """
    import hashlib

    joined = "\n".join(sorted({str(i) for i in ids}))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


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


def failure_counts(summary: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """Samples and recorded failures summed over languages, from a ``summarize_rows`` result:
    ``samples``, ``no_answer``, ``truncated``, ``timeouts`` (scoring), ``errors`` (generation)."""
    counts = {"samples": sum(m["acc"]["n"] for m in summary.values())}
    for key in ("no_answer", "truncated", "timeouts", "errors"):
        counts[key] = sum(m[key] for m in summary.values())
    return counts


def acc_by_lang(summary: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """lang -> accuracy fraction, from a ``summarize_rows`` result."""
    return {lang: float(m["acc"]["value"]) for lang, m in summary.items()}



def correctness_matrix(
    rows: Iterable[Mapping[str, Any]], langs: Sequence[str], pids: Sequence[str] | None = None
) -> tuple[list[str], Any]:
    """Pivot eval rows into a [n_questions, n_langs] array of mean correctness over samples.

    Only parallel questions present in every language are kept (pass ``pids`` to align several
    runs on the same questions). Returns (parallel ids, array).
    """
    import numpy as np

    cells: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in rows:
        cells[(row["parallel_id"], row["lang"])].append(float(bool(row["correct"])))
    if pids is None:
        found = {pid for pid, _ in cells}
        pids = sorted(p for p in found if all((p, lang) in cells for lang in langs))
    missing = [(p, lang) for p in pids for lang in langs if (p, lang) not in cells]
    if missing:
        raise XlingError(f"no result for question {missing[0][0]} in {missing[0][1]}")
    mat = np.array([[sum(cells[(p, lang)]) / len(cells[(p, lang)]) for lang in langs] for p in pids])
    return list(pids), mat.reshape(len(pids), len(langs))


class BootstrapCI(tuple):
    """``(estimate, lo, hi)``, unpacked as a plain 3-tuple, that also carries ``dropped``: how many
    of the ``n_boot`` resamples had no defined value (and so are not in the interval)."""

    dropped: int = 0
    n_boot: int = 0


def resample(
    stat: Callable[[Any], Any], n: int, *, n_boot: int = 2000, seed: int = 0
) -> tuple[list[Any], int]:
    """The one bootstrap loop: ``stat(idx)`` over ``n_boot`` resamples of ``range(n)`` with
    replacement (``idx`` an int array of length n; numpy ``default_rng(seed)``, one
    ``integers(0, n, n)`` draw per resample, so two calls with one seed see the same resamples).

    A resample where ``stat`` raises ``XlingError`` has no defined value: it is left out and
    counted. Returns (values of the defined resamples, number dropped).

    >>> values, dropped = resample(lambda idx: float(idx.mean()), 4, n_boot=10)
    >>> len(values), dropped
    (10, 0)
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    values: list[Any] = []
    dropped = 0
    for _ in range(n_boot):
        idx = rng.integers(0, n, size=n)
        try:
            values.append(stat(idx))
        except XlingError:  # undefined in this resample (e.g. Gen with the base at 100%)
            dropped += 1
    return values, dropped


def bootstrap_ci(
    stat: Callable[[Any], float], n: int, *, n_boot: int = 2000, seed: int = 0,
    what: str = "the statistic", why: str = "",
) -> BootstrapCI:
    """``stat`` on all ``n`` items with its 95% percentile interval over ``resample``.

    Every bootstrap interval of xling (``paired_bootstrap``, ``bootstrap_gen``,
    ``bootstrap_mti``) comes from ``resample``; resamples without a value are counted in the
    result's ``dropped`` and the interval is over the ``n_boot - dropped`` others.

    >>> ci = bootstrap_ci(lambda idx: float(idx.mean()), 4, n_boot=200)
    >>> ci[0], ci[1] <= ci[0] <= ci[2], ci.dropped, ci.n_boot
    (1.5, True, 0, 200)

    Raises:
        XlingError: ``n`` < 1, or ``stat`` undefined in every resample (or on all items).
    """
    import numpy as np

    if n < 1:
        raise XlingError(f"bootstrap of {what} needs at least one item")
    values, dropped = resample(stat, n, n_boot=n_boot, seed=seed)
    if not values:
        raise XlingError(f"bootstrap: {what} is undefined in all {n_boot} resamples"
                         + (f" ({why})" if why else ""))
    lo, hi = np.percentile(values, [2.5, 97.5])
    result = BootstrapCI((float(stat(np.arange(n))), float(lo), float(hi)))
    result.dropped, result.n_boot = dropped, n_boot
    return result


def bootstrap_gen(
    model: Any, base: Any, other: Any | None = None, *, n_boot: int = 2000, seed: int = 0
) -> BootstrapCI:
    """Gen of ``model`` against ``base`` (or Gen(model) − Gen(other)) with a paired 95% interval.

    Arguments are [n_questions, n_langs] correctness arrays over the same parallel questions
    (``correctness_matrix``); questions are resampled jointly across languages and runs. A
    language where the resampled base is at 100% is skipped inside ``gen_score``, as in Gen; a
    resample where that leaves no language has no Gen: it is dropped and counted in the
    result's ``dropped`` (the interval is over the ``n_boot - dropped`` others).

    Raises:
        XlingError: arrays of different shapes, or every resample undefined.
    """
    import numpy as np

    def gen_of(m: Any, b: Any) -> float:
        langs = [str(j) for j in range(m.shape[1])]
        return gen_score(dict(zip(langs, m.mean(0), strict=True)),
                         dict(zip(langs, b.mean(0), strict=True)))

    def stat(idx: Any) -> float:
        value = gen_of(model[idx], base[idx])
        return value - gen_of(other[idx], base[idx]) if other is not None else value

    model, base = np.asarray(model, dtype=float), np.asarray(base, dtype=float)
    if other is not None:
        other = np.asarray(other, dtype=float)
    n = len(model)
    if n == 0 or model.shape != base.shape or (other is not None and other.shape != model.shape):
        raise XlingError("bootstrap_gen needs non-empty arrays of one shape [questions, langs]")
    return bootstrap_ci(stat, n, n_boot=n_boot, seed=seed, what="Gen",
                        why="the base is at 100% in every language of each")


POLYMATH_WEIGHTS: dict[str, float] = {"low": 1.0, "medium": 2.0, "high": 4.0, "top": 8.0}
"""PolyMath's difficulty weights (Wang et al., 2025): each level counts twice the one below."""


def difficulty_weighted_accuracy(
    acc_by_level: Mapping[str, float], weights: Mapping[str, float] = POLYMATH_WEIGHTS
) -> float:
    """PolyMath's DW-ACC: ``sum_l w_l · acc_l / sum_l w_l`` over the difficulty levels.

    >>> difficulty_weighted_accuracy({"low": 1.0, "medium": 0.5, "high": 0.0, "top": 0.0})
    0.13333333333333333

    Raises:
        XlingError: a level without a weight, or a weighted level without an accuracy (a
            weighted mean over fewer levels would not be comparable).
    """
    unknown = sorted(set(acc_by_level) - set(weights))
    missing = sorted(set(weights) - set(acc_by_level))
    if unknown or missing:
        raise XlingError(f"difficulty-weighted accuracy needs exactly the levels {sorted(weights)}; "
                         f"unknown: {unknown or 'none'}, missing: {missing or 'none'}")
    total = sum(weights.values())
    return sum(weights[level] * acc for level, acc in acc_by_level.items()) / total


def ifeval_accuracy(details: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """IFEval's four accuracies (Zhou et al., 2023, arXiv 2311.07911, section 3) with Wilson CIs.

    Args:
        details: one mapping per prompt (``scoring.ifeval.score_ifeval``'s ``Verdict.details``):
            ``{"instructions": [{"id", "strict", "loose"}, ...], "unknown": [ids]}``.

    Returns:
        ``prompt_strict`` / ``prompt_loose`` (fraction of prompts whose every instruction is
        followed) and ``inst_strict`` / ``inst_loose`` (fraction of all instructions followed),
        each an ``Accuracy`` dict; ``n_prompts``; ``unknown`` (instruction id -> times xling had
        no checker for it, each counted as not followed); ``by_instruction`` (id -> n, strict
        and loose fractions). Instruction-level intervals treat instructions as independent,
        which they are not within a prompt: read them as a lower bound on the uncertainty.

    >>> m = ifeval_accuracy([{"instructions": [{"id": "a", "strict": True, "loose": True},
    ...                                         {"id": "b", "strict": False, "loose": True}]}])
    >>> m["prompt_strict"]["value"], m["prompt_loose"]["value"], m["inst_strict"]["value"]
    (0.0, 1.0, 0.5)
    """
    prompt_strict: list[bool] = []
    prompt_loose: list[bool] = []
    inst_strict: list[bool] = []
    inst_loose: list[bool] = []
    unknown: dict[str, int] = defaultdict(int)
    by_id: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for d in details:
        items = d["instructions"]
        prompt_strict.append(all(bool(i["strict"]) for i in items))
        prompt_loose.append(all(bool(i["loose"]) for i in items))
        for i in items:
            inst_strict.append(bool(i["strict"]))
            inst_loose.append(bool(i["loose"]))
            by_id[i["id"]].append((bool(i["strict"]), bool(i["loose"])))
        for instruction_id in d.get("unknown") or ():
            unknown[instruction_id] += 1
    return {
        "prompt_strict": accuracy(prompt_strict).to_dict(),
        "prompt_loose": accuracy(prompt_loose).to_dict(),
        "inst_strict": accuracy(inst_strict).to_dict(),
        "inst_loose": accuracy(inst_loose).to_dict(),
        "n_prompts": len(prompt_strict),
        "unknown": dict(sorted(unknown.items())),
        "by_instruction": {
            k: {"n": len(v), "strict": sum(s for s, _ in v) / len(v),
                "loose": sum(lo for _, lo in v) / len(v)}
            for k, v in sorted(by_id.items())
        },
    }


def bootstrap_mti(
    post: Any, init: Any, langs: Sequence[str], source: str = "en", *, n_boot: int = 2000,
    seed: int = 0,
) -> dict[str, Any]:
    """MTI (provisional formula, ``mti``) of a post-trained model over its initial model, with a
    95% percentile interval from resampling the parallel questions jointly across languages.

    Args:
        post, init: [n_questions, n_langs] correctness arrays over the same parallel questions,
            columns in ``langs`` order (``correctness_matrix``).

    Returns:
        {"mti", "ci95", "gains": {lang: post − init}, "gains_ci95": {lang: [lo, hi]} (the same
        resamples), "dropped": resamples where the source gain was 0 (MTI undefined there),
        "n_boot"}. ``mti`` and ``ci95`` are NaN, with the reason in ``undefined``, when the
        observed source gain is 0 or its 95% interval includes 0 (then ``point`` keeps the
        ratio that would have been reported).
    """
    import numpy as np

    post, init = np.asarray(post, dtype=float), np.asarray(init, dtype=float)
    if post.shape != init.shape or post.ndim != 2 or post.shape[1] != len(langs) or not len(post):
        raise XlingError(f"bootstrap_mti needs two [questions, {len(langs)}] arrays of one shape")
    if source not in langs:
        raise XlingError(f"MTI needs the source language {source!r} among {list(langs)}")

    def value(idx: Any) -> float:
        return mti(dict(zip(langs, post[idx].mean(0), strict=True)),
                   dict(zip(langs, init[idx].mean(0), strict=True)), source)

    gains = {lang: float(post[:, j].mean() - init[:, j].mean()) for j, lang in enumerate(langs)}
    everything = np.arange(len(post))
    try:
        observed = float(value(everything))
    except XlingError as exc:
        return {"mti": math.nan, "ci95": [math.nan, math.nan], "gains": gains, "dropped": 0,
                "n_boot": 0, "undefined": str(exc)}
    # Two passes of the one bootstrap loop with one seed: the same resamples for MTI and gains.
    boots, dropped = resample(value, len(post), n_boot=n_boot, seed=seed)  # dropped: no source gain
    gain_boots, _ = resample(lambda idx: post[idx].mean(0) - init[idx].mean(0), len(post),
                             n_boot=n_boot, seed=seed)
    lo, hi = np.percentile(boots, [2.5, 97.5]) if boots else (math.nan, math.nan)
    g_lo, g_hi = np.percentile(np.array(gain_boots), [2.5, 97.5], axis=0)
    gains_ci95 = {lang: [float(g_lo[j]), float(g_hi[j])] for j, lang in enumerate(langs)}
    out = {"mti": observed, "ci95": [float(lo), float(hi)], "gains": gains,
           "gains_ci95": gains_ci95, "dropped": dropped, "n_boot": n_boot}
    src_lo, src_hi = gains_ci95[source]
    if src_lo <= 0.0 <= src_hi:
        # A ratio over a gain indistinguishable from none is noise (a large number with a huge
        # interval); report it as undefined, with why, and keep the point value for the record.
        out.update(mti=math.nan, ci95=[math.nan, math.nan], point=observed,
                   undefined=f"the {source} gain's 95% interval [{100 * src_lo:.1f}, "
                             f"{100 * src_hi:.1f}] points includes 0")
    return out
