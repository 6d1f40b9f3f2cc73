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

from ...tablespec import TableSpec
from .core import (LEVELS_ALL, STAGE_COLS, STAGE_TRANSITIONS, add_total, groups_present, params_get,
                          sort_rows)

#: per-stage columns, in stage order: ``impact_ratio_<t>``, ``log_impact_ratio_<t>``, ``share_of_loss_<t>``,
#: ``share_of_loss_<t>_ci_low``, ``share_of_loss_<t>_ci_high`` for every stage transition ``t``
STAGE_COLUMNS: tuple[str, ...] = tuple(
    c for t in STAGE_TRANSITIONS for c in (f"impact_ratio_{t}", f"log_impact_ratio_{t}", f"share_of_loss_{t}",
                                           f"share_of_loss_{t}_ci_low", f"share_of_loss_{t}_ci_high"))
COLUMNS: tuple[str, ...] = ("year", "position_level", "group", "reference_group", "impact_ratio_funnel",
                            "log_impact_ratio_sum", "funnel_loss", *STAGE_COLUMNS, "n_boot")
FIGURES: tuple[str, ...] = ("impact_ratio_funnel", "log_impact_ratio_sum", "funnel_loss", *STAGE_COLUMNS)

#: No counts of its own: the chain's counts are the ``funnel_disparity`` counts, and a row's figures are
#: only filled where every count of its chain is visible in the public ``funnel_disparity``
#: (:func:`stage_decomposition` with ``visible=``), so the table discloses nothing that one does not.
STAGES_SPEC = TableSpec(
    percent=("share_of_loss_applied_to_qualified", "share_of_loss_applied_to_qualified_ci_low",
             "share_of_loss_applied_to_qualified_ci_high", "share_of_loss_qualified_to_interviewed",
             "share_of_loss_qualified_to_interviewed_ci_low", "share_of_loss_qualified_to_interviewed_ci_high",
             "share_of_loss_interviewed_to_recommended", "share_of_loss_interviewed_to_recommended_ci_low",
             "share_of_loss_interviewed_to_recommended_ci_high", "share_of_loss_recommended_to_hired",
             "share_of_loss_recommended_to_hired_ci_low", "share_of_loss_recommended_to_hired_ci_high"),
    name="funnel_stages",
    dims=("year", "position_level", "group"),
    not_counts=("year", "n_boot"),
    constants=("reference_group",),
    statistics=FIGURES,
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


def _chain_visible(visible: pd.DataFrame, idx: pd.DataFrame) -> np.ndarray:
    """For each (position_level, group) of ``idx``: are all ten chain counts numbers in ``visible``
    (a public ``funnel_disparity``)?"""
    v = visible[visible["transition"].isin(STAGE_TRANSITIONS)]
    cols = ["n_group", "n_reference"]
    last = v["transition"] == STAGE_TRANSITIONS[-1]
    num = pd.DataFrame({c: pd.to_numeric(v[c], errors="coerce") for c in cols})
    for c in ("passed_group", "passed_reference"):
        num[c] = np.where(last, pd.to_numeric(v[c], errors="coerce"), 0.0)
    ok = num.notna().all(axis=1)
    per = pd.DataFrame({"position_level": v["position_level"].to_numpy(), "group": v["group"].to_numpy(),
                        "ok": ok.to_numpy(), "one": 1})
    agg = per.groupby(["position_level", "group"]).agg(ok=("ok", "all"), n=("one", "sum"))
    agg = agg["ok"] & (agg["n"] == len(STAGE_TRANSITIONS))
    keys = pd.MultiIndex.from_frame(idx[["position_level", "group"]])
    return agg.reindex(keys).fillna(False).to_numpy(dtype=bool)


def stage_decomposition(cells: pd.DataFrame, *, params: dict[str, Any], year: int, visible: pd.DataFrame | None,
                        n_boot: int = 2000) -> pd.DataFrame:
    """``funnel_stages``: one row per position level (and ``all``) and group: a whole decomposition.

    ``visible``: the public ``funnel_disparity`` of the year. A row's figures are left missing unless
    every count of its chain (each stage's ``n_group``/``n_reference`` and the hired counts) is
    visible there; ``None`` fills every row (restricted use and tests only).

    Columns: ``year, position_level, group, reference_group``; ``impact_ratio_funnel`` (the whole funnel's impact ratio);
    ``log_impact_ratio_sum`` (the sum of the four stage log ratios, equal to the log of
    ``impact_ratio_funnel`` without zero cells); ``funnel_loss`` (that sum is below 0); then for each
    stage transition ``t`` (:data:`STAGE_COLUMNS`): ``impact_ratio_<t>``, ``log_impact_ratio_<t>``
    (zero-cell rule of the module docstring), ``share_of_loss_<t>`` and its bootstrap interval
    ``share_of_loss_<t>_ci_low/high``; ``n_boot``. The counts and the intervals of the stage impact
    ratios are in ``funnel_disparity``. :func:`stages_long` gives one row per stage.
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

    if not len(idx):
        return pd.DataFrame(columns=COLUMNS)
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
        q = (np.nanquantile(share_b, [alpha / 2, 1 - alpha / 2], axis=0) if n_boot
             else np.full((2, *share.shape), np.nan))
    with np.errstate(divide="ignore", invalid="ignore"):
        whole = (G[:, -1] / G[:, 0]) / (Rf[:, -1] / Rf[:, 0])
        stage_ir = (G[:, 1:] / G[:, :-1]) / (Rf[:, 1:] / Rf[:, :-1])
    lsum = lr.sum(axis=1)
    out = pd.DataFrame({"year": int(year), "position_level": idx["position_level"].to_numpy(),
                        "group": idx["group"].to_numpy(), "reference_group": reference})
    out["impact_ratio_funnel"] = whole
    out["log_impact_ratio_sum"] = lsum
    out["funnel_loss"] = pd.array(np.where(np.isnan(lsum), None, lsum < 0), dtype="boolean")
    for k, t in enumerate(STAGE_TRANSITIONS):
        out[f"impact_ratio_{t}"] = stage_ir[:, k]
        out[f"log_impact_ratio_{t}"] = lr[:, k]
        out[f"share_of_loss_{t}"] = share[:, k]
        out[f"share_of_loss_{t}_ci_low"] = q[0][:, k]
        out[f"share_of_loss_{t}_ci_high"] = q[1][:, k]
    out["n_boot"] = int(n_boot)
    if visible is not None:
        hide = ~_chain_visible(visible, idx)
        for c in FIGURES:
            out[c] = out[c].astype(object) if c == "funnel_loss" else out[c]
            out.loc[hide, c] = pd.NA if c == "funnel_loss" else np.nan
        out["funnel_loss"] = out["funnel_loss"].astype("boolean")
    return sort_rows(out[list(COLUMNS)], {"position_level": LEVELS_ALL, "group": tuple(groups)})


def stages_long(table: pd.DataFrame) -> pd.DataFrame:
    """The wide ``funnel_stages`` table (restricted or public) as one row per level, group and stage:
    ``position_level, group, transition, impact_ratio, log_impact_ratio, share_of_loss,
    share_of_loss_ci_low, share_of_loss_ci_high, funnel_loss`` (for figures and display)."""
    parts = []
    for t in STAGE_TRANSITIONS:
        p = table[["position_level", "group", "funnel_loss"]].copy()
        p["transition"] = t
        p["impact_ratio"] = table[f"impact_ratio_{t}"].to_numpy()
        p["log_impact_ratio"] = table[f"log_impact_ratio_{t}"].to_numpy()
        p["share_of_loss"] = table[f"share_of_loss_{t}"].to_numpy()
        p["share_of_loss_ci_low"] = table[f"share_of_loss_{t}_ci_low"].to_numpy()
        p["share_of_loss_ci_high"] = table[f"share_of_loss_{t}_ci_high"].to_numpy()
        parts.append(p)
    cols = ["position_level", "group", "transition", "impact_ratio", "log_impact_ratio", "share_of_loss",
            "share_of_loss_ci_low", "share_of_loss_ci_high", "funnel_loss"]
    if not parts or not len(table):
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)[cols]
    return sort_rows(out, {"position_level": LEVELS_ALL, "transition": STAGE_TRANSITIONS})
