"""The identities of a published table: what an attacker knows about how its cells add up.

A table's identities are linear equations over its count cells (and over the hidden numerators of
its rates), found from its :class:`~mangfold.tablespec.TableSpec` and from the unsuppressed data:

* declared ``margins`` (``(dim, label)``, or ``(dim, label, parts)`` for a partial total) and
  ``row_sums``, kept only where they hold in the data;
* total rows over a dimension that the spec does not declare (a value ``all``, ``total``,
  ``alle``, ...), and, when the other values do not add up to it, the largest set of them that
  does (a partial total such as ``leaders = top_leader + leader``);
* totals within a row (a count column equal to the sum of two or three others, each of them
  non-zero somewhere, in every row where all are known, at least two);
* equal cells across the values of one dimension (``passed`` of one transition is ``n`` of the
  next; a reference count repeated in each group's row), equal and non-zero in at least two
  groups of the other dimensions and never different;
* across tables (:func:`mangfold.publish.links.link_tables`): counts that two tables share.

What each column is comes from the spec's declared roles only (:func:`mangfold.tablespec.column_role`):
a declared derived column equal to ``count / other count`` in every row (a share) is blanked with
both counts; a declared rate (``rates``) whose numerator the table does not show is a hidden count
(:class:`Rate`). Nothing is guessed from values: a ratio of exactly 1 is a ratio.

Identities found from data can be coincidences: they then only make disclosure control hide a
little more than needed. Imports nothing from mangfold but the TableSpec.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..contract.schemas import PERSON_KEYS
from ..tablespec import TableSpec

COMPLEMENT_MARK = ":"
TOTAL_LABELS = frozenset({"all", "alle", "total", "totalt", "i alt", "sum", "samlet"})

# cell states of a parsed column
BLANK, VISIBLE, PRIMARY, COMPLEMENT, TEXT = 0, 1, 2, 3, 4
_MAX_SUBSET_VALUES = 10
SEP = "::"
MAX_SLOTS = 300


def spec_dict(spec: TableSpec | Mapping[str, Any]) -> dict[str, Any]:
    """A spec as the plain dict that is written beside a public table (``<name>.spec.json``)."""
    return spec.to_json() if isinstance(spec, TableSpec) else dict(spec)


def key_columns(columns, spec: Mapping[str, Any] | None = None) -> list[str]:
    """Columns that are person keys (``PERSON_KEYS`` in any case, or the spec's ``keys``)."""
    extra = {str(k).strip().lower() for k in (spec or {}).get("keys", [])}
    keys = set(PERSON_KEYS) | extra
    return [c for c in columns if str(c).strip().lower() in keys]


# ------------------------------------------------------------------ parsing cells
def parse_column(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(numbers, states) of one column: numbers are NaN where the state is not VISIBLE.

    States: BLANK (missing or empty), VISIBLE (a number), PRIMARY (text starting with ``<``),
    COMPLEMENT (``":"``), TEXT (anything else, booleans included).
    """
    n = len(s)
    if pd.api.types.is_bool_dtype(s.dtype):
        state = np.where(s.isna().to_numpy(), BLANK, TEXT).astype(np.int8)
        return np.full(n, np.nan), state
    if pd.api.types.is_numeric_dtype(s.dtype):
        return _parse_numbers(pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan))
    return _parse_objects(s.astype(object))


def _parse_numbers(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    state = np.where(np.isfinite(v), VISIBLE, np.where(np.isnan(v), BLANK, TEXT)).astype(np.int8)
    return np.where(state == VISIBLE, v, np.nan), state


def _parse_objects(obj: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`parse_column` of a column of Python objects (text, numbers, booleans, missing).

    A cell is blank when missing or empty after stripping, a primary mark when its text begins with
    ``<``, a complement mark when it is ``:``, a number when ``pd.to_numeric`` reads it as a finite
    one (booleans are never numbers), text otherwise. The tests of text run on Python strings, cell by
    cell (a table has hundreds of cells: pandas' string methods cost more per call than the loop)."""
    vals = obj.to_numpy(dtype=object) if isinstance(obj, pd.Series) else np.asarray(obj, dtype=object)
    n = len(vals)
    na = pd.isna(vals)
    if pd.api.types.infer_dtype(vals, skipna=True) in ("string", "empty"):
        is_bool = np.zeros(n, dtype=bool)
    else:
        is_bool = np.fromiter((isinstance(x, (bool, np.bool_)) for x in vals), dtype=bool, count=n)
    text = ["" if m else str(x).strip() for x, m in zip(vals, na)]
    primary = np.fromiter((t.startswith("<") for t in text), dtype=bool, count=n)
    complement = np.fromiter((t == COMPLEMENT_MARK for t in text), dtype=bool, count=n)
    blank = na | np.fromiter((t == "" for t in text), dtype=bool, count=n)
    candidates = vals.copy()
    candidates[na | is_bool | primary | complement] = np.nan
    num = np.asarray(pd.to_numeric(candidates, errors="coerce"), dtype=float)
    state = np.full(n, TEXT, dtype=np.int8)
    state[blank] = BLANK
    state[np.isfinite(num) & ~blank & ~is_bool] = VISIBLE
    state[primary] = PRIMARY
    state[complement] = COMPLEMENT
    return np.where(state == VISIBLE, num, np.nan), state


Parsed = dict[str, tuple[np.ndarray, np.ndarray]]


def parse_frame(df: pd.DataFrame) -> Parsed:
    """:func:`parse_column` of every column of ``df``, in two passes: the columns of plain numbers
    at once, the others (text) cell by cell as one long column."""
    dtypes = dict(zip(df.columns, df.dtypes))
    plain = [c for c, t in dtypes.items() if isinstance(t, np.dtype) and t.kind in "iuf"]
    text = [c for c, t in dtypes.items() if not (pd.api.types.is_bool_dtype(t) or pd.api.types.is_numeric_dtype(t))]
    out: Parsed = {}
    for cols, dtype, parse in ((plain, float, _parse_numbers),
                               (text, object, _parse_objects)):
        if cols:
            v, st = parse(df[cols].to_numpy(dtype=dtype).T.ravel())  # column after column, as one
            v, st = v.reshape(len(cols), len(df)), st.reshape(len(cols), len(df))
            out.update({c: (v[i].copy(), st[i].copy()) for i, c in enumerate(cols)})
    return {c: out[c] if c in out else parse_column(df[c]) for c in df.columns}


def _near_int(x: np.ndarray) -> np.ndarray:
    return np.abs(x - np.round(x)) <= 1e-6 * np.maximum(1.0, np.abs(x))


# ------------------------------------------------------------------ the model
@dataclass(frozen=True)
class Rate:
    """A rate column ``column`` whose numerator ``column * denominator / scale`` is not a column."""
    column: str
    denominator: str
    scale: float
    blank: tuple[str, ...]  # the cells blanked together with the rate when its numerator is hidden

    @property
    def name(self) -> str:
        return f"{self.column} × {self.denominator}" + (" / 100" if self.scale != 1 else "")


@dataclass
class Model:
    """What disclosure control knows about one table: which columns count persons, what is
    derived from what, and the identities an attacker can use (as linear equations over cells)."""
    counts: list[str]
    closure: dict[str, set[str]]              # count -> non-count columns blanked with it
    linked: dict[str, set[str]]               # count -> count columns hidden with it
    rates: list[Rate]
    shares: list[tuple[str, str, str]]        # (share column, numerator count, denominator count)
    equations: list[tuple[tuple[tuple[str, int], float], ...]] = field(default_factory=list)  # sum(w * cell) = 0
    described: list[str] = field(default_factory=list)  # identities found from the data (for messages)
    problems: list["Finding"] = field(default_factory=list)
    values: dict[str, np.ndarray] = field(default_factory=dict)  # count -> its cells in the data (blank 0, hidden NaN)


@dataclass(frozen=True)
class Finding:
    """One disclosure fault in a table.

    kind: ``small`` (a visible count of 1..min_cell-1), ``derived`` (a figure derived from a
    hidden count is visible), ``implied`` (a visible rate times its visible denominator is a
    count of 1..min_cell-1), ``recoverable`` (a hidden cell follows exactly from the table's
    identities), ``narrow`` (the identities and the marks leave one possible value),
    ``structure`` (the table cannot be checked as it stands).
    """
    kind: str
    row: int            # 0-based data row; -1 for the whole table
    column: str         # a column, or a rate's name for hidden numerators
    message: str
    var: tuple[str, int] | None = None

    def where(self) -> str:
        return f"row {self.row + 2}, column {self.column}" if self.row >= 0 else f"column {self.column}"


def _truth_values(parsed: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Numbers of a parsed count column as an attacker's equations use them: blank = 0, hidden = NaN."""
    v, st = parsed
    out = np.where(st == VISIBLE, v, np.nan)
    out[st == BLANK] = 0.0
    return out


def _numeric_candidates(parsed: Parsed, spec: Mapping[str, Any], counts: list[str], dims: list[str]) -> list[str]:
    """Columns that may be a share or a rate of the table's counts: only those the spec declares
    derived (or as a rate); nothing is guessed from values."""
    declared = {c for v in spec.get("derived", {}).values() for c in v} | {r[0] for r in spec.get("rates", [])}
    skip = set(counts) | set(dims)
    return [c for c, (_, st) in parsed.items() if c in declared and c not in skip and (st == VISIBLE).any()]


def _expand(cols: set[str], derived: dict[str, list[str]], counts: set[str]) -> set[str]:
    out = set(cols)
    todo = [c for c in out if c in derived and c not in counts]
    while todo:
        c = todo.pop()
        for d in derived[c]:
            if d not in out and d not in counts:
                out.add(d)
                if d in derived:
                    todo.append(d)
    return out


def dim_columns(df: pd.DataFrame, spec: Mapping[str, Any]) -> list[str]:
    return [d for d in spec.get("dims", []) if d in df.columns]


def build_model(spec: TableSpec | Mapping[str, Any], truth: pd.DataFrame) -> Model:
    """The identities of a table (see the module docstring), from its spec and its unsuppressed
    data ``truth`` (or, lacking that, the public copy: hidden cells then count as unknown)."""
    spec = spec_dict(spec)
    truth = truth.reset_index(drop=True)
    counts = [c for c in spec.get("counts", []) if c in truth.columns]
    cset = set(counts)
    dims = dim_columns(truth, spec)
    derived = {k: [d for d in v if d in truth.columns] for k, v in spec.get("derived", {}).items()}
    closure = {c: _expand({d for d in derived.get(c, []) if d not in cset}, derived, cset) for c in counts}
    linked = {c: {d for d in derived.get(c, []) if d in cset and d != c} for c in counts}
    parsed = parse_frame(truth)
    tv = {c: _truth_values(parsed[c]) for c in counts}
    model = Model(counts, closure, linked, [], [], values=tv)

    # shares and rates ---------------------------------------------------------
    declared_rates = {(r[0], r[1]) for r in spec.get("rates", []) if r[0] in truth.columns and r[1] in cset}
    for d in _numeric_candidates(parsed, spec, counts, dims):
        dv, dst = parsed[d]
        for n in counts:
            rows = (dst == VISIBLE) & np.isfinite(tv[n]) & (tv[n] > 0)
            if not rows.any():
                continue
            x, nv = dv[rows], tv[n][rows]
            if x.min() < 0 or x.max() > 100:
                continue
            scale = 1.0 if x.max() <= 1 + 1e-12 else 100.0
            k = np.round(x * nv / scale)
            numerator = None
            if _near_int(x * nv / scale).all() and (x > 0).any():
                numerator = next((c for c in counts if c != n and np.isfinite(tv[c][rows]).all()
                                  and np.array_equal(tv[c][rows], k)), None)
            if numerator is not None and (d in closure[n] or d in closure[numerator]):
                model.shares.append((d, numerator, n))  # a declared derived share of two counts
            elif (d, n) in declared_rates:
                model.rates.append(Rate(d, n, scale, ()))
    # a share is derived from its numerator and its denominator; where the spec lists it under
    # the denominator only, everything listed there is taken to involve the numerator too
    declared = {c: set(v) for c, v in closure.items()}
    for d, num, den in model.shares:
        extra = _expand({d}, derived, cset)
        closure[num] |= extra | (declared[den] if d in declared[den] else set())
        closure[den] |= extra
    for i, r in enumerate(model.rates):
        extra = _expand({r.column}, derived, cset)
        closure[r.denominator] |= extra
        blank = extra | (declared[r.denominator] if r.column in declared[r.denominator] else set())
        model.rates[i] = Rate(r.column, r.denominator, r.scale, tuple(sorted(blank)))
    _add_equations(model, spec, truth, dims, parsed)
    return model


def copy_model(model: Model) -> Model:
    """A model whose containers are its own (the identities' tuples, rates and findings are shared:
    they are never changed), so that one built once can be handed to several checks."""
    return Model(list(model.counts), {k: set(v) for k, v in model.closure.items()},
                 {k: set(v) for k, v in model.linked.items()}, list(model.rates), list(model.shares),
                 list(model.equations), list(model.described), list(model.problems),
                 {k: v.copy() for k, v in model.values.items()})


def _rate_values(parsed: Parsed, rate: Rate, tv: dict[str, np.ndarray]) -> np.ndarray:
    """The hidden numerator ``rate * denominator / scale`` per row (NaN where not visible; 0 where
    the denominator is a visible 0)."""
    dv, dst = parsed[rate.column]
    n = tv[rate.denominator]
    k = np.round(dv * n / rate.scale)
    k = np.where((dst == VISIBLE) & np.isfinite(k), k, np.nan)
    return np.where(n == 0, 0.0, k)


def row_groups(columns: list[np.ndarray], n: int) -> np.ndarray:
    """Group number of each of ``n`` rows by their values in ``columns`` (text, see
    :class:`Labels`), numbered in order of first appearance (a missing value is a value of its own)."""
    key = np.zeros(n, dtype=np.int64)
    for values in columns:
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        key = pd.factorize(key * max(len(uniques), 1) + codes)[0]
    return key


class Labels:
    """The columns of a frame as text (``astype(str)``), and the groups of its rows by the values
    of some of them (:func:`row_groups`), each computed once."""

    def __init__(self, df: pd.DataFrame):
        self.df = df
        self._text: dict[str, np.ndarray] = {}
        self._groups: dict[tuple[str, ...], np.ndarray] = {}

    def text(self, col: str) -> np.ndarray:
        if col not in self._text:
            self._text[col] = self.df[col].astype(str).to_numpy()
        return self._text[col]

    def groups(self, cols: list[str]) -> np.ndarray:
        key = tuple(cols)
        if key not in self._groups:
            self._groups[key] = row_groups([self.text(c) for c in cols], len(self.df))
        return self._groups[key]


def _refine(labels: Labels, others: list[str], is_total: np.ndarray, candidates: list[str]) -> list[str] | None:
    """Grouping columns under which every group has at most one total row (None if none found)."""
    cols = list(others)
    for extra in [None, *candidates]:
        if extra is not None:
            cols = [*cols, extra]
        g = labels.groups(cols)
        if not len(g) or np.bincount(g[is_total], minlength=int(g.max()) + 1).max(initial=0) <= 1:
            return cols
    return None


Equation = tuple[tuple[tuple[str, int], float], ...]


def _holds(eq: Equation, values: dict[str, np.ndarray]) -> bool:
    """True unless every cell of ``eq`` is known and the identity fails."""
    terms = [values[c][r] * w for (c, r), w in eq]
    if any(np.isnan(terms)):
        return True
    return abs(sum(terms)) <= 1e-6 * max(1.0, sum(abs(t) for t in terms))


def _add_equations(model: Model, spec: Mapping[str, Any], df: pd.DataFrame, dims: list[str],
                   parsed: Parsed) -> None:
    tv = model.values
    values: dict[str, np.ndarray] = dict(tv)
    for r in model.rates:
        values[r.name] = _rate_values(parsed, r, tv)
    labels = Labels(df)
    eqs = [*_margin_equations(model, spec, labels, dims, values),
           *_row_sum_equations(model, spec, tv, values),
           *_equal_equations(model, labels, dims, tv)]
    model.equations = list(dict.fromkeys(eqs))


def _margin_equations(model: Model, spec: Mapping[str, Any], labels: Labels, dims: list[str],
                      values: dict[str, np.ndarray]) -> list[Equation]:
    """Total rows over one dimension: declared ``margins`` (``(dim, label)`` or
    ``(dim, label, parts)``) and dimension values such as ``all``; without ``parts``, the parts are
    all other values of the dimension, or else the largest set of them that adds up in the data."""
    df = labels.df
    declared = [(m[0], str(m[1]), tuple(map(str, m[2])) if len(m) > 2 and m[2] else None)
                for m in spec.get("margins", []) if m[0] in df.columns]
    margins = list(declared)
    for d in dims:
        for lab in sorted({str(v) for v in df[d].dropna().unique()}):
            if lab.strip().lower() in TOTAL_LABELS and not any(
                    m[0] == d and m[1].strip().lower() == lab.strip().lower() for m in declared):
                margins.append((d, lab, None))
    skip = set(model.counts) | {c for s in model.closure.values() for c in s} | {r.column for r in model.rates}
    candidates = [c for c in df.columns if c not in skip and c not in dims
                  and (not pd.api.types.is_numeric_dtype(df[c].dtype) or c in spec.get("not_counts", [])
                       or c in spec.get("constants", []))]
    columns = list(values)
    eqs: list[Equation] = []
    if not columns:
        return eqs
    for dim, label, parts in margins:
        dimvals = df[dim].astype(str).str.strip()
        low = dimvals.str.lower().to_numpy()
        is_total = low == label.strip().lower()
        if not is_total.any():
            continue
        others = [d for d in dims if d != dim]
        cols = _refine(labels, others, is_total, candidates)
        if cols is None:
            model.problems.append(Finding(
                "structure", -1, dim, f"the '{label}' rows over {dim} are not unique within the other "
                f"dimensions ({', '.join(others) or 'none'}): declare the missing dimension in the spec"))
            continue
        total_labels = TOTAL_LABELS | {m[1].strip().lower() for m in margins if m[0] == dim}
        is_part = ~np.isin(low, list(total_labels))
        levels = list(pd.unique(dimvals[is_part]))
        if not levels:
            continue
        g = labels.groups(cols)
        tot_groups = np.unique(g[is_total])
        if parts is not None:
            chosen = [lv for lv in levels if lv in parts]
        else:
            chosen = _choose_parts(g, tot_groups, is_total, dimvals.to_numpy(), levels, columns, values)
            if len(chosen) < len(levels):
                model.described.append(f"'{label}' over {dim} = {' + '.join(chosen)}")
        in_part = is_part & np.isin(dimvals.to_numpy(), chosen)
        per_column: dict[str, list[Equation]] = {c: [] for c in columns}
        for gid in tot_groups:
            tot = np.flatnonzero((g == gid) & is_total)
            prt = np.flatnonzero((g == gid) & in_part)
            if tot.size != 1 or not prt.size:
                continue
            for c in columns:
                per_column[c].append((*(((c, int(r)), 1.0) for r in prt), ((c, int(tot[0])), -1.0)))
        for c, col_eqs in per_column.items():
            # a total that does not add up where it can be checked is no identity for this column
            if all(_holds(eq, values) for eq in col_eqs):
                eqs.extend(col_eqs)
    return eqs


def _choose_parts(g, tot_groups, is_total, dimvals, levels, columns, values) -> list[str]:
    """All levels if the totals add up (where known); else the largest subset of the levels that
    adds up in every group and column (a partial total such as ``leaders``); else all levels."""
    pos = {lv: i for i, lv in enumerate(levels)}
    ng = int(g.max()) + 1 if len(g) else 0
    li = np.array([pos.get(v, -1) for v in dimvals])
    mats, tots = [], []
    for c in columns:
        m = np.zeros((ng, len(levels)))
        np.add.at(m, (g[li >= 0], li[li >= 0]), values[c][li >= 0])  # NaN propagates: unknown
        t = np.full(ng, np.nan)
        t[g[is_total]] = values[c][is_total]
        mats.append(m[tot_groups])
        tots.append(t[tot_groups])
    M, T = np.stack(mats), np.stack(tots)          # columns x groups x levels, columns x groups

    def fits(mask: np.ndarray, need_signal: bool) -> bool:
        s = M[:, :, mask].sum(axis=2)
        known = np.isfinite(s) & np.isfinite(T)
        if not known.any():
            return not need_signal
        ok = np.abs(s[known] - T[known]) <= 1e-6 * np.maximum(1.0, np.abs(T[known]))
        rest = M[:, :, ~mask].sum(axis=2)
        return bool(ok.all()) and (not need_signal or bool((np.abs(rest[known]) > 0).any()))

    full = np.ones(len(levels), dtype=bool)
    if fits(full, False) or len(levels) > _MAX_SUBSET_VALUES:
        return list(levels)
    for size in range(len(levels) - 1, 0, -1):
        for combo in itertools.combinations(range(len(levels)), size):
            mask = np.zeros(len(levels), dtype=bool)
            mask[list(combo)] = True
            if fits(mask, True):
                return [levels[i] for i in combo]
    return list(levels)


def _row_sum_equations(model: Model, spec: Mapping[str, Any], tv: dict[str, np.ndarray],
                       values: dict[str, np.ndarray]) -> list[Equation]:
    """Totals within a row: declared ``row_sums``, and count columns that are the sum of two or
    three other count columns in every row where all are known."""
    row_sums = [(t, tuple(p)) for t, p in spec.get("row_sums", []) if t in tv and all(x in tv for x in p)]
    declared = set(row_sums)
    for t in model.counts:
        others = [c for c in model.counts if c != t]
        for size in (2, 3):
            for parts in itertools.combinations(others, size):
                if (t, parts) in declared:
                    continue
                diff = tv[t] - sum(tv[p] for p in parts)
                known = np.isfinite(diff)
                if (known.sum() >= max(2, len(diff) / 2) and (np.abs(diff[known]) < 1e-6).all()
                        and all((tv[p][known] > 0).any() for p in parts)):
                    row_sums.append((t, parts))
                    model.described.append(f"{t} = {' + '.join(parts)}")
    n_rows = len(next(iter(tv.values()))) if tv else 0
    eqs = []
    for t, parts in row_sums:
        rs = [(((t, r), -1.0), *(((p, r), 1.0) for p in parts)) for r in range(n_rows)]
        if all(_holds(eq, values) for eq in rs):
            eqs.extend(rs)
    return eqs


def agree(a: np.ndarray, b: np.ndarray, both: np.ndarray) -> np.ndarray:
    """Whether cells ``a`` and ``b`` (last axis; ``both``: where both exist) hold the same count:
    in at least two places, known in at least two and half of them, never different where both
    are known, and non-zero in at least two."""
    known = both & np.isfinite(a) & np.isfinite(b)
    n = both.sum(axis=-1)
    return ((n >= 2) & (known.sum(axis=-1) >= np.maximum(2, n / 2)) & ~(known & (a != b)).any(axis=-1)
            & ((known & (a > 0)).sum(axis=-1) >= 2))


def equalities(c1: str, rows1, c2: str, rows2) -> list[Equation]:
    return [(((c1, int(x)), 1.0), ((c2, int(y)), -1.0)) for x, y in zip(rows1, rows2)]


def _equal_equations(model: Model, labels: Labels, dims: list[str], tv: dict[str, np.ndarray]) -> list[Equation]:
    """Cells repeated across the values of one dimension (``passed`` of one transition = ``n`` of
    the next; a reference count repeated for each group): equal, non-zero, in at least two groups of
    the other dimensions and never different."""
    eqs: list[Equation] = []
    for dim in dims if model.counts else ():
        vals = labels.text(dim)
        levels = list(pd.unique(vals))
        if not 2 <= len(levels) <= 60:
            continue
        g = labels.groups([d for d in dims if d != dim])
        ng = int(g.max()) + 1 if len(g) else 0
        if ng < 2:
            continue
        li = {lv: i for i, lv in enumerate(levels)}
        rowidx = np.full((ng, len(levels)), -1)
        rowidx[g, [li[v] for v in vals]] = np.arange(len(vals))
        exists = rowidx >= 0
        cells = np.stack([np.where(exists, tv[c][rowidx], np.nan).T for c in model.counts])  # count x level x group
        nl = len(levels)
        cells, exists = cells.reshape(-1, ng), np.tile(exists.T, (len(model.counts), 1))  # slot = count, level
        for s1 in range(len(cells)):
            rest = np.arange(s1 + 1, len(cells))
            rest = rest[rest % nl != s1 % nl]  # the slots after it, at another level
            for s2 in rest[agree(cells[s1], cells[rest], exists[s1] & exists[rest])]:
                (i1, l1), (i2, l2) = divmod(s1, nl), divmod(int(s2), nl)
                c1, c2, r1, r2 = model.counts[i1], model.counts[i2], rowidx[:, l1], rowidx[:, l2]
                both = (r1 >= 0) & (r2 >= 0)
                model.described.append(f"{c1} at {dim}={levels[l1]} = {c2} at {dim}={levels[l2]}")
                eqs += equalities(c1, r1[both], c2, r2[both])
    return eqs
