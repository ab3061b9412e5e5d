"""Accuracy of one run in each language, from its per-sample eval rows: the fraction with its
Wilson interval, pass@k, the mean over seeded runs, the failure counts (``summarize_rows``, which
metrics.json is exactly).

Stage: metrics (see ``xling.metrics``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xling.metrics.language import consistency_rate, thinking_summary
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
