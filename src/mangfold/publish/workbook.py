"""``public/tables/tabeller.xlsx``: every public table in one Excel workbook, for a municipal analyst
who opens it with Norwegian settings.

The public CSVs keep the results contract's format (``,`` between fields, ``.`` for decimals, the
contract's codes), which scripts and dashboards read; Excel with Norwegian settings splits such a file
wrongly, so the workbook is the spreadsheet users' copy. It is made from the public CSVs alone
(:func:`workbook_sheets`, a pure function of ``public/tables/*.csv`` and their ``.spec.json``), so it
holds nothing the CSVs don't, and the audit rebuilds it the same way and compares cell by cell
(:func:`workbook_findings`).

A sheet per table (the first, ``Om tabellene``, lists them with their titles and says what the marks
mean), bokmål headers (:func:`mangfold.text.header`), numbers as numbers, codes by their bokmål labels,
hidden cells as their marks (``<5``: 1 to 4 persons; ``:``: hidden so that another hidden cell cannot
be worked out; blank: not computed, or hidden). No formulas: text is always stored as text.
"""

from __future__ import annotations

import datetime
import io
import json
import math
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from .. import text
from .readcsv import parts_digest, read_text
from .xlsxrows import rows_as_text

WORKBOOK = "tabeller.xlsx"
INDEX_SHEET = "Om tabellene"
_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_INTEGER = re.compile(r"^-?\d+$")
#: Excel's limit on a sheet name, and the characters it forbids there
_SHEET_MAX = 31
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_FIXED_TIME = datetime.datetime(2000, 1, 1)
#: Excel's last row (openpyxl refuses a cell past it)
_MAX_ROW = 1048576
#: openpyxl names this module relies on beyond its documented API (tests/publish/test_workbook.py checks them)
INTERNALS = ("openpyxl.worksheet.worksheet.Worksheet._add_cell", "openpyxl.writer.excel.ExcelWriter",
             "openpyxl.cell.cell.Cell")


def _cell(value: str, column: str) -> Any:
    """A public CSV cell (text, as written) as the workbook holds it: a number as a number, ``True``/
    ``False`` as ``ja``/``nei``, a code by its label, anything else (marks, names) as text."""
    if value == "":
        return None
    if _NUMBER.match(value):
        v = float(value)
        return int(value) if _INTEGER.match(value) else v
    if value in ("True", "False"):  # how the CSV writes a boolean
        return text.yes_no(value == "True")
    return text.label(value, column=column)


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_BAD.sub("_", name)[:_SHEET_MAX]
    out, k = base, 2
    while out.lower() in taken:
        suffix = f"~{k}"
        out, k = base[:_SHEET_MAX - len(suffix)] + suffix, k + 1
    taken.add(out.lower())
    return out


def workbook_sheets(tables: Path) -> list[tuple[str, list[list[Any]]]]:
    """The workbook's sheets (name, rows; the first row the headers) made from the public CSVs in
    ``tables`` (read as text, exactly as published), in file-name order after the index sheet."""
    return [(name, rows) for name, rows, _ in _sheets(tables)]


def _sheets(tables: Path) -> list[tuple[str, list[list[Any]], set[int]]]:
    """:func:`workbook_sheets`, each sheet with the (0-based) columns that its spec declares as
    proportions (``percent``), which Excel shows as percent."""
    taken: set[str] = {INDEX_SHEET.lower()}
    index: list[list[Any]] = [["Ark", "Fil", "Tabell", "Rader"]]
    sheets = []
    for path in sorted(Path(tables).glob("*.csv")):
        df = read_text(path, restored=False)
        title, percent = None, set()
        spec = path.with_suffix(".spec.json")
        if spec.is_file():
            try:
                sp = json.loads(spec.read_text(encoding="utf-8"))
                title = str(sp.get("title") or "") or None
                percent = {j for j, c in enumerate(df.columns) if c in set(sp.get("percent") or ())}
            except (OSError, ValueError, TypeError, AttributeError):
                title, percent = None, set()
        name = _sheet_name(path.stem, taken)
        rows = [[text.header(str(c)) for c in df.columns]]
        # the cells as df.itertuples(index=False) gives them (every one a str: the CSV read as text), from
        # one object array instead of pandas' per-element access; no columns: an empty row per CSV row,
        # as there (tests/publish/test_workbook.py compares the two)
        rows += [[_cell(v, c) for c, v in zip(df.columns, r)] for r in df.to_numpy(dtype=object).tolist()]
        sheets.append((name, rows, percent))
        index.append([name, f"tables/{path.name}", title, len(df)])
    index += [[], ["Tegn", "Betyr"],
              ["<5", "skjult: færre enn 5 personer (grensen er den samme som i rapporten)"],
              [":", "skjult, fordi tallet ellers kunne regnes ut fra andre tall"],
              ["tom celle", "ikke beregnet, eller skjult fordi det bygger på et skjult tall"],
              ["Koder", "gruppene og nivåene er vist med norske navn; CSV-filene har kodene fra datakontrakten"]]
    return [(INDEX_SHEET, index, set()), *sheets]


def write_workbook(public: Path) -> Path | None:
    """Write ``public/tables/tabeller.xlsx`` from the public CSVs; None when there are none."""
    tables = Path(public) / "tables"
    data = _workbook_bytes(tables)
    if data is None:
        return None
    target = tables / WORKBOOK
    tmp = tables / f".{WORKBOOK}.tmp"
    tmp.write_bytes(data)
    tmp.replace(target)
    return target


