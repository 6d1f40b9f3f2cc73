"""The unit x year panel of the pilots (1 and 4) and the vacancy-level rule behind it.

Pilot 4 ("minst to kvalifiserte kandidater fra landbakgrunnsgruppe 2 til intervju") and pilot 1
(grundig jobbanalyse) start in different units at different dates (the ``pilots`` table), so the
design is a staggered adoption. This module builds the panel from the store; the estimators of
:mod:`mangfold.stats.did` and :mod:`mangfold.stats.panel_power` are called on it by
:mod:`mangfold.analyses.pilots.estimation` (the contract table ``pilot_effects``, event study,
pre-trends) and :mod:`mangfold.analyses.pilots.planning` (the planning table).

Panel rule (documented in the report's method appendix)
------------------------------------------------------
A cell is one unit and one calendar year (the year of ``posted_date``), up to the report year.
It counts the focal group's applications (``params['focal_group']``) at each funnel stage in the
vacancies that the cell uses:

* units never in the pilot: every vacancy (``status = 'control'``);
* pilot units: vacancies posted in a year before the year of the unit's first start date
  (``'before'``), and vacancies posted inside one of the unit's pilot windows
  ``start_date <= posted_date <= end_date`` (empty end = still running) (``'treated'``);
* left out: vacancies of a pilot unit posted in the start year but before the start date
  (``'start_year_before_start'``: neither a clean before-year nor treated), and vacancies after
  the start that fall outside every window, e.g. after the pilot ended (``'outside_window'``;
  the estimators assume that a unit stays treated once it has started).

A unit's cohort is the calendar year of its first start date, so a mid-year start makes the start
year a treated year whose cell holds only the vacancies posted on or after the start. Every
treated cell is therefore made of treated vacancies only, and the estimand is the effect in
vacancies posted under the rule. A pilot that starts after the report year leaves the unit
not-yet-treated. Comparison cells (never or not yet treated in this pilot) of a unit that has
started another pilot are left out from that start year (:func:`exclude_other_pilots`), so no
pilot's controls are treated by another; the effects table shows the estimate with them too.
Cells where the outcome's denominator is 0 carry no rate and are dropped by the estimators; the
regression estimators weight rates by their denominator (WLS), Callaway-Sant'Anna uses the unit
rates unweighted, as published (treated units without a rate in the year before their start cannot
enter it and are counted in the effects table's note).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...stats.proportions import wilson_interval
from ...store import query, tables_present
from ...tablespec import TableSpec

#: outcome -> (numerator stage, denominator stage) of the focal group's applications
OUTCOMES: dict[str, tuple[str, str]] = {
    "applied_to_qualified": ("qualified", "applied"),
    "qualified_to_interviewed": ("interviewed", "qualified"),
    "interviewed_to_hired": ("hired", "interviewed"),
    "applied_to_hired": ("hired", "applied"),
}
MIN_TWO_OUTCOMES = ("qualified_to_interviewed", "interviewed_to_hired", "applied_to_hired")
JOB_ANALYSIS_OUTCOMES = ("applied_to_qualified", "qualified_to_interviewed", "applied_to_hired")
STAGES = ("applied", "qualified", "interviewed", "recommended", "hired")

COMPLIANCE_SPEC = TableSpec(
    percent=("share_compliant", "ci_low", "ci_high"),
    name="pilot_compliance",
    counts=("vacancies_eligible", "vacancies_compliant"),
    derived={"vacancies_eligible": ("share_compliant", "ci_low", "ci_high"),
             "vacancies_compliant": ("share_compliant", "ci_low", "ci_high")},
    dims=("group", "year"),
    margins=(("year", "all"),),
    title="Etterlevelse: stillinger med minst to kvalifiserte søkere fra fokusgruppen der minst to ble intervjuet",
)
FUNNEL_SPEC = TableSpec(
    percent=("rate_applied_to_hired", "rate_interviewed_to_hired", "rate_qualified_to_interviewed"),
    name="pilot_funnel",
    counts=STAGES,
    derived={"qualified": ("rate_qualified_to_interviewed",),
             "interviewed": ("rate_qualified_to_interviewed", "rate_interviewed_to_hired"),
             "hired": ("rate_interviewed_to_hired", "rate_applied_to_hired"),
             "applied": ("rate_applied_to_hired",)},
    dims=("pilot", "status"),
    not_counts=("vacancies", "units"),
    title="Fokusgruppens søkere etter stillingenes status i piloten",
)


# ------------------------------------------------------------------ data
def has_pilot(store: str | Path, pilot: str) -> bool:
    """True when the ``pilots`` table exists and names at least one unit in ``pilot``."""
    if "pilots" not in tables_present(store):
        return False
    return int(query(store, "SELECT count(*) AS n FROM pilots WHERE pilot = ?", [pilot])["n"].iloc[0]) > 0


def pilots_with_units(store: str | Path) -> set[str]:
    """The pilots that name at least one unit in the ``pilots`` table (empty when it is absent);
    one query instead of one :func:`has_pilot` per pilot."""
    if "pilots" not in tables_present(store):
        return set()
    return set(query(store, "SELECT DISTINCT pilot FROM pilots")["pilot"])


_STATUS_SQL = """
WITH p AS (SELECT unit_id, start_date, end_date FROM pilots WHERE pilot = $pilot),
f AS (SELECT unit_id, min(start_date) AS first_start FROM p GROUP BY unit_id),
v AS (
  SELECT v.vacancy_id, v.unit_id, v.year, v.posted_date, f.first_start,
         coalesce(bool_or(v.posted_date >= p.start_date
                          AND (p.end_date IS NULL OR v.posted_date <= p.end_date)), false) AS in_window
  FROM vacancies v LEFT JOIN f ON f.unit_id = v.unit_id LEFT JOIN p ON p.unit_id = v.unit_id
  WHERE v.year <= $year
  GROUP BY v.vacancy_id, v.unit_id, v.year, v.posted_date, f.first_start
)
SELECT vacancy_id, unit_id, year, posted_date,
       CAST(year(first_start) AS INTEGER) AS cohort,
       CASE WHEN first_start IS NULL THEN 'control'
            WHEN in_window THEN 'treated'
            WHEN year < year(first_start) THEN 'before'
            WHEN posted_date < first_start THEN 'start_year_before_start'
            ELSE 'outside_window' END AS status
