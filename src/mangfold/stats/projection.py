"""Projection of a focal group's share of leaders towards a target (action plan measure 1.1).

Method. Per sector and group ``g`` (``focal``, ``other``), start from the leaders ``L_g`` at the
end of the year and hold the employee pool ``E_g`` fixed; one year later::

    L_g(t + 1) = L_g(t) (1 - exit_g) + promotion_g E_g + hires_g

with ``exit_g = exits / leaders_start``, ``promotion_g = promotions / employees_start`` and
``hires_g`` the leaders hired per year. This is the expected path of a process with binomial
exits and promotions and Poisson hires (checked against such a simulation in
``tests/stats/test_projection.py``). The first year with ``L_focal / (L_focal + L_other) >=
target`` is the year the target is reached. Uncertainty: the rates are drawn from their Jeffreys
posteriors (``Beta(x + 1/2, n - x + 1/2)`` for exit and promotion, ``Gamma(hires + 1/2, 1)`` for
the yearly hires), every draw is projected the same way, and the interval is the pair of
``alpha/2`` and ``1 - alpha/2`` quantiles (``inverted_cdf``) of the reached year.

Pure: DataFrames and arrays in, a tidy DataFrame out; randomness only through ``seed``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["HORIZON", "PROJECTION_COLUMNS", "project_targets"]

#: Years projected ahead by default.
HORIZON = 10
#: Columns of :func:`project_targets`, in order.
PROJECTION_COLUMNS = ["year", "sector", "share_now", "target_share", "share_projected", "year_reached",
                      "year_reached_low", "year_reached_high", "projection_status"]
_FLOW_COUNTS = ["leaders_start", "exits", "employees_start", "promotions", "hires", "leaders_end", "employees_end"]
_GROUPS = ("focal", "other")


def _rate_counts(x: np.ndarray, n: np.ndarray, fallback_x: np.ndarray, fallback_n: np.ndarray):
    """Use the fallback counts where a group has no one at risk (n == 0)."""
    use = n == 0
    return np.where(use, fallback_x, x), np.where(use, fallback_n, n)


def _path(start: dict[str, np.ndarray], pool: dict[str, np.ndarray],
          rates: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], *, horizon: int) -> np.ndarray:
    """Focal share at t = 0..horizon (first axis); ``rates[g] = (exit, promotion, hires)`` broadcast
    over (draws, sectors)."""
    shape = np.broadcast(rates["focal"][0], start["focal"]).shape
    lf, lo = np.broadcast_to(start["focal"], shape), np.broadcast_to(start["other"], shape)
    shares = []
    for t in range(horizon + 1):
        if t:
            e, p, h = rates["focal"]
            lf = lf * (1 - e) + p * pool["focal"] + h
            e, p, h = rates["other"]
            lo = lo * (1 - e) + p * pool["other"] + h
        with np.errstate(invalid="ignore", divide="ignore"):
            shares.append(np.where(lf + lo > 0, lf / (lf + lo), np.nan))
    return np.stack(shares)


def _first_reached(shares: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Index of the first t with ``share >= target`` (inf when never)."""
    hit = shares >= target - 1e-12
    first = np.argmax(hit, axis=0).astype(float)
    first[~hit.any(axis=0)] = np.inf
    return first


