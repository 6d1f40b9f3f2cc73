"""Tests for mangfold.analyses.funnel (the package face and its modules).

The pure statistics (Wilson, Katz, Fisher, Mantel-Haenszel, Breslow-Day, Holm, MDE, coverage) have
their reference tests in tests/stats; here the same references are pushed *through the analysis
functions* (so the wiring is checked), plus a hand-counted folder, naive loops and the demo
municipality's planted truths.

Hand folder (HAND_APPS below), counts per vacancy and background
(applied, qualified, interviewed, recommended, hired):

    V1 leader   U1 2025  lbg2 (4,3,2,1,1)  none (6,6,4,2,1)  undeclared (2,1,1,0,0)    justification false
    V2 employee U2 2025  lbg2 (6,4,1,1,0)  none (5,4,3,2,1)  lbg1 (2,2,1,0,0)          justification true
    V3 employee U1 2024  lbg2 (2,1,0,0,0)  none (2,2,1,1,1)

2025, all levels, lbg2 vs none:
    qualified_to_interviewed: lbg2 3 of 7, none 7 of 10 -> rates 0.428571, 0.7, impact ratio 0.612245
        Mantel-Haenszel over V1 (a,b,c,d = 2,1,4,2; n 9) and V2 (1,3,3,1; n 8):
        sum ad/n = 4/9 + 1/8, sum bc/n = 4/9 + 9/8 -> OR 0.569444/1.569444 = 0.362832, 2 vacancies
    applied_to_hired: lbg2 1 of 10, none 2 of 11 -> impact ratio 0.1 / (2/11) = 0.55
        MH: V1 (1,3,1,5; n 10): ad/n 0.5, bc/n 0.3; V2 (0,6,1,4; n 11): 0, 6/11 -> OR 0.5/0.845455 = 0.591398
        undeclared (2 applications, 0 hired): over every split the lowest ratio puts both (failures) in lbg2:
        (1/12)/(2/11) = 0.458333; the highest puts both in none: 0.1/(2/13) = 0.65
        (with no undeclared success, the two one-group scenarios happen to be the extremes)
    stage impact ratios: 0.7/(10/11) = 0.77, (3/7)/(7/10) = 0.612245, (2/3)/(4/7) = 1.166667, (1/2)/(2/4) = 1
        product 0.55; logs -0.261365, -0.490623, 0.154151, 0 (sum log 0.55 = -0.597837)
        shares 0.437185, 0.820665, -0.257849, 0
    representation, all levels: applied lbg2 10 of 25 (0.4); hired lbg2 1 of 3
    measure 2.3 (recommended against *applicants*): V1 applied 12 (4 immigrant) 0.333, recommended 3 (1) 0.333
        -> not required; V2 applied 13 (8 immigrant: lbg2 6, lbg1 2) 0.615, recommended 3 (1) 0.333 -> required,
        given
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from mangfold.analyses import funnel
from mangfold.analyses.funnel import text as ft
from mangfold.analyses.funnel.core import STAGE_COLS, TRANSITIONS
from mangfold.config import validate_params
from mangfold.publish.disclosure import apply_disclosure_control
from mangfold.store import ingest

P = validate_params({})
STAGES5 = ("applied", "qualified", "interviewed", "recommended", "hired")

HAND_VACANCIES = ("vacancy_id,unit_id,posted_date,position_level,justification_given\n"
                  "V1,U1,2025-02-01,leader,false\nV2,U2,2025-05-01,employee,true\nV3,U1,2024-03-01,employee,\n")
HAND_UNITS = "unit_id,unit_name,sector\nU1,Etat 1,Sektor A\nU2,Etat 2,Sektor B\n"
HAND_APPS = {
    ("V1", "lbg2"): (4, 3, 2, 1, 1), ("V1", "none"): (6, 6, 4, 2, 1), ("V1", "undeclared"): (2, 1, 1, 0, 0),
    ("V2", "lbg2"): (6, 4, 1, 1, 0), ("V2", "none"): (5, 4, 3, 2, 1), ("V2", "lbg1"): (2, 2, 1, 0, 0),
    ("V3", "lbg2"): (2, 1, 0, 0, 0), ("V3", "none"): (2, 2, 1, 1, 1),
}


def _applications_csv(counts: dict) -> str:
    """One row per application: the first ``qualified`` are qualified, and so on (nested stages)."""
    lines = ["application_id,vacancy_id,applicant_id,background,gender,qualified,interviewed,recommended,hired"]
    k = 0
    for (vac, bg), (a, q, i, r, h) in counts.items():
        for j in range(a):
            k += 1
            flags = ["true" if j < m else "false" for m in (q, i, r, h)]
            lines.append(f"A{k},{vac},P{k},{bg},{'female' if j % 2 else 'male'},{','.join(flags)}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def hand_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("funnel_hand")
    (folder / "units.csv").write_text(HAND_UNITS, encoding="utf-8")
    (folder / "vacancies.csv").write_text(HAND_VACANCIES, encoding="utf-8")
    (folder / "applications.csv").write_text(_applications_csv(HAND_APPS), encoding="utf-8")
    store = folder / "s.duckdb"
    ingest(folder, store)
    return store


@pytest.fixture(scope="module")
def hand_cells(hand_store) -> pd.DataFrame:
    return funnel.load_cells(hand_store, 2025, history=True)


def _row(df, **eq):
    m = np.ones(len(df), bool)
    for k, v in eq.items():
        m &= (df[k] == v).to_numpy()
    assert m.sum() == 1, eq
    return df[m].iloc[0]


# ------------------------------------------------------------------------------------------ hand folder
def test_load_cells_counts_from_store(hand_store, hand_cells):
    c = hand_cells
    assert set(c["year"]) == {2024, 2025}
    got = c.groupby(["vacancy_id", "background"])[list(STAGE_COLS)].sum()
    for key, counts in HAND_APPS.items():
        assert tuple(got.loc[key]) == counts, key
    assert set(funnel.load_cells(hand_store, 2025)["year"]) == {2025}  # without history: the year only
    assert c.loc[c["vacancy_id"] == "V2", "sector"].eq("Sektor B").all()


def test_disparity_hand_values(hand_cells):
    d = funnel.disparity(hand_cells, params=P, year=2025)
    assert list(d.columns[:len(funnel.CONTRACT_COLUMNS)]) == list(funnel.CONTRACT_COLUMNS)
    assert set(d["year"]) == {2025}
    assert set(d["group"]) == {"lbg2", "lbg1"}  # undeclared is never a group
    assert set(d["reference_group"]) == {"none"}
    assert list(dict.fromkeys(d["position_level"])) == ["leader", "employee", "all"]
    assert len(d) == 3 * 5 * 2
    r = _row(d, position_level="all", transition="qualified_to_interviewed", group="lbg2")
    assert (r.n_group, r.passed_group, r.n_reference, r.passed_reference) == (7, 3, 10, 7)
    assert_allclose([r.rate_group, r.rate_reference, r.impact_ratio], [3 / 7, 0.7, 0.612245], rtol=1e-5)
    assert_allclose(r.or_within_vacancy, 0.362832, rtol=1e-5)
    assert r.n_vacancies == 2
    lo, hi = proportion_confint(3, 7, method="wilson")
    assert_allclose([r.rate_group_ci_low, r.rate_group_ci_high], [lo, hi], rtol=1e-10)
    t = Table2x2(np.array([[3, 4], [7, 3]], dtype=float))  # statsmodels: Katz log interval and its Wald test
    assert_allclose(r.p_value, t.log_riskratio_pvalue(), rtol=1e-10)
    assert r.ci_level == 1 - 0.05 / 4
    assert_allclose([r.impact_ratio_ci_low, r.impact_ratio_ci_high], t.riskratio_confint(alpha=0.05 / 4), rtol=1e-10)
    r = _row(d, position_level="all", transition="applied_to_hired", group="lbg2")
    assert (r.n_group, r.passed_group, r.n_reference, r.passed_reference) == (10, 1, 11, 2)
    assert_allclose(r.impact_ratio, 0.55, rtol=1e-12)
    assert_allclose(r.or_within_vacancy, 0.591398, rtol=1e-5)
    assert (r.n_undeclared, r.passed_undeclared) == (2, 0)
    assert_allclose([r.impact_ratio_bound_low, r.impact_ratio_bound_high], [11 / 24, 0.65], rtol=1e-12)
    assert_allclose([r.rate_group_bound_low, r.rate_group_bound_high, r.rate_reference_bound_low,
                     r.rate_reference_bound_high], [1 / 12, 0.1, 2 / 13, 2 / 11], rtol=1e-12)
    assert r.ci_level == 0.95 and r.p_adjusted == r.p_value  # the whole funnel: one primary comparison
    # the leader level: one vacancy only, so within-vacancy OR = that vacancy's OR (1*5)/(3*1)
    r = _row(d, position_level="leader", transition="applied_to_hired", group="lbg2")
    assert_allclose(r.or_within_vacancy, 5 / 3, rtol=1e-12)
    assert np.isnan(r.heterogeneity_p) and r.n_vacancies == 1
    # lbg1 applied only at employee level: missing statistics at leader level, not an error
    r = _row(d, position_level="leader", transition="applied_to_qualified", group="lbg1")
    assert r.n_group == 0 and np.isnan(r.rate_group) and np.isnan(r.p_value) and r.verdict == "inconclusive"
    # Bonferroni within each family (the four stage transitions of one group at one level; statsmodels as
    # reference on the complete families), the whole funnel unadjusted
    stage = d[d["transition"] != "applied_to_hired"]
    checked = 0
    for _, fam in stage.groupby(["position_level", "group"]):
        p = fam["p_value"].to_numpy(float)
        if len(p) == 4 and not np.isnan(p).any():
            assert_allclose(fam["p_adjusted"].to_numpy(float), multipletests(p, method="bonferroni")[1], rtol=1e-12)
            checked += 1
    assert checked >= 1
    whole = d[d["transition"] == "applied_to_hired"]
    assert_allclose(whole["p_adjusted"].to_numpy(float), whole["p_value"].to_numpy(float), equal_nan=True)
    assert np.isnan(d["p_adjusted"].to_numpy(float)[np.isnan(d["p_value"].to_numpy(float))]).all()
    # the interval beside the verdict agrees with it: p_adjusted < alpha exactly when it excludes 1
    ok = d["p_adjusted"].notna()
    excl = (d["impact_ratio_ci_high"] < 1) | (d["impact_ratio_ci_low"] > 1)
    assert ((d.loc[ok, "p_adjusted"] < 0.05) == excl[ok]).all()
    assert (d.loc[d["verdict"] == "disparity", "impact_ratio_ci_high"] < 1).all()
    assert set(d["verdict"]) <= {"disparity", "no_evidence", "inconclusive"}


def test_representation_hand_values(hand_disparity):
    d, pub = hand_disparity
    rep = funnel.representation(d, params=P)
    r = _row(rep, position_level="all", stage="applied", group="lbg2")
    assert (r.n_stage, r.n_total) == (10, 25) and r.share == pytest.approx(0.4)
    lo, hi = proportion_confint(10, 25, method="wilson")
    assert_allclose([r.ci_low, r.ci_high], [lo, hi], rtol=1e-10)
    r = _row(rep, position_level="all", stage="hired", group="lbg2")
    assert (r.n_stage, r.n_total, r.n_applied) == (1, 3, 10) and r.reach == pytest.approx(0.1)
    assert_allclose([r.reach_ci_low, r.reach_ci_high], proportion_confint(1, 10, method="wilson"), rtol=1e-10)
    r = _row(rep, position_level="all", stage="hired", group="none")
    assert r.n_stage == 2
    assert set(rep["group"]) == {"lbg2", "lbg1", "none", "undeclared"}
    parts = rep.groupby(["position_level", "stage"])["share"].sum()
    assert_allclose(parts.to_numpy(), 1.0)  # the groups, the reference and the undeclared make up every stage
    # from the public copy: a share is missing wherever a count behind it is hidden
    rp = funnel.representation(pub, params=P)
    hidden = pub[pub["n_group"].astype(str).isin(["<5", ":"]) & (pub["transition"] == "applied_to_qualified")]
    for lv in set(hidden["position_level"]):
        assert rp.loc[(rp["position_level"] == lv) & (rp["stage"] == "applied"), "share"].isna().all()


def test_stage_decomposition_hand_values_and_identity(hand_cells):
    st = funnel.stage_decomposition(hand_cells, params=P, year=2025, n_boot=500, visible=None)
    w = _row(st, position_level="all", group="lbg2")
    s = funnel.stages_long(st)
    s = s[(s["position_level"] == "all") & (s["group"] == "lbg2")]
    assert list(s["transition"]) == [t[0] for t in TRANSITIONS[:4]]
    assert_allclose(s["impact_ratio"], [0.77, 3 / 7 / 0.7, (2 / 3) / (4 / 7), 1.0], rtol=1e-10)
    assert_allclose(s["log_impact_ratio"], np.log([0.77, 3 / 7 / 0.7, (2 / 3) / (4 / 7), 1.0]), rtol=1e-10, atol=1e-12)
    assert_allclose(s["log_impact_ratio"].sum(), np.log(0.55), rtol=1e-12)  # product of stages = whole funnel
    assert_allclose(w.impact_ratio_funnel, 0.55, rtol=1e-12)
    assert_allclose(w.log_impact_ratio_sum, np.log(0.55), rtol=1e-12)
    assert_allclose(s["share_of_loss"], [0.437185, 0.820665, -0.257849, 0.0], atol=2e-6)
    assert_allclose(s["share_of_loss"].sum(), 1.0)
    assert s["funnel_loss"].all()
    assert (s["share_of_loss_ci_low"] <= s["share_of_loss"] + 1e-12).all()
    assert (s["share_of_loss_ci_high"] >= s["share_of_loss"] - 1e-12).all()
    # seeded: the same seed gives the same intervals, another seed different ones
    again = funnel.stage_decomposition(hand_cells, params=P, year=2025, n_boot=500, visible=None)
    pd.testing.assert_frame_equal(st, again)
    other = funnel.stage_decomposition(hand_cells, params={**P, "seed": 1}, year=2025, n_boot=500, visible=None)
    c = "share_of_loss_applied_to_qualified_ci_low"
    assert not np.allclose(other[c].to_numpy(float), st[c].to_numpy(float), equal_nan=True)


@pytest.mark.slow
def test_stage_bootstrap_interval_coverage():
    """Seeded simulation: data drawn from a known chain; the bootstrap interval of the share of the loss
    at the interview stage covers the true share in roughly 95 % of the data sets."""
    rng = np.random.default_rng(11)
    p_group, p_ref = np.array([0.5, 0.2, 0.4, 0.5]), np.array([0.6, 0.3, 0.5, 0.55])
    lr = np.log(p_group / p_ref)
    truth = lr[1] / lr.sum()
    covered, sims = 0, 200
    for _ in range(sims):
        rows = []
        for bg, p in (("lbg2", p_group), ("none", p_ref)):
            chain = [3000]
            for q in p:
                chain.append(int(rng.binomial(chain[-1], q)))
            rows.append(("V", "employee", bg, *chain))
        st = funnel.stage_decomposition(_cells(rows), params=P, year=2025, n_boot=400, visible=None)
        r = _row(st, position_level="all", group="lbg2")
        lo, hi = r["share_of_loss_qualified_to_interviewed_ci_low"], r["share_of_loss_qualified_to_interviewed_ci_high"]
        covered += lo <= truth <= hi
    assert 0.90 <= covered / sims <= 0.99


def test_measure_23_hand_values(hand_cells):
    v = funnel.measure_23_vacancies(hand_cells, year=2025)
    assert list(v["vacancy_id"]) == ["V1", "V2"]
    v1, v2 = v.iloc[0], v.iloc[1]
    assert (v1.applied, v1.immigrant_applied, v1.recommended, v1.immigrant_recommended) == (12, 4, 3, 1)
    assert not v1.justification_required
    assert (v2.applied, v2.immigrant_applied, v2.recommended, v2.immigrant_recommended) == (13, 8, 3, 1)
    assert v2.justification_required and bool(v2.justification_given)
    m = funnel.measure_23(v, params=P, year=2025)
    r = _row(m, position_level="all")
    assert (r.n_vacancies, r.n_required, r.n_justified, r.n_not_recorded) == (2, 1, 1, 0)
    assert r.compliance_rate == 1.0
    assert_allclose([r.ci_low, r.ci_high], proportion_confint(1, 1, method="wilson"), rtol=1e-10)


def test_breakdowns_and_trend_on_hand_folder(hand_cells):
    g = funnel.by_gender(hand_cells, params=P, year=2025)
    tot = g[(g["gender"] == "all")].set_index(["transition", "group"])
    assert set(g["group"]) == {"lbg2"}
    d = funnel.disparity(hand_cells, params=P, year=2025)
    d_all = d[(d["position_level"] == "all") & (d["group"] == "lbg2")].set_index(["transition", "group"])
    assert_allclose(tot.loc[d_all.index, "impact_ratio"], d_all["impact_ratio"])
    parts = g[g["gender"] != "all"].groupby(["transition", "group"])["n_group"].sum()
    assert (parts.loc[tot.index] == tot["n_group"]).all()
    tr = funnel.trend(hand_cells, params=P, year=2025)
    assert sorted(set(tr["year"])) == [2024, 2025] and set(tr["position_level"]) == {"all"}
    r24 = _row(tr, year=2024, position_level="all", transition="applied_to_qualified", group="lbg2")
    assert (r24.n_group, r24.passed_group, r24.n_reference, r24.passed_reference) == (2, 1, 2, 2)
    r25 = tr[tr["year"] == 2025].set_index(["transition", "group"])
    d_all2 = d[d["position_level"] == "all"].set_index(["transition", "group"])
    assert_allclose(r25.loc[d_all2.index, "impact_ratio"], d_all2["impact_ratio"])
    # one rule everywhere: the same comparison has the same adjusted p, interval and verdict in every table
    _assert_same_comparisons(d, {"trend": r25, "gender": tot})
    # the trend of a year's report never looks past that year
    assert set(funnel.trend(hand_cells, params=P, year=2024)["year"]) == {2024}
    tt = funnel.trend_test(hand_cells, params=P, year=2025)
    assert list(tt["transition"]) == [t[0] for t in TRANSITIONS] and (tt["n_years"] == 2).all()


# ------------------------------------------------------------------------------------------ disclosure
SPECS = {
    "disparity": funnel.DISPARITY_SPEC,
    "stage_decomposition": funnel.STAGES_SPEC, "measure_associations": funnel.MEASURES_SPEC,
    "by_gender": funnel.GENDER_SPEC, "by_sector": funnel.SECTOR_SPEC, "trend": funnel.TREND_SPEC,
    "trend_test": funnel.TREND_TEST_SPEC,
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_spec_names_real_columns(hand_cells, name):
    spec = SPECS[name]
    extra = {"visible": None} if name == "stage_decomposition" else {}
    df = getattr(funnel, name)(hand_cells, params=P, year=2025, **extra)
    cols = set(df.columns)
    assert set(spec.counts) <= cols
    for c, derived in spec.derived.items():
        assert c in spec.counts and set(derived) <= cols, (c, set(derived) - cols)
    assert set(spec.dims) <= cols and set(spec.not_counts) <= cols | {"year"}
    for dim, total in spec.margins:
        assert total in set(df[dim])
    # every integer column is either a person count or declared as not one
    ints = {c for c in df.columns if pd.api.types.is_integer_dtype(df[c])}
    assert ints <= set(spec.counts) | set(spec.not_counts), ints - set(spec.counts) - set(spec.not_counts)
    assert not spec.restricted_only and spec.name.startswith("funnel_")


def test_measure23_spec_and_disclosure(hand_cells):
    m = funnel.measure_23(funnel.measure_23_vacancies(hand_cells, year=2025), params=P, year=2025)
    spec = funnel.MEASURE23_SPEC
    ints = {c for c in m.columns if pd.api.types.is_integer_dtype(m[c])}
    # vacancy counts are counts here: a handful of vacancies points at the persons recommended in them
    assert ints <= set(spec.counts) | {"year"}
    assert not spec.unroled(m.columns)
    pub = apply_disclosure_control(m, spec, min_cell=5)
    for c in spec.counts:
        v = pd.to_numeric(pub[c], errors="coerce")
        assert not ((v >= 1) & (v < 5)).any(), (c, pub[c].tolist())


@pytest.fixture(scope="module")
def hand_disparity(hand_cells) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The hand folder's disparity table and its public copy (disclosure control runs once)."""
    d = funnel.disparity(hand_cells, params=P, year=2025)
    return d, apply_disclosure_control(d, funnel.DISPARITY_SPEC, min_cell=5)


