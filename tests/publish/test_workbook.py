"""public/tables/tabeller.xlsx: every public table, a sheet each, Norwegian headers, numbers as
numbers, hidden cells as their marks; made from the CSVs alone, and the audit finds anything else."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from mangfold.publish.audit import audit
from mangfold.publish.workbook import INDEX_SHEET, WORKBOOK, workbook_findings, write_workbook

CSV = ("year,sector,position_level,n,n_focal,share,met,note\n"
       "2025,Bydel A,top_leader,<5,:,,True,'=SUM(A1)\n"
       "2025,all,leaders,120,13,0.10833333333333334,False,\n")


@pytest.fixture
def public(tmp_path):
    pub = tmp_path / "public"
    (pub / "tables").mkdir(parents=True)
    (pub / "tables" / "representation.csv").write_text(CSV, encoding="utf-8-sig")
    (pub / "tables" / "representation.spec.json").write_text(json.dumps({"name": "representation",
                                                                          "title": "Ledere i målgruppen"}))
    return pub


def test_every_table_a_sheet_numbers_as_numbers_marks_as_text(public):
    path = write_workbook(public)
    assert path == public / "tables" / WORKBOOK
    wb = load_workbook(path)
    assert wb.sheetnames == [INDEX_SHEET, "representation"]
    rows = list(wb["representation"].iter_rows(values_only=True))
    assert rows[0] == ("År", "Sektor", "Stillingsnivå", "Antall", "Antall i målgruppen", "Andel", "Nådd", "Merknad")
    assert rows[1][:4] == (2025, "Bydel A", "Toppledere", "<5") and rows[1][4] == ":" and rows[1][5] is None
    assert rows[2][1:6] == ("Alle sektorer", "Alle ledere", 120, 13, pytest.approx(0.10833333333333334))
    assert rows[1][6] == "ja" and rows[2][6] == "nei"
    cell = wb["representation"]["H2"]
    assert cell.data_type == "s" and cell.value == "'=SUM(A1)"  # stays text, never a formula
    index = list(wb[INDEX_SHEET].iter_rows(values_only=True))
    assert ("representation", "tables/representation.csv", "Ledere i målgruppen", 2) in index
    assert workbook_findings(public) == []


def test_the_audit_rebuilds_the_workbook_and_finds_what_the_csvs_do_not_hold(public):
    write_workbook(public)
    assert not [p for p in audit(public, min_cell=5).problems if WORKBOOK in p]
    wb = load_workbook(public / "tables" / WORKBOOK)
    wb["representation"]["D2"] = 3  # the hidden count, put back
    wb["representation"]["J1"] = "=1+1"
    extra = wb.create_sheet("restricted")
    extra["A1"] = "hemmelig"
    wb.save(public / "tables" / WORKBOOK)
    found = workbook_findings(public)
    assert any("D2" in f for f in found) and any("formula" in f for f in found)
    assert any("sheets" in f for f in found)
    assert any(WORKBOOK in p for p in audit(public, min_cell=5).problems)


def test_the_same_tables_give_the_same_bytes(public):
    first = write_workbook(public).read_bytes()
    assert write_workbook(public).read_bytes() == first  # no save time inside (like the CSVs)


def test_a_workbook_saved_again_by_a_spreadsheet_is_read_cell_by_cell(public):
    write_workbook(public)
    wb = load_workbook(public / "tables" / WORKBOOK)
    wb.save(public / "tables" / WORKBOOK)  # other bytes, the same cells: not a finding
    assert workbook_findings(public) == []


def test_a_csv_changed_after_the_workbook_was_written_is_found(public):
    write_workbook(public)  # the workbook built in this process is kept by the CSVs' content
    path = public / "tables" / "representation.csv"
    path.write_text(CSV.replace("120,13", "121,13"), encoding="utf-8-sig")
    found = workbook_findings(public)
    assert any("D3" in f for f in found)
