"""Figures and display labels of the recruitment funnel section (drawn from *public* tables: a
suppressed cell is blank and simply not drawn)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import text
from . import PALETTE, empty_note, label, panel_grid, percent_axis, row_note, setup_style, tight_layout

VERDICT_LABELS = {"disparity": "forskjell påvist", "no_evidence": "ingen vesentlig forskjell",
                  "inconclusive": "kan ikke avgjøres"}
VERDICT_COLORS = {"disparity": "#c0392b", "no_evidence": "#27ae60", "inconclusive": "#7f8c8d"}
MEASURE_LABELS = {"2.1_recruiter_trained": "2.1 Rekrutterende leder har tatt kurset",
                  "3.2_inclusive_ad": "3.2 Inkluderende annonsemal", "3.4_agency": "3.4 Rekrutteringsbyrå"}
OUTCOME_LABELS = {"applicant_share": "Andel av søkerne", "qualified_to_interviewed": "Kvalifisert → intervju",
                  "applied_to_hired": "Søker → tilsatt"}
_CODE_COLUMNS = ("position_level", "transition", "group", "reference_group", "stage", "gender", "levels")
STAGE_ORDER = ("applied", "qualified", "interviewed", "recommended", "hired")
TRANSITION_ORDER = ("applied_to_qualified", "qualified_to_interviewed", "interviewed_to_recommended",
                    "recommended_to_hired", "applied_to_hired")


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    """A copy for display: codes (levels, transitions, groups, stages, verdicts, measures) in bokmål."""
    out = df.copy()
    for c in _CODE_COLUMNS:
        if c in out.columns:
            out[c] = out[c].map(lambda v: label(v) if isinstance(v, str) else v)
    if "verdict" in out.columns:
        out["verdict"] = out["verdict"].map(lambda v: VERDICT_LABELS.get(v, v))
    if "measure" in out.columns:
        out["measure"] = out["measure"].map(lambda v: MEASURE_LABELS.get(v, v))
    if "outcome" in out.columns:
        out["outcome"] = out["outcome"].map(lambda v: OUTCOME_LABELS.get(v, label(v)))
    return out


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)


def _levels(df: pd.DataFrame) -> list[str]:
    order = ["all", "top_leader", "leader", "employee"]
    present = set(df["position_level"].astype(str))
    return [lv for lv in order if lv in present]


_LOG_TICKS = (0.1, 0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0, 10.0)


def _log_axis(ax, axis: str, values: list[np.ndarray]) -> None:
    """A log axis over the finite positive ``values`` (always showing 0.8 and 1), with plain
    decimal-comma tick labels and no minor labels."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    v = np.concatenate([np.asarray(x, dtype=float).ravel() for x in values] + [np.array([0.8, 1.0])])
    v = v[np.isfinite(v) & (v > 0)]
    lo, hi = max(v.min() / 1.15, 0.05), min(v.max() * 1.15, 20.0)
    a = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    (ax.set_xlim if axis == "x" else ax.set_ylim)(lo, hi)
    ticks = [t for t in _LOG_TICKS if lo <= t <= hi]
    a.set_major_locator(FixedLocator(ticks))
    a.set_major_formatter(FuncFormatter(lambda x, _: text.short(x)))
    a.set_minor_locator(NullLocator())
    a.set_minor_formatter(NullFormatter())


