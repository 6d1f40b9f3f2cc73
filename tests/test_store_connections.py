"""The read-only connection that a run's notebook kernels keep open per store (store.KEEP_OPEN_ENV)."""

from __future__ import annotations

import os

import duckdb
import pytest

from mangfold import store


def _write(path, value: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    con = duckdb.connect(str(tmp))
    con.execute("CREATE TABLE t AS SELECT ? AS x", [value])
    con.close()
    os.replace(tmp, path)  # as ingest does: a new file in place of the old


@pytest.fixture
def kept(monkeypatch):
    monkeypatch.setenv(store.KEEP_OPEN_ENV, "1")
    store._kept.clear()
    yield store._kept
    for con in store._kept.values():
        con.close()
    store._kept.clear()


def test_kernels_keep_one_connection_and_see_a_new_ingest(tmp_path, kept):
    db = tmp_path / "s.duckdb"
    _write(db, 1)
    assert store.query(db, "SELECT x FROM t")["x"].tolist() == [1]
    assert store.query(db, "SELECT x + 1 AS x FROM t")["x"].tolist() == [2]
    assert len(kept) == 1  # the second query used the kept connection
    first = next(iter(kept.values()))
    _write(db, 7)  # a new ingest replaces the file
    assert store.query(db, "SELECT x FROM t")["x"].tolist() == [7]
    assert len(kept) == 1 and next(iter(kept.values())) is not first


def test_without_the_setting_nothing_is_kept(tmp_path, monkeypatch):
    monkeypatch.delenv(store.KEEP_OPEN_ENV, raising=False)
    db = tmp_path / "s.duckdb"
    _write(db, 3)
    store._kept.clear()
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
