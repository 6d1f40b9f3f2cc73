"""Pilot evaluation (pilots 1 and 4): staggered difference in differences on a unit x year panel.

Pilot 4 ("minst to kvalifiserte kandidater fra landbakgrunnsgruppe 2 til intervju") and pilot 1
(grundig jobbanalyse) start in different units at different dates (the ``pilots`` table), so the
design is a staggered adoption. This module builds the panel from the store, calls the
estimators of :mod:`mangfold.stats.did` and :mod:`mangfold.stats.panel_power`, and returns the
contract table ``pilot_effects`` plus the event-study, pre-trend, compliance and planning tables.

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
not-yet-treated. Cells where the outcome's denominator is 0 carry no rate and are dropped by the
estimators; rates are weighted by their denominator (WLS; precision-weighted ATT for
Callaway-Sant'Anna).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..stats import did, panel_power
from ..stats.proportions import wilson_interval
from ..store import query, tables_present
from ..tablespec import TableSpec

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

EFFECT_COLUMNS = ["pilot", "outcome", "estimator", "estimate", "std_error", "ci_low", "ci_high", "p_value",
                  "n_treated_units", "n_control_units", "n_obs", "mde", "n_treated_persons", "note"]

EFFECTS_SPEC = TableSpec(
    name="pilot_effects",
    counts=("n_treated_persons",),
    derived={"n_treated_persons": ("estimate", "std_error", "ci_low", "ci_high", "p_value", "mde")},
    dims=("pilot", "outcome", "estimator"),
    not_counts=("n_treated_units", "n_control_units", "n_obs"),
    title="Pilotenes effekt på fokusgruppens andeler (prosentpoeng som andel, 0,05 = 5 poeng)",
)
EVENT_SPEC = TableSpec(
    name="pilot_event_study",
    counts=("n_persons",),
    derived={"n_persons": ("estimate", "std_error", "ci_low", "ci_high", "p_value")},
    dims=("pilot", "outcome", "estimator", "event_time"),
    not_counts=("event_time", "n_obs"),
    title="Hendelsesstudie: effekt etter år fra oppstart",
)
PRETREND_SPEC = TableSpec(
    name="pilot_pretrends",
    dims=("pilot", "outcome"),
    not_counts=("df", "df_denom", "n_clusters"),
    title="Test av parallelle trender før oppstart",
)
COMPLIANCE_SPEC = TableSpec(
    name="pilot_compliance",
    counts=("vacancies_eligible", "vacancies_compliant"),
    derived={"vacancies_eligible": ("share_compliant", "ci_low", "ci_high"),
             "vacancies_compliant": ("share_compliant", "ci_low", "ci_high")},
    dims=("group", "year"),
    margins=(("year", "all"),),
    title="Etterlevelse: stillinger med minst to kvalifiserte søkere fra fokusgruppen der minst to ble intervjuet",
)
FUNNEL_SPEC = TableSpec(
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
PLANNING_SPEC = TableSpec(
    name="pilot_planning",
    dims=("pilot", "outcome", "effect"),
    not_counts=("n_units_treated", "n_units_control", "n_periods_pre", "n_periods_post",
                "n_units_treated_needed", "n_periods_post_needed"),
    title="Planlegging: hvor mange enheter eller år som trengs for å påvise en gitt effekt",
)


# ------------------------------------------------------------------ data
def has_pilot(store: str | Path, pilot: str) -> bool:
    """True when the ``pilots`` table exists and names at least one unit in ``pilot``."""
    if "pilots" not in tables_present(store):
        return False
    return int(query(store, "SELECT count(*) AS n FROM pilots WHERE pilot = ?", [pilot])["n"].iloc[0]) > 0


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
"""


def vacancy_status(store: str | Path, *, pilot: str, year: int, focal: str) -> pd.DataFrame:
    """Vacancy-level list (restricted): ``vacancy_id, unit_id, year, posted_date, cohort, status``
    and the focal group's counts ``applied, qualified, interviewed, recommended, hired`` (each
    stage requires the earlier ones). ``status`` follows the module's panel rule."""
    sql = _COUNTS_SQL.format(status=_STATUS_SQL)
    df = query(store, sql, {"pilot": pilot, "year": int(year), "focal": focal})
    for c in STAGES:
        df[c] = df[c].astype("int64")
    return df.sort_values(["unit_id", "posted_date", "vacancy_id"]).reset_index(drop=True)