def funnel_by_group(rep: pd.DataFrame, *, groups: tuple[str, ...] | None = None, title: str = ""):
    """The funnel by group: the share of each group's applications that reached each stage (log
    scale, so equal vertical gaps are equal ratios), one panel per position level, with Wilson
    intervals. ``rep``: :func:`mangfold.analyses.funnel.representation` of the public disparity table
    (columns ``position_level, stage, group, reach, reach_ci_low, reach_ci_high``)."""
    setup_style()
    levels = _levels(rep)
    fig, panels = panel_grid(len(levels), row_height=3.7, sharey=True)
    groups = list(groups) if groups is not None else list(dict.fromkeys(rep["group"].astype(str)))
    x = np.arange(len(STAGE_ORDER))
    shown = [_num(rep["reach_ci_low"]), _num(rep["reach"])]
    any_hidden = False
    for ax, lv in zip(panels, levels):
        d = rep[rep["position_level"] == lv]
        hidden = []
        for k, g in enumerate(groups):
            dg = d[d["group"] == g].set_index("stage").reindex(STAGE_ORDER)
            s, lo, hi = _num(dg["reach"]), _num(dg["reach_ci_low"]), _num(dg["reach_ci_high"])
            if np.isfinite(s).any() and not np.isfinite(s).all():
                hidden.append(label(g))
            off = (k - (len(groups) - 1) / 2) * 0.06
            ax.errorbar(x + off, s, yerr=[np.clip(s - lo, 0, None), np.clip(hi - s, 0, None)], marker="o",
                        ms=4, lw=1.5, capsize=2, color=PALETTE.get(g, None), label=label(g))
        ax.set_xticks(x, [label(st) for st in STAGE_ORDER], rotation=35, ha="right")
        ax.set_title(label(lv))
        any_hidden |= bool(hidden)
        if not np.isfinite(_num(d["reach"])).any():
            empty_note(ax, "Ingen tall vist (skjult: færre enn 5)")
    v = np.concatenate(shown)
    v = v[np.isfinite(v) & (v > 0)]
    lo = max(v.min() / 1.5, 1e-3) if v.size else 0.01
    axes = [panels]  # the first panel sets the shared y axis
    axes[0][0].set_yscale("log")
    axes[0][0].set_ylim(lo, 1.3)
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    ticks = [t for t in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0) if t >= lo]
    axes[0][0].yaxis.set_major_locator(FixedLocator(ticks))
    axes[0][0].yaxis.set_major_formatter(FuncFormatter(lambda t, _: text.percent_tick(t)))
    axes[0][0].yaxis.set_minor_locator(NullLocator())
    axes[0][0].yaxis.set_minor_formatter(NullFormatter())
    for i, ax in enumerate(panels):
        ax.set_ylabel("Andel som nådde trinnet" if i % 2 == 0 else "")
    handles, labels = panels[-1].get_legend_handles_labels()
    if any_hidden:  # a line that stops says why
        handles.append(plt.Line2D([], [], ls="", marker=""))
        labels.append("En linje som stopper: tallene videre er skjult (færre enn 5)")
    if title:
        fig.suptitle(title, fontweight="bold")
    tight_layout(fig)
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False)
    return fig


def forest(disp: pd.DataFrame, *, group: str, four_fifths: float = 0.8, title: str = ""):
    """Impact ratios of ``group`` with 95 % intervals, per transition (rows) and position level
    (panels), coloured by verdict; reference lines at 1 and the four-fifths threshold. Log scale.
    ``disp``: the public ``funnel_disparity`` table."""
    setup_style()
    d = disp[disp["group"] == group]
    levels = _levels(d)
    fig, panels = panel_grid(len(levels), row_height=3.0, sharey=True)
    y = np.arange(len(TRANSITION_ORDER))[::-1]
    shown = [_num(d["impact_ratio_ci_low"]), _num(d["impact_ratio_ci_high"]), _num(d["impact_ratio"])]
    for ax, lv in zip(panels, levels):
        dl = d[d["position_level"] == lv].set_index("transition").reindex(TRANSITION_ORDER)
        est, lo, hi = _num(dl["impact_ratio"]), _num(dl["impact_ratio_ci_low"]), _num(dl["impact_ratio_ci_high"])
        verdicts = dl["verdict"].astype(object).to_numpy()
        colors = np.array([VERDICT_COLORS.get(v, "#7f8c8d") for v in verdicts], dtype=object)
        drawn = np.isfinite(est) & (est > 0)
        for i in np.flatnonzero(~drawn):
            row_note(ax, y[i], "skjult eller 0" if np.isfinite(est[i]) else "skjult: færre enn 5", x=0.03)
        for col in dict.fromkeys(colors[drawn]):  # one errorbar per colour (not per row: fewer artists to draw)
            k = drawn & (colors == col)
            ax.errorbar(est[k], y[k], xerr=[np.maximum(est[k] - lo[k], 0), np.maximum(hi[k] - est[k], 0)], fmt="o",
                        color=col, ecolor=col, capsize=3, ms=5)
        ax.axvline(1.0, color="#2c3e50", lw=1)
        ax.axvline(four_fifths, color="#2c3e50", lw=1, ls="--")
        _log_axis(ax, "x", shown)
        ax.set_title(label(lv))
        ax.set_xlabel("Rateforhold")
    panels[0].set_yticks(y, [label(t) for t in TRANSITION_ORDER])
    handles = [plt.Line2D([], [], marker="o", ls="", color=c, label=VERDICT_LABELS[v])
               for v, c in VERDICT_COLORS.items()]
    handles += [plt.Line2D([], [], color="#2c3e50", lw=1, label="Lik rate (1)"),
                plt.Line2D([], [], color="#2c3e50", lw=1, ls="--",
                           label=f"Firefemtedelsgrensen ({text.short(four_fifths)})")]
    fig.suptitle(title or f"{label(group)} mot referansegruppen: rateforhold med 95 % KI", fontweight="bold")
    tight_layout(fig)
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, frameon=False)
    return fig


