"""Readers, structural faults (exit 2, message, store untouched) and quarantine arithmetic."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from mangfold.cli import main
from mangfold.contract import validate as v
from mangfold.contract.validate import ContractError, validate_folder
from mangfold.store import ingest, query
from tests.helpers import UNITS, VACANCIES, applications_csv, write_tiny


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


# ------------------------------------------------------------------ readers
def test_reads_the_tiny_folder(tmp_path):
    data = validate_folder(write_tiny(tmp_path / "d"))
    assert set(data.tables) == {"units", "vacancies", "applications"}
    assert data.tables["applications"]["qualified"].dtype == "boolean"
    assert str(data.tables["vacancies"]["posted_date"].dtype).startswith("datetime64")
    # dd.mm.yyyy parsed as a date
    assert data.tables["vacancies"].set_index("vacancy_id").loc["V2", "posted_date"] == pd.Timestamp("2025-03-15")
    assert "workforce" in data.missing_optional


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("sep", [",", ";"])
def test_encodings_and_delimiters_keep_norwegian_letters(tmp_path, encoding, sep):
    d = write_tiny(tmp_path / "d")
    units = "unit_id,unit_name,sector\nU1,Bydel Grünerløkka,Byrådsavdeling for æøå ÆØÅ\nU2,Sykehjemsetaten,Helse\n"
    (d / "units.csv").write_bytes(units.replace(",", sep).encode(encoding))
    data = validate_folder(d)
    names = data.tables["units"].set_index("unit_id")
    assert names.loc["U1", "unit_name"] == "Bydel Grünerløkka"
    assert names.loc["U1", "sector"] == "Byrådsavdeling for æøå ÆØÅ"


def test_spaces_around_cells_and_headers_are_ignored(tmp_path):
    d = write_tiny(tmp_path / "d")
    lines = applications_csv().splitlines()
    padded = [", ".join(f" {c} " for c in line.split(",")) for line in lines]  # as exported by hand
    (d / "applications.csv").write_text("\n".join(padded) + "\n", encoding="utf-8")
    data = validate_folder(d)
    ref = validate_folder(write_tiny(tmp_path / "ref")).tables["applications"]
    pd.testing.assert_frame_equal(data.tables["applications"], ref)


@pytest.mark.parametrize("true_word,false_word", [("true", "false"), ("1", "0"), ("Yes", "No"), ("JA", "nei")])
def test_boolean_spellings(tmp_path, true_word, false_word):
    d = write_tiny(tmp_path / "d")
    text = applications_csv().replace("true", true_word).replace("false", false_word)
    (d / "applications.csv").write_text(text, encoding="utf-8")
    data = validate_folder(d)
    ref = validate_folder(write_tiny(tmp_path / "ref")).tables["applications"]
    pd.testing.assert_series_equal(data.tables["applications"]["hired"], ref["hired"])


def test_numbers_with_digit_group_spaces_and_decimal_commas(tmp_path):
    """Population counts as a spreadsheet in Norwegian formats them: "12 345" (space, no-break space or
    narrow no-break space between groups of three), "1234,0"; "1 2" stays a fault."""
    pop = ("year;area;background;persons\n2025;0301 Oslo;lbg2;12 345\n2025;0301 Oslo;lbg1;1\u00a0234\n"
           "2025;0301 Oslo;none;1\u202f234\u202f567\n2024;0301 Oslo;lbg2;1234,0\n")
    d = write_tiny(tmp_path / "d", extra={"population.csv": pop})
    persons = validate_folder(d).tables["population"]["persons"].tolist()
    assert persons == [12345, 1234, 1234567, 1234]
    d2 = write_tiny(tmp_path / "d2", extra={"population.csv": pop.replace("1234,0", "1 2")})
    with pytest.raises(ContractError) as exc:
        validate_folder(d2)
    assert [(f.row, f.column, f.value) for f in exc.value.faults] == [(5, "persons", "1 2")]


@pytest.mark.parametrize("cell,ok", [("2025-03-15 08:15:00", True), ("2025-03-15T23:59", True),
                                     ("15.03.2025 8:15", True), ("15.03.2025 08.15.30", True),
                                     ("2025-03-15 24:00", False), ("2025-03-15T08:15:00Z", False)])
def test_dates_with_a_time_of_day_keep_the_date(tmp_path, cell, ok):
    d = write_tiny(tmp_path / "d", extra={"vacancies.csv": VACANCIES.replace("15.03.2025", cell)})
    if ok:
        t = validate_folder(d).tables["vacancies"].set_index("vacancy_id")
        assert t.loc["V2", "posted_date"] == pd.Timestamp("2025-03-15")
    else:
        with pytest.raises(ContractError) as exc:
            validate_folder(d)
        assert [(f.row, f.column, f.value) for f in exc.value.faults] == [(3, "posted_date", cell)]


def test_xlsx_first_sheet_and_extra_columns_kept(tmp_path):
    d = write_tiny(tmp_path / "d", drop=("vacancies.csv",))
    vac = pd.DataFrame({
        "vacancy_id": ["V1", "V2", "V3", "V4"], "unit_id": ["U1", "U1", "U2", "U2"],
        "posted_date": pd.to_datetime(["2025-02-01", "2025-03-15", "2025-06-30", "2024-05-05"]),
        "position_level": ["leader", "employee", "employee", "leader"],
        "job_analysis": [True, False, None, True], "internal_note": ["a", "b", "c", "d"],
    })
    with pd.ExcelWriter(d / "vacancies.xlsx") as xw:
        vac.to_excel(xw, index=False, sheet_name="Ark1")
        pd.DataFrame({"x": [1]}).to_excel(xw, index=False, sheet_name="other")
    t = validate_folder(d).tables["vacancies"].set_index("vacancy_id")
    assert t.loc["V2", "posted_date"] == pd.Timestamp("2025-03-15")
    assert bool(t.loc["V1", "job_analysis"]) is True and pd.isna(t.loc["V3", "job_analysis"])
    assert t.loc["V4", "internal_note"] == "d"
    assert t.loc["V1", "n_positions"] == 1  # default for an absent optional column


# --------------------------------------------------------- structural faults
BROKEN = {
    "missing required file": (dict(drop=("vacancies.csv",)), "vacancies.csv", None, None, v.RULE_MISSING_FILE.format(table="vacancies"), None),
    "missing column": (dict(extra={"units.csv": "unit_id,unit_name\nU1,a\nU2,b\n"}), "units.csv", 1, "sector", v.RULE_MISSING_COLUMN, None),
    "wrong type": (dict(extra={"population.csv": "year,area,background,persons\n2025,0301 Oslo,lbg2,many\n"}),
                   "population.csv", 2, "persons", v.RULE_INT, "many"),
    "unknown code": (dict(extra={"vacancies.csv": VACANCIES.replace("V3,U2,2025-06-30,employee", "V3,U2,2025-06-30,boss")}),
                     "vacancies.csv", 4, "position_level", "unknown code", "boss"),
    "duplicate key": (dict(extra={"units.csv": UNITS + "U1,Dobbel,Helse\n"}), "units.csv", 4, "unit_id", "duplicate key", "U1"),
    "unknown reference": (dict(extra={"vacancies.csv": VACANCIES + "V5,U9,2025-01-01,leader\n"}), "vacancies.csv", 6, "unit_id",
                          "refers to a units.unit_id that does not exist", "U9"),
    "unparseable date": (dict(extra={"vacancies.csv": VACANCIES.replace("15.03.2025", "31.02.2025")}), "vacancies.csv", 3,
                         "posted_date", v.RULE_DATE, "31.02.2025"),
    "negative count": (dict(extra={"population.csv": "year,area,background,persons\n2025,0301 Oslo,lbg2,-4\n"}),
                       "population.csv", 2, "persons", ">= 0", "-4"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_each_structural_fault_is_named(tmp_path, case):
    kwargs, file, row, column, rule, value = BROKEN[case]
    d = write_tiny(tmp_path / "d", **kwargs)
    with pytest.raises(ContractError) as exc:
        validate_folder(d)
    faults = exc.value.faults
    hit = [f for f in faults if f.file.endswith(file) and f.row == row and f.column == column and rule in f.rule]
    assert hit, f"no fault {file} row {row} column {column} {rule!r} in {faults}"
    if value is not None:
        assert hit[0].value == value
    msg = str(exc.value)
    assert file in msg and rule.split(";")[0] in msg
    if row is not None:
        assert f"row {row}" in msg


def test_all_faults_of_a_file_are_listed(tmp_path):
    bad = VACANCIES.replace("leader", "chief").replace("2025-06-30", "soon")
    d = write_tiny(tmp_path / "d", extra={"vacancies.csv": bad})
    with pytest.raises(ContractError) as exc:
        validate_folder(d)
    rows = sorted((f.row, f.column) for f in exc.value.faults)
    assert (2, "position_level") in rows and (5, "position_level") in rows and (4, "posted_date") in rows


@pytest.mark.parametrize("case", ["missing required file", "unknown code", "duplicate key", "negative count"])
def test_cli_exit_2_and_previous_store_byte_identical(tmp_path, capsys, case):
    store = tmp_path / "s.duckdb"
    assert main(["ingest", str(write_tiny(tmp_path / "good")), "--store", str(store)]) == 0
    before = _sha(store)
    kwargs = BROKEN[case][0]
    rc = main(["ingest", str(write_tiny(tmp_path / "bad", **kwargs)), "--store", str(store)])
    assert rc == 2
    err = capsys.readouterr().err
    assert "nothing was written" in err and BROKEN[case][1] in err
    assert _sha(store) == before
    assert not list(tmp_path.glob(".s.duckdb*"))


def test_failed_first_ingest_writes_no_store(tmp_path):
    store = tmp_path / "s.duckdb"
    assert main(["ingest", str(write_tiny(tmp_path / "bad", drop=("units.csv",))), "--store", str(store)]) == 2
    assert not store.exists()


# ---------------------------------------------------------------- quarantine
def test_quarantine_arithmetic_and_reasons(tmp_path):
    apps = applications_csv().splitlines()
    header, rows = apps[0], apps[1:]
    # row 2: hired but not recommended; row 3: interviewed but not qualified; row 4: recommended but not interviewed
    rows[0] = "A9001,V1,P9001,lbg2,female,true,true,false,true"
    rows[1] = "A9002,V1,P9002,none,male,false,true,false,false"
    rows[2] = "A9003,V2,P9003,lbg2,male,true,false,true,false"
    pilots = "unit_id,pilot,start_date,end_date\nU1,min_two_interviews,2024-01-01,2023-12-31\nU2,job_analysis,2024-01-01,\n"
    d = write_tiny(tmp_path / "d", extra={"applications.csv": "\n".join([header, *rows]) + "\n", "pilots.csv": pilots})
    store = tmp_path / "s.duckdb"
    data = ingest(d, store)
    q = data.quarantine[data.quarantine["table"] == "applications"].set_index("row")
    assert q.loc[2, "reason"] == v.REASON_HIRED
    assert q.loc[3, "reason"] == v.REASON_INTERVIEWED
    assert q.loc[4, "reason"] == v.REASON_RECOMMENDED
    assert (data.quarantine["table"] == "pilots").sum() == 1
    assert "end_date before start_date" in set(data.quarantine["reason"])
    files = query(store, 'SELECT * FROM _files').set_index("table")
    assert (files["rows_read"] == files["rows_used"] + files["rows_quarantined"]).all()
    assert files.loc["applications", "rows_quarantined"] == 3
    assert files.loc["applications", "rows_read"] == len(rows)
    assert query(store, "SELECT count(*) AS n FROM applications")["n"][0] == len(rows) - 3
    assert query(store, "SELECT count(*) AS n FROM _quarantine")["n"][0] == 4


def test_blank_rows_are_quarantined_not_faults(tmp_path):
    """Spreadsheets export formatted but empty rows (``;;;;``, here in the middle and at the end): they
    are read and quarantined, the data rows are as without them, and a fault after a blank row is named
    by its own row."""
    apps = applications_csv().splitlines()
    header, rows = apps[0], apps[1:]
    blank = "," * header.count(",")
    d = write_tiny(tmp_path / "d", extra={"applications.csv": "\n".join([header, rows[0], blank, *rows[1:], blank, "  ,  " + blank[2:]]) + "\n"})
    data = validate_folder(d)
    ref = validate_folder(write_tiny(tmp_path / "ref")).tables["applications"]
    pd.testing.assert_frame_equal(data.tables["applications"].reset_index(drop=True), ref)
    q = data.quarantine.set_index("row")
    assert list(q.index) == [3, len(rows) + 3, len(rows) + 4]
    assert set(q["reason"]) == {v.REASON_BLANK}
    f = data.files.set_index("table").loc["applications"]
    assert (f["rows_read"], f["rows_used"], f["rows_quarantined"]) == (len(rows) + 3, len(rows), 3)
    # a fault after a blank row keeps its spreadsheet row number; the blank rows themselves are no fault
    broken = [header, rows[0], blank, rows[1].replace(",true,", ",maybe,", 1), *rows[2:], blank]
    d2 = write_tiny(tmp_path / "d2", extra={"applications.csv": "\n".join(broken) + "\n"})
    with pytest.raises(ContractError) as exc:
        validate_folder(d2)
    assert [(f.row, f.value) for f in exc.value.faults] == [(4, "maybe")]


def test_blank_rows_of_an_xlsx_sheet_are_quarantined(tmp_path):
    d = write_tiny(tmp_path / "d", drop=("vacancies.csv",))
    vac = pd.DataFrame({"vacancy_id": ["V1", None, "V2", "V3", "V4", None],
                        "unit_id": ["U1", None, "U1", "U2", "U2", None],
                        "posted_date": pd.to_datetime(["2025-02-01", None, "2025-03-15", "2025-06-30", "2024-05-05", None]),
                        "position_level": ["leader", None, "employee", "employee", "leader", None]})
    with pd.ExcelWriter(d / "vacancies.xlsx") as xw:
        vac.to_excel(xw, index=False)
    data = validate_folder(d)
    assert list(data.tables["vacancies"]["vacancy_id"]) == ["V1", "V2", "V3", "V4"]
    # the empty row between two rows is read and quarantined (empty rows after the last one are not in the sheet)
    assert list(data.quarantine["row"]) == [3] and set(data.quarantine["reason"]) == {v.REASON_BLANK}


def test_store_records_hashes_and_year(tmp_path):
    d = write_tiny(tmp_path / "d")
    store = tmp_path / "s.duckdb"
    ingest(d, store)
    files = query(store, "SELECT file, sha256 FROM _files").set_index("file")["sha256"]
    assert files["applications.csv"] == _sha(d / "applications.csv")
    years = query(store, "SELECT vacancy_id, year FROM vacancies ORDER BY 1")
    assert list(years["year"]) == [2025, 2025, 2025, 2024]
    assert set(query(store, "SELECT municipality FROM units")["municipality"]) == {"0301 Oslo"}
