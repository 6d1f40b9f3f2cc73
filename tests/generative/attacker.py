"""An attacker on published output, independent of the project's disclosure code.

It reads only files under ``public/`` folders (``tables/*.csv``, ``tables/*.spec.json``,
``report.html``) -- every year and every report of one output folder together -- and tries to
recover hidden counts. It imports nothing from :mod:`mangfold`.

Marks: a count of 1..MIN_CELL-1 shows as ``<5``, a cell hidden so that it cannot be recovered
shows as ``:``, derived figures are empty.

Attacks (each finding says which):

a. ``small-count``: a visible count (spec ``counts``, not ``not_counts``) of 1..4.
b. ``margin`` / ``row-sum``: interval propagation over the totals: rows whose dimension is ``all``
   (or a declared margin label, with its declared parts) are sums of the other rows with the other
   dims equal; spec ``row_sums`` are sums within a row. ``<5`` is in [1, 4], ``:`` in [0, inf).
   A hidden cell pinned to one value is a finding when it is a ``<5`` cell, or a ``:`` cell pinned to
   1..4 (a ``:`` pinned to another value is used as known and propagation goes on).
c. ``status``: board_gender (members, women, men, other_gender, required_min_each, compliant) and
   sector_targets (n_leaders, n_leaders_lbg2, target_share, met / target_status) are solved for
   the hidden count; a single value in 1..4 is a finding. Generic: ``derived-visible``: a
   non-empty derived column (spec ``derived``) in a row where the count it is derived from is hidden
   (a status such as ``withheld`` counts as empty).
d. ``years``: a cell (same report series, table, dims incl. a year, column) hidden in one report
   and shown in another: a finding when the shown value is 1..4 or the hidden mark is ``<5``; then
   (b) is redone over the union of visible values of all the reports of the series. A cell the
   reports publish with values no one quantity can have (0 in one, ``<5`` in another: a count by
   start year that grows) is taken per report there, not as an empty interval to reason from.
e. ``share``: a share/rate column derived from a visible count ``n`` (spec ``derived`` or ``rates``)
   whose value times ``n`` is, within the printed rounding, exactly one integer 1..4 that the row
   does not show as a visible count.
f. ``narrative`` (suspicions, reported separately): a sentence of report.html's text (tags,
   scripts, styles and tables removed) with an integer 1..4 followed by a person word.
"""

from __future__ import annotations

import csv
import html as htmllib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

MIN_CELL = 5
SMALL = range(1, MIN_CELL)
HIDDEN_SMALL, HIDDEN_COMP = f"<{MIN_CELL}", ":"
#: statuses that say "withheld" (not information about the count)
SAFE_STATUS = {"", "withheld", "suppressed", "skjult", "ikke oppgitt", "nan"}
INF = math.inf


@dataclass
class Finding:
    attack: str
    file: str
    row: int | str
    column: str
    detail: str
    value: float | None = None  # the value the attack recovered, where it names one

    def __str__(self) -> str:
        return f"[{self.attack}] {self.file} row {self.row} column {self.column}: {self.detail}"


@dataclass
class Table:
    name: str
    path: Path
    series: str  # report series: the folder above the year folder (e.g. "0301-oslo", "national", "")
    report: str  # the year folder
    header: list[str]
    rows: list[dict[str, str]]
    spec: dict = field(default_factory=dict)

    @property
    def counts(self) -> list[str]:
        nc = set(self.spec.get("not_counts", []))
        return [c for c in self.spec.get("counts", []) if c in self.header and c not in nc]

    @property
    def dims(self) -> list[str]:
        return [d for d in self.spec.get("dims", []) if d in self.header]


def num(v: str) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def is_hidden(v: str) -> bool:
    return v in (HIDDEN_SMALL, HIDDEN_COMP)


def bounds(v: str) -> tuple[float, float] | None:
    """Interval a count cell is known to lie in (None: blank or not a count)."""
    if v == HIDDEN_SMALL:
        return (1, MIN_CELL - 1)
    if v == HIDDEN_COMP:
        return (0, INF)
    x = num(v)
    return (x, x) if x is not None else None


