"""Norwegian (bokmål) formatting and labels: the one way the report writes a number, a percent, a
p-value, an interval, a year, a code and a value that is not shown.

Conventions (Språkrådet's rules for numbers, the way SSB prints them):

- decimal comma: ``0,5``; a real minus sign ``−`` (U+2212), not a hyphen;
- thousands grouped with a narrow no-break space (U+202F): ``12 345``; years are never grouped: ``2021``;
- a percent with a no-break space before the sign: ``12,3 %``; percentage points ``pp``;
- p-values: ``p = 0,012``, and ``p < 0,001`` below one in a thousand;
- intervals with an en dash when both ends are positive (``0,71–0,93``), with "til" when a sign is
  involved (``−1,2 til 3,4``);
- one mark for a value that is not shown, :data:`NOT_SHOWN` (``–``), and a reason in words wherever
  there is room (:func:`not_shown`): suppressed, no data delivered, a pilot not started, too few answers;
- codes from the data contract (``top_leader``, ``all``, ``lbg2`` ...) shown by their bokmål labels
  (:func:`label`), never raw.

Rounding is presentation only: every function takes the unrounded value. Anything that is not a
number (``None``, NaN, a hidden cell of a public table, :class:`Hidden`) is written as the not-shown
mark. Imports nothing from mangfold.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

import numpy as np

#: the one mark for a value that is not shown in a table cell; the reason is said beside it
NOT_SHOWN = "–"
MINUS = "\u2212"
#: thousands separator: narrow no-break space
THOUSANDS = "\u202f"
#: between a number and its unit (``%``, ``pp``): no-break space, so the two stay on one line
UNIT_SPACE = "\u00a0"
EN_DASH = "–"

Reason = Literal["suppressed", "no_data", "not_started", "too_few", "not_estimated", "not_applicable"]

_REASONS = {
    "suppressed": "skjult: færre enn {min_cell}",
    "no_data": "ingen data levert",
    "not_started": "piloten ikke startet",
    "too_few": "for få besvarelser",
    "not_estimated": "ikke beregnet",
    "not_applicable": "gjelder ikke",
}


#: numbers the report's text may write that are no table's cell and no parameter (the audit checks
#: every number with decimals or a unit in the text against the public tables, the params and these)
FIXED_NUMBERS: dict[float, str] = {
    0.001: "p < 0,001: the smallest p-value written as a number",
    0.998: "the outer limits of the KS funnel plot (99,8 %)",
    0.999: "the outer limits of the KS funnel plot: the 0,1 and 99,9 % quantiles",
    0.95: "the inner limits of the KS funnel plot (95 %)",
    0.8: "power of 80 % behind the minimum detectable effects",
    0.023: "KS 2009: 2,3 prosent of the municipalities had a top leader with immigrant background",
    0.5: "the 0,5 added to every cell of a 2 x 2 table with an empty cell (Haldane-Anscombe)",
    0.4: "the gender rule for boards of more than 9 members: at least 40 % of each gender",
    0.86: "coverage of the cluster-robust intervals in the simulation with few clusters (86-94 %)",
    0.94: "coverage in the simulation (86-94 % and 94-96 %)",
    0.96: "coverage of the wild cluster bootstrap in the simulation (94-96 %)",
}


class Hidden(float):
    """A cell of a public table that disclosure control hides, with the mark that shows it in place
    of the value (``<5``: a count of 1 to 4; ``:``: hidden so that another hidden cell cannot be
    worked out). It is a NaN to arithmetic and to pandas (``pd.isna`` is true, ``pd.to_numeric``
    gives NaN), so code that computes from a public table treats it as missing; shown or written
    (``str``, f-strings, :func:`mangfold.publish.typed.as_published`) it is its mark. The public
    tables stay typed this way: a column of counts holds numbers and Hidden cells, never the text
    ``"<5"`` that would have to be parsed back."""

    mark: str

    def __new__(cls, mark: str) -> "Hidden":
        obj = super().__new__(cls, math.nan)
        obj.mark = str(mark)
        return obj

    def __repr__(self) -> str:
        return f"Hidden({self.mark!r})"

    def __str__(self) -> str:
        return self.mark

    def __format__(self, spec: str) -> str:
        return self.mark

    def __reduce__(self):
        return (Hidden, (self.mark,))


def to_float(x: Any) -> float:
    """``x`` as a float; NaN for anything that is not a finite number (None, blank, a :class:`Hidden`
    cell, text)."""
    if isinstance(x, bool):
        return float(x)
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan


def is_shown(x: Any) -> bool:
    """True when ``x`` is a finite number (not hidden, not missing)."""
    return not math.isnan(to_float(x))


def _group(digits: str) -> str:
    out = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return THOUSANDS.join(out)


def number(x: Any, digits: int = 2, *, sign: bool = False, group: bool = True, missing: str = NOT_SHOWN) -> str:
    """A number with ``digits`` decimals, decimal comma, grouped thousands (from 10 000; four-digit
    numbers stay whole, ``1234``) and a real minus sign; ``sign``: a ``+`` before positive values.
    ``missing`` when ``x`` is not a number. ``number(-1234.5, 1)`` -> ``"−1234,5"``."""
    v = to_float(x)
    if math.isnan(v):
        return missing
    txt = f"{abs(v):.{digits}f}"
    whole, _, frac = txt.partition(".")
    if group and len(whole) > 4:
        whole = _group(whole)
    body = whole + ("," + frac if frac else "")
    negative = v < 0 and any(ch not in "0.," for ch in txt)  # -0.0001 at 2 digits is "0,00", not "−0,00"
    if negative:
        return MINUS + body
    if sign and any(ch not in "0.," for ch in txt):
        return "+" + body
    return body


def integer(x: Any, *, missing: str = NOT_SHOWN) -> str:
    """A whole number (a count): ``12 345``; ``1234`` stays whole. Rounded half away from zero."""
    v = to_float(x)
    if math.isnan(v):
        return missing
    return number(math.floor(abs(v) + 0.5) * (1 if v >= 0 else -1), 0, missing=missing)


count = integer


def short(x: Any, digits: int = 3, *, missing: str = NOT_SHOWN) -> str:
    """A number with at most ``digits`` decimals and no trailing zeros, for tick labels and rule
    values: ``0.8`` -> ``0,8``, ``7.5`` -> ``7,5``, ``10.0`` -> ``10``, ``-2`` -> ``−2``."""
    v = to_float(x)
    if math.isnan(v):
        return missing
    txt = number(v, digits)
    if "," in txt:
        txt = txt.rstrip("0").rstrip(",")
    return "0" if txt in ("", MINUS + "0") else txt


def percent_tick(x: Any, digits: int = 1) -> str:
    """A share as a tick label: ``0.075`` -> ``7,5 %``, ``0.1`` -> ``10 %`` (as many decimals as the
    value has, up to ``digits``, so a tick is labelled with the value it stands at)."""
    v = to_float(x)
    return NOT_SHOWN if math.isnan(v) else f"{short(100 * v, digits)}{UNIT_SPACE}%"


def year(x: Any, *, missing: str = NOT_SHOWN) -> str:
    """A year as plain digits, never grouped: ``2021``."""
    v = to_float(x)
    return missing if math.isnan(v) else str(int(round(v)))


def percent(x: Any, digits: int = 1, *, sign: bool = False, missing: str = NOT_SHOWN) -> str:
    """A share (0.123) as percent text: ``12,3 %``."""
    v = to_float(x)
    return missing if math.isnan(v) else f"{number(100 * v, digits, sign=sign)}{UNIT_SPACE}%"


def points(x: Any, digits: int = 1, *, sign: bool = True, unit: bool = True, missing: str = NOT_SHOWN) -> str:
    """A difference of shares (probability points, 0.052) as percentage points: ``+5,2 pp``."""
    v = to_float(x)
    if math.isnan(v):
        return missing
    return number(100 * v, digits, sign=sign) + (f"{UNIT_SPACE}pp" if unit else "")


def pvalue(x: Any, *, prefix: bool = True, missing: str = NOT_SHOWN) -> str:
    """``p = 0,012``; below 0.001 ``p < 0,001``; from 0.1 two decimals (``p = 0,43``)."""
    v = to_float(x)
    if math.isnan(v):
        return missing
    if v < 0.001:
        return "p < 0,001" if prefix else "< 0,001"
    txt = number(v, 3 if v < 0.1 else 2)
    return f"p = {txt}" if prefix else txt


def interval(lo: Any, hi: Any, digits: int = 2, *, scale: float = 1.0, unit: str = "",
             missing: str = NOT_SHOWN) -> str:
    """A confidence interval: ``0,71–0,93``; with a negative end ``−1,2 til 3,4`` (a dash beside a
    minus sign misreads). ``scale``: 100 for shares shown as percent (then ``unit`` ``%`` or ``pp``)."""
    a, b = to_float(lo), to_float(hi)
    if math.isnan(a) or math.isnan(b):
        return missing
    sa, sb = number(scale * a, digits), number(scale * b, digits)
    u = f"{UNIT_SPACE}{unit}" if unit else ""
    if a < 0 or b < 0:
        return f"{sa}{u} til {sb}{u}"
    return f"{sa}{EN_DASH}{sb}{u}"


def estimate_ci(est: Any, lo: Any, hi: Any, digits: int = 2, *, scale: float = 1.0, unit: str = "",
                sign: bool = False, missing: str = NOT_SHOWN) -> str:
    """An estimate with its 95 % interval in brackets: ``0,82 (0,71–0,93)``."""
    v = to_float(est)
    if math.isnan(v):
        return missing
    u = f"{UNIT_SPACE}{unit}" if unit else ""
    ci = interval(lo, hi, digits, scale=scale, unit=unit, missing="")
    return f"{number(scale * v, digits, sign=sign)}{u}" + (f" ({ci})" if ci else "")


def not_shown(reason: Reason = "suppressed", *, min_cell: int = 5, start_year: Any = None) -> str:
    """Why a value or a chapter is empty, in words: ``skjult: færre enn 5``, ``ingen data levert``,
    ``piloten startet 2026`` (with ``start_year``), ``for få besvarelser``."""
    if reason == "not_started" and start_year is not None and is_shown(start_year):
        return f"piloten starter {year(start_year)}"
    return _REASONS[reason].format(min_cell=min_cell)


def hidden_note(min_cell: int = 5) -> str:
    """What the marks in the report's tables mean (Markdown; shown once, under the key figures)."""
    return (f"*Tegn i tabellene:* «<{min_cell}» er et antall fra 1 til {min_cell - 1}, skjult for personvern; «:» er "
            "skjult for at et skjult tall ikke skal kunne regnes ut fra de andre; "
            f"«{NOT_SHOWN}» er ikke vist, fordi tallet bygger på et skjult antall eller ikke kan beregnes (for eksempel "
            "ingen søkere). Tabellene i Excel-filen tables/tabeller.xlsx bruker de samme tegnene.")