def test_small_counts_blank_rates_ratios_and_tests(hand_disparity):
    d, pub = hand_disparity
    i = d.index[(d["position_level"] == "leader") & (d["transition"] == "qualified_to_interviewed")
                & (d["group"] == "lbg2")][0]  # n_group 3
    assert pub.at[i, "n_group"] == "<5"
    for c in ("rate_group", "impact_ratio", "impact_ratio_ci_low", "p_value", "p_adjusted", "or_within_vacancy",
              "verdict", "mde", "impact_ratio_bound_low"):
        assert pub.at[i, c] is None or pd.isna(pub.at[i, c]), c



def test_large_counts_keep_their_statistics():
    """UCBAdmissions-sized cells (no count of 1-4 anywhere): the public copy keeps every statistic."""
    rows = []
    for dept, (ma, mr, fa, fr) in UCB.items():
        rows += [(dept, "employee", "lbg2", ma + mr, ma, ma, ma, ma), (dept, "employee", "none", fa + fr, fa, fa, fa, fa)]
    d = funnel.disparity(_cells(rows), params=P, year=2025)
    pub = apply_disclosure_control(d, funnel.DISPARITY_SPEC, min_cell=5)
    for c in ("n_group", "impact_ratio", "impact_ratio_ci_low", "p_adjusted", "or_within_vacancy", "verdict"):
        assert pub[c].notna().sum() == d[c].notna().sum(), c