FROM v
"""

_COUNTS_SQL = """
WITH s AS ({status}),
a AS (
  SELECT vacancy_id,
         count(*) AS applied,
         count(*) FILTER (WHERE qualified) AS qualified,
         count(*) FILTER (WHERE qualified AND interviewed) AS interviewed,
         count(*) FILTER (WHERE qualified AND interviewed AND recommended) AS recommended,
         count(*) FILTER (WHERE qualified AND interviewed AND recommended AND hired) AS hired
  FROM applications WHERE background = $focal GROUP BY vacancy_id
)
SELECT s.*, coalesce(a.applied, 0) AS applied, coalesce(a.qualified, 0) AS qualified,
       coalesce(a.interviewed, 0) AS interviewed, coalesce(a.recommended, 0) AS recommended,
       coalesce(a.hired, 0) AS hired
FROM s LEFT JOIN a USING (vacancy_id)
ORDER BY s.unit_id, s.posted_date, s.vacancy_id
"""


def vacancy_status(store: str | Path, *, pilot: str, year: int, focal: str) -> pd.DataFrame:
    """Vacancy-level list (restricted): ``vacancy_id, unit_id, year, posted_date, cohort, status``
    and the focal group's counts ``applied, qualified, interviewed, recommended, hired`` (each
    stage requires the earlier ones). ``status`` follows the module's panel rule. Rows are sorted
    by ``unit_id, posted_date, vacancy_id`` (in the SQL)."""
    sql = _COUNTS_SQL.format(status=_STATUS_SQL)
    df = query(store, sql, {"pilot": pilot, "year": int(year), "focal": focal})
    for c in STAGES:
        df[c] = df[c].astype("int64")
    return df.reset_index(drop=True)


def _vacancies(store, vacancies: pd.DataFrame | None, *, pilot: str, year: int, focal: str) -> pd.DataFrame:
    """``vacancies`` when given (the result of :func:`vacancy_status` for the same arguments, to
    avoid running the query again), else the query."""
    return vacancy_status(store, pilot=pilot, year=year, focal=focal) if vacancies is None else vacancies


def pilot_panel(store: str | Path, *, pilot: str, year: int, focal: str,
                vacancies: pd.DataFrame | None = None) -> pd.DataFrame:
    """The unit x year panel of the focal group's counts (see the module docstring for the rule).

    Columns: ``unit_id``, ``year``, ``cohort`` (calendar year of the unit's first pilot start;
    NaN for units never in the pilot), ``treated`` (the cell is at or after the cohort year),
    ``vacancies`` (vacancies used in the cell), ``applied, qualified, interviewed, recommended,
    hired`` (focal-group applications reaching each stage), and one rate column per outcome in
    :data:`OUTCOMES` (NaN when its denominator is 0). One row per unit and year with at least
    one used vacancy. ``vacancies``: optionally the :func:`vacancy_status` list of the same
    pilot, year and focal group, already fetched.
    """
    vac = _vacancies(store, vacancies, pilot=pilot, year=year, focal=focal)
    used = vac[vac["status"].isin(["control", "before", "treated"])]
    panel = (used.groupby(["unit_id", "year"], sort=True)
             .agg(cohort=("cohort", "first"), vacancies=("vacancy_id", "size"),
                  **{c: (c, "sum") for c in STAGES})
             .reset_index())
    panel["cohort"] = pd.to_numeric(panel["cohort"], errors="coerce").astype(float)
    panel["treated"] = panel["year"] >= panel["cohort"].fillna(np.inf)
    for name, (num, den) in OUTCOMES.items():
        with np.errstate(invalid="ignore", divide="ignore"):
            panel[name] = np.where(panel[den] > 0, panel[num] / panel[den].where(panel[den] > 0), np.nan)
    panel["year"] = panel["year"].astype("int64")
    return panel


def pilot_funnel(store: str | Path, *, pilot: str, year: int, focal: str,
                 vacancies: pd.DataFrame | None = None) -> pd.DataFrame:
    """The focal group's funnel counts by vacancy status (descriptive, no causal claim).

    Rows: ``status`` in ``treated`` (posted under the pilot), ``before`` (pilot units before the
    start year), ``control`` (units never in the pilot), and the left-out statuses; columns
    ``pilot, status, units, vacancies, applied, qualified, interviewed, recommended, hired`` and
    the raw rates ``rate_qualified_to_interviewed``, ``rate_interviewed_to_hired``,
    ``rate_applied_to_hired``. ``vacancies``: as in :func:`pilot_panel`.
    """
    vac = _vacancies(store, vacancies, pilot=pilot, year=year, focal=focal)
    order = {"treated": 0, "before": 1, "control": 2, "start_year_before_start": 3, "outside_window": 4}
    out = (vac.groupby("status").agg(units=("unit_id", "nunique"), vacancies=("vacancy_id", "size"),
                                     **{c: (c, "sum") for c in STAGES})
           .reset_index())
    out = out.sort_values("status", key=lambda s: s.map(order)).reset_index(drop=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rate_qualified_to_interviewed"] = out["interviewed"] / out["qualified"].where(out["qualified"] > 0)
        out["rate_interviewed_to_hired"] = out["hired"] / out["interviewed"].where(out["interviewed"] > 0)
        out["rate_applied_to_hired"] = out["hired"] / out["applied"].where(out["applied"] > 0)
    out.insert(0, "pilot", pilot)
    return out


def other_pilot_start_years(store: str | Path, *, pilot: str, year: int) -> pd.Series:
    """Unit -> calendar year of its first start in any *other* pilot (starts up to ``year``)."""
    if "pilots" not in tables_present(store):
        return pd.Series(dtype="float64")
    df = query(store, "SELECT unit_id, CAST(min(year(start_date)) AS INTEGER) AS y FROM pilots "
                      "WHERE pilot <> $pilot AND year(start_date) <= $year GROUP BY unit_id",
               {"pilot": pilot, "year": int(year)})
    return pd.Series(df["y"].to_numpy(float), index=df["unit_id"].to_numpy())


def exclude_other_pilots(panel: pd.DataFrame, starts: pd.Series) -> pd.DataFrame:
    """The panel without comparison cells contaminated by another pilot: a cell that is not treated in
    this pilot (never-treated or not yet treated) is left out from the year its unit started another
    pilot (``starts``: :func:`other_pilot_start_years`). Treated cells are kept."""
    if panel.empty or starts.empty:
        return panel
    other = panel["unit_id"].map(starts).to_numpy(float)
    drop = ~panel["treated"].to_numpy(bool) & np.isfinite(other) & (panel["year"].to_numpy(float) >= other)
    return panel.loc[~drop].reset_index(drop=True)


# ------------------------------------------------------------------ compliance
def compliance(store: str | Path, *, pilot: str = "min_two_interviews", year: int, focal: str,
               alpha: float = 0.05, vacancies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Did the rule happen? Vacancies with at least two qualified focal-group applicants
    (``vacancies_eligible``) and, of those, vacancies where at least two of them were interviewed
    (``vacancies_compliant``), per year and over all years (``year = 'all'``), for
    ``group = 'pilot'`` (vacancies posted under the rule) and ``group = 'comparison'`` (vacancies
    of units not in the pilot and of pilot units before the start year: how often it happened
    anyway). ``share_compliant`` with a Wilson interval. ``vacancies``: as in :func:`pilot_panel`."""
    vac = _vacancies(store, vacancies, pilot=pilot, year=year, focal=focal)
    vac = vac[vac["status"].isin(["treated", "before", "control"])]
    vac = vac.assign(group=np.where(vac["status"] == "treated", "pilot", "comparison"),
                     eligible=vac["qualified"] >= 2,
                     compliant=(vac["qualified"] >= 2) & (vac["interviewed"] >= 2))
    per_year = vac.groupby(["group", "year"]).agg(vacancies_eligible=("eligible", "sum"),
                                                  vacancies_compliant=("compliant", "sum")).reset_index()
    per_year["year"] = per_year["year"].astype(str)
    tot = vac.groupby("group").agg(vacancies_eligible=("eligible", "sum"),
                                   vacancies_compliant=("compliant", "sum")).reset_index().assign(year="all")
    out = pd.concat([per_year, tot], ignore_index=True)
    out["vacancies_eligible"] = out["vacancies_eligible"].astype("int64")
    out["vacancies_compliant"] = out["vacancies_compliant"].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_compliant"] = out["vacancies_compliant"] / out["vacancies_eligible"].where(
            out["vacancies_eligible"] > 0)
    lo, hi = wilson_interval(out["vacancies_compliant"].to_numpy(), out["vacancies_eligible"].to_numpy(), alpha=alpha)
    out["ci_low"], out["ci_high"] = lo, hi
    out["_g"] = out["group"].map({"pilot": 0, "comparison": 1})
    out = out.sort_values(["_g", "year"], key=lambda s: s if s.name == "_g" else s.where(s != "all", "9999"))
    return out.drop(columns="_g").reset_index(drop=True)