#: the last workbooks built in this process, by a hash of the CSVs and specs they were built from
_built: dict[bytes, bytes] = {}


def _tables_key(tables: Path) -> bytes | None:
    csvs = sorted(tables.glob("*.csv"))
    if not csvs:
        return None
    spec = [p.with_suffix(".spec.json") for p in csvs]
    return parts_digest(part for p, sp in zip(csvs, spec)
                        for part in (p.name.encode(), p.read_bytes(), sp.read_bytes() if sp.is_file() else b"-"))


def _workbook_bytes(tables: Path) -> bytes | None:
    """The bytes of the workbook of the public CSVs in ``tables`` (None when there are none): the same
    tables give the same bytes, so the audit can rebuild it and compare. Built once per content."""
    key = _tables_key(tables)
    if key is None:
        return None
    if key in _built:
        return _built[key]
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows, percent in _sheets(tables):
        ws = wb.create_sheet(name)
        add = ws._add_cell  # what ws.cell(row=r, column=c) does for a new cell, without its look-up
        for r, row in enumerate(rows, start=1):
            if r > _MAX_ROW and any(v is not None for v in row):
                ws.cell(row=r, column=1)  # raises openpyxl's error for a row past Excel's last, as ws.cell did
            for c, v in enumerate(row, start=1):
                if v is None:
                    continue
                cell = Cell(ws, row=r, column=c, value=v)  # the value bound as cell.value = v binds it
                add(cell)
                if isinstance(v, str):
                    cell.data_type = "s"  # text stays text, never a formula
                elif r > 1 and c - 1 in percent:
                    cell.number_format = "0.0%"  # a proportion, shown as percent (the value stays 0.123)
                # other numbers keep Excel's General format: full precision, the reader's decimal comma
        if rows:
            for c in range(1, len(rows[0]) + 1):
                ws.cell(row=1, column=c).font = Font(bold=True)
                longest = max((len(str(row[c - 1])) for row in rows[:200] if c - 1 < len(row) and row[c - 1]
                               is not None), default=8)
                ws.column_dimensions[get_column_letter(c)].width = min(max(8, longest + 2), 60)
            ws.freeze_panes = "A2"
    # the same tables give the same bytes (like the CSVs): fixed document dates and zip entry times
    wb.properties.creator = "mangfold"
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    buf = io.BytesIO()
    # what wb.save does (openpyxl.writer.excel.save_workbook), but its entries stored, not deflated: the
    # loop below reads them and deflates each once, as it would after wb.save (the entries are written
    # afresh, so the first archive's compression never reaches the bytes; wb.save would also stamp
    # properties.modified with the time, which the loop replaces by the fixed time anyway)
    with rows_as_text():  # openpyxl's bytes, its rows written as text (publish/xlsxrows.py)
        ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True)).save()
    out = io.BytesIO()
    buf.seek(0)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            dst.writestr(entry, data)
    _built.clear()  # one report at a time: keep only the last
    _built[key] = out.getvalue()
    return _built[key]


def workbook_findings(public: Path) -> list[str]:
    """What ``public/tables/tabeller.xlsx`` holds that the public CSVs don't: a sheet, a cell or a
    formula other than :func:`workbook_sheets` rebuilds from them (empty list: it is exactly theirs)."""
    path = Path(public) / "tables" / WORKBOOK
    rel = f"tables/{WORKBOOK}"
    try:  # the workbook mangfold writes from these CSVs, byte for byte: nothing else in it
        if path.is_file() and path.read_bytes() == _workbook_bytes(path.parent):
            return []
    except Exception:  # noqa: BLE001 -- cannot rebuild it: read it cell by cell below
        pass
    try:
        wb = load_workbook(path, read_only=False, data_only=False)
    except Exception as exc:  # noqa: BLE001 -- any unreadable workbook is a finding
        return [f"{rel}: cannot be read ({type(exc).__name__})"]
    expected = dict(workbook_sheets(path.parent))
    problems = []
    names = wb.sheetnames
    if names != list(expected):
        problems.append(f"{rel}: sheets {names} are not the public tables' {list(expected)}")
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            problems.append(f"{rel}: sheet {ws.title!r} is hidden")
        want = expected.get(ws.title)
        if want is None:
            continue
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                if cell.data_type == "f":
                    problems.append(f"{rel}: sheet {ws.title!r}, cell {cell.coordinate}: a formula")
                    continue
                r, c = cell.row - 1, cell.column - 1
                exp = want[r][c] if r < len(want) and c < len(want[r]) else None
                if exp != cell.value and not (isinstance(exp, (int, float)) and isinstance(cell.value, (int, float))
                                              and math.isclose(float(exp), float(cell.value), rel_tol=1e-13)):
                    problems.append(f"{rel}: sheet {ws.title!r}, cell {cell.coordinate}: {str(cell.value)[:40]!r} "
                                    "is not in the public CSV")
                    if len(problems) > 20:
                        return problems
        for r, row in enumerate(want):  # nothing left out either
            for c, v in enumerate(row):
                if v is not None and ws.cell(row=r + 1, column=c + 1).value is None:
                    problems.append(f"{rel}: sheet {ws.title!r}: row {r + 1} differs from the public CSV")
                    break
            else:
                continue
            break
    return problems
