"""The checks that disclosure control and the audit share: a public table as an attacker reads it
(:class:`View`) and what it gives away (:func:`local_findings`, :func:`global_findings`).

* local: a visible count of 1 to ``min_cell - 1``; a visible figure derived from a hidden count;
  a visible rate whose product with its visible denominator is such a count;
* global, over the identities of :mod:`mangfold.publish.identities`: a hidden cell that an equal
  cell shows elsewhere; a hidden cell that the identities determine (exact recovery, by linear
  algebra: the cell's unit vector lies in the row space of the identities over the hidden cells);
  a small hidden count, or hidden numerator, that the identities and the marks narrow to one
  value (``"<5"`` is 1..4, ``":"`` any value from 0 up, a hidden numerator 0..n; smallest and largest
  value by linear programming, HiGHS through :func:`scipy.optimize.linprog`, or in closed form
  where one identity links the cells).

Cells that the identities say are equal are merged into one unknown first, so that a count that
several rows or tables repeat is one variable. Ranges are computed for groups of up to
``_MAX_RANGE_UNITS`` linked hidden cells (larger ones, far beyond this report's tables, get the
exact-recovery check only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..tablespec import TableSpec
from .identities import (SEP, BLANK, COMPLEMENT, PRIMARY, TEXT, VISIBLE, Equation, Finding, Model, Rate,
                         _rate_values, build_model, parse_frame)

_MAX_RANGE_UNITS = 250  # hidden cells linked together beyond which ranges are not computed
Var = tuple[str, int]


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
        parsed = parse_frame(public)
        for c, (v, st) in parsed.items():
            self.visible[c] = st != BLANK
            if c in model.counts:
                self.values[c] = np.where(st == BLANK, 0.0, v)
                self.state[c] = st
        self.rates = [r for r in model.rates if r.column in public.columns and r.denominator in self.values]
        for r in self.rates:
            den = np.where(self.state[r.denominator] == VISIBLE, self.values[r.denominator], np.nan)
            k = _rate_values(parsed, r, {r.denominator: den})
            self.values[r.name] = k
            self.state[r.name] = np.where(np.isfinite(k), VISIBLE, BLANK).astype(np.int8)
        # the values before disclosure control hid anything (NaN where already hidden): a known
        # solution of the identities, which spares half the range computations
        self.original = {c: v.copy() for c, v in self.values.items()}
        #: hidden cells that must stay unknown like a small count although they are not one: a count
        #: that another report of the series hides (the publication ledger's hints, ``"series"``): a
        #: complementary ":" that this report's totals determine would give it away there
        self.protected: set[Var] = set()

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
class UnitIndex:
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


def unit_index(model: Model) -> UnitIndex:
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
    units = UnitIndex(root, members, sums, sum_index)
    model._units_cache = (len(model.equations), units)
    return units


@dataclass
class FindingGroup:
    """Findings about one group of linked hidden cells, with what the suppression needs to fix them."""
    findings: list[Finding]
    unit: Var | None = None          # "mixed": the unit whose hidden cells are shown elsewhere
    eq_ids: tuple[int, ...] = ()     # the identities of the group


def unit_hidden(view: View, u: UnitIndex, unit: Var) -> tuple[bool, bool]:
    """(any cell of the unit hidden, any cell visible)."""
    h = v = False
    for cell in u.cells(unit):
        if view.is_hidden(cell):
            h = True
        elif cell[0] in view.state:
            v = True
    return h, v


def unit_value(view: View, u: UnitIndex, unit: Var) -> float:
    for cell in u.cells(unit):
        if cell[0] in view.state and not view.is_hidden(cell):
            return float(view.values[cell[0]][cell[1]])
    return np.nan


def global_findings(view: View, *, min_cell: int, cache: dict | None = None, first_only: bool = False,
                    editable: Callable[[Var], bool] | None = None,
                    involving: Callable[[set[Var]], bool] | None = None) -> list[FindingGroup]:
    """Hidden cells that the identities give away: shown elsewhere (an equal cell is visible),
    determined by the totals, or narrowed to one value by the totals and the marks. One group per
    set of linked hidden cells (``first_only``: ranges only where nothing is determined);
    ``editable``: only groups that involve a cell that may change; ``involving``: only groups whose
    cells (the unit's, or those of the group's identities) it accepts."""
    model = view.model
    if not model.equations:
        return []
    u = unit_index(model)
    cache = {} if cache is None else cache
    out: list[FindingGroup] = []
    state = {}
    for unit in set(u.members) | set(u.sum_index):
        state[unit] = unit_hidden(view, u, unit)
    # a cell hidden here and shown there --------------------------------------------------------
    for unit, (h, v) in sorted(state.items()):
        if h and v:
            if editable is not None and not any(editable(c) for c in u.cells(unit)):
                continue
            if involving is not None and not involving(set(u.cells(unit))):
                continue
            shown = next(c for c in u.cells(unit) if c[0] in view.state and not view.is_hidden(c))
            fs = [Finding("recoverable", c[1], c[0], f"the same count is shown in {shown[0]}, row {shown[1] + 2}", c)
                  for c in u.cells(unit) if view.is_hidden(c)]
            out.append(FindingGroup(fs[:1] if first_only else fs, unit=unit))
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
        if involving is not None and not involving({var for k in eq_ids for var, _ in model.equations[k]}):
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
                    b[row] -= w * unit_value(view, u, unit)
        bounds = [_unit_bounds(view, u, m, min_cell) for m in members]
        key = (tuple(members), A.tobytes(), b.tobytes(), tuple(bounds), first_only)
        if key not in cache:
            cache[key] = _check_component(members, A, b, bounds, view, u, first_only, cache.setdefault("wide", set()))
        if cache[key]:
            out.append(FindingGroup(cache[key], eq_ids=tuple(eq_ids)))
    return out


def _check_component(members, A, b, bounds, view: View, u: UnitIndex, first_only: bool,
                     wide: set | None = None) -> list[Finding]:
    """``wide``: units already shown to have two possible values; hiding more cells only widens
    the ranges, so within one run of :func:`suppress` they need no second look."""
    found = []
    wide = set() if wide is None else wide
    determined = determined_unknowns(A)
    for m, det in zip(members, determined):
        cells = [c for c in u.cells(m) if view.is_hidden(c)]
        # only a small count or a hidden numerator is sensitive: a complementary cell (":") that the
        # totals determine tells what a visible cell would (it protects nothing by itself), and the
        # small counts it was meant to protect are checked in the same system
        if det and _sensitive(view, cells):
            more = f" (and {len(cells) - 1} equal cells)" if len(cells) > 1 else ""
            found.append(Finding("recoverable", cells[0][1], cells[0][0],
                                 f"can be computed from the visible cells and the totals{more}", m))
    if found and first_only:
        return found  # fixed first; the ranges are worth computing once nothing is determined
    if len(members) > _MAX_RANGE_UNITS:
        return found  # too large to optimise cell by cell: exact recovery only (a known limit)
    ranges = _Ranges(A, b, bounds)
    for i, m in enumerate(members):
        if determined[i] or m in wide:
            continue
        cells = [c for c in u.cells(m) if view.is_hidden(c)]
        if not _sensitive(view, cells):
            continue  # only small counts and hidden numerators need a range of values
        orig = next((view.original[c[0]][c[1]] for c in cells if np.isfinite(view.original[c[0]][c[1]])), np.nan)
        if _pinned(ranges, i, orig):
            found.append(Finding("narrow", cells[0][1], cells[0][0],
                                 "the totals and the marks leave only one possible value", m))
        else:
            wide.add(m)
    return found


def _sensitive(view: View, cells) -> bool:
    """True if the hidden ``cells`` (one unit) hold a small count (``<min_cell``), a hidden numerator, or a
    count another report hides (:attr:`View.protected`)."""
    return any(view.state[c[0]][c[1]] == PRIMARY or c[0] not in view.model.counts or c in view.protected
               for c in cells)


def _pinned(ranges: _Ranges, i: int, value: float) -> bool:
    """True if unknown ``i`` can take only one whole value. ``value``: a known solution (or NaN):
    one optimisation that moves at least 1 away from it proves the opposite; so may the solutions
    that earlier optimisations of the same identities met (:meth:`_Ranges.two_values`)."""
    if np.isfinite(value):
        for sign in (-1.0, 1.0):
            if ranges.two_values(i, value):
                return False
            opt = ranges.optimum(i, sign)
            if opt is None or abs(opt - value) >= 1 - 1e-7:
                return False
        return True
    if ranges.two_values(i, value):
        return False
    lo = ranges.optimum(i, 1.0)
    if lo is None or ranges.two_values(i, value):
        return False
    hi = ranges.optimum(i, -1.0)
    return hi is not None and np.floor(hi + 1e-7) - np.ceil(lo - 1e-7) < 1


def determined_unknowns(A: np.ndarray) -> np.ndarray:
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


def _unit_bounds(view: View, u: UnitIndex, unit: Var, min_cell: int) -> tuple[float, float | None]:
    """What the marks tell an attacker: ``<min_cell`` is 1..min_cell-1; ``:`` any value from 0 up
    (withheld: disclosure control also puts it on a small count whose ``<min_cell`` the totals and
    the other marks would pin, and on a zero when nothing else is left); a hidden numerator 0..n."""
    lo, hi = 0.0, None
    rates = {r.name: r for r in view.rates}
    for col, r in u.cells(unit):
        if not view.is_hidden((col, r)):
            continue
        st = view.state[col][r]
        if col in view.model.counts:
            a, z = (1.0, float(min_cell - 1)) if st == PRIMARY else (0.0, None)
        else:
            den = rates[col].denominator
            ds = view.state[den][r]
            a, z = 0.0, view.values[den][r] if ds == VISIBLE else float(min_cell - 1) if ds == PRIMARY else None
        lo = max(lo, a)
        hi = z if hi is None else (hi if z is None else min(hi, z))
    return lo, hi


class _Ranges:
    """Smallest and largest values of the unknowns of ``A x = b`` within ``bounds`` (or, if the
    bounds cannot hold, with non-negativity only): by linear programming (HiGHS through
    :func:`scipy.optimize.linprog`), or in closed form for a single identity. The solutions that
    the optimisations meet are kept: two of them far enough apart show that an unknown has two
    whole values without optimising it."""

    def __init__(self, A: np.ndarray, b: np.ndarray, bounds: list[tuple[float, float | None]]):
        self.A, self.b, self.bounds = A, b, bounds
        self.points: list[np.ndarray] = []
        rows = np.unique(np.column_stack([A, b]), axis=0)  # an identity found twice is one identity
        rows = rows[(rows != 0).any(axis=1)]
        self.line = rows[0] if len(rows) == 1 and np.isfinite(rows).all() and (rows[0, :-1] != 0).any() else None

    def optimum(self, i: int, sign: float) -> float | None:
        """Smallest (``sign`` 1) or largest (-1) value of unknown ``i``; None if the bounds cannot
        hold even with non-negativity only, or if there is no largest."""
        relaxed = [(0.0, None)] * len(self.bounds)
        if self.line is not None:
            for bnds in (self.bounds, relaxed):
                feasible, opt = _line_optimum(self.line[:-1], float(self.line[-1]), bnds, i, sign)
                if feasible:
                    return opt
            return None
        from scipy.optimize import linprog

        c = np.zeros(self.A.shape[1])
        c[i] = sign
        for bnds in (self.bounds, relaxed):
            sol = linprog(c, A_eq=self.A, b_eq=self.b, bounds=bnds, method="highs")
            if sol.status == 0:
                if bnds is self.bounds:
                    self.points.append(sol.x)
                return sign * sol.fun
        return None

    def two_values(self, i: int, value: float) -> bool:
        """True if the solutions met so far show that unknown ``i`` has two whole values (as
        :func:`_pinned` would find them: at least 1 away from ``value``, or, without it, two whole
        values apart or 2 apart)."""
        if not self.points:
            return False
        xs = [p[i] for p in self.points]
        lo, hi = min(xs), max(xs)
        if np.isfinite(value):
            return max(hi - value, value - lo) >= 1 + 1e-6
        whole = abs(lo - round(lo)) < 1e-9 and abs(hi - round(hi)) < 1e-9
        return hi - lo >= 2 + 1e-6 or (whole and round(hi) - round(lo) >= 1)


def _line_optimum(a: np.ndarray, b: float, bounds, i: int, sign: float) -> tuple[bool, float | None]:
    """(feasible, optimum) of :meth:`_Ranges.optimum` for one identity ``a x = b``: the other
    unknowns' terms range over the sum of their bounds' terms, so ``x_i`` over an interval."""
    lo = np.array([x for x, _ in bounds], dtype=float)
    hi = np.array([np.inf if z is None else z for _, z in bounds], dtype=float)
    if (lo > hi).any():
        return False, None
    with np.errstate(invalid="ignore"):
        t_lo, t_hi = np.where(a == 0, 0.0, a * lo), np.where(a == 0, 0.0, a * hi)
    rest_min = np.delete(np.minimum(t_lo, t_hi), i).sum()  # the range of the other terms' sum
    rest_max = np.delete(np.maximum(t_lo, t_hi), i).sum()
    if a[i] == 0:
        x_lo, x_hi = (lo[i], hi[i]) if rest_min <= b + 1e-9 and b - 1e-9 <= rest_max else (np.inf, -np.inf)
    else:
        ends = sorted(((b - rest_max) / a[i], (b - rest_min) / a[i]))
        x_lo, x_hi = max(lo[i], ends[0]), min(hi[i], ends[1])
    if not x_lo <= x_hi + 1e-9:
        return False, None
    opt = x_lo if sign > 0 else x_hi
    return True, (float(opt) if np.isfinite(opt) else None)


def table_findings(public: pd.DataFrame, spec: TableSpec | Mapping[str, Any], *, min_cell: int,
                   truth: pd.DataFrame | None = None, model: Model | None = None) -> list[Finding]:
    """Every disclosure fault of one public table (see :class:`Finding`). ``truth``: the
    unsuppressed table, row for row, from which the identities are found (default: ``public``)."""
    public = public.reset_index(drop=True)
    if model is None:
        model = build_model(spec, truth if truth is not None else public)
    return view_findings(View(public, model), min_cell=min_cell)


def view_findings(view: View, *, min_cell: int) -> list[Finding]:
    """:func:`table_findings` of a table already read as a :class:`View`."""
    found = [*view.model.problems, *local_findings(view, min_cell=min_cell)]
    for g in global_findings(view, min_cell=min_cell):
        found.extend(g.findings)
    return found


# ------------------------------------------------------------------ several tables
def _prefix_rate(name: str, r: Rate) -> Rate:
    return Rate(f"{name}{SEP}{r.column}", f"{name}{SEP}{r.denominator}", r.scale,
                tuple(f"{name}{SEP}{b}" for b in r.blank))


def _prefixed(name: str, m: Model) -> tuple:
    """``m``'s columns, identities and rates named ``name::column``, worked out once per (model,
    name): a notebook merges every table it published before with each new one."""
    memo = m.__dict__.setdefault("_prefixed", {})
    hit = memo.get(name)
    if hit is not None and hit[0] == len(m.equations):
        return hit
    pre = lambda c: f"{name}{SEP}{c}"  # noqa: E731
    rates = [_prefix_rate(name, r) for r in m.rates]
    ren = {r.name: p.name for r, p in zip(m.rates, rates)}
    hit = memo[name] = (
        len(m.equations), [pre(c) for c in m.counts],
        {pre(c): {pre(d) for d in ds} for c, ds in m.closure.items()},
        {pre(c): {pre(d) for d in ds} for c, ds in m.linked.items()},
        rates, [(pre(a), pre(b), pre(c)) for a, b, c in m.shares],
        [tuple(((ren.get(c) or pre(c), r), w) for (c, r), w in eq) for eq in m.equations],
        ren, {})
    return hit


def merge_views(views: list[tuple[str, View]], cross: list[Equation]) -> View:
    """One view over several tables, columns named ``table::column``, with the identities of each
    table and ``cross`` (see :func:`link_tables`)."""
    counts, closure, linked, rates, shares, eqs = [], {}, {}, [], [], []
    merged = View.__new__(View)
    merged.values, merged.state, merged.visible, merged.original, merged.rates = {}, {}, {}, {}, []
    merged.protected = set()
    for name, v in views:
        _, m_counts, m_closure, m_linked, m_rates, m_shares, m_eqs, ren, names = _prefixed(name, v.model)
        counts += m_counts
        closure.update(m_closure)
        linked.update(m_linked)
        rates += m_rates
        shares += m_shares
        eqs += m_eqs
        for c in v.values:
            new = names.get(c)
            if new is None:
                new = names[c] = ren.get(c) or f"{name}{SEP}{c}"
            merged.values[new] = v.values[c]
            merged.state[new] = v.state[c]
            merged.original[new] = v.original[c]
        for c in v.visible:
            merged.visible[f"{name}{SEP}{c}"] = v.visible[c]
        merged.protected |= {(f"{name}{SEP}{c}", r) for c, r in v.protected}
        merged.rates += [_prefix_rate(name, r) for r in v.rates]
    merged.model = Model(counts, closure, linked, rates, shares, list(dict.fromkeys(eqs + list(cross))))
    return merged
