"""Reverse mentoring (pilot 2): survey change of mentors and mentees, and what happened to mentors.

Two parts:

* **Survey** (``mentoring_survey``): for every pair, respondent and item the score before (``pre``)
  and after (``post``); the paired change post - pre per respondent and item, with a paired t
  interval and a Wilcoxon signed-rank test (:func:`mangfold.stats.paired.paired_change`), Holm-adjusted
  over the items of a respondent, plus the change in each person's mean over all items
  (``item = 'all'``).
* **Follow-up** (``mentoring`` + ``workforce``): the mentors' retention in the municipality and
  movement into leader posts, against comparable employees (same unit, position level and register
  background in the same 31 December snapshot, never mentors), matched 1:k at random with the seed
  from params. Kaplan-Meier curves and log-rank tests stratified by matched set (each mentor with the
  comparisons drawn for it). **Observational**: mentors are chosen, not randomised, so differences
  are associations, not effects.

Follow-up rule (no immortal time): mentors and their comparisons enter at the same time, the first
workforce snapshot on or after the mentor's start date (31 December of the start year), and both must
be employed in that snapshot. A mentor is employed at the start by definition; taking the snapshot
before the start as baseline would give mentors months in which they cannot leave while comparisons
can. Mentors not in the start-year snapshot are left out. Time is counted in whole years from the
baseline. *Left* = the first later snapshot (up to the report year and the
last workforce year) where the person is missing; *leader* = the first later snapshot (while still
employed without a break) with position level ``leader`` or ``top_leader``, among those who were not
leaders at baseline. Persons who are still there at the last snapshot are censored.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import text
from ..contract.schemas import LEADER_LEVELS
from ..stats.multiple import holm
from ..stats.paired import paired_change
from ..stats.survival import kaplan_meier, logrank_test
from ..store import connect, query
from ..tablespec import TableSpec

PAIRS_SPEC = TableSpec(
    name="mentoring_pairs",
    counts=("pairs", "pairs_ended"),
    dims=("start_year",),
    margins=(("start_year", "all"),),
    not_counts=("units",),
    title="Mentorpar etter oppstartsår",
)
_PAIRED_STATS = ("mean_pre", "mean_post", "estimate", "std_error", "ci_low", "ci_high", "statistic", "p_value",
                 "wilcoxon_statistic", "wilcoxon_p", "p_adjusted")
SURVEY_SPEC = TableSpec(
    name="mentoring_survey_change",
    counts=("n",),
    derived={"n": _PAIRED_STATS},
    dims=("respondent", "item"),
    not_counts=("df",),
    constants=("item_label", "wilcoxon_method"),
    title="Endring i svar før og etter mentorperioden (skala 1–5)",
)
SURVIVAL_SPEC = TableSpec(
    percent=("share", "ci_low", "ci_high"),
    name="mentoring_survival",
    counts=("n_start", "n_at_risk", "cum_events"),
    derived={"n_start": ("share", "ci_low", "ci_high"), "n_at_risk": ("share", "ci_low", "ci_high"),
             "cum_events": ("share", "ci_low", "ci_high")},
    dims=("outcome", "group", "time"),
    not_counts=("time",),
    title="Mentorer og sammenlignbare ansatte: andel fortsatt ansatt og andel blitt leder (Kaplan-Meier)",
)
TESTS_SPEC = TableSpec(
    name="mentoring_followup_tests",
    counts=("n_mentors", "n_comparison", "events_mentors", "events_comparison"),
    derived={"n_mentors": ("statistic", "p_value"), "n_comparison": ("statistic", "p_value"),
             "events_mentors": ("statistic", "p_value"), "events_comparison": ("statistic", "p_value")},
    dims=("outcome",),
    not_counts=("df",),
    title="Log-rank-test: mentorer mot sammenlignbare ansatte (observasjonsdata)",
)

#: Norwegian labels for known survey items (others are shown as they are)
ITEM_LABELS = {
    "forstaelse_mangfold": "Forståelse for betydningen av mangfold",
    "bevissthet_forskjellsbehandling": "Bevissthet om ubevisst forskjellsbehandling",
    "trygghet_i_dialog": "Trygghet i samtaler om bakgrunn og kultur",
    "motivasjon_lederrolle": "Motivasjon for (å støtte) en lederrolle",
    "all": "Alle spørsmål samlet",
}

SURVEY_COLUMNS = ["respondent", "item", "item_label", "n", *(_PAIRED_STATS[:-1]), "df", "wilcoxon_method", "p_adjusted"]


# ------------------------------------------------------------------ pairs and survey
def pairs_overview(store: str | Path, *, year: int) -> pd.DataFrame:
    """Pairs started up to ``year`` by start year (and ``'all'``): ``start_year, pairs,
    pairs_ended`` (ended on or before 31 December of ``year``), ``units`` (distinct mentee units)."""
    df = query(store, """
        SELECT CAST(coalesce(CAST(year(start_date) AS VARCHAR), 'all') AS VARCHAR) AS start_year,
               count(*) AS pairs,
               count(*) FILTER (WHERE end_date IS NOT NULL AND year(end_date) <= $year) AS pairs_ended,
               count(DISTINCT unit_id) AS units
        FROM mentoring WHERE year(start_date) <= $year
        GROUP BY ROLLUP (year(start_date))
        ORDER BY start_year = 'all', start_year""", {"year": int(year)})
    for c in ("pairs", "pairs_ended", "units"):
        df[c] = df[c].astype("int64")
    return df


def survey_pairs(store: str | Path, *, year: int) -> pd.DataFrame:
    """Person-level (restricted): ``pair_id, respondent, item, pre, post`` for pairs started up to
    ``year`` (NaN where a wave is missing; a duplicated answer is averaged)."""
    return query(store, """
        SELECT s.pair_id, s.respondent, s.item,
               avg(s.score) FILTER (WHERE s.wave = 'pre') AS pre,
               avg(s.score) FILTER (WHERE s.wave = 'post') AS post
        FROM mentoring_survey s JOIN mentoring m USING (pair_id)
        WHERE year(m.start_date) <= $year
        GROUP BY ALL ORDER BY s.respondent, s.item, s.pair_id""", {"year": int(year)})


def survey_change(pairs: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Paired change post - pre per ``respondent`` (mentor, mentee) and ``item``, and for each
    person's mean over the items answered in both waves (``item = 'all'``).

    Columns: ``respondent, item, n`` (persons with both answers), ``mean_pre, mean_post, estimate``
    (mean change), ``std_error, ci_low, ci_high`` (paired t interval), ``statistic, p_value``
    (paired t test), ``wilcoxon_statistic, wilcoxon_p`` (signed-rank test, exact for small samples
    without ties, as R ``wilcox.test(paired = TRUE)``), ``df``, ``wilcoxon_method``,
    ``p_adjusted`` (Holm over the items of the respondent, t-test p; NaN for ``'all'``),
    ``item_label`` (Norwegian text from :data:`ITEM_LABELS`, else the item as given).
    """
    if pairs is None or not len(pairs):
        return pd.DataFrame(columns=SURVEY_COLUMNS)
    both = pairs.dropna(subset=["pre", "post"])
    person = (both.groupby(["respondent", "pair_id"])[["pre", "post"]].mean().reset_index().assign(item="all"))
    rows = []
    # one call per (respondent, item): a handful of groups, not a loop over persons
    for (resp, item), g in pd.concat([pairs, person], ignore_index=True).groupby(["respondent", "item"], sort=True):
        r = paired_change(g["pre"].to_numpy(float), g["post"].to_numpy(float), alpha=alpha)
        rows.append(r.assign(respondent=resp, item=item))
    out = pd.concat(rows, ignore_index=True)
    out["p_adjusted"] = np.nan
    for resp in out["respondent"].unique():
        m = (out["respondent"] == resp) & (out["item"] != "all") & out["p_value"].notna()
        if m.any():
            out.loc[m, "p_adjusted"] = holm(out.loc[m, "p_value"].to_numpy())
    out["_all"] = out["item"] == "all"
    out = out.sort_values(["respondent", "_all", "item"]).drop(columns="_all").reset_index(drop=True)
    out["item_label"] = out["item"].map(ITEM_LABELS).fillna(out["item"])
    return out[SURVEY_COLUMNS]


