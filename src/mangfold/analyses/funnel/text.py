"""Short bokmål sentences with numbers for the recruitment section.

Every function reads a *public* table (after disclosure control), so a suppressed number is never
written into the text: it reads "skjult (få personer)" instead.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

TRANSITION_NB = {
    "applied_to_qualified": "fra søker til formelt kvalifisert",
    "qualified_to_interviewed": "fra kvalifisert til intervju",
    "interviewed_to_recommended": "fra intervju til innstilling",
    "recommended_to_hired": "fra innstilling til tilsetting",
    "applied_to_hired": "gjennom hele prosessen (fra søker til tilsatt)",
}
LEVEL_NB = {"top_leader": "toppledere", "leader": "ledere", "employee": "medarbeidere", "all": "alle nivåer"}
GROUP_NB = {"lbg2": "landbakgrunnsgruppe 2", "lbg1": "landbakgrunnsgruppe 1", "none": "uten innvandrerbakgrunn",
            "immigrant_unspecified": "innvandrerbakgrunn uten oppgitt landgruppe"}

#: What each verdict means, in plain bokmål (shown in the report).
VERDICT_MEANING = {
    "disparity": ("**Forskjell påvist**: hele 95 %-intervallet for rateforholdet ligger under 1, og forskjellen er "
                  "statistisk signifikant også etter Holm-justering for alle sammenligningene i året. Målgruppen går "
                  "sjeldnere videre enn referansegruppen, og det er lite trolig at det skyldes tilfeldigheter."),
    "no_evidence": ("**Ingen vesentlig forskjell**: intervallet rommer 1 (eller ligger over 1) og utelukker rateforhold "
                    "under firefemtedelsgrensen, og tallene er store nok til å oppdage et slikt fall (se minste "
                    "påvisbare forskjell). Det betyr ikke at forskjellen er null, men at en stor forskjell i "
                    "målgruppens disfavør er lite trolig."),
    "inconclusive": ("**Kan ikke avgjøres**: tallene er for få eller for usikre. Intervallet rommer både «ingen "
                     "forskjell» og en stor forskjell, eller forskjellen holder ikke etter justering for mange "
                     "sammenligninger. Den minste påvisbare forskjellen viser hvor stor en forskjell måtte være for "
                     "at dataene skulle kunne vise den."),
}
_VERDICT_SHORT = {"disparity": "forskjell påvist", "no_evidence": "ingen vesentlig forskjell",
                  "inconclusive": "kan ikke avgjøres"}
HIDDEN = "skjult (få personer)"


def _num(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def fmt(x: Any, digits: int = 2) -> str:
    """A number with a decimal comma; ``HIDDEN`` when missing."""
    v = _num(x)
    return HIDDEN if math.isnan(v) else f"{v:.{digits}f}".replace(".", ",")


def pct(x: Any, digits: int = 1) -> str:
    v = _num(x)
    return HIDDEN if math.isnan(v) else f"{100 * v:.{digits}f} %".replace(".", ",")


def count(x: Any) -> str:
    """A whole number with a (non-breaking) space as thousands separator; ``HIDDEN`` when missing."""
    v = _num(x)
    return HIDDEN if math.isnan(v) else f"{int(round(v)):,}".replace(",", "\u00a0")


def pvalue(x: Any) -> str:
    v = _num(x)
    return HIDDEN if math.isnan(v) else ("p < 0,001" if v < 0.001 else f"p = {fmt(v, 3)}")


def _ci(lo: Any, hi: Any, digits: int = 2) -> str:
    a, b = _num(lo), _num(hi)
    if math.isnan(a) or math.isnan(b):
        return "intervall ikke tilgjengelig"
    if a < 0 or b < 0:
        return f"95 % KI fra {fmt(a, digits)} til {fmt(b, digits)}"
    return f"95 % KI {fmt(a, digits)}–{fmt(b, digits)}"


def _pick(df: pd.DataFrame | None, **eq: Any) -> pd.Series | None:
    if df is None or not len(df):
        return None
    m = pd.Series(True, index=df.index)
    for k, v in eq.items():
        m &= df[k].astype(str) == str(v)
    return df[m].iloc[0] if m.any() else None


def verdict_legend() -> str:
    """The three verdicts, one bullet each."""
    return "\n".join(f"- {VERDICT_MEANING[v]}" for v in ("disparity", "no_evidence", "inconclusive"))


def headline(disp: pd.DataFrame, *, params: dict[str, Any]) -> str:
    """The focal group's whole-funnel gap (all levels) and the stage with the lowest impact ratio."""
    focal = params["focal_group"]
    g = GROUP_NB.get(focal, focal)
    r = _pick(disp, position_level="all", transition="applied_to_hired", group=focal)
    if r is None:
        return f"Det er ingen søknader fra {g} i år, så prosessen kan ikke sammenlignes."
    parts = [f"Gjennom hele prosessen ble **{pct(r['rate_group'])}** av søknadene fra {g} til en tilsetting, mot "
             f"**{pct(r['rate_reference'])}** for søkere uten innvandrerbakgrunn. Rateforholdet er "
             f"**{fmt(r['impact_ratio'])}** ({_ci(r['impact_ratio_ci_low'], r['impact_ratio_ci_high'])}); "
             f"vurdering: **{_VERDICT_SHORT.get(str(r['verdict']), HIDDEN)}**."]
    stages = disp[(disp["position_level"] == "all") & (disp["group"] == focal)
                  & (disp["transition"] != "applied_to_hired")].copy()
    stages["_ir"] = pd.to_numeric(stages["impact_ratio"], errors="coerce")
    stages = stages.dropna(subset=["_ir"])
    if len(stages):
        w = stages.sort_values("_ir").iloc[0]
        if w["_ir"] < 1:
            parts.append(f"Størst er fallet {TRANSITION_NB[w['transition']]}: rateforhold {fmt(w['_ir'])} "
                         f"({_ci(w['impact_ratio_ci_low'], w['impact_ratio_ci_high'])}, "
                         f"{_VERDICT_SHORT.get(str(w['verdict']), HIDDEN)}).")
    return " ".join(parts)


