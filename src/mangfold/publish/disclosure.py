"""Disclosure control for public tables, and the checks that the audit shares with it.

Rules (the report explains them in one paragraph):

1. Person-key columns are dropped.
2. Primary suppression: every count from 1 to ``min_cell - 1`` is replaced by ``"<min_cell"``
   (text, so Excel shows it as text), and every figure derived from it is blanked.
3. Hidden numerators: a rate or share whose count is not a column of its own (``rate * n`` is a
   count) is treated as a count: if ``rate * n`` is 1 to ``min_cell - 1``, the rate and every
   figure derived from ``n`` are blanked in that row.
4. Complementary suppression: no hidden count may follow from the table's identities (totals over
   a dimension, totals within a row, cells repeated across rows, counts shared with the other
   tables of the report; :mod:`mangfold.publish.identities`), nor be narrowed to one value by
   them together with what the marks say (``"<5"`` is 1 to 4, a complementary cell at least 5).
   While one is, another visible cell of its identities is hidden as well, shown as ``":"`` (the
   mark Statistics Norway uses for figures withheld for confidentiality): the one that leaves it
   undetermined, else the smallest.

Disclosure control and the audit run the *same* checks (:func:`table_findings`): disclosure
repeats "check, hide what the check names" until the check is clean, and the audit runs the check
again on the published files.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..tablespec import TableSpec
from .identities import (_SEP, BLANK, COMPLEMENT, COMPLEMENT_MARK, PRIMARY, TEXT, VISIBLE, Equation, Finding,
                         Model, Rate, _dims, _rate_values, build_model, key_columns, link_tables, parse_column,
                         spec_dict)

__all__ = [
    "COMPLEMENT_MARK", "Finding", "Model", "Published", "View", "apply_disclosure_control", "build_model",
    "global_findings", "key_columns", "link_tables", "local_findings", "mark", "merge_views", "parse_column",
    "plan_across_tables", "spec_dict", "suppress", "suppressed_count", "table_findings",
]

_MAX_ROUNDS = 1000
_TRIED_NEAR, _TRIED_FAR = 4, 4  # complementary cells tried: per identity of the cell, of the others
Var = tuple[str, int]


def mark(min_cell: int) -> str:
    """The text shown in place of a count of 1 to ``min_cell - 1``."""
    return f"<{min_cell}"


# ------------------------------------------------------------------ the public state
class View:
    """A public table as an attacker reads it: counts (numbers, or hidden with their mark), the
    hidden numerators of rates, and which cells are blank. Disclosure control changes it cell by
    cell; the audit reads it once from the published file."""

    def __init__(self, public: pd.DataFrame, model: Model):
        self.model = model
        self.values: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self.visible: dict[str, np.ndarray] = {}
        for c in public.columns:
            v, st = parse_column(public[c])
            self.visible[c] = st != BLANK
            if c in model.counts:
                self.values[c] = np.where(st == BLANK, 0.0, v)
                self.state[c] = st
        self.rates = [r for r in model.rates if r.column in public.columns and r.denominator in self.values]
        for r in self.rates:
            den = np.where(self.state[r.denominator] == VISIBLE, self.values[r.denominator], np.nan)
            k = _rate_values(public, r, {r.denominator: den})
            self.values[r.name] = k
            self.state[r.name] = np.where(np.isfinite(k), VISIBLE, BLANK).astype(np.int8)
        # the values before disclosure control hid anything (NaN where already hidden): a known
        # solution of the identities, which spares half the range computations
        self.original = {c: v.copy() for c, v in self.values.items()}

    def is_hidden(self, var: tuple[str, int]) -> bool:
        st = self.state.get(var[0])
        if st is None:
            return False
        if var[0] in self.model.counts:
            return st[var[1]] in (PRIMARY, COMPLEMENT, TEXT)
        return st[var[1]] != VISIBLE

    def _hide_numerators(self, rates, row: int) -> None:
        for r in rates:
            den_zero = self.state[r.denominator][row] == VISIBLE and self.values[r.denominator][row] == 0
            if not den_zero:
                self.state[r.name][row] = BLANK
                self.values[r.name][row] = np.nan

    def hide_count(self, col: str, row: int, how: int) -> None:
        self.state[col][row] = how
        self.values[col][row] = np.nan
        self.visible[col][row] = True
        self._hide_numerators([r for r in self.rates if r.denominator == col], row)

    def blank(self, cols, row: int) -> None:
        for d in cols:
            if d in self.visible:
                self.visible[d][row] = False
        self._hide_numerators([r for r in self.rates if r.column in cols], row)


def local_findings(view: View, *, min_cell: int) -> list[Finding]:
    """Visible small counts, visible figures derived from hidden counts, small hidden numerators."""
    model, out = view.model, []
    for c in model.counts:
        if c not in view.state:
            continue
        x, st = view.values[c], view.state[c]
        for r in np.flatnonzero((st == VISIBLE) & (x >= 1) & (x < min_cell)):
            out.append(Finding("small", int(r), c, f"count {x[r]:g} is below {min_cell}", (c, int(r))))
        for r in np.flatnonzero(st == TEXT):
            out.append(Finding("structure", int(r), c, "a count column holds text that is neither a number "
                                                         "nor a suppression mark"))
    for c in model.counts:
        if c not in view.state:
            continue
        hidden = np.isin(view.state[c], (PRIMARY, COMPLEMENT))
        if not hidden.any():
            continue
        for d in sorted(model.closure[c]):
            if d in view.visible:
                for r in np.flatnonzero(hidden & view.visible[d]):
                    out.append(Finding("derived", int(r), d, f"derived from {c}, which is hidden in this row"))
        for d in sorted(model.linked[c]):
            if d in view.state:
                for r in np.flatnonzero(hidden & (view.state[d] == VISIBLE)):
                    out.append(Finding("derived", int(r), d, f"declared derived from {c}, which is hidden "
                                                             "in this row", (d, int(r))))
    for rate in view.rates:
        k = view.values[rate.name]
        for r in np.flatnonzero(np.isfinite(k) & (k >= 1) & (k < min_cell)):
            out.append(Finding("implied", int(r), rate.column,
                               f"{rate.name} = {k[r]:g} persons, below {min_cell}", (rate.name, int(r))))
    return out


# ------------------------------------------------------------------ identities over hidden cells
@dataclass
class _Units:
    """Cells that the identities say are equal, merged: ``root`` of each such cell, ``members`` of
    each root, and the other identities (``sums``) with the units they involve."""
    root: dict[Var, Var]
    members: dict[Var, list[Var]]
    sums: list[int]
    sum_index: dict[Var, list[int]]

    def unit(self, var: Var) -> Var:
        return self.root.get(var, var)

    def cells(self, unit: Var) -> list[Var]:
        return self.members.get(unit, [unit])


def _units(model: Model) -> _Units:
    cached = getattr(model, "_units_cache", None)
    if cached is not None and cached[0] == len(model.equations):
        return cached[1]
    parent: dict[Var, Var] = {}

    def find(x: Var) -> Var:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    sums = []
    for k, eq in enumerate(model.equations):
        if len(eq) == 2 and abs(eq[0][1]) == 1 and eq[0][1] == -eq[1][1]:
            a, b = find(eq[0][0]), find(eq[1][0])
            if a != b:
                parent[max(a, b)] = min(a, b)
        else:
            sums.append(k)
    root = {x: find(x) for x in parent}
    members: dict[Var, list[Var]] = {}
    for x, r in sorted(root.items()):
        members.setdefault(r, []).append(x)
    sum_index: dict[Var, list[int]] = {}
    for k in sums:
        for var, _ in model.equations[k]:
            u = root.get(var, var)
            if not sum_index.get(u) or sum_index[u][-1] != k:
                sum_index.setdefault(u, []).append(k)
    units = _Units(root, members, sums, sum_index)
    model._units_cache = (len(model.equations), units)
    return units


@dataclass
class _Group:
    """Findings about one group of linked hidden cells, with what the suppression needs to fix them."""
    findings: list[Finding]
    unit: Var | None = None          # "mixed": the unit whose hidden cells are shown elsewhere
    eq_ids: tuple[int, ...] = ()     # the identities of the group


def _unit_hidden(view: View, u: _Units, unit: Var) -> tuple[bool, bool]:
    """(any cell of the unit hidden, any cell visible)."""
    h = v = False
    for cell in u.cells(unit):
        if view.is_hidden(cell):
            h = True
        elif cell[0] in view.state:
            v = True
    return h, v


def _unit_value(view: View, u: _Units, unit: Var) -> float:
    for cell in u.cells(unit):
        if cell[0] in view.state and not view.is_hidden(cell):
            return float(view.values[cell[0]][cell[1]])
    return np.nan


def global_findings(view: View, *, min_cell: int, cache: dict | None = None, first_only: bool = False,
                    editable: Callable[[Var], bool] | None = None) -> list[_Group]:
    """Hidden cells that the identities give away: shown elsewhere (an equal cell is visible),
    determined by the totals, or narrowed to one value by the totals and the marks. One group per
    set of linked hidden cells (``first_only``: the ranges only where nothing is determined, and
    at most one cell narrowed); ``editable``: only groups that involve a cell that may change."""
    model = view.model
    if not model.equations:
        return []
    u = _units(model)
    cache = {} if cache is None else cache
    out: list[_Group] = []
    state = {}
    for unit in set(u.members) | set(u.sum_index):
        state[unit] = _unit_hidden(view, u, unit)
    # a cell hidden here and shown there --------------------------------------------------------
    for unit, (h, v) in sorted(state.items()):
        if h and v:
            if editable is not None and not any(editable(c) for c in u.cells(unit)):
                continue
            shown = next(c for c in u.cells(unit) if c[0] in view.state and not view.is_hidden(c))
            fs = [Finding("recoverable", c[1], c[0], f"the same count is shown in {shown[0]}, row {shown[1] + 2}", c)
                  for c in u.cells(unit) if view.is_hidden(c)]
            out.append(_Group(fs[:1] if first_only else fs, unit=unit))
    # sums over hidden units ------------------------------------------------------------------------
    hidden_units = {unit for unit, (h, v) in state.items() if h and not v}
    parent: dict[Var, Var] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    eq_units: dict[int, list[Var]] = {}
    for k in u.sums:
        hs = sorted({u.unit(var) for var, _ in model.equations[k]} & hidden_units)
        if hs:
            eq_units[k] = hs
            for a in hs[1:]:
                ra, rb = find(a), find(hs[0])
                if ra != rb:
                    parent[ra] = rb
            find(hs[0])
    comps: dict[Var, list[int]] = {}
    for k, hs in eq_units.items():
        comps.setdefault(find(hs[0]), []).append(k)
    for eq_ids in comps.values():
        if editable is not None and not any(editable(c) for k in eq_ids for var, _ in model.equations[k]
                                            for c in u.cells(u.unit(var))):
            continue
        members = sorted({x for k in eq_ids for x in eq_units[k]})
        pos = {m: i for i, m in enumerate(members)}
        A = np.zeros((len(eq_ids), len(members)))
        b = np.zeros(len(eq_ids))
        for row, k in enumerate(eq_ids):
            for var, w in model.equations[k]:
                unit = u.unit(var)
                if unit in pos:
                    A[row, pos[unit]] += w
                else:
                    b[row] -= w * _unit_value(view, u, unit)
        bounds = [_unit_bounds(view, u, m, min_cell) for m in members]
        key = (tuple(members), A.tobytes(), b.tobytes(), tuple(bounds), first_only)
        if key not in cache:
            cache[key] = _check_component(members, A, b, bounds, view, u, first_only, cache.setdefault("wide", set()))
        if cache[key]:
            out.append(_Group(cache[key], eq_ids=tuple(eq_ids)))
    return out


def _check_component(members, A, b, bounds, view: View, u: _Units, first_only: bool,
                     wide: set | None = None) -> list[Finding]:
    """``wide``: units already shown to have two possible values; hiding more cells only widens
    the ranges, so within one run of :func:`suppress` they need no second look."""
    found = []
    wide = set() if wide is None else wide
    determined = _determined(A)
    for m, det in zip(members, determined):
        if det:
            cells = [c for c in u.cells(m) if view.is_hidden(c)]
            more = f" (and {len(cells) - 1} equal cells)" if len(cells) > 1 else ""
            found.append(Finding("recoverable", cells[0][1], cells[0][0],
                                 f"can be computed from the visible cells and the totals{more}", m))
    if found and first_only:
        return found  # fixed first; the ranges are worth computing once nothing is determined
    for i, m in enumerate(members):
        if determined[i] or m in wide:
            continue
        cells = [c for c in u.cells(m) if view.is_hidden(c)]
        if not any(view.state[c[0]][c[1]] == PRIMARY or c[0] not in view.model.counts for c in cells):
            continue  # only small counts and hidden numerators need a range of values
        orig = next((view.original[c[0]][c[1]] for c in cells if np.isfinite(view.original[c[0]][c[1]])), np.nan)
        if _pinned(A, b, bounds, i, orig):
            found.append(Finding("narrow", cells[0][1], cells[0][0],
                                 "the totals and the marks leave only one possible value", m))
            if first_only:
                break
        else:
            wide.add(m)
    return found


def _pinned(A, b, bounds, i, value: float) -> bool:
    """True if unknown ``i`` can take only one whole value. ``value``: a known solution (or NaN):
    one optimisation that moves at least 1 away from it proves the opposite."""
    if np.isfinite(value):
        for sign in (-1.0, 1.0):
            opt = _optimum(A, b, bounds, i, sign)
            if opt is None or abs(opt - value) >= 1 - 1e-7:
                return False
        return True
    lo, hi = _optimum(A, b, bounds, i, 1.0), _optimum(A, b, bounds, i, -1.0)
    return lo is not None and hi is not None and np.floor(hi + 1e-7) - np.ceil(lo - 1e-7) < 1


def _determined(A: np.ndarray) -> np.ndarray:
    """Which unknowns of ``A x = b`` have one value in every solution (e_j in the row space)."""
    if A.size == 0:
        return np.zeros(A.shape[1], dtype=bool)
    if A.shape[0] > A.shape[1]:
        A = np.linalg.qr(A, mode="r")  # same null space, square
    _, s, vh = np.linalg.svd(A, full_matrices=True)
    tol = max(A.shape) * np.finfo(float).eps * (s.max() if s.size else 0.0) * 10
    rank = int((s > tol).sum())
    null = vh[rank:]
    if null.shape[0] == 0:
        return np.ones(A.shape[1], dtype=bool)
    return np.linalg.norm(null, axis=0) < 1e-7


def _unit_bounds(view: View, u: _Units, unit: Var, min_cell: int) -> tuple[float, float | None]:
    """What the marks tell an attacker: ``<min_cell`` is 1..min_cell-1; ``:`` at least min_cell
    (a complementary cell is never 0 unless nothing else is left); a hidden numerator 0..n."""
    lo, hi = 0.0, None
    rates = {r.name: r for r in view.rates}
    for col, r in u.cells(unit):
        if not view.is_hidden((col, r)):
            continue
        st = view.state[col][r]
        if col in view.model.counts:
            a, z = (1.0, float(min_cell - 1)) if st == PRIMARY else (float(min_cell), None) \
                if st == COMPLEMENT else (0.0, None)
        else:
            den = rates[col].denominator
            ds = view.state[den][r]
            a, z = 0.0, view.values[den][r] if ds == VISIBLE else float(min_cell - 1) if ds == PRIMARY else None
        lo = max(lo, a)
        hi = z if hi is None else (hi if z is None else min(hi, z))
    return lo, hi


def _optimum(A, b, bounds, i, sign: float) -> float | None:
    """Smallest (``sign`` 1) or largest (-1) value of unknown ``i``; None if the bounds cannot hold
    even with non-negativity only."""
    from scipy.optimize import linprog

    c = np.zeros(A.shape[1])
    c[i] = sign
    for bnds in (bounds, [(0.0, None)] * len(bounds)):
        sol = linprog(c, A_eq=A, b_eq=b, bounds=bnds, method="highs")
        if sol.status == 0:
            return sign * sol.fun
    return None


def table_findings(public: pd.DataFrame, spec: TableSpec | Mapping[str, Any], *, min_cell: int,
                   truth: pd.DataFrame | None = None, model: Model | None = None) -> list[Finding]:
    """Every disclosure fault of one public table (see :class:`Finding`). ``truth``: the
    unsuppressed table, row for row, from which the identities are found (default: ``public``)."""
    public = public.reset_index(drop=True)
    if model is None:
        model = build_model(spec, truth if truth is not None else public)
    view = View(public, model)
    found = [*model.problems, *local_findings(view, min_cell=min_cell)]
    for g in global_findings(view, min_cell=min_cell):
        found.extend(g.findings)
    return found


# ------------------------------------------------------------------ suppression
def _hide_unit(view: View, u: _Units, unit: Var, editable, min_cell: int) -> bool:
    """Hide every visible cell of a unit (False if one of them may not change)."""
    cells = [c for c in u.cells(unit) if c[0] in view.state and not view.is_hidden(c)]
    if not cells or not all(editable(c) for c in cells):
        return False
    rates = {r.name: r for r in view.rates}
    for col, row in cells:
        if col in view.model.counts:
            x = view.values[col][row]
            view.hide_count(col, row, PRIMARY if 1 <= x < min_cell else COMPLEMENT)
        else:
            view.blank(rates[col].blank, row)
    return True


def _complement_for(f: Finding, g: _Group, view: View, u: _Units, editable) -> Var | None:
    """The visible unit to hide next for a hidden unit ``f.var`` that the identities give away.

    Determined: the smallest visible units of the identities around it are tried, and the one that
    leaves it undetermined (else the fewest units determined) is chosen; ties: the smallest. Narrowed: the
    smallest visible unit of one of its identities. A zero is hidden only if nothing else is left
    (a ":" then would not mean "at least min_cell")."""
    eqs = view.model.equations
    var = f.var
    near = set(u.sum_index.get(var, []))
    ids = set(near)
    for k in near:  # the identities of the hidden cells next to it: two steps
        for x, _ in eqs[k]:
            if _unit_hidden(view, u, u.unit(x))[0]:
                ids |= set(u.sum_index.get(u.unit(x), []))
    if not ids:
        ids = set(g.eq_ids)
    ids = sorted(ids)

    def visible_unit(unit):
        h, v = _unit_hidden(view, u, unit)
        return v and not h and all(editable(c) for c in u.cells(unit) if c[0] in view.state)

    cands = sorted({u.unit(x) for k in ids for x, _ in eqs[k] if visible_unit(u.unit(x))})
    if not cands and set(ids) != set(g.eq_ids):
        ids = sorted(set(g.eq_ids) | set(ids))
        cands = sorted({u.unit(x) for k in ids for x, _ in eqs[k] if visible_unit(u.unit(x))})
    if not cands:
        return None
    value = {c: _unit_value(view, u, c) for c in cands}
    if f.kind != "recoverable":
        close = {u.unit(x) for k in near for x, _ in eqs[k]} & set(cands) or set(cands)
        return min(close, key=lambda c: (value[c] == 0, value[c], c))
    rank = lambda c: (value[c] == 0, value[c], c)  # noqa: E731
    candset = set(cands)
    own = []
    for k in sorted(near):  # the smallest few of each of its own identities
        own += sorted({u.unit(x) for x, _ in eqs[k]} & candset - set(own), key=rank)[:_TRIED_NEAR]
    trial = own + sorted(candset - set(own), key=rank)[:_TRIED_FAR]
    hidden = sorted({u.unit(x) for k in ids for x, _ in eqs[k] if _unit_hidden(view, u, u.unit(x))[0]})
    best = None
    for c in trial:
        rows = sorted(set(ids) | set(u.sum_index.get(c, [])))
        cols = [*hidden, c]
        pos = {m: i for i, m in enumerate(cols)}
        A = np.zeros((len(rows), len(cols)))
        for r, k in enumerate(rows):
            for x, w in eqs[k]:
                j = pos.get(u.unit(x))
                if j is not None:
                    A[r, j] += w
        det = _determined(A)
        key = (value[c] == 0, bool(det[pos[var]]) if var in pos else False, int(det.sum()), value[c], c)
        if best is None or key < best[0]:
            best = (key, c)
    return best[1]


def suppress(view: View, *, min_cell: int, editable: Callable[[Var], bool] | None = None) -> list[Finding]:
    """Hide cells in ``view`` until the checks are clean; returns what could not be fixed.
    ``editable((column, row))``: which cells may change (default all; tables published earlier are
    fixed when several are checked together)."""
    model = view.model
    editable = editable or (lambda var: True)
    rates = {r.name: r for r in view.rates}
    cache: dict = {}
    for _ in range(_MAX_ROUNDS):
        found = [f for f in local_findings(view, min_cell=min_cell)
                 if f.kind != "structure" and editable(f.var or (f.column, f.row))]
        if found:
            for f in found:
                if f.kind == "small":
                    view.hide_count(f.column, f.row, PRIMARY)
                elif f.kind == "derived" and f.column in model.counts:
                    view.hide_count(f.column, f.row, COMPLEMENT)
                elif f.kind == "derived":
                    view.blank([f.column], f.row)
                elif f.kind == "implied":
                    view.blank(rates[f.var[0]].blank, f.row)
            continue
        groups = global_findings(view, min_cell=min_cell, cache=cache, first_only=True, editable=editable)
        if not groups:
            return []
        u = _units(model)
        changed = False
        for g in groups:
            if g.unit is not None:
                changed |= _hide_unit(view, u, g.unit, editable, min_cell)
                continue
            touched: set[Var] = set()  # several fixes per group, where they do not meet
            for f in g.findings:
                around = {u.unit(x) for k in u.sum_index.get(f.var, []) for x, _ in model.equations[k]}
                if around & touched:
                    continue
                target = _complement_for(f, g, view, u, editable)
                if target is not None and _hide_unit(view, u, target, editable, min_cell):
                    changed = True
                    touched |= around | {u.unit(x) for k in u.sum_index.get(target, [])
                                         for x, _ in model.equations[k]}
        if not changed:
            return [f for g in groups for f in g.findings]
    return [f for g in global_findings(view, min_cell=min_cell, editable=editable) for f in g.findings]


# ------------------------------------------------------------------ several tables
@dataclass
class Published:
    """A table published earlier (its spec, unsuppressed and public copies), for the checks
    across tables: a count hidden in one table must not be visible in another."""
    spec: dict
    truth: pd.DataFrame
    public: pd.DataFrame

    @property
    def name(self) -> str:
        return str(self.spec.get("name", ""))


def _prefix_rate(name: str, r: Rate) -> Rate:
    return Rate(f"{name}{_SEP}{r.column}", f"{name}{_SEP}{r.denominator}", r.scale,
                tuple(f"{name}{_SEP}{b}" for b in r.blank))


def merge_views(views: list[tuple[str, View]], cross: list[Equation]) -> View:
    """One view over several tables, columns named ``table::column``, with the identities of each
    table and ``cross`` (see :func:`link_tables`)."""
    counts, closure, linked, rates, shares, eqs = [], {}, {}, [], [], []
    merged = View.__new__(View)
    merged.values, merged.state, merged.visible, merged.original, merged.rates = {}, {}, {}, {}, []
    for name, v in views:
        m = v.model
        pre = lambda c: f"{name}{_SEP}{c}"  # noqa: E731
        ren = {r.name: _prefix_rate(name, r).name for r in m.rates}
        counts += [pre(c) for c in m.counts]
        closure.update({pre(c): {pre(d) for d in ds} for c, ds in m.closure.items()})
        linked.update({pre(c): {pre(d) for d in ds} for c, ds in m.linked.items()})
        rates += [_prefix_rate(name, r) for r in m.rates]
        shares += [(pre(a), pre(b), pre(c)) for a, b, c in m.shares]
        eqs += [tuple(((ren.get(c) or pre(c), r), w) for (c, r), w in eq) for eq in m.equations]
        for c in v.values:
            merged.values[ren.get(c) or pre(c)] = v.values[c]
            merged.state[ren.get(c) or pre(c)] = v.state[c]
            merged.original[ren.get(c) or pre(c)] = v.original[c]
        for c in v.visible:
            merged.visible[pre(c)] = v.visible[c]
        merged.rates += [_prefix_rate(name, r) for r in v.rates]
    merged.model = Model(counts, closure, linked, rates, shares, list(dict.fromkeys(eqs + list(cross))))
    return merged


def _with_published(sp: dict, base: pd.DataFrame, model: Model, view: View, published) -> tuple[View | None, Any]:
    """The view of this table together with the tables published before it, and which of its cells
    may change: counts they share with this table are hidden here where they are hidden there, and
    cannot protect anything here where they are visible there."""
    if not model.counts:
        return None, None
    name = str(sp.get("name", "table"))
    items, views = [], []
    for k, p in enumerate(published):
        if p.name == name:
            continue  # an earlier version of this table (a cell run twice)
        pname = f"{p.name or 'published'}#{k}"
        ptruth = p.truth.drop(columns=key_columns(p.truth.columns, p.spec)).reset_index(drop=True)
        ppublic = p.public.drop(columns=key_columns(p.public.columns, p.spec)).reset_index(drop=True)
        if len(ptruth) != len(ppublic):
            continue
        pm = build_model(p.spec, ptruth)
        items.append((pname, p.spec, ptruth, pm))
        views.append((pname, View(ppublic, pm)))
    me = f"{name}#new{_SEP}"
    cross, _ = link_tables([*items, (me[:-len(_SEP)], sp, base, model)])
    cross = [eq for eq in cross if any(v[0].startswith(me) for v, _ in eq)]
    if not cross:
        return None, None
    merged = merge_views([*views, (me[:-len(_SEP)], view)], cross)
    fixed = set()
    for (x, _), (y, _) in cross:
        mine, theirs = (x, y) if x[0].startswith(me) else (y, x)
        if merged.is_hidden(theirs):
            if not merged.is_hidden(mine):
                how = PRIMARY if merged.state[theirs[0]][theirs[1]] == PRIMARY else COMPLEMENT
                merged.hide_count(mine[0], mine[1], how)
        else:
            fixed.add(mine)
    return merged, (lambda var: var[0].startswith(me) and var not in fixed)


def plan_across_tables(tables: list[Published], *, min_cell: int) -> dict[str, list[dict[str, Any]]]:
    """Cells to hide so that the published tables (of one report) are safe *together*: counts they
    share (:func:`link_tables`) are hidden where any of them hides them, and complementary cells
    are added until no hidden count can be recovered from all tables at once.

    Returns ``{table name: [{"column", "row", "dims", "hide"}, ...]}`` for cells visible now:
    ``hide`` is ``"count"`` (a count to mark) or ``"blank"`` (a figure to blank); ``dims`` the
    row's dimension values, which identify it when the notebook runs again (``hidden=`` of
    :func:`apply_disclosure_control`)."""
    items, views, frames = [], [], {}
    for p in tables:
        truth = p.truth.drop(columns=key_columns(p.truth.columns, p.spec)).reset_index(drop=True)
        public = p.public.drop(columns=key_columns(p.public.columns, p.spec)).reset_index(drop=True)
        if len(truth) != len(public) or not p.name:
            continue
        model = build_model(p.spec, truth)
        items.append((p.name, p.spec, truth, model))
        views.append((p.name, View(public, model)))
        frames[p.name] = (public, p.spec)
    cross, _ = link_tables(items)
    if not cross:
        return {}
    merged = merge_views(views, cross)
    before_state = {k: v.copy() for k, v in merged.state.items()}
    before_visible = {k: v.copy() for k, v in merged.visible.items()}
    for (x, _), (y, _) in cross:  # a count hidden in one table is hidden in all
        hx, hy = merged.is_hidden(x), merged.is_hidden(y)
        if hx != hy:
            (src, dst) = (x, y) if hx else (y, x)
            merged.hide_count(dst[0], dst[1], PRIMARY if merged.state[src[0]][src[1]] == PRIMARY else COMPLEMENT)
    suppress(merged, min_cell=min_cell)
    plan: dict[str, list[dict[str, Any]]] = {}
    for key, vis in merged.visible.items():
        name, col = key.split(_SEP, 1)
        public, spec = frames[name]
        dims = _dims(public, spec)
        st_now, st_before = merged.state.get(key), before_state.get(key)
        for r in range(len(vis)):
            if st_now is not None and st_now[r] != st_before[r] and st_now[r] in (PRIMARY, COMPLEMENT):
                hide = "count"
            elif st_now is None and before_visible[key][r] and not vis[r]:
                hide = "blank"
            else:
                continue
            plan.setdefault(name, []).append({"column": col, "row": r, "hide": hide,
                                              "dims": {d: str(public[d].iloc[r]) for d in dims}})
    return plan


def _apply_hints(view: View, base: pd.DataFrame, spec: Mapping[str, Any], hints, min_cell: int) -> None:
    """Hide the cells that :func:`plan_across_tables` named (rows found by their dimensions)."""
    dims = _dims(base, spec)
    keys = base[dims].astype(str).agg("\x1f".join, axis=1).to_numpy() if dims else None
    for h in hints:
        col = h.get("column")
        if col not in view.visible:
            continue
        r = h.get("row")
        if dims:
            want = "\x1f".join(str(h.get("dims", {}).get(d, "")) for d in dims)
            rows = np.flatnonzero(keys == want)
            if rows.size == 1:
                r = int(rows[0])
            elif not (isinstance(r, int) and r in set(rows.tolist())):
                continue
        if not isinstance(r, int) or not 0 <= r < len(base):
            continue
        if col in view.state and col in view.model.counts:
            if view.state[col][r] == VISIBLE:
                x = view.values[col][r]
                view.hide_count(col, r, PRIMARY if 1 <= x < min_cell else COMPLEMENT)
        else:
            view.blank([col], r)


def _render(df: pd.DataFrame, view: View, min_cell: int) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if c in view.state:
            st = view.state[c]
            new = np.where(st == PRIMARY, mark(min_cell), np.where(st == COMPLEMENT, COMPLEMENT_MARK, None))
            change = (st == PRIMARY) | (st == COMPLEMENT)
            old_v, old_st = parse_column(df[c])
            change &= old_st != st
            if change.any():
                out[c] = out[c].astype(object)
                out.loc[change, c] = new[change]
        blank = ~view.visible[c]
        _, old_st = parse_column(df[c])
        change = blank & (old_st != BLANK)
        if change.any():
            out[c] = out[c].astype(object)
            out.loc[change, c] = None
    return out


def apply_disclosure_control(df: pd.DataFrame, spec: TableSpec | Mapping[str, Any], *, min_cell: int,
                             published: list[Published] | tuple[Published, ...] = (),
                             hidden: list[dict[str, Any]] | tuple = ()) -> pd.DataFrame:
    """The public copy of ``df``: person keys dropped, small counts marked ``"<min_cell"``, what is
    derived from them blanked, and complementary cells marked ``":"`` until no hidden cell can be
    recovered (the checks of :func:`table_findings` come out clean). Applying it twice changes
    nothing.

    ``published``: tables published before this one (by the same notebook): a count that they
    share with this table (:func:`link_tables`) is hidden here where they hide it, and cells that
    they show are not relied on to protect this table's hidden counts.

    ``hidden``: cells to hide in any case (from :func:`plan_across_tables`, when the tables of
    several notebooks share counts)."""
    sp = spec_dict(spec)
    base = df.drop(columns=key_columns(df.columns, sp)).reset_index(drop=True)
    model = build_model(sp, base)
    view = View(base, model)
    if hidden:
        _apply_hints(view, base, sp, hidden, min_cell)
    merged = editable = None
    if published:
        try:
            merged, editable = _with_published(sp, base, model, view, published)
        except Exception as exc:  # the audit checks across tables in any case
            warnings.warn(f"{sp.get('name', 'a table')}: not checked against the tables published before it "
                          f"({type(exc).__name__}: {exc})", stacklevel=2)
            view = View(base, model)
            if hidden:
                _apply_hints(view, base, sp, hidden, min_cell)
    left = suppress(merged or view, min_cell=min_cell, editable=editable)
    if left:
        warnings.warn(f"disclosure control could not protect {sp.get('name', 'a table')}: "
                      + "; ".join(f"{f.where()}: {f.message}" for f in left[:5]), stacklevel=2)
    return _render(base, view, min_cell)


def suppressed_count(public: pd.DataFrame, min_cell: int) -> int:
    """How many cells carry a suppression mark (primary or complementary)."""
    txt = public.astype(str)
    return int(((txt == mark(min_cell)) | (txt == COMPLEMENT_MARK)).sum().sum())