# ------------------------------------------------------------------ reading
def public_folders(out: Path) -> list[Path]:
    return sorted(p for p in Path(out).rglob("public") if p.is_dir())


def read_tables(out: Path) -> list[Table]:
    tables = []
    for pub in public_folders(out):
        year_dir = pub.parent
        series = str(year_dir.parent.relative_to(out)) if year_dir.parent != Path(out) else ""
        for csv_path in sorted((pub / "tables").glob("*.csv")):
            with open(csv_path, encoding="utf-8-sig", newline="") as f:
                reader = csv.DictReader(f)
                rows = [dict(r) for r in reader]
                header = list(reader.fieldnames or [])
            spec_path = csv_path.with_name(csv_path.stem + ".spec.json")
            spec = json.loads(spec_path.read_text(encoding="utf-8")) if spec_path.is_file() else {}
            tables.append(Table(csv_path.stem, csv_path, series, year_dir.name, header, rows, spec))
    return tables


def _rel(t: Table, out: Path) -> str:
    try:
        return str(t.path.relative_to(out))
    except ValueError:
        return str(t.path)


# ------------------------------------------------------------------ (a)
def attack_small_counts(tables: list[Table], out: Path) -> list[Finding]:
    found = []
    for t in tables:
        for i, r in enumerate(t.rows, start=2):
            for c in t.counts:
                x = num(r.get(c, ""))
                if x is not None and x == int(x) and int(x) in SMALL:
                    found.append(Finding("a:small-count", _rel(t, out), i, c, f"visible count {r[c]}"))
    return found


# ------------------------------------------------------------------ (b) and (d)
def _margins(t: Table) -> list[tuple[str, str, tuple[str, ...] | None]]:
    """Declared margins, plus every dim with an ``all`` value (parts: the other values)."""
    out, seen = [], set()
    for m in t.spec.get("margins", []):
        dim, label = m[0], m[1]
        parts = tuple(m[2]) if len(m) > 2 and m[2] else None
        if dim in t.header:
            out.append((dim, label, parts))
            seen.add((dim, label))
    for d in t.dims:
        if (d, "all") not in seen and any(r.get(d) == "all" for r in t.rows) and _verified_total(t, d):
            out.append((d, "all", None))
    return out


def _verified_total(t: Table, dim: str) -> bool:
    """An undeclared ``all`` row is taken as the sum of the other rows only where the public values
    show it: in some group (other dims equal) with every part and the total visible, for a count
    column, the parts add up to the total, and never do not. (An ``all`` that counts distinct
    persons over items, say, is no sum; an attacker who assumed it would 'recover' wrong values.)"""
    others = [d for d in t.dims if d != dim]
    groups: dict[tuple, list[dict]] = {}
    for r in t.rows:
        groups.setdefault(tuple(r.get(d, "") for d in others), []).append(r)
    agree = False
    for rows in groups.values():
        tot = [r for r in rows if r.get(dim) == "all"]
        parts = [r for r in rows if r.get(dim) != "all"]
        if len(tot) != 1 or not parts:
            continue
        for c in t.counts:
            vals = [num(r.get(c, "")) for r in parts]
            total = num(tot[0].get(c, ""))
            if total is None or any(v is None for v in vals):
                continue
            if abs(sum(vals) - total) > 1e-9:
                return False
            agree = agree or total > 0
    return agree


class Cells:
    """Known intervals of count cells: key (series, table, dims tuple, column) -> [lo, hi], with
    the places each cell was published (for findings) and its marks."""

    def __init__(self):
        self.lo: dict[tuple, float] = {}
        self.hi: dict[tuple, float] = {}
        self.marks: dict[tuple, set[str]] = {}
        self.where: dict[tuple, list[str]] = {}

    def add(self, key, v: str, where: str):
        b = bounds(v)
        if b is None:
            return
        lo, hi = self.lo.get(key, -INF), self.hi.get(key, INF)
        self.lo[key], self.hi[key] = max(lo, b[0]), min(hi, b[1])
        self.marks.setdefault(key, set()).add(v if is_hidden(v) else "value")
        self.where.setdefault(key, []).append(where)

    def hidden(self, key) -> bool:
        return key in self.marks and self.marks[key] != {"value"}


