"""The embedded analytical store (one DuckDB file).

``ingest`` validates a data folder and replaces the store atomically: the new store is
written beside the old one and renamed over it only when complete, so a failed ingest
leaves the previous store byte-identical. Analyses read the store, never the CSVs.

Tables in the store: every contract table present (typed, quarantined rows removed; dates as
``DATE``, any year; ``vacancies`` gains ``year``), plus

* ``_files``: table, file, sha256, rows_read, rows_used, rows_quarantined
* ``_quarantine``: table, file, row, reason, record (restricted)
* ``_missing_tables``: optional tables absent from the folder
* ``_meta``: key/value (mangfold version, source folder, ingest time)

A store that cannot be opened or read (truncated, emptied, an overwritten header, not a DuckDB
file, a DuckDB file without these tables) raises :class:`StoreError` with one line that says to
re-run ``mangfold ingest`` (exit status 2 in the CLI, no traceback).
"""

from __future__ import annotations

import itertools
import os
import time
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from .config import default_store
from .contract.schemas import REQUIRED_TABLES, TABLES
from .contract.validate import ValidatedData, validate_folder


class StoreError(RuntimeError):
    """The store is missing or unusable (exit status 2 in the CLI)."""


MSG_BAD_STORE = ("{path}: not a usable mangfold store ({reason}); re-run `mangfold ingest DIR` (or `mangfold run "
                 "--data DIR`) to rebuild it")
#: The tables every store written by :func:`ingest` has (besides the optional contract tables).
STORE_TABLES = ("_files", "_quarantine", "_missing_tables", "_meta", *REQUIRED_TABLES)
#: The reasons a store is unusable, as messages name them (DuckDB's error text -> ours).
REASON_EMPTY = "the file is empty, 0 bytes"
REASON_NOT_DUCKDB = "not a DuckDB database file"
REASON_TRUNCATED = "the file is truncated"
REASON_DAMAGED = "the file is damaged: a block's checksum does not match"
REASON_FOREIGN = "a DuckDB file without mangfold's tables: no {tables}"
_REASONS = (("not a valid DuckDB database file", REASON_NOT_DUCKDB),
            ("Could not read enough bytes", REASON_TRUNCATED), ("Corrupt database file", REASON_DAMAGED))


def _reason(exc: BaseException) -> str:
    """One of the ``REASON_*`` texts for a DuckDB error, else the error's first line."""
    text = str(exc).strip()
    for pattern, reason in _REASONS:
        if pattern in text:
            return reason
    return text.splitlines()[0] if text else type(exc).__name__


def _corrupt(exc: BaseException) -> bool:
    """A DuckDB error that comes from the file, not from the SQL."""
    return isinstance(exc, duckdb.IOException) or str(exc).startswith(("Corrupt database", "IO Error"))


def bad_store(path: Path, reason: str) -> StoreError:
    """The :class:`StoreError` of an unusable store (:data:`MSG_BAD_STORE`)."""
    return StoreError(MSG_BAD_STORE.format(path=path, reason=reason))


def _version() -> str:
    try:
        return version("mangfold")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


class _StoreSink:
    """Appends typed chunks to the store's tables, creating each table from its first chunk.

    ``units`` gets the default ``municipality`` where it is empty, ``vacancies`` a ``year`` column.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, municipality: str) -> None:
        self.con, self.municipality = con, municipality
        self.created: set[str] = set()

    def append(self, table: str, frame: pd.DataFrame) -> None:
        if table == "units":
            frame = frame.assign(municipality=frame["municipality"].fillna(self.municipality))
        if table == "vacancies":
            frame = frame.assign(year=frame["posted_date"].dt.year.astype("int32"))
        dates = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c].dtype)]
        select = "SELECT * REPLACE (" + ", ".join(f'CAST("{c}" AS DATE) AS "{c}"' for c in dates) + ") FROM _df" \
            if dates else "SELECT * FROM _df"
        sql = f'INSERT INTO "{table}" {select}' if table in self.created else f'CREATE TABLE "{table}" AS {select}'
        _load(self.con, sql, frame)
        self.created.add(table)


def _load(con: duckdb.DuckDBPyConnection, sql: str, frame: pd.DataFrame) -> None:
    con.register("_df", frame)
    try:
        con.execute(sql)
    finally:
        con.unregister("_df")


@contextmanager
def _new_store(store: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a temporary file that replaces ``store`` only if the block completes."""
    store = Path(store)
    store.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(store)
    tmp = store.with_name(f".{store.name}.{os.getpid()}.tmp")
    if tmp.exists():
        tmp.unlink()
    try:
        con = duckdb.connect(str(tmp))
        try:
            yield con
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, store)
    finally:
        if tmp.exists():
            tmp.unlink()
        wal = tmp.with_name(tmp.name + ".wal")
        if wal.exists():
            wal.unlink()


