"""Figures for boards (measure 1.2), drawn from the public tables (hidden cells are not drawn)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import text
from . import PALETTE, empty_note, percent_axis, row_note, setup_style, tight_layout


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(float)


def department_shares(bt: pd.DataFrame, *, requirement_share: float, title: str = ""):
    """Two panels per owner department: the focal share of new members against the target, and of all
    municipally appointed members against the requirement; dots with 95 % intervals."""
    setup_style()
    d = bt.assign(dept=bt["owner_department"].astype(str).replace({"all": "Alle eiermiljøer"})).iloc[::-1]
    y = np.arange(len(d))
    fig, axes = plt.subplots(1, 2, figsize=(10, 0.45 * max(len(d), 3) + 1.4), sharey=True)
    panels = (("new_share_lbg2", "new_ci_low", "new_ci_high", _num(d["new_target"]), "Nye styremedlemmer", "Mål"),
              ("share_lbg2", "ci_low", "ci_high", np.full(len(d), requirement_share), "Alle styremedlemmer",
               "Krav"))
    for ax, (col, lo, hi, ref, name, ref_name) in zip(axes, panels):
        s, l, h = _num(d[col]), _num(d[lo]), _num(d[hi])
        ok = ~np.isnan(s)
        ax.errorbar(s[ok], y[ok], xerr=[np.clip(s - l, 0, None)[ok], np.clip(h - s, 0, None)[ok]], fmt="o",
                    color=PALETTE["lbg2"], ecolor="#555", capsize=3, label="Andel med 95 % KI")
        if (~np.isnan(ref)).any():
            r = np.nanmax(ref)
            ax.axvline(r, color="#27ae60", lw=1.5, label=f"{ref_name} ({text.percent_tick(r)})")
        percent_axis(ax)
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.6, len(d) - 0.4)
        ax.set_title(name)
        if ok.any():
            for yi in y[~ok]:
                row_note(ax, yi, x=0.3)
        else:
            empty_note(ax, "Ingen andeler vist:\nhver bygger på færre\nenn 5 styremedlemmer\n(skjult)")
        ax.legend(loc="lower right")
    axes[0].set_yticks(y, d["dept"])
    fig.suptitle(title, fontweight="bold")
    tight_layout(fig)
    return fig


def gender_compliance(bg: pd.DataFrame, *, title: str = ""):
    """Boards by whether they meet the company-law gender minimum (yes / no / not published)."""
    setup_style()
    v = bg["compliant"].map(text.flag)
    counts = pd.Series({"Oppfyller kravet": int((v == True).sum()),  # noqa: E712 (None is neither)
                        "Oppfyller ikke": int((v == False).sum()),  # noqa: E712
                        "Ikke publisert (små styrer)": int(v.isna().sum())})
    fig, ax = plt.subplots(figsize=(7, 2.6))
    ax.barh(counts.index[::-1], counts.values[::-1], color=["#bdc3c7", "#c0392b", "#27ae60"])
    for i, c in enumerate(counts.values[::-1]):
        ax.text(c, i, f" {c}", va="center")
    ax.set_xlabel("Antall styrer")
    ax.set_title(title)
    return fig
