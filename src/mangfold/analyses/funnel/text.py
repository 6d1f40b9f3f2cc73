"""Short bokmål sentences with numbers for the recruitment section.

Every function reads a *public* table (after disclosure control), so a suppressed number is never
written into the text: it reads "skjult: færre enn 5" instead (mangfold.text.not_shown).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ... import text as _text

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
    "disparity": ("**Forskjell påvist**: hele konfidensintervallet for rateforholdet ligger under 1. For de fire "
                  "trinnene er intervallet et 98,75 %-intervall, fordi fire trinn sammenlignes for samme gruppe og "
                  "nivå (Bonferroni); for hele prosessen, som er én sammenligning, er det et 95 %-intervall. Den "
                  "justerte p-verdien er under 0,05 nøyaktig når intervallet ligger under 1, og samme sammenligning "
                  "får samme vurdering i alle tabellene. Målgruppen går sjeldnere videre enn referansegruppen, og det "
                  "er lite trolig at det skyldes tilfeldigheter."),
    "no_evidence": ("**Ingen vesentlig forskjell**: intervallet rommer 1 (eller ligger over 1) og utelukker rateforhold "
                    "under firefemtedelsgrensen, tallene er store nok til å oppdage et slikt fall (se minste påvisbare "
                    "forskjell), og rateforholdet holder seg over grensen uansett hvordan søknadene uten oppgitt "
                    "bakgrunn fordeler seg mellom gruppene. Det betyr ikke at forskjellen er null, men at en stor "
                    "forskjell i målgruppens disfavør er lite trolig."),
    "inconclusive": ("**Kan ikke avgjøres**: intervallet rommer både 1 og rateforhold under firefemtedelsgrensen, "
                     "tallene er for få til å oppdage et slikt fall, eller søknadene uten oppgitt bakgrunn kan, "
                     "fordelt skjevt, gi et rateforhold under grensen. Det er ikke det samme som «ingen forskjell»: "
                     "intervallet viser hvilke rateforhold dataene utelukker, og den minste påvisbare forskjellen hvor "
                     "stor en forskjell måtte være for at dataene skulle kunne vise den."),
}
_VERDICT_SHORT = {"disparity": "forskjell påvist", "no_evidence": "ingen vesentlig forskjell",
                  "inconclusive": "kan ikke avgjøres"}
HIDDEN = _text.not_shown("suppressed")  # "skjult: færre enn 5", the one wording


def _num(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def fmt(x: Any, digits: int = 2) -> str:
    """A number with a decimal comma (:func:`mangfold.text.number`); ``HIDDEN`` when missing."""
    return _text.number(_num(x), digits, missing=HIDDEN)


def pct(x: Any, digits: int = 1) -> str:
    """A share as percent (:func:`mangfold.text.percent`); ``HIDDEN`` when missing."""
    return _text.percent(_num(x), digits, missing=HIDDEN)


def count(x: Any) -> str:
    """A whole number (:func:`mangfold.text.integer`); ``HIDDEN`` when missing."""
    return _text.integer(_num(x), missing=HIDDEN)


def pvalue(x: Any) -> str:
    """``p = 0,012`` / ``p < 0,001`` (:func:`mangfold.text.pvalue`); ``HIDDEN`` when missing."""
    return _text.pvalue(_num(x), missing=HIDDEN)


def level(x: Any) -> str:
    """A confidence level as bokmål text (``0.9875`` -> ``98,75 %``; missing -> ``95 %``)."""
    v = _num(x)
    v = 0.95 if math.isnan(v) else v
    return _text.percent_tick(v, 2)


def _ci(lo: Any, hi: Any, digits: int = 2, lvl: Any = 0.95) -> str:
    a, b = _num(lo), _num(hi)
    if math.isnan(a) or math.isnan(b):
        return "intervall ikke tilgjengelig"
    if a < 0 or b < 0:
        return f"{level(lvl)} KI fra {fmt(a, digits)} til {fmt(b, digits)}"
    return f"{level(lvl)} KI {fmt(a, digits)}–{fmt(b, digits)}"


def _row_ci(r: pd.Series, prefix: str = "impact_ratio") -> str:
    """The row's ratio interval with the row's own level (``ci_level``)."""
    return _ci(r[f"{prefix}_ci_low"], r[f"{prefix}_ci_high"], lvl=r.get("ci_level", 0.95))


def excludes(lo: Any, hi: Any, what: str = "rateforhold") -> str:
    """What a non-significant interval rules out (never "no effect")."""
    a, b = _num(lo), _num(hi)
    if math.isnan(a) or math.isnan(b):
        return ""
    return f"intervallet utelukker bare {what} under {fmt(a)} og over {fmt(b)}"


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
    """The focal group's whole-funnel gap (all levels); which stage has the lowest impact ratio is named
    as *the* largest drop only when its interval lies wholly below the intervals of the other stages."""
    focal = params["focal_group"]
    g = GROUP_NB.get(focal, focal)
    r = _pick(disp, position_level="all", transition="applied_to_hired", group=focal)
    if r is None:
        return f"Det er ingen søknader fra {g} i år, så prosessen kan ikke sammenlignes."
    v = str(r["verdict"])
    parts = [f"Gjennom hele prosessen ble **{pct(r['rate_group'])}** av søknadene fra {g} til en tilsetting, mot "
             f"**{pct(r['rate_reference'])}** for søkere uten innvandrerbakgrunn. Rateforholdet er "
             f"**{fmt(r['impact_ratio'])}** ({_row_ci(r)}); vurdering: **{_VERDICT_SHORT.get(v, HIDDEN)}**."]
    if v == "disparity" and _num(r.get("impact_ratio_bound_high", math.nan)) >= 1:
        parts.append("Søknadene uten oppgitt bakgrunn kunne, fordelt svært skjevt mellom gruppene, fjernet forskjellen "
                     "(se avsnittet om dem nedenfor).")
    if v in ("inconclusive", "no_evidence") and excludes(r["impact_ratio_ci_low"], r["impact_ratio_ci_high"]):
        parts.append(f"Det er ikke det samme som at det ikke er noen forskjell: "
                     f"{excludes(r['impact_ratio_ci_low'], r['impact_ratio_ci_high'])}.")
    stages = disp[(disp["position_level"] == "all") & (disp["group"] == focal)
                  & (disp["transition"] != "applied_to_hired")].copy()
    for c in ("impact_ratio", "impact_ratio_ci_low", "impact_ratio_ci_high"):
        stages[c] = pd.to_numeric(stages[c], errors="coerce")
    shown = stages.dropna(subset=["impact_ratio", "impact_ratio_ci_low", "impact_ratio_ci_high"])
    if len(shown):
        w = shown.sort_values("impact_ratio").iloc[0]
        others = stages[stages["transition"] != w["transition"]]
        if w["impact_ratio"] < 1:
            apart = (len(shown) == len(stages) and len(others) > 0
                     and bool((w["impact_ratio_ci_high"] < others["impact_ratio_ci_low"]).all()))
            what = (f"rateforhold {fmt(w['impact_ratio'])} ({_row_ci(w)}, "
                    f"{_VERDICT_SHORT.get(str(w['verdict']), HIDDEN)})")
            if apart:
                parts.append(f"Størst er fallet {TRANSITION_NB[w['transition']]}: {what}; intervallet ligger under "
                             "intervallene for alle de andre trinnene.")
            else:
                parts.append(f"Lavest er rateforholdet {TRANSITION_NB[w['transition']]}: {what}. Intervallet "
                             "overlapper med intervallene for andre trinn (eller de er skjult), så tallene kan ikke "
                             "avgjøre på hvilket trinn fallet er størst.")
    return " ".join(parts)


def within_text(disp: pd.DataFrame, *, params: dict[str, Any], transition: str = "qualified_to_interviewed") -> str:
    """Aggregate versus within-vacancy comparison for one transition (all levels), with a reading.

    "Explained by which vacancies people apply to" is said only when the within-vacancy interval
    covers 1 *and* the aggregate interval lies wholly below it; a gap inside vacancies is said to
    remain when the within-vacancy interval lies below 1; otherwise the text says what the interval
    rules out. Breslow-Day is read as evidence of heterogeneity only when the vacancies are not
    sparse (``heterogeneity_sparse_share`` at most 0.2); otherwise the text cautions against it."""
    focal = params["focal_group"]
    r = _pick(disp, position_level="all", transition=transition, group=focal)
    if r is None:
        return ""
    agg, lo_a, hi_a = _num(r["or_aggregate"]), _num(r["or_aggregate_ci_low"]), _num(r["or_aggregate_ci_high"])
    wv = _num(r["or_within_vacancy"])
    lo_w, hi_w = _num(r["or_within_vacancy_ci_low"]), _num(r["or_within_vacancy_ci_high"])
    nv = _num(r["n_vacancies"])
    lvl = r.get("ci_level", 0.95)
    text = (f"**{TRANSITION_NB[transition].capitalize()}.** Samlet for alle stillinger er oddsforholdet "
            f"{fmt(agg)} ({_ci(lo_a, hi_a, lvl=lvl)}). Sammenlignet innenfor samme stilling (Mantel-Haenszel over "
            f"{'ukjent antall' if math.isnan(nv) else count(nv)} stillinger med søkere fra begge grupper) er det "
            f"{fmt(wv)} ({_ci(lo_w, hi_w, lvl=lvl)}).")
    if any(math.isnan(v) for v in (agg, lo_a, hi_a, wv, lo_w, hi_w)):
        return text
    if hi_w < 1:
        text += (" Forskjellen finnes også blant søkere til samme stilling, så den skyldes ikke bare hvilke stillinger "
                 "gruppene søker på.")
        if hi_a < lo_w:
            text += (" Samlet er den tydelig større (intervallene overlapper ikke): en del av den samlede forskjellen "
                     "henger sammen med hvilke stillinger gruppene søker på.")
    elif lo_w > 1:
        text += " Innenfor samme stilling går målgruppen oftere videre enn referansegruppen."
    else:
        text += (f" Innenfor samme stilling kan vi ikke påvise en forskjell, men det er ikke det samme som ingen "
                 f"forskjell: {excludes(lo_w, hi_w, 'oddsforhold')}.")
        if hi_a < lo_w:
            text += (" Det samlede intervallet ligger helt under intervallet innenfor stilling, så den samlede "
                     "forskjellen forklares i stor grad av hvilke stillinger gruppene søker på.")
        elif agg < lo_w:
            text += (" Det samlede oddsforholdet ligger under intervallet innenfor stilling, men de to intervallene "
                     "overlapper, så tallene kan ikke avgjøre hvor mye av den samlede forskjellen som skyldes hvilke "
                     "stillinger gruppene søker på.")
        else:
            text += (" Intervallet er for bredt til å avgjøre om den samlede forskjellen skyldes hvilke stillinger "
                     "gruppene søker på, eller utvelgelsen.")
    het = _num(r["heterogeneity_p"])
    sparse = _num(r.get("heterogeneity_sparse_share", math.nan))
    if not math.isnan(het) and het < float(params["alpha"]):
        if math.isnan(sparse) or sparse > 0.2:
            share = "" if math.isnan(sparse) else f" ({pct(sparse, 0)} av stillingene har en forventet celle under 5)"
            text += (f" Breslow-Days test med Tarones korreksjon gir {pvalue(het)}, men stillingene har for få søkere "
                     f"til at testen er pålitelig{share}, så den er ikke bevis for at forskjellen varierer mellom "
                     "stillingene.")
        else:
            text += (f" Breslow-Days test med Tarones korreksjon ({pvalue(het)}) tyder på at forskjellen varierer "
                     "mellom stillingene, så det felles oddsforholdet er et gjennomsnitt over ulike situasjoner.")
    return text


def stages_text(stages: pd.DataFrame, *, params: dict[str, Any]) -> str:
    """Which stage carries most of the focal group's loss (all levels): named as the largest only when
    its interval lies wholly above the intervals of the other stages."""
    focal = params["focal_group"]
    d = stages[(stages["position_level"] == "all") & (stages["group"] == focal)].copy()
    if not len(d):
        return ""
    for c in ("share_of_loss", "share_of_loss_ci_low", "share_of_loss_ci_high"):
        d[c] = pd.to_numeric(d[c], errors="coerce")
    loss = _text.flag(d["funnel_loss"].iloc[0]) is True
    if d["share_of_loss"].isna().all():
        return "Fordelingen av tapet på trinnene kan ikke vises fordi noen av tallene er for små."
    if not loss:
        return ("Målgruppen kommer ikke dårligere ut gjennom hele prosessen samlet (punktanslaget), så det er ikke noe "
                "tap å fordele på trinnene i år.")
    top = d.sort_values("share_of_loss", ascending=False).iloc[0]
    others = d[d["transition"] != top["transition"]]
    apart = bool(len(others)) and bool((top["share_of_loss_ci_low"] > others["share_of_loss_ci_high"]).all())
    what = (f"**{pct(top['share_of_loss'], 0)}** (95 % KI {pct(top['share_of_loss_ci_low'], 0)} til "
            f"{pct(top['share_of_loss_ci_high'], 0)})")
    if apart:
        lead = (f"Av den samlede forskjellen gjennom prosessen (alle nivåer) faller {what} på trinnet "
                f"{TRANSITION_NB[top['transition']]}; intervallet ligger over intervallene for de andre trinnene.")
    else:
        lead = (f"Den største andelen av den samlede forskjellen (alle nivåer) har trinnet "
                f"{TRANSITION_NB[top['transition']]}, {what}, men intervallene for trinnene overlapper, så tallene kan "
                "ikke rangere trinnene.")
    return lead + (" Andelene er regnet på logaritmisk skala og summerer til 100 %; en negativ andel betyr at "
                   "målgruppen gjorde det bedre enn referansegruppen på det trinnet.")


def bounds_text(disp: pd.DataFrame, *, params: dict[str, Any]) -> str:
    """The whole-funnel ratio's bounds over every split of the undeclared applications (all levels)."""
    focal = params["focal_group"]
    r = _pick(disp, position_level="all", transition="applied_to_hired", group=focal)
    if r is None:
        return ""
    lo, hi = _num(r["impact_ratio_bound_low"]), _num(r["impact_ratio_bound_high"])
    text = (f"Gjennom hele prosessen er rateforholdet {fmt(r['impact_ratio'])} når vi bare ser på dem som har oppgitt "
            f"bakgrunn. {count(r['n_undeclared']).capitalize()} søknader mangler bakgrunn. Uansett hvordan de fordeler "
            f"seg mellom {GROUP_NB.get(focal, focal)} og referansegruppen, ligger rateforholdet mellom "
            f"**{fmt(lo)}** og **{fmt(hi)}**, før statistisk usikkerhet er regnet med. Det laveste får vi hvis de av "
            "dem som ble tilsatt, hørte til referansegruppen og de andre til målgruppen; det høyeste med motsatt "
            "fordeling.")
    four = float(params["four_fifths"])
    if not math.isnan(hi) and hi >= 1:
        text += (" Grensene rommer 1: fordeler søkerne uten oppgitt bakgrunn seg svært skjevt, kan forskjellen "
                 "forsvinne. Vurderingen forutsetter at de ikke skiller seg systematisk fra dem som oppga bakgrunn.")
    elif not math.isnan(hi) and str(r.get("verdict")) == "disparity":
        text += " Punktanslaget forblir under 1 selv med den gunstigste fordelingen for målgruppen."
    if not math.isnan(lo) and lo < four and str(r.get("verdict")) != "disparity":
        text += (f" Fordi den laveste grensen er under {fmt(four)}, kan en vesentlig forskjell ikke utelukkes; "
                 "«ingen vesentlig forskjell» brukes bare når hele spennet ligger over grensen.")
    return text