def project_targets(flows: pd.DataFrame, targets: pd.Series, *, horizon: int = HORIZON, n_draws: int = 4000,
                    seed: int = 0, alpha: float = 0.05, total: str = "all") -> pd.DataFrame:
    """The year each sector's focal share of leaders reaches its target if this year's rates hold.

    ``flows``: one row per ``sector`` and ``group`` (``focal``, ``other``) with a constant ``year``
    and the counts ``leaders_start, exits, employees_start, promotions, hires, leaders_end,
    employees_end`` (as :func:`mangfold.analyses.representation.leader_flows` returns them);
    the row ``sector == total`` is the whole municipality. ``targets``: target share per sector
    (index = sector). Model and interval: see the module docstring. A group with nobody at risk
    (``leaders_start`` or ``employees_start`` 0) takes the other group's rate in the sector (the
    counts of both groups together), and when the sector has nobody at risk at all, the
    municipality's rate for the group (row ``total``).

    Returns one row per sector (in the order of ``flows``): ``year, sector``, ``share_now`` (focal
    share of ``leaders_end``), ``target_share``, ``share_projected`` (share after ``horizon``
    years), ``year_reached`` (the first year with share >= target; the report year itself when
    already met; empty when not within ``horizon`` years), ``year_reached_low, year_reached_high``
    (``alpha/2`` and ``1 - alpha/2`` quantiles over ``n_draws`` posterior draws, seeded with
    ``seed``; an empty high end = beyond the horizon), all three Int64; ``projection_status``:
    ``already_met``, ``reached`` (within the horizon), ``not_within_horizon``, or empty without a
    target or without leaders.
    """
    if flows.empty:
        return pd.DataFrame(columns=PROJECTION_COLUMNS)
    year = int(flows["year"].iloc[0])
    f = flows.pivot(index="sector", columns="group", values=_FLOW_COUNTS)
    sectors = list(flows["sector"].unique())
    f = f.loc[sectors]
    tot = f.T.groupby(level=0).sum().T  # both groups together
    allrow = f.loc[total] if total in f.index else None
    counts: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    for g in _GROUPS:
        ex, lx = _rate_counts(f[("exits", g)].to_numpy(float), f[("leaders_start", g)].to_numpy(float),
                              tot["exits"].to_numpy(float), tot["leaders_start"].to_numpy(float))
        if allrow is not None:
            ex, lx = _rate_counts(ex, lx, np.full(len(f), float(allrow[("exits", g)])),
                                  np.full(len(f), float(allrow[("leaders_start", g)])))
        px, pn = _rate_counts(f[("promotions", g)].to_numpy(float), f[("employees_start", g)].to_numpy(float),
                              tot["promotions"].to_numpy(float), tot["employees_start"].to_numpy(float))
        if allrow is not None:
            px, pn = _rate_counts(px, pn, np.full(len(f), float(allrow[("promotions", g)])),
                                  np.full(len(f), float(allrow[("employees_start", g)])))
        counts[g] = (ex, lx, px, pn, f[("hires", g)].to_numpy(float))
    start = {g: f[("leaders_end", g)].to_numpy(float) for g in _GROUPS}
    pool = {g: f[("employees_end", g)].to_numpy(float) for g in _GROUPS}
    target = targets.reindex(sectors).to_numpy(float)

    with np.errstate(invalid="ignore", divide="ignore"):
        point_rates = {g: (np.where(counts[g][1] > 0, counts[g][0] / counts[g][1], 0.0),
                           np.where(counts[g][3] > 0, counts[g][2] / counts[g][3], 0.0), counts[g][4])
                       for g in _GROUPS}
    point = _path(start, pool, point_rates, horizon=horizon)
    t_point = _first_reached(point, target)
    rng = np.random.default_rng(seed)
    draw_rates = {}
    for g in _GROUPS:
        ex, lx, px, pn, h = counts[g]
        draw_rates[g] = (rng.beta(ex + 0.5, lx - ex + 0.5, size=(n_draws, len(f))),
                         rng.beta(px + 0.5, pn - px + 0.5, size=(n_draws, len(f))),
                         rng.gamma(h + 0.5, 1.0, size=(n_draws, len(f))))
    t_draws = _first_reached(_path(start, pool, draw_rates, horizon=horizon), target)
    q_low = np.quantile(t_draws, alpha / 2, axis=0, method="inverted_cdf")
    q_high = np.quantile(t_draws, 1 - alpha / 2, axis=0, method="inverted_cdf")

    def as_year(t: np.ndarray) -> pd.array:
        return pd.array([year + int(v) if np.isfinite(v) else pd.NA for v in t], dtype="Int64")

    status = np.where(t_point == 0, "already_met", np.where(np.isfinite(t_point), "reached", "not_within_horizon"))
    status = np.where(np.isnan(target) | np.isnan(point[0]), "", status)
    return pd.DataFrame({
        "year": year, "sector": sectors, "share_now": point[0], "target_share": target,
        "share_projected": point[-1], "year_reached": as_year(t_point), "year_reached_low": as_year(q_low),
        "year_reached_high": as_year(q_high), "projection_status": status,
    })[PROJECTION_COLUMNS]
