"""Tests for mangfold.stats.did (difference in differences, staggered adoption).

Every test can fail: exact hand computations, cross-checks against statsmodels'
dummy-variable regressions, and seeded Monte Carlo checks of coverage and bias.
"""

from __future__ import annotations

import time as _time

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from mangfold.stats import did

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

KW = dict(unit="unit", time="year", outcome="rate", cohort="cohort")


def _tiny_panel() -> pd.DataFrame:
    """4 units x 2 years.  A, B adopt in 2021; C, D never (cohort NaN / 0)."""
    return pd.DataFrame(
        {
            "unit": list("AABBCCDD"),
            "year": [2020, 2021] * 4,
            "rate": [0.10, 0.40, 0.30, 0.70, 0.20, 0.30, 0.40, 0.40],
            "trials": [10, 10, 30, 30, 20, 20, 20, 20],
            "cohort": [2021, 2021, 2021, 2021, np.nan, np.nan, 0, 0],
        }
    )


def _staggered_grid(*, n_units, years, cohorts, shares):
    """Balanced unit x year grid: unit, year and cohort per row (fixed cohort shares)."""
    counts = np.round(np.asarray(shares) * n_units).astype(int)
    counts[-1] = n_units - counts[:-1].sum()
    g_unit = np.repeat(np.asarray(cohorts, dtype=float), counts)
    u = np.repeat(np.arange(n_units), len(years))
    t = np.tile(np.asarray(years), n_units)
    return u, t, g_unit[u]


def _binomial_panel(rng, *, n_units, years, cohorts, shares, effect, trials_mean=15):
    """Rates from binomial counts; p_it = base_i + trend_t + effect(g, e) * D_it.

    ``effect`` is a callable (cohort array, event-time array) -> effect.
    Cohort assignment is deterministic (fixed shares) so the estimand is fixed.
    """
    u, t, g = _staggered_grid(n_units=n_units, years=years, cohorts=cohorts, shares=shares)
    d = t >= g
    e = np.where(d, t - np.where(np.isfinite(g), g, 0), 0)
    base = rng.uniform(0.2, 0.4, n_units)[u]
    trend = 0.01 * (t - years[0])
    p = base + trend + np.where(d, effect(g, e), 0.0)
    n = rng.poisson(trials_mean, u.size) + 1
    s = rng.binomial(n, np.clip(p, 0, 1))
    return pd.DataFrame({"unit": u, "year": t, "rate": s / n, "trials": n,
                         "cohort": np.where(np.isfinite(g), g, np.nan)})


def _gaussian_panel(rng, *, n_units, years, cohorts, shares, effect, sd=0.05,
                    pretrend=0.0):
    u, t, g = _staggered_grid(n_units=n_units, years=years, cohorts=cohorts, shares=shares)
    n_t = len(years)
    fin = np.isfinite(g)
    d = t >= g
    e = np.where(fin, t - np.where(fin, g, 0), 0)
    period_effect = rng.normal(0, 0.02, n_t)[np.tile(np.arange(n_t), n_units)]
    y = (rng.normal(0.3, 0.05, n_units)[u] + period_effect
         + np.where(d, effect(g, e), 0.0) + rng.normal(0, sd, u.size))
    # planted differential pre-trend for eventually treated units: slope `pretrend` in
    # event time before adoption (the trend stops at adoption)
    y = y + np.where(fin & ~d, pretrend * e, 0.0)
    return pd.DataFrame({"unit": u, "year": t, "rate": y,
                         "cohort": np.where(fin, g, np.nan)})


# ---------------------------------------------------------------------------
# 2x2 and TWFE: exact numbers
# ---------------------------------------------------------------------------


