"""The publication ledger: what the reports published together show and hide.

Reports in one output folder are read together: a trend table of the 2025 report repeats rows of
2021-2024, and the 2024 report shows the same figures. A cell hidden in one report and shown in
another gives the hidden value away; with it, the complementary suppression of the first report may
fall apart. The rule:

* **Same quantity.** Two cells are the same quantity when they stand in tables of the same name,
  in rows with the same dimension values, in the same column, and their unsuppressed values (the
  reports' ``restricted/tables``) are equal. Only count and derived columns (declared roles) are
  compared.
* **Hidden once, hidden everywhere.** When one report of a group hides such a cell and another shows
  it, the other hides it too (:func:`group_hints`, written to ``restricted/disclosure_hints.json``)
  and its notebooks run again; the run repeats this until no report of the group shows what another
  hides. A group is one series of reports in one folder (``OUT/<year>`` of a run over the whole
  store, or ``OUT/<kommune>/<year>`` of one municipality).
* **What is published stays as it is.** Reports of the same group that are already published and
  not part of this run are fixed: what they hide is hidden in the new reports, and what they show
  is not chosen as a complementary cell (``restricted/disclosure_keep.json``), so rerunning one
  year respects the years published before.

The ledger itself is the set of published reports (each keeps its unsuppressed tables in
``restricted/tables``: never published); :func:`write_ledger` adds a summary of the hidden cells of
each report (``restricted/ledger.json``) for review.
"""

from __future__ import annotations

import json
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..tablespec import column_role
from .identities import COMPLEMENT_MARK, SEP, equalities, key_columns
from .readcsv import parts_digest, read_text

HINTS_FILE = "disclosure_hints.json"
KEEP_FILE = "disclosure_keep.json"
LEDGER_FILE = "ledger.json"
_COMPARED = ("count", "derived")


