"""Validate a data folder against the contract.

Two kinds of bad input (data contract, "Bad input"):

* **Structural faults** (missing required file, missing column, wrong type, unknown code,
  duplicate key, unknown reference, unparseable date, out-of-range number) are collected
  for every file and raised together as one :class:`ContractError`; nothing is written.
* **Logical inconsistencies** in well-formed rows go to quarantine with a reason; they are
  left out of the analyses. For every table ``rows_read = rows_used + rows_quarantined``.

Files are read in chunks of rows (:func:`mangfold.contract.readers.iter_table_text`), so a
national export never sits in memory whole: each chunk is parsed, checked and, while the
folder is still free of faults, split into quarantine and typed rows that go to a *sink*
(a list of frames here, the store being written in :func:`mangfold.store.ingest`). The
checks that span rows work across chunks: duplicate keys through a hash of every row's key
(rows whose hash repeats are compared as text in a second read), references against the
keys of the referenced table (always validated earlier, see ``TABLE_ORDER``), quarantined
parents through their quarantined keys. Faults and quarantine come out exactly as if
each file were read whole.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path
from typing import Callable, Iterator, Protocol

import numpy as np
import pandas as pd

# The cell rules live with the parser; re-exported (``__all__``) so that ``validate.RULE_*`` names every rule.
from .parse import (RULE_BOOL, RULE_CODE, RULE_DATE, RULE_EMPTY, RULE_FLOAT, RULE_INT, RULE_MAX, RULE_MIN,
                    RULE_OPEN_ENDED, code_hint, parse_column)
from .readers import (CHUNK_ROWS, ReadError, describe_format, find_table_files, is_empty_file, iter_table_text,
                      sha256_file)
from .schemas import MAX_CELL_CHARS, TABLE_ORDER, TABLES, Table

#: At most this many rows are listed per (file, column, rule); the rest are counted.
MAX_LISTED_PER_RULE = 50
#: Tables read in one piece: a quarantine rule compares their rows across the whole table.
WHOLE_TABLES = frozenset({"mentoring_survey"})
#: (table, column) pairs that foreign keys point at: their values are kept for the check.
REFERENCED = frozenset((fk.table, fk.ref_columns[0]) for t in TABLES.values() for fk in t.foreign_keys)

# Rule texts (one place, matched by the tests).
RULE_MISSING_FILE = "required table missing: no {table}.csv or {table}.xlsx"
RULE_MISSING_COLUMN = "required column missing"
RULE_DUPLICATE = "duplicate key ({key}); each must be unique"
RULE_REFERENCE = "refers to a {ref_table}.{ref_col} that does not exist"
RULE_EMPTY_FILE = "file has a header but no rows"
RULE_ZERO_BYTES = "file is empty (0 bytes)"
RULE_TWO_FILES = "two files for table {table} ({files}); keep one"
RULE_HEADER = "header read with {format} gives the columns {columns}"
RULE_TOO_LONG = "cell longer than {limit} characters"
HINT_TOO_LONG = "it has {n} characters"
RULE_NEAR_DUPLICATE = ("key differs from an earlier row's only in upper/lower case ({key}); keys are compared "
                       "exactly, so both would count")
HINT_NEAR_DUPLICATE = "row {row} has {other!r}"
HINT_REFERENCE_CASE = "{ref_table} has {other!r}; keys are compared exactly, case included"
HINT_REFERENCE_ZEROS = ("{ref_table} has {other!r}; keys are compared exactly, leading zeros included (a spreadsheet "
                        "column of numbers drops them: format the id column as text)")
NOTICE_EMPTY_OPTIONAL = "{file} is empty (0 bytes): table {table} treated as absent"
#: At most this many characters of a value are shown in a fault message.
MAX_SHOWN_CHARS = 60

REASON_HIRED = "hired but not recommended"
REASON_RECOMMENDED = "recommended but not interviewed"
REASON_INTERVIEWED = "interviewed but not qualified"
REASON_DATE_ORDER = "{end} before {start}"
REASON_PARENT = "belongs to a {parent} row that is quarantined"
REASON_DUPLICATE_ANSWER = "duplicate survey answer (pair, respondent, wave, item); first one kept"
#: a row whose every cell is empty (spreadsheets export formatted but empty rows as ``;;;;``): no fault,
#: no data; set aside so that rows read = rows used + rows quarantined still holds
REASON_BLANK = "empty row (every cell blank)"


@dataclass(frozen=True)
class Fault:
    """One structural fault. ``row`` is the spreadsheet row (header = 1); None for file-level faults."""

    file: str
    row: int | None
    column: str | None
    rule: str
    value: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        text = ", ".join(where) + f": {self.rule}"
        if self.value is not None:
            shown = self.value if len(self.value) <= MAX_SHOWN_CHARS else self.value[:MAX_SHOWN_CHARS] + "..."
            text += f" (value: {shown!r})"
        if self.hint is not None:
            text += f"; {self.hint}"
        return text


class ContractError(Exception):
    """All structural faults of a data folder. Exit status 2 in the CLI."""

    def __init__(self, faults: list[Fault], omitted: dict[tuple[str, str | None, str], int] | None = None):
        self.faults = faults
        self.omitted = omitted or {}
        super().__init__(self.render())

    def render(self) -> str:
        n_total = len(self.faults) + sum(self.omitted.values())
        lines = [f"The data folder breaks the input data contract ({n_total} fault(s)); nothing was written:"]
        by_file: dict[str, list[Fault]] = defaultdict(list)
        for f in self.faults:
            by_file[f.file].append(f)
        for file, faults in by_file.items():
            lines.append(f"{file}:")
            lines.extend(f"  - {f}" for f in faults)
            for (ofile, col, rule), n in self.omitted.items():
                if ofile == file:
                    lines.append(f"  - {file}, column {col}: {rule} ... and {n} more row(s)")
        return "\n".join(lines)


class TableSink(Protocol):
    """Receives the typed, quarantine-free rows of each table, chunk by chunk, in file order."""

    def append(self, table: str, frame: pd.DataFrame) -> None: ...


@dataclass
class ValidatedData:
    """The typed tables, the quarantine and per-file bookkeeping.

    ``tables`` is empty when :func:`validate_folder` streamed the rows into a ``sink``.
    """

    directory: Path
    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    files: pd.DataFrame  # table, file, sha256, encoding-free rows_read, rows_used, rows_quarantined
    missing_optional: list[str] = field(default_factory=list)
    #: things the user should know that are no fault (an empty optional file taken as absent)
    notices: list[str] = field(default_factory=list)


# --------------------------------------------------------------- validation
class _Collector:
    """Faults in the order a whole-file read finds them; at most MAX_LISTED_PER_RULE rows per rule.

    A (file, column, rule) takes its place at its first :meth:`add_rows` call, even one
    without rows, so rows found in later chunks are listed where they belong.
    """

    def __init__(self) -> None:
        self._listed: dict[object, list[Fault]] = {}
        self._counts: dict[tuple[str, str | None, str], int] = {}

    def __bool__(self) -> bool:
        return bool(self._listed) and any(self._listed.values())

    def add(self, fault: Fault) -> None:
        self._listed[object()] = [fault]

    def add_rows(self, file: str, column: str, rule: str, rows: np.ndarray, values: pd.Series,
                 hint: Callable[[str], str | None] | None = None) -> None:
        """``rows``: ascending 0-based data rows; ``values``: the raw text of (at least) the first listed ones;
        ``hint``: a function of a listed value that may add a hint (a close code)."""
        key = (file, column, rule)
        listed = self._listed.setdefault(key, [])
        room = max(MAX_LISTED_PER_RULE - len(listed), 0)
        listed.extend(Fault(file, int(r) + 2, column, rule, str(v), hint(str(v)) if hint else None)
                      for r, v in zip(rows[:room], values.iloc[:room]))
        self._counts[key] = self._counts.get(key, 0) + len(rows)

    def add_mask(self, file: str, column: str, rule: str, mask: np.ndarray, raw: pd.Series, offset: int,
                 hint: Callable[[str], str | None] | None = None) -> None:
        idx = np.flatnonzero(mask)
        self.add_rows(file, column, rule, idx + offset, raw.iloc[idx[:MAX_LISTED_PER_RULE]], hint)

    def extend(self, other: _Collector) -> None:
        self._listed.update(other._listed)
        self._counts.update(other._counts)

    @property
    def faults(self) -> list[Fault]:
        return [f for listed in self._listed.values() for f in listed]

    @property
    def omitted(self) -> dict[tuple[str, str | None, str], int]:
        return {k: n - MAX_LISTED_PER_RULE for k, n in self._counts.items() if n > MAX_LISTED_PER_RULE}


class _Unreadable(Exception):
    """A file (or a later chunk of it) could not be read: the rule and the row (or None)."""

    def __init__(self, rule: str, row: int | None = None) -> None:
        self.rule, self.row = rule, row
        super().__init__(rule)


def _chunks(path: Path, chunk_rows: int | None) -> Iterator[pd.DataFrame]:
    """:func:`iter_table_text`, with reading errors (not validation errors) as :class:`_Unreadable`."""
    chunks = iter_table_text(path, chunk_rows=chunk_rows)
    while True:
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        except ReadError as exc:  # encoding, NUL byte: the rule names the row
            raise _Unreadable(exc.rule, exc.row) from exc
        except Exception as exc:  # any reader error: reported as a fault, never a crash
            raise _Unreadable(f"cannot be read: {exc}") from exc
        yield chunk


def _blank_rows(raw: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty (the readers strip the cells)."""
    if raw.shape[1] == 0:
        return np.zeros(len(raw), dtype=bool)
    return raw.eq("").all(axis=1).to_numpy()


