"""Canonical 2x2 difference in differences and static two-way fixed effects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._fe import _OLSFit, _cluster_ols, _fe_ols, _t_inference
from ._panel import _check_level, _columns_present, _prepare

DID_2X2_COLUMNS = [
    "estimator", "estimate", "std_error", "ci_low", "ci_high", "p_value",
    "n_obs", "n_treated_units", "n_control_units",
]
TWFE_COLUMNS = DID_2X2_COLUMNS


def _effect_row(estimator: str, fit: _OLSFit, j: int, alpha: float, treated_obs_units: np.ndarray,
                n_units: int) -> pd.DataFrame:
    """One-row result (:data:`DID_2X2_COLUMNS`) for coefficient ``j`` of ``fit``.

    ``treated_obs_units`` are the unit indices of the treated observations; a unit with
    at least one counts as treated, the others as controls.
    """
    est = float(fit.beta[j])
    se = float(np.sqrt(fit.vcov[j, j]))
    lo, hi, p = _t_inference(est, se, fit.df_resid, alpha)
    treated_units = np.zeros(n_units, dtype=bool)
    treated_units[treated_obs_units] = True
    return pd.DataFrame(
        {
            "estimator": [estimator], "estimate": [est], "std_error": [se],
            "ci_low": [float(lo)], "ci_high": [float(hi)], "p_value": [float(p)],
            "n_obs": [fit.n_obs], "n_treated_units": [int(treated_units.sum())],
            "n_control_units": [int((~treated_units).sum())],
        },
        columns=DID_2X2_COLUMNS,
    )


def did_2x2(
    df: pd.DataFrame, *, unit: str, time: str, outcome: str, treated: str, post: str,
    weight: str | None = None, alpha: float = 0.05,
) -> pd.DataFrame:
    """Canonical 2x2 difference in differences of (weighted) means.

    Parameters
    ----------
    df
        Long panel (or repeated cross-section of cells); one row per observation.
    unit
        Unit identifier; standard errors are clustered on it.
    time
        Period column; used only for the duplicate check (may be any type).
    outcome
        Outcome column (e.g. the focal group's rate).
    treated, post
        0/1 (or boolean) columns: treatment-group indicator and post-period indicator.
    weight
        Optional analytic-weight column (e.g. trials); rows with weight <= 0 or NaN are
        dropped.  With weights the cell means are weighted means (pooled rates).
    alpha
        Two-sided level of the confidence interval.

    Returns
    -------
    pandas.DataFrame
        One row with columns ``estimator`` (``'did_2x2'``), ``estimate``, ``std_error``,
        ``ci_low``, ``ci_high``, ``p_value``, ``n_obs``, ``n_treated_units``
        (units with ``treated == 1`` in any row), ``n_control_units``.

    Notes
    -----
    ``estimate = (ybar_T,post - ybar_T,pre) - (ybar_C,post - ybar_C,pre)``, which is the
    coefficient on ``treated:post`` in the saturated (W)LS regression
    ``y ~ 1 + treated + post + treated:post``.  The standard error is the CR1
    cluster-robust one from that regression (``K = 4``), identical to
    ``statsmodels`` ``OLS/WLS(...).fit(cov_type='cluster')``; inference uses ``t(G-1)``.
    Reference: Angrist & Pischke (2009), *Mostly Harmless Econometrics*, ch. 5.2.
    """
    alpha = _check_level(alpha, "alpha")
    _columns_present(df, {"unit": unit, "time": time, "outcome": outcome, "treated": treated,
                          "post": post, "weight": weight})
    y = pd.to_numeric(df[outcome], errors="raise").to_numpy(dtype=float)
    tr = pd.to_numeric(df[treated], errors="raise").to_numpy(dtype=float)
    po = pd.to_numeric(df[post], errors="raise").to_numpy(dtype=float)
    keep = np.isfinite(y) & np.isfinite(tr) & np.isfinite(po)
    if weight is not None:
        w = pd.to_numeric(df[weight], errors="raise").to_numpy(dtype=float)
        keep &= np.isfinite(w) & (w > 0)
    else:
        w = np.ones_like(y)
    y, tr, po, w = y[keep], tr[keep], po[keep], w[keep]
    uu = df[unit].to_numpy()[keep]
    if not (np.isin(tr, (0.0, 1.0)).all() and np.isin(po, (0.0, 1.0)).all()):
        raise ValueError("treated and post must be 0/1 indicators")
    if pd.DataFrame({"u": uu, "t": df[time].to_numpy()[keep]}).duplicated().any():
        raise ValueError("(unit, time) pairs must be unique")
    cells = {(a, b) for a, b in zip(tr, po)}
    if len(cells) < 4:
        raise ValueError("all four treated x post cells need observations")
    unit_idx, labels = pd.factorize(uu, sort=True)
    x = np.column_stack([np.ones_like(y), tr, po, tr * po])
    sw = np.sqrt(w)
    fit = _cluster_ols(sw * y, sw[:, None] * x, unit_idx, labels.size, 4)
    return _effect_row("did_2x2", fit, 3, alpha, unit_idx[tr == 1], labels.size)


def twfe(
    df: pd.DataFrame, *, unit: str, time: str, outcome: str, cohort: str,
    weight: str | None = None, alpha: float = 0.05,
) -> pd.DataFrame:
    """Static two-way fixed-effects DiD for staggered adoption.

    Parameters
    ----------
    df
        Long unit x period panel.
    unit, time, outcome
        Column names; ``time`` integer valued.
    cohort
        First treated period of the unit (NaN, 0 or inf = never treated).
    weight
        Optional analytic weights (e.g. trials) -> WLS.
    alpha
        Two-sided level of the confidence interval.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimator`` (``'twfe'``), ``estimate``, ``std_error``, ``ci_low``,
        ``ci_high``, ``p_value``, ``n_obs``, ``n_treated_units`` (units with ``D = 1``
        in some used row), ``n_control_units`` (the other units).

    Notes
    -----
    Model ``y_it = a_i + l_t + b D_it + e_it`` with ``D_it = 1{t >= cohort_i}``, fitted by
    (weighted) within transformation (exact for unbalanced panels, see
    ``_TwoWayProjector``).  Errors clustered by unit (CR1, unit FE nested in clusters),
    ``t(G-1)`` inference.  With staggered adoption and effects that vary over cohorts or
    time since adoption, ``b`` is a variance-weighted average that can put negative
    weight on some ATT(g, t) (Goodman-Bacon 2021; de Chaisemartin & D'Haultfoeuille
    2020); use :func:`callaway_santanna` for a robust estimand.
    """
    alpha = _check_level(alpha, "alpha")
    panel = _prepare(df, unit=unit, time=time, outcome=outcome, cohort=cohort, weight=weight)
    d = (panel.t >= panel.g).astype(float)
    fit = _fe_ols(panel, d)
    return _effect_row("twfe", fit, 0, alpha, panel.unit_idx[d == 1], panel.n_units)
