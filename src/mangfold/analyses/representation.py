"""Representation and sector targets (action plan measure 1.1).

* :func:`representation`: the focal group's share among top leaders, leaders and employees, per
  sector and in all, for every workforce year up to the report year, with Wilson intervals, the
  population share (``population`` table) and the share among qualified applicants.
* :func:`sector_targets`: the contract table ``sector_targets.csv`` (target per sector from params,
  gap, met, must_explain) with the gap in whole persons and the projection below.
* :func:`leader_flows` and :func:`sector_projection`: this year's exit, promotion and hiring flows
  per sector and group from the workforce panel (``person_id`` over years), and the year in which
  each sector reaches its target if those rates hold, with an interval from their uncertainty
  (the model is :func:`mangfold.stats.projection.project_targets`).

The workforce is a full count (31 December), so a share is exact for that date; the Wilson
interval says how far the share could drift by chance in a group of this size, which is what
matters when comparing it with the population or with a target over time.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..contract.schemas import LEADER_LEVELS
from ..stats.projection import project_targets
from ..stats.proportions import wilson_interval
from ..store import query, tables_present
from ..tablespec import TableSpec

ALL = "all"
#: Position levels of the representation table, in report order; ``leaders`` = top_leader + leader.
#: The other leaders alone (``leader``) are left out on purpose: with them, ``leaders`` would be a
#: total of two published rows, and the complementary suppression of the ``leaders`` rows could
#: then differ from that of ``sector_targets.csv``, which publishes the same counts.
LEVELS = ("top_leader", "leaders", "employee")

REPRESENTATION_SPEC = TableSpec(
    percent=("share", "ci_low", "ci_high", "population_share", "qualified_share", "qualified_ci_low",
             "qualified_ci_high"),
    name="representation",
    counts=("n", "n_focal", "n_qualified", "n_qualified_focal"),
    derived={"n": ("share", "ci_low", "ci_high"), "n_focal": ("share", "ci_low", "ci_high"),
             "n_qualified": ("qualified_share", "qualified_ci_low", "qualified_ci_high"),
             "n_qualified_focal": ("qualified_share", "qualified_ci_low", "qualified_ci_high")},
    dims=("year", "sector", "position_level"),
    margins=(("sector", ALL),),
    not_counts=("year", "population_year", "population_share"),
    title="Andel i målgruppen blant ansatte, etter sektor og stillingsnivå",
)

#: ``target_status`` is derived like ``met``: a status beside a hidden count would narrow it (with the
#: ``all`` row) to one value, so it is blanked with it (the restricted table keeps it for follow-up).
_SECTOR_DERIVED = ("share_lbg2", "ci_low", "ci_high", "gap_pp", "met", "must_explain", "gap_persons", "target_status")
SECTOR_TARGETS_SPEC = TableSpec(
    percent=("share_lbg2", "ci_low", "ci_high", "target_share"),
    name="sector_targets",
    counts=("n_leaders", "n_leaders_lbg2"),
    derived={"n_leaders": _SECTOR_DERIVED, "n_leaders_lbg2": _SECTOR_DERIVED},
    dims=("year", "sector"),
    margins=(("sector", ALL),),
    not_counts=("year", "gap_persons", "target_share"),
    title="Sektormål for ledere i målgruppen (tiltak 1.1)",
)

_YEARS = ("year_reached", "year_reached_low", "year_reached_high")
#: The projection per sector: model output, no counts. Rows whose target status is not published
#: are blanked by :func:`public_projection` (the year the target is reached would reveal it).
PROJECTION_SPEC = TableSpec(
    percent=("share_projected", "target_share"),
    name="sector_projection",
    dims=("year", "sector"),
    not_counts=("year", *_YEARS, "target_share"),
    statistics=("share_projected", "projection_status"),
    title="Framskriving: når nås sektormålet?",
)

#: Exits, promotions and hires per sector and group: person-level flows, restricted only.
FLOWS_NAME = "leader_flows"


# ------------------------------------------------------------------ helpers
def _wilson(df: pd.DataFrame, x: str, n: str, prefix: str, *, alpha: float) -> pd.DataFrame:
    xs, ns = df[x].to_numpy(float), df[n].to_numpy(float)
    ok = ~(np.isnan(xs) | np.isnan(ns))
    lo, hi = np.full(len(df), np.nan), np.full(len(df), np.nan)
    lo[ok], hi[ok] = wilson_interval(xs[ok], ns[ok], alpha=alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        df[f"{prefix}share"] = np.where(ns > 0, xs / ns, np.nan)
    df[f"{prefix}ci_low"], df[f"{prefix}ci_high"] = lo, hi
    return df


def _add_totals(cells: pd.DataFrame, counts: list[str]) -> pd.DataFrame:
    """Per (year, sector, position_level) counts -> levels of :data:`LEVELS` (``leaders`` = top_leader
    + leader), plus ``all`` sectors."""
    leaders = (cells[cells["position_level"].isin(LEADER_LEVELS)]
               .groupby(["year", "sector"], as_index=False)[counts].sum(min_count=1))
    leaders["position_level"] = "leaders"
    both = pd.concat([cells[cells["position_level"].isin(LEVELS)], leaders], ignore_index=True)
    total = both.groupby(["year", "position_level"], as_index=False)[counts].sum(min_count=1)
    total["sector"] = ALL
    out = pd.concat([both, total], ignore_index=True)
    sectors = sorted(s for s in out["sector"].unique() if s != ALL) + [ALL]
    out["sector"] = pd.Categorical(out["sector"], sectors, ordered=True)
    out["position_level"] = pd.Categorical(out["position_level"], LEVELS, ordered=True)
    out = out.sort_values(["year", "sector", "position_level"]).reset_index(drop=True)
    out["sector"] = out["sector"].astype(str)
    out["position_level"] = out["position_level"].astype(str)
    return out


def _areas(store: str | Path) -> list[str]:
    return list(query(store, "SELECT DISTINCT municipality FROM units WHERE municipality IS NOT NULL")["municipality"])


def population_shares(store: str | Path, years: list[int], *, focal: str) -> pd.DataFrame:
    """``year, population_year, population_share`` for each of ``years``.

    The share of ``focal`` among all persons in the areas that the units belong to (all areas of
    the ``population`` table when none matches). A year without population figures takes the
    latest earlier year, else the earliest year there is (``population_year`` says which).
    Empty shares when the table is absent or ``focal`` is not a population group.
    """
    out = pd.DataFrame({"year": years, "population_year": pd.array([pd.NA] * len(years), dtype="Int64"),
                        "population_share": np.nan})
    if "population" not in tables_present(store):
        return out
    pop = query(store, "SELECT year, area, background, persons FROM population")
    areas = set(_areas(store))
    if pop["area"].isin(areas).any():
        pop = pop[pop["area"].isin(areas)]
    pop = pop.assign(focal_persons=np.where(pop["background"] == focal, pop["persons"], 0))
    sums = pop.groupby("year")[["focal_persons", "persons"]].sum()
    by_year = (sums["focal_persons"] / sums["persons"].where(sums["persons"] > 0)).astype(float)
    if by_year.empty:
        return out
    avail = np.array(sorted(by_year.index))
    for i, y in enumerate(years):
        earlier = avail[avail <= y]
        py = int(earlier[-1]) if len(earlier) else int(avail[0])
        out.loc[i, "population_year"] = py
        out.loc[i, "population_share"] = float(by_year[py])
    return out


# ------------------------------------------------------------------ representation
def representation(store: str | Path, year: int, *, focal: str = "lbg2", alpha: float = 0.05) -> pd.DataFrame:
    """The focal group's share per year (every workforce year up to ``year``), sector and level.

    Columns: ``year, sector`` (``all`` = every sector), ``position_level`` (``top_leader``,
    ``leaders`` = top leaders and other leaders together, ``employee``); ``n`` employees at 31 December,
    ``n_focal`` of them in the focal group (register background; ``undeclared`` counts as not
    focal), ``share = n_focal / n`` with the Wilson interval ``ci_low, ci_high`` (R
    ``prop.test(x, n, correct = FALSE)``); ``population_share`` the focal share of the population
    in ``population_year``; ``n_qualified`` formally qualified applications with a declared
    background to vacancies of that year, sector and level, ``n_qualified_focal`` of them from the
    focal group, and ``qualified_share`` with its Wilson interval (empty in years without vacancies).
    """
    cells = query(store, """
        SELECT w.year, u.sector, w.position_level, count(*) AS n,
               count(*) FILTER (WHERE w.background = ?) AS n_focal
        FROM workforce w JOIN units u USING (unit_id)
        WHERE w.year <= ? GROUP BY ALL""", [focal, year])
    if cells.empty:
        return pd.DataFrame(columns=["year", "sector", "position_level", "n", "n_focal", "share",
                                     "ci_low", "ci_high", "population_share", "population_year", "n_qualified",
                                     "n_qualified_focal", "qualified_share", "qualified_ci_low", "qualified_ci_high"])
    grid = cells[["year", "sector"]].drop_duplicates().merge(pd.DataFrame({"position_level": list(LEADER_LEVELS) + ["employee"]}),
                                                            how="cross")
    cells = grid.merge(cells, how="left", on=["year", "sector", "position_level"]).fillna({"n": 0, "n_focal": 0})
    apps = query(store, """
        SELECT v.year, u.sector, v.position_level,
               count(*) FILTER (WHERE a.background <> 'undeclared') AS n_qualified,
               count(*) FILTER (WHERE a.background = ?) AS n_qualified_focal
        FROM applications a JOIN vacancies v USING (vacancy_id) JOIN units u ON u.unit_id = v.unit_id
        WHERE a.qualified AND v.year <= ? GROUP BY ALL""", [focal, year])
    cells = cells.merge(apps, how="left", on=["year", "sector", "position_level"])
    vac_years = set(query(store, "SELECT DISTINCT year FROM vacancies")["year"].astype(int))
    has_vac = cells["year"].isin(vac_years)
    for c in ("n_qualified", "n_qualified_focal"):
        cells[c] = cells[c].where(~(has_vac & cells[c].isna()), 0)
    out = _add_totals(cells, ["n", "n_focal", "n_qualified", "n_qualified_focal"])
    out["year"] = out["year"].astype(int)
    for c in ("n", "n_focal"):
        out[c] = out[c].astype(int)
    for c in ("n_qualified", "n_qualified_focal"):
        out[c] = out[c].astype("Int64")
    out = _wilson(out, "n_focal", "n", "", alpha=alpha)
    pop = population_shares(store, sorted(out["year"].unique().tolist()), focal=focal)
    out = out.merge(pop, how="left", on="year")
    q = out[["n_qualified_focal", "n_qualified"]].astype(float)
    tmp = _wilson(q.copy(), "n_qualified_focal", "n_qualified", "qualified_", alpha=alpha)
    for c in ("qualified_share", "qualified_ci_low", "qualified_ci_high"):
        out[c] = tmp[c].to_numpy()
    return out[["year", "sector", "position_level", "n", "n_focal", "share", "ci_low", "ci_high",
                "population_share", "population_year", "n_qualified", "n_qualified_focal", "qualified_share",
                "qualified_ci_low", "qualified_ci_high"]]


# ------------------------------------------------------------------ flows
_FLOWS_SQL = """
WITH w AS (
    SELECT w.person_id, w.year, {sector} AS sector,
           w.position_level IN ('top_leader', 'leader') AS is_leader, w.background = ? AS focal
    FROM workforce w JOIN units u USING (unit_id) WHERE w.year IN (? - 1, ?)),