def _parse_chunk(table: Table, raw: pd.DataFrame, file: str, faults: _Collector, offset: int,
                 first: bool, blank: np.ndarray | None = None) -> pd.DataFrame:
    """The typed columns of one chunk; faults of its rows (none for ``blank`` rows, which are
    quarantined) go to ``faults``."""
    keep = np.ones(len(raw), dtype=bool) if blank is None else ~blank
    typed = pd.DataFrame(index=raw.index)
    for name in raw.columns:
        lengths = raw[name].str.len().to_numpy()
        if len(lengths) and lengths.max() > MAX_CELL_CHARS:
            faults.add_mask(file, name, RULE_TOO_LONG.format(limit=MAX_CELL_CHARS), lengths > MAX_CELL_CHARS,
                            raw[name], offset, lambda v: HINT_TOO_LONG.format(n=len(v)))
    missing = [c.name for c in table.columns if c.required and c.name not in raw.columns]
    if first and missing:
        shown = ", ".join(map(repr, raw.columns[:8])) + (", ..." if len(raw.columns) > 8 else "")
        rule = RULE_HEADER.format(format=describe_format(Path(file)), columns=shown or "none")
        faults.add(Fault(file, 1, None, rule))
    for col in table.columns:
        if col.name not in raw.columns:
            if col.required:
                if first:
                    faults.add(Fault(file, 1, col.name, RULE_MISSING_COLUMN))
                continue
            s = pd.Series([""] * len(raw), index=raw.index, dtype=object)
        else:
            s = raw[col.name]
        values, problems = parse_column(s, col)
        for mask, rule in problems:
            hint = (lambda v, c=col: code_hint(c, v)) if col.type == "code" and rule.startswith("unknown code") \
                else None
            faults.add_mask(file, col.name, rule, np.asarray(mask, dtype=bool) & keep, s, offset, hint)
        typed[col.name] = values
    for extra in raw.columns:
        if extra not in typed.columns and extra not in table.column_names:
            typed[extra] = raw[extra].astype("string")
    return typed