def test_did_2x2_hand_computed():
    df = _tiny_panel()
    df["treated"] = df["unit"].isin(["A", "B"]).astype(int)
    df["post"] = (df["year"] == 2021).astype(int)
    # Unweighted means:
    #   treated pre  (0.10 + 0.30)/2 = 0.20, treated post (0.40 + 0.70)/2 = 0.55 -> +0.35
    #   control pre  (0.20 + 0.40)/2 = 0.30, control post (0.30 + 0.40)/2 = 0.35 -> +0.05
    #   DiD = 0.35 - 0.05 = 0.30
    r = did.did_2x2(df, unit="unit", time="year", outcome="rate", treated="treated", post="post")
    assert list(r.columns) == did.DID_2X2_COLUMNS and len(r) == 1
    assert r["estimate"].iloc[0] == pytest.approx(0.30, abs=1e-12)
    assert r[["n_obs", "n_treated_units", "n_control_units"]].iloc[0].tolist() == [8, 2, 2]
    # Weighted by trials (pooled rates):
    #   treated pre  (0.1*10 + 0.3*30)/40 = 10/40 = 0.250, post (4 + 21)/40 = 0.625 -> +0.375
    #   control pre  (4 + 8)/40 = 0.300,               post (6 + 8)/40 = 0.350 -> +0.050
    #   DiD = 0.325
    rw = did.did_2x2(df, unit="unit", time="year", outcome="rate", treated="treated",
                     post="post", weight="trials")
    assert rw["estimate"].iloc[0] == pytest.approx(0.325, abs=1e-12)
    # Cluster-robust SE equals statsmodels' CR1 for the same regression
    m = smf.wls("rate ~ treated * post", data=df, weights=df["trials"]).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(df["unit"])[0]})
    assert rw["std_error"].iloc[0] == pytest.approx(m.bse["treated:post"], rel=1e-10)
    assert rw["ci_low"].iloc[0] < 0.325 < rw["ci_high"].iloc[0]
    # TWFE and Callaway-Sant'Anna reproduce the unweighted 2x2 on a 2-period panel
    tw = did.twfe(df, **KW)
    assert tw["estimate"].iloc[0] == pytest.approx(0.30, abs=1e-12)
    assert tw[["n_treated_units", "n_control_units"]].iloc[0].tolist() == [2, 2]
    cs = did.callaway_santanna(df, **KW, n_boot=0)
    assert cs.loc[cs["aggregation"] == "overall", "estimate"].iloc[0] == pytest.approx(0.30)
    gt = cs[cs["aggregation"] == "group_time"]
    assert gt[["cohort", "time", "event_time"]].iloc[0].tolist() == [2021.0, 2021.0, 0.0]


def test_twfe_and_event_study_match_dummy_regression_unbalanced_weighted():
    rng = np.random.default_rng(11)
    df = _binomial_panel(rng, n_units=40, years=list(range(2015, 2022)),
                         cohorts=[2017, 2019, np.inf], shares=[0.3, 0.3, 0.4],
                         effect=lambda g, e: 0.05 + 0.01 * e)
    df = df.sample(frac=0.85, random_state=3).reset_index(drop=True)   # unbalanced
    tw = did.twfe(df, **KW, weight="trials")
    df["D"] = (df["year"] >= df["cohort"].fillna(np.inf)).astype(float)
    m = smf.wls("rate ~ D + C(unit) + C(year)", data=df, weights=df["trials"]).fit(
        cov_type="cluster", cov_kwds={"groups": df["unit"].to_numpy()})
    n, n_years = len(df), df["year"].nunique()
    k_full, k_ours = m.df_model + 1, 1 + (n_years - 1) + 1
    assert tw["estimate"].iloc[0] == pytest.approx(m.params["D"], rel=1e-9)
    # statsmodels counts the unit dummies in (N-1)/(N-K); we do not (nested in clusters)
    assert tw["std_error"].iloc[0] == pytest.approx(
        m.bse["D"] * np.sqrt((n - k_full) / (n - k_ours)), rel=1e-8)

    es = did.event_study(df, **KW, weight="trials", leads=2, lags=2)
    assert list(es.columns) == did.EVENT_STUDY_COLUMNS
    assert es["event_time"].tolist() == [-2, -1, 0, 1, 2]
    rel = np.clip(df["year"] - df["cohort"], -2, 2)
    for e in (-2, 0, 1, 2):
        df[f"e{e + 2}"] = (rel == e).astype(float)
    m2 = smf.wls("rate ~ e0 + e2 + e3 + e4 + C(unit) + C(year)", data=df,
                 weights=df["trials"]).fit()
    got = es.set_index("event_time")["estimate"]
    for e in (-2, 0, 1, 2):
        assert got[e] == pytest.approx(m2.params[f"e{e + 2}"], rel=1e-8, abs=1e-12)
    ref = es[es["reference"]]
    assert ref["event_time"].tolist() == [-1] and ref["estimate"].iloc[0] == 0.0
    assert np.isnan(ref["std_error"].iloc[0])
    assert es.loc[es["event_time"] == -1, "n_obs"].iloc[0] == int((rel == -1).sum())