def pid_alive(pid: int) -> bool:
    """True when a process ``pid`` exists (it may belong to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(store: Path) -> list[Path]:
    """Remove the temporary stores (``.<name>.<pid>.tmp`` and its ``.wal``) that ingests killed before
    they finished left beside ``store``; those of a process still alive are kept. Returns the removed."""
    removed = []
    for tmp in store.parent.glob(f".{store.name}.*.tmp*"):
        pid = tmp.name[len(store.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def _write_bookkeeping(con: duckdb.DuckDBPyConnection, data: ValidatedData) -> None:
    """``_files``, ``_quarantine``, ``_missing_tables`` and ``_meta``."""
    missing = pd.DataFrame({"table": pd.Series(data.missing_optional, dtype="string")})
    meta = pd.DataFrame({
        "key": ["mangfold_version", "source", "ingested_at"],
        "value": [_version(), str(Path(data.directory).resolve()), time.strftime("%Y-%m-%dT%H:%M:%S%z")],
    })
    for name, df in (("_files", data.files), ("_quarantine", data.quarantine), ("_missing_tables", missing),
                     ("_meta", meta)):
        _load(con, f'CREATE TABLE "{name}" AS SELECT * FROM _df', df)


def write_store(data: ValidatedData, store: str | Path, *, municipality: str = "0301 Oslo") -> Path:
    """Write validated data (with its ``tables``) into ``store`` atomically (temporary file, then rename)."""
    with _new_store(store) as con:
        sink = _StoreSink(con, municipality)
        for name, df in data.tables.items():
            sink.append(name, df)
        _write_bookkeeping(con, data)
    return Path(store)


def ingest(directory: str | Path, store: str | Path | None = None, *, municipality: str = "0301 Oslo") -> ValidatedData:
    """Validate ``directory`` and load it into ``store`` (default ``outputs/mangfold.duckdb``).

    The files are read in chunks that go straight into a temporary copy of the store, so
    memory stays bounded by a chunk, not by the folder (the returned ``tables`` is empty).
    Raises :class:`mangfold.contract.validate.ContractError` and writes nothing: the
    temporary copy is removed and an existing store stays byte-identical.
    """
    with _new_store(store or default_store()) as con:
        data = validate_folder(directory, sink=_StoreSink(con, municipality))
        _write_bookkeeping(con, data)
    return data


#: set (to ``1``) in the notebook kernels of a run (:mod:`mangfold.run.execute`): keep each store file
#: attached (read-only) to one in-memory database of the process instead of opening the file for every
#: query. Each open reads the catalogue again, and each new DuckDB database registers its built-in
#: functions (about 25 ms); attaching a file to the one database takes about 3 ms, and a report's
#: notebooks make dozens of queries. Only a process that never writes or attaches a store itself may
#: keep them: DuckDB refuses to attach a file that the same process holds open with another
#: configuration, which is why it is an opt-in.
KEEP_OPEN_ENV = "MANGFOLD_KEEP_STORE_OPEN"
_KEEP_MAX = 8
#: the one in-memory database the kept stores are attached to (made on first use)
_shared: list[duckdb.DuckDBPyConnection] = []
#: file key (path, inode, size, modification time) -> the catalogue name it is attached as
_kept: dict[tuple, str] = {}
#: file key -> the store's (table, column) pairs, read once (a read-only file that has not changed)
_columns: dict[tuple, frozenset[tuple[str, str]]] = {}
_attached = itertools.count(1)


def _file_key(path: Path) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_ino, st.st_size, st.st_mtime_ns)


def _kept_cursor(path: Path) -> duckdb.DuckDBPyConnection:
    """A cursor whose default catalogue is ``path``, attached read-only to the process's one kept
    database (attached afresh when the file changed: another inode, size or modification time, as
    after a new ingest)."""
    key = _file_key(path)
    if not _shared:
        _shared.append(duckdb.connect())
    con = _shared[0]
    alias = _kept.get(key)
    if alias is None:
        for k in [k for k in _kept if k[0] == key[0]] + list(_kept)[:max(0, len(_kept) + 1 - _KEEP_MAX)]:
            old = _kept.pop(k, None)
            _columns.pop(k, None)
            if old is not None:
                con.execute(f"DETACH {old}")
        alias = f"mangfold_store_{next(_attached)}"
        con.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS {alias} (READ_ONLY)")
        _kept[key] = alias
    cur = con.cursor()
    cur.execute(f"USE {alias}")
    return cur


def release_kept() -> None:
    """Detach every kept store and close the kept database (a new run in a long-lived process)."""
    _kept.clear()
    _columns.clear()
    while _shared:
        _shared.pop().close()


@contextmanager
def connect(store: str | Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the store (in a run's notebook kernels a cursor on a kept
    connection, :data:`KEEP_OPEN_ENV`)."""
    path = Path(store or default_store())
    if not path.is_file():
        raise StoreError(f"{path}: no store here; run `mangfold ingest DIR` (or `mangfold run --data DIR`) first")
    if path.stat().st_size == 0:
        raise bad_store(path, REASON_EMPTY)
    try:
        if os.environ.get(KEEP_OPEN_ENV) == "1":
            con = _kept_cursor(path)
        else:
            con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:  # not a DuckDB file, a damaged header, a truncated file
        raise bad_store(path, _reason(exc)) from None
    try:
        yield con
    except duckdb.Error as exc:
        if _corrupt(exc):  # a damaged block, found by a query
            raise bad_store(path, _reason(exc)) from None
        raise
    finally:
        con.close()


