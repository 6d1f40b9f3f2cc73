"""Tests for mangfold.stats.survival.

References
----------
R ``summary(survfit(Surv(time, status) ~ 1, data = aml, subset = x == "Maintained"))``
(survival package, conf.type = "log"):

 time n.risk n.event survival std.err lower 95% CI upper 95% CI
    9     11       1    0.909  0.0867       0.7541        1.000
   13     10       1    0.818  0.1163       0.6192        1.000
   18      8       1    0.716  0.1397       0.4884        1.000
   23      7       1    0.614  0.1526       0.3769        0.999
   31      5       1    0.491  0.1642       0.2549        0.946
   34      4       1    0.368  0.1627       0.1549        0.875
   48      2       1    0.184  0.1535       0.0359        0.944

R ``survdiff(Surv(time, status) ~ x, data = aml)``: Chisq = 3.4 on 1 df,
p = 0.07, expected events 10.69 (Maintained) and 7.31 (Nonmaintained).
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from mangfold.stats.survival import kaplan_meier, logrank_test

AML_M_TIME = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161]
AML_M_EVENT = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]
AML_N_TIME = [5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
AML_N_EVENT = [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]


def test_km_aml_matches_r():
    km = kaplan_meier(AML_M_TIME, AML_M_EVENT)
    ev = km[km.n_events > 0].reset_index(drop=True)
    assert_allclose(ev.time, [9, 13, 18, 23, 31, 34, 48])
    assert list(ev.n_at_risk) == [11, 10, 8, 7, 5, 4, 2]
    assert_allclose(ev.survival, [0.909, 0.818, 0.716, 0.614, 0.491, 0.368, 0.184], atol=5e-4)
    assert_allclose(ev.std_error, [0.0867, 0.1163, 0.1397, 0.1526, 0.1642, 0.1627, 0.1535], atol=5e-5)
    assert_allclose(ev.ci_low, [0.7541, 0.6192, 0.4884, 0.3769, 0.2549, 0.1549, 0.0359], atol=5e-5)
    assert_allclose(ev.ci_high, [1.000, 1.000, 1.000, 0.999, 0.946, 0.875, 0.944], atol=5e-4)
    assert list(km.columns) == [
        "time", "n_at_risk", "n_events", "n_censored", "survival", "std_error", "ci_low", "ci_high"
    ]
    # censored-only times carry the curve forward
    assert km.loc[km.time == 161, "survival"].item() == ev.survival.iloc[-1]


def _km_naive(t, e):
    t, e = np.asarray(t, float), np.asarray(e, float)
    s, g, out = 1.0, 0.0, []
    for u in np.unique(t):
        n = np.sum(t >= u)
        d = np.sum((t == u) & (e == 1))
        s *= 1 - d / n
        if d:
            g += d / (n * (n - d)) if n > d else np.inf
        out.append((u, n, d, s, s * np.sqrt(g) if s > 0 else np.nan))
    return np.array(out)


def test_km_vectorised_equals_naive_loop_with_ties():
    rng = np.random.default_rng(12)
    t = rng.integers(1, 30, 300).astype(float)
    e = rng.binomial(1, 0.7, 300)
    km = kaplan_meier(t, e)
    ref = _km_naive(t, e)
    assert_allclose(km[["time", "n_at_risk", "n_events", "survival"]].to_numpy(float), ref[:, :4], rtol=1e-12)
    assert_allclose(km.std_error, ref[:, 4], rtol=1e-10, equal_nan=True)


def test_km_conf_types_and_zero_survival():
    km = kaplan_meier([1, 2, 3], [1, 1, 1])
    assert km.survival.iloc[-1] == 0.0
    assert np.isnan(km.ci_low.iloc[-1]) and np.isnan(km.std_error.iloc[-1])
    ll = kaplan_meier(AML_M_TIME, AML_M_EVENT, conf_type="log-log")
    # hand computation (Kalbfleisch-Prentice log-log interval) at t = 9:
    # S = 10/11, se(log S) = sqrt(1/(11*10)), limits S^exp(-/+ z se / log S)
    s9, se9, z = 10 / 11, np.sqrt(1 / 110), stats.norm.isf(0.025)
    hand = [s9 ** np.exp(-z * se9 / np.log(s9)), s9 ** np.exp(z * se9 / np.log(s9))]
    assert_allclose([ll.ci_low[0], ll.ci_high[0]], hand, rtol=1e-12)
    assert ll.ci_high[0] < 1  # unlike the "log" interval, no capping needed
    plain = kaplan_meier(AML_M_TIME, AML_M_EVENT, conf_type="plain")
    assert (plain.ci_high <= 1).all() and (plain.ci_low >= 0).all()


def test_logrank_aml_matches_r_and_scipy():
    t = AML_M_TIME + AML_N_TIME
    e = AML_M_EVENT + AML_N_EVENT
    g = ["Maintained"] * 11 + ["Nonmaintained"] * 12
    out = logrank_test(t, e, g).iloc[0]
    assert_allclose(out.statistic, 3.4, atol=0.05)  # R prints 3.4
    assert_allclose(out.p_value, 0.07, atol=0.005)  # R prints 0.07
    x = stats.CensoredData.right_censored(AML_M_TIME, 1 - np.array(AML_M_EVENT))
    y = stats.CensoredData.right_censored(AML_N_TIME, 1 - np.array(AML_N_EVENT))
    ref = stats.logrank(x, y)
    assert_allclose([out.statistic, out.p_value], [ref.statistic**2, ref.pvalue], rtol=1e-10)
    assert out.df == 1 and out.n == 23 and out.n_groups == 2


def _logrank_naive(t, e, g):
    t, e, g = map(np.asarray, (t, e, g))
    labels = np.unique(g)
    k = len(labels)
    U, V = np.zeros(k), np.zeros((k, k))
    for u in np.unique(t[e == 1]):
        risk = t >= u
        n = risk.sum()
        d = np.sum((t == u) & (e == 1))
        ng = np.array([np.sum(risk & (g == lab)) for lab in labels])
        dg = np.array([np.sum((t == u) & (e == 1) & (g == lab)) for lab in labels])
        U += dg - d * ng / n
        if n > 1:
            V += d * (n - d) / (n - 1) * (np.diag(ng / n) - np.outer(ng, ng) / n**2)
    return U[:-1] @ np.linalg.solve(V[:-1, :-1], U[:-1])


def test_logrank_three_groups_equals_naive_loop():
    rng = np.random.default_rng(13)
    g = rng.integers(0, 3, 200)
    t = rng.exponential(1 / (1 + 0.3 * g)).round(1) + 0.1
    e = rng.binomial(1, 0.8, 200)
    out = logrank_test(t, e, g).iloc[0]
    stat = _logrank_naive(t, e, g)
    assert_allclose(out.statistic, stat, rtol=1e-10)
    assert out.df == 2
    assert_allclose(out.p_value, stats.chi2.sf(stat, 2), rtol=1e-10)


def test_logrank_single_group_nan():
    out = logrank_test([1, 2, 3], [1, 0, 1], ["a", "a", "a"]).iloc[0]
    assert np.isnan(out.statistic) and out.n_groups == 1
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [1, 2])


def test_stratified_logrank_matches_statsmodels_survdiff():
    """Stratified by matched set (each mentor with its comparisons): the independent reference is
    statsmodels' survdiff with ``strata``."""
    from statsmodels.duration.survfunc import survdiff

    rng = np.random.default_rng(8)
    sets = np.repeat(np.arange(12), 6)                 # 12 matched sets of 1 case + 5 comparisons
    grp = np.tile(np.array(["mentor"] + ["comparison"] * 5), 12)
    base = rng.uniform(0.5, 2.0, 12)[sets]             # sets differ in their hazard
    t = np.ceil(rng.exponential(3.0 / base * np.where(grp == "mentor", 1.5, 1.0)))
    e = (t <= 4).astype(float)
    t = np.minimum(t, 4)
    out = logrank_test(t, e, grp, strata=sets).iloc[0]
    stat, p = survdiff(t, e, grp, strata=sets)
    assert out["statistic"] == pytest.approx(stat, rel=1e-9)
    assert out["p_value"] == pytest.approx(p, rel=1e-9)
    # one stratum equals the unstratified test
    flat = logrank_test(t, e, grp).iloc[0]
    one = logrank_test(t, e, grp, strata=np.zeros(t.size)).iloc[0]
    assert one["statistic"] == pytest.approx(flat["statistic"], rel=1e-12)
