"""One small store per municipality, cut from a store that holds many (``mangfold run --municipality``).

Every analysis reads "the store" and assumes it holds one municipality. Rather than teach each analysis
about municipalities, :func:`partition_store` cuts the full store into partitioned Parquet, one folder per
municipality and table, and writes a tiny DuckDB file per municipality whose tables are *views* over
those files (plus the bookkeeping tables ``_files``, ``_quarantine``, ``_missing_tables``, ``_meta``).
A notebook given that file as ``store`` runs unchanged. Workers read Parquet and a few kilobytes of
catalogue, so they need no shared database file (only a shared file system at the same path).

Layout, beside the store (``outputs/mangfold.duckdb`` -> ``outputs/mangfold.duckdb.partitions/``)::

    manifest.json                                         store fingerprint, current cut, row counts
    cut-<id>/tables/<table>/municipality=<slug>/*.parquet the rows of one municipality (hive layout)
    cut-<id>/stores/<slug>.duckdb                         views over them + bookkeeping

The cut is made once per store file and reused while the store is unchanged (same size and
modification time); a new ingest makes a new cut.

How rows are placed (the contract's keys, vectorised in DuckDB):

* ``units`` by ``municipality``; ``vacancies``, ``workforce``, ``pilots``, ``mentoring`` through
  ``unit_id``; ``applications`` through ``vacancy_id``; ``mentoring_survey`` through ``pair_id``;
* ``population`` by ``area`` and ``maturity`` by ``municipality`` (equal to the name in ``units``);
* ``training`` through the person's ``workforce`` row in the year the programme started, else the
  person's latest ``workforce`` row;
* ``boards`` have no unit: by a ``municipality`` column when the export has one (extra columns are
  kept), otherwise all boards belong to the *home* municipality (params ``municipality``), whose
  owner departments they name;
* quarantined rows follow the same keys (read from the quarantine record).

Rows that no key places (a population ``area`` that is no municipality in ``units``, a training row
whose person is in no workforce snapshot, boards when the home municipality is not in the store)
are counted as *unattributed* in the manifest and in :attr:`Partitions.unattributed`; they stay in
the full store (the national report) and are left out of every municipality's report. For every
table, rows in the municipalities plus unattributed rows equal the rows of the full store.

An optional table with no rows for a municipality is *absent* from its store (listed in its
``_missing_tables``), so the report says so in one line instead of analysing an empty table.
The required tables are always present, possibly empty.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from .contract.schemas import REQUIRED_TABLES, TABLES
from .store import StoreError, connect

FORMAT_VERSION = 1
SUFFIX = ".partitions"
BOOKKEEPING = ("_files", "_quarantine", "_missing_tables", "_meta")
MSG_UNKNOWN = "{store}: no municipality matches {name!r}; the store has {names}"
MSG_AMBIGUOUS = "{store}: {name!r} matches several municipalities: {names}; give the full name"


@dataclass(frozen=True)
class Municipality:
    """A municipality as named in ``units.municipality`` and its folder-safe slug."""

    name: str
    slug: str


@dataclass(frozen=True)
class Partitions:
    """The result of :func:`partition_store`.

    ``rows``: one row per (table, municipality) with ``rows`` (rows used) and ``quarantined``;
    ``unattributed``: one row per table with ``rows`` and ``quarantined`` that no key placed and
    ``reason``. ``stores`` maps each slug to its DuckDB file.
    """

    root: Path
    municipalities: tuple[Municipality, ...]
    stores: dict[str, Path]
    rows: pd.DataFrame
    unattributed: pd.DataFrame
    reused: bool

    def store(self, municipality: Municipality | str) -> Path:
        slug = municipality.slug if isinstance(municipality, Municipality) else municipality
        return self.stores[slug]


# ------------------------------------------------------------------ names
def slugify(name: str) -> str:
    """``"0301 Oslo"`` -> ``"0301-oslo"``, ``"1201 Bærum"`` -> ``"1201-baerum"``: lower-case ASCII,
    digits and hyphens (æ -> ae, ø -> o, å -> a), safe as a folder name on every system."""
    text = str(name).strip().lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text or "kommune"


def list_municipalities(store: str | Path) -> list[Municipality]:
    """The municipalities of ``units`` (sorted by name), each with a unique slug."""
    names = [str(n) for n in _municipality_names(store)]
    out, seen = [], set()
    for n in names:
        base = slugify(n)
        slug, k = base, 1
        while slug in seen or slug == "national":
            k += 1
            slug = f"{base}-{k}"
        seen.add(slug)
        out.append(Municipality(n, slug))
    return out


def _municipality_names(store: str | Path) -> list[str]:
    with connect(store) as con:
        df = con.execute("SELECT DISTINCT municipality FROM units WHERE municipality IS NOT NULL "
                         "ORDER BY municipality").df()
    return list(df["municipality"])


def resolve(store: str | Path, name: str, municipalities: list[Municipality] | None = None) -> Municipality:
    """The municipality that ``name`` names: its full name (``0301 Oslo``), its slug (``0301-oslo``),
    its number (``0301``) or its name without the number (``Oslo``), ignoring case.
    Raises :class:`StoreError` when nothing or several match."""
    munis = municipalities if municipalities is not None else list_municipalities(store)
    key = str(name).strip().lower()
    for test in (lambda m: m.name.lower() == key, lambda m: m.slug == slugify(key),
                 lambda m: m.name.split(" ", 1)[0].lower() == key,
                 lambda m: m.name.split(" ", 1)[-1].lower() == key):
        hits = [m for m in munis if test(m)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise StoreError(MSG_AMBIGUOUS.format(store=store, name=name, names=", ".join(m.name for m in hits)))
    shown = ", ".join(m.name for m in munis[:20]) + (f" (and {len(munis) - 20} more)" if len(munis) > 20 else "")
    raise StoreError(MSG_UNKNOWN.format(store=store, name=name, names=shown or "none"))


# ------------------------------------------------------------------ placing rows
def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    df = con.execute("SELECT column_name FROM information_schema.columns WHERE table_catalog = 's' "
                     "AND table_name = ? ORDER BY ordinal_position", [table]).df()
    return list(df["column_name"])


#: How each table whose key names its municipality is placed: (lookup table, its key, the table's
#: column, reason when the lookup finds nothing). ``_m`` maps names to slugs; the others map unit,
#: vacancy and pair ids to slugs (see :func:`partition_store`).
_LOOKUPS: dict[str, tuple[str, str, str, str]] = {
    "units": ("_m", "name", "municipality", "no municipality"),
    **{t: ("_unit_m", "unit_id", "unit_id", "unit not in units")
       for t in ("vacancies", "workforce", "pilots", "mentoring")},
    "applications": ("_vac_m", "vacancy_id", "vacancy_id", "vacancy not in vacancies"),
    "mentoring_survey": ("_pair_m", "pair_id", "pair_id", "pair not in mentoring"),
    "population": ("_m", "name", "area", "area is no municipality in units"),
    "maturity": ("_m", "name", "municipality", "municipality not in units"),
}


def _placement(table: str, cols: list[str], present: set[str], home_slug: str | None) -> tuple[str, str]:
    """SQL selecting ``t.*`` plus the slug ``__m`` (NULL = unattributed) for a contract table, and
    the reason text used when ``__m`` is NULL."""
    t = f's."{table}"'
    rule = _LOOKUPS.get("maturity" if table == "boards" and "municipality" in cols else table)
    if rule is not None:
        lookup, key, col, reason = rule
        return f"SELECT t.*, l.slug AS __m FROM {t} t LEFT JOIN {lookup} l ON l.{key} = t.{col}", reason
    if table == "boards":
        home = "NULL" if home_slug is None else "'" + home_slug.replace("'", "''") + "'"
        return f"SELECT t.*, {home}::VARCHAR AS __m FROM {t} t", "home municipality (params) not in units"
    if table == "training":
        if "workforce" not in present:
            return f"SELECT t.*, NULL::VARCHAR AS __m FROM {t} t", "no workforce table to place the person"
        return (f"""SELECT t.*, coalesce(w.slug, l.slug) AS __m FROM {t} t
                    LEFT JOIN _person_year_m w ON w.person_id = t.person_id AND w.year = year(t.start_date)
                    LEFT JOIN _person_m l ON l.person_id = t.person_id""",
                "person in no workforce snapshot")
    raise ValueError(f"no placement rule for table {table!r}")  # pragma: no cover - every contract table has one


def _record_key(column: str) -> str:
    """SQL extracting ``column`` from a quarantine record ``k=v; k=v``."""
    return f"nullif(regexp_extract(q.record, '(?:^|; ){column}=([^;]*)', 1), '')"


#: a quarantined child follows its parent even when the parent is quarantined too
_WITH_QUARANTINED = {"_vac_m": "_vac_all", "_pair_m": "_pair_all"}


def _quarantine_placement(home_slug: str | None, board_has_municipality: bool) -> str:
    """SQL placing the quarantined rows by the same keys as :data:`_LOOKUPS`, read from their record."""
    home = "NULL" if home_slug is None else "'" + home_slug.replace("'", "''") + "'"
    lookups = {**_LOOKUPS, **({"boards": _LOOKUPS["maturity"]} if board_has_municipality else {}),
               "training": ("_person_m", "person_id", "person_id", "")}
    cases = "\n".join(
        f"WHEN '{table}' THEN (SELECT slug FROM {_WITH_QUARANTINED.get(lookup, lookup)} "
        f"WHERE {key} = {_record_key(col)})" for table, (lookup, key, col, _) in lookups.items())
    board = "" if board_has_municipality else f"WHEN 'boards' THEN {home}"
    return f"""
        SELECT q.*, CASE q."table"
            {cases}
            {board}
            END AS __m
        FROM s._quarantine q"""


def _with_quarantined(name: str, base: str, key: str, parent: str) -> str:
    """``base`` (key -> slug) plus the keys of quarantined ``parent`` rows, placed by their unit."""
    return f"""CREATE TEMP TABLE {name} AS
        SELECT {key}, slug FROM {base}
        UNION ALL
        SELECT {_record_key(key)} AS {key}, u.slug FROM s._quarantine q
        JOIN _unit_m u ON u.unit_id = {_record_key('unit_id')} WHERE q."table" = '{parent}'"""


def _key_maps(con: duckdb.DuckDBPyConnection, present: set[str]) -> None:
    """Temporary key -> slug tables (vectorised joins, one pass each)."""
    con.execute("CREATE TEMP TABLE _unit_m AS SELECT u.unit_id, m.slug FROM s.units u JOIN _m m ON m.name = u.municipality")
    con.execute("CREATE TEMP TABLE _vac_m AS SELECT v.vacancy_id, u.slug FROM s.vacancies v "
                "JOIN _unit_m u ON u.unit_id = v.unit_id")
    # vacancies in quarantine too, so that their quarantined applications follow them
    con.execute(_with_quarantined("_vac_all", "_vac_m", "vacancy_id", "vacancies"))
    if "mentoring" in present:
        con.execute("CREATE TEMP TABLE _pair_m AS SELECT p.pair_id, u.slug FROM s.mentoring p "
                    "JOIN _unit_m u ON u.unit_id = p.unit_id")
    else:
        con.execute("CREATE TEMP TABLE _pair_m (pair_id VARCHAR, slug VARCHAR)")
    con.execute(_with_quarantined("_pair_all", "_pair_m", "pair_id", "mentoring"))
    if "workforce" in present:
        con.execute("CREATE TEMP TABLE _person_year_m AS SELECT w.person_id, w.year, u.slug FROM s.workforce w "
                    "JOIN _unit_m u ON u.unit_id = w.unit_id")
        con.execute("CREATE TEMP TABLE _person_m AS SELECT person_id, arg_max(slug, year) AS slug "
                    "FROM _person_year_m GROUP BY person_id")
    else:
        con.execute("CREATE TEMP TABLE _person_m (person_id VARCHAR, slug VARCHAR)")


# ------------------------------------------------------------------ fingerprint and reuse
def partitions_root(store: str | Path) -> Path:
    """``outputs/mangfold.duckdb`` -> ``outputs/mangfold.duckdb.partitions``."""
    store = Path(store).resolve()
    return store.with_name(store.name + SUFFIX)


def _fingerprint(store: Path, home: str | None) -> dict:
    st = store.stat()
    return {"format": FORMAT_VERSION, "store": str(store), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "home": home}


def _load(root: Path, fingerprint: dict) -> Partitions | None:
    manifest = root / "manifest.json"
    if not manifest.is_file():
        return None
    try:
        m = json.loads(manifest.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None
    if m.get("fingerprint") != fingerprint:
        return None
    cut = root / m["cut"]
    munis = tuple(Municipality(x["name"], x["slug"]) for x in m["municipalities"])
    stores = {x.slug: cut / "stores" / f"{x.slug}.duckdb" for x in munis}
    if not all(p.is_file() for p in stores.values()):
        return None
    return Partitions(cut, munis, stores, pd.DataFrame(m["rows"]), pd.DataFrame(m["unattributed"]), True)


# ------------------------------------------------------------------ the cut
def partition_store(store: str | Path, *, home: str | None = None, root: str | Path | None = None,
                    force: bool = False, threads: int | None = None, memory_limit: str = "2GB") -> Partitions:
    """Cut ``store`` into one store per municipality (see the module docstring).

    ``home``: the params ``municipality``; boards without a ``municipality`` column belong to it.
    ``root``: where to write (default ``<store>.partitions`` beside the store). An existing cut of
    the same store file (same size and modification time, same ``home``) is reused unless ``force``.
    Each cut goes to its own folder ``root/cut-*``; ``root/manifest.json`` names the current one and
    is replaced (atomically) only when the cut is complete, so a failed cut leaves the previous one
    in use. Older cuts are then removed. DuckDB's memory is capped at ``memory_limit``.
    """
    store = Path(store).resolve()
    with connect(store):
        pass
    root = Path(root).resolve() if root else partitions_root(store)
    fp = _fingerprint(store, home)
    if not force:
        existing = _load(root, fp)
        if existing is not None:
            return existing
    munis = list_municipalities(store)
    if not munis:
        raise StoreError(f"{store}: units has no municipality")
    home_slug = next((m.slug for m in munis if m.name == home), None)
    cut = root / f"cut-{fp['mtime_ns']:x}-{os.getpid()}"
    shutil.rmtree(cut, ignore_errors=True)
    (cut / "tables").mkdir(parents=True)
    (cut / "stores").mkdir(parents=True)
    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute("SET preserve_insertion_order = false")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.execute(f"ATTACH '{_sql_path(store)}' AS s (READ_ONLY)")
        present = set(con.execute("SELECT table_name FROM information_schema.tables WHERE table_catalog = 's'")
                      .df()["table_name"])
        contract_tables = [t for t in TABLES if t in present]
        con.register("_m_df", pd.DataFrame({"name": [m.name for m in munis], "slug": [m.slug for m in munis]}))
        con.execute("CREATE TEMP TABLE _m AS SELECT * FROM _m_df")
        con.unregister("_m_df")
        _key_maps(con, present)

        columns = {t: _columns(con, t) for t in contract_tables}
        counts, reasons = [], {}
        for table in contract_tables:
            sql, reason = _placement(table, columns[table], present, home_slug)
            reasons[table] = reason
            keep = ", ".join(f'"{c}"' for c in columns[table] if c != "municipality")
            out = cut / "tables" / table
            con.execute(f"COPY (SELECT {keep}, __m AS municipality FROM ({sql}) WHERE __m IS NOT NULL) "
                        f"TO '{_sql_path(out)}' (FORMAT parquet, PARTITION_BY (municipality), OVERWRITE_OR_IGNORE)")
            c = _written_counts(con, out)
            total = con.execute(f'SELECT count(*) FROM s."{table}"').fetchone()[0]
            c = pd.concat([c, pd.DataFrame({"slug": [None], "rows": [int(total - c["rows"].sum())]})],
                          ignore_index=True)
            c.insert(0, "table", table)
            counts.append(c[(c["rows"] > 0) | c["slug"].notna()])
            if table in REQUIRED_TABLES:  # always present: an empty file where a municipality has no rows
                have = set(c["slug"].dropna())
                for m in munis:
                    if m.slug not in have:
                        d = out / f"municipality={m.slug}"
                        d.mkdir(parents=True, exist_ok=True)
                        con.execute(f"COPY (SELECT {keep} FROM ({sql}) WHERE false) "
                                    f"TO '{_sql_path(d / 'empty.parquet')}' (FORMAT parquet)")

        board_col = "municipality" in columns.get("boards", [])
        con.execute(f"CREATE TEMP TABLE _q AS {_quarantine_placement(home_slug, board_col)}")
        qcounts = con.execute('SELECT "table", __m AS slug, count(*) AS quarantined FROM _q GROUP BY 1, 2').df()
        rows = pd.concat(counts, ignore_index=True)
        rows = rows.merge(qcounts, on=["table", "slug"], how="outer")
        rows[["rows", "quarantined"]] = rows[["rows", "quarantined"]].fillna(0).astype("int64")
        unattributed = rows[rows["slug"].isna()].drop(columns="slug").reset_index(drop=True)
        unattributed["reason"] = unattributed["table"].map(reasons).fillna("key not found")
        by_muni = rows[rows["slug"].notna()].rename(columns={"slug": "municipality"})
        by_muni["municipality"] = by_muni["municipality"].map({m.slug: m.name for m in munis})
        by_muni = by_muni.sort_values(["table", "municipality"]).reset_index(drop=True)
        stores = _write_stores(con, cut, munis, contract_tables, columns, rows, store)
    except BaseException:
        con.close()
        shutil.rmtree(cut, ignore_errors=True)
        raise
    con.close()

    manifest = {
        "fingerprint": fp,
        "cut": cut.name,
        "municipalities": [{"name": m.name, "slug": m.slug} for m in munis],
        "rows": by_muni.to_dict(orient="list"),
        "unattributed": unattributed.to_dict(orient="list"),
    }
    tmp = root / f".manifest.json.{os.getpid()}"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, root / "manifest.json")
    for old in root.glob("cut-*"):
        if old != cut:
            shutil.rmtree(old, ignore_errors=True)
    return Partitions(cut, tuple(munis), stores, by_muni, unattributed, False)


def _written_counts(con: duckdb.DuckDBPyConnection, folder: Path) -> pd.DataFrame:
    """Rows per municipality slug in the Parquet files just written under ``folder`` (from the files,
    so that the placing join runs once); columns slug, rows."""
    if not any(folder.glob("municipality=*/*.parquet")):
        return pd.DataFrame({"slug": pd.Series(dtype=object), "rows": pd.Series(dtype="int64")})
    glob = _sql_path(folder / "municipality=*" / "*.parquet")
    return con.execute(f"SELECT municipality AS slug, count(*) AS rows FROM read_parquet('{glob}', "
                       "hive_partitioning = true, hive_types_autocast = false) GROUP BY 1").df()


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def _write_stores(con, cut: Path, munis: list[Municipality], tables: list[str],
                  columns: dict[str, list[str]], rows: pd.DataFrame, full_store: Path) -> dict[str, Path]:
    """One DuckDB file per municipality: views over its Parquet files and the bookkeeping tables
    restricted to it."""
    has = {(r.table, r.slug) for r in rows.itertuples() if isinstance(r.slug, str) and r.rows > 0}
    files = con.execute("SELECT * FROM s._files").df()
    missing_full = list(con.execute('SELECT "table" FROM s._missing_tables').df()["table"])
    meta = con.execute("SELECT * FROM s._meta").df()
    stores = {}
    for m in munis:
        path = cut / "stores" / f"{m.slug}.duckdb"
        con.execute(f"ATTACH '{_sql_path(path)}' AS p")
        con.execute("BEGIN")
        absent = list(missing_full)
        for table in tables:
            if table not in REQUIRED_TABLES and (table, m.slug) not in has:
                absent.append(table)
                continue
            glob = cut / "tables" / table / f"municipality={m.slug}" / "*.parquet"
            name_lit = "'" + m.name.replace("'", "''") + "'"
            sel = ", ".join(f"{name_lit}::VARCHAR AS municipality" if c == "municipality" else f'"{c}"'
                            for c in columns[table])
            con.execute(f'CREATE VIEW p."{table}" AS SELECT {sel} FROM '
                        f"read_parquet('{_sql_path(glob)}', hive_partitioning = false)")
        mine = rows[rows["slug"] == m.slug].set_index("table")
        f = files[files["table"].isin([t for t in tables if t not in absent] +
                                      [t for t in mine.index if t in absent and mine.loc[t, "quarantined"] > 0])].copy()
        f["rows_used"] = f["table"].map(mine["rows"]).fillna(0).astype("int64") if len(mine) else 0
        f["rows_quarantined"] = f["table"].map(mine["quarantined"]).fillna(0).astype("int64") if len(mine) else 0
        f["rows_read"] = f["rows_used"] + f["rows_quarantined"]
        con.register("_f", f)
        con.execute("CREATE TABLE p._files AS SELECT * FROM _f")
        con.unregister("_f")
        con.execute('CREATE TABLE p._quarantine AS SELECT * EXCLUDE (__m) FROM _q WHERE __m = ? ORDER BY "table", "row"',
                    [m.slug])
        con.register("_a", pd.DataFrame({"table": pd.Series(sorted(set(absent), key=list(TABLES).index),
                                                            dtype="string")}))
        con.execute('CREATE TABLE p._missing_tables AS SELECT * FROM _a')
        con.unregister("_a")
        mm = pd.concat([meta, pd.DataFrame({"key": ["municipality", "partition_of"],
                                            "value": [m.name, str(full_store)]})], ignore_index=True)
        con.register("_mm", mm)
        con.execute("CREATE TABLE p._meta AS SELECT * FROM _mm")
        con.unregister("_mm")
        con.execute("COMMIT")
        con.execute("DETACH p")
        stores[m.slug] = path
    return stores
