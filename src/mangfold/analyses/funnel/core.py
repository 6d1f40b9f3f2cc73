"""Shared core of the recruitment-funnel analyses: the store query, transition counts and the
vectorised group-versus-reference comparison.

Everything downstream works on *cells*: one DuckDB query aggregates the applications of a year to
one row per (vacancy, background, gender) with the number of applications that reached each stage.
No Python code ever loops over applications.

Stages are nested (the contract quarantines a row that is hired but not recommended, recommended
but not interviewed, or interviewed but not qualified), so for every group
``hired/applied = (qualified/applied) (interviewed/qualified) (recommended/interviewed)
(hired/recommended)`` exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...contract.schemas import BACKGROUND, IMMIGRANT_BACKGROUNDS, POSITION_LEVEL, STAGES
from ...stats.multiple import holm
from ...stats.proportions import wilson_interval
from ...stats.ratios import four_fifths_flag, impact_ratio, mde_two_proportions, two_proportion_test, verdict
from ...store import query

#: Stage count columns of a cell, in funnel order (``applied`` = every application).
STAGE_COLS: tuple[str, ...] = ("applied", *STAGES)
#: (transition, from stage, to stage): the four stage transitions, then the whole funnel.
TRANSITIONS: tuple[tuple[str, str, str], ...] = (
    ("applied_to_qualified", "applied", "qualified"),
    ("qualified_to_interviewed", "qualified", "interviewed"),
    ("interviewed_to_recommended", "interviewed", "recommended"),
    ("recommended_to_hired", "recommended", "hired"),
    ("applied_to_hired", "applied", "hired"),
)
TRANSITION_NAMES: tuple[str, ...] = tuple(t[0] for t in TRANSITIONS)
STAGE_TRANSITIONS: tuple[str, ...] = TRANSITION_NAMES[:4]
LEVELS_ALL: tuple[str, ...] = (*POSITION_LEVEL, "all")
UNDECLARED = "undeclared"
#: Vacancy attributes carried on every cell (measures 2.1, 2.3, 3.2, 3.4).
VACANCY_FLAGS: tuple[str, ...] = ("recruiter_trained", "ad_template", "agency", "justification_given")

_CELLS_SQL = """
SELECT v.year, a.vacancy_id, v.unit_id, u.sector, v.position_level,
       v.recruiter_trained, v.ad_template, v.agency, v.justification_given,
       a.background, a.gender,
       count(*)::BIGINT                  AS applied,
       count_if(a.qualified)::BIGINT     AS qualified,
       count_if(a.interviewed)::BIGINT   AS interviewed,
       count_if(a.recommended)::BIGINT   AS recommended,
       count_if(a.hired)::BIGINT         AS hired
FROM applications a
JOIN vacancies v USING (vacancy_id)
JOIN units u ON u.unit_id = v.unit_id
WHERE v.year BETWEEN ? AND ?
GROUP BY ALL
ORDER BY v.year, a.vacancy_id, a.background, a.gender
"""


def load_cells(store: str | Path, year: int, *, history: bool = False) -> pd.DataFrame:
    """Application counts per (year, vacancy, background, gender), from one DuckDB query.

    ``history``: load every year in the store up to and including ``year`` (for the trend); the
    other analyses select ``year`` themselves, so one frame serves them all.

    Columns: ``year, vacancy_id, unit_id, sector, position_level, recruiter_trained, ad_template,
    agency, justification_given`` (the vacancy's attributes; nullable), ``background, gender`` and
    ``applied, qualified, interviewed, recommended, hired``: the number of applications in the cell
    that reached each stage (``applied`` = all applications in the cell).
    """
    first = -10_000 if history else int(year)
    df = query(store, _CELLS_SQL, [first, int(year)])
    for c in STAGE_COLS:
        df[c] = df[c].astype("int64")
    df["year"] = df["year"].astype("int64")
    return df


def groups_present(cells: pd.DataFrame, *, focal: str, reference: str) -> list[str]:
    """Background groups compared with the reference: the focal group first, then the other declared
    backgrounds that have at least one application (``undeclared`` is never a group: it gets bounds)."""
    seen = set(cells.loc[cells["applied"] > 0, "background"].astype(str))
    order = [focal, *IMMIGRANT_BACKGROUNDS, *BACKGROUND]
    out: list[str] = []
    for g in order:
        if g not in out and g != reference and g != UNDECLARED and (g in seen or g == focal):
            out.append(g)
    return out


def transition_counts(cells: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Long table of ``by + [background, transition]`` with ``n`` (applications at the transition's
    first stage) and ``passed`` (those that reached its last stage)."""
    keys = [*by, "background"]
    g = cells.groupby(keys, observed=True, sort=False, dropna=False)[list(STAGE_COLS)].sum().reset_index()
    parts = []
    for name, frm, to in TRANSITIONS:
        p = g[keys].copy()
        p["transition"] = name
        p["n"] = g[frm].to_numpy()
        p["passed"] = g[to].to_numpy()
        parts.append(p)
    return pd.concat(parts, ignore_index=True)


def add_total(df: pd.DataFrame, dim: str, *, label: str = "all", keys: list[str], values: list[str]) -> pd.DataFrame:
    """Append total rows over ``dim`` (``dim == label``), summing ``values`` within ``keys``."""
    other = [k for k in keys if k != dim]
    tot = df.groupby(other, observed=True, sort=False, dropna=False)[values].sum().reset_index()
    tot[dim] = label
    return pd.concat([df, tot[df.columns.intersection(tot.columns)]], ignore_index=True)


def versus_reference(long: pd.DataFrame, by: list[str], *, groups: list[str], reference: str) -> pd.DataFrame:
    """One row per ``by + [transition, group]``: ``n_group, passed_group`` (the group),
    ``n_reference, passed_reference`` (the reference group) and ``n_undeclared, passed_undeclared``
    (applications with the background field left blank), zeros where a group is absent."""
    keys = [*by, "transition"]
    wide = long.pivot_table(index=keys, columns="background", values=["n", "passed"], aggfunc="sum",
                            fill_value=0, observed=True)

    def col(what: str, bg: str) -> np.ndarray:
        return wide[(what, bg)].to_numpy(dtype="int64") if (what, bg) in wide.columns else np.zeros(len(wide), "int64")

    index = wide.index.to_frame(index=False)
    parts = []
    for g in groups:
        p = index.copy()
        p["group"] = g
        p["reference_group"] = reference
        p["n_group"], p["passed_group"] = col("n", g), col("passed", g)
        p["n_reference"], p["passed_reference"] = col("n", reference), col("passed", reference)
        p["n_undeclared"], p["passed_undeclared"] = col("n", UNDECLARED), col("passed", UNDECLARED)
        parts.append(p)
    cols = [*keys, "group", "reference_group", "n_group", "passed_group", "n_reference", "passed_reference",
            "n_undeclared", "passed_undeclared"]
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True)[cols]


