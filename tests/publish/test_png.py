"""save_png draws a figure once and cuts out its contents; the reference is matplotlib's own
``savefig``: the size ``bbox_inches="tight"`` gives, and the pixels savefig draws for matplotlib's
tight box moved to whole pixels (the half pixel by which the two place the figure otherwise differ
shifts every antialiased line, so pictures are compared at the same placement)."""

from __future__ import annotations

import inspect
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from mangfold.publish.png import MARGIN, PAD, save_png  # noqa: E402


def _reference(fig, dpi=110) -> np.ndarray:
    """matplotlib's own picture of the box save_png should cut: its tight box (savefig's way: a draw
    without rendering, ``get_tightbbox``, padded) moved to whole pixels, then ``savefig`` of exactly that
    box."""
    from matplotlib.transforms import Bbox

    fig.set_dpi(dpi)
    fig.draw_without_rendering()
    tb = fig.get_tightbbox(fig.canvas.get_renderer()).padded(PAD)
    x0, y1 = round(tb.x0 * dpi), round(tb.y1 * dpi)
    w, h = int(tb.width * dpi), int(tb.height * dpi)
    box = Bbox.from_extents(x0 / dpi, (y1 - h) / dpi, (x0 + w + 1e-6) / dpi, (y1 + 1e-6) / dpi)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches=box, metadata={"Software": None})
    return np.asarray(Image.open(buf).convert("RGB")).astype(int)


def _tight(fig, dpi=110) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return np.asarray(Image.open(buf).convert("RGB")).astype(int)


def _ours(fig, tmp_path, dpi=110) -> np.ndarray:
    path = tmp_path / "f.png"
    save_png(fig, path, dpi=dpi)
    img = Image.open(path)
    assert img.info.get("Software") is None  # no version string in the bytes
    return np.asarray(img.convert("RGB")).astype(int)


def _same_picture(fig, tmp_path) -> None:
    ours = _ours(fig, tmp_path)
    ref = _reference(fig)
    assert ours.shape == _tight(fig).shape  # the size savefig(bbox_inches="tight") gives
    assert ours.shape == ref.shape
    # the same pixels as matplotlib draws that box (a crop one pixel off, a lost legend or a changed
    # layout differs by far more than this, on a 0-255 scale)
    assert np.abs(ours - ref).mean() < 0.05
    assert np.abs(ours - ref).max() <= 16


