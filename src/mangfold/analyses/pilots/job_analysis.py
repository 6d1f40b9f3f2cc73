"""Thorough job analysis (pilot 1): vacancies with and without a job analysis, within units.

The difference in differences across the pilot's start (intention to treat of pilot membership) is
in :mod:`.estimation` (rows of ``pilot_effects`` with ``pilot = 'job_analysis'``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...stats.strata import mantel_haenszel
from ...store import query
from ...tablespec import TableSpec
from .panel import JOB_ANALYSIS_OUTCOMES, OUTCOMES

_JA_DER = ("rate_with", "rate_without", "difference", "or_within_unit", "or_ci_low", "or_ci_high", "p_within_unit")
JOB_ANALYSIS_SPEC = TableSpec(
    percent=("rate_with", "rate_without"),
    name="job_analysis_comparison",
    counts=("n_with", "x_with", "n_without", "x_without"),
    derived={c: _JA_DER for c in ("n_with", "x_with", "n_without", "x_without")},
    dims=("outcome",),
    not_counts=("units_used",),
    title="Stillinger med og uten grundig jobbanalyse: fokusgruppens andeler (sammenheng innen enhet og år)",
)


def has_job_analysis(store: str | Path) -> bool:
    """True when some vacancy records whether a thorough job analysis was made."""
    return int(query(store, "SELECT count(job_analysis) AS n FROM vacancies")["n"].iloc[0]) > 0


def job_analysis_comparison(store: str | Path, *, year: int, focal: str, alpha: float = 0.05,
                            outcomes: tuple[str, ...] = JOB_ANALYSIS_OUTCOMES) -> pd.DataFrame:
    """Funnel rates of the focal group in vacancies with and without a thorough job analysis,
    posted up to ``year``, compared within units.

    Columns per ``outcome``: ``n_with, x_with, rate_with`` (focal applicants at the outcome's
    starting stage, those who passed, the rate) in vacancies with a job analysis, the same
    ``*_without``, ``difference`` (raw rate with - without), ``or_within_unit, or_ci_low,
    or_ci_high, p_within_unit`` (Mantel-Haenszel odds ratio with strata unit x year: only
    unit-years with vacancies of both kinds count, so neither differences between units nor changes
    over 2021-2025 that hit all vacancies enter) and ``units_used`` (distinct units among those
    unit-years). Vacancies whose ``job_analysis`` is empty are left out. An association:
    which vacancies get a job analysis is not random (the DiD rows of ``pilot_effects`` with
    ``pilot = 'job_analysis'`` use the pilot's start instead).
    """
    cols = ["outcome", "n_with", "x_with", "rate_with", "n_without", "x_without", "rate_without", "difference",
            "or_within_unit", "or_ci_low", "or_ci_high", "p_within_unit", "units_used"]
    cells = query(store, """
        SELECT v.unit_id, v.year, v.job_analysis AS ja,
               count(*) AS applied,
               count(*) FILTER (WHERE qualified) AS qualified,
               count(*) FILTER (WHERE qualified AND interviewed) AS interviewed,
               count(*) FILTER (WHERE qualified AND interviewed AND recommended) AS recommended,
               count(*) FILTER (WHERE qualified AND interviewed AND recommended AND hired) AS hired
        FROM applications a JOIN vacancies v USING (vacancy_id)
        WHERE a.background = $focal AND v.year <= $year AND v.job_analysis IS NOT NULL
        GROUP BY 1, 2, 3""", {"focal": focal, "year": int(year)})
    if not len(cells):
        return pd.DataFrame(columns=cols)
    cells["ja"] = cells["ja"].astype(bool)
    rows = []
    for outcome in outcomes:
        num, den = OUTCOMES[outcome]
        w, wo = cells[cells["ja"]], cells[~cells["ja"]]
        x1, n1, x0, n0 = int(w[num].sum()), int(w[den].sum()), int(wo[num].sum()), int(wo[den].sum())
        tab = (cells.assign(a=np.where(cells["ja"], cells[num], 0), b=np.where(cells["ja"], cells[den] - cells[num], 0),
                            c=np.where(~cells["ja"], cells[num], 0),
                            d=np.where(~cells["ja"], cells[den] - cells[num], 0))
               .groupby(["unit_id", "year"])[["a", "b", "c", "d"]].sum().reset_index())
        both = (tab["a"] + tab["b"] > 0) & (tab["c"] + tab["d"] > 0)
        mh = mantel_haenszel(tab.drop(columns="unit_id"), alpha=alpha).iloc[0]
        r1 = x1 / n1 if n1 else np.nan
        r0 = x0 / n0 if n0 else np.nan
        rows.append({"outcome": outcome, "n_with": n1, "x_with": x1, "rate_with": r1, "n_without": n0,
                     "x_without": x0, "rate_without": r0, "difference": r1 - r0, "or_within_unit": mh["estimate"],
                     "or_ci_low": mh["ci_low"], "or_ci_high": mh["ci_high"], "p_within_unit": mh["p_value"],
                     "units_used": int(tab.loc[both, "unit_id"].nunique())})
    return pd.DataFrame(rows, columns=cols)