def _row_key(t: Table, r: dict, dims: list[str], unique_per_report: bool) -> tuple:
    """(scope, *dimension values): scope is the report, or "" for a row that is the same quantity in
    every report of the series (attack d). A row whose year dimension is not a year (``all``: every
    year up to the report's) counts up to a different year in each report, so it is the report's own."""
    k = tuple(r.get(d, "") for d in dims)
    own = unique_per_report or any("year" in d and not str(r.get(d, "")).strip().isdigit() for d in dims)
    return ((t.report,) if own else ("",)) + k


def _year_dim(t: Table) -> bool:
    return any("year" in d for d in t.dims)


def _contradicted(tables: list[Table]) -> set[tuple]:
    """Cells of tables with a year dimension that the reports of a series publish with values no one
    quantity can have (shown 0 in one report and ``<5`` in another, two different values): a count by
    start year that grows from report to report. Attack (d) takes them as one cell per report."""
    seen = Cells()
    for t in tables:
        if not t.counts or not _year_dim(t):
            continue
        dims = t.dims or [h for h in t.header if h not in t.counts]
        for r in t.rows:
            rk = _row_key(t, r, dims, False)
            for c in t.counts:
                seen.add((t.series, t.name, rk, c), r.get(c, ""), "")
    return {k for k in seen.lo if seen.lo[k] > seen.hi[k]}


def propagate(tables: list[Table], out: Path, *, across_reports: bool) -> tuple[list[Finding], "Cells"]:
    """Attack (b): interval propagation over margins and row sums. ``across_reports``: cells of
    tables with a year dim are one cell across the reports of a series (attack d's union); otherwise
    each report is its own world."""
    cells = Cells()
    constraints: list[tuple[tuple, list[tuple]]] = []  # total key = sum(part keys)
    split = _contradicted(tables) if across_reports else set()

    def key(t: Table, rk: tuple, c: str) -> tuple:
        # a cell the reports contradict (0 in one, <5 in another) is not one quantity: each report's own
        k = (t.series, t.name, rk, c)
        return (t.series, t.name, (t.report,) + rk[1:], c) if k in split else k

    for t in tables:
        if not t.counts:
            continue
        unique = not (across_reports and _year_dim(t))
        dims = t.dims or [h for h in t.header if h not in t.counts]
        for i, r in enumerate(t.rows, start=2):
            rk = _row_key(t, r, dims, unique)
            for c in t.counts:
                cells.add(key(t, rk, c), r.get(c, ""), f"{_rel(t, out)} row {i}")
            for total, parts in t.spec.get("row_sums", []):
                if total in t.header and all(p in t.header for p in parts):
                    constraints.append((key(t, rk, total), [key(t, rk, p) for p in parts]))
        for dim, label, parts in _margins(t):
            if dim not in dims:
                continue
            j = dims.index(dim)
            groups: dict[tuple, dict[str, tuple]] = {}
            for r in t.rows:
                rk = _row_key(t, r, dims, unique)
                # a margin holds within one report: its total and the parts that report shows (the parts
                # may be cells shared with the other reports of the series)
                key_wo = (t.report,) + tuple(x for n, x in enumerate(rk[1:]) if n != j)
                groups.setdefault(key_wo, {})[r.get(dim, "")] = rk
            for g in groups.values():
                if label not in g:
                    continue
                members = [v for v in g if v != label and (parts is None or v in parts)]
                if parts is None:
                    # other labelled partial totals (e.g. "leaders") are not parts of "all"
                    members = [v for v in members if v not in ("all", "leaders", "total")]
                if not members:
                    continue
                for c in t.counts:
                    constraints.append((key(t, g[label], c), [key(t, g[v], c) for v in members]))
    known_before = {k for k in cells.lo if cells.lo[k] == cells.hi[k]}
    for _ in range(20):
        changed = False
        for total, parts in constraints:
            if total not in cells.lo or any(p not in cells.lo for p in parts):
                continue
            # total = sum(parts): tighten every term
            plo = sum(cells.lo[p] for p in parts)
            phi = sum(cells.hi[p] for p in parts)
            tlo, thi = max(cells.lo[total], plo), min(cells.hi[total], phi)
            if tlo > thi:  # not additive in the data (e.g. distinct persons): leave it
                continue
            if (tlo, thi) != (cells.lo[total], cells.hi[total]):
                cells.lo[total], cells.hi[total] = tlo, thi
                changed = True
            for p in parts:
                olo = sum(cells.lo[q] for q in parts if q != p)
                ohi = sum(cells.hi[q] for q in parts if q != p)
                nlo, nhi = max(cells.lo[p], cells.lo[total] - ohi), min(cells.hi[p], cells.hi[total] - olo)
                if nlo > nhi:
                    continue
                if (nlo, nhi) != (cells.lo[p], cells.hi[p]):
                    cells.lo[p], cells.hi[p] = nlo, nhi
                    changed = True
        if not changed:
            break
    found = []
    for k in cells.lo:
        if k in known_before or cells.lo[k] != cells.hi[k] or not cells.hidden(k):
            continue
        v = cells.lo[k]
        marks = cells.marks[k]
        if HIDDEN_SMALL in marks or int(v) in SMALL:
            series, name, rk, col = k
            for where in cells.where[k]:  # each place the cell is published (checked one by one)
                found.append(Finding("d:years-union" if across_reports else "b:margin", where, str(rk), col,
                                     f"hidden cell ({'/'.join(sorted(marks))}) recovered as {v:g} "
                                     f"from totals{' across the reports of the series' if across_reports else ''}",
                                     value=float(v)))
    return found, cells


