"""Plain bokmål sentences about the pilots, built from the *public* tables, so a suppressed number
never reaches the text. Every function returns a string (empty when there is nothing to say),
except :func:`token_check`, which returns a one-row table with its verdict."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ... import text as _text
from .estimation import HEADLINE_ESTIMATOR

OUTCOME_WORDS = {
    "applied_to_qualified": "andelen søkere som er formelt kvalifisert",
    "qualified_to_interviewed": "andelen kvalifiserte søkere som blir intervjuet",
    "interviewed_to_hired": "andelen intervjuede som blir tilsatt",
    "applied_to_hired": "andelen søkere som blir tilsatt",
}


def _f(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _pp(x: float) -> str:
    """Probability points with sign, comma decimal: 0.052 -> '+5,2' (:func:`mangfold.text.points`)."""
    return _text.points(x, 1, sign=True, unit=False)


def _pct(x: float) -> str:
    return _text.percent(x, 0)


def _p(x: float) -> str:
    return _text.pvalue(x)


def _row(df: pd.DataFrame | None, **eq) -> pd.Series | None:
    if df is None or not len(df):
        return None
    m = np.ones(len(df), dtype=bool)
    for k, v in eq.items():
        m &= (df[k].astype(str) == str(v)).to_numpy()
    return df[m].iloc[0] if m.any() else None



PILOT_WORDS = {
    "min_two_interviews": "Pilot 4 (minst to kvalifiserte fra fokusgruppen til intervju)",
    "job_analysis": "Pilot 1 (grundig jobbanalyse)",
}


def interval_excludes(lo: float, hi: float) -> str:
    """What a 95 % interval of an effect (probability points as a share) rules out, in plain bokmål:
    'intervallet utelukker en nedgang større enn 0,7 og en økning større enn 5,1 prosentpoeng'."""
    lo, hi = _f(lo), _f(hi)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    def pts(x: float) -> str:
        return _text.number(100 * abs(x), 1)
    if lo > 0:
        return (f"intervallet utelukker ingen effekt og en økning mindre enn {pts(lo)} eller større enn {pts(hi)} "
                f"prosentpoeng")
    if hi < 0:
        return (f"intervallet utelukker ingen effekt og en nedgang mindre enn {pts(hi)} eller større enn {pts(lo)} "
                f"prosentpoeng")
    return f"intervallet utelukker en nedgang større enn {pts(lo)} og en økning større enn {pts(hi)} prosentpoeng"


def effect_phrase(eff: pd.DataFrame, *, pilot: str, outcome: str, estimator: str = HEADLINE_ESTIMATOR) -> str:
    """'+10,2 prosentpoeng (95 % KI +8,2 til +12,1)' or '' when suppressed or missing."""
    r = _row(eff, pilot=pilot, outcome=outcome, estimator=estimator)
    if r is None or not np.isfinite(_f(r["estimate"])):
        return ""
    return f"{_pp(_f(r['estimate']))} prosentpoeng (95 % KI {_pp(_f(r['ci_low']))} til {_pp(_f(r['ci_high']))})"


def token_check(effects: pd.DataFrame, *, pilot: str = "min_two_interviews",
                estimators: tuple[str, ...] = (HEADLINE_ESTIMATOR,)) -> pd.DataFrame:
    """Interviews up but hires not? Read from the *public* ``pilot_effects`` table.

    Uses the first estimator in ``estimators`` with a visible estimate and interval for both
    ``qualified_to_interviewed`` and ``applied_to_hired``. Returns one row: ``estimator``,
    ``interview_effect, interview_ci_low, interview_ci_high``, ``hire_effect, hire_ci_low,
    hire_ci_high, hire_mde``, ``verdict`` (``interviews_and_hires_up``, ``interviews_up_hires_not``,
    ``no_interview_effect``, ``not_started`` (no unit has begun: the public table says 0 treated),
    ``not_estimable``) and ``text``: plain bokmål sentences. "Up" means
    that the 95 % interval lies above zero.
    """
    cols = ["estimator", "interview_effect", "interview_ci_low", "interview_ci_high", "hire_effect",
            "hire_ci_low", "hire_ci_high", "hire_mde", "verdict", "text"]
    vals = None
    for est in estimators:
        iv = _row(effects, pilot=pilot, outcome="qualified_to_interviewed", estimator=est)
        hv = _row(effects, pilot=pilot, outcome="applied_to_hired", estimator=est)
        if iv is None or hv is None:
            continue
        v = [_f(iv["estimate"]), _f(iv["ci_low"]), _f(iv["ci_high"]), _f(hv["estimate"]), _f(hv["ci_low"]),
             _f(hv["ci_high"]), _f(hv["mde"])]
        if all(np.isfinite(v[:6])):
            vals = (est, *v)
            break
    if vals is None:
        head = _row(effects, pilot=pilot, outcome="qualified_to_interviewed", estimator=estimators[0])
        if head is not None and any(_f(head.get(c)) == 0 for c in ("n_treated_units", "n_treated_persons")):
            return pd.DataFrame([{**dict.fromkeys(cols, np.nan), "estimator": "", "verdict": "not_started",
                                  "text": "Regelen er ikke tatt i bruk i noen enhet ennå, så effekten kan ikke "
                                          "måles (piloten ikke startet)."}], columns=cols)
        return pd.DataFrame([{**dict.fromkeys(cols, np.nan), "estimator": "", "verdict": "not_estimable",
                              "text": "Effekten på intervjuer og tilsettinger kan ikke anslås med dataene "
                                      "(for få enheter eller personer, eller tallene er skjult)."}], columns=cols)
    est, iv, ivl, ivh, hv, hvl, hvh, hmde = vals
    iv_txt = f"{_pp(iv)} prosentpoeng (95 % KI {_pp(ivl)} til {_pp(ivh)})"
    hv_txt = f"{_pp(hv)} prosentpoeng (95 % KI {_pp(hvl)} til {_pp(hvh)})"
    if ivl > 0 and hvl > 0:
        verdict = "interviews_and_hires_up"
        text = (f"I pilotenhetene økte både andelen kvalifiserte søkere fra fokusgruppen som ble intervjuet "
                f"({iv_txt}) og andelen søkere som ble tilsatt ({hv_txt}), sammenlignet med utviklingen i de "
                f"andre enhetene.")
    elif ivl > 0:
        verdict = "interviews_up_hires_not"
        mde_txt = (f" Med dagens data kan undersøkelsen med 80 % sannsynlighet bare påvise en endring i "
                   f"tilsettinger på minst {_pp(hmde).lstrip('+')} prosentpoeng." if np.isfinite(hmde) else "")
        text = (f"**Flere ble intervjuet; for tilsettinger er effekten ennå usikker.** Andelen kvalifiserte søkere "
                f"fra fokusgruppen som ble intervjuet, økte med {iv_txt}. Endringen i andelen søkere som ble tilsatt "
                f"er {hv_txt}: {interval_excludes(hvl, hvh)}, så verken ingen effekt eller en liten økning kan "
                f"utelukkes.{mde_txt}")
    else:
        verdict = "no_interview_effect"
        text = (f"Vi kan ikke påvise at regelen har endret andelen kvalifiserte søkere fra fokusgruppen som blir "
                f"intervjuet: anslaget er {iv_txt}, og {interval_excludes(ivl, ivh)}. For andelen søkere som blir "
                f"tilsatt er anslaget {hv_txt}.")
    return pd.DataFrame([{"estimator": est, "interview_effect": iv, "interview_ci_low": ivl, "interview_ci_high": ivh,
                          "hire_effect": hv, "hire_ci_low": hvl, "hire_ci_high": hvh, "hire_mde": hmde,
                          "verdict": verdict, "text": text}], columns=cols)


def robustness_sentence(eff: pd.DataFrame, *, pilot: str, outcome: str = "qualified_to_interviewed") -> str:
    """How the estimators agree on one outcome; which row is the headline and why; the randomisation
    test as a check (a sensitivity check when the units enrolled themselves, read from its ``note``)."""
    rows = {e: _row(eff, pilot=pilot, outcome=outcome, estimator=e)
            for e in ("twfe", "callaway_santanna", "sun_abraham", "randomization_inference")}
    est = {e: _f(r["estimate"]) for e, r in rows.items() if r is not None}
    if not est or not all(np.isfinite(v) for v in est.values()):
        return ""
    lo, hi = min(est.values()), max(est.values())
    head = rows.get(HEADLINE_ESTIMATOR)
    head_txt = ""
    if head is not None and np.isfinite(_f(head["ci_low"])) and np.isfinite(_f(head["ci_high"])):
        head_txt = (f" Hovedanslaget er TWFE med et villt klyngebootstrap-intervall, som holder sitt nivå også med få "
                    f"enheter: {effect_phrase(eff, pilot=pilot, outcome=outcome)}; "
                    f"{interval_excludes(_f(head['ci_low']), _f(head['ci_high']))}.")
    ri = rows.get("randomization_inference")
    ri_txt = ""
    if ri is not None and np.isfinite(_f(ri["p_value"])):
        if "følsomhetsanalyse" in str(ri.get("note", "")):
            ri_txt = (f" Randomiseringstesten gir {_p(_f(ri['p_value']))}, men den forutsetter at pilotenhetene ble "
                      f"trukket tilfeldig; her meldte enhetene seg selv, så den er bare en følsomhetsanalyse.")
        else:
            ri_txt = (f" Enhetene ble trukket tilfeldig, og randomiseringstesten, som bygger på nettopp det, gir "
                      f"{_p(_f(ri['p_value']))}.")
    few = any("få enheter" in str(r.get("note", "")) for r in rows.values() if r is not None)
    few_txt = (" Callaway–Sant'Anna og Sun–Abraham viser om effekten avhenger av når enheten startet, men deres "
               "intervaller er for smale med så få enheter." if few else "")
    return (f"For {OUTCOME_WORDS.get(outcome, outcome)} gir de fire metodene anslag fra {_pp(lo)} til {_pp(hi)} "
            f"prosentpoeng.{head_txt}{ri_txt}{few_txt}")


def significant_findings(eff: pd.DataFrame, *, exclude: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """One sentence per pilot and outcome whose headline interval (:data:`HEADLINE_ESTIMATOR`) excludes 0,
    increases and decreases alike, in table order: what the summary (00-sammendrag) should carry. The
    wording says what changed in the pilot units compared with the others, not that the pilot caused it.
    ``exclude``: (pilot, outcome) pairs said elsewhere."""
    if eff is None or not len(eff):
        return []
    out = []
    d = eff[eff["estimator"].astype(str) == HEADLINE_ESTIMATOR]
    for _, r in d.iterrows():
        lo, hi, est = _f(r["ci_low"]), _f(r["ci_high"]), _f(r["estimate"])
        if not (np.isfinite(lo) and np.isfinite(hi) and np.isfinite(est)) or (lo <= 0 <= hi):
            continue
        if (str(r["pilot"]), str(r["outcome"])) in exclude:
            continue
        way = "økte" if lo > 0 else "falt"
        who = PILOT_WORDS.get(str(r["pilot"]), str(r["pilot"]))
        out.append(f"{who}: {OUTCOME_WORDS.get(r['outcome'], r['outcome'])} {way} i pilotenhetene sammenlignet "
                   f"med de andre enhetene, med {_pp(est)} prosentpoeng (95 % KI {_pp(lo)} til {_pp(hi)}).")
    return out


def pretrend_sentence(pre: pd.DataFrame, *, pilot: str, alpha: float = 0.05) -> str:
    """Did the pilot units move differently before the start? One sentence per outcome tested."""
    if pre is None or not len(pre):
        return ("Dataene har for få år før oppstart til å teste om pilotenhetene utviklet seg likt med de andre "
                "før piloten.")
    d = pre[pre["pilot"] == pilot]
    out = []
    for _, r in d.iterrows():
        p = _f(r["f_p_value"])
        what = OUTCOME_WORDS.get(r["outcome"], r["outcome"])
        if not np.isfinite(p):
            continue
        if p < alpha:
            out.append(f"Før oppstart utviklet {what} seg annerledes i pilotenhetene enn i de andre ({_p(p)}); "
                       f"effektanslaget for dette er derfor mindre sikkert.")
        else:
            out.append(f"For {what} er det ikke tegn til ulik utvikling før oppstart ({_p(p)}), men testen har "
                       f"begrenset styrke.")
    return " ".join(out)


def compliance_sentence(comp: pd.DataFrame) -> str:
    """How often the rule was followed, against how often it happened without the rule."""
    p = _row(comp, group="pilot", year="all")
    c = _row(comp, group="comparison", year="all")
    if p is None or not np.isfinite(_f(p["share_compliant"])):
        return "Det er for få stillinger i pilotenhetene til å vise hvor ofte regelen ble fulgt."
    txt = (f"I stillingene som ble lyst ut under piloten, og som hadde minst to kvalifiserte søkere fra "
           f"fokusgruppen, ble minst to av dem intervjuet i {_pct(_f(p['share_compliant']))} av tilfellene "
           f"({p['vacancies_compliant']} av {p['vacancies_eligible']} stillinger).")
    if c is not None and np.isfinite(_f(c["share_compliant"])):
        txt += (f" I stillinger uten regelen skjedde det samme i {_pct(_f(c['share_compliant']))} av tilfellene.")
    return txt


def mde_sentence(eff: pd.DataFrame, *, pilot: str, estimator: str = HEADLINE_ESTIMATOR) -> str:
    """The smallest effects the current design can detect, per outcome."""
    d = eff[(eff["pilot"] == pilot) & (eff["estimator"] == estimator)] if len(eff) else eff
    parts = [f"{OUTCOME_WORDS.get(o, o)} {_pp(_f(m)).lstrip('+')} prosentpoeng"
             for o, m in zip(d.get("outcome", []), d.get("mde", [])) if np.isfinite(_f(m))]
    if not parts:
        return ""
    return ("Med dagens antall enheter og år kan undersøkelsen, med 80 % sannsynlighet, påvise en effekt på minst: "
            + "; ".join(parts) + ". Mindre effekter kan finnes uten at vi ser dem.")


def _dec(x: float) -> str:
    return _text.number(x, 2)


def job_analysis_sentence(ja: pd.DataFrame) -> str:
    """Qualification rates with and without a job analysis, and the within-unit odds ratio."""
    r = _row(ja, outcome="applied_to_qualified")
    if r is None or not np.isfinite(_f(r["rate_with"])) or not np.isfinite(_f(r["rate_without"])):
        return ""
    orr, lo, hi = _f(r["or_within_unit"]), _f(r["or_ci_low"]), _f(r["or_ci_high"])
    within = ""
    if np.isfinite(orr) and np.isfinite(lo) and np.isfinite(hi):
        sure = ("altså høyere" if lo > 1 else "altså lavere" if hi < 1 else "altså ikke sikkert forskjellig")
        within = (f" Sammenligner vi stillinger innen samme enhet og år, er oddsen for å være kvalifisert {_dec(orr)} "
                  f"ganger så høy med jobbanalyse (95 % KI {_dec(lo)}–{_dec(hi)}), {sure}.")
    return (f"Blant søkerne fra fokusgruppen var {_pct(_f(r['rate_with']))} formelt kvalifisert i stillinger med "
            f"grundig jobbanalyse, mot {_pct(_f(r['rate_without']))} i stillinger uten.{within}")


def training_sentence(out: pd.DataFrame) -> str:
    r = _row(out, outcome="retained")
    if r is None or not np.isfinite(_f(r["rate_participants"])) or not np.isfinite(_f(r["rate_comparison"])):
        return ""
    orr, lo, hi = _f(r.get("odds_ratio")), _f(r.get("or_ci_low")), _f(r.get("or_ci_high"))
    ci = ""
    if np.isfinite(orr) and np.isfinite(lo) and np.isfinite(hi):
        sure = ("høyere" if lo > 1 else "lavere" if hi < 1 else "ikke sikkert forskjellig")
        ci = (f": oddsen for å være ansatt året etter var {_dec(orr)} ganger så høy som for sammenlignbare "
              f"nyansatte (95 % KI {_dec(lo)}–{_dec(hi)}, {_p(_f(r['p_value']))}), altså {sure}")
    return (f"{_pct(_f(r['rate_participants']))} av deltakerne var fortsatt ansatt året etter, mot "
            f"{_pct(_f(r['rate_comparison']))} av sammenlignbare nyansatte som ikke deltok{ci}. Dette er en "
            f"sammenheng, ikke nødvendigvis en effekt av opplæringen.")
