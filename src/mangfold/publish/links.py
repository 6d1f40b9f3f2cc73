"""Counts that two published tables share (:func:`link_tables`): the identities across tables.

Two tables share a count when, with the dimensions they have in common equal and the other
dimensions of each fixed, a count column of one equals a count column of the other in at least
two rows, non-zero in two and never different (:func:`mangfold.publish.identities._agree`).
Disclosure control plans the tables of a report together with these equations, and the audit
checks them (:mod:`mangfold.publish.audit`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .identities import MAX_SLOTS, SEP, Equation, Model, agree, dim_columns, equalities, Labels, row_groups

@dataclass(frozen=True)
class _Grid:
    """A table's rows by the values of the dimensions it shares with another table (columns, as
    numbered for both) and of its other dimensions (rows, ``labels``): ``row`` is the table's row
    there (-1: none; the last of several), ``first`` the first one (the order in which they appear)."""
    row: np.ndarray
    first: np.ndarray
    labels: list[str]


def _grid(labels: Labels, dims: list[str], shared: list[str], skey: np.ndarray, n_shared: int) -> _Grid:
    own = [d for d in dims if d not in shared]
    nkey = labels.groups(own)
    n_own = int(nkey.max()) + 1
    flat = nkey * n_shared + skey
    row, first = np.full(n_own * n_shared, -1), np.full(n_own * n_shared, -1)
    cell, at = np.unique(flat[::-1], return_index=True)
    row[cell] = len(flat) - 1 - at
    cell, at = np.unique(flat, return_index=True)
    first[cell] = at
    names = [", ".join(str(labels.text(d)[r]) for d in own) for r in np.unique(nkey, return_index=True)[1]]
    return _Grid(row.reshape(n_own, n_shared), first.reshape(n_own, n_shared), names)


def link_tables(tables: list[tuple[str, Mapping[str, Any], pd.DataFrame, Model]], *,
                with_last: bool = False) -> tuple[list[Equation], list[str]]:
    """Counts that two tables share: with the dimensions the tables have in common equal, and the
    other dimensions of each fixed, equal and non-zero in at least two rows (and never different).
    ``tables``: (name, spec, unsuppressed table, its :func:`build_model`). Returns equations over
    ``table::column`` cells and their descriptions. With ``with_last``, only the counts the last table
    shares with each of the others (in the same order as without it): a notebook's new table against
    the tables published before it."""
    eqs, described = [], []
    labels = [Labels(truth) for _, _, truth, _ in tables]
    pairs = itertools.combinations(zip(labels, tables), 2)
    if with_last and tables:
        last = (labels[-1], tables[-1])
        pairs = ((other, last) for other in zip(labels[:-1], tables[:-1]))
    for (la, (na, sa, ta, ma)), (lb, (nb, sb, tb, mb)) in pairs:
        if not ma.counts or not mb.counts or not len(ta) or not len(tb):
            continue
        dims_a, dims_b = dim_columns(ta, sa), dim_columns(tb, sb)
        shared = [d for d in dims_a if d in dims_b]
        if not shared:
            continue
        skey = row_groups([np.concatenate([la.text(d), lb.text(d)]) for d in shared], len(ta) + len(tb))
        n_shared = int(skey.max()) + 1
        ga = _grid(la, dims_a, shared, skey[:len(ta)], n_shared)
        gb = _grid(lb, dims_b, shared, skey[len(ta):], n_shared)
        if len(ma.counts) * len(ga.labels) > MAX_SLOTS or len(mb.counts) * len(gb.labels) > MAX_SLOTS:
            continue
        found = []  # (count of a, group of a, count of b, group of b, rows of a, rows of b)
        common = (ga.row >= 0).astype(int) @ (gb.row >= 0).T.astype(int)
        for ia, ib in zip(*np.nonzero(common >= 2)):
            keys = np.flatnonzero((ga.row[ia] >= 0) & (gb.row[ib] >= 0))
            keys = keys[np.argsort(ga.first[ia, keys], kind="stable")]
            ra, rb = ga.row[ia, keys], gb.row[ib, keys]
            a = np.stack([ma.values[c][ra] for c in ma.counts])[:, None]  # count of a x 1 x cell
            b = np.stack([mb.values[c][rb] for c in mb.counts])[None]     # 1 x count of b x cell
            found += [(i, ia, j, ib, ra, rb) for i, j in zip(*np.nonzero(agree(a, b, np.ones(len(keys), bool))))]
        for i, ia, j, ib, ra, rb in sorted(found, key=lambda x: x[:4]):
            ca, cb = ma.counts[i], mb.counts[j]
            described.append(f"{na}.{ca} [{ga.labels[ia]}] = {nb}.{cb} [{gb.labels[ib]}]")
            eqs += equalities(f"{na}{SEP}{ca}", ra, f"{nb}{SEP}{cb}", rb)
    return eqs, described
