"""Typed parsing of text cells, one column at a time, with the rows that break a rule.

Used by :mod:`mangfold.contract.validate`; the rule texts here are the cell-level ones of
its :class:`~mangfold.contract.validate.Fault` messages.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .schemas import Column

TRUE_WORDS = frozenset({"true", "1", "yes", "ja", "sant"})
FALSE_WORDS = frozenset({"false", "0", "no", "nei", "usant"})
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]00:00(?::00)?)?$")
_NOR = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$")

# Rule texts of cell faults (one place, matched by the tests).
RULE_EMPTY = "value required (cell is empty)"
RULE_INT = "must be a whole number"
RULE_FLOAT = "must be a number"
RULE_DATE = "must be a date (YYYY-MM-DD or DD.MM.YYYY)"
RULE_BOOL = "must be true/false, 1/0, yes/no or ja/nei"
RULE_CODE = "unknown code; allowed: {codes}"
RULE_MIN = "must be >= {minimum:g}"
RULE_MAX = "must be <= {maximum:g}"


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
    """Typed column and a list of (bad-row mask, rule) pairs.

    Every rule reads one cell at a time, so a column other than ``text`` (few distinct
    values) is parsed once per distinct value and spread back to its rows: the same result,
    without string work on every row.
    """
    if col.type == "text":
        return _parse_cells(s, col)
    codes, uniques = s.factorize(use_na_sentinel=False)
    out, problems = _parse_cells(pd.Series(uniques, dtype=s.dtype), col)
    return pd.Series(out.array.take(codes), index=s.index), [(mask[codes], rule) for mask, rule in problems]


def _parse_cells(s: pd.Series, col: Column) -> tuple[pd.Series, list[tuple[np.ndarray, str]]]:
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
