"""The text caches (mangfold.figures.textcache) change no pixel: figures with every kind of text the
report draws (bold titles, rotated tick labels, legends, non-ASCII, notes in italics, text at many
sub-pixel positions and angles, mathtext) give the same PNG bytes as matplotlib without them, with the
caches empty and with them full; and the matplotlib internals they use exist, by name."""

from __future__ import annotations

import io
import pkgutil

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from mangfold.figures import funnel as ffunnel  # noqa: E402
from mangfold.figures import setup_style, textcache  # noqa: E402
from mangfold.publish.png import save_png  # noqa: E402


@pytest.fixture
def no_cache():
    """matplotlib as released for the test's first drawing; the caches back as they were after."""
    was = textcache.installed()
    textcache.uninstall()
    yield
    textcache.uninstall()
    if was:
        textcache.install()


@pytest.mark.parametrize("name", textcache.INTERNALS)
def test_matplotlib_internals_exist(name):
    """A release that renames or removes what the caches use fails here, by name."""
    assert pkgutil.resolve_name(name) is not None  # imports module by module, then attributes


def test_render_glyph_signature():
    """The cached draw calls ``_set_transform(matrix, delta)`` and ``_render_glyph(index, flags, mode)``
    and reads ``buffer``, ``left`` and ``top`` of the bitmap, as matplotlib's own draw does."""
    from matplotlib.backends.backend_agg import get_hinting_flag
    from matplotlib.font_manager import FontProperties, fontManager, get_font
    from matplotlib.ft2font import RenderMode

    font = get_font(fontManager._find_fonts_by_props(FontProperties(size=11)))
    font.set_size(11, 110)
    font._set_transform(np.array([[0x10000, 0], [0, 0x10000]]), [5, 7])
    items = font._layout("Søkere", flags=get_hinting_flag(), features=None, language=None)
    assert [hasattr(i, a) for i in items[:1] for a in ("ft_object", "glyph_index", "x", "y")] == [True] * 4
    bitmap = font._render_glyph(items[0].glyph_index, get_hinting_flag(), RenderMode.NORMAL)
    assert np.asarray(bitmap.buffer).ndim == 2 and isinstance(bitmap.left, int) and isinstance(bitmap.top, int)