def certainty(lo: Any, hi: Any, *, threshold: float = 0.0) -> str:
    """How sure an interval lets us be about the sign of a difference from ``threshold``:
    ``tydelig`` when the whole 95 % interval lies on one side, ``usikkert`` when it covers the
    threshold, ``kan ikke avgjøres`` when there is no interval."""
    a, b = to_float(lo), to_float(hi)
    if math.isnan(a) or math.isnan(b):
        return "kan ikke avgjøres"
    return "tydelig" if a > threshold or b < threshold else "usikkert"


def flag(x: Any) -> bool | None:
    """A boolean cell of a typed public table: True or False, None when blanked or missing. Only
    booleans count (text such as ``"true"`` is never parsed)."""
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    return None


def yes_no(x: Any, *, missing: str = NOT_SHOWN) -> str:
    """A boolean as ``ja``/``nei``; ``missing`` for anything else (a blanked flag is None)."""
    if isinstance(x, (bool, np.bool_)):
        return "ja" if x else "nei"
    return missing


def listing(items: list[str], *, conj: str = "og") -> str:
    """``a, b og c``."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


# ------------------------------------------------------------------ labels of the contract's codes
#: bokmål labels for the codes of the data contract (contract/schemas.py) and the analyses' own codes
LABELS: dict[str, str] = {
    # background (contract BACKGROUND, POPULATION_BACKGROUND)
    "none": "Uten innvandrerbakgrunn", "lbg1": "Landbakgrunn 1", "lbg2": "Landbakgrunn 2",
    "immigrant_unspecified": "Innvandrerbakgrunn, uspesifisert", "undeclared": "Ikke oppgitt",
    # position_level (contract POSITION_LEVEL) and the analyses' groupings
    "top_leader": "Toppledere", "leader": "Ledere", "employee": "Medarbeidere", "leaders": "Alle ledere",
    "all": "Alle", "units": "Enheter",
    # funnel stages and transitions
    "applied": "Søkere", "qualified": "Formelt kvalifiserte", "interviewed": "Intervjuet",
    "recommended": "Innstilte", "hired": "Tilsatte",
    "applied_to_qualified": "Søker → kvalifisert", "qualified_to_interviewed": "Kvalifisert → intervju",
    "interviewed_to_recommended": "Intervju → innstilt", "recommended_to_hired": "Innstilt → tilsatt",
    "interviewed_to_hired": "Intervju → tilsatt", "applied_to_hired": "Hele prosessen",
    # gender (contract GENDER)
    "female": "Kvinner", "male": "Menn", "other": "Annet",
    # verdicts and statuses
    "disparity": "forskjell påvist", "no_evidence": "ingen vesentlig forskjell", "inconclusive": "kan ikke avgjøres",
    "met": "nådd", "not_met": "ikke nådd", "withheld": "ikke publisert (få personer)",
    "already_met": "nådd allerede", "reached": "innen ti år", "not_within_horizon": "ikke innen ti år",
    "no_leaders": "ingen ledere", "no_target": "uten mål",
    # KS maturity levels and checkpoints (contract CHECKPOINTS)
    "not_started": "Ikke startet", "partly": "Delvis", "in_place": "På plass",
    "political_anchoring": "Politisk forankring", "employer_strategy": "Arbeidsgiverstrategi",
    "admin_resources": "Administrative ressurser", "leadership_development": "Lederutvikling",
    "role_models": "Rollemodeller", "top_level_readiness": "Moden på toppnivå",
}

#: quarantine reasons (contract/validate.py REASON_*), as the data-quality chapter shows them
REASONS: dict[str, str] = {
    "hired but not recommended": "tilsatt, men ikke innstilt",
    "recommended but not interviewed": "innstilt, men ikke intervjuet",
    "interviewed but not qualified": "intervjuet, men ikke formelt kvalifisert",
    "duplicate survey answer (pair, respondent, wave, item); first one kept":
        "dobbelt svar i spørreundersøkelsen (par, hvem, runde, spørsmål); det første er beholdt",
    "empty row (every cell blank)": "tom rad (alle cellene tomme)",
}
_REASON_PATTERNS = ((re.compile(r"^(\w+) before (\w+)$"), "{0} før {1}"),
                    (re.compile(r"^belongs to a (\w+) row that is quarantined$"), "hører til en rad i {0} som er satt til side"))


def _reason(s: str) -> str | None:
    """A quarantine reason (or several, joined by ``; ``) in bokmål; None when ``s`` is not one."""
    if s in REASONS:
        return REASONS[s]
    for pattern, words in _REASON_PATTERNS:
        m = pattern.match(s)
        if m:
            return words.format(*m.groups())
    if "; " in s:
        parts = [_reason(p) for p in s.split("; ")]
        if all(parts):
            return "; ".join(parts)
    return None


#: why a model could not be estimated, in bokmål, by a phrase of the (English) error of mangfold.stats or numpy;
#: the first phrase found in the message wins
NOT_ESTIMABLE: tuple[tuple[str, str], ...] = (
    ("rank deficient", "dataene skiller ikke alle leddene i modellen fra hverandre (for lite variasjon)"),
    ("singular matrix", "dataene skiller ikke alle leddene i modellen fra hverandre (for lite variasjon)"),
    ("no variation", "ingen variasjon å måle endringen med"),
    ("separation", "utfallet er det samme for alle i en av gruppene (alle eller ingen), så forskjellen har ingen "
                   "standardfeil"),
    ("at least 2 clusters", "færre enn to enheter"),
    ("at least two clusters", "færre enn to enheter"),
    ("no rows with trials > 0", "ingen observasjoner"),
    ("collinear with the fixed effects", "ingen observasjoner uten piloten å sammenligne med i de samme årene"),
    ("no identified group-time cell", "ingen enhet i piloten har data året før oppstart og enheter å sammenligne med"),
    ("no post-treatment group-time cell", "ingen data fra enhetene i piloten etter oppstart"),
    ("no post-adoption observations", "ingen data fra enhetene i piloten etter oppstart"),
    ("no control units", "ingen enheter uten piloten å sammenligne med"),
    ("no treated cohort", "ingen enhet har startet piloten i perioden"),
    ("no treated observations", "ingen data fra enhetene i piloten i perioden"),
    ("observed statistic is not identified", "forskjellen kan ikke regnes ut med disse dataene"),
    ("treated x post cells", "mangler data før eller etter oppstart, i eller utenfor piloten"),
    ("no usable observations", "ingen brukbare observasjoner"),
    ("no leads to test", "ingen år før oppstart å teste"),
)
#: when no phrase of :data:`NOT_ESTIMABLE` is found
NOT_ESTIMABLE_OTHER = "modellen kan ikke tilpasses disse dataene"


def not_estimable(error: Any, *, prefix: str = "ikke beregnet") -> str:
    """``"<prefix>: <why, in bokmål>"`` for a model that could not be estimated (an exception or its
    message): a table's ``note``, which the report and the Excel copy show, is never an English error."""
    msg = str(error).lower()
    why = next((words for phrase, words in NOT_ESTIMABLE if phrase in msg), NOT_ESTIMABLE_OTHER)
    return f"{prefix}: {why}"