def _folded_key(raw: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """The key columns in the case-insensitive form keys are checked for repeats in (see :func:`_duplicate_keys`)."""
    return pd.DataFrame({k: raw[k].astype(str).str.casefold() for k in key}, index=raw.index)


def _duplicate_keys(table: Table, path: Path, hashes: np.ndarray,
                    chunk_rows: int | None) -> tuple[np.ndarray, pd.Series, np.ndarray, pd.Series, list[str]]:
    """Rows (0-based) whose key repeats an earlier row's, with their key text ``a|b``; and rows whose key
    equals an earlier row's but for upper/lower case (near-duplicates), with their key text and a hint
    naming the earlier row.

    ``hashes`` hash every row's case-folded key, so equal and near-equal keys have equal hashes:
    only rows whose hash repeats are read again and compared as text (a hash collision alone is no
    duplicate).
    """
    rows = np.flatnonzero(pd.Series(hashes).duplicated(keep=False).to_numpy())
    none = np.array([], dtype=int), pd.Series([], dtype=str)
    if rows.size == 0:
        return *none, *none, []
    key = list(table.key)
    parts, offset = [], 0
    for raw in iter_table_text(path, chunk_rows=chunk_rows):
        here = rows[(rows >= offset) & (rows < offset + len(raw))] - offset
        parts.append(raw[key].iloc[here])
        offset += len(raw)
    keys = pd.concat(parts, ignore_index=True)
    text = reduce(lambda a, b: a + "|" + b, (keys[k].astype(str) for k in key))
    dup = keys.duplicated(keep="first").to_numpy()
    folded = reduce(lambda a, b: a + "|" + b, (keys[k].astype(str).str.casefold() for k in key))
    first: dict[str, int] = {}
    near, hints = [], []
    for i, (f, t, d) in enumerate(zip(folded, text, dup)):
        j = first.setdefault(f, i)
        if j != i and not d and text.iloc[j] != t:
            near.append(i)
            hints.append(HINT_NEAR_DUPLICATE.format(row=int(rows[j]) + 2, other=text.iloc[j]))
    near_idx = np.array(near, dtype=int)
    return rows[dup], text[dup], rows[near_idx], text.iloc[near_idx], hints


def _quarantine_masks(name: str, df: pd.DataFrame) -> list[tuple[np.ndarray, str]]:
    """Logical-inconsistency rules per table: (mask, reason)."""
    rules: list[tuple[np.ndarray, str]] = []
    table = TABLES[name]
    if name == "applications":
        q, i, r, h = (df[c].fillna(False).to_numpy(dtype=bool) for c in ("qualified", "interviewed", "recommended", "hired"))
        rules += [(h & ~r, REASON_HIRED), (r & ~i, REASON_RECOMMENDED), (i & ~q, REASON_INTERVIEWED)]
    for start, end in table.date_order:
        bad = (df[end] < df[start]).fillna(False).to_numpy(dtype=bool)
        rules.append((bad, REASON_DATE_ORDER.format(start=start, end=end)))
    if name == "mentoring_survey":  # spans rows: the table is read whole (WHOLE_TABLES)
        dup = df.duplicated(["pair_id", "respondent", "wave", "item"], keep="first").to_numpy()
        rules.append((dup, REASON_DUPLICATE_ANSWER))
    return rules


def _records(raw: pd.DataFrame) -> np.ndarray:
    """``column=value; column=value`` for every row of ``raw`` (the quarantine's ``record``)."""
    text = raw.astype(str)
    return reduce(lambda a, b: a + "; " + b, (f"{c}=" + text.iloc[:, j] for j, c in enumerate(text.columns))).to_numpy()


class _FrameSink:
    """Collects the chunks of each table into one DataFrame (what :func:`validate_folder` returns)."""

    def __init__(self) -> None:
        self.parts: dict[str, list[pd.DataFrame]] = {}

    def append(self, table: str, frame: pd.DataFrame) -> None:
        self.parts.setdefault(table, []).append(frame)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: pd.concat(parts, ignore_index=True) for name, parts in self.parts.items()}