def stage_decomposition(stages: pd.DataFrame, *, group: str, title: str = ""):
    """Share of the whole funnel's loss (log impact ratio) at each stage, with bootstrap intervals,
    one bar group per position level. ``stages``: the public ``funnel_stages`` table."""
    setup_style()
    d = stages[stages["group"] == group]
    levels = _levels(d)
    stage_tr = TRANSITION_ORDER[:4]
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    width = 0.8 / max(len(levels), 1)
    x = np.arange(len(stage_tr))
    colors = ["#2c3e50", "#8e44ad", "#2980b9", "#16a085"]
    drawn = []
    for k, lv in enumerate(levels):
        dl = d[d["position_level"] == lv].set_index("transition").reindex(stage_tr)
        s, lo, hi = _num(dl["share_of_loss"]), _num(dl["share_of_loss_ci_low"]), _num(dl["share_of_loss_ci_high"])
        pos = x + (k - (len(levels) - 1) / 2) * width
        name = label(lv) if np.isfinite(s).any() else f"{label(lv)} (skjult: færre enn 5)"
        ax.bar(pos, np.nan_to_num(s), width=width * 0.95, color=colors[k % len(colors)], label=name, alpha=0.85)
        ok = np.isfinite(s)
        ax.errorbar(pos[ok], s[ok], yerr=[np.clip(s - lo, 0, None)[ok], np.clip(hi - s, 0, None)[ok]],
                    fmt="none", ecolor="#333", capsize=2, lw=1)
        drawn += [s, lo, hi]
    ax.axhline(0, color="#333", lw=0.8)
    # the axis spans the shares and their intervals (and 0), within -75 % and 150 %
    v = np.concatenate([np.asarray(a, dtype=float).ravel() for a in drawn] + [np.array([0.0])])
    v = v[np.isfinite(v)]
    top, bottom = min(float(v.max()), 1.5), max(float(v.min()), -0.75)
    span = (top - bottom) or 1.0
    ax.set_ylim(bottom - 0.06 * span, top + 0.06 * span)
    if not drawn or not np.isfinite(np.concatenate([np.asarray(a, dtype=float) for a in drawn[::3]])).any():
        empty_note(ax, "Ingen andeler vist (skjult: færre enn 5, eller ingen forskjell å fordele)")
    ax.set_xticks(x, [label(t).replace(" → ", " →\n") for t in stage_tr])
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: text.percent_tick(v)))
    ax.set_ylabel("Andel av tapet (logskala)")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_title(title or f"{label(group)}: hvor i prosessen forskjellen oppstår")
    tight_layout(fig)
    return fig


def trend(tr: pd.DataFrame, *, group: str, position_level: str = "all", title: str = ""):
    """Impact ratio of ``group`` per year with 95 % intervals, one line per transition.
    ``tr``: the public ``funnel_trend`` table."""
    setup_style()
    d = tr[(tr["group"] == group) & (tr["position_level"] == position_level)]
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    years = sorted(set(pd.to_numeric(d["year"], errors="coerce").dropna().astype(int)))
    shown = [_num(d["impact_ratio_ci_low"]), _num(d["impact_ratio_ci_high"]), _num(d["impact_ratio"])]
    for k, t in enumerate(TRANSITION_ORDER):
        dt = d[d["transition"] == t].copy()
        dt["year"] = pd.to_numeric(dt["year"], errors="coerce")
        dt = dt.sort_values("year")
        yv = dt["year"].to_numpy(float) + (k - 2) * 0.06
        est, lo, hi = _num(dt["impact_ratio"]), _num(dt["impact_ratio_ci_low"]), _num(dt["impact_ratio_ci_high"])
        ok = np.isfinite(est) & (est > 0)
        ax.errorbar(yv[ok], est[ok], yerr=[np.clip(est - lo, 0, None)[ok], np.clip(hi - est, 0, None)[ok]],
                    marker="o", ms=4, capsize=2, lw=2.2 if t == "applied_to_hired" else 1.2, label=label(t))
    ax.axhline(1.0, color="#2c3e50", lw=1)
    _log_axis(ax, "y", shown)
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylabel("Rateforhold")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_title(title or f"{label(group)} mot referansegruppen over tid ({label(position_level).lower()})")
    tight_layout(fig)
    return fig