#: the word for a total over a dimension (the contract's ``all``), by column
TOTALS: dict[str, str] = {"sector": "Alle sektorer", "owner_department": "Alle eiermiljøer",
                          "position_level": "Alle nivåer", "group": "Alle grupper", "unit_id": "Alle enheter",
                          "pilot": "Alle piloter"}


#: a background group in running text ("andelen fra landbakgrunnsgruppe 2")
GROUP_WORDS: dict[str, str] = {"lbg2": "landbakgrunnsgruppe 2", "lbg1": "landbakgrunnsgruppe 1",
                               "none": "uten innvandrerbakgrunn",
                               "immigrant_unspecified": "innvandrerbakgrunn uten oppgitt landgruppe",
                               "undeclared": "uten oppgitt bakgrunn"}


def group_words(code: Any) -> str:
    """A background group as words in a sentence: ``lbg2`` -> ``landbakgrunnsgruppe 2``."""
    return GROUP_WORDS.get(str(code), str(code))


def label(code: Any, *, column: str | None = None) -> str:
    """The bokmål label of a contract code (``top_leader`` -> ``Toppledere``); ``all`` in a column
    with its own total word (``sector`` -> ``Alle sektorer``); other values as they are."""
    s = "" if code is None else str(code)
    if s == "all" and column in TOTALS:
        return TOTALS[column]
    return LABELS.get(s) or _reason(s) or s


