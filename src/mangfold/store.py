"""The embedded analytical store (one DuckDB file).

``ingest`` validates a data folder and replaces the store atomically: the new store is
written beside the old one and renamed over it only when complete, so a failed ingest
leaves the previous store byte-identical. Analyses read the store, never the CSVs.

Tables in the store: every contract table present (typed, quarantined rows removed;
``vacancies`` gains ``year``), plus

* ``_files``: table, file, sha256, rows_read, rows_used, rows_quarantined
* ``_quarantine``: table, file, row, reason, record (restricted)
* ``_missing_tables``: optional tables absent from the folder
* ``_meta``: key/value (mangfold version, source folder, ingest time)
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from .config import default_store
from .contract.schemas import TABLES
from .contract.validate import ValidatedData, validate_folder


class StoreError(RuntimeError):
    """The store is missing or unusable (exit status 2 in the CLI)."""


def _version() -> str:
    try:
        return version("mangfold")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def write_store(data: ValidatedData, store: str | Path, *, municipality: str = "0301 Oslo") -> Path:
    """Write validated data into ``store`` atomically (temporary file, then rename)."""
    store = Path(store)
    store.parent.mkdir(parents=True, exist_ok=True)
    tmp = store.with_name(f".{store.name}.{os.getpid()}.tmp")
    if tmp.exists():
        tmp.unlink()
    try:
        con = duckdb.connect(str(tmp))
        try:
            for name, df in data.tables.items():
                df = df.copy()
                if name == "units":
                    df["municipality"] = df["municipality"].fillna(municipality)
                if name == "vacancies":
                    df["year"] = df["posted_date"].dt.year.astype("int32")
                con.register("_df", df)
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _df')
                con.unregister("_df")
            for name, df in (("_files", data.files), ("_quarantine", data.quarantine),
                             ("_missing_tables", pd.DataFrame({"table": pd.Series(data.missing_optional, dtype="string")}))):
                con.register("_df", df)
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _df')
                con.unregister("_df")
            meta = pd.DataFrame({
                "key": ["mangfold_version", "source", "ingested_at"],
                "value": [_version(), str(Path(data.directory).resolve()),
                          time.strftime("%Y-%m-%dT%H:%M:%S%z")],
            })
            con.register("_df", meta)
            con.execute('CREATE TABLE "_meta" AS SELECT * FROM _df')
            con.unregister("_df")
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
    return store


def ingest(directory: str | Path, store: str | Path | None = None, *, municipality: str = "0301 Oslo") -> ValidatedData:
    """Validate ``directory`` and load it into ``store`` (default ``outputs/mangfold.duckdb``).

    Raises :class:`mangfold.contract.validate.ContractError` before anything is written.
    """
    data = validate_folder(directory)
    write_store(data, store or default_store(), municipality=municipality)
    return data


@contextmanager
def connect(store: str | Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the store."""
    path = Path(store or default_store())
    if not path.is_file():
        raise StoreError(f"{path}: no store here; run `mangfold ingest DIR` (or `mangfold run --data DIR`) first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def query(store: str | Path | None, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run one SQL query against the store and return a DataFrame."""
    with connect(store) as con:
        return con.execute(sql, params or []).df()


def has_table(store: str | Path | None, table: str) -> bool:
    with connect(store) as con:
        return table in set(con.execute("SELECT table_name FROM information_schema.tables").df()["table_name"])


def tables_present(store: str | Path | None) -> set[str]:
    with connect(store) as con:
        names = set(con.execute("SELECT table_name FROM information_schema.tables").df()["table_name"])
    return {n for n in names if n in TABLES}


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
