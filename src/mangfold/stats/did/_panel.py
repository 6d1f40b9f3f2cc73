"""Input handling shared by the estimators of :mod:`mangfold.stats.did`.

Cleans a long unit x period panel into arrays (:class:`_Panel`), checks levels and
columns, reshapes to wide arrays and fixes the dtypes of the group-time tables.
Nothing here is public API.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

GROUP_TIME_COLUMNS = [
    "estimator", "aggregation", "cohort", "time", "event_time", "estimate", "std_error",
    "ci_low", "ci_high", "cband_low", "cband_high", "p_value",
    "n_treated_units", "n_control_units",
]


@dataclass
class _Panel:
    """Arrays of a cleaned long panel (one entry per observation)."""

    y: np.ndarray          # outcome (float)
    w: np.ndarray          # weights (ones when no weight column)
    unit_idx: np.ndarray   # 0..n_units-1
    time_idx: np.ndarray   # 0..n_times-1
    times: np.ndarray      # sorted distinct times (int64)
    t: np.ndarray          # time value per observation (float)
    g_unit: np.ndarray     # cohort per unit (float, +inf = never treated)
    unit_labels: np.ndarray
    weighted: bool

    @property
    def n_obs(self) -> int:
        return int(self.y.size)

    @property
    def n_units(self) -> int:
        return int(self.g_unit.size)

    @property
    def n_times(self) -> int:
        return int(self.times.size)

    @property
    def g(self) -> np.ndarray:
        return self.g_unit[self.unit_idx]


def _check_level(x: float, name: str) -> float:
    """Return ``x`` as float; raise ``ValueError`` unless ``0 < x < 1``."""
    x = float(x)
    if not 0.0 < x < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {x!r}")
    return x


def _integer_valued(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    fin = np.isfinite(x)
    if np.any(np.abs(x[fin] - np.rint(x[fin])) > 1e-9):
        raise ValueError(f"{name} must be integer valued (e.g. years)")
    return x


def _columns_present(df: pd.DataFrame, cols: dict[str, str | None]) -> None:
    missing = [f"{role}={c!r}" for role, c in cols.items() if c is not None and c not in df.columns]
    if missing:
        raise KeyError("column(s) not in df: " + ", ".join(missing))


def _prepare(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    cohort: str,
    weight: str | None,
) -> _Panel:
    _columns_present(df, {"unit": unit, "time": time, "outcome": outcome,
                          "cohort": cohort, "weight": weight})
    y = pd.to_numeric(df[outcome], errors="raise").to_numpy(dtype=float)
    keep = np.isfinite(y)
    if weight is not None:
        w = pd.to_numeric(df[weight], errors="raise").to_numpy(dtype=float)
        if np.any(w[np.isfinite(w)] < 0):
            raise ValueError(f"weight column {weight!r} has negative values")
        keep &= np.isfinite(w) & (w > 0)
    else:
        w = np.ones_like(y)
    tt = _integer_valued(pd.to_numeric(df[time], errors="raise").to_numpy(dtype=float), time)
    if not np.all(np.isfinite(tt)):
        raise ValueError(f"time column {time!r} has missing values")
    gg = _integer_valued(pd.to_numeric(df[cohort], errors="raise").to_numpy(dtype=float), cohort)
    gg = np.where(np.isnan(gg) | (gg == 0), np.inf, gg)
    uu = df[unit].to_numpy()
    if pd.isna(uu).any():
        raise ValueError(f"unit column {unit!r} has missing values")

    # cohort must be constant within unit (checked on all rows, before dropping)
    codes_all, labels_all = pd.factorize(uu, sort=True)
    gmin = np.full(labels_all.size, np.inf)
    gmax = np.full(labels_all.size, -np.inf)
    np.minimum.at(gmin, codes_all, gg)
    np.maximum.at(gmax, codes_all, gg)
    if np.any(gmin != gmax):
        bad = labels_all[gmin != gmax][:5]
        raise ValueError(f"cohort is not constant within unit for units {list(bad)}")

    y, w, tt, gg, uu = y[keep], w[keep], tt[keep], gg[keep], uu[keep]
    if y.size == 0:
        raise ValueError("no usable observations (all outcomes or weights missing)")
    unit_idx, unit_labels = pd.factorize(uu, sort=True)
    times, time_idx = np.unique(tt, return_inverse=True)
    dup = pd.Series(unit_idx.astype(np.int64) * times.size + time_idx).duplicated()
    if dup.any():
        raise ValueError("(unit, time) pairs must be unique")
    g_unit = np.empty(unit_labels.size)
    g_unit[unit_idx] = gg
    return _Panel(
        y=y, w=w, unit_idx=unit_idx.astype(np.intp), time_idx=time_idx.astype(np.intp),
        times=times.astype(np.int64), t=tt, g_unit=g_unit, unit_labels=np.asarray(unit_labels),
        weighted=weight is not None,
    )


def _wide(panel: _Panel) -> tuple[np.ndarray, np.ndarray]:
    """Outcomes (NaN where unobserved) and weights (0 where unobserved) as units x times."""
    y = np.full((panel.n_units, panel.n_times), np.nan)
    w = np.zeros((panel.n_units, panel.n_times))
    y[panel.unit_idx, panel.time_idx] = panel.y
    w[panel.unit_idx, panel.time_idx] = panel.w
    return y, w


def _gt_dtypes(res: pd.DataFrame) -> pd.DataFrame:
    """Fixed dtypes of the group-time tables (float for numbers, int for counts)."""
    res = res.copy()
    for c in ("cohort", "time", "event_time", "estimate", "std_error", "ci_low", "ci_high",
              "cband_low", "cband_high", "p_value"):
        res[c] = res[c].astype(float)
    for c in ("n_treated_units", "n_control_units"):
        res[c] = res[c].astype(np.int64)
    return res
