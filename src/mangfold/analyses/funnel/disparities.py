"""The funnel's main table, ``funnel_disparity``: each group against the reference group at every
transition of the recruitment process (aggregate and within-vacancy comparisons, tests and intervals
adjusted within the family of the four stage transitions, verdicts, MDE and bounds over every split of
the undeclared applications), and :func:`representation`, each group's share of the
applications at each stage read back from the public copy of that table (for the figure; not a
table of its own).

Counts are *applications*: a person who applies to several vacancies counts once per application.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...stats.proportions import wilson_interval
from ...stats.strata import mantel_haenszel_counts
from ...tablespec import TableSpec
from .core import (LEVELS_ALL, STAGE_COLS, STAGE_TRANSITIONS, TRANSITION_NAMES, UNDECLARED, add_total, adjust,
                   compare, groups_present, params_get, row_alpha, sort_rows, transition_counts, versus_reference)

__all__ = ["CONTRACT_COLUMNS", "EXTRA_COLUMNS", "DISPARITY_SPEC", "within_vacancy", "disparity", "representation"]

#: ``funnel_disparity.csv`` columns fixed by the results contract, in this order.
CONTRACT_COLUMNS: tuple[str, ...] = (
    "year", "position_level", "transition", "group", "reference_group", "n_group", "n_reference",
    "rate_group", "rate_reference", "impact_ratio", "impact_ratio_ci_low", "impact_ratio_ci_high",
    "four_fifths_flag", "p_value", "p_adjusted", "or_within_vacancy", "or_within_vacancy_ci_low",
    "or_within_vacancy_ci_high", "p_within_vacancy", "heterogeneity_p", "n_vacancies",
)
#: Extra columns after the contract's, in this order.
EXTRA_COLUMNS: tuple[str, ...] = (
    "verdict", "ci_level", "mde", "mde_ratio", "passed_group", "passed_reference",
    "rate_group_ci_low", "rate_group_ci_high", "rate_reference_ci_low", "rate_reference_ci_high",
    "or_aggregate", "or_aggregate_ci_low", "or_aggregate_ci_high", "p_within_vacancy_adjusted",
    "heterogeneity_sparse_share", "test",
    "n_undeclared", "passed_undeclared", "rate_group_bound_low", "rate_group_bound_high",
    "rate_reference_bound_low", "rate_reference_bound_high", "impact_ratio_bound_low", "impact_ratio_bound_high",
)

_GROUP_DERIVED = (
    "rate_group", "rate_group_ci_low", "rate_group_ci_high", "impact_ratio", "impact_ratio_ci_low",
    "impact_ratio_ci_high", "four_fifths_flag", "p_value", "p_adjusted", "or_within_vacancy",
    "or_within_vacancy_ci_low", "or_within_vacancy_ci_high", "p_within_vacancy", "p_within_vacancy_adjusted",
    "heterogeneity_p", "heterogeneity_sparse_share", "verdict", "mde", "mde_ratio", "or_aggregate",
    "or_aggregate_ci_low", "or_aggregate_ci_high", "rate_group_bound_low", "rate_group_bound_high",
    "impact_ratio_bound_low", "impact_ratio_bound_high",
)
_REFERENCE_DERIVED = (
    "rate_reference", "rate_reference_ci_low", "rate_reference_ci_high", "rate_reference_bound_low",
    "rate_reference_bound_high", *(c for c in _GROUP_DERIVED if not c.startswith("rate_group")),
)
_UNDECLARED_DERIVED = (
    "rate_group_bound_low", "rate_group_bound_high", "rate_reference_bound_low", "rate_reference_bound_high",
    "impact_ratio_bound_low", "impact_ratio_bound_high",
)

DISPARITY_SPEC = TableSpec(
    percent=("rate_group", "rate_group_ci_low", "rate_group_ci_high", "rate_group_bound_low",
             "rate_group_bound_high", "rate_reference", "rate_reference_ci_low", "rate_reference_ci_high",
             "rate_reference_bound_low", "rate_reference_bound_high", "heterogeneity_sparse_share"),
    name="funnel_disparity",
    counts=("n_group", "passed_group", "n_reference", "passed_reference", "n_undeclared", "passed_undeclared"),
    derived={"n_group": _GROUP_DERIVED, "passed_group": _GROUP_DERIVED,
             "n_reference": _REFERENCE_DERIVED, "passed_reference": _REFERENCE_DERIVED,
             "n_undeclared": _UNDECLARED_DERIVED, "passed_undeclared": _UNDECLARED_DERIVED},
    dims=("year", "position_level", "transition", "group"),
    margins=(("position_level", "all"),),
    not_counts=("year", "n_vacancies"),
    constants=("reference_group", "test", "ci_level"),
    title="Forskjeller gjennom rekrutteringsprosessen, gruppe mot referansegruppen",
)

_MH_OUT = ("or_within_vacancy", "or_within_vacancy_ci_low", "or_within_vacancy_ci_high", "p_within_vacancy",
           "heterogeneity_p", "heterogeneity_sparse_share", "n_vacancies")
#: Breslow-Day is reported with a caution when more than this share of the vacancies used has a fitted
#: cell below 5 (the chi-squared approximation does not hold for many small strata).
SPARSE_SHARE = 0.2


def within_vacancy(cells: pd.DataFrame, *, groups: list[str], reference: str, alpha: float = 0.05,
                   by: str = "position_level", total: str | None = "all") -> pd.DataFrame:
    """Mantel-Haenszel comparison within vacancies (strata = vacancies), per ``by``, transition and group.

    For each vacancy the 2x2 table is (group, reference) x (passed, did not pass) at the transition.
    :func:`mangfold.stats.strata.mantel_haenszel` gives the common odds ratio (group over reference;
    below 1 = the group passes less often than reference applicants *to the same vacancy*), its
    Robins-Breslow-Greenland interval at the row's level (``1 - alpha/4`` for a stage transition,
    ``1 - alpha`` for the whole funnel: :func:`.core.row_alpha`), the continuity-corrected MH
    chi-squared test and the Breslow-Day test of equal odds ratios across vacancies with Tarone's
    correction; ``heterogeneity_sparse_share`` is the share of the vacancies used with a fitted cell
    below 5 (above :data:`SPARSE_SHARE` the Breslow-Day p-value is not to be read as evidence).
    Vacancies without both groups at the transition, or where everybody or nobody passed, carry no
    information and are dropped before the test; ``n_vacancies`` counts those used. ``total``: also
    one row over all values of ``by``.

    Columns: ``by, transition, group, or_within_vacancy, or_within_vacancy_ci_low,
    or_within_vacancy_ci_high, p_within_vacancy, heterogeneity_p, heterogeneity_sparse_share,
    n_vacancies``.
    """
    long = transition_counts(cells, by=[by, "vacancy_id"])
    wide = versus_reference(long, [by, "vacancy_id"], groups=groups, reference=reference)
    a = wide["passed_group"].to_numpy(float)
    b = wide["n_group"].to_numpy(float) - a
    c = wide["passed_reference"].to_numpy(float)
    d = wide["n_reference"].to_numpy(float) - c
    keep = (a + b > 0) & (c + d > 0) & (a + c > 0) & (b + d > 0)
    strata = pd.DataFrame({by: wide[by].to_numpy(), "transition": wide["transition"].to_numpy(),
                           "group": wide["group"].to_numpy(), "a": a, "b": b, "c": c, "d": d})[keep]
    if total is not None:
        strata = pd.concat([strata, strata.assign(**{by: total})], ignore_index=True)
    # one stratified table per (by, transition, group), in order of first appearance, its vacancies
    # in row order (a stable sort of the group numbers): what iterating the groupby gives, without a
    # DataFrame per table
    keys = [by, "transition", "group"]
    code = strata.groupby(keys, sort=False, observed=True).ngroup().to_numpy()
    order = np.argsort(code, kind="stable")
    bounds = np.searchsorted(code[order], np.arange(code.max() + 2 if len(code) else 1))
    counts = strata[["a", "b", "c", "d"]].to_numpy(float)[order]
    first = strata[keys].to_numpy(object)[order[bounds[:-1]]]
    rows = []
    for (lvl, tr, g), i0, i1 in zip(first, bounds[:-1], bounds[1:]):
        mh = mantel_haenszel_counts(counts[i0:i1], alpha=float(row_alpha([tr], alpha)[0]), tarone=True)
        rows.append((lvl, tr, g, mh["estimate"], mh["ci_low"], mh["ci_high"], mh["p_value"],
                     mh["heterogeneity_p"], mh["heterogeneity_sparse_share"], int(mh["n_strata_used"])))
    return pd.DataFrame(rows, columns=[by, "transition", "group", *_MH_OUT])


def _levels(cells: pd.DataFrame) -> tuple[str, ...]:
    present = set(cells["position_level"].astype(str))
    return tuple(lv for lv in LEVELS_ALL if lv in present or lv == "all")


def disparity(cells: pd.DataFrame, *, params: dict[str, Any], year: int) -> pd.DataFrame:
    """``funnel_disparity``: one row per position level (and ``all``), transition and group.

    Columns: the results contract's (:data:`CONTRACT_COLUMNS`) in order, then :data:`EXTRA_COLUMNS`.
    ``n_group``/``n_reference``: applications of the group / reference group at the transition's first
    stage; ``passed_*``: those of them that reached its last stage. Aggregate statistics are explained
    in :func:`mangfold.analyses.funnel.core.compare`; the within-vacancy columns in
    :func:`within_vacancy`. Multiplicity (:data:`.core.FAMILY_SIZE`): a family is the four stage
    transitions of one group at one level (``all`` included); ``p_adjusted`` and
    ``p_within_vacancy_adjusted`` are Bonferroni within it (``min(1, 4 p)``); the whole funnel is the
    one primary comparison of its group and level, at ``alpha``. ``ci_level``: the level of the ratio
    intervals of the row (impact ratio, aggregate and within-vacancy odds ratios). ``test``: the
    two-sided test behind ``p_value`` (the Wald test the Katz interval inverts). Rows with no
    applications of a group at a level get missing statistics.
    """
    focal, reference, alpha, four_fifths, _ = params_get(params)
    cells = cells[cells["year"] == year]
    groups = groups_present(cells, focal=focal, reference=reference)
    long = transition_counts(cells, by=["position_level"])
    long = add_total(long, "position_level", keys=["position_level", "background", "transition"],
                     values=["n", "passed"])
    wide = versus_reference(long, ["position_level"], groups=groups, reference=reference)
    # a complete grid: every level present x transition x group
    grid = pd.MultiIndex.from_product([_levels(cells), TRANSITION_NAMES, groups],
                                      names=["position_level", "transition", "group"]).to_frame(index=False)
    wide = grid.merge(wide, on=["position_level", "transition", "group"], how="left")
    wide["reference_group"] = reference
    for c in ("n_group", "passed_group", "n_reference", "passed_reference", "n_undeclared", "passed_undeclared"):
        wide[c] = wide[c].fillna(0).astype("int64")
    out = compare(wide, alpha=alpha, four_fifths=four_fifths)
    mh = within_vacancy(cells, groups=groups, reference=reference, alpha=alpha)
    out = out.merge(mh, on=["position_level", "transition", "group"], how="left")
    out["n_vacancies"] = out["n_vacancies"].fillna(0).astype("int64")
    out["p_within_vacancy_adjusted"] = adjust(out["p_within_vacancy"].to_numpy(float), out["transition"].to_numpy())
    out["test"] = "katz_log_wald_two_sided"
    out.insert(0, "year", int(year))
    out = sort_rows(out, {"position_level": LEVELS_ALL, "transition": TRANSITION_NAMES, "group": tuple(groups)})
    return out[[*CONTRACT_COLUMNS, *EXTRA_COLUMNS]]


def representation(disp: pd.DataFrame, *, params: dict[str, Any]) -> pd.DataFrame:
    """Each background's share of the applications at each stage, computed from a ``funnel_disparity``
    table (normally the *public* copy, so nothing new is published: a share whose counts are hidden
    there is missing here).

    The applications of a group at stage ``s`` are ``n_group`` of the transition that starts at ``s``
    (``passed_group`` of ``recommended_to_hired`` for ``hired``); the reference group's and the
    undeclared likewise; all applications at the stage are their sum. One row per position level,
    stage (``applied`` ... ``hired``) and background (the groups, the reference group and
    ``undeclared``). Columns: ``position_level, stage, group, n_stage, n_total, share`` (of all
    applications at the stage) and its Wilson interval ``ci_low, ci_high``: where the focal group's
    share falls from one stage to the next, representation is lost at that stage; ``n_applied`` (the
    group's applications) and ``reach = n_stage / n_applied`` (the share of the group's applications
    that got this far) with its Wilson interval ``reach_ci_low, reach_ci_high``. ``share`` needs every
    group's count to be visible; ``reach`` only the group's own.
    """
    alpha = float(params["alpha"])
    reference = str(params["reference_group"])
    d = disp[disp["transition"].isin(STAGE_TRANSITIONS)]
    parts = []
    for k, stage in enumerate(STAGE_COLS):
        tr = STAGE_TRANSITIONS[min(k, len(STAGE_TRANSITIONS) - 1)]
        col = "n" if k < len(STAGE_TRANSITIONS) else "passed"
        rows = d[d["transition"] == tr]
        g = pd.DataFrame({"position_level": rows["position_level"].to_numpy(), "stage": stage,
                          "group": rows["group"].to_numpy(),
                          "n_stage": pd.to_numeric(rows[f"{col}_group"], errors="coerce").to_numpy(float)})
        first = rows.drop_duplicates("position_level")
        for bg, c in ((reference, "reference"), (UNDECLARED, "undeclared")):
            g = pd.concat([g, pd.DataFrame({"position_level": first["position_level"].to_numpy(), "stage": stage,
                                            "group": bg, "n_stage": pd.to_numeric(first[f"{col}_{c}"],
                                                                                  errors="coerce").to_numpy(float)})])
        parts.append(g)
    cols = ["position_level", "stage", "group", "n_stage", "n_total", "share", "ci_low", "ci_high", "n_applied",
            "reach", "reach_ci_low", "reach_ci_high"]
    if not parts or not len(d):
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    # the total is missing when any part is hidden (NaN propagates through the sum)
    out["n_total"] = out.groupby(["position_level", "stage"])["n_stage"].transform(
        lambda s: s.sum() if s.notna().all() else np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(out["n_total"] > 0, out["n_stage"] / out["n_total"], np.nan)
    ok = out["n_total"].notna().to_numpy() & out["n_stage"].notna().to_numpy()
    lo, hi = wilson_interval(np.where(ok, out["n_stage"], 0), np.where(ok, out["n_total"], 0), alpha=alpha)
    out["ci_low"], out["ci_high"] = np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)
    applied = out[out["stage"] == STAGE_COLS[0]].set_index(["position_level", "group"])["n_stage"]
    out["n_applied"] = applied.reindex(pd.MultiIndex.from_frame(out[["position_level", "group"]])).to_numpy()
    ok = out["n_applied"].notna().to_numpy() & out["n_stage"].notna().to_numpy() & (out["n_applied"] > 0).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["reach"] = np.where(ok, out["n_stage"] / out["n_applied"], np.nan)
    lo, hi = wilson_interval(np.where(ok, out["n_stage"], 0), np.where(ok, out["n_applied"], 0), alpha=alpha)
    first = (out["stage"] == STAGE_COLS[0]).to_numpy()  # every application was an application: no interval
    out["reach_ci_low"] = np.where(ok, np.where(first, 1.0, lo), np.nan)
    out["reach_ci_high"] = np.where(ok, np.where(first, 1.0, hi), np.nan)
    out = sort_rows(out, {"position_level": LEVELS_ALL, "stage": STAGE_COLS,
                          "group": (*tuple(dict.fromkeys(disp["group"])), reference, UNDECLARED)})
    return out[cols]