# ------------------------------------------------------------------------------------------ references
def _cells(rows: list[tuple], year: int = 2025) -> pd.DataFrame:
    """Cells from (vacancy_id, position_level, background, applied, qualified[, ...]) tuples."""
    recs = []
    for r in rows:
        vac, lvl, bg, *counts = r
        counts = list(counts) + [0] * (5 - len(counts))
        recs.append({"year": year, "vacancy_id": vac, "unit_id": f"U{vac}", "sector": "S", "position_level": lvl,
                     "recruiter_trained": pd.NA, "ad_template": None, "agency": pd.NA, "justification_given": pd.NA,
                     "background": bg, "gender": "undeclared", **dict(zip(STAGES5, counts))})
    df = pd.DataFrame(recs)
    for c in ("recruiter_trained", "agency", "justification_given"):
        df[c] = df[c].astype("boolean")
    return df


# UCBAdmissions (R datasets): Dept -> (male admitted, male rejected, female admitted, female rejected)
UCB = {"A": (512, 313, 89, 19), "B": (353, 207, 17, 8), "C": (120, 205, 202, 391),
       "D": (138, 279, 131, 244), "E": (53, 138, 94, 299), "F": (22, 351, 24, 317)}


def test_ucb_admissions_through_disparity():
    """Departments as vacancies, men as the 'group', admission as 'qualified'. R:
    mantelhaen.test(UCBAdmissions): OR 0.9047, 95 % CI 0.7719-1.0603, X-squared 1.4269, p 0.2323;
    DescTools::BreslowDayTest: X-squared 18.83, df 5, p 0.0021. Crude: men 1198/2691, women 557/1835,
    crude OR 1.841 (the textbook Simpson's paradox: the aggregate favours men, within departments not)."""
    rows = []
    for dept, (ma, mr, fa, fr) in UCB.items():  # admitted at every stage: the whole funnel is the same 2x2
        rows += [(dept, "employee", "lbg2", ma + mr, ma, ma, ma, ma), (dept, "employee", "none", fa + fr, fa, fa, fa, fa)]
    d = funnel.disparity(_cells(rows), params=P, year=2025)
    r = _row(d, position_level="all", transition="applied_to_hired", group="lbg2")  # at 95 %, as R
    assert_allclose([r.or_within_vacancy, r.or_within_vacancy_ci_low, r.or_within_vacancy_ci_high],
                    [0.9047, 0.7719, 1.0603], atol=6e-5)
    st = StratifiedTable(np.array([[[ma, mr], [fa, fr]] for ma, mr, fa, fr in UCB.values()], float).transpose(1, 2, 0))
    s4 = _row(d, position_level="all", transition="applied_to_qualified", group="lbg2")  # a stage: 98.75 %
    assert_allclose([s4.or_within_vacancy_ci_low, s4.or_within_vacancy_ci_high],
                    st.oddsratio_pooled_confint(alpha=0.05 / 4), rtol=1e-10)
    assert_allclose(s4.p_within_vacancy_adjusted, min(1.0, 4 * s4.p_within_vacancy), rtol=1e-12)
    assert_allclose(r.heterogeneity_p, st.test_equal_odds(adjust=True).pvalue, rtol=1e-8)  # Tarone
    assert_allclose(r.p_within_vacancy, 0.2323, atol=6e-5)
    assert_allclose(r.heterogeneity_p, 0.0021, atol=6e-5)
    assert r.n_vacancies == 6
    assert_allclose([r.rate_group, r.rate_reference], [1198 / 2691, 557 / 1835])
    assert_allclose(r.or_aggregate, 1.841, atol=5e-4)
    assert r.impact_ratio > 1 and r.or_within_vacancy < 1  # Simpson's paradox


