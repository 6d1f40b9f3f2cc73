"""What comes from the data reaches the reader as text, never as code.

* **Narrative text.** A notebook's sentences are Markdown with names and codes from the data in
  them (sectors, units, boards, the municipality in the params). :func:`markdown_to_html` renders
  such text with mistune with raw HTML *escaped* (``<script>`` is shown, not run), links only to
  ``http(s)``, ``mailto`` and in-page anchors, and images shown as their alt text (the report is
  self-contained and fetches nothing). :func:`show_markdown` displays the result as an HTML output
  wrapped in ``<div class="mf-text">``, so that nbconvert never reads it as Markdown again (its
  Markdown filter passes raw HTML through).
* **Public CSV files** (OWASP, "CSV injection"): a text cell that begins with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return and is not a number is prefixed with a single quote, so that a
  spreadsheet shows it as text instead of running it as a formula (:func:`neutralise_frame`);
  numbers such as ``-0.5`` stay numbers. :func:`restore_frame` undoes it exactly (the audit
  compares public cells with the restricted copies, which stay raw).
* **The report page.** :func:`markup_findings` lists markup in ``report.html`` that the report
  template does not put there itself: scripts, event-handler attributes, ``javascript:`` URLs,
  frames and plug-ins, and images that are not embedded figures (the audit runs it).
"""

from __future__ import annotations

import hashlib
import html
import re
from html.parser import HTMLParser
from typing import Any

import pandas as pd

TEXT_CLASS = "mf-text"

# ------------------------------------------------------------------ narrative Markdown
_SAFE_URL = re.compile(r"^(https?://|mailto:|#)", re.I)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.I)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_MARKDOWN = None


def _safe_url(url: str) -> str:
    """``url`` if it is http(s), mailto, an in-page anchor or a relative path, else ``#``."""
    u = _CONTROL.sub("", html.unescape(url))
    if _SAFE_URL.match(u) or (u and not _SCHEME.match(u) and not re.match(r"[/\\]{2}", u)):
        return url
    return "#"


def _markdown():
    global _MARKDOWN
    if _MARKDOWN is None:
        import mistune
        from mistune.renderers.html import HTMLRenderer

        class _Renderer(HTMLRenderer):
            """HTML with raw HTML escaped, safe links only and no images (their alt text instead)."""

            def sanitize_url(self, url: str) -> str:
                return super().sanitize_url(_safe_url(url))

            def image(self, text: str, url: str, title: str | None = None) -> str:
                return text  # already rendered (and escaped) inline content

        # the features of nbconvert's own Markdown filter, except maths (the narrative has none)
        _MARKDOWN = mistune.create_markdown(renderer=_Renderer(escape=True),
                                            plugins=["strikethrough", "table", "url"])
    return _MARKDOWN


def markdown_to_html(text: str) -> str:
    """Markdown to HTML in which text from the data is text: raw HTML is escaped (shown, not
    parsed), links go only to http(s), mailto and anchors, images are reduced to their alt text."""
    return _markdown()(str(text))


def markdown_block(text: str) -> str:
    """:func:`markdown_to_html` inside the report's marker ``<div class="mf-text">``."""
    return f'<div class="{TEXT_CLASS}">{markdown_to_html(text)}</div>'


def show_markdown(text: str) -> None:
    """Show narrative Markdown in a notebook and in the report, with names from the data as text
    (use this instead of ``display(Markdown(text))``). The output is HTML (rendered here, safely),
    with the source as plain text for readers that show no HTML and, HTML-escaped, as Markdown."""
    text = str(text)
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover
        print(text)
        return
    display({"text/html": markdown_block(text), "text/markdown": html.escape(text, quote=False),
             "text/plain": text}, raw=True)


# ------------------------------------------------------------------ CSV injection
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def is_formula(cell: Any) -> bool:
    """True for a text cell that a spreadsheet would read as a formula: it begins with ``=``,
    ``+``, ``-``, ``@``, a tab or a carriage return and is not a number (``-0.5``, ``+3``, ``-1e-4``
    and ``-0,5`` are numbers)."""
    return isinstance(cell, str) and cell[:1] in FORMULA_START and not _NUMBER.match(cell)


def neutralise(cell: Any) -> Any:
    """A cell as a public CSV holds it: a formula (:func:`is_formula`) prefixed with ``'``. A cell
    that already begins with quotes before a formula gets one quote more, so that :func:`restore`
    gives back exactly the original."""
    if isinstance(cell, str) and is_formula(cell.lstrip("'")):
        return "'" + cell
    return cell


def restore(cell: Any) -> Any:
    """The original of a :func:`neutralise` d cell."""
    if isinstance(cell, str) and cell.startswith("'") and is_formula(cell.lstrip("'")):
        return cell[1:]
    return cell


