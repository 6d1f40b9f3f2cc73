"""Disclosure control for public tables.

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
   them together with what the marks say (``"<5"`` is 1 to 4, ``":"`` any value from 0 up).
   While one is, another visible cell of its identities is hidden as well, shown as ``":"`` (the
   mark Statistics Norway uses for figures withheld for confidentiality): the one that leaves it
   undetermined, else the smallest. When no visible cell is left and the marks alone pin a count
   (four parts ``"<5"`` whose total is ``"<5"``: each part is 1), one of those small counts is
   shown as ``":"`` instead of ``"<5"``, which says less (any value), everywhere it is published.

Disclosure control and the audit run the *same* checks (:mod:`mangfold.publish.checks`):
disclosure repeats "check, hide what the check names" until the check is clean, and the audit runs
the check again on the published files. Tables that share counts are checked together: those a
notebook published before (``published=``), and, between two runs of a year's notebooks, all of
the report's (:func:`plan_across_tables`, whose cells come back as ``hidden=``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..tablespec import TableSpec
from ..text import Hidden
from .model import (BLANK, COMPLEMENT, COMPLEMENT_MARK, PRIMARY, SEP, VISIBLE, Equation, Finding, FindingGroup, Model,
                    UnitIndex, Var, View, build_model, copy_model, determined_unknowns, dim_columns, global_findings, key_columns,
                    local_findings, merge_views, parse_column, parse_frame, spec_dict, table_findings, unit_hidden,
                    unit_index, unit_value)
from .links import link_tables
from .typed import as_published

__all__ = [
    "COMPLEMENT_MARK", "Finding", "Model", "Published", "View", "apply_disclosure_control", "build_model", "disclose",
    "disclose_with_model",
    "global_findings", "key_columns", "link_tables", "local_findings", "mark", "merge_views", "parse_column",
    "plan_across_tables", "spec_dict", "suppress", "suppressed_count", "table_findings",
]

_MAX_ROUNDS = 1000
_SHORT = 12  # terms of an identity that counts as short (see _short_neighbours)
_TRIED_NEAR, _TRIED_FAR = 4, 4  # complementary cells tried: per identity of the cell, of the others


def mark(min_cell: int) -> str:
    """The text shown in place of a count of 1 to ``min_cell - 1``."""
    return f"<{min_cell}"


# ------------------------------------------------------------------ suppression
def _hide_unit(view: View, u: UnitIndex, unit: Var, editable, min_cell: int) -> bool:
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


def _complement_for(f: Finding, g: FindingGroup, view: View, u: UnitIndex, editable) -> Var | None:
    """The visible unit to hide next for a hidden unit ``f.var`` that the identities give away.

    Determined: the smallest visible units of the identities around it are tried, and the one that
    leaves it undetermined (else the fewest units determined) is chosen; ties: the smallest. Narrowed: the
    smallest visible unit of one of its identities. A zero is hidden only if nothing else is left."""
    eqs = view.model.equations
    var = f.var
    near = set(u.sum_index.get(var, []))
    ids = set(near)
    for k in near:  # the identities of the hidden cells next to it: two steps
        for x, _ in eqs[k]:
            if unit_hidden(view, u, u.unit(x))[0]:
                ids |= set(u.sum_index.get(u.unit(x), []))
    if not ids:
        ids = set(g.eq_ids)
    ids = sorted(ids)

    def visible_unit(unit):
        h, v = unit_hidden(view, u, unit)
        return v and not h and all(editable(c) for c in u.cells(unit) if c[0] in view.state)

    cands = sorted({u.unit(x) for k in ids for x, _ in eqs[k] if visible_unit(u.unit(x))})
    if not cands and set(ids) != set(g.eq_ids):
        ids = sorted(set(g.eq_ids) | set(ids))
        cands = sorted({u.unit(x) for k in ids for x, _ in eqs[k] if visible_unit(u.unit(x))})
    if not cands:
        return None
    value = {c: unit_value(view, u, c) for c in cands}
    if f.kind != "recoverable":
        close = {u.unit(x) for k in near for x, _ in eqs[k]} & set(cands) or set(cands)
        return min(close, key=lambda c: (value[c] == 0, value[c], c))
    rank = lambda c: (value[c] == 0, value[c], c)  # noqa: E731
    candset = set(cands)
    own = []
    for k in sorted(near):  # the smallest few of each of its own identities
        own += sorted({u.unit(x) for x, _ in eqs[k]} & candset - set(own), key=rank)[:_TRIED_NEAR]
    trial = own + sorted(candset - set(own), key=rank)[:_TRIED_FAR]
    hidden = sorted({u.unit(x) for k in ids for x, _ in eqs[k] if unit_hidden(view, u, u.unit(x))[0]})
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
        det = determined_unknowns(A)
        key = (value[c] == 0, bool(det[pos[var]]) if var in pos else False, int(det.sum()), value[c], c)
        if best is None or key < best[0]:
            best = (key, c)
    return best[1]


def _upgrade_for(f: Finding, view: View, u: UnitIndex, editable) -> Var | None:
    """A small count marked ``"<min_cell"`` to mark ``":"`` instead, when the marks alone narrow
    ``f.var`` and no visible cell is left to hide: ``f.var`` itself if it is one, else the first of
    its identities' (all of the unit's hidden cells must be editable)."""
    eqs = view.model.equations

    def primary(unit):
        cells = [c for c in u.cells(unit) if view.is_hidden(c)]
        return bool(cells) and all(editable(c) for c in cells) and any(
            c[0] in view.model.counts and view.state[c[0]][c[1]] == PRIMARY for c in cells)

    var = u.unit(f.var)
    if primary(var):
        return var
    for k in sorted(u.sum_index.get(var, [])):
        for x, _ in eqs[k]:
            if primary(u.unit(x)):
                return u.unit(x)
    return None


def _mark_unit(view: View, u: UnitIndex, unit: Var) -> None:
    """Mark every hidden count of ``unit`` ``":"`` (see :func:`_upgrade_for`)."""
    for col, r in u.cells(unit):
        if col in view.model.counts and view.is_hidden((col, r)):
            view.state[col][r] = COMPLEMENT


def _short_neighbours(unit: Var, model: Model, u: UnitIndex) -> set[Var]:
    """The units that share a short identity (a total over a few parts) with ``unit``; long ones
    (a total over many units) rarely decide a cell, and would allow one fix per round only."""
    return {u.unit(x) for k in u.sum_index.get(unit, []) if len(model.equations[k]) <= _SHORT
            for x, _ in model.equations[k]}


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
        u = unit_index(model)
        changed = False
        for g in groups:
            if g.unit is not None:
                changed |= _hide_unit(view, u, g.unit, editable, min_cell)
                continue
            touched: set[Var] = set()  # several fixes per group, where their short identities do not meet
            for f in g.findings:
                around = _short_neighbours(f.var, model, u)
                if around & touched:
                    continue
                target = _complement_for(f, g, view, u, editable)
                if target is not None and _hide_unit(view, u, target, editable, min_cell):
                    changed = True
                    touched |= around | _short_neighbours(target, model, u)
                elif target is None and f.kind == "narrow":
                    up = _upgrade_for(f, view, u, editable)
                    if up is not None:
                        _mark_unit(view, u, up)
                        changed = True
                        touched |= around | _short_neighbours(up, model, u)
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
    model: Model | None = None  # built already from ``truth`` (without person keys), if given

    @property
    def name(self) -> str:
        return str(self.spec.get("name", ""))

    @cached_property
    def parts(self) -> tuple[pd.DataFrame, pd.DataFrame, Model, View] | None:
        """(unsuppressed frame, public frame, model, public view) without person keys, built once:
        every later table of a notebook is checked against this one (None when the two copies do
        not line up). The view is shared: take a :func:`_copy_view` before changing it."""
        truth = self.truth.drop(columns=key_columns(self.truth.columns, self.spec)).reset_index(drop=True)
        public = self.public.drop(columns=key_columns(self.public.columns, self.spec)).reset_index(drop=True)
        if len(truth) != len(public):
            return None
        model = self.model if self.model is not None else build_model(self.spec, truth)
        return truth, public, model, View(public, model)


def _copy_view(v: View) -> View:
    """A view with its own state arrays (checks across tables change states in place)."""
    out = View.__new__(View)
    out.model, out.rates = v.model, list(v.rates)
    out.values = {c: a.copy() for c, a in v.values.items()}
    out.state = {c: a.copy() for c, a in v.state.items()}
    out.visible = {c: a.copy() for c, a in v.visible.items()}
    out.original = {c: a.copy() for c, a in v.original.items()}
    out.protected = set(v.protected)
    return out


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
        if p.parts is None:
            continue
        ptruth, _, pm, pview = p.parts
        items.append((pname, p.spec, ptruth, pm))
        views.append((pname, _copy_view(pview)))
    me = f"{name}#new{SEP}"
    cross, _ = link_tables([*items, (me[:-len(SEP)], sp, base, model)], with_last=True)  # with this table only
    cross = [eq for eq in cross if any(v[0].startswith(me) for v, _ in eq)]
    if not cross:
        return None, None
    merged = merge_views([*views, (me[:-len(SEP)], view)], cross)
    fixed = set()
    for (x, _), (y, _) in cross:
        mine, theirs = (x, y) if x[0].startswith(me) else (y, x)
        if merged.is_hidden(theirs):
            how = PRIMARY if merged.state[theirs[0]][theirs[1]] == PRIMARY else COMPLEMENT
            if not merged.is_hidden(mine):
                merged.hide_count(mine[0], mine[1], how)
            elif how == COMPLEMENT and merged.state[mine[0]][mine[1]] == PRIMARY:
                merged.state[mine[0]][mine[1]] = COMPLEMENT  # one mark for one count
        else:
            fixed.add(mine)
    return merged, (lambda var: var[0].startswith(me) and var not in fixed)


def plan_across_tables(tables: list[Published], *, min_cell: int,
                       cross: list[Equation] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Cells to hide so that the published tables (of one report) are safe *together*: counts they
    share (:func:`link_tables`) are hidden where any of them hides them, and complementary cells
    are added until no hidden count can be recovered from all tables at once.

    Returns ``{table name: [{"column", "row", "dims", "hide"}, ...]}`` for cells visible now:
    ``hide`` is ``"count"`` (a count to mark) or ``"blank"`` (a figure to blank); ``dims`` the
    row's dimension values, which identify it when the notebook runs again (``hidden=`` of
    :func:`apply_disclosure_control`). ``cross``: the equations between the tables' cells (default: the
    counts they share, :func:`link_tables`); the publication ledger gives those between the same
    table of several reports."""
    items, views, frames = [], [], {}
    for p in tables:
        if p.parts is None or not p.name:
            continue
        truth, public, model, view = p.parts
        items.append((p.name, p.spec, truth, model))
        views.append((p.name, _copy_view(view)))
        frames[p.name] = (public, p.spec)
    if cross is None:
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
        elif hx and (merged.state[x[0]][x[1]] == COMPLEMENT) != (merged.state[y[0]][y[1]] == COMPLEMENT):
            for v in (x, y):  # one mark for one count: ":" where either says ":"
                merged.state[v[0]][v[1]] = COMPLEMENT
    suppress(merged, min_cell=min_cell)
    plan: dict[str, list[dict[str, Any]]] = {}
    for key, vis in merged.visible.items():
        name, col = key.split(SEP, 1)
        public, spec = frames[name]
        dims = dim_columns(public, spec)
        st_now, st_before = merged.state.get(key), before_state.get(key)
        for r in range(len(vis)):
            if st_now is not None and st_now[r] != st_before[r] and st_now[r] in (PRIMARY, COMPLEMENT):
                hide = "count"
                if st_now[r] == COMPLEMENT and st_before[r] == PRIMARY:
                    plan.setdefault(name, []).append({"column": col, "row": r, "hide": hide, "mark": COMPLEMENT_MARK,
                                                      "dims": {d: str(public[d].iloc[r]) for d in dims}})
                    continue
            elif st_now is None and before_visible[key][r] and not vis[r]:
                hide = "blank"
            else:
                continue
            plan.setdefault(name, []).append({"column": col, "row": r, "hide": hide,
                                              "dims": {d: str(public[d].iloc[r]) for d in dims}})
    if plan:
        _with_whole_state(plan, merged, frames)
    return plan


