"""Save a matplotlib figure as a PNG trimmed to its contents, drawing it once.

``fig.savefig(path, bbox_inches="tight")`` lays the figure out twice before it draws it: a draw
without rendering (to place every artist), the tight bounding box, then the real draw into a canvas
of that box. On the report's figures drawing once takes a fifth less time (0.72 to 0.57 s for the
seven figures of a municipality report), and a national run saves about a thousand figures. :func:`save_png` draws once, into a canvas with a margin of
:data:`MARGIN` inches around the figure (legends placed below or beside it fall there), measures the
tight box on that drawing and cuts it out. The result is the same picture as ``savefig``'s, within
half a pixel of placement (tests/publish/test_png.py compares them); a figure whose contents reach beyond the
margin is saved by ``savefig`` itself.

The margin is placed with matplotlib's own ``_tight_bbox.adjust_bbox`` (what ``savefig`` uses for
``bbox_inches``); tests/publish/test_png.py checks its signature, so that a release that changes it fails there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: inches of canvas drawn around the figure (a whole number of pixels at any whole dpi, so the figure
#: itself is drawn at the same sub-pixel place as without the margin)
MARGIN = 2.0
#: inches of white around the contents (matplotlib's ``savefig.pad_inches``)
PAD = 0.1
#: zlib compression level of the PNG (PIL's default is 6)
COMPRESS_LEVEL = 3
#: metadata savefig writes into the PNG (the fallback): none (no matplotlib version, so a new release
#: changes no bytes by it)
METADATA = {"Software": None}


def save_png(fig, path: Path | str, *, dpi: float = 110) -> None:
    """Write ``fig`` to ``path`` as a PNG at ``dpi``, trimmed to its contents plus :data:`PAD` (what
    ``fig.savefig(path, dpi=dpi, bbox_inches="tight")`` writes), drawing the figure once."""
    from matplotlib._tight_bbox import adjust_bbox  # matplotlib only where figures are saved
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    from ..figures import textcache, titles_in_place  # a figure is there to save: matplotlib is loaded

    textcache.install()  # also for a figure drawn without setup_style (a no-op once installed)

    old_dpi, old_canvas = fig.dpi, fig.canvas
    canvas = old_canvas if isinstance(old_canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    fig.set_dpi(dpi)
    w, h = fig.get_size_inches()
    restore = adjust_bbox(fig, Bbox.from_extents(-MARGIN, -MARGIN, w + MARGIN, h + MARGIN), None, dpi)
    try:
        with titles_in_place(fig):
            canvas.draw()
            # the draw has just placed every other axes title with this renderer: measuring the box
            # must not place them again (a quarter of the cost of measuring)
            with titles_in_place(fig, every=True):
                box = fig.get_tightbbox(canvas.get_renderer()).padded(PAD)
        width, height = canvas.get_width_height()
        x0, x1, y0, y1 = box.x0 * dpi, box.x1 * dpi, box.y0 * dpi, box.y1 * dpi
        inside = np.isfinite([x0, x1, y0, y1]).all() and x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height
        if inside:
            # savefig's canvas is int(size) pixels with the box's corner at its origin: the same here
            c0, r0 = int(round(x0)), int(round(height - y1))
            c1, r1 = min(width, c0 + int(x1 - x0)), min(height, r0 + int(y1 - y0))
            pixels = np.asarray(canvas.buffer_rgba())[r0:r1, c0:c1].copy()
    finally:
        restore()
        fig.set_dpi(old_dpi)
        if fig.canvas is not old_canvas:
            fig.set_canvas(old_canvas)
    if inside:
        from PIL import Image  # what matplotlib writes PNGs with

        image = Image.fromarray(pixels)
        if (pixels[..., 3] == 255).all():  # opaque (the report's figures are): no alpha channel, a tenth smaller
            image = image.convert("RGB")  # drops the alpha in C (a strided numpy view costs 5 ms more a figure)
        # no text chunks (PIL writes none: no version in the bytes); zlib level 3 compresses within 2 % of
        # the default 6 in three quarters of the time
        image.save(path, format="png", compress_level=COMPRESS_LEVEL, dpi=(dpi, dpi))
    else:  # contents beyond the margin: let savefig find the box
        fig.savefig(path, dpi=dpi, bbox_inches="tight", pad_inches=PAD, metadata=METADATA)