#: bokmål headers for the columns of the public tables (the Excel workbook and the report use these)
HEADERS: dict[str, str] = {
    "year": "År", "sector": "Sektor", "position_level": "Stillingsnivå", "transition": "Overgang",
    "group": "Gruppe", "reference_group": "Referansegruppe", "owner_department": "Eiermiljø",
    "board_id": "Styre", "pilot": "Pilot", "outcome": "Utfall", "estimator": "Metode", "indicator": "Indikator",
    "unit_id": "Enhet", "background": "Bakgrunn", "gender": "Kjønn", "stage": "Trinn", "measure": "Tiltak",
    "checkpoint": "Sjekkpunkt", "level": "Nivå", "status": "Status", "verdict": "Vurdering",
    "value": "Verdi", "target": "Mål", "source": "Kilde",
    "n": "Antall", "n_group": "Antall i gruppen", "n_reference": "Antall i referansegruppen",
    "n_leaders": "Ledere", "n_leaders_lbg2": "Ledere i landbakgrunn 2", "n_vacancies": "Stillinger",
    "n_obs": "Observasjoner", "n_treated_units": "Enheter med tiltak", "n_control_units": "Enheter uten tiltak",
    "members": "Medlemmer", "members_lbg2": "Medlemmer i landbakgrunn 2", "women": "Kvinner", "men": "Menn",
    "new_members": "Nye medlemmer", "new_members_lbg2": "Nye medlemmer i landbakgrunn 2",
    "share": "Andel", "share_lbg2": "Andel landbakgrunn 2", "new_share_lbg2": "Andel nye i landbakgrunn 2",
    "population_share": "Andel i befolkningen", "target_share": "Mål (andel)", "new_target": "Mål for nye",
    "rate_group": "Rate i gruppen", "rate_reference": "Rate i referansegruppen",
    "impact_ratio": "Rateforhold", "impact_ratio_ci_low": "Rateforhold, KI nedre",
    "impact_ratio_ci_high": "Rateforhold, KI øvre", "four_fifths_flag": "Under firefemtedelsgrensen",
    "p_value": "p-verdi", "p_adjusted": "p-verdi (justert)", "or_within_vacancy": "Oddsforhold innen stilling",
    "or_within_vacancy_ci_low": "Oddsforhold, KI nedre", "or_within_vacancy_ci_high": "Oddsforhold, KI øvre",
    "p_within_vacancy": "p-verdi innen stilling", "heterogeneity_p": "p-verdi heterogenitet",
    "estimate": "Estimat", "std_error": "Standardfeil", "ci_low": "KI nedre", "ci_high": "KI øvre",
    "mde": "Minste påvisbare effekt", "gap_pp": "Avstand til mål (pp)", "met": "Nådd",
    "must_explain": "Må redegjøres for", "required_min_each": "Minstekrav per kjønn", "compliant": "Oppfyller",
    "total_requirement": "Krav (alle medlemmer)", "total_met": "Krav nådd", "new_met": "Mål for nye nådd",
    "target_status": "Status mot mål", "projection_status": "Framskriving", "share_projected": "Framskrevet andel",
}


