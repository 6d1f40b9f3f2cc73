"""Links between the reports of a run: OUT/index.html and each report's links to its other years."""

from __future__ import annotations

import json

from mangfold.publish.index import INDEX, published_reports, report_links, write_index


def _report(folder, municipality="0301 Oslo"):
    (folder / "public").mkdir(parents=True)
    (folder / "public" / "report.html").write_text("<html></html>", encoding="utf-8")
    (folder / "provenance.json").write_text(json.dumps({"municipality": municipality}), encoding="utf-8")


def test_a_report_links_the_other_years_published_and_being_built(tmp_path):
    _report(tmp_path / "2023")
    (tmp_path / ".2025.building-123").mkdir()  # built by this run, published later
    links = report_links(tmp_path / "2024")
    assert links == [("2025", "../../2025/public/report.html"), ("2023", "../../2023/public/report.html"),
                     ("Alle rapporter", f"../../{INDEX}")]
    assert report_links(tmp_path / "2024", nested=True)[-1] == ("Alle rapporter", f"../../../{INDEX}")
    assert report_links(tmp_path / "2023") == [("2025", "../../2025/public/report.html"),
                                               ("Alle rapporter", f"../../{INDEX}")]


def test_one_report_alone_links_nothing(tmp_path):
    assert report_links(tmp_path / "2025") == []


def test_the_index_of_an_ordinary_run_names_the_municipality_and_the_workbook(tmp_path):
    _report(tmp_path / "2024")
    _report(tmp_path / "2025")
    (tmp_path / "2025" / "public" / "tables").mkdir()
    (tmp_path / "2025" / "public" / "tables" / "tabeller.xlsx").write_bytes(b"")  # 2024 was published without one
    page = write_index(tmp_path).read_text(encoding="utf-8")
    assert [r["year"] for r in published_reports(tmp_path)] == [2025, 2024]
    assert "Årsrapport 2025 – 0301 Oslo" in page and "2025/public/tables/tabeller.xlsx" in page
    assert "2024/public/tables/tabeller.xlsx" not in page
    assert "kommunerapport" not in page  # no count of municipality reports when there are none