def pilot_panel(store: str | Path, *, pilot: str, year: int, focal: str) -> pd.DataFrame:
    """The unit x year panel of the focal group's counts (see the module docstring for the rule).

    Columns: ``unit_id``, ``year``, ``cohort`` (calendar year of the unit's first pilot start;
    NaN for units never in the pilot), ``treated`` (the cell is at or after the cohort year),
    ``vacancies`` (vacancies used in the cell), ``applied, qualified, interviewed, recommended,
    hired`` (focal-group applications reaching each stage), and one rate column per outcome in
    :data:`OUTCOMES` (NaN when its denominator is 0). One row per unit and year with at least
    one used vacancy.
    """
    vac = vacancy_status(store, pilot=pilot, year=year, focal=focal)
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


def pilot_funnel(store: str | Path, *, pilot: str, year: int, focal: str) -> pd.DataFrame:
    """The focal group's funnel counts by vacancy status (descriptive, no causal claim).

    Rows: ``status`` in ``treated`` (posted under the pilot), ``before`` (pilot units before the
    start year), ``control`` (units never in the pilot), and the left-out statuses; columns
    ``pilot, status, units, vacancies, applied, qualified, interviewed, recommended, hired`` and
    the raw rates ``rate_qualified_to_interviewed``, ``rate_interviewed_to_hired``,
    ``rate_applied_to_hired``.
    """
    vac = vacancy_status(store, pilot=pilot, year=year, focal=focal)
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


# ------------------------------------------------------------------ estimation
def _mde(se: float, dof: float, *, alpha: float, power: float = 0.8) -> float:
    """``(q_{1-alpha/2} + q_power) * se`` with t(dof) quantiles (normal when dof is inf)."""
    if not np.isfinite(se):
        return np.nan
    if np.isfinite(dof):
        return float((sps.t.isf(alpha / 2, dof) + sps.t.ppf(power, dof)) * se)
    return float((sps.norm.isf(alpha / 2) + sps.norm.ppf(power)) * se)


def _ri_interval(d: pd.DataFrame, outcome: str, den: str, *, estimate: float, se: float, alpha: float,
                 n_draws: int, seed: int) -> tuple[float, float]:
    """Randomisation-inference interval by test inversion (constant additive effect).

    For a hypothesised effect ``tau`` the treated cells' rates are shifted by ``-tau`` and the
    permutation p-value of the TWFE statistic is computed with the same seeded permutations;
    the interval is the set of ``tau`` with ``p > alpha``, found by bisection on each side of
    the estimate (Imbens & Rubin 2015, ch. 5)."""
    base = d[outcome].to_numpy(float)
    tr = d["treated"].to_numpy(bool)

    def p_of(tau: float) -> float:
        dd = d.assign(_y=base - tau * tr)
        r = did.randomization_inference(dd, unit="unit_id", time="year", outcome="_y", cohort="cohort",
                                        weight=den, statistic="twfe", n_draws=n_draws, seed=seed)
        return float(r["p_value"].iloc[0])

    step = 6.0 * se if np.isfinite(se) and se > 0 else 0.5
    bounds = []
    for sign in (-1.0, 1.0):
        inner, outer = estimate, estimate + sign * step
        k = 0
        while p_of(outer) > alpha and k < 4:
            inner, outer = outer, outer + sign * step
            k += 1
        if p_of(outer) > alpha:
            bounds.append(np.nan)
            continue
        for _ in range(14):
            mid = 0.5 * (inner + outer)
            if p_of(mid) > alpha:
                inner = mid
            else:
                outer = mid
        bounds.append(0.5 * (inner + outer))
    return bounds[0], bounds[1]


def _row(pilot, outcome, estimator, **kw) -> dict:
    r = dict.fromkeys(EFFECT_COLUMNS, np.nan)
    r.update(pilot=pilot, outcome=outcome, estimator=estimator, note="")
    r.update(kw)
    return r


