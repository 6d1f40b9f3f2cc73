"""Tests for mangfold.stats.ratios.

References
----------
- Katz et al. (1978) log interval, checked against a scalar re-implementation.
- Bertrand & Mullainathan (2004, AER 94:991, table 1): callback rate 9.65 % for
  white-sounding and 6.45 % for African-American-sounding names, 2,435 CVs each,
  i.e. 235/2435 vs 157/2435; two-sided Fisher p ~ 4.8e-05.
- R ``power.prop.test`` (stats package) normal approximation; its help page
  example ``power.prop.test(n = 50, p1 = .50, power = .90)  # => p2 = 0.8``.
- Seeded simulations with known truth (coverage, power).
"""

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import optimize, stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportions_ztest

from mangfold.stats.ratios import (
    four_fifths_flag,
    impact_ratio,
    mde_two_proportions,
    two_proportion_test,
    verdict,
)

Z975 = 1.959963984540054


# ---------------------------------------------------------------- impact_ratio
def _katz_scalar(x1, n1, x0, n0, z=Z975):
    """Naive scalar implementation (Haldane: +0.5 to every cell if any is zero)."""
    if n1 == 0 or n0 == 0:
        return math.nan, math.nan, math.nan
    if x1 == 0 or x0 == 0 or x1 == n1 or x0 == n0:
        x1, n1, x0, n0 = x1 + 0.5, n1 + 1, x0 + 0.5, n0 + 1
    log_rr = math.log((x1 / n1) / (x0 / n0))
    se = math.sqrt(1 / x1 - 1 / n1 + 1 / x0 - 1 / n0)
    return se, math.exp(log_rr - z * se), math.exp(log_rr + z * se)


def test_impact_ratio_bertrand_mullainathan_by_hand():
    out = impact_ratio(157, 2435, 235, 2435)
    se = math.sqrt(1 / 157 - 1 / 2435 + 1 / 235 - 1 / 2435)
    assert_allclose(out.estimate[0], 157 / 235, rtol=1e-12)
    assert_allclose(out.log_se[0], se, rtol=1e-12)
    assert_allclose(out.ci_low[0], (157 / 235) * math.exp(-Z975 * se), rtol=1e-12)
    assert_allclose(out.ci_high[0], (157 / 235) * math.exp(Z975 * se), rtol=1e-12)
    # reported rates in the paper: 6.45 % and 9.65 %
    assert_allclose([out.rate_group[0], out.rate_reference[0]], [0.0645, 0.0965], atol=5e-5)
    assert out.method[0] == "katz_log"
    assert list(out.columns) == [
        "rate_group", "rate_reference", "estimate", "ci_low", "ci_high", "log_se", "method"
    ]


def test_impact_ratio_vectorised_equals_naive_loop():
    rng = np.random.default_rng(11)
    n1 = rng.integers(0, 60, 500)
    n0 = rng.integers(0, 60, 500)
    x1 = rng.binomial(n1, 0.2)
    x0 = rng.binomial(n0, 0.3)
    out = impact_ratio(x1, n1, x0, n0)
    loop = np.array([_katz_scalar(*row) for row in zip(x1, n1, x0, n0)])
    assert_allclose(out.log_se, loop[:, 0], rtol=1e-12, equal_nan=True)
    assert_allclose(out.ci_low, loop[:, 1], rtol=1e-12, equal_nan=True)
    assert_allclose(out.ci_high, loop[:, 2], rtol=1e-12, equal_nan=True)
    # the sample really contains zero cells and empty groups
    assert (out.method == "katz_log_haldane").sum() > 10
    assert ((n1 == 0) | (n0 == 0)).any()


def test_impact_ratio_zero_rules():
    out = impact_ratio([0, 3, 0], [10, 10, 0], [5, 0, 2], [10, 10, 4])
    # row 0: estimate uncorrected, interval from 0.5/11 vs 5.5/11
    assert out.estimate[0] == 0.0
    se = math.sqrt(1 / 0.5 - 1 / 11 + 1 / 5.5 - 1 / 11)
    assert_allclose(out.ci_high[0], (0.5 / 5.5) * math.exp(Z975 * se), rtol=1e-12)
    assert np.isinf(out.estimate[1])  # reference rate 0
    assert out.loc[2, ["rate_group", "estimate", "ci_low", "ci_high", "log_se"]].isna().all()
    assert list(out.method[:2]) == ["katz_log_haldane", "katz_log_haldane"]
    raw = impact_ratio([0, 3], [10, 10], [5, 0], [10, 10], zero_rule="none")
    assert raw[["ci_low", "ci_high", "log_se"]].isna().all().all()
    assert list(raw.method) == ["katz_log", "katz_log"]