prev AS (SELECT * FROM w WHERE year = ? - 1),
cur AS (SELECT * FROM w WHERE year = ?),
start AS (
    SELECT p.sector, p.focal,
           count(*) FILTER (WHERE p.is_leader) AS leaders_start,
           count(*) FILTER (WHERE p.is_leader AND NOT coalesce(c.is_leader AND c.sector = p.sector, false)) AS exits,
           count(*) FILTER (WHERE NOT p.is_leader) AS employees_start,
           count(*) FILTER (WHERE NOT p.is_leader AND coalesce(c.is_leader AND c.sector = p.sector, false)) AS promotions
    FROM prev p LEFT JOIN cur c USING (person_id) GROUP BY ALL),
fin AS (
    SELECT c.sector, c.focal,
           count(*) FILTER (WHERE c.is_leader) AS leaders_end,
           count(*) FILTER (WHERE NOT c.is_leader) AS employees_end,
           count(*) FILTER (WHERE c.is_leader AND (p.person_id IS NULL OR p.sector <> c.sector)) AS hires
    FROM cur c LEFT JOIN prev p USING (person_id) GROUP BY ALL)
SELECT coalesce(s.sector, f.sector) AS sector, coalesce(s.focal, f.focal) AS focal,
       coalesce(leaders_start, 0) AS leaders_start, coalesce(exits, 0) AS exits,
       coalesce(employees_start, 0) AS employees_start, coalesce(promotions, 0) AS promotions,
       coalesce(hires, 0) AS hires, coalesce(leaders_end, 0) AS leaders_end,
       coalesce(employees_end, 0) AS employees_end
