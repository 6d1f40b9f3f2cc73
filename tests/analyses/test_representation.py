"""Tests for mangfold.analyses.representation on a hand-made folder.

The folder (built below) has two sectors, A (unit UA) and B (unit UB), and workforce snapshots at
31 December 2024 and 2025. Every expected number is counted by hand in the comments.

2024  A: top TA1 (lbg2), TA2; leaders LA1, LA2 (lbg2), LA3-LA6; employees EA1-EA4 (lbg2), EA5-EA10
      B: top TB1; leaders LB1 (lbg2), LB2-LB28; employees EB1, EB2 (lbg2), EB3 (lbg1), EB4-EB6
2025  TA1 left the municipality; LA2 stepped down to employee in A; LA3 moved to B as leader;
      EA1 (lbg2) promoted to leader, EA5 promoted to top leader; NA1 (lbg2) hired as leader in A.
      A: top TA2, EA5 (2, lbg2 0); leaders LA1, LA4-LA6, EA1, NA1 (6, lbg2 3); employees EA2-EA4,
         EA6-EA10, LA2 (9, lbg2 4)
      B: top TB1 (1, 0); leaders LB1-LB28, LA3 (29, lbg2 1); employees EB1-EB6 (6, lbg2 2)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from statsmodels.stats.proportion import proportion_confint

from mangfold.analyses import representation as rp
from mangfold.config import validate_params
from mangfold.publish.disclosure import apply_disclosure_control
from mangfold.store import ingest

UNITS = "unit_id,unit_name,sector,municipality\nUA,Etat A,A,0301 Oslo\nUB,Etat B,B,0301 Oslo\n"
VACANCIES = ("vacancy_id,unit_id,posted_date,position_level\n"
             "VA1,UA,2025-03-01,leader\nVB1,UB,2025-04-01,employee\nVA2,UA,2024-05-01,top_leader\n")
# VA1: 6 qualified (2 lbg2, 2 none, 1 undeclared, 1 immigrant_unspecified) + 2 unqualified lbg2
# VB1: 4 qualified (1 lbg2, 3 none); VA2: 3 qualified none
APPS = [("VA1", "lbg2", 1)] * 2 + [("VA1", "none", 1)] * 2 + [("VA1", "undeclared", 1), ("VA1", "immigrant_unspecified", 1)] \
    + [("VA1", "lbg2", 0)] * 2 + [("VB1", "lbg2", 1)] + [("VB1", "none", 1)] * 3 + [("VA2", "none", 1)] * 3
POPULATION = ("year,area,background,persons\n2024,0301 Oslo,none,700\n2024,0301 Oslo,lbg1,60\n"
              "2024,0301 Oslo,lbg2,240\n2024,3001 Halden,lbg2,1000\n2024,3001 Halden,none,10\n")


def _workforce() -> str:
    rows = []

    def add(year, pid, unit, level, bg="none"):
        rows.append(f"{pid},{year},{unit},{level},{bg}")

    # 2024
    add(2024, "TA1", "UA", "top_leader", "lbg2")
    add(2024, "TA2", "UA", "top_leader")
    for i in range(1, 7):
        add(2024, f"LA{i}", "UA", "leader", "lbg2" if i <= 2 else "none")
    for i in range(1, 11):
        add(2024, f"EA{i}", "UA", "employee", "lbg2" if i <= 4 else "none")
    add(2024, "TB1", "UB", "top_leader")
    for i in range(1, 29):
        add(2024, f"LB{i}", "UB", "leader", "lbg2" if i == 1 else "none")
    for i, bg in enumerate(["lbg2", "lbg2", "lbg1", "none", "none", "none"], start=1):
        add(2024, f"EB{i}", "UB", "employee", bg)
    # 2025
    add(2025, "TA2", "UA", "top_leader")
    add(2025, "EA5", "UA", "top_leader")
    for pid, bg in (("LA1", "lbg2"), ("LA4", "none"), ("LA5", "none"), ("LA6", "none"), ("EA1", "lbg2"), ("NA1", "lbg2")):
        add(2025, pid, "UA", "leader", bg)
    for pid in ("EA2", "EA3", "EA4", "LA2"):
        add(2025, pid, "UA", "employee", "lbg2")
    for i in range(6, 11):
        add(2025, f"EA{i}", "UA", "employee")
    add(2025, "TB1", "UB", "top_leader")
    for i in range(1, 29):
        add(2025, f"LB{i}", "UB", "leader", "lbg2" if i == 1 else "none")
    add(2025, "LA3", "UB", "leader")
    for i, bg in enumerate(["lbg2", "lbg2", "lbg1", "none", "none", "none"], start=1):
        add(2025, f"EB{i}", "UB", "employee", bg)
    return "person_id,year,unit_id,position_level,background\n" + "\n".join(rows) + "\n"


def _write(folder, *, population=True, workforce=True):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "units.csv").write_text(UNITS, encoding="utf-8")
    (folder / "vacancies.csv").write_text(VACANCIES, encoding="utf-8")
    lines = ["application_id,vacancy_id,applicant_id,background,qualified,interviewed,recommended,hired"]
    for k, (v, bg, q) in enumerate(APPS):
        lines.append(f"AP{k:03d},{v},PP{k:03d},{bg},{'true' if q else 'false'},false,false,false")
    (folder / "applications.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if workforce:
        (folder / "workforce.csv").write_text(_workforce(), encoding="utf-8")
    if population:
        (folder / "population.csv").write_text(POPULATION, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    base = tmp_path_factory.mktemp("rep")
    s = base / "s.duckdb"
    ingest(_write(base / "data"), s)
    return s


@pytest.fixture(scope="module")
def rep(store):
    return rp.representation(store, 2025, focal="lbg2")


def _row(df, year, sector, level):
    r = df[(df["year"] == year) & (df["sector"] == sector) & (df["position_level"] == level)]
    assert len(r) == 1, (year, sector, level)
    return r.iloc[0]


# (year, sector, level): (n, n_focal) counted by hand (module docstring)
EXPECTED_COUNTS = {
    (2024, "A", "top_leader"): (2, 1), (2024, "A", "leaders"): (8, 3),
    (2024, "A", "employee"): (10, 4), (2024, "B", "top_leader"): (1, 0),
    (2024, "B", "leaders"): (29, 1), (2024, "B", "employee"): (6, 2), (2024, "all", "top_leader"): (3, 1),
    (2024, "all", "leaders"): (37, 4), (2024, "all", "employee"): (16, 6),
    (2025, "A", "top_leader"): (2, 0), (2025, "A", "leaders"): (8, 3),
    (2025, "A", "employee"): (9, 4), (2025, "B", "top_leader"): (1, 0),
    (2025, "B", "leaders"): (30, 1), (2025, "B", "employee"): (6, 2), (2025, "all", "top_leader"): (3, 0),
    (2025, "all", "leaders"): (38, 4), (2025, "all", "employee"): (15, 6),
}


def test_counts_by_hand(rep):
    assert len(rep) == len(EXPECTED_COUNTS)
    for (y, s, lvl), (n, x) in EXPECTED_COUNTS.items():
        r = _row(rep, y, s, lvl)
        assert (r["n"], r["n_focal"]) == (n, x), (y, s, lvl)
        assert_allclose(r["share"], x / n)
    assert set(rep["position_level"]) == {"top_leader", "leaders", "employee"}


def test_wilson_matches_r_prop_test(rep):
    # R: prop.test(1, 29, correct = FALSE)$conf.int -> 0.0061 0.1718 (Newcombe 1998, table II)
    r = _row(rep, 2024, "B", "leaders")
    assert_allclose([r["ci_low"], r["ci_high"]], [0.0061, 0.1718], atol=5e-5)
    # every row against statsmodels' Wilson interval (independent implementation)
    for _, r in rep.iterrows():
        lo, hi = proportion_confint(r["n_focal"], r["n"], method="wilson")
        assert_allclose([r["ci_low"], r["ci_high"]], [lo, hi], atol=1e-12)


def test_population_share_and_year(rep):
    # only the units' area counts (Halden ignored): 240 / 1000; 2025 has no figures -> 2024
    assert_allclose(rep["population_share"], 0.24)
    assert set(rep["population_year"]) == {2024}


def test_qualified_applicants(rep):
    # VA1 (A leader 2025): qualified with declared background 5 (undeclared left out), lbg2 2
    r = _row(rep, 2025, "A", "leaders")
    assert (r["n_qualified"], r["n_qualified_focal"]) == (5, 2)
    assert_allclose(r["qualified_share"], 0.4)
    lo, hi = proportion_confint(2, 5, method="wilson")
    assert_allclose([r["qualified_ci_low"], r["qualified_ci_high"]], [lo, hi])
    assert (_row(rep, 2025, "all", "leaders")[["n_qualified", "n_qualified_focal"]] == [5, 2]).all()
    assert (_row(rep, 2025, "B", "employee")[["n_qualified", "n_qualified_focal"]] == [4, 1]).all()
    assert (_row(rep, 2024, "A", "top_leader")[["n_qualified", "n_qualified_focal"]] == [3, 0]).all()
    assert _row(rep, 2025, "all", "top_leader")["n_qualified"] == 0
    assert np.isnan(_row(rep, 2025, "all", "top_leader")["qualified_share"])


def test_population_absent(tmp_path):
    s = tmp_path / "s.duckdb"
    ingest(_write(tmp_path / "d", population=False), s)
    rep = rp.representation(s, 2025)
    assert rep["population_share"].isna().all()
    assert len(rep) == len(EXPECTED_COUNTS)


def test_flows_by_hand(store):
    fl = rp.leader_flows(store, 2025, focal="lbg2").set_index(["sector", "group"])
    cols = ["leaders_start", "exits", "employees_start", "promotions", "hires", "leaders_end", "employees_end"]
    expected = {
        ("A", "focal"): (3, 2, 4, 1, 1, 3, 4),   # exits TA1 (left), LA2 (stepped down); EA1 promoted; NA1 hired
        ("A", "other"): (5, 1, 6, 1, 0, 5, 5),   # LA3 moved to B; EA5 promoted
        ("B", "focal"): (1, 0, 2, 0, 0, 1, 2),
        ("B", "other"): (28, 0, 4, 0, 1, 29, 4),  # LA3 hired from A
        ("all", "focal"): (4, 2, 6, 1, 1, 4, 6),
        ("all", "other"): (33, 0, 10, 1, 0, 34, 9),  # moving between sectors is neither exit nor hire
    }
    for k, v in expected.items():
        assert tuple(fl.loc[k, cols]) == v, k
    # stock identity
    assert (fl["leaders_end"] == fl["leaders_start"] - fl["exits"] + fl["promotions"] + fl["hires"]).all()
    assert rp.leader_flows(store, 2024).empty  # no 2023 snapshot


PARAMS = validate_params({"sector_targets": {"A": 0.3, "default": 0.12}})


def test_sector_targets_by_hand(rep):
    raw = rp.sector_targets(rep, year=2025, params=PARAMS)
    st = raw.set_index("sector")
    contract = ["year", "sector", "n_leaders", "n_leaders_lbg2", "share_lbg2", "ci_low", "ci_high", "target_share",
                "gap_pp", "met", "must_explain"]
    assert list(raw.columns[:len(contract)]) == contract
    assert list(st.index) == ["A", "B", "all"]
    # A: 3 of 8, target 0.30 -> met, gap ceil(2.4) - 3 < 0 -> 0
    a = st.loc["A"]
    assert (a["n_leaders"], a["n_leaders_lbg2"]) == (8, 3)
    assert_allclose([a["share_lbg2"], a["target_share"], a["gap_pp"]], [0.375, 0.3, -7.5])
    assert bool(a["met"]) and not bool(a["must_explain"]) and a["gap_persons"] == 0
    # B: 1 of 30, default 0.12 -> missed by 8.667 points, needs ceil(3.6) - 1 = 3 more lbg2 leaders
    b = st.loc["B"]
    assert_allclose([b["share_lbg2"], b["target_share"], b["gap_pp"]], [1 / 30, 0.12, 100 * (0.12 - 1 / 30)])
    assert not bool(b["met"]) and bool(b["must_explain"]) and b["gap_persons"] == 3
    lo, hi = proportion_confint(1, 30, method="wilson")
    assert_allclose([b["ci_low"], b["ci_high"]], [lo, hi])
    # all: 4 of 38; target weighted by leaders (0.3 * 8 + 0.12 * 30) / 38; gap = sum of sector gaps
    t = (0.3 * 8 + 0.12 * 30) / 38
    al = st.loc["all"]
    assert_allclose([al["share_lbg2"], al["target_share"]], [4 / 38, t])
    assert not bool(al["met"]) and not bool(al["must_explain"]) and al["gap_persons"] == 3
    # status: A's 3 is suppressed in public but 'met' holds for 3 and 4 -> shown; B's 1: not met for 1, 2, 3
    assert list(st["target_status"]) == ["met", "not_met", "not_met"]


def test_status_never_pins_a_small_count():
    x = np.array([1, 4, 1, 2, 3, 7, 0, 2])
    n = np.array([12, 30, 5, 40, 3, 30, 20, 0])
    t = np.full(8, 0.12)
    met = (x / np.where(n > 0, n, 1) >= t) & (n > 0)
    out = rp._status_public(x, n, t, met, min_cell=5)
    # n=12: tn=1.44, x=1 not met; only x'=1 is below -> would pin it -> withheld
    # n=30: tn=3.6, x=4 met; only x'=4 meets -> withheld
    # n=5: tn=0.6 -> any x' >= 1 meets -> 'met' says nothing -> shown
    # n=40: tn=4.8 -> not met for all x' 1..4 -> shown
    # n=3: fewer leaders than min_cell -> withheld; x=7 is not suppressed -> shown; x=0 shown
    assert list(out) == ["withheld", "withheld", "met", "not_met", "withheld", "met", "not_met", "no_leaders"]


def test_public_leader_rows_suppressed_alike(rep):
    """The leaders rows of representation and sector_targets carry the same counts; their public
    copies must hide the same cells or one table would reveal what the other hides."""
    st = rp.sector_targets(rep, year=2025, params=PARAMS)
    pub_rep = apply_disclosure_control(rep, rp.REPRESENTATION_SPEC, min_cell=5)
    pub_st = apply_disclosure_control(st, rp.SECTOR_TARGETS_SPEC, min_cell=5)
    lr = pub_rep[(pub_rep["year"] == 2025) & (pub_rep["position_level"] == "leaders")].set_index("sector")
    ps = pub_st.set_index("sector")
    assert list(lr["n_focal"].astype(str)) == list(ps["n_leaders_lbg2"].astype(str))
    assert list(lr["n"].astype(str)) == list(ps["n_leaders"].astype(str))
    # A (3) and, complementarily, B (1) are hidden; 'all' (4) too; a status beside a hidden count
    # would narrow it (with the 'all' row) to one value, so it is blanked with it
    assert list(ps["n_leaders_lbg2"]) == ["<5", "<5", "<5"]
    assert ps["met"].isna().all() and ps["share_lbg2"].isna().all()
    assert ps["target_status"].isna().all()


def test_sector_projection_on_folder(store, rep):
    flows, proj = rp.sector_projection(store, rep, year=2025, params=PARAMS, n_draws=200)
    p = proj.set_index("sector")
    # A: 3/8 already above its 0.30 target
    assert p.loc["A", "projection_status"] == "already_met" and p.loc["A", "year_reached"] == 2025
    # B: lbg2 leaders stay at 1 (no exits, promotions or hires), others grow by one a year: 1/(30+10)
    assert p.loc["B", "projection_status"] == "not_within_horizon"
    assert_allclose(p.loc["B", "share_projected"], 1 / 40)
    st = rp.sector_targets(rep, year=2025, params=PARAMS)
    # A (3 lbg2 leaders), B (1) and all (4) rest on fewer than 5 focal-group leaders: not published
    pub = rp.public_projection(proj, st, min_cell=5).set_index("sector")
    assert "share_now" not in pub  # the current share would reveal the count
    assert list(pub["projection_status"]) == ["withheld"] * 3
    assert pub["year_reached"].isna().all() and pub["share_projected"].isna().all()
    pub = rp.public_projection(proj, st, min_cell=1).set_index("sector")
    assert pub.loc["B", "projection_status"] == "not_within_horizon"
    # a withheld target status hides the projection too ('already_met' would tell that the target is met)
    st.loc[st["sector"] == "A", "target_status"] = "withheld"
    pub = rp.public_projection(proj, st, min_cell=1).set_index("sector")
    assert pub.loc["A", "projection_status"] == "withheld" and pd.isna(pub.loc["A", "year_reached"])
    assert pub.loc["B", "year_reached_low"] == proj.set_index("sector").loc["B", "year_reached_low"]


def test_demo_numbers_reach_the_summary(tmp_path):
    """The small demo municipality: planted truths come out, and the summary reads them from the
    public tables (leaders' share, population share, the sectors that must explain)."""
    from mangfold.analyses.summary import key_figures
    from mangfold.demo.generate import write_demo
    from mangfold.demo.truths import TRUTHS

    write_demo(tmp_path / "d", years=(2024, 2025), scale="small")
    ingest(tmp_path / "d", tmp_path / "s.duckdb")
    params = validate_params({})
    rep = rp.representation(tmp_path / "s.duckdb", 2025)
    lead = _row(rep, 2025, "all", "leaders")
    # planted: 8 % of leaders (first snapshot, drifting about a point a year), population 24 %
    assert abs(lead["share"] - TRUTHS.leader_lbg2_share) < 0.05
    assert abs(lead["population_share"] - TRUTHS.population_lbg2_share) < 0.01
    st = rp.sector_targets(rep, year=2025, params=params)
    pub = {"representation": apply_disclosure_control(rep, rp.REPRESENTATION_SPEC, min_cell=5),
           "sector_targets": apply_disclosure_control(st, rp.SECTOR_TARGETS_SPEC, min_cell=5)}
    kf = key_figures(pub, params, 2025).set_index("indicator")
    assert kf.loc["Andel fra landbakgrunnsgruppe 2 blant ledere", "value"] == f"{100 * lead['share']:.1f}\u00a0%".replace(".", ",")
    sec = kf.loc["Sektorer som når sektormålet (tiltak 1.1)"]
    # the summary reads the public statuses only (blank where the counts are hidden)
    s = pub["sector_targets"][pub["sector_targets"]["sector"] != "all"]
    shown_missed = s.loc[s["target_status"] == "not_met", "sector"]
    assert sec["value"] == f"{int((s['target_status'] == 'met').sum())} av {len(s)}"
    assert all(name in sec["status"] for name in shown_missed)
    # every sector that missed its target in the public table missed it in the data
    truth = st[st["sector"] != "all"]
    assert set(truth.loc[truth["must_explain"].astype(bool), "sector"]) >= set(shown_missed)


def test_summary_counts_withheld_statuses_and_hidden_verdicts():
    from mangfold.analyses.summary import key_figures

    st = pd.DataFrame({"sector": ["A", "B", "C", "all"], "met": [True, None, None, False],
                       "must_explain": [False, None, None, False],
                       "target_status": ["met", "not_met", "withheld", "not_met"]})
    bt = pd.DataFrame({"owner_department": ["all"], "new_share_lbg2": [None], "new_target": [0.25], "new_met": [None],
                       "share_lbg2": [0.2], "total_requirement": [0.2], "total_met": [True]})
    kf = key_figures({"sector_targets": st, "board_targets": bt}, PARAMS, 2026).set_index("indicator")
    sec = kf.loc["Sektorer som når sektormålet (tiltak 1.1)"]
    assert sec["value"] == "1 av 3"
    assert "årsberetningen: B;" in sec["status"] and "for 1 sektor(er) er status ikke publisert" in sec["status"]
    assert kf.loc["Andel fra landbakgrunnsgruppe 2 blant nye styremedlemmer (tiltak 1.2)", "status"] == \
        "skjult: færre enn 5"
    assert kf.loc["Andel fra landbakgrunnsgruppe 2 blant alle kommunalt oppnevnte styremedlemmer", "status"] == "nådd"


def test_sector_texts_when_no_status_is_shown():
    """Every sector's status hidden (withheld, or blanked by disclosure control): the texts say so and
    do not claim "0 av 4 sektorer nådde målet" or "alle nådd"; a sector without leaders is said to have
    none, not to be hidden for privacy."""
    from mangfold.analyses.summary import _sector_finding, _sector_rows
    params = validate_params({})
    st = pd.DataFrame({"year": 2025, "sector": ["A", "B", "C", "all"], "target_share": 0.12,
                       "target_status": ["withheld", "", "no_leaders", "withheld"]})
    t = rp.sector_targets_text(st, year=2025)
    assert t.startswith("Status mot sektormålet i 2025 er ikke publisert for noen av de 2 sektorene")
    assert "C har ingen ledere." in t and "0 av" not in t and "nådde målet i" not in t
    row = _sector_rows(st)[0]
    assert row["value"] == "0 av 2" and row["status"].startswith("ikke publisert for noen sektor") \
        and "alle" not in row["status"]
    f = _sector_finding(st, params)
    assert f.startswith("For alle 2 sektorene er status mot sektormålet på 12\u00a0%") and "kan ikke avgjøres" in f
    shown = st.assign(target_status=["met", "", "no_leaders", "met"])
    assert rp.sector_targets_text(shown, year=2025).startswith("**1 av 2 sektorer** nådde målet i 2025.")
    assert _sector_rows(shown)[0]["status"].startswith("alle med publisert status nådd")
