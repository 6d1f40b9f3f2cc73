"""The funnel comparison broken down by gender and by sector (the focal group only), and over the
years (trend, every group).

All three tables use the aggregate comparison of :func:`mangfold.analyses.funnel.core.compare`
(Wilson rates, Katz impact-ratio interval and its Wald test, Bonferroni within the family of the four
stage transitions of the group in one cell, the whole funnel unadjusted, verdict with MDE and the
bounds over every split of the undeclared applications), so a comparison that is also in
``funnel_disparity`` (the ``all`` rows) has the same interval, adjusted p-value and verdict here. The trend test fits one logistic model per group and transition on counts per
(year, unit, level, background) with cluster-robust errors by unit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...contract.schemas import GENDER
from ...stats.binomial import binomial_glm
from ...tablespec import TableSpec
from ...text import not_estimable
from .core import (STAGE_COLS, TRANSITION_NAMES, TRANSITIONS, add_total, compare,
                          groups_present, params_get, sort_rows, transition_counts, versus_reference)
from .fit import NOTE_ONE_UNIT, fit_or_note

#: columns of the breakdown tables after their dimension columns
BREAKDOWN_COLUMNS: tuple[str, ...] = (
    "transition", "group", "reference_group", "n_group", "passed_group", "n_reference", "passed_reference",
    "rate_group", "rate_group_ci_low", "rate_group_ci_high", "rate_reference", "rate_reference_ci_low",
    "rate_reference_ci_high", "impact_ratio", "impact_ratio_ci_low", "impact_ratio_ci_high", "ci_level",
    "four_fifths_flag",
    "p_value", "p_adjusted", "verdict", "mde", "mde_ratio",
)
_G = ("rate_group", "rate_group_ci_low", "rate_group_ci_high", "impact_ratio", "impact_ratio_ci_low",
      "impact_ratio_ci_high", "four_fifths_flag", "p_value", "p_adjusted", "verdict", "mde", "mde_ratio")
_R = ("rate_reference", "rate_reference_ci_low", "rate_reference_ci_high", *_G[3:])
_DERIVED = {"n_group": _G, "passed_group": _G, "n_reference": _R, "passed_reference": _R}
_COUNTS = ("n_group", "passed_group", "n_reference", "passed_reference")
_PERCENT = ("rate_group", "rate_group_ci_low", "rate_group_ci_high", "rate_reference", "rate_reference_ci_low",
            "rate_reference_ci_high")


def _spec(name: str, dim: str, title: str) -> TableSpec:
    return TableSpec(name=name, counts=_COUNTS, derived=_DERIVED, dims=("year", dim, "transition", "group"),
                     margins=((dim, "all"),), constants=("year", "reference_group", "ci_level"), title=title,
                     percent=_PERCENT)


GENDER_SPEC = _spec("funnel_gender", "gender", "Kjønn og bakgrunn: gruppe mot referansegruppen av samme kjønn")
SECTOR_SPEC = _spec("funnel_sector", "sector", "Forskjeller gjennom rekrutteringsprosessen per sektor")
TREND_SPEC = TableSpec(name="funnel_trend", counts=_COUNTS, derived=_DERIVED,
                       dims=("year", "position_level", "transition", "group"),
                       constants=("year", "reference_group", "ci_level"), percent=_PERCENT,
                       title="Utviklingen over år: gruppe mot referansegruppen (alle nivåer)")
#: A model coefficient over all years and units; no counts of its own (they are in ``funnel_trend``,
#: and a sum over years would be a total that table does not show).
TREND_TEST_SPEC = TableSpec(
    name="funnel_trend_test",
    dims=("year", "group", "transition"),
    not_counts=("year", "first_year", "last_year", "n_years", "n_units"),
    constants=("reference_group", "note"),
    statistics=("estimate", "std_error", "ci_low", "ci_high", "p_value", "or_change_per_year", "or_change_ci_low",
                "or_change_ci_high"),
    title="Endring per år i forskjellen mellom målgruppen og referansegruppen",
)


def _breakdown(cells: pd.DataFrame, dim: str, *, params: dict[str, Any], year: int,
               order: tuple[str, ...]) -> pd.DataFrame:
    focal, reference, alpha, four_fifths, _ = params_get(params)
    cells = cells[cells["year"] == year]
    groups = [focal]
    long = transition_counts(cells, by=[dim])
    long = add_total(long, dim, keys=[dim, "background", "transition"], values=["n", "passed"])
    wide = versus_reference(long, [dim], groups=groups, reference=reference)
    out = compare(wide, alpha=alpha, four_fifths=four_fifths)
    out.insert(0, "year", int(year))
    out = sort_rows(out, {dim: order, "transition": TRANSITION_NAMES, "group": tuple(groups)})
    return out[["year", dim, *BREAKDOWN_COLUMNS]]


def by_gender(cells: pd.DataFrame, *, params: dict[str, Any], year: int) -> pd.DataFrame:
    """``funnel_gender``: the focal group against the reference group *of the same gender* (and ``all``),
    per transition, all position levels together. Columns: ``year, gender`` and
    :data:`BREAKDOWN_COLUMNS` (see :func:`mangfold.analyses.funnel.core.compare`; one family per gender).
    Comparing a group's impact ratio for women with that for men shows whether the gap differs by gender."""
    return _breakdown(cells, "gender", params=params, year=year, order=(*GENDER, "all"))