def within_text(disp: pd.DataFrame, *, params: dict[str, Any], transition: str = "qualified_to_interviewed") -> str:
    """Aggregate versus within-vacancy comparison for one transition (all levels), with a reading."""
    focal = params["focal_group"]
    r = _pick(disp, position_level="all", transition=transition, group=focal)
    if r is None:
        return ""
    agg, lo_a, hi_a = _num(r["or_aggregate"]), _num(r["or_aggregate_ci_low"]), _num(r["or_aggregate_ci_high"])
    wv = _num(r["or_within_vacancy"])
    lo_w, hi_w = _num(r["or_within_vacancy_ci_low"]), _num(r["or_within_vacancy_ci_high"])
    nv = _num(r["n_vacancies"])
    text = (f"**{TRANSITION_NB[transition].capitalize()}.** Samlet for alle stillinger er oddsforholdet "
            f"{fmt(agg)} ({_ci(lo_a, hi_a)}). Sammenlignet innenfor samme stilling (Mantel-Haenszel over "
            f"{'ukjent antall' if math.isnan(nv) else count(nv)} stillinger med søkere fra begge grupper) er det "
            f"{fmt(wv)} ({_ci(lo_w, hi_w)}).")
    if any(math.isnan(v) for v in (agg, wv, lo_w, hi_w)):
        return text
    if hi_w < 1 and agg < lo_w:
        text += (" Forskjellen finnes også blant søkere til samme stilling, men den er større samlet: en del av "
                 "forskjellen henger sammen med hvilke stillinger gruppene søker på.")
    elif hi_w < 1:
        text += (" Forskjellen er like stor blant søkere til samme stilling; den forklares ikke av hvilke stillinger "
                 "gruppene søker på.")
    elif lo_w > 1:
        text += " Innenfor samme stilling går målgruppen oftere videre enn referansegruppen."
    elif agg < lo_w:
        text += (" Innenfor samme stilling kan vi ikke påvise noen forskjell, og den samlede forskjellen er tydelig "
                 "større: den henger i stor grad sammen med hvilke stillinger gruppene søker på.")
    else:
        text += (" Innenfor samme stilling kan vi ikke påvise noen forskjell, men intervallet er for bredt til å avgjøre "
                 "om den samlede forskjellen skyldes hvilke stillinger gruppene søker på, eller utvelgelsen.")
    het = _num(r["heterogeneity_p"])
    if not math.isnan(het) and het < float(params["alpha"]):
        text += (f" Breslow-Day-testen ({pvalue(het)}) tyder på at forskjellen varierer mellom stillingene, så "
                 "det felles oddsforholdet er et gjennomsnitt over ulike situasjoner.")
    return text


def stages_text(stages: pd.DataFrame, *, params: dict[str, Any]) -> str:
    """Which stage carries most of the focal group's loss (all levels)."""
    focal = params["focal_group"]
    d = stages[(stages["position_level"] == "all") & (stages["group"] == focal)].copy()
    if not len(d):
        return ""
    d["_s"] = pd.to_numeric(d["share_of_loss"], errors="coerce")
    loss = str(d["funnel_loss"].iloc[0]).lower() in ("true", "1")
    if d["_s"].isna().all():
        return "Fordelingen av tapet på trinnene kan ikke vises fordi noen av tallene er for små."
    if not loss:
        return ("Målgruppen kommer ikke dårligere ut gjennom hele prosessen samlet, så det er ikke noe tap å fordele på "
                "trinnene i år.")
    top = d.sort_values("_s", ascending=False).iloc[0]
    return (f"Av den samlede forskjellen gjennom prosessen (alle nivåer) faller **{pct(top['_s'], 0)}** på trinnet "
            f"{TRANSITION_NB[top['transition']]} (95 % KI {pct(top['share_of_loss_ci_low'], 0)} til "
            f"{pct(top['share_of_loss_ci_high'], 0)}). Andelene er regnet på logaritmisk skala og summerer til 100 %; "
            "en negativ andel betyr at målgruppen gjorde det bedre enn referansegruppen på det trinnet.")


