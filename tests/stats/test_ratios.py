"""Tests for mangfold.stats.ratios.

References
----------
- Katz et al. (1978) log interval and its Wald test, checked against statsmodels
  ``Table2x2.riskratio_confint`` / ``log_riskratio_pvalue`` (an independent implementation).
- Undeclared bounds checked against a brute-force enumeration of every split.
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

from statsmodels.stats.contingency_tables import Table2x2

from mangfold.stats.ratios import (
    four_fifths_flag,
    impact_ratio,
    mde_two_proportions,
    ratio_bounds,
    two_proportion_test,
    verdict,
)

Z975 = 1.959963984540054


# ---------------------------------------------------------------- impact_ratio
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
        "rate_group", "rate_reference", "estimate", "ci_low", "ci_high", "log_se", "p_value", "method"
    ]


def test_impact_ratio_against_statsmodels_table2x2():
    """Random tables without zero cells: interval (at several levels, also per-row levels) and Wald p-value
    equal statsmodels' independent Table2x2 implementation."""
    rng = np.random.default_rng(11)
    n1 = rng.integers(5, 400, 300)
    n0 = rng.integers(5, 400, 300)
    x1 = rng.binomial(n1, 0.3)
    x0 = rng.binomial(n0, 0.4)
    keep = (x1 > 0) & (x1 < n1) & (x0 > 0) & (x0 < n0)
    x1, n1, x0, n0 = x1[keep], n1[keep], x0[keep], n0[keep]
    alphas = rng.choice([0.05, 0.0125, 0.10], size=len(x1))
    out = impact_ratio(x1, n1, x0, n0, alpha=alphas)
    for i in range(len(x1)):
        t = Table2x2(np.array([[x1[i], n1[i] - x1[i]], [x0[i], n0[i] - x0[i]]], dtype=float))
        assert_allclose(out.estimate[i], t.riskratio, rtol=1e-12)
        assert_allclose([out.ci_low[i], out.ci_high[i]], t.riskratio_confint(alpha=alphas[i]), rtol=1e-10)
        assert_allclose(out.log_se[i], t.log_riskratio_se, rtol=1e-10)
        assert_allclose(out.p_value[i], t.log_riskratio_pvalue(), rtol=1e-8)
    # the test inverts the interval: p < alpha exactly when the interval excludes 1
    excl = (out.ci_high < 1) | (out.ci_low > 1)
    assert_array_equal(out.p_value < alphas, excl)
    assert excl.any() and (~excl).any()
    with pytest.raises(ValueError):
        impact_ratio(1, 2, 1, 2, alpha=[0.05, 1.5])


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
    # and at the funnel's Bonferroni level for a family of four (98.75 %)
    out_adj = impact_ratio(x1, n, x0, n, alpha=0.05 / 4)
    cov_adj = np.mean((out_adj.ci_low <= 0.8) & (0.8 <= out_adj.ci_high))
    assert 0.978 <= cov_adj <= 0.996, cov_adj


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


# ---------------------------------------------------------------- ratio_bounds
def _brute_force_bounds(x1, n1, x0, n0, xu, nu):
    """Every split of the undeclared: i of the xu successes and j of the nu - xu failures to the group."""
    vals = {k: [] for k in ("g", "r", "q")}
    for i in range(xu + 1):
        for j in range(nu - xu + 1):
            g = (x1 + i) / (n1 + i + j)
            r = (x0 + xu - i) / (n0 + nu - i - j)
            vals["g"].append(g)
            vals["r"].append(r)
            vals["q"].append(g / r if r > 0 else (math.inf if g > 0 else math.nan))
    out = []
    for k in ("g", "r", "q"):
        v = np.array(vals[k], dtype=float)
        out += [np.nanmin(v), np.nanmax(v)] if not np.isnan(v).all() else [math.nan, math.nan]
    return out


def test_ratio_bounds_equal_brute_force_over_every_split():
    rng = np.random.default_rng(42)
    rows, ref = [], []
    for _ in range(400):
        n1, n0, nu = (int(v) for v in rng.integers(1, 15, 3))
        x1, x0 = int(rng.integers(0, n1 + 1)), int(rng.integers(0, n0 + 1))
        xu = int(rng.integers(0, nu + 1))
        rows.append((x1, n1, x0, n0, xu, nu))
        ref.append(_brute_force_bounds(x1, n1, x0, n0, xu, nu))
    got = ratio_bounds(*np.array(rows).T)
    ref = np.array(ref)
    cols = ["rate_group_low", "rate_group_high", "rate_reference_low", "rate_reference_high", "ratio_low",
            "ratio_high"]
    assert_allclose(got[cols].to_numpy(float), ref, rtol=1e-12, equal_nan=True)
    # the sample contains the hard cases: infinite upper ratio, a zero reference rate, no undeclared successes
    assert np.isinf(got.ratio_high).any() and (np.array(rows)[:, 4] == 0).any()
    # the old two-scenario "bounds" (all undeclared in one group) are strictly inside on some rows
    x1, n1, x0, n0, xu, nu = np.array(rows, dtype=float).T
    with np.errstate(divide="ignore", invalid="ignore"):
        two = np.column_stack([((x1 + xu) / (n1 + nu)) / (x0 / n0), (x1 / n1) / ((x0 + xu) / (n0 + nu)),
                               (x1 / n1) / (x0 / n0)])
    finite = np.isfinite(two).all(axis=1) & np.isfinite(got.ratio_high)
    assert (got.ratio_low[finite] < np.min(two[finite], axis=1) - 1e-9).any()
    assert (got.ratio_high[finite] > np.max(two[finite], axis=1) + 1e-9).any()


def test_ratio_bounds_hand_values_and_no_undeclared():
    # demo 2025 whole funnel: lbg2 40 of 883 hired, reference 90 of 1114, 388 undeclared of whom 25 hired
    b = ratio_bounds(40, 883, 90, 1114, 25, 388).iloc[0]
    assert_allclose(b.ratio_low, (40 / (883 + 363)) / (115 / 1139), rtol=1e-12)
    assert_allclose(b.ratio_high, (65 / 908) / (90 / (1114 + 363)), rtol=1e-12)
    none = ratio_bounds([3, 5], [10, 20], [4, 6], [10, 30], 0, 0)
    assert_allclose(none.ratio_low, [0.75, 1.25]) and assert_allclose(none.ratio_high, [0.75, 1.25])
    assert ratio_bounds(0, 0, 3, 10, 1, 2).isna().all(axis=None)  # no declared group: nothing to bound
    with pytest.raises(ValueError):
        ratio_bounds(1, 2, 1, 2, 3, 2)


def test_verdict_no_evidence_must_hold_over_the_whole_bound():
    lo, hi, p = [0.85, 0.85, 0.85], [1.2, 1.2, 1.2], [0.5, 0.5, 0.5]
    out = verdict(lo, hi, p, bound_low=[0.9, 0.7, np.nan])
    assert list(out) == ["no_evidence", "inconclusive", "inconclusive"]
    # a disparity is decided by the interval and the adjusted test, not by the bounds
    assert list(verdict([0.5], [0.9], [0.001], bound_low=[0.3])) == ["disparity"]
