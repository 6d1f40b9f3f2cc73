"""``mangfold audit``: check a public folder for disclosure faults.

A public folder (``OUT/<year>/public``) may hold ``report.html``, ``report.pdf``,
``tables/<name>.csv`` with ``tables/<name>.spec.json`` (written together by ``ctx.table``) and
``figures/*.png``. The audit checks

* files: anything else, and any table without its spec (so not written by ``ctx.table``);
* person keys: key columns (``applicant_id``, ``person_id``, ...; vacancy-level lists by a
  ``vacancy_id`` column), the key column names in the report, and key *values* anywhere in a
  cell, a column name or the report (looked up in the store that ``../provenance.json`` names, or
  ``store=``; quarantined rows included);
* every table with the checks that disclosure control itself runs
  (:func:`mangfold.publish.checks.table_findings`): counts of 1 to ``min_cell - 1``, figures
  derived from hidden counts, rates whose hidden numerator is small, and hidden cells that the
  table's totals and repeated cells give away exactly or narrow to one value. The identities are
  found from the unsuppressed copy in ``../restricted/tables`` when it is there (else from the
  public copy); whole-number columns that the spec does not name are treated as counts;
* the report's tables (``<table>`` in ``report.html``): a table or column that is not one of the
  public tables may not show a count of 1 to ``min_cell - 1``;
* counts that several tables share (with the unsuppressed copies): hidden in one table, they must
  not be shown or recoverable from another;
* the report's images: every embedded figure must be one of ``figures/*.png`` (saved by
  ``ctx.figure``).

:func:`plan_folder` is the pipeline's step between two runs of a year's notebooks: it names the
cells that tables of different notebooks must hide for them to be safe together.
"""

from __future__ import annotations

import base64
import functools
import html as html_lib
import hashlib
import json
import re
import warnings
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .. import text
from ..contract.schemas import PERSON_KEYS
from ..tablespec import column_role
from .disclosure import Published, plan_across_tables
from .model import Model, View, build_model, copy_model, global_findings, key_columns, merge_views, unit_index, view_findings
from .ledger import HINTS_FILE, add_cells  # noqa: F401 (HINTS_FILE: named here for callers of plan_folder)
from .links import link_tables
from .render import TEMPLATE_SCRIPTS
from .readcsv import parts_digest, read_text, read_typed_csv
from .safe import formula_findings, markup_findings
from .workbook import WORKBOOK, workbook_findings

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*")
_ALNUM = re.compile(r"[A-Za-z0-9]+")
_IMG = re.compile(r"data:image/([a-z+]+);base64,([A-Za-z0-9+/=\s]+)")
_TAG = re.compile(r"<[^>]+>")
_INT = re.compile(r"^-?\d+(\.0+)?$")
_SMALL_INT = re.compile(r"^[1-9]\d*$")
ALLOWED_FILES = ("report.html", "report.pdf")
FIGURE_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg")
LIST_COLUMNS = ("vacancy_id",)
#: declared roles of a report table's column (``data-mf-role``, written by ``show_table``) that never
#: hold a person count
NON_COUNT_ROLES = ("derived", "statistic", "constant", "dimension")


@dataclass
class AuditResult:
    """``problems``: disclosure faults (the audit fails if there are any); ``notes``: what the
    audit could not check."""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# ------------------------------------------------------------------ reading
def _read_public(path: Path, *, formulas: list[str] | None = None) -> pd.DataFrame:
    """A public CSV as text, with its neutralised formula-like cells restored (``ctx.table``
    prefixes them with ``'``), so that it compares with the restricted copy and the report.
    ``formulas``: collects the cells a spreadsheet would run (read once, checked here)."""
    if formulas is not None:
        formulas += formula_findings(read_text(path, restored=False), f"tables/{path.name}")
    return read_text(path)


def _read_spec(path: Path) -> dict | None:
    sp = path.with_name(path.stem + ".spec.json")
    if not sp.is_file():
        return None
    try:
        spec = json.loads(sp.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return spec if isinstance(spec, dict) else None


#: the model of each table read from a report folder (:func:`_model`), by the bytes of its unsuppressed
#: copy, its spec and its public columns: the disclosure plan and the audit of a report build the same
#: models in one process (:func:`mangfold.run.report.prepare_report`)
_models: OrderedDict[bytes, Model] = OrderedDict()
#: models (and matched copies, links) kept per process (a report has a few dozen tables)
MODELS_MAX = 256


def _memo(cache: OrderedDict, key, make):
    """``cache[key]``, made by ``make()`` when it is not there; the cache keeps the last :data:`MODELS_MAX`."""
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    value = cache[key] = make()
    if len(cache) > MODELS_MAX:
        cache.popitem(last=False)
    return value


def _model_key(spec: dict, truth: pd.DataFrame, restricted: Path, name: str) -> bytes:
    """The key of :func:`_model`'s cache: the bytes of the unsuppressed copy, the spec and the columns."""
    return parts_digest([(restricted / "tables" / f"{name}.csv").read_bytes(),
                         json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str).encode(),
                         json.dumps([str(c) for c in truth.columns], ensure_ascii=False).encode()])


