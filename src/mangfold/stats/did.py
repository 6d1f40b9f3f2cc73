"""Difference in differences for unit x period panels with staggered adoption.

Setting: units (e.g. agencies of Oslo kommune) join a pilot at different dates.
The input is a long unit x period panel with one row per unit and period, the
focal group's rate in that cell (``outcome``, e.g. interviewed / qualified among
lbg2 applicants), optionally the cell's number of trials (``weight``) and the
unit's first treated period (``cohort``; NaN, 0 or +inf = never treated).  Effects
are in the units of ``outcome`` (probability points for rates).

Functions (all return a tidy :class:`pandas.DataFrame` with a fixed set of columns):

- :func:`did_2x2`                 canonical 2x2 DiD of (weighted) means, unit-clustered.
- :func:`twfe`                    static two-way fixed effects ``y ~ a_i + l_t + b D_it``.
- :func:`event_study`             TWFE event study with binned relative-time dummies.
- :func:`pretrend_test`           joint Wald test that the event-study leads are zero.
- :func:`callaway_santanna`       group-time ATT(g, t) and their aggregations
                                  (Callaway & Sant'Anna 2021), multiplier bootstrap.
- :func:`sun_abraham`             interaction-weighted event study (Sun & Abraham 2021).
- :func:`randomization_inference` permutation of adoption dates across units.
- :func:`randomization_interval`  confidence interval by inverting that permutation
                                  test (TWFE statistic, closed form in the effect).

Conventions shared by all functions
-----------------------------------
* ``time`` and ``cohort`` must be integer valued (e.g. years); ``D_it = 1{time >= cohort}``.
* Rows whose outcome is missing, or whose weight is missing or <= 0, are dropped
  (a cell with zero trials has no rate).  ``(unit, time)`` must be unique.
* ``cohort`` must be constant within a unit.
* Standard errors are clustered by unit.  Regression-based estimators use the
  CR1 small-sample factor ``G/(G-1) * (N-1)/(N-K)`` where ``K`` counts the slope
  coefficients, the time dummies and a constant, but not the unit fixed effects,
  which are nested in the clusters (Stata ``xtreg, fe vce(cluster unit)``;
  Cameron & Miller 2015, sec. VI); p-values and intervals use ``t(G-1)``.
  Callaway-Sant'Anna uses the normal distribution, as in the R package ``did``.
* ``weight`` (if given) is a column of non-negative analytic weights, normally the
  number of trials behind the rate, so that regression estimators are WLS.
* Randomness only enters through ``seed``; no rounding is done.

References
----------
Callaway, B. & Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple
time periods. *Journal of Econometrics* 225(2), 200-230.
Sun, L. & Abraham, S. (2021). Estimating dynamic treatment effects in event studies
with heterogeneous treatment effects. *Journal of Econometrics* 225(2), 175-199.
Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment
timing. *Journal of Econometrics* 225(2), 254-277.
Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust
inference. *Journal of Human Resources* 50(2), 317-372.
Young, A. (2019). Channeling Fisher: randomization tests and the statistical
insignificance of seemingly significant experimental results. *QJE* 134(2), 557-598.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse
from scipy import stats

__all__ = [
    "did_2x2",
    "twfe",
    "event_study",
    "pretrend_test",
    "callaway_santanna",
    "sun_abraham",
    "randomization_inference",
    "randomization_interval",
    "DID_2X2_COLUMNS",
    "TWFE_COLUMNS",
    "EVENT_STUDY_COLUMNS",
    "PRETREND_COLUMNS",
    "GROUP_TIME_COLUMNS",
    "RI_COLUMNS",
    "RI_INTERVAL_COLUMNS",
]

DID_2X2_COLUMNS = [
    "estimator", "estimate", "std_error", "ci_low", "ci_high", "p_value",
    "n_obs", "n_treated_units", "n_control_units",
]
TWFE_COLUMNS = DID_2X2_COLUMNS
EVENT_STUDY_COLUMNS = [
    "estimator", "event_time", "estimate", "std_error", "ci_low", "ci_high", "p_value",
    "n_obs", "binned", "reference",
]
PRETREND_COLUMNS = [
    "estimator", "statistic", "df", "p_value", "f_statistic", "df_denom", "f_p_value",
    "n_clusters",
]
GROUP_TIME_COLUMNS = [
    "estimator", "aggregation", "cohort", "time", "event_time", "estimate", "std_error",
    "ci_low", "ci_high", "cband_low", "cband_high", "p_value",
    "n_treated_units", "n_control_units",
]
RI_COLUMNS = ["estimator", "statistic", "estimate", "p_value", "n_draws", "exact"]

_EXACT_LIMIT = 200_000


# ---------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------


@dataclass
class _Panel:
    """Arrays of a cleaned long panel (one entry per observation)."""

    y: np.ndarray          # outcome (float)
    w: np.ndarray          # weights (ones when no weight column)
    unit_idx: np.ndarray   # 0..n_units-1
    time_idx: np.ndarray   # 0..n_times-1
    times: np.ndarray      # sorted distinct times (int64)
    t: np.ndarray          # time value per observation (float)
    g_unit: np.ndarray     # cohort per unit (float, +inf = never treated)
    unit_labels: np.ndarray
    weighted: bool

    @property
    def n_obs(self) -> int:
        return int(self.y.size)

    @property
    def n_units(self) -> int:
        return int(self.g_unit.size)

    @property
    def n_times(self) -> int:
        return int(self.times.size)

    @property
    def g(self) -> np.ndarray:
        return self.g_unit[self.unit_idx]


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    return alpha


def _integer_valued(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    fin = np.isfinite(x)
    if np.any(np.abs(x[fin] - np.rint(x[fin])) > 1e-9):
        raise ValueError(f"{name} must be integer valued (e.g. years)")
    return x


def _columns_present(df: pd.DataFrame, cols: dict[str, str | None]) -> None:
    missing = [f"{role}={c!r}" for role, c in cols.items() if c is not None and c not in df.columns]
    if missing:
        raise KeyError("column(s) not in df: " + ", ".join(missing))


def _prepare(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    cohort: str,
    weight: str | None,
) -> _Panel:
    _columns_present(df, {"unit": unit, "time": time, "outcome": outcome,
                          "cohort": cohort, "weight": weight})
    y = pd.to_numeric(df[outcome], errors="raise").to_numpy(dtype=float)
    keep = np.isfinite(y)
    if weight is not None:
        w = pd.to_numeric(df[weight], errors="raise").to_numpy(dtype=float)
        if np.any(w[np.isfinite(w)] < 0):
            raise ValueError(f"weight column {weight!r} has negative values")
        keep &= np.isfinite(w) & (w > 0)
    else:
        w = np.ones_like(y)
    tt = _integer_valued(pd.to_numeric(df[time], errors="raise").to_numpy(dtype=float), time)
    if not np.all(np.isfinite(tt)):
        raise ValueError(f"time column {time!r} has missing values")
    gg = _integer_valued(pd.to_numeric(df[cohort], errors="raise").to_numpy(dtype=float), cohort)
    gg = np.where(np.isnan(gg) | (gg == 0), np.inf, gg)
    uu = df[unit].to_numpy()
    if pd.isna(uu).any():
        raise ValueError(f"unit column {unit!r} has missing values")

    # cohort must be constant within unit (checked on all rows, before dropping)
    codes_all, labels_all = pd.factorize(uu, sort=True)
    gmin = np.full(labels_all.size, np.inf)
    gmax = np.full(labels_all.size, -np.inf)
    np.minimum.at(gmin, codes_all, gg)
    np.maximum.at(gmax, codes_all, gg)
    if np.any(gmin != gmax):
        bad = labels_all[gmin != gmax][:5]
        raise ValueError(f"cohort is not constant within unit for units {list(bad)}")

    y, w, tt, gg, uu = y[keep], w[keep], tt[keep], gg[keep], uu[keep]
    if y.size == 0:
        raise ValueError("no usable observations (all outcomes or weights missing)")
    unit_idx, unit_labels = pd.factorize(uu, sort=True)
    times, time_idx = np.unique(tt, return_inverse=True)
    dup = pd.Series(unit_idx.astype(np.int64) * times.size + time_idx).duplicated()
    if dup.any():
        raise ValueError("(unit, time) pairs must be unique")
    g_unit = np.empty(unit_labels.size)
    g_unit[unit_idx] = gg
    return _Panel(
        y=y, w=w, unit_idx=unit_idx.astype(np.intp), time_idx=time_idx.astype(np.intp),
        times=times.astype(np.int64), t=tt, g_unit=g_unit, unit_labels=np.asarray(unit_labels),
        weighted=weight is not None,
    )


# ---------------------------------------------------------------------------
# linear algebra: two-way within transformation and clustered OLS
# ---------------------------------------------------------------------------


class _TwoWayProjector:
    """Exact (weighted) residualisation on unit and time fixed effects.

    By Frisch-Waugh-Lovell, residualising on ``[unit dummies, time dummies]`` in the
    ``W`` metric equals (1) weighted demeaning within unit, then (2) projecting out the
    unit-demeaned time dummies.  Step (2) uses an orthonormal basis ``Q`` of the
    ``sqrt(w)``-scaled demeaned time dummies, computed once.  Works for unbalanced and
    weighted panels; :meth:`resid` returns residuals in the ``sqrt(w)``-scaled space,
    so that ``X_s' X_s = X'' W X''``.
    """

    def __init__(self, unit_idx: np.ndarray, time_idx: np.ndarray, w: np.ndarray,
                 n_units: int, n_times: int) -> None:
        n = unit_idx.size
        self.unit_idx = unit_idx
        self.sw = np.sqrt(w)
        self.w = w
        self.S = sparse.csr_matrix((np.ones(n), (np.arange(n), unit_idx)), shape=(n, n_units))
        self.wsum = np.asarray(self.S.T @ w).ravel()
        tdum = np.zeros((n, n_times))
        tdum[np.arange(n), time_idx] = 1.0
        z = self.sw[:, None] * self._unit_demean(tdum)
        u, s, _ = np.linalg.svd(z, full_matrices=False)
        tol = s.max(initial=0.0) * max(z.shape) * np.finfo(float).eps * 10
        self.Q = u[:, s > tol]
        self.rank_time = int(self.Q.shape[1])

    def _unit_demean(self, m: np.ndarray) -> np.ndarray:
        """Weighted within-unit demeaning of the columns of ``m`` (n x k) or a vector."""
        one_d = m.ndim == 1
        mm = m[:, None] if one_d else m
        means = (self.S.T @ (self.w[:, None] * mm)) / self.wsum[:, None]
        out = mm - means[self.unit_idx]
        return out[:, 0] if one_d else out

    def resid(self, m: np.ndarray) -> np.ndarray:
        one_d = m.ndim == 1
        mm = m[:, None] if one_d else m
        ms = self.sw[:, None] * self._unit_demean(mm)
        ms = ms - self.Q @ (self.Q.T @ ms)
        return ms[:, 0] if one_d else ms

    def resid_rows(self, d: np.ndarray) -> np.ndarray:
        """Residualise many regressors at once, stored as rows (B x n)."""
        wd = d * self.w[None, :]
        means = np.asarray((self.S.T @ wd.T).T) / self.wsum[None, :]
        ds = (d - means[:, self.unit_idx]) * self.sw[None, :]
        return ds - (ds @ self.Q) @ self.Q.T


@dataclass
class _OLSFit:
    beta: np.ndarray
    vcov: np.ndarray
    df_resid: int        # G - 1, for t inference
    n_obs: int
    n_clusters: int


def _cluster_ols(ys: np.ndarray, xs: np.ndarray, cluster_idx: np.ndarray, n_clusters: int,
                 k_dof: int, raw_sq: np.ndarray | None = None) -> _OLSFit:
    """OLS of ``ys`` on ``xs`` (already scaled/residualised) with CR1 cluster variance.

    ``k_dof`` is the number of parameters used in ``(N-1)/(N-K)``.  ``raw_sq`` are the
    weighted squared norms of the regressors before residualisation; a regressor that
    loses (almost) all of its norm to the fixed effects is reported as collinear.
    """
    n, k = xs.shape
    xtx = xs.T @ xs
    if raw_sq is None:
        raw_sq = np.diag(xtx)
    scale = 1.0 / np.sqrt(np.where(raw_sq > 0, raw_sq, 1.0))
    sv = np.linalg.svd(xs * scale[None, :], compute_uv=False)
    if sv.size < k or sv.min(initial=np.inf) <= 1e-7 * max(sv.max(initial=0.0), 1.0):
        raise ValueError(
            "regressors are collinear with the fixed effects (no identifying variation); "
            "check that there are untreated comparison observations"
        )
    bread = np.linalg.inv(xtx)
    beta = bread @ (xs.T @ ys)
    e = ys - xs @ beta
    scores = np.zeros((n_clusters, k))
    np.add.at(scores, cluster_idx, xs * e[:, None])
    meat = scores.T @ scores
    g = int(np.unique(cluster_idx).size)
    if g < 2:
        raise ValueError("need at least two clusters (units)")
    factor = g / (g - 1) * (n - 1) / max(n - k_dof, 1)
    vcov = factor * bread @ meat @ bread
    return _OLSFit(beta=beta, vcov=vcov, df_resid=g - 1, n_obs=n, n_clusters=g)


def _fe_ols(panel: _Panel, x: np.ndarray) -> _OLSFit:
    proj = _TwoWayProjector(panel.unit_idx, panel.time_idx, panel.w, panel.n_units, panel.n_times)
    ys = proj.resid(panel.y)
    x2 = x if x.ndim == 2 else x[:, None]
    xs = proj.resid(x2)
    k = xs.shape[1]
    raw_sq = panel.w @ (x2 * x2)
    return _cluster_ols(ys, xs, panel.unit_idx, panel.n_units, k + proj.rank_time + 1, raw_sq)


def _t_inference(est: np.ndarray, se: np.ndarray, dof: float, alpha: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    est = np.asarray(est, dtype=float)
    se = np.asarray(se, dtype=float)
    if np.isfinite(dof):
        crit = stats.t.isf(alpha / 2.0, dof)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2.0 * stats.t.sf(np.abs(est / se), dof)
    else:
        crit = stats.norm.isf(alpha / 2.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2.0 * stats.norm.sf(np.abs(est / se))
    return est - crit * se, est + crit * se, p


# ---------------------------------------------------------------------------
# 2x2 and static TWFE
# ---------------------------------------------------------------------------


def did_2x2(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated: str,
    post: str,
    weight: str | None = None,
    alpha: float = 0.05,
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
    alpha = _check_alpha(alpha)
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
    est = float(fit.beta[3])
    se = float(np.sqrt(fit.vcov[3, 3]))
    lo, hi, p = _t_inference(est, se, fit.df_resid, alpha)
    treated_units = np.zeros(labels.size, dtype=bool)
    treated_units[unit_idx[tr == 1]] = True
    return pd.DataFrame(
        {
            "estimator": ["did_2x2"], "estimate": [est], "std_error": [se],
            "ci_low": [float(lo)], "ci_high": [float(hi)], "p_value": [float(p)],
            "n_obs": [int(y.size)], "n_treated_units": [int(treated_units.sum())],
            "n_control_units": [int((~treated_units).sum())],
        },
        columns=DID_2X2_COLUMNS,
    )


def twfe(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    cohort: str,
    weight: str | None = None,
    alpha: float = 0.05,
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
    alpha = _check_alpha(alpha)
    panel = _prepare(df, unit=unit, time=time, outcome=outcome, cohort=cohort, weight=weight)
    d = (panel.t >= panel.g).astype(float)
    fit = _fe_ols(panel, d)
    est = float(fit.beta[0])
    se = float(np.sqrt(fit.vcov[0, 0]))
    lo, hi, p = _t_inference(est, se, fit.df_resid, alpha)
    ever = np.zeros(panel.n_units, dtype=bool)
    ever[panel.unit_idx[d == 1]] = True
    return pd.DataFrame(
        {
            "estimator": ["twfe"], "estimate": [est], "std_error": [se],
            "ci_low": [float(lo)], "ci_high": [float(hi)], "p_value": [float(p)],
            "n_obs": [panel.n_obs], "n_treated_units": [int(ever.sum())],
            "n_control_units": [int((~ever).sum())],
        },
        columns=TWFE_COLUMNS,
    )


# ---------------------------------------------------------------------------
# TWFE event study and pre-trend test
# ---------------------------------------------------------------------------


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
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    cohort: str,
    leads: int = 3,
    lags: int = 3,
    weight: str | None = None,
    reference: int = -1,
    alpha: float = 0.05,
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
    alpha = _check_alpha(alpha)
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
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    cohort: str,
    leads: int = 3,
    lags: int = 3,
    weight: str | None = None,
    reference: int = -1,
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


# ---------------------------------------------------------------------------
# Callaway & Sant'Anna
# ---------------------------------------------------------------------------


def _gt_dtypes(res: pd.DataFrame) -> pd.DataFrame:
    """Fixed dtypes of the group-time tables (float for numbers, int for counts)."""
    res = res.copy()
    for c in ("cohort", "time", "event_time", "estimate", "std_error", "ci_low", "ci_high",
              "cband_low", "cband_high", "p_value"):
        res[c] = res[c].astype(float)
    for c in ("n_treated_units", "n_control_units"):
        res[c] = res[c].astype(np.int64)
    return res


@dataclass
class _CSCells:
    cohort: np.ndarray       # (K,)
    time: np.ndarray         # (K,)
    base: np.ndarray         # (K,)
    att: np.ndarray          # (K,)
    size: np.ndarray         # (K,) aggregation size s_k (sum of treated unit weights)
    n_treated: np.ndarray    # (K,)
    n_control: np.ndarray    # (K,)
    psi: np.ndarray | None   # (U, K) influence contributions (sum_i psi_ik^2 = Var)
    c: np.ndarray | None     # (U, K) treated unit weights in cell (for the weight IF)
    control_mask: np.ndarray | None  # (U, K) bool


def _wide(panel: _Panel) -> tuple[np.ndarray, np.ndarray]:
    y = np.full((panel.n_units, panel.n_times), np.nan)
    w = np.zeros((panel.n_units, panel.n_times))
    y[panel.unit_idx, panel.time_idx] = panel.y
    w[panel.unit_idx, panel.time_idx] = panel.w
    return y, w


def _cs_cells(
    yw: np.ndarray,
    ww: np.ndarray,
    g_unit: np.ndarray,
    times: np.ndarray,
    *,
    control: str,
    base_period: str,
    weighted: bool,
    want_if: bool,
) -> _CSCells:
    """All identified ATT(g, t) cells from wide arrays (units x times)."""
    n_units, n_times = yw.shape
    obs = ww > 0
    g_eff = np.where(g_unit > times[-1], np.inf, g_unit)   # adopt after panel end = never
    cohorts = np.unique(g_eff[np.isfinite(g_eff) & (g_eff > times[0])])
    out = {k: [] for k in ("cohort", "time", "base", "att", "size", "n_treated", "n_control",
                           "psi", "c", "cm")}
    never = ~np.isfinite(g_eff)
    for g in cohorts:
        gb = int(np.searchsorted(times, g, side="left")) - 1       # index of base g-1
        in_g = g_eff == g
        for ti in range(n_times):
            if ti == gb and base_period == "universal":
                continue
            if times[ti] < g and base_period == "varying":
                bi = ti - 1
                if bi < 0:
                    continue
            else:
                bi = gb
            t_val, b_val = times[ti], times[bi]
            both = obs[:, ti] & obs[:, bi]
            tr = in_g & both
            if control == "never":
                cm = never & both
            else:
                cm = (g_eff > max(t_val, b_val)) & ~in_g & both
            n_t, n_c = int(tr.sum()), int(cm.sum())
            if n_t == 0 or n_c == 0:
                continue
            dy = yw[:, ti] - yw[:, bi]
            if weighted:
                om = ww[:, ti] * ww[:, bi] / (ww[:, ti] + ww[:, bi] + (~both))
            else:
                om = np.ones(n_units)
            om_t = np.where(tr, om, 0.0)
            om_c = np.where(cm, om, 0.0)
            st, sc = om_t.sum(), om_c.sum()
            dyz = np.where(both, dy, 0.0)
            mt = om_t @ dyz / st
            mc = om_c @ dyz / sc
            out["cohort"].append(g)
            out["time"].append(t_val)
            out["base"].append(b_val)
            out["att"].append(mt - mc)
            out["size"].append(st)
            out["n_treated"].append(n_t)
            out["n_control"].append(n_c)
            if want_if:
                # HC1-type factors n/(n-1) per group: unweighted -> Welch variance
                ft = math.sqrt(n_t / (n_t - 1)) if n_t > 1 else 1.0
                fc = math.sqrt(n_c / (n_c - 1)) if n_c > 1 else 1.0
                out["psi"].append(ft * om_t * (dyz - mt) / st - fc * om_c * (dyz - mc) / sc)
                out["c"].append(om_t)
                out["cm"].append(cm)
    k = len(out["att"])

    def stack(key: str) -> np.ndarray | None:
        if not want_if:
            return None
        return np.column_stack(out[key]) if k else np.zeros((n_units, 0))

    return _CSCells(
        cohort=np.asarray(out["cohort"], dtype=float), time=np.asarray(out["time"], dtype=float),
        base=np.asarray(out["base"], dtype=float), att=np.asarray(out["att"], dtype=float),
        size=np.asarray(out["size"], dtype=float), n_treated=np.asarray(out["n_treated"], int),
        n_control=np.asarray(out["n_control"], int),
        psi=stack("psi"), c=stack("c"), control_mask=stack("cm"),
    )


def _cs_aggregate(cells: _CSCells, sel: np.ndarray) -> tuple[float, np.ndarray | None]:
    """Size-weighted average of the selected cells and its influence contributions.

    ``theta = sum_k s_k ATT_k / sum_k s_k``; linearising the ratio gives
    ``psi_i = sum_k (s_k / B) psi_ik + sum_k (ATT_k - theta) c_ik / B`` where the second
    term accounts for the estimated weights (``B = sum_k s_k``).
    """
    s = cells.size[sel]
    b = s.sum()
    theta = float(s @ cells.att[sel] / b)
    if cells.psi is None:
        return theta, None
    psi = cells.psi[:, sel] @ (s / b) + cells.c[:, sel] @ (cells.att[sel] - theta) / b
    return theta, psi


def _cs_overall(yw, ww, g_unit, times, control, base_period, weighted) -> float:
    cells = _cs_cells(yw, ww, g_unit, times, control=control, base_period=base_period,
                      weighted=weighted, want_if=False)
    post = cells.time >= cells.cohort
    if not post.any():
        return np.nan
    return _cs_aggregate(cells, post)[0]


def callaway_santanna(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    cohort: str,
    weight: str | None = None,
    control: Literal["never", "notyet"] = "notyet",
    base_period: Literal["universal", "varying"] = "universal",
    alpha: float = 0.05,
    n_boot: int = 999,
    seed: int = 0,
) -> pd.DataFrame:
    """Callaway & Sant'Anna (2021) group-time ATTs and their aggregations.

    Parameters
    ----------
    df, unit, time, outcome, cohort, weight
        As in :func:`twfe`.
    control
        ``'never'``: comparison units are the never-treated; ``'notyet'``: units not yet
        treated at both compared periods (``cohort > max(t, base)``, incl. never-treated,
        excluding the cohort itself).
    base_period
        ``'universal'`` (default): every ATT(g, t), before and after adoption, compares
        period ``t`` with the last period before adoption ``g - 1`` (so event time -1 is
        0 by construction, as in a TWFE event study).  ``'varying'``: pre-adoption cells
        compare ``t`` with ``t - 1`` (R ``did`` default); post cells always use ``g - 1``.
    alpha
        Two-sided level of pointwise intervals and uniform bands.
    n_boot
        Number of multiplier (Rademacher) bootstrap draws over units.  ``0`` gives
        analytic influence-function standard errors and no uniform bands.
    seed
        Seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        Columns ``estimator`` (``'callaway_santanna'``), ``aggregation``
        (``'group_time'``, ``'event_time'`` or ``'overall'``), ``cohort``, ``time``,
        ``event_time`` (float; NaN where aggregated away), ``estimate``, ``std_error``,
        ``ci_low``, ``ci_high`` (pointwise), ``cband_low``, ``cband_high`` (uniform
        sup-t band over the rows of the same aggregation; equal to the pointwise interval
        for ``'overall'``; NaN when ``n_boot == 0``), ``p_value`` (normal, pointwise),
        ``n_treated_units``, ``n_control_units`` (distinct units used).  Rows: group-time
        cells sorted by cohort and time, then event times (with the universal base, a
        reference row at ``event_time = g - 1 - g`` with estimate 0 and NaN inference),
        then one ``'overall'`` row.

    Notes
    -----
    For cohort ``g``, period ``t`` and base ``b``::

        ATT(g, t) = sum_{i in g} om_i dY_i / sum_{i in g} om_i
                    - sum_{j in C} om_j dY_j / sum_{j in C} om_j,   dY_i = Y_it - Y_ib,

    over units observed in both periods.  Unweighted ``om = 1`` (the unconditional
    estimator of CS 2021, eq. 2.6/2.7, panel version).  With ``weight`` (trials),
    ``om_i = w_it w_ib / (w_it + w_ib)``, the inverse-variance weight of a difference
    of two binomial rates, so composition changes in trials do not enter the estimate;
    the estimand is then a precision-weighted ATT.  Cohorts adopting at or before the
    first period are dropped (no pre-period); adoption after the last period counts as
    never treated.  Aggregations are ``theta = sum_k s_k ATT_k / sum_k s_k`` with
    ``s_k = sum_{i in g} om_i`` (= cohort size when unweighted, CS 2021 eq. 3.10-3.11
    "simple" and "dynamic"): ``'overall'`` over all post cells ``t >= g``,
    ``'event_time'`` over cells with ``t - g = e``.  Inference uses the unit-level
    influence function (incl. the estimated weights); the bootstrap standard error is
    the rescaled interquartile range of the multiplier draws (CS 2021, sec. 4).  Unlike
    R ``did``, each cell's treated and comparison contributions carry the small-sample
    factor ``sqrt(n/(n-1))`` (an unweighted cell then has the Welch two-sample
    variance), which matters for cohorts of a few units.  Because the weight term treats
    cohort sizes as random, the aggregated standard errors are conservative when
    effects are heterogeneous and cohort membership is fixed by design.
    """
    alpha = _check_alpha(alpha)
    if control not in ("never", "notyet"):
        raise ValueError("control must be 'never' or 'notyet'")
    if base_period not in ("universal", "varying"):
        raise ValueError("base_period must be 'universal' or 'varying'")
    n_boot = int(n_boot)
    if n_boot < 0:
        raise ValueError("n_boot must be >= 0")
    panel = _prepare(df, unit=unit, time=time, outcome=outcome, cohort=cohort, weight=weight)
    yw, ww = _wide(panel)
    cells = _cs_cells(yw, ww, panel.g_unit, panel.times.astype(float), control=control,
                      base_period=base_period, weighted=panel.weighted, want_if=True)
    if cells.att.size == 0:
        raise ValueError("no identified group-time cell: need treated cohorts with a "
                         "pre-period and comparison units")
    post = cells.time >= cells.cohort
    if not post.any():
        raise ValueError("no post-treatment group-time cell")
    n_k = cells.att.size
    ev = cells.time - cells.cohort

    # aggregations: (label, est, psi, selection)
    ev_vals = np.unique(ev)
    agg_est, agg_psi, agg_sel = [], [], []
    for e in ev_vals:
        sel = ev == e
        th, ps = _cs_aggregate(cells, sel)
        agg_est.append(th)
        agg_psi.append(ps)
        agg_sel.append(sel)
    th_all, ps_all = _cs_aggregate(cells, post)
    est = np.concatenate([cells.att, agg_est, [th_all]])
    psi = np.column_stack([cells.psi] + agg_psi + [ps_all])
    family = np.array(["group_time"] * n_k + ["event_time"] * len(ev_vals) + ["overall"])

    se_an = np.sqrt(np.sum(psi**2, axis=0))
    cb_low = np.full(est.size, np.nan)
    cb_high = np.full(est.size, np.nan)
    z = stats.norm.isf(alpha / 2.0)
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        se = np.empty(est.size)
        dev = np.empty((n_boot, est.size))
        chunk = max(1, 2_000_000 // max(panel.n_units, 1))
        for start in range(0, n_boot, chunk):
            m = min(chunk, n_boot - start)
            v = rng.integers(0, 2, size=(m, panel.n_units)) * 2.0 - 1.0
            dev[start:start + m] = v @ psi
        q75, q25 = np.quantile(dev, [0.75, 0.25], axis=0)
        se = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
        se = np.where(se > 0, se, se_an)
        for fam in ("group_time", "event_time"):
            idx = np.flatnonzero((family == fam) & (se > 0))
            if idx.size:
                tmax = np.max(np.abs(dev[:, idx]) / se[idx], axis=1)
                crit = max(float(np.quantile(tmax, 1 - alpha)), z)
                cb_low[idx] = est[idx] - crit * se[idx]
                cb_high[idx] = est[idx] + crit * se[idx]
        last = est.size - 1
        cb_low[last] = est[last] - z * se[last]
        cb_high[last] = est[last] + z * se[last]
    else:
        se = se_an
    lo, hi, p = _t_inference(est, se, np.inf, alpha)

    # counts of distinct units per row
    treat_m = cells.c > 0
    ctrl_m = cells.control_mask
    n_tr = list(cells.n_treated) + [int(treat_m[:, s].any(axis=1).sum()) for s in agg_sel] + \
        [int(treat_m[:, post].any(axis=1).sum())]
    n_ct = list(cells.n_control) + [int(ctrl_m[:, s].any(axis=1).sum()) for s in agg_sel] + \
        [int(ctrl_m[:, post].any(axis=1).sum())]

    res = pd.DataFrame(
        {
            "estimator": "callaway_santanna",
            "aggregation": family,
            "cohort": np.concatenate([cells.cohort, np.full(len(ev_vals) + 1, np.nan)]),
            "time": np.concatenate([cells.time, np.full(len(ev_vals) + 1, np.nan)]),
            "event_time": np.concatenate([ev, ev_vals, [np.nan]]),
            "estimate": est, "std_error": se, "ci_low": lo, "ci_high": hi,
            "cband_low": cb_low, "cband_high": cb_high, "p_value": p,
            "n_treated_units": np.asarray(n_tr, dtype=int),
            "n_control_units": np.asarray(n_ct, dtype=int),
        },
        columns=GROUP_TIME_COLUMNS,
    )
    if base_period == "universal":
        ref_e = sorted({float(b - g) for g, b in zip(cells.cohort, cells.base)} - set(ev_vals))
        if ref_e:
            ref = pd.DataFrame(
                {
                    "estimator": "callaway_santanna", "aggregation": "event_time",
                    "cohort": np.nan, "time": np.nan, "event_time": ref_e, "estimate": 0.0,
                    "std_error": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                    "cband_low": np.nan, "cband_high": np.nan, "p_value": np.nan,
                    "n_treated_units": 0, "n_control_units": 0,
                },
                columns=GROUP_TIME_COLUMNS,
            )
            res = pd.concat([res, ref], ignore_index=True)
    res = _gt_dtypes(res)
    order = res["aggregation"].map({"group_time": 0, "event_time": 1, "overall": 2})
    res = (res.assign(_o=order)
              .sort_values(["_o", "cohort", "event_time"], kind="mergesort", na_position="last")
              .drop(columns="_o").reset_index(drop=True))
    return res


# ---------------------------------------------------------------------------
# Sun & Abraham
# ---------------------------------------------------------------------------


def sun_abraham(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    cohort: str,
    weight: str | None = None,
    control: Literal["never", "last"] = "never",
    alpha: float = 0.05,
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
    alpha = _check_alpha(alpha)
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
    c_g = np.array([c[0] for c in cells])
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


# ---------------------------------------------------------------------------
# randomization inference
# ---------------------------------------------------------------------------


def _multiset_permutations(labels: np.ndarray) -> np.ndarray:
    """All distinct orderings of ``labels`` (rows), identity first."""
    n = labels.size
    vals, counts = np.unique(labels, return_counts=True)
    total = math.factorial(n)
    for c in counts:
        total //= math.factorial(int(c))
    if total > _EXACT_LIMIT:
        raise ValueError(f"{total} distinct assignments exceed the exact limit "
                         f"{_EXACT_LIMIT}; pass an integer n_draws")
    out = np.empty((total, n))
    row = [0]

    def rec(free: list[int], k: int, cur: np.ndarray) -> None:
        if k == vals.size - 1:
            cur = cur.copy()
            cur[free] = vals[k]
            out[row[0]] = cur
            row[0] += 1
            return
        for pos in itertools.combinations(free, int(counts[k])):
            nxt = cur.copy()
            nxt[list(pos)] = vals[k]
            rest = [f for f in free if f not in pos]
            rec(rest, k + 1, nxt)

    rec(list(range(n)), 0, np.empty(n))
    ident = np.flatnonzero(np.all(out == labels[None, :], axis=1))
    order = np.r_[ident, np.setdiff1d(np.arange(total), ident)]
    return out[order]


def randomization_inference(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    cohort: str,
    statistic: Literal["twfe", "callaway_santanna"] = "twfe",
    n_draws: int | Literal["exact"] | None = 1000,
    weight: str | None = None,
    control: Literal["never", "notyet"] = "notyet",
    seed: int = 0,
) -> pd.DataFrame:
    """Randomisation (permutation) inference for staggered adoption dates.

    Under the sharp null of no effect for any unit and period, the adoption dates are
    exchangeable across units.  The unit-level vector of cohorts (incl. never-treated) is
    permuted, the estimate recomputed, and the two-sided p-value is
    ``p = (1 + #{|T*| >= |T_obs|}) / (1 + n_draws)`` for random draws, or
    ``#{|T*| >= |T_obs|} / #assignments`` over all distinct assignments (identity
    included) when ``n_draws`` is ``'exact'`` or ``None``.

    Parameters
    ----------
    statistic
        ``'twfe'`` (the :func:`twfe` coefficient) or ``'callaway_santanna'`` (the overall
        aggregation of :func:`callaway_santanna`, with ``control``, universal base).
    n_draws
        Number of random permutations, or ``'exact'``/``None`` for full enumeration
        (at most 200 000 distinct assignments).
    weight, control
        Passed to the statistic.
    seed
        Seed of the permutations.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimator`` (``'randomization_inference'``), ``statistic``,
        ``estimate`` (observed), ``p_value``, ``n_draws`` (permutations used, or number
        of assignments when exact), ``exact`` (bool).

    Notes
    -----
    For ``'twfe'`` each draw is a cheap linear-algebra step: with ``~`` the (weighted)
    two-way within transformation, ``b* = (D*~' W y~) / (D*~' W D*~)``; ``y~`` and the
    time-dummy basis are computed once and ``D*~`` for a block of draws is obtained by
    sparse unit sums and one small projection.  Ties ``|T*| = |T_obs|`` (up to a relative
    tolerance of 1e-9) count as extreme.  Draws where the permuted treatment has no
    within variation are dropped from the count.  Reference: Fisher (1935); Young (2019);
    MacKinnon & Webb (2020), *Journal of Econometrics* 218(2), 435-450.
    """
    if statistic not in ("twfe", "callaway_santanna"):
        raise ValueError("statistic must be 'twfe' or 'callaway_santanna'")
    exact = n_draws is None or (isinstance(n_draws, str) and n_draws == "exact")
    if not exact:
        n_draws = int(n_draws)
        if n_draws < 1:
            raise ValueError("n_draws must be >= 1, 'exact' or None")
    panel = _prepare(df, unit=unit, time=time, outcome=outcome, cohort=cohort, weight=weight)
    g0 = panel.g_unit.copy()
    if exact:
        perms = _multiset_permutations(g0)
    else:
        rng = np.random.default_rng(seed)
        perms = rng.permuted(np.tile(g0, (n_draws, 1)), axis=1)

    if statistic == "twfe":
        proj = _TwoWayProjector(panel.unit_idx, panel.time_idx, panel.w, panel.n_units,
                                panel.n_times)
        ys = proj.resid(panel.y)

        def block(gmat: np.ndarray) -> np.ndarray:
            d = (panel.t[None, :] >= gmat[:, panel.unit_idx]).astype(float)
            ds = proj.resid_rows(d)
            den = np.einsum("ij,ij->i", ds, ds)
            num = ds @ ys
            with np.errstate(divide="ignore", invalid="ignore"):
                b = num / den
            raw = d @ panel.w
            b[den <= 1e-10 * raw] = np.nan
            return b

        obs_stat = block(g0[None, :])[0]
        chunk = max(1, 4_000_000 // max(panel.n_obs, 1))
        draws = np.concatenate([block(perms[s:s + chunk]) for s in range(0, len(perms), chunk)])
    else:
        yw, ww = _wide(panel)
        times = panel.times.astype(float)

        def one(gv: np.ndarray) -> float:
            try:
                return _cs_overall(yw, ww, gv, times, control, "universal", panel.weighted)
            except (ValueError, ZeroDivisionError):
                return np.nan

        obs_stat = one(g0)
        draws = np.array([one(gv) for gv in perms])

    if not np.isfinite(obs_stat):
        raise ValueError("the observed statistic is not identified")
    ok = np.isfinite(draws)
    if not ok.all():
        warnings.warn(f"{int((~ok).sum())} permutation draws were not identified and dropped",
                      RuntimeWarning, stacklevel=2)
    draws = draws[ok]
    tol = 1e-9 * max(abs(obs_stat), 1e-12)
    extreme = int(np.sum(np.abs(draws) >= abs(obs_stat) - tol))
    if exact:
        p = extreme / draws.size
        n_used = int(draws.size)
    else:
        p = (1 + extreme) / (1 + draws.size)
        n_used = int(draws.size)
    return pd.DataFrame(
        {
            "estimator": ["randomization_inference"], "statistic": [statistic],
            "estimate": [float(obs_stat)], "p_value": [float(p)], "n_draws": [n_used],
            "exact": [bool(exact)],
        },
        columns=RI_COLUMNS,
    )


# ---------------------------------------------------------------------------
# randomization inference: interval by test inversion (TWFE statistic)
# ---------------------------------------------------------------------------


def _ri_twfe_draws(panel: _Panel, perms: np.ndarray, g0: np.ndarray
                   ) -> tuple[float, np.ndarray, np.ndarray]:
    """TWFE permutation statistic as ``a - tau * b`` for every row of ``perms``.

    Returns ``beta_obs`` and, per draw, ``a = D*~' W y~ / D*~' W D*~`` and
    ``b = D*~' W D~ / D*~' W D*~`` (NaN where the permuted treatment has no within
    variation, the rule of :func:`randomization_inference`).

    A permutation only reassigns the unit cohorts, which take the ``K`` distinct values of
    ``g0``.  With ``~`` the (weighted) two-way within transformation, ``y~`` and ``D~``
    orthogonal to the unit and time dummies, every quantity is a sum over units of a
    term that depends only on the unit's cohort:  ``D*' W y~ = sum_i A[i, g*_i]``,
    ``D*' W D~ = sum_i E[i, g*_i]``, and ``||D*~||^2 = sum_i B[i, g*_i] -
    ||sum_i C[i, g*_i, :]||^2`` (within-unit sum of squares minus the part explained by
    the unit-demeaned time dummies, basis ``Q``).  The ``N x K`` tables are computed once;
    a draw is then a gather over units, with no regression.
    """
    proj = _TwoWayProjector(panel.unit_idx, panel.time_idx, panel.w, panel.n_units, panel.n_times)
    ys = proj.resid(panel.y)
    d_obs = (panel.t >= g0[panel.unit_idx]).astype(float)
    dres = proj.resid(d_obs)
    levels = np.unique(g0)
    n_u, k_lv, r = panel.n_units, levels.size, proj.rank_time
    # per cohort level k, one N x (4 + r) table: [A, E, raw, B, C] of each unit
    tabs = np.empty((k_lv, n_u, 4 + r))
    ui, sw, w = panel.unit_idx, proj.sw, panel.w
    for k, lv in enumerate(levels):
        dk = (panel.t >= lv).astype(float)
        dem = proj._unit_demean(dk)
        tabs[k, :, 0] = np.bincount(ui, weights=sw * dk * ys, minlength=n_u)
        tabs[k, :, 1] = np.bincount(ui, weights=sw * dk * dres, minlength=n_u)
        tabs[k, :, 2] = np.bincount(ui, weights=w * dk, minlength=n_u)
        tabs[k, :, 3] = np.bincount(ui, weights=w * dem * dem, minlength=n_u)
        tabs[k, :, 4:] = np.asarray(proj.S.T @ (proj.Q * (sw * dem)[:, None]))

    def stats_of(gmat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        kidx = np.searchsorted(levels, gmat)
        tot = np.zeros((gmat.shape[0], 4 + r))
        for k in range(k_lv):                       # sum over units of the unit's row, as matmuls
            tot += (kidx == k).astype(float) @ tabs[k]
        num, cross, raw = tot[:, 0], tot[:, 1], tot[:, 2]
        csum = tot[:, 4:]
        den = tot[:, 3] - np.einsum("ij,ij->i", csum, csum)
        with np.errstate(divide="ignore", invalid="ignore"):
            a, b = num / den, cross / den
        bad = den <= 1e-10 * raw
        a[bad], b[bad] = np.nan, np.nan
        return a, b

    a0, _ = stats_of(g0[None, :])
    chunk = max(1, 4_000_000 // max(n_u, 1))
    parts = [stats_of(perms[s:s + chunk]) for s in range(0, len(perms), chunk)]
    a = np.concatenate([p[0] for p in parts])
    b = np.concatenate([p[1] for p in parts])
    return float(a0[0]), a, b


def _ri_extreme_counts(taus: np.ndarray, beta: float, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``#{draws: |a - tau b| >= |beta - tau|}`` for each ``tau`` (ties as in
    :func:`randomization_inference`: relative tolerance 1e-9)."""
    out = np.empty(taus.size, dtype=np.int64)
    step = max(1, 4_000_000 // max(a.size, 1))
    for s in range(0, taus.size, step):
        t = taus[s:s + step, None]
        obs = np.abs(beta - t)
        tol = 1e-9 * np.maximum(obs, 1e-12)
        out[s:s + step] = np.sum(np.abs(a[None, :] - t * b[None, :]) >= obs - tol, axis=1)
    return out


RI_INTERVAL_COLUMNS = ["estimator", "statistic", "estimate", "ci_low", "ci_high", "p_value",
                       "n_draws", "exact"]


def randomization_interval(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    cohort: str,
    weight: str | None = None,
    n_draws: int | Literal["exact"] | None = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> pd.DataFrame:
    """Randomisation-inference p-value and confidence interval for the TWFE effect.

    The interval inverts the permutation test of :func:`randomization_inference`
    (``statistic='twfe'``) under a constant additive effect: for a hypothesised effect
    ``tau`` the outcome is adjusted to ``y - tau * D`` (``D_it = 1{t >= cohort_i}``) and
    the adoption dates are permuted with the same seeded draws; the interval is
    ``{tau : p(tau) > alpha}`` (Imbens & Rubin 2015, ch. 5; Young 2019).

    Parameters
    ----------
    n_draws
        Number of random permutations, or ``'exact'``/``None`` for all distinct
        assignments (at most 200 000).  The draws are the same as those of
        :func:`randomization_inference` with the same ``seed``.
    alpha
        Level: ``tau`` is in the interval when its p-value exceeds ``alpha``.
    Other parameters as in :func:`twfe`.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimator`` (``'randomization_inference'``), ``statistic``
        (``'twfe'``), ``estimate`` (the observed TWFE coefficient), ``ci_low``,
        ``ci_high`` (the smallest and largest ``tau`` with ``p(tau) > alpha``; ``-inf`` /
        ``inf`` when the set is unbounded), ``p_value`` (at ``tau = 0``; equal to
        :func:`randomization_inference`'s), ``n_draws`` (identified draws used),
        ``exact`` (bool).

    Notes
    -----
    The TWFE statistic is linear in ``tau``.  For a permuted assignment ``D*`` the
    estimate on the adjusted outcome is ``a* - tau * b*`` with
    ``a* = D*~' W y~ / D*~' W D*~`` and ``b* = D*~' W D~ / D*~' W D*~``; the observed
    one is ``beta - tau``.  So ``p(tau) = (1 + #{|a* - tau b*| >= |beta - tau|}) /
    (1 + n_draws)`` (or the exact share) for all ``tau`` from one set of draws, and
    it can change only where ``a* - tau b* = +-(beta - tau)``, i.e. at
    ``tau = (beta - a*) / (1 - b*)`` or ``(beta + a*) / (1 + b*)``.  ``p`` is evaluated at
    every such breakpoint and between consecutive ones, so the ends are exact (no grid
    or bisection tolerance).  The draws themselves need no regressions: every term is a
    sum over units of a quantity that depends only on the unit's permuted cohort (see
    ``_ri_twfe_draws``).  If ``{p > alpha}`` is not an interval (rare), the reported
    ends are its smallest and largest points.  Cost: the scan for the ends is at worst
    ``O(n_draws^2)`` comparisons, in practice a small part of that (most breakpoints lie
    inside the interval); about 0.05 s for 1000 draws and 500 units.
    """
    alpha = _check_alpha(alpha)
    exact = n_draws is None or (isinstance(n_draws, str) and n_draws == "exact")
    if not exact:
        n_draws = int(n_draws)
        if n_draws < 1:
            raise ValueError("n_draws must be >= 1, 'exact' or None")
    panel = _prepare(df, unit=unit, time=time, outcome=outcome, cohort=cohort, weight=weight)
    g0 = panel.g_unit.copy()
    if exact:
        perms = _multiset_permutations(g0)
    else:
        rng = np.random.default_rng(seed)
        perms = rng.permuted(np.tile(g0, (n_draws, 1)), axis=1)
    beta, a, b = _ri_twfe_draws(panel, perms, g0)
    if not np.isfinite(beta):
        raise ValueError("the observed statistic is not identified")
    ok = np.isfinite(a) & np.isfinite(b)
    if not ok.all():
        warnings.warn(f"{int((~ok).sum())} permutation draws were not identified and dropped",
                      RuntimeWarning, stacklevel=2)
    a, b = a[ok], b[ok]
    n_used = int(a.size)

    def p_of(taus: np.ndarray) -> np.ndarray:
        ext = _ri_extreme_counts(taus, beta, a, b)
        return ext / n_used if exact else (1 + ext) / (1 + n_used)

    p0 = float(p_of(np.array([0.0]))[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        roots = np.concatenate([(beta - a) / (1 - b), (beta + a) / (1 + b)])
    roots = np.unique(roots[np.isfinite(roots)])
    if roots.size:
        span = max(1.0, float(np.abs(roots).max()))
        pts = np.concatenate([[roots[0] - span], roots, 0.5 * (roots[1:] + roots[:-1]),
                              [roots[-1] + span, beta]])
    else:
        pts = np.array([beta])
    pts = np.sort(pts)
    # p(beta) = 1 > alpha, so both scans stop; they scan from the outside in, in blocks,
    # because most breakpoints lie inside the interval
    lo_pt = hi_pt = None
    blk = 256
    for s in range(0, pts.size, blk):
        acc = np.flatnonzero(p_of(pts[s:s + blk]) > alpha)
        if acc.size:
            lo_pt = pts[s + acc[0]]
            break
    for e in range(pts.size, 0, -blk):
        part = pts[max(0, e - blk):e]
        acc = np.flatnonzero(p_of(part) > alpha)
        if acc.size:
            hi_pt = part[acc[-1]]
            break
    below = roots[roots <= lo_pt]
    above = roots[roots >= hi_pt]
    ci_low = float(below.max()) if below.size else -np.inf
    ci_high = float(above.min()) if above.size else np.inf
    return pd.DataFrame(
        {
            "estimator": ["randomization_inference"], "statistic": ["twfe"],
            "estimate": [beta], "ci_low": [ci_low], "ci_high": [ci_high], "p_value": [p0],
            "n_draws": [n_used], "exact": [bool(exact)],
        },
        columns=RI_INTERVAL_COLUMNS,
    )
