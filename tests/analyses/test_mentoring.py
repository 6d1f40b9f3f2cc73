"""Tests for mangfold.analyses.mentoring (pilot 2) and mangfold.analyses.pilots.training (pilot 3).

Hand case (report year 2025, workforce snapshots 2021-2025):

    mentoring: R1 mentor M1 (mentee T1, unit U1) 2022-03-01..2022-12-31; R2 mentor M2 2023-02-01 (open);
               R3 mentor M3 2026-01-01 (after the report year: not counted)
    survey (mentor / mentee, items a and b, pre -> post):
        R1 mentor a 2->4, b 3->3;  mentee a 1->3, b 2->4
        R2 mentor a 3->4, b 4->(missing); mentee a 2->2, b 3->5
        mentor a: changes (2, 1) -> mean 1.5, sd 0.7071, se 0.5, t(1) = 3, p = 0.2048 (2 atan(1/3)/pi)
        mentee b: changes (2, 2) -> mean 2, sd 0 -> no t test; Wilcoxon V = 3 (ties: normal approx.)
        mentor 'all' (per-person mean of items answered twice): R1 (2.5 -> 3.5), R2 (3 -> 4) -> +1, +1
    workforce (employee, lbg2, U1 unless noted); baseline = the snapshot of the start year, for mentors
    and comparisons alike (no immortal time between the snapshot before the start and the start):
        M1 2021, 2022, 2023 (leader in 2023), absent 2024 -> baseline 2022 (start year),
           left after 2 years (t_exit 2, left 1), leader after 1 (t_leader 1, became_leader 1)
        M2 2022..2025 employee -> baseline 2023, censored: t_exit 2, left 0; t_leader 2, became 0
        C1 2021..2025 -> comparison for M1 (in the 2022 snapshot): censored t_exit 3
        C2 2021, 2022, absent 2023, 2024 -> left at 2023: t_exit 1 (the return does not count)
        C3 2021 in U2 -> never a comparison (other unit); L1 2021 leader in U1 -> other level
        C4 2022..2023 -> comparison for M1: left after 2 years
        C5 2021..2024 -> comparison for M1: missing in the last year 2025 -> left, t_exit 3
        M2 gets no comparison: every candidate in its 2023 snapshot was already drawn for M1
"""

from __future__ import annotations

import math
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from mangfold.analyses import mentoring
from mangfold.analyses.pilots import training
from mangfold.stats.survival import kaplan_meier
from mangfold.store import ingest
from tests.helpers import applications_csv, ingested

WORKFORCE = {  # person: [(year, unit, level)]
    "M1": [(2021, "U1", "employee"), (2022, "U1", "employee"), (2023, "U1", "leader")],
    "M2": [(y, "U1", "employee") for y in (2022, 2023, 2024, 2025)],
    "C1": [(y, "U1", "employee") for y in range(2021, 2026)],
    "C2": [(2021, "U1", "employee"), (2022, "U1", "employee"), (2024, "U1", "employee")],
    "C3": [(2021, "U2", "employee")],
    "L1": [(2021, "U1", "leader")],
    "C4": [(2022, "U1", "employee"), (2023, "U1", "employee")],
    "C5": [(y, "U1", "employee") for y in range(2021, 2025)],
    "T1": [(y, "U1", "top_leader") for y in range(2021, 2026)],
}
SURVEY = [  # pair, respondent, item, pre, post
    ("R1", "mentor", "a", 2, 4), ("R1", "mentor", "b", 3, 3), ("R1", "mentee", "a", 1, 3), ("R1", "mentee", "b", 2, 4),
    ("R2", "mentor", "a", 3, 4), ("R2", "mentor", "b", 4, None), ("R2", "mentee", "a", 2, 2),
    ("R2", "mentee", "b", 3, 5),
]


