"""Monte Carlo coverage of the pilot intervals at pilot sizes (used by ``benchmarks/`` and the tests).

Data-generating process, close to the pilot panels: ``n_units`` units observed for ``n_periods``
years; ``n_treated`` of them start in staggered cohorts (as evenly as possible over years 2 .. T-1
of the panel, so that every cohort has a year before and after its start); the outcome of a cell is
a binomial rate ``k / n`` with ``n = 1 + Poisson(m_i)`` trials, where the unit's mean size ``m_i``
is lognormal (cluster sizes differ by a factor of ten), the probability is
``p_it = a_i + l_t + tau D_it + u_it`` (unit level ``a_i ~ N(0.35, 0.08)``, year effects, AR(1)
unit-year noise with SD 0.04 and rho 0.5, clipped to [0.02, 0.98]) and ``tau`` the true effect.
The estimator is the WLS TWFE of :func:`mangfold.stats.did.twfe` (weights = trials); a 95 % interval
covers ``tau`` when the test of ``b = tau`` does not reject, which for the bootstrap interval (test
inversion) is the definition of the interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ._fe import _fe_ols
from ._panel import _prepare
from .wild import _WildTWFE

COVERAGE_COLUMNS = ["n_units", "n_treated", "n_periods", "n_reps", "tau", "coverage_wild", "coverage_cr1",
                    "mc_se_wild", "mean_width_ratio"]


def simulate_panel(rng: np.random.Generator, *, n_units: int, n_treated: int, n_periods: int,
                   tau: float = 0.10, mean_trials: float = 12.0) -> pd.DataFrame:
    """One simulated pilot panel (see the module docstring): columns ``unit, year, cohort, rate, trials``."""
    starts = np.arange(2, n_periods) if n_periods > 2 else np.array([1])
    cohort = np.full(n_units, np.nan)
    cohort[:n_treated] = starts[np.arange(n_treated) % starts.size]
    m = mean_trials * np.exp(rng.normal(0.0, 0.8, n_units) - 0.32)
    a = rng.normal(0.35, 0.08, n_units)
    lt = rng.normal(0.0, 0.03, n_periods)
    u = np.empty((n_units, n_periods))
    u[:, 0] = rng.normal(0.0, 0.04, n_units)
    for t in range(1, n_periods):
        u[:, t] = 0.5 * u[:, t - 1] + rng.normal(0.0, 0.04 * np.sqrt(1 - 0.25), n_units)
    years = np.arange(n_periods)
    d = years[None, :] >= np.where(np.isnan(cohort), np.inf, cohort)[:, None]
    p = np.clip(a[:, None] + lt[None, :] + tau * d + u, 0.02, 0.98)
    n = 1 + rng.poisson(np.repeat(m[:, None], n_periods, axis=1))
    k = rng.binomial(n, p)
    return pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_periods), "year": np.tile(years, n_units),
                         "cohort": np.repeat(cohort, n_periods), "rate": (k / n).ravel(), "trials": n.ravel()})


def coverage(*, n_units: int, n_treated: int, n_periods: int, n_reps: int, tau: float = 0.10,
             alpha: float = 0.05, n_boot: int = 999, seed: int = 0, weights: str = "webb") -> pd.DataFrame:
    """Share of ``n_reps`` simulated panels whose interval covers ``tau``: the restricted wild cluster
    bootstrap (:func:`mangfold.stats.did.wild_twfe`) and, for comparison, CR1 with ``t(G-1)``. One row,
    :data:`COVERAGE_COLUMNS`; ``mc_se_wild`` is the Monte Carlo standard error of the bootstrap coverage and
    ``mean_width_ratio`` the mean ratio of bootstrap to CR1 interval width (from the first 50 replications)."""
    rng = np.random.default_rng(seed)
    hit_w = hit_c = 0
    ratios = []
    for r in range(n_reps):
        df = simulate_panel(rng, n_units=n_units, n_treated=n_treated, n_periods=n_periods, tau=tau)
        panel = _prepare(df, unit="unit", time="year", outcome="rate", cohort="cohort", weight="trials")
        x = (panel.t >= panel.g).astype(float)
        wb = _WildTWFE(panel, x, n_boot=n_boot, weights=weights, seed=int(rng.integers(0, 2**31)))
        hit_w += wb.p_value(tau) > alpha
        fit = _fe_ols(panel, x)
        se = float(np.sqrt(fit.vcov[0, 0]))
        crit = stats.t.isf(alpha / 2, fit.df_resid)
        hit_c += abs(float(fit.beta[0]) - tau) <= crit * se
        if r < 50:
            lo, hi = wb.interval(alpha)
            ratios.append((hi - lo) / (2 * crit * se))
    cov_w = hit_w / n_reps
    return pd.DataFrame([{"n_units": n_units, "n_treated": n_treated, "n_periods": n_periods, "n_reps": n_reps,
                          "tau": tau, "coverage_wild": cov_w, "coverage_cr1": hit_c / n_reps,
                          "mc_se_wild": float(np.sqrt(cov_w * (1 - cov_w) / n_reps)),
                          "mean_width_ratio": float(np.nanmean(ratios)) if ratios else np.nan}],
                        columns=COVERAGE_COLUMNS)