def test_bertrand_mullainathan_through_disparity():
    """Bertrand & Mullainathan (2004): callbacks 9.65 % of 2435 white-named CVs (235) vs 6.45 % of 2435
    African-American-named (157); impact ratio 157/235 = 0.668; the Wald test of the log ratio (the test the
    Katz interval inverts) p = 4.63e-05 (statsmodels Table2x2), close to Fisher's exact 4.8e-05."""
    d = funnel.disparity(_cells([("BM", "employee", "lbg2", 2435, 157), ("BM", "employee", "none", 2435, 235)]),
                         params=P, year=2025)
    r = _row(d, position_level="all", transition="applied_to_qualified", group="lbg2")
    assert_allclose([r.rate_group, r.rate_reference], [0.0645, 0.0965], atol=5e-5)
    assert_allclose(r.impact_ratio, 157 / 235)
    assert_allclose(r.p_value, Table2x2(np.array([[157, 2278], [235, 2200]], float)).log_riskratio_pvalue(),
                    rtol=1e-8)
    assert_allclose(r.p_value, 4.8e-05, rtol=0.05)
    assert r.impact_ratio_ci_high < 1
    assert r.four_fifths_flag
    # Wilson score interval (what R prop.test(157, 2435, correct = FALSE) reports), by hand from the formula
    # centre (x + z^2/2)/(n + z^2) -/+ z sqrt(x(n-x)/n + z^2/4)/(n + z^2), z = 1.959964: 0.055391, 0.074934
    assert_allclose([r.rate_group_ci_low, r.rate_group_ci_high], [0.055391, 0.074934], atol=1e-6)
    assert r.verdict == "disparity"  # Bonferroni over the four stages, p_adjusted still tiny
    assert_allclose(r.p_adjusted, 4 * r.p_value) and r.p_adjusted < 1e-3


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.slow
def test_grouped_results_equal_naive_loop():
    """Random cells (many vacancies, three levels) -> every row of the disparity table against a plain
    Python loop over the cells, with statsmodels StratifiedTable as the independent MH implementation."""
    rng = np.random.default_rng(7)
    rows = []
    for v in range(60):
        lvl = ("top_leader", "leader", "employee")[v % 3]
        for bg in ("none", "lbg2", "lbg1", "undeclared"):
            a = int(rng.integers(0, 12))
            q = int(rng.binomial(a, 0.6))
            i = int(rng.binomial(q, 0.5 if bg == "none" else 0.35))
            r = int(rng.binomial(i, 0.5))
            h = int(rng.binomial(r, 0.6))
            rows.append((f"V{v}", lvl, bg, a, q, i, r, h))
    cells = _cells(rows)
    d = funnel.disparity(cells, params=P, year=2025)
    checked = 0
    for rec in d.itertuples():
        frm, to = {t[0]: t[1:] for t in TRANSITIONS}[rec.transition]
        sel = cells if rec.position_level == "all" else cells[cells["position_level"] == rec.position_level]
        ng = pg = nr = pr = 0
        tables = []
        for vac in sorted(set(sel["vacancy_id"])):
            sv = sel[sel["vacancy_id"] == vac]
            g = sv[sv["background"] == rec.group]
            ref = sv[sv["background"] == "none"]
            a, n1 = int(g[to].sum()), int(g[frm].sum())
            c, n0 = int(ref[to].sum()), int(ref[frm].sum())
            ng, pg, nr, pr = ng + n1, pg + a, nr + n0, pr + c
            if n1 > 0 and n0 > 0 and 0 < a + c < n1 + n0:
                tables.append([[a, n1 - a], [c, n0 - c]])
        assert (rec.n_group, rec.passed_group, rec.n_reference, rec.passed_reference) == (ng, pg, nr, pr)
        assert rec.n_vacancies == len(tables)
        if ng and nr:
            assert_allclose(rec.rate_group, pg / ng)
            if pr:
                assert_allclose(rec.impact_ratio, (pg / ng) / (pr / nr))
            if 0 < pg < ng and 0 < pr < nr:
                t2 = Table2x2(np.array([[pg, ng - pg], [pr, nr - pr]], dtype=float))
                assert_allclose(rec.p_value, t2.log_riskratio_pvalue(), rtol=1e-8)
                a_row = 0.05 if rec.transition == "applied_to_hired" else 0.0125
                assert_allclose([rec.impact_ratio_ci_low, rec.impact_ratio_ci_high], t2.riskratio_confint(alpha=a_row),
                                rtol=1e-9)
        if len(tables) >= 2:
            st = StratifiedTable(np.array(tables, dtype=float).transpose(1, 2, 0))
            assert_allclose(rec.or_within_vacancy, st.oddsratio_pooled, rtol=1e-9)
            lo, hi = st.oddsratio_pooled_confint(alpha=0.05 if rec.transition == "applied_to_hired" else 0.0125)
            assert_allclose([rec.or_within_vacancy_ci_low, rec.or_within_vacancy_ci_high], [lo, hi], rtol=1e-9)
            # MH test written out as R mantelhaen.test does it (statsmodels subtracts the 0.5 continuity
            # correction even when |sum(a - E a)| < 0.5; R does not)
            t = np.array(tables, dtype=float)
            n = t.sum(axis=(1, 2))
            r1, r0, c1, c0 = t[:, 0].sum(1), t[:, 1].sum(1), t[:, :, 0].sum(1), t[:, :, 1].sum(1)
            delta = abs((t[:, 0, 0] - r1 * c1 / n).sum())
            x2 = (delta - (0.5 if delta >= 0.5 else 0.0)) ** 2 / (r1 * r0 * c1 * c0 / (n**2 * (n - 1))).sum()
            assert_allclose(rec.p_within_vacancy, stats.chi2.sf(x2, 1), rtol=1e-9)
            assert_allclose(rec.heterogeneity_p, st.test_equal_odds(adjust=True).pvalue, rtol=1e-7)
            checked += 1
    assert checked >= 30


