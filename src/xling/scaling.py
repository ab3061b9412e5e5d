"""Parallel Scaling Law (study B: Yang et al., arXiv 2510.02272, section "parallel training").

Stage: scaling (composes metrics). Cross-lingual accuracy y measured after training on N
parallel languages (N = 1 monolingual, 2, 3, ...) follows a power law y(N) = a * N^b, fitted in
log-log space on N >= 2. Two derived numbers: the First-Parallel Leap y(2) - y(1), and the
Monolingual Generalization Gap predicted(1) - actual(1) (the N = 1 point falls below the law).
Pure numpy/scipy (the regression is ``scipy.stats.linregress``); matplotlib is imported only
inside ``plot_scaling``.

Try:  python -c "from xling.scaling import *; print(fit_power_law([1,2,4,8], [.2,.4,.5,.6]))"

>>> fit = fit_power_law([1, 2, 4, 8], [0.30, 0.40, 0.50, 0.625])
>>> round(fit.a, 3), round(fit.b, 3), fit.n_points
(0.32, 0.322, 3)
>>> round(monolingual_generalization_gap([1, 2, 4, 8], [0.30, 0.40, 0.50, 0.625]), 3)
0.02
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import linregress

from xling.schema import XlingError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PowerLawFit:
    """y = a * N^b, fitted by least squares on (log N, log y) (study B, arXiv 2510.02272)."""

    a: float
    """Scale: the law's prediction at N = 1 (same units as y, e.g. accuracy fraction)."""
    b: float
    """Exponent (slope in log-log space)."""
    a_se: float
    """Standard error of a by the delta method, a * se(log a); nan when fitted on 2 points."""
    b_se: float
    """Standard error of b from the regression; nan when fitted on 2 points."""
    r2: float
    """Coefficient of determination in log-log space; nan if all log y are equal."""
    n_points: int
    """Number of (N, y) points the fit used (those with N >= min_n)."""


