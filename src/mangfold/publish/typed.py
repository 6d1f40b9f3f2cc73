"""Typed public tables: the public copy of a table keeps its values as numbers, booleans and text,
with each hidden cell a :class:`mangfold.text.Hidden` (a NaN that carries its mark, ``<5`` or ``:``)
and each blanked cell missing. Formatting happens only where a table leaves the program:
:func:`as_published` gives the text a public CSV holds (the mark in place of a hidden count), and the
report shows each cell through :mod:`mangfold.text`. Nothing reads ``"<5"`` or ``"true"`` back.

The notebooks of one report pass public tables to each other (the summary reads the others') through
a typed copy, ``restricted/typed/<name>.json`` (:func:`write_typed`, :func:`read_typed`): the same
cells as the public CSV, with their types, floats written exactly (``repr``; infinities as
``{"float": "inf"}``), hidden cells as ``{"hidden": mark}``. It stays with the restricted output only because it is not part of the
published layout; it holds nothing the public CSV does not.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..text import Hidden

TYPED_DIR = "typed"
_FORMAT = "mangfold-typed-table/1"


def is_hidden(x: Any) -> bool:
    return isinstance(x, Hidden)


def as_published(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` as its public CSV holds it: every :class:`Hidden` cell replaced by its mark (text), the
    other cells unchanged."""
    out = df.copy()
    for c in out.columns:
        col = out[c]
        if col.dtype == object:
            hid = col.map(is_hidden).to_numpy(dtype=bool)
            if hid.any():
                vals = col.to_numpy(dtype=object).copy()
                vals[hid] = [v.mark for v in vals[hid]]
                out[c] = pd.Series(vals, index=out.index, dtype=object)
    return out


def _cell(v: Any) -> Any:
    if isinstance(v, Hidden):
        return {"hidden": v.mark}
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return None
        return float(v) if math.isfinite(v) else {"float": "inf" if v > 0 else "-inf"}
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    return str(v)


def write_typed(df: pd.DataFrame, path: Path) -> None:
    """Write a typed public table (see the module docstring)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"format": _FORMAT, "columns": [str(c) for c in df.columns],
           "dtypes": [str(df[c].dtype) for c in df.columns],
           "data": [[_cell(v) for v in df[c].tolist()] for c in df.columns]}
    path.write_text(json.dumps(doc, ensure_ascii=False, allow_nan=False), encoding="utf-8")


def _column(values: list, dtype: str) -> pd.Series:
    vals = [(Hidden(v["hidden"]) if "hidden" in v else float(v["float"])) if isinstance(v, dict) else v
            for v in values]
    if dtype != "object" and not any(isinstance(v, Hidden) for v in vals):
        try:
            return pd.Series(vals, dtype=pd.api.types.pandas_dtype(dtype) if vals or dtype else None)
        except (TypeError, ValueError):
            pass
    return pd.Series(vals, dtype=object)


def read_typed(path: Path) -> pd.DataFrame:
    """A table written by :func:`write_typed`, with the same columns, dtypes and cells."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if doc.get("format") != _FORMAT:
        raise ValueError(f"{path}: not a typed public table")
    return pd.DataFrame({c: _column(v, d) for c, d, v in zip(doc["columns"], doc["dtypes"], doc["data"])},
                        columns=doc["columns"])
