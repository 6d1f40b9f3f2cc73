"""Confidence intervals and bounds for single proportions.

All functions are vectorised: ``successes`` and ``n`` may be scalars or 1-D
array-likes (they are broadcast against each other).  Rows with ``n == 0`` give
NaN rather than raising, so the functions can be applied to thousands of groups
at once.  Row ``i`` of every returned DataFrame corresponds to element ``i`` of
the broadcast inputs (the index is a fresh ``RangeIndex``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ._common import as_float_1d, check_counts, z_two_sided

__all__ = ["wilson_interval", "proportion_ci", "proportion_bounds"]


def wilson_interval(
    successes: object, n: object, *, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (vectorised).

    Parameters
    ----------
    successes, n
        Counts (scalars or array-likes, broadcast together).  ``0 <= successes <= n``.
    alpha
        Two-sided error level; the interval has coverage ``1 - alpha``.

    Returns
    -------
    (ci_low, ci_high)
        Two float arrays with the broadcast shape of the inputs.  ``n == 0`` gives NaN.

    Notes
    -----
    With ``p = x / n`` and ``z = Phi^{-1}(1 - alpha/2)``::

        centre = (x + z^2/2) / (n + z^2)
        half   = z * sqrt(x (n - x) / n + z^2 / 4) / (n + z^2)

    The lower limit is exactly 0 when ``x == 0`` and the upper exactly 1 when
    ``x == n``.  This is the interval returned by R
    ``prop.test(x, n, correct = FALSE)$conf.int`` (Wilson 1927; Newcombe 1998,
    method 3).  Checked against Newcombe (1998, Stat Med 17:857, table II) and
    ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.
    """
    z = z_two_sided(alpha)
    x = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    x, m = np.broadcast_arrays(x, m)
    check_counts(x, m, "successes", "n")
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = m + z2
        centre = (x + z2 / 2.0) / denom
        half = z * np.sqrt(x * (m - x) / m + z2 / 4.0) / denom
        low = centre - half
        high = centre + half
    low = np.where(x == 0, 0.0, np.clip(low, 0.0, 1.0))
    high = np.where(x == m, 1.0, np.clip(high, 0.0, 1.0))
    bad = ~(m > 0)
    low = np.where(bad, np.nan, low)
    high = np.where(bad, np.nan, high)
    return low, high


def _clopper_pearson(x: np.ndarray, m: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        low = stats.beta.ppf(alpha / 2.0, x, m - x + 1.0)
        high = stats.beta.isf(alpha / 2.0, x + 1.0, m - x)
    low = np.where(x == 0, 0.0, low)
    high = np.where(x == m, 1.0, high)
    bad = ~(m > 0)
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def proportion_ci(
    successes: object,
    n: object,
    *,
    alpha: float = 0.05,
    method: Literal["wilson", "exact"] = "wilson",
) -> pd.DataFrame:
    """Point estimate and confidence interval for proportions, one row per input.

    Parameters
    ----------
    successes, n
        Counts (scalars or 1-D array-likes, broadcast together).
    alpha
        Two-sided error level.
    method
        ``"wilson"``: Wilson score interval, see :func:`wilson_interval`
        (= R ``prop.test(x, n, correct = FALSE)``).
        ``"exact"``: Clopper-Pearson interval from beta quantiles,
        ``[Beta^{-1}(alpha/2; x, n-x+1), Beta^{-1}(1-alpha/2; x+1, n-x)]``
        (= R ``binom.test(x, n)$conf.int``).

    Returns
    -------
    pandas.DataFrame with columns

    ``successes`` (float)  the input count ``x``;
    ``n`` (float)          the input denominator;
    ``estimate``           ``x / n`` (NaN when ``n == 0``);
    ``ci_low``, ``ci_high`` interval limits (NaN when ``n == 0``);
    ``method``             ``"wilson"`` or ``"exact"``.

    References
    ----------
    Checked against Newcombe (1998, table II: 81/263, 15/148, 0/20, 1/29) and
    against statsmodels ``proportion_confint`` (``"wilson"``, ``"beta"``).
    """
    if method not in ("wilson", "exact"):
        raise ValueError(f"method must be 'wilson' or 'exact', got {method!r}")
    x, m = as_float_1d(successes, n, names=("successes", "n"))
    check_counts(x, m, "successes", "n")
    z_two_sided(alpha)  # validates alpha
    if method == "wilson":
        low, high = wilson_interval(x, m, alpha=alpha)
    else:
        low, high = _clopper_pearson(x, m, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.where(m > 0, x / m, np.nan)
    return pd.DataFrame(
        {
            "successes": x,
            "n": m,
            "estimate": est,
            "ci_low": low,
            "ci_high": high,
            "method": np.repeat(method, len(x)),
        }
    )


def proportion_bounds(successes: object, n: object, n_undeclared: object) -> pd.DataFrame:
    """Worst/best-case bounds on a share when some people did not declare.

    Parameters
    ----------
    successes
        Number of people who *declared* membership of the group.
    n
        Number of people who answered the question (declared yes or no).
    n_undeclared
        Number of people who did not answer (missing, "prefer not to say").

    Returns
    -------
    pandas.DataFrame with columns

    ``successes``, ``n``, ``n_undeclared`` the inputs (float);
    ``estimate``   share among those who answered, ``x / n`` (NaN when ``n == 0``);
    ``bound_low``  share in the whole population if *none* of the undeclared
                   belong to the group, ``x / (n + u)``;
    ``bound_high`` share in the whole population if *all* of the undeclared
                   belong to the group, ``(x + u) / (n + u)``.

    Both bounds are NaN when ``n + u == 0``.  These are the deterministic
    (Manski-type, "no assumption") bounds: any assumption about who the undeclared
    are yields a population share in ``[bound_low, bound_high]``.  ``estimate`` is
    the share under the assumption that non-response is unrelated to group
    membership, and always lies within the bounds.  No sampling uncertainty is
    included (combine with :func:`proportion_ci` when needed).
    """
    x, m, u = as_float_1d(successes, n, n_undeclared, names=("successes", "n", "n_undeclared"))
    check_counts(x, m, "successes", "n")
    with np.errstate(invalid="ignore"):
        if np.any(u < 0):
            raise ValueError("n_undeclared must be non-negative")
    total = m + u
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.where(m > 0, x / m, np.nan)
        low = np.where(total > 0, x / total, np.nan)
        high = np.where(total > 0, (x + u) / total, np.nan)
    return pd.DataFrame(
        {
            "successes": x,
            "n": m,
            "n_undeclared": u,
            "estimate": est,
            "bound_low": low,
            "bound_high": high,
        }
    )