def test_input_validation():
    df = _tiny_panel()
    bad = df.copy()
    bad.loc[0, "cohort"] = 2020          # unit A: cohort 2020 and 2021
    with pytest.raises(ValueError, match="constant within unit"):
        did.twfe(bad, **KW)
    dup = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="unique"):
        did.twfe(dup, **KW)
    with pytest.raises(KeyError):
        did.twfe(df, unit="unit", time="year", outcome="nope", cohort="cohort")
    noctrl = df.assign(cohort=2021)
    with pytest.raises(ValueError):
        did.twfe(noctrl, **KW)
    # zero-trial cells are dropped, not used
    z = df.assign(trials=df["trials"].where(df.index != 0, 0))
    assert did.twfe(z, **KW, weight="trials")["n_obs"].iloc[0] == 7


# ---------------------------------------------------------------------------
# randomisation inference
# ---------------------------------------------------------------------------


def test_randomization_inference_exact_by_hand():
    # Changes 2020 -> 2021: A +3, B +5, C +1, D 0; A and B treated.
    # All 6 = 4!/(2!2!) assignments of two treated units, estimate = mean change
    # (treated) - mean change (control):
    #   {A,B}: 4.0-0.5 = 3.5 (observed)   {A,C}: 2.0-2.5 = -0.5   {A,D}: 1.5-3.0 = -1.5
    #   {B,C}: 3.0-1.5 = 1.5              {B,D}: 2.5-2.0 =  0.5   {C,D}: 0.5-4.0 = -3.5
    # |T*| >= 3.5 for {A,B} and {C,D}: p = 2/6 = 1/3.
    df = pd.DataFrame({
        "unit": list("AABBCCDD"), "year": [2020, 2021] * 4,
        "rate": [0.0, 3.0, 1.0, 6.0, 2.0, 3.0, 4.0, 4.0],
        "cohort": [2021] * 4 + [np.nan] * 4,
    })
    for stat in ("twfe", "callaway_santanna"):
        r = did.randomization_inference(df, **KW, statistic=stat, n_draws="exact")
        assert list(r.columns) == did.RI_COLUMNS
        assert r["estimate"].iloc[0] == pytest.approx(3.5)
        assert r["p_value"].iloc[0] == pytest.approx(1 / 3, abs=1e-12)
        assert r["n_draws"].iloc[0] == 6 and bool(r["exact"].iloc[0])
    assert did.randomization_inference(df, **KW, n_draws=None)["p_value"].iloc[0] == \
        pytest.approx(1 / 3)
    # random draws: p -> 1/3; formula (1 + #extreme) / (1 + n_draws); seeded
    r1 = did.randomization_inference(df, **KW, n_draws=3000, seed=5)
    r2 = did.randomization_inference(df, **KW, n_draws=3000, seed=5)
    assert r1["p_value"].iloc[0] == r2["p_value"].iloc[0]
    assert abs(r1["p_value"].iloc[0] - 1 / 3) < 0.03
    k = round(r1["p_value"].iloc[0] * 3001) - 1
    assert r1["p_value"].iloc[0] == pytest.approx((1 + k) / 3001, abs=1e-12)


