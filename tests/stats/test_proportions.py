"""Tests for mangfold.stats.proportions.

References
----------
Newcombe RG (1998). Two-sided confidence intervals for the single proportion:
comparison of seven methods. Stat Med 17:857-872, table II (values printed to
4 decimals): method 3 = Wilson score (R prop.test(x, n, correct = FALSE)),
method 5 = Clopper-Pearson "exact" (R binom.test).
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from mangfold.stats.proportions import proportion_bounds, proportion_ci, wilson_interval

X = [81, 15, 0, 1]
N = [263, 148, 20, 29]
# Newcombe (1998) table II, method 3 (Wilson score, no continuity correction)
NEWCOMBE_WILSON = [(0.2553, 0.3662), (0.0624, 0.1605), (0.0000, 0.1611), (0.0061, 0.1718)]
# Newcombe (1998) table II, method 5 (Clopper-Pearson exact)
NEWCOMBE_EXACT = [(0.2527, 0.3676), (0.0578, 0.1617), (0.0000, 0.1684), (0.0009, 0.1776)]


def test_wilson_matches_newcombe_table():
    low, high = wilson_interval(X, N)
    ref = np.array(NEWCOMBE_WILSON)
    assert_allclose(low, ref[:, 0], atol=5e-5)
    assert_allclose(high, ref[:, 1], atol=5e-5)


def test_exact_matches_newcombe_table():
    out = proportion_ci(X, N, method="exact")
    ref = np.array(NEWCOMBE_EXACT)
    assert_allclose(out["ci_low"], ref[:, 0], atol=5e-5)
    assert_allclose(out["ci_high"], ref[:, 1], atol=5e-5)


def test_vectorised_equals_naive_loop_over_statsmodels():
    rng = np.random.default_rng(20240601)
    n = rng.integers(1, 500, size=300)
    x = rng.binomial(n, rng.uniform(0, 1, size=300))
    x[:5] = 0
    x[5:10] = n[5:10]
    for method, sm_method in (("wilson", "wilson"), ("exact", "beta")):
        out = proportion_ci(x, n, alpha=0.1, method=method)
        loop = np.array([proportion_confint(xi, ni, alpha=0.1, method=sm_method) for xi, ni in zip(x, n)])
        assert_allclose(out["ci_low"], loop[:, 0], rtol=1e-9, atol=1e-12)
        assert_allclose(out["ci_high"], loop[:, 1], rtol=1e-9, atol=1e-12)
        assert_allclose(out["estimate"], x / n, rtol=1e-15)


def test_exact_matches_scipy_binomtest():
    # scipy's binomtest(...).proportion_ci(method="exact") is Clopper-Pearson as R binom.test
    for x, n in [(7, 20), (0, 12), (12, 12), (333, 1000)]:
        ci = stats.binomtest(x, n).proportion_ci(confidence_level=0.95, method="exact")
        out = proportion_ci(x, n, method="exact")
        assert_allclose([out.ci_low[0], out.ci_high[0]], [ci.low, ci.high], rtol=1e-8, atol=1e-12)


def test_zero_n_gives_nan_and_boundaries_are_exact():
    out = proportion_ci([0, 0, 5], [0, 10, 5])
    assert out.loc[0, ["estimate", "ci_low", "ci_high"]].isna().all()
    assert out.loc[1, "ci_low"] == 0.0
    assert out.loc[2, "ci_high"] == 1.0
    assert list(out.columns) == ["successes", "n", "estimate", "ci_low", "ci_high", "method"]
    assert (out["method"] == "wilson").all()


def test_wilson_keeps_shape_and_alpha_matters():
    low, high = wilson_interval(np.array([[1, 2], [3, 4]]), 10)
    assert low.shape == (2, 2) and high.shape == (2, 2)
    lo95, hi95 = wilson_interval(30, 100, alpha=0.05)
    lo90, hi90 = wilson_interval(30, 100, alpha=0.10)
    assert lo90 > lo95 and hi90 < hi95


def test_invalid_counts_raise():
    with pytest.raises(ValueError):
        proportion_ci(5, 4)
    with pytest.raises(ValueError):
        proportion_ci(-1, 4)
    with pytest.raises(ValueError):
        proportion_ci(1, 4, method="wald")


def test_proportion_bounds_hand_values():
    # 30 of 80 declared "yes", 20 did not answer: 30/80, 30/100, 50/100
    out = proportion_bounds([30, 0], [80, 0], [20, 0])
    assert_allclose(out.loc[0, ["estimate", "bound_low", "bound_high"]].to_numpy(dtype=float), [0.375, 0.30, 0.50])
    assert out.loc[1, ["estimate", "bound_low", "bound_high"]].isna().all()
    assert list(out.columns) == ["successes", "n", "n_undeclared", "estimate", "bound_low", "bound_high"]


def test_proportion_bounds_contain_estimate():
    rng = np.random.default_rng(3)
    n = rng.integers(1, 100, 1000)
    x = rng.binomial(n, 0.4)
    u = rng.integers(0, 50, 1000)
    out = proportion_bounds(x, n, u)
    assert (out.bound_low <= out.estimate + 1e-15).all()
    assert (out.estimate <= out.bound_high + 1e-15).all()
    assert_allclose(out.bound_high - out.bound_low, u / (n + u), rtol=1e-12)


def test_proportion_bounds_equal_every_assignment_of_the_undeclared():
    """Brute force: k of the u undeclared belong to the group, for every k; the bounds are the extremes."""
    rng = np.random.default_rng(4)
    for _ in range(200):
        n, u = int(rng.integers(1, 30)), int(rng.integers(0, 20))
        x = int(rng.integers(0, n + 1))
        shares = [(x + k) / (n + u) for k in range(u + 1)]
        out = proportion_bounds(x, n, u).iloc[0]
        assert_allclose([out.bound_low, out.bound_high], [min(shares), max(shares)], rtol=1e-12)
