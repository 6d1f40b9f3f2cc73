"""Figures of the pilot evaluation (pilots 1-4), drawn from the *public* tables.

Suppressed cells arrive as blanks (or the ``<5`` mark in count columns); they are read as
missing and not drawn.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from .. import text
from . import (NOTE_COLOR, PALETTE, clip_interval, empty_note, label, limit_to, panel_grid, percent_axis, setup_style,
               tight_layout)

ESTIMATOR_LABELS = {
    "twfe": "To-veis faste effekter (TWFE)",
    "twfe_all_controls": "TWFE, også enheter i andre piloter som kontroll",
    "callaway_santanna": "Callaway–Sant'Anna",
    "sun_abraham": "Sun–Abraham",
    "randomization_inference": "Randomiseringstest",
    "event_study": "Hendelsesstudie (TWFE)",
}
OUTCOME_LABELS = {
    "applied_to_qualified": "Søker → kvalifisert",
    "qualified_to_interviewed": "Kvalifisert → intervju",
    "interviewed_to_hired": "Intervju → tilsatt",
    "applied_to_hired": "Søker → tilsatt",
    "retention": "Fortsatt ansatt",
    "leader": "Blitt leder",
}
_COLORS = {"event_study": "#7f8c8d", "callaway_santanna": PALETTE["lbg2"], "twfe": "#7f8c8d",
           "sun_abraham": "#2980b9", "randomization_inference": "#8e44ad",
           "mentor": PALETTE["lbg2"], "comparison": "#7f8c8d", "mentee": "#2980b9"}


def estimator_label(code: str) -> str:
    return ESTIMATOR_LABELS.get(str(code), str(code))


def outcome_label(code: str) -> str:
    return OUTCOME_LABELS.get(str(code), label(code))


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(float)


def _pp_axis(ax, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter

    def pp(v: float, _pos=None) -> str:
        return "0" if abs(v) < 1e-12 else ("+" if v > 0 else "") + text.short(100 * v, 2)

    fmt = FuncFormatter(pp)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def event_study_figure(es: pd.DataFrame, *, outcomes: tuple[str, ...], title: str = "",
                       truth: float | None = None):
    """One panel per outcome: effect by year relative to the start (``event_time``), with 95 %
    intervals, for the TWFE event study and Callaway-Sant'Anna; the year before the start is the
    reference (0). ``truth``: an optional horizontal line (the demo's planted effect)."""
    setup_style()
    outcomes = tuple(o for o in outcomes if (es["outcome"] == o).any()) or outcomes[:1]
    fig, panels = panel_grid(len(outcomes), row_height=3.6)
    for ax, outcome in zip(panels, outcomes):
        d = es[es["outcome"] == outcome]
        drawn, clipped = [], False
        for k, (est, g) in enumerate(d.groupby("estimator", sort=True)):
            x = _num(g["event_time"]) + (k - 0.5) * 0.18
            y = _num(g["estimate"])
            lo, hi, cut = clip_interval(y, _num(g["ci_low"]), _num(g["ci_high"]))
            clipped |= cut
            err = np.vstack([np.clip(y - lo, 0, None), np.clip(hi - y, 0, None)])
            err = np.where(np.isfinite(err), err, 0.0)
            ax.errorbar(x, y, yerr=err, fmt="o", ms=5, capsize=3, color=_COLORS.get(est, "#333"),
                        label=estimator_label(est))
            drawn += [y, lo, hi]
        # the axis spans the estimates and their intervals, never beyond ±100 probability points
        limit_to(ax, drawn or [np.array([0.0])], "y")
        if clipped:
            ax.text(0.02, 0.02, "Intervall kuttet ved ±100 pp", transform=ax.transAxes, ha="left", va="bottom",
                    color=NOTE_COLOR, fontsize=9.5, style="italic")
        if not d["estimate"].map(lambda v: np.isfinite(pd.to_numeric(v, errors="coerce"))).any():
            empty_note(ax, "Ingen effekter anslått\n(for få enheter eller år, eller skjult)")
        ax.axhline(0, color="#2c3e50", lw=0.8)
        ax.axvline(-0.5, color="#2c3e50", lw=0.8, ls="--")
        if truth is not None and outcome == "qualified_to_interviewed":
            ax.axhline(truth, color="#27ae60", lw=1, ls=":", label="Innlagt sann effekt (demo)")
        ax.set_title(outcome_label(outcome))
        ax.set_xlabel("År fra oppstart (0 = oppstartsåret)")
        ax.set_ylabel("Effekt, prosentpoeng")
        _pp_axis(ax)
        ticks = np.unique(_num(d["event_time"])[np.isfinite(_num(d["event_time"]))])
        if ticks.size:
            ax.set_xticks(ticks.astype(int))
    panels[0].legend(loc="best", frameon=True)
    if title:
        fig.suptitle(title, fontweight="bold")
    tight_layout(fig)
    return fig


def effects_figure(eff: pd.DataFrame, *, pilot: str, title: str = ""):
    """Forest plot: each outcome's estimate and 95 % interval, one marker per estimator."""
    setup_style()
    d = eff[eff["pilot"] == pilot]
    outcomes = list(dict.fromkeys(d["outcome"]))
    estimators = list(dict.fromkeys(d["estimator"]))
    fig, ax = plt.subplots(figsize=(8, 0.9 * max(len(outcomes), 2) + 1.2))
    base = np.arange(len(outcomes))[::-1].astype(float)
    step = 0.7 / max(len(estimators), 1)
    for k, est_code in enumerate(estimators):
        g = d[d["estimator"] == est_code].set_index("outcome").reindex(outcomes)
        y = base + (len(estimators) - 1) / 2 * step - k * step
        est = _num(g["estimate"])
        lo, hi, _cut = clip_interval(est, _num(g["ci_low"]), _num(g["ci_high"]))
        e = np.vstack([np.clip(est - lo, 0, None), np.clip(hi - est, 0, None)])
        e = np.where(np.isfinite(e), e, 0.0)
        ax.errorbar(est, y, xerr=e, fmt="o", capsize=3, color=_COLORS.get(est_code, "#333"),
                    label=estimator_label(est_code))
    ax.axvline(0, color="#2c3e50", lw=0.8)
    ax.set_yticks(base, [outcome_label(o) for o in outcomes])
    ax.set_ylim(-0.6, len(outcomes) - 0.4)
    ax.set_xlabel("Effekt, prosentpoeng (95 % KI)")
    _pp_axis(ax, "x")
    ax.set_title(title)
    ax.legend(loc="best", frameon=True)
    tight_layout(fig)
    return fig


VALUE_LABELS = {
    "outcome": OUTCOME_LABELS,
    "estimator": ESTIMATOR_LABELS,
    "status": {"treated": "Under piloten", "before": "Pilotenheter før oppstartsåret",
               "control": "Enheter utenfor piloten", "start_year_before_start": "Oppstartsåret, før startdato",
               "outside_window": "Etter at piloten sluttet"},
    "group": {"pilot": "Under piloten", "comparison": "Uten regelen", "mentor": "Mentorer",
              "comparison_employees": "Sammenlignbare ansatte"},
    "respondent": {"mentor": "Mentorer", "mentee": "Toppledere"},
}
_TRAINING_OUTCOMES = {"applied_later": "Søkte stilling senere", "applied_leader_later": "Søkte lederstilling senere",
                      "promoted": "Rykket opp", "retained": "Fortsatt ansatt året etter"}


def with_labels(df: pd.DataFrame) -> pd.DataFrame:
    """A copy for display with Norwegian labels in place of the codes in ``outcome``, ``estimator``,
    ``status``, ``group`` and ``respondent`` (unknown codes are kept)."""
    out = df.copy()
    for col, labels in VALUE_LABELS.items():
        if col in out.columns:
            lab = {**labels, **(_TRAINING_OUTCOMES if col == "outcome" else {})}
            out[col] = out[col].map(lambda v, lab=lab: lab.get(str(v), v))
    return out


def survival_figure(surv: pd.DataFrame, *, title: str = ""):
    """Kaplan-Meier step curves with 95 % bands: share still employed and share who became
    leaders, mentors against comparable employees."""
    setup_style()
    outcomes = [o for o in ("retention", "leader") if (surv["outcome"] == o).any()]
    fig, axes = plt.subplots(1, max(len(outcomes), 1), figsize=(5 * max(len(outcomes), 1), 3.8), squeeze=False)
    names = {"mentor": "Mentorer", "comparison": "Sammenlignbare ansatte"}
    if not outcomes:
        empty_note(axes[0][0], "Ingen forløp å vise ennå")
    for ax, outcome in zip(axes[0], outcomes):
        d = surv[surv["outcome"] == outcome]
        shares = _num(d["share"])
        if not np.isfinite(shares).any():
            empty_note(ax, "Ingen kurve vist: tallene bygger på\nfærre enn 5 personer (skjult)")
        elif outcome == "leader" and np.nanmax(shares) == 0:
            empty_note(ax, "Ingen i noen av gruppene ble leder\ni perioden (0 %)")
        for group, g in d.groupby("group", sort=False):
            t, s = _num(g["time"]), _num(g["share"])
            lo, hi = _num(g["ci_low"]), _num(g["ci_high"])
            c = _COLORS.get(group, "#333")
            ax.step(t, s, where="post", color=c, label=names.get(group, group))
            ax.fill_between(t, lo, hi, step="post", color=c, alpha=0.15)
        ax.set_title(outcome_label(outcome))
        ax.set_xlabel("År etter utgangspunktet")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, 1.02 if outcome == "retention" else None)
        percent_axis(ax, "y")
        ax.legend(loc="best")
    if title:
        fig.suptitle(title, fontweight="bold")
    tight_layout(fig)
    return fig


