"""Callaway & Sant'Anna (2021) group-time ATT(g, t) and their aggregations."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ._fe import _t_inference
from ._panel import GROUP_TIME_COLUMNS, _check_level, _gt_dtypes, _prepare, _wide


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


def _cs_aggregate(cells: _CSCells, sel: np.ndarray, mult: np.ndarray | None = None
                  ) -> tuple[float, np.ndarray | None]:
    """Size-weighted average of the selected cells and its influence contributions.

    ``theta = sum_k m_k s_k ATT_k / sum_k m_k s_k`` (``m_k = 1`` unless ``mult`` is given);
    linearising the ratio gives ``psi_i = sum_k (m_k s_k / B) psi_ik + sum_k m_k (ATT_k - theta) c_ik / B``
    where the second term accounts for the estimated weights (``B = sum_k m_k s_k``).
    """
    m = np.ones(int(np.sum(sel))) if mult is None else np.asarray(mult, dtype=float)[sel]
    s = cells.size[sel] * m
    b = s.sum()
    theta = float(s @ cells.att[sel] / b)
    if cells.psi is None:
        return theta, None
    psi = cells.psi[:, sel] @ (s / b) + cells.c[:, sel] @ (m * (cells.att[sel] - theta)) / b
    return theta, psi


def _cs_overall(yw, ww, g_unit, times, control, base_period, weighted) -> float:
    cells = _cs_cells(yw, ww, g_unit, times, control=control, base_period=base_period,
                      weighted=weighted, want_if=False)
    post = cells.time >= cells.cohort
    if not post.any():
        return np.nan
    return _cs_aggregate(cells, post)[0]


def callaway_santanna(
    df: pd.DataFrame, *, unit: str, time: str, outcome: str, cohort: str,
    weight: str | None = None, control: Literal["never", "notyet"] = "notyet",
    base_period: Literal["universal", "varying"] = "universal", alpha: float = 0.05,
    n_boot: int = 999, seed: int = 0,
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
        Columns ``estimator`` (``'callaway_santanna'``; ``'callaway_santanna_precision_weighted'``
        with ``weight``), ``aggregation`` (``'group_time'``, ``'event_time'``, ``'group'`` (one row per
        cohort), ``'overall'`` (R ``did::aggte(type = "simple")``), ``'overall_group'``
        (``aggte(type = "group")``, the overall summary CS 2021 recommend, eq. 3.11) or
        ``'overall_dynamic'`` (``aggte(type = "dynamic")``, the mean of the event-time effects
        ``e >= 0``)), ``cohort``, ``time``,
        ``event_time`` (float; NaN where aggregated away), ``estimate``, ``std_error``,
        ``ci_low``, ``ci_high`` (pointwise), ``cband_low``, ``cband_high`` (uniform
        sup-t band over the rows of the same aggregation; equal to the pointwise interval
        for ``'overall'``; NaN when ``n_boot == 0``), ``p_value`` (normal, pointwise),
        ``n_treated_units``, ``n_control_units`` (distinct units used).  Rows: group-time
        cells sorted by cohort and time, then event times (with the universal base, a
        reference row at ``event_time = g - 1 - g`` with estimate 0 and NaN inference),
        then the cohort rows and the three overall rows.

    Notes
    -----
    For cohort ``g``, period ``t`` and base ``b``::

        ATT(g, t) = sum_{i in g} om_i dY_i / sum_{i in g} om_i
                    - sum_{j in C} om_j dY_j / sum_{j in C} om_j,   dY_i = Y_it - Y_ib,

    over units observed in both periods.  Unweighted ``om = 1`` (the unconditional
    estimator of CS 2021, eq. 2.6/2.7, panel version).  With ``weight`` (trials),
    ``om_i = w_it w_ib / (w_it + w_ib)``, the inverse-variance weight of a difference
    of two binomial rates, so composition changes in trials do not enter the estimate;
    the estimand is then a precision-weighted ATT, *not* the ATT of CS 2021, and the
    rows are labelled ``callaway_santanna_precision_weighted``.  Without ``weight`` the
    group-time effects and the three overall aggregations equal those of R ``did`` and the
    Python ``csdid`` (outcome regression without covariates, panel data), tested to 1e-6.
    Cohorts adopting at or before the
    first period are dropped (no pre-period); adoption after the last period counts as
    never treated.  Aggregations are ``theta = sum_k s_k ATT_k / sum_k s_k`` with
    ``s_k = sum_{i in g} om_i`` (= cohort size when unweighted, CS 2021 eq. 3.10-3.11
    "simple" and "dynamic"): ``'overall'`` over all post cells ``t >= g``,
    ``'event_time'`` over cells with ``t - g = e``, ``'group'`` over the post cells of one
    cohort (each cell weighted equally); ``'overall_group'`` is the cohort-size-weighted mean
    of the ``'group'`` rows and ``'overall_dynamic'`` the plain mean of the event-time rows
    ``e >= 0`` (``did::aggte`` types "group" and "dynamic").  Inference uses the unit-level
    influence function (incl. the estimated weights); the bootstrap standard error is
    the rescaled interquartile range of the multiplier draws (CS 2021, sec. 4).  Unlike
    R ``did``, each cell's treated and comparison contributions carry the small-sample
    factor ``sqrt(n/(n-1))`` (an unweighted cell then has the Welch two-sample
    variance), which matters for cohorts of a few units.  Because the weight term treats
    cohort sizes as random, the aggregated standard errors are conservative when
    effects are heterogeneous and cohort membership is fixed by design.
    """
    alpha = _check_level(alpha, "alpha")
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
    # did::aggte(type = "group"): per cohort the mean of its post cells, overall weighted by cohort size
    grp_vals = np.unique(cells.cohort[post])
    n_post_g = {g: int(np.sum(post & (cells.cohort == g))) for g in grp_vals}
    mult_g = np.array([1.0 / n_post_g[g] if p_ and g in n_post_g else 0.0
                       for g, p_ in zip(cells.cohort, post)])
    for g in grp_vals:
        sel = post & (cells.cohort == g)
        th, ps = _cs_aggregate(cells, sel, mult_g)
        agg_est.append(th)
        agg_psi.append(ps)
        agg_sel.append(sel)
    th_grp, ps_grp = _cs_aggregate(cells, post, mult_g)
    # did::aggte(type = "dynamic"): the mean of the event-time effects e >= 0
    dyn = [j for j, e in enumerate(ev_vals) if e >= 0]
    th_dyn = float(np.mean([agg_est[j] for j in dyn]))
    ps_dyn = np.mean([agg_psi[j] for j in dyn], axis=0)
    th_all, ps_all = _cs_aggregate(cells, post)
    est = np.concatenate([cells.att, agg_est, [th_all, th_grp, th_dyn]])
    psi = np.column_stack([cells.psi] + agg_psi + [ps_all, ps_grp, ps_dyn])
    n_ev, n_gr = len(ev_vals), len(grp_vals)
    family = np.array(["group_time"] * n_k + ["event_time"] * n_ev + ["group"] * n_gr
                      + ["overall", "overall_group", "overall_dynamic"])

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
        for fam in ("group_time", "event_time", "group"):  # one simultaneous band per family
            idx = np.flatnonzero((family == fam) & (se > 0))
            if idx.size:
                tmax = np.max(np.abs(dev[:, idx]) / se[idx], axis=1)
                crit = max(float(np.quantile(tmax, 1 - alpha)), z)
                cb_low[idx] = est[idx] - crit * se[idx]
                cb_high[idx] = est[idx] + crit * se[idx]
        last = np.flatnonzero(np.char.startswith(family.astype(str), "overall"))
        cb_low[last] = est[last] - z * se[last]
        cb_high[last] = est[last] + z * se[last]
    else:
        se = se_an
    lo, hi, p = _t_inference(est, se, np.inf, alpha)

    # counts of distinct units per row
    treat_m = cells.c > 0
    ctrl_m = cells.control_mask
    sel_dyn = np.isin(ev, [ev_vals[j] for j in dyn])
    n_tr = list(cells.n_treated) + [int(treat_m[:, s].any(axis=1).sum()) for s in agg_sel] + \
        [int(treat_m[:, post].any(axis=1).sum())] * 2 + [int(treat_m[:, sel_dyn].any(axis=1).sum())]
    n_ct = list(cells.n_control) + [int(ctrl_m[:, s].any(axis=1).sum()) for s in agg_sel] + \
        [int(ctrl_m[:, post].any(axis=1).sum())] * 2 + [int(ctrl_m[:, sel_dyn].any(axis=1).sum())]
    name = "callaway_santanna_precision_weighted" if panel.weighted else "callaway_santanna"

    res = pd.DataFrame(
        {
            "estimator": name,
            "aggregation": family,
            "cohort": np.concatenate([cells.cohort, np.full(n_ev, np.nan), grp_vals, np.full(3, np.nan)]),
            "time": np.concatenate([cells.time, np.full(n_ev + n_gr + 3, np.nan)]),
            "event_time": np.concatenate([ev, ev_vals, np.full(n_gr + 3, np.nan)]),
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
                    "estimator": name, "aggregation": "event_time",
                    "cohort": np.nan, "time": np.nan, "event_time": ref_e, "estimate": 0.0,
                    "std_error": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                    "cband_low": np.nan, "cband_high": np.nan, "p_value": np.nan,
                    "n_treated_units": 0, "n_control_units": 0,
                },
                columns=GROUP_TIME_COLUMNS,
            )
            res = pd.concat([res, ref], ignore_index=True)
    res = _gt_dtypes(res)
    order = res["aggregation"].map({"group_time": 0, "event_time": 1, "group": 2, "overall": 3,
                                    "overall_group": 4, "overall_dynamic": 5})
    res = (res.assign(_o=order)
              .sort_values(["_o", "cohort", "event_time"], kind="mergesort", na_position="last")
              .drop(columns="_o").reset_index(drop=True))
    return res