def test_randomization_inference_fast_and_calibrated():
    rng = np.random.default_rng(7)
    years = list(range(2001, 2009))
    kw = dict(n_units=500, years=years, cohorts=[2003, 2005, 2007, np.inf],
              shares=[0.25, 0.25, 0.25, 0.25])
    null = _binomial_panel(rng, **kw, effect=lambda g, e: 0.0 * e)
    t0 = _time.perf_counter()
    r = did.randomization_inference(null, **KW, weight="trials", n_draws=1000, seed=1)
    assert _time.perf_counter() - t0 < 5.0          # typically ~0.2 s
    assert r["n_draws"].iloc[0] == 1000
    # estimate equals twfe()
    assert r["estimate"].iloc[0] == pytest.approx(
        did.twfe(null, **KW, weight="trials")["estimate"].iloc[0], rel=1e-9)
    # under the null, RI p-values are ~ uniform: check over a few small datasets
    ps = []
    for _ in range(40):
        d0 = _binomial_panel(rng, **{**kw, "n_units": 60}, effect=lambda g, e: 0.0 * e)
        ps.append(did.randomization_inference(d0, **KW, n_draws=199, seed=2)["p_value"].iloc[0])
    ps = np.asarray(ps)
    assert 0.3 < ps.mean() < 0.7 and (ps < 0.05).mean() <= 0.15
    eff = _binomial_panel(rng, **kw, effect=lambda g, e: 0.05 + 0.0 * e)
    assert did.randomization_inference(eff, **KW, n_draws=500)["p_value"].iloc[0] == \
        pytest.approx(1 / 501)
    rc = did.randomization_inference(eff, **KW, statistic="callaway_santanna", n_draws=200)
    assert rc["p_value"].iloc[0] == pytest.approx(1 / 201)


def test_randomization_interval_exact_by_hand():
    # The panel of test_randomization_inference_exact_by_hand.  Under H0: effect = tau the
    # treated changes become A: 3 - tau, B: 5 - tau, and the 6 assignments give
    #   {A,B}: 3.5 - tau (observed)  {C,D}: tau - 3.5  {B,C}: 1.5  {A,D}: -1.5
    #   {B,D}: 0.5                   {A,C}: -0.5
    # {A,B} and {C,D} are always extreme, so p(tau) >= 2/6 for every tau: at alpha = 0.05 the
    # set is the whole line.  p(tau) > 0.4 needs a third extreme draw, {B,C} or {A,D}:
    # |3.5 - tau| <= 1.5, i.e. tau in [2, 5].
    df = pd.DataFrame({
        "unit": list("AABBCCDD"), "year": [2020, 2021] * 4,
        "rate": [0.0, 3.0, 1.0, 6.0, 2.0, 3.0, 4.0, 4.0],
        "cohort": [2021] * 4 + [np.nan] * 4,
    })
    r = did.randomization_interval(df, **KW, n_draws="exact", alpha=0.4)
    assert list(r.columns) == did.RI_INTERVAL_COLUMNS
    assert r["estimate"].iloc[0] == pytest.approx(3.5)
    assert r["p_value"].iloc[0] == pytest.approx(1 / 3, abs=1e-12)
    assert r["ci_low"].iloc[0] == pytest.approx(2.0, abs=1e-9)
    assert r["ci_high"].iloc[0] == pytest.approx(5.0, abs=1e-9)
    assert r["n_draws"].iloc[0] == 6 and bool(r["exact"].iloc[0])
    wide = did.randomization_interval(df, **KW, n_draws=None, alpha=0.05)
    assert wide["ci_low"].iloc[0] == -np.inf and wide["ci_high"].iloc[0] == np.inf


def _ri_reference(df, *, weight):
    """Independent reference for the randomisation test and its interval: every distinct assignment of
    the units' start years (exact), the TWFE statistic as a plain dummy-variable (W)LS with numpy, and
    p(tau) = share of assignments with |T*| >= |T(tau)| on the outcome y - tau * D_obs."""
    from itertools import permutations
    units = sorted(df["unit"].unique())
    cohort = df.groupby("unit")["cohort"].first().reindex(units).to_numpy(float)
    perms = sorted(set(permutations([(-1.0 if np.isnan(c) else c) for c in cohort])))
    uidx = df["unit"].map({u: i for i, u in enumerate(units)}).to_numpy()
    years = sorted(df["year"].unique())
    x_fe = np.column_stack([(uidx == i).astype(float) for i in range(len(units))]
                           + [(df["year"] == y).astype(float).to_numpy() for y in years[1:]])
    sw = np.sqrt(df[weight].to_numpy(float)) if weight else np.ones(len(df))
    t = df["year"].to_numpy(float)

    def coef(y, d):
        x = np.column_stack([x_fe, d]) * sw[:, None]
        return np.linalg.lstsq(x, y * sw, rcond=None)[0][-1]

    d_obs = (t >= np.where(np.isnan(cohort), np.inf, cohort)[uidx]).astype(float)
    ds = [(t >= np.where(np.array(p) < 0, np.inf, np.array(p))[uidx]).astype(float) for p in perms]

    def p_of(tau):
        y = df["rate"].to_numpy(float) - tau * d_obs
        obs = abs(coef(y, d_obs))
        return np.mean([abs(coef(y, d)) >= obs - 1e-9 for d in ds])

    return p_of, len(perms)


