"""Event studies: TWFE with binned relative-time dummies, its pre-trend test, and the
interaction-weighted estimator of Sun & Abraham (2021)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ._fe import _fe_ols, _t_inference
from ._panel import GROUP_TIME_COLUMNS, _check_level, _gt_dtypes, _Panel, _prepare

EVENT_STUDY_COLUMNS = [
    "estimator", "event_time", "estimate", "std_error", "ci_low", "ci_high", "p_value",
    "n_obs", "binned", "reference",
]
PRETREND_COLUMNS = [
    "estimator", "statistic", "df", "p_value", "f_statistic", "df_denom", "f_p_value",
    "n_clusters",
]


def _event_design(panel: _Panel, leads: int, lags: int, reference: int
                  ) -> tuple[np.ndarray, list[int], np.ndarray]:
    if leads < 1 or lags < 0:
        raise ValueError("need leads >= 1 and lags >= 0")
    if not -leads <= reference <= lags:
        raise ValueError("reference must lie in [-leads, lags]")
    g = panel.g
    treated = np.isfinite(g)
    rel = np.where(treated, panel.t - np.where(treated, g, 0.0), np.nan)
    rel_b = np.clip(rel, -leads, lags)
    grid = [e for e in range(-leads, lags + 1) if e != reference]
    cols = []
    kept = []
    for e in grid:
        c = (rel_b == e).astype(float)
        if c.sum() > 0:
            cols.append(c)
            kept.append(e)
    if not cols:
        raise ValueError("no treated observations in the event window")
    return np.column_stack(cols), kept, rel_b


def _event_study_fit(df, unit, time, outcome, cohort, leads, lags, weight, reference):
    panel = _prepare(df, unit=unit, time=time, outcome=outcome, cohort=cohort, weight=weight)
    x, kept, rel_b = _event_design(panel, int(leads), int(lags), int(reference))
    fit = _fe_ols(panel, x)
    return panel, fit, kept, rel_b


def event_study(
    df: pd.DataFrame, *, unit: str, time: str, outcome: str, cohort: str, leads: int = 3,
    lags: int = 3, weight: str | None = None, reference: int = -1, alpha: float = 0.05,
) -> pd.DataFrame:
    """TWFE event study with binned endpoints.

    Parameters
    ----------
    leads, lags
        Event window ``e = time - cohort`` in ``[-leads, lags]``.  Relative times below
        ``-leads`` are binned into ``-leads`` and those above ``lags`` into ``lags``.
    reference
        Omitted relative period (default -1, the period before adoption).
    Other parameters as in :func:`twfe`.

    Returns
    -------
    pandas.DataFrame
        One row per event time in ``[-leads, lags]`` (ascending) with columns
        ``estimator`` (``'event_study'``), ``event_time`` (int), ``estimate``,
        ``std_error``, ``ci_low``, ``ci_high``, ``p_value``, ``n_obs`` (treated
        observations in that bin), ``binned`` (True for the two endpoint bins),
        ``reference`` (True for the omitted period, whose estimate is 0 and whose
        standard error is NaN).  Bins without observations are NaN.

    Notes
    -----
    ``y_it = a_i + l_t + sum_{e != ref} b_e 1{bin(t - g_i) = e} + u_it``; never-treated
    units have all dummies zero.  Clustered CR1 errors, ``t(G-1)`` inference.  With
    heterogeneous effects across cohorts the ``b_e`` are contaminated by effects at other
    relative times (Sun & Abraham 2021); compare with :func:`sun_abraham` or the
    event-time aggregation of :func:`callaway_santanna`.
    """
    alpha = _check_level(alpha, "alpha")
    panel, fit, kept, rel_b = _event_study_fit(df, unit, time, outcome, cohort, leads, lags,
                                               weight, reference)
    se = np.sqrt(np.diag(fit.vcov))
    lo, hi, p = _t_inference(fit.beta, se, fit.df_resid, alpha)
    rows = []
    for e in range(-int(leads), int(lags) + 1):
        n_e = int(np.sum(rel_b == e))
        binned = e in (-int(leads), int(lags))
        if e == reference:
            rows.append(("event_study", e, 0.0, np.nan, np.nan, np.nan, np.nan, n_e, binned, True))
        elif e in kept:
            j = kept.index(e)
            rows.append(("event_study", e, float(fit.beta[j]), float(se[j]), float(lo[j]),
                         float(hi[j]), float(p[j]), n_e, binned, False))
        else:
            rows.append(("event_study", e, np.nan, np.nan, np.nan, np.nan, np.nan, 0, binned,
                         False))
    return pd.DataFrame(rows, columns=EVENT_STUDY_COLUMNS)


def pretrend_test(
    df: pd.DataFrame, *, unit: str, time: str, outcome: str, cohort: str, leads: int = 3,
    lags: int = 3, weight: str | None = None, reference: int = -1,
) -> pd.DataFrame:
    """Joint Wald test that all event-study leads are zero.

    Fits the same model as :func:`event_study` (same arguments) and tests
    ``H0: b_e = 0 for all e < 0, e != reference`` (including the binned ``-leads`` bin)
    with the cluster-robust covariance ``V``: ``W = b' V^{-1} b``.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimator`` (``'pretrend_wald'``), ``statistic`` (``W``), ``df``
        (number of leads tested, = rank of ``V``), ``p_value`` (``chi2(df)``),
        ``f_statistic`` (``W / df``), ``df_denom`` (``G - 1``), ``f_p_value``
        (``F(df, G-1)``, the small-sample version as in Stata ``test``), ``n_clusters``.

    Notes
    -----
    A non-rejection is weak evidence for parallel trends (Roth 2022, *AER: Insights*
    4(3), 305-322): pre-tests have low power and conditioning on passing them distorts
    later inference.
    """
    panel, fit, kept, _ = _event_study_fit(df, unit, time, outcome, cohort, leads, lags,
                                           weight, reference)
    idx = [j for j, e in enumerate(kept) if e < 0]
    if not idx:
        raise ValueError("no leads to test (every pre-period is the reference or empty)")
    b = fit.beta[idx]
    v = fit.vcov[np.ix_(idx, idx)]
    vinv = np.linalg.pinv(v)
    q = int(np.linalg.matrix_rank(v))
    if q == 0:  # the leads' covariance is exactly zero (an outcome without variation: every rate 0)
        raise ValueError("no leads to test (their covariance is zero: the leads are not identified)")
    w = float(b @ vinv @ b)
    return pd.DataFrame(
        {
            "estimator": ["pretrend_wald"], "statistic": [w], "df": [q],
            "p_value": [float(stats.chi2.sf(w, q))], "f_statistic": [w / q],
            "df_denom": [fit.df_resid], "f_p_value": [float(stats.f.sf(w / q, q, fit.df_resid))],
            "n_clusters": [fit.n_clusters],
        },
        columns=PRETREND_COLUMNS,
    )


def sun_abraham(
    df: pd.DataFrame, *, unit: str, time: str, outcome: str, cohort: str,
    weight: str | None = None, control: Literal["never", "last"] = "never", alpha: float = 0.05,
) -> pd.DataFrame:
    """Sun & Abraham (2021) interaction-weighted (IW) event study.

    Parameters
    ----------
    control
        ``'never'``: never-treated units are the control cohort.  ``'last'``: the
        last-treated cohort (plus any never-treated) is the control; periods from its
        adoption on are dropped.
    Other parameters as in :func:`twfe`.

    Returns
    -------
    pandas.DataFrame
        Same columns as :func:`callaway_santanna` with ``estimator='sun_abraham'``:
        ``'group_time'`` rows are the cohort-specific CATT(g, e) (``time = g + e``),
        ``'event_time'`` rows the IW averages (a reference row at ``event_time = -1``
        with estimate 0), and one ``'overall'`` row: the average of all post-adoption
        CATT(g, e) weighted by cell size.  ``cband_*`` are NaN.  Inference: CR1
        cluster-robust, ``t(G-1)``, weights treated as fixed (delta method).

    Notes
    -----
    Regress ``y_it = a_i + l_t + sum_{g not control} sum_{e != -1} d_ge 1{G_i = g,
    t - g = e} + u`` (fully saturated in relative time, no binning) by (W)LS, then
    ``IW(e) = sum_g Pr(G = g | e) d_ge`` with ``Pr`` the share of cohort ``g`` in the
    treated observations (or trials, if weighted) at relative time ``e``.  In a balanced,
    unweighted panel with never-treated controls this equals the event-time aggregation
    of :func:`callaway_santanna` with ``control='never'`` and the universal base.
    """
    alpha = _check_level(alpha, "alpha")
    if control not in ("never", "last"):
        raise ValueError("control must be 'never' or 'last'")
    panel = _prepare(df, unit=unit, time=time, outcome=outcome, cohort=cohort, weight=weight)
    times = panel.times
    g_unit = np.where(panel.g_unit > times[-1], np.inf, panel.g_unit)
    g_unit = np.where(g_unit <= times[0], np.nan, g_unit)          # always-treated -> drop
    keep_obs = ~np.isnan(g_unit[panel.unit_idx])
    if control == "last":
        finite = g_unit[np.isfinite(g_unit)]
        if finite.size == 0:
            raise ValueError("no treated cohort")
        g_last = finite.max()
        keep_obs &= panel.t < g_last
        g_unit = np.where(g_unit == g_last, np.inf, g_unit)
    if not np.any(np.isinf(g_unit[panel.unit_idx][keep_obs])):
        raise ValueError("no control units: use control='last' or callaway_santanna")
    sub = pd.DataFrame({
        "u": panel.unit_labels[panel.unit_idx][keep_obs], "t": panel.t[keep_obs],
        "y": panel.y[keep_obs], "w": panel.w[keep_obs],
        "g": g_unit[panel.unit_idx][keep_obs],
    })
    p2 = _prepare(sub, unit="u", time="t", outcome="y", cohort="g",
                  weight="w" if panel.weighted else None)
    g = p2.g
    rel = np.where(np.isfinite(g), p2.t - np.where(np.isfinite(g), g, 0.0), np.nan)
    cells = sorted({(gg, ee) for gg, ee in zip(g[np.isfinite(g)], rel[np.isfinite(g)])
                    if ee != -1})
    if not cells:
        raise ValueError("no treated observations")
    cols = np.zeros((p2.n_obs, len(cells)))
    pos = {c: j for j, c in enumerate(cells)}
    tr_rows = np.flatnonzero(np.isfinite(g) & (rel != -1))
    for r in tr_rows:
        cols[r, pos[(g[r], rel[r])]] = 1.0
    fit = _fe_ols(p2, cols)
    cw = cols.T @ p2.w                       # cell sizes (obs or trials)
    n_cell = (cols > 0).sum(axis=0)
    beta, vc = fit.beta, fit.vcov
    ctrl_units = int(np.isinf(p2.g_unit).sum())

    rows = []
    c_e = np.array([c[1] for c in cells])
    se_cell = np.sqrt(np.diag(vc))
    lo, hi, p = _t_inference(beta, se_cell, fit.df_resid, alpha)
    for j, (gg, ee) in enumerate(cells):
        rows.append(("sun_abraham", "group_time", gg, gg + ee, ee, beta[j], se_cell[j], lo[j],
                     hi[j], np.nan, np.nan, p[j], int(n_cell[j]), ctrl_units))

    def _lin(sel: np.ndarray) -> tuple[float, float, int]:
        a = np.where(sel, cw, 0.0)
        a = a / a.sum()
        return float(a @ beta), float(np.sqrt(a @ vc @ a)), int(n_cell[sel].sum())

    for ee in sorted(set(c_e) | {-1.0}):
        if ee == -1:
            rows.append(("sun_abraham", "event_time", np.nan, np.nan, -1.0, 0.0, np.nan, np.nan,
                         np.nan, np.nan, np.nan, np.nan, 0, 0))
            continue
        est, se, n_u = _lin(c_e == ee)
        l_, h_, p_ = _t_inference(est, se, fit.df_resid, alpha)
        rows.append(("sun_abraham", "event_time", np.nan, np.nan, ee, est, se, float(l_),
                     float(h_), np.nan, np.nan, float(p_), n_u, ctrl_units))
    post = c_e >= 0
    if post.any():
        est, se, _ = _lin(post)
        l_, h_, p_ = _t_inference(est, se, fit.df_resid, alpha)
        n_u = int(np.unique(p2.unit_idx[(cols[:, post] > 0).any(axis=1)]).size)
        rows.append(("sun_abraham", "overall", np.nan, np.nan, np.nan, est, se, float(l_),
                     float(h_), np.nan, np.nan, float(p_), n_u, ctrl_units))
    return _gt_dtypes(pd.DataFrame(rows, columns=GROUP_TIME_COLUMNS))
