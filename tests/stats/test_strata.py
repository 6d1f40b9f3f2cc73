"""Tests for mangfold.stats.strata.

References
----------
R ``mantelhaen.test(UCBAdmissions)`` (R datasets; Admit x Gender x Dept with
Admitted and Male first), printed output:

    Mantel-Haenszel X-squared = 1.4269, df = 1, p-value = 0.2323
    95 percent confidence interval: 0.7719074 1.0603298
    common odds ratio 0.9046968

R's odds ratio is x[1,1,k] x[2,2,k] / (x[1,2,k] x[2,1,k]) = odds of admission
for men relative to women, so focal = Male, success = Admitted reproduces it.
Breslow-Day test (DescTools::BreslowDayTest(UCBAdmissions), no Tarone
correction): X-squared = 18.826, df = 5, p = 0.00207.
Also checked against statsmodels.stats.contingency_tables.StratifiedTable.
"""

import time

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import optimize, stats
from statsmodels.stats.contingency_tables import StratifiedTable

from mangfold.stats.strata import breslow_day, mantel_haenszel, stratified_by

# department: (male admitted, male rejected, female admitted, female rejected)
UCB = {
    "A": (512, 313, 89, 19),
    "B": (353, 207, 17, 8),
    "C": (120, 205, 202, 391),
    "D": (138, 279, 131, 244),
    "E": (53, 138, 94, 299),
    "F": (22, 351, 24, 317),
}


def ucb_tables() -> pd.DataFrame:
    return pd.DataFrame.from_dict(UCB, orient="index", columns=["a", "b", "c", "d"]).rename_axis("dept").reset_index()


def test_ucb_admissions_matches_r():
    out = mantel_haenszel(ucb_tables())
    assert out.shape == (1, 12)
    row = out.iloc[0]
    assert_allclose(row.estimate, 0.9046968, rtol=1e-6)
    assert_allclose([row.ci_low, row.ci_high], [0.7719074, 1.0603298], rtol=1e-6)
    assert_allclose(row.statistic, 1.4269, rtol=1e-4)
    assert_allclose(row.p_value, 0.2323, rtol=1e-3)
    assert_allclose(row.heterogeneity_statistic, 18.826, rtol=1e-4)
    assert row.heterogeneity_df == 5
    assert_allclose(row.heterogeneity_p, 0.00207, rtol=5e-3)
    assert row.n_strata_used == 6 and row.n_strata_dropped == 0
    assert row.n == 4526


def test_orientation_reversed_gives_reciprocal():
    t = ucb_tables()
    swapped = t.rename(columns={"a": "c", "b": "d", "c": "a", "d": "b"})
    out = mantel_haenszel(swapped).iloc[0]
    assert_allclose(out.estimate, 1 / 0.9046968, rtol=1e-6)
    assert_allclose([out.ci_low, out.ci_high], [1 / 1.0603298, 1 / 0.7719074], rtol=1e-6)
    # custom column names
    named = t.rename(columns={"a": "m_yes", "b": "m_no", "c": "f_yes", "d": "f_no"})
    out2 = mantel_haenszel(named, a="m_yes", b="m_no", c="f_yes", d="f_no")
    assert_allclose(out2.estimate, 0.9046968, rtol=1e-6)


def _random_tables(rng, k):
    n1 = rng.integers(2, 40, k)
    n0 = rng.integers(2, 40, k)
    base = rng.uniform(0.1, 0.9, k)
    a = rng.binomial(n1, np.clip(base * 0.8, 0, 1))
    c = rng.binomial(n0, base)
    return pd.DataFrame({"a": a, "b": n1 - a, "c": c, "d": n0 - c})


