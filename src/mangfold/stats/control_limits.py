"""Funnel-plot control limits for proportions (Spiegelhalter 2005).

Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance.
Statistics in Medicine 24:1185-1202, appendix A.1.1 (binomial limits with
interpolation).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ._common import as_float_1d, check_counts

__all__ = ["funnel_limits", "flag_outliers", "level_label"]


def level_label(level: float) -> str:
    """Column suffix for a coverage level: 0.95 -> ``"95"``, 0.998 -> ``"998"``."""
    text = f"{level * 100:.10f}".rstrip("0").rstrip(".")
    return text.replace(".", "")


def _check_levels(levels: tuple[float, ...]) -> tuple[float, ...]:
    levels = tuple(float(v) for v in np.atleast_1d(levels))
    if not levels or any(not 0.0 < v < 1.0 for v in levels):
        raise ValueError("levels must lie strictly between 0 and 1")
    return levels


def _binomial_limit(prob: float, n: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Interpolated ``prob`` quantile of Binomial(n, target) / n (Spiegelhalter A.1.1)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = stats.binom.ppf(prob, n, target)  # smallest r with F(r) >= prob
        f_r = stats.binom.cdf(r, n, target)
        f_rm1 = stats.binom.cdf(r - 1.0, n, target)
        a = (f_r - prob) / (f_r - f_rm1)
        limit = (r - a) / n
    return np.clip(limit, 0.0, 1.0)


def funnel_limits(
    n: object,
    target: object,
    *,
    levels: tuple[float, ...] = (0.95, 0.998),
    method: Literal["binomial", "normal"] = "binomial",
) -> pd.DataFrame:
    """Control limits for an observed proportion ``x / n`` around ``target``.

    Parameters
    ----------
    n
        Denominators (1-D array-like or scalar).
    target
        Target (in-control) proportion, scalar or per ``n``; must be in [0, 1].
    levels
        Coverage levels; the limits are the ``(1 - level)/2`` and
        ``(1 + level)/2`` quantiles.  Default 95 % and 99.8 % (about 2 and 3 SD).
    method
        ``"binomial"`` (default): Spiegelhalter (2005, appendix A.1.1)
        interpolated binomial quantiles: with ``r_p`` the smallest ``r`` with
        ``F(r) >= p`` (``F`` the Binomial(n, target) cdf),
        ``a = (F(r_p) - p) / (F(r_p) - F(r_p - 1))`` and limit ``(r_p - a)/n``;
        this makes the limits smooth in ``n``.
        ``"normal"``: ``target -/+ z sqrt(target (1 - target) / n)``.
        Both are clipped to ``[0, 1]``; a target of exactly 0 or 1 gives
        limits equal to the target.

    Returns
    -------
    pandas.DataFrame in long form, one row per (input element, level), ordered by
    element then level, columns

    ``n``, ``target``   the inputs;
    ``level``           coverage level;
    ``limit_low``, ``limit_high`` the limits on the proportion scale
                        (NaN when ``n == 0``).
    """
    if method not in ("binomial", "normal"):
        raise ValueError(f"method must be 'binomial' or 'normal', got {method!r}")
    levels = _check_levels(levels)
    m, p0 = as_float_1d(n, target, names=("n", "target"))
    with np.errstate(invalid="ignore"):
        if np.any(m < 0):
            raise ValueError("n must be non-negative")
        if np.any((p0 < 0) | (p0 > 1)):
            raise ValueError("target must lie in [0, 1]")
    k = len(levels)
    lows = np.empty((m.size, k))
    highs = np.empty((m.size, k))
    for j, level in enumerate(levels):  # loop over levels only
        tail = (1.0 - level) / 2.0
        if method == "binomial":
            lows[:, j] = _binomial_limit(tail, m, p0)
            highs[:, j] = _binomial_limit(1.0 - tail, m, p0)
        else:
            z = stats.norm.isf(tail)
            with np.errstate(divide="ignore", invalid="ignore"):
                half = z * np.sqrt(p0 * (1.0 - p0) / m)
            lows[:, j] = np.clip(p0 - half, 0.0, 1.0)
            highs[:, j] = np.clip(p0 + half, 0.0, 1.0)
    degenerate = (p0 == 0.0) | (p0 == 1.0)  # no variation: limits equal the target
    lows[degenerate] = p0[degenerate, None]
    highs[degenerate] = p0[degenerate, None]
    bad = ~(m > 0)
    lows[bad] = np.nan
    highs[bad] = np.nan
    return pd.DataFrame(
        {
            "n": np.repeat(m, k),
            "target": np.repeat(p0, k),
            "level": np.tile(np.asarray(levels), m.size),
            "limit_low": lows.ravel(),
            "limit_high": highs.ravel(),
        }
    )


def flag_outliers(
    x: object,
    n: object,
    target: object,
    *,
    levels: tuple[float, ...] = (0.95, 0.998),
    method: Literal["binomial", "normal"] = "binomial",
) -> pd.DataFrame:
    """Whether each observed proportion lies within its funnel limits.

    Returns
    -------
    pandas.DataFrame, one row per input element, columns

    ``x``, ``n``, ``target`` inputs; ``rate`` ``x / n`` (NaN when ``n == 0``);
    one nullable-boolean column per level named ``within_<label>``
    (``within_95``, ``within_998`` by default; label from
    :func:`level_label`): ``limit_low <= rate <= limit_high``
    (limits from :func:`funnel_limits`), ``<NA>`` when ``n == 0``.
    """
    xs, m, p0 = as_float_1d(x, n, target, names=("x", "n", "target"))
    check_counts(xs, m, "x", "n")
    levels = _check_levels(levels)
    lim = funnel_limits(m, p0, levels=levels, method=method)
    k = len(levels)
    low = lim["limit_low"].to_numpy().reshape(m.size, k)
    high = lim["limit_high"].to_numpy().reshape(m.size, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(m > 0, xs / m, np.nan)
    out = pd.DataFrame({"x": xs, "n": m, "target": p0, "rate": rate})
    missing = np.isnan(rate) | np.isnan(low[:, 0])
    for j, level in enumerate(levels):
        with np.errstate(invalid="ignore"):
            inside = (rate >= low[:, j]) & (rate <= high[:, j])
        out[f"within_{level_label(level)}"] = pd.arrays.BooleanArray(inside & ~missing, missing.copy())
    return out
