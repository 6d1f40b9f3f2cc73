"""Read contract files as text: encodings, delimiters, ``.xlsx``, in chunks of rows.

Every cell is read as a string (empty = missing) so that validation can report the
original value of a faulty cell. Typed parsing lives in :mod:`mangfold.contract.parse`.

A ``.csv`` file is never held in memory whole. Its encoding is decided once, from the whole
file streamed block by block (:func:`detect_encoding`), and every byte is checked against it:
UTF-8 (with or without BOM), UTF-16 (with a BOM, or ASCII text with every other byte zero) and
Windows-1252 are recognised; a file that mixes UTF-8 with another encoding, a byte that no
recognised encoding accepts, a NUL byte, or 8-bit text that reads as Windows-1252 only with
characters no Norwegian export holds (a sign of cp850, MacRoman, ...) is refused with a
:class:`ReadError` naming the row and the encodings tried. The delimiter (``,``, ``;``, tab or
``|``) is sniffed from the header line; then :func:`iter_table_text` yields the file
``chunk_rows`` rows at a time. ``.xlsx`` files (small by nature) come as one chunk.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import itertools
import re
from pathlib import Path
from typing import Iterator

import pandas as pd

from .schemas import TABLES

#: Rows per chunk when a ``.csv`` file is read in pieces.
CHUNK_ROWS = 250_000
#: Bytes per block when a file is streamed (encoding check, SHA-256).
BLOCK_BYTES = 1 << 22
SUFFIXES = (".csv", ".xlsx")
#: Delimiters sniffed from the header line, in order of preference when counts tie.
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma (,)", ";": "semicolon (;)", "\t": "tab", "|": "vertical bar (|)"}
#: Names of the encodings, as messages show them.
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-16-le": "UTF-16 LE", "utf-16-be": "UTF-16 BE",
                  "cp1252": "Windows-1252"}
TRIED = "UTF-8 (with or without BOM), UTF-16, Windows-1252"
#: Characters above ASCII that a Windows-1252 export of Norwegian HR or board data can hold: the
#: Latin-1 letters, Š/š/Ž/ž, no-break space, dashes, quotes, €, §, °, ´, … and •. Any other (†, ¾, ¿,
#: ®, Œ, ...) means the bytes were written in another 8-bit code page (cp850 å = 0x86 = †, MacRoman
#: ø = 0xBF = ¿), so the file is refused rather than guessed.
CP1252_PLAUSIBLE = frozenset(
    [chr(c) for c in range(0xC0, 0x100) if chr(c) not in "×÷"] + list("ŠšŽž\u00a0–—‘’“”«»€§°´…•"))

MSG_MIXED = ("not UTF-8 (byte 0x{byte:02X}), though row {utf8_row} is UTF-8: the file mixes encodings "
             "(tried " + TRIED + "); save it again as UTF-8")
MSG_INVALID = ("byte 0x{byte:02X} is valid in none of the encodings tried (" + TRIED +
               "); another 8-bit code page (cp850, MacRoman, ...)? Save the file as UTF-8")
MSG_CODEPAGE = ("not UTF-8, and as Windows-1252 it would read {char!r} (byte 0x{byte:02X}), which suggests "
                "another 8-bit code page (cp850, MacRoman, ...) that cannot be told apart safely; tried " + TRIED +
                "; save the file as UTF-8")
MSG_UTF16 = "not valid {encoding} (the encoding the file starts in); save the file as UTF-8"
MSG_NUL = "contains a NUL byte (0x00); a text export never does (binary file, or UTF-32?)"

_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
                       rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
                       rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")


class ReadError(Exception):
    """A file that cannot be read as the contract allows. ``row``: the spreadsheet row (header = 1), or None."""

    def __init__(self, rule: str, row: int | None = None) -> None:
        self.rule, self.row = rule, row
        super().__init__(rule)


def find_table_files(directory: Path, table: str) -> list[Path]:
    """Every file in ``directory`` that could hold ``table`` (``units.csv``, ``units.xlsx``, ``units.CSV`` ...).

    More than one is a fault (the contract wants one file per table); a file system that ignores
    case lists the same file once.
    """
    found: list[Path] = []
    for suffix in SUFFIXES:
        for candidate in (directory / f"{table}{suffix}", directory / f"{table}{suffix.upper()}"):
            if candidate.is_file() and not any(candidate.samefile(f) for f in found):
                found.append(candidate)
    return found


def find_table_file(directory: Path, table: str) -> Path | None:
    """The first file that holds ``table`` in ``directory`` (see :func:`find_table_files`)."""
    found = find_table_files(directory, table)
    return found[0] if found else None


def is_empty_file(path: Path) -> bool:
    """True for a 0-byte file, or a ``.csv`` holding nothing but a BOM and white space."""
    size = path.stat().st_size
    if size == 0:
        return True
    if path.suffix.lower() != ".csv" or size > 64:
        return False
    data = path.read_bytes()
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        data = data.removeprefix(bom)
    return data.replace(b"\x00", b"").strip() == b""


def _blocks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        yield from iter(lambda: fh.read(BLOCK_BYTES), b"")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    for block in _blocks(path):
        h.update(block)
    return h.hexdigest()


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` when ``head`` looks like ASCII text with every other byte zero."""
    n = len(head) - len(head) % 2
    if n < 4:
        return None
    even, odd = head[0:n:2], head[1:n:2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _check_utf16(path: Path, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 0
    for block in itertools.chain(_blocks(path), [b""]):  # b"": the end, where a cut-off character shows
        try:
            text = decoder.decode(block, final=block == b"")
        except UnicodeDecodeError:
            raise ReadError(MSG_UTF16.format(encoding=ENCODING_NAMES[encoding]), lines + 1) from None
        if "\x00" in text:
            raise ReadError(MSG_NUL, lines + text[:text.index("\x00")].count("\n") + 1)
        lines += text.count("\n")
    return encoding


def detect_encoding(path: Path) -> str:
    """The one encoding of a ``.csv`` file, checked on every byte: ``utf-8-sig`` (UTF-8, a BOM is
    dropped), ``utf-16``/``utf-16-le``/``utf-16-be`` or ``cp1252``.

    The file is streamed through an incremental decoder, so a character split between two blocks is
    still decoded. Raises :class:`ReadError` (with the row) for a NUL byte, a file that mixes UTF-8
    with other bytes, a byte valid in no recognised encoding, or 8-bit text that is not plausibly
    Windows-1252 (see :data:`CP1252_PLAUSIBLE`).
    """
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _check_utf16(path, "utf-16")
    bomless = _utf16_without_bom(head)
    if bomless:
        return _check_utf16(path, bomless)
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    bad: tuple[int, int] | None = None  # (row, byte) of the first byte that is not UTF-8
    utf8_row: int | None = None  # the first row with a multi-byte UTF-8 character
    carry = b""  # the last bytes of the previous block, so a sequence split between blocks is seen
    for block in _blocks(path):
        if b"\x00" in block:
            raise ReadError(MSG_NUL, lines + block[:block.index(b"\x00")].count(b"\n") + 1)
        if utf8_row is None:
            m = _UTF8_SEQ.search(carry + block)
            if m:
                utf8_row = lines + (carry + block)[:m.start()].count(b"\n") - carry.count(b"\n") + 1
        if bad is None:
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                pos = max(exc.start - pending, 0)
                bad = (lines + block[:pos].count(b"\n") + 1, block[pos] if pos < len(block) else exc.object[exc.start])
        lines += block.count(b"\n")
        carry = block[-3:]
    if bad is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            bad = (lines + 1, exc.object[exc.start])
    if bad is None:
        return "utf-8-sig"
    if utf8_row is not None:
        raise ReadError(MSG_MIXED.format(byte=bad[1], utf8_row=utf8_row), bad[0])
    _check_cp1252(path)
    return "cp1252"


_HIGH = re.compile(r"[^\x00-\x7f]")
_QUOTE_AFTER_LETTER = re.compile(r"[^\W\d_][‘“]")


def _check_cp1252(path: Path) -> None:
    """Every byte decodes in Windows-1252 to a character of :data:`CP1252_PLAUSIBLE` (an opening quote
    right after a letter is cp850's æ); else :class:`ReadError` naming the first row that does not."""
    lines, prev = 0, ""
    for block in _blocks(path):
        text = block.decode("cp1252", errors="replace")  # one character per byte; U+FFFD for the 5 undefined
        odd = set(_HIGH.findall(text)) - CP1252_PLAUSIBLE
        m = _QUOTE_AFTER_LETTER.search(prev + text)
        if odd or m:
            pos = min([text.index(c) for c in odd] + ([m.start() + 1 - len(prev)] if m else []))
            row = lines + text[:pos].count("\n") + 1
            if text[pos] == "\ufffd":
                raise ReadError(MSG_INVALID.format(byte=block[pos]), row)
            raise ReadError(MSG_CODEPAGE.format(char=text[pos], byte=block[pos]), row)
        lines += text.count("\n")
        prev = text[-1:]


def detect_delimiter(header_line: str) -> str:
    """The delimiter of ``DELIMITERS`` that occurs most often in the header line outside quotes (``,`` if none)."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = [outside.count(d) for d in DELIMITERS]
    return DELIMITERS[counts.index(max(counts))] if max(counts) else ","


def header_line(path: Path, encoding: str) -> str:
    """The first line of a ``.csv`` file, decoded."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    text = head.decode(encoding, errors="replace")
    return text.split("\n", 1)[0].rstrip("\r")


def csv_format(path: Path) -> tuple[str, str]:
    """(encoding, delimiter) of a ``.csv`` file (:func:`detect_encoding`, :func:`detect_delimiter`),
    found once per version of the file (a second read of it does not stream it again)."""
    st = path.stat()
    return _csv_format(str(path.resolve()), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=64)
def _csv_format(path: str, mtime_ns: int, size: int) -> tuple[str, str]:
    encoding = detect_encoding(Path(path))
    return encoding, detect_delimiter(header_line(Path(path), encoding))


def describe_format(path: Path) -> str:
    """``encoding UTF-8, delimiter semicolon (;)`` (or ``first sheet of an .xlsx file``), for messages."""
    if path.suffix.lower() == ".xlsx":
        return "the first sheet of an .xlsx file"
    encoding, sep = csv_format(path)
    return f"encoding {ENCODING_NAMES[encoding]}, delimiter {DELIMITER_NAMES[sep]}"


def _csv_chunks(path: Path, chunk_rows: int | None) -> Iterator[pd.DataFrame]:
    encoding, sep = csv_format(path)
    options = dict(sep=sep, encoding=encoding, encoding_errors="strict", dtype=str, keep_default_na=False,
                   na_filter=False, quoting=csv.QUOTE_MINIMAL, engine="c", skip_blank_lines=True)
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
    if hasattr(v, "isoformat") and hasattr(v, "year") and not isinstance(v, str):
        return f"{v.year:04d}-{v.month:02d}-{v.day:02d}"  # datetime or date, any year (no nanosecond Timestamp)
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
    extra columns are kept. Text cells are stripped of surrounding spaces. Raises
    :class:`ReadError` for a file whose encoding is not one the contract accepts.
    """
    chunks = [read_xlsx_text(path)] if path.suffix.lower() == ".xlsx" else _csv_chunks(path, chunk_rows)
    for chunk in chunks:
        yield _normalise(chunk)


def read_table_text(path: Path) -> pd.DataFrame:
    """The whole of one contract file as strings (see :func:`iter_table_text`)."""
    return next(iter_table_text(path, chunk_rows=None))


__all__ = ["TABLES", "CHUNK_ROWS", "DELIMITERS", "ReadError", "find_table_file", "find_table_files", "is_empty_file",
           "iter_table_text", "read_table_text", "sha256_file", "detect_encoding", "detect_delimiter", "csv_format",
           "describe_format"]