def _model(spec: dict, truth: pd.DataFrame, restricted: Path, name: str, key: bytes | None = None) -> Model:
    """``build_model(spec, truth)`` for the ``truth`` that :func:`_read_truth` read from ``restricted``
    for table ``name``, built once per content and handed out as a copy (:func:`copy_model`).
    ``key``: :func:`_model_key` of the same, if the caller has it."""
    key = _model_key(spec, truth, restricted, name) if key is None else key
    return copy_model(_memo(_models, key, lambda: build_model(spec, truth)))


#: what :func:`_read_truth` gave, by a hash of everything it depends on: the plan and the audit of a report
#: read the same unsuppressed copies against the same public ones, in one process
_truths: OrderedDict[bytes, pd.DataFrame | None] = OrderedDict()


def _read_truth(restricted: Path | None, name: str, public: pd.DataFrame, spec: dict) -> pd.DataFrame | None:
    """The unsuppressed copy of a table, if it matches the public one row for row (found once per
    content: the bytes of the copy, the spec, and the public copy's columns, length and dimension
    values; each caller gets its own frame)."""
    if restricted is None:
        return None
    path = restricted / "tables" / f"{name}.csv"
    if not path.is_file():
        return None
    dims = [d for d in spec.get("dims", []) if d in public.columns]
    key = parts_digest([path.read_bytes(), json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str).encode(),
                        json.dumps([str(c) for c in public.columns], ensure_ascii=False).encode(),
                        str(len(public)).encode(),
                        *(json.dumps(public[d].tolist(), ensure_ascii=False, default=str).encode() for d in dims)])
    truth = _memo(_truths, key, lambda: _match_truth(path, public, spec))
    return None if truth is None else truth.copy()


def _match_truth(path: Path, public: pd.DataFrame, spec: dict) -> pd.DataFrame | None:
    """:func:`_read_truth` of the unsuppressed copy at ``path``, read afresh."""
    try:
        truth = read_typed_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError):
        return None
    truth = truth.drop(columns=key_columns(truth.columns, spec))
    if len(truth) != len(public) or [c for c in public.columns if c not in truth.columns]:
        return None
    truth = truth[list(public.columns)]
    for d in spec.get("dims", []):
        if d in public.columns:
            a = truth[d].astype(str).where(truth[d].notna(), "")
            if not (a.to_numpy() == public[d].to_numpy()).all():
                return None
    return truth


def _store_from_provenance(folder: Path) -> Path | None:
    prov = folder.parent / "provenance.json"
    if prov.is_file():
        try:
            store = json.loads(prov.read_text(encoding="utf-8")).get("store")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        if store and Path(store).is_file():
            return Path(store)
    return None


def min_cell_from_provenance(folder: str | Path) -> int | None:
    """The ``min_cell`` the year was published with (``../provenance.json``), if recorded."""
    prov = Path(folder).parent / "provenance.json"
    try:
        v = json.loads(prov.read_text(encoding="utf-8")).get("params", {}).get("min_cell")
        return int(v) if v is not None else None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, TypeError, ValueError, AttributeError):
        return None


def params_of(folder: str | Path) -> dict | None:
    """The params the year was run with: ``../provenance.json`` of a published folder, or
    ``../restricted/params.yaml`` of one being published; None when neither is there."""
    folder = Path(folder)
    try:
        p = json.loads((folder.parent / "provenance.json").read_text(encoding="utf-8")).get("params")
        if isinstance(p, dict):
            return p
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        pass
    try:
        p = yaml.safe_load((folder.parent / "restricted" / "params.yaml").read_text(encoding="utf-8"))
        return p if isinstance(p, dict) else None
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None


# ------------------------------------------------------------------ tables
def _unroled(df: pd.DataFrame, spec: dict) -> list[str]:
    """Columns that the spec gives no role (:func:`mangfold.tablespec.column_role`)."""
    return [c for c in df.columns if column_role(spec, c) is None]


@dataclass
class _Checked:
    name: str
    spec: dict
    truth: pd.DataFrame | None
    view: View        # the public copy as checked (person keys dropped)
    raw: pd.DataFrame  # the public copy as read
    key: bytes | None = None  # :func:`_model_key` of the model (built from ``truth``)