# ------------------------------------------------------------------ follow-up
def _last_year(store: str | Path, year: int) -> int:
    df = query(store, "SELECT max(year) AS y FROM workforce WHERE year <= ?", [int(year)])
    y = df["y"].iloc[0]
    return int(y) if pd.notna(y) else int(year)


def match_comparisons(cases: pd.DataFrame, pool: pd.DataFrame, *, strata: list[str], k: int, seed: int,
                      case_id: str = "person_id") -> pd.DataFrame:
    """Draw up to ``k`` comparisons per case from ``pool`` within the same ``strata`` values,
    without replacement within a stratum (seeded). Returns the drawn pool rows with ``matched_to``
    (the case's id). Vectorised: the pool is shuffled once, ranked within stratum, and rank ``r`` is
    given to case ``r mod m`` (``m`` cases in the stratum) while ``r < k m``."""
    if not len(cases) or not len(pool):
        return pool.iloc[0:0].assign(matched_to=pd.Series(dtype=object))
    rng = np.random.default_rng(seed)
    c = cases[[case_id, *strata]].copy()
    c["_ci"] = c.groupby(strata, sort=False).cumcount()
    m = c.groupby(strata, sort=False).size().rename("_m").reset_index()
    p = pool.assign(_u=rng.random(len(pool))).sort_values("_u", kind="mergesort")
    p["_r"] = p.groupby(strata, sort=False).cumcount()
    p = p.merge(m, on=strata, how="inner")
    p = p[p["_r"] < k * p["_m"]]
    p["_ci"] = p["_r"] % p["_m"]
    p = p.merge(c.rename(columns={case_id: "matched_to"}), on=[*strata, "_ci"], how="left")
    return p.drop(columns=["_u", "_r", "_m", "_ci"]).reset_index(drop=True)


