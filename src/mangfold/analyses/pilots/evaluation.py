"""Pilot evaluation (pilots 1 and 4): staggered difference in differences on a unit x year panel.

Pilot 4 ("minst to kvalifiserte kandidater fra landbakgrunnsgruppe 2 til intervju") and pilot 1
(grundig jobbanalyse) start in different units at different dates (the ``pilots`` table), so the
design is a staggered adoption. :func:`evaluate` runs everything for one report year, from the
pieces in :mod:`.panel` (the unit x year panel, the pilot funnel, compliance), :mod:`.estimation`
(``pilot_effects``, event study, pre-trends) and :mod:`.planning` (the planning table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .estimation import (EFFECT_COLUMNS, EVENT_COLUMNS, PRETREND_COLUMNS, callaway_santanna_fits, event_study_table,
                         pilot_effects, pretrend_table)
from .panel import (JOB_ANALYSIS_OUTCOMES, MIN_TWO_OUTCOMES, STAGES, compliance, exclude_other_pilots,
                    other_pilot_start_years, pilot_funnel, pilot_panel, pilots_with_units, vacancy_status)
from .planning import PLANNING_COLUMNS, planning_table

__all__ = ["DID_PILOTS", "FUNNEL_COLUMNS", "PilotResults", "evaluate"]

FUNNEL_COLUMNS = ["pilot", "status", "units", "vacancies", *STAGES, "rate_qualified_to_interviewed",
                  "rate_interviewed_to_hired", "rate_applied_to_hired"]

#: the pilots evaluated with the panel DiD, and their outcomes
DID_PILOTS: dict[str, tuple[str, ...]] = {"min_two_interviews": MIN_TWO_OUTCOMES,
                                          "job_analysis": JOB_ANALYSIS_OUTCOMES}


@dataclass
class PilotResults:
    """The pilot tables of one report year (empty DataFrames where a pilot has no units).

    ``pilots``: the DiD pilots with units in the ``pilots`` table; ``panels``: pilot -> the
    unit x year panel (restricted); ``vacancies``: pilot -> the vacancy-level list of
    :func:`vacancy_status` (restricted); the rest are the published tables, each covering all pilots.
    """

    pilots: list[str]
    panels: dict[str, pd.DataFrame]
    effects: pd.DataFrame
    event_study: pd.DataFrame
    pretrends: pd.DataFrame
    planning: pd.DataFrame
    funnel: pd.DataFrame
    compliance: pd.DataFrame
    vacancies: dict[str, pd.DataFrame] = field(default_factory=dict)


def evaluate(store: str | Path, *, year: int, params: dict[str, Any], n_draws: int = 1000,
             n_boot: int | None = None) -> PilotResults:
    """Build the panel of every pilot in :data:`DID_PILOTS` that has units, and estimate
    effects, event studies, pre-trend tests and the planning table; compliance for pilot 4.
    Randomness (bootstrap, permutations) is seeded with ``params['seed']``; the bootstrap draws are
    ``params['pilots']['bootstrap_draws']`` unless ``n_boot`` is given, and the randomisation test is
    read according to ``params['pilots']['assignment']``. Comparison cells of units in another pilot are
    left out (:func:`exclude_other_pilots`); ``panels`` holds the panel used. Each pilot's vacancy
    list is queried once and the Callaway-Sant'Anna fits are shared between the effects and the
    event-study tables."""
    focal, alpha, seed = params["focal_group"], float(params["alpha"]), int(params["seed"])
    pp = params.get("pilots") or {}
    n_boot = int(n_boot if n_boot is not None else pp.get("bootstrap_draws", 999))
    assignment = pp.get("assignment") or {}
    with_units = pilots_with_units(store)
    present = [p for p in DID_PILOTS if p in with_units]
    panels, vacs, eff, es, pre, plan, fun = {}, {}, [], [], [], [], []
    for p in present:
        outs = DID_PILOTS[p]
        vacs[p] = vacancy_status(store, pilot=p, year=year, focal=focal)
        full = pilot_panel(store, pilot=p, year=year, focal=focal, vacancies=vacs[p])
        panels[p] = exclude_other_pilots(full, other_pilot_start_years(store, pilot=p, year=year))
        cs = callaway_santanna_fits(panels[p], outcomes=outs, alpha=alpha, seed=seed, n_boot=n_boot)
        e = pilot_effects(panels[p], pilot=p, outcomes=outs, alpha=alpha, seed=seed, n_draws=n_draws, n_boot=n_boot,
                          cs_fits=cs, assignment=str(assignment.get(p, "voluntary")),
                          panel_all=full if len(full) != len(panels[p]) else None)
        eff.append(e)
        es.append(event_study_table(panels[p], pilot=p, outcomes=outs, alpha=alpha, seed=seed, n_boot=n_boot,
                                    cs_fits=cs))
        pre.append(pretrend_table(panels[p], pilot=p, outcomes=outs))
        plan.append(planning_table(panels[p], e, pilot=p, outcomes=outs, alpha=alpha))
        fun.append(pilot_funnel(store, pilot=p, year=year, focal=focal, vacancies=vacs[p]))

    def cat(parts: list[pd.DataFrame], cols: list[str]) -> pd.DataFrame:
        parts = [x for x in parts if len(x)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)

    comp = (compliance(store, year=year, focal=focal, alpha=alpha, vacancies=vacs["min_two_interviews"])
            if "min_two_interviews" in present
            else pd.DataFrame(columns=["group", "year", "vacancies_eligible", "vacancies_compliant",
                                       "share_compliant", "ci_low", "ci_high"]))
    return PilotResults(
        pilots=present, panels=panels, effects=cat(eff, EFFECT_COLUMNS),
        event_study=cat(es, EVENT_COLUMNS), pretrends=cat(pre, PRETREND_COLUMNS),
        planning=cat(plan, PLANNING_COLUMNS), funnel=cat(fun, FUNNEL_COLUMNS), compliance=comp, vacancies=vacs)
