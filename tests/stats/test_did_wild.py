"""Wild cluster bootstrap of the TWFE DiD (issue 15, item 3), against the independent ``wildboottest``
package, and its coverage at pilot sizes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from mangfold.stats import did
from mangfold.stats.did._coverage import coverage

KW = dict(unit="u", time="t", outcome="y", cohort="c")


def _panel(seed: int, n_units: int = 8, n_periods: int = 5, effect: float = 0.3, weights: bool = False):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_units):
        g = [3, 4, np.nan][i % 3]
        for t in range(n_periods):
            d = (not np.isnan(g)) and t >= g
            rows.append(dict(u=i, t=t, c=g, y=0.2 * i + 0.1 * t + effect * d + rng.normal() * (1 + i % 2),
                             w=float(rng.integers(1, 9)) if weights else 1.0))
    return pd.DataFrame(rows)


def _wildboottest(df: pd.DataFrame):
    """The independent implementation (``wildboottest``: WCR, variant '11', Rademacher weights, full
    enumeration since 2^G <= B) on the dummy-variable regression; returns |t*| / |t| of every draw
    (the small-sample factors differ by a constant, which cancels in the ratio) and its p-value."""
    import warnings
    wbt = pytest.importorskip("wildboottest.wildboottest")
    x = pd.get_dummies(df[["u", "t"]].astype(str), drop_first=True).astype(float)
    x["D"] = (df["t"] >= df["c"].fillna(np.inf)).astype(float)
    x = sm.add_constant(x)
    r = np.zeros(x.shape[1])
    r[list(x.columns).index("D")] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = wbt.WildboottestCL(X=x.to_numpy(), Y=df["y"].to_numpy(), cluster=df["u"].to_numpy(), R=r, B=999,
                                  seed=1, parallel=False)
        boot.get_scores(bootstrap_type="11", impose_null=True)
        boot.get_weights(weights_type="rademacher")
        boot.get_numer()
        boot.get_denom()
        boot.get_tboot()
        boot.get_vcov()
        boot.get_tstat()
        boot.get_pvalue(pval_type="two-tailed")
    t_boot = np.abs(np.asarray(boot.t_boot, dtype=float).ravel())
    t_stat = abs(float(np.asarray(boot.t_stat).ravel()[0]))
    return np.sort(t_boot / t_stat), float(boot.pvalue)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_wild_p_value_equals_wildboottest_full_enumeration(seed):
    df = _panel(seed)
    r = did.wild_twfe(df, **KW, weights="rademacher", n_boot=999)
    assert list(r.columns) == did.WILD_COLUMNS
    assert r["n_boot"].iloc[0] == 2 ** 8                      # all sign vectors
    ratios_ref, p_ref = _wildboottest(df)
    from mangfold.stats.did._panel import _prepare
    from mangfold.stats.did.wild import _draws, _WildTWFE
    panel = _prepare(df, **KW, weight=None)
    wb = _WildTWFE(panel, (panel.t >= panel.g).astype(float), n_boot=999, weights="rademacher", seed=0)
    ratios = np.sort(np.abs(wb._t_boot(0.0)) / abs(wb.beta / wb.se))
    np.testing.assert_allclose(ratios, ratios_ref, rtol=1e-8, atol=1e-10)     # the same 256 draws
    # p-values agree except for draws tied with |t| up to rounding (the identity draw and its mirror),
    # which wildboottest counts or not depending on the last bit
    assert abs(r["p_value"].iloc[0] - p_ref) <= 2 / 256 + 1e-12
    assert r["p_value"].iloc[0] == pytest.approx(np.mean(ratios_ref > 1 + 1e-9), abs=1e-12)
    # the point estimate and CR1 standard error are those of twfe()
    tw = did.twfe(df, **KW).iloc[0]
    assert r["estimate"].iloc[0] == pytest.approx(tw["estimate"], rel=1e-10)
    assert r["std_error"].iloc[0] == pytest.approx(tw["std_error"], rel=1e-10)


def test_wild_interval_inverts_the_test_and_is_seeded():
    df = _panel(4, n_units=30, weights=True)
    a = did.wild_twfe(df, **KW, weight="w", n_boot=999, seed=7).iloc[0]
    b = did.wild_twfe(df, **KW, weight="w", n_boot=999, seed=7).iloc[0]
    assert a.equals(b)
    assert a["weights"] == "webb" and a["n_boot"] == 999
    assert a["ci_low"] < a["estimate"] < a["ci_high"]
    # p-value at the interval ends is alpha (the interval is the set the test does not reject)
    for end in ("ci_low", "ci_high"):
        inside = did.wild_twfe(df, **KW, weight="w", n_boot=999, seed=7,
                               null=a[end] + (1e-4 if end == "ci_low" else -1e-4)).iloc[0]["p_value"]
        outside = did.wild_twfe(df, **KW, weight="w", n_boot=999, seed=7,
                                null=a[end] - (1e-4 if end == "ci_low" else -1e-4)).iloc[0]["p_value"]
        assert inside > 0.05 >= outside
    assert (a["ci_low"] > 0 or a["ci_high"] < 0) == (a["p_value"] <= 0.05)


@pytest.mark.slow
@pytest.mark.parametrize("n_units,n_treated,n_periods", [(30, 6, 4), (60, 12, 5)])
def test_wild_coverage_at_pilot_sizes(n_units, n_treated, n_periods):
    """Fast version of benchmarks/pilot_coverage.py (1000 replications per design there): 300
    replications, 399 draws. MC standard error ~1.3 pp, so the band is wider than the 93-97 % goal."""
    r = coverage(n_units=n_units, n_treated=n_treated, n_periods=n_periods, n_reps=300, n_boot=399,
                 seed=11).iloc[0]
    print(r.to_dict())
    assert 0.91 <= r["coverage_wild"] <= 0.985
    assert r["mean_width_ratio"] > 1.0          # wider than CR1 t(G-1), which under-covers


def test_cluster_space_bootstrap_equals_the_explicit_projection():
    """The bootstrap statistics are computed from per-cluster moments (B x G); on a weighted,
    unbalanced panel they equal the direct computation: project every draw's v o u(b0) on the two
    fixed effects explicitly (B x n, the textbook route) and sum the scores within clusters."""
    from mangfold.stats.did._fe import _TwoWayProjector
    from mangfold.stats.did._panel import _prepare
    from mangfold.stats.did.wild import _draws, _WildTWFE

    df = _panel(7, n_units=9, n_periods=6, weights=True)
    df = df.drop(index=[3, 10, 11, 40]).reset_index(drop=True)  # unbalanced
    panel = _prepare(df, weight="w", **KW)
    x = (panel.t >= panel.g).astype(float)
    boot = _WildTWFE(panel, x, n_boot=199, weights="webb", seed=5)
    proj = _TwoWayProjector(panel.unit_idx, panel.time_idx, panel.w, panel.n_units, panel.n_times)
    ys, xs = proj.resid(panel.y), proj.resid(x)
    v, _ = _draws(panel.n_units, 199, "webb", 5)  # the bootstrap's own draws (same seed, same rule)
    for b0 in (0.0, 0.4, -1.3):
        u = ys - b0 * xs
        rows = np.stack([proj.resid((u / proj.sw) * vb[panel.unit_idx]) for vb in v])  # explicit M(v o u)
        shift = rows @ xs / (xs @ xs)  # beta* - b0: the bootstrap sample is b0 xs + M(v o u(b0))
        e_star = rows - shift[:, None] * xs[None, :]
        scores = np.stack([np.bincount(panel.unit_idx, weights=eb * xs, minlength=panel.n_units) for eb in e_star])
        t_direct = shift / np.sqrt(boot.factor * (scores ** 2).sum(axis=1)) * (xs @ xs)
        np.testing.assert_allclose(boot._t_boot(b0), t_direct, rtol=1e-9, atol=1e-12)
