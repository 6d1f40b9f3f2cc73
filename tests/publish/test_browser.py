"""The demo report as a reader sees it: in headless Chromium at 1280 px and printed to PDF.

- no table scrolls sideways or runs past the window at 1280 px (every column, the verdicts too, is in
  sight);
- the PDF is A4, and every verdict the HTML shows is also in the PDF's text (nothing clipped on paper);
- screenshots of the summary and of one chapter are kept for review (the folder is printed; set
  ``MANGFOLD_TEST_ARTIFACTS`` to keep them somewhere else than ``outputs/test-artifacts/``).

The report forbids scripts (its Content-Security-Policy), so the probe script runs in a copy without that
one line. ``python -m tests.publish.test_browser OUT/2025/public/report.html`` prints the measurements for
any published report.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from mangfold.publish import render

ROOT = Path(__file__).resolve().parents[2]
WIDTH = 1280
#: A4 in PostScript points (210 x 297 mm)
A4 = (595.28, 841.89)
#: A4's text width in CSS px (182 mm at 96 px per inch), with the report's @page margins of 14 mm
A4_TEXT_PX = 688
#: the verdicts and statuses the report writes (analyses' text and tables); each occurrence in the
#: HTML must be in the PDF's text as often
VERDICTS = ("kan ikke avgjøres", "forskjell påvist", "ingen vesentlig forskjell", "ikke nådd", "nådd allerede",
            "ikke innen ti år", "innen ti år", "usikkert", "tydelig", "Oppfyller", "oppfyller")

_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>')

#: For every table in the page: does it scroll (scrollWidth > clientWidth), does it or a cell run
#: past the window's right edge, does an ancestor scroll sideways? Written as JSON into <pre id=probe>.
PROBE = """<script>
window.addEventListener('load', () => {
  const W = document.documentElement.clientWidth, out = [];
  document.querySelectorAll('table').forEach((t, i) => {
    const r = t.getBoundingClientRect();
    let scroller = null;
    for (let a = t; a && a !== document.body; a = a.parentElement) {
      if (a.scrollWidth > a.clientWidth + 1 && getComputedStyle(a).overflowX !== 'visible') { scroller = a.tagName; break; }
    }
    let cellPast = 0;
    t.querySelectorAll('th,td').forEach(c => { if (c.getBoundingClientRect().right > W + 1) cellPast++; });
    const head = [...t.querySelectorAll('thead th')].map(h => h.textContent.trim()).join(' | ').slice(0, 120);
    out.push({i, name: t.getAttribute('data-mf-table') || '', head, right: Math.round(r.right),
              scrolls: scroller, cellsPast: cellPast});
  });
  const p = document.createElement('pre'); p.id = 'probe';
  p.textContent = JSON.stringify({width: W, pageScroll: document.documentElement.scrollWidth > W + 1, tables: out});
  document.body.appendChild(p);
});
</script>"""


def _chromium(exe: str, profile: Path, *args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([exe, *render.CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=timeout)


def probe_tables(report: Path, work: Path, exe: str, *, width: int = WIDTH, paper: bool = False) -> dict:
    """The probe's findings for ``report`` opened in a ``width`` px wide window; ``paper``: with the
    report's print rules applied on screen (``@media print`` read as ``@media all``)."""
    page = report.read_text(encoding="utf-8")
    if paper:
        page = page.replace("@media print {", "@media all {")
    copy = work / "probe.html"
    copy.write_text(_CSP.sub("", page).replace("</body>", PROBE + "</body>"), encoding="utf-8")
    r = _chromium(exe, work / "prof-probe", f"--window-size={width},900", "--virtual-time-budget=5000",
                  "--dump-dom", copy.as_uri())
    m = re.search(r'<pre id="probe">(.*?)</pre>', r.stdout, re.S)
    assert m, r.stderr[-800:]
    return json.loads(html.unescape(m.group(1)))


def screenshot(report: Path, target: Path, exe: str, work: Path, *, anchor: str | None = None,
               height: int = 1600) -> Path:
    """A ``WIDTH`` px wide screenshot of the top of the report, or of the chapter at ``anchor`` (a copy
    of the page that starts there: the header and the chapters before it are left out)."""
    page = _CSP.sub("", report.read_text(encoding="utf-8"))
    if anchor:  # cut at the notebook cell (<div class="cell ...">) that holds the heading, so the markup stays whole
        i = page.find(f'<h2 id="{anchor}"')
        start = page.find('<main class="mf-main">')
        cells = [m.start() for m in re.finditer(r'<div\b[^>]*\bclass="cell ', page[:max(i, 0)])]
        cell = cells[-1] if cells else -1
        assert 0 < start < cell < i, anchor
        page = page[:start + len('<main class="mf-main">')] + "\n" + page[cell:]
    copy = work / f"shot-{target.stem}.html"
    copy.write_text(page, encoding="utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    _chromium(exe, work / "prof-shot", f"--window-size={WIDTH},{height}", "--hide-scrollbars",
              "--virtual-time-budget=3000", f"--screenshot={target}", copy.as_uri())
    return target


def visible_text(page: str) -> str:
    """The text a reader sees (styles, scripts and tags removed, whitespace collapsed)."""
    page = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def pdf_facts(pdf: Path) -> tuple[list[tuple[float, float]], str]:
    """Page sizes (points) and the whole text of a PDF, whitespace collapsed."""
    from pypdf import PdfReader  # test-only dependency (pyproject: the test extra)

    reader = PdfReader(str(pdf))
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    txt = " ".join(p.extract_text() or "" for p in reader.pages)
    return sizes, re.sub(r"\s+", " ", txt)


