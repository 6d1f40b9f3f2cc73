"""The summary ("Sammendrag"): key figures against the action plan's targets, read from the
public tables that the other notebooks of the same year wrote. A table that no notebook wrote
is simply left out, so the summary fills as analysis notebooks are added."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .. import text
from ..tablespec import TableSpec
from .funnel.text import level as _ci_level
from .representation import NOTHING_TO_REACH, status_kinds

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
    """A cell of a typed public table (:mod:`mangfold.publish.typed`) as a float: NaN when hidden
    (:class:`mangfold.text.Hidden`), blanked or missing. Numbers only: text is never parsed."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        return math.nan
    v = float(x)
    return v if math.isfinite(v) else math.nan


#: a published boolean: None when blanked (it rests on a hidden count) or missing
_flag = text.flag


def _pct(x: float) -> str:
    return text.percent(x)


HIDDEN = text.not_shown("suppressed")


def _verdict(x: Any) -> str:
    """A published boolean: blank means hidden because it rests on a count of 1-4 persons."""
    v = _flag(x)
    return "nådd" if v is True else "ikke nådd" if v is False else HIDDEN


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
    return [{"indicator": f"Andel fra {text.group_words(focal)} blant ledere", "value": _pct(_num(r.get("share"))),
             "target": _pct(_num(r.get("population_share"))) + " (befolkningen)",
             "status": HIDDEN if math.isnan(_num(r.get("share"))) else
             "tydelig under befolkningsandelen" if _num(r.get("ci_high")) < _num(r.get("population_share"))
             else "usikkert om under befolkningsandelen", "source": "representation.csv"}]


