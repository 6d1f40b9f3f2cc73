"""The publication ledger (:mod:`mangfold.publish.ledger`): reports published together hide a cell
everywhere one of them hides it; reports published before are respected."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mangfold.publish.context import write_csv
from mangfold.publish.ledger import KEEP_FILE, conflicts, group_hints, keep_cells, load_report, reconcile
from mangfold.tablespec import TableSpec

SPEC = TableSpec(name="trend", counts=("n", "passed"), derived={"n": ("rate",), "passed": ("rate",)},
                 dims=("year", "group"), constants=("year",))


def _report(folder: Path, truth: pd.DataFrame, public: pd.DataFrame) -> Path:
    write_csv(truth, folder / "restricted" / "tables" / "trend.csv")
    write_csv(public, folder / "public" / "tables" / "trend.csv")
    (folder / "public" / "tables" / "trend.spec.json").write_text(json.dumps(SPEC.to_json()), encoding="utf-8")
    return folder


TRUTH = pd.DataFrame({"year": [2024, 2024, 2025, 2025], "group": ["lbg2", "none", "lbg2", "none"],
                      "n": [12, 40, 14, 44], "passed": [3, 20, 7, 22], "rate": [0.25, 0.5, 0.5, 0.5]})


def _public(hide_2024_lbg2: bool) -> pd.DataFrame:
    p = TRUTH.astype(object).copy()
    if hide_2024_lbg2:
        p.loc[0, "passed"], p.loc[0, "rate"] = "<5", None
    return p


def test_a_cell_hidden_in_one_report_is_named_in_the_other(tmp_path):
    a = _report(tmp_path / "2024", TRUTH[TRUTH["year"] == 2024], _public(True)[TRUTH["year"] == 2024])
    b = _report(tmp_path / "2025", TRUTH, _public(False))  # the 2025 trend repeats 2024, unsuppressed
    hints = group_hints({"2024": a, "2025": b})
    assert list(hints) == ["2025"]
    cells = {(h["column"], h["dims"]["year"], h["dims"]["group"]) for h in hints["2025"]["trend"]}
    assert cells == {("passed", "2024", "lbg2"), ("rate", "2024", "lbg2")}
    assert len(conflicts({"2024": a, "2025": b})) == 2


def test_a_report_read_again_is_read_afresh_when_a_file_changed(tmp_path):
    """load_report hands out what it read while the files are byte for byte the same (a run reads each
    report as it is planned), and reads again when one changed (a report that ran again)."""
    a = _report(tmp_path / "2024", TRUTH, _public(False))
    first = load_report(a)
    assert load_report(a)["trend"] is first["trend"]  # the same files: read once
    assert first["trend"].public["passed"].tolist() == ["3", "20", "7", "22"]
    _report(a, TRUTH, _public(True))  # the notebooks ran again and hid a cell
    again = load_report(a)
    assert again["trend"] is not first["trend"]
    assert again["trend"].public["passed"].tolist() == ["<5", "20", "7", "22"]
    b = _report(tmp_path / "2025", TRUTH, _public(False))
    assert list(group_hints({"2024": a, "2025": b})) == ["2025"]  # and the ledger sees the change


def test_tables_read_on_a_worker_are_taken_only_while_the_files_hold_the_bytes_they_were_read_from(tmp_path):
    """load_report(folder, read) takes the tables a worker read (read_report, handed over through
    pickling as a process pool does) instead of reading the files, and reads the files when one
    changed since; what it takes equals what it would have read."""
    import pickle

    from mangfold.publish import ledger

    a = _report(tmp_path / "2024", TRUTH, _public(False))
    read = pickle.loads(pickle.dumps(ledger.read_report(a)))
    ledger._loaded.clear()
    got = load_report(a, read)
    assert got["trend"] is read.tables["trend"]  # taken, not read again
    fresh = ledger._load_report(a)
    pd.testing.assert_frame_equal(got["trend"].public, fresh["trend"].public)
    pd.testing.assert_frame_equal(got["trend"].truth, fresh["trend"].truth)
    stale = pickle.loads(pickle.dumps(ledger.read_report(a)))
    _report(a, TRUTH, _public(True))  # the notebooks ran again after the worker read it
    ledger._loaded.clear()
    again = load_report(a, stale)
    assert again["trend"] is not stale.tables["trend"]
    assert again["trend"].public["passed"].tolist() == ["<5", "20", "7", "22"]


def test_different_values_are_different_quantities(tmp_path):
    other = TRUTH.copy()
    other.loc[0, ["passed", "rate"]] = [9, 0.75]  # corrected data: not the same number, nothing to reconcile
    a = _report(tmp_path / "2024", TRUTH[TRUTH["year"] == 2024], _public(True)[TRUTH["year"] == 2024])
    b = _report(tmp_path / "2025", other, other.astype(object))
    assert group_hints({"2024": a, "2025": b}) == {}


def test_reconcile_writes_hints_and_keeps_what_published_reports_show(tmp_path):
    published = _report(tmp_path / "2024", TRUTH, _public(False))
    new = _report(tmp_path / ".2025.building", TRUTH, _public(True))  # hides what 2024 shows
    again, refused = reconcile({"2025": new}, [published])
    assert again == ["2025"] and refused == []
    keep = json.loads((new / "restricted" / KEEP_FILE).read_text(encoding="utf-8"))
    assert {"column": "passed", "row": 0, "hide": "count", "dims": {"year": "2024", "group": "lbg2"}} in keep["trend"]
    assert keep_cells(new, [published])["trend"]
    # when no more rounds are allowed, a report that still disagrees is not published
    assert reconcile({"2025": new}, [published], last=True) == ([], ["2025"])


def test_one_count_has_one_mark_across_reports(tmp_path):
    # 2024 marks its count "<5" (1 to 4); 2025 had to mark the same count ":" (any value), because
    # with "<5" the marks of its own tables would pin it: 2024's "<5" would undo that, so 2024 says ":" too
    colon = _public(True)
    colon.loc[0, "passed"] = ":"
    a = _report(tmp_path / "2024", TRUTH, _public(True))
    b = _report(tmp_path / "2025", TRUTH, colon)
    hints = group_hints({"2024": a, "2025": b})
    assert list(hints) == ["2024"]
    assert hints["2024"]["trend"] == [{"column": "passed", "row": 0, "hide": "count", "mark": ":",
                                       "dims": {"year": "2024", "group": "lbg2"}, "series": True}]
    assert "one mark for one count" in conflicts({"2024": a, "2025": b})[0]
    # the hint, applied when 2024's notebooks run again, marks the count ":"
    from mangfold.publish.disclosure import apply_disclosure_control
    pub = apply_disclosure_control(TRUTH, SPEC, min_cell=5, hidden=hints["2024"]["trend"])
    assert pub.loc[0, "passed"] == ":"


def test_consistent_group_needs_nothing(tmp_path):
    a = _report(tmp_path / "2024", TRUTH, _public(True))
    b = _report(tmp_path / "2025", TRUTH, _public(True))
    assert reconcile({"2024": a, "2025": b}) == ([], [])


@pytest.mark.slow
@pytest.mark.xdist_group("demo_run")
def test_every_public_column_has_a_declared_role(demo_run):
    from mangfold.tablespec import column_role

    assert demo_run.status == 0, demo_run.log
    missing = []
    for path in sorted((demo_run.public / "tables").glob("*.csv")):
        spec = json.loads(path.with_name(path.stem + ".spec.json").read_text(encoding="utf-8"))
        cols = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
        missing += [f"{path.name}: {c}" for c in cols if column_role(spec, c) is None]
    assert not missing, missing


def test_publishing_a_column_without_a_role_is_an_error(tmp_path):
    from mangfold.publish.context import Context

    ctx = Context(2025, tmp_path / "s.duckdb", {"min_cell": 5}, tmp_path / "out")
    df = pd.DataFrame({"group": ["a"], "n": [10], "mystery": [1.0]})
    with pytest.raises(ValueError, match="mystery"):
        ctx.table(df, TableSpec(name="t", counts=("n",), dims=("group",)), show=False)


@pytest.mark.slow
@pytest.mark.xdist_group("demo_run")
def test_readme_municipality_all_publishes_every_report_and_nothing_leaks(demo_run, tmp_path):
    """README: ``mangfold run --year 2025 --municipality all`` on the demo publishes the
    municipality's report and the national report, and an attacker reading only the public files
    recovers nothing (tests/generative/attacker.py)."""
    from mangfold.cli import main
    from tests.generative.attacker import attack

    out = tmp_path / "out"
    status = main(["run", "--year", "2025", "--store", str(demo_run.store), "--out", str(out), "--jobs", "2",
                   "--municipality", "all"])
    assert status == 0
    published = sorted(p.parent.parent.relative_to(out).as_posix() for p in out.glob("*/*/public/report.html"))
    assert any(p.startswith("national/") for p in published) and len(published) >= 2, published
    assert attack(out).findings == []


# ------------------------------------------------------------------ the series as one system
COMPLETION = TableSpec(name="completion", counts=("participants", "completed"),
                       derived={"participants": ("share",), "completed": ("share",)},
                       dims=("start_year",), margins=(("start_year", "all"),))


def _completion(folder: Path, rows: dict[str, tuple[int, int]], hints=()) -> Path:
    """A report with the completion table of the cohorts in ``rows`` (start year -> participants,
    completed) and their total, as ``ctx.table`` would publish it with ``hints`` applied."""
    from mangfold.publish.disclosure import apply_disclosure_control
    years = list(rows) + ["all"]
    p = [rows[y][0] for y in rows] + [sum(v[0] for v in rows.values())]
    c = [rows[y][1] for y in rows] + [sum(v[1] for v in rows.values())]
    truth = pd.DataFrame({"start_year": years, "participants": p, "completed": c,
                          "share": [b / a for a, b in zip(p, c)]})
    public = apply_disclosure_control(truth, COMPLETION, min_cell=5, hidden=list(hints))
    write_csv(truth, folder / "restricted" / "tables" / "completion.csv")
    write_csv(public, folder / "public" / "tables" / "completion.csv")
    (folder / "public" / "tables" / "completion.spec.json").write_text(json.dumps(COMPLETION.to_json()),
                                                                      encoding="utf-8")
    return folder


def test_totals_of_two_years_do_not_give_away_the_new_cohort(tmp_path):
    """Generated seed 4041: the 2024 report showed the total over the 2023-2024 cohorts (11), the 2025
    report the total over 2023-2025 (13) and hid the cohorts: the difference is the 2025 cohort (2),
    a count each report hides. The ledger plans the series as one system (``min_cell``) and hides what
    makes that difference; the cells it names are kept unknown when the notebooks run again, and the
    rounds end with nothing left to fix."""
    cohorts = {"2023": (5, 3), "2024": (6, 4), "2025": (2, 2)}
    hints: dict[str, list[dict]] = {"2024": [], "2025": []}

    def publish(round_: int) -> dict[str, Path]:
        return {y: _completion(tmp_path / str(round_) / y, {k: v for k, v in cohorts.items() if k <= y}, hints[y])
                for y in hints}

    for round_ in range(6):
        reports = publish(round_)
        again, refused = reconcile(dict(reports), min_cell=5)
        assert refused == []
        if not again:
            break
        for y in again:
            written = json.loads((reports[y] / "restricted" / "disclosure_hints.json").read_text(encoding="utf-8"))
            hints[y] += written["completion"]  # a report's hints accumulate (its folder stays)
    else:
        pytest.fail("the ledger did not settle in six rounds")
    assert round_ >= 1 and any(h.get("series") for hs in hints.values() for h in hs)
    shown = {y: pd.read_csv(f / "public" / "tables" / "completion.csv", dtype=str, encoding="utf-8-sig",
                            keep_default_na=False).set_index("start_year")["participants"]
             for y, f in reports.items()}
    # the attacker's difference: both totals shown while the cohorts before 2025 are the same hidden cells
    both_totals = shown["2024"]["all"].isdigit() and shown["2025"]["all"].isdigit()
    old_known = all(shown[y][c].isdigit() for y in shown for c in ("2023", "2024"))
    assert not both_totals or old_known
    assert not shown["2025"]["2025"].isdigit()  # the small cohort itself stays hidden
