"""One year of vacancies and applications through the funnel (vectorised)."""

from __future__ import annotations

import numpy as np

from ._org import Org
from ._util import choice_by_probs, expit, logit, rank_within, year_bounds
from .truths import Truths, by_year

# background codes used internally: 0 none, 1 lbg1, 2 lbg2, 3 immigrant_unspecified, 4 undeclared
NONE, LBG1, LBG2, UNSPEC, UNDECL = range(5)


def _min_two_terms(k, pi, c):
    """Expected invited and P(rule followed) with k candidates, invitation probability pi, forcing prob c."""
    q = 1.0 - pi
    p0 = q**k
    p1 = k * pi * q ** np.maximum(k - 1, 0)
    expected = k * pi + c * (2 * p0 + p1)
    followed = c + (1 - c) * (1 - p0 - p1)
    return expected, followed


def _calibrate_min_two(k: np.ndarray, p: np.ndarray, effect: float, followed_target: float):
    """Forcing probability c and invitation shift d >= 0 for a year's treated vacancies with k >= 2.

    A treated vacancy invites each of its k qualified declared-lbg2 applicants with probability
    min(1, p + d) and, with probability c, tops the invitations up to two. c and d are common to the year's
    treated vacancies and solve, in expectation, sum E[invited] = sum k * (p + effect) - the average rise
    over the year's treated applicants is exactly ``effect`` (larger where k is small) - and, as far as
    that allows, mean P(rule followed) = ``followed_target``. Where topping up alone would exceed the
    effect (few qualified lbg2 per vacancy, as at the small scale) d = 0 and c is lowered, so the rule is
    followed less often.
    """
    k = k.astype(float)
    target = (k * (p + effect)).sum()

    def expected(c, d):
        return _min_two_terms(k, np.minimum(1.0, p + d), c)[0].sum()

    def shift_for(c):
        lo, hi = 0.0, 1.0
        for _ in range(50):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if expected(c, mid) < target else (lo, mid)
        return (lo + hi) / 2

    def followed(c):
        return _min_two_terms(k, np.minimum(1.0, p + shift_for(c)), c)[1].mean()

    c_max = 1.0
    if expected(1.0, 0.0) > target:
        lo, hi = 0.0, 1.0
        for _ in range(50):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if expected(mid, 0.0) < target else (lo, mid)
        c_max = lo
    if followed(0.0) >= followed_target:
        c = 0.0
    elif followed(c_max) <= followed_target:
        c = c_max
    else:
        lo, hi = 0.0, c_max
        for _ in range(40):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if followed(mid) < followed_target else (lo, mid)
        c = (lo + hi) / 2
    return c, shift_for(c)