def survey_change_figure(change: pd.DataFrame, *, item_labels: dict[str, str] | None = None, title: str = ""):
    """Mean change post - pre per item with 95 % interval, mentors and mentees side by side."""
    setup_style()
    item_labels = item_labels or {}
    items = sorted(set(change["item"]) - {"all"}) + (["all"] if (change["item"] == "all").any() else [])
    fig, ax = plt.subplots(figsize=(8, 0.5 * max(len(items), 3) + 1.3))
    y0 = np.arange(len(items))[::-1]
    names = {"mentor": "Mentorer", "mentee": "Toppledere (mentees)"}
    for k, resp in enumerate(("mentor", "mentee")):
        d = change[change["respondent"] == resp].set_index("item").reindex(items)
        est, lo, hi = _num(d["estimate"]), _num(d["ci_low"]), _num(d["ci_high"])
        e = np.vstack([np.clip(est - lo, 0, None), np.clip(hi - est, 0, None)])
        e = np.where(np.isfinite(e), e, 0.0)
        ax.errorbar(est, y0 + (0.15 if k == 0 else -0.15), xerr=e, fmt="o", capsize=3,
                    color=_COLORS.get(resp, "#333"), label=names[resp])
    ax.axvline(0, color="#2c3e50", lw=0.8)
    ax.set_yticks(y0, [item_labels.get(i, "Alle spørsmål samlet" if i == "all" else i) for i in items])
    ax.set_xlabel("Endring i gjennomsnittlig svar, etter − før (skala 1–5, 95 % KI)")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    tight_layout(fig)
    return fig