def test_undeclared_bounds_equal_every_person_split():
    """Brute force, independent of the closed form: five undeclared applicants (each with a chain of
    stage outcomes) are given every possible background (2^5 assignments to lbg2 or none) and the
    disparity table is recomputed with them declared; for every transition (the whole funnel included)
    the bounds of the original table are the smallest and largest impact ratio and rates seen."""
    base = [("V", "employee", "lbg2", 9, 6, 3, 2, 1), ("V", "employee", "none", 11, 8, 6, 4, 3)]
    und = [(1, 1, 1, 1, 1), (1, 1, 1, 0, 0), (1, 1, 0, 0, 0), (1, 0, 0, 0, 0), (1, 1, 1, 1, 0)]
    d0 = funnel.disparity(_cells(base + [("V", "employee", "undeclared", *np.sum(und, axis=0))]), params=P, year=2025)
    seen: dict[str, list] = {}
    for mask in range(2 ** len(und)):
        add = {"lbg2": np.zeros(5, int), "none": np.zeros(5, int)}
        for k, chain in enumerate(und):
            add["lbg2" if mask >> k & 1 else "none"] += np.array(chain)
        rows = [(v, lv, bg, *(np.array(c) + add[bg])) for v, lv, bg, *c in base]
        d = funnel.disparity(_cells(rows), params=P, year=2025)
        for rec in d[(d["position_level"] == "all") & (d["group"] == "lbg2")].itertuples():
            seen.setdefault(rec.transition, []).append((rec.impact_ratio, rec.rate_group, rec.rate_reference))
    for tr, vals in seen.items():
        v = np.array(vals, dtype=float)
        r = _row(d0, position_level="all", transition=tr, group="lbg2")
        assert_allclose([r.impact_ratio_bound_low, r.impact_ratio_bound_high], [v[:, 0].min(), v[:, 0].max()],
                        rtol=1e-12)
        assert_allclose([r.rate_group_bound_low, r.rate_group_bound_high], [v[:, 1].min(), v[:, 1].max()], rtol=1e-12)
        assert_allclose([r.rate_reference_bound_low, r.rate_reference_bound_high], [v[:, 2].min(), v[:, 2].max()],
                        rtol=1e-12)
    # the old two-scenario "bounds" would miss the extremes of the whole funnel here
    r = _row(d0, position_level="all", transition="applied_to_hired", group="lbg2")
    all_group = (1 + 2) / (9 + 5) / (3 / 11)
    all_ref = (1 / 9) / ((3 + 2) / (11 + 5))
    assert r.impact_ratio_bound_low < min(all_group, all_ref, r.impact_ratio) - 1e-9
    assert r.impact_ratio_bound_high > max(all_group, all_ref, r.impact_ratio) + 1e-9