def bounds_text(disp: pd.DataFrame, *, params: dict[str, Any]) -> str:
    """The undeclared bounds of the whole-funnel ratio (all levels)."""
    focal = params["focal_group"]
    r = _pick(disp, position_level="all", transition="applied_to_hired", group=focal)
    if r is None:
        return ""
    return (f"Gjennom hele prosessen er rateforholdet {fmt(r['impact_ratio'])} når vi bare ser på dem som har oppgitt "
            f"bakgrunn. Hvis alle de {count(r['n_undeclared'])} søknadene uten oppgitt bakgrunn hørte til "
            f"{GROUP_NB.get(focal, focal)}, ville det vært {fmt(r['impact_ratio_if_undeclared_group'])}; hvis alle hørte "
            f"til referansegruppen, {fmt(r['impact_ratio_if_undeclared_reference'])}. Mellom disse ytterpunktene og "
            f"punktanslaget spenner rateforholdet fra {fmt(r['impact_ratio_bound_low'])} til "
            f"{fmt(r['impact_ratio_bound_high'])}, før statistisk usikkerhet er regnet med.")


def measure23_text(m23: pd.DataFrame) -> str:
    r = _pick(m23, position_level="all")
    if r is None:
        return ""
    nreq = _num(r["n_required"])
    if nreq == 0:
        return ("Ingen stillinger hadde lavere andel med oppgitt innvandrerbakgrunn blant de innstilte enn blant de "
                "kvalifiserte.")
    text = (f"I {count(nreq)} av {count(r['n_vacancies'])} stillinger med innstilling ({pct(r['share_required'], 0)}) var "
            f"andelen med oppgitt innvandrerbakgrunn lavere blant de innstilte enn blant de formelt kvalifiserte, slik at "
            f"tiltak 2.3 krevde en aktiv begrunnelse.")
    if _num(r["n_not_recorded"]) == nreq:
        return text + " Om begrunnelse ble gitt, er ikke registrert i dataene."
    return text + (f" Begrunnelse ble registrert i **{pct(r['compliance_rate'], 0)}** av dem "
                   f"(95 % KI {pct(r['ci_low'], 0)}–{pct(r['ci_high'], 0)}).")


def measures_text(meas: pd.DataFrame, *, params: dict[str, Any]) -> str:
    """One bullet per measure: the focal group's share of the applicants (3.2, 3.4) and its interview
    rate among the qualified, with and without the measure."""
    out = []
    names = {"2.1_recruiter_trained": "der rekrutterende leder har tatt rekrutteringskurset (tiltak 2.1)",
             "3.2_inclusive_ad": "med inkluderende annonsemal (tiltak 3.2, lederstillinger)",
             "3.4_agency": "der et rekrutteringsbyrå bisto (tiltak 3.4, lederstillinger)"}

    def diff(r) -> str:
        return (f"forskjell {fmt(100 * _num(r['difference']), 1)} prosentpoeng, "
                f"{_ci(100 * _num(r['difference_ci_low']), 100 * _num(r['difference_ci_high']), 1)}")

    for m, name in names.items():
        parts = []
        a = _pick(meas, measure=m, outcome="applicant_share")
        if m != "2.1_recruiter_trained" and a is not None and not math.isnan(_num(a["rate_with"])):
            parts.append(f"kom {pct(a['rate_with'])} av søknadene fra målgruppen, mot {pct(a['rate_without'])} "
                         f"ellers ({diff(a)})")
        r = _pick(meas, measure=m, outcome="qualified_to_interviewed")
        if r is not None and not math.isnan(_num(r["rate_with"])):
            parts.append(f"ble {pct(r['rate_with'])} av de kvalifiserte søkerne fra målgruppen innkalt til intervju, "
                         f"mot {pct(r['rate_without'])} ellers ({diff(r)})")
        if parts:
            out.append(f"- I stillinger {name} " + "; og det ".join(parts) + ".")
    return "\n".join(out)


def trend_text(tt: pd.DataFrame) -> str:
    r = _pick(tt, transition="applied_to_hired")
    if r is None or math.isnan(_num(r["estimate"])):
        return "Det er for få år i datagrunnlaget til å anslå en utvikling over tid."
    ch, lo, hi = _num(r["or_change_per_year"]), _num(r["or_change_ci_low"]), _num(r["or_change_ci_high"])
    if lo > 1:
        reading = "forskjellen er blitt mindre over tid"
    elif hi < 1:
        reading = "forskjellen er blitt større over tid"
    else:
        reading = "vi kan ikke si sikkert om forskjellen er blitt mindre eller større"
    return (f"Fra {int(_num(r['first_year']))} til {int(_num(r['last_year']))} endret oddsforholdet for hele prosessen "
            f"seg med en faktor {fmt(ch)} per år ({_ci(lo, hi)}): {reading}.")