def _shown_hidden(public: list[str], truth: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(shown, hidden, truth stripped) of a column's cells: hidden where the public cell is blank or a
    mark and the unsuppressed one is not blank. On the cells as lists (a table has a few dozen rows:
    Python's own string methods beat a pandas call per step)."""
    p = [x.strip() for x in public]
    t = [x.strip() for x in truth]
    masked = np.fromiter((x == "" or x == COMPLEMENT_MARK or x.startswith("<") for x in p), bool, len(p))
    filled = np.fromiter((x != "" for x in t), bool, len(t))
    return ~masked, masked & filled, t


@dataclass
class _Table:
    name: str
    spec: dict
    public: pd.DataFrame  # as read: text
    truth: pd.DataFrame   # as read: text, same rows and columns as ``public``

    def __post_init__(self):
        self._cols: dict[str, tuple] = {}

    def col(self, c: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(shown, hidden, truth as numbers, truth as text) of column ``c``, computed once."""
        if c not in self._cols:
            shown, hidden, t = _shown_hidden(self.public[c].tolist(), self.truth[c].tolist())
            self._cols[c] = (shown, hidden, pd.to_numeric(pd.Series(t, dtype=object), errors="coerce").to_numpy(float),
                             np.array(t, dtype=object))
        return self._cols[c]

    def marks(self, c: str) -> tuple[np.ndarray, np.ndarray]:
        """(marked ``<min_cell``, marked ``:``) of column ``c``."""
        p = self.public[c].str.strip()
        return p.str.startswith("<").to_numpy(), (p == COMPLEMENT_MARK).to_numpy()


def _read(path: Path) -> pd.DataFrame:
    """A CSV as text, formula-neutralised cells restored (so that hint dimensions match the data)."""
    return read_text(path)


#: the tables :func:`load_report` read in this process, by report folder: (a hash of the bytes of every
#: file it read, the tables), handed out again while those files are byte for byte the same. A run
#: reads each report as soon as it is planned, while the others still run, so that reconciling the
#: group (which waits for all of them, with the workers idle) finds them read.
_loaded: OrderedDict[str, tuple[bytes, dict[str, _Table]]] = OrderedDict()
#: report folders kept (a national run has about 150 per year)
LOADED_MAX = 1024


def _files_digest(folder: Path) -> bytes:
    """A hash of the names and bytes of the report's table files (public and unsuppressed)."""
    files = [(sub, p) for sub in ("public", "restricted") for p in sorted((folder / sub / "tables").glob("*"))
             if p.suffix in (".csv", ".json") and p.is_file()]
    return parts_digest(part for sub, p in files for part in (f"{sub}/{p.name}".encode(), p.read_bytes()))


@dataclass
class ReportTables:
    """The tables of a report folder as :func:`load_report` reads them, with the hash of the files they
    were read from (:func:`_files_digest`): what a worker that read them hands to the run's process."""

    digest: bytes
    tables: dict[str, _Table]


def read_report(folder: str | Path) -> ReportTables:
    """The tables of a report folder (:func:`load_report`'s), read afresh, with the hash of their files."""
    folder = Path(folder)
    return ReportTables(_files_digest(folder), _load_report(folder))


def load_report(folder: str | Path, read: ReportTables | None = None) -> dict[str, _Table]:
    """The public tables of a report folder (``public/`` and ``restricted/`` inside) with their
    unsuppressed copies, row for row (tables without one are left out). The tables are shared with
    earlier calls for the same files (:data:`_loaded`): read them, never change them. ``read``: the
    same folder's tables read elsewhere (:func:`read_report` on the worker that prepared the report),
    taken instead of reading the files when they were read from the very bytes the files hold now."""
    folder = Path(folder)
    key, digest = str(folder.resolve()), _files_digest(folder)
    hit = _loaded.get(key)
    if hit is not None and hit[0] == digest:
        _loaded.move_to_end(key)
        return dict(hit[1])
    out = read.tables if read is not None and read.digest == digest else _load_report(folder)
    _loaded[key] = (digest, out)
    _loaded.move_to_end(key)
    if len(_loaded) > LOADED_MAX:
        _loaded.popitem(last=False)
    return dict(out)


def _load_report(folder: Path) -> dict[str, _Table]:
    out: dict[str, _Table] = {}
    for path in sorted((folder / "public" / "tables").glob("*.csv")):
        spec_path = path.with_name(path.stem + ".spec.json")
        truth_path = folder / "restricted" / "tables" / path.name
        if not spec_path.is_file() or not truth_path.is_file():
            continue
        try:
            spec = json.loads(spec_path.read_text(encoding="utf-8"))
            public, truth = _read(path), _read(truth_path)
        except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
            continue
        public = public.drop(columns=key_columns(public.columns, spec))
        if len(public) != len(truth) or any(c not in truth.columns for c in public.columns):
            continue
        out[path.stem] = _Table(path.stem, spec, public.reset_index(drop=True),
                                truth[list(public.columns)].reset_index(drop=True))
    return out


def _same(xa, sa, xb, sb) -> np.ndarray:
    """Equal unsuppressed values (as numbers where both are numbers, else as text)."""
    num = np.isfinite(xa) & np.isfinite(xb)
    with np.errstate(invalid="ignore"):
        close = np.isclose(xa, xb, rtol=1e-9, atol=1e-12)
    return np.where(num, close, sa == sb)


def _keys(t: _Table, dims: tuple[str, ...]) -> dict[str, int]:
    """Row of each unique key (dimension values) of ``t`` (keys on several rows are left out)."""
    cache = t.__dict__.setdefault("_keys", {})
    if dims not in cache:
        keys = ["\x1f".join(v) for v in zip(*[t.public[d].tolist() for d in dims])]
        rows: dict[str, int] = {}
        dup = set()
        for r, k in enumerate(keys):
            if k in rows:
                dup.add(k)
            rows[k] = r
        cache[dims] = {k: r for k, r in rows.items() if k not in dup}
    return cache[dims]


def _pairs(a: _Table, b: _Table) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Dimensions of both tables and the rows of ``a`` and ``b`` that match on them (unique keys)."""
    dims = tuple(d for d in a.spec.get("dims", []) if d in a.public.columns and d in b.public.columns
                 and d in b.spec.get("dims", []))
    if not dims or not len(a.public) or not len(b.public):
        return list(dims), np.array([], int), np.array([], int)
    ka, kb = _keys(a, dims), _keys(b, dims)
    both = [(r, kb[k]) for k, r in ka.items() if k in kb]
    ra = np.array([x for x, _ in both], int)
    rb = np.array([y for _, y in both], int)
    return list(dims), ra, rb


def shown_here_hidden_there(here: _Table, there: _Table) -> list[dict]:
    """Cells of ``here`` that show a quantity ``there`` hides, as hints for ``here``
    (``{"column", "row", "dims", "hide"}``, the format of ``disclosure_hints.json``)."""
    return _compare(here, there, hidden_there=True)


def shown_there(here: _Table, there: _Table) -> list[dict]:
    """Cells of ``here`` (shown or hidden) whose quantity ``there`` shows: complementary suppression
    must not rely on hiding them."""
    return _compare(here, there, hidden_there=False)


def _compare(here: _Table, there: _Table, *, hidden_there: bool) -> list[dict]:
    _, rh, rt = _pairs(here, there)
    if not len(rh):
        return []
    out = []
    for c in here.public.columns:
        role = column_role(here.spec, c)
        if role not in _COMPARED or c not in there.public.columns or column_role(there.spec, c) != role:
            continue
        sh, _, xh, th = here.col(c)
        st, ht, xt, tt = there.col(c)
        same = _same(xh[rh], th[rh], xt[rt], tt[rt])
        # hints: shown here and hidden there; keeps: shown there (shown or hidden here)
        cond = (ht[rt] & sh[rh]) if hidden_there else st[rt]
        out += [_hint(here, int(rh[i]), c) for i in np.flatnonzero(same & cond)]
        if hidden_there and role == "count":  # one mark for one count: ":" here where there says ":"
            small_here, _ = here.marks(c)
            _, colon_there = there.marks(c)
            out += [_hint(here, int(rh[i]), c, mark=True)
                    for i in np.flatnonzero(same & small_here[rh] & colon_there[rt])]
    if hidden_there:  # hidden in another report of the series: kept unknown here (View.protected)
        out = [{**h, "series": True} for h in out]
    return out


def group_hints(members: dict[str, Path], fixed=(), *, series: dict[str, str] | None = None,
                labels: dict[str, str] | None = None) -> dict[str, dict[str, list[dict]]]:
    """For each member report (key -> folder) of a group: the cells it shows that another member of
    its series, or a fixed (already published) report of the series, hides; and, through the links a
    table declares (``same_as`` in its spec: the national table's row for a municipality and that
    municipality's own table), the cells shown on one side of a link and hidden on the other.
    ``series``: key -> series (default: one series); ``fixed``: published folders (a list for one
    series, or series -> list); ``labels``: key -> municipality name (for the links). Empty when the
    group is consistent."""
    series = series or {k: "" for k in members}
    loaded = {k: load_report(f) for k, f in members.items()}
    return _group_hints(loaded, _load_fixed(fixed, series), series, labels or {})


def _load_fixed(fixed, series: dict[str, str]) -> dict[str, list[dict[str, _Table]]]:
    fixed_by = fixed if isinstance(fixed, dict) else {s: list(fixed) for s in set(series.values())}
    return {s: [load_report(f) for f in fs] for s, fs in fixed_by.items()}


def _group_hints(loaded: dict[str, dict[str, _Table]], loaded_fixed: dict[str, list[dict[str, _Table]]],
                 series: dict[str, str], labels: dict[str, str]) -> dict[str, dict[str, list[dict]]]:
    by_series: dict[str, list[str]] = {}
    for k in loaded:
        by_series.setdefault(series[k], []).append(k)
    out: dict[str, dict[str, list[dict]]] = {}
    for k, tables in loaded.items():
        others = [loaded[k2] for k2 in by_series[series[k]] if k2 != k] + loaded_fixed.get(series[k], [])
        for name, tab in tables.items():
            cells = [h for o in others if name in o for h in shown_here_hidden_there(tab, o[name])]
            if cells:
                out.setdefault(k, {}).setdefault(name, []).extend(cells)
    for k, name, cells in _link_hints(loaded, labels):
        out.setdefault(k, {}).setdefault(name, []).extend(cells)
    return {k: {n: _unique(c) for n, c in v.items()} for k, v in out.items()}


def _link_hints(loaded: dict[str, dict[str, _Table]], labels: dict[str, str]):
    """Hints across the links tables declare (``same_as``): yields (key, table, cells)."""
    by_label = {v: k for k, v in labels.items()}
    for k, tables in loaded.items():
        for name, tab in tables.items():
            for link in tab.spec.get("same_as", []):
                dim, other_name, where, cols = link["dim"], link["table"], link.get("where", {}), link["columns"]
                if dim not in tab.public.columns:
                    continue
                shared = [d for d in tab.spec.get("dims", []) if d != dim and d in tab.public.columns]
                for r in range(len(tab.public)):
                    k2 = by_label.get(str(tab.public[dim].iloc[r]))
                    other = loaded.get(k2, {}).get(other_name) if k2 is not None else None
                    if other is None:
                        continue
                    match = np.ones(len(other.public), bool)
                    for d, v in {**where, **{d: tab.public[d].iloc[r] for d in shared}}.items():
                        if d not in other.public.columns:
                            match[:] = False
                            break
                        match &= (other.public[d].str.strip() == str(v).strip()).to_numpy()
                    rows = np.flatnonzero(match)
                    if rows.size != 1:
                        continue
                    r2 = int(rows[0])
                    for c_here, c_there in cols.items():
                        if c_here not in tab.public.columns or c_there not in other.public.columns:
                            continue
                        sh, hh, xh, th = tab.col(c_here)
                        so, ho, xo, to = other.col(c_there)
                        if not _same(xh[r:r + 1], th[r:r + 1], xo[r2:r2 + 1], to[r2:r2 + 1])[0]:
                            continue
                        if sh[r] and ho[r2]:
                            yield k, name, [_hint(tab, r, c_here)]
                        elif hh[r] and so[r2]:
                            yield k2, other_name, [_hint(other, r2, c_there)]
                        elif hh[r] and ho[r2] and column_role(tab.spec, c_here) == "count":
                            small_h, colon_h = tab.marks(c_here)
                            small_o, colon_o = other.marks(c_there)
                            if small_h[r] and colon_o[r2]:
                                yield k, name, [_hint(tab, r, c_here, mark=True)]
                            elif colon_h[r] and small_o[r2]:
                                yield k2, other_name, [_hint(other, r2, c_there, mark=True)]


def _hint(t: _Table, r: int, c: str, *, mark: bool = False) -> dict:
    """A hint for cell (``r``, ``c``) of ``t``: hide it, or (``mark``) mark its hidden count ``:``."""
    dims = [d for d in t.spec.get("dims", []) if d in t.public.columns]
    h = {"column": c, "row": int(r), "hide": "count" if column_role(t.spec, c) == "count" else "blank",
         "dims": {d: str(t.public[d].iloc[r]) for d in dims}}
    if mark:
        h["mark"] = COMPLEMENT_MARK
    return h


def keep_cells(member: Path, fixed: list[Path]) -> dict[str, list[dict]]:
    """Cells of ``member`` whose quantity a fixed report shows: not to be hidden as complements."""
    return _keep_cells(load_report(member), [load_report(f) for f in fixed])


def _keep_cells(tables: dict[str, _Table], fixed: list[dict[str, _Table]]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in fixed:
        for name, o in f.items():
            if name in tables:
                out.setdefault(name, []).extend(shown_there(tables[name], o))
    return {k: _unique(v) for k, v in out.items() if v}


def _unique(cells: list[dict]) -> list[dict]:
    seen, out = set(), []
    for h in cells:
        key = (h["column"], h["row"])
        if key not in seen:
            seen.add(key)
            out.append(h)
    return out


def add_cells(folder: Path, cells: dict[str, list[dict]], file: str = HINTS_FILE) -> None:
    """Merge ``cells`` into ``restricted/<file>`` of a report folder."""
    path = Path(folder) / "restricted" / file
    old = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    for name, hs in cells.items():
        seen = {json.dumps(h, sort_keys=True) for h in old.get(name, [])}
        for h in hs:
            k = json.dumps(h, sort_keys=True)
            if k not in seen:
                seen.add(k)
                old.setdefault(name, []).append(h)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(old, ensure_ascii=False, indent=0), encoding="utf-8")


def conflicts(members: dict[str, Path], fixed=(), *, series: dict[str, str] | None = None,
              labels: dict[str, str] | None = None) -> list[str]:
    """Lines naming every cell that one report shows and another of the group hides (the audit of a
    group of reports published together)."""
    lines = []
    for k, tables in group_hints(members, fixed, series=series, labels=labels).items():
        for name, cells in tables.items():
            for h in cells[:20]:
                where = ", ".join(f"{d}={v}" for d, v in h["dims"].items())
                what = ("marked '<' here and ':' in another report published with it (one mark for one count)"
                        if h.get("mark") else "shown here, hidden in another report published with it")
                lines.append(f"{k}: tables/{name}.csv: row {h['row'] + 2} ({where}), column {h['column']}: {what}")
    return lines


def write_ledger(folder: Path, tables: dict[str, _Table] | None = None) -> None:
    """``restricted/ledger.json``: the hidden cells of each public table of a report, by dimension
    values and column (what later runs of other years must respect). ``tables``: the folder's tables
    as :func:`read_report` read them just now (default: read them here)."""
    out = {}
    tables = _load_report(Path(folder)) if tables is None else tables  # on a worker: nothing kept for later calls
    for name, t in tables.items():
        dims = [d for d in t.spec.get("dims", []) if d in t.public.columns]
        text = {}  # columns as lists of their cells, read once (not a pandas lookup per cell)
        cells = []
        for c in t.public.columns:
            if column_role(t.spec, c) not in _COMPARED:
                continue
            rows = np.flatnonzero(_shown_hidden(t.public[c].tolist(), t.truth[c].tolist())[1]).tolist()
            if not rows:
                continue
            for x in (*dims, c):
                if x not in text:
                    text[x] = t.public[x].tolist()
            cells += [{"column": c, "dims": {d: text[d][r] for d in dims}, "mark": text[c][r]} for r in rows]
        if cells:
            out[name] = cells
    (Path(folder) / "restricted").mkdir(parents=True, exist_ok=True)
    (Path(folder) / "restricted" / LEDGER_FILE).write_text(json.dumps(out, ensure_ascii=False, indent=0),
                                                           encoding="utf-8")


def reconcile(members: dict[str, Path], fixed=(), *, last: bool = False, series: dict[str, str] | None = None,
              labels: dict[str, str] | None = None, changed: dict[str, set[str]] | None = None,
              min_cell: int | None = None) -> tuple[list[str], list[str]]:
    """One round of the ledger over a group: the reports (key -> staging folder) that must run
    again, with their hints written (cells another report hides; and, against reports published
    before, the cells those show, kept out of complementary suppression); and, with ``last``, the
    reports that still show what another hides (not to be published). ``series``, ``fixed`` and
    ``labels`` as in :func:`group_hints`. Every report is read once. ``changed`` (optional) receives,
    for each report that must run again, the names of its tables whose cells change. ``min_cell``:
    with it, the reports of a series are also planned as one system (:func:`_union_hints`), once
    their marks agree."""
    changed = {} if changed is None else changed
    series = series or {k: "" for k in members}
    fixed_by = fixed if isinstance(fixed, dict) else {s: list(fixed) for s in set(series.values())}
    if len(members) < 2 and not any(fixed_by.get(s) for s in series.values()):
        return [], []  # a report alone: nothing to reconcile (and nothing to read)
    loaded = {k: load_report(f) for k, f in members.items()}
    loaded_fixed = _load_fixed(fixed_by, series)
    hints = _group_hints(loaded, loaded_fixed, series, labels or {})
    if min_cell is not None:  # series whose marks agree: are they safe together?
        agreed = {k: v for k, v in loaded.items() if not any(series[h] == series[k] for h in hints)}
        try:
            union = _union_hints(agreed, members, series, min_cell)
        except Exception as exc:  # noqa: BLE001 - one unforeseen table must not stop every report of the run
            warnings.warn(f"the reports of a series were not planned as one system ({type(exc).__name__}: {exc})",
                          stacklevel=2)
            union = {}
        for k, cells in union.items():
            for name, hs in cells.items():
                hints.setdefault(k, {}).setdefault(name, []).extend(hs)
    hides = {k for k in members if _hides_any(loaded[k], loaded_fixed.get(series[k], []))}
    if last:
        moving = {k for k, cells in hints.items() if any(_moves(hs) for hs in cells.values())}
        return [], sorted(moving | hides)
    again: set[str] = set()
    for k, cells in hints.items():
        add_cells(members[k], cells)
        moved = {n for n, hs in cells.items() if _moves(hs)}
        if moved:  # a table with only "kept" hints (its state as it is) needs no new run
            again.add(k)
            changed.setdefault(k, set()).update(moved)
    for k in sorted(hides):
        # a published report shows what this one hides: keep those cells visible here
        keep = _keep_cells(loaded[k], loaded_fixed[series[k]])
        path = Path(members[k]) / "restricted" / KEEP_FILE
        known = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        new = {n: [h for h in cs if (h["column"], h["row"]) not in {(x["column"], x["row"]) for x in known.get(n, [])}]
               for n, cs in keep.items()}
        new = {n: cs for n, cs in new.items() if cs}
        if new:
            add_cells(members[k], new, KEEP_FILE)
            again.add(k)
            changed.setdefault(k, set()).update(new)
    return sorted(again), []


def _moves(hints: list[dict]) -> bool:
    """True if ``hints`` change a table (a hint marked ``kept`` restates its state as it is)."""
    return any(not h.get("kept") for h in hints)


#: joins a report's key and a table's name into one table name for :func:`_union_hints` (never in either)
_JOIN = "\x1e"


def _union_hints(loaded: dict[str, dict[str, _Table]], members: dict[str, Path], series: dict[str, str],
                 min_cell: int) -> dict[str, dict[str, list[dict]]]:
    """Cells to hide so that the reports of one series are safe *together*: the same table of several
    years' reports repeats cells (same dimensions, column and unsuppressed value), and the totals of
    one report with those of another can determine a cell that each hides (the 2024 report's total
    over 2023-2024 and the 2025 report's over 2023-2025 give the 2025 row). The tables of a series go
    through :func:`~mangfold.publish.disclosure.plan_across_tables` as one system, linked by those
    repeated cells; the changes it plans come back as hints (``"series": True``: the reports' own
    disclosure control keeps them unknown). Reports published before this run are not part of it
    (what they show is kept visible by :func:`_keep_cells`)."""
    from .disclosure import Published, plan_across_tables  # the ledger alone (audit, tools) needs no planner
    from .readcsv import read_typed_csv

    by_series: dict[str, list[str]] = {}
    for k in loaded:
        by_series.setdefault(series[k], []).append(k)
    out: dict[str, dict[str, list[dict]]] = {}
    for keys in by_series.values():
        if len(keys) < 2:
            continue
        names = sorted({n for k in keys for n in loaded[k]})
        tables, cross = [], []
        for name in names:
            have = [k for k in keys if name in loaded[k] and loaded[k][name].spec.get("counts")]
            eqs = []
            for i, a in enumerate(have):
                for b in have[i + 1:]:
                    ta, tb = loaded[a][name], loaded[b][name]
                    _, ra, rb = _pairs(ta, tb)
                    if not len(ra):
                        continue
                    for c in ta.spec.get("counts", []):
                        if c not in ta.public.columns or c not in tb.public.columns:
                            continue
                        _, _, xa, sa = ta.col(c)
                        _, _, xb, sb = tb.col(c)
                        same = _same(xa[ra], sa[ra], xb[rb], sb[rb]) & (sa[ra] != "")
                        eqs += equalities(f"{a}{_JOIN}{name}{SEP}{c}", ra[same], f"{b}{_JOIN}{name}{SEP}{c}", rb[same])
            if not eqs:
                continue
            read = set()
            for k in have:
                t = loaded[k][name]
                try:
                    truth = read_typed_csv(Path(members[k]) / "restricted" / "tables" / f"{name}.csv")
                    truth = truth.drop(columns=key_columns(truth.columns, t.spec))[list(t.public.columns)]
                except (OSError, KeyError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
                    continue  # its cells stay out of the system (the marks still agree)
                tables.append(Published({**t.spec, "name": f"{k}{_JOIN}{name}"}, truth.reset_index(drop=True),
                                        t.public))
                read.add(f"{k}{_JOIN}{name}")
            cross += [eq for eq in eqs if all(v[0].split(SEP, 1)[0] in read for v, _ in eq)]
        if not cross:
            continue
        plan = plan_across_tables(tables, min_cell=min_cell, cross=cross)
        for joined, hs in plan.items():
            k, name = joined.split(_JOIN, 1)
            # the cells the plan hides are kept unknown in their report; the rest restate its state
            out.setdefault(k, {}).setdefault(name, []).extend(h if h.get("kept") else {**h, "series": True}
                                                              for h in hs)
    return out


def _hides_any(mine: dict[str, _Table], fixed: list[dict[str, _Table]]) -> bool:
    """True if a published report shows a cell that ``mine`` hides."""
    return any(name in mine and any(not h.get("mark") for h in shown_here_hidden_there(o, mine[name]))
               for f in fixed for name, o in f.items())
