"""openpyxl's worksheet rows written as text: the same bytes, a fraction of the time.

openpyxl writes each cell of a sheet by building an ElementTree element (``<c>`` with ``<is><t>``
or ``<v>``) and serialising it with et_xmlfile's general, namespace-aware serialiser: most of the
time a national run spends on its 151 workbooks. The public workbook's cells are simple: text
stored as inline strings and numbers, some with a style. Within :func:`rows_as_text`, a row of
only such cells is written as the text openpyxl would write for it (the same attribute order, the
same escaping functions, the same number formatting, the same style registration, cell by cell);
any other row (a comment, a hyperlink, a formula, a rich text, a boolean or date, row dimensions,
text with leading or trailing white space, which gets ``xml:space``) is written by openpyxl
itself. ``tests/publish/test_workbook.py`` compares the bytes with openpyxl's on random sheets and
the report's workbooks.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator
from xml.etree.ElementTree import _escape_attrib, _escape_cdata  # what et_xmlfile escapes with

from et_xmlfile.xmlfile import _IncrementalFileWriter
from openpyxl.cell.cell import Cell
from openpyxl.compat import safe_string
from openpyxl.worksheet._writer import WorksheetWriter

#: names this module relies on (tests/publish/test_workbook.py checks them)
INTERNALS = ("openpyxl.worksheet._writer.WorksheetWriter.write_row", "openpyxl.compat.safe_string",
             "et_xmlfile.xmlfile._IncrementalFileWriter", "xml.etree.ElementTree._escape_cdata",
             "xml.etree.ElementTree._escape_attrib", "openpyxl.cell.cell.Cell")

_write_row = WorksheetWriter.write_row


def _simple(cell) -> bool:
    """A cell whose XML this module writes as openpyxl does: no comment or hyperlink, and text (not
    rich text, no white space at either end), a number or nothing."""
    if type(cell) is not Cell or cell._comment is not None or cell._hyperlink is not None:
        return False  # a merged cell, a comment or a hyperlink: openpyxl's own writer
    value, kind = cell._value, cell.data_type
    if value is None:
        return kind in ("s", "n")
    if kind == "s":
        if not isinstance(value, str):
            return False
        stripped = value.strip()
        return not (stripped and stripped != value)  # openpyxl marks such text xml:space="preserve"
    return kind == "n" and type(value) in (int, float)


def write_row(self, xf, row, row_idx):
    """``WorksheetWriter.write_row`` as text for a row of simple cells (see the module docstring)."""
    if (type(xf) is not _IncrementalFileWriter or row_idx in self.ws.row_dimensions
            or not all(_simple(cell) for cell in row)):
        return _write_row(self, xf, row, row_idx)
    parts = [f'<row r="{row_idx}">']
    for cell in row:
        styled = cell.has_style
        value = cell._value
        if value is None and not styled:
            continue
        attrs = f' r="{_escape_attrib(cell.coordinate)}"'
        if styled:
            attrs += f' s="{cell.style_id}"'  # registers the style, in the order openpyxl would
        kind = cell.data_type
        attrs += ' t="inlineStr"' if kind == "s" else f' t="{_escape_attrib(kind)}"'
        if value is None or value == "":
            parts.append(f"<c{attrs} />")
        elif kind == "s":
            parts.append(f"<c{attrs}><is><t>{_escape_cdata(value)}</t></is></c>")
        else:
            text = safe_string(value)
            parts.append(f"<c{attrs}><v>{_escape_cdata(text)}</v></c>" if text else f"<c{attrs}><v /></c>")
    parts.append("</row>")
    xf._file("".join(parts))


@contextmanager
def rows_as_text() -> Iterator[None]:
    """Within the block, openpyxl writes worksheet rows with :func:`write_row`."""
    WorksheetWriter.write_row = write_row
    try:
        yield
    finally:
        WorksheetWriter.write_row = _write_row
