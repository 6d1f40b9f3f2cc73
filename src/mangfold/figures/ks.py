"""Figures for the KS view of all municipalities, drawn from the public tables (a hidden cell is blank
and simply not drawn)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, NullFormatter

from .. import text
from . import PALETTE, setup_style

CHECKPOINT_LABELS = {
    "political_anchoring": "Politisk forankring",
    "employer_strategy": "Arbeidsgiverstrategi",
    "admin_resources": "Administrative ressurser",
    "leadership_development": "Lederutvikling",
    "role_models": "Rollemodeller",
    "top_level_readiness": "Moden på toppnivå",
}
LEVEL_LABELS = {"not_started": "Ikke startet", "partly": "Delvis", "in_place": "På plass"}
LEVEL_COLORS = {"not_started": "#e8e3d9", "partly": "#f0b95b", "in_place": "#2e8b57"}
POSITION_COLORS = {"below": "#c0392b", "within": "#7f8c8d", "above": "#2471a3"}
POSITION_LABELS = {"below": "Under grensen (færre enn ventet)", "within": "Innenfor grensene",
                   "above": "Over grensen (flere enn ventet)"}


def pct(x) -> str:
    """A share as bokmål percent text with one decimal (``0.023`` -> ``"2,3 %"``; missing -> ``"–"``)."""
    return text.percent(x)


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(float)


def checkpoint_levels(levels: pd.DataFrame, *, title: str = ""):
    """Stacked horizontal bars: the share of municipalities not started, partly and in place on each
    of the six checkpoints (``ks_checkpoint_levels``)."""
    setup_style()
    order = list(CHECKPOINT_LABELS)
    d = levels.pivot_table(index="checkpoint", columns="level", values="share", aggfunc="sum")
    d = d.reindex(index=[c for c in order if c in d.index][::-1], columns=list(LEVEL_LABELS)).fillna(0)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    left = np.zeros(len(d))
    y = np.arange(len(d))
    for lvl in LEVEL_LABELS:
        v = d[lvl].to_numpy(float)
        ax.barh(y, v, left=left, color=LEVEL_COLORS[lvl], label=LEVEL_LABELS[lvl], edgecolor="white")
        for yi, (l0, vi) in enumerate(zip(left, v)):
            if vi >= 0.07:
                ax.text(l0 + vi / 2, yi, text.percent(vi, 0), ha="center", va="center", fontsize=9.5,
                        color="white" if lvl == "in_place" else "#1d2433")
        left += v
    ax.set_yticks(y, [CHECKPOINT_LABELS[c] for c in d.index])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: text.percent_tick(v)))
    ax.set_xlabel("Andel av kommunene")
    ax.set_title(title)
    ax.legend(ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)
    return fig


def checkpoint_heatmap(wide: pd.DataFrame, *, title: str = ""):
    """One row per municipality, one column per checkpoint, coloured by level (``ks_checkpoints``,
    sorted as the table: most mature first)."""
    setup_style()
    cols = list(CHECKPOINT_LABELS)
    d = wide.reset_index(drop=True)
    z = d[cols].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    n = len(d)
    fig, ax = plt.subplots(figsize=(7.5, min(60.0, 1.6 + 0.17 * max(n, 4))))
    cmap = ListedColormap([LEVEL_COLORS[k] for k in LEVEL_LABELS])
    ax.imshow(np.ma.masked_invalid(z), aspect="auto", cmap=cmap, norm=BoundaryNorm([-0.5, 0.5, 1.5, 2.5], 3),
              interpolation="nearest")
    ax.set_xticks(np.arange(len(cols)), [CHECKPOINT_LABELS[c] for c in cols], rotation=30, ha="right")
    ax.xaxis.tick_top()
    plt.setp(ax.get_xticklabels(), ha="left", rotation=30)
    ax.set_yticks(np.arange(n), d["municipality"].astype(str), fontsize=8 if n <= 40 else 6)
    ax.set_xticks(np.arange(-0.5, len(cols)), minor=True)
    ax.set_yticks(np.arange(-0.5, n), minor=True)
    ax.grid(which="minor", color="white", lw=0.6)
    ax.grid(which="major", visible=False)
    ax.tick_params(which="minor", length=0)
    ax.legend(handles=[Patch(color=LEVEL_COLORS[k], label=v) for k, v in LEVEL_LABELS.items()], ncol=3,
              loc="upper center", bbox_to_anchor=(0.5, -0.01 if n > 40 else -0.04), frameon=False)
    if title:
        ax.set_title(title)
    return fig


def leader_funnel(public: pd.DataFrame, curve: pd.DataFrame, *, title: str = "", level: str = "998"):
    """Funnel plot: each municipality's representation ratio (leaders in the focal group / the number
    expected from its population share) against that expected number, with the 95 % and 99.8 % control
    limits around 1 (``curve`` from :func:`mangfold.analyses.ks.funnel_curve`). Points are coloured by
    their position against their own 99.8 % limits (``position_998``). Hidden rows are not drawn."""
    setup_style()
    d = public[public["municipality"].astype(str) != "all"]
    x, y = _num(d["expected_lbg2"]), _num(d["representation_ratio"])
    ok = np.isfinite(x) & np.isfinite(y)
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    if len(curve):
        for lvl, ls in ((0.95, "--"), (0.998, "-")):
            c = curve[np.isclose(curve["level"].astype(float), lvl)].sort_values("expected")
            lab = f"Kontrollgrenser {text.percent_tick(lvl)}"
            ax.plot(c["expected"], c["ratio_high"], color="#34495e", ls=ls, lw=1, label=lab)
            ax.plot(c["expected"], c["ratio_low"], color="#34495e", ls=ls, lw=1)
    ax.axhline(1.0, color=PALETTE["all"], lw=1.2, label="Som i befolkningen (forholdstall 1)")
    pos = d[f"position_{level}"].astype(str).to_numpy() if f"position_{level}" in d else np.array(["within"] * len(d))
    for key, color in POSITION_COLORS.items():
        m = ok & (pos == key)
        if m.any():
            ax.scatter(x[m], y[m], s=28, color=color, alpha=0.85, edgecolor="white", lw=0.5,
                       label=f"{POSITION_LABELS[key]} ({int(m.sum())})", zorder=3)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: text.short(v)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("Forventet antall ledere i målgruppen ut fra befolkningen (logaritmisk skala)")
    ax.set_ylabel("Faktisk / forventet antall")
    top = np.nanmax(np.concatenate([y[ok], [2.0]])) if ok.any() else 2.0
    ax.set_ylim(0, min(top * 1.15, 6))
    ax.set_title(title)
    ax.legend(loc="upper right", frameon=True)
    return fig
