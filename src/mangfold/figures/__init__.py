"""One seaborn style, Norwegian labels and the figures the report repeats.

Topic figures live in ``figures/<topic>.py``. Figures are drawn from *public* tables, so a
suppressed cell (blank) is simply not drawn. Numbers and labels are written by :mod:`mangfold.text`.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import ScalarFormatter  # noqa: E402

from .. import text  # noqa: E402
from . import textcache  # noqa: E402

PALETTE = {"lbg2": "#c0392b", "lbg1": "#2980b9", "none": "#7f8c8d", "immigrant_unspecified": "#8e44ad",
           "undeclared": "#bdc3c7", "all": "#2c3e50"}

LABELS = text.LABELS


def label(code: str) -> str:
    return text.label(code)


#: the grey of notes written into a figure (why something is not drawn)
NOTE_COLOR = "#5b6474"


def setup_style() -> None:
    """One style for every figure, legible on A4: a figure 8-10 inches wide is printed about 17 cm
    wide, so the smallest text (legend, notes) is set at 10 pt and ticks at 11 pt."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=1.05)
    plt.rcParams.update({"figure.dpi": 110, "axes.titleweight": "bold", "axes.titlesize": 13,
                         "axes.labelsize": 11.5, "xtick.labelsize": 11, "ytick.labelsize": 11,
                         "legend.fontsize": 10, "legend.title_fontsize": 10,
                         "axes.formatter.use_locale": False, "axes.unicode_minus": True,
                         "figure.autolayout": False, "svg.hashsalt": "mangfold"})
    textcache.install()  # text measured, shaped and rasterised once per process (the same pixels)


#: widest figure, in inches: the report's column is about 8.5 in at 110 dpi and A4's text width 7.2 in, so a
#: figure much wider than this is shrunk until its text is too small to read on paper
MAX_WIDTH = 9.5


def title_stays(ax) -> bool:
    """True when matplotlib's automatic title placement leaves this axes' titles where they are, so
    that the draw need not work it out (measuring both axes' tick labels, a fifth of drawing a
    figure). It lifts a title only above what stands over the axes: x tick labels, an x axis label
    or an x offset text at the top, the y axis's offset text (``1e6``), or another axes (a twin, a
    child, a title aligned with it). With none of them the title stays at the top of the axes (a
    title already moved, or placed by hand, is left to matplotlib)."""
    if ax._autotitlepos is False or ax.child_axes or ax.title.get_position()[1] != 1.0:
        return False
    if len(ax._twinned_axes.get_siblings(ax)) > 1:
        return False
    if len(ax.get_figure(root=False)._align_label_groups["title"].get_siblings(ax)) > 1:
        return False
    if any(t.get_position()[1] != 1.0 for t in (ax._left_title, ax._right_title)):
        return False
    x = ax.xaxis
    if x.get_label_position() != "bottom" or x.offset_text_position != "bottom":
        return False
    if any(t.label2.get_visible() for t in (*x.majorTicks, *x.minorTicks)):
        return False
    fmt = ax.yaxis.get_major_formatter()
    return not isinstance(fmt, ScalarFormatter) and fmt.get_offset() == ""


@contextmanager
def titles_in_place(fig, *, every: bool = False) -> Iterator[None]:
    """Within the block matplotlib does not work out where the titles of ``fig``'s axes go: those
    that :func:`title_stays` says it would leave in place (or, with ``every``, all of them: after a
    draw that has just placed them). Each axes' own setting is restored after."""
    axes = [a for a in fig.axes if hasattr(a, "_autotitlepos")]
    auto = [a._autotitlepos for a in axes]
    try:
        for a in axes:
            if every or title_stays(a):
                a._autotitlepos = False
        yield
    finally:
        for a, was in zip(axes, auto):
            a._autotitlepos = was


def tight_layout(fig) -> None:
    """``fig.tight_layout()``, without working out the places of titles that stay where they are."""
    with titles_in_place(fig):
        fig.tight_layout()


def panel_grid(n: int, *, row_height: float = 3.4, cols: int = 2, sharex: bool = False, sharey: bool = False,
               width: float = MAX_WIDTH):
    """``n`` panels in rows of ``cols`` (not one long row that print would shrink); the unused
    panel of an odd count removed. Returns (figure, list of the ``n`` axes)."""
    cols = max(1, min(cols, n))
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width, row_height * rows + 0.6), squeeze=False,
                             sharex=sharex, sharey=sharey)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.remove()
    return fig, flat[:n]


