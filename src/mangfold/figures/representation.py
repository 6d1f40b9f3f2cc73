"""Figures for representation and sector targets (measure 1.1), drawn from the public tables:
suppressed cells are blank and simply not drawn."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import text
from . import NOTE_COLOR, PALETTE, empty_note, label, percent_axis, setup_style, share_with_ci

LEVEL_COLORS = {"top_leader": "#8e1b10", "leader": PALETTE["lbg2"], "leaders": "#e67e22", "employee": "#2980b9"}


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(float)


def trend(rep: pd.DataFrame, *, sector: str = "all", levels: tuple[str, ...] = ("top_leader", "leaders", "employee"),
          title: str = ""):
    """Share of the focal group per year and level (lines, 95 % interval bands) with the population share."""
    setup_style()
    d = rep[rep["sector"].astype(str) == sector]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    not_drawn = []
    for lvl in levels:
        r = d[d["position_level"] == lvl].sort_values("year")
        y, s = _num(r["year"]), _num(r["share"])
        ok = ~np.isnan(s)
        if not ok.any():
            not_drawn.append(label(lvl))
            continue
        c = LEVEL_COLORS.get(lvl, "#555")
        gone = [int(v) for v in y[~ok] if np.isfinite(v)]
        name = label(lvl) + (f" (skjult: {', '.join(map(str, gone))})" if gone else "")
        ax.plot(y[ok], s[ok], marker="o", color=c, label=name)
        ax.fill_between(y[ok], _num(r["ci_low"])[ok], _num(r["ci_high"])[ok], color=c, alpha=0.15, lw=0)
    pop = d.drop_duplicates("year").sort_values("year")
    ps = _num(pop["population_share"])
    if (~np.isnan(ps)).any():
        last = ps[np.isfinite(ps)][-1]
        ax.plot(_num(pop["year"]), ps, ls="--", color=PALETTE["all"],
                label=f"Befolkningen ({text.percent_tick(round(last, 3))} siste år)")
    if not_drawn:
        ax.annotate("Ikke vist (skjult: færre enn 5 hvert år): " + ", ".join(not_drawn).lower(), xy=(0, 0),
                    xycoords="axes fraction", xytext=(0, -34), textcoords="offset points", va="top",
                    color=NOTE_COLOR, fontsize=9.5, style="italic")
    if len(not_drawn) == len(levels):
        empty_note(ax, "Ingen andeler vist: alle bygger på færre enn 5 personer")
    years = sorted(pd.to_numeric(d["year"]).unique())
    ax.set_xticks(years, [str(int(y)) for y in years])
    percent_axis(ax, "y")
    ax.set_ylim(bottom=0)
    ax.set_ylabel("Andel i målgruppen")
    ax.set_title(title)
    ax.legend(loc="best")
    return fig


def sector_targets(st: pd.DataFrame, *, population_share: float | None = None, title: str = ""):
    """Leaders' focal share per sector with 95 % intervals, the sector target (green tick) and the
    population share (dashed line). Sectors whose share is hidden are left out."""
    d = st.assign(sector_label=st["sector"].astype(str).replace({"all": "Alle sektorer"}))
    for c in ("share_lbg2", "ci_low", "ci_high", "target_share"):
        d[c] = pd.to_numeric(d[c], errors="coerce")
    ref = population_share if population_share is not None and not np.isnan(population_share) else None
    return share_with_ci(d, category="sector_label", share="share_lbg2", ci_low="ci_low", ci_high="ci_high",
                         target="target_share", reference=ref, reference_label="Befolkningen", title=title,
                         xlabel="Andel av lederne i målgruppen")


def levels_vs_pools(rep: pd.DataFrame, year: int, *, title: str = ""):
    """For one year and all sectors: the focal share among employees at each level beside the share
    among qualified applicants to that level's vacancies, with 95 % intervals, and the population."""
    setup_style()
    d = rep[(pd.to_numeric(rep["year"]) == year) & (rep["sector"].astype(str) == "all")]
    levels = [lvl for lvl in ("top_leader", "leader", "leaders", "employee") if lvl in set(d["position_level"])]
    d = d.set_index("position_level").loc[levels]
    x = np.arange(len(levels))
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for off, (col, lo, hi, name, color) in zip((-0.18, 0.18), (
            ("share", "ci_low", "ci_high", "Ansatte", PALETTE["lbg2"]),
            ("qualified_share", "qualified_ci_low", "qualified_ci_high", "Kvalifiserte søknader", PALETTE["lbg1"]))):
        s, l, h = _num(d[col]), _num(d[lo]), _num(d[hi])
        ok = ~np.isnan(s)
        ax.bar(x[ok] + off, s[ok], width=0.34, color=color, alpha=0.85, label=name)
        ax.errorbar(x[ok] + off, s[ok], yerr=[np.clip(s - l, 0, None)[ok], np.clip(h - s, 0, None)[ok]], fmt="none",
                    ecolor="#333", capsize=3)
        for xi in x[~ok]:  # a hidden bar keeps its place and says why
            ax.text(xi + off, 0.005, "skjult\n(<5)", ha="center", va="bottom", color=NOTE_COLOR, fontsize=9,
                    style="italic")
    pop = _num(d["population_share"])
    if (~np.isnan(pop)).any():
        ax.axhline(np.nanmax(pop), ls="--", color=PALETTE["all"], lw=1,
                   label=f"Befolkningen ({text.percent_tick(round(np.nanmax(pop), 3))})")
    ax.set_xticks(x, [label(lvl) for lvl in levels])
    percent_axis(ax, "y")
    ax.set_ylabel("Andel i målgruppen")
    ax.set_title(title)
    ax.legend(loc="best")
    return fig


#: Norwegian labels for the projection and target status codes of ``sector_targets``.
STATUS_LABELS = {"already_met": "nådd allerede", "reached": "innen ti år", "not_within_horizon": "ikke innen ti år",
                 "met": "nådd", "not_met": "ikke nådd", "withheld": "ikke publisert (få personer)",
                 "no_leaders": "ingen ledere", "no_target": "uten mål", "": "–"}


def pct(x: object, digits: int = 1) -> str:
    """A share as Norwegian percent text (``12,3 %``); hidden -> ``skjult: færre enn 5``."""
    return text.percent(x, digits, missing=text.not_shown("suppressed"))


def for_display(df: pd.DataFrame, *, years: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy for showing in the report: Norwegian labels for levels and totals, status codes in
    words, and ``years`` columns as plain year text (no thousands separator)."""
    out = df.copy()
    if "position_level" in out:
        out["position_level"] = out["position_level"].map(label)
    for col, total in (("sector", "Alle sektorer"), ("owner_department", "Alle eiermiljøer")):
        if col in out:
            out[col] = out[col].astype(str).replace({"all": total})
    for col in ("target_status", "projection_status"):
        if col in out:
            out[col] = out[col].map(lambda v: STATUS_LABELS.get(str(v), "–") if not pd.isna(v) else "–")
    for col in ("share_projected",):
        if col in out:
            out[col] = pd.to_numeric(out[col], errors="coerce").round(3)
    for col in years:
        if col in out:
            v = pd.to_numeric(out[col], errors="coerce")
            out[col] = [str(int(y)) if not pd.isna(y) else "–" for y in v]
    return out