@pytest.mark.parametrize("weighted", [False, True])
def test_randomization_inference_and_interval_match_an_independent_enumeration(weighted):
    rng = np.random.default_rng(11)
    df = _binomial_panel(rng, n_units=8, years=list(range(2001, 2006)),
                         cohorts=[2003, 2004, np.inf], shares=[0.25, 0.25, 0.5],
                         effect=lambda g, e: 0.15 + 0.0 * e)
    weight = "trials" if weighted else None
    p_of, n_assign = _ri_reference(df, weight=weight)
    ri = did.randomization_inference(df, **KW, weight=weight, n_draws="exact").iloc[0]
    assert ri["n_draws"] == n_assign == 420                    # 8! / (2! 2! 4!): cohorts of 2, 2 and 4 units
    assert ri["p_value"] == pytest.approx(p_of(0.0), abs=1e-12)
    alpha = 0.1
    r = did.randomization_interval(df, **KW, weight=weight, n_draws="exact", alpha=alpha).iloc[0]
    assert r["p_value"] == pytest.approx(p_of(0.0), abs=1e-12)
    # the interval ends are where the reference p-value crosses alpha
    for end, inside in (("ci_low", 1e-6), ("ci_high", -1e-6)):
        assert p_of(r[end] + inside) > alpha >= p_of(r[end] - inside)
    assert r["ci_low"] < r["estimate"] < r["ci_high"]


def test_randomization_interval_p_value_equals_randomization_inference():
    rng = np.random.default_rng(5)
    years = list(range(2001, 2009))
    kw = dict(n_units=200, years=years, cohorts=[2003, 2005, 2007, np.inf],
              shares=[0.25, 0.25, 0.25, 0.25])
    for eff in (0.0, 0.02):
        df = _binomial_panel(rng, **kw, effect=lambda g, e: eff + 0.0 * e)
        for seed in (0, 1):
            t0 = _time.perf_counter()
            r = did.randomization_interval(df, **KW, weight="trials", n_draws=1000, seed=seed)
            assert _time.perf_counter() - t0 < 5.0          # typically ~0.05 s
            ri = did.randomization_inference(df, **KW, weight="trials", n_draws=1000, seed=seed)
            assert r["p_value"].iloc[0] == ri["p_value"].iloc[0]
            assert r["estimate"].iloc[0] == pytest.approx(ri["estimate"].iloc[0], rel=1e-9)
            # interval contains the estimate, excludes 0 exactly when p <= alpha
            lo, hi = r["ci_low"].iloc[0], r["ci_high"].iloc[0]
            assert lo < r["estimate"].iloc[0] < hi
            assert (lo > 0 or hi < 0) == (r["p_value"].iloc[0] <= 0.05)