def empty_note(ax, reason: str) -> None:
    """Say in the middle of a panel why nothing is drawn there (no empty panel without a word)."""
    ax.text(0.5, 0.5, reason, transform=ax.transAxes, ha="center", va="center", color=NOTE_COLOR, fontsize=10.5,
            wrap=True, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})


def row_note(ax, y: float, note: str = "skjult: færre enn 5", *, x: float = 0.02) -> None:
    """A short grey note on a row of a horizontal figure whose value is not drawn (``y`` in data
    units, ``x`` in axes units)."""
    from matplotlib.transforms import blended_transform_factory

    ax.text(x, y, note, transform=blended_transform_factory(ax.transAxes, ax.transData), ha="left",
            va="center", color=NOTE_COLOR, fontsize=9.5, style="italic")


def clip_interval(est: np.ndarray, lo: np.ndarray, hi: np.ndarray, bound: float = 1.0):
    """Intervals of an effect on a rate clipped to what a rate difference can be (``±bound``, 100
    probability points), so one wide interval does not stretch the axis; returns (lo, hi, clipped)."""
    lo2, hi2 = np.maximum(lo, -bound), np.minimum(hi, bound)
    clipped = (np.isfinite(lo) & (lo < -bound)) | (np.isfinite(hi) & (hi > bound))
    return lo2, hi2, bool(clipped.any())


def limit_to(ax, values: list[np.ndarray], axis: str = "y", *, pad: float = 0.08, include: tuple = (0.0,)) -> None:
    """Limit an axis to the finite ``values`` (estimates and their intervals) and ``include``, with a
    little room on each side."""
    v = np.concatenate([np.asarray(x, dtype=float).ravel() for x in values] + [np.asarray(include, dtype=float)])
    v = v[np.isfinite(v)]
    if not v.size:
        return
    lo, hi = float(v.min()), float(v.max())
    span = (hi - lo) or 1.0
    (ax.set_ylim if axis == "y" else ax.set_xlim)(lo - pad * span, hi + pad * span)


def percent_axis(ax, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _: text.percent_tick(v))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def share_with_ci(df: pd.DataFrame, *, category: str, share: str, ci_low: str, ci_high: str,
                  reference: float | None = None, reference_label: str = "", title: str = "",
                  target: str | None = None, xlabel: str = "Andel"):
    """Horizontal dots with interval whiskers per category; optional reference line (labelled with its
    value) and per-row targets. A row whose share is hidden keeps its place and says so."""
    setup_style()
    d = df.copy().iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.42 * max(len(d), 3) + 1.2))
    y = np.arange(len(d))
    s = pd.to_numeric(d[share], errors="coerce").to_numpy(float)
    lo = pd.to_numeric(d[ci_low], errors="coerce").to_numpy(float)
    hi = pd.to_numeric(d[ci_high], errors="coerce").to_numpy(float)
    ax.errorbar(s, y, xerr=[np.clip(s - lo, 0, None), np.clip(hi - s, 0, None)], fmt="o", color=PALETTE["lbg2"],
                ecolor="#555", capsize=3, label="Andel med 95 % KI")
    if target and target in d:
        tv = pd.to_numeric(d[target], errors="coerce")
        same = tv.dropna().nunique() == 1
        ax.scatter(tv, y, marker="|", s=300, color="#27ae60", zorder=3,
                   label=f"Mål ({text.percent_tick(tv.dropna().iloc[0])})" if same else "Mål")
    if reference is not None:
        ax.axvline(reference, color="#2c3e50", ls="--", lw=1,
                   label=f"{reference_label} ({text.percent_tick(reference)})" if reference_label else None)
    ax.set_yticks(y, [label(c) for c in d[category]])
    reach = [hi, s, [reference if reference is not None else np.nan]]
    if target and target in d:
        reach.append(pd.to_numeric(d[target], errors="coerce").to_numpy(float))
    top = np.nanmax(np.concatenate([np.asarray(v, dtype=float).ravel() for v in reach] + [np.array([0.0])]))
    ax.set_xlim(0, min(1.0, top * 1.08) if top > 0 else 1.0)  # the data, the intervals and the lines, no more
    percent_axis(ax)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    for yi in y[~np.isfinite(s)]:
        row_note(ax, yi)
    if not np.isfinite(s).any():
        empty_note(ax, "Ingen andeler å vise: alle er skjult (færre enn 5)")
    ax.legend(loc="best", frameon=True)
    return fig
