"""bootstrap_gen counts the resamples where Gen is undefined, and refuses when all are.

Run: pytest tests/test_metrics_bootstrap.py -v
"""

from __future__ import annotations

import numpy as np
import pytest

from xling.metrics import bootstrap_gen, gen_score
from xling.schema import XlingError


def test_undefined_resamples_are_counted():
    n, n_boot = 50, 2000
    base = np.ones((n, 3))
    base[0, 0] = 0.0  # Gen is defined only in resamples that contain question 0
    model = np.ones((n, 3))
    result = bootstrap_gen(model, base, n_boot=n_boot, seed=1)
    gen, lo, hi = result  # still unpacks as (estimate, lo, hi)
    assert gen == pytest.approx(gen_score({"0": 1.0, "1": 1.0, "2": 1.0},
                                          {"0": 1 - 1 / n, "1": 1.0, "2": 1.0}))
    assert result.n_boot == n_boot
    # P(a resample of n misses question 0) = (1 - 1/n)^n
    assert result.dropped / n_boot == pytest.approx((1 - 1 / n) ** n, abs=0.04)
    assert lo <= gen <= hi


def test_nothing_dropped_when_always_defined():
    rng = np.random.default_rng(0)
    base, model = (rng.random((40, 4)) < 0.5).astype(float), (rng.random((40, 4)) < 0.7).astype(float)
    assert bootstrap_gen(model, base, n_boot=200).dropped == 0


def test_all_undefined_is_an_error_not_an_index_error():
    with pytest.raises(XlingError, match="undefined in all 100 resamples"):
        bootstrap_gen(np.ones((5, 2)), np.ones((5, 2)), n_boot=100)
