"""public/tables/tabeller.xlsx: every public table, a sheet each, Norwegian headers, numbers as
numbers, hidden cells as their marks; made from the CSVs alone, and the audit finds anything else."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from mangfold.publish.audit import audit
from mangfold.publish.workbook import INDEX_SHEET, WORKBOOK, workbook_findings, workbook_sheets, write_workbook

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


# --------------------------------------------------- the workbook's bytes, as openpyxl's own path gives them
def _old_sheets(tables):
    """The sheets as the workbook first made them: each table's rows from ``df.itertuples`` (the index
    sheet and the headers are :func:`workbook._sheets`' own)."""
    from mangfold.publish import workbook

    sheets = workbook._sheets(tables)
    out = [sheets[0]]
    for (name, rows, percent), entry in zip(sheets[1:], sheets[0][1][1:]):
        df = workbook.read_text(tables / entry[1].removeprefix("tables/"), restored=False)
        body = [[workbook._cell(v, c) for c, v in zip(df.columns, r)] for r in df.itertuples(index=False, name=None)]
        out.append((name, [rows[0], *body], percent))
    return out


def _old_workbook_bytes(tables):
    """The reference: the workbook built cell by cell with ``ws.cell``, saved with ``wb.save`` (entries
    deflated by openpyxl) and zipped again with fixed times, as ``_workbook_bytes`` first did."""
    import io
    import re
    import zipfile

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from mangfold.publish.workbook import _FIXED_TIME
    from mangfold.publish.xlsxrows import rows_as_text

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows, percent in _old_sheets(tables):
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                if v is None:
                    continue
                cell = ws.cell(row=r, column=c)
                cell.value = v
                if isinstance(v, str):
                    cell.data_type = "s"
                elif r > 1 and c - 1 in percent:
                    cell.number_format = "0.0%"
        if rows:
            for c in range(1, len(rows[0]) + 1):
                ws.cell(row=1, column=c).font = Font(bold=True)
                longest = max((len(str(row[c - 1])) for row in rows[:200] if c - 1 < len(row) and row[c - 1]
                               is not None), default=8)
                ws.column_dimensions[get_column_letter(c)].width = min(max(8, longest + 2), 60)
            ws.freeze_panes = "A2"
    wb.properties.creator = "mangfold"
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    buf = io.BytesIO()
    with rows_as_text():
        wb.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            dst.writestr(entry, data)
    return out.getvalue()


def _random_tables(tables, seed: int) -> None:
    """Public CSVs (and specs) with every kind of cell the workbook meets: empty cells, marks, text that
    looks like a formula, non-ASCII, white space at the ends, numbers in every spelling, booleans, the
    contract's codes, rows that are all empty (at the end too), a table with a header only."""
    import csv
    import random

    rng = random.Random(seed)
    values = ["", "", "", "<5", ":", "=SUM(A1)", "'=1+1", "=", "==", "-", "+1", "1e5", "1E-3", "-0.5", ".5", "5.",
              "0", "-0", "007", "12345678901234567890", "0.1083333333333333", "3.14159265358979", "1.5e308",
              "nan", "inf", "NaN", "True", "False", "true", "all", "top_leader", "leaders", "lbg2", "#N/A",
              "Bydel Grünerløkka", "æøå ✓ 🙂 → ±", "  lead", "trail  ", "   ", "a,b", 'sa "quoted"', "x\ty",
              "line\nbreak", "<tag> & 'amp'", "x" * 70]
    pool = ["year", "sector", "position_level", "group", "n", "n_focal", "share", "share_ci_low", "met", "note",
            "value", "custom_column_name", "Åpen kolonne"]
    tables.mkdir(parents=True, exist_ok=True)
    for t in range(rng.randint(2, 5)):
        columns = rng.sample(pool, rng.randint(1, 8))
        n = 0 if t == 1 else rng.randint(1, 40)
        rows = [[rng.choice(values) for _ in columns] for _ in range(n)]
        if n and rng.random() < 0.7:
            rows += [[""] * len(columns) for _ in range(rng.randint(1, 3))]  # all empty, at the end
        if n > 3:
            rows[n // 2] = [""] * len(columns)  # and in the middle
        name = ["representation", "funnel", "a" * 40, "a" * 40 + "b", "x[1]:y"][t]
        with open(tables / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows([columns, *rows])
        if rng.random() < 0.8:
            spec = {"name": name, "title": rng.choice(["Ledere", "Søkere → ansatte", ""]),
                    "percent": [c for c in columns if c.startswith("share")]}
            (tables / f"{name}.spec.json").write_text(json.dumps(spec), encoding="utf-8")


@pytest.mark.parametrize("seed", range(8))
def test_the_workbook_has_the_bytes_of_openpyxls_own_path(tmp_path, seed):
    """``_workbook_bytes`` takes shortcuts (the rows from one object array, cells made directly,
    openpyxl's archive stored rather than deflated before it is zipped again): the bytes are those of
    the straightforward path, for tables with every kind of cell."""
    from mangfold.publish import workbook

    tables = tmp_path / "public" / "tables"
    _random_tables(tables, seed)
    workbook._built.clear()
    got = workbook._workbook_bytes(tables)
    assert got == _old_workbook_bytes(tables)
    workbook._built.clear()
    assert workbook._workbook_bytes(tables) == got


def test_a_table_without_columns_gives_an_empty_row_per_csv_row(tmp_path, monkeypatch):
    """As ``df.itertuples`` gives them (a frame the CSV reader does not make, but the rows must not
    depend on how they are taken)."""
    from mangfold.publish import workbook

    tables = tmp_path / "tables"
    _random_tables(tables, 0)
    read = workbook.read_text
    n = len(read(tables / "representation.csv", restored=False))
    assert n > 0
    monkeypatch.setattr(workbook, "read_text",
                        lambda path, **kw: read(path, **kw)[[]] if path.stem == "representation" else read(path, **kw))
    assert dict(workbook_sheets(tables))["representation"] == [[]] * (1 + n)
    workbook._built.clear()
    assert workbook._workbook_bytes(tables) == _old_workbook_bytes(tables)


@pytest.mark.parametrize("name", __import__("mangfold.publish.workbook", fromlist=["INTERNALS"]).INTERNALS)
def test_the_openpyxl_names_the_workbook_uses_exist(name):
    import pkgutil

    assert pkgutil.resolve_name(name) is not None