def verdict_counts(text: str) -> dict[str, int]:
    """How often each verdict appears (a longer verdict that contains a shorter one is not counted twice)."""
    out = {}
    for v in sorted(VERDICTS, key=len, reverse=True):
        out[v] = len(re.findall(rf"(?<!\w){re.escape(v)}(?!\w)", text))
        text = re.sub(rf"(?<!\w){re.escape(v)}(?!\w)", " ", text)
    return out


def artifacts_dir() -> Path:
    return Path(os.environ.get("MANGFOLD_TEST_ARTIFACTS", ROOT / "outputs" / "test-artifacts"))


def measure(report: Path, work: Path, exe: str) -> dict:
    """Tables scrolling or overflowing at 1280 px; PDF page sizes; verdicts in the HTML and in the PDF."""
    probe = probe_tables(report, work, exe)
    bad = [t for t in probe["tables"] if t["scrolls"] or t["cellsPast"] or t["right"] > probe["width"] + 1]
    # A4's text width (210 mm less 2 x 14 mm margins = 182 mm = 688 CSS px) with the print rules
    paper = probe_tables(report, work, exe, width=A4_TEXT_PX, paper=True)
    bad_paper = [t for t in paper["tables"] if t["scrolls"] or t["cellsPast"] or t["right"] > paper["width"] + 1]
    pdf = render.print_pdf(report, work / "report.pdf")
    sizes, pdf_text = pdf_facts(pdf)
    html_counts = verdict_counts(visible_text(report.read_text(encoding="utf-8")))
    pdf_counts = verdict_counts(pdf_text)
    return {"tables": len(probe["tables"]), "bad_tables": bad, "page_scrolls": probe["pageScroll"],
            "bad_tables_paper": bad_paper,
            "pdf_pages": len(sizes), "pdf_sizes": sorted(set((round(w), round(h)) for w, h in sizes)),
            "verdicts_html": {k: v for k, v in html_counts.items() if v},
            "verdicts_pdf": {k: v for k, v in pdf_counts.items() if v},
            "pdf_text": pdf_text}


@pytest.fixture(scope="module")
def chromium():
    exe = render.chromium_path()
    if exe is None:
        pytest.skip("no headless Chromium on PATH (Debian package `chromium`); .ci/run installs it")
    pytest.importorskip("pypdf")
    return exe


@pytest.mark.slow
@pytest.mark.xdist_group("demo_run")
def test_report_reads_whole_at_1280_px_and_on_a4(demo_run, chromium, tmp_path):
    assert demo_run.status == 0, demo_run.log
    report = demo_run.public / "report.html"
    page = report.read_text(encoding="utf-8")
    assert len(_CSP.findall(page)) == 1 and "script-src 'none'" in page  # the report keeps its CSP
    m = measure(report, tmp_path, chromium)

    # nothing hidden by layout on screen
    assert m["tables"] >= 10
    assert not m["page_scrolls"], "the page scrolls sideways at 1280 px"
    assert m["bad_tables"] == [], "tables that scroll or run past the window at 1280 px:\n" + "\n".join(
        f"  table {t['i']} {t['name']} ({t['head']}): right={t['right']}, scrolls in {t['scrolls']}, "
        f"{t['cellsPast']} cells past the edge" for t in m["bad_tables"])

    assert m["bad_tables_paper"] == [], "tables wider than A4's text width with the print rules: " + ", ".join(
        f"{t['name']} ({t['head'][:60]})" for t in m["bad_tables_paper"])

    # A4 paper, page numbers, and every verdict on paper too
    assert m["pdf_sizes"] and all(abs(w - A4[0]) <= 2 and abs(h - A4[1]) <= 2 for w, h in m["pdf_sizes"]), \
        m["pdf_sizes"]
    assert re.search(r"Side 2 av \d+", m["pdf_text"]), "no page numbers in the PDF"
    assert "innhold" in m["pdf_text"].lower(), "the printed report has no table of contents"
    missing = {k: (v, m["verdicts_pdf"].get(k, 0)) for k, v in m["verdicts_html"].items()
               if m["verdicts_pdf"].get(k, 0) < v}
    assert m["verdicts_html"] and not missing, f"verdicts in the HTML but not (as often) in the PDF: {missing}"

    # screenshots for review
    out = artifacts_dir()
    shots = [screenshot(report, out / "summary-1280.png", chromium, tmp_path),
             screenshot(report, out / "chapter-rekruttering-1280.png", chromium, tmp_path,
                        anchor=_chapter_anchor(page, "Rekruttering"))]
    print(f"\nscreenshots for review: {', '.join(str(s) for s in shots)}")
    assert all(s.is_file() and s.stat().st_size > 10_000 for s in shots)


def _chapter_anchor(page: str, starts: str) -> str:
    m = re.search(rf'<h2 id="({re.escape(starts)}[^"]*)"', page)
    assert m, f"no chapter starting {starts!r}"
    return m.group(1)


if __name__ == "__main__":  # measurements for any published report
    exe = render.chromium_path()
    if exe is None:
        sys.exit("no Chromium")
    with tempfile.TemporaryDirectory() as d:
        res = measure(Path(sys.argv[1]), Path(d), exe)
    res.pop("pdf_text")
    print(f"  tables wider than A4 with the print rules: {len(res.pop('bad_tables_paper'))}")
    for t in res.pop("bad_tables"):
        print(f"  scrolls/overflows: table {t['i']} {t['name']} right={t['right']} in={t['scrolls']} "
              f"cellsPast={t['cellsPast']} [{t['head']}]")
    print(json.dumps(res, ensure_ascii=False, indent=1))