def _with_whole_state(plan: dict[str, list[dict[str, Any]]], merged: View, frames) -> None:
    """Add to a plan that changes anything every cell the planned state hides (with ``":"`` where
    it marks a count so), not only the changes: when the notebooks run again, each table then
    starts from the whole safe state and has nothing left to choose, so the next plan finds the
    tables as planned (these hints carry ``"kept": True``: a table with only such hints needs no
    new run of its notebook). With the changes alone a table could choose other complementary cells
    around the new ones, and the plan would chase them from pass to pass (seen on a municipality
    with 8 applications: three passes were not enough)."""
    have = {name: {(h["column"], h["row"]) for h in hs} for name, hs in plan.items()}
    for key, vis in merged.visible.items():
        name, col = key.split(SEP, 1)
        public, spec = frames[name]
        dims = dim_columns(public, spec)
        if key in merged.model.counts:
            st = merged.state[key]
            rows = np.flatnonzero((st == PRIMARY) | (st == COMPLEMENT))
        else:
            st, rows = None, np.flatnonzero(~vis)
        for r in map(int, rows):
            if (col, r) in have.get(name, ()):
                continue
            h: dict[str, Any] = {"column": col, "row": r, "hide": "count" if st is not None else "blank", "kept": True}
            if st is not None and st[r] == COMPLEMENT:
                h["mark"] = COMPLEMENT_MARK
            h["dims"] = {d: str(public[d].iloc[r]) for d in dims}
            plan.setdefault(name, []).append(h)