def attack_years(tables: list[Table], out: Path) -> tuple[list[Finding], list[str]]:
    """Attack (d): the same cell hidden in one report and shown in another."""
    seen: dict[tuple, list[tuple[str, str]]] = {}
    for t in tables:
        if not _year_dim(t):
            continue
        for i, r in enumerate(t.rows, start=2):
            rk = tuple(r.get(d, "") for d in t.dims)
            for c in t.counts:
                seen.setdefault((t.series, t.name, rk, c), []).append((r.get(c, ""), f"{_rel(t, out)} row {i}"))
    found, notes = [], []
    for (series, name, rk, c), vals in seen.items():
        shown = [(v, w) for v, w in vals if num(v) is not None]
        hidden = [(v, w) for v, w in vals if is_hidden(v)]
        if not (shown and hidden):
            continue
        x = num(shown[0][0])
        text = (f"dims {rk}: {hidden[0][0]} in {hidden[0][1]} but {shown[0][0]} in {shown[0][1]}")
        # the same quantity only if the shown value fits the mark ("<5" is 1..4); a 0 shown beside
        # "<5" is another quantity (a cumulative count of another year), not a recovery
        fits = all(int(x) in SMALL for v, _ in hidden if v == HIDDEN_SMALL)
        if fits and (int(x) in SMALL or any(v == HIDDEN_SMALL for v, _ in hidden)):
            found.append(Finding("d:years", hidden[0][1], str(rk), c, text))
        else:
            notes.append(f"{name}.{c} {text}")
    return found, notes


# ------------------------------------------------------------------ (c)
def _cands(v: str, hi: int = 60) -> list[int] | None:
    if v == HIDDEN_SMALL:
        return list(SMALL)
    if v == HIDDEN_COMP:
        return list(range(0, hi + 1))
    x = num(v)
    return [int(x)] if x is not None else None