def audit_table(path: Path, *, min_cell: int, restricted: Path | None = None,
                checked: list | None = None) -> tuple[list[str], list[str]]:
    """(problems, notes) of one public CSV (``checked``: collects what the check across tables needs)."""
    rel = f"tables/{path.name}"
    problems, notes = [], []
    df = raw = _read_public(path, formulas=problems)
    spec = _read_spec(path)
    if spec is None:
        problems.append(f"{rel}: no {path.stem}.spec.json beside it, so it was not written by ctx.table "
                        "(publish every table with ctx.table and a TableSpec)")
        spec = {}
    for c in key_columns(df.columns, spec):
        problems.append(f"{rel}: column {c!r} is a person key")
    for c in df.columns:
        if str(c).strip().lower() in LIST_COLUMNS:
            problems.append(f"{rel}: column {c!r} makes this a vacancy-level list (publish it with "
                            "ctx.restricted_table)")
    df = df.drop(columns=key_columns(df.columns, spec))
    truth = _read_truth(restricted, path.stem, df, spec)
    if restricted is not None and truth is None:
        notes.append(f"{rel}: no matching unsuppressed copy in restricted/tables; identities found from the "
                     "public copy")
    key = _model_key(spec, truth, restricted, path.stem) if truth is not None else None
    model = _model(spec, truth, restricted, path.stem, key) if truth is not None else build_model(spec, df)
    view = View(df, model)
    if checked is not None:
        checked.append(_Checked(path.stem, spec, truth, view, raw, key))
    for f in view_findings(view, min_cell=min_cell):
        problems.append(f"{rel}: {f.where()}: {f.message}")
    for c in _unroled(df, spec):
        problems.append(f"{rel}: column {c!r} has no declared role in {path.stem}.spec.json (declare it in the "
                        "table's TableSpec: dimension, count, derived, constant or statistic)")
    return problems, notes


#: the counts tables share (:func:`_links`), by the tables' names and model keys: the plan and the audit of a
#: report link the same tables in one process
_linked: OrderedDict[tuple, list] = OrderedDict()


def _links(items: list[tuple[str, dict, pd.DataFrame, Model]], keys: list[bytes]) -> list:
    """``link_tables(items)[0]`` (the equations), found once per content: ``keys`` are the items'
    :func:`_model_key` (the bytes of the unsuppressed copy, the spec and the columns: what the model
    and so the links are made from)."""
    key = tuple((name, k) for (name, *_), k in zip(items, keys))
    return list(_memo(_linked, key, lambda: link_tables(items)[0]))  # equations are tuples: a new list is a copy


def audit_across_tables(checked: list[_Checked], *, min_cell: int) -> list[str]:
    """Hidden counts that another table gives away: counts that two tables share (found from the
    unsuppressed copies, :func:`~mangfold.publish.links.link_tables`) are checked together
    with both tables' totals; reported where more than one table is involved (the rest is the
    tables' own check)."""
    linked = [c for c in checked if c.truth is not None and c.view.model.counts]
    cross = _links([(c.name, c.spec, c.truth, c.view.model) for c in linked], [c.key for c in linked])
    if not cross:
        return []
    merged = merge_views([(c.name, c.view) for c in linked], cross)
    u = unit_index(merged.model)

    def tables_of(cells) -> list[str]:
        return sorted({c[0].split("::", 1)[0] for x in cells for c in u.cells(u.unit(x))})

    out = []
    for g in global_findings(merged, min_cell=min_cell, involving=lambda cells: len(tables_of(cells)) > 1):
        cells = u.cells(g.unit) if g.unit is not None else \
            {v for k in g.eq_ids for v, _ in merged.model.equations[k]}
        tables = tables_of(cells)
        for f in g.findings:
            table, col = f.column.split("::", 1)
            others = ", ".join(f"{t}.csv" for t in tables if t != table)
            out.append(f"tables/{table}.csv: row {f.row + 2}, column {col}: {f.message.replace('::', '.csv: ')}; "
                       f"with {others}, which share counts with it")
    return out




def plan_folder(out: str | Path, *, min_cell: int) -> set[str]:
    """Before a report is rendered: the cells to hide so that the tables of all its notebooks are
    safe together (:func:`~mangfold.publish.disclosure.plan_across_tables`), added to
    ``restricted/disclosure_hints.json`` of the year folder ``out``. Returns the names of the tables
    that must change (empty: none): the notebooks that wrote them must run again (``ctx.table``
    hides the cells)."""
    out = Path(out)
    try:
        tables, keys = [], []
        for path in sorted((out / "public" / "tables").glob("*.csv")):
            spec = _read_spec(path)
            if spec is None:
                continue
            public = _read_public(path)
            public = public.drop(columns=key_columns(public.columns, spec))
            truth = _read_truth(out / "restricted", path.stem, public, spec)
            if truth is not None:
                key = _model_key(spec, truth, out / "restricted", path.stem)
                tables.append(Published(spec, truth, public, _model(spec, truth, out / "restricted", path.stem, key)))
                keys.append(key)
        # the tables plan_across_tables links (the audit links the same ones: see _links)
        linked = [(p, k) for p, k in zip(tables, keys) if p.parts is not None and p.name and p.parts[2].counts]
        cross = _links([(p.name, p.spec, p.parts[0], p.parts[2]) for p, _ in linked], [k for _, k in linked])
        plan = plan_across_tables(tables, min_cell=min_cell, cross=cross)
    except Exception as exc:  # the audit still checks the tables together
        warnings.warn(f"{out}: the tables were not planned together ({type(exc).__name__}: {exc})", stacklevel=2)
        return set()
    changed = {name for name, hs in plan.items() if any(not h.get("kept") for h in hs)}
    if not changed:
        return set()
    add_cells(out, plan)
    return changed