def followup(store: str | Path, sel: pd.DataFrame, *, last_year: int) -> pd.DataFrame:
    """Durations from each person's baseline (``sel``: ``person_id, baseline_year,
    position_level``): ``t_exit, left`` (years to the first missing snapshot, 1 = left, 0 =
    censored at ``last_year``) and ``t_leader, became_leader`` (years to the first leader snapshot
    while continuously employed; NaN for persons who were leaders at baseline)."""
    with connect(store) as con:
        con.register("_sel", sel[["person_id", "baseline_year"]].drop_duplicates())
        f = con.execute("""
            WITH f AS (
              SELECT s.person_id, s.baseline_year, w.year, w.position_level,
                     row_number() OVER (PARTITION BY s.person_id, s.baseline_year ORDER BY w.year) AS rn
              FROM _sel s JOIN workforce w ON w.person_id = s.person_id
                   AND w.year > s.baseline_year AND w.year <= $last)
            SELECT person_id, baseline_year,
                   coalesce(max(rn) FILTER (WHERE year - baseline_year = rn), 0) AS stayed,
                   min(year) FILTER (WHERE year - baseline_year = rn
                                     AND position_level IN ('leader', 'top_leader')) AS first_leader
            FROM f GROUP BY person_id, baseline_year""", {"last": int(last_year)}).df()
    out = sel.merge(f, on=["person_id", "baseline_year"], how="left")
    stayed = out["stayed"].fillna(0).to_numpy(float)
    b = out["baseline_year"].to_numpy(float)
    horizon = last_year - b
    left = (b + stayed + 1) <= last_year
    out["t_exit"] = np.where(left, stayed + 1, horizon)
    out["left"] = left.astype(int)
    fl = pd.to_numeric(out["first_leader"], errors="coerce").to_numpy(float)
    became = np.isfinite(fl)
    t_leader = np.where(became, fl - b, stayed)
    eligible = ~out["position_level"].isin(LEADER_LEVELS).to_numpy()
    out["t_leader"] = np.where(eligible, t_leader, np.nan)
    out["became_leader"] = np.where(eligible, became.astype(float), np.nan)
    return out.drop(columns=["stayed", "first_leader"])


def mentor_followup(store: str | Path, *, year: int, seed: int, k: int = 5) -> pd.DataFrame:
    """Person-level follow-up of mentors and matched comparable employees (restricted).

    Columns: ``person_id, group`` (``mentor`` / ``comparison``), ``matched_to`` (the mentor a
    comparison was drawn for), ``baseline_year, unit_id, position_level, background`` (at
    baseline), and the durations of :func:`followup`. Mentors not found in ``workforce`` are left
    out. Baseline: the snapshot of the start year (see the module docstring). Comparisons: never
    mentors, employed in the same snapshot in the same unit with the same level and background, up
    to ``k`` per mentor, each person at most once (earliest baseline).
    """
    last = _last_year(store, year)
    mentors = query(store, """
        WITH m AS (SELECT mentor_id AS person_id, min(start_date) AS start_date FROM mentoring
                   WHERE year(start_date) <= $year GROUP BY mentor_id),
        b AS (SELECT m.person_id, arg_min(w.year, w.year) AS baseline_year,
                     arg_min(w.unit_id, w.year) AS unit_id, arg_min(w.position_level, w.year) AS position_level,
                     arg_min(w.background, w.year) AS background
              FROM m JOIN workforce w ON w.person_id = m.person_id
                   AND w.year = year(m.start_date)
              GROUP BY m.person_id)
        SELECT * FROM b ORDER BY person_id""", {"year": int(year)})
    cols = ["person_id", "group", "matched_to", "baseline_year", "unit_id", "position_level", "background",
            "t_exit", "left", "t_leader", "became_leader"]
    if not len(mentors):
        return pd.DataFrame(columns=cols)
    strata = ["baseline_year", "unit_id", "position_level", "background"]
    with connect(store) as con:
        con.register("_m", mentors)
        pool = con.execute("""
            SELECT w.person_id, w.year AS baseline_year, w.unit_id, w.position_level, w.background
            FROM workforce w JOIN (SELECT DISTINCT baseline_year, unit_id FROM _m) s
                 ON w.year = s.baseline_year AND w.unit_id = s.unit_id
            WHERE w.person_id NOT IN (SELECT mentor_id FROM mentoring)
            ORDER BY w.person_id, w.year""").df()
    comp = match_comparisons(mentors, pool, strata=strata, k=k, seed=seed)
    comp = comp.sort_values(["baseline_year", "person_id"]).drop_duplicates("person_id")
    sel = pd.concat([mentors.assign(group="mentor", matched_to=None), comp.assign(group="comparison")],
                    ignore_index=True)
    out = followup(store, sel, last_year=last)
    return out[cols].sort_values(["group", "person_id"], ascending=[False, True]).reset_index(drop=True)