def test_against_statsmodels_many_strata():
    rng = np.random.default_rng(7)
    t = _random_tables(rng, 2000)
    out = mantel_haenszel(t).iloc[0]
    keep = ((t.a + t.c) > 0) & ((t.b + t.d) > 0)
    arr = t[keep].to_numpy(dtype=float).reshape(-1, 2, 2).transpose(1, 2, 0)
    st = StratifiedTable(arr)
    assert_allclose(out.estimate, st.oddsratio_pooled, rtol=1e-10)
    assert_allclose([out.ci_low, out.ci_high], st.oddsratio_pooled_confint(), rtol=1e-10)
    ref = st.test_null_odds(correction=True)
    assert_allclose(out.statistic, ref.statistic, rtol=1e-8)
    assert_allclose(out.p_value, ref.pvalue, rtol=1e-8, atol=1e-15)  # statsmodels' p underflows to 0
    het = st.test_equal_odds(adjust=False)
    assert_allclose(out.heterogeneity_statistic, het.statistic, rtol=1e-8)
    assert_allclose(out.heterogeneity_p, het.pvalue, rtol=1e-8, atol=1e-15)
    tar = mantel_haenszel(t, tarone=True).iloc[0]
    het_t = st.test_equal_odds(adjust=True)
    assert_allclose(tar.heterogeneity_statistic, het_t.statistic, rtol=1e-8)
    assert_allclose(tar.heterogeneity_p, het_t.pvalue, rtol=1e-8, atol=1e-15)
    assert tar.heterogeneity_statistic <= out.heterogeneity_statistic
    assert out.n_strata_used == keep.sum()
    no_cc = mantel_haenszel(t, correct=False).iloc[0]
    assert_allclose(no_cc.statistic, st.test_null_odds(correction=False).statistic, rtol=1e-8)
    assert no_cc.statistic > out.statistic


def test_breslow_day_roots_against_naive_loop():
    # expected cells solved one stratum at a time by root finding, for several psi incl. 1
    rng = np.random.default_rng(8)
    t = _random_tables(rng, 50)
    t = t[((t.a + t.c) > 0) & ((t.b + t.d) > 0)]
    a, b, c, d = (t[k].to_numpy(float) for k in "abcd")
    for psi in (0.3, 1.0, 2.5):
        stat = 0.0
        for ai, bi, ci, di in zip(a, b, c, d):
            n1, n0, s = ai + bi, ci + di, ai + ci
            lo, hi = max(0.0, s - n0), min(n1, s)
            f = lambda x: x * (n0 - s + x) - psi * (n1 - x) * (s - x)  # noqa: E731
            A = optimize.brentq(f, lo, hi, xtol=1e-13)
            var = 1 / (1 / A + 1 / (n1 - A) + 1 / (s - A) + 1 / (n0 - s + A))
            stat += (ai - A) ** 2 / var
        got, p, df = breslow_day(a, b, c, d, psi)
        assert_allclose(got, stat, rtol=1e-8)
        assert df == len(a) - 1
        assert_allclose(p, stats.chi2.sf(stat, df), rtol=1e-8)


def test_non_informative_strata_dropped_and_counted():
    t = ucb_tables()[["a", "b", "c", "d"]]
    junk = pd.DataFrame(
        {"a": [0, 5, 0, 3, np.nan], "b": [0, 5, 4, 0, 1], "c": [3, 0, 0, 2, 1], "d": [4, 0, 6, 0, 1]}
    )  # no focal; no reference; no successes; no failures; NaN
    out = mantel_haenszel(pd.concat([t, junk], ignore_index=True)).iloc[0]
    ref = mantel_haenszel(t).iloc[0]
    assert out.n_strata_used == 6 and out.n_strata_dropped == 5
    cols = ["estimate", "ci_low", "ci_high", "statistic", "p_value", "heterogeneity_statistic", "heterogeneity_p"]
    assert_allclose(out[cols].to_numpy(float), ref[cols].to_numpy(float), rtol=1e-12)


def test_no_or_single_informative_stratum():
    empty = mantel_haenszel(pd.DataFrame({"a": [0], "b": [0], "c": [2], "d": [3]})).iloc[0]
    assert np.isnan(empty.estimate) and np.isnan(empty.p_value)
    assert empty.n_strata_used == 0 and empty.n_strata_dropped == 1
    one = mantel_haenszel(pd.DataFrame({"a": [10], "b": [5], "c": [4], "d": [8]})).iloc[0]
    assert_allclose(one.estimate, 10 * 8 / (5 * 4), rtol=1e-12)
    assert np.isnan(one.heterogeneity_statistic) and one.heterogeneity_df == 0
    assert list(mantel_haenszel(pd.DataFrame({"a": [], "b": [], "c": [], "d": []})).columns) == list(
        mantel_haenszel(ucb_tables()).columns
    )