# ------------------------------------------------------------------ the report
class _Tables(HTMLParser):
    """The ``<table>`` elements of a page: header texts and body rows of cell texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self._stack: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            t = {"cls": dict(attrs).get("class", "") or "", "head": [], "rows": []}
            self._stack.append(t)
        elif not self._stack:
            return
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
            if tag == "th" and self._in_head:
                self._stack[-1].setdefault("roles", []).append(dict(attrs).get("data-mf-role"))

    def handle_endtag(self, tag):
        if not self._stack:
            return
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            t = self._stack[-1]
            (t["head"] if self._in_head else t["rows"]).append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table":
            self.tables.append(self._stack.pop())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _display(s: str) -> str:
    """A public CSV cell as ``show_table`` shows it."""
    from .context import _fmt

    if s == "":
        return _fmt(None)
    if s in ("True", "False"):
        return _fmt(s == "True")
    if _INT.match(s):
        try:
            return _fmt(int(float(s)))
        except (ValueError, OverflowError):
            return s
    try:
        return _fmt(float(s))
    except ValueError:
        return _fmt(s)  # text: a code shown by its label


def _norm(s: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", s).strip()


def _small_int(s: str, min_cell: int) -> int | None:
    t = re.sub(r"[\s\u00a0\u202f]", "", s)
    if _SMALL_INT.match(t):
        v = int(t)
        if 1 <= v < min_cell:
            return v
    return None


def _within(shown: Counter, public: Counter) -> bool:
    """Every value of a report column, as often as it appears, is in the public column (a report
    table shows a public table, or some of its rows)."""
    return all(public.get(v, 0) >= k for v, k in shown.items())


@functools.lru_cache(maxsize=1 << 16)
def _shown_cell(cell: str) -> str:
    """A public CSV cell as ``show_table`` shows it, spaces normalised (a pure function of the text:
    the cells every report repeats, such as marks, codes and small numbers, are formatted once)."""
    return _norm(_display(cell))


def _shown(column: pd.Series) -> Counter:
    """The cells of a public column as ``show_table`` shows them, with how often each appears."""
    out: Counter = Counter()
    for cell, k in Counter(column.tolist()).items():  # a list: iterating a text Series costs 3 times more
        out[_shown_cell(cell)] += k
    return out


def _shows_a_column(shown: Counter, columns: dict[str, Counter], holding: dict[str, set[str]]) -> bool:
    """True if a report column (``shown``) is within one of a public table's ``columns``;
    ``holding``: the columns each value appears in."""
    names = None
    for v in shown:
        names = holding.get(v, set()) if names is None else names & holding.get(v, set())
        if not names:
            return False
    return any(_within(shown, columns[c]) for c in (columns if names is None else names))


def audit_report_tables(html_text: str, public_tables: dict[str, pd.DataFrame], *, min_cell: int) -> list[str]:
    """Small counts in report tables (or columns) that are not public tables. A column whose header
    declares a non-count role (``data-mf-role``: derived, statistic, constant, dimension; written by
    ``show_table`` from the table's TableSpec) is not read as counts; one declared ``count`` may never
    show 1 to ``min_cell - 1``. For the other columns: a report column
    whose values are all in one public table's column (as ``show_table`` formats them, as often
    as they appear there) shows that column; a table most of whose columns do so shows that table.
    Other columns (translated labels, computed text, or a table that is not public) may not hold
    a count of 1 to ``min_cell - 1``."""
    parser = _Tables()
    parser.feed(html_text)
    shown = {name: {c: _shown(df[c]) for c in df.columns} for name, df in public_tables.items()}
    holding: dict[str, dict[str, set[str]]] = {}
    for name, colsets in shown.items():
        for c, vals in colsets.items():
            for v in vals:
                holding.setdefault(name, {}).setdefault(v, set()).add(c)
    problems = []
    for ti, t in enumerate(parser.tables, start=1):
        rows = [r for r in t["rows"] if r]
        if not rows:
            continue
        width = max(len(r) for r in rows)
        cols = [[_norm(r[j]) if j < len(r) else "" for r in rows] for j in range(width)]
        counted = [Counter(col) for col in cols]
        best, best_cover = None, set()
        for name, colsets in shown.items():
            cover = {j for j, col in enumerate(counted) if _shows_a_column(col, colsets, holding.get(name, {}))}
            if len(cover) > len(best_cover):
                best, best_cover = name, cover
        if best is not None and len(best_cover) * 2 < width:
            best, best_cover = None, set()
        head = t["head"][-1] if t["head"] else []
        roles = t.get("roles", [])
        for j, col in enumerate(cols):
            role = roles[j] if j < len(roles) and len(roles) == len(head) else None
            if role in NON_COUNT_ROLES:
                continue  # a declared ratio, share, test, label or constant: 1 is not a count here
            if j in best_cover and role != "count":
                continue
            for i, cell in enumerate(col):
                v = _small_int(cell, min_cell)
                if v is not None:
                    label = head[j] if j < len(head) else f"column {j + 1}"
                    src = f" (the rest of the table is tables/{best}.csv)" if best else ""
                    why = "a column declared a count" if role == "count" else "this column is not a public table"
                    problems.append(f"report.html: table {ti}, row {i + 1}, column {label!r}: count {v} is below "
                                    f"{min_cell}, and {why}{src}")
    return problems


def audit_report_images(html_text: str, figures: Path) -> list[str]:
    digests = set()
    if figures.is_dir():
        digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in figures.iterdir() if p.is_file()}
    problems = []
    for k, (kind, data) in enumerate(_IMG.findall(html_text), start=1):
        try:
            raw = base64.b64decode(re.sub(r"\s+", "", data), validate=False)
        except (ValueError, base64.binascii.Error):
            raw = b""
        if hashlib.sha256(raw).hexdigest() not in digests:
            problems.append(f"report.html: image {k} ({kind}) is not one of figures/*: it was not saved with "
                            "ctx.figure (draw figures from public tables and save them with ctx.figure)")
    return problems


# ------------------------------------------------------------------ person-key values
def _tokens(text: str) -> set[str]:
    return set(_TOKEN.findall(text)) | set(_ALNUM.findall(text))


def _reportable(token: str) -> bool:
    """Short plain numbers are counts and years far more often than keys: not reported."""
    return len(token) >= 3 and (not token.isdigit() or len(token) >= 6)


def key_value_hits(tokens: dict[str, str], store: Path) -> list[str]:
    """Tokens (token -> where) that are person-key values in the store (quarantined rows included)."""
    tokens = {t: w for t, w in tokens.items() if _reportable(t)}
    if not tokens:
        return []
    # duckdb only when person keys are looked up (`mangfold audit` starts quickly); in a run's worker a
    # cursor on the connection it keeps open
    from ..store import columns, connect

    cols = pd.DataFrame(sorted(columns(store)), columns=["table_name", "column_name"])
    with connect(store) as con:
        con.register("_tokens", pd.DataFrame({"token": list(tokens)}))
        hits: set[str] = set()
        keys = [f'SELECT trim(CAST("{c}" AS VARCHAR)) AS k FROM "{t}"'
                for t, c in cols.itertuples(index=False) if c in PERSON_KEYS]
        if keys:  # every person-key column of the store in one query
            found = con.execute(f"SELECT DISTINCT token FROM _tokens JOIN ({' UNION ALL '.join(keys)}) v "
                                "ON token = v.k").df()
            hits |= set(found["token"])
        if {"_quarantine"} <= set(cols["table_name"]) and "record" in set(cols.loc[cols["table_name"] == "_quarantine",
                                                                                "column_name"]):
            pattern = "(?:" + "|".join(PERSON_KEYS) + r")=([^;]*)"
            found = con.execute(
                "SELECT DISTINCT token FROM _tokens JOIN (SELECT trim(unnest(regexp_extract_all(record, ?, 1))) AS k "
                "FROM _quarantine) q ON token = q.k", [pattern]).df()
            hits |= set(found["token"])
    return [f"{tokens[h]}: contains the person key value {h!r}" for h in sorted(hits)]


# ------------------------------------------------------------------ the folder
def audit(folder: str | Path, *, min_cell: int = 5, store: str | Path | None = None,
          restricted: str | Path | None = None) -> AuditResult:
    """Audit a public folder. ``store``: where person-key values are looked up (default: the store
    named in ``../provenance.json``); ``restricted``: the unsuppressed tables' folder (default
    ``../restricted`` when it exists)."""
    folder = Path(folder)
    res = AuditResult()
    if not folder.is_dir():
        res.problems.append(f"{folder}: not a folder")
        return res
    restricted = Path(restricted) if restricted else folder.parent / "restricted"
    if not restricted.is_dir():
        res.notes.append(f"{restricted}: not found; identities of tables found from the public copies")
        restricted = None

    # files ------------------------------------------------------------------------------------
    for p in sorted(folder.rglob("*")):
        if p.is_dir():
            continue
        rel = p.relative_to(folder).as_posix()
        ok = (rel in ALLOWED_FILES
              or rel == f"tables/{WORKBOOK}"  # rebuilt from the CSVs and compared below
              or (rel.startswith("tables/") and rel.count("/") == 1 and rel.endswith((".csv", ".spec.json")))
              or (rel.startswith("figures/") and rel.count("/") == 1 and rel.lower().endswith(FIGURE_SUFFIXES)))
        if not ok:
            res.problems.append(f"{rel}: not a file the public folder may hold (report.html, report.pdf, "
                                f"tables/*.csv with their .spec.json, tables/{WORKBOOK}, figures/*.png)")

    # tables -----------------------------------------------------------------------------------
    tokens: dict[str, str] = {}
    public_tables: dict[str, pd.DataFrame] = {}
    checked: list[_Checked] = []
    tables = folder / "tables"
    for path in sorted(tables.glob("*.csv")) if tables.is_dir() else []:
        try:
            problems, notes = audit_table(path, min_cell=min_cell, restricted=restricted, checked=checked)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            res.problems.append(f"tables/{path.name}: cannot be read ({exc})")
            continue
        res.problems.extend(problems)
        res.notes.extend(notes)
        df = checked[-1].raw
        public_tables[path.stem] = df
        for c in df.columns:
            for t in _tokens(str(c)):
                tokens.setdefault(t, f"tables/{path.name}: column name {c!r}")
            first: dict[str, int] = {}  # each distinct cell once, at the row it first appears in
            for r, cell in enumerate(df[c]):
                first.setdefault(cell, r)
            for cell, r in first.items():
                for t in _tokens(cell):
                    tokens.setdefault(t, f"tables/{path.name}: row {r + 2}, column {c}")

    if (tables / WORKBOOK).is_file():  # the Excel copy holds exactly the public CSVs, nothing more
        res.problems.extend(workbook_findings(folder))

    if restricted is not None:
        res.problems.extend(audit_across_tables(checked, min_cell=min_cell))
    else:
        res.notes.append("counts shared between tables not checked: no restricted/tables")

    # the report -------------------------------------------------------------------------------
    report = folder / "report.html"
    if report.is_file():
        raw = report.read_text(encoding="utf-8", errors="replace")
        res.problems.extend(audit_report_images(raw, folder / "figures"))
        no_img = _IMG.sub(" ", raw)
        res.problems.extend(audit_report_tables(no_img, public_tables, min_cell=min_cell))
        res.problems.extend(audit_narrative(no_img, min_cell=min_cell, shown=_shown_counts(checked)))
        params = params_of(folder)
        if params is None:
            res.notes.append("numbers in the text not checked: no params (../provenance.json or "
                             "../restricted/params.yaml)")
        else:
            frames = [c.raw for c in checked]
            numbers = np.union1d(_numbers_of(frames), declared_numbers(params))
            names = _names_of(frames)
            names |= {str(v) for v in params.values() if isinstance(v, str)}
            res.problems.extend(audit_numbers(no_img, numbers, names=names))
        # as a reader sees the page (character references such as &#48; decoded), and as it is written
        shown = html_lib.unescape(no_img)
        text = _TAG.sub(" ", shown)
        for key in PERSON_KEYS:
            if re.search(rf"\b{key}\b", text):
                res.problems.append(f"report.html: mentions the person-key column {key!r}")
        for t in _tokens(shown) | _tokens(no_img):
            tokens.setdefault(t, "report.html")

    if report.is_file():  # the tables' formula cells were checked as they were read
        res.problems.extend(_markup_problems(raw))

    # person-key values --------------------------------------------------------------------------
    store_path = Path(store) if store else _store_from_provenance(folder)
    if store_path is None or not store_path.is_file():
        res.notes.append("person-key values not checked: no store (give --store, or keep the store that "
                         "provenance.json names)")
    else:
        res.problems.extend(key_value_hits(tokens, store_path))
    return res


#: words that make a number before them a number of persons (bokmål, singular and plural)
PERSON_NOUNS = ("person", "personer", "søker", "søkere", "søkerne", "søknad", "søknader", "leder", "ledere",
                "lederne", "toppleder", "toppledere", "ansatt", "ansatte", "medlem", "medlemmer", "styremedlem",
                "styremedlemmer", "kvinne", "kvinner", "mann", "menn", "mentor", "mentorer", "mentee", "mentees",
                "deltaker", "deltakere", "kandidat", "kandidater", "innstilt", "innstilte", "tilsatt", "tilsatte",
                "intervjuet", "kvalifisert", "kvalifiserte", "innbygger", "innbyggere", "par")
_NOUN = "|".join(PERSON_NOUNS)
#: a count: a whole number (not part of a decimal, range, date or code) followed by a person noun,
#: at most one word between ("3 nye ledere")
_NARRATIVE_COUNT = re.compile(rf"(?<![\d.,:/–\-§])(\d[\d\u00a0\u202f ]*?)(?![\d.,]\d)\s+(?:\w+\s+)?(?:{_NOUN})\b",
                              re.IGNORECASE)
_NARRATIVE_OF = re.compile(rf"(?<![\d.,:/–\-§])(\d+)\s+av\s+(\d+)\s+(?:\w+\s+)?(?:{_NOUN})\b", re.IGNORECASE)
#: numbers right after these are codes or rule bounds, not counts
_NARRATIVE_CODE = re.compile(r"(landbakgrunnsgruppe|lbg|tiltak|pilot|piloten|kapittel|nivå|trinn|hovedutfordring|"
                             r"minst|færre enn|mindre enn|under|over|til|fra|skala)\s*$", re.IGNORECASE)


_BLOCK_END = re.compile(r"(?i)</(?:h[1-6]|p|li|div|td|th|caption|figcaption|dt|dd|blockquote)\s*>|<br\s*/?>")
#: whole numbers read as years, not counts, in the running text
_YEARS = (1900, 2100)


def narrative_text(page: str) -> str:
    """The running text of a report page: tables, scripts, styles, the contents and year links (``<nav>``:
    headings again, run together) and tags removed."""
    page = re.sub(r"(?is)<(script|style|table|svg|head|nav)\b.*?</\1>", " ", page)  # nav: headings again, links
    return re.sub(r"\s+", " ", html_lib.unescape(_TAG.sub(" ", page)))


def _shown_counts(checked: list[_Checked]) -> tuple[set[int], set[int]]:
    """(every count the public tables show, every year they name): what a count in the running text
    may be."""
    counts: set[int] = set()
    years: set[int] = set()
    for c in checked:
        for col in c.raw.columns:
            role = column_role(c.spec, col)
            if role not in ("count", "dimension", "constant"):
                continue
            # numbers of the column's text (numpy: a pandas Series per step cost 0.1 s a report), whole and not
            # negative; an infinite value is none
            x = np.asarray(pd.to_numeric(c.raw[col].to_numpy(object), errors="coerce"), dtype=float)
            x = x[np.isfinite(x) & (x >= 0)]
            x = x[x == np.round(x)].astype(np.int64)
            if role == "count":
                counts.update(x.tolist())
            elif "year" in str(col).lower():
                years.update(x.tolist())
    return counts, years


def audit_narrative(page: str, *, min_cell: int, shown: tuple[set[int], set[int]] | None = None) -> list[str]:
    """Counts of persons in the report's running text: a number followed by a person noun
    (:data:`PERSON_NOUNS`) may not be 1 to ``min_cell - 1``, and in "X av Y <noun>" neither may
    Y - X (the rest). With ``shown`` (the counts the public tables show, and the years they name:
    :func:`_shown_counts`) every such count must be one the tables show, or a year: a count the text
    took from an unsuppressed frame could give a hidden cell away by subtraction. Numbers after a
    code word (``tiltak 2``, ``landbakgrunnsgruppe 2``) or a rule bound (``minst 2``, ``færre enn
    5``) are not counts. Text functions write numbers from public tables only; this check catches a
    sentence that does not."""
    # block ends (headings, paragraphs, list items, cells) as a mark that no match crosses: "... KS 2009"
    # ending a heading is not a count of the "Ledere" that begins the next
    text = narrative_text(_BLOCK_END.sub(" \u00b6 ", page))
    problems = []
    for m in _NARRATIVE_COUNT.finditer(text):
        digits = re.sub(r"[\s\u00a0\u202f]", "", m.group(1))
        if not digits.isdigit() or _NARRATIVE_CODE.search(text[max(0, m.start() - 30):m.start()]):
            continue
        v = int(digits)
        where = f"(\u2026{text[max(0, m.start() - 60):m.end() + 20].strip()}\u2026)"
        if 1 <= v < min_cell:
            problems.append(f"report.html: the text says {m.group(0).strip()!r}: a count of {v} persons, below "
                            f"{min_cell} {where}")
        elif shown is not None and v and v not in shown[0] and v not in shown[1] and not _YEARS[0] <= v <= _YEARS[1]:
            problems.append(f"report.html: the text says {m.group(0).strip()!r}: {v} is not a count any public "
                            f"table shows (write counts in text from the public tables) {where}")
    for m in _NARRATIVE_OF.finditer(text):
        if _NARRATIVE_CODE.search(text[max(0, m.start() - 30):m.start()]):
            continue
        x, y = int(m.group(1)), int(m.group(2))
        if 1 <= y - x < min_cell and not 1 <= x < min_cell:
            problems.append(f"report.html: the text says {m.group(0).strip()!r}: the rest, {y - x} persons, is "
                            f"below {min_cell}")
    return problems


#: a number in the running text written with decimals or with a unit: a share (``12,3 %``), a
#: difference (``+5,2 pp``), a ratio or a p-value (``0,82``, ``p = 0,012``). Whole numbers without a
#: unit are years, codes or counts (those before a person noun are checked by :func:`audit_narrative`).
_GROUP = "\ue000"  # the thousands separator (U+202F), kept apart from the spaces the text is normalised on
_NARRATIVE_NUMBER = re.compile(r"(?<![\w.,/])[−+\-]?(\d+(?:\ue000\d{3})*(?:,\d+)?)(?![\d])"
                               r"((?:\s|\u00a0)*(?:%|pp\b|prosentpoeng\b|prosent\b))?")


def _cells(df: pd.DataFrame) -> pd.Series:
    """Every cell of ``df`` as one column of Python objects (for checks that do not care which
    column a cell stands in: one pandas call per table instead of one per column)."""
    return pd.Series(df.to_numpy(dtype=object).ravel(), dtype=object)


def _numbers_of(frames) -> np.ndarray:
    """Every finite number in ``frames`` (public CSVs read as text), absolute, sorted, unique."""
    vals = []
    for df in frames:
        if df.shape[1]:
            x = pd.to_numeric(_cells(df), errors="coerce").to_numpy(dtype=float)
            vals.append(np.abs(x[np.isfinite(x)]))
    return np.unique(np.concatenate(vals)) if vals else np.array([])


def declared_numbers(params: dict) -> np.ndarray:
    """The numbers the report's text may write that are no table's cell: every number in the
    params (targets, thresholds, the seed ...), the interval levels that ``alpha`` gives (1 - alpha,
    alpha/2 and 1 - alpha/2 for two-sided intervals, alpha/4 and 1 - alpha/4 for the four stages of
    the funnel) and :data:`mangfold.text.FIXED_NUMBERS` (facts the method text cites)."""
    out = [float(v) for v in text.FIXED_NUMBERS]

    def walk(x):
        if isinstance(x, bool):
            return
        if isinstance(x, (int, float)):
            out.append(float(x))
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
    walk(params)
    a = params.get("alpha")
    if isinstance(a, (int, float)) and not isinstance(a, bool):
        out += [1 - a, a / 2, 1 - a / 2, a / 4, 1 - a / 4]
    return np.unique(np.abs(np.array(out, dtype=float)))


_HAS_DIGIT = re.compile(r"\d")
_NUMBER_TEXT = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")


def _names_of(frames) -> set[str]:
    """The text cells of the public tables that hold a digit without being a number (names such as
    ``Bydel 4,5 Nord``): taken out of the report's text before its numbers are read."""
    out: set[str] = set()
    for df in frames:
        for v in set(_cells(df).tolist()):
            if isinstance(v, str) and _HAS_DIGIT.search(v) and not _NUMBER_TEXT.match(v):
                out.add(v)
    return out