def _truth(v: str) -> bool | None:
    s = v.strip().lower()
    return True if s in ("true", "1", "1.0", "ja", "yes") else False if s in ("false", "0", "0.0", "nei", "no") else None


def attack_board_gender(t: Table, out: Path) -> list[Finding]:
    found = []
    for i, r in enumerate(t.rows, start=2):
        comp = _truth(r.get("compliant", ""))
        hidden = [c for c in ("women", "men") if is_hidden(r.get(c, ""))]
        if comp is None or not hidden:
            continue
        mem = _cands(r.get("members", ""))
        w, m = _cands(r.get("women", "")), _cands(r.get("men", ""))
        o = _cands(r.get("other_gender", "")) if "other_gender" in t.header else [0]
        req = num(r.get("required_min_each", ""))
        if None in (mem, w, m) or o is None:
            continue
        sols = set()
        for n in mem:
            for a in w:
                for b in m:
                    for z in o:
                        if a + b + z != n:
                            continue
                        rq = req if req is not None else None
                        if rq is None:
                            continue
                        if ((a >= rq) and (b >= rq)) == comp:
                            sols.add((a, b))
        for col, pos in (("women", 0), ("men", 1)):
            vals = {s[pos] for s in sols}
            if col in hidden and len(vals) == 1 and next(iter(vals)) in SMALL:
                found.append(Finding("c:status", _rel(t, out), i, col,
                                     f"compliant={r['compliant']} with members={r.get('members')}, "
                                     f"required_min_each={r.get('required_min_each')} pins {col} = {vals.pop()}"))
    return found


def attack_sector_targets(t: Table, out: Path) -> list[Finding]:
    found = []
    for i, r in enumerate(t.rows, start=2):
        if not is_hidden(r.get("n_leaders_lbg2", "")):
            continue
        target = num(r.get("target_share", ""))
        statuses = []
        if _truth(r.get("met", "")) is not None:
            statuses.append(("met", _truth(r["met"])))
        ts = r.get("target_status", "").strip().lower()
        if ts in ("met", "not_met"):
            statuses.append(("target_status", ts == "met"))
        if target is None or not statuses:
            continue
        ns = _cands(r.get("n_leaders", ""), hi=500)
        xs = _cands(r["n_leaders_lbg2"], hi=500)
        sols = set()
        for n in ns or []:
            for x in xs or []:
                if x > n or n == 0:
                    continue
                if all(((x / n) >= target - 1e-12) == met for _, met in statuses):
                    sols.add(x)
        if len(sols) == 1 and next(iter(sols)) in SMALL:
            col = statuses[0][0]
            found.append(Finding("c:status", _rel(t, out), i, "n_leaders_lbg2",
                                 f"{col}={r.get(col)} with n_leaders={r.get('n_leaders')}, target_share={target} "
                                 f"pins n_leaders_lbg2 = {sols.pop()}"))
    return found


def attack_derived_visible(t: Table, out: Path) -> list[Finding]:
    found = []
    derived = t.spec.get("derived", {})
    for i, r in enumerate(t.rows, start=2):
        for count, cols in derived.items():
            if count not in t.header or not is_hidden(r.get(count, "")):
                continue
            for c in cols:
                v = r.get(c, "")
                if c in t.header and not is_hidden(v) and v.strip().lower() not in SAFE_STATUS:
                    found.append(Finding("c:derived-visible", _rel(t, out), i, c,
                                         f"{c}={v!r} shown while {count}={r[count]}"))
    return found


# ------------------------------------------------------------------ (e)
SHARE_RE = re.compile(r"(share|rate|andel|prop|pct|percent)", re.I)
NOT_SHARE_RE = re.compile(r"(ci_|_ci|ratio|p_value|std|mde|diff|target|population|projected|gap)", re.I)


def _decimals(v: str) -> int:
    if "e" in v.lower():
        return 17
    return len(v.split(".")[1]) if "." in v else 0