def test_no_substantial_difference_must_survive_the_undeclared():
    """A gap-free comparison is 'no_evidence' without undeclared applications, but not when enough of them could,
    split unfavourably, push the ratio below four fifths."""
    base = [("V", "employee", "lbg2", 4000, 1600), ("V", "employee", "none", 4000, 1610)]
    r = _row(funnel.disparity(_cells(base), params=P, year=2025), position_level="all",
             transition="applied_to_qualified", group="lbg2")
    assert r.verdict == "no_evidence"
    many = _cells(base + [("V", "employee", "undeclared", 1500, 600)])
    r = _row(funnel.disparity(many, params=P, year=2025), position_level="all", transition="applied_to_qualified",
             group="lbg2")
    assert r.impact_ratio_ci_low >= 0.8 and r.impact_ratio_bound_low < 0.8
    assert r.verdict == "inconclusive"


def test_measure_23_compares_with_applicants_not_qualified():
    """Share among the recommended below the share among applicants, but not below the share among the
    qualified: required under the plan's rule."""
    rows = [("W", "employee", "lbg2", 10, 2, 2, 1, 0), ("W", "employee", "none", 10, 8, 6, 3, 1)]
    v = funnel.measure_23_vacancies(_cells(rows), year=2025)
    r = v.iloc[0]
    assert (r.share_applied, r.share_qualified, r.share_recommended) == (0.5, 0.2, 0.25)
    assert bool(r.justification_required)


def test_verdicts_and_mde_on_clear_cases():
    big_gap = _cells([("V", "employee", "lbg2", 2000, 400), ("V", "employee", "none", 2000, 800)])
    no_gap = _cells([("V", "employee", "lbg2", 4000, 1600), ("V", "employee", "none", 4000, 1610)])
    tiny = _cells([("V", "employee", "lbg2", 6, 2), ("V", "employee", "none", 6, 3)])
    for cells, expected in ((big_gap, "disparity"), (no_gap, "no_evidence"), (tiny, "inconclusive")):
        r = _row(funnel.disparity(cells, params=P, year=2025), position_level="all",
                 transition="applied_to_qualified", group="lbg2")
        assert r.verdict == expected
        assert np.isnan(r.mde) or 0 < r.mde < r.rate_reference
    r = _row(funnel.disparity(no_gap, params=P, year=2025), position_level="all", transition="applied_to_qualified",
             group="lbg2")
    assert r.mde_ratio >= 0.8 and r.impact_ratio_ci_low >= 0.8


def test_empty_year_does_not_fail(hand_cells):
    empty = hand_cells.iloc[0:0]
    d = funnel.disparity(empty, params=P, year=2025)
    assert list(d.columns[:21]) == list(funnel.CONTRACT_COLUMNS)
    assert d["p_value"].isna().all()
    assert len(funnel.stage_decomposition(empty, params=P, year=2025, visible=d)) == 0
    assert len(funnel.stages_long(funnel.stage_decomposition(empty, params=P, year=2025, visible=None))) == 0
    assert funnel.representation(d, params=P)["share"].isna().all()


def test_text_never_shows_suppressed_numbers(hand_disparity):
    d, pub = hand_disparity
    text = ft.headline(pub, params=P) + ft.within_text(pub, params=P) + ft.bounds_text(pub, params=P)
    assert "skjult" in text or "ikke tilgjengelig" in text
    assert "0,55" not in ft.headline(pub, params=P)  # the whole-funnel ratio rests on 1 hire: hidden
    assert "0,55" in ft.headline(d, params=P)


# ------------------------------------------------------------------------------------------ demo truths
@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Path:
    from mangfold.demo.generate import write_demo

    base = tmp_path_factory.mktemp("funnel_demo")
    write_demo(base / "data", years=(2021, 2025), scale="small")
    ingest(base / "data", base / "s.duckdb")
    return base / "s.duckdb"