OUTCOME_COLUMNS = {"retention": ("t_exit", "left"), "leader": ("t_leader", "became_leader")}


def survival_table(fu: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan-Meier curves per ``outcome`` and ``group`` at whole years since baseline.

    ``outcome = 'retention'``: ``share`` = the share still employed (Kaplan-Meier survival);
    ``outcome = 'leader'``: ``share`` = the share who have become leaders (1 - survival), among
    persons who were not leaders at baseline. Columns: ``outcome, group, time`` (years since
    baseline, 0, 1, ...), ``n_start`` (persons at baseline), ``n_at_risk`` (still followed at
    ``time``), ``cum_events`` (events up to ``time``), ``share, ci_low, ci_high`` (pointwise
    interval, log transformation as R ``survfit``; for ``leader`` the interval of 1 - S).
    """
    cols = ["outcome", "group", "time", "n_start", "n_at_risk", "cum_events", "share", "ci_low", "ci_high"]
    rows = []
    for outcome, (t_col, e_col) in OUTCOME_COLUMNS.items():
        d = fu.dropna(subset=[t_col, e_col])
        if not len(d):
            continue
        t_max = int(d[t_col].max())
        grid = np.arange(0, t_max + 1)
        for group, g in d.groupby("group", sort=False):
            km = kaplan_meier(g[t_col].to_numpy(float), g[e_col].to_numpy(float), alpha=alpha)
            idx = np.searchsorted(km["time"].to_numpy(), grid, side="right") - 1
            s = np.where(idx >= 0, km["survival"].to_numpy()[np.clip(idx, 0, None)], 1.0)
            lo = np.where(idx >= 0, km["ci_low"].to_numpy()[np.clip(idx, 0, None)], np.nan)
            hi = np.where(idx >= 0, km["ci_high"].to_numpy()[np.clip(idx, 0, None)], np.nan)
            tt = g[t_col].to_numpy(float)
            ee = g[e_col].to_numpy(float)
            at_risk = (tt[None, :] >= grid[:, None]).sum(axis=1)
            cum = ((tt[None, :] <= grid[:, None]) & (ee[None, :] == 1)).sum(axis=1)
            if outcome == "leader":
                s, lo, hi = 1.0 - s, 1.0 - hi, 1.0 - lo
            rows.append(pd.DataFrame({"outcome": outcome, "group": group, "time": grid, "n_start": len(g),
                                      "n_at_risk": at_risk, "cum_events": cum, "share": s, "ci_low": lo,
                                      "ci_high": hi}))
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.concat(rows, ignore_index=True)[cols]
    for c in ("time", "n_start", "n_at_risk", "cum_events"):
        out[c] = out[c].astype("int64")
    return out


def survival_tests(fu: pd.DataFrame) -> pd.DataFrame:
    """Log-rank test of mentors against comparisons per outcome, stratified by matched set (a mentor and
    the comparisons drawn for it; a mentor without comparisons adds nothing): ``outcome, n_mentors,
    n_comparison, events_mentors, events_comparison, statistic, df, p_value``."""
    cols = ["outcome", "n_mentors", "n_comparison", "events_mentors", "events_comparison", "statistic", "df",
            "p_value"]
    rows = []
    for outcome, (t_col, e_col) in OUTCOME_COLUMNS.items():
        d = fu.dropna(subset=[t_col, e_col])
        if not len(d):
            continue
        matched_set = np.where(d["group"] == "mentor", d["person_id"].astype(str), d["matched_to"].astype(str))
        lr = logrank_test(d[t_col].to_numpy(float), d[e_col].to_numpy(float), d["group"].to_numpy(),
                          strata=matched_set).iloc[0]
        mm = d["group"] == "mentor"
        rows.append({"outcome": outcome, "n_mentors": int(mm.sum()), "n_comparison": int((~mm).sum()),
                     "events_mentors": int(d.loc[mm, e_col].sum()), "events_comparison": int(d.loc[~mm, e_col].sum()),
                     "statistic": float(lr["statistic"]), "df": int(lr["df"]), "p_value": float(lr["p_value"])})
    return pd.DataFrame(rows, columns=cols)


# ------------------------------------------------------------------ text (from public tables)
def _f(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def _d(x: float, k: int = 2) -> str:
    return text.number(x, k, sign=True)


def started(pairs: pd.DataFrame | None) -> bool:
    """Whether any pair had started by the report year, from the public pairs table
    (:func:`pairs_overview`: its ``all`` row counts the pairs; ``<5`` is at least one)."""
    if pairs is None or not len(pairs):
        return False
    row = pairs[pairs["start_year"].astype(str) == "all"]
    if not len(row):
        return True
    v = row["pairs"].iloc[0]
    return not (str(v).strip() == "0")


NOT_STARTED = ("Ingen mentorpar hadde startet innen utgangen av {year}, så det finnes ennå ingen svar før og etter "
               "og ingen mentorer å følge ({reason}).")


def not_started_sentence(year: int) -> str:
    """The chapter's sentence before the first pair starts (instead of "too few answers")."""
    return NOT_STARTED.format(year=year, reason=text.not_shown("not_started"))


def survey_sentence(change: pd.DataFrame, *, pairs: pd.DataFrame | None = None, year: int | None = None) -> str:
    """The change in the mean over all items, for mentees and mentors (public table). With the public
    pairs table and the year: before the first pair starts, says so."""
    if pairs is not None and year is not None and not started(pairs):
        return not_started_sentence(year)
    parts = []
    for resp, who in (("mentee", "Topplederne (mentees)"), ("mentor", "Mentorene")):
        r = change[(change["respondent"] == resp) & (change["item"] == "all")] if len(change) else change
        if not len(r) or not np.isfinite(_f(r["estimate"].iloc[0])):
            continue
        r = r.iloc[0]
        sure = "en klar økning" if _f(r["ci_low"]) > 0 else ("en nedgang" if _f(r["ci_high"]) < 0 else
                                                              "ingen sikker endring")
        parts.append(f"{who} svarte i snitt {_d(_f(r['estimate']))} poeng etter mentorperioden enn før, på en skala "
                     f"fra 1 til 5 (95 % KI {_d(_f(r['ci_low']))} til {_d(_f(r['ci_high']))}; {r['n']} personer): "
                     f"{sure}.")
    if not parts:
        return "Det er for få besvarelser før og etter til å vise endringen."
    return " ".join(parts) + (" Endringen kan også skyldes annet enn mentorordningen, for det er ingen "
                              "sammenligningsgruppe i spørreundersøkelsen.")


def followup_sentence(tests: pd.DataFrame, *, pairs: pd.DataFrame | None = None, year: int | None = None) -> str:
    """Retention and leader moves of mentors against comparable employees (public table); before the
    first pair starts (``pairs``, ``year`` as in :func:`survey_sentence`), says so."""
    if pairs is not None and year is not None and not started(pairs):
        return not_started_sentence(year)
    out = []
    for outcome, what in (("retention", "hvor lenge mentorene ble værende i kommunen"),
                          ("leader", "hvor mange mentorer som senere ble ledere")):
        r = tests[tests["outcome"] == outcome] if len(tests) else tests
        if not len(r) or not np.isfinite(_f(r["p_value"].iloc[0])):
            continue
        p = _f(r["p_value"].iloc[0])
        ptxt = text.pvalue(p)
        verdict = "en forskjell" if p < 0.05 else "ingen sikker forskjell"
        out.append(f"For {what} finner vi {verdict} mot sammenlignbare ansatte (log-rank-test innen matchede sett, "
                   f"{ptxt}).")
    if not out:
        return "Det er for få mentorer til å sammenligne dem med andre ansatte."
    return " ".join(out) + (" Mentorene er valgt ut, ikke trukket tilfeldig, så dette viser sammenhenger, "
                            "ikke virkningen av ordningen.")