def _is_ratio_of_counts(t: Table, share: str, denom: str) -> bool:
    """Whether the public rows show ``share`` = k / ``denom`` for a count column k (in every row
    where all are visible, at least one): only then is share x denom a count. (A Kaplan-Meier
    survival or a pooled rate beside a count is not.)"""
    seen = False
    for k in t.counts:
        if k == denom:
            continue
        ok, any_row = True, False
        for r in t.rows:
            f, n, x = num(r.get(share, "")), num(r.get(denom, "")), num(r.get(k, ""))
            if f is None or n is None or x is None or n <= 0:
                continue
            any_row = True
            if abs(f - x / n) > 1e-6 and abs(f - 100 * x / n) > 1e-4:
                ok = False
                break
        if ok and any_row:
            seen = True
    return seen


def attack_shares(t: Table, out: Path) -> list[Finding]:
    pairs = set()
    sources: dict[str, set[str]] = {}  # share -> the counts it is derived from
    for count, cols in t.spec.get("derived", {}).items():
        for c in cols:
            if SHARE_RE.search(c) and not NOT_SHARE_RE.search(c) and _is_ratio_of_counts(t, c, count):
                pairs.add((c, count))
                sources.setdefault(c, set()).add(count)
    for rate, denom in t.spec.get("rates", []):
        pairs.add((rate, denom))
    found = []
    for i, r in enumerate(t.rows, start=2):
        shown_counts = {int(num(r[c])) for c in t.counts if num(r.get(c, "")) is not None}
        for rate, denom in pairs:
            if rate not in t.header or denom not in t.header:
                continue
            f, n = num(r.get(rate, "")), num(r.get(denom, ""))
            if f is None or n is None or n <= 0:
                continue
            # ``denom`` is the share's numerator when another visible source count m has f * m == n
            others = [num(r.get(m, "")) for m in sources.get(rate, ()) if m != denom and m in t.header]
            if any(m is not None and m > 0 and abs(f * m - n) <= max(1e-6 * m, 0.5 * m * 10 ** (-_decimals(r[rate])))
                   for m in others):
                continue
            scale = 100.0 if f > 1.0 + 1e-9 and f <= 100 else 1.0
            d = _decimals(r[rate])
            tol = max(0.5 * 10 ** (-d), 1e-9 * abs(f)) if d < 15 else 1e-9 * max(1.0, abs(f))
            ks = [k for k in range(0, int(n) + 1) if abs(k / n * scale - f) <= tol * (1 + 1e-9)]
            if len(ks) == 1 and ks[0] in SMALL and ks[0] not in shown_counts:
                found.append(Finding("e:share", _rel(t, out), i, rate,
                                     f"{rate}={r[rate]} x {denom}={r[denom]} gives a hidden numerator of {ks[0]}"))
    return found


# ------------------------------------------------------------------ (f)
#: persons only: boards, municipalities and vacancies are organisations or posts ("2 av 3 styrer" is
#: not a count of persons; "X av Y" alone says nothing of what is counted)
PERSON_WORDS = (r"leder|ledere|lederen|toppleder|toppledere|søker|søkere|søkerne|styremedlem|"
                r"styremedlemmer|medlem|medlemmer|person|personer|ansatt|ansatte|kvinne|kvinner|mann|menn|"
                r"deltaker|deltakere|mentor|mentorer|mentee|par|kandidat|kandidater|innstilt|innstilte|"
                r"ansettelse|ansettelser|tilsatt|tilsatte|intervjuet|kvalifisert|kvalifiserte")
NARRATIVE_RE = re.compile(rf"(?<![\d.,–-])(?<![\d.,–-] )([1-4])\s+({PERSON_WORDS})\b", re.I)
#: Documented whitelist: numbers in the report's fixed text that are not counts of persons.
#: - code numbers: "landbakgrunnsgruppe 2 søker ...", "hovedutfordring 3", "tiltak 2.1", "pilot 3";
#: - ranges in rule text: "2–3 medlemmer: begge kjønn" (the company-law gender rule; the
#:   look-behind above already skips a number right after a dash or a digit);
#: - the disclosure rule itself: "1 til 4", "færre enn 5 personer".
#: a number right after one of these is a code or the rule's bound, not a count (see above)
NARRATIVE_WHITELIST = re.compile(
    r"(\b(landbakgrunnsgruppe|lbg|hovedutfordring|hovedutfordringene|tiltak|pilot|piloten|kapittel|gruppe|"
    r"nivå|trinn)|§|\b1\s+til|\b(færre|mindre)\s+enn)\s*$", re.I)


