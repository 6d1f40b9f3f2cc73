"""The KS view of all municipalities ("Mangfold i ledelse", KS 2009): the six checkpoints, the national
indicators, and leader representation per municipality against its population as a funnel plot.

Run on a store that holds several municipalities (``units.municipality``); every function also works
on a store with one.

* :func:`checkpoints`: the ``maturity`` scores per municipality (0 = not started, 1 = partly,
  2 = in place) for the six checkpoints, wide; :func:`checkpoint_levels` counts municipalities per
  checkpoint and level.
* :func:`national_indicators`: the three figures of KS 2009 computed from the data: the share of
  municipalities with at least one focal-group (lbg2: non-Western) person in a leader post, the share
  with a top leader with immigrant background, and the number of municipalities with measures.
* :func:`leader_representation`: per municipality, the focal group's share among leaders against
  its population share, as an observed/expected ratio with Spiegelhalter (2005) funnel limits;
  :func:`funnel_curve` draws the limits for the figure.

Counts of *municipalities* are not counts of persons and are not suppressed; counts of leaders are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..contract.schemas import CHECKPOINTS, IMMIGRANT_BACKGROUNDS, LEADER_LEVELS
from ..stats.control_limits import funnel_limits, level_label
from ..store import query, tables_present
from .. import text
from ..tablespec import TableSpec

ALL = "all"
LEVELS = ("not_started", "partly", "in_place")
#: KS 2009 ("Mangfold i ledelse", 07.05.2009): about a third of municipalities have non-Western
#: immigrants in a key or leader post; 2.3 % have a top leader with immigrant background; 16
#: municipalities have measures to qualify non-Western immigrants for leader posts.
KS_2009 = {"lbg2_in_leader_post": (1 / 3, None), "immigrant_top_leader": (0.023, None), "measures_any": (None, 16)}
INDICATORS = ("lbg2_in_leader_post", "immigrant_top_leader", "measures_any", "measures_pilots",
              "measures_mentoring", "measures_training")
FUNNEL_LEVELS = (0.95, 0.998)

CHECKPOINTS_SPEC = TableSpec(
    name="ks_checkpoints",
    dims=("year", "municipality"),
    not_counts=("year", *CHECKPOINTS, "checkpoints_in_place", "maturity_score"),
    title="KS' seks sjekkpunkter per kommune (0 = ikke startet, 1 = delvis, 2 = på plass)",
)

LEVELS_SPEC = TableSpec(
    percent=("share",),
    name="ks_checkpoint_levels",
    dims=("year", "checkpoint", "level"),
    not_counts=("year", "municipalities", "n_municipalities"),
    constants=("share",),  # municipalities are organisations, not persons
    title="Kommuner etter sjekkpunkt og hvor langt de er kommet",
)

INDICATORS_SPEC = TableSpec(
    percent=("share", "ks_2009_share"),
    name="ks_indicators",
    dims=("year", "indicator"),
    not_counts=("year", "municipalities", "n_municipalities", "ks_2009_municipalities"),
    constants=("description", "share", "ks_2009_share"),  # municipalities are organisations, not persons
    title="Nasjonale indikatorer (som i KS 2009)",
)

_REP_FROM_N = ("share_lbg2", "expected_lbg2", "representation_ratio", "limit_low_95", "limit_high_95",
               "limit_low_998", "limit_high_998", "position_95", "position_998")
REPRESENTATION_SPEC = TableSpec(
    percent=("share_lbg2", "population_share_lbg2"),
    name="ks_leader_representation",
    counts=("n_leaders", "n_leaders_lbg2"),
    derived={"n_leaders": _REP_FROM_N,
             "n_leaders_lbg2": ("share_lbg2", "representation_ratio", "position_95", "position_998")},
    dims=("year", "municipality"),
    margins=(("municipality", ALL),),
    not_counts=("year",),
    constants=("population_share_lbg2",),
    # a municipality's row is the "all" row of its own report's sector_targets (the same leaders)
    same_as=({"dim": "municipality", "table": "sector_targets", "where": {"sector": ALL},
              "columns": {"n_leaders": "n_leaders", "n_leaders_lbg2": "n_leaders_lbg2"}},),
    title="Ledere i målgruppen per kommune, sammenlignet med befolkningen",
)


# ------------------------------------------------------------------ the six checkpoints
def checkpoints(store: str | Path, year: int) -> pd.DataFrame:
    """The six checkpoints per municipality in ``year`` (``maturity``), one row per municipality.

    Columns: ``year``, ``municipality``, one column per checkpoint (0 not started, 1 partly,
    2 in place), ``checkpoints_in_place`` (how many of the six score 2) and ``maturity_score``
    (the sum, 0-12). Sorted by ``maturity_score`` (highest first), then name. Empty when the store
    has no ``maturity`` rows for the year.
    """
    cols = ["year", "municipality", *CHECKPOINTS, "checkpoints_in_place", "maturity_score"]
    if "maturity" not in tables_present(store):
        return pd.DataFrame(columns=cols)
    df = query(store, f"SELECT municipality, year, {', '.join(CHECKPOINTS)} FROM maturity WHERE year = ?", [year])
    for c in CHECKPOINTS:
        df[c] = df[c].astype("int64")
    df["year"] = df["year"].astype("int64")
    scores = df[list(CHECKPOINTS)].to_numpy()
    df["checkpoints_in_place"] = (scores == 2).sum(axis=1).astype("int64")
    df["maturity_score"] = scores.sum(axis=1).astype("int64")
    return (df[cols].sort_values(["maturity_score", "municipality"], ascending=[False, True], kind="stable")
            .reset_index(drop=True))


def checkpoint_levels(wide: pd.DataFrame) -> pd.DataFrame:
    """Municipalities per checkpoint and level, from :func:`checkpoints`.

    Columns: ``year``, ``checkpoint`` (in the KS order), ``level`` (``not_started``, ``partly``,
    ``in_place``), ``municipalities``, ``n_municipalities`` (with scores) and ``share``.
    """
    if wide.empty:
        return pd.DataFrame(columns=["year", "checkpoint", "level", "municipalities", "n_municipalities", "share"])
    long = wide.melt(id_vars=["year", "municipality"], value_vars=list(CHECKPOINTS), var_name="checkpoint",
                     value_name="score")
    counts = long.groupby(["year", "checkpoint", "score"]).size()
    idx = pd.MultiIndex.from_product([sorted(long["year"].unique()), list(CHECKPOINTS), [0, 1, 2]],
                                     names=["year", "checkpoint", "score"])
    out = counts.reindex(idx, fill_value=0).rename("municipalities").reset_index()
    out["n_municipalities"] = out.groupby(["year", "checkpoint"])["municipalities"].transform("sum")
    out["share"] = out["municipalities"] / out["n_municipalities"]
    out["level"] = out["score"].map(dict(enumerate(LEVELS)))
    out = out.astype({"year": "int64", "municipalities": "int64", "n_municipalities": "int64"})
    return out[["year", "checkpoint", "level", "municipalities", "n_municipalities", "share"]]


# ------------------------------------------------------------------ one municipality's own checkpoints
OWN_CHECKPOINTS_SPEC = TableSpec(
    name="ks_own_checkpoints",
    dims=("year", "municipality", "checkpoint"),
    not_counts=("year", "score"),
    constants=("level",),  # an assessment of the municipality, not a count of persons
    title="Kommunens egen vurdering av KS' seks sjekkpunkter",
)


def own_checkpoints(store: str | Path, year: int, *, years_back: int = 4) -> pd.DataFrame:
    """A municipality report's own KS checkpoints: one row per year (``year - years_back`` to
    ``year``), municipality and checkpoint (in the KS order), with ``score`` (0, 1, 2) and ``level``
    (``not_started``, ``partly``, ``in_place``). Empty when the store has no ``maturity`` rows."""
    cols = ["year", "municipality", "checkpoint", "score", "level"]
    frames = [checkpoints(store, y) for y in range(year - years_back, year + 1)]
    wide = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else None
    if wide is None:
        return pd.DataFrame(columns=cols)
    long = wide.melt(id_vars=["year", "municipality"], value_vars=list(CHECKPOINTS), var_name="checkpoint",
                     value_name="score")
    long["order"] = long["checkpoint"].map({c: i for i, c in enumerate(CHECKPOINTS)})
    long["level"] = long["score"].map(dict(enumerate(LEVELS)))
    long = long.sort_values(["municipality", "order", "year"], kind="stable")
    return long[cols].astype({"year": "int64", "score": "int64"}).reset_index(drop=True)


def own_checkpoints_wide(public: pd.DataFrame) -> pd.DataFrame:
    """:func:`own_checkpoints` for the report: a row per checkpoint (bokmål label), a column per year,
    the level in words (``På plass``); with several municipalities a column naming each."""
    if public is None or public.empty:
        return pd.DataFrame()
    d = public.copy()
    d["Sjekkpunkt"] = d["checkpoint"].map(text.label)
    d["level"] = d["level"].map(text.label)
    d["year"] = d["year"].map(text.year)
    index = ["municipality", "Sjekkpunkt"] if d["municipality"].nunique() > 1 else ["Sjekkpunkt"]
    order = {text.label(c): i for i, c in enumerate(CHECKPOINTS)}
    out = d.pivot_table(index=index, columns="year", values="level", aggfunc="first").reset_index()
    out = out.sort_values(index, key=lambda s: s.map(order) if s.name == "Sjekkpunkt" else s, kind="stable")
    out.columns.name = None
    return out.rename(columns={"municipality": "Kommune"}).reset_index(drop=True)


def own_checkpoints_text(public: pd.DataFrame, year: int) -> str:
    """One or two bokmål sentences on a municipality's checkpoints in ``year`` and the change since
    the first year assessed (Markdown; empty when there are none for the year)."""
    if public is None or public.empty:
        return ""
    now = public[public["year"].astype(int) == int(year)]
    if now.empty:
        first = int(public["year"].astype(int).max())
        return (f"Kommunen har ikke vurdert sjekkpunktene for {text.year(year)}; siste vurdering er fra "
                f"{text.year(first)}.")
    parts = []
    for muni, g in now.groupby("municipality", sort=True):
        n = {lv: int((g["level"] == lv).sum()) for lv in LEVELS}
        s = (f"I {text.year(year)} har {muni} **{n['in_place']} av 6** sjekkpunkter på plass, {n['partly']} delvis "
             f"og {n['not_started']} ikke startet.")
        hist = public[(public["municipality"] == muni)]
        first_year = int(hist["year"].astype(int).min())
        if first_year < int(year):
            before = int((hist[hist["year"].astype(int) == first_year]["level"] == "in_place").sum())
            s += f" I {text.year(first_year)} var {before} av 6 på plass."
        missing = [text.label(c).lower() for c in CHECKPOINTS
                   if c in set(g.loc[g["level"] != "in_place", "checkpoint"])]
        if missing and len(missing) < 6:
            s += f" Ikke på plass ennå: {text.listing(missing)}."
        parts.append(s)
    return " ".join(parts)


# ------------------------------------------------------------------ national indicators
def _measures(store: str | Path, year: int, present: set[str]) -> pd.DataFrame:
    """Municipalities with a measure active in ``year``: columns municipality, measure."""
    first, last = f"{year}-01-01", f"{year}-12-31"
    parts = []
    active = "start_date <= CAST(? AS DATE) AND (end_date IS NULL OR end_date >= CAST(? AS DATE))"
    for table, measure in (("pilots", "measures_pilots"), ("mentoring", "measures_mentoring")):
        if table in present:
            parts.append(query(store, f"""
                SELECT DISTINCT u.municipality, '{measure}' AS measure FROM {table} t JOIN units u USING (unit_id)
                WHERE {active}""", [last, first]))
    if "training" in present and "workforce" in present:
        parts.append(query(store, """
            WITH t AS (SELECT person_id, start_date FROM training WHERE year(start_date) = ?),
                 w AS (SELECT w.person_id, w.year, u.municipality FROM workforce w JOIN units u USING (unit_id)
                       WHERE w.person_id IN (SELECT person_id FROM t)),
                 latest AS (SELECT person_id, arg_max(municipality, year) AS municipality FROM w GROUP BY person_id)
            SELECT DISTINCT coalesce(w.municipality, latest.municipality) AS municipality,
                   'measures_training' AS measure
            FROM t
            LEFT JOIN w ON w.person_id = t.person_id AND w.year = year(t.start_date)
            LEFT JOIN latest ON latest.person_id = t.person_id
            WHERE coalesce(w.municipality, latest.municipality) IS NOT NULL""", [year]))
    if not parts:
        return pd.DataFrame(columns=["municipality", "measure"])
    return pd.concat(parts, ignore_index=True)


def national_indicators(store: str | Path, year: int, *, focal_group: str = "lbg2") -> pd.DataFrame:
    """The KS 2009 indicators for ``year``, computed from the data.

    One row per indicator:

    * ``lbg2_in_leader_post``: municipalities with at least one ``focal_group`` person among top
      leaders and leaders in the 31 December workforce snapshot, of the municipalities with a
      workforce snapshot that year (KS 2009: about a third, for "nøkkelposisjon eller lederstilling";
      the contract has no separate key posts, so leader posts stand for both);
    * ``immigrant_top_leader``: municipalities with at least one top leader with immigrant background
      (lbg1, lbg2 or immigrant_unspecified), same denominator (KS 2009: 2.3 %);
    * ``measures_any``: municipalities with a measure in the year: a pilot or a reverse-mentoring pair
      active in the year (start on or before 31 December, no end or an end on or after 1 January), or
      a training programme started in the year (the participant placed by the workforce snapshot of
      that year, else the latest), of all municipalities in ``units`` (KS 2009: 16 municipalities);
      ``measures_pilots``, ``measures_mentoring``, ``measures_training`` count each kind.

    Columns: ``year``, ``indicator``, ``description`` (bokmål), ``municipalities``, ``n_municipalities``, ``share``
    (``municipalities / n_municipalities``), ``ks_2009_share``, ``ks_2009_municipalities`` (the KS
    2009 figure where there is one). The municipalities are all of them, not a sample, so no interval
    is given. Indicators whose table is absent have ``n_municipalities`` 0 and no share.
    """
    present = tables_present(store)
    all_munis = query(store, "SELECT count(DISTINCT municipality) AS n FROM units")["n"][0]
    rows = []
    if "workforce" in present:
        wf = query(store, f"""
            SELECT u.municipality,
                   count(*) FILTER (WHERE w.position_level IN ({', '.join(f"'{x}'" for x in LEADER_LEVELS)})
                                    AND w.background = ?) AS focal_leaders,
                   count(*) FILTER (WHERE w.position_level = 'top_leader'
                                    AND w.background IN ({', '.join(f"'{x}'" for x in IMMIGRANT_BACKGROUNDS)}))
                       AS immigrant_top
            FROM workforce w JOIN units u USING (unit_id)
            WHERE w.year = ? GROUP BY u.municipality""", [focal_group, year])
        n = len(wf)
        rows.append(("lbg2_in_leader_post", int((wf["focal_leaders"] > 0).sum()), n))
        rows.append(("immigrant_top_leader", int((wf["immigrant_top"] > 0).sum()), n))
    else:
        rows += [("lbg2_in_leader_post", 0, 0), ("immigrant_top_leader", 0, 0)]
    m = _measures(store, year, present)
    have_any = any(t in present for t in ("pilots", "mentoring", "training"))
    rows.append(("measures_any", int(m["municipality"].nunique()), int(all_munis) if have_any else 0))
    for measure, table in (("measures_pilots", "pilots"), ("measures_mentoring", "mentoring"),
                           ("measures_training", "training")):
        ok = table in present and (table != "training" or "workforce" in present)
        rows.append((measure, int(m.loc[m["measure"] == measure, "municipality"].nunique()),
                     int(all_munis) if ok else 0))
    out = pd.DataFrame(rows, columns=["indicator", "municipalities", "n_municipalities"])
    out.insert(0, "year", int(year))
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = np.where(out["n_municipalities"] > 0, out["municipalities"] / out["n_municipalities"].clip(lower=1),
                                np.nan)
    out["ks_2009_share"] = out["indicator"].map(lambda i: KS_2009.get(i, (None, None))[0]).astype(float)
    out["ks_2009_municipalities"] = out["indicator"].map(lambda i: KS_2009.get(i, (None, None))[1]).astype("Int64")
    out.insert(2, "description", out["indicator"].map(INDICATOR_TEXT))
    return out


# ------------------------------------------------------------------ leader representation (funnel)
def leader_representation(store: str | Path, year: int, *, focal_group: str = "lbg2",
                          levels: tuple[float, ...] = FUNNEL_LEVELS,
                          method: Literal["binomial", "normal"] = "binomial") -> pd.DataFrame:
    """The focal group among leaders (top leaders and leaders, 31 December) per municipality against
    its population share, for a funnel plot (Spiegelhalter 2005), plus an ``all`` row.

    For municipality *i* with ``n_leaders`` = *n*, ``n_leaders_lbg2`` = *O* and population share *p*
    (``population``: focal persons / all persons in the area named like the municipality, same year):

    * ``share_lbg2`` = *O/n*; ``expected_lbg2`` *E* = *n p* (the leaders the focal group would have if
      leaders were like the population); ``representation_ratio`` = *O/E* (1 = as in the population);
    * ``limit_low_95`` ... ``limit_high_998``: the control limits of *O/E* if leaders were drawn like
      the population: :func:`mangfold.stats.control_limits.funnel_limits` for Binomial(*n*, *p*)
      (Spiegelhalter 2005, appendix A.1.1, interpolated quantiles) divided by *p*;
    * ``position_95`` / ``position_998``: ``below``, ``within`` or ``above`` those limits.

    The ``all`` row pools every municipality with leaders (its population share pools their
    populations; no limits). Municipalities without population rows have no *p* and no ratio.
    Sorted by municipality name, ``all`` last. Columns: ``year``, ``municipality``, ``n_leaders``,
    ``n_leaders_lbg2``, ``share_lbg2``, ``population_share_lbg2``, ``expected_lbg2``,
    ``representation_ratio``, ``limit_low_95``, ``limit_high_95``, ``limit_low_998``,
    ``limit_high_998``, ``position_95``, ``position_998``.
    """
    labels = [level_label(v) for v in levels]
    cols = ["year", "municipality", "n_leaders", "n_leaders_lbg2", "share_lbg2", "population_share_lbg2",
            "expected_lbg2", "representation_ratio"]
    cols += [f"limit_{s}_{lab}" for lab in labels for s in ("low", "high")] + [f"position_{lab}" for lab in labels]
    present = tables_present(store)
    if "workforce" not in present:
        return pd.DataFrame(columns=cols)
    df = query(store, f"""
        SELECT u.municipality, count(*) AS n_leaders, count(*) FILTER (WHERE w.background = ?) AS n_leaders_lbg2
        FROM workforce w JOIN units u USING (unit_id)
        WHERE w.year = ? AND w.position_level IN ({', '.join(f"'{x}'" for x in LEADER_LEVELS)})
        GROUP BY u.municipality ORDER BY u.municipality""", [focal_group, year])
    if "population" in present:
        pop = query(store, """
            SELECT area AS municipality, sum(persons) FILTER (WHERE background = ?) AS focal, sum(persons) AS persons
            FROM population WHERE year = ? GROUP BY area""", [focal_group, year])
    else:
        pop = pd.DataFrame(columns=["municipality", "focal", "persons"])
    df = df.merge(pop, on="municipality", how="left")
    total = pd.DataFrame({"municipality": [ALL], "n_leaders": [df["n_leaders"].sum()],
                          "n_leaders_lbg2": [df["n_leaders_lbg2"].sum()],
                          "focal": [df["focal"].sum(min_count=1)], "persons": [df["persons"].sum(min_count=1)]})
    df = pd.concat([df, total], ignore_index=True)
    df.insert(0, "year", int(year))
    n = df["n_leaders"].to_numpy(float)
    o = df["n_leaders_lbg2"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = pd.to_numeric(df["focal"], errors="coerce").to_numpy(float) / pd.to_numeric(df["persons"], errors="coerce").to_numpy(float)
        df["share_lbg2"] = np.where(n > 0, o / n, np.nan)
        df["population_share_lbg2"] = p
        e = n * p
        df["expected_lbg2"] = e
        df["representation_ratio"] = np.where(e > 0, o / e, np.nan)
    ok = (df["municipality"] != ALL).to_numpy() & np.isfinite(p) & (p > 0) & (n > 0)
    for lab in labels:
        for s in ("low", "high"):
            df[f"limit_{s}_{lab}"] = np.nan
        df[f"position_{lab}"] = pd.Series([None] * len(df), dtype=object)
    if ok.any():
        lim = funnel_limits(n[ok], p[ok], levels=levels, method=method)
        k = len(levels)
        ratio = df.loc[ok, "representation_ratio"].to_numpy(float)
        for j, lab in enumerate(labels):
            low = lim["limit_low"].to_numpy().reshape(-1, k)[:, j] / p[ok]
            high = lim["limit_high"].to_numpy().reshape(-1, k)[:, j] / p[ok]
            df.loc[ok, f"limit_low_{lab}"] = low
            df.loc[ok, f"limit_high_{lab}"] = high
            df.loc[ok, f"position_{lab}"] = np.where(ratio < low, "below", np.where(ratio > high, "above", "within"))
    df["n_leaders"] = df["n_leaders"].astype("int64")
    df["n_leaders_lbg2"] = df["n_leaders_lbg2"].astype("int64")
    return df[cols]


def funnel_curve(public: pd.DataFrame, *, levels: tuple[float, ...] = FUNNEL_LEVELS, points: int = 160,
                 method: Literal["binomial", "normal"] = "binomial") -> pd.DataFrame:
    """The funnel lines for the figure, from the *public* :func:`leader_representation` table.

    The limits of *O/E* depend on *n* and *p*; the lines are drawn for the pooled population share
    *p* of the ``all`` row, over whole numbers of leaders *n* from 1 to the largest shown, with
    ``expected`` = *n p* on the horizontal axis (each municipality's own limits, in the table,
    decide its position; they differ little from the lines). Columns: ``expected``, ``level``,
    ``ratio_low``, ``ratio_high``, ``target`` (1). Empty when the ``all`` row has no share.
    """
    cols = ["expected", "level", "ratio_low", "ratio_high", "target"]
    tot = public[public["municipality"].astype(str) == ALL]
    p = pd.to_numeric(tot["population_share_lbg2"], errors="coerce")
    shown = pd.to_numeric(public.loc[public["municipality"].astype(str) != ALL, "expected_lbg2"], errors="coerce")
    if tot.empty or not np.isfinite(p.iloc[0]) or p.iloc[0] <= 0 or shown.dropna().empty:
        return pd.DataFrame(columns=cols)
    p0 = float(p.iloc[0])
    n_max = max(2.0, float(shown.max()) / p0 * 1.1)
    n = np.unique(np.round(np.geomspace(1, n_max, points)))
    lim = funnel_limits(n, p0, levels=levels, method=method)
    return pd.DataFrame({"expected": lim["n"] * p0, "level": lim["level"], "ratio_low": lim["limit_low"] / p0,
                         "ratio_high": lim["limit_high"] / p0, "target": 1.0})


# ------------------------------------------------------------------ numbers for the report's prose
INDICATOR_TEXT = {
    "lbg2_in_leader_post": "Kommuner med minst én leder fra målgruppen",
    "immigrant_top_leader": "Kommuner med minst én toppleder med innvandrerbakgrunn",
    "measures_any": "Kommuner med tiltak (pilot, mentorordning eller opplæring)",
    "measures_pilots": "– med pilot",
    "measures_mentoring": "– med omvendt mentorordning",
    "measures_training": "– med opplæringsprogram",
}


def indicator_values(public: pd.DataFrame) -> dict[str, dict]:
    """``{indicator: {"municipalities", "n_municipalities", "share", "ks_2009_share",
    "ks_2009_municipalities"}}`` from the public ``ks_indicators`` table (for the prose)."""
    out = {}
    for r in public.to_dict(orient="records"):
        out[r["indicator"]] = {k: r.get(k) for k in ("municipalities", "n_municipalities", "share",
                                                     "ks_2009_share", "ks_2009_municipalities")}
    return out


def checkpoint_facts(wide: pd.DataFrame, levels: pd.DataFrame) -> dict:
    """Numbers for the prose under the checkpoint figures (public tables in): ``n`` municipalities with
    scores, ``all_in_place`` (all six in place), ``none_started`` (score 0 on all six), ``most`` and
    ``least`` (the checkpoints most and least often in place, with ``most_share``/``least_share``)."""
    ip = levels[levels["level"] == "in_place"].set_index("checkpoint")["share"].astype(float)
    return {
        "n": int(len(wide)),
        "all_in_place": int((pd.to_numeric(wide["checkpoints_in_place"]) == len(CHECKPOINTS)).sum()),
        "none_started": int((pd.to_numeric(wide["maturity_score"]) == 0).sum()),
        "most": ip.idxmax() if len(ip) else None, "most_share": float(ip.max()) if len(ip) else np.nan,
        "least": ip.idxmin() if len(ip) else None, "least_share": float(ip.min()) if len(ip) else np.nan,
    }


def funnel_facts(public: pd.DataFrame, *, level: str = "998") -> dict:
    """Numbers for the prose under the funnel plot (public ``ks_leader_representation`` in):
    ``n`` municipalities with leaders, ``shown`` (ratio shown), ``hidden`` (hidden by disclosure
    control), ``no_population`` (no population share), ``above``/``below``/``within`` at ``level``
    and at 95 % (``above_95``, ``below_95``), and the pooled ``share`` and ``population_share``."""
    d = public[public["municipality"].astype(str) != ALL]
    tot = public[public["municipality"].astype(str) == ALL]
    ratio = pd.to_numeric(d["representation_ratio"], errors="coerce")
    pop = pd.to_numeric(d["population_share_lbg2"], errors="coerce")
    pos = d[f"position_{level}"].astype(str)
    pos95 = d["position_95"].astype(str) if "position_95" in d else pos
    return {
        "n": int(len(d)), "shown": int(ratio.notna().sum()),
        "hidden": int((ratio.isna() & pop.notna()).sum()), "no_population": int(pop.isna().sum()),
        "above": int((pos == "above").sum()), "below": int((pos == "below").sum()),
        "within": int((pos == "within").sum()),
        "above_95": int((pos95 == "above").sum()), "below_95": int((pos95 == "below").sum()),
        "share": float(pd.to_numeric(tot["share_lbg2"], errors="coerce").iloc[0]) if len(tot) else np.nan,
        "population_share": float(pd.to_numeric(tot["population_share_lbg2"], errors="coerce").iloc[0])
        if len(tot) else np.nan,
    }


POSITION_TEXT = {"below": "under grensen", "above": "over grensen", "within": "innenfor"}


def outside_limits(public: pd.DataFrame, *, level: str = "998") -> pd.DataFrame:
    """The municipalities outside their ``level`` limits (public table in), below first, then by
    ratio, for display: ``municipality``, ``n_leaders``, ``n_leaders_lbg2``, ``share_lbg2``,
    ``population_share_lbg2``, ``representation_ratio``, ``position`` (bokmål text)."""
    d = public[public[f"position_{level}"].astype(str).isin(["below", "above"])].copy()
    d["position"] = d[f"position_{level}"].map(POSITION_TEXT)
    d = d.sort_values([f"position_{level}", "representation_ratio"], ascending=[False, True], kind="stable")
    return d[["municipality", "n_leaders", "n_leaders_lbg2", "share_lbg2", "population_share_lbg2",
              "representation_ratio", "position"]].reset_index(drop=True)