def _hint_cells(base: pd.DataFrame, spec: Mapping[str, Any], hints) -> list[tuple[dict, str, int]]:
    """(hint, column, row) of each hint whose row is found in ``base`` by its dimension values."""
    dims = dim_columns(base, spec)
    keys = base[dims].astype(str).agg("\x1f".join, axis=1).to_numpy() if dims else None
    out = []
    for h in hints:
        col = h.get("column")
        if col not in base.columns:
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
        out.append((h, col, r))
    return out


def _apply_hints(view: View, base: pd.DataFrame, spec: Mapping[str, Any], hints, min_cell: int) -> None:
    """Hide the cells that :func:`plan_across_tables` or the publication ledger named (rows found by
    their dimensions)."""
    for h, col, r in _hint_cells(base, spec, hints):
        if col not in view.visible:
            continue
        if col in view.state and col in view.model.counts:
            if h.get("series"):  # hidden in another report of the series: must stay unknown here too
                view.protected.add((col, r))
            if view.state[col][r] == VISIBLE:
                x = view.values[col][r]
                view.hide_count(col, r, COMPLEMENT if h.get("mark") == COMPLEMENT_MARK or not 1 <= x < min_cell
                                else PRIMARY)
            elif view.state[col][r] == PRIMARY and h.get("mark") == COMPLEMENT_MARK:
                view.state[col][r] = COMPLEMENT  # another table or report marks this count ":"
        else:
            view.blank([col], r)