FROM start s FULL JOIN fin f ON s.sector = f.sector AND s.focal = f.focal
"""


def leader_flows(store: str | Path, year: int, *, focal: str = "lbg2") -> pd.DataFrame:
    """Flows into and out of leadership from 31 December ``year - 1`` to 31 December ``year``.

    One row per sector (and ``all``) and ``group`` (``focal`` or ``other``): ``leaders_start``
    leaders (top_leader or leader) in the sector at the start; ``exits`` of them who are not
    leaders in that sector at the end (left the municipality, stepped down or moved sector);
    ``employees_start`` non-leaders in the sector at the start; ``promotions`` of them who are
    leaders there at the end; ``hires`` leaders at the end who were not in the sector's workforce
    at the start (from outside or from another sector); ``leaders_end``, ``employees_end``.
    Start rows are grouped by background at the start, entrants by background at the end, so
    ``leaders_end = leaders_start - exits + promotions + hires`` when nobody's background changes.
    Person-level flows: publish only via the restricted copy. Empty when ``year - 1`` is missing.
    """
    cols = ["year", "sector", "group", "leaders_start", "exits", "employees_start", "promotions", "hires",
            "leaders_end", "employees_end"]
    have = set(query(store, "SELECT DISTINCT year FROM workforce WHERE year IN (?, ?)", [year - 1, year])["year"])
    if have != {year - 1, year}:
        return pd.DataFrame(columns=cols)
    parts = []
    for expr in ("u.sector", f"'{ALL}'"):
        params = [focal, year, year, year, year]
        parts.append(query(store, _FLOWS_SQL.format(sector=expr), params))
    df = pd.concat(parts, ignore_index=True)
    df["group"] = np.where(df["focal"], "focal", "other")
    grid = df[["sector"]].drop_duplicates().merge(pd.DataFrame({"group": ["focal", "other"]}), how="cross")
    df = grid.merge(df.drop(columns="focal"), how="left", on=["sector", "group"]).fillna(0)
    df.insert(0, "year", int(year))
    for c in cols[3:]:
        df[c] = df[c].astype(int)
    order = sorted(s for s in df["sector"].unique() if s != ALL) + [ALL]
    df["sector"] = pd.Categorical(df["sector"], order, ordered=True)
    df = df.sort_values(["sector", "group"]).reset_index(drop=True)
    df["sector"] = df["sector"].astype(str)
    return df[cols]


# ------------------------------------------------------------------ sector targets and projection
def _gap_persons(x: np.ndarray, n: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Additional focal-group leaders needed with the same number of leaders: ``ceil(t n) - x``, >= 0."""
    with np.errstate(invalid="ignore"):
        need = np.ceil(t * n - 1e-9) - x
    return np.where(np.isnan(need), np.nan, np.maximum(need, 0))


