"""Tests for mangfold.analyses.boards: every figure counted by hand on a small folder of seats.

Report year 2025. Owner departments X (boards K1, K4, K5) and Y (K2, K3).

K1 (X, 'Alfa AS'): p1 chair lbg2 F since 2023; p2 member lbg2 M new 2025; p3 member F reappointed
   2025; p4 member lbg2 M new 2025 but NOT appointed by the municipality; p5 deputy lbg2 F new 2025;
   p6 member M new 2025, left 31.10.2025; p7 member F since 2021, ends 30.06.2026 (expiring).
K2 (Y, 'Beta KF'): q1 chair M, ends 31.12.2025 (serves on 31 December; expiring); q2 member M new
   2025; q3 member M (lbg1) ended 30.06.2025.
K3 (Y, 'Gamma IKS'): r1-r10 since 2020 (r1 lbg2; r1-r4 F, r5-r9 M, r10 gender undeclared; r2, r3
   end 31.03.2026 = expiring); r11 deputy; r12 starts 05.01.2026 (not yet serving, not new in 2025).
K4 (X, 'Delta stiftelse'): s1-s7 all new 15.01.2025 (s1, s2 lbg2; s1, s2 F, s3-s7 M).
K5 (X, 'Epsilon AS'): p1 (the same person as on K1) and t2-t9 since 2019, none lbg2 but p1;
   p1, t2-t4 F, t5-t9 M; t2 also has an older seat row 2019-2023 and a reappointment as deputy chair.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from statsmodels.stats.proportion import proportion_confint

from mangfold.analyses import boards as bd
from mangfold.config import validate_params
from mangfold.publish.disclosure import apply_disclosure_control
from mangfold.store import ingest

COLS = ["person_id", "board_id", "board_name", "company_form", "owner_department", "appointed_by_municipality",
        "role", "start_date", "end_date", "reappointed", "gender", "background"]
BOARDS = {"K1": ("Alfa AS", "AS", "X"), "K2": ("Beta KF", "KF", "Y"), "K3": ("Gamma IKS", "IKS", "Y"),
          "K4": ("Delta stiftelse", "stiftelse", "X"), "K5": ("Epsilon AS", "AS", "X")}


def _seat(pid, board, role, start, end="", *, muni=True, reapp=False, gender="male", bg="none"):
    name, form, dept = BOARDS[board]
    return [pid, board, name, form, dept, "true" if muni else "false", role, start, end,
            "true" if reapp else "false", gender, bg]


def seats_rows() -> list[list[str]]:
    r = [
        _seat("p1", "K1", "chair", "2023-06-01", gender="female", bg="lbg2"),
        _seat("p2", "K1", "member", "2025-03-01", bg="lbg2"),
        _seat("p3", "K1", "member", "2025-06-01", reapp=True, gender="female"),
        _seat("p4", "K1", "member", "2025-01-01", muni=False, bg="lbg2"),
        _seat("p5", "K1", "deputy_member", "2025-01-01", gender="female", bg="lbg2"),
        _seat("p6", "K1", "member", "2025-02-01", "2025-10-31"),
        _seat("p7", "K1", "member", "2021-01-01", "30.06.2026", gender="female"),
        _seat("q1", "K2", "chair", "2024-01-01", "2025-12-31"),
        _seat("q2", "K2", "member", "2025-05-01"),
        _seat("q3", "K2", "member", "2022-01-01", "2025-06-30", bg="lbg1"),
    ]
    for i in range(1, 11):
        g = "female" if i <= 4 else ("male" if i <= 9 else "undeclared")
        r.append(_seat(f"r{i}", "K3", "chair" if i == 1 else "member", "2020-01-01",
                       "2026-03-31" if i in (2, 3) else "", gender=g, bg="lbg2" if i == 1 else "none"))
    r.append(_seat("r11", "K3", "deputy_member", "2020-01-01", bg="lbg2"))
    r.append(_seat("r12", "K3", "member", "2026-01-05", bg="lbg2"))
    for i in range(1, 8):
        r.append(_seat(f"s{i}", "K4", "member", "2025-01-15", gender="female" if i <= 2 else "male",
                       bg="lbg2" if i <= 2 else "none"))
    r.append(_seat("p1", "K5", "member", "2019-01-01", gender="female", bg="lbg2"))
    r.append(_seat("t2", "K5", "member", "2019-01-01", "2023-12-31", gender="female"))
    r.append(_seat("t2", "K5", "deputy_chair", "2024-01-01", reapp=True, gender="female"))
    for i in range(3, 10):
        r.append(_seat(f"t{i}", "K5", "member", "2019-01-01", gender="female" if i <= 4 else "male"))
    return r


@pytest.fixture(scope="module")
def seats(tmp_path_factory):
    """The seats through the real contract reader and store (dates as in an export)."""
    from tests.analyses.test_representation import _write

    base = tmp_path_factory.mktemp("boards")
    data = _write(base / "data", population=False, workforce=False)
    text = ",".join(COLS) + "\n" + "\n".join(",".join(row) for row in seats_rows()) + "\n"
    (data / "boards.csv").write_text(text, encoding="utf-8")
    ingest(data, base / "s.duckdb")
    return bd.board_seats(base / "s.duckdb")


P2026 = validate_params({})                                                   # requirement from 2026
P2025 = validate_params({"board_total_requirement": {"from_year": 2025, "share": 0.2}})


def test_required_min_each_by_size_class():
    n = np.arange(0, 16)
    # 0-1: none; 2-3: both genders; 4-5: 2; 6-8: 3; 9: 4; >9: ceil(0.4 n): 10->4, 11->5 (4.4), 12->5 (4.8),
    # 13->6 (5.2), 14->6 (5.6), 15->6 (6.0 exactly)
    assert_array_equal(bd.required_min_each(n), [0, 0, 1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 6, 6])
    big = np.arange(10, 200)
    assert_array_equal(bd.required_min_each(big), [int(np.ceil(round(0.4 * k, 9))) for k in big])


def test_board_gender_by_hand(seats):
    g = bd.board_gender(seats, year=2025).set_index("board_id")
    cols = ["members", "women", "men", "other_gender", "required_min_each", "compliant"]
    expected = {
        "K1": (5, 3, 2, 0, 2, True),    # p1, p2, p3, p4 (not municipal but serving), p7; no deputy, not p6
        "K2": (2, 0, 2, 0, 1, False),   # q1 (ends 31.12 = still serving), q2; q3 ended
        "K3": (10, 4, 5, 1, 4, True),   # r1-r10; not the deputy r11 nor r12 (starts 2026)
        "K4": (7, 2, 5, 0, 3, False),
        "K5": (9, 4, 5, 0, 4, True),    # t2 once although two rows
    }
    assert sorted(g.index) == sorted(expected)
    for b, v in expected.items():
        assert tuple(g.loc[b, cols]) == v, b
    assert (g["members"] == g["women"] + g["men"] + g["other_gender"]).all()
    contract = ["year", "board_id", "members", "women", "men", "required_min_each", "compliant"]
    assert list(bd.board_gender(seats, year=2025).columns[:7]) == contract


def test_board_targets_by_hand(seats):
    t = bd.board_targets(seats, year=2025, params=P2026).set_index("owner_department")
    assert list(t.index) == ["X", "Y", "all"]
    # new members 2025 (municipal, non-deputy, start in 2025, not reappointed):
    #   X: p2 (lbg2), p6, s1-s7 (s1, s2 lbg2) = 9, lbg2 3;  Y: q2 = 1, 0;  all 10, 3
    # members on 31.12.2025 (municipal, non-deputy):
    #   X: K1 p1, p2, p3, p7 (lbg2 2) + K4 7 (2) + K5 9 (p1) = 20, lbg2 5;  Y: K2 2 (0) + K3 10 (1) = 12, 1
    # expiring before 31.12.2026: X: p7 (1, 0);  Y: q1, r2, r3 (3, 0)
    exp = {"X": (9, 3, 20, 5, 1, 0), "Y": (1, 0, 12, 1, 3, 0), "all": (10, 3, 32, 6, 4, 0)}
    cols = ["new_members", "new_members_lbg2", "members", "members_lbg2", "seats_expiring", "seats_expiring_lbg2"]
    for d, v in exp.items():
        assert tuple(t.loc[d, cols]) == v, d
    assert_allclose(t["new_share_lbg2"], [3 / 9, 0, 0.3])
    assert_allclose(t["share_lbg2"], [5 / 20, 1 / 12, 6 / 32])
    assert_allclose(t["new_target"], 0.25)
    assert list(t["new_met"]) == [True, False, True]
    # 2025 < 2026: no total requirement yet
    assert t["total_requirement"].isna().all() and t["total_met"].isna().all()
    # appointments needed for 20 %: X ceil(4.0) = 4 <= 5 staying -> 0; Y ceil(2.4) = 3, 1 staying -> 2 of 3
    # expiring; all ceil(6.4) = 7, 6 staying -> 1 of 4
    assert list(t["required_members_lbg2"]) == [4, 3, 7]
    assert list(t["appointments_needed"]) == [0, 2, 1]
    assert list(t["feasible"]) == [True, True, True]
    lo, hi = proportion_confint(1, 12, method="wilson")
    assert_allclose([t.loc["Y", "ci_low"], t.loc["Y", "ci_high"]], [lo, hi])
    contract = ["year", "owner_department", "new_members", "new_members_lbg2", "new_share_lbg2", "new_target",
                "new_met", "members", "members_lbg2", "share_lbg2", "total_requirement", "total_met"]
    assert list(bd.board_targets(seats, year=2025, params=P2026).columns[:12]) == contract


def test_total_requirement_from_its_first_year(seats):
    t = bd.board_targets(seats, year=2025, params=P2025).set_index("owner_department")
    assert_allclose(t["total_requirement"], 0.2)
    assert list(t["total_met"]) == [True, False, False]   # 0.25, 0.083, 0.1875
    # the year before the requirement starts: empty; its first year under the default params: set
    assert bd.board_targets(seats, year=2024, params=P2025)["total_requirement"].isna().all()
    assert bd.board_targets(seats, year=2025, params=P2026)["total_requirement"].isna().all()
    assert_allclose(bd.board_targets(seats, year=2026, params=P2026)["total_requirement"], 0.2)


def test_board_targets_2024_by_hand(seats):
    # 31.12.2024: K1 p1, p7; K2 q1, q3; K3 r1-r10; K5 p1, t2-t9 (t2's deputy_chair row) -> X 11 (p1 twice: 2),
    # Y 12 (1). New in 2024: q1 only (t2's 2024 row is a reappointment).
    t = bd.board_targets(seats, year=2024, params=P2026).set_index("owner_department")
    assert tuple(t.loc["X", ["members", "members_lbg2", "new_members"]]) == (11, 2, 0)
    assert tuple(t.loc["Y", ["members", "members_lbg2", "new_members"]]) == (12, 1, 1)
    assert pd.isna(t.loc["X", "new_met"])      # nobody new: no share, no verdict
    # expiring before 31.12.2026 among members on 31.12.2024: p7, q1, q3, r2, r3
    assert list(t["seats_expiring"]) == [1, 4, 5]


def test_expected_end_of_seats_without_an_end_date(seats):
    # seat rows with an end date: 0.75, 2, 3.5, 5, 5.5, 6.25, 6.25 years -> median 5 years (t2: 2019-2023)
    term = bd.typical_term(seats)
    assert term == pd.Timestamp("2024-01-01") - pd.Timestamp("2019-01-01")
    s = pd.DataFrame({"start_date": pd.to_datetime(["2022-03-01", "2019-01-01", "2024-06-01", "2020-01-01"]),
                      "end_date": pd.to_datetime([None, None, None, "2026-02-01"])})
    end = bd.expected_end(s, 2025, pd.Timedelta(days=730))
    # 2022-03-01 + 2 x 730 d = 2026-02-28; 2019-01-01 + 4 x 730 d = 2026-12-30 (2019 + 3 terms ended in 2024);
    # 2024-06-01 + 730 d = 2026-06-01; a recorded end stays
    assert list(end) == list(pd.to_datetime(["2026-02-28", "2026-12-30", "2026-06-01", "2026-02-01"]))
    assert bd.expected_end(s, 2025, None).isna().sum() == 3


def test_board_gender_public_copy_hides_small_boards(seats):
    g = bd.board_gender(seats, year=2025)
    pub = apply_disclosure_control(g, bd.BOARD_GENDER_SPEC, min_cell=5).set_index("board_id")
    # K2 has 2 members: a person-level fact; its counts, its minimum and its verdict are hidden
    assert pub.loc["K2", "members"] == "<5" and pd.isna(pub.loc["K2", "compliant"])
    assert pd.isna(pub.loc["K2", "required_min_each"])
    # K3: women 4 hidden and, since members = women + men + other, another part too
    k3 = pub.loc["K3", ["women", "men", "other_gender"]].astype(str).tolist()
    assert k3.count("<5") >= 2
    # its verdict would pin the hidden women and men (members and the minimum are visible): blanked
    assert pd.isna(pub.loc["K3", "compliant"])


def test_board_composition_restricted(seats):
    c = bd.board_composition(seats, year=2025, focal="lbg2").set_index("board_id")
    assert tuple(c.loc["K1", ["members", "members_lbg2", "new_members", "new_members_lbg2"]]) == (4, 2, 2, 1)
    assert tuple(c.loc["K3", ["members", "members_lbg2"]]) == (10, 1)


def test_demo_boards_reach_the_summary(tmp_path):
    """The small demo municipality: board figures computed, published and read by the summary."""
    from mangfold.analyses.summary import key_figures
    from mangfold.demo.generate import write_demo

    write_demo(tmp_path / "d", years=(2024, 2025), scale="small")
    ingest(tmp_path / "d", tmp_path / "s.duckdb")
    seats = bd.board_seats(tmp_path / "s.duckdb")
    bt = bd.board_targets(seats, year=2025, params=P2026)
    a = bt.set_index("owner_department").loc["all"]
    assert a["members"] > 0 and 0 <= a["share_lbg2"] <= 1
    pub = apply_disclosure_control(bt, bd.BOARD_TARGETS_SPEC, min_cell=5)
    kf = key_figures({"board_targets": pub}, P2026, 2025).set_index("indicator")
    row = kf.loc["Andel fra landbakgrunnsgruppe 2 blant alle kommunalt oppnevnte styremedlemmer"]
    assert row["value"] == f"{100 * a['share_lbg2']:.1f}\u00a0%".replace(".", ",")
    assert row["status"] == "kravet gjelder ikke ennå"
    g = bd.board_gender(seats, year=2025)
    assert (g["members"] == g["women"] + g["men"] + g["other_gender"]).all()
