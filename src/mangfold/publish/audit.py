"""``mangfold audit``: check a public folder for disclosure faults.

Checks every ``tables/*.csv`` and ``report.html`` for

* person-key columns (``applicant_id``, ``person_id``, ...),
* person-key values anywhere in a cell or in the report text (looked up in the store named by
  ``../provenance.json``),
* counts of 1 to ``min_cell - 1`` persons (count columns from the table's ``.spec.json``, and any
  whole-number column that the spec does not declare a non-count),
* suppressed cells recoverable by subtraction: a total (an ``all`` row, or a total column) minus
  the visible parts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..contract.schemas import PERSON_KEYS

_TOKEN = re.compile(r"[A-Za-z0-9_\-]{3,}")
_IMG = re.compile(r'data:image/[a-z]+;base64,[A-Za-z0-9+/=\s]+')
_TAG = re.compile(r"<[^>]+>")
_INT = re.compile(r"^-?\d+(\.0+)?$")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _spec(path: Path) -> dict:
    sp = path.with_name(path.stem + ".spec.json")
    if sp.is_file():
        try:
            return json.loads(sp.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            return {}
    return {}


def _count_columns(df: pd.DataFrame, spec: dict) -> list[str]:
    declared = set(spec.get("counts", []))
    not_counts = set(spec.get("not_counts", ["year"])) | {"year"}
    dims = set(spec.get("dims", []))
    cols = []
    for c in df.columns:
        if c in declared:
            cols.append(c)
            continue
        if c in not_counts or c in dims:
            continue
        vals = df[c][(df[c] != "") & ~df[c].str.startswith("<")]
        if len(vals) and vals.str.match(_INT).all():
            cols.append(c)
    return cols


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)


def _recoverable(df: pd.DataFrame, spec: dict, name: str) -> list[str]:
    out = []
    sup = {c: df[c].str.startswith("<").to_numpy() for c in spec.get("counts", []) if c in df.columns}
    dims = [d for d in spec.get("dims", []) if d in df.columns]
    for dim, total_label in spec.get("margins", []):
        if dim not in df.columns:
            continue
        others = [d for d in dims if d != dim]
        groups = df.groupby(others, sort=False).indices if others else {(): np.arange(len(df))}
        is_total = (df[dim] == total_label).to_numpy()
        for key, idx in groups.items():
            idx = np.asarray(idx)
            if is_total[idx].sum() != 1 or (~is_total[idx]).sum() == 0:
                continue
            for c, s in sup.items():
                if s[idx].sum() == 1:
                    r = idx[s[idx]][0]
                    out.append(f"tables/{name}.csv: row {r + 2}, column {c}: suppressed cell can be recovered from "
                               f"the '{total_label}' total over {dim} minus the visible parts")
    for total_col, parts in spec.get("row_sums", []):
        cols = [total_col, *parts]
        if not all(c in sup for c in cols):
            continue
        stacked = np.vstack([sup[c] for c in cols])
        for r in np.flatnonzero(stacked.sum(axis=0) == 1):
            c = cols[int(np.argmax(stacked[:, r]))]
            out.append(f"tables/{name}.csv: row {r + 2}, column {c}: suppressed cell can be recovered from "
                       f"{total_col} = {' + '.join(parts)}")
    return out


def _store_from_provenance(folder: Path) -> Path | None:
    prov = folder.parent / "provenance.json"
    if prov.is_file():
        try:
            store = json.loads(prov.read_text(encoding="utf-8")).get("store")
            if store and Path(store).is_file():
                return Path(store)
        except json.JSONDecodeError:
            return None
    return None


def _plausible_key(token: str) -> bool:
    """Person keys are opaque ids: at least 5 characters; a plain number only from 8 digits
    (so that counts and years in the report are not mistaken for keys)."""
    if len(token) < 5:
        return False
    return not token.isdigit() or len(token) >= 8


def _key_hits(tokens: dict[str, str], store: Path | None) -> list[str]:
    """Tokens (token -> where) that are person-key values in the store."""
    tokens = {t: w for t, w in tokens.items() if _plausible_key(t)}
    if not tokens or store is None:
        return []
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        present = set(con.execute("SELECT table_name FROM information_schema.tables").df()["table_name"])
        cols = con.execute("SELECT table_name, column_name FROM information_schema.columns").df()
        tok = pd.DataFrame({"token": list(tokens)})
        con.register("_tokens", tok)
        hits: set[str] = set()
        for t, c in cols.itertuples(index=False):
            if t in present and c in PERSON_KEYS:
                found = con.execute(f'SELECT DISTINCT token FROM _tokens JOIN "{t}" ON token = CAST("{c}" AS VARCHAR)').df()
                hits |= set(found["token"])
    finally:
        con.close()
    return [f"{tokens[h]}: contains the person key value {h!r}" for h in sorted(hits)]


def audit_folder(folder: str | Path, *, min_cell: int = 5, store: str | Path | None = None) -> list[str]:
    """Disclosure faults in a public folder (empty list = clean)."""
    folder = Path(folder)
    problems: list[str] = []
    if not folder.is_dir():
        return [f"{folder}: not a folder"]
    tokens: dict[str, str] = {}
    for path in sorted((folder / "tables").glob("*.csv")) if (folder / "tables").is_dir() else []:
        name = path.stem
        df = _read(path)
        spec = _spec(path)
        for c in df.columns:
            if c.strip().lower() in PERSON_KEYS:
                problems.append(f"tables/{path.name}: column {c!r} is a person key")
        for c in _count_columns(df, spec):
            v = _num(df[c])
            bad = np.flatnonzero((v >= 1) & (v < min_cell))
            for r in bad:
                problems.append(f"tables/{path.name}: row {r + 2}, column {c}: count {int(v[r])} is below {min_cell}")
        problems.extend(_recoverable(df, spec, name))
        for c in df.columns:
            for r, cell in enumerate(df[c]):
                for t in _TOKEN.findall(cell):
                    tokens.setdefault(t, f"tables/{path.name}: row {r + 2}, column {c}")
    report = folder / "report.html"
    if report.is_file():
        text = _TAG.sub(" ", _IMG.sub(" ", report.read_text(encoding="utf-8", errors="replace")))
        for key in PERSON_KEYS:
            if re.search(rf"\b{key}\b", text):
                problems.append(f"report.html: mentions the person-key column {key!r}")
        for t in _TOKEN.findall(text):
            tokens.setdefault(t, "report.html")
    store_path = Path(store) if store else _store_from_provenance(folder)
    problems.extend(_key_hits(tokens, store_path))
    return problems
