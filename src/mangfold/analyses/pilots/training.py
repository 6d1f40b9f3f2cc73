"""Strengthened training of new hires (pilot 3): completion, and later applications and promotions
of participants against comparable non-participants. **Associations, not effects**: participants
are not chosen at random.

Rules
-----
* Participants: persons with a ``training`` row of ``program = 'strengthened_training'`` starting
  in or before the report year (first start counts; ``completed`` if any of their rows is).
* Baseline: the workforce snapshot of the start year (31 December), which is where a new hire
  first appears. Participants missing from that snapshot are left out of the comparison.
* Comparable non-participants: persons in the same snapshot in the same sector (byrådsavdeling), with
  the same position level and register background, who never took the programme and who were new
  that year (absent from the previous snapshot, when the data have one), drawn 1:k at random with
  the seed from params. The sector rather than the unit, because in a pilot unit nearly every new
  hire of the target group takes part, which leaves no comparable non-participant there.
* Outcomes over the years after the baseline year up to the report year (only persons with at least
  one such year): ``applied_later`` (any application to a vacancy posted in a later year; the
  applicant key is the person key), ``applied_leader_later`` (to a ``leader`` or ``top_leader``
  vacancy), ``promoted`` (a higher position level in a later snapshot), ``retained`` (still employed
  in the next snapshot).
* Comparison: the rates of the two groups and the Mantel-Haenszel odds ratio over matched sets
  (each participant with its comparisons), with its 95 % interval and test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...stats.proportions import wilson_interval
from ...stats.strata import mantel_haenszel
from ...store import connect, query
from ...tablespec import TableSpec
from ..mentoring import match_comparisons

PROGRAM = "strengthened_training"
LEVEL_RANK = {"employee": 0, "leader": 1, "top_leader": 2}
TRAINING_OUTCOMES = ("applied_later", "applied_leader_later", "promoted", "retained")

COMPLETION_SPEC = TableSpec(
    percent=("share_completed", "ci_low", "ci_high"),
    name="training_completion",
    counts=("participants", "completed"),
    derived={"participants": ("share_completed", "ci_low", "ci_high"),
             "completed": ("share_completed", "ci_low", "ci_high")},
    dims=("start_year",),
    margins=(("start_year", "all"),),
    title="Styrket opplæring: deltakere og fullført",
)
_DER = ("rate_participants", "rate_comparison", "difference", "odds_ratio", "or_ci_low", "or_ci_high", "p_value")
TRAINING_OUTCOMES_SPEC = TableSpec(
    percent=("rate_participants", "rate_comparison"),
    name="training_outcomes",
    counts=("n_participants", "x_participants", "n_comparison", "x_comparison"),
    derived={c: _DER for c in ("n_participants", "x_participants", "n_comparison", "x_comparison")},
    dims=("outcome",),
    not_counts=("matched_sets",),
    title="Styrket opplæring: senere søknader, opprykk og om de ble værende (sammenheng, ikke effekt)",
)


def completion(store: str | Path, *, year: int, alpha: float = 0.05) -> pd.DataFrame:
    """Participants by start year (and ``'all'``): ``start_year, participants, completed,
    share_completed, ci_low, ci_high`` (Wilson interval). A person counts once, in the year of
    their first start."""
    df = query(store, """
        WITH p AS (SELECT person_id, min(start_date) AS start_date, bool_or(completed) AS completed
                   FROM training WHERE program = $prog AND year(start_date) <= $year GROUP BY person_id)
        SELECT CAST(coalesce(CAST(year(start_date) AS VARCHAR), 'all') AS VARCHAR) AS start_year,
               count(*) AS participants, count(*) FILTER (WHERE completed) AS completed
        FROM p GROUP BY ROLLUP (year(start_date)) ORDER BY start_year = 'all', start_year""",
               {"prog": PROGRAM, "year": int(year)})
    df["participants"] = df["participants"].astype("int64")
    df["completed"] = df["completed"].astype("int64")
    df["share_completed"] = df["completed"] / df["participants"].where(df["participants"] > 0)
    lo, hi = wilson_interval(df["completed"].to_numpy(), df["participants"].to_numpy(), alpha=alpha)
    df["ci_low"], df["ci_high"] = lo, hi
    return df


def training_followup(store: str | Path, *, year: int, seed: int, k: int = 5) -> pd.DataFrame:
    """Person-level (restricted): participants and matched comparisons with their outcomes.

    Columns: ``person_id, group`` (``participant`` / ``comparison``), ``matched_to``,
    ``baseline_year, unit_id, sector, position_level, background, completed`` (participants) and one 0/1
    column per outcome in :data:`TRAINING_OUTCOMES` (NaN for ``retained`` when the next snapshot is after
    the data). Only persons with a baseline before the report year and the last workforce year.
    """
    cols = ["person_id", "group", "matched_to", "baseline_year", "unit_id", "sector", "position_level",
            "background", "completed", *TRAINING_OUTCOMES]
    with connect(store) as con:
        last = con.execute("SELECT max(year) FROM workforce WHERE year <= ?", [int(year)]).fetchone()[0]
        first = con.execute("SELECT min(year) FROM workforce").fetchone()[0]
        if last is None:
            return pd.DataFrame(columns=cols)
        part = con.execute("""
            WITH p AS (SELECT person_id, min(start_date) AS start_date, bool_or(completed) AS completed
                       FROM training WHERE program = $prog AND year(start_date) <= $year GROUP BY person_id)
            SELECT p.person_id, w.year AS baseline_year, w.unit_id, u.sector, w.position_level, w.background,
                   p.completed
            FROM p JOIN workforce w ON w.person_id = p.person_id AND w.year = year(p.start_date)
                 JOIN units u ON u.unit_id = w.unit_id
            WHERE w.year < $last ORDER BY p.person_id""",
                           {"prog": PROGRAM, "year": int(year), "last": int(last)}).df()
        if not len(part):
            return pd.DataFrame(columns=cols)
        con.register("_p", part)
        pool = con.execute("""
            SELECT w.person_id, w.year AS baseline_year, w.unit_id, u.sector, w.position_level, w.background
            FROM workforce w JOIN units u ON u.unit_id = w.unit_id
                 JOIN (SELECT DISTINCT baseline_year, sector FROM _p) s
                 ON w.year = s.baseline_year AND u.sector = s.sector
            WHERE w.person_id NOT IN (SELECT person_id FROM training WHERE program = $prog)
              AND (w.year = $first OR NOT EXISTS (SELECT 1 FROM workforce x
                                                  WHERE x.person_id = w.person_id AND x.year = w.year - 1))
            ORDER BY w.person_id, w.year""", {"prog": PROGRAM, "first": int(first)}).df()
    strata = ["baseline_year", "sector", "position_level", "background"]
    comp = match_comparisons(part, pool, strata=strata, k=k, seed=seed)
    comp = comp.sort_values(["baseline_year", "person_id"]).drop_duplicates("person_id")
    sel = pd.concat([part.assign(group="participant", matched_to=part["person_id"]),
                     comp.assign(group="comparison", completed=pd.NA)], ignore_index=True)
    with connect(store) as con:
        con.register("_s", sel[["person_id", "baseline_year", "position_level"]])
        o = con.execute("""
            SELECT s.person_id,
              EXISTS (SELECT 1 FROM applications a JOIN vacancies v USING (vacancy_id)
                      WHERE a.applicant_id = s.person_id AND v.year > s.baseline_year AND v.year <= $year)
                AS applied_later,
              EXISTS (SELECT 1 FROM applications a JOIN vacancies v USING (vacancy_id)
                      WHERE a.applicant_id = s.person_id AND v.year > s.baseline_year AND v.year <= $year
                        AND v.position_level IN ('leader', 'top_leader')) AS applied_leader_later,
              EXISTS (SELECT 1 FROM workforce w WHERE w.person_id = s.person_id AND w.year > s.baseline_year
                        AND w.year <= $last
                        AND (CASE w.position_level WHEN 'top_leader' THEN 2 WHEN 'leader' THEN 1 ELSE 0 END)
                          > (CASE s.position_level WHEN 'top_leader' THEN 2 WHEN 'leader' THEN 1 ELSE 0 END))
                AS promoted,
              EXISTS (SELECT 1 FROM workforce w WHERE w.person_id = s.person_id AND w.year = s.baseline_year + 1)
                AS retained
            FROM _s s""", {"year": int(year), "last": int(last)}).df()
    out = sel.merge(o, on="person_id", how="left")
    for c in TRAINING_OUTCOMES:
        out[c] = out[c].astype(float)
    out.loc[out["baseline_year"] + 1 > last, "retained"] = np.nan
    return out[cols].sort_values(["group", "person_id"], ascending=[False, True]).reset_index(drop=True)


def outcome_comparison(fu: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Participants against matched comparisons, per outcome.

    Columns: ``outcome, n_participants, x_participants, rate_participants, n_comparison,
    x_comparison, rate_comparison, difference`` (participants - comparisons, probability points as
    a share), ``odds_ratio, or_ci_low, or_ci_high, p_value`` (Mantel-Haenszel over matched sets,
    Robins-Breslow-Greenland interval, continuity-corrected test), ``matched_sets`` (sets with both
    groups and some variation).
    """
    cols = ["outcome", "n_participants", "x_participants", "rate_participants", "n_comparison", "x_comparison",
            "rate_comparison", "difference", "odds_ratio", "or_ci_low", "or_ci_high", "p_value", "matched_sets"]
    if fu is None or not len(fu):
        return pd.DataFrame(columns=cols)
    rows = []
    for outcome in TRAINING_OUTCOMES:
        d = fu.dropna(subset=[outcome])
        p = d["group"] == "participant"
        x1, n1 = float(d.loc[p, outcome].sum()), int(p.sum())
        x0, n0 = float(d.loc[~p, outcome].sum()), int((~p).sum())
        tab = (d.assign(a=np.where(p, d[outcome], 0.0), b=np.where(p, 1 - d[outcome], 0.0),
                        c=np.where(~p, d[outcome], 0.0), d_=np.where(~p, 1 - d[outcome], 0.0))
               .groupby("matched_to")[["a", "b", "c", "d_"]].sum().reset_index())
        mh = mantel_haenszel(tab, d="d_", alpha=alpha).iloc[0]
        r1 = x1 / n1 if n1 else np.nan
        r0 = x0 / n0 if n0 else np.nan
        rows.append({"outcome": outcome, "n_participants": n1, "x_participants": int(x1), "rate_participants": r1,
                     "n_comparison": n0, "x_comparison": int(x0), "rate_comparison": r0, "difference": r1 - r0,
                     "odds_ratio": mh["estimate"], "or_ci_low": mh["ci_low"], "or_ci_high": mh["ci_high"],
                     "p_value": mh["p_value"], "matched_sets": int(mh["n_strata_used"])})
    return pd.DataFrame(rows, columns=cols)
