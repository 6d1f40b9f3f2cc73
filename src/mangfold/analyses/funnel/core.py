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
from ...stats.multiple import bonferroni
from ...stats.proportions import wilson_interval
from ...stats.ratios import four_fifths_flag, impact_ratio, mde_two_proportions, ratio_bounds, verdict
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


def odds_ratio_woolf(a, b, c, d, *, alpha: object = 0.05) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crude (pooled) odds ratio ``a d / (b c)`` with Woolf's log interval; 0.5 is added to all four
    cells of a table with a zero cell, for the interval only (the same rule as the impact ratio).
    ``alpha``: a scalar or one level per row."""
    from scipy import stats

    a, b, c, d = (np.asarray(v, dtype=float) for v in (a, b, c, d))
    z = stats.norm.isf(np.asarray(alpha, dtype=float) / 2)
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


#: The multiplicity rule of every funnel table. A *family* is the four stage transitions of one group at
#: one cell of the table (a position level, a gender, a sector, a year; ``all`` included): Bonferroni
#: with m = 4 fixed by design, so the same comparison gets the same adjusted p-value, interval and
#: verdict in every table that shows it. The whole funnel (``applied_to_hired``) is the product of the
#: four stages; it is the single primary comparison of its group and cell, tested once at ``alpha`` and
#: not part of the stage family.
FAMILY_SIZE = len(STAGE_TRANSITIONS)


def row_alpha(transitions: object, alpha: float) -> np.ndarray:
    """The error level of each row: ``alpha / 4`` for a stage transition, ``alpha`` for the whole funnel."""
    t = np.asarray(transitions, dtype=object)
    return np.where(np.isin(t, STAGE_TRANSITIONS), alpha / FAMILY_SIZE, alpha).astype(float)


def adjust(p: object, transitions: object) -> np.ndarray:
    """Bonferroni within the stage family (:data:`FAMILY_SIZE`), the whole funnel unadjusted."""
    p = np.asarray(p, dtype=float)
    stage = np.isin(np.asarray(transitions, dtype=object), STAGE_TRANSITIONS)
    return np.where(stage, bonferroni(p, family_size=FAMILY_SIZE), p)


def compare(wide: pd.DataFrame, *, alpha: float, four_fifths: float, power: float = 0.8) -> pd.DataFrame:
    """Add the comparison statistics to a :func:`versus_reference` table (vectorised over rows).

    Multiplicity: see :data:`FAMILY_SIZE`. Each row has an error level ``a = alpha / 4`` (stage
    transition) or ``alpha`` (whole funnel), stated as ``ci_level = 1 - a``; the ratio intervals, the
    test and the verdict of the row all use it, so they agree.

    Added columns:

    ``rate_group``, ``rate_reference``           ``passed / n`` per group;
    ``rate_group_ci_low/high``, ``rate_reference_ci_low/high``  95 % (``1 - alpha``) Wilson intervals
        (= R ``prop.test(correct = FALSE)``), descriptive;
    ``impact_ratio``, ``impact_ratio_ci_low/high``  ``rate_group / rate_reference`` with the Katz log
        interval at ``ci_level``; a table with a zero cell gets 0.5 added to every cell for the interval
        only (Haldane-Anscombe; :func:`mangfold.stats.ratios.impact_ratio`);
    ``ci_level``                                 confidence level of the ratio intervals of the row;
    ``four_fifths_flag``                         ``impact_ratio < four_fifths``;
    ``p_value``                                  two-sided Wald test of impact ratio 1 on the log scale
        with the Katz standard error (the test the interval inverts);
    ``p_adjusted``                               ``min(1, 4 p)`` for a stage transition, ``p`` for the
        whole funnel: ``p_adjusted < alpha`` exactly when the interval at ``ci_level`` excludes 1;
    ``or_aggregate``, ``or_aggregate_ci_low/high``  crude odds ratio of the pooled table (Woolf, at
        ``ci_level``);
    ``mde``                                      smallest absolute drop in the group's rate below the
        reference rate detectable with ``power`` at the row's level (normal approximation, applications
        treated as independent);
    ``mde_ratio``                                the same as an impact ratio, ``1 - mde / rate_reference``;
    ``rate_group_bound_low/high``, ``rate_reference_bound_low/high``, ``impact_ratio_bound_low/high``
        the lowest and highest value over *every* split of the undeclared applications between the
        group and the reference group (:func:`mangfold.stats.ratios.ratio_bounds`; for the whole funnel
        an application carries its final outcome); no sampling uncertainty; missing when unbounded;
    ``verdict``                                  :func:`mangfold.stats.ratios.verdict` on the interval,
        ``p_adjusted``, ``mde_ratio`` and ``impact_ratio_bound_low``: "no substantial disparity" only if
        it holds however the undeclared are split.
    """
    out = wide.copy()
    ng, pg = out["n_group"].to_numpy(float), out["passed_group"].to_numpy(float)
    nr, pr = out["n_reference"].to_numpy(float), out["passed_reference"].to_numpy(float)
    nu, pu = out["n_undeclared"].to_numpy(float), out["passed_undeclared"].to_numpy(float)
    transitions = out["transition"].to_numpy(dtype=object)
    a_row = row_alpha(transitions, alpha)
    ir = impact_ratio(pg, ng, pr, nr, alpha=a_row)
    out["rate_group"] = ir["rate_group"].to_numpy()
    out["rate_reference"] = ir["rate_reference"].to_numpy()
    out["impact_ratio"] = ir["estimate"].to_numpy()
    out["impact_ratio_ci_low"] = ir["ci_low"].to_numpy()
    out["impact_ratio_ci_high"] = ir["ci_high"].to_numpy()
    out["ci_level"] = 1.0 - a_row
    out["four_fifths_flag"] = four_fifths_flag(out["impact_ratio"].to_numpy(), threshold=four_fifths)
    out["p_value"] = ir["p_value"].to_numpy()
    out["p_adjusted"] = adjust(out["p_value"].to_numpy(float), transitions)
    lo, hi = wilson_interval(pg, ng, alpha=alpha)
    out["rate_group_ci_low"], out["rate_group_ci_high"] = lo, hi
    lo, hi = wilson_interval(pr, nr, alpha=alpha)
    out["rate_reference_ci_low"], out["rate_reference_ci_high"] = lo, hi
    est, lo, hi = odds_ratio_woolf(pg, ng - pg, pr, nr - pr, alpha=a_row)
    out["or_aggregate"], out["or_aggregate_ci_low"], out["or_aggregate_ci_high"] = est, lo, hi
    with np.errstate(divide="ignore", invalid="ignore"):
        p_ref = np.where(nr > 0, pr / nr, np.nan)
        mde = np.full(len(out), np.nan)
        for a in np.unique(a_row):
            m = a_row == a
            mde[m] = mde_two_proportions(ng[m], nr[m], np.nan_to_num(p_ref[m], nan=0.0), alpha=float(a),
                                         power=power)
        mde = np.where(np.isnan(p_ref), np.nan, mde)
        out["mde"] = mde
        out["mde_ratio"] = np.where(p_ref > 0, 1.0 - mde / p_ref, np.nan)
    b = ratio_bounds(pg, ng, pr, nr, pu, nu)
    for src, dst in (("rate_group_low", "rate_group_bound_low"), ("rate_group_high", "rate_group_bound_high"),
                     ("rate_reference_low", "rate_reference_bound_low"),
                     ("rate_reference_high", "rate_reference_bound_high"),
                     ("ratio_low", "impact_ratio_bound_low"), ("ratio_high", "impact_ratio_bound_high")):
        v = b[src].to_numpy(float)
        out[dst] = np.where(np.isfinite(v), v, np.nan)
    out["verdict"] = verdict(out["impact_ratio_ci_low"].to_numpy(float), out["impact_ratio_ci_high"].to_numpy(float),
                             out["p_adjusted"].to_numpy(float), alpha=alpha, four_fifths=four_fifths,
                             mde=out["mde_ratio"].to_numpy(float),
                             bound_low=out["impact_ratio_bound_low"].to_numpy(float))
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
