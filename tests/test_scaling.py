"""Parallel Scaling Law fit, First-Parallel Leap, Monolingual Generalization Gap (study B).

Run: pytest tests/test_scaling.py -v
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from xling.scaling import (
    PowerLawFit,
    first_parallel_leap,
    fit_power_law,
    monolingual_generalization_gap,
    plot_scaling,
    predict,
)
from xling.schema import XlingError

N = [1, 2, 3, 4, 5, 6, 7, 8]


def test_recovers_exact_power_law():
    y = [0.3 * n**0.25 for n in N]
    fit = fit_power_law(N, y)
    assert fit.a == pytest.approx(0.3, rel=1e-9)
    assert fit.b == pytest.approx(0.25, rel=1e-9)
    assert fit.r2 == pytest.approx(1.0)
    assert fit.n_points == 7  # N = 1 left out (min_n = 2)
    assert fit.a_se < 1e-9 and fit.b_se < 1e-9


def test_recovers_noisy_power_law_within_its_standard_errors():
    rng = np.random.default_rng(0)
    n = np.repeat(np.arange(2, 11), 5)  # 5 seeds per N
    y = 0.4 * n**0.2 * np.exp(rng.normal(0, 0.02, n.size))
    fit = fit_power_law(n, y)
    assert abs(fit.b - 0.2) < 3 * fit.b_se and fit.b_se < 0.02
    assert abs(fit.a - 0.4) < 3 * fit.a_se and fit.a_se < 0.02
    assert 0.8 < fit.r2 < 1.0


@pytest.mark.parametrize(
    ("n", "y"),
    [
        ([2, 3, 4, 5, 6], [0.21, 0.30, 0.33, 0.38, 0.39]),
        ([1, 2, 4, 8, 16], [0.05, 0.31, 0.29, 0.45, 0.52]),  # N = 1 left out of the fit
        ([2, 2, 3, 3, 5, 5], [0.40, 0.43, 0.41, 0.47, 0.50, 0.46]),  # seeds: repeated N
        ([2, 3, 4, 6], [0.6, 0.52, 0.50, 0.41]),  # a falling law (b < 0)
        ([2, 4, 8], [0.2, 0.41, 0.79]),  # one residual degree of freedom
    ],
)
def test_fit_is_pinned_to_scipy_linregress(n, y):
    """a, b, their standard errors and r2 are linregress's on (log N, log y) for N >= 2."""
    from scipy.stats import linregress

    keep = np.asarray(n) >= 2
    ref = linregress(np.log(np.asarray(n)[keep]), np.log(np.asarray(y)[keep]))
    fit = fit_power_law(n, y)
    assert fit.n_points == keep.sum()
    assert fit.b == pytest.approx(ref.slope, rel=1e-12)
    assert fit.a == pytest.approx(math.exp(ref.intercept), rel=1e-12)
    assert fit.b_se == pytest.approx(ref.stderr, rel=1e-9)
    assert fit.a_se == pytest.approx(fit.a * ref.intercept_stderr, rel=1e-9)
    assert fit.r2 == pytest.approx(ref.rvalue**2, rel=1e-12)


def test_flat_line_has_zero_errors_and_undefined_r2():
    fit = fit_power_law([2, 3, 4], [0.5, 0.5, 0.5])
    assert fit.b == pytest.approx(0.0, abs=1e-12) and fit.a == pytest.approx(0.5)
    assert fit.a_se == 0.0 and fit.b_se == 0.0 and math.isnan(fit.r2)


def test_two_points_give_exact_fit_and_nan_errors():
    fit = fit_power_law([2, 4], [0.2, 0.4])
    assert fit.b == pytest.approx(1.0) and fit.a == pytest.approx(0.1)
    assert math.isnan(fit.a_se) and math.isnan(fit.b_se) and fit.r2 == pytest.approx(1.0)


def test_predict_scalar_and_array():
    fit = PowerLawFit(a=0.5, b=0.5, a_se=0.0, b_se=0.0, r2=1.0, n_points=3)
    assert predict(fit, 4) == pytest.approx(1.0)
    assert isinstance(predict(fit, 4), float)
    assert predict(fit, [1, 4, 9]) == pytest.approx([0.5, 1.0, 1.5])


def test_leap_and_gap_hand_computed():
    n, y = [1, 2, 4, 8], [0.25, 0.4, 0.5, 0.625]  # N >= 2: y = 0.32 * N^log2(1.25)
    assert first_parallel_leap(n, y) == pytest.approx(0.15)
    assert monolingual_generalization_gap(n, y) == pytest.approx(0.32 - 0.25)
    fit = fit_power_law(n, y)
    assert monolingual_generalization_gap(n, y, fit) == pytest.approx(fit.a - 0.25)


def test_repeated_n_are_averaged_for_leap():
    assert first_parallel_leap([1, 1, 2, 2], [0.2, 0.3, 0.5, 0.6]) == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("n", "y", "match"),
    [
        ([1, 2], [0.1, 0.2], "at least 2 points"),  # only one point with N >= 2
        ([2, 2, 2], [0.1, 0.2, 0.3], "distinct N"),
        ([0, 2, 3], [0.1, 0.2, 0.3], "N must be positive"),
        ([2, 3, 4], [0.1, 0.0, 0.3], r"non-positive \(N, y\): \[\(3.0, 0.0\)\]"),
        ([2, 3], [0.1], "differ in length"),
        ([2, 3], [0.1, float("nan")], "finite"),
    ],
)
def test_fit_rejects_bad_input(n, y, match):
    with pytest.raises(XlingError, match=match):
        fit_power_law(n, y)


def test_zero_at_n1_is_fine_for_the_fit():
    fit = fit_power_law([1, 2, 4], [0.0, 0.2, 0.4])
    assert fit.n_points == 2


@pytest.mark.parametrize("fn", [first_parallel_leap, monolingual_generalization_gap])
def test_missing_n1_is_an_error(fn):
    with pytest.raises(XlingError, match="N = 1"):
        fn([2, 3, 4], [0.2, 0.3, 0.4])


def test_leap_needs_n2():
    with pytest.raises(XlingError, match="N = 2"):
        first_parallel_leap([1, 3, 4], [0.2, 0.3, 0.4])


def test_plot_written(tmp_path):
    n, y = [1, 2, 4, 8], [0.25, 0.4, 0.5, 0.625]
    out = plot_scaling(n, y, fit_power_law(n, y), tmp_path / "sub" / "scaling.png")
    assert out.exists() and out.stat().st_size > 1000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plot_scaling(n, y, None, tmp_path / "b.png").stat().st_size > 1000
