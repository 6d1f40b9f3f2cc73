"""Validate a data folder against the contract.

Two kinds of bad input (data contract, "Bad input"):

* **Structural faults** (missing required file, missing column, wrong type, unknown code,
  duplicate key, unknown reference, unparseable date, out-of-range number) are collected
  for every file and raised together as one :class:`ContractError`; nothing is written.
* **Logical inconsistencies** in well-formed rows go to quarantine with a reason; they are
  left out of the analyses. For every table ``rows_read = rows_used + rows_quarantined``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .readers import find_table_file, read_table_text, sha256_file
from .schemas import TABLE_ORDER, TABLES, Column, Table

#: At most this many rows are listed per (file, column, rule); the rest are counted.
MAX_LISTED_PER_RULE = 50

TRUE_WORDS = frozenset({"true", "1", "yes", "ja", "sant"})
FALSE_WORDS = frozenset({"false", "0", "no", "nei", "usant"})
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]00:00(?::00)?)?$")
_NOR = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$")

# Rule texts (one place, matched by the tests).
RULE_MISSING_FILE = "required table missing: no {table}.csv or {table}.xlsx"
RULE_MISSING_COLUMN = "required column missing"
RULE_EMPTY = "value required (cell is empty)"
RULE_INT = "must be a whole number"
RULE_FLOAT = "must be a number"
RULE_DATE = "must be a date (YYYY-MM-DD or DD.MM.YYYY)"
RULE_BOOL = "must be true/false, 1/0, yes/no or ja/nei"
RULE_CODE = "unknown code; allowed: {codes}"
RULE_MIN = "must be >= {minimum:g}"
RULE_MAX = "must be <= {maximum:g}"
RULE_DUPLICATE = "duplicate key ({key}); each must be unique"
RULE_REFERENCE = "refers to a {ref_table}.{ref_col} that does not exist"
RULE_EMPTY_FILE = "file has a header but no rows"

REASON_HIRED = "hired but not recommended"
REASON_RECOMMENDED = "recommended but not interviewed"
REASON_INTERVIEWED = "interviewed but not qualified"
REASON_DATE_ORDER = "{end} before {start}"
REASON_PARENT = "belongs to a {parent} row that is quarantined"
REASON_DUPLICATE_ANSWER = "duplicate survey answer (pair, respondent, wave, item); first one kept"


@dataclass(frozen=True)
class Fault:
    """One structural fault. ``row`` is the spreadsheet row (header = 1); None for file-level faults."""

    file: str
    row: int | None
    column: str | None
    rule: str
    value: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        text = ", ".join(where) + f": {self.rule}"
        if self.value is not None:
            text += f" (value: {self.value!r})"
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


@dataclass
class ValidatedData:
    """The typed tables, the quarantine and per-file bookkeeping."""

    directory: Path
    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    files: pd.DataFrame  # table, file, sha256, encoding-free rows_read, rows_used, rows_quarantined
    missing_optional: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ parsing
def parse_bool(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    low = s.str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[low.isin(TRUE_WORDS)] = True
    out[low.isin(FALSE_WORDS)] = False
    bad = (s != "") & out.isna()
    return out, bad.to_numpy()


def parse_date(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    iso = s.str.match(_ISO)
    nor = s.str.match(_NOR)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if iso.any():
        out[iso] = pd.to_datetime(s[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    if nor.any():
        out[nor] = pd.to_datetime(s[nor], format="%d.%m.%Y", errors="coerce")
    bad = (s != "") & out.isna()
    return out, bad.to_numpy()


def parse_number(s: pd.Series, integer: bool) -> tuple[pd.Series, np.ndarray]:
    num = pd.to_numeric(s.str.replace(",", ".", regex=False).where(s != ""), errors="coerce")
    bad = (s != "") & num.isna()
    if integer:
        frac = num.notna() & (num != np.floor(num.fillna(0)))
        bad = bad | frac
        num = num.where(~frac)
        return num.astype("Int64"), bad.to_numpy()
    return num.astype("Float64"), bad.to_numpy()


def parse_column(s: pd.Series, col: Column) -> tuple[pd.Series, list[tuple[np.ndarray, str]]]:
    """Typed column and a list of (bad-row mask, rule) pairs."""
    problems: list[tuple[np.ndarray, str]] = []
    empty = (s == "").to_numpy()
    if col.type == "bool":
        out, bad = parse_bool(s)
        problems.append((bad, RULE_BOOL))
    elif col.type == "date":
        out, bad = parse_date(s)
        problems.append((bad, RULE_DATE))
    elif col.type in ("int", "float"):
        out, bad = parse_number(s, integer=col.type == "int")
        problems.append((bad, RULE_INT if col.type == "int" else RULE_FLOAT))
        vals = out.astype("Float64")
        if col.minimum is not None:
            problems.append(((vals < col.minimum).fillna(False).to_numpy(), RULE_MIN.format(minimum=col.minimum)))
        if col.maximum is not None:
            problems.append(((vals > col.maximum).fillna(False).to_numpy(), RULE_MAX.format(maximum=col.maximum)))
    elif col.type == "code":
        assert col.codes is not None
        out = s.where(s != "", None).astype(object)
        bad = (~empty) & ~s.isin(col.codes).to_numpy()
        problems.append((bad, RULE_CODE.format(codes=", ".join(col.codes))))
        out = out.astype("string")
    else:
        out = s.where(s != "", None).astype("string")
    if col.default is not None:
        out = out.fillna(col.default)
    elif not col.nullable:
        problems.append((empty, RULE_EMPTY))
    return out, problems


# --------------------------------------------------------------- validation
class _Collector:
    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.omitted: dict[tuple[str, str | None, str], int] = {}

    def add_mask(self, file: str, column: str, rule: str, mask: np.ndarray, raw: pd.Series) -> None:
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        for i in idx[:MAX_LISTED_PER_RULE]:
            self.faults.append(Fault(file, int(i) + 2, column, rule, str(raw.iloc[i])))
        if idx.size > MAX_LISTED_PER_RULE:
            self.omitted[(file, column, rule)] = int(idx.size - MAX_LISTED_PER_RULE)

    def add(self, fault: Fault) -> None:
        self.faults.append(fault)


def _parse_table(table: Table, raw: pd.DataFrame, file: str, faults: _Collector) -> pd.DataFrame:
    typed = pd.DataFrame(index=raw.index)
    for col in table.columns:
        if col.name not in raw.columns:
            if col.required:
                faults.add(Fault(file, 1, col.name, RULE_MISSING_COLUMN))
                continue
            s = pd.Series([""] * len(raw), index=raw.index, dtype=object)
        else:
            s = raw[col.name]
        values, problems = parse_column(s, col)
        for mask, rule in problems:
            faults.add_mask(file, col.name, rule, mask, s)
        typed[col.name] = values
    for extra in raw.columns:
        if extra not in typed.columns and extra not in table.column_names:
            typed[extra] = raw[extra].astype("string")
    if table.key and all(k in raw.columns for k in table.key):
        dup = raw.duplicated(list(table.key), keep="first").to_numpy()
        if dup.any():
            key_values = raw[table.key[0]].astype(str)
            for k in table.key[1:]:
                key_values = key_values + "|" + raw[k].astype(str)
            faults.add_mask(file, ",".join(table.key), RULE_DUPLICATE.format(key=", ".join(table.key)), dup,
                            key_values)
    return typed


def _check_references(table: Table, typed: pd.DataFrame, raw: pd.DataFrame, file: str,
                      tables: dict[str, pd.DataFrame], faults: _Collector) -> None:
    for fk in table.foreign_keys:
        if fk.table not in tables or not all(c in raw.columns for c in fk.columns):
            continue
        ref = tables[fk.table]
        if len(fk.columns) == 1:
            known = set(ref[fk.ref_columns[0]].dropna().astype(str))
            vals = raw[fk.columns[0]]
            bad = (~vals.isin(known) & (vals != "")).to_numpy()
            faults.add_mask(file, fk.columns[0], RULE_REFERENCE.format(ref_table=fk.table, ref_col=fk.ref_columns[0]),
                            bad, vals)


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
    if name == "mentoring_survey":
        dup = df.duplicated(["pair_id", "respondent", "wave", "item"], keep="first").to_numpy()
        rules.append((dup, REASON_DUPLICATE_ANSWER))
    return rules


def validate_folder(directory: str | Path) -> ValidatedData:
    """Read and validate every contract table in ``directory``.

    Raises :class:`ContractError` listing every structural fault; otherwise returns the typed
    tables (quarantined rows removed), the quarantine and per-file counts.
    """
    directory = Path(directory)
    faults = _Collector()
    if not directory.is_dir():
        faults.add(Fault(str(directory), None, None, "data folder does not exist"))
        raise ContractError(faults.faults)
    raws: dict[str, pd.DataFrame] = {}
    typed: dict[str, pd.DataFrame] = {}
    paths: dict[str, Path] = {}
    missing_optional: list[str] = []
    for name in TABLE_ORDER:
        table = TABLES[name]
        path = find_table_file(directory, name)
        if path is None:
            if table.required:
                faults.add(Fault(str(directory / f"{name}.csv"), None, None, RULE_MISSING_FILE.format(table=name)))
            else:
                missing_optional.append(name)
            continue
        paths[name] = path
        try:
            raw = read_table_text(path)
        except Exception as exc:  # unreadable file: report, keep going
            faults.add(Fault(str(path), None, None, f"cannot be read: {exc}"))
            continue
        if table.required and len(raw) == 0:
            faults.add(Fault(str(path), None, None, RULE_EMPTY_FILE))
        raws[name] = raw
        typed[name] = _parse_table(table, raw, str(path), faults)
    for name, df in typed.items():
        _check_references(TABLES[name], df, raws[name], str(paths[name]), typed, faults)
    if faults.faults:
        raise ContractError(faults.faults, faults.omitted)

    # quarantine (parents before children, so a child of a quarantined parent follows it)
    q_frames = []
    file_rows = []
    quarantined_keys: dict[str, set] = {}
    for name, df in typed.items():
        reasons = pd.Series("", index=df.index, dtype=object)
        for mask, reason in _quarantine_masks(name, df):
            reasons[mask] = np.where(reasons[mask] == "", reason, reasons[mask] + "; " + reason)
        for fk in TABLES[name].foreign_keys:
            parent_bad = quarantined_keys.get(fk.table)
            if parent_bad and len(fk.columns) == 1:
                mask = df[fk.columns[0]].isin(parent_bad).fillna(False).to_numpy(dtype=bool)
                reason = REASON_PARENT.format(parent=fk.table)
                reasons[mask] = np.where(reasons[mask] == "", reason, reasons[mask] + "; " + reason)
        bad = (reasons != "").to_numpy()
        if TABLES[name].key and len(TABLES[name].key) == 1 and bad.any():
            quarantined_keys[name] = set(df.loc[bad, TABLES[name].key[0]].astype(str))
        if bad.any():
            raw_bad = raws[name].loc[bad]
            q_frames.append(pd.DataFrame({
                "table": name,
                "file": paths[name].name,
                "row": np.flatnonzero(bad) + 2,
                "reason": reasons[bad].to_numpy(),
                "record": raw_bad.astype(str).apply(lambda r: "; ".join(f"{k}={v}" for k, v in r.items()), axis=1).to_numpy(),
            }))
        typed[name] = df.loc[~bad].reset_index(drop=True)
        file_rows.append({
            "table": name,
            "file": paths[name].name,
            "sha256": sha256_file(paths[name]),
            "rows_read": int(len(df)),
            "rows_used": int((~bad).sum()),
            "rows_quarantined": int(bad.sum()),
        })
    quarantine = (pd.concat(q_frames, ignore_index=True) if q_frames else
                  pd.DataFrame(columns=["table", "file", "row", "reason", "record"]))
    return ValidatedData(directory, typed, quarantine, pd.DataFrame(file_rows), missing_optional)