def _near(sorted_vals: np.ndarray, v: float, tol: float) -> bool:
    if not len(sorted_vals):
        return False
    i = int(np.searchsorted(sorted_vals, v))
    return any(abs(sorted_vals[j] - v) <= tol for j in (i - 1, i) if 0 <= j < len(sorted_vals))


def audit_numbers(page: str, numbers: np.ndarray, *, names=()) -> list[str]:
    """Numbers with decimals or a unit in the report's running text (:data:`_NARRATIVE_NUMBER`) that
    neither a public table's cell (``numbers``: :func:`_numbers_of` the public CSVs and
    :func:`declared_numbers`) nor a declared constant explains, at the precision written: ``12,3 %``
    must be a cell of 0.1225 to 0.1235 (or 12.25 to 12.35), ``0,82`` one of 0.815 to 0.825. A
    number the text computed from an unsuppressed frame (a share whose cell is blank) would give a
    hidden count away; text functions write numbers from public tables only, and this check
    catches a sentence that does not. ``names``: text from the data (sector, board and municipality
    names) taken out of the text first, so that a name with a number in it is not read as one."""
    body = narrative_text(_BLOCK_END.sub(" \u00b6 ", page.replace("\u202f", _GROUP)))
    for n in sorted({str(x) for x in names if x and any(ch.isdigit() for ch in str(x))}, key=len, reverse=True):
        body = body.replace(n.replace("\u202f", _GROUP), " ")
    problems = []
    for m in _NARRATIVE_NUMBER.finditer(body):
        digits, unit = m.group(1), (m.group(2) or "").strip().replace("\u00a0", "")
        if "," not in digits and not unit:
            continue
        t = digits.replace(_GROUP, "").replace(",", ".")
        v = float(t)
        dec = len(t.split(".")[1]) if "." in t else 0
        tol = max(0.5 * 10 ** (-dec) * (1 + 1e-9) + 1e-12, 1e-9 * v)
        scales = (100.0,) if unit in ("%", "prosent") else (100.0, 1.0) if unit else (1.0, 100.0)
        if any(_near(numbers, v / k, tol / k) for k in scales):
            continue
        where = f"(\u2026{body[max(0, m.start() - 60):m.end() + 20].strip()}\u2026)".replace(_GROUP, "\u202f")
        problems.append(f"report.html: the text says {m.group(0).strip().replace(_GROUP, chr(0x202f))!r}, which no public table shows and "
                        f"no declared constant explains (write numbers in text from the public tables) {where}")
    return problems


