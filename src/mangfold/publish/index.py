"""``OUT/index.html``: one page that links every published report in an output folder.

After ``mangfold run --municipality ...`` the reports lie in ``OUT/national/<year>/`` and
``OUT/<kommune>/<year>/`` (and ordinary runs in ``OUT/<year>/``). The index lists, per year, the
national report first and then the municipalities in number order, each with a relative link to its
``public/report.html`` and its tables. It is built from what is on disk (each report's
``provenance.json``), so it also lists reports of earlier runs, and it holds no figures from the
reports: only names, years and links, nothing to disclose.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

from .render import CSS
from .workbook import WORKBOOK

INDEX = "index.html"
_YEAR = re.compile(r"^\d{4}$")


def published_reports(out: Path) -> list[dict]:
    """Every published report under ``out``: ``year``, ``kind`` (national, municipality, whole store),
    ``name`` and ``path`` (of ``report.html``, relative to ``out``), sorted by year (newest first),
    then national before municipalities, then name."""
    out = Path(out)
    found = []
    candidates = [(p, None) for p in out.glob("*/public/report.html") if _YEAR.match(p.parent.parent.name)]
    candidates += [(p, p.parent.parent.parent.name) for p in out.glob("*/*/public/report.html")
                   if _YEAR.match(p.parent.parent.name) and not p.parent.parent.parent.name.startswith(".")]
    for report, slug in candidates:
        folder = report.parent.parent
        try:
            prov = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        kind = "whole store" if slug is None else ("national" if slug == "national" else "municipality")
        name = ("Nasjonal rapport" if kind == "national"
                else str(prov.get("municipality", slug)) if kind == "municipality"
                else f"Årsrapport {folder.name}" + (f" – {prov['municipality']}" if prov.get("municipality") else ""))
        found.append({"year": int(folder.name), "kind": kind, "name": name,
                      "path": report.relative_to(out).as_posix()})
    order = {"national": 0, "whole store": 1, "municipality": 2}
    return sorted(found, key=lambda r: (-r["year"], order[r["kind"]], r["name"]))


def report_links(target: Path, *, nested: bool = False) -> list[tuple[str, str]]:
    """Links from the report of ``target`` (``OUT/<year>``, or ``OUT/<kommune>/<year>`` when
    ``nested``; not yet swapped in) to the reports of the other years in the same folder: those
    already published and those this run is building (``.<year>.building-*``), newest first, then
    to the run's ``OUT/index.html``. Each is (text, href relative to ``<target>/public/report.html``).
    Empty when there is no other year."""
    target = Path(target)
    series = target.parent
    years = {int(p.parent.parent.name) for p in series.glob("*/public/report.html") if _YEAR.match(p.parent.parent.name)}
    for p in series.glob(".*.building-*"):
        name = p.name[1:].split(".building-", 1)[0]
        if _YEAR.match(name):
            years.add(int(name))
    if _YEAR.match(target.name):
        years.discard(int(target.name))
    if not years:
        return []
    links = [(str(y), f"../../{y}/public/report.html") for y in sorted(years, reverse=True)]
    return links + [("Alle rapporter", ("../../../" if nested else "../../") + INDEX)]


def write_index(out: Path) -> Path | None:
    """Write ``out/index.html`` (atomically) listing :func:`published_reports`; None when there are none."""
    out = Path(out)
    reports = published_reports(out)
    if not reports:
        return None
    sections = []
    for year in sorted({r["year"] for r in reports}, reverse=True):
        rows = [r for r in reports if r["year"] == year]
        n_muni = sum(r["kind"] == "municipality" for r in rows)
        items = "\n".join(
            f'<li><a href="{html.escape(r["path"])}">{html.escape(r["name"])}</a>'
            f' · <a href="{html.escape(r["path"].rsplit("/", 1)[0])}/tables/">tabeller</a>'
            + (f' · <a href="{html.escape(r["path"].rsplit("/", 1)[0])}/tables/{WORKBOOK}">Excel</a>'
               if (out / r["path"]).parent.joinpath("tables", WORKBOOK).is_file() else "")
            + "</li>" for r in rows)
        count = f"<p>{n_muni} kommunerapport{'er' if n_muni != 1 else ''}.</p>\n" if n_muni else ""
        sections.append(f"<h2>{year}</h2>\n{count}<ul class=\"mf-index\">\n{items}\n</ul>")
    page = f"""<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mangfold i ledelse – rapporter</title>
<style>{CSS}
ul.mf-index {{ columns: 3 18em; padding-left: 1.2em; }}</style>
</head>
<body>
<header class="mf-head"><h1>Mangfold i ledelse – rapporter</h1><p>Den nasjonale rapporten og rapporten for hver
kommune, per år. Alle tall i rapportene er kontrollert for personvern.</p></header>
<main class="mf-main" style="padding: 24px 40px">
{chr(10).join(sections)}
</main>
</body>
</html>
"""
    target = out / INDEX
    tmp = out / f".{INDEX}.{os.getpid()}.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target
