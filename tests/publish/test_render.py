"""render_report's exporter is nbconvert's HTMLExporter without its BeautifulSoup pass: the same page
(once both are serialised the same way), and every figure has an alternative text."""

from __future__ import annotations

import base64

import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from mangfold.publish.render import FIGURE_ALT, _exporter, merge_notebooks, render_report

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2"
    "21bc330000000049454e44ae426082")).decode()


def _notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    md = nbformat.v4.new_markdown_cell("## Kapittel\n\nTekst med *vekt* og en <b>tag</b>.")
    code = nbformat.v4.new_code_cell("x = 1")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": "Andel: **24 %**"}),
        nbformat.v4.new_output("display_data",
                               data={"text/html": "<table><tr><th>a</th></tr><tr><td>1</td></tr></table>"}),
        nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Image>"},
                               metadata={"image/png": {"alt": "Ledere i målgruppen <per> sektor"}}),
        nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Image>"}),
        nbformat.v4.new_output("stream", name="stdout", text="skrevet ut\n"),
    ]
    nb.cells = [md, code]
    path = tmp_path / "a.ipynb"
    nbformat.write(nb, path)
    return merge_notebooks([path])


def _nbconvert(merged) -> str:
    e = HTMLExporter(template_name="basic")
    e.exclude_input = e.exclude_input_prompt = e.exclude_output_prompt = True
    return e.from_notebook_node(merged)[0]


def test_same_page_as_htmlexporter(tmp_path):
    merged = _notebook(tmp_path)
    ours = _exporter().from_notebook_node(merged)[0]
    theirs = _nbconvert(merged)
    assert str(BeautifulSoup(ours, features="html.parser")) == theirs


def test_every_figure_has_an_alternative_text(tmp_path):
    ours = BeautifulSoup(_exporter().from_notebook_node(_notebook(tmp_path))[0], features="html.parser")
    alts = [img.get("alt") for img in ours.find_all("img")]
    assert alts == ["Ledere i målgruppen <per> sektor", FIGURE_ALT]  # escaped in the page, read back here
    assert "No description" not in str(ours)


def test_contents_list_the_headings_without_their_anchor_links(tmp_path):
    """The table of contents names each chapter by its heading's text: not the ``¶`` link that
    nbconvert adds to every heading (written ``&#182;``), and special characters escaped once."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## Rekruttering: hvor faller representasjonen?\n\n### Kjønn & bakgrunn")]
    path = tmp_path / "a.ipynb"
    nbformat.write(nb, path)
    page = render_report([path], tmp_path / "report.html", title="T", subtitle="S").read_text(encoding="utf-8")
    toc = BeautifulSoup(page, features="html.parser").find("nav", class_="mf-toc")
    assert [a.get_text() for a in toc.find_all("a")] == ["Rekruttering: hvor faller representasjonen?",
                                                         "Kjønn & bakgrunn"]
    assert "&amp;amp;" not in str(toc) and "¶" not in toc.get_text()