def report_text(html: str) -> str:
    html = re.sub(r"(?is)<(script|style|table|svg|head)\b.*?</\1>", " ", html)
    html = re.sub(r"(?is)<img\b[^>]*>", " ", html)
    html = re.sub(r"(?s)<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", htmllib.unescape(html))


def attack_narrative(out: Path) -> list[Finding]:
    found = []
    for pub in public_folders(out):
        report = pub / "report.html"
        if not report.is_file():
            continue
        text = report_text(report.read_text(encoding="utf-8"))
        for sent in re.split(r"(?<=[.!?])\s+", text):
            for m in NARRATIVE_RE.finditer(sent):
                if NARRATIVE_WHITELIST.search(sent[max(0, m.start() - 40):m.start()]):
                    continue
                found.append(Finding("f:narrative", str(report.relative_to(out)), "-", m.group(0),
                                     sent.strip()[:240]))
    return found


# ------------------------------------------------------------------ all
@dataclass
class Result:
    findings: list[Finding]
    narrative: list[Finding]
    notes: list[str]
    refuted: list[Finding] = field(default_factory=list)


def _truth_at(out: Path, f: Finding, cache: dict[Path, list[dict] | None]) -> float | None:
    """The unsuppressed value of the cell a finding names (``<report>/public/tables/<t>.csv row N``),
    from the report's ``restricted/tables`` (each file read once, into ``cache``); None if it cannot
    be read."""
    m = re.match(r"(.*)/public/tables/([^/]+\.csv) row (\d+)$", f.file)
    if not m:
        return None
    path = out / m.group(1) / "restricted" / "tables" / m.group(2)
    if path not in cache:
        try:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                cache[path] = list(csv.DictReader(fh))
        except (OSError, ValueError):
            cache[path] = None
    rows, r = cache[path], int(m.group(3)) - 2
    return num(rows[r].get(f.column, "")) if rows is not None and 0 <= r < len(rows) else None


def confirm(out: Path, findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """The test's oracle, after the attacks (which read public files only): a recovered value that
    the unsuppressed table contradicts is no disclosure. The attacks assume that a row repeated by the
    reports of a series is one quantity; an as-of count (pairs ended by the report's year) is not, and
    the reasoning then lands on a wrong value. Returns (confirmed or not checkable, refuted)."""
    kept, refuted, cache = [], [], {}
    for f in findings:
        t = _truth_at(out, f, cache) if f.value is not None else None
        (refuted if t is not None and abs(t - f.value) > 1e-9 else kept).append(f)
    return kept, refuted


def attack(out: str | Path) -> Result:
    """Every attack on every public folder under ``out`` (an output folder of one run)."""
    out = Path(out)
    tables = read_tables(out)
    findings = attack_small_counts(tables, out)
    f, _ = propagate(tables, out, across_reports=False)
    findings += f
    for t in tables:
        if t.name == "board_gender":
            findings += attack_board_gender(t, out)
        if t.name == "sector_targets":
            findings += attack_sector_targets(t, out)
        findings += attack_derived_visible(t, out)
        findings += attack_shares(t, out)
    fy, notes = attack_years(tables, out)
    findings += fy
    fu, _ = propagate(tables, out, across_reports=True)
    known = {(x.file, x.column) for x in findings}
    findings += [x for x in fu if (x.file, x.column) not in known]
    findings, refuted = confirm(out, findings)
    return Result(findings, attack_narrative(out), notes, refuted)
