"""Read contract files as text: encodings, delimiters, ``.xlsx``.

Every cell is read as a string (empty = missing) so that validation can report the
original value of a faulty cell. Typed parsing lives in :mod:`mangfold.contract.parse`.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pandas as pd

from .schemas import TABLES

ENCODINGS = ("utf-8-sig", "cp1252")
SUFFIXES = (".csv", ".xlsx")


def find_table_file(directory: Path, table: str) -> Path | None:
    """The file that holds ``table`` in ``directory`` (``.csv`` preferred over ``.xlsx``)."""
    for suffix in SUFFIXES:
        for candidate in (directory / f"{table}{suffix}", directory / f"{table}{suffix.upper()}"):
            if candidate.is_file():
                return candidate
    return None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode(raw: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), else Windows-1252. Returns (text, encoding)."""
    for enc in ENCODINGS:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise AssertionError("cp1252 decodes any byte string except 5 undefined bytes")  # pragma: no cover


def detect_delimiter(header_line: str) -> str:
    """``;`` when the header has more semicolons than commas, else ``,``."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_csv_text(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    try:
        text, _ = decode(raw)
    except AssertionError:
        text = raw.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delim = detect_delimiter(first)
    df = pd.read_csv(
        io.StringIO(text),
        sep=delim,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        quoting=csv.QUOTE_MINIMAL,
        engine="c",
        skip_blank_lines=True,
    )
    return df


def read_xlsx_text(path: Path) -> pd.DataFrame:
    df = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        s = df[col]
        out[str(col)] = s.map(_excel_cell_to_text)
    return out


def _excel_cell_to_text(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return ""
    if isinstance(v, pd.Timestamp) or hasattr(v, "isoformat") and not isinstance(v, str):
        try:
            return pd.Timestamp(v).strftime("%Y-%m-%d")
        except (ValueError, TypeError):
            return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_table_text(path: Path) -> pd.DataFrame:
    """Read one contract file (``.csv`` or first sheet of ``.xlsx``) as strings.

    Column names are stripped and lower-cased; extra columns are kept. Cells are stripped.
    """
    if path.suffix.lower() == ".xlsx":
        df = read_xlsx_text(path)
    else:
        df = read_csv_text(path)
    df.columns = [str(c).strip().lower() for c in df.columns]
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].astype(str).str.strip()
    return df.reset_index(drop=True)


__all__ = ["TABLES", "find_table_file", "read_table_text", "sha256_file", "decode", "detect_delimiter"]