def check_store(store: str | Path | None = None) -> None:
    """Raise :class:`StoreError` unless ``store`` opens, holds the tables :func:`ingest` writes
    (:data:`STORE_TABLES`) and every column of every table reads back (each block's checksum is
    verified on the way, so a truncated or damaged file is found here, not halfway through a run)."""
    path = Path(store or default_store())
    with connect(path) as con:
        names = sorted({t for t, _ in _read_columns(con)})
        lacking = [t for t in STORE_TABLES if t not in names]
        if lacking:
            raise bad_store(path, REASON_FOREIGN.format(tables=", ".join(lacking)))
        for name in names:
            con.execute(f'SELECT max(hash(COLUMNS(*))) FROM "{name}"').fetchall()


def query(store: str | Path | None, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run one SQL query against the store and return a DataFrame."""
    with connect(store) as con:
        return con.execute(sql, params or []).df()


_COLUMNS_SQL = ("SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_catalog = current_database()")


def _read_columns(con: duckdb.DuckDBPyConnection) -> frozenset[tuple[str, str]]:
    """(table, column) of every table and view of the connection's store (not of other stores
    attached beside it, nor temporary objects)."""
    return frozenset(con.execute(_COLUMNS_SQL).fetchall())


def columns(store: str | Path | None) -> frozenset[tuple[str, str]]:
    """(table, column) of every table and view of the store; in a run's workers (:data:`KEEP_OPEN_ENV`)
    read once per file, which does not change while it is kept."""
    path = Path(store or default_store())
    with connect(path) as con:
        if os.environ.get(KEEP_OPEN_ENV) != "1":
            return _read_columns(con)
        key = _file_key(path)
        if key not in _columns:
            _columns[key] = _read_columns(con)
        return _columns[key]


def has_table(store: str | Path | None, table: str) -> bool:
    return any(t == table for t, _ in columns(store))


def tables_present(store: str | Path | None) -> set[str]:
    return {t for t, _ in columns(store) if t in TABLES}


def years(store: str | Path | None) -> list[int]:
    """Years with vacancies in the store, ascending."""
    df = query(store, "SELECT DISTINCT year FROM vacancies ORDER BY year")
    return [int(y) for y in df["year"]]


def file_counts(store: str | Path | None) -> pd.DataFrame:
    """Per-table bookkeeping: rows read, used and quarantined, with the file's SHA-256."""
    return query(store, 'SELECT * FROM _files ORDER BY "table"')


def input_hashes(store: str | Path | None) -> dict[str, str]:
    df = query(store, "SELECT file, sha256 FROM _files ORDER BY file")
    return dict(zip(df["file"], df["sha256"]))


def has_data(store: str | Path | None, requires: tuple[str, ...]) -> bool:
    """True when ``store`` has rows in one of the ``table`` entries or a value in one of the
    ``table.column`` entries of ``requires`` (a notebook's ``metadata.mangfold.requires``)."""
    present = columns(store)
    tables = {t for t, _ in present}
    with connect(store) as con:
        for req in requires:
            table, _, column = req.partition(".")
            if (table, column) not in present if column else table not in tables:
                continue
            sql = (f'SELECT count("{column}") FROM "{table}"' if column
                   else f'SELECT count(*) FROM (SELECT 1 FROM "{table}" LIMIT 1)')
            if con.execute(sql).fetchone()[0] > 0:
                return True
    return False


def years_by_municipality(store: str | Path | None) -> dict[str, set[int]]:
    """The years with vacancies of each municipality (``units.municipality``)."""
    df = query(store, "SELECT u.municipality, v.year FROM vacancies v JOIN units u USING (unit_id) GROUP BY 1, 2")
    out: dict[str, set[int]] = {}
    for m, y in df.itertuples(index=False):
        out.setdefault(str(m), set()).add(int(y))
    return out


def quarantine(store: str | Path | None) -> pd.DataFrame:
    """The quarantined rows (restricted): table, file, row, reason, record."""
    return query(store, 'SELECT "table", file, "row", reason, record FROM _quarantine ORDER BY "table", "row"')