def _sector_rows(st: pd.DataFrame | None) -> list[dict[str, Any]]:
    """How many sectors reach their sector target (tiltak 1.1), naming those that must explain why not."""
    if st is None or not len(st):
        return []
    s = st[st["sector"] != "all"] if "sector" in st else st
    if "target_status" in s:  # public status: shown unless it would reveal a count of 1-4 leaders
        kind = status_kinds(s["target_status"])
        s, kind = s[~kind.isin(NOTHING_TO_REACH)], kind[~kind.isin(NOTHING_TO_REACH)]  # nothing to reach there
        met, explain = kind == "met", s.loc[kind == "not_met", "sector"].tolist()
        withheld = int((kind == "hidden").sum())
    else:
        met = s["met"].map(_flag).eq(True)
        explain = s.loc[s["must_explain"].map(_flag).eq(True), "sector"].tolist()
        withheld = 0
    if not len(s):
        return []
    if withheld == len(s):
        status_text = f"ikke publisert for noen sektor ({HIDDEN} ledere)"
    else:
        status_text = (("alle med publisert status nådd" if withheld else "alle nådd") if not explain else
                       "må redegjøres for i årsberetningen: " + ", ".join(explain) if len(explain) <= MAX_LISTED else
                       f"{len(explain)} sektorer må redegjøre for dette i årsberetningen (se «Sektormål»)")
        if withheld:
            status_text += f"; for {withheld} sektor(er) er status ikke publisert ({HIDDEN} ledere)"
    return [{"indicator": "Sektorer som når sektormålet (tiltak 1.1)",
             "value": f"{int(met.sum())} av {len(s)}", "target": "alle", "status": status_text,
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
    group = text.group_words(focal)
    return [{"indicator": f"Andel fra {group} blant nye styremedlemmer (tiltak 1.2)",
             "value": _pct(_num(b.get("new_share_lbg2"))), "target": _pct(_num(b.get("new_target"))),
             "status": _verdict(b.get("new_met")),
             "source": "board_targets.csv"},
            {"indicator": f"Andel fra {group} blant alle kommunalt oppnevnte styremedlemmer",
             "value": _pct(_num(b.get("share_lbg2"))),
             "target": _pct(req) + " (krav)" if not math.isnan(req) else
             f"krav fra {text.year(params['board_total_requirement']['from_year'])}",
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
        rows.append({"indicator": f"Rateforhold {text.group_words(focal)} mot referansegruppen, {label} "
                                  f"({_ci_level(r.get('ci_level'))} KI)",
                     "value": text.estimate_ci(ir, lo, hi, 2),
                     "target": f"≥ {text.number(params['four_fifths'], 2)} (firefemtedelsregelen)",
                     "status": _FUNNEL_VERDICTS.get(str(r.get("verdict", "")), HIDDEN),
                     "source": "funnel_disparity.csv"})
    return rows


#: the pilot 4 outcomes the summary shows, with their bokmål words
_PILOT_OUTCOMES = (("qualified_to_interviewed", "intervjuandel"), ("interviewed_to_hired", "andel intervjuede tilsatt"),
                   ("applied_to_hired", "andel tilsatt"))


def _pilot_headline(pe: pd.DataFrame, outcome: str) -> pd.Series | None:
    """Pilot 4's headline row for ``outcome`` (the estimator every pilot notebook uses,
    :data:`mangfold.analyses.pilots.HEADLINE_ESTIMATOR`), or None."""
    from .pilots.estimation import HEADLINE_ESTIMATOR
    p = pe[(pe["pilot"] == "min_two_interviews") & (pe["outcome"] == outcome)
           & (pe["estimator"].astype(str) == HEADLINE_ESTIMATOR)]
    return p.iloc[0] if len(p) else None


def _pilot_rows(pe: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Pilot 4's effects, from the headline estimator (the same row as in the pilot chapter)."""
    if pe is None or not len(pe):
        return []
    rows = []
    for outcome, what in _PILOT_OUTCOMES:
        r = _pilot_headline(pe, outcome)
        if r is None:
            continue
        est, lo, hi = _num(r["estimate"]), _num(r["ci_low"]), _num(r["ci_high"])
        shown = not (math.isnan(est) or math.isnan(lo) or math.isnan(hi))
        rows.append({"indicator": f"Pilot 4 (minst to til intervju): effekt på {what}, prosentpoeng",
                     "value": text.estimate_ci(est, lo, hi, 1, scale=100, sign=True) if shown else text.NOT_SHOWN,
                     "target": "> 0",
                     "status": ("økning påvist" if lo > 0 else "nedgang påvist" if hi < 0 else "ikke påvist")
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
    out["status"] = out["status"].astype(str).str.replace(HIDDEN, _hidden(params), regex=False)
    out.insert(0, "year", year)
    return out


# ------------------------------------------------------------------ findings in plain words
def _hidden(params: dict[str, Any]) -> str:
    return text.not_shown("suppressed", min_cell=int(params.get("min_cell", 5)))


def _leaders_finding(rep: pd.DataFrame | None, *, focal: str, year: int, params: dict[str, Any]) -> str:
    rows = _representation_rows(rep, focal=focal, year=year)
    if not rows:
        return ""
    r = rep[(rep["sector"] == "all") & (rep["position_level"] == "leaders")] if "sector" in rep else rep
    r = r[pd.to_numeric(r["year"], errors="coerce") == year].iloc[0] if "year" in r else r.iloc[0]
    share, lo, hi, pop = (_num(r.get(c)) for c in ("share", "ci_low", "ci_high", "population_share"))
    group = text.group_words(focal)
    if math.isnan(share):
        return f"Andelen ledere fra {group} er ikke vist ({_hidden(params)}), så den kan ikke avgjøres."
    word = text.certainty(lo, hi, threshold=pop)
    where = ("under" if hi < pop else "over" if lo > pop else "på nivå med") if word == "tydelig" else ""
    ci = text.interval(lo, hi, 1, scale=100, unit="%", missing="")
    tail = (f"{word} {where} befolkningsandelen" if word == "tydelig" else
            "usikkert om den er under befolkningsandelen: intervallet rommer den" if word == "usikkert" else
            "kan ikke avgjøres mot befolkningsandelen")
    return (f"{text.percent(share)} av lederne er fra {group}" + (f" (95 % KI {ci})" if ci else "")
            + (f", mot {text.percent(pop)} av befolkningen: {tail}." if not math.isnan(pop) else "."))


def _sector_finding(st: pd.DataFrame | None, params: dict[str, Any]) -> str:
    rows = _sector_rows(st)
    if not rows:
        return ""
    s = st[st["sector"] != "all"] if "sector" in st else st
    target = _num(s["target_share"].iloc[0]) if "target_share" in s and len(s) else math.nan
    goal = f" på {text.percent(target, 0)}" if not math.isnan(target) else ""
    out = f"{rows[0]['value'].capitalize()} sektorer når sektormålet{goal} (tiltak 1.1)"
    if "target_status" in s:
        status = status_kinds(s["target_status"])
        status = status[~status.isin(NOTHING_TO_REACH)]
        miss, withheld = int((status == "not_met").sum()), int((status == "hidden").sum())
        if withheld and withheld == len(status):  # no status shown: "0 av 4 sektorer når målet" would mislead
            return (f"For {'den ene sektoren' if withheld == 1 else f'alle {withheld} sektorene'} er status mot "
                    f"sektormålet{goal} (tiltak 1.1) ikke vist ({_hidden(params)} ledere med bakgrunn fra "
                    "målgruppen), så om målet er nådd kan ikke avgjøres.")
        if miss:
            out += f"; {miss} må redegjøre for avstanden i årsberetningen"
        if withheld:
            out += (f"; for {withheld} er status ikke vist ({_hidden(params)} ledere med bakgrunn fra "
                    "målgruppen), så der kan det ikke avgjøres")
    return out + "."


def _board_finding(bt: pd.DataFrame | None, *, focal: str, params: dict[str, Any]) -> str:
    rows = _board_rows(bt, focal=focal, params=params)
    if not rows:
        return ""
    new = rows[0]
    if new["value"] == text.NOT_SHOWN:
        return (f"Andelen nye styremedlemmer fra {text.group_words(focal)} (tiltak 1.2, mål {new['target']}) er ikke "
                f"vist ({_hidden(params)}), så om målet er nådd kan ikke avgjøres.")
    return (f"Av de nye styremedlemmene kommunen har oppnevnt, er {new['value']} fra {text.group_words(focal)}, "
            f"mot målet på {new['target']} (tiltak 1.2): målet er {new['status']}.")


#: the verdict of a comparison, in the three words of certainty
_CERTAINTY = {"disparity": "tydelig", "no_evidence": "tydelig", "inconclusive": "kan ikke avgjøres"}


def _funnel_findings(fd: pd.DataFrame | None, *, focal: str, params: dict[str, Any]) -> list[str]:
    if fd is None or not len(fd) or "verdict" not in fd:
        return []
    f = fd[(fd["position_level"] == "all") & (fd["group"] == focal)]
    if "year" in f:
        f = f[pd.to_numeric(f["year"], errors="coerce") == pd.to_numeric(f["year"], errors="coerce").max()]
    out = []
    whole = f[f["transition"] == "applied_to_hired"]
    group = text.group_words(focal)
    if len(whole):
        r = whole.iloc[0]
        ir, lo, hi = _num(r["impact_ratio"]), _num(r["impact_ratio_ci_low"]), _num(r["impact_ratio_ci_high"])
        v = str(r.get("verdict", ""))
        if math.isnan(ir):
            out.append(f"Om søkere fra {group} blir tilsatt like ofte som andre, kan ikke avgjøres ({_hidden(params)}).")
        else:
            said = {"disparity": "tydelig sjeldnere enn referansegruppen",
                    "no_evidence": "ikke tydelig sjeldnere enn referansegruppen",
                    }.get(v, "kanskje sjeldnere enn referansegruppen, men det kan ikke avgjøres (for få eller for "
                          "usikre tall)")
            out.append(f"Søkere fra {group} blir gjennom hele rekrutteringen tilsatt {said}: rateforholdet er "
                       f"{text.number(ir, 2)} ({_ci_level(r.get('ci_level'))} KI {text.interval(lo, hi, 2)}).")
    steps = f[(f["transition"] != "applied_to_hired") & (f["verdict"].astype(str) == "disparity")].copy()
    # every stage with a shown difference, in funnel order: no ranking of stages (their intervals overlap
    # unless the funnel section says otherwise)
    for _, r in steps.iterrows():
        step = {"applied_to_qualified": "fra søker til kvalifisert", "qualified_to_interviewed":
                "fra kvalifisert til intervju", "interviewed_to_recommended": "fra intervju til innstilling",
                "recommended_to_hired": "fra innstilling til tilsetting"}.get(str(r["transition"]), str(r["transition"]))
        out.append(f"Representasjonen faller tydelig {step}: rateforhold {text.number(_num(r['impact_ratio']), 2)} "
                   f"({_ci_level(r.get('ci_level'))} KI "
                   f"{text.interval(r['impact_ratio_ci_low'], r['impact_ratio_ci_high'], 2)}).")
    verdicts = fd["verdict"].astype(str) if "verdict" in fd else pd.Series(dtype=str)
    n = {k: int((verdicts == k).sum()) for k in _CERTAINTY}
    if sum(n.values()):
        total = sum(n.values())
        out.append(f"Av {total} {'sammenligning' if total == 1 else 'sammenligninger'} i rekrutteringen viser "
                   f"{n['disparity']} en tydelig "
                   f"forskjell, {n['no_evidence']} tydelig ingen vesentlig forskjell, og {n['inconclusive']} kan "
                   "ikke avgjøres (for få eller for usikre tall).")
    return out


def _pilot_findings(pe: pd.DataFrame | None) -> list[str]:
    """The interview finding of pilot 4 and every other significant pilot estimate (negative ones too),
    from :func:`mangfold.analyses.pilots.significant_findings`."""
    from .pilots.text import significant_findings
    first = _pilot_finding(pe)
    if not first:
        return []
    rest = significant_findings(pe, exclude=(("min_two_interviews", _PILOT_OUTCOMES[0][0]),))
    return [first, *rest]


def _pilot_finding(pe: pd.DataFrame | None) -> str:
    rows = _pilot_rows(pe)
    if not rows:
        return ""
    row = _pilot_headline(pe, _PILOT_OUTCOMES[0][0])
    if row is None:
        return ""
    lo, hi = _num(row["ci_low"]), _num(row["ci_high"])
    word = text.certainty(lo, hi)
    if _num(row.get("n_treated_persons")) == 0 or _num(row.get("n_treated_units")) == 0:
        return ("Pilot 4 (minst to kvalifiserte fra målgruppen til intervju) er ikke startet i noen enhet ennå, "
                "så effekten kan ikke måles.")
    if word == "kan ikke avgjøres":
        return "Effekten av pilot 4 (minst to kvalifiserte fra målgruppen til intervju) kan ikke avgjøres ennå."
    size = f"{text.points(row['estimate'])} (95 % KI {text.interval(lo, hi, 1, scale=100, unit='pp')})"
    if word == "tydelig":
        way = "økte" if lo > 0 else "falt"
        return (f"Pilot 4 (minst to kvalifiserte fra målgruppen til intervju): intervjuandelen {way} tydelig, "
                f"med {size}.")
    from .pilots.text import interval_excludes
    return (f"Pilot 4 (minst to kvalifiserte fra målgruppen til intervju): endringen i intervjuandelen er usikker, "
            f"{size}; {interval_excludes(lo, hi)}.")


def findings(tables: dict[str, pd.DataFrame | None], params: dict[str, Any], year: int) -> list[str]:
    """Five to eight plain bokmål sentences for a leader, read from the same public tables and values
    as :func:`key_figures` (so a sentence and the table never disagree). The certainty words are tied
    to the 95 % intervals: **tydelig** when the whole interval lies on one side of the comparison
    (population share, 1, 0), **usikkert** when it covers it, **kan ikke avgjøres** when the value is
    hidden or the numbers are too few. Empty when no table is there."""
    focal = params["focal_group"]
    said = [
        _leaders_finding(tables.get("representation"), focal=focal, year=year, params=params),
        _sector_finding(tables.get("sector_targets"), params),
        _board_finding(tables.get("board_targets"), focal=focal, params=params),
        *_funnel_findings(tables.get("funnel_disparity"), focal=focal, params=params),
        *_pilot_findings(tables.get("pilot_effects")),
    ]
    return [s for s in said if s]


def findings_markdown(tables: dict[str, pd.DataFrame | None], params: dict[str, Any], year: int) -> str:
    """:func:`findings` as a Markdown list under a heading; a sentence when there are none."""
    said = findings(tables, params, year)
    if not said:
        return "Ingen av analysedelene ga funn for dette året (ingen data levert for dem)."
    legend = ("*Tydelig*: hele konfidensintervallet (95 %, eller nivået som står ved tallet) ligger på én side av "
              "sammenligningen. *Usikkert*: intervallet "
              "rommer den. *Kan ikke avgjøres*: tallet er skjult eller bygger på for få personer.")
    return "### Hovedfunn\n\n" + "\n".join(f"- {s}" for s in said) + "\n\n" + legend
