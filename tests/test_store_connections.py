"""The read-only connection that a run's notebook kernels keep open per store (store.KEEP_OPEN_ENV)."""

from __future__ import annotations

import os

import duckdb
import pytest

from mangfold import store


def _write(path, value: int, table: str = "t") -> None:
    tmp = path.with_name(path.name + ".tmp")
    con = duckdb.connect(str(tmp))
    con.execute(f"CREATE TABLE {table} AS SELECT ? AS x", [value])
    con.close()
    os.replace(tmp, path)  # as ingest does: a new file in place of the old


@pytest.fixture
def kept(monkeypatch):
    monkeypatch.setenv(store.KEEP_OPEN_ENV, "1")
    store.release_kept()
    yield store._kept
    store.release_kept()


def test_kernels_keep_one_connection_and_see_a_new_ingest(tmp_path, kept):
    db = tmp_path / "s.duckdb"
    _write(db, 1)
    assert store.query(db, "SELECT x FROM t")["x"].tolist() == [1]
    assert store.query(db, "SELECT x + 1 AS x FROM t")["x"].tolist() == [2]
    assert len(kept) == 1  # the second query used the kept connection
    first = next(iter(kept.values()))
    _write(db, 7)  # a new ingest replaces the file
    assert store.query(db, "SELECT x FROM t")["x"].tolist() == [7]
    assert len(kept) == 1 and next(iter(kept.values())) != first


def test_kept_stores_side_by_side_see_only_their_own_tables(tmp_path, kept):
    """Stores kept in one process are attached to one database: each query, catalogue lookup and
    person-key search sees only its own store."""
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    _write(a, 1, table="applications")
    _write(b, 2, table="boards")
    assert store.query(a, "SELECT x FROM applications")["x"].tolist() == [1]
    assert store.query(b, "SELECT x FROM boards")["x"].tolist() == [2]
    assert len(kept) == 2
    assert store.tables_present(a) == {"applications"} and store.tables_present(b) == {"boards"}
    assert store.columns(a) == {("applications", "x")}
    assert store.has_table(b, "boards") and not store.has_table(b, "applications")
    assert store.has_data(a, ("applications",)) and not store.has_data(a, ("boards",))
    with pytest.raises(duckdb.CatalogException):
        store.query(a, "SELECT x FROM boards")
    _write(a, 5, table="boards")  # a new ingest of a: its catalogue is read again
    assert store.tables_present(a) == {"boards"}
    assert store.query(a, "SELECT x FROM boards")["x"].tolist() == [5]


def test_catalogue_is_the_same_kept_or_not(tmp_path, monkeypatch):
    db = tmp_path / "s.duckdb"
    _write(db, 1, table="units")
    monkeypatch.delenv(store.KEEP_OPEN_ENV, raising=False)
    plain = (store.columns(db), store.tables_present(db))
    monkeypatch.setenv(store.KEEP_OPEN_ENV, "1")
    try:
        assert (store.columns(db), store.tables_present(db)) == plain == (frozenset({("units", "x")}), {"units"})
    finally:
        store.release_kept()


def test_without_the_setting_nothing_is_kept(tmp_path, monkeypatch):
    monkeypatch.delenv(store.KEEP_OPEN_ENV, raising=False)
    db = tmp_path / "s.duckdb"
    _write(db, 3)
    store.release_kept()
    assert store.query(db, "SELECT x FROM t")["x"].tolist() == [3]
    assert not store._kept
    _write(db, 4)  # and the file can be replaced and attached freely
    con = duckdb.connect()
    con.execute(f"ATTACH '{db}' AS s (READ_ONLY)")
    assert con.execute("SELECT x FROM s.t").fetchone()[0] == 4
    con.close()


def test_a_damaged_store_is_still_reported(tmp_path, kept):
    db = tmp_path / "s.duckdb"
    db.write_bytes(b"not a duckdb file at all" * 100)
    with pytest.raises(store.StoreError):
        store.query(db, "SELECT 1")


def test_person_key_search_sees_only_its_own_kept_store(tmp_path, kept):
    """The audit's person-key search runs on the kept stores: a key of another store attached beside
    it is not found in this one."""
    from mangfold.publish.audit import key_value_hits

    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    for path, key, table in ((a, "P-40123", "workforce"), (b, "P-40999", "applications")):
        tmp = path.with_name(path.name + ".tmp")
        con = duckdb.connect(str(tmp))
        con.execute(f"CREATE TABLE {table} AS SELECT ? AS person_id, 2025 AS year", [key])
        con.close()
        os.replace(tmp, path)
    store.query(b, "SELECT * FROM applications")  # b attached first
    tokens = {"P-40123": "here", "P-40999": "there"}
    assert key_value_hits(tokens, a) == ["here: contains the person key value 'P-40123'"]
    assert key_value_hits(tokens, b) == ["there: contains the person key value 'P-40999'"]
    assert len(kept) == 2
