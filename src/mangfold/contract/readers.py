"""Read contract files as text: encodings, delimiters, ``.xlsx``, in chunks of rows.

Every cell is read as a string (empty = missing) so that validation can report the
original value of a faulty cell. Typed parsing lives in :mod:`mangfold.contract.parse`.

A ``.csv`` file is never held in memory whole: its encoding is found by streaming it
through an incremental UTF-8 decoder, its delimiter from the header line, and then
:func:`iter_table_text` yields it ``chunk_rows`` rows at a time. ``.xlsx`` files (small by
nature) come as one chunk.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from pathlib import Path
from typing import Iterator

import pandas as pd

from .schemas import TABLES

#: Rows per chunk when a ``.csv`` file is read in pieces.
CHUNK_ROWS = 250_000
#: Bytes per block when a file is streamed (encoding check, SHA-256).
BLOCK_BYTES = 1 << 22
SUFFIXES = (".csv", ".xlsx")


def find_table_file(directory: Path, table: str) -> Path | None:
    """The file that holds ``table`` in ``directory`` (``.csv`` preferred over ``.xlsx``)."""
    for suffix in SUFFIXES:
        for candidate in (directory / f"{table}{suffix}", directory / f"{table}{suffix.upper()}"):
            if candidate.is_file():
                return candidate
    return None


def _blocks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        yield from iter(lambda: fh.read(BLOCK_BYTES), b"")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    for block in _blocks(path):
        h.update(block)
    return h.hexdigest()


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when the whole file is UTF-8 (a BOM is dropped), else ``cp1252``.

    The file is streamed through an incremental decoder, so a character split between
    two blocks is still decoded. Bytes that cp1252 leaves undefined are read as U+FFFD
    (see :func:`iter_table_text`).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for block in _blocks(path):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def detect_delimiter(header_line: str) -> str:
    """``;`` when the header has more semicolons than commas, else ``,``."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _header_line(path: Path, encoding: str) -> str:
    with open(path, "rb") as fh:
        return fh.readline().decode(encoding, errors="replace")


def _csv_chunks(path: Path, chunk_rows: int | None) -> Iterator[pd.DataFrame]:
    encoding = detect_encoding(path)
    options = dict(sep=detect_delimiter(_header_line(path, encoding)), encoding=encoding, encoding_errors="replace",
                   dtype=str, keep_default_na=False, na_filter=False, quoting=csv.QUOTE_MINIMAL, engine="c",
                   skip_blank_lines=True)
    if chunk_rows is None:
        yield pd.read_csv(path, **options)
        return
    with pd.read_csv(path, chunksize=chunk_rows, **options) as reader:
        yield from reader


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


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    df.columns = [str(c).strip().lower() for c in df.columns]
    for col in df.columns:
        if df[col].dtype == object or pd.api.types.is_string_dtype(df[col].dtype):  # pandas 3: "str" dtype
            df[col] = df[col].astype(str).str.strip()
    return df.reset_index(drop=True)


def iter_table_text(path: Path, *, chunk_rows: int | None = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Read one contract file (``.csv`` or first sheet of ``.xlsx``) as strings, in chunks.

    Yields frames of at most ``chunk_rows`` rows (``None``: the whole file as one frame;
    ``.xlsx`` is always one frame), each indexed from 0; a file without rows yields one
    empty frame with the header's columns. Column names are stripped and lower-cased;
    extra columns are kept. Text cells are stripped of surrounding spaces.
    """
    chunks = [read_xlsx_text(path)] if path.suffix.lower() == ".xlsx" else _csv_chunks(path, chunk_rows)
    for chunk in chunks:
        yield _normalise(chunk)


def read_table_text(path: Path) -> pd.DataFrame:
    """The whole of one contract file as strings (see :func:`iter_table_text`)."""
    return next(iter_table_text(path, chunk_rows=None))


__all__ = ["TABLES", "CHUNK_ROWS", "find_table_file", "iter_table_text", "read_table_text", "sha256_file",
           "detect_encoding", "detect_delimiter"]