def write_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "units.csv").write_text("unit_id,unit_name,sector\nU1,A,S1\nU2,B,S1\n", encoding="utf-8")
    (folder / "vacancies.csv").write_text(
        "vacancy_id,unit_id,posted_date,position_level\nV1,U1,2025-02-01,leader\nV2,U1,2025-03-15,employee\n"
        "V3,U2,2025-06-30,employee\nV4,U2,2024-05-05,leader\n", encoding="utf-8")
    (folder / "applications.csv").write_text(applications_csv(), encoding="utf-8")
    wf = ["person_id,year,unit_id,position_level,background"]
    wf += [f"{p},{y},{u},{lv},lbg2" for p, rows in WORKFORCE.items() for y, u, lv in rows]
    (folder / "workforce.csv").write_text("\n".join(wf) + "\n", encoding="utf-8")
    (folder / "mentoring.csv").write_text(
        "pair_id,mentor_id,mentee_id,unit_id,start_date,end_date\nR1,M1,T1,U1,2022-03-01,2022-12-31\n"
        "R2,M2,T1,U1,2023-02-01,\nR3,M3,T1,U1,2026-01-01,\n", encoding="utf-8")
    sv = ["pair_id,respondent,wave,item,score"]
    for pair, resp, item, pre, post in SURVEY:
        sv.append(f"{pair},{resp},pre,{item},{pre}")
        if post is not None:
            sv.append(f"{pair},{resp},post,{item},{post}")
    (folder / "mentoring_survey.csv").write_text("\n".join(sv) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return ingested(tmp_path_factory.mktemp("mentoring"), write_folder)


def test_pairs_overview(store):
    p = mentoring.pairs_overview(store, year=2025).set_index("start_year")
    assert p.loc["2022", "pairs"] == 1 and p.loc["2022", "pairs_ended"] == 1
    assert p.loc["2023", "pairs_ended"] == 0 and p.loc["all", "pairs"] == 2  # R3 starts in 2026


def test_paired_change_hand_case(store):
    sp = mentoring.survey_pairs(store, year=2025)
    assert len(sp) == 8 and sp["post"].isna().sum() == 1
    ch = mentoring.survey_change(sp).set_index(["respondent", "item"])
    r = ch.loc[("mentor", "a")]
    assert r["n"] == 2
    assert_allclose([r["mean_pre"], r["mean_post"], r["estimate"], r["std_error"], r["statistic"]],
                    [2.5, 4.0, 1.5, 0.5, 3.0])
    assert_allclose(r["p_value"], 2 * math.atan(1 / 3) / math.pi)  # t(1): P(|T| > 3)
    from scipy import stats
    assert_allclose([r["ci_low"], r["ci_high"]], [1.5 - stats.t.isf(0.025, 1) * 0.5, 1.5 + stats.t.isf(0.025, 1) * 0.5])
    # exact Wilcoxon by enumerating the 2^n sign flips (n = 2, ranks 1 and 2, V = 3): p = 2 * 1/4 = 0.5
    d = np.array([2.0, 1.0])
    ranks = stats.rankdata(np.abs(d))
    v_obs = ranks[d > 0].sum()
    vs = [sum(rk for rk, s in zip(ranks, signs) if s) for signs in product([0, 1], repeat=2)]
    p_exact = min(1.0, 2 * min(np.mean([v >= v_obs for v in vs]), np.mean([v <= v_obs for v in vs])))
    assert r["wilcoxon_statistic"] == v_obs and r["wilcoxon_method"] == "exact"
    assert_allclose(r["wilcoxon_p"], p_exact)
    # mentor b: one person answered both waves (3 -> 3): no t test, no Wilcoxon (all zero)
    assert ch.loc[("mentor", "b"), "n"] == 1 and np.isnan(ch.loc[("mentor", "b"), "p_value"])
    # mentee b: both +2: sd 0 -> no t interval
    assert ch.loc[("mentee", "b"), "estimate"] == 2 and np.isnan(ch.loc[("mentee", "b"), "ci_low"])
    # per-person mean over items answered twice: R1 2.5 -> 3.5, R2 3 -> 4
    assert_allclose(ch.loc[("mentor", "all"), ["n", "mean_pre", "mean_post", "estimate"]].astype(float),
                    [2, 2.75, 3.75, 1.0])
    # Holm over a respondent's items with a p-value (mentee b has none: sd 0), NaN for 'all'
    assert np.isnan(ch.loc[("mentor", "all"), "p_adjusted"])
    assert_allclose(ch.loc[("mentee", "a"), "p_adjusted"], ch.loc[("mentee", "a"), "p_value"])
    assert_allclose(ch.loc[("mentee", "a"), ["estimate", "statistic", "p_value"]].astype(float), [1.0, 1.0, 0.5])


def test_followup_durations_hand_case(store):
    fu = mentoring.mentor_followup(store, year=2025, seed=1, k=5).set_index("person_id")
    assert set(fu.index) == {"M1", "M2", "C1", "C2", "C4", "C5"}  # C3 other unit, L1 other level, T1 top leader
    assert fu.loc["M1", "baseline_year"] == 2022 and fu.loc["M2", "baseline_year"] == 2023
    got = fu[["t_exit", "left", "t_leader", "became_leader"]].astype(float)
    assert_allclose(got.loc["M1"], [2, 1, 1, 1])
    assert_allclose(got.loc["M2"], [2, 0, 2, 0])
    assert_allclose(got.loc["C1"], [3, 0, 3, 0])
    assert_allclose(got.loc["C2"], [1, 1, 0, 0])
    assert_allclose(got.loc["C4"], [2, 1, 1, 0])
    assert_allclose(got.loc["C5"], [3, 1, 2, 0])
    # every comparison enters at its mentor's baseline and was employed then
    comp = fu[fu["group"] == "comparison"]
    assert (comp["baseline_year"] == comp["matched_to"].map(fu["baseline_year"])).all()
    assert (comp["matched_to"] == "M1").all()
    assert (fu.loc[["M1", "M2"], "group"] == "mentor").all()


def test_matching_draws_at_most_k_per_case_and_is_seeded():
    cases = pd.DataFrame({"person_id": ["A", "B", "C"], "s": [1, 1, 2]})
    pool = pd.DataFrame({"person_id": [f"P{i}" for i in range(10)], "s": [1] * 7 + [2] * 2 + [3]})
    m = mentoring.match_comparisons(cases, pool, strata=["s"], k=3, seed=5)
    assert m.groupby("matched_to").size().to_dict() == {"A": 3, "B": 3, "C": 2}
    assert not m["person_id"].duplicated().any() and (m["s"] != 3).all()
    pd.testing.assert_frame_equal(m, mentoring.match_comparisons(cases, pool, strata=["s"], k=3, seed=5))
    assert not m.equals(mentoring.match_comparisons(cases, pool, strata=["s"], k=3, seed=6))


def test_survival_table_matches_kaplan_meier(store):
    fu = mentoring.mentor_followup(store, year=2025, seed=1)
    st = mentoring.survival_table(fu)
    comp = fu[fu["group"] == "comparison"]
    km = kaplan_meier(comp["t_exit"].astype(float), comp["left"].astype(float))
    r = st[(st["outcome"] == "retention") & (st["group"] == "comparison")].set_index("time")
    # comparisons C1 (3, censored), C2 (1, left), C4 (2, left), C5 (3, left): S = 3/4, 1/2, 1/4 at 1, 2, 3
    assert_allclose(r.loc[[0, 1, 2, 3], "share"], [1, 0.75, 0.5, 0.25])
    assert_allclose(r.loc[[1, 2, 3], "share"], km.set_index("time").loc[[1.0, 2.0, 3.0], "survival"])
    assert list(r.loc[[0, 2, 3], "n_at_risk"]) == [4, 3, 2] and list(r.loc[[1, 2, 3], "cum_events"]) == [1, 2, 3]
    lead = st[(st["outcome"] == "leader") & (st["group"] == "mentor")].set_index("time")
    # mentors: M1 leader at 1, M2 censored at 2 -> share leader 0.5 from time 1
    assert_allclose(lead.loc[[0, 1, 2], "share"], [0, 0.5, 0.5])
    tests = mentoring.survival_tests(fu).set_index("outcome")
    assert tests.loc["retention", "n_mentors"] == 2 and tests.loc["retention", "events_comparison"] == 3
    # stratified by matched set: M2 has no comparisons and adds nothing; = the M1 set alone
    from mangfold.stats.survival import logrank_test
    m1 = fu[(fu["person_id"] == "M1") | (fu["matched_to"] == "M1")]
    alone = logrank_test(m1["t_exit"].astype(float), m1["left"].astype(float), m1["group"]).iloc[0]
    assert_allclose(tests.loc["retention", "statistic"], alone["statistic"])


def test_sentences_read_public_tables(store):
    ch = mentoring.survey_change(mentoring.survey_pairs(store, year=2025))
    txt = mentoring.survey_sentence(ch)
    assert "+1,00" in txt and "2 personer" in txt
    public = ch.assign(estimate=np.where(ch["item"] == "all", None, ch["estimate"]))  # suppressed
    assert "for få" in mentoring.survey_sentence(public)
    assert "observasjon" not in mentoring.followup_sentence(pd.DataFrame(columns=["outcome", "p_value"]))


# ----------------------------------------------------------------- training (pilot 3)
def test_training_completion_and_matched_outcomes(tmp_path):
    folder = write_folder(tmp_path / "d")
    # N1 (participant) and N2, N3 (new in 2023, same sector S1, level, background) -> comparisons;
    # N4 was already there in 2022 -> not a new hire; N1 applies to the 2024 leader vacancy V4
    wf = (folder / "workforce.csv").read_text(encoding="utf-8")
    wf += "N1,2023,U1,employee,lbg2\nN1,2024,U2,leader,lbg2\nN2,2023,U2,employee,lbg2\nN3,2023,U1,employee,lbg2\n"
    wf += "N4,2022,U1,employee,lbg2\nN4,2023,U1,employee,lbg2\n"
    (folder / "workforce.csv").write_text(wf, encoding="utf-8")
    (folder / "training.csv").write_text(
        "person_id,program,start_date,completed\nN1,strengthened_training,2023-03-01,true\n"
        "N9,strengthened_training,2024-03-01,false\nN2,recruitment_course,2023-03-01,true\n", encoding="utf-8")
    apps = (folder / "applications.csv").read_text(encoding="utf-8")
    apps += "A9999,V4,N1,lbg2,female,true,false,false,false\n"
    (folder / "applications.csv").write_text(apps, encoding="utf-8")
    store = tmp_path / "s.duckdb"
    ingest(folder, store)
    c = training.completion(store, year=2025).set_index("start_year")
    assert tuple(c.loc["all", ["participants", "completed"]]) == (2, 1)
    assert c.loc["2023", "share_completed"] == 1.0
    fu = training.training_followup(store, year=2025, seed=3).set_index("person_id")
    assert set(fu.index) == {"N1", "N2", "N3"}  # N9 not in workforce; N4 not new; C* were there before
    assert_allclose(fu.loc["N1", list(training.TRAINING_OUTCOMES)].astype(float), [1, 1, 1, 1])
    assert_allclose(fu.loc["N2", list(training.TRAINING_OUTCOMES)].astype(float), [0, 0, 0, 0])
    out = training.outcome_comparison(fu.reset_index()).set_index("outcome")
    assert tuple(out.loc["promoted", ["n_participants", "x_participants", "n_comparison", "x_comparison"]]) == \
        (1, 1, 2, 0)
    assert_allclose(out.loc["promoted", "difference"], 1.0)


def test_before_the_first_pair_the_chapter_says_not_started():
    # the public pairs table before any pair starts: only its 'all' row, with 0 pairs
    pairs = pd.DataFrame({"start_year": ["all"], "pairs": ["0"], "pairs_ended": ["0"], "units": ["0"]})
    change = pd.DataFrame(columns=["respondent", "item", "estimate", "ci_low", "ci_high", "n"])
    s = mentoring.survey_sentence(change, pairs=pairs, year=2021)
    assert "Ingen mentorpar hadde startet innen utgangen av 2021" in s and "for få besvarelser" not in s
    assert mentoring.followup_sentence(pd.DataFrame(), pairs=pairs, year=2021) == s
    started = pd.DataFrame({"start_year": ["2023", "all"], "pairs": ["<5", "<5"]})
    assert mentoring.started(started) and not mentoring.started(pairs)
    assert "for få besvarelser" in mentoring.survey_sentence(change, pairs=started, year=2023)