def _texts_figure(seed: int = 0):
    """A figure with the kinds of text the report has, and many strings at random sub-pixel places."""
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4.2))
    for i, ax in enumerate(axes):
        ax.errorbar(np.arange(5) + 0.1 * i, rng.uniform(0.01, 1, 5), yerr=0.02, marker="o", label=f"Gruppe {i} – søkere")
        ax.set_xticks(range(5), ["Søkere", "Formelt kvalifiserte", "Intervjuet", "Innstilte", "Tilsatte"],
                      rotation=35, ha="right")
        ax.set_title(f"Ledere {i}: søkere → tilsatt", fontweight="bold")
        ax.set_ylabel("Andel som nådde trinnet (−)")
        ax.set_yscale("log")
        ax.text(0.5, 0.5, "skjult: færre enn 5", transform=ax.transAxes, style="italic", fontsize=9.5,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    axes[0].text(0.1, 0.9, r"$\alpha = 0{,}05$", transform=axes[0].transAxes)  # mathtext: matplotlib's own path
    fig.suptitle("Mangfold i ledelse – en figur med mye tekst", fontweight="bold")
    fig.tight_layout()
    for ax in axes:
        for k in range(40):  # the same strings at many fractions of a pixel and several angles
            ax.text(rng.uniform(0, 4), rng.uniform(0.02, 0.9), ["1 %", "ÆØÅ æøå", "Tilsatte", "10,5"][k % 4],
                    rotation=[0, 0, 90, 35, 12.5][k % 5], fontsize=[9.5, 10, 11, 13][k // 4 % 4])
        for size in (9.5, 13, 13.5):  # one string at one place in three sizes: the same pen position
            ax.text(0.2, 0.2, "Søkere", fontsize=size, transform=ax.transAxes, color="0.3")
    h, lab = axes[0].get_legend_handles_labels()
    fig.legend(h, lab, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False)
    return fig


def _forest_figure():
    rows = []
    for lv in ("all", "leader", "employee"):
        for j, tr in enumerate(ffunnel.TRANSITION_ORDER):
            est = 0.55 + 0.1 * j
            rows.append({"position_level": lv, "transition": tr, "group": "lbg2", "impact_ratio": est,
                         "impact_ratio_ci_low": est * 0.8, "impact_ratio_ci_high": est * 1.2,
                         "verdict": ["disparity", "inconclusive", "no_evidence"][j % 3]})
    rows[3]["impact_ratio"] = np.nan  # a hidden row: its note is drawn
    return ffunnel.forest(pd.DataFrame(rows), group="lbg2")


def _bytes(make) -> tuple[bytes, ...]:
    """The PNGs of save_png and of savefig(bbox_inches="tight") at two resolutions of a new figure
    from ``make``."""
    import tempfile
    from pathlib import Path

    fig = make()
    with tempfile.TemporaryDirectory() as d:
        save_png(fig, Path(d) / "f.png")
        ours = (Path(d) / "f.png").read_bytes()
    saved = []
    for dpi in (110, 72):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
        saved.append(buf.getvalue())
    plt.close(fig)
    return ours, *saved


@pytest.mark.parametrize("make", [_texts_figure, lambda: _texts_figure(7), _forest_figure],
                         ids=["texts", "texts-7", "forest"])
def test_same_png_bytes_with_and_without_the_caches(no_cache, make, monkeypatch):
    monkeypatch.setenv(textcache.ENV, "0")  # setup_style and save_png would install them: not for the reference
    setup_style()
    reference = _bytes(make)
    assert not textcache.installed()
    monkeypatch.delenv(textcache.ENV)
    assert textcache.install()
    cold = _bytes(make)
    assert textcache._glyph.cache_info().currsize > 0 and textcache._metrics.cache_info().currsize > 0  # used
    warm = _bytes(make)
    assert cold == reference
    assert warm == reference


def test_glyphs_moved_by_whole_pixels_are_the_same_bitmap(no_cache):
    """What the glyph cache rests on, checked against FreeType itself: a glyph rendered at pen
    position p and at p + 64 k (k whole pixels) has the same bitmap, moved by k."""
    from matplotlib.backends.backend_agg import get_hinting_flag
    from matplotlib.font_manager import FontProperties, fontManager, get_font
    from matplotlib.ft2font import RenderMode

    rng = np.random.default_rng(3)
    font = get_font(fontManager._find_fonts_by_props(FontProperties(size=11)))
    flags = get_hinting_flag()
    for angle in (0.0, 35.0, 90.0):
        c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
        m = (0x10000 * np.array([[c, -s], [s, c]])).round().astype(int)
        for glyph in (font.get_char_index(ord(ch)) for ch in "Søk1%æ"):
            for _ in range(20):
                px, py = (int(v) for v in rng.integers(-64 * 300, 64 * 900, 2))
                kx, ky = (int(v) for v in rng.integers(-40, 40, 2))
                font.set_size(11, 110)
                font._set_transform(m, [px, py])
                a = font._render_glyph(glyph, flags, RenderMode.NORMAL)
                ba, la, ta = np.array(a.buffer), a.left, a.top
                font._set_transform(m, [px + 64 * kx, py + 64 * ky])
                b = font._render_glyph(glyph, flags, RenderMode.NORMAL)
                assert np.array_equal(ba, np.asarray(b.buffer))
                assert (b.left - la, b.top - ta) == (kx, ky)


def test_switched_off_by_the_environment(no_cache, monkeypatch):
    monkeypatch.setenv(textcache.ENV, "0")
    assert textcache.install() is False
    assert not textcache.installed()