def _map_text(df: pd.DataFrame, f, starts: tuple[str, ...]) -> pd.DataFrame:
    """A copy of ``df`` with ``f`` applied to the cells of its text columns and to its column names.
    ``f`` changes only text that begins with one of ``starts``: a column of the string dtype without
    missing cells (every column of a CSV read as text) is mapped only at such cells, the same result
    as mapping every cell at a fraction of the cost. Other text columns are mapped whole, as mapping
    may change their dtype (an object column of numbers becomes numeric)."""
    if _untouched(df, starts):
        return df.copy()
    out = df.copy()
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if isinstance(col.dtype, pd.StringDtype) and not col.hasnans:
            vals = col.to_numpy(dtype=object)
            hit = [j for j, v in enumerate(vals) if v.startswith(starts)]  # all str: no missing cells
            if hit:
                vals = vals.copy()
                vals[hit] = [f(vals[j]) for j in hit]
                out.isetitem(i, pd.Series(vals, index=col.index, name=col.name, dtype=col.dtype))
        elif col.dtype == object or isinstance(col.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            out.isetitem(i, col.map(f, na_action="ignore"))
    out.columns = [f(c) for c in df.columns]
    return out


def _untouched(df: pd.DataFrame, starts: tuple[str, ...]) -> bool:
    """True when :func:`_map_text` would change nothing, known from one pass over the cells: every
    column of the string dtype without missing cells (a CSV read as text), no cell and no column name
    beginning with one of ``starts``."""
    if not all(isinstance(t, pd.StringDtype) for t in df.dtypes):
        return False
    if any(not isinstance(c, str) or c.startswith(starts) for c in df.columns):
        return False
    cells = df.to_numpy(dtype=object).ravel()
    return all(isinstance(v, str) and not v.startswith(starts) for v in cells)


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every formula-like text cell and column name neutralised."""
    return _map_text(df, neutralise, (*FORMULA_START, "'"))


def restore_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise_frame` (cells and column names)."""
    return _map_text(df, restore, ("'",))


def formula_findings(df: pd.DataFrame, rel: str) -> list[str]:
    """Cells and column names of a public CSV (read as text) that a spreadsheet would run."""
    out = [f"{rel}: column name {c!r} begins with a formula character and is not neutralised "
           "(prefix it with ')" for c in df.columns if is_formula(c)]
    for c in df.columns:
        for r, cell in enumerate(df[c].tolist()):
            if is_formula(cell):
                out.append(f"{rel}: row {r + 2}, column {c}: the cell {cell[:40]!r} begins with a formula "
                           "character and is not neutralised (publish tables with ctx.table)")
    return out


# ------------------------------------------------------------------ markup in the report
#: Elements that never belong in a report (the template holds none of them).
FORBIDDEN_TAGS = ("script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form")
_URL_ATTRS = ("href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset")
_BAD_SCHEME = re.compile(r"^(javascript|vbscript):", re.I)


def _cleaned_prefix(value: str, n: int) -> str:
    """The first ``n`` characters of ``_CONTROL.sub("", value)``, removing the control characters of
    only as much of ``value`` as that needs: a figure's ``src`` is a data URL of some 100 kB, and the
    checks read its first characters (removal is character by character, so a cleaned prefix of
    ``value`` is a prefix of the cleaned ``value``)."""
    k = 2 * n + 16
    while True:
        cleaned = _CONTROL.sub("", value[:k])
        if len(cleaned) >= n or k >= len(value):
            return cleaned[:n]
        k *= 4


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.scripts: list[str] = []
        self._script: list[str] | None = None
        self._n = 0

    def handle_starttag(self, tag, attrs):
        self._n += 1
        where = f"element {self._n} <{tag}>"
        if tag in FORBIDDEN_TAGS:
            if tag == "script":
                self._script = []
            else:
                self.found.append(f"{where}: a <{tag}> element")
        if tag == "meta" and any(k == "http-equiv" and (v or "").strip().lower() == "refresh" for k, v in attrs):
            self.found.append(f"{where}: a refresh (redirect)")
        for k, v in attrs:
            if k.startswith("on"):
                self.found.append(f"{where}: the event-handler attribute {k}={(v or '')[:40]!r}")
            elif k in _URL_ATTRS and _BAD_SCHEME.match(_cleaned_prefix(v or "", 11)):
                self.found.append(f"{where}: a script URL in {k}={(v or '')[:40]!r}")
        if tag == "img":
            src = _cleaned_prefix(dict(attrs).get("src") or "", 40)  # what the check and the message read
            if not src.lower().startswith("data:image/"):
                self.found.append(f"{where}: an image from {src[:40]!r}, not an embedded figure")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script" and self._script is not None:
            self.handle_endtag("script")

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)


def script_digest(source: str) -> str:
    return hashlib.sha256(source.strip().encode("utf-8")).hexdigest()


def markup_findings(page: str, allowed_scripts: tuple[str, ...] = ()) -> list[str]:
    """Markup in a report page that does not belong there: ``<script>`` elements other than the
    template's own (``allowed_scripts``, compared by content), ``on*=`` event handlers,
    ``javascript:``/``vbscript:`` URLs, frames, plug-ins, forms, ``<base>``, redirects and images
    that are not embedded (``data:image/``) figures."""
    p = _Markup()
    p.feed(page)
    p.close()
    if p._script is not None:  # an unclosed <script>
        p.scripts.append("".join(p._script))
    allowed = {script_digest(s) for s in allowed_scripts}
    found = list(p.found)
    found += [f"a <script> element that the report template does not hold: {s.strip()[:60]!r}"
              for s in p.scripts if script_digest(s) not in allowed]
    # what a browser might read as a script where the parser above read text (e.g. "<scr<script>")
    n_raw = len(re.findall(r"<\s*script\b", page, re.I))
    if n_raw > len(p.scripts):
        found.append(f"{n_raw - len(p.scripts)} more '<script' in the page than <script> elements parsed")
    return found
