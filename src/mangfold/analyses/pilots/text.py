"""Plain bokmål sentences about the pilots, built from the *public* tables, so a suppressed number
never reaches the text. Every function returns a string (empty when there is nothing to say),
except :func:`token_check`, which returns a one-row table with its verdict."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

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
    """Probability points with sign, comma decimal: 0.052 -> '+5,2'."""
    return f"{100 * x:+.1f}".replace(".", ",").replace("-", "−")


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _p(x: float) -> str:
    if not np.isfinite(x):
        return "–"
    return "p < 0,001" if x < 0.001 else f"p = {x:.3f}".replace(".", ",")


def _row(df: pd.DataFrame | None, **eq) -> pd.Series | None:
    if df is None or not len(df):
        return None
    m = np.ones(len(df), dtype=bool)
    for k, v in eq.items():
        m &= (df[k].astype(str) == str(v)).to_numpy()
    return df[m].iloc[0] if m.any() else None


def effect_phrase(eff: pd.DataFrame, *, pilot: str, outcome: str, estimator: str = "callaway_santanna") -> str:
    """'+10,2 prosentpoeng (95 % KI +8,2 til +12,1)' or '' when suppressed or missing."""
    r = _row(eff, pilot=pilot, outcome=outcome, estimator=estimator)
    if r is None or not np.isfinite(_f(r["estimate"])):
        return ""
    return f"{_pp(_f(r['estimate']))} prosentpoeng (95 % KI {_pp(_f(r['ci_low']))} til {_pp(_f(r['ci_high']))})"


def token_check(effects: pd.DataFrame, *, pilot: str = "min_two_interviews",
                estimators: tuple[str, ...] = ("callaway_santanna", "twfe")) -> pd.DataFrame:
    """Interviews up but hires not? Read from the *public* ``pilot_effects`` table.

    Uses the first estimator in ``estimators`` with a visible estimate and interval for both
    ``qualified_to_interviewed`` and ``applied_to_hired``. Returns one row: ``estimator``,
    ``interview_effect, interview_ci_low, interview_ci_high``, ``hire_effect, hire_ci_low,
    hire_ci_high, hire_mde``, ``verdict`` (``interviews_and_hires_up``, ``interviews_up_hires_not``,
    ``no_interview_effect``, ``not_estimable``) and ``text``: plain bokmål sentences. "Up" means
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
        return pd.DataFrame([{**dict.fromkeys(cols, np.nan), "estimator": "", "verdict": "not_estimable",
                              "text": "Effekten på intervjuer og tilsettinger kan ikke anslås med dataene "
                                      "(for få enheter eller personer, eller tallene er skjult)."}], columns=cols)
    est, iv, ivl, ivh, hv, hvl, hvh, hmde = vals
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
                f"intervjuet: anslaget er {iv_txt}. For andelen søkere som blir tilsatt er anslaget {hv_txt}.")
    return pd.DataFrame([{"estimator": est, "interview_effect": iv, "interview_ci_low": ivl, "interview_ci_high": ivh,
                          "hire_effect": hv, "hire_ci_low": hvl, "hire_ci_high": hvh, "hire_mde": hmde,
                          "verdict": verdict, "text": text}], columns=cols)


def robustness_sentence(eff: pd.DataFrame, *, pilot: str, outcome: str = "qualified_to_interviewed") -> str:
    """How the estimators agree on one outcome, and the randomisation test's p-value."""
    rows = {e: _row(eff, pilot=pilot, outcome=outcome, estimator=e)
            for e in ("twfe", "callaway_santanna", "sun_abraham", "randomization_inference")}
    est = {e: _f(r["estimate"]) for e, r in rows.items() if r is not None}
    if not est or not all(np.isfinite(v) for v in est.values()):
        return ""
    lo, hi = min(est.values()), max(est.values())
    ri = rows.get("randomization_inference")
    ri_txt = (f" Randomiseringstesten, som ikke bygger på store utvalg, gir {_p(_f(ri['p_value']))}."
              if ri is not None and np.isfinite(_f(ri["p_value"])) else "")
    few = any("få enheter" in str(r.get("note", "")) for r in rows.values() if r is not None)
    few_txt = (" Det er få enheter i piloten, så intervallene fra de vanlige metodene er for smale; stol mest på "
               "randomiseringstesten." if few else "")
    return (f"For {OUTCOME_WORDS.get(outcome, outcome)} gir de fire metodene anslag fra {_pp(lo)} til {_pp(hi)} "
            f"prosentpoeng.{ri_txt}{few_txt}")


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


def mde_sentence(eff: pd.DataFrame, *, pilot: str, estimator: str = "twfe") -> str:
    """The smallest effects the current design can detect, per outcome."""
    d = eff[(eff["pilot"] == pilot) & (eff["estimator"] == estimator)] if len(eff) else eff
    parts = [f"{OUTCOME_WORDS.get(o, o)} {_pp(_f(m)).lstrip('+')} prosentpoeng"
             for o, m in zip(d.get("outcome", []), d.get("mde", [])) if np.isfinite(_f(m))]
    if not parts:
        return ""
    return ("Med dagens antall enheter og år kan undersøkelsen, med 80 % sannsynlighet, påvise en effekt på minst: "
            + "; ".join(parts) + ". Mindre effekter kan finnes uten at vi ser dem.")


def _dec(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


def job_analysis_sentence(ja: pd.DataFrame) -> str:
    """Qualification rates with and without a job analysis, and the within-unit odds ratio."""
    r = _row(ja, outcome="applied_to_qualified")
    if r is None or not np.isfinite(_f(r["rate_with"])) or not np.isfinite(_f(r["rate_without"])):
        return ""
    orr, lo, hi = _f(r["or_within_unit"]), _f(r["or_ci_low"]), _f(r["or_ci_high"])
    within = ""
    if np.isfinite(orr) and np.isfinite(lo) and np.isfinite(hi):
        sure = ("altså høyere" if lo > 1 else "altså lavere" if hi < 1 else "altså ikke sikkert forskjellig")
        within = (f" Sammenligner vi stillinger innen samme enhet, er oddsen for å være kvalifisert {_dec(orr)} "
                  f"ganger så høy med jobbanalyse (95 % KI {_dec(lo)}–{_dec(hi)}), {sure}.")
    return (f"Blant søkerne fra fokusgruppen var {_pct(_f(r['rate_with']))} formelt kvalifisert i stillinger med "
            f"grundig jobbanalyse, mot {_pct(_f(r['rate_without']))} i stillinger uten.{within}")


def training_sentence(out: pd.DataFrame) -> str:
    r = _row(out, outcome="retained")
    if r is None or not np.isfinite(_f(r["rate_participants"])) or not np.isfinite(_f(r["rate_comparison"])):
        return ""
    return (f"{_pct(_f(r['rate_participants']))} av deltakerne var fortsatt ansatt året etter, mot "
            f"{_pct(_f(r['rate_comparison']))} av sammenlignbare nyansatte som ikke deltok "
            f"({_p(_f(r['p_value']))}). Dette er en sammenheng, ikke nødvendigvis en effekt av opplæringen.")
