"""Difference in differences for unit x period panels with staggered adoption.

Setting: units (e.g. agencies of Oslo kommune) join a pilot at different dates.
The input is a long unit x period panel with one row per unit and period, the
focal group's rate in that cell (``outcome``, e.g. interviewed / qualified among
lbg2 applicants), optionally the cell's number of trials (``weight``) and the
unit's first treated period (``cohort``; NaN, 0 or +inf = never treated).  Effects
are in the units of ``outcome`` (probability points for rates).

Functions (all return a tidy :class:`pandas.DataFrame` with a fixed set of columns):

- :func:`did_2x2`                 canonical 2x2 DiD of (weighted) means, unit-clustered.
- :func:`twfe`                    static two-way fixed effects ``y ~ a_i + l_t + b D_it``.
- :func:`wild_twfe`               the same estimate with restricted wild cluster bootstrap
                                  (Webb weights) p-value and interval: few treated clusters.
- :func:`event_study`             TWFE event study with binned relative-time dummies.
- :func:`pretrend_test`           joint Wald test that the event-study leads are zero.
- :func:`callaway_santanna`       group-time ATT(g, t) and their aggregations
                                  (Callaway & Sant'Anna 2021), multiplier bootstrap.
- :func:`sun_abraham`             interaction-weighted event study (Sun & Abraham 2021).
- :func:`randomization_inference` permutation of adoption dates across units.
- :func:`randomization_interval`  confidence interval by inverting that permutation
                                  test (TWFE statistic, closed form in the effect).

Modules (import the functions from this package, ``from mangfold.stats import did``):
``static`` (2x2, TWFE), ``event`` (event study, pre-trend test, Sun-Abraham),
``group_time`` (Callaway-Sant'Anna), ``randomization`` (permutation test and its
interval); private helpers ``_panel`` (input cleaning, wide arrays) and ``_fe``
(two-way within transformation, clustered OLS, t inference).

Conventions shared by all functions
-----------------------------------
* ``time`` and ``cohort`` must be integer valued (e.g. years); ``D_it = 1{time >= cohort}``.
* Rows whose outcome is missing, or whose weight is missing or <= 0, are dropped
  (a cell with zero trials has no rate).  ``(unit, time)`` must be unique.
* ``cohort`` must be constant within a unit.
* Standard errors are clustered by unit.  Regression-based estimators use the
  CR1 small-sample factor ``G/(G-1) * (N-1)/(N-K)`` where ``K`` counts the slope
  coefficients, the time dummies and a constant, but not the unit fixed effects,
  which are nested in the clusters (Stata ``xtreg, fe vce(cluster unit)``;
  Cameron & Miller 2015, sec. VI); p-values and intervals use ``t(G-1)``.
  Callaway-Sant'Anna uses the normal distribution, as in the R package ``did``.
  With few treated clusters both are too narrow (CR1 with t(G-1) covered 86-94 % at 6-12 treated
  of 30-60 units, ``benchmarks/pilot_coverage.py``); :func:`wild_twfe` gives the restricted wild
  cluster bootstrap (Webb weights) interval and p-value, which covered 94-96 % there.
* :func:`callaway_santanna` without ``weight`` is the published estimator (group-time ATTs equal
  R ``did`` / ``csdid``); with ``weight`` it is a precision-weighted variant and says so in
  ``estimator``.
* ``weight`` (if given) is a column of non-negative analytic weights, normally the
  number of trials behind the rate, so that regression estimators are WLS.
* Randomness only enters through ``seed``; no rounding is done.

References
----------
Callaway, B. & Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple
time periods. *Journal of Econometrics* 225(2), 200-230.
Sun, L. & Abraham, S. (2021). Estimating dynamic treatment effects in event studies
with heterogeneous treatment effects. *Journal of Econometrics* 225(2), 175-199.
Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment
timing. *Journal of Econometrics* 225(2), 254-277.
Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust
inference. *Journal of Human Resources* 50(2), 317-372.
Young, A. (2019). Channeling Fisher: randomization tests and the statistical
insignificance of seemingly significant experimental results. *QJE* 134(2), 557-598.
"""

from __future__ import annotations

from ._panel import GROUP_TIME_COLUMNS
from .event import EVENT_STUDY_COLUMNS, PRETREND_COLUMNS, event_study, pretrend_test, sun_abraham
from .group_time import callaway_santanna
from .randomization import (RI_COLUMNS, RI_INTERVAL_COLUMNS, randomization_inference,
                            randomization_interval)
from .static import DID_2X2_COLUMNS, TWFE_COLUMNS, did_2x2, twfe
from .wild import WILD_COLUMNS, wild_twfe

__all__ = [
    "did_2x2",
    "twfe",
    "wild_twfe",
    "event_study",
    "pretrend_test",
    "callaway_santanna",
    "sun_abraham",
    "randomization_inference",
    "randomization_interval",
    "DID_2X2_COLUMNS",
    "TWFE_COLUMNS",
    "WILD_COLUMNS",
    "EVENT_STUDY_COLUMNS",
    "PRETREND_COLUMNS",
    "GROUP_TIME_COLUMNS",
    "RI_COLUMNS",
    "RI_INTERVAL_COLUMNS",
]
