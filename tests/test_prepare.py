"""Publishing prepared on the worker that planned the report (mangfold.run.report.prepare_report): the page,
workbook, audit and ledger made then are used only while the staging folder holds the very files they
were made from; a file changed afterwards (the publication ledger sends notebooks round again, or anything
else) makes publishing render and audit again, so a leak written after the preparation is still refused."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest
import yaml

from mangfold.config import load_params
from mangfold.publish import open_context
from mangfold.publish.ledger import read_report
from mangfold.run import report as rp
from mangfold.run.jobs import ReportSpec
from mangfold.tablespec import TableSpec
from tests.helpers import ingested, write_tiny

SPEC = TableSpec(name="levels", counts=("n",), dims=("year", "level"), margins=(("level", "all"),))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return ingested(tmp_path_factory.mktemp("prep"), write_tiny)


def _staged(tmp_path, store) -> ReportSpec:
    """A staging folder as the notebooks leave it: one executed notebook and one public table."""
    out = tmp_path / "out"
    st = rp.make_staging(out / ".2025.building-1")
    params = load_params(None)
    (st / "restricted" / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    ctx = open_context(2025, store, st / "restricted" / "params.yaml", st)
    ctx.table(pd.DataFrame({"year": 2025, "level": ["a", "b", "c", "all"], "n": [13, 20, 30, 63]}), SPEC, show=False)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Nivåer\n\nTabellen over nivåer.")])
    nbformat.write(nb, st / "restricted" / "notebooks" / "10-niva.ipynb")
    return ReportSpec(staging=st, target=out / "2025", year=2025, store=store, params=params,
                      notebooks=(tmp_path / "10-niva.ipynb",), started="2026-12-05T00:00:00+0000",
                      packages={}, commit="test")


def test_a_prepared_report_is_published_without_rendering_or_auditing_again(tmp_path, store, monkeypatch):
    spec = _staged(tmp_path, store)
    read = rp.prepare_report(spec, [])
    record = json.loads((spec.staging / "restricted" / rp.PREPARED_FILE).read_text(encoding="utf-8"))
    assert record["problems"] == [] and len(record["inputs"]) == 40
    # what it read for the ledger goes back to the run's process, with the hash of the files read
    assert read.digest == read_report(spec.staging).digest and list(read.tables) == ["levels"]
    page = (spec.staging / "public" / "report.html").read_bytes()

    def again(*a, **k):
        raise AssertionError("rendered and audited again")

    monkeypatch.setattr(rp, "_render_and_audit", again)
    ok, messages = rp.publish_report(spec, [])
    assert ok, messages
    assert (spec.target / "public" / "report.html").read_bytes() == page
    assert (spec.target / "restricted" / "ledger.json").is_file()
    assert (spec.target / "restricted" / "quarantine.csv").is_file()  # written when prepared, not again
    assert (spec.target / "public" / "tables" / "tabeller.xlsx").is_file()
    assert not (spec.target / "restricted" / rp.PREPARED_FILE).exists()  # the record is not published


def test_the_same_report_with_and_without_preparing(tmp_path, store):
    a, b = _staged(tmp_path / "a", store), _staged(tmp_path / "b", store)
    rp.prepare_report(a, [])
    assert rp.publish_report(a, [])[0] and rp.publish_report(b, [])[0]
    for rel in ("public/report.html", "public/tables/levels.csv", "restricted/ledger.json"):
        assert (a.target / rel).read_bytes() == (b.target / rel).read_bytes(), rel
    assert sorted(p.relative_to(a.target).as_posix() for p in a.target.rglob("*") if p.name != "provenance.json") == \
        sorted(p.relative_to(b.target).as_posix() for p in b.target.rglob("*") if p.name != "provenance.json")


def test_a_table_changed_after_preparing_is_audited_again_and_a_leak_refused(tmp_path, store):
    spec = _staged(tmp_path, store)
    rp.prepare_report(spec, [])
    assert json.loads((spec.staging / "restricted" / rp.PREPARED_FILE).read_text(encoding="utf-8"))["problems"] == []
    leak = spec.staging / "public" / "tables" / "levels.csv"
    leak.write_text(leak.read_text(encoding="utf-8").replace("13", "3").replace("63", "53"), encoding="utf-8")
    ok, messages = rp.publish_report(spec, [])
    assert not ok and any("count 3 is below 5" in m for m in messages), messages
    assert not spec.target.exists() and not spec.staging.exists()


def test_other_links_or_chapters_than_prepared_render_again(tmp_path, store, monkeypatch):
    """The page also depends on what is not in the staging folder (links to the other years, the
    chapters left out): prepared with other ones, it is made again."""
    spec = _staged(tmp_path, store)
    rp.prepare_report(spec, [])
    calls = []
    real = rp._render_and_audit
    monkeypatch.setattr(rp, "_render_and_audit", lambda *a, **k: calls.append(1) or real(*a, **k))
    (spec.target.parent / ".2024.building-1").mkdir()  # another year of the series being built now
    ok, messages = rp.publish_report(spec, [])
    assert ok, messages
    assert calls == [1]
    assert "../../2024/public/report.html" in (spec.target / "public" / "report.html").read_text(encoding="utf-8")