def test_stratified_by_long_data():
    rows = []
    for dept, (ma, mr, fa, fr) in UCB.items():
        rows += [(dept, "Male", ma, ma + mr), (dept, "Female", fa, fa + fr)]
    long = pd.DataFrame(rows, columns=["dept", "gender", "admitted", "applied"])
    tables = stratified_by(long, "dept", group_col="gender", focal="Male", success_col="admitted", trials_col="applied")
    assert list(tables.columns) == ["dept", "a", "b", "c", "d"]
    assert_allclose(tables[["a", "b", "c", "d"]].to_numpy(), ucb_tables()[["a", "b", "c", "d"]].to_numpy())
    assert_allclose(mantel_haenszel(tables).estimate, 0.9046968, rtol=1e-6)


def test_many_strata_fast():
    rng = np.random.default_rng(9)
    t = _random_tables(rng, 20000)
    start = time.perf_counter()
    out = mantel_haenszel(t)
    assert time.perf_counter() - start < 1.0
    assert out.n_strata_used.iloc[0] > 19000


def test_tarone_ucb_and_sparse_share():
    """UCB admissions: Breslow-Day 18.8255 (5 df) with and without Tarone's correction (R DescTools
    BreslowDayTest(correct=TRUE) prints 18.826, p = 0.002071; statsmodels adjust=True 18.825501); large
    strata, so no stratum is sparse. One table per vacancy with a handful of applicants: all sparse."""
    t = ucb_tables()
    row = mantel_haenszel(t, tarone=True).iloc[0]
    assert_allclose(row.heterogeneity_statistic, 18.825501, rtol=1e-6)
    assert_allclose(row.heterogeneity_p, 0.002071, rtol=1e-3)
    assert row.heterogeneity_sparse_share == 0.0
    rng = np.random.default_rng(12)
    small = _random_tables(rng, 100)
    small = small.assign(a=small.a % 4, b=small.b % 4 + 1, c=small.c % 4 + 1, d=small.d % 4 + 1)
    row = mantel_haenszel(small, tarone=True).iloc[0]
    assert row.heterogeneity_sparse_share == 1.0
    a, b, c, d = (small[k].to_numpy(float) for k in "abcd")
    keep = ((a + c) > 0) & ((b + d) > 0)
    st = StratifiedTable(small[keep].to_numpy(float).reshape(-1, 2, 2).transpose(1, 2, 0))
    assert_allclose(row.heterogeneity_statistic, st.test_equal_odds(adjust=True).statistic, rtol=1e-8)
    # mixed: a focal group of at most 7 has a fitted focal cell of at most 3.5 (< 5) in every small stratum,
    # while every fitted UCB cell is far above 5: the share is the share of small strata
    mixed = pd.concat([t[["a", "b", "c", "d"]], small.iloc[:20]], ignore_index=True)
    k_small = int(keep[:20].sum())
    row = mantel_haenszel(mixed, tarone=True).iloc[0]
    assert_allclose(row.heterogeneity_sparse_share, k_small / (6 + k_small), rtol=1e-12)


def test_counts_form_matches_rucb_tables():
    """mantel_haenszel_counts (the array form the funnel uses per stratified table) gives R's numbers."""
    from mangfold.stats.strata import mantel_haenszel_counts

    row = mantel_haenszel_counts(ucb_tables()[["a", "b", "c", "d"]].to_numpy())
    assert row["estimate"] == pytest.approx(0.9046968, abs=1e-6)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.7719074, 1.0603298), abs=1e-6)
    assert row["statistic"] == pytest.approx(1.4269, abs=1e-4)
    assert row["p_value"] == pytest.approx(0.2323, abs=1e-4)
    assert row["heterogeneity_statistic"] == pytest.approx(18.8255, abs=1e-3)
    assert (row["n_strata_used"], row["n_strata_dropped"], row["heterogeneity_df"]) == (6, 0, 5)
    assert mantel_haenszel(ucb_tables()).iloc[0].to_dict() == pytest.approx(row, nan_ok=True)
