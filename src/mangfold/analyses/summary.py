"""The summary ("Sammendrag"): key figures against the action plan's targets, read from the
public tables that the other notebooks of the same year wrote. A table that no notebook wrote
is simply left out, so the summary fills as analysis notebooks are added."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..tablespec import TableSpec

SPEC = TableSpec(
    name="summary",
    dims=("indicator",),
    not_counts=("year",),
    constants=("target", "source"),
    # read from the public tables of the same year (already disclosure-controlled)
    statistics=("value", "status"),
    title="Nøkkeltall mot målene i handlingsplanen",
)


#: sectors named in the summary's status cell; more are counted (the sector table names them)
MAX_LISTED = 3


def _num(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def _pct(x: float) -> str:
    return "–" if math.isnan(x) else f"{100 * x:.1f} %".replace(".", ",")


def _verdict(x: Any) -> str:
    """A published boolean: blank means hidden because it rests on a count of 1-4 persons."""
    v = str(x).strip().lower()
    return "nådd" if v in ("true", "1") else "ikke nådd" if v in ("false", "0") else "skjult (få personer)"


def introduction(params: dict[str, Any], year: int) -> str:
    """The summary's first paragraph (Markdown): whose report it is and whose targets it measures
    against. A municipality reported on with another's targets (``targets_set_by``, set by
    ``mangfold run --municipality``) is not said to follow that municipality's action plan."""
    muni, by = params["municipality"], params.get("targets_set_by")
    tail = (f"for år **{year}**. Tallene under er hentet fra tabellene i resten av rapporten; usikkerheten er vist "
            "som 95 % konfidensintervall der det gjelder.")
    if by and by != muni:
        return (f"Denne rapporten viser rekrutteringen av ledere, ansatte og styremedlemmer med innvandrerbakgrunn "
                f"fra landbakgrunnsgruppe 2 i **{muni}**, {tail} Målene (sektormål og styremål) er de som **{by}** "
                "har satt i sin handlingsplan 2023–2027, brukt her som felles målestokk for kommunene.")
    return (f"Denne rapporten følger opp **handlingsplanen 2023–2027** for å styrke rekrutteringen av ledere, "
            f"ansatte og styremedlemmer med innvandrerbakgrunn fra landbakgrunnsgruppe 2 i **{muni}**, {tail}")


def _representation_rows(rep: pd.DataFrame | None, *, focal: str, year: int) -> list[dict[str, Any]]:
    """The focal group's share of leaders (all sectors) against its share of the population."""
    if rep is None or not len(rep):
        return []
    r = rep[(rep.get("sector", "all") == "all") & (rep["position_level"] == "leaders")] if "sector" in rep else rep
    if "year" in r:
        r = r[pd.to_numeric(r["year"], errors="coerce") == year]
    if not len(r):
        return []
    r = r.iloc[0]
    return [{"indicator": f"Andel {focal} blant ledere", "value": _pct(_num(r.get("share"))),
             "target": _pct(_num(r.get("population_share"))) + " (befolkningen)",
             "status": "skjult (få personer)" if math.isnan(_num(r.get("share"))) else
             "under befolkningsandelen" if _num(r.get("ci_high")) < _num(r.get("population_share"))
             else "ikke sikkert under", "source": "representation.csv"}]


def _sector_rows(st: pd.DataFrame | None) -> list[dict[str, Any]]:
    """How many sectors reach their sector target (tiltak 1.1), naming those that must explain why not."""
    if st is None or not len(st):
        return []
    s = st[st["sector"] != "all"] if "sector" in st else st
    if "target_status" in s:  # public status: shown unless it would reveal a count of 1-4 leaders
        status = s["target_status"].astype(str)
        met, explain = status == "met", s.loc[status == "not_met", "sector"].tolist()
        withheld = int((~status.isin(["met", "not_met"])).sum())
    else:
        met = s["met"].astype(str).str.lower().isin(["true", "1"])
        explain = s.loc[s["must_explain"].astype(str).str.lower().isin(["true", "1"]), "sector"].tolist()
        withheld = 0
    text = ("alle nådd" if not explain else
            "må redegjøres for i årsberetningen: " + ", ".join(explain) if len(explain) <= MAX_LISTED else
            f"{len(explain)} sektorer må redegjøre for dette i årsberetningen (se «Sektormål»)")
    if withheld:
        text += f"; for {withheld} sektor(er) er status ikke publisert (for få ledere til å vise tallet)"
    return [{"indicator": "Sektorer som når sektormålet (tiltak 1.1)",
             "value": f"{int(met.sum())} av {len(s)}", "target": "alle", "status": text,
             "source": "sector_targets.csv"}]