def _arrays(n: Sequence[float], y: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    n_arr, y_arr = np.asarray(n, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if n_arr.shape != y_arr.shape:
        raise XlingError(f"n and y differ in length ({n_arr.size} vs {y_arr.size})")
    if not (np.all(np.isfinite(n_arr)) and np.all(np.isfinite(y_arr))):
        raise XlingError("n and y must be finite numbers")
    bad = n_arr[n_arr <= 0]
    if bad.size:
        raise XlingError(f"N must be positive (number of parallel languages); got {bad.tolist()}")
    return n_arr, y_arr


def fit_power_law(n: Sequence[float], y: Sequence[float], *, min_n: float = 2) -> PowerLawFit:
    """Fit y = a * N^b in log-log space on the points with N >= min_n (study B fits N >= 2).

    Ordinary least squares of log y on log N by ``scipy.stats.linregress``: b is its slope,
    log a its intercept, their standard errors its ``stderr`` and ``intercept_stderr`` (residual
    variance on n_points - 2 degrees of freedom), r2 its ``rvalue`` squared, and
    se(a) = a * se(log a) by the delta method. Repeated N (several seeds) are allowed and all
    used.

    Args:
        n: number of parallel training languages per point, shape [k].
        y: the measured score per point (e.g. cross-lingual accuracy as a fraction), shape [k].
        min_n: points with N below this are left out of the fit.

    Returns:
        The fit. With exactly 2 usable points the line is exact: a_se, b_se are nan (no
        residual degrees of freedom) and r2 is 1.

    Raises:
        XlingError: fewer than 2 usable points or distinct N values, non-positive N, or a
            non-positive y among the usable points (log undefined; the message names it).

    >>> fit = fit_power_law([2, 4, 8], [0.2, 0.4, 0.8])
    >>> round(fit.a, 6), round(fit.b, 6), fit.r2
    (0.1, 1.0, 1.0)
    """
    n_arr, y_arr = _arrays(n, y)
    keep = n_arr >= min_n
    n_use, y_use = n_arr[keep], y_arr[keep]
    if n_use.size < 2 or np.unique(n_use).size < 2:
        raise XlingError(
            f"need at least 2 points with distinct N >= {min_n:g} to fit a power law; "
            f"got N = {n_use.tolist()}"
        )
    bad = [(float(ni), float(yi)) for ni, yi in zip(n_use, y_use, strict=True) if yi <= 0]
    if bad:
        raise XlingError(f"y must be positive to fit in log space; non-positive (N, y): {bad}")
    line = linregress(np.log(n_use), np.log(y_use))
    log_a, b = float(line.intercept), float(line.slope)
    flat = np.ptp(np.log(y_use)) == 0  # all log y equal: r2 undefined, linregress says nan
    if n_use.size == 2:  # the line is exact: no residual degrees of freedom
        log_a_se = b_se = math.nan
    elif flat:  # an exact flat line: zero residuals, zero standard errors
        log_a_se = b_se = 0.0
    else:
        log_a_se, b_se = float(line.intercept_stderr), float(line.stderr)
    r2 = math.nan if flat else float(line.rvalue) ** 2
    a = math.exp(log_a)
    return PowerLawFit(a=a, b=b, a_se=a * log_a_se, b_se=b_se, r2=r2,
                       n_points=int(n_use.size))


def predict(fit: PowerLawFit, n: float | Sequence[float]) -> float | np.ndarray:
    """The law's value a * N^b: a float for a scalar N, an array of the same shape otherwise.

    >>> round(predict(PowerLawFit(0.1, 1.0, 0.0, 0.0, 1.0, 3), 3), 6)
    0.3
    """
    out = fit.a * np.power(np.asarray(n, dtype=float), fit.b)
    return float(out) if out.ndim == 0 else out


def _value_at(n_arr: np.ndarray, y_arr: np.ndarray, at: float) -> float:
    hit = y_arr[n_arr == at]
    if hit.size == 0:
        raise XlingError(f"no point with N = {at:g}; have N = {sorted(set(n_arr.tolist()))}")
    return float(hit.mean())  # repeated N (seeds): their mean


def first_parallel_leap(n: Sequence[float], y: Sequence[float]) -> float:
    """First-Parallel Leap (study B): y(2) - y(1), the jump from monolingual to 2 languages.

    Repeated N (several seeds) are averaged first. Raises XlingError if N = 1 or N = 2 is missing.

    >>> round(first_parallel_leap([1, 2, 3], [0.30, 0.45, 0.50]), 6)
    0.15
    """
    n_arr, y_arr = _arrays(n, y)
    return _value_at(n_arr, y_arr, 2) - _value_at(n_arr, y_arr, 1)


def monolingual_generalization_gap(
    n: Sequence[float], y: Sequence[float], fit: PowerLawFit | None = None
) -> float:
    """Monolingual Generalization Gap (study B): predicted y(1) - actual y(1).

    The prediction comes from the power law fitted on N >= 2 (pass ``fit`` to reuse one), so
    it equals ``fit.a``; a positive gap means monolingual training underperforms the law.
    Repeated N = 1 points are averaged. Raises XlingError if N = 1 is missing.

    >>> round(monolingual_generalization_gap([1, 2, 4], [0.05, 0.2, 0.4]), 6)
    0.05
    """
    n_arr, y_arr = _arrays(n, y)
    actual = _value_at(n_arr, y_arr, 1)
    fit = fit if fit is not None else fit_power_law(n_arr, y_arr, min_n=2)
    return float(predict(fit, 1.0)) - actual


def plot_scaling(
    n: Sequence[float],
    y: Sequence[float],
    fit: PowerLawFit | None,
    path: str | Path,
    *,
    ylabel: str = "cross-lingual accuracy",
) -> Path:
    """Save a log-log PNG: measured points, the fitted law, and the N = 1 point marked apart.

    Args:
        n, y: the measurements, shape [k] each (as for ``fit_power_law``).
        fit: the law to draw; None fits it here on N >= 2.
        path: output PNG path (parent folders are created).
        ylabel: y-axis label.

    Returns:
        The path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    n_arr, y_arr = _arrays(n, y)
    fit = fit if fit is not None else fit_power_law(n_arr, y_arr)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(5, 4))
    try:
        mono, multi = (n_arr == 1) & (y_arr > 0), (n_arr != 1) & (y_arr > 0)
        ax.scatter(n_arr[multi], y_arr[multi], color="C0", label="parallel (N >= 2)", zorder=3)
        ax.scatter(n_arr[mono], y_arr[mono], facecolors="none", edgecolors="C3", s=70,
                   linewidths=2, label="monolingual (N = 1)", zorder=3)
        grid = np.geomspace(min(1.0, n_arr.min()), n_arr.max(), 100)
        ax.plot(grid, predict(fit, grid), color="C1",
                label=f"y = {fit.a:.3g} N^{fit.b:.3g}  (R² = {fit.r2:.3f})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ticks = sorted(set(n_arr.tolist()))
        ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("number of parallel training languages N")
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)
    log.info("wrote %s", path)
    return path