class _Validation:
    """State of one folder's validation, table by table in ``TABLE_ORDER``."""

    def __init__(self, sink: TableSink, chunk_rows: int) -> None:
        self.sink, self.chunk_rows = sink, chunk_rows
        self.faults, self.refs = _Collector(), _Collector()  # reference faults are listed last
        self.known: dict[tuple[str, str], pd.Index] = {}  # referenced values of validated tables
        self._folded: dict[tuple[str, str], dict[str, str]] = {}  # the same, case-folded -> as written
        self._zeros: dict[tuple[str, str], dict[str, str]] = {}  # the same, leading zeros dropped -> as written
        self.quarantined_keys: dict[str, set] = {}
        self.quarantine: list[pd.DataFrame] = []
        self.files: list[dict] = []

    @property
    def clean(self) -> bool:
        return not (self.faults or self.refs)

    def table(self, table: Table, path: Path) -> None:
        file, faults, refs = str(path), _Collector(), _Collector()
        chunk_rows = None if table.name in WHOLE_TABLES else self.chunk_rows
        hashes: list[np.ndarray] = []
        known: dict[tuple[str, str], list[np.ndarray]] = {}
        bad_keys: set = set()
        n_read = n_bad = 0
        has_key = False
        try:
            for i, raw in enumerate(_chunks(path, chunk_rows)):
                if i == 0 and table.required and len(raw) == 0:
                    faults.add(Fault(file, None, None, RULE_EMPTY_FILE))
                blank = _blank_rows(raw)
                typed = _parse_chunk(table, raw, file, faults, n_read, first=i == 0, blank=blank)
                self._check_references(table, raw, file, refs, n_read)
                has_key = bool(table.key) and all(k in raw.columns for k in table.key)
                if has_key:
                    h = pd.util.hash_pandas_object(_folded_key(raw, list(table.key)), index=False).to_numpy().copy()
                    # a blank row repeats no key: a hash of its own (one equal to a key's is compared as text)
                    h[blank] = np.arange(n_read, n_read + len(raw), dtype=h.dtype)[blank]
                    hashes.append(h)
                for ref in REFERENCED:
                    if ref[0] == table.name and ref[1] in typed.columns:
                        known.setdefault(ref, []).append(typed[ref[1]].dropna().astype(str).unique())
                if self.clean and not (faults or refs):
                    n_bad += self._quarantine(table, path, typed, raw, n_read, bad_keys, blank)
                n_read += len(raw)
        except _Unreadable as exc:
            self.faults.add(Fault(file, exc.row, None, exc.rule))
            return
        if has_key:
            rows, text, near, near_text, hints = _duplicate_keys(table, path, np.concatenate(hashes), chunk_rows)
            if rows.size:
                faults.add_rows(file, ",".join(table.key), RULE_DUPLICATE.format(key=", ".join(table.key)), rows, text)
            if near.size:
                hint_of = dict(zip(near_text, hints))
                faults.add_rows(file, ",".join(table.key), RULE_NEAR_DUPLICATE.format(key=", ".join(table.key)),
                                near, near_text, hint_of.get)
        self.faults.extend(faults)
        self.refs.extend(refs)
        self.known.update({ref: pd.Index(pd.unique(np.concatenate(parts))) for ref, parts in known.items()})
        if bad_keys:
            self.quarantined_keys[table.name] = bad_keys
        if self.clean:
            self.files.append({"table": table.name, "file": path.name, "sha256": sha256_file(path),
                               "rows_read": n_read, "rows_used": n_read - n_bad, "rows_quarantined": n_bad})

    def _check_references(self, table: Table, raw: pd.DataFrame, file: str, refs: _Collector, offset: int) -> None:
        for fk in table.foreign_keys:
            known = self.known.get((fk.table, fk.ref_columns[0]))
            if known is None or len(fk.columns) != 1 or fk.columns[0] not in raw.columns:
                continue
            vals = raw[fk.columns[0]]
            bad = (known.get_indexer(vals) < 0) & (vals != "").to_numpy()
            hint = None
            if bad.any():  # a key written in another case, or without its leading zeros: say so
                folded = self._folded.get((fk.table, fk.ref_columns[0]))
                if folded is None:
                    folded = self._folded[(fk.table, fk.ref_columns[0])] = dict(zip(known.str.casefold(), known))
                zeros = self._zeros.get((fk.table, fk.ref_columns[0]))
                if zeros is None:
                    zeros = self._zeros[(fk.table, fk.ref_columns[0])] = dict(zip(known.str.lstrip("0"), known))
                hint = (lambda value, f=folded, z=zeros, t=fk.table:
                        HINT_REFERENCE_CASE.format(ref_table=t, other=f[value.casefold()])
                        if value.casefold() in f else
                        HINT_REFERENCE_ZEROS.format(ref_table=t, other=z[value.lstrip("0")])
                        if value.lstrip("0") in z and value.lstrip("0") else None)
            refs.add_mask(file, fk.columns[0], RULE_REFERENCE.format(ref_table=fk.table, ref_col=fk.ref_columns[0]),
                          bad, vals, offset, hint)

    def _quarantine(self, table: Table, path: Path, typed: pd.DataFrame, raw: pd.DataFrame, offset: int,
                    bad_keys: set, blank: np.ndarray) -> int:
        """Send one clean chunk's rows to quarantine or to the sink; returns the number quarantined."""
        reasons = pd.Series("", index=typed.index, dtype=object)
        rules = _quarantine_masks(table.name, typed)
        for fk in table.foreign_keys:
            parent_bad = self.quarantined_keys.get(fk.table)
            if parent_bad and len(fk.columns) == 1:
                mask = typed[fk.columns[0]].isin(parent_bad).fillna(False).to_numpy(dtype=bool)
                rules.append((mask, REASON_PARENT.format(parent=fk.table)))
        for mask, reason in rules:
            reasons[mask] = np.where(reasons[mask] == "", reason, reasons[mask] + "; " + reason)
        reasons[blank] = REASON_BLANK
        bad = (reasons != "").to_numpy()
        if bad.any():
            if table.key and len(table.key) == 1:
                bad_keys.update(typed.loc[bad & ~blank, table.key[0]].astype(str))
            self.quarantine.append(pd.DataFrame({
                "table": table.name,
                "file": path.name,
                "row": np.flatnonzero(bad) + offset + 2,
                "reason": reasons[bad].to_numpy(),
                "record": _records(raw.loc[bad]),
            }))
        self.sink.append(table.name, typed.loc[~bad])
        return int(bad.sum())


