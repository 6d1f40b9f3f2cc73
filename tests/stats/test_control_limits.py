"""Tests for mangfold.stats.control_limits.

References
----------
Spiegelhalter (2005, Stat Med 24:1185), appendix A.1.1: interpolated binomial
limits ``(r_p - a) / n``; checked against a naive search for ``r_p``, against the
normal approximation for large n, and by a seeded in-control simulation.
"""

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose
from scipy import stats

from mangfold.stats.control_limits import flag_outliers, funnel_limits, level_label


def _spiegelhalter_naive(p, n, theta):
    """Loop: smallest r with F(r) >= p, then interpolate."""
    cdf = stats.binom(n, theta).cdf
    r = 0
    while cdf(r) < p:
        r += 1
    a = (cdf(r) - p) / (cdf(r) - cdf(r - 1))
    return min(max((r - a) / n, 0.0), 1.0)


def test_binomial_limits_equal_naive_definition():
    ns = np.array([5, 17, 50, 123, 400])
    out = funnel_limits(ns, 0.23, levels=(0.95, 0.998))
    assert list(out.columns) == ["n", "target", "level", "limit_low", "limit_high"]
    assert len(out) == 10
    for _, row in out.iterrows():
        tail = (1 - row.level) / 2
        assert_allclose(row.limit_low, _spiegelhalter_naive(tail, int(row.n), 0.23), rtol=1e-10, atol=1e-14)
        assert_allclose(row.limit_high, _spiegelhalter_naive(1 - tail, int(row.n), 0.23), rtol=1e-10)


def test_large_n_agrees_with_normal_approximation():
    ns = np.array([5_000, 20_000, 100_000, 1_000_000])
    exact = funnel_limits(ns, 0.3)
    normal = funnel_limits(ns, 0.3, method="normal")
    # the interpolated binomial quantile differs by O(1/n) from the normal one
    assert_allclose(exact.limit_low, normal.limit_low, atol=2e-4)
    assert_allclose(exact.limit_high, normal.limit_high, atol=2e-4)
    # hand value of the normal limits: 0.3 +- 1.96 sqrt(0.21 / 10^6)
    big = normal[(normal.n == 1_000_000) & (normal.level == 0.95)].iloc[0]
    assert_allclose(big.limit_high, 0.3 + 1.959963984540054 * np.sqrt(0.21 / 1e6), rtol=1e-12)


def test_in_control_simulation_coverage():
    # known truth: every unit has true rate 0.2 -> about 95 % / 99.8 % inside
    rng = np.random.default_rng(31)
    n = rng.integers(20, 500, 20_000)
    x = rng.binomial(n, 0.2)
    flags = flag_outliers(x, n, 0.2)
    assert 0.935 <= flags.within_95.mean() <= 0.965
    assert 0.995 <= flags.within_998.mean() <= 1.0
    # an out-of-control unit is flagged
    out = flag_outliers([60], [100], 0.2)
    assert not out.within_95[0] and not out.within_998[0]


def test_flag_outliers_columns_and_missing():
    out = flag_outliers([3, 0], [10, 0], 0.3, levels=(0.9, 0.999))
    assert list(out.columns) == ["x", "n", "target", "rate", "within_90", "within_999"]
    assert str(out.within_90.dtype) == "boolean"
    assert bool(out.within_90[0]) and pd.isna(out.within_90[1])
    assert level_label(0.998) == "998" and level_label(0.95) == "95"


def test_limits_zero_n_nan_and_within_bounds():
    out = funnel_limits([0, 10], [0.5, 0.01])
    assert out.loc[out.n == 0, ["limit_low", "limit_high"]].isna().all().all()
    assert (out.dropna().limit_low >= 0).all() and (out.dropna().limit_high <= 1).all()


def test_degenerate_targets():
    out = funnel_limits([10, 10], [0.0, 1.0])
    assert_allclose(out.limit_low, [0, 0, 1, 1])
    assert_allclose(out.limit_high, [0, 0, 1, 1])
    flags = flag_outliers([10, 9], [10, 10], 1.0)
    assert list(flags.within_95) == [True, False]
