"""The action plan's recruitment measures in the funnel data.

* Measure 2.3 (active justification): per vacancy, is the share with a *declared* immigrant background
  (``lbg1``, ``lbg2``, ``immigrant_unspecified``) lower among the recommended than among the applicants
  to the vacancy (as the action plan words the rule), and was a justification recorded? The vacancy list
  is restricted; the compliance rate per level is public.
* Measures 2.1 (trained recruiter), 3.2 (inclusive ad template) and 3.4 (recruitment agency): the
  focal group's rates in vacancies with and without the measure, from a logistic model on aggregated
  counts (one row per vacancy) adjusted for position level, with cluster-robust errors by unit.
  Vacancies are not randomly assigned to the measures, so these are associations, not effects.
  (Measure 4.1 concerns agencies for *board* recruitment, which has no application funnel in the
  data; it is not covered here.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...contract.schemas import IMMIGRANT_BACKGROUNDS, LEADER_LEVELS, POSITION_LEVEL
from ...stats.binomial import predicted_rates
from ...stats.proportions import wilson_interval
from ...tablespec import TableSpec
from .core import LEVELS_ALL, params_get, sort_rows
from .fit import NOTE_ONE_UNIT, fit_or_note

#: the note of a measure that every vacancy, or none, used (the table's ``note``, in bokmål)
NOTE_NOT_VARYING = "ikke beregnet: tiltaket er brukt i alle eller ingen av stillingene"

MEASURE23_SPEC = TableSpec(
    percent=("share_required", "compliance_rate", "ci_low", "ci_high"),
    name="funnel_measure23",
    dims=("year", "position_level"),
    margins=(("position_level", "all"),),
    # vacancies count here: a handful of vacancies where the group's share fell points at the few
    # persons recommended in them
    counts=("n_vacancies", "n_required", "n_justified", "n_not_recorded"),
    derived={"n_vacancies": ("share_required",), "n_required": ("share_required", "compliance_rate", "ci_low", "ci_high"),
             "n_justified": ("compliance_rate", "ci_low", "ci_high"),
             "n_not_recorded": ("compliance_rate", "ci_low", "ci_high")},
    title="Tiltak 2.3: aktiv begrunnelse når representasjonen er lavere blant innstilte enn blant søkere",
)

_RATE_COLS = ("rate_with", "rate_with_ci_low", "rate_with_ci_high", "rate_without", "rate_without_ci_low",
              "rate_without_ci_high", "difference", "difference_ci_low", "difference_ci_high", "ratio",
              "ratio_ci_low", "ratio_ci_high", "p_value")
_COUNTS = ("n_with", "successes_with", "n_without", "successes_without", "n_total", "successes_total")
MEASURES_SPEC = TableSpec(
    percent=("rate_with", "rate_with_ci_low", "rate_with_ci_high", "rate_without", "rate_without_ci_low",
             "rate_without_ci_high"),
    name="funnel_measures",
    counts=_COUNTS,
    derived={c: _RATE_COLS for c in _COUNTS},
    dims=("year", "measure", "outcome"),
    # with + without = total (a total other tables may show): one hidden part hides the other
    row_sums=(("n_total", ("n_with", "n_without")), ("successes_total", ("successes_with", "successes_without"))),
    not_counts=("year", "n_vacancies_with", "n_vacancies_without", "n_units"),
    constants=("levels", "adjusted_for", "note"),
    title="Tiltak 2.1, 3.2 og 3.4: målgruppens rater med og uten tiltaket (sammenheng, ikke effekt)",
)

#: measure code -> (vacancy column, value meaning "with", position levels analysed)
MEASURES: dict[str, tuple[str, object, tuple[str, ...]]] = {
    "2.1_recruiter_trained": ("recruiter_trained", True, POSITION_LEVEL),
    "3.2_inclusive_ad": ("ad_template", "inclusive", LEADER_LEVELS),
    "3.4_agency": ("agency", True, LEADER_LEVELS),
}
#: outcome -> (successes, trials, counted over): rates of the focal group (``applicant_share``: the focal
#: group's share of all applications).
OUTCOMES: dict[str, tuple[str, str]] = {
    "applicant_share": ("applied", "applied"),
    "qualified_to_interviewed": ("interviewed", "qualified"),
    "applied_to_hired": ("hired", "applied"),
}


# ----------------------------------------------------------------------------- measure 2.3
def measure_23_vacancies(cells: pd.DataFrame, *, year: int) -> pd.DataFrame:
    """Restricted vacancy list for measure 2.3: one row per vacancy of ``year``.

    Columns: ``year, vacancy_id, unit_id, sector, position_level``; ``applied, qualified, recommended``
    (applications); ``immigrant_applied, immigrant_qualified, immigrant_recommended`` (of them, with a
    declared immigrant background: lbg1, lbg2 or immigrant_unspecified; ``undeclared`` counts as not
    declared); ``share_applied, share_qualified, share_recommended``; ``justification_required``:
    at least one recommended and the share among the recommended below the share among the applicants to
    the vacancy (the plan's rule; the share among the qualified is listed for reference only);
    ``justification_given`` (as recorded; empty = not recorded).
    """
    c = cells[cells["year"] == year]
    imm = c["background"].isin(IMMIGRANT_BACKGROUNDS).to_numpy()
    work = c[["year", "vacancy_id", "unit_id", "sector", "position_level", "justification_given"]].copy()
    for s in ("applied", "qualified", "recommended"):
        work[s] = c[s].to_numpy()
        work[f"immigrant_{s}"] = np.where(imm, c[s].to_numpy(), 0)
    keys = ["year", "vacancy_id", "unit_id", "sector", "position_level"]
    sums = ["applied", "qualified", "recommended", "immigrant_applied", "immigrant_qualified", "immigrant_recommended"]
    v = work.groupby(keys, observed=True, sort=True, dropna=False).agg(
        **{s: (s, "sum") for s in sums}, justification_given=("justification_given", "first")).reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        for s in ("applied", "qualified", "recommended"):
            v[f"share_{s}"] = np.where(v[s] > 0, v[f"immigrant_{s}"] / v[s], np.nan)
    req = (v["recommended"] > 0) & (v["applied"] > 0) & (
        v["immigrant_recommended"] * v["applied"] < v["immigrant_applied"] * v["recommended"])
    v["justification_required"] = req.to_numpy(dtype=bool)
    v["justification_given"] = v["justification_given"].astype("boolean")
    return v[[*keys, *sums, "share_applied", "share_qualified", "share_recommended", "justification_required",
              "justification_given"]]


def measure_23(vacancies: pd.DataFrame, *, params: dict[str, Any], year: int) -> pd.DataFrame:
    """``funnel_measure23``: compliance with measure 2.3 per position level (and ``all``).

    From :func:`measure_23_vacancies`. Columns: ``year, position_level``; ``n_vacancies`` (vacancies
    with at least one recommended applicant); ``n_required`` (of them, where the rule required a
    justification); ``share_required``; ``n_justified`` (required and recorded as given);
    ``n_not_recorded`` (required, field empty: counted as not given); ``compliance_rate =
    n_justified / n_required`` with its Wilson interval ``ci_low, ci_high``. Counts are vacancies.
    """
    alpha = float(params["alpha"])
    v = vacancies[(vacancies["year"] == year) & (vacancies["recommended"] > 0)]
    req = v["justification_required"].to_numpy(dtype=bool)
    given = v["justification_given"].fillna(False).to_numpy(dtype=bool)
    unknown = v["justification_given"].isna().to_numpy()
    work = pd.DataFrame({"position_level": v["position_level"].to_numpy(), "n_vacancies": 1,
                         "n_required": req.astype(int), "n_justified": (req & given).astype(int),
                         "n_not_recorded": (req & unknown).astype(int)})
    agg = work.groupby("position_level", observed=True).sum().reset_index()
    tot = agg.drop(columns="position_level").sum().to_frame().T
    tot.insert(0, "position_level", "all")
    out = pd.concat([agg, tot], ignore_index=True)
    for c in ("n_vacancies", "n_required", "n_justified", "n_not_recorded"):
        out[c] = out[c].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share_required"] = np.where(out["n_vacancies"] > 0, out["n_required"] / out["n_vacancies"], np.nan)
        out["compliance_rate"] = np.where(out["n_required"] > 0, out["n_justified"] / out["n_required"], np.nan)
    out["ci_low"], out["ci_high"] = wilson_interval(out["n_justified"].to_numpy(), out["n_required"].to_numpy(),
                                                    alpha=alpha)
    out.insert(0, "year", int(year))
    out = sort_rows(out, {"position_level": LEVELS_ALL})
    return out[["year", "position_level", "n_vacancies", "n_required", "share_required", "n_justified",
                "n_not_recorded", "compliance_rate", "ci_low", "ci_high"]]


# ----------------------------------------------------------------------------- measures 2.1, 3.2, 3.4
_ASSOC_COLUMNS = ["year", "measure", "levels", "outcome", "n_with", "successes_with", "n_without",
                  "successes_without", "n_total", "successes_total", "n_vacancies_with", "n_vacancies_without", "n_units", *_RATE_COLS,
                  "adjusted_for", "note"]


def _vacancy_rows(cells: pd.DataFrame, focal: str) -> pd.DataFrame:
    """One row per vacancy: its attributes, the focal group's stage counts and all applications."""
    keys = ["vacancy_id", "unit_id", "position_level", "recruiter_trained", "ad_template", "agency"]
    is_f = (cells["background"] == focal).to_numpy()
    work = cells[keys].copy()
    work["all_applied"] = cells["applied"].to_numpy()
    for s in ("applied", "qualified", "interviewed", "hired"):
        work[s] = np.where(is_f, cells[s].to_numpy(), 0)
    return work.groupby(keys, observed=True, dropna=False, sort=False).sum().reset_index()


def _measure_fit(d: pd.DataFrame, *, successes: str, trials: str, covariates: list[str],
                 alpha: float) -> dict[str, Any]:
    """The rate columns of :func:`predicted_rates` with the measure (``flag``) on and off."""
    pr = predicted_rates(d, successes=successes, trials=trials, covariates=covariates, focal="flag",
                         cluster="unit_id", alpha=alpha).set_index("quantity")
    out: dict[str, Any] = {}
    for q in ("rate_with", "rate_without", "difference", "ratio"):
        out[q] = pr.at[q, "estimate"]
        out[f"{q}_ci_low"] = pr.at[q, "ci_low"]
        out[f"{q}_ci_high"] = pr.at[q, "ci_high"]
    out["p_value"] = pr.at["difference", "p_value"]
    return out


def measure_associations(cells: pd.DataFrame, *, params: dict[str, Any], year: int) -> pd.DataFrame:
    """``funnel_measures``: the focal group's rates with and without measures 2.1, 3.2 and 3.4.

    One row per measure (:data:`MEASURES`) and outcome: ``applicant_share`` (the focal group's share of
    the applications: do more of them apply?), ``qualified_to_interviewed`` and ``applied_to_hired`` (the
    focal group's interview rate among the qualified, and hiring rate among applicants). Measures 3.2
    and 3.4 are leader-post measures and use top_leader and leader vacancies only (``levels``).

    Method: :func:`mangfold.stats.binomial.predicted_rates` on one row per vacancy (successes out of
    trials), logistic model ``outcome ~ measure + position_level`` (level dropped when only one level),
    CR1 cluster-robust errors by unit. ``rate_with``/``rate_without``: average predicted rates with the
    measure switched on/off for every vacancy (level mix held as observed); ``difference`` (probability
    points) and ``ratio`` with delta-method intervals; ``p_value`` tests difference = 0. ``n_with``,
    ``successes_with`` (and ``_without``, ``_total``): the raw counts behind them; ``n_vacancies_*`` and
    ``n_units``: vacancies and units used. Vacancies with the measure not recorded are left out. A row
    that cannot be estimated (no variation, fewer than two units) has missing statistics and a ``note``.
    These are associations: vacancies that use a measure may differ in other ways.
    """
    focal, _, alpha, _, _ = params_get(params)
    cells = cells[cells["year"] == year]
    vac = _vacancy_rows(cells, focal)
    rows = []
    for measure, (col, on, levels) in MEASURES.items():
        v = vac[vac["position_level"].isin(levels) & vac[col].notna()].copy()
        v["flag"] = (v[col] == on).astype(float)
        for outcome, (succ, trials) in OUTCOMES.items():
            s_col = succ if outcome != "applicant_share" else "applied"
            t_col = trials if outcome != "applicant_share" else "all_applied"
            d = v[v[t_col] > 0]
            w, wo = d[d["flag"] == 1], d[d["flag"] == 0]
            row: dict[str, Any] = {
                "year": int(year), "measure": measure,
                "levels": "all" if set(levels) == set(POSITION_LEVEL) else "leaders", "outcome": outcome,
                "n_with": int(w[t_col].sum()), "successes_with": int(w[s_col].sum()),
                "n_without": int(wo[t_col].sum()), "successes_without": int(wo[s_col].sum()),
                "n_total": int(d[t_col].sum()), "successes_total": int(d[s_col].sum()),
                "n_vacancies_with": len(w), "n_vacancies_without": len(wo), "n_units": int(d["unit_id"].nunique()),
                **dict.fromkeys(_RATE_COLS, np.nan), "adjusted_for": "", "note": "",
            }
            covs = ["flag"] + (["position_level"] if d["position_level"].nunique() > 1 else [])
            row["adjusted_for"] = "position_level" if len(covs) > 1 else ""
            row.update(fit_or_note(_measure_fit, d, successes=s_col, trials=t_col, covariates=covs, alpha=alpha,
                                   skip=((len(w) == 0 or len(wo) == 0, NOTE_NOT_VARYING),
                                         (row["n_units"] < 2, NOTE_ONE_UNIT))))
            rows.append(row)
    out = pd.DataFrame(rows, columns=_ASSOC_COLUMNS)
    for c in (*_COUNTS, "n_vacancies_with",
              "n_vacancies_without", "n_units"):
        out[c] = out[c].astype("int64")
    return out