def test_impact_ratio_log_interval_coverage_simulation():
    # known truth: p_group = 0.24, p_ref = 0.30, true ratio 0.8, n = 200 each;
    # 2000 seeded replications, the 95 % interval must cover 93-97 % of the time
    rng = np.random.default_rng(2024)
    reps, n = 2000, 200
    x1 = rng.binomial(n, 0.24, reps)
    x0 = rng.binomial(n, 0.30, reps)
    out = impact_ratio(x1, n, x0, n)
    coverage = np.mean((out.ci_low <= 0.8) & (0.8 <= out.ci_high))
    assert 0.93 <= coverage <= 0.97, coverage
    # and at 90 % the coverage drops accordingly
    out90 = impact_ratio(x1, n, x0, n, alpha=0.10)
    cov90 = np.mean((out90.ci_low <= 0.8) & (0.8 <= out90.ci_high))
    assert 0.875 <= cov90 <= 0.925, cov90


# ---------------------------------------------------------- two_proportion_test
def _fisher_by_hypergeometric(a, b, c, d):
    """Two-sided Fisher p: sum of tables no more probable than observed (as R)."""
    n1, t, N = a + b, a + c, a + b + c + d
    dist = stats.hypergeom(N, n1, t)
    support = np.arange(max(0, t - (c + d)), min(n1, t) + 1)
    pmf = dist.pmf(support)
    return pmf[pmf <= dist.pmf(a) * (1 + 1e-7)].sum()


def test_fisher_bertrand_mullainathan():
    out = two_proportion_test(157, 2435, 235, 2435)
    p = out.p_value[0]
    assert 4.5e-5 < p < 5.1e-5, p  # published/recomputed ~4.8e-05
    assert_allclose(p, _fisher_by_hypergeometric(157, 2435 - 157, 235, 2435 - 235), rtol=1e-6)
    assert_allclose(out.statistic[0], (157 * 2200) / (2278 * 235), rtol=1e-12)
    assert out.method[0] == "fisher"


def test_fisher_vectorised_with_duplicates_equals_loop():
    rng = np.random.default_rng(5)
    n1 = rng.integers(0, 30, 200)
    n0 = rng.integers(0, 30, 200)
    x1 = rng.binomial(n1, 0.3)
    x0 = rng.binomial(n0, 0.5)
    out = two_proportion_test(x1, n1, x0, n0)
    for i in range(200):
        if n1[i] == 0 or n0[i] == 0:
            assert np.isnan(out.p_value[i])
        else:
            ref = stats.fisher_exact([[x1[i], n1[i] - x1[i]], [x0[i], n0[i] - x0[i]]])
            assert_allclose(out.p_value[i], ref.pvalue, rtol=1e-12)


def test_chi2_matches_scipy_and_z_test():
    tables = [(157, 2435, 235, 2435), (12, 40, 20, 45), (3, 9, 8, 10)]
    for correct in (False, True):
        out = two_proportion_test(*np.array(tables).T, method="chi2", correct=correct)
        for i, (x1, n1, x0, n0) in enumerate(tables):
            chi2, p, _, _ = stats.chi2_contingency(
                [[x1, n1 - x1], [x0, n0 - x0]], correction=correct
            )
            assert_allclose([out.statistic[i], out.p_value[i]], [chi2, p], rtol=1e-10)
        assert (out.method == ("chi2_yates" if correct else "chi2")).all()
    z, p = proportions_ztest([12, 20], [40, 45])
    out = two_proportion_test(12, 40, 20, 45, method="chi2")
    assert_allclose([out.statistic[0], out.p_value[0]], [z**2, p], rtol=1e-10)


def test_test_edge_cases():
    out = two_proportion_test([0, 0], [0, 10], [1, 0], [5, 10])
    assert np.isnan(out.p_value[0])
    assert out.p_value[1] == 1.0  # Fisher on a zero-margin table
    out = two_proportion_test([0, 0], [0, 10], [1, 0], [5, 10], method="chi2")
    assert out.p_value.isna().all()


# ------------------------------------------------------------ four_fifths_flag
def test_four_fifths_flag():
    flag = four_fifths_flag([0.5, np.nan, 0.8, 0.7999, np.inf])
    assert str(flag.dtype) == "boolean"
    assert pd.isna(flag[1])
    assert list(flag[[0, 2, 3, 4]]) == [True, False, True, False]
    assert list(four_fifths_flag([0.85], threshold=0.9)) == [True]


# ---------------------------------------------------------------------- verdict
def test_verdict_cases():
    lo = [0.50, 0.50, 0.85, 1.10, 0.60, np.nan, 0.85, 0.60, 0.85]
    hi = [0.90, 0.90, 1.20, 1.50, 1.20, 1.00, 0.97, 0.95, 1.20]
    p = [0.01, 0.20, 0.50, 0.01, 0.50, 0.50, 0.01, 0.01, np.nan]
    expected = [
        "disparity",  # below 1, significant
        "inconclusive",  # below 1, not significant after adjustment
        "no_evidence",  # includes 1, rules out < 0.8
        "no_evidence",  # entirely above 1 (advantage)
        "inconclusive",  # includes 1 and 0.6
        "inconclusive",  # NaN
        "disparity",  # small but significant disparity
        "disparity",
        "no_evidence",  # p is irrelevant when the interval includes 1
    ]
    assert_array_equal(verdict(lo, hi, p), np.array(expected, dtype=object))
    assert list(verdict([0.82], [1.1], [0.5], four_fifths=0.9)) == ["inconclusive"]
    assert list(verdict([0.5], [0.9], [0.04], alpha=0.01)) == ["inconclusive"]
    # entirely below 1 but above four_fifths, not significant after adjustment
    assert list(verdict([0.85], [0.97], [0.2])) == ["inconclusive"]


