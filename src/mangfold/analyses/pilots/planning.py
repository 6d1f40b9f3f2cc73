"""Pilot planning: how many treated units, or how many years under the pilot, an effect needs.

The panel DiD power model of :mod:`mangfold.stats.panel_power`, anchored to the headline TWFE row
(wild cluster bootstrap interval) actually obtained (:func:`mangfold.analyses.pilots.estimation.pilot_effects`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...stats import panel_power
from ...tablespec import TableSpec
from .panel import MIN_TWO_OUTCOMES, OUTCOMES

PLANNING_COLUMNS = ["pilot", "outcome", "effect", "n_units_treated", "n_units_control", "n_periods_pre",
                    "n_periods_post", "mde_current", "n_units_treated_needed", "units_feasible",
                    "n_periods_post_needed", "periods_feasible", "sigma", "rho"]

PLANNING_SPEC = TableSpec(
    name="pilot_planning",
    dims=("pilot", "outcome", "effect"),
    not_counts=("n_units_treated", "n_units_control", "n_periods_pre", "n_periods_post",
                "n_units_treated_needed", "n_periods_post_needed"),
    statistics=("mde_current", "units_feasible", "periods_feasible", "sigma", "rho"),
    title="Planlegging: hvor mange enheter eller år som trengs for å påvise en gitt effekt",
)


def current_design(panel: pd.DataFrame, outcome: str) -> dict[str, int]:
    """The design behind ``outcome``: treated units (with a treated cell), never-treated control
    units, and the median numbers of years before and from the start year among treated units
    (at least 1 each)."""
    den = OUTCOMES[outcome][1]
    d = panel[panel[den] > 0]
    if d.empty:  # nobody reached the outcome's denominator (e.g. no focal-group applicant interviewed)
        return {"n_units_treated": 0, "n_units_control": 0, "n_periods_pre": 1, "n_periods_post": 1}
    first, last = int(d["year"].min()), int(d["year"].max())
    tr = d.loc[d["treated"]].groupby("unit_id")["cohort"].first()
    ctrl = d.loc[d["cohort"].isna() | (d["cohort"] > last), "unit_id"].nunique()
    pre = int(max(1, np.median(tr - first))) if len(tr) else 1
    post = int(max(1, np.median(last - tr + 1))) if len(tr) else 1
    return {"n_units_treated": int(len(tr)), "n_units_control": int(ctrl), "n_periods_pre": pre,
            "n_periods_post": post}


def planning_table(panel: pd.DataFrame, effects: pd.DataFrame, *, pilot: str,
                   outcomes: tuple[str, ...] = MIN_TWO_OUTCOMES, effect_sizes: tuple[float, ...] = (0.03, 0.05, 0.10),
                   alpha: float = 0.05, power: float = 0.8) -> pd.DataFrame:
    """How many treated units, or how many years under the pilot, a given effect needs.

    Model: the panel DiD of :mod:`mangfold.stats.panel_power` (Burlig, Preonas & Woerman 2020):
    errors with a unit effect and AR(1) serial correlation ``rho`` fitted to the untreated
    unit-year rates (:func:`panel_power.mde_from_data`). The error scale ``sigma`` is then
    anchored so that the model's MDE at the current design equals the MDE of the headline TWFE row
    actually obtained (``pilot_effects``), which rests on the wild cluster bootstrap interval; so the
    plan reflects the real weighting, clustering and few-cluster inference.
    When serial correlation cannot be fitted (fewer than three years), ``rho = 0``.

    Columns: ``pilot, outcome, effect`` (probability points as a share), the current design
    ``n_units_treated, n_units_control, n_periods_pre, n_periods_post``, ``mde_current``,
    ``n_units_treated_needed`` (with the current years and control units; empty when no number of
    units reaches the effect, because the fixed control group bounds the precision),
    ``units_feasible``, ``n_periods_post_needed`` (years from the start, with the current units; empty
    when 30 years do not suffice), ``periods_feasible``,
    ``sigma``, ``rho``.
    """
    cols = PLANNING_COLUMNS
    rows = []
    for outcome in outcomes:
        des = current_design(panel, outcome)
        tw = effects[(effects["pilot"] == pilot) & (effects["outcome"] == outcome) & (effects["estimator"] == "twfe")]
        mde_now = float(tw["mde"].iloc[0]) if len(tw) and pd.notna(tw["mde"].iloc[0]) else np.nan
        if des["n_units_treated"] < 1 or des["n_units_control"] < 1 or not np.isfinite(mde_now):
            continue
        den = OUTCOMES[outcome][1]
        d = panel[panel[den] > 0]
        try:
            fit = panel_power.mde_from_data(d, unit="unit_id", time="year", outcome=outcome, cohort="cohort",
                                            alpha=alpha, power=power, **des).iloc[0]
            sigma, rho, mde_model = float(fit["sigma"]), float(fit["rho"]), float(fit["mde"])
        except (ValueError, np.linalg.LinAlgError):
            sigma, rho = 1.0, 0.0
            mde_model = float(panel_power.did_mde(sigma=1.0, rho=0.0, alpha=alpha, power=power, **des)["mde"].iloc[0])
        sigma_cal = sigma * mde_now / mde_model
        for eff in effect_sizes:
            u = panel_power.units_needed(eff, n_periods_pre=des["n_periods_pre"], n_periods_post=des["n_periods_post"],
                                         sigma=sigma_cal, rho=rho, n_units_control=des["n_units_control"],
                                         alpha=alpha, power=power, max_units=10_000).iloc[0]
            p = panel_power.periods_needed(eff, n_units_treated=des["n_units_treated"],
                                           n_units_control=des["n_units_control"], sigma=sigma_cal, rho=rho,
                                           n_periods_pre=des["n_periods_pre"], solve_for="post", alpha=alpha,
                                           power=power, max_periods=30).iloc[0]
            rows.append({"pilot": pilot, "outcome": outcome, "effect": float(eff), **des, "mde_current": mde_now,
                         "n_units_treated_needed": int(u["n_units_treated"]) if u["feasible"] else pd.NA,
                         "units_feasible": bool(u["feasible"]),
                         "n_periods_post_needed": int(p["n_periods_post"]) if p["feasible"] else pd.NA,
                         "periods_feasible": bool(p["feasible"]),
                         "sigma": sigma_cal, "rho": rho})
    out = pd.DataFrame(rows, columns=cols)
    for c in ("n_units_treated_needed", "n_periods_post_needed"):
        out[c] = out[c].astype("Int64")
    return out