def audit_folder(folder: str | Path, *, min_cell: int = 5, store: str | Path | None = None,
                 restricted: str | Path | None = None) -> list[str]:
    """Disclosure faults in a public folder (empty list = clean); see :func:`audit`."""
    return audit(folder, min_cell=min_cell, store=store, restricted=restricted).problems


def audit_injection(folder: str | Path) -> list[str]:
    """Markup and formulas that came from the input: ``report.html`` may hold no script, event
    handler, ``javascript:`` URL, frame, plug-in or image that is not an embedded figure beyond what
    the report template holds (:data:`mangfold.publish.render.TEMPLATE_SCRIPTS`); no public CSV
    cell or column name may begin with a formula character unless neutralised
    (:mod:`mangfold.publish.safe`)."""
    folder = Path(folder)
    problems = []
    report = folder / "report.html"
    if report.is_file():
        problems += _markup_problems(report.read_text(encoding="utf-8", errors="replace"))
    tables = folder / "tables"
    for path in sorted(tables.glob("*.csv")) if tables.is_dir() else []:
        try:
            raw = read_text(path, restored=False)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError):
            continue  # reported by the table check
        problems += formula_findings(raw, f"tables/{path.name}")
    return problems


def _markup_problems(page: str) -> list[str]:
    return [f"report.html: {f} (text from the data must be shown as text: show_markdown, show_table)"
            for f in markup_findings(page, TEMPLATE_SCRIPTS)]
