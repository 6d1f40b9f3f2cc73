"""Text in figures measured, laid out and rasterised once per process, not once per figure.

matplotlib 3.11 shapes every string with FreeType and libraqm: measuring one tick label costs
0.1-0.3 ms, laying it out to draw it as much again, and each glyph is rasterised anew. It caches
the measurements per *renderer*, and every saved figure has a renderer of its own, so the same
tick labels, axis labels and legend entries of a national run (150 reports of a dozen figures
each) are measured, shaped and rasterised thousands of times over. With :func:`install` (called
by :func:`mangfold.figures.setup_style`) the Agg renderer keeps them for the process:

* the width, height and descent of a string (``RendererAgg.get_text_width_height_descent``), by
  string, font, size, dpi and hinting;
* the glyphs and their places of a string laid out to be drawn (``FT2Font._layout`` in
  ``RendererAgg.draw_text``), by the same and the font features and language;
* the bitmap of a glyph (``FT2Font._render_glyph``), by font, size, dpi, glyph, rotation and the
  pen position's fraction of a pixel (1/64 px, FreeType's grid): moving a glyph by whole pixels
  moves its bitmap and nothing else;
* a font's SFNT tables (line metrics that ``Text._get_layout`` reads for every text).

Every key holds what the computation reads, so a hit returns the very value the computation
would, and the PNGs are byte for byte those without the caches (``tests/publish/test_textcache.py``
draws figures with every kind of text the report has both ways). Mathtext, TeX and text drawn without
antialiasing are left to matplotlib.

The caches reach into matplotlib's Agg backend (``_draw_text_glyphs_and_boxes``, ``_prepare_font``,
``FT2Font._layout``, ``_set_transform`` and ``_render_glyph``, ``text.get_font``):
:data:`INTERNALS` lists them and the tests check each, so a release that changes them fails there,
by name; :func:`install` then leaves matplotlib as it is.
"""

from __future__ import annotations

import functools
import math
import os
import pkgutil

import numpy as np
from matplotlib import text as mtext
from matplotlib.backends import backend_agg
from matplotlib.ft2font import RenderMode

#: matplotlib names the caches replace or call (install checks each; so do the tests, by name)
INTERNALS = ("matplotlib.backends.backend_agg.RendererAgg.get_text_width_height_descent",
             "matplotlib.backends.backend_agg.RendererAgg.draw_text",
             "matplotlib.backends.backend_agg.RendererAgg._draw_text_glyphs_and_boxes",
             "matplotlib.backends.backend_agg.RendererAgg._prepare_font",
             "matplotlib.backends.backend_agg.get_hinting_flag",
             "matplotlib.ft2font.FT2Font._layout",
             "matplotlib.ft2font.FT2Font._set_transform",
             "matplotlib.ft2font.FT2Font._render_glyph",
             "matplotlib.ft2font.RenderMode.NORMAL",
             "matplotlib.text.get_font")

#: entries kept per cache (least recently used dropped first); a worker of a national run needs a few
#: hundred strings and some thousands of glyph bitmaps (a few hundred bytes each)
MAX_STRINGS = 20_000
MAX_GLYPHS = 100_000

#: set to 0 to draw text the way matplotlib does (no caches)
ENV = "MANGFOLD_TEXT_CACHE"

_installed = False
_originals: list[tuple[object, str, object]] = []  # (owner, name, what install replaced)


# Each cached function is called with the font already set to ``size`` at ``dpi`` (``_prepare_font``),
# as matplotlib calls what it caches; every argument is part of the key.
@functools.lru_cache(maxsize=MAX_STRINGS)
def _metrics(s: str, font, size: float, dpi: float, flags) -> tuple[float, float, float]:
    font.set_text(s, 0.0, flags=flags)
    w, h = font.get_width_height()
    return w / 64.0, h / 64.0, font.get_descent() / 64.0


@functools.lru_cache(maxsize=MAX_STRINGS)
def _layout(s: str, font, size: float, dpi: float, flags, features, language) -> tuple:
    return tuple((item.ft_object, item.glyph_index, item.x, item.y)
                 for item in font._layout(s, flags=flags, features=features, language=language))


@functools.lru_cache(maxsize=MAX_GLYPHS)
def _glyph(font, size: float, dpi: float, index: int, matrix: tuple, fx: int, fy: int, flags):
    """A glyph's bitmap, left and top, rendered at the pen position's fraction of a pixel (fx, fy)/64."""
    font.set_size(size, dpi)
    font._set_transform(np.array(matrix).reshape(2, 2), [fx, fy])
    bitmap = font._render_glyph(index, flags, RenderMode.NORMAL)
    return np.array(bitmap.buffer), bitmap.left, bitmap.top


