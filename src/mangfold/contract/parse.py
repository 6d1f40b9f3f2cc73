"""Typed parsing of text cells, one column at a time, with the rows that break a rule.

Used by :mod:`mangfold.contract.validate`; the rule texts here are the cell-level ones of
its :class:`~mangfold.contract.validate.Fault` messages.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re

import numpy as np
import pandas as pd

from .schemas import OPEN_ENDED_DATES, Column

TRUE_WORDS = frozenset({"true", "1", "yes", "ja", "sant"})
FALSE_WORDS = frozenset({"false", "0", "no", "nei", "usant"})
#: a time of day after a date, as HR systems and spreadsheets export date-time cells (the date is kept, as
#: it is from an ``.xlsx`` date-time cell); no time zone
_TIME = r"(?:[ T](?:[01]?\d|2[0-3])[:.][0-5]\d(?:[:.][0-5]\d(?:\.\d{1,6})?)?)?"
_ISO = re.compile(rf"^(\d{{4}})-(\d{{2}})-(\d{{2}}){_TIME}$")
_NOR = re.compile(rf"^(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}}){_TIME}$")
_OPEN_ENDED = frozenset(dt.date.fromisoformat(d) for d in OPEN_ENDED_DATES)
#: The unit dates are held in: seconds cover every date of the contract (years 1-9999), where
#: nanosecond timestamps end in 2262.
DATE_DTYPE = "datetime64[s]"

# Rule texts of cell faults (one place, matched by the tests).
RULE_EMPTY = "value required (cell is empty)"
RULE_INT = "must be a whole number"
RULE_FLOAT = "must be a number"
RULE_DATE = "must be a date (YYYY-MM-DD or DD.MM.YYYY)"
RULE_OPEN_ENDED = "open-ended date (31.12.9999) where a date is required"
RULE_BOOL = "must be true/false, 1/0, yes/no or ja/nei"
RULE_CODE = "unknown code; allowed: {codes}"
HINT_CODE = "did you mean {suggestion}?"
RULE_MIN = "must be >= {minimum:g}"
RULE_MAX = "must be <= {maximum:g}"


def parse_bool(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    low = s.str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[low.isin(TRUE_WORDS)] = True
    out[low.isin(FALSE_WORDS)] = False
    bad = (s != "") & out.isna()
    return out, bad.to_numpy()


def _date(text: str) -> dt.date | None:
    m = _ISO.match(text)
    if m:
        y, mo, d = m.groups()
    else:
        m = _NOR.match(text)
        if not m:
            return None
        d, mo, y = m.groups()
    try:
        return dt.date(int(y), int(mo), int(d))
    except ValueError:  # 31.02., month 13, year 0
        return None


def parse_date(s: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Dates (``datetime64[s]``, any year 1-9999), the mask of cells that are no date, and the mask of
    open-ended sentinels (:data:`mangfold.contract.schemas.OPEN_ENDED_DATES`, left missing)."""
    dates = [_date(text) for text in s]
    sentinel = np.array([d in _OPEN_ENDED for d in dates], dtype=bool)
    values = np.array([np.datetime64(d, "s") if d is not None and not o else np.datetime64("NaT", "s")
                       for d, o in zip(dates, sentinel)], dtype=DATE_DTYPE)
    bad = np.array([d is None for d in dates], dtype=bool) & (s != "").to_numpy()
    return pd.Series(values, index=s.index, dtype=DATE_DTYPE), bad, sentinel


@functools.lru_cache(maxsize=None)
def code_lookup(col: Column) -> dict[str, str]:
    """Casefolded code or alias -> code, for a ``code`` column."""
    assert col.codes is not None
    out = {alias.casefold(): code for alias, code in col.aliases}
    out.update({code.casefold(): code for code in col.codes})
    return out


def code_hint(col: Column, value: str) -> str | None:
    """``did you mean 'female'?`` when ``value`` is close (:func:`difflib.get_close_matches`) to one
    code or alias of ``col`` (an alias is named with its code), else None."""
    lookup = code_lookup(col)
    best: dict[str, str] = {}  # code -> the closest of its spellings
    for c in difflib.get_close_matches(value.casefold(), list(lookup), n=4, cutoff=0.6):
        best.setdefault(lookup[c], c)
    if not best:
        return None
    names = [repr(code) if code.casefold() == c else f"{c!r} (= {code})" for code, c in list(best.items())[:2]]
    return HINT_CODE.format(suggestion=" or ".join(names))


#: a number written with spaces between groups of three digits, as a spreadsheet in Norwegian formats it
#: ("12 345", with a space, a no-break space or a narrow no-break space)
_GROUPED = re.compile(r"^-?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?$")
_GROUP_SPACES = re.compile(r"[ \u00a0\u202f]")


def parse_number(s: pd.Series, integer: bool) -> tuple[pd.Series, np.ndarray]:
    grouped = s.str.match(_GROUPED)
    if grouped.any():
        s = s.where(~grouped, s.str.replace(_GROUP_SPACES, "", regex=True))
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
        out, bad, sentinel = parse_date(s)
        problems.append((bad, RULE_DATE))
        if not col.nullable:
            problems.append((sentinel, RULE_OPEN_ENDED))
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
        out = s.str.casefold().map(code_lookup(col)).astype("string")
        bad = (~empty) & out.isna().to_numpy()
        problems.append((bad, RULE_CODE.format(codes=", ".join(col.codes))))
    else:
        out = s.where(s != "", None).astype("string")
    if col.default is not None:
        out = out.fillna(col.default)
    elif not col.nullable:
        problems.append((empty, RULE_EMPTY))
    return out, problems
