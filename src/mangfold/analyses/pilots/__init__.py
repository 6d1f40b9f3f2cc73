"""The pilots ("Piloter"): what the four pilots of the action plan did, and whether it shows.

This package's namespace is the public face the notebooks and tests use; the work is split by topic:

* :mod:`.evaluation`: :func:`evaluate`, every table of pilots 1 and 4 for one report year
  (staggered difference in differences on a unit x year panel);
* :mod:`.panel`: the unit x year panel and its rule, the vacancy list, the pilot funnel and compliance;
* :mod:`.estimation`: the contract table ``pilot_effects`` and the event-study and pre-trend tables
  (estimators of :mod:`mangfold.stats.did`);
* :mod:`.planning`: the planning table (:mod:`mangfold.stats.panel_power`);
* :mod:`.job_analysis`: pilot 1, vacancies with and without a job analysis, within units;
* :mod:`.training`: pilot 3, strengthened training of new hires against matched non-participants;
* :mod:`.text`: bokmål sentences from the public pilot tables.

Pilot 2 (reverse mentoring) has its own chapter: :mod:`mangfold.analyses.mentoring`.
"""

from __future__ import annotations

from .estimation import (EFFECT_COLUMNS, EFFECTS_SPEC, EVENT_COLUMNS, EVENT_SPEC, FEW_TREATED_UNITS, FEW_UNITS_NOTE,
                         HEADLINE_ESTIMATOR,
                         PRETREND_COLUMNS, PRETREND_SPEC, callaway_santanna_fits, event_study_table, event_window,
                         pilot_effects, pretrend_table)
from .evaluation import DID_PILOTS, FUNNEL_COLUMNS, PilotResults, evaluate
from .job_analysis import JOB_ANALYSIS_SPEC, has_job_analysis, job_analysis_comparison
from .panel import (COMPLIANCE_SPEC, FUNNEL_SPEC, JOB_ANALYSIS_OUTCOMES, MIN_TWO_OUTCOMES, OUTCOMES, STAGES, compliance,
                    exclude_other_pilots, has_pilot, other_pilot_start_years, pilot_funnel, pilot_panel, pilots_with_units, vacancy_status)
from .planning import PLANNING_COLUMNS, PLANNING_SPEC, current_design, planning_table
from .text import (OUTCOME_WORDS, PILOT_WORDS, compliance_sentence, effect_phrase, interval_excludes,
                   job_analysis_sentence, mde_sentence, significant_findings,
                   pretrend_sentence, robustness_sentence, token_check, training_sentence)
from .training import (COMPLETION_SPEC, TRAINING_OUTCOMES, TRAINING_OUTCOMES_SPEC, completion, outcome_comparison,
                       training_followup)

__all__ = [
    # pilots 1 and 4: the evaluation and its tables
    "COMPLIANCE_SPEC", "DID_PILOTS", "EFFECT_COLUMNS", "EFFECTS_SPEC", "EVENT_COLUMNS", "EVENT_SPEC",
    "FEW_TREATED_UNITS", "FEW_UNITS_NOTE", "HEADLINE_ESTIMATOR", "exclude_other_pilots", "other_pilot_start_years", "FUNNEL_COLUMNS", "FUNNEL_SPEC", "JOB_ANALYSIS_OUTCOMES",
    "MIN_TWO_OUTCOMES", "OUTCOMES", "PLANNING_COLUMNS", "PLANNING_SPEC", "PRETREND_COLUMNS", "PRETREND_SPEC",
    "STAGES", "PilotResults", "callaway_santanna_fits", "compliance", "current_design", "evaluate",
    "event_study_table", "event_window", "has_pilot", "pilot_effects", "pilot_funnel", "pilot_panel",
    "pilots_with_units", "planning_table", "pretrend_table", "vacancy_status",
    # pilot 1: job analysis within units
    "JOB_ANALYSIS_SPEC", "has_job_analysis", "job_analysis_comparison",
    # pilot 3: strengthened training
    "COMPLETION_SPEC", "TRAINING_OUTCOMES", "TRAINING_OUTCOMES_SPEC", "completion", "outcome_comparison",
    "training_followup",
    # prose from the public tables
    "OUTCOME_WORDS", "PILOT_WORDS", "interval_excludes", "significant_findings", "compliance_sentence", "effect_phrase", "job_analysis_sentence", "mde_sentence",
    "pretrend_sentence", "robustness_sentence", "token_check", "training_sentence",
]
