"""Power and minimum detectable effects for panel difference in differences.

Design: ``n_units_treated`` units adopt after ``n_periods_pre`` periods and stay
treated for ``n_periods_post`` periods; ``n_units_control`` units are never treated.
The estimator is the TWFE / 2x2 DiD with standard errors clustered by unit (as in
:func:`mangfold.stats.did.twfe`).

Error model (Burlig, Preonas & Woerman 2020)::

    y_it = a_i + l_t + b D_it + e_it,   Cov(e_it, e_is) = Sigma_ts

With a balanced panel and common adoption, the DiD estimate is the difference between
the treated and control means of the unit-level contrast ``Delta_i = mean(post) -
mean(pre)``, so::

    Var(b_hat) = Var(Delta_i) * (1/J_T + 1/J_C),     Var(Delta_i) = c' Sigma c

with ``c = (-1/m, ..., -1/m, 1/r, ..., 1/r)``.  In terms of the average covariances
(BPW 2020, eq. 9)::

    Var(Delta_i) = sigma^2 (1/m + 1/r) + (m-1)/m psi_B + (r-1)/r psi_A - 2 psi_X

where ``psi_B``, ``psi_A`` and ``psi_X`` are the average covariances within the pre
period, within the post period and across the two.  A permanent unit effect cancels.
The parametric functions use stationary AR(1) errors, ``Sigma_ts = sigma^2
rho^|t-s|``.  ``rho = 0`` gives the classic formula ``sigma^2 (1/m + 1/r)`` (Frison &
Pocock 1992; McKenzie 2012), which misstates the MDE under serial correlation in either
direction: with moderately persistent errors (e.g. ``rho = 0.4``, ``m = r = 3``)
averaging over periods helps less and the true MDE is larger; with very persistent
errors (``rho -> 1``) the pre/post contrast cancels most of the noise and it is smaller
(BPW 2020, sec. 3).

The minimum detectable effect for a two-sided test of level ``alpha`` with power
``1 - kappa`` is (Bloom 1995; BPW 2020, eq. 7)::

    MDE = (t_{1-alpha/2, df} + t_{1-kappa, df}) * SE,   df = J_T + J_C - 1

(``df = G - 1`` as for the cluster-robust t test; ``dist='normal'`` uses z quantiles).

References
----------
Burlig, F., Preonas, L. & Woerman, M. (2020). Panel data and experimental design.
*Journal of Development Economics* 144, 102458.
Bloom, H. S. (1995). Minimum detectable effects: a simple way to report the
statistical power of experimental designs. *Evaluation Review* 19(5), 547-556.
McKenzie, D. (2012). Beyond baseline and follow-up: the case for more T in
experiments. *Journal of Development Economics* 99(2), 210-221.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from ._panel_design import (_ar1_design, _ar1_var_diff, _check_level, _check_plan,
                            _clustered_se, _df, _empirical_var_diff, _fit_re_ar1, _power,
                            _quantile_sum, _se)

__all__ = [
    "did_mde",
    "did_power",
    "mde_from_data",
    "units_needed",
    "periods_needed",
    "MDE_COLUMNS",
    "POWER_COLUMNS",
    "MDE_DATA_COLUMNS",
    "PLAN_COLUMNS",
]

MDE_COLUMNS = [
    "mde", "std_error", "var_unit_diff", "n_units_treated", "n_units_control",
    "n_periods_pre", "n_periods_post", "sigma", "rho", "alpha", "power", "df",
]
POWER_COLUMNS = [
    "power", "effect", "std_error", "var_unit_diff", "n_units_treated", "n_units_control",
    "n_periods_pre", "n_periods_post", "sigma", "rho", "alpha", "df",
]
MDE_DATA_COLUMNS = [
    "mde", "std_error", "var_unit_diff", "method", "sigma", "rho", "sigma_unit",
    "n_units_data", "n_periods_data", "n_units_treated", "n_units_control",
    "n_periods_pre", "n_periods_post", "alpha", "power",
]
PLAN_COLUMNS = [
    "effect", "n_units_treated", "n_units_control", "n_periods_pre", "n_periods_post",
    "mde", "power", "feasible",
]


def did_mde(
    n_units_treated: int, n_units_control: int, n_periods_pre: int, n_periods_post: int, *,
    sigma: float, rho: float = 0.0, alpha: float = 0.05, power: float = 0.8,
    dist: Literal["t", "normal"] = "t",
) -> pd.DataFrame:
    """Minimum detectable effect of a panel DiD clustered by unit.

    Parameters
    ----------
    n_units_treated, n_units_control
        Numbers of treated and (never-treated) control units ``J_T``, ``J_C``.
    n_periods_pre, n_periods_post
        Numbers of periods before (``m``) and after (``r``) adoption.
    sigma
        Standard deviation of the idiosyncratic error ``e_it`` (outcome units, e.g.
        probability points for rates), i.e. net of unit and period effects.
    rho
        First-order autocorrelation of ``e_it`` (stationary AR(1)).
    alpha, power
        Two-sided test level and target power.
    dist
        ``'t'``: quantiles of ``t(J_T + J_C - 1)``; ``'normal'``: z quantiles.

    Returns
    -------
    pandas.DataFrame
        One row with ``mde``, ``std_error`` (of the DiD estimate), ``var_unit_diff``
        (``Var(Delta_i)``), the inputs, and ``df`` (inf for ``'normal'``).

    Notes
    -----
    ``MDE = (t_{1-alpha/2} + t_{power}) * sqrt(Var(Delta_i) (1/J_T + 1/J_C))`` with
    ``Var(Delta_i)`` for AR(1) errors (module docstring; Burlig, Preonas & Woerman 2020).
    """
    alpha = _check_level(alpha, "alpha")
    power = _check_level(power, "power")
    m, r, v, n_t, n_c, se, df = _ar1_design(n_units_treated, n_units_control, n_periods_pre,
                                            n_periods_post, sigma, rho, dist)
    return pd.DataFrame(
        {
            "mde": [_quantile_sum(alpha, power, df) * se], "std_error": [se],
            "var_unit_diff": [v], "n_units_treated": [n_t], "n_units_control": [n_c],
            "n_periods_pre": [m], "n_periods_post": [r], "sigma": [float(sigma)],
            "rho": [float(rho)], "alpha": [alpha], "power": [power], "df": [df],
        },
        columns=MDE_COLUMNS,
    )


def did_power(
    effect: float, n_units_treated: int, n_units_control: int, n_periods_pre: int,
    n_periods_post: int, *, sigma: float, rho: float = 0.0, alpha: float = 0.05,
    dist: Literal["t", "normal"] = "t",
) -> pd.DataFrame:
    """Power of the panel DiD to detect ``effect`` (same model as :func:`did_mde`).

    Returns
    -------
    pandas.DataFrame
        One row with ``power`` (two-sided, from the noncentral t with ``df`` degrees of
        freedom, or the normal), ``effect``, ``std_error``, ``var_unit_diff``, the
        inputs and ``df``.  At ``effect = mde`` the power is slightly above the target
        because the MDE formula ignores the opposite rejection tail and uses the central
        t quantile for the power term.
    """
    alpha = _check_level(alpha, "alpha")
    m, r, v, n_t, n_c, se, df = _ar1_design(n_units_treated, n_units_control, n_periods_pre,
                                            n_periods_post, sigma, rho, dist)
    return pd.DataFrame(
        {
            "power": [_power(float(effect), se, alpha, df)], "effect": [float(effect)],
            "std_error": [se], "var_unit_diff": [v], "n_units_treated": [n_t],
            "n_units_control": [n_c], "n_periods_pre": [m], "n_periods_post": [r],
            "sigma": [float(sigma)], "rho": [float(rho)], "alpha": [alpha], "df": [df],
        },
        columns=POWER_COLUMNS,
    )


def mde_from_data(
    df: pd.DataFrame, *, unit: str, time: str, outcome: str, n_units_treated: int,
    n_units_control: int, n_periods_pre: int, n_periods_post: int, cohort: str | None = None,
    method: Literal["ar1", "empirical"] = "ar1", alpha: float = 0.05, power: float = 0.8,
    dist: Literal["t", "normal"] = "t",
) -> pd.DataFrame:
    """MDE of a planned DiD with error variance and serial correlation estimated from data.

    Parameters
    ----------
    df, unit, time, outcome
        Historical (or pre-treatment) long panel; ``time`` sortable, ``(unit, time)``
        unique, missing outcomes allowed.
    n_units_treated, n_units_control, n_periods_pre, n_periods_post
        The planned design (see :func:`did_mde`).
    cohort
        Optional first-treated-period column; observations with ``time >= cohort`` are
        dropped so that only untreated outcomes are used.
    method
        ``'ar1'``: fit ``Cov(y_it, y_is) = tau^2 + sigma^2 rho^|t-s|`` (unit random
        effect + AR(1)) to the period covariance matrix of the outcomes across units and
        use :func:`did_mde` with the fitted ``sigma`` and ``rho``.  ``'empirical'``:
        no parametric model; ``Var(Delta_i) = c' S c`` with ``S`` the empirical period
        covariance, averaged over all windows of ``m + r`` consecutive periods (needs
        at least that many periods).  ``sigma``, ``rho``, ``sigma_unit`` are reported
        from the AR(1) fit in both cases.
    alpha, power, dist
        As in :func:`did_mde`.

    Returns
    -------
    pandas.DataFrame
        One row: ``mde``, ``std_error``, ``var_unit_diff``, ``method``, ``sigma``,
        ``rho``, ``sigma_unit`` (sd of the permanent unit effect), ``n_units_data``,
        ``n_periods_data``, the design inputs, ``alpha``, ``power``.

    Notes
    -----
    The period covariance is the pairwise-complete sample covariance across units
    (``pandas.DataFrame.cov``), which removes period means, i.e. the residuals of a
    regression on period fixed effects.  Unit fixed effects are *not* removed before
    estimating serial correlation: demeaning within unit biases autocorrelations
    downwards in short panels (Nickell 1981; BPW 2020 sec. 4); the permanent component
    is modelled (``tau^2``) instead and cancels in the DiD contrast.  Outcomes are used
    unweighted; binomial noise that varies with the number of trials is absorbed into
    ``sigma`` as an average.
    """
    alpha = _check_level(alpha, "alpha")
    power = _check_level(power, "power")
    if method not in ("ar1", "empirical"):
        raise ValueError("method must be 'ar1' or 'empirical'")
    cols = [unit, time, outcome] + ([cohort] if cohort is not None else [])
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise KeyError(f"columns not in df: {missing}")
    d = df[cols].copy()
    if cohort is not None:
        g = pd.to_numeric(d[cohort], errors="raise")
        g = g.where(g.notna() & (g != 0), np.inf)
        d = d[pd.to_numeric(d[time]) < g]
    d = d[np.isfinite(pd.to_numeric(d[outcome], errors="raise").to_numpy(dtype=float))]
    if d.duplicated([unit, time]).any():
        raise ValueError("(unit, time) pairs must be unique")
    wide = d.pivot(index=unit, columns=time, values=outcome).sort_index(axis=1)
    wide = wide.astype(float)
    cov = wide.cov(min_periods=2).to_numpy()
    obs = wide.notna().to_numpy().astype(float)
    npair = obs.T @ obs
    sigma, rho, tau = _fit_re_ar1(cov, npair)
    m, r = int(n_periods_pre), int(n_periods_post)
    if method == "ar1":
        v = _ar1_var_diff(m, r, sigma, rho)
    else:
        v = _empirical_var_diff(cov, m, r)
    n_t, n_c, se, dfree = _clustered_se(v, n_units_treated, n_units_control, dist)
    return pd.DataFrame(
        {
            "mde": [_quantile_sum(alpha, power, dfree) * se], "std_error": [se],
            "var_unit_diff": [v], "method": [method], "sigma": [sigma], "rho": [rho],
            "sigma_unit": [tau], "n_units_data": [int(wide.shape[0])],
            "n_periods_data": [int(wide.shape[1])], "n_units_treated": [n_t],
            "n_units_control": [n_c], "n_periods_pre": [m], "n_periods_post": [r],
            "alpha": [alpha], "power": [power],
        },
        columns=MDE_DATA_COLUMNS,
    )


def _plan_row(effect, n_t, n_c, m, r, mde, pw, feasible) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "effect": [float(effect)], "n_units_treated": [n_t], "n_units_control": [n_c],
            "n_periods_pre": [m], "n_periods_post": [r], "mde": [mde], "power": [pw],
            "feasible": [bool(feasible)],
        },
        columns=PLAN_COLUMNS,
    )


def units_needed(
    effect: float, *, n_periods_pre: int, n_periods_post: int, sigma: float, rho: float = 0.0,
    n_units_control: int | None = None, control_ratio: float = 1.0, alpha: float = 0.05,
    power: float = 0.8, dist: Literal["t", "normal"] = "t", max_units: int = 100_000,
) -> pd.DataFrame:
    """Smallest number of treated units whose MDE is at most ``effect``.

    Parameters
    ----------
    effect
        Effect to detect (outcome units; sign ignored).
    n_units_control
        Fixed number of control units (e.g. the agencies outside the pilot).  If None,
        ``n_units_control = ceil(control_ratio * n_units_treated)``.
    max_units
        Search limit for ``n_units_treated``.
    Other parameters as in :func:`did_mde`.

    Returns
    -------
    pandas.DataFrame
        One row: ``effect``, ``n_units_treated``, ``n_units_control``,
        ``n_periods_pre``, ``n_periods_post``, ``mde`` (at the returned design),
        ``power`` (exact power at ``effect``), ``feasible``.  If no design up to
        ``max_units`` reaches the MDE (with a fixed control group the MDE is bounded
        below), ``feasible`` is False and the row describes ``max_units``.

    Notes
    -----
    The MDE decreases monotonically in ``n_units_treated``; the smallest solution is
    found by doubling and bisection.
    """
    effect, alpha, power = _check_plan(effect, alpha, power)
    m, r = int(n_periods_pre), int(n_periods_post)
    v = _ar1_var_diff(m, r, float(sigma), float(rho))

    def n_c_of(n_t: int) -> int:
        if n_units_control is not None:
            return int(n_units_control)
        return max(1, int(math.ceil(control_ratio * n_t - 1e-12)))

    def mde(n_t: int) -> float:
        n_c = n_c_of(n_t)
        return _quantile_sum(alpha, power, _df(n_t, n_c, dist)) * _se(v, n_t, n_c)

    def pw(n_t: int) -> float:
        n_c = n_c_of(n_t)
        return _power(effect, _se(v, n_t, n_c), alpha, _df(n_t, n_c, dist))

    lo, hi = 1, 1
    while mde(hi) > effect:
        if hi >= max_units:
            return _plan_row(effect, max_units, n_c_of(max_units), m, r, mde(max_units),
                             pw(max_units), False)
        lo, hi = hi, min(2 * hi, max_units)
    if mde(lo) <= effect:
        hi = lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if mde(mid) <= effect:
            hi = mid
        else:
            lo = mid
    return _plan_row(effect, hi, n_c_of(hi), m, r, mde(hi), pw(hi), True)


def periods_needed(
    effect: float, *, n_units_treated: int, n_units_control: int, sigma: float,
    rho: float = 0.0, n_periods_pre: int | None = None, n_periods_post: int | None = None,
    solve_for: Literal["post", "pre"] = "post", alpha: float = 0.05, power: float = 0.8,
    dist: Literal["t", "normal"] = "t", max_periods: int = 100,
) -> pd.DataFrame:
    """Smallest number of post (or pre) periods whose MDE is at most ``effect``.

    Parameters
    ----------
    solve_for
        ``'post'``: search ``n_periods_post`` given ``n_periods_pre``; ``'pre'``: the
        reverse.  The other period count must be given.
    max_periods
        Search limit.
    Other parameters as in :func:`did_mde`.

    Returns
    -------
    pandas.DataFrame
        Same columns as :func:`units_needed`.  With serial correlation the MDE need not
        fall monotonically in the number of periods, so all values ``1..max_periods`` are
        scanned and the smallest that works is returned; ``feasible`` is False (row at
        the value with the smallest MDE) if none works.
    """
    effect, alpha, power = _check_plan(effect, alpha, power)
    if solve_for not in ("post", "pre"):
        raise ValueError("solve_for must be 'post' or 'pre'")
    fixed = n_periods_pre if solve_for == "post" else n_periods_post
    if fixed is None:
        other = "n_periods_pre" if solve_for == "post" else "n_periods_post"
        raise ValueError(f"{other} must be given when solve_for={solve_for!r}")
    n_t, n_c = int(n_units_treated), int(n_units_control)
    dfree = _df(n_t, n_c, dist)
    q = _quantile_sum(alpha, power, dfree)
    best = None
    for k in range(1, int(max_periods) + 1):
        m, r = (int(fixed), k) if solve_for == "post" else (k, int(fixed))
        se = _se(_ar1_var_diff(m, r, float(sigma), float(rho)), n_t, n_c)
        mde = q * se
        if mde <= effect:
            return _plan_row(effect, n_t, n_c, m, r, mde, _power(effect, se, alpha, dfree), True)
        if best is None or mde < best[2]:
            best = (m, r, mde, se)
    m, r, mde, se = best
    return _plan_row(effect, n_t, n_c, m, r, mde, _power(effect, se, alpha, dfree), False)