def odds_ratio_woolf(a, b, c, d, *, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crude (pooled) odds ratio ``a d / (b c)`` with Woolf's log interval; 0.5 is added to all four
    cells of a table with a zero cell, for the interval only (the same rule as the impact ratio)."""
    from scipy import stats

    a, b, c, d = (np.asarray(v, dtype=float) for v in (a, b, c, d))
    z = float(stats.norm.isf(alpha / 2))
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    h = np.where(zero, 0.5, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (a * d) / (b * c)
        lor = np.log((a + h) * (d + h) / ((b + h) * (c + h)))
        se = np.sqrt(1 / (a + h) + 1 / (b + h) + 1 / (c + h) + 1 / (d + h))
    ok = (a + b > 0) & (c + d > 0)
    lo = np.where(ok, np.exp(lor - z * se), np.nan)
    hi = np.where(ok, np.exp(lor + z * se), np.nan)
    return np.where(ok, est, np.nan), lo, hi


def compare(wide: pd.DataFrame, *, alpha: float, four_fifths: float, family: list[str] | None = None,
            power: float = 0.8) -> pd.DataFrame:
    """Add the comparison statistics to a :func:`versus_reference` table (vectorised over rows).

    Added columns:

    ``rate_group``, ``rate_reference``           ``passed / n`` per group;
    ``rate_group_ci_low/high``, ``rate_reference_ci_low/high``  Wilson intervals
        (= R ``prop.test(correct = FALSE)``);
    ``impact_ratio``, ``impact_ratio_ci_low/high``  ``rate_group / rate_reference`` with the Katz log
        interval; a table with a zero cell gets 0.5 added to every cell for the interval only
        (Haldane-Anscombe; :func:`mangfold.stats.ratios.impact_ratio`);
    ``four_fifths_flag``                         ``impact_ratio < four_fifths``;
    ``p_value``                                  two-sided Fisher exact test of equal rates;
    ``p_adjusted``                               Holm over ``family`` groups (all rows when None);
        missing p-values stay missing and do not count in the family;
    ``or_aggregate``, ``or_aggregate_ci_low/high``  crude odds ratio of the pooled table (Woolf);
    ``mde``                                      smallest absolute drop in the group's rate below the
        reference rate detectable with ``power`` at ``alpha`` (normal approximation, applications
        treated as independent);
    ``mde_ratio``                                the same as an impact ratio, ``1 - mde / rate_reference``;
    ``verdict``                                  :func:`mangfold.stats.ratios.verdict` with ``mde_ratio``;
    ``rate_group_if_undeclared_group``           the group's rate if every undeclared application
        belonged to the group: ``(passed_group + passed_undeclared) / (n_group + n_undeclared)``;
    ``rate_reference_if_undeclared_reference``   the reference rate if they all belonged to the reference;
    ``impact_ratio_if_undeclared_group``, ``impact_ratio_if_undeclared_reference``  the impact ratio in
        those two scenarios;
    ``impact_ratio_bound_low/high``              the smallest and largest of the point estimate and the
        two scenarios.
    """
    out = wide.copy()
    ng, pg = out["n_group"].to_numpy(float), out["passed_group"].to_numpy(float)
    nr, pr = out["n_reference"].to_numpy(float), out["passed_reference"].to_numpy(float)
    nu, pu = out["n_undeclared"].to_numpy(float), out["passed_undeclared"].to_numpy(float)
    ir = impact_ratio(pg, ng, pr, nr, alpha=alpha)
    out["rate_group"] = ir["rate_group"].to_numpy()
    out["rate_reference"] = ir["rate_reference"].to_numpy()
    out["impact_ratio"] = ir["estimate"].to_numpy()
    out["impact_ratio_ci_low"] = ir["ci_low"].to_numpy()
    out["impact_ratio_ci_high"] = ir["ci_high"].to_numpy()
    out["four_fifths_flag"] = four_fifths_flag(out["impact_ratio"].to_numpy(), threshold=four_fifths)
    out["p_value"] = two_proportion_test(pg, ng, pr, nr, method="fisher")["p_value"].to_numpy()
    if family:
        out["p_adjusted"] = out.groupby(family, sort=False, dropna=False)["p_value"].transform(
            lambda s: holm(s.to_numpy(float))).to_numpy(float)
    else:
        out["p_adjusted"] = holm(out["p_value"].to_numpy(float))
    lo, hi = wilson_interval(pg, ng, alpha=alpha)
    out["rate_group_ci_low"], out["rate_group_ci_high"] = lo, hi
    lo, hi = wilson_interval(pr, nr, alpha=alpha)
    out["rate_reference_ci_low"], out["rate_reference_ci_high"] = lo, hi
    orr, lo, hi = odds_ratio_woolf(pg, ng - pg, pr, nr - pr, alpha=alpha)
    out["or_aggregate"], out["or_aggregate_ci_low"], out["or_aggregate_ci_high"] = orr, lo, hi
    rate_ref = out["rate_reference"].to_numpy(float)
    mde = mde_two_proportions(ng, nr, np.nan_to_num(rate_ref, nan=0.0), alpha=alpha, power=power)
    mde = np.where(np.isnan(rate_ref), np.nan, mde)
    out["mde"] = mde
    with np.errstate(divide="ignore", invalid="ignore"):
        out["mde_ratio"] = 1.0 - mde / rate_ref
    out["verdict"] = verdict(out["impact_ratio_ci_low"], out["impact_ratio_ci_high"], out["p_adjusted"],
                             alpha=alpha, four_fifths=four_fifths, mde=out["mde_ratio"].to_numpy(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        rg_u = np.where(ng + nu > 0, (pg + pu) / (ng + nu), np.nan)
        rr_u = np.where(nr + nu > 0, (pr + pu) / (nr + nu), np.nan)
        ir_g = rg_u / rate_ref
        ir_r = out["rate_group"].to_numpy(float) / rr_u
    out["rate_group_if_undeclared_group"] = rg_u
    out["rate_reference_if_undeclared_reference"] = rr_u
    out["impact_ratio_if_undeclared_group"] = ir_g
    out["impact_ratio_if_undeclared_reference"] = ir_r
    trio = np.column_stack([out["impact_ratio"].to_numpy(float), ir_g, ir_r])
    trio = np.where(np.isfinite(trio), trio, np.nan)
    out["impact_ratio_bound_low"] = np.fmin.reduce(trio, axis=1)
    out["impact_ratio_bound_high"] = np.fmax.reduce(trio, axis=1)
    return out


def sort_rows(df: pd.DataFrame, orders: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """Stable report order: ``year`` ascending, then each column of ``orders`` in the given value
    order (values not listed go last, in order of appearance)."""
    keys: dict[str, np.ndarray] = {}
    if "year" in df.columns:
        keys["year"] = df["year"].to_numpy()
    for col, values in orders.items():
        if col in df.columns:
            rank = {v: i for i, v in enumerate(values)}
            keys[col] = df[col].map(rank).fillna(len(rank)).to_numpy()
    if not keys:
        return df.reset_index(drop=True)
    order = np.lexsort(tuple(keys[c] for c in reversed(list(keys))))
    return df.iloc[order].reset_index(drop=True)


def params_get(params: dict[str, Any]) -> tuple[str, str, float, float, int]:
    """(focal_group, reference_group, alpha, four_fifths, seed) from validated params."""
    return (str(params["focal_group"]), str(params["reference_group"]), float(params["alpha"]),
            float(params["four_fifths"]), int(params["seed"]))