def _status_public(x: np.ndarray, n: np.ndarray, t: np.ndarray, met: np.ndarray, *, min_cell: int) -> np.ndarray:
    """``met``/``not_met`` unless publishing it would pin down a small focal count.

    When ``1 <= x < min_cell`` the count is suppressed in public; the status then says whether
    ``x >= t n``. It is shown only if at least two suppressible counts give the same status, so it
    never narrows the count to one value; otherwise ``withheld``. Also ``withheld`` when the sector
    has fewer than ``min_cell`` leaders, ``no_leaders`` or ``no_target`` where there is nothing to say.
    """
    small = np.arange(1, min_cell)[:, None]
    same = ((small >= t * n - 1e-12) == met[None, :]).sum(axis=0)
    suppressed = (x >= 1) & (x < min_cell)
    out = np.where(met, "met", "not_met").astype(object)
    out[suppressed & (same < 2)] = "withheld"
    out[(n >= 1) & (n < min_cell)] = "withheld"
    out[n == 0] = "no_leaders"
    out[np.isnan(t)] = "no_target"
    return out


def sector_targets(rep: pd.DataFrame, *, year: int, params: dict[str, Any]) -> pd.DataFrame:
    """``sector_targets.csv``: one row per sector (and ``all``) for ``year``, from :func:`representation`.

    Contract columns: ``year, sector, n_leaders`` (top leaders and leaders at 31 December),
    ``n_leaders_lbg2`` (of them in the focal group), ``share_lbg2`` with Wilson ``ci_low, ci_high``,
    ``target_share`` (params ``sector_targets``: the sector's own entry, else ``default``; for
    ``all`` the leader-weighted mean of the sector targets), ``gap_pp = 100 (target_share -
    share_lbg2)`` (positive = percentage points short of the target), ``met = share_lbg2 >=
    target_share``, ``must_explain = not met`` (measure 1.1: a missed target is explained in the
    city council's annual report; always false for ``all``); ``met`` and ``must_explain`` are
    empty for a sector without leaders or without a target. Added: ``gap_persons``: additional
    focal-group leaders the sector needs with the same number of leaders, ``ceil(target n) - x``,
    at least 0 (for ``all``: the sum over the sectors); ``target_status``: ``met`` or
    ``not_met`` when publishing it cannot reveal a small count, else ``withheld`` (see
    :func:`_status_public`), ``no_leaders`` or ``no_target``.
    """
    from ..config import sector_target

    r = rep[(rep["year"] == year) & (rep["position_level"] == "leaders")]
    out = pd.DataFrame({"year": int(year), "sector": r["sector"].to_numpy(), "n_leaders": r["n"].to_numpy(int),
                        "n_leaders_lbg2": r["n_focal"].to_numpy(int), "share_lbg2": r["share"].to_numpy(float),
                        "ci_low": r["ci_low"].to_numpy(float), "ci_high": r["ci_high"].to_numpy(float)})
    tgt = out["sector"].map(lambda s: sector_target(params, s)).astype(float)
    is_all = (out["sector"] == ALL).to_numpy()
    parts = ~is_all & tgt.notna().to_numpy()
    if is_all.any() and parts.any():
        w = out.loc[parts, "n_leaders"].to_numpy(float)
        tgt[is_all] = float(np.average(tgt[parts], weights=w)) if w.sum() > 0 else float(tgt[parts].mean())
    out["target_share"] = tgt.to_numpy()
    x, n, t = out["n_leaders_lbg2"].to_numpy(float), out["n_leaders"].to_numpy(float), out["target_share"].to_numpy()
    out["gap_pp"] = 100 * (t - out["share_lbg2"].to_numpy())
    valid = (n > 0) & ~np.isnan(t)
    met_arr = out["share_lbg2"].to_numpy() >= t - 1e-12
    met = pd.array(met_arr & valid, dtype="boolean")
    met[~valid] = pd.NA
    must = pd.array(~met_arr & valid & ~is_all, dtype="boolean")
    must[~valid] = pd.NA
    out["met"], out["must_explain"] = met, must
    gaps = _gap_persons(x, n, t)
    if is_all.any():
        gaps[is_all] = np.nansum(gaps[~is_all]) if (~is_all).any() else gaps[is_all]
    out["gap_persons"] = pd.array([int(g) if not np.isnan(g) else pd.NA for g in gaps], dtype="Int64")
    out["target_status"] = _status_public(x, n, t, met_arr & valid, min_cell=int(params["min_cell"]))
    return out