def _render(df: pd.DataFrame, view: View, min_cell: int) -> pd.DataFrame:
    """The typed public copy: a hidden count becomes a :class:`~mangfold.text.Hidden` with its mark,
    a blanked cell missing, every other cell keeps its value and type."""
    out = df.copy()
    before = parse_frame(df)
    for c in out.columns:
        old_st = before[c][1]
        if c in view.state:
            st = view.state[c]
            change = ((st == PRIMARY) | (st == COMPLEMENT)) & (old_st != st)
            if change.any():
                vals = out[c].to_numpy(dtype=object).copy()
                for r in np.flatnonzero(change):
                    vals[r] = Hidden(mark(min_cell) if st[r] == PRIMARY else COMPLEMENT_MARK)
                out[c] = pd.Series(vals, index=out.index, dtype=object)
        blank = ~view.visible[c]
        change = blank & (old_st != BLANK)
        if change.any():
            out[c] = out[c].astype(object)
            out.loc[change, c] = None
    return out


def disclose(df: pd.DataFrame, spec: TableSpec | Mapping[str, Any], *, min_cell: int,
             published: list[Published] | tuple[Published, ...] = (),
             hidden: list[dict[str, Any]] | tuple = (), keep: list[dict[str, Any]] | tuple = ()) -> pd.DataFrame:
    """The typed public copy of ``df`` (:mod:`mangfold.publish.typed`): as
    :func:`apply_disclosure_control`, with each hidden count a :class:`~mangfold.text.Hidden` that
    carries its mark instead of the mark's text."""
    return disclose_with_model(df, spec, min_cell=min_cell, published=published, hidden=hidden, keep=keep)[0]