def _board_rows(bt: pd.DataFrame | None, *, focal: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The focal group's share of new board members (tiltak 1.2) and of all municipally appointed ones."""
    if bt is None or not len(bt):
        return []
    b = bt[bt["owner_department"] == "all"]
    if not len(b):
        return []
    b = b.iloc[0]
    req = _num(b.get("total_requirement"))
    return [{"indicator": f"Andel {focal} blant nye styremedlemmer (tiltak 1.2)",
             "value": _pct(_num(b.get("new_share_lbg2"))), "target": _pct(_num(b.get("new_target"))),
             "status": _verdict(b.get("new_met")),
             "source": "board_targets.csv"},
            {"indicator": f"Andel {focal} blant alle kommunalt oppnevnte styremedlemmer",
             "value": _pct(_num(b.get("share_lbg2"))),
             "target": _pct(req) + " (krav)" if not math.isnan(req) else
             f"krav fra {params['board_total_requirement']['from_year']}",
             "status": _verdict(b.get("total_met")) if not math.isnan(req) else "kravet gjelder ikke ennå",
             "source": "board_targets.csv"}]


#: the funnel transitions the summary shows, with their bokmål label
_FUNNEL_TRANSITIONS = (("applied_to_hired", "hele prosessen (søker til tilsatt)"),
                       ("qualified_to_interviewed", "kvalifisert til intervju"))
_FUNNEL_VERDICTS = {"disparity": "forskjell påvist", "no_evidence": "ingen vesentlig forskjell",
                    "inconclusive": "kan ikke avgjøres"}


def _funnel_rows(fd: pd.DataFrame | None, *, focal: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The focal group's impact ratio (all levels) over the whole process and into the interview."""
    if fd is None or not len(fd):
        return []
    rows = []
    f = fd[(fd["position_level"] == "all") & (fd["group"] == focal)]
    for transition, label in _FUNNEL_TRANSITIONS:
        r = f[f["transition"] == transition]
        if not len(r):
            continue
        r = r.iloc[0]
        ir, lo, hi = _num(r["impact_ratio"]), _num(r["impact_ratio_ci_low"]), _num(r["impact_ratio_ci_high"])
        ci = "" if math.isnan(lo) or math.isnan(hi) else f" ({lo:.2f}–{hi:.2f})"
        rows.append({"indicator": f"Rateforhold {focal}/referanse, {label}",
                     "value": "–" if math.isnan(ir) else f"{ir:.2f}{ci}".replace(".", ","),
                     "target": f"≥ {params['four_fifths']:.2f} (firefemtedelsregelen)".replace(".", ","),
                     "status": _FUNNEL_VERDICTS.get(str(r.get("verdict", "")), "skjult (få personer)"),
                     "source": "funnel_disparity.csv"})
    return rows


#: the pilot 4 outcomes the summary shows, with their bokmål words
_PILOT_OUTCOMES = (("qualified_to_interviewed", "intervjuandel"), ("applied_to_hired", "andel tilsatt"))


def _pilot_rows(pe: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Pilot 4's effects, from a heterogeneity-robust estimator when the table has one."""
    if pe is None or not len(pe):
        return []
    rows = []
    for outcome, what in _PILOT_OUTCOMES:
        p = pe[(pe["pilot"] == "min_two_interviews") & (pe["outcome"] == outcome)]
        if not len(p):
            continue
        robust = p[p["estimator"].astype(str).str.contains("callaway|sun", case=False, regex=True)]
        r = (robust if len(robust) else p).iloc[0]
        est, lo, hi = _num(r["estimate"]), _num(r["ci_low"]), _num(r["ci_high"])
        shown = not (math.isnan(est) or math.isnan(lo) or math.isnan(hi))
        rows.append({"indicator": f"Pilot 4 (minst to til intervju): effekt på {what}, prosentpoeng",
                     "value": f"{100 * est:+.1f} ({100 * lo:+.1f} til {100 * hi:+.1f})".replace(".", ",")
                     if shown else "–",
                     "target": "> 0",
                     "status": ("positiv effekt" if lo > 0 else "negativ effekt" if hi < 0 else "ikke påvist")
                     if shown else "skjult eller ikke anslått",
                     "source": "pilot_effects.csv"})
    return rows


def key_figures(tables: dict[str, pd.DataFrame | None], params: dict[str, Any], year: int) -> pd.DataFrame:
    """One row per key figure: ``indicator, value, target, status, source``.

    ``tables`` maps public table names to DataFrames (or None when absent). The blocks, in this
    order, each left out when its table is absent or empty: leaders against the population
    (``representation``), sector targets (``sector_targets``), board targets (``board_targets``),
    the funnel's impact ratios (``funnel_disparity``) and pilot 4's effects (``pilot_effects``).
    """
    focal = params["focal_group"]
    rows = [
        *_representation_rows(tables.get("representation"), focal=focal, year=year),
        *_sector_rows(tables.get("sector_targets")),
        *_board_rows(tables.get("board_targets"), focal=focal, params=params),
        *_funnel_rows(tables.get("funnel_disparity"), focal=focal, params=params),
        *_pilot_rows(tables.get("pilot_effects")),
    ]
    out = pd.DataFrame(rows, columns=["indicator", "value", "target", "status", "source"])
    out.insert(0, "year", year)
    return out