def pilot_effects(panel: pd.DataFrame, *, pilot: str, outcomes: tuple[str, ...] = MIN_TWO_OUTCOMES,
                  alpha: float = 0.05, seed: int = 0, n_draws: int = 1000, n_boot: int = 999,
                  ri_interval: bool = True) -> pd.DataFrame:
    """The contract table ``pilot_effects``: one row per outcome and estimator.

    Estimators (all on the focal group's unit-year rates, weighted by the denominator, errors
    clustered by unit):

    * ``twfe``: two-way fixed effects ``y_it = a_i + l_t + b D_it`` (:func:`did.twfe`), CR1
      errors, ``t(G-1)``;
    * ``callaway_santanna``: overall ATT of the group-time effects, not-yet-treated units as
      controls, universal base period, multiplier bootstrap (``n_boot``, seeded)
      (:func:`did.callaway_santanna`); robust to effects that differ between start cohorts;
    * ``sun_abraham``: interaction-weighted event study averaged over post periods, never-treated
      controls (:func:`did.sun_abraham`);
    * ``randomization_inference``: the TWFE estimate with a permutation p-value over start dates
      (``n_draws`` seeded draws) and, when ``ri_interval``, an interval by test inversion.

    Columns: the contract's ``pilot, outcome, estimator, estimate, std_error, ci_low, ci_high,
    p_value, n_treated_units, n_control_units, n_obs, mde`` and ``n_treated_persons`` (focal
    applicants in the outcome's denominator in treated cells: persons, for disclosure control)
    and ``note`` (why a row is empty). ``n_obs`` counts unit-years, not persons. ``mde`` is the
    smallest effect detected with 80 % power at level ``alpha``:
    ``(q_{1-alpha/2} + q_0.8) * std_error`` with the estimator's own clustered standard error
    (``t(G-1)`` quantiles for the regression estimators, normal for Callaway-Sant'Anna; the
    randomisation row repeats the TWFE value) (Bloom 1995).
    """
    rows: list[dict] = []
    for outcome in outcomes:
        num, den = OUTCOMES[outcome]
        d = panel[panel[den] > 0].copy()
        n_persons = int(d.loc[d["treated"], den].sum())
        kw = dict(unit="unit_id", time="year", outcome=outcome, cohort="cohort", weight=den)
        base = dict(n_obs=len(d), n_treated_persons=n_persons)
        if n_persons == 0 or d["cohort"].isna().all():
            for est in ("twfe", "callaway_santanna", "sun_abraham", "randomization_inference"):
                rows.append(_row(pilot, outcome, est, **base, note="ingen behandlede enheter med data"))
            continue
        # TWFE
        tw_se, tw_est, tw_dof = np.nan, np.nan, np.nan
        try:
            t = did.twfe(d, alpha=alpha, **kw).iloc[0]
            g = int(t["n_treated_units"] + t["n_control_units"])
            tw_se, tw_est, tw_dof = float(t["std_error"]), float(t["estimate"]), g - 1
            rows.append(_row(pilot, outcome, "twfe", **base, **{c: t[c] for c in (
                "estimate", "std_error", "ci_low", "ci_high", "p_value", "n_treated_units", "n_control_units")},
                mde=_mde(tw_se, tw_dof, alpha=alpha)))
        except ValueError as exc:
            rows.append(_row(pilot, outcome, "twfe", **base, note=f"ikke identifisert: {exc}"))
        # Callaway-Sant'Anna
        try:
            cs = did.callaway_santanna(d, control="notyet", base_period="universal", alpha=alpha,
                                       n_boot=n_boot, seed=seed, **kw)
            o = cs[cs["aggregation"] == "overall"].iloc[0]
            rows.append(_row(pilot, outcome, "callaway_santanna", **base, **{c: o[c] for c in (
                "estimate", "std_error", "ci_low", "ci_high", "p_value", "n_treated_units", "n_control_units")},
                mde=_mde(float(o["std_error"]), np.inf, alpha=alpha)))
        except ValueError as exc:
            rows.append(_row(pilot, outcome, "callaway_santanna", **base, note=f"ikke identifisert: {exc}"))
        # Sun-Abraham
        try:
            sa = did.sun_abraham(d, control="never", alpha=alpha, **kw)
            o = sa[sa["aggregation"] == "overall"].iloc[0]
            g = int(d["unit_id"].nunique())
            rows.append(_row(pilot, outcome, "sun_abraham", **base, **{c: o[c] for c in (
                "estimate", "std_error", "ci_low", "ci_high", "p_value", "n_treated_units", "n_control_units")},
                mde=_mde(float(o["std_error"]), g - 1, alpha=alpha)))
        except ValueError as exc:
            rows.append(_row(pilot, outcome, "sun_abraham", **base, note=f"ikke identifisert: {exc}"))
        # randomisation inference over start dates
        try:
            ri = did.randomization_inference(d, statistic="twfe", n_draws=n_draws, seed=seed, **kw).iloc[0]
            lo, hi = (_ri_interval(d, outcome, den, estimate=float(ri["estimate"]), se=tw_se, alpha=alpha,
                                   n_draws=n_draws, seed=seed) if ri_interval else (np.nan, np.nan))
            treated_units = int(d.loc[d["treated"], "unit_id"].nunique())
            rows.append(_row(pilot, outcome, "randomization_inference", **base, estimate=float(ri["estimate"]),
                             ci_low=lo, ci_high=hi, p_value=float(ri["p_value"]),
                             n_treated_units=treated_units,
                             n_control_units=int(d["unit_id"].nunique()) - treated_units,
                             mde=_mde(tw_se, tw_dof, alpha=alpha),
                             note=f"{int(ri['n_draws'])} trekninger av oppstartsår"))
        except ValueError as exc:
            rows.append(_row(pilot, outcome, "randomization_inference", **base, note=f"ikke identifisert: {exc}"))
    out = pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    for c in ("estimate", "std_error", "ci_low", "ci_high", "p_value", "mde"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    for c in ("n_treated_units", "n_control_units", "n_obs", "n_treated_persons"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("Int64")
    return out


def event_window(panel: pd.DataFrame, *, max_leads: int = 4, max_lags: int = 3) -> tuple[int, int]:
    """Leads and lags that the data support: ``leads`` = the largest number of years any cohort
    is observed before its start (at least 1, at most ``max_leads``), ``lags`` = the largest
    number of years after the start year (at most ``max_lags``)."""
    c = panel.dropna(subset=["cohort"])
    if not len(c):
        return 1, 0
    rel = c["year"] - c["cohort"]
    leads = int(np.clip(-rel.min(), 1, max_leads)) if (rel < 0).any() else 1
    lags = int(np.clip(rel.max(), 0, max_lags)) if (rel >= 0).any() else 0
    return leads, lags


def event_study_table(panel: pd.DataFrame, *, pilot: str, outcomes: tuple[str, ...] = MIN_TWO_OUTCOMES,
                      alpha: float = 0.05, seed: int = 0, n_boot: int = 999) -> pd.DataFrame:
    """Event-study effects by year relative to the start (``event_time`` = year - cohort).

    Two estimators per outcome: ``event_study`` (TWFE with leads and lags, endpoints binned,
    reference year -1; :func:`did.event_study`) and ``callaway_santanna`` (the event-time
    aggregation of the group-time effects, universal base -1, not-yet-treated controls, not
    binned). Columns: ``pilot, outcome, estimator, event_time, estimate, std_error, ci_low,
    ci_high, p_value, n_obs`` (treated unit-years at that event time), ``n_persons`` (focal
    applicants in the denominator in those unit-years), ``reference`` (the fixed zero year).
    """
    cols = ["pilot", "outcome", "estimator", "event_time", "estimate", "std_error", "ci_low", "ci_high",
            "p_value", "n_obs", "n_persons", "reference"]
    leads, lags = event_window(panel)
    parts = []
    for outcome in outcomes:
        num, den = OUTCOMES[outcome]
        d = panel[panel[den] > 0]
        if d["cohort"].isna().all() or not d["treated"].any():
            continue
        rel = (d["year"] - d["cohort"]).to_numpy(float)
        kw = dict(unit="unit_id", time="year", outcome=outcome, cohort="cohort", weight=den)
        try:
            es = did.event_study(d, leads=leads, lags=lags, alpha=alpha, **kw)
            binned = np.clip(rel, -leads, lags)
            persons = {e: float(d.loc[binned == e, den].sum()) for e in es["event_time"]}
            es = es.assign(n_persons=es["event_time"].map(persons))
            parts.append(es.assign(pilot=pilot, outcome=outcome, estimator="event_study")[cols])
        except ValueError:
            pass
        try:
            cs = did.callaway_santanna(d, control="notyet", base_period="universal", alpha=alpha, n_boot=n_boot,
                                       seed=seed, **kw)
            ev = cs[cs["aggregation"] == "event_time"].copy()
            ev["event_time"] = ev["event_time"].astype(int)
            ev["reference"] = ev["std_error"].isna() & (ev["estimate"] == 0)
            persons = {e: float(d.loc[rel == e, den].sum()) for e in ev["event_time"]}
            nobs = {e: int((rel == e).sum()) for e in ev["event_time"]}
            ev = ev.assign(n_persons=ev["event_time"].map(persons), n_obs=ev["event_time"].map(nobs))
            parts.append(ev.assign(pilot=pilot, outcome=outcome, estimator="callaway_santanna")[cols])
        except ValueError:
            pass
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out["event_time"] = out["event_time"].astype("int64")
    out["n_obs"] = out["n_obs"].astype("int64")
    out["n_persons"] = out["n_persons"].astype("int64")
    out["reference"] = out["reference"].astype(bool)
    return out.sort_values(["outcome", "estimator", "event_time"], kind="mergesort").reset_index(drop=True)


def pretrend_table(panel: pd.DataFrame, *, pilot: str, outcomes: tuple[str, ...] = MIN_TWO_OUTCOMES) -> pd.DataFrame:
    """Joint Wald test that the event-study leads (years before the start, except -1) are zero,
    per outcome (:func:`did.pretrend_test`, cluster-robust covariance; ``f_p_value`` is the
    small-sample F version). Empty when the data have fewer than two years before any start."""
    cols = ["pilot", "outcome", "statistic", "df", "p_value", "f_statistic", "df_denom", "f_p_value",
            "n_clusters"]
    leads, lags = event_window(panel)
    rows = []
    if leads < 2:
        return pd.DataFrame(columns=cols)
    for outcome in outcomes:
        num, den = OUTCOMES[outcome]
        d = panel[panel[den] > 0]
        try:
            r = did.pretrend_test(d, unit="unit_id", time="year", outcome=outcome, cohort="cohort",
                                  weight=den, leads=leads, lags=lags).iloc[0]
        except ValueError:
            continue
        rows.append({"pilot": pilot, "outcome": outcome, **{c: r[c] for c in cols[2:]}})
    return pd.DataFrame(rows, columns=cols)


# ------------------------------------------------------------------ compliance and the token check
def compliance(store: str | Path, *, pilot: str = "min_two_interviews", year: int, focal: str,
               alpha: float = 0.05) -> pd.DataFrame:
    """Did the rule happen? Vacancies with at least two qualified focal-group applicants
    (``vacancies_eligible``) and, of those, vacancies where at least two of them were interviewed
    (``vacancies_compliant``), per year and over all years (``year = 'all'``), for
    ``group = 'pilot'`` (vacancies posted under the rule) and ``group = 'comparison'`` (vacancies
    of units not in the pilot and of pilot units before the start year: how often it happened
    anyway). ``share_compliant`` with a Wilson interval."""
    vac = vacancy_status(store, pilot=pilot, year=year, focal=focal)
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


def _pp(x: float) -> str:
    return f"{100 * x:+.1f}".replace(".", ",").replace("-", "−")


def token_check(effects: pd.DataFrame, *, pilot: str = "min_two_interviews",
                estimators: tuple[str, ...] = ("callaway_santanna", "twfe")) -> pd.DataFrame:
    """Interviews up but hires not? Read from the *public* ``pilot_effects`` table.

    Uses the first estimator in ``estimators`` with a visible estimate for both
    ``qualified_to_interviewed`` and ``applied_to_hired``. Returns one row: ``estimator``,
    ``interview_effect, interview_ci_low, interview_ci_high``, ``hire_effect, hire_ci_low,
    hire_ci_high, hire_mde``, ``verdict`` (``interviews_and_hires_up``, ``interviews_up_hires_not``,
    ``no_interview_effect``, ``not_estimable``) and ``text``: one plain bokmål sentence or two.
    """
    cols = ["estimator", "interview_effect", "interview_ci_low", "interview_ci_high", "hire_effect",
            "hire_ci_low", "hire_ci_high", "hire_mde", "verdict", "text"]
    e = effects[effects["pilot"] == pilot] if effects is not None and len(effects) else pd.DataFrame()
    pick = None
    for est in estimators:
        if not len(e):
            break
        s = e[e["estimator"] == est].set_index("outcome")
        need = ("qualified_to_interviewed", "applied_to_hired")
        if all(o in s.index for o in need) and all(
                np.isfinite(pd.to_numeric(pd.Series([s.loc[o, "estimate"], s.loc[o, "ci_low"]]), errors="coerce")).all()
                for o in need):
            pick = (est, s)
            break
    if pick is None:
        return pd.DataFrame([{**dict.fromkeys(cols, np.nan), "estimator": "", "verdict": "not_estimable",
                              "text": "Effekten på intervjuer og tilsettinger kan ikke anslås med dataene "
                                      "(for få enheter eller personer, eller tallene er skjult)."}], columns=cols)
    est, s = pick
    f = lambda o, c: float(pd.to_numeric(s.loc[o, c], errors="coerce"))  # noqa: E731
    iv, ivl, ivh = f("qualified_to_interviewed", "estimate"), f("qualified_to_interviewed", "ci_low"), \
        f("qualified_to_interviewed", "ci_high")
    hv, hvl, hvh, hmde = f("applied_to_hired", "estimate"), f("applied_to_hired", "ci_low"), \
        f("applied_to_hired", "ci_high"), f("applied_to_hired", "mde")
    iv_txt = f"{_pp(iv)} prosentpoeng (95 % KI {_pp(ivl)} til {_pp(ivh)})"
    hv_txt = f"{_pp(hv)} prosentpoeng (95 % KI {_pp(hvl)} til {_pp(hvh)})"
    if ivl > 0 and hvl > 0:
        verdict = "interviews_and_hires_up"
        text = (f"Regelen ser ut til å virke hele veien: flere kvalifiserte søkere fra fokusgruppen ble intervjuet "
                f"({iv_txt}), og flere av søkerne ble tilsatt ({hv_txt}).")
    elif ivl > 0:
        verdict = "interviews_up_hires_not"
        mde_txt = (f" Undersøkelsen kan bare påvise en økning i tilsettinger på minst {_pp(hmde).lstrip('+')} "
                   f"prosentpoeng, så en mindre effekt kan ikke utelukkes." if np.isfinite(hmde) else "")
        text = (f"**Flere ble intervjuet, men ikke flere tilsatt.** Andelen kvalifiserte søkere fra fokusgruppen som "
                f"ble intervjuet, økte med {iv_txt}, men vi finner ingen økning i andelen søkere som ble tilsatt "
                f"({hv_txt}). Så langt gir regelen flere intervjuer, ikke flere tilsettinger.{mde_txt}")
    else:
        verdict = "no_interview_effect"
        text = (f"Vi kan ikke påvise at regelen har økt andelen kvalifiserte søkere fra fokusgruppen som blir "
                f"intervjuet ({iv_txt}). Effekten på tilsettinger er {hv_txt}.")
    return pd.DataFrame([{"estimator": est, "interview_effect": iv, "interview_ci_low": ivl, "interview_ci_high": ivh,
                          "hire_effect": hv, "hire_ci_low": hvl, "hire_ci_high": hvh, "hire_mde": hmde,
                          "verdict": verdict, "text": text}], columns=cols)


# ------------------------------------------------------------------ planning
def current_design(panel: pd.DataFrame, outcome: str) -> dict[str, int]:
    """The design behind ``outcome``: treated units (with a treated cell), never-treated control
    units, and the median numbers of years before and from the start year among treated units
    (at least 1 each)."""
    den = OUTCOMES[outcome][1]
    d = panel[panel[den] > 0]
    first, last = int(d["year"].min()), int(d["year"].max())
    tr = d.loc[d["treated"]].groupby("unit_id")["cohort"].first()
    ctrl = d.loc[d["cohort"].isna() | (d["cohort"] > last), "unit_id"].nunique()
    pre = int(max(1, np.median(tr - first))) if len(tr) else 1
    post = int(max(1, np.median(last - tr + 1))) if len(tr) else 1
    return {"n_units_treated": int(len(tr)), "n_units_control": int(ctrl), "n_periods_pre": pre,
            "n_periods_post": post}


def planning_table(panel: pd.DataFrame, effects: pd.DataFrame, *, pilot: str,
                   outcomes: tuple[str, ...] = MIN_TWO_OUTCOMES, effect_sizes: tuple[float, ...] = (0.03, 0.05, 0.10),
                   alpha: float = 0.05, power: float = 0.8) -> pd.DataFrame:
    """How many treated units, or how many years under the pilot, a given effect needs.

    Model: the panel DiD of :mod:`mangfold.stats.panel_power` (Burlig, Preonas & Woerman 2020):
    errors with a unit effect and AR(1) serial correlation ``rho`` fitted to the untreated
    unit-year rates (:func:`panel_power.mde_from_data`). The error scale ``sigma`` is then
    anchored so that the model's MDE at the current design equals the MDE of the TWFE estimate
    actually obtained (``pilot_effects``), so the plan reflects the real weighting and clustering.
    When serial correlation cannot be fitted (fewer than three years), ``rho = 0``.

    Columns: ``pilot, outcome, effect`` (probability points as a share), the current design
    ``n_units_treated, n_units_control, n_periods_pre, n_periods_post``, ``mde_current``,
    ``n_units_treated_needed`` (with the current years and control units), ``units_feasible``,
    ``n_periods_post_needed`` (years from the start, with the current units), ``periods_feasible``,
    ``sigma``, ``rho``.
    """
    cols = ["pilot", "outcome", "effect", "n_units_treated", "n_units_control", "n_periods_pre", "n_periods_post",
            "mde_current", "n_units_treated_needed", "units_feasible", "n_periods_post_needed", "periods_feasible",
            "sigma", "rho"]
    rows = []
    for outcome in outcomes:
        des = current_design(panel, outcome)
        tw = effects[(effects["pilot"] == pilot) & (effects["outcome"] == outcome) & (effects["estimator"] == "twfe")]
        mde_now = float(tw["mde"].iloc[0]) if len(tw) and pd.notna(tw["mde"].iloc[0]) else np.nan
        if des["n_units_treated"] < 1 or des["n_units_control"] < 1 or not np.isfinite(mde_now):
            continue
        den = OUTCOMES[outcome][1]
        d = panel[panel[den] > 0]
        try:
            fit = panel_power.mde_from_data(d, unit="unit_id", time="year", outcome=outcome, cohort="cohort",
                                            alpha=alpha, power=power, **des).iloc[0]
            sigma, rho, mde_model = float(fit["sigma"]), float(fit["rho"]), float(fit["mde"])
        except (ValueError, np.linalg.LinAlgError):
            sigma, rho = 1.0, 0.0
            mde_model = float(panel_power.did_mde(sigma=1.0, rho=0.0, alpha=alpha, power=power, **des)["mde"].iloc[0])
        sigma_cal = sigma * mde_now / mde_model
        for eff in effect_sizes:
            u = panel_power.units_needed(eff, n_periods_pre=des["n_periods_pre"], n_periods_post=des["n_periods_post"],
                                         sigma=sigma_cal, rho=rho, n_units_control=des["n_units_control"],
                                         alpha=alpha, power=power, max_units=10_000).iloc[0]
            p = panel_power.periods_needed(eff, n_units_treated=des["n_units_treated"],
                                           n_units_control=des["n_units_control"], sigma=sigma_cal, rho=rho,
                                           n_periods_pre=des["n_periods_pre"], solve_for="post", alpha=alpha,
                                           power=power, max_periods=30).iloc[0]
            rows.append({"pilot": pilot, "outcome": outcome, "effect": float(eff), **des, "mde_current": mde_now,
                         "n_units_treated_needed": int(u["n_units_treated"]), "units_feasible": bool(u["feasible"]),
                         "n_periods_post_needed": int(p["n_periods_post"]), "periods_feasible": bool(p["feasible"]),
                         "sigma": sigma_cal, "rho": rho})
    return pd.DataFrame(rows, columns=cols)