# ---------------------------------------------------------------------------
# Monte Carlo: coverage under a homogeneous staggered effect
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_coverage_homogeneous_staggered_effect():
    """Weighted TWFE and CS 95% intervals cover the true effect 0.08 ~95% of the time.

    CS with analytic influence-function SEs and with the multiplier bootstrap (199 draws).

    500 replications of 120 units x 6 years of binomial rates (trials ~ 1 + Poisson(15)),
    adoption 2003/2004/2005 or never.  MC standard error of a coverage of 0.95 is ~1 pp.
    """
    rng = np.random.default_rng(20240601)
    tau = 0.08
    n_rep = 500
    cov_tw = cov_cs = cov_boot = 0
    est_tw, est_cs = [], []
    for _ in range(n_rep):
        df = _binomial_panel(rng, n_units=120, years=list(range(2001, 2007)),
                             cohorts=[2003, 2004, 2005, np.inf], shares=[0.25] * 4,
                             effect=lambda g, e: tau + 0.0 * e)
        tw = did.twfe(df, **KW, weight="trials").iloc[0]
        cs = did.callaway_santanna(df, **KW, weight="trials", n_boot=0)
        cs = cs[cs["aggregation"] == "overall"].iloc[0]
        bt = did.callaway_santanna(df, **KW, weight="trials", n_boot=199, seed=1)
        bt = bt[bt["aggregation"] == "overall"].iloc[0]
        cov_boot += bt["ci_low"] <= tau <= bt["ci_high"]
        cov_tw += tw["ci_low"] <= tau <= tw["ci_high"]
        cov_cs += cs["ci_low"] <= tau <= cs["ci_high"]
        est_tw.append(tw["estimate"])
        est_cs.append(cs["estimate"])
    cov_tw, cov_cs, cov_boot = cov_tw / n_rep, cov_cs / n_rep, cov_boot / n_rep
    print(f"coverage twfe={cov_tw:.3f} cs={cov_cs:.3f} cs_boot={cov_boot:.3f}")
    assert 0.925 <= cov_tw <= 0.975
    assert 0.925 <= cov_cs <= 0.975
    assert 0.925 <= cov_boot <= 0.975
    for est in (est_tw, est_cs):
        assert abs(np.mean(est) - tau) < 3 * np.std(est) / np.sqrt(n_rep)


def test_cs_bootstrap_seeded_and_close_to_analytic():
    rng = np.random.default_rng(3)
    df = _binomial_panel(rng, n_units=200, years=list(range(2001, 2008)),
                         cohorts=[2003, 2005, np.inf], shares=[0.3, 0.3, 0.4],
                         effect=lambda g, e: 0.05 + 0.01 * e)
    a = did.callaway_santanna(df, **KW, weight="trials", n_boot=999, seed=1)
    b = did.callaway_santanna(df, **KW, weight="trials", n_boot=999, seed=1)
    c = did.callaway_santanna(df, **KW, weight="trials", n_boot=999, seed=2)
    an = did.callaway_santanna(df, **KW, weight="trials", n_boot=0)
    assert list(a.columns) == did.GROUP_TIME_COLUMNS
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["std_error"].dropna(), c["std_error"].dropna())
    assert set(a["aggregation"]) == {"group_time", "event_time", "group", "overall", "overall_group",
                                     "overall_dynamic"}
    ok = a["std_error"].notna()
    ratio = a.loc[ok, "std_error"] / an.loc[ok, "std_error"]
    assert ratio.between(0.85, 1.15).all()
    # estimates do not depend on the bootstrap; uniform bands contain pointwise CIs
    np.testing.assert_allclose(a["estimate"], an["estimate"])
    gt = a[~a["aggregation"].str.startswith("overall") & ok]
    assert (gt["cband_low"] <= gt["ci_low"] + 1e-12).all()
    assert (gt["cband_high"] >= gt["ci_high"] - 1e-12).all()
    assert an["cband_low"].isna().all()
    # the overall row: NaN cohort/time/event_time; reference row at e = -1
    ov = a[a["aggregation"] == "overall"]
    assert len(ov) == 1 and ov[["cohort", "time", "event_time"]].isna().all(axis=None)
    ref = a[(a["aggregation"] == "event_time") & (a["event_time"] == -1)]
    assert ref["estimate"].tolist() == [0.0]