def test_demo_planted_interview_gap_recovered(demo_store):
    """The planted within-vacancy interview gap (Midtbøen & Rogstad 2012: rate ratio 1.25 for an untrained
    recruiter) as a Mantel-Haenszel OR: truths.expected_interview_gap("employee")["within_odds_ratio"].
    Small scale, so the five years are pooled, and only the vacancies the planted ratio applies to are
    kept: untrained recruiter, unit not in the min_two_interviews pilot (job analysis, ad template and
    agency change who applies and who qualifies, not the interview ratio among the qualified)."""
    from mangfold.demo.truths import expected_interview_gap
    from mangfold.store import query

    cells = funnel.load_cells(demo_store, 2025, history=True)
    pilot_units = set(query(demo_store, "SELECT unit_id FROM pilots WHERE pilot = 'min_two_interviews'")["unit_id"])
    keep = (cells["recruiter_trained"] == False) & ~cells["unit_id"].isin(pilot_units)  # noqa: E712
    pooled = cells[keep.fillna(False).to_numpy(bool)].assign(year=2025)
    d = funnel.disparity(pooled, params=P, year=2025)
    r = _row(d, position_level="employee", transition="qualified_to_interviewed", group="lbg2")
    truth = expected_interview_gap("employee")["within_odds_ratio"]
    assert r.or_within_vacancy_ci_low <= truth <= r.or_within_vacancy_ci_high
    assert r.or_within_vacancy < 1 and r.n_vacancies >= 50
    # lbg2 sort into crowded vacancies: the pooled (aggregate) odds ratio is further below 1
    assert r.or_aggregate < r.or_within_vacancy


def test_demo_measure23_compliance_recovered(demo_store):
    """truths.justification_compliance: 0.70 from 2023 (the years 2023-2025 pooled)."""
    from mangfold.demo.truths import TRUTHS, by_year

    cells = funnel.load_cells(demo_store, 2025, history=True)
    pooled = cells[cells["year"] >= 2023].assign(year=2025)
    m = funnel.measure_23(funnel.measure_23_vacancies(pooled, year=2025), params=P, year=2025)
    r = _row(m, position_level="all")
    assert r.n_required >= 30
    assert r.ci_low <= by_year(TRUTHS.justification_compliance, 2025) <= r.ci_high


def test_demo_runs_everything_fast(demo_store):
    cells = funnel.load_cells(demo_store, 2025, history=True)
    t0 = time.perf_counter()
    for name in SPECS:
        extra = {"visible": None} if name == "stage_decomposition" else {}
        out = getattr(funnel, name)(cells, params=P, year=2025, **extra)
        assert len(out)
    assert time.perf_counter() - t0 < 10
    meas = funnel.measure_associations(cells, params=P, year=2025)
    assert (meas["note"] == "").any()


def _assert_same_comparisons(d: pd.DataFrame, others: dict[str, pd.DataFrame]) -> None:
    """Every ``all`` row of ``d`` (indexed by transition and group) against the same rows of other tables."""
    d_all = d[d["position_level"] == "all"].set_index(["transition", "group"])
    for name, tab in others.items():
        idx = tab.index.intersection(d_all.index)
        assert len(idx), name
        for c in ("p_adjusted", "impact_ratio_ci_low", "impact_ratio_ci_high", "ci_level", "mde_ratio"):
            assert_allclose(tab.loc[idx, c].to_numpy(float), d_all.loc[idx, c].to_numpy(float), equal_nan=True,
                            err_msg=f"{name}: {c}")
        assert (tab.loc[idx, "verdict"] == d_all.loc[idx, "verdict"]).all(), name


def test_demo_one_verdict_per_estimate_in_every_table(demo_store):
    """The whole funnel was 'kan ikke avgjøres' in the main table and 'forskjell påvist' in the gender and sector
    tables (issue 15): now the main, gender, sector and trend tables and the summary agree on every shared row."""
    from mangfold.analyses.summary import key_figures

    cells = funnel.load_cells(demo_store, 2025, history=True)
    d = funnel.disparity(cells, params=P, year=2025)
    g = funnel.by_gender(cells, params=P, year=2025)
    s = funnel.by_sector(cells, params=P, year=2025)
    t = funnel.trend(cells, params=P, year=2025)
    _assert_same_comparisons(d, {"gender": g[g["gender"] == "all"].set_index(["transition", "group"]),
                                 "sector": s[s["sector"] == "all"].set_index(["transition", "group"]),
                                 "trend": t[t["year"] == 2025].set_index(["transition", "group"])})
    assert {"disparity", "inconclusive"} <= set(d["verdict"])  # the check covers more than one verdict
    words = {"disparity": "forskjell påvist", "no_evidence": "ingen vesentlig forskjell",
             "inconclusive": "kan ikke avgjøres"}
    key = key_figures({"funnel_disparity": d}, P, 2025)
    for tr, label in (("applied_to_hired", "hele prosessen"), ("qualified_to_interviewed", "kvalifisert til intervju")):
        r = _row(d, position_level="all", transition=tr, group="lbg2")
        k = key[key["indicator"].str.contains(label)].iloc[0]
        assert k["status"] == words[r.verdict]


def test_summary_reads_the_public_disparity_table():
    """The summary's funnel block reads the contract columns and shows the verdict in bokmål."""
    from mangfold.analyses.summary import key_figures

    rows = [("BM", "employee", "lbg2", 2435, 157, 157, 157, 157), ("BM", "employee", "none", 2435, 235, 235, 235, 235)]
    d = funnel.disparity(_cells(rows), params=P, year=2025)
    pub = apply_disclosure_control(d, funnel.DISPARITY_SPEC, min_cell=5)
    key = key_figures({"funnel_disparity": pub}, P, 2025)
    r = key[key["indicator"].str.contains("hele prosessen")].iloc[0]
    assert r["value"].startswith("0,67 (") and r["status"] == "forskjell påvist"


@pytest.mark.parametrize("agg, lo, hi, expected", [
    (0.5, 0.6, 0.8, "tydelig større"),         # gap within, aggregate interval wholly below it
    (0.7, 0.6, 0.8, "skyldes ikke bare"),      # gap within vacancies too
    (0.5, 0.8, 1.3, "forklares i stor grad"),  # no gap within, aggregate interval wholly below
    (0.76, 0.8, 1.3, "kan ikke avgjøre hvor mye"),  # aggregate estimate just below, intervals overlap
    (0.85, 0.8, 1.3, "for bredt"),             # cannot tell
    (0.9, 1.1, 1.4, "oftere videre"),          # advantage within
])
def test_within_text_readings(agg, lo, hi, expected):
    row = {"position_level": "all", "transition": "qualified_to_interviewed", "group": "lbg2", "or_aggregate": agg,
           "or_aggregate_ci_low": agg * 0.9, "or_aggregate_ci_high": agg * 1.1, "or_within_vacancy": (lo + hi) / 2,
           "or_within_vacancy_ci_low": lo, "or_within_vacancy_ci_high": hi, "n_vacancies": 40, "heterogeneity_p": 0.5,
           "heterogeneity_sparse_share": 0.9, "ci_level": 0.9875}
    text = ft.within_text(pd.DataFrame([row]), params=P)
    assert expected in text and "98,75\u00a0% KI" in text
    if lo <= 1 <= hi:  # a non-significant result says what its interval excludes
        assert "utelukker bare oddsforhold under" in text
    if "forklares i stor grad" not in expected:
        assert "forklares i stor grad" not in text