#: words of column names, for a header :data:`HEADERS` does not have
_WORDS: dict[str, str] = {
    "n": "antall", "x": "antall", "rate": "rate", "share": "andel", "focal": "i målgruppen", "lbg2": "landbakgrunn 2",
    "qualified": "kvalifiserte", "interviewed": "intervjuet", "recommended": "innstilte", "hired": "tilsatte",
    "applied": "søkere", "applications": "søknader", "population": "befolkning", "year": "år", "years": "år",
    "with": "med", "without": "uten", "participants": "deltakere", "comparison": "sammenligning",
    "units": "enheter", "unit": "enhet", "treated": "med tiltak", "control": "uten tiltak", "persons": "personer",
    "vacancies": "stillinger", "pairs": "par", "mentors": "mentorer", "events": "hendelser", "leaders": "ledere",
    "members": "medlemmer", "seats": "plasser", "expiring": "som løper ut", "required": "krav", "needed": "som trengs",
    "or": "oddsforhold", "p": "p-verdi", "ratio": "forhold", "impact": "rate", "difference": "forskjell",
    "reference": "referanse", "group": "gruppe", "undeclared": "uoppgitt", "total": "totalt", "mean": "snitt",
    "pre": "før", "post": "etter", "change": "endring", "per": "per", "first": "første", "last": "siste",
    "reached": "nås", "projected": "framskrevet", "compliant": "oppfyller", "compliance": "etterlevelse",
    "completed": "fullført", "feasible": "mulig", "current": "nå", "periods": "perioder", "loss": "tap",
    "funnel": "trakt", "log": "log", "sum": "sum", "rows": "rader", "read": "lest", "used": "brukt",
    "quarantined": "satt til side", "other": "annet", "gender": "kjønn", "item": "spørsmål", "label": "tekst",
    "statistic": "testobservator", "df": "frihetsgrader", "note": "merknad", "reason": "grunn", "table": "tabell",
    "time": "tid", "event": "hendelse", "cum": "kumulativt", "at": "", "risk": "i risiko", "start": "start",
    "boot": "bootstrap", "clusters": "klynger", "matched": "matchede", "sets": "sett", "effect": "effekt",
    "company": "selskaps", "form": "form", "board": "styre", "name": "navn", "appointments": "utnevnelser",
    "justified": "begrunnet", "not": "ikke", "recorded": "registrert", "ended": "avsluttet", "wave": "runde",
    "respondent": "hvem", "adjusted": "justert", "for": "for", "within": "innen", "vacancy": "stilling",
    "aggregate": "samlet", "bound": "grense", "if": "hvis", "levels": "nivåer", "test": "test", "method": "metode",
    "wilcoxon": "Wilcoxon", "f": "F", "denom": "nevner", "sigma": "sigma", "rho": "rho", "of": "av", "to": "til",
    "eligible": "aktuelle", "successes": "treff", "value": "verdi", "target": "mål", "status": "status",
}


def header(column: str) -> str:
    """The bokmål header of a public table's column (:data:`HEADERS`, else word by word, with
    ``_ci_low``/``_ci_high`` as ``KI nedre``/``KI øvre``)."""
    if column in HEADERS:
        return HEADERS[column]
    base, tail = column, ""
    for suffix, words in (("_ci_low", ", KI nedre"), ("_ci_high", ", KI øvre")):
        if column.endswith(suffix):
            base, tail = column[: -len(suffix)], words
    if base in HEADERS:
        return HEADERS[base] + tail
    parts = [p for p in base.split("_") if p]
    out = " ".join(w for w in (_WORDS.get(p, p) for p in parts) if w)
    out = out.strip() or column
    return out[:1].upper() + out[1:] + tail