# ---------------------------------------------------------------------------
# Monte Carlo: heterogeneous, dynamic effects -> TWFE is biased, CS is not
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_heterogeneous_dynamic_effects_twfe_biased_cs_unbiased():
    years = list(range(2001, 2009))
    cohorts, shares = [2003, 2005, 2007, np.inf], [0.3, 0.3, 0.3, 0.1]

    def effect(g, e):                   # grows with time since adoption; larger for early
        return (0.02 + 0.03 * e) * np.where(g == 2003, 1.5, 1.0)

    # true overall ATT = CS "simple" aggregation: cohort-size-weighted mean over post cells
    n_units = 200
    counts = np.round(np.asarray(shares) * n_units).astype(int)
    num = den = 0.0
    for g, c in zip(cohorts[:3], counts[:3]):
        for t in years:
            if t >= g:
                num += c * effect(np.array(g), t - g)
                den += c
    truth = num / den
    truth_e = {e: float(np.sum([c * effect(np.array(g), e) for g, c in zip(cohorts[:3], counts[:3])
                                if g + e <= years[-1]]) /
                        np.sum([c for g, c in zip(cohorts[:3], counts[:3]) if g + e <= years[-1]]))
               for e in range(0, 6)}

    rng = np.random.default_rng(99)
    n_rep = 200
    tw, cs, cs_e = [], [], []
    for _ in range(n_rep):
        df = _gaussian_panel(rng, n_units=n_units, years=years, cohorts=cohorts,
                             shares=shares, effect=effect)
        tw.append(did.twfe(df, **KW)["estimate"].iloc[0])
        r = did.callaway_santanna(df, **KW, n_boot=0)
        cs.append(r.loc[r["aggregation"] == "overall", "estimate"].iloc[0])
        ev = r[r["aggregation"] == "event_time"].set_index("event_time")["estimate"]
        cs_e.append([ev[float(e)] for e in range(0, 6)])
    tw, cs, cs_e = np.asarray(tw), np.asarray(cs), np.asarray(cs_e)
    mcse_tw = tw.std(ddof=1) / np.sqrt(n_rep)
    mcse_cs = cs.std(ddof=1) / np.sqrt(n_rep)
    print(f"truth={truth:.4f} twfe={tw.mean():.4f} cs={cs.mean():.4f}")
    # TWFE: far below the ATT (forbidden comparisons with already-treated units)
    assert truth - tw.mean() > 0.03 and abs(tw.mean() - truth) > 20 * mcse_tw
    # CS: unbiased for the overall ATT and for each dynamic effect
    assert abs(cs.mean() - truth) < 3 * mcse_cs
    for j, e in enumerate(range(0, 6)):
        mc = cs_e[:, j].std(ddof=1) / np.sqrt(n_rep)
        assert abs(cs_e[:, j].mean() - truth_e[e]) < 4 * mc, e


def test_sun_abraham_matches_saturated_dummy_regression():
    """Independent reference: the Sun-Abraham regression written out with statsmodels (unit and year
    dummies plus one dummy per cohort x relative year except -1, never-treated controls, WLS with
    unit-clustered errors) on an unbalanced, weighted panel; the IW averages are the cell-size-weighted
    combinations of its coefficients."""
    rng = np.random.default_rng(5)
    df = _binomial_panel(rng, n_units=60, years=list(range(2001, 2008)),
                         cohorts=[2003, 2005, np.inf], shares=[0.3, 0.3, 0.4],
                         effect=lambda g, e: 0.02 + 0.03 * e * (g == 2003))
    df = df.drop(index=rng.choice(len(df), 25, replace=False)).reset_index(drop=True)
    sa = did.sun_abraham(df, **KW, weight="trials")
    g = df["cohort"].to_numpy(float)
    rel = df["year"] - np.where(np.isfinite(g), g, 0)
    d = df.assign(rel=rel)
    cells = sorted({(int(a), int(b)) for a, b in zip(g[np.isfinite(g)], rel[np.isfinite(g)]) if b != -1})
    names = []
    for gg, ee in cells:
        nm = f"c{gg}_{ee + 10}"
        d[nm] = ((d["cohort"] == gg) & (d["rel"] == ee)).astype(float)
        names.append(nm)
    fit = smf.wls("rate ~ C(unit) + C(year) + " + " + ".join(names), data=d, weights=d["trials"]).fit(
        cov_type="cluster", cov_kwds={"groups": d["unit"]})
    gt = sa[sa["aggregation"] == "group_time"].sort_values(["cohort", "event_time"])
    np.testing.assert_allclose(gt["estimate"], fit.params[names].to_numpy(), atol=1e-10)
    # standard errors: statsmodels' CR1 counts the unit dummies in K, ours does not (nested in clusters)
    n, k_sm = len(d), len(fit.params)
    k_ours = len(names) + d["year"].nunique()          # slopes + year dummies incl. constant
    np.testing.assert_allclose(gt["std_error"].to_numpy() / fit.bse[names].to_numpy(),
                               np.sqrt((n - k_sm) / (n - k_ours)), rtol=1e-8)
    # IW event-time and overall averages: weights = trials in each cell
    size = np.array([d.loc[d[nm] == 1, "trials"].sum() for nm in names], dtype=float)
    ev = np.array([ee for _, ee in cells])
    for e in sorted(set(ev)):
        a = np.where(ev == e, size, 0.0)
        ref = a @ fit.params[names].to_numpy() / a.sum()
        got = sa[(sa["aggregation"] == "event_time") & (sa["event_time"] == e)]["estimate"].iloc[0]
        assert got == pytest.approx(ref, abs=1e-10)
    a = np.where(ev >= 0, size, 0.0)
    assert sa[sa["aggregation"] == "overall"]["estimate"].iloc[0] == pytest.approx(
        a @ fit.params[names].to_numpy() / a.sum(), abs=1e-10)


