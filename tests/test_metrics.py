"""Metrics: formulas of REFERENCE_STUDIES.md computed by hand.  Run: pytest tests/test_metrics.py"""

import math

import pytest

from xling.metrics import (
    accuracy,
    average,
    consistency_rate,
    gen_details,
    gen_score,
    mti,
    off_target_rate,
    paired_bootstrap,
    summarize_rows,
    wilson_interval,
)
from xling.schema import XlingError


def test_wilson_interval_contains_estimate_and_narrows_with_n():
    lo, hi = wilson_interval(30, 100)
    assert lo < 0.3 < hi
    lo2, hi2 = wilson_interval(300, 1000)
    assert hi2 - lo2 < hi - lo
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0


@pytest.mark.parametrize(("k", "n"), [(0, 1), (0, 10), (3, 10), (5, 10), (10, 10), (1, 7),
                                      (30, 100), (999, 1000), (0, 2000)])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_wilson_interval_is_scipys(k, n, level):
    from scipy.stats import binomtest

    ref = binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    assert wilson_interval(k, n, level) == pytest.approx((ref.low, ref.high), abs=1e-12)


def test_wilson_interval_is_not_wald():
    """Wald (p ± z·sqrt(p(1-p)/n)) collapses to a point at k = 0 or k = n and is symmetric
    around p; Wilson's interval does neither."""
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)  # Wald: [0, 0]
    lo, hi = wilson_interval(10, 10)
    assert lo == pytest.approx(0.7225, abs=1e-4) and hi == 1.0  # Wald: [1, 1]
    lo, hi = wilson_interval(1, 20)  # p = 0.05: pulled towards 1/2, so the upper arm is longer
    assert hi - 0.05 > 2 * (0.05 - lo) and lo > 0.0  # Wald: symmetric, lower bound clipped to 0
    assert (lo, hi) == pytest.approx((0.00889, 0.23613), abs=1e-5)


def test_wilson_interval_without_samples_is_nan():
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    assert all(math.isnan(x) for x in accuracy([]).ci95)


def test_accuracy_counts_and_empty():
    acc = accuracy([True, False, True, True])
    assert acc.value == 0.75 and acc.n == 4
    assert math.isnan(accuracy([]).value)


def test_gen_matches_hand_computation():
    base = {"en": 0.634, "zh": 0.483, "de": 0.335}
    model = {"en": 0.858, "zh": 0.721, "de": 0.708}
    expected = ((0.858 - 0.634) / (1 - 0.634) + (0.721 - 0.483) / (1 - 0.483)
                + (0.708 - 0.335) / (1 - 0.335)) / 3
    assert gen_score(model, base) == pytest.approx(expected)


def test_gen_of_base_against_itself_is_zero_and_skips_full_languages():
    base = {"en": 1.0, "de": 0.5}
    assert gen_score(base, base) == 0.0
    result = gen_details({"en": 1.0, "de": 0.75}, base)
    assert result.skipped == ("en",) and result.value == pytest.approx(0.5)
    with pytest.raises(XlingError, match="100%"):
        gen_score({"en": 1.0}, {"en": 1.0})
    with pytest.raises(XlingError, match="no accuracy for|base run has no"):
        gen_score({"en": 0.5, "sw": 0.1}, {"en": 0.4})


def test_gen_can_be_negative_when_a_model_loses_accuracy():
    assert gen_score({"en": 0.2}, {"en": 0.6}) == pytest.approx(-1.0)


def test_average_refuses_missing_languages():
    assert average({"en": 0.5, "de": 0.25}) == 0.375
    with pytest.raises(XlingError, match="sw"):
        average({"en": 0.5}, ["en", "sw"])


def test_mti_provisional_formula_and_undefined_case():
    init = {"en": 0.5, "de": 0.2, "zh": 0.1}
    post = {"en": 0.7, "de": 0.3, "zh": 0.2}
    assert mti(post, init) == pytest.approx(((0.1 / 0.2) + (0.1 / 0.2)) / 2)
    with pytest.raises(XlingError, match="undefined"):
        mti({"en": 0.5, "de": 0.3}, {"en": 0.5, "de": 0.2})


def test_consistency_and_off_target_are_complements():
    resp = ["de", "en", None, "de"]
    q = ["de"] * 4
    assert consistency_rate(resp, q) == 0.5
    assert off_target_rate(resp, q) == 0.5


def test_paired_bootstrap_interval_contains_observed_difference():
    x = [1, 1, 1, 0, 1, 1, 0, 1] * 10
    y = [1, 0, 0, 0, 1, 0, 0, 1] * 10
    obs, lo, hi = paired_bootstrap(x, y, seed=1)
    assert obs == pytest.approx(0.375)
    assert lo < obs < hi and lo > 0  # a real, significant difference
    assert paired_bootstrap(x, x) == (0.0, 0.0, 0.0)
    assert paired_bootstrap(x, y, seed=1) == (obs, lo, hi)  # seeded
    with pytest.raises(XlingError):
        paired_bootstrap([1, 0], [1])


def test_summarize_rows_counts_outcomes_per_language():
    rows = [
        {"lang": "de", "correct": True, "extracted": "3", "reason": "boxed",
         "finish_reason": "stop", "response_lang": "de"},
        {"lang": "de", "correct": False, "extracted": None, "reason": "no-answer",
         "finish_reason": "length", "response_lang": "en"},
        {"lang": "en", "correct": False, "extracted": None, "reason": "timeout",
         "finish_reason": "error", "response_lang": None},
    ]
    s = summarize_rows(rows)
    assert s["de"]["acc"]["value"] == 0.5 and s["de"]["acc"]["n"] == 2
    assert s["de"]["no_answer"] == 1 and s["de"]["truncated"] == 1
    assert s["de"]["consistency"] == 0.5
    assert s["en"]["errors"] == 1 and s["en"]["timeouts"] == 1
