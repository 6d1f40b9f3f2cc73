"""Render a year's executed notebooks into one self-contained HTML report.

Code is hidden, figures are embedded (base64 PNG), no external scripts or stylesheets, bokmål
text, a table of contents, the summary first and a method appendix ("Metode") collected from
the markdown cells tagged ``metode`` in every notebook.
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

import nbformat

METHOD_TAG = "metode"
#: The scripts the report template holds (none): the audit allows exactly these in report.html.
TEMPLATE_SCRIPTS: tuple[str, ...] = ()
#: The page runs no script and loads nothing from elsewhere, even if markup slipped through:
#: figures are embedded (data:), the style is inline.
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'none'; object-src 'none'; "
       "base-uri 'none'; form-action 'none'")
SKIP_TAGS = {"parameters", "injected-parameters", "remove-cell"}
#: the alternative text of a figure that has none (a figure of ``ctx.figure`` has its caption)
FIGURE_ALT = "Figur"

CSS = """
:root { --ink:#1d2433; --muted:#5b6474; --accent:#2a5db0; --line:#d9dee7; --bg:#ffffff; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg);
       margin: 0; line-height: 1.5; font-size: 16px; }
header.mf-head { background: #12355b; color: #fff; padding: 28px 40px 20px; }
header.mf-head h1 { margin: 0 0 6px; font-size: 28px; }
header.mf-head p { margin: 0; opacity: .85; }
header.mf-head p.mf-note { margin-top: 8px; font-style: italic; }
header.mf-head nav.mf-years { margin-top: 8px; font-size: 14px; } header.mf-head nav.mf-years a { color: #fff; }
.mf-wrap { display: flex; gap: 32px; max-width: 1280px; margin: 0 auto; padding: 24px 40px 60px; }
nav.mf-toc { flex: 0 0 250px; position: sticky; top: 12px; align-self: flex-start; font-size: 14px;
             max-height: 95vh; overflow-y: auto; border-right: 1px solid var(--line); padding-right: 16px; }
nav.mf-toc h2 { font-size: 15px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
nav.mf-toc ul { padding-left: 0; margin: 0; list-style: none; } nav.mf-toc li { margin: 3px 0; }
nav.mf-toc li.lvl2 { font-weight: 600; margin-top: 8px; }
nav.mf-toc li.lvl3 { margin-left: 14px; font-size: 13px; font-weight: 400; }
nav.mf-toc a { color: var(--accent); text-decoration: none; }
main.mf-main { flex: 1 1 auto; min-width: 0; }
main h2 { border-bottom: 2px solid var(--accent); padding-bottom: 4px; margin-top: 44px; }
main h3 { margin-top: 28px; }
a.anchor-link { display: none; }
/* Tables wrap, never scroll: every column (the verdicts too) is in sight at 1280 px and on A4 paper.
   Cells and headers wrap between words. */
table.mf-table, main table { border-collapse: collapse; font-size: 13px; margin: 10px 0 18px; width: auto;
        max-width: 100%; table-layout: auto; }
main th, main td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: right; white-space: normal;
        vertical-align: top; }
main th { background: #f1f4f9; text-align: center; vertical-align: bottom; font-weight: 600;
        overflow-wrap: break-word; hyphens: manual; }
main td { overflow-wrap: break-word; font-variant-numeric: tabular-nums; }
main td:first-child, main th:first-child { text-align: left; }
main td.mf-t { text-align: left; }
.mf-caption { margin-bottom: 2px; }
main img { max-width: 100%; height: auto; }
.jp-OutputArea-output pre, pre { white-space: pre-wrap; }
section.mf-method { border-top: 3px double var(--line); margin-top: 48px; }
footer.mf-foot { color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); margin-top: 40px; padding-top: 10px; }
/* Paper: A4 with page numbers; the contents first, then the chapters; tables repeat their header row
   on each page and are never clipped. */
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
        @bottom-center { content: "Side " counter(page) " av " counter(pages); font-size: 9pt; color: #5b6474; } }
@media print {
  body { font-size: 10.5pt; line-height: 1.4; }
  header.mf-head { padding: 14px 18px 12px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  header.mf-head h1 { font-size: 20pt; }
  .mf-wrap { display: block; padding: 0; max-width: none; }
  nav.mf-toc { position: static; max-height: none; overflow: visible; border: none; padding: 0; font-size: 10pt;
               break-after: page; }
  nav.mf-toc a { color: var(--ink); }
  main h2 { margin-top: 24px; break-after: avoid; } main h3 { break-after: avoid; }
  main h2:not(#Sammendrag) { break-before: page; }
  table.mf-table, main table { font-size: 8.5pt; width: 100%; }
  main th, main td { padding: 2px 4px; }
  thead { display: table-header-group; } tr, img { break-inside: avoid; }
  p.mf-caption { break-after: avoid; }
  main img { max-width: 100%; max-height: 240mm; }
}
"""


def _clean_cells(nb) -> tuple[list, list]:
    """Report cells (inputs removed later) and method-appendix cells of one executed notebook."""
    body, method = [], []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & SKIP_TAGS:
            continue
        if METHOD_TAG in tags:
            method.append(cell)
            continue
        if cell.cell_type == "code":
            outs = []
            for o in cell.get("outputs", []):
                if "image/png" in o.get("data", {}):  # every figure has an alternative text (its caption)
                    o.setdefault("metadata", {}).setdefault("image/png", {}).setdefault("alt", FIGURE_ALT)
                # only what a cell displays on purpose: display() output and printed text;
                # a cell's last-expression value (execute_result) and errors never reach the report
                if o.get("output_type") in ("error", "execute_result"):
                    continue
                if o.get("output_type") == "stream" and o.get("name") == "stderr":
                    continue
                outs.append(o)
            cell.outputs = outs
            if not outs:
                continue
        body.append(cell)
    return body, method


def merge_notebooks(paths: list[Path]) -> nbformat.NotebookNode:
    merged = nbformat.v4.new_notebook()
    method_cells = []
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        body, method = _clean_cells(nb)
        merged.cells.extend(body)
        method_cells.extend(method)
    if method_cells:
        merged.cells.append(nbformat.v4.new_markdown_cell("## Metode"))
        merged.cells.extend(method_cells)
    for i, cell in enumerate(merged.cells):
        cell["id"] = f"r{i:04d}"
    merged.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    merged.metadata["language_info"] = {"name": "python"}
    return merged


_HEADING = re.compile(r'<h([23])\s+id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_EXTERNAL = re.compile(r'<(script|link)\b[^>]*(src|href)="https?://[^"]*"[^>]*>(\s*</script>)?', re.I)


#: the ``¶`` link nbconvert puts in every heading (its text written as ``&#182;``)
_ANCHOR_LINK = re.compile(r"<a\b[^>]*\banchor-link\b[^>]*>.*?</a>", re.S)


def _toc(body_html: str) -> str:
    items = []
    for lvl, anchor, inner in _HEADING.findall(body_html):
        text = re.sub(r"<[^>]+>", "", _ANCHOR_LINK.sub("", inner))  # without its ¶ link and markup
        # the heading's text and id as HTML already escaped them: unescape once, escape once
        anchor, text = html.escape(html.unescape(anchor)), html.escape(html.unescape(text).strip())
        items.append(f'<li class="lvl{lvl}"><a href="#{anchor}">{text}</a></li>')
    return '<nav class="mf-toc"><h2>Innhold</h2><ul>' + "".join(items) + "</ul></nav>"


#: markdown converted to HTML by the report's exporter, by source (the chapters' text repeats in
#: every report a process renders), at most this many
MARKDOWN_CACHE = 4096
_markdown: dict[str, str] = {}


@functools.lru_cache(maxsize=1)
def _exporter():
    """nbconvert's HTML exporter (basic template, no inputs or prompts) without its last step: a
    BeautifulSoup pass over the whole page, about half of the rendering time, that gives images without
    one an English stock alternative text (every figure of the report has its caption as one, set by
    ``ctx.figure``, or :data:`FIGURE_ALT`) and makes the JupyterLab template's cells focusable (the
    basic template has none). tests/publish/test_render.py checks that the page is what HTMLExporter
    writes, serialisation aside. One per process: its templates are compiled once (a twentieth of the
    rendering time per report otherwise)."""
    from nbconvert import HTMLExporter  # only publishing renders: keeps the notebooks' imports light
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from jinja2 import pass_context

    class ReportExporter(HTMLExporter):
        @pass_context
        def markdown2html(self, context, source):
            # the same markdown gives the same HTML (a new renderer each time): the chapters' own
            # text, the same in every report, is converted once per process
            path = context.get("resources", {}).get("metadata", {}).get("path")
            if context.get("cell", {}).get("attachments") or path:  # the HTML depends on more than the text
                return HTMLExporter.markdown2html(self, context, source)
            out = _markdown.get(source)
            if out is None:
                out = HTMLExporter.markdown2html(self, context, source)
                if len(_markdown) >= MARKDOWN_CACHE:
                    _markdown.pop(next(iter(_markdown)))
                _markdown[source] = out
            return out

        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node up to its BeautifulSoup pass
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                     resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    exporter = ReportExporter(template_name="basic")
    exporter.optimistic_validation = True  # validate the notebook once, not after each of a dozen preprocessors
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def render_report(paths: list[Path], target: Path, *, title: str, subtitle: str, footer: str = "",
                  note: str = "", links: list[tuple[str, str]] | tuple = ()) -> Path:
    """Render executed notebooks (in report order) to one self-contained HTML file; ``note`` is a
    sentence shown under the subtitle (e.g. which chapters are left out and why); ``links``: (text,
    relative href) of the reports of other years and the index (:func:`mangfold.publish.index.report_links`)."""
    merged = merge_notebooks(paths)
    body, _ = _exporter().from_notebook_node(merged)
    body = _EXTERNAL.sub("", body)
    body = body.replace('<h2 id="Metode">', '<section class="mf-method"></section><h2 id="Metode">')
    note_html = f'<p class="mf-note">{html.escape(note)}</p>' if note else ""
    if links:
        note_html += ('<nav class="mf-years">Andre år: ' + " · ".join(
            f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>' for text, href in links) + "</nav>")
    page = f"""<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{html.escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<header class="mf-head"><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>{note_html}</header>
<div class="mf-wrap">
{_toc(body)}
<main class="mf-main">
{body}
<footer class="mf-foot">{html.escape(footer)}</footer>
</main>
</div>
</body>
</html>
"""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return target


def chromium_path() -> str | None:
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        p = shutil.which(name)
        if p:
            return p
    return None


CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic")


class BrowserMissing(RuntimeError):
    """No headless Chromium on this machine (exit status 2)."""


def print_pdf(html_path: Path, pdf_path: Path, *, timeout: int = 120) -> Path:
    """Print the report with headless Chromium."""
    import subprocess
    import tempfile

    exe = chromium_path()
    if exe is None:
        raise BrowserMissing("--pdf needs headless Chromium, and none was found on PATH. Install it "
                             "(Debian/Ubuntu: `apt-get install chromium`) or run without --pdf.")
    with tempfile.TemporaryDirectory() as profile:
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
               f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
        subprocess.run(cmd, check=True, timeout=timeout, capture_output=True)
    if not pdf_path.is_file():
        raise RuntimeError(f"Chromium did not write {pdf_path}")
    return pdf_path