def _panels(legend_below: bool, far: float = 0.0):
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.5))
    for i, ax in enumerate(axes):
        ax.errorbar([0.5, 0.7, 0.9], [0, 1, 2], xerr=0.05, fmt="o", label=f"serie {i}")
        ax.set_title(f"Panel {i}: søkere → tilsatt")
        ax.set_xlabel("Rateforhold")
        ax.set_xscale("log")
    fig.tight_layout()
    if legend_below:  # as the funnel figures: a legend under the figure, outside its canvas
        h, lab = axes[0].get_legend_handles_labels()
        fig.legend(h, lab, loc="upper center", bbox_to_anchor=(0.5, 0.0 - far), ncol=2, frameon=False)
    else:
        axes[1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


@pytest.mark.parametrize("legend_below", [False, True])
def test_same_picture_as_savefig_tight(tmp_path, legend_below):
    fig = _panels(legend_below)
    _same_picture(fig, tmp_path)
    plt.close(fig)


def test_contents_beyond_the_margin_fall_back_to_savefig(tmp_path):
    fig = _panels(True, far=MARGIN / 3.5 + 0.5)  # the legend far below the figure, outside the margin
    ours = _ours(fig, tmp_path)
    assert np.array_equal(ours, _tight(fig))  # savefig itself wrote it
    plt.close(fig)


def test_figure_left_as_it_was(tmp_path):
    fig = _panels(True)
    before = (fig.dpi, tuple(fig.get_size_inches()), fig.canvas, [tuple(ax.get_position().bounds) for ax in fig.axes])
    save_png(fig, tmp_path / "a.png", dpi=72)
    after = (fig.dpi, tuple(fig.get_size_inches()), fig.canvas, [tuple(ax.get_position().bounds) for ax in fig.axes])
    assert after == before
    # and saving again gives the same bytes (nothing drifts between two saves)
    save_png(fig, tmp_path / "b.png", dpi=72)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    plt.close(fig)


def test_matplotlib_internal_it_relies_on():
    """save_png places its margin with matplotlib._tight_bbox.adjust_bbox (what savefig uses for
    bbox_inches): a release that renames or changes it must fail here, by name."""
    from matplotlib._tight_bbox import adjust_bbox

    assert str(inspect.signature(adjust_bbox)) == "(fig, bbox_inches, renderer, fixed_dpi=None)"


def test_titles_above_tick_labels_at_the_top(tmp_path):
    """matplotlib lifts a title above tick labels drawn at the top (the KS heatmap's): save_png, which
    measures the box on its one drawing without placing titles again, keeps it there."""
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.imshow(np.arange(12).reshape(3, 4), aspect="auto")
    ax.set_xticks(range(4), ["første", "andre", "tredje", "fjerde"], rotation=30)
    ax.xaxis.tick_top()
    ax.set_title("Tittel over merkene")
    _same_picture(fig, tmp_path)
    fig.canvas.draw()
    lifted = ax.title.get_position()[1]
    assert lifted > 1.0  # the case this test is about: the title was moved up
    save_png(fig, tmp_path / "t.png")
    assert ax._autotitlepos is None or ax._autotitlepos  # left as it was: placed automatically
    fig.canvas.draw()
    assert ax.title.get_position()[1] == lifted
    plt.close(fig)


def _titled(kind: str):
    from matplotlib.ticker import FuncFormatter

    fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
    for i, ax in enumerate(axes):
        ax.plot([0, 1, 2], [3e6, 3.000001e6, 3.000002e6] if kind == "offset" else [0.1, 0.5, 0.3], marker="o")
        ax.set_title(f"En lang tittel over panel {i} som går nesten ut til kanten")
        if kind == "formatted":  # the report's axes: a formatter without an offset
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
        if kind == "twin":
            ax.twinx().plot([0, 1, 2], [1, 2, 3])
        if kind == "label_top":
            ax.xaxis.set_label_position("top")
            ax.set_xlabel("Øverst")
        if kind == "labels_both":
            ax.tick_params(axis="x", labeltop=True)
    fig.tight_layout()
    return fig


@pytest.mark.parametrize("kind", ["formatted", "offset", "twin", "label_top", "labels_both"])
def test_titles_where_matplotlib_places_them(tmp_path, kind):
    """The report's axes (a formatter without an offset, nothing over the axes) keep their titles at
    the top without matplotlib working it out; an offset text (``1e6``), a twin axes or an axis label
    or a tick label at the top is left to matplotlib. Either way the picture is savefig's."""
    from mangfold.figures import title_stays as _title_stays

    fig = _titled(kind)
    assert [_title_stays(ax) for ax in fig.axes[:2]] == [kind == "formatted"] * 2
    _same_picture(fig, tmp_path)
    plt.close(fig)


def test_matplotlib_title_internal_it_relies_on():
    """save_png stops matplotlib placing titles again while it measures, by an axes' private
    ``_autotitlepos``: a release that renames it or ignores it must fail here, by name."""
    fig, ax = plt.subplots()
    ax.set_title("x")
    ax.xaxis.tick_top()
    assert hasattr(ax, "_autotitlepos")
    # what _title_stays reads to know matplotlib would not move a title
    assert ax._twinned_axes.get_siblings(ax) == [ax] and ax.child_axes == []
    assert fig._align_label_groups["title"].get_siblings(ax) == [ax]
    assert ax._left_title.get_position()[1] == ax._right_title.get_position()[1] == 1.0
    assert ax.xaxis.offset_text_position == "bottom" and ax.yaxis.offset_text_position == "left"
    assert "ax.xaxis.get_tightbbox(renderer)" in inspect.getsource(type(ax)._update_title_position)
    fig.canvas.draw()
    lifted = ax.title.get_position()[1]
    assert lifted > 1.0
    ax.title.set_y(1.0)
    ax._autotitlepos = False
    ax._update_title_position(fig.canvas.get_renderer())
    assert ax.title.get_position()[1] == 1.0  # not placed again
    ax._autotitlepos = None
    ax._update_title_position(fig.canvas.get_renderer())
    assert ax.title.get_position()[1] == lifted
    plt.close(fig)


@pytest.mark.parametrize("kind", ["formatted", "offset", "labels_both"])
def test_tight_layout_as_matplotlibs(kind):
    """figures.tight_layout lays a figure out as fig.tight_layout does (the same axes positions)."""
    from mangfold.figures import tight_layout

    a, b = _titled(kind), _titled(kind)
    for fig in (a, b):
        fig.axes[0].set_title("En tittel\nover to linjer")
    a.tight_layout()
    tight_layout(b)
    assert [ax.get_position().bounds for ax in a.axes] == [ax.get_position().bounds for ax in b.axes]
    assert [ax._autotitlepos for ax in b.axes] == [ax._autotitlepos for ax in a.axes]  # left as it was
    plt.close(a)
    plt.close(b)