def clear() -> None:
    """Forget everything cached (tests)."""
    for f in (_metrics, _layout, _glyph, _tables):
        f.cache_clear()


def installed() -> bool:
    """True while the caches are in place."""
    return _installed


def install() -> bool:
    """Put the caches in place (once per process); False when matplotlib lacks a name they need or
    ``$MANGFOLD_TEXT_CACHE`` is 0."""
    global _installed
    if _installed:
        return True
    if os.environ.get(ENV, "1").strip() == "0":
        return False
    try:
        for name in INTERNALS:
            pkgutil.resolve_name(name)
    except (ImportError, AttributeError):
        return False
    agg = backend_agg.RendererAgg
    get_hinting_flag = backend_agg.get_hinting_flag
    measure, draw_text = agg.get_text_width_height_descent, agg.draw_text
    get_font = mtext.get_font

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:  # mathtext and TeX: matplotlib's own way
            return measure(self, s, prop, ismath)
        font = self._prepare_font(prop)
        return _metrics(s, font, prop.get_size_in_points(), self.dpi, get_hinting_flag())

    def draw_text_cached(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return draw_text(self, gc, x, y, s, prop, angle, ismath, mtext)
        font = self._prepare_font(prop)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        size = prop.get_size_in_points()
        items = _layout(s, font, size, self.dpi, get_hinting_flag(), _hashable(features), _hashable(language))
        self._draw_text_glyphs_and_boxes(
            gc, x, y, angle, ((ft, size, glyph, 0, 1, dx, dy) for ft, glyph, dx, dy in items), [])

    original_glyphs = agg._draw_text_glyphs_and_boxes

    def draw_glyphs(self, gc, x, y, angle, glyphs, boxes):
        # matplotlib's _draw_text_glyphs_and_boxes (3.11) with each glyph's bitmap kept: FreeType
        # renders the outline moved by the pen position (1/64 px); a whole-pixel move shifts the bitmap
        glyphs = list(glyphs)
        if boxes or not gc.get_antialiased() or any(g[3] != 0 or g[4] != 1 for g in glyphs):
            return original_glyphs(self, gc, x, y, angle, glyphs, boxes)
        cos = math.cos(math.radians(angle))
        sin = math.sin(math.radians(angle))
        load_flags = get_hinting_flag()
        matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int) if angle else _UPRIGHT
        mkey = tuple(matrix.ravel().tolist())
        height = self.height
        last = {}  # each font's size and pen position of its last glyph
        for font, size, glyph_index, _slant, _extend, dx, dy in glyphs:  # dy is upwards
            px = round(0x40 * (x + dx * cos - dy * sin))
            py = round(0x40 * (height - y + dx * sin + dy * cos))  # FreeType's y is upwards
            buffer, left, top = _glyph(font, size, self.dpi, glyph_index, mkey, px & 63, py & 63, load_flags)
            self._renderer.draw_text_image(
                buffer, left + (px >> 6), int(height) - (top + (py >> 6)) + buffer.shape[0], 0, gc)
            last[font] = (size, px, py)
        for font, (size, px, py) in last.items():  # leave each font as drawing every glyph would
            font.set_size(size, self.dpi)
            font._set_transform(matrix, [px, py])

    def text_get_font(*args, **kwargs):
        return _tables(get_font(*args, **kwargs))

    for owner, name, new in ((agg, "get_text_width_height_descent", get_text_width_height_descent),
                             (agg, "draw_text", draw_text_cached), (agg, "_draw_text_glyphs_and_boxes", draw_glyphs),
                             (mtext, "get_font", text_get_font)):
        _originals.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, new)
    _installed = True
    return True


def uninstall() -> None:
    """Put matplotlib back as it was and forget what was cached (tests)."""
    global _installed
    while _originals:
        owner, name, old = _originals.pop()
        setattr(owner, name, old)
    clear()
    _installed = False


_UPRIGHT = np.array([[0x10000, 0], [0, 0x10000]])


def _hashable(v):
    if isinstance(v, list):
        return tuple(v)
    return v


class _FontTables:
    """A font as ``Text._get_layout`` uses it (its SFNT tables), the tables read once."""

    __slots__ = ("font", "tables")

    def __init__(self, font):
        self.font = font
        self.tables = {}

    def get_sfnt_table(self, name):
        try:
            return self.tables[name]
        except KeyError:
            return self.tables.setdefault(name, self.font.get_sfnt_table(name))

    def __getattr__(self, name):
        return getattr(self.font, name)


#: the proxy of each font (matplotlib keeps a few dozen fonts)
_tables = functools.lru_cache(maxsize=256)(_FontTables)