def sector_projection(store: str | Path, rep: pd.DataFrame, *, year: int, params: dict[str, Any],
                      n_draws: int = 4000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """This year's flows (:func:`leader_flows`, restricted) and the projection
    (:func:`mangfold.stats.projection.project_targets`, seeded with ``params['seed']``) of every
    sector of :func:`sector_targets` towards its target."""
    flows = leader_flows(store, year, focal=params["focal_group"])
    st = sector_targets(rep, year=year, params=params)
    proj = project_targets(flows, st.set_index("sector")["target_share"], n_draws=n_draws,
                           seed=int(params["seed"]), alpha=float(params["alpha"]), total=ALL)
    return flows, proj


def public_projection(proj: pd.DataFrame, targets: pd.DataFrame, *, min_cell: int) -> pd.DataFrame:
    """The projection as published: rows blanked (``projection_status = withheld``) where the
    sector has fewer than ``min_cell`` leaders or 1 to ``min_cell - 1`` focal-group leaders (the
    projection then rests on the moves of a few identifiable people), or where the target status
    is not published (a projection that starts at the target would tell what the status hides).
    ``share_now`` is dropped (it is ``share_lbg2``). ``targets``: :func:`sector_targets`."""
    out = proj.merge(targets[["sector", "target_status", "n_leaders", "n_leaders_lbg2"]], how="left", on="sector")
    x, n = out["n_leaders_lbg2"], out["n_leaders"]
    hide = (~out["target_status"].isin(["met", "not_met"]) | (n < min_cell) | ((x >= 1) & (x < min_cell))).to_numpy()
    out.loc[hide, "share_projected"] = np.nan
    for c in _YEARS:
        out.loc[hide, c] = pd.NA
    out["projection_status"] = out["projection_status"].astype(object)
    out.loc[hide, "projection_status"] = "withheld"
    return out.drop(columns=["target_status", "n_leaders", "n_leaders_lbg2", "share_now"])


#: public sector-target statuses with no target to reach (a sector without leaders or without a target)
NOTHING_TO_REACH = ("no_leaders", "no_target")


def status_kinds(status: pd.Series) -> pd.Series:
    """Each public ``target_status`` as ``met``, ``not_met``, ``no_leaders``, ``no_target`` or
    ``hidden`` (``withheld``, or blanked by disclosure control): the one reading of the column that the
    sector section and the summary share."""
    s = status.astype(str)
    return s.where(s.isin(("met", "not_met", *NOTHING_TO_REACH)), "hidden")


def sector_targets_text(pub_st: pd.DataFrame, *, year: int) -> str:
    """The sector-target paragraph (Markdown) from the *public* sector-target table: how many sectors
    reached the target, which missed it (they must account for it in the annual report), and which
    have no published status. When no sector's status is published, it says only that."""
    kind = status_kinds(pub_st[pub_st["sector"] != "all"].set_index("sector")["target_status"])
    if not len(kind):
        return ""
    of = {k: [str(s) for s in kind.index[kind == k]] for k in ("met", "not_met", "hidden", *NOTHING_TO_REACH)}
    reached, missed, hidden = of["met"], of["not_met"], of["hidden"]
    why = ("fordi den sammen med antallet ledere ville avsløre hvor mange enkeltpersoner i målgruppen sektoren har; "
           "den står i den skjermede tabellen.")
    rest = "".join(f" {', '.join(of[k])} {'har ingen ledere' if k == 'no_leaders' else 'har ikke noe sektormål'}."
                   for k in NOTHING_TO_REACH if of[k])
    if not reached and not missed:  # no status to count: "0 av 4 sektorer nådde målet" would mislead
        which = "sektoren" if len(hidden) == 1 else f"noen av de {len(hidden)} sektorene"
        return ((f"Status mot sektormålet i {year} er ikke publisert for {which}, {why}" if hidden else "")
                + rest).strip()
    return (f"**{len(reached)} av {len(reached) + len(missed) + len(hidden)} sektorer** nådde målet i {year}. "
            + (f"Disse sektorene nådde ikke målet og må redegjøre for det i byrådets årsberetning: "
               f"**{', '.join(missed)}**. " if missed else "Ingen sektor med publisert status bommet på målet. ")
            + (f"For {', '.join(hidden)} er status ikke publisert, {why}" if hidden else "") + rest).strip()


def headline(rep: pd.DataFrame, year: int) -> dict[str, float]:
    """Key numbers for the notebook's prose (from the public table: blanks stay NaN)."""
    r = rep[(rep["year"] == year) & (rep["sector"] == ALL)].set_index("position_level")
    g = {lvl: pd.to_numeric(r["share"], errors="coerce").get(lvl, math.nan) for lvl in LEVELS}
    g["population"] = float(pd.to_numeric(r["population_share"], errors="coerce").max()) if len(r) else math.nan
    g["qualified_leaders"] = float(pd.to_numeric(r["qualified_share"], errors="coerce").get("leaders", math.nan))
    return g
