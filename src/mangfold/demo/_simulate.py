"""The yearly simulation: pilots, workforce flows, recruitment, mentoring and training."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._org import Org, initial_stock
from ._recruitment import LBG2, simulate_year
from ._util import day, rank_within, year_bounds, year_of
from .truths import Truths, by_year

NEVER = 10**7  # a day number far in the future
PILOT_ORDER = ("job_analysis", "reverse_mentoring", "strengthened_training", "min_two_interviews")
#: assumption: expected hires per advertised position (some recruitments fail), used to size vacancy rates.
FILL_RATE = 0.9


@dataclass
class Result:
    pilots: list = field(default_factory=list)          # (unit, pilot, start, end)
    vacancies: list = field(default_factory=list)       # dict per year
    applications: list = field(default_factory=list)    # dict per year
    workforce: list = field(default_factory=list)       # dict per year
    mentoring: list = field(default_factory=list)       # (pair, mentor, mentee, unit, start, end)
    training: list = field(default_factory=list)        # dict per year
    diagnostics: dict = field(default_factory=dict)


def _assign_pilots(rng, org: Org, t: Truths, years: range, scale: str):
    y0, y1 = years.start, years.stop - 1
    per_cohort = dict(t.pilot_units_per_cohort_small if scale == "small" else t.pilot_units_per_cohort_oslo)
    cohorts = [min(max(y0 + off, y0), y1) for off in t.pilot_cohort_offsets]
    oslo_units = np.flatnonzero(org.unit_is_oslo)
    windows = {}
    rows = []
    for name in PILOT_ORDER:
        start = np.full(org.n_units, NEVER, dtype=np.int64)
        end = np.full(org.n_units, NEVER, dtype=np.int64)
        n = per_cohort[name]
        # reverse mentoring needs a top team and several mentors: larger units volunteer (weights ~ size)
        size = org.unit_counts[oslo_units].sum(axis=1).astype(float)
        w = size / size.sum() if name == "reverse_mentoring" else None
        chosen = rng.choice(oslo_units, size=min(len(oslo_units), n * len(cohorts)), replace=False, p=w)
        month = rng.integers(1, 4, len(chosen))
        for i, u in enumerate(chosen):
            cy = cohorts[i // n]
            start[u] = day(cy, int(month[i]), 1)
            if name == "reverse_mentoring" and i < n:
                e = day(cy + 2, int(month[i]), 1) - 1
                if e <= year_bounds(y1)[1]:
                    end[u] = e
        windows[name] = (start, end)
        rows += [(int(u), name, int(start[u]), int(end[u]) if end[u] < NEVER else None) for u in chosen]
    return windows, rows


def _match(rng, req_key, cand_key, cand_prio):
    """Match each request to a distinct candidate with the same key; -1 where none is left."""
    out = np.full(len(req_key), -1, dtype=np.int64)
    if len(req_key) == 0 or len(cand_key) == 0:
        return out
    c_rank, _ = rank_within(cand_key, cand_prio)
    r_rank, _ = rank_within(req_key, rng.random(len(req_key)))
    R = max(len(cand_key), len(req_key)) + 1
    c_code = cand_key.astype(np.int64) * R + c_rank
    r_code = req_key.astype(np.int64) * R + r_rank
    order = np.argsort(c_code, kind="stable")
    sc = c_code[order]
    pos = np.minimum(np.searchsorted(sc, r_code), len(sc) - 1)
    found = sc[pos] == r_code
    out[found] = order[pos[found]]
    return out


def simulate(rng: np.random.Generator, org: Org, t: Truths, years: range, scale: str) -> Result:
    res = Result()
    windows, res.pilots = _assign_pilots(rng, org, t, years, scale)
    mult = t.small_turnover_multiplier if scale == "small" else 1.0
    app_mult = t.small_applicant_multiplier if scale == "small" else 1.0
    exit_rate = np.array(t.exit_rate) * mult

    st = initial_stock(rng, org, t)
    n0 = len(st["unit"])
    st["pid"] = np.arange(n0, dtype=np.int64)
    st["mentor"] = np.zeros(n0, bool)
    st["course"] = np.zeros(n0, bool)
    next_pid = n0
    mean_npos = np.array([1.0, 1.0, 1.0 + np.dot(np.arange(len(t.n_positions_probs)), t.n_positions_probs)])
    target = org.unit_counts.astype(float)
    followed = []
    rm_start = windows["reverse_mentoring"][0]
    st_start, st_end = windows["strengthened_training"]
    pair_no = 0
    rm_year = np.where(rm_start < NEVER, year_of(np.minimum(rm_start, day(9999))), 0)
    first_pairs = t.mentoring_pairs_first_year if scale == "small" else t.mentoring_pairs_first_year_oslo
    for year in years:
        first, last = year_bounds(year)
        U = org.n_units
        counts = np.bincount(st["unit"] * 3 + st["level"], minlength=U * 3).reshape(U, 3)

        # ---------------------------------------------------- mentoring pairs starting this year
        for u in np.flatnonzero((rm_year > 0) & (rm_year <= year)):
            lo, hi = (first_pairs if rm_year[u] == year else t.mentoring_pairs_later_years)
            n_pairs = int(rng.integers(lo, hi + 1))
            in_u = st["unit"] == u
            mentees = np.flatnonzero(in_u & (st["level"] == 0))
            mentees = np.r_[rng.permutation(mentees), rng.permutation(np.flatnonzero(in_u & (st["level"] == 1)))]
            mentors = rng.permutation(np.flatnonzero(in_u & (st["level"] == 2) & (st["bg"] == LBG2) & ~st["mentor"]))
            used = {m for p in res.mentoring if p[3] == u for m in (p[2],)}
            mentees = [i for i in mentees if st["pid"][i] not in used]
            for j in range(min(n_pairs, len(mentors), len(mentees))):
                start = max(int(rm_start[u]), first) + int(rng.integers(0, 300))
                end = start + int(rng.integers(*t.mentoring_duration_days))
                st["mentor"][mentors[j]] = True
                res.mentoring.append((pair_no, int(st["pid"][mentors[j]]), int(st["pid"][mentees[j]]), int(u),
                                      start, end if end <= year_bounds(years.stop - 1)[1] else None))
                pair_no += 1

        # ---------------------------------------------------- mentors appointed leader (pilot 2)
        if res.mentoring:
            earlier = np.array([p[1] for p in res.mentoring if year_of(np.array([p[4]]))[0] < year])
            cand = np.flatnonzero(np.isin(st["pid"], earlier) & (st["level"] == 2))
            up = cand[rng.random(len(cand)) < t.mentor_promotion_rate]
            st["level"][up] = 1

        # ---------------------------------------------------- exits
        alive = rng.random(len(st["unit"])) >= exit_rate[st["level"]]

        # ---------------------------------------------------- recruitment
        # units advertise to replace expected exits and close half of the gap to their planned size
        need = np.maximum(0.0, counts * exit_rate[None, :] + 0.5 * (target - counts))
        vac, app = simulate_year(rng, org, t, year, windows, need / (mean_npos * FILL_RATE)[None, :], app_mult)
        vi = app["vi"]
        A = len(vi)
        app["person"] = next_pid + np.arange(A, dtype=np.int64)
        next_pid += A
        hired = np.flatnonzero(app["hired"])
        h_level = vac["level"][vi[hired]]
        h_unit = vac["unit"][vi[hired]]
        h_bg = app["true_bg"][hired]
        internal = (h_level < 2) & (rng.random(len(hired)) < np.array(t.internal_hire_share)[h_level])
        matched = np.full(len(hired), -1, dtype=np.int64)
        prio = rng.random(len(st["unit"])) / np.where(st["mentor"], t.mentor_promotion_priority, 1.0)
        # leader posts: an employee of the same unit; top_leader posts: a leader of the same sector
        for lvl, from_lvl, keyfun in ((1, 2, lambda un: un), (0, 1, lambda un: org.unit_sector[un])):
            req = np.flatnonzero(internal & (h_level == lvl))
            cand = np.flatnonzero(alive & (st["level"] == from_lvl))
            got = _match(rng, keyfun(h_unit[req]) * 3 + h_bg[req], keyfun(st["unit"][cand]) * 3 + st["bg"][cand],
                         prio[cand])
            matched[req[got >= 0]] = cand[got[got >= 0]]
        ok = matched >= 0
        mi = matched[ok]
        app["person"][hired[ok]] = st["pid"][mi]
        app["gender"][hired[ok]] = np.where(st["female"][mi], 0, 1)
        st["level"][mi] = h_level[ok]
        st["unit"][mi] = h_unit[ok]
        # external hires join the stock with person_id = applicant_id
        ext = hired[~ok]
        g = app["gender"][ext]
        e_level = vac["level"][vi[ext]]
        female = np.where(g == 0, True, np.where(g == 1, False, rng.random(len(ext)) < np.array(t.female_share)[e_level]))
        new = {"pid": app["person"][ext], "unit": vac["unit"][vi[ext]], "level": e_level.astype(np.int8),
               "bg": app["true_bg"][ext].astype(np.int8), "female": female,
               "mentor": np.zeros(len(ext), bool), "course": np.zeros(len(ext), bool)}

        # ---------------------------------------------------- training (Oslo units)
        tr = _training(rng, org, t, year, st, alive, vac, app, ext, st_start, st_end)
        res.training.append(tr)

        st = {k: np.concatenate([v[alive], new[k]]) for k, v in st.items()}
        res.workforce.append({"pid": st["pid"].copy(), "unit": st["unit"].copy(), "level": st["level"].copy(),
                              "bg": st["bg"].copy(), "female": st["female"].copy(), "year": year})
        vac["year"] = year
        res.vacancies.append(vac)
        res.applications.append(app)
        fo = vac["followed"]
        followed.append(fo[fo >= 0])
    f = np.concatenate(followed) if followed else np.array([])
    res.diagnostics["min_two_followed_share"] = float(f.mean()) if len(f) else float("nan")
    res.diagnostics["min_two_eligible_vacancies"] = int(len(f))
    res.diagnostics["next_pid"] = next_pid
    num = sum(v["att"][0] for v in res.vacancies)
    den = sum(v["att"][1] for v in res.vacancies)
    res.diagnostics["min_two_cd"] = [tuple(round(x, 3) for x in v["min_two_cd"]) for v in res.vacancies]
    res.diagnostics["min_two_realised_effect"] = num / den if den else float("nan")
    return res


def _training(rng, org, t, year, st, alive, vac, app, ext, st_start, st_end):
    first, last = year_bounds(year)
    oslo = org.unit_is_oslo[st["unit"]] & alive
    lvl = st["level"]
    # measure 2.1: recruitment course for leaders
    p_course = by_year(t.recruitment_course_schedule, year)
    take = oslo & (lvl < 2) & ~st["course"] & (rng.random(len(lvl)) < p_course)
    st["course"][take] = True
    persons = [st["pid"][take]]
    program = [np.zeros(int(take.sum()), np.int8)]
    completed = [rng.random(int(take.sum())) < t.recruitment_course_completed]
    # measure 3.3: leadership development
    base = np.where(lvl == 2, t.leadership_development_rate[0], np.where(lvl == 1, t.leadership_development_rate[1], 0.0))
    odds = np.where((st["bg"] == LBG2) & (lvl == 2), by_year(t.leadership_development_lbg2_odds, year), 1.0)
    take = oslo & (rng.random(len(lvl)) < base * odds)
    persons.append(st["pid"][take])
    program.append(np.ones(int(take.sum()), np.int8))
    completed.append(rng.random(int(take.sum())) < t.leadership_development_completed)
    starts = [rng.integers(first, last + 1, sum(len(p) for p in persons))]
    # pilot 3: strengthened training of new lbg2 hires in pilot units
    vi = app["vi"][ext]
    u = vac["unit"][vi]
    posted = vac["posted"][vi]
    sel = (app["true_bg"][ext] == LBG2) & (posted >= st_start[u]) & (posted <= st_end[u])
    persons.append(app["person"][ext][sel])
    program.append(np.full(int(sel.sum()), 2, np.int8))
    completed.append(rng.random(int(sel.sum())) < t.strengthened_training_completed)
    starts.append(np.minimum(posted[sel] + rng.integers(14, 91, int(sel.sum())), last))
    return {"person": np.concatenate(persons), "program": np.concatenate(program),
            "start": np.concatenate(starts), "completed": np.concatenate(completed)}
