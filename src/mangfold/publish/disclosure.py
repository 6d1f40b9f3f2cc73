"""Disclosure control for public tables.

Rules (the report explains them in one paragraph):

1. Person-key columns are dropped.
2. Primary suppression: every count from 1 to ``min_cell - 1`` is replaced by the mark
   ``"<min_cell"`` (text, so Excel shows it as text), and every figure derived from it
   (rates, shares, intervals, ratios, tests) is blanked.
3. Complementary suppression: where a suppressed cell could be recovered by subtraction from a
   total (an ``all`` row, or a total column of the same row), the smallest other part of that
   total is suppressed as well; repeated until no suppressed cell is recoverable.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..contract.schemas import PERSON_KEYS
from ..tablespec import TableSpec


def mark(min_cell: int) -> str:
    """The text shown in place of a suppressed count."""
    return f"<{min_cell}"


def _small(values: pd.Series, min_cell: int) -> np.ndarray:
    v = pd.to_numeric(values, errors="coerce")
    return ((v >= 1) & (v < min_cell)).fillna(False).to_numpy(dtype=bool, copy=True)  # writable (pandas 3 returns read-only views)


def _suppress_one_more(part_idx: np.ndarray, values: np.ndarray, supp: np.ndarray) -> bool:
    """If exactly one of ``part_idx`` is suppressed, suppress the smallest visible other one.
    Returns True if something changed."""
    s = supp[part_idx]
    if s.sum() != 1:
        return False
    visible = part_idx[~s]
    if visible.size == 0:
        return False
    vals = values[visible]
    order = np.argsort(np.where(np.isnan(vals), np.inf, vals), kind="stable")
    supp[visible[order[0]]] = True
    return True


def suppression_masks(df: pd.DataFrame, spec: TableSpec, min_cell: int) -> dict[str, np.ndarray]:
    """For each count column, a boolean mask of the cells to suppress (primary + complementary)."""
    masks = {c: _small(df[c], min_cell) for c in spec.counts if c in df.columns}
    values = {c: pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float) for c in masks}
    changed = True
    rounds = 0
    while changed and rounds < 50:
        changed = False
        rounds += 1
        # margins: total rows over one dimension
        for dim, total_label in spec.margins:
            if dim not in df.columns:
                continue
            others = [d for d in spec.dims if d != dim and d in df.columns]
            groups = df.groupby(others, dropna=False, sort=False).indices if others else {(): np.arange(len(df))}
            is_total = (df[dim].astype(str) == total_label).to_numpy()
            for idx in groups.values():
                idx = np.asarray(idx)
                tot = idx[is_total[idx]]
                parts = idx[~is_total[idx]]
                if tot.size != 1 or parts.size == 0:
                    continue
                for c, m in masks.items():
                    # a suppressed total with all parts visible is recoverable by addition
                    cells = np.concatenate([parts, tot])
                    if _suppress_one_more(cells, values[c], m):
                        changed = True
        # row identities: total column = sum of part columns
        for total_col, parts_cols in spec.row_sums:
            cols = [total_col, *parts_cols]
            if not all(c in masks for c in cols):
                continue
            stacked = np.vstack([masks[c] for c in cols])
            vals = np.vstack([values[c] for c in cols])
            for r in np.flatnonzero(stacked.sum(axis=0) == 1):
                col_idx = np.arange(len(cols))
                s = stacked[:, r].copy()
                if _suppress_one_more(col_idx, vals[:, r], s):
                    for k, c in enumerate(cols):
                        masks[c][r] = s[k]
                    changed = True
    return masks


def apply_disclosure_control(df: pd.DataFrame, spec: TableSpec, *, min_cell: int) -> pd.DataFrame:
    """The public copy of ``df``: keys dropped, small counts and what derives from them suppressed."""
    out = df.drop(columns=[c for c in df.columns if c in PERSON_KEYS or c in spec.keys]).copy()
    masks = suppression_masks(out, spec, min_cell)
    txt = mark(min_cell)
    for c, m in masks.items():
        for d in spec.derived.get(c, ()):
            if d in out.columns and m.any():
                out[d] = out[d].astype(object)
                out.loc[m, d] = None
        if m.any():
            out[c] = out[c].astype(object)
            out.loc[m, c] = txt
    return out


def suppressed_count(public: pd.DataFrame, min_cell: int) -> int:
    txt = mark(min_cell)
    return int((public.astype(str) == txt).sum().sum())
