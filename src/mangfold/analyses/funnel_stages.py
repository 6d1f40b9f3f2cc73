"""Stage decomposition of the whole funnel's gap (``funnel_stages``).

Because the stages are nested, a group's rate through the whole funnel is the product of its four
stage rates, so the whole funnel's impact ratio is the product of the four stage impact ratios and

    log IR(applied_to_hired) = sum_s log IR(s)       (s = the four stage transitions).

The *share of the loss* at stage ``s`` is ``log IR(s) / sum_j log IR(j)``: with a loss (sum below 0)
a stage with share 0.6 accounts for 60 % of the gap on the log scale; a negative share means the group
did *better* than the reference at that stage; shares add up to 1. They are only meaningful when the
whole funnel shows a loss (``funnel_loss``), and are unstable when the total is close to 0 (the
intervals then say so).

Intervals: a seeded parametric bootstrap on the counts (``n_boot`` draws, seed from params). Each
draw keeps the number of applications and re-draws the chain stage by stage,
``qualified* ~ Bin(applied, q/a)``, ``interviewed* ~ Bin(qualified*, i/q)`` and so on, independently
for the group and the reference group; the share is recomputed and the ``alpha/2`` and
``1 - alpha/2`` percentiles form the interval. Zero cells: a stage whose 2x2 table has a zero cell (in
the data or in a draw) gets 0.5 added to its four cells before taking the log (Haldane-Anscombe), the
same rule as the impact-ratio interval; the sum identity is then approximate.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..stats.ratios import impact_ratio
from ..tablespec import TableSpec
from .funnel_core import (LEVELS_ALL, STAGE_COLS, STAGE_TRANSITIONS, add_total, groups_present, params_get,
                          sort_rows)

_STAGE_DERIVED = ("impact_ratio", "impact_ratio_ci_low", "impact_ratio_ci_high", "log_impact_ratio")
_CHAIN_DERIVED = ("share_of_loss", "share_of_loss_ci_low", "share_of_loss_ci_high", "impact_ratio_funnel",
                  "log_impact_ratio_sum", "funnel_loss")

STAGES_SPEC = TableSpec(
    name="funnel_stages",
    counts=("n_group", "passed_group", "n_reference", "passed_reference", "hired_group", "hired_reference"),
    derived={"n_group": _STAGE_DERIVED + _CHAIN_DERIVED, "passed_group": _STAGE_DERIVED + _CHAIN_DERIVED,
             "n_reference": _STAGE_DERIVED + _CHAIN_DERIVED, "passed_reference": _STAGE_DERIVED + _CHAIN_DERIVED,
             "hired_group": _CHAIN_DERIVED, "hired_reference": _CHAIN_DERIVED},
    dims=("year", "position_level", "group", "transition"),
    margins=(("position_level", "all"),),
    not_counts=("year", "n_boot"),
    title="Hvor i prosessen forskjellen oppstår: andel av tapet per trinn",
)


def _log_ratio(xg, ng, xr, nr):
    """Stage log impact ratios with 0.5 added to the four cells of tables with a zero cell."""
    zero = (xg == 0) | (xr == 0) | (xg == ng) | (xr == nr)
    h = np.where(zero, 0.5, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = np.log((xg + h) / (ng + 2 * h)) - np.log((xr + h) / (nr + 2 * h))
    return np.where((ng > 0) & (nr > 0), lr, np.nan)


def _shares(lr: np.ndarray) -> np.ndarray:
    """``lr[..., s] / sum_s lr[..., s]`` (NaN where the sum is 0 or undefined)."""
    tot = lr.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(tot != 0, lr / tot, np.nan)


def _draw_chain(rng: np.random.Generator, chain: np.ndarray, n_boot: int) -> np.ndarray:
    """Parametric bootstrap of nested stage counts. ``chain``: (R, 5) counts applied..hired.
    Returns (n_boot, R, 5)."""
    R = chain.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(chain[:, :-1] > 0, chain[:, 1:] / chain[:, :-1], 0.0)
    out = np.empty((n_boot, R, chain.shape[1]), dtype=np.int64)
    out[:, :, 0] = chain[:, 0]
    for s in range(1, chain.shape[1]):
        out[:, :, s] = rng.binomial(out[:, :, s - 1], p[:, s - 1])
    return out


def stage_decomposition(cells: pd.DataFrame, *, params: dict[str, Any], year: int,
                        n_boot: int = 2000) -> pd.DataFrame:
    """``funnel_stages``: one row per position level (and ``all``), group and stage transition.

    Columns: ``year, position_level, group, reference_group, transition``; the stage's counts
    ``n_group, passed_group, n_reference, passed_reference``; ``impact_ratio`` with its Katz interval
    ``impact_ratio_ci_low/high``; ``log_impact_ratio`` (with the zero-cell rule of the module
    docstring); ``hired_group, hired_reference`` (the end of the chain, on every row);
    ``impact_ratio_funnel`` (the whole funnel's impact ratio, ``applied_to_hired``);
    ``log_impact_ratio_sum`` (the sum of the four stage log ratios); ``funnel_loss`` (the sum is below 0);
    ``share_of_loss`` and its bootstrap interval ``share_of_loss_ci_low/high``; ``n_boot``.
    """
    focal, reference, alpha, _, seed = params_get(params)
    cells = cells[cells["year"] == year]
    groups = groups_present(cells, focal=focal, reference=reference)
    g = cells.groupby(["position_level", "background"], observed=True)[list(STAGE_COLS)].sum().reset_index()
    g = add_total(g, "position_level", keys=["position_level", "background"], values=list(STAGE_COLS))
    levels = [lv for lv in LEVELS_ALL if lv in set(g["position_level"])]
    idx = pd.MultiIndex.from_product([levels, groups], names=["position_level", "group"]).to_frame(index=False)
    by_bg = g.set_index(["position_level", "background"])[list(STAGE_COLS)]

    def chain(bgs: pd.Series) -> np.ndarray:
        keys = pd.MultiIndex.from_arrays([idx["position_level"], bgs])
        return by_bg.reindex(keys).fillna(0).to_numpy(dtype=np.int64)

    G = chain(idx["group"])
    Rf = chain(pd.Series([reference] * len(idx)))
    S = len(STAGE_TRANSITIONS)
    lr = _log_ratio(G[:, 1:].astype(float), G[:, :-1].astype(float), Rf[:, 1:].astype(float), Rf[:, :-1].astype(float))
    share = _shares(lr)
    rng = np.random.default_rng(seed)
    Gb = _draw_chain(rng, G, n_boot).astype(float)
    Rb = _draw_chain(rng, Rf, n_boot).astype(float)
    lr_b = _log_ratio(Gb[..., 1:], Gb[..., :-1], Rb[..., 1:], Rb[..., :-1])
    share_b = _shares(lr_b)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows (no applications) stay NaN
        q = np.nanquantile(share_b, [alpha / 2, 1 - alpha / 2], axis=0) if n_boot else np.full((2, *share.shape), np.nan)
    n_rows = len(idx)
    rep = np.repeat(np.arange(n_rows), S)
    st = np.tile(np.arange(S), n_rows)
    ng, pg = G[rep, st], G[rep, st + 1]
    nr, pr = Rf[rep, st], Rf[rep, st + 1]
    ir = impact_ratio(pg, ng, pr, nr, alpha=alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        whole = (G[:, -1] / G[:, 0]) / (Rf[:, -1] / Rf[:, 0])
    lsum = lr.sum(axis=1)
    out = pd.DataFrame({
        "year": int(year),
        "position_level": idx["position_level"].to_numpy()[rep],
        "group": idx["group"].to_numpy()[rep],
        "reference_group": reference,
        "transition": np.array(STAGE_TRANSITIONS, dtype=object)[st],
        "n_group": ng, "passed_group": pg, "n_reference": nr, "passed_reference": pr,
        "impact_ratio": ir["estimate"].to_numpy(),
        "impact_ratio_ci_low": ir["ci_low"].to_numpy(),
        "impact_ratio_ci_high": ir["ci_high"].to_numpy(),
        "log_impact_ratio": lr[rep, st],
        "hired_group": G[rep, -1], "hired_reference": Rf[rep, -1],
        "impact_ratio_funnel": whole[rep],
        "log_impact_ratio_sum": lsum[rep],
        "funnel_loss": pd.array(np.where(np.isnan(lsum), False, lsum < 0)[rep], dtype="boolean"),
        "share_of_loss": share[rep, st],
        "share_of_loss_ci_low": q[0][rep, st],
        "share_of_loss_ci_high": q[1][rep, st],
        "n_boot": int(n_boot),
    })
    out.loc[np.isnan(out["log_impact_ratio_sum"].to_numpy(float)), "funnel_loss"] = pd.NA
    return sort_rows(out, {"position_level": LEVELS_ALL, "group": tuple(groups), "transition": STAGE_TRANSITIONS})
