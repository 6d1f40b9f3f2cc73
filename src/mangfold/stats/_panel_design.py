"""Building blocks of :mod:`mangfold.stats.panel_power` (not public API).

Variance of the unit-level pre/post contrast under AR(1) errors or an empirical period
covariance, the clustered standard error of the DiD, its degrees of freedom, the MDE
quantile sum, exact power, and the random-effect + AR(1) fit to a period covariance.
The formulas are in the docstring of :mod:`mangfold.stats.panel_power`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from .did._panel import _check_level


def _contrast(m: int, r: int) -> np.ndarray:
    return np.r_[np.full(m, -1.0 / m), np.full(r, 1.0 / r)]


def _ar1_var_diff(m: int, r: int, sigma: float, rho: float) -> float:
    """``c' Sigma c`` for stationary AR(1) errors with variance ``sigma^2``."""
    if m < 1 or r < 1:
        raise ValueError("need at least one pre and one post period")
    if sigma <= 0:
        raise ValueError("sigma must be positive")
    if not -1.0 < rho < 1.0:
        raise ValueError("rho must lie in (-1, 1)")
    idx = np.arange(m + r)
    sig = sigma**2 * rho ** np.abs(idx[:, None] - idx[None, :])
    c = _contrast(m, r)
    return float(c @ sig @ c)


def _df(n_t: int, n_c: int, dist: str) -> float:
    if dist == "normal":
        return math.inf
    if dist != "t":
        raise ValueError("dist must be 't' or 'normal'")
    return float(n_t + n_c - 1)


def _quantile_sum(alpha: float, power: float, df: float) -> float:
    if math.isinf(df):
        return float(stats.norm.isf(alpha / 2) + stats.norm.ppf(power))
    return float(stats.t.isf(alpha / 2, df) + stats.t.ppf(power, df))


def _se(var_diff: float, n_t: int, n_c: int) -> float:
    if n_t < 1 or n_c < 1:
        raise ValueError("need at least one treated and one control unit")
    return math.sqrt(var_diff * (1.0 / n_t + 1.0 / n_c))


def _power(effect: float, se: float, alpha: float, df: float) -> float:
    """Exact two-sided power of the t (noncentral t) or z test."""
    delta = abs(effect) / se
    if math.isinf(df):
        z = stats.norm.isf(alpha / 2)
        return float(stats.norm.sf(z - delta) + stats.norm.cdf(-z - delta))
    c = stats.t.isf(alpha / 2, df)
    return float(stats.nct.sf(c, df, delta) + stats.nct.cdf(-c, df, delta))


def _ar1_design(n_units_treated: int, n_units_control: int, n_periods_pre: int,
                n_periods_post: int, sigma: float, rho: float, dist: str
                ) -> tuple[int, int, float, int, int, float, float]:
    """``(m, r, var_unit_diff, n_t, n_c, std_error, df)`` of a design with AR(1) errors."""
    m, r = int(n_periods_pre), int(n_periods_post)
    v = _ar1_var_diff(m, r, float(sigma), float(rho))
    return (m, r, v, *_clustered_se(v, n_units_treated, n_units_control, dist))


def _clustered_se(var_diff: float, n_units_treated: int, n_units_control: int, dist: str
                  ) -> tuple[int, int, float, float]:
    """``(n_t, n_c, std_error, df)`` of the DiD estimate given ``Var(Delta_i)``."""
    n_t, n_c = int(n_units_treated), int(n_units_control)
    return n_t, n_c, _se(var_diff, n_t, n_c), _df(n_t, n_c, dist)


def _check_plan(effect: float, alpha: float, power: float) -> tuple[float, float, float]:
    """``(|effect|, alpha, power)`` validated for the planning functions."""
    effect = abs(float(effect))
    if effect <= 0:
        raise ValueError("effect must be non-zero")
    return effect, _check_level(alpha, "alpha"), _check_level(power, "power")


def _fit_re_ar1(cov: np.ndarray, npair: np.ndarray) -> tuple[float, float, float]:
    """Fit ``Cov(y_t, y_s) = tau^2 + sigma^2 rho^|t-s|`` to a period covariance matrix.

    Least squares on the lag-averaged autocovariances ``gamma(h)``, weighted by the
    number of unit pairs behind each entry.  Returns ``(sigma, rho, tau)``.
    """
    t = cov.shape[0]
    lag = np.abs(np.arange(t)[:, None] - np.arange(t)[None, :])
    ok = np.isfinite(cov) & (npair > 1)
    hs = np.unique(lag[ok])
    gam = np.array([np.average(cov[ok & (lag == h)], weights=npair[ok & (lag == h)]) for h in hs])
    wts = np.array([npair[ok & (lag == h)].sum() for h in hs], dtype=float)
    if hs.size < 3:
        raise ValueError("need at least 3 periods observed jointly to fit serial correlation")

    def resid(p):
        tau2, s2, rho = p
        return np.sqrt(wts) * (tau2 + s2 * rho**hs - gam)

    g0 = max(gam[0], 1e-12)
    best = None
    for rho0 in (-0.5, 0.0, 0.3, 0.7):
        sol = optimize.least_squares(
            resid, x0=[max(gam[-1], 0.0), max(g0 - max(gam[-1], 0.0), 1e-6 * g0), rho0],
            bounds=([0.0, 1e-12 * g0, -0.99], [np.inf, np.inf, 0.99]), method="trf")
        if best is None or sol.cost < best.cost:
            best = sol
    tau2, s2, rho = best.x
    return float(math.sqrt(s2)), float(rho), float(math.sqrt(tau2))


def _empirical_var_diff(cov: np.ndarray, m: int, r: int) -> float:
    """``c' S c`` averaged over all windows of ``m + r`` consecutive periods of ``cov``."""
    t = cov.shape[0]
    if t < m + r:
        raise ValueError(f"method='empirical' needs at least m + r = {m + r} periods, "
                         f"data have {t}")
    c = _contrast(m, r)
    vals = []
    for s in range(t - (m + r) + 1):
        sub = cov[s:s + m + r, s:s + m + r]
        if np.all(np.isfinite(sub)):
            vals.append(float(c @ sub @ c))
    if not vals:
        raise ValueError("no window of m + r periods with a complete covariance")
    return float(np.mean(vals))
