"""The planted truths of the demo municipality: every number the generator uses, with its source.

This is the one place where the demo data's "true" values live. The generator
(:mod:`mangfold.demo.generate`) reads every parameter from :data:`TRUTHS`; analyses and tests compare what
they estimate from the generated files with the values and functions here.

Sources are cited in the comment beside each number:

* **plan** - Oslo kommune, *Handlingsplan 2023-2027 for å styrke rekrutteringen av ledere, ansatte og
  styremedlemmer med minoritetsbakgrunn* (``/work/shared/seeds/004_*.txt``), with the section quoted;
* **M&R 2012** - Midtbøen & Rogstad (2012), *Diskrimineringens omfang og årsaker*: applicants with a
  Norwegian name got about 25 % more interview calls than equally qualified applicants with a foreign
  (Pakistani) name (field experiment; cited in the brief, not in the seed documents);
* **KS 2009** - KS, *Mangfold i ledelse* (``/work/shared/seeds/000_*.txt``);
* **assumption** - a round number chosen for the demo, not a fact about Oslo.

Conventions
-----------
* Per-level tuples follow the contract's ``POSITION_LEVEL`` order: ``(top_leader, leader, employee)``.
* Pairs of relative effects are ``(lbg1, lbg2)``; background tuples of three ``(none, lbg1, lbg2)``.
* Year schedules are tuples of ``(first_year, value)`` pairs; :func:`by_year` reads them. The plan's
  measures start in 2023 (:attr:`Truths.measures_start_year`), whatever years are generated.
* "Declared" = the background ticked in the recruitment module (``applications.background``); "true" /
  "register" = the background in register data (``workforce.background``). Declared ``lbg2`` is always
  truly lbg2 and declared ``none`` truly none; ``undeclared`` and ``immigrant_unspecified`` hide a mixture.
  Discrimination acts on the *true* background (the name), pilot 4 on the *declared* one (what the
  recruiter sees in the module).
* Oslo only: pilots, mentoring, training and boards; at national scale Oslo is generated exactly as at
  oslo scale and the other municipalities add units, vacancies, applications, workforce, population and
  maturity.

The facts to recover (values at oslo scale unless said otherwise)
------------------------------------------------------------------
* Population (``population``): lbg2 0.24 and lbg1 0.09 of Oslo's 700 000 in 2023 (exact up to rounding);
  lbg2 +0.002 a year, population +0.8 % a year.
* Workforce: in the stock before the first year, by exact quota, leaders (top_leader + leader) 0.08 lbg2,
  top leaders 0.04, employees 0.25, sector leader shares about 0.03-0.13. The flows then raise the leader
  share slowly (oslo: about +0.2 to +0.3 points a year; the first snapshot is 0.080-0.085), so projecting
  sector targets is meaningful. The small scale is noisy (about 110 leaders).
* Funnel: the lbg2 share falls at every stage, at each level (:attr:`Truths.qualified_shift`, interview ratio,
  :attr:`Truths.recommended_relative`, :attr:`Truths.hired_relative`).
* Interviews (qualified -> interviewed), declared lbg2 versus declared none, within vacancy:
  rate ratio none/lbg2 = :data:`INTERVIEW_RATE_RATIO` = 1.25 exactly for untrained recruiters outside
  pilot 4 (M&R 2012) and :data:`INTERVIEW_RATE_RATIO_TRAINED` = 1.10 for trained ones. The Mantel-Haenszel
  odds ratio lbg2/none and the pooled (aggregate) ratios are in :func:`expected_interview_gap` - e.g.
  employee posts, untrained: within OR 0.72, pooled rate ratio 1.56 (> 1.25: lbg2 sort into crowded vacancies
  with low interview rates; Simpson). For a year's vacancies pass the year's trained share
  (``recruiter_trained=by_year(TRUTHS.recruiter_trained_schedule, year)``).
* Pilot 4 (``min_two_interviews``): :data:`MIN_TWO_EFFECT` = +0.10 on qualified_to_interviewed of declared
  lbg2 in treated vacancies (average over each year's treated applicants, exact in expectation); hiring given
  interview unchanged, so applied_to_hired rises by :func:`implied_applied_to_hired_effect` (about +0.01).
  The rule is followed (>= 2 of >= 2 qualified declared-lbg2 invited) in about 85 % of such vacancies at
  oslo/national scale and about 50-60 % at small scale (see :attr:`Truths.min_two_followed_share`).
  Treatment rule: :data:`TREATMENT_RULE`; cohorts start in first year + 1, + 2, + 3 (2022, 2023, 2024).
* Pilot 1 (``job_analysis``): +0.05 on lbg2 applied_to_qualified where ``job_analysis`` is true
  (:data:`JOB_ANALYSIS_EFFECT`); intention-to-treat effect of pilot membership :func:`job_analysis_itt_effect`.
* Measure 2.1: ``recruiter_trained`` shrinks the interview ratio to 1.10; measure 3.2: inclusive ads raise the
  lbg2 applicant share at leader posts (logit +0.35); measure 2.3: justification given in 70 % of vacancies
  that need one from 2023 (25 % before), 5 % where none is needed.
* Mentoring (pilot 2): mean survey change :func:`expected_survey_change` (mentee +0.57, mentor +0.29 after
  rounding to 1-5); mentors are later appointed leader at :attr:`Truths.mentor_promotion_rate` a year.
* Boards: new municipal appointments lbg2 0.19 from 2023 (0.09 before), all municipal seats about 0.09 in
  2021 rising to about 0.13 in 2025; about 10 % of boards ignore gender balance.
* Data quality: :func:`inconsistent_application_count` rows per year are inconsistent (half hired but not
  recommended, half interviewed but not qualified).
* KS 2009 (national scale, stock before the first year): a third of municipalities have lbg2 leaders and
  2.3 % an immigrant (lbg1/lbg2) top leader; the first snapshot is close (about 0.34 and 0.02) and both rise
  by about a point a year. Maturity (six checkpoints 0-2) rises with size and immigrant share and over time.

Approximations (documented, not hidden)
---------------------------------------
* Hires enter the workforce snapshot (31 December) of the year the vacancy was posted, with
  ``person_id = applicant_id``; hires to leader/top posts are internal promotions half the time (same
  register background, same unit / sector), otherwise new persons. Unsuccessful applicants are all distinct
  persons (no repeat applicants).
* ``recruiter_trained`` is drawn per vacancy from the year's schedule; the ``training`` rows of the recruitment
  course match it only in aggregate.
* Hires per vacancy are not capped at ``n_positions`` (hire decisions are independent given the vacancy), so
  hiring given interview does not depend on pilot 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import erf, sqrt

import numpy as np

from mangfold.contract.schemas import POSITION_LEVEL

__all__ = [
    "TRUTHS",
    "Truths",
    "INTERVIEW_RATE_RATIO",
    "INTERVIEW_RATE_RATIO_TRAINED",
    "MIN_TWO_EFFECT",
    "JOB_ANALYSIS_EFFECT",
    "TREATMENT_RULE",
    "by_year",
    "vacancy_is_treated",
    "expected_interview_gap",
    "implied_applied_to_hired_effect",
    "job_analysis_itt_effect",
    "expected_survey_change",
    "inconsistent_application_count",
]

LEVELS = POSITION_LEVEL

#: How analyses should decide whether a vacancy falls under a pilot (all pilot start dates are
#: 1 January, 1 February or 1 March, so for unit-year analyses "the year of start_date" is the first
#: treated year).
TREATMENT_RULE = (
    "a vacancy is treated by a unit's pilot if posted_date >= start_date and "
    "(end_date is empty or posted_date <= end_date); for unit-year analyses the first treated year is "
    "the year of start_date (all demo start dates fall in January-March)"
)


@dataclass(frozen=True)
class Truths:
    """All parameters of the demo municipality (see the module docstring for conventions)."""

    # ------------------------------------------------------------------ population
    #: plan, Hovedutfordring 3: "Mens 24 % av Oslo kommunes befolkning har denne bakgrunnen".
    population_lbg2_share: float = 0.24
    #: assumption; plan: the lbg2 share is "betydelig større enn andelen med ... landbakgrunnsgruppe 1".
    population_lbg1_share: float = 0.09
    #: assumption (SSB: Oslo had about 700 000 inhabitants in 2022-2023).
    population_oslo: int = 700_000
    #: the year in which the shares above hold exactly.
    population_reference_year: int = 2023
    #: assumption: yearly population growth and yearly change in the lbg2 share (percentage points/100).
    population_growth: float = 0.008
    population_lbg2_trend: float = 0.002

    # ------------------------------------------------------------------ workforce (Oslo)
    #: plan, Hovedutfordring 3: "gjelder dette kun 8 % av lederne i kommunen" (top_leader + leader).
    #: Holds exactly (by quota) in the stock at 31 Dec of the year before the first data year.
    leader_lbg2_share: float = 0.08
    #: assumption: fewer at the top ("kraftig underrepresentert spesielt i ledende stillinger").
    top_leader_lbg2_share: float = 0.04
    #: plan, Bakgrunn: lbg2 "overrepresentert i lavere stillinger, i forhold til andelen av befolkningen".
    employee_lbg2_share: float = 0.25
    #: assumption: lbg1 shares by level (top_leader, leader, employee).
    lbg1_share: tuple[float, float, float] = (0.04, 0.05, 0.07)
    #: assumption: share female by level in the register (top_leader, leader, employee).
    female_share: tuple[float, float, float] = (0.50, 0.62, 0.72)
    #: assumption: yearly exit rates by level (the stock stays about constant).
    exit_rate: tuple[float, float, float] = (0.09, 0.10, 0.12)
    #: assumption: share of hires to top_leader / leader vacancies that are internal promotions
    #: (top_leader from a leader in the same sector, leader from an employee in the same unit, with the
    #: same register background). Employee vacancies hire externally. Lower promotion rates of lbg2
    #: follow from the funnel (their hired share at leader posts is far below their employee share).
    internal_hire_share: tuple[float, float, float] = (0.5, 0.5, 0.0)
    #: assumption: mentors (pilot 2) have this many times the priority of other employees of the same
    #: unit and background when a leader post there is filled internally (plan, pilot 2: "en større
    #: mulighet for mentoren til å tre inn i lederstillinger på et senere tidspunkt"); together with
    #: ``mentor_promotion_rate`` mentors reach leader posts far more often than comparable lbg2 employees
    #: of the same units (oslo: about 8 % of the 2022 employees who became mentors are leaders by 2025,
    #: against about 1 % of the other lbg2 employees of the same units).
    mentor_promotion_priority: float = 3.0
    #: assumption (plan pilot 2, same sentence): from the year after their pair starts, mentors still in an
    #: employee post are appointed leader in their unit with this yearly probability (an internal appointment
    #: without an advertised vacancy). Other lbg2 employees are promoted about 0.2-0.5 % a year (oslo).
    mentor_promotion_rate: float = 0.06
    #: assumption: the small scale inflates turnover so that the funnel has enough rows.
    small_turnover_multiplier: float = 1.8

    # ------------------------------------------------------------------ applicants
    #: assumption: mean applicants per vacancy by level at oslo / national scale; the small scale uses
    #: ``small_applicant_multiplier`` times these.
    applicants_per_vacancy: tuple[float, float, float] = (32.0, 30.0, 27.0)
    small_applicant_multiplier: float = 0.5
    #: assumption: SD of the log of a vacancy's "popularity" (drives applicant counts).
    popularity_sd: float = 0.8
    #: calibrated so that hires roughly keep the stock shares: *true* lbg2 share among applicants by level
    #: at a vacancy of average popularity in an average Oslo sector (plan, Hovedutfordring 3: lower share
    #: of candidates with immigrant background for leader posts than for employee posts).
    applicant_lbg2_share: tuple[float, float, float] = (0.11, 0.17, 0.36)
    #: assumption: true lbg1 share among applicants by level.
    applicant_lbg1_share: tuple[float, float, float] = (0.05, 0.06, 0.07)
    #: assumption (sorting, Simpson-type): logit of the lbg2 applicant share rises by this per SD of
    #: popularity, so lbg2 apply disproportionately to crowded vacancies with low interview rates.
    sorting_slope: float = 0.45
    #: plan measure 3.2 (inclusive ad templates for leader posts) - assumption on size: logit shift of the
    #: lbg2 applicant share at top_leader/leader vacancies with ``ad_template = inclusive``.
    inclusive_ad_effect: float = 0.35
    #: plan 3.4/4.1 (agencies recruit from narrow networks) - assumption on size: logit shift of the lbg2
    #: applicant share at top_leader/leader vacancies where an agency assisted.
    agency_effect: float = -0.2
    #: plan, Hovedutfordring 3 ("flere kandidater som velger å ikke huke av") - assumption on size:
    #: probability of leaving the voluntary field blank by level, for applicants without immigrant
    #: background; immigrants leave it blank ``undeclared_immigrant_multiplier`` times as often.
    undeclared_share: tuple[float, float, float] = (0.22, 0.18, 0.12)
    undeclared_immigrant_multiplier: float = 1.25
    #: assumption: immigrants who declare tick "immigrant background" without a country group this often.
    unspecified_share: float = 0.06
    #: assumption: application gender: female share by level; "other" and "undeclared" shares.
    applicant_female_share: tuple[float, float, float] = (0.48, 0.58, 0.66)
    applicant_gender_other: float = 0.003
    applicant_gender_undeclared: float = 0.015

    # ------------------------------------------------------------------ funnel
    #: assumption: qualification rate of applicants without immigrant background by level, and the SD of
    #: the vacancy effect on its logit.
    qualified_rate: tuple[float, float, float] = (0.50, 0.55, 0.62)
    qualified_sd: float = 0.5
    #: plan, Hovedutfordring 2 (lower education / shorter experience at screening) - assumption on size:
    #: logit shift of the qualification probability for true (lbg1, lbg2).
    qualified_shift: tuple[float, float] = (-0.1, -0.45)
    #: plan pilot 1 (thorough job analysis) - assumption on size: absolute rise of the true-lbg2
    #: qualification probability in vacancies with ``job_analysis`` true.
    job_analysis_effect: float = 0.05
    #: assumption: interview probability of a qualified applicant without immigrant background at a
    #: vacancy of average popularity, by level; the logit falls by ``interview_popularity_slope`` per SD of
    #: popularity; vacancy noise SD; cap (keeps room for the pilot effect).
    interview_rate: tuple[float, float, float] = (0.32, 0.32, 0.38)
    interview_popularity_slope: float = 0.8
    interview_sd: float = 0.4
    interview_cap: float = 0.9
    #: M&R 2012: Norwegian-named applicants get about 25 % more interview calls than equally qualified
    #: applicants with a (lbg2) foreign name. Within a vacancy, P(interview | qualified, true lbg2) =
    #: P(interview | qualified, none) / 1.25 when the recruiter is untrained.
    interview_rate_ratio: float = 1.25
    #: plan measure 2.1 (recruitment course) - assumption on size: the ratio when the recruiter is trained.
    interview_rate_ratio_trained: float = 1.10
    #: assumption: the ratio for true lbg1 applicants (European names).
    interview_rate_ratio_lbg1: float = 1.05
    #: assumption: recommended per position (the innstilling ranks about two candidates per post).
    recommended_per_position: float = 2.0
    #: plan, Hovedutfordring 2 (falling representation at every stage) - assumption on size: relative
    #: probability of recommendation given interview, and of hire given recommendation, for true
    #: (lbg1, lbg2) versus none in the same vacancy.
    recommended_relative: tuple[float, float] = (0.95, 0.85)
    hired_relative: tuple[float, float] = (1.0, 0.90)
    #: assumption: deliberately inconsistent application rows per year: round(share * rows of the year),
    #: half "hired but not recommended" (a hire whose recommended flag was cleared), half "interviewed but not
    #: qualified" (an interviewed non-hire whose qualified flag was cleared); an odd one goes to the first
    #: kind in even years, to the second in odd years.
    inconsistent_share: float = 0.0005

    # ------------------------------------------------------------------ vacancy attributes
    #: assumption: n_positions of employee vacancies: 1, 2, 3, 4, 5 with these probabilities (leader posts: 1).
    n_positions_probs: tuple[float, ...] = (0.85, 0.09, 0.03, 0.02, 0.01)
    #: assumption: job analysis made outside the pilot, and inside a job_analysis pilot unit after start.
    job_analysis_rate: float = 0.15
    job_analysis_rate_pilot: float = 0.90
    #: plan measure 3.2 - assumption on uptake: share of vacancies with the inclusive ad template by year.
    inclusive_ad_schedule: tuple[tuple[int, float], ...] = ((0, 0.05), (2023, 0.20), (2024, 0.40), (2025, 0.55))
    #: assumption: share of vacancies where an agency assisted, by level.
    agency_rate: tuple[float, float, float] = (0.60, 0.25, 0.03)
    #: plan measure 2.1 - assumption on uptake: share of vacancies whose recruiting leader took the course.
    recruiter_trained_schedule: tuple[tuple[int, float], ...] = ((0, 0.05), (2023, 0.15), (2024, 0.30), (2025, 0.45))
    #: plan measure 2.3 - assumption on compliance: probability that a justification is recorded when the
    #: share with declared immigrant background (lbg1, lbg2, immigrant_unspecified) among the recommended
    #: is lower than among the qualified; before 2023 (no rule) and when not required.
    justification_compliance: tuple[tuple[int, float], ...] = ((0, 0.25), (2023, 0.70))
    justification_when_not_required: float = 0.05
    #: the year the plan's measures start (plan: "Handlingsplanen gjelder for perioden 2023 – 2027").
    measures_start_year: int = 2023

    # ------------------------------------------------------------------ pilots
    #: plan pilot 4 ("innkaller minimum 2 kvalifiserte søkere ... fra landbakgrunnsgruppe 2") - assumption on
    #: size: absolute rise in the interview probability of qualified applicants with *declared* lbg2
    #: background in treated vacancies, averaged over each year's treated applicants (exact in expectation;
    #: larger in vacancies with few such applicants). It is made of topping invitations up to two (with a
    #: probability solved per year) plus a shift >= 0 of each invitation probability. Hiring given interview is
    #: unchanged (recommendation and hiring probabilities do not depend on treatment).
    min_two_effect: float = 0.10
    #: assumption (target): share of treated vacancies with >= 2 qualified declared-lbg2 applicants that invite
    #: >= 2 of them. Each year the forcing probability and invitation shift are solved so that this holds in
    #: expectation while the effect stays exactly +0.10; where topping up alone would exceed the effect (few
    #: qualified lbg2 per vacancy: small scale, about 0.5-0.6) the effect wins.
    min_two_followed_share: float = 0.85
    #: assumption: pilot cohorts start in (first year + offset) for these offsets (clipped to the data
    #: years); start dates are 1 January, 1 February or 1 March; no end date for min_two_interviews and
    #: job_analysis.
    pilot_cohort_offsets: tuple[int, ...] = (1, 2, 3)
    #: assumption: units per cohort by pilot (small, oslo).
    pilot_units_per_cohort_small: tuple[tuple[str, int], ...] = (
        ("min_two_interviews", 4), ("job_analysis", 2), ("reverse_mentoring", 2), ("strengthened_training", 2))
    pilot_units_per_cohort_oslo: tuple[tuple[str, int], ...] = (
        ("min_two_interviews", 15), ("job_analysis", 10), ("reverse_mentoring", 7), ("strengthened_training", 7))
    #: assumption: strengthened training (pilot 3) for new hires with register lbg2 background in pilot
    #: units: completion rate.
    strengthened_training_completed: float = 0.80

    # ------------------------------------------------------------------ mentoring (pilot 2)
    #: assumption: pairs started per reverse_mentoring unit in its first year (small; oslo) and in each later
    #: year (about 15-20 pairs at small scale, 60-70 at oslo scale over five years).
    mentoring_pairs_first_year: tuple[int, int] = (1, 3)
    mentoring_pairs_first_year_oslo: tuple[int, int] = (2, 2)
    mentoring_pairs_later_years: tuple[int, int] = (0, 1)
    #: assumption: pair duration in days (uniform range); pairs ending after the data period are ongoing.
    mentoring_duration_days: tuple[int, int] = (300, 540)
    #: assumption: survey items (ascii snake case of Norwegian labels), answered 1-5 by mentor and mentee
    #: before (pre) and, for ended pairs, after (post).
    survey_items: tuple[str, ...] = (
        "forstaelse_mangfold",            # forståelse for betydningen av mangfold
        "bevissthet_forskjellsbehandling",  # bevissthet om ubevisst forskjellsbehandling
        "trygghet_i_dialog",              # trygghet i samtaler om bakgrunn og kultur
        "motivasjon_lederrolle",          # motivasjon for (å støtte) en lederrolle
    )
    #: assumption: latent pre-score mean (mentor, mentee), SD between persons/items, noise SD of post.
    survey_pre_mean: tuple[float, float] = (3.0, 2.7)
    survey_sd: float = 0.8
    survey_noise_sd: float = 0.5
    #: plan pilot 2 ("skape større forståelse hos toppleder") - assumption on size: latent change
    #: (mentor, mentee) before rounding to 1-5; see expected_survey_change for the observable change.
    survey_change: tuple[float, float] = (0.3, 0.6)
    #: assumption: share of post answers missing.
    survey_post_missing: float = 0.06

    # ------------------------------------------------------------------ training
    #: plan measure 2.1 - assumption on uptake: share of leaders (top_leader + leader) starting the
    #: recruitment course each year; completion rate.
    recruitment_course_schedule: tuple[tuple[int, float], ...] = ((0, 0.0), (2022, 0.03), (2023, 0.15))
    recruitment_course_completed: float = 0.90
    #: plan measure 3.3 - assumption: yearly share of employees / leaders in leadership development; odds
    #: multiplier for lbg2 employees from 2024 (when measure 3.3 bites); completion rate.
    leadership_development_rate: tuple[float, float] = (0.03, 0.06)
    leadership_development_lbg2_odds: tuple[tuple[int, float], ...] = ((0, 0.6), (2024, 1.5))
    leadership_development_completed: float = 0.85

    # ------------------------------------------------------------------ boards (Oslo only)
    #: assumption: number of boards at small and oslo/national scale.
    boards_small: int = 12
    boards_oslo: int = 60
    #: assumption: board size (chair + deputy chair + members) 3..11 with these probabilities.
    board_size_probs: tuple[float, ...] = (0.10, 0.10, 0.22, 0.16, 0.14, 0.10, 0.08, 0.06, 0.04)
    #: assumption: term length in years (2, 3, 4) and probability of reappointment at term end.
    board_term_probs: tuple[float, float, float] = (0.5, 0.2, 0.3)
    board_reappointment: float = 0.55
    #: assumption: lbg2 probability of a new municipal appointment before / from measures_start_year
    #: (plan measure 1.2 target: 25 % of new members; the demo lands below it, so the target is missed),
    #: of seats carried over from before the data period, and of employee-elected seats.
    board_new_lbg2: tuple[float, float] = (0.09, 0.19)
    board_initial_lbg2: float = 0.09
    board_employee_elected_lbg2: float = 0.12
    board_lbg1: float = 0.04
    #: assumption: share of boards (at least one) that ignore gender balance (female probability 0.15 for
    #: members); other boards appoint the under-represented gender with probability 0.9, so they comply with
    #: the gender rule almost always.
    board_noncompliant_share: float = 0.10
    #: assumption: share of municipal appointments that are the municipality's own top leaders
    #: (plan 4.1: "Flere av styremedlemmene ... er avdelingsdirektører ansatt i kommunen").
    board_internal_share: float = 0.2

    # ------------------------------------------------------------------ national scale (KS 2009)
    #: KS 2009: "Om lag en tredjedel av kommunene har medarbeidere med ikke-vestlig innvandrerbakgrunn i en
    #: nøkkelposisjon eller lederstilling" - share of municipalities with >= 1 lbg2 in a leader post
    #: (top_leader or leader) in the stock before the first data year.
    ks_share_with_lbg2_leaders: float = 1 / 3
    #: KS 2009: "bare 2,3 prosent som har toppledere med innvandrerbakgrunn" - share of municipalities with
    #: >= 1 top_leader with lbg1 or lbg2 background in that stock.
    ks_share_with_immigrant_top_leader: float = 0.023
    #: assumption: number of municipalities at national scale (Oslo the largest).
    national_municipalities: int = 150
    #: assumption: employees outside Oslo at national scale (about nine Oslos).
    national_other_employees: int = 450_000


TRUTHS = Truths()

#: M&R 2012: within-vacancy interview rate ratio none / lbg2 among qualified (untrained recruiter, no pilot).
INTERVIEW_RATE_RATIO = TRUTHS.interview_rate_ratio
#: the same ratio when the vacancy's recruiter took the recruitment course (measure 2.1).
INTERVIEW_RATE_RATIO_TRAINED = TRUTHS.interview_rate_ratio_trained
#: pilot 4: + probability points on qualified_to_interviewed of declared lbg2 in treated vacancies.
MIN_TWO_EFFECT = TRUTHS.min_two_effect
#: pilot 1: + probability points on applied_to_qualified of lbg2 in vacancies with job_analysis true.
JOB_ANALYSIS_EFFECT = TRUTHS.job_analysis_effect


def by_year(schedule: tuple[tuple[int, float], ...], year: int) -> float:
    """The value of a year schedule ``((first_year, value), ...)`` in ``year``."""
    value = schedule[0][1]
    for first, v in schedule:
        if year >= first:
            value = v
    return value


def vacancy_is_treated(posted_date, start_date, end_date=None):
    """The recommended treatment rule (:data:`TREATMENT_RULE`), vectorised over numpy/pandas dates."""
    posted = np.asarray(posted_date, dtype="datetime64[D]")
    treated = posted >= np.asarray(start_date, dtype="datetime64[D]")
    if end_date is not None:
        end = np.asarray(end_date, dtype="datetime64[D]")
        treated &= np.isnat(end) | (posted <= end)
    return treated


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p):
    return np.log(p / (1.0 - p))


def _gh(n: int):
    """Gauss-Hermite nodes and weights for expectations over N(0, 1)."""
    x, w = np.polynomial.hermite_e.hermegauss(n)
    return x, w / w.sum()


def _gap_terms(li: int, ratio: float, lbg2_logit_shift: float, t: Truths) -> np.ndarray:
    """Expected sums over vacancies (per vacancy, Gauss-Hermite) for :func:`expected_interview_gap`."""
    z, wz = _gh(48)
    ei, wi = _gh(12)
    eq, wq = _gh(12)
    Z, EI, EQ = np.meshgrid(z, ei * t.interview_sd, eq * t.qualified_sd, indexing="ij")
    W = wz[:, None, None] * wi[None, :, None] * wq[None, None, :]
    n = t.applicants_per_vacancy[li] * np.exp(t.popularity_sd * Z - t.popularity_sd**2 / 2)
    s2 = _expit(_logit(t.applicant_lbg2_share[li]) + lbg2_logit_shift + t.sorting_slope * Z)
    s0 = 1.0 - t.applicant_lbg1_share[li] - s2
    u0 = t.undeclared_share[li]
    u2 = min(0.95, u0 * t.undeclared_immigrant_multiplier)
    declared_lbg2 = (1.0 - u2) * (1.0 - t.unspecified_share)
    q0 = _expit(_logit(t.qualified_rate[li]) + EQ)
    q2 = _expit(_logit(t.qualified_rate[li]) + EQ + t.qualified_shift[1])
    p0 = t.interview_cap * _expit(_logit(t.interview_rate[li] / t.interview_cap)
                                  - t.interview_popularity_slope * Z + EI)
    p2 = p0 / ratio
    N0 = n * s0 * (1.0 - u0) * q0
    N2 = n * s2 * declared_lbg2 * q2
    N = N0 + N2
    terms = [N0 * p0, N0, N2 * p2, N2,
             N2 * p2 * N0 * (1 - p0) / N, N2 * (1 - p2) * N0 * p0 / N,   # MH odds ratio
             N0 * p0 * N2 / N, N2 * p2 * N0 / N]                          # MH rate ratio
    return np.array([(W * x).sum() for x in terms])


def expected_interview_gap(
    position_level: str = "employee",
    *,
    recruiter_trained: bool | float = False,
    lbg2_logit_shift: float = 0.0,
    t: Truths = TRUTHS,
) -> dict[str, float]:
    """Expected interview gap among qualified applicants, declared lbg2 versus declared none.

    Integrates the generator's model over vacancy popularity and the vacancy effects (Gauss-Hermite), for
    vacancies outside the ``min_two_interviews`` pilot, with standard ad and no agency, in an average sector
    (``lbg2_logit_shift`` shifts the applicant share). ``recruiter_trained``: ``False``/``True`` for one cell,
    or a share (e.g. ``by_year(TRUTHS.recruiter_trained_schedule, year)``) for the mixture of a year's
    vacancies - the Mantel-Haenszel sums simply add over the two cells.

    Returns
    -------
    dict with
        ``within_rate_ratio``: interview rate none / lbg2 within vacancies (Mantel-Haenszel risk-ratio
        estimand; exactly :data:`INTERVIEW_RATE_RATIO` for untrained recruiters);
        ``within_odds_ratio``: the Mantel-Haenszel common odds ratio lbg2 / none over vacancies, as
        ``funnel_disparity.or_within_vacancy`` estimates it (below 1), from expected counts; simulated data
        agree within about ±0.02 at oslo scale (checked over eight seeds);
        ``aggregate_rate_ratio``: pooled interview rate none / lbg2 - larger than the within ratio because
        lbg2 applicants sort into crowded vacancies with low interview rates (Simpson); the generator's sector
        variation moves it by a few hundredths;
        ``aggregate_odds_ratio``: pooled odds ratio lbg2 / none;
        ``rate_none``, ``rate_lbg2``: pooled interview rates among the qualified.

    Values (untrained / trained recruiter): employee OR 0.73 / 0.87, aggregate rate ratio about 1.55 / 1.38;
    leader OR 0.74 / 0.88.
    """
    li = LEVELS.index(position_level)
    share = float(recruiter_trained)
    s = (1 - share) * _gap_terms(li, t.interview_rate_ratio, lbg2_logit_shift, t) if share < 1 else 0.0
    if share > 0:
        s = s + share * _gap_terms(li, t.interview_rate_ratio_trained, lbg2_logit_shift, t)
    rate0, rate2 = s[0] / s[1], s[2] / s[3]
    return {
        "within_rate_ratio": float(s[6] / s[7]),
        "within_odds_ratio": float(s[4] / s[5]),
        "aggregate_rate_ratio": float(rate0 / rate2),
        "aggregate_odds_ratio": float((rate2 / (1 - rate2)) / (rate0 / (1 - rate0))),
        "rate_none": float(rate0),
        "rate_lbg2": float(rate2),
    }


def implied_applied_to_hired_effect(qualified_rate_lbg2: float, hired_given_interviewed_lbg2: float) -> float:
    """Pilot 4's implied effect on the applied_to_hired rate of declared lbg2 applicants.

    Interviews rise by :data:`MIN_TWO_EFFECT` among the qualified and hiring given interview is unchanged,
    so the effect is ``MIN_TWO_EFFECT * P(qualified | lbg2) * P(hired | interviewed, lbg2)``, with the two
    rates taken from the treated vacancies (about 0.10 * 0.5 * 0.2 = 0.01 in the demo).
    """
    return MIN_TWO_EFFECT * qualified_rate_lbg2 * hired_given_interviewed_lbg2


def job_analysis_itt_effect(t: Truths = TRUTHS) -> float:
    """Effect of belonging to a job_analysis pilot unit on the lbg2 qualification rate (intention to treat).

    ``job_analysis_effect * (job_analysis_rate_pilot - job_analysis_rate)`` = 0.05 * 0.75 = 0.0375; the effect
    per vacancy with ``job_analysis`` true is :data:`JOB_ANALYSIS_EFFECT`.
    """
    return t.job_analysis_effect * (t.job_analysis_rate_pilot - t.job_analysis_rate)


def _norm_cdf(x):
    return 0.5 * (1.0 + np.vectorize(erf)(np.asarray(x) / sqrt(2.0)))


def expected_survey_change(respondent: str, t: Truths = TRUTHS) -> float:
    """Expected mean change post - pre of the observed 1-5 scores (after rounding and clipping).

    The latent pre score is N(pre_mean, survey_sd); post = pre + change + N(0, survey_noise_sd); both are
    rounded to the nearest integer and clipped to 1-5. Mentee about +0.6, mentor about +0.3 (slightly less
    after clipping).
    """
    r = ("mentor", "mentee").index(respondent)
    x, w = _gh(80)
    pre_latent = t.survey_pre_mean[r] + t.survey_sd * x

    def observed_mean(mu, sd):
        # E[clip(round(N(mu, sd)), 1, 5)] = 1 + sum_k P(N >= k - 0.5) for k = 2..5
        if sd == 0:
            return np.clip(np.round(mu), 1, 5)
        return 1.0 + sum(1.0 - _norm_cdf((k - 0.5 - mu) / sd) for k in range(2, 6))

    pre = np.clip(np.floor(pre_latent + 0.5), 1, 5)
    post = observed_mean(pre_latent + t.survey_change[r], t.survey_noise_sd)
    return float((w * (post - pre)).sum())


def inconsistent_application_count(rows_in_year: int, t: Truths = TRUTHS) -> int:
    """Deliberately inconsistent application rows in a year with ``rows_in_year`` applications."""
    return int(round(t.inconsistent_share * rows_in_year))