# ---------------------------------------------------------------------------
# event study and pre-trend test
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_event_study_leads_zero_and_pretrend_test_size():
    years = list(range(2001, 2011))
    kw = dict(n_units=150, years=years, cohorts=[2004, 2006, 2008, np.inf],
              shares=[0.2, 0.2, 0.2, 0.4])
    rng = np.random.default_rng(123)
    n_rep = 300
    rej, leads = [], []
    for _ in range(n_rep):
        df = _gaussian_panel(rng, **kw, effect=lambda g, e: 0.05 + 0.0 * e)
        es = did.event_study(df, **KW, leads=3, lags=3)
        leads.append(es.loc[es["event_time"] < -1, "estimate"].to_numpy())
        pt = did.pretrend_test(df, **KW, leads=3, lags=3)
        assert pt["df"].iloc[0] == 2
        rej.append(pt["p_value"].iloc[0] < 0.05)
    leads = np.asarray(leads)
    mcse = leads.std(axis=0, ddof=1) / np.sqrt(n_rep)
    assert np.all(np.abs(leads.mean(axis=0)) < 3 * mcse)
    size = np.mean(rej)
    print(f"pretrend size={size:.3f}")
    assert 0.02 <= size <= 0.09


@pytest.mark.slow
def test_pretrend_test_rejects_planted_pretrend():
    years = list(range(2001, 2011))
    kw = dict(n_units=150, years=years, cohorts=[2004, 2006, 2008, np.inf],
              shares=[0.2, 0.2, 0.2, 0.4])
    rng = np.random.default_rng(321)
    ps = []
    for _ in range(30):
        # before adoption, treated units drift by 0.01 per year relative to controls
        df = _gaussian_panel(rng, **kw, effect=lambda g, e: 0.05 + 0.0 * e, pretrend=0.01)
        ps.append(did.pretrend_test(df, **KW, leads=3, lags=3)["p_value"].iloc[0])
    ps = np.asarray(ps)
    print(f"planted pretrend: power={np.mean(ps < 0.05):.3f}")
    assert np.mean(ps < 0.05) >= 0.9
    # and the leads show the planted slope: b_{-3} ~ -0.02, b_{-2} ~ -0.01
    es = did.event_study(df, **KW, leads=3, lags=3).set_index("event_time")
    assert es.loc[-2, "estimate"] == pytest.approx(-0.01, abs=0.01)
    assert es.loc[-2, "ci_high"] < 0.005 or es.loc[-3, "ci_high"] < 0


def test_pretrend_test_without_variation_has_nothing_to_test():
    """An outcome without variation (no unit was ever interviewed: every rate 0, as in a small
    municipality's first pilot years) leaves the leads no variance: there is nothing to test
    (ValueError, as with no leads), not a division by zero."""
    years = list(range(2001, 2009))
    df = _gaussian_panel(np.random.default_rng(5), n_units=12, years=years, cohorts=[2004, 2006, np.inf],
                         shares=[0.25, 0.25, 0.5], effect=lambda g, e: 0.05 + 0.0 * e, sd=0.0)
    df["rate"] = 0.0
    with pytest.raises(ValueError, match="no leads to test"):
        did.pretrend_test(df, **KW, leads=3, lags=3)
    df["rate"] += np.random.default_rng(6).normal(0, 0.05, len(df))  # with noise the test runs
    assert did.pretrend_test(df, **KW, leads=3, lags=3)["df"].iloc[0] == 2
