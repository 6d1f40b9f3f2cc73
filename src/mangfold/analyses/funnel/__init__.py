"""Recruitment funnel ("Rekruttering"): where representation is lost, how large the gap is, whether it
is explained by the vacancies people apply to, and whether the data can tell at all.

This package's namespace is the public face the notebooks and tests use; the work is split by topic:

=================================================  =====================================================
module                                             owns
=================================================  =====================================================
:mod:`.core`                                       :func:`load_cells` (one DuckDB query: application counts
                                                   per vacancy, background, gender and stage), transition
                                                   counts and the vectorised group-versus-reference
                                                   comparison shared by every table
:mod:`.disparities`                                ``funnel_disparity`` (:func:`disparity`, results
                                                   contract) and :func:`representation` (for the figure)
:mod:`.stages`                                     ``funnel_stages`` (:func:`stage_decomposition`,
                                                   :func:`stages_long`)
:mod:`.measures`                                   ``funnel_measure23`` + the restricted vacancy list
                                                   (:func:`measure_23`), ``funnel_measures`` (2.1, 3.2,
                                                   3.4; :func:`measure_associations`)
:mod:`.breakdowns`                                 :func:`by_gender`, :func:`by_sector`, :func:`trend`,
                                                   :func:`trend_test`
:mod:`.fit`                                        guarded model fits (:func:`~.fit.fit_or_note`)
:mod:`.text`                                       bokmål sentences from the public tables
                                                   (:func:`headline`, :func:`within_text` ...)
=================================================  =====================================================

Flow: :func:`load_cells` -> the table functions (pandas group sums and vectorised statistics on
counts) -> tidy tables with a :class:`~mangfold.tablespec.TableSpec` each.

Counts are *applications*: a person who applies to several vacancies counts once per application.
"""

from __future__ import annotations

from .breakdowns import GENDER_SPEC, SECTOR_SPEC, TREND_SPEC, TREND_TEST_SPEC, by_gender, by_sector, trend, trend_test
from .core import LEVELS_ALL, TRANSITION_NAMES, load_cells
from .disparities import CONTRACT_COLUMNS, DISPARITY_SPEC, EXTRA_COLUMNS, disparity, representation, within_vacancy
from .measures import MEASURE23_SPEC, MEASURES_SPEC, measure_23, measure_23_vacancies, measure_associations
from .stages import STAGES_SPEC, stage_decomposition, stages_long
from .text import (bounds_text, headline, measure23_text, measures_text, stages_text, trend_text, verdict_legend,
                   within_text)

__all__ = [
    "CONTRACT_COLUMNS", "EXTRA_COLUMNS", "DISPARITY_SPEC", "STAGES_SPEC", "MEASURE23_SPEC", "MEASURES_SPEC",
    "GENDER_SPEC", "SECTOR_SPEC", "TREND_SPEC", "TREND_TEST_SPEC", "TRANSITION_NAMES", "LEVELS_ALL",
    # tables
    "load_cells", "disparity", "within_vacancy", "representation", "stage_decomposition", "stages_long",
    "measure_23", "measure_23_vacancies", "measure_associations", "by_gender", "by_sector", "trend", "trend_test",
    # prose from the public tables
    "verdict_legend", "headline", "within_text", "stages_text", "bounds_text", "measure23_text", "measures_text",
    "trend_text",
]