def measure23_text(m23: pd.DataFrame) -> str:
    r = _pick(m23, position_level="all")
    if r is None:
        return ""
    nreq = _num(r["n_required"])
    if nreq == 0:
        return ("Ingen stillinger hadde lavere andel med oppgitt innvandrerbakgrunn blant de innstilte enn blant "
                "søkerne til stillingen.")
    rule = ("andelen med oppgitt innvandrerbakgrunn var lavere blant de innstilte enn blant søkerne til stillingen, "
            "slik at tiltak 2.3 krevde en aktiv begrunnelse")
    if math.isnan(nreq):  # hidden: say so once, without a number or a word ("noen") that would bound it
        text = (f"Av de {count(r['n_vacancies'])} stillingene med innstilling er antallet der {rule}, {HIDDEN}."
                if not math.isnan(_num(r["n_vacancies"])) else f"Antallet stillinger der {rule}, er {HIDDEN}.")
    else:
        text = (f"I {count(nreq)} av {count(r['n_vacancies'])} stillinger med innstilling ({pct(r['share_required'], 0)}) "
                f"var {rule.replace('var lavere', 'lavere', 1)}.")
    if not math.isnan(nreq) and _num(r["n_not_recorded"]) == nreq:
        return text + " Om begrunnelse ble gitt, er ikke registrert i dataene."
    if math.isnan(_num(r["compliance_rate"])):
        return text + f" Hvor ofte en begrunnelse ble registrert, er {HIDDEN}."
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
    first, last = int(_num(r["first_year"])), int(_num(r["last_year"]))
    if not (0.01 <= ch <= 100 and 1e-4 <= lo and hi <= 1e4):  # separation: no usable estimate
        return (f"Utviklingen fra {first} til {last} kan ikke avgjøres: modellen for endringen per år gir ikke noe "
                "brukbart anslag (noen år har for få søknader eller tilsettinger i en av gruppene, så anslaget og "
                "intervallet blir urimelig store eller små). Tallene står i tabellen under.")
    if lo > 1:
        reading = "forskjellen er blitt mindre over tid"
    elif hi < 1:
        reading = "forskjellen er blitt større over tid"
    else:
        reading = ("vi kan ikke si sikkert om forskjellen er blitt mindre eller større, men det er ikke det samme som "
                   f"ingen endring: {excludes(lo, hi, 'endringsfaktorer')}")
    return (f"Fra {first} til {last} endret oddsforholdet for hele prosessen "
            f"seg med en faktor {fmt(ch)} per år ({_ci(lo, hi)}): {reading}.")
