"""Tests for mangfold.stats.panel_power (MDE and planning for panel DiD)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mangfold.stats import did, panel_power as pp


def _ar1_panel(rng, *, n_treated, n_control, m, r, sigma, rho, effect, sd_unit=0.1):
    """Balanced panel: unit effect + period effect + stationary AR(1) error + effect."""
    n_units, n_t = n_treated + n_control, m + r
    e = np.empty((n_units, n_t))
    e[:, 0] = rng.normal(0, sigma, n_units)
    innov = rng.normal(0, sigma * np.sqrt(1 - rho**2), (n_units, n_t))
    for t in range(1, n_t):
        e[:, t] = rho * e[:, t - 1] + innov[:, t]
    treated = np.arange(n_units) < n_treated
    years = 2001 + np.arange(n_t)
    post = years >= 2001 + m
    y = (rng.normal(0.3, sd_unit, n_units)[:, None] + rng.normal(0, 0.02, n_t)[None, :]
         + e + effect * (treated[:, None] & post[None, :]))
    return pd.DataFrame({
        "unit": np.repeat(np.arange(n_units), n_t), "year": np.tile(years, n_units),
        "rate": y.ravel(), "cohort": np.repeat(np.where(treated, 2001 + m, np.nan), n_t),
    })


def test_mde_hand_computed():
    # rho = 0: Var(Delta) = sigma^2 (1/m + 1/r) = 1; SE = sqrt(1 * (1/50 + 1/50)) = 0.2;
    # normal: MDE = (1.959964 + 0.841621) * 0.2 = 0.560317
    r = pp.did_mde(50, 50, 2, 2, sigma=1.0, dist="normal")
    assert list(r.columns) == pp.MDE_COLUMNS
    assert r["var_unit_diff"].iloc[0] == pytest.approx(1.0, abs=1e-12)
    assert r["std_error"].iloc[0] == pytest.approx(0.2, abs=1e-12)
    assert r["mde"].iloc[0] == pytest.approx(
        (stats.norm.isf(0.025) + stats.norm.ppf(0.8)) * 0.2, rel=1e-12)
    assert r["mde"].iloc[0] == pytest.approx(0.560317, abs=1e-6)
    # AR(1), rho = 0.5, m = r = 2 (BPW eq.): sigma^2 (1/2 + 1/2) + 1/2 psi_B + 1/2 psi_A
    #   - 2 psi_X with psi_B = psi_A = 0.5, psi_X = (0.25 + 0.125 + 0.5 + 0.25)/4 = 0.28125
    #   = 1 + 0.25 + 0.25 - 0.5625 = 0.9375
    r = pp.did_mde(50, 50, 2, 2, sigma=1.0, rho=0.5)
    assert r["var_unit_diff"].iloc[0] == pytest.approx(0.9375, abs=1e-12)
    # t quantiles with df = J - 1 = 99
    se = np.sqrt(0.9375 * 0.04)
    assert r["mde"].iloc[0] == pytest.approx(
        (stats.t.isf(0.025, 99) + stats.t.ppf(0.8, 99)) * se, rel=1e-12)
    # m = r = 1: Var = 2 sigma^2 (1 - rho)
    assert pp.did_mde(10, 10, 1, 1, sigma=2.0, rho=0.3)["var_unit_diff"].iloc[0] == \
        pytest.approx(2 * 4 * 0.7)
    # power at the MDE is (slightly above) the target
    p = pp.did_power(r["mde"].iloc[0], 50, 50, 2, 2, sigma=1.0, rho=0.5)
    assert list(p.columns) == pp.POWER_COLUMNS
    assert 0.80 <= p["power"].iloc[0] < 0.81
    with pytest.raises(ValueError):
        pp.did_mde(10, 10, 0, 2, sigma=1.0)


@pytest.mark.slow
def test_simulated_power_at_mde_is_80_percent():
    """Simulated rejection rate of clustered TWFE at the MDE ~ 0.80 (400 reps)."""
    design = dict(n_treated=25, n_control=35, m=3, r=3, sigma=0.06, rho=0.4)
    mde = pp.did_mde(25, 35, 3, 3, sigma=0.06, rho=0.4)["mde"].iloc[0]
    naive = pp.did_mde(25, 35, 3, 3, sigma=0.06, rho=0.0)["mde"].iloc[0]
    # ignoring moderate positive serial correlation understates the MDE (BPW 2020):
    # Var(Delta) = 0.06^2 * (2/3 + 4/3 * 0.32 - 2 * 0.10816) vs 0.06^2 * 2/3
    assert naive < 0.9 * mde
    assert (mde / naive) ** 2 == pytest.approx((2 / 3 + 4 / 3 * 0.32 - 2 * 0.10816) / (2 / 3))
    rng = np.random.default_rng(2024)
    n_rep = 400
    rej_mde = rej_null = 0
    kw = dict(unit="unit", time="year", outcome="rate", cohort="cohort")
    for _ in range(n_rep):
        rej_mde += did.twfe(_ar1_panel(rng, **design, effect=mde), **kw)["p_value"].iloc[0] < 0.05
        rej_null += did.twfe(_ar1_panel(rng, **design, effect=0.0), **kw)["p_value"].iloc[0] < 0.05
    power, size = rej_mde / n_rep, rej_null / n_rep
    print(f"simulated power at MDE={power:.3f}, size={size:.3f}")
    assert 0.74 <= power <= 0.87
    assert 0.02 <= size <= 0.09


def test_mde_from_data_recovers_parameters():
    rng = np.random.default_rng(8)
    df = _ar1_panel(rng, n_treated=0, n_control=600, m=5, r=5, sigma=0.05, rho=0.5,
                    effect=0.0)
    df.loc[rng.random(len(df)) < 0.05, "rate"] = np.nan          # some missing cells
    kw = dict(unit="unit", time="year", outcome="rate", n_units_treated=30,
              n_units_control=60, n_periods_pre=3, n_periods_post=3)
    est = pp.mde_from_data(df, **kw)
    assert list(est.columns) == pp.MDE_DATA_COLUMNS
    row = est.iloc[0]
    assert row["sigma"] == pytest.approx(0.05, rel=0.1)
    assert row["rho"] == pytest.approx(0.5, abs=0.15)   # rho and tau^2 trade off
    assert row["sigma_unit"] == pytest.approx(0.1, rel=0.15)
    truth = pp.did_mde(30, 60, 3, 3, sigma=0.05, rho=0.5)["mde"].iloc[0]
    assert row["mde"] == pytest.approx(truth, rel=0.1)
    emp = pp.mde_from_data(df, **kw, method="empirical")["mde"].iloc[0]
    assert emp == pytest.approx(truth, rel=0.1)
    # cohort: treated observations (with a big effect) are excluded from estimation
    df2 = df.copy()
    df2["cohort"] = np.where(df2["unit"] < 300, 2006, np.nan)
    df2.loc[(df2["unit"] < 300) & (df2["year"] >= 2006), "rate"] += 1.0
    with_c = pp.mde_from_data(df2, **kw, cohort="cohort")["mde"].iloc[0]
    assert with_c == pytest.approx(truth, rel=0.15)
    with pytest.raises(ValueError):
        pp.mde_from_data(df, **{**kw, "n_periods_pre": 8}, method="empirical")


def test_units_and_periods_needed_invert_the_mde():
    kw = dict(sigma=0.08, rho=0.3)
    r = pp.units_needed(0.05, n_periods_pre=3, n_periods_post=2, **kw)
    assert list(r.columns) == pp.PLAN_COLUMNS
    n_t, n_c = int(r["n_units_treated"].iloc[0]), int(r["n_units_control"].iloc[0])
    assert n_c == n_t and bool(r["feasible"].iloc[0])
    assert pp.did_mde(n_t, n_c, 3, 2, **kw)["mde"].iloc[0] <= 0.05
    assert pp.did_mde(n_t - 1, n_t - 1, 3, 2, **kw)["mde"].iloc[0] > 0.05
    assert r["power"].iloc[0] >= 0.8
    # fixed control pool
    r = pp.units_needed(0.05, n_periods_pre=3, n_periods_post=2, n_units_control=40, **kw)
    n_t = int(r["n_units_treated"].iloc[0])
    assert pp.did_mde(n_t, 40, 3, 2, **kw)["mde"].iloc[0] <= 0.05
    assert pp.did_mde(n_t - 1, 40, 3, 2, **kw)["mde"].iloc[0] > 0.05
    # infeasible: too few controls even with unlimited treated units
    r = pp.units_needed(0.02, n_periods_pre=3, n_periods_post=2, n_units_control=5,
                        max_units=5000, **kw)
    assert not bool(r["feasible"].iloc[0])
    # periods
    r = pp.periods_needed(0.05, n_units_treated=30, n_units_control=30, n_periods_pre=2, **kw)
    k = int(r["n_periods_post"].iloc[0])
    assert bool(r["feasible"].iloc[0])
    assert pp.did_mde(30, 30, 2, k, **kw)["mde"].iloc[0] <= 0.05
    assert k == 1 or pp.did_mde(30, 30, 2, k - 1, **kw)["mde"].iloc[0] > 0.05
    r = pp.periods_needed(0.05, n_units_treated=30, n_units_control=30, n_periods_post=2,
                          solve_for="pre", **kw)
    assert int(r["n_periods_post"].iloc[0]) == 2
    with pytest.raises(ValueError):
        pp.periods_needed(0.05, n_units_treated=30, n_units_control=30, **kw)
