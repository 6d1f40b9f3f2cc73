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


# ------------------------------------------------------------------ rows written as text (publish/xlsxrows.py)
def _random_workbook(seed: int):
    """A workbook with every kind of cell: inline text (markup characters, non-ASCII, white space at
    the ends, empty), integers, floats (NaN and infinities among them), booleans, dates, formulas,
    rich text, comments, hyperlinks, styles (bold, percent), row dimensions and merged cells."""
    import datetime as dt
    import random

    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    rng = random.Random(seed)
    texts = ["Søkere", "a & b < c > d \"q\" 'a'", "", "  lead", "trail  ", "   ", "<5", ":", "=SUM(A1)", "æøå → ±",
             "x\ty", "line\nbreak"]
    wb = Workbook()
    wb.remove(wb.active)
    for s in range(3):
        ws = wb.create_sheet(f"ark{s}")
        for r in range(1, 25):
            for c in range(1, 8):
                kind = rng.random()
                if kind < 0.15:
                    continue
                cell = ws.cell(row=r, column=c)
                if kind < 0.45:
                    cell.value = rng.choice(texts)
                    cell.data_type = "s"
                elif kind < 0.6:
                    cell.value = rng.randint(-10**6, 10**12)
                elif kind < 0.75:
                    cell.value = rng.choice([rng.uniform(-1, 1), 1e-12, 123456789.123456789, float("nan"),
                                             float("inf"), 0.1 + 0.2])
                elif kind < 0.8:
                    cell.value = rng.choice([True, False])
                elif kind < 0.83:
                    cell.value = dt.datetime(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
                elif kind < 0.86:
                    cell.value = "=A1+1"
                elif kind < 0.88:
                    cell.value = CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold")])
                elif kind < 0.9:
                    cell.value = "note"
                    cell.comment = Comment("a comment", "mangfold")
                elif kind < 0.92:
                    cell.value = "link"
                    cell.hyperlink = "https://www.oslo.kommune.no"
                if rng.random() < 0.1:
                    cell.font = Font(bold=True)
                elif rng.random() < 0.1:
                    cell.number_format = "0.0%"
        if s == 1:
            ws.row_dimensions[3].height = 30
            ws.merge_cells("B5:C6")
            for kind, col in (("f", 9), ("b", 10), ("s", 11)):  # nothing in it but a style, and a type set by hand
                ws.cell(row=7, column=col).data_type = kind
                ws.cell(row=7, column=col).font = Font(bold=True)
    return wb


@pytest.mark.parametrize("seed", range(6))
def test_rows_written_as_text_are_openpyxls_bytes(seed):
    """The reference is openpyxl itself: the same workbook saved with openpyxl's row writer and with
    rows written as text gives the same bytes, for every kind of cell (the cells this writer does not
    take are left to openpyxl's writer, row by row)."""
    import io

    from mangfold.publish.xlsxrows import rows_as_text

    a, b = io.BytesIO(), io.BytesIO()
    _random_workbook(seed).save(a)
    with rows_as_text():
        _random_workbook(seed).save(b)
    import zipfile

    za, zb = zipfile.ZipFile(a), zipfile.ZipFile(b)
    assert za.namelist() == zb.namelist()
    for name in za.namelist():
        if name != "docProps/core.xml":  # the save time
            assert za.read(name) == zb.read(name), name


def test_rows_as_text_puts_openpyxl_back():
    from openpyxl.worksheet._writer import WorksheetWriter

    from mangfold.publish import xlsxrows

    before = WorksheetWriter.write_row
    with pytest.raises(RuntimeError):
        with xlsxrows.rows_as_text():
            assert WorksheetWriter.write_row is xlsxrows.write_row
            raise RuntimeError
    assert WorksheetWriter.write_row is before


@pytest.mark.parametrize("name", __import__("mangfold.publish.xlsxrows", fromlist=["INTERNALS"]).INTERNALS)
def test_the_openpyxl_names_rows_as_text_uses_exist(name):
    import pkgutil

    assert pkgutil.resolve_name(name) is not None
