"""The data-quality tables: empty rows are read and quarantined in the store, but are no records, so
the public row counts leave them out (they would otherwise hide the used rows of a table as if they
were a few persons)."""

from __future__ import annotations

from mangfold.analyses import quality
from mangfold.contract.validate import REASON_BLANK, REASON_HIRED
from mangfold.store import ingest, query
from tests.helpers import applications_csv, write_tiny


def test_empty_rows_are_left_out_of_the_public_row_counts(tmp_path):
    apps = applications_csv().splitlines()
    header, rows = apps[0], apps[1:]
    rows[0] = "A9001,V1,P9001,lbg2,female,true,true,false,true"  # hired but not recommended
    blank = "," * header.count(",")
    d = write_tiny(tmp_path / "d", extra={"applications.csv": "\n".join([header, *rows[:5], blank, *rows[5:], blank]) + "\n"})
    store = tmp_path / "s.duckdb"
    ingest(d, store)
    files = query(store, "SELECT * FROM _files").set_index("table")
    assert (files.loc["applications", "rows_read"], files.loc["applications", "rows_quarantined"]) == (len(rows) + 2, 3)
    t = quality.rows_table(store).set_index("table")
    assert (t.loc["applications", "rows_read"], t.loc["applications", "rows_used"],
            t.loc["applications", "rows_quarantined"]) == (len(rows), len(rows) - 1, 1)
    assert (t["rows_read"] == t["rows_used"] + t["rows_quarantined"]).all()
    assert t.loc["units", "rows_read"] == files.loc["units", "rows_read"]
    r = quality.quarantine_reasons(store)
    assert list(r["reason"]) == [REASON_HIRED] and list(r["rows"]) == [1]
    assert quality.blank_tables(store) == ["applications"]
    q = query(store, "SELECT reason FROM _quarantine")["reason"]
    assert (q == REASON_BLANK).sum() == 2


def test_no_empty_rows_no_note(tmp_path):
    store = tmp_path / "s.duckdb"
    ingest(write_tiny(tmp_path / "d"), store)
    assert quality.blank_tables(store) == []
    files = query(store, "SELECT * FROM _files").set_index("table")
    t = quality.rows_table(store).set_index("table")
    assert (t["rows_read"] == files.loc[t.index, "rows_read"]).all()
