"""One seaborn style, Norwegian labels and the figures the report repeats.

Topic figures live in ``figures/<topic>.py``. Figures are drawn from *public* tables, so a
suppressed cell (blank) is simply not drawn. Imports nothing from mangfold.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

PALETTE = {"lbg2": "#c0392b", "lbg1": "#2980b9", "none": "#7f8c8d", "immigrant_unspecified": "#8e44ad",
           "undeclared": "#bdc3c7", "all": "#2c3e50"}

LABELS = {
    "none": "Uten innvandrerbakgrunn", "lbg1": "Landbakgrunn 1", "lbg2": "Landbakgrunn 2",
    "immigrant_unspecified": "Innvandrerbakgrunn, uspesifisert", "undeclared": "Ikke oppgitt",
    "top_leader": "Toppledere", "leader": "Ledere", "employee": "Medarbeidere", "leaders": "Alle ledere",
    "all": "Alle",
    "applied": "Søkere", "qualified": "Formelt kvalifiserte", "interviewed": "Intervjuet",
    "recommended": "Innstilte", "hired": "Tilsatte",
    "applied_to_qualified": "Søker → kvalifisert", "qualified_to_interviewed": "Kvalifisert → intervju",
    "interviewed_to_recommended": "Intervju → innstilt", "recommended_to_hired": "Innstilt → tilsatt",
    "applied_to_hired": "Hele prosessen",
    "female": "Kvinner", "male": "Menn", "other": "Annet",
}


def label(code: str) -> str:
    return LABELS.get(str(code), str(code))


def setup_style() -> None:
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.95)
    plt.rcParams.update({"figure.dpi": 110, "axes.titleweight": "bold", "axes.titlesize": 12,
                         "figure.autolayout": False, "svg.hashsalt": "mangfold"})


def percent_axis(ax, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _: f"{100 * v:.0f} %")
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def share_with_ci(df: pd.DataFrame, *, category: str, share: str, ci_low: str, ci_high: str,
                  reference: float | None = None, reference_label: str = "", title: str = "",
                  target: str | None = None, xlabel: str = "Andel"):
    """Horizontal dots with interval whiskers per category; optional reference line and per-row targets."""
    setup_style()
    d = df.dropna(subset=[share]).copy()
    d = d.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.42 * max(len(d), 3) + 1.2))
    y = np.arange(len(d))
    s = pd.to_numeric(d[share], errors="coerce").to_numpy(float)
    lo = pd.to_numeric(d[ci_low], errors="coerce").to_numpy(float)
    hi = pd.to_numeric(d[ci_high], errors="coerce").to_numpy(float)
    ax.errorbar(s, y, xerr=[np.clip(s - lo, 0, None), np.clip(hi - s, 0, None)], fmt="o", color=PALETTE["lbg2"],
                ecolor="#555", capsize=3, label="Andel med 95 % KI")
    if target and target in d:
        ax.scatter(pd.to_numeric(d[target], errors="coerce"), y, marker="|", s=300, color="#27ae60", label="Mål", zorder=3)
    if reference is not None:
        ax.axvline(reference, color="#2c3e50", ls="--", lw=1, label=reference_label or None)
    ax.set_yticks(y, [label(c) for c in d[category]])
    percent_axis(ax)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8, frameon=True)
    return fig