def simulate_year(rng: np.random.Generator, org: Org, t: Truths, year: int,
                  pilots: dict[str, tuple[np.ndarray, np.ndarray]], vacancy_rate: np.ndarray,
                  applicant_mult: float) -> tuple[dict, dict]:
    """Vacancies and applications of ``year``.

    ``pilots``: pilot -> (start, end) day arrays per unit (a large number when the unit is not in the pilot).
    ``vacancy_rate``: (U, 3) expected vacancies by unit and level.
    """
    first, last = year_bounds(year)
    U = org.n_units
    # ------------------------------------------------------------ vacancies
    lam = vacancy_rate
    nv = rng.poisson(lam).ravel()
    unit = np.repeat(np.repeat(np.arange(U), 3), nv)
    level = np.repeat(np.tile(np.arange(3), U), nv).astype(np.int8)
    V = len(unit)
    posted = rng.integers(first, last + 1, V)
    order = np.lexsort((level, unit, posted))
    unit, level, posted = unit[order], level[order], posted[order]
    is_emp = level == 2
    is_lead = ~is_emp
    npos = np.where(is_emp, 1 + choice_by_probs(rng, np.array(t.n_positions_probs), V), 1)
    z = rng.standard_normal(V)
    e_int = rng.normal(0, t.interview_sd, V)
    e_q = rng.normal(0, t.qualified_sd, V)

    def in_pilot(name):
        start, end = pilots[name]
        return (posted >= start[unit]) & (posted <= end[unit])

    ja_pilot = in_pilot("job_analysis")
    job_analysis = rng.random(V) < np.where(ja_pilot, t.job_analysis_rate_pilot, t.job_analysis_rate)
    inclusive = rng.random(V) < by_year(t.inclusive_ad_schedule, year)
    agency = rng.random(V) < np.array(t.agency_rate)[level]
    trained = rng.random(V) < by_year(t.recruiter_trained_schedule, year)
    treated = in_pilot("min_two_interviews")

    # ------------------------------------------------------------ applicants
    m = np.array(t.applicants_per_vacancy)[level] * applicant_mult
    mean_n = m * np.exp(t.popularity_sd * z - t.popularity_sd**2 / 2)
    napp = np.maximum(1, rng.poisson(mean_n))
    vi = np.repeat(np.arange(V), napp)
    A = len(vi)
    lv = level[vi]
    a2 = (logit(np.array(t.applicant_lbg2_share))[level] + org.app_lbg2_shift[level, unit]
          + t.sorting_slope * z
          + is_lead * (t.inclusive_ad_effect * inclusive + t.agency_effect * agency))
    s2 = expit(a2)
    s1 = np.minimum(np.array(t.applicant_lbg1_share)[level] * org.app_lbg1_mult[level, unit], 1 - s2 - 0.01)
    u = rng.random(A)
    true_bg = np.where(u < s2[vi], LBG2, np.where(u < (s1 + s2)[vi], LBG1, NONE)).astype(np.int8)
    imm = true_bg > 0
    p_undecl = np.array(t.undeclared_share)[lv] * np.where(imm, t.undeclared_immigrant_multiplier, 1.0)
    u = rng.random(A)
    declared = np.where(u < p_undecl, UNDECL,
                        np.where(imm & (u < p_undecl + (1 - p_undecl) * t.unspecified_share), UNSPEC, true_bg))
    declared = declared.astype(np.int8)
    u = rng.random(A)
    fem = np.array(t.applicant_female_share)[lv]
    gender = np.where(u < t.applicant_gender_undeclared, 3,
                      np.where(u < t.applicant_gender_undeclared + t.applicant_gender_other, 2,
                               np.where(rng.random(A) < fem, 0, 1))).astype(np.int8)

    # ------------------------------------------------------------ qualified
    qshift = np.array([0.0, t.qualified_shift[0], t.qualified_shift[1]])[true_bg]
    q = expit(logit(np.array(t.qualified_rate))[lv] + e_q[vi] + qshift)
    q = q + (job_analysis[vi] & (true_bg == LBG2)) * t.job_analysis_effect
    qualified = rng.random(A) < q

    # ------------------------------------------------------------ interviewed
    p0 = t.interview_cap * expit(logit(np.array(t.interview_rate) / t.interview_cap)[level]
                                 - t.interview_popularity_slope * z + e_int)
    ratio2 = np.where(trained, t.interview_rate_ratio_trained, t.interview_rate_ratio)
    p_lbg2 = p0 / ratio2
    p = np.where(true_bg == LBG2, p_lbg2[vi], np.where(true_bg == LBG1, p0[vi] / t.interview_rate_ratio_lbg1, p0[vi]))
    interviewed = qualified & (rng.random(A) < p)
    # pilot 4: at least two qualified declared-lbg2 candidates invited
    focal = qualified & (declared == LBG2) & treated[vi]
    k = np.bincount(vi[focal], minlength=V)
    tv = treated & (k >= 1)
    pi_v = np.minimum(1.0, p_lbg2 + t.min_two_effect)   # k == 1: the rule cannot bite
    c_v = np.zeros(V)
    t2 = tv & (k >= 2)
    c, d = 0.0, 0.0
    if t2.any():
        c, d = _calibrate_min_two(k[t2], p_lbg2[t2], t.min_two_effect, t.min_two_followed_share)
        pi_v[t2] = np.minimum(1.0, p_lbg2[t2] + d)
        c_v[t2] = c
    interviewed[focal] = rng.random(int(focal.sum())) < pi_v[vi[focal]]
    comply = tv & (k >= 2) & (rng.random(V) < c_v)
    x = np.bincount(vi[focal & interviewed], minlength=V)
    need = np.where(comply, np.maximum(0, 2 - x), 0)
    cand = np.flatnonzero(focal & ~interviewed & (need[vi] > 0))
    if len(cand):
        rank, _ = rank_within(vi[cand], rng.random(len(cand)))
        interviewed[cand[rank < need[vi[cand]]]] = True

    # ------------------------------------------------------------ recommended, hired
    e_int_v = np.bincount(vi, weights=qualified * p, minlength=V)
    r0 = np.clip(t.recommended_per_position * npos / np.maximum(e_int_v, 1e-9), 0.05, 0.95)
    rrel = np.array([1.0, t.recommended_relative[0], t.recommended_relative[1]])[true_bg]
    r = r0[vi] * rrel
    recommended = interviewed & (rng.random(A) < r)
    hrel = np.array([1.0, t.hired_relative[0], t.hired_relative[1]])[true_bg]
    e_hire_v = np.bincount(vi, weights=qualified * p * r * hrel, minlength=V)
    h0 = np.clip(npos / np.maximum(e_hire_v, 1e-9), 0.05, 0.95)
    hired = recommended & (rng.random(A) < h0[vi] * hrel)

    # ------------------------------------------------------------ measure 2.3: justification
    # the plan's rule: the share among the recommended below the share among the applicants to the vacancy
    decl_imm = (declared == LBG1) | (declared == LBG2) | (declared == UNSPEC)
    na = np.bincount(vi, minlength=V).astype(float)
    na_imm = np.bincount(vi, weights=decl_imm, minlength=V)
    nr = np.bincount(vi, weights=recommended, minlength=V)
    nr_imm = np.bincount(vi, weights=recommended & decl_imm, minlength=V)
    required = (nr > 0) & (na > 0) & (nr_imm * na < na_imm * nr)
    p_just = np.where(required, by_year(t.justification_compliance, year), t.justification_when_not_required)
    justification = rng.random(V) < p_just

    vac = {"unit": unit, "level": level, "posted": posted, "npos": npos, "job_analysis": job_analysis,
           "inclusive": inclusive, "agency": agency, "trained": trained, "justification": justification,
           "treated": treated,
           "min_two_cd": (c, d),
           "att": (float((interviewed[focal] - p_lbg2[vi[focal]]).sum()), int(focal.sum())), "followed": np.where(tv & (k >= 2), np.bincount(vi[focal & interviewed], minlength=V) >= 2, -1)}
    app = {"vi": vi, "true_bg": true_bg, "declared": declared, "gender": gender, "qualified": qualified,
           "interviewed": interviewed, "recommended": recommended, "hired": hired}
    return vac, app