def by_sector(cells: pd.DataFrame, *, params: dict[str, Any], year: int) -> pd.DataFrame:
    """``funnel_sector``: the focal group against the reference group per sector (and ``all``) and transition,
    all position levels together. Columns: ``year, sector`` and :data:`BREAKDOWN_COLUMNS` (one family per
    sector)."""
    sectors = tuple(sorted(set(cells.loc[cells["year"] == year, "sector"].astype(str))))
    return _breakdown(cells, "sector", params=params, year=year, order=(*sectors, "all"))


def trend(cells: pd.DataFrame, *, params: dict[str, Any], year: int) -> pd.DataFrame:
    """``funnel_trend``: the aggregate comparison for every year in ``cells`` up to ``year``, all position
    levels together (``position_level = all``; each year's report has the levels), per transition and
    group. Columns: ``year, position_level`` and :data:`BREAKDOWN_COLUMNS` (one family per year and group)."""
    focal, reference, alpha, four_fifths, _ = params_get(params)
    cells = cells[cells["year"] <= year]
    groups = groups_present(cells, focal=focal, reference=reference)
    long = transition_counts(cells, by=["year"])
    wide = versus_reference(long, ["year"], groups=groups, reference=reference)
    out = compare(wide, alpha=alpha, four_fifths=four_fifths)
    out["year"] = out["year"].astype("int64")
    out["position_level"] = "all"
    out = sort_rows(out, {"transition": TRANSITION_NAMES, "group": tuple(groups)})
    return out[["year", "position_level", *BREAKDOWN_COLUMNS]]


def _trend_fit(d: pd.DataFrame, *, successes: str, trials: str, covariates: list[str],
               alpha: float) -> dict[str, Any]:
    """The year x group row of :func:`binomial_glm` (CR1 by unit), or a note when it has no variation."""
    fit = binomial_glm(d, successes=successes, trials=trials, covariates=covariates, cluster="unit_id",
                       alpha=alpha).set_index("term")
    se = float(fit.at["year_x_group", "std_error"])
    if not (np.isfinite(se) and se > 1e-8):
        return {"note": not_estimable("no variation")}
    return {c: float(fit.at["year_x_group", c]) for c in ("estimate", "std_error", "ci_low", "ci_high", "p_value")}


def trend_test(cells: pd.DataFrame, *, params: dict[str, Any], year: int) -> pd.DataFrame:
    """``funnel_trend_test``: does the focal group's gap change over the years? One row per transition.

    Logistic model on counts per (year, unit, position level, background), focal and reference group
    only: ``passed ~ year + group + year x group + position_level``, CR1 cluster-robust errors by unit
    (:func:`mangfold.stats.binomial.binomial_glm`). ``estimate``: the year x group coefficient, the
    change per year in the log odds ratio focal vs reference (positive = the gap narrows when the
    group is behind); ``std_error, ci_low, ci_high, p_value`` for it; ``or_change_per_year``
    ``= exp(estimate)`` with ``or_change_ci_low/high``. ``first_year, last_year, n_years, n_units``.
    Missing statistics and a ``note`` with fewer than two years or units.
    """
    focal, reference, alpha, _, _ = params_get(params)
    cells = cells[(cells["year"] <= year) & cells["background"].isin([focal, reference])]
    keys = ["year", "unit_id", "position_level", "background"]
    g = cells.groupby(keys, observed=True, sort=False)[list(STAGE_COLS)].sum().reset_index()
    yrs = sorted(set(g["year"]))
    g["year_c"] = g["year"] - (np.mean(yrs) if yrs else 0.0)
    g["is_group"] = (g["background"] == focal).astype(float)
    g["year_x_group"] = g["year_c"] * g["is_group"]
    rows = []
    for name, frm, to in TRANSITIONS:
        row: dict[str, Any] = {
            "year": int(year), "group": focal, "reference_group": reference, "transition": name,
            "first_year": int(min(yrs)) if yrs else int(year), "last_year": int(max(yrs)) if yrs else int(year),
            "n_years": len(yrs), "n_units": int(g.loc[g[frm] > 0, "unit_id"].nunique()),
            "estimate": np.nan, "std_error": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan, "note": "",
        }
        d = g[g[frm] > 0]
        covs = ["year_c", "is_group", "year_x_group"]
        if d["position_level"].nunique() > 1:
            covs.append("position_level")
        row.update(fit_or_note(_trend_fit, d, successes=to, trials=frm, covariates=covs, alpha=alpha,
                               skip=((len(yrs) < 2, "ikke beregnet: færre enn to år"),
                                     (row["n_units"] < 2, NOTE_ONE_UNIT))))
        rows.append(row)
    out = pd.DataFrame(rows)
    out["or_change_per_year"] = np.exp(out["estimate"])
    out["or_change_ci_low"] = np.exp(out["ci_low"])
    out["or_change_ci_high"] = np.exp(out["ci_high"])
    return out[["year", "group", "reference_group", "transition", "first_year", "last_year", "n_years", "n_units",
                "estimate", "std_error", "ci_low", "ci_high", "p_value",
                "or_change_per_year", "or_change_ci_low", "or_change_ci_high", "note"]]