def validate_folder(directory: str | Path, *, sink: TableSink | None = None,
                    chunk_rows: int | None = None) -> ValidatedData:
    """Read and validate every contract table in ``directory``.

    Raises :class:`ContractError` listing every structural fault; otherwise returns the typed
    tables (quarantined rows removed), the quarantine and per-file counts. With a ``sink``
    the typed rows go there chunk by chunk (in file order) and ``tables`` stays empty; the
    sink may have received rows before a :class:`ContractError` is raised. ``chunk_rows``:
    rows per chunk (default :data:`mangfold.contract.readers.CHUNK_ROWS`).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ContractError([Fault(str(directory), None, None, "data folder does not exist")])
    frames = _FrameSink()
    run = _Validation(sink or frames, chunk_rows or CHUNK_ROWS)
    missing_optional: list[str] = []
    notices: list[str] = []
    for name in TABLE_ORDER:
        table = TABLES[name]
        paths = find_table_files(directory, name)
        if len(paths) > 1:
            run.faults.add(Fault(str(paths[0]), None, None,
                                 RULE_TWO_FILES.format(table=name, files=", ".join(p.name for p in paths))))
        elif paths and is_empty_file(paths[0]) and not table.required:
            notices.append(NOTICE_EMPTY_OPTIONAL.format(file=paths[0], table=name))
            missing_optional.append(name)
        elif paths and is_empty_file(paths[0]):
            run.faults.add(Fault(str(paths[0]), None, None, RULE_ZERO_BYTES))
        elif paths:
            run.table(table, paths[0])
        elif table.required:
            run.faults.add(Fault(str(directory / f"{name}.csv"), None, None, RULE_MISSING_FILE.format(table=name)))
        else:
            missing_optional.append(name)
    if not run.clean:
        raise ContractError(run.faults.faults + run.refs.faults, {**run.faults.omitted, **run.refs.omitted})
    quarantine = (pd.concat(run.quarantine, ignore_index=True) if run.quarantine else
                  pd.DataFrame(columns=["table", "file", "row", "reason", "record"]))
    return ValidatedData(directory, frames.tables(), quarantine, pd.DataFrame(run.files), missing_optional, notices)


__all__ = [
    "MAX_LISTED_PER_RULE", "ContractError", "Fault", "TableSink", "ValidatedData", "validate_folder",
    "RULE_MISSING_FILE", "RULE_MISSING_COLUMN", "RULE_EMPTY", "RULE_INT", "RULE_FLOAT", "RULE_DATE", "RULE_BOOL",
    "RULE_CODE", "RULE_MIN", "RULE_MAX", "RULE_DUPLICATE", "RULE_REFERENCE", "RULE_EMPTY_FILE", "RULE_OPEN_ENDED",
    "RULE_ZERO_BYTES", "RULE_TWO_FILES", "RULE_HEADER", "RULE_TOO_LONG", "RULE_NEAR_DUPLICATE", "NOTICE_EMPTY_OPTIONAL",
    "REASON_HIRED", "REASON_RECOMMENDED", "REASON_INTERVIEWED", "REASON_DATE_ORDER", "REASON_PARENT",
    "REASON_DUPLICATE_ANSWER", "REASON_BLANK",
]