@pytest.mark.parametrize("sparse, expected", [(0.9, "ikke bevis"), (0.1, "tyder på")])
def test_breslow_day_read_only_when_strata_are_not_sparse(sparse, expected):
    row = {"position_level": "all", "transition": "qualified_to_interviewed", "group": "lbg2", "or_aggregate": 0.7,
           "or_aggregate_ci_low": 0.6, "or_aggregate_ci_high": 0.8, "or_within_vacancy": 0.9,
           "or_within_vacancy_ci_low": 0.7, "or_within_vacancy_ci_high": 1.2, "n_vacancies": 97,
           "heterogeneity_p": 0.0499, "heterogeneity_sparse_share": sparse, "ci_level": 0.9875}
    assert expected in ft.within_text(pd.DataFrame([row]), params=P)


def _stage_rows(cis):
    rows = []
    for (t, (ir, lo, hi)) in zip([t[0] for t in TRANSITIONS], cis):
        rows.append({"position_level": "all", "transition": t, "group": "lbg2", "impact_ratio": ir,
                     "impact_ratio_ci_low": lo, "impact_ratio_ci_high": hi, "verdict": "inconclusive",
                     "rate_group": 0.05, "rate_reference": 0.08, "ci_level": 0.9875 if t != "applied_to_hired" else 0.95})
    return pd.DataFrame(rows)


def test_headline_ranks_stages_only_when_intervals_separate():
    overlap = _stage_rows([(0.95, 0.86, 1.05), (0.78, 0.60, 1.00), (0.75, 0.60, 0.95), (1.0, 0.76, 1.34),
                           (0.56, 0.39, 0.81)])
    text = ft.headline(overlap, params=P)
    assert "Størst er fallet" not in text and "kan ikke avgjøre på hvilket trinn" in text
    assert "intervallet utelukker bare rateforhold under 0,39 og over 0,81" in text  # non-significant verdict
    apart = _stage_rows([(0.95, 0.90, 1.0), (0.97, 0.92, 1.02), (0.5, 0.40, 0.60), (1.0, 0.9, 1.1),
                         (0.45, 0.39, 0.52)])
    assert "Størst er fallet fra intervju til innstilling" in ft.headline(apart, params=P)
    assert "98,75\u00a0% KI" in ft.headline(apart, params=P)


def test_stage_figures_only_where_the_public_chain_is_visible(hand_cells, hand_disparity):
    d, pub = hand_disparity
    full = funnel.stage_decomposition(hand_cells, params=P, year=2025, n_boot=200, visible=None)
    shown = funnel.stage_decomposition(hand_cells, params=P, year=2025, n_boot=200, visible=pub)
    assert list(shown.columns) == list(full.columns)
    assert not {f"{st}_{who}" for st in STAGES5 for who in ("group", "reference")} & set(shown.columns)  # no counts
    # all levels, lbg2: 1 hire (hidden in the public table) -> no figures
    assert np.isnan(_row(shown, position_level="all", group="lbg2")["share_of_loss_applied_to_qualified"])
    assert not np.isnan(_row(full, position_level="all", group="lbg2")["share_of_loss_applied_to_qualified"])
    # with every count visible (large counts) nothing is masked
    rows = []
    for dept, (ma, mr, fa, fr) in UCB.items():
        rows += [(dept, "employee", "lbg2", ma + mr, ma, ma // 2, ma // 4, ma // 8),
                 (dept, "employee", "none", fa + fr, fa, fa // 2, fa // 4, fa // 8)]
    big = _cells(rows)
    big_pub = apply_disclosure_control(funnel.disparity(big, params=P, year=2025), funnel.DISPARITY_SPEC, min_cell=5)
    a = funnel.stage_decomposition(big, params=P, year=2025, n_boot=200, visible=big_pub)
    b = funnel.stage_decomposition(big, params=P, year=2025, n_boot=200, visible=None)
    pd.testing.assert_frame_equal(a, b)


def test_trend_text_gives_no_number_when_the_model_separates():
    row = dict(transition="applied_to_hired", estimate=19.9, first_year=2021, last_year=2025)
    wild = pd.DataFrame([{**row, "or_change_per_year": 4.5e8, "or_change_ci_low": 3248.7, "or_change_ci_high": 6.1e13}])
    sane = pd.DataFrame([{**row, "estimate": 0.1, "or_change_per_year": 1.1, "or_change_ci_low": 0.9,
                          "or_change_ci_high": 1.35}])
    t_wild, t_sane = ft.trend_text(wild), ft.trend_text(sane)
    assert "kan ikke avgjøres" in t_wild and "faktor" not in t_wild
    assert "faktor 1,10 per år" in t_sane and "ikke det samme som ingen endring" in t_sane


def test_measure23_text_with_hidden_counts_gives_no_bound():
    """A hidden number of vacancies where measure 2.3 applied is said to be hidden, once, without a
    word ("noen", "I ... av") that would bound it, and without "skjult" standing in for a number."""
    from mangfold.analyses.funnel.text import measure23_text
    row = dict(position_level="all", n_vacancies=6, n_required=np.nan, share_required=np.nan, n_justified=np.nan,
               n_not_recorded=np.nan, compliance_rate=np.nan, ci_low=np.nan, ci_high=np.nan)
    t = measure23_text(pd.DataFrame([row]))
    assert t.startswith("Av de 6 stillingene med innstilling er antallet der") and "noen" not in t
    assert "I skjult" not in t and "av dem (95 % KI skjult" not in t
    shown = measure23_text(pd.DataFrame([{**row, "n_vacancies": 20, "n_required": 7, "share_required": 0.35,
                                          "n_not_recorded": 1, "compliance_rate": 5 / 7, "ci_low": 0.35,
                                          "ci_high": 0.92}]))
    assert shown.startswith("I 7 av 20 stillinger med innstilling (35\u00a0%) var andelen") and "71\u00a0%" in shown
