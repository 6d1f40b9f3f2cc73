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

import math
import os
from collections import OrderedDict

import numpy as np
from matplotlib import text as mtext
from matplotlib.backends import backend_agg
from matplotlib.ft2font import FT2Font, RenderMode

#: matplotlib names the caches replace or call (checked by the tests)
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

#: entries kept per cache (the oldest dropped first); a worker of a national run needs a few hundred strings
#: and some thousands of glyph bitmaps (a few hundred bytes each)
MAX_STRINGS = 20_000
MAX_GLYPHS = 100_000

#: set to 0 to draw text the way matplotlib does (no caches)
ENV = "MANGFOLD_TEXT_CACHE"

_installed = False
_originals: list[tuple[object, str, object]] = []  # (owner, name, what install replaced)


class _Lru(OrderedDict):
    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def put(self, key, value):
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value


_metrics: _Lru = _Lru(MAX_STRINGS)
_layouts: _Lru = _Lru(MAX_STRINGS)
_glyphs: _Lru = _Lru(MAX_GLYPHS)
_tables: dict = {}


def clear() -> None:
    """Forget everything cached (tests)."""
    for c in (_metrics, _layouts, _glyphs, _tables):
        c.clear()


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
    agg = backend_agg.RendererAgg
    needed = (getattr(agg, "get_text_width_height_descent", None), getattr(agg, "draw_text", None),
              getattr(agg, "_draw_text_glyphs_and_boxes", None), getattr(agg, "_prepare_font", None),
              getattr(backend_agg, "get_hinting_flag", None), getattr(FT2Font, "_layout", None),
              getattr(FT2Font, "_set_transform", None), getattr(FT2Font, "_render_glyph", None),
              getattr(mtext, "get_font", None))
    if any(n is None for n in needed):
        return False
    get_hinting_flag = backend_agg.get_hinting_flag
    measure, draw_text = agg.get_text_width_height_descent, agg.draw_text
    get_font = mtext.get_font

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:  # mathtext and TeX: matplotlib's own way
            return measure(self, s, prop, ismath)
        font = self._prepare_font(prop)
        key = (s, font, prop.get_size_in_points(), self.dpi, get_hinting_flag())
        hit = _metrics.get(key)
        if hit is None:
            font.set_text(s, 0.0, flags=key[4])
            w, h = font.get_width_height()
            hit = _metrics.put(key, (w / 64.0, h / 64.0, font.get_descent() / 64.0))
        return hit

    def draw_text_cached(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return draw_text(self, gc, x, y, s, prop, angle, ismath, mtext)
        font = self._prepare_font(prop)
        flags = get_hinting_flag()
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        size = prop.get_size_in_points()
        key = (s, font, size, self.dpi, flags, _hashable(features), _hashable(language))
        items = _layouts.get(key)
        if items is None:
            items = _layouts.put(key, tuple(
                (item.ft_object, item.glyph_index, item.x, item.y)
                for item in font._layout(s, flags=flags, features=features, language=language)))
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
            key = (font, size, self.dpi, glyph_index, mkey, px & 63, py & 63, load_flags)
            hit = _glyphs.get(key)
            if hit is None:
                font.set_size(size, self.dpi)
                font._set_transform(matrix, [px & 63, py & 63])
                bitmap = font._render_glyph(glyph_index, load_flags, RenderMode.NORMAL)
                hit = _glyphs.put(key, (np.array(bitmap.buffer), bitmap.left, bitmap.top))
            buffer, left, top = hit
            self._renderer.draw_text_image(
                buffer, left + (px >> 6), int(height) - (top + (py >> 6)) + buffer.shape[0], 0, gc)
            last[font] = (size, px, py)
        for font, (size, px, py) in last.items():  # leave each font as drawing every glyph would
            font.set_size(size, self.dpi)
            font._set_transform(matrix, [px, py])

    def text_get_font(*args, **kwargs):
        font = get_font(*args, **kwargs)
        proxy = _tables.get(font)
        if proxy is None:
            proxy = _tables.setdefault(font, _Tables(font))
        return proxy

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


class _Tables:
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