def disclose_with_model(df: pd.DataFrame, spec: TableSpec | Mapping[str, Any], *, min_cell: int,
                        published: list[Published] | tuple[Published, ...] = (),
                        hidden: list[dict[str, Any]] | tuple = (), keep: list[dict[str, Any]] | tuple = (),
                        ) -> tuple[pd.DataFrame, Model]:
    """:func:`disclose`, and the model of ``df`` as :func:`build_model` makes it (a copy taken before
    any check used it): ``ctx.table`` gives it to the :class:`Published` table, which the later tables
    of the notebook are checked against, instead of building it again."""
    sp = spec_dict(spec)
    base = df.drop(columns=key_columns(df.columns, sp)).reset_index(drop=True)
    model = build_model(sp, base)
    pristine = copy_model(model)
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
    if keep:
        fixed = {(col, r) for _, col, r in _hint_cells(base, sp, keep)}
        inner = editable
        me = f"{sp.get('name', 'table')}#new{SEP}"

        def editable(var, inner=inner, fixed=fixed, me=me):  # noqa: F811 (narrows the editable cells)
            own = (var[0][len(me):], var[1]) if str(var[0]).startswith(me) else var
            return own not in fixed and (inner is None or inner(var))
    left = suppress(merged or view, min_cell=min_cell, editable=editable)
    if left:
        warnings.warn(f"disclosure control could not protect {sp.get('name', 'a table')}: "
                      + "; ".join(f"{f.where()}: {f.message}" for f in left[:5]), stacklevel=2)
    return _render(base, view, min_cell), pristine


def apply_disclosure_control(df: pd.DataFrame, spec: TableSpec | Mapping[str, Any], *, min_cell: int,
                             published: list[Published] | tuple[Published, ...] = (),
                             hidden: list[dict[str, Any]] | tuple = (),
                             keep: list[dict[str, Any]] | tuple = ()) -> pd.DataFrame:
    """The public copy of ``df``: person keys dropped, small counts marked ``"<min_cell"``, what is
    derived from them blanked, and complementary cells marked ``":"`` until no hidden cell can be
    recovered (the checks of :func:`table_findings` come out clean). Applying it twice changes
    nothing.

    ``published``: tables published before this one (by the same notebook): a count that they
    share with this table (:func:`link_tables`) is hidden here where they hide it, and cells that
    they show are not relied on to protect this table's hidden counts.

    ``hidden``: cells to hide in any case (from :func:`plan_across_tables`, when the tables of
    several notebooks share counts).

    ``keep``: cells that reports published earlier show (the publication ledger,
    :mod:`mangfold.publish.ledger`): they are not chosen as complementary cells (a small count
    among them is still hidden)."""
    return as_published(disclose(df, spec, min_cell=min_cell, published=published, hidden=hidden, keep=keep))


def suppressed_count(public: pd.DataFrame, min_cell: int) -> int:
    """How many cells carry a suppression mark (primary or complementary)."""
    txt = public.astype(str)
    return int(((txt == mark(min_cell)) | (txt == COMPLEMENT_MARK)).sum().sum())