def test_verdict_mde_downgrades_underpowered():
    out = verdict([0.85, 0.85, 0.85], [1.2, 1.2, 1.2], [0.5, 0.5, 0.5], mde=[0.9, 0.7, np.nan])
    assert list(out) == ["no_evidence", "inconclusive", "inconclusive"]


# ---------------------------------------------------------- mde_two_proportions
def _r_power_prop(n, p1, p2, alpha=0.05):
    """R power.prop.test's p.body (strict = FALSE), transcribed."""
    q = stats.norm.isf(alpha / 2)
    return stats.norm.cdf(
        (math.sqrt(n) * abs(p1 - p2) - q * math.sqrt((p1 + p2) * (1 - (p1 + p2) / 2)))
        / math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    )


def test_mde_matches_r_power_prop_test():
    # R help page: power.prop.test(n = 50, p1 = .50, power = .90)  # => p2 = 0.8
    d = mde_two_proportions(50, 50, 0.5, power=0.9, direction="higher")[0]
    assert abs(0.5 + d - 0.8) < 0.005
    # exact agreement with R's formula solved by root finding (equal n)
    for n, p1, pw in [(100, 0.5, 0.8), (50, 0.5, 0.9), (200, 0.2, 0.8), (80, 0.7, 0.85)]:
        r_p2 = optimize.brentq(lambda p2: _r_power_prop(n, p1, p2) - pw, p1 + 1e-9, 1 - 1e-12, xtol=1e-14)
        assert_allclose(p1 + mde_two_proportions(n, n, p1, power=pw, direction="higher")[0], r_p2, rtol=1e-9)
        r_p2_low = optimize.brentq(lambda p2: _r_power_prop(n, p1, p2) - pw, 1e-12, p1 - 1e-9, xtol=1e-14)
        assert_allclose(p1 - mde_two_proportions(n, n, p1, power=pw)[0], r_p2_low, rtol=1e-9)
    # R power.prop.test(n = 100, p1 = 0.5, power = 0.8) -> p2 ~ 0.693
    assert_allclose(0.5 + mde_two_proportions(100, 100, 0.5)[0], 0.6932, atol=2e-4)


def test_mde_close_to_statsmodels_arcsine():
    h = NormalIndPower().solve_power(effect_size=None, nobs1=100, alpha=0.05, power=0.8, ratio=2.0)
    p_ref = 0.3
    p_group = math.sin(math.asin(math.sqrt(p_ref)) - h / 2) ** 2
    d = mde_two_proportions(100, 200, p_ref)[0]
    assert abs((p_ref - d) - p_group) < 0.005


def test_mde_power_by_simulation_and_design_effect():
    # simulate the two-sided pooled z test at the returned difference
    n1, n0, p_ref = 150, 300, 0.3
    d = mde_two_proportions(n1, n0, p_ref)[0]
    rng = np.random.default_rng(99)
    reps = 20000
    x1 = rng.binomial(n1, p_ref - d, reps)
    x0 = rng.binomial(n0, p_ref, reps)
    out = two_proportion_test(x1, n1, x0, n0, method="chi2")
    power = np.mean(out.p_value < 0.05)
    assert 0.785 <= power <= 0.83, power
    # design effect 2 == halving both sample sizes
    assert_allclose(
        mde_two_proportions(n1, n0, p_ref, design_effect=2.0), mde_two_proportions(n1 / 2, n0 / 2, p_ref), rtol=1e-10
    )


def test_mde_vectorised_and_edge_cases():
    n = np.array([40, 100, 1000, 0, 10])
    p = np.array([0.3, 0.3, 0.3, 0.3, 0.05])
    out = mde_two_proportions(n, n, p)
    assert out.shape == (5,)
    assert np.all(np.diff(out[:3]) < 0)  # more data, smaller MDE
    assert np.isnan(out[3])  # no data
    assert np.isnan(out[4])  # 0.05 -> 0 not detectable with 10 each
    loop = [mde_two_proportions(ni, ni, pi)[0] for ni, pi in zip(n[:3], p[:3])]
    assert_allclose(out[:3], loop, rtol=1e-12)


def test_mde_nan_when_even_zero_rate_not_detectable():
    # 20 vs 20 at p_ref = 0.3: even a focal rate of 0 has power Phi(0.77) ~ 0.78 < 0.8
    assert np.isnan(mde_two_proportions(20, 20, 0.3)[0])
    assert np.isfinite(mde_two_proportions(20, 20, 0.3, power=0.75)[0])
