"""Multiple-comparison adjustment of p-values."""

from __future__ import annotations

import numpy as np

__all__ = ["holm", "bonferroni"]


def holm(p_values: object) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values, ignoring NaN.

    Parameters
    ----------
    p_values
        Array-like of p-values in ``[0, 1]`` (any shape); NaN marks tests that
        were not performed.

    Returns
    -------
    numpy float array of the same shape.  NaN inputs stay NaN and do not count
    towards the family size ``m`` (the number of non-NaN p-values).

    Notes
    -----
    With the non-NaN p-values sorted, ``p_(1) <= ... <= p_(m)``::

        p_adj_(i) = min(1, max_{j <= i} (m - j + 1) p_(j))

    Ties keep their original order (stable sort), which does not change the
    result.  Same as R ``p.adjust(p, "holm")`` (which also drops NaN from ``m``)
    and statsmodels ``multipletests(p, method="holm")`` on the non-NaN values;
    R: ``p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm")`` =
    ``0.05 0.08 0.09 0.09 0.09``.
    """
    p = np.asarray(p_values, dtype=float)
    flat = p.ravel()
    with np.errstate(invalid="ignore"):
        if np.any((flat < 0) | (flat > 1)):
            raise ValueError("p-values must lie in [0, 1]")
    out = np.full(flat.shape, np.nan)
    idx = np.flatnonzero(~np.isnan(flat))
    m = idx.size
    if m:
        order = np.argsort(flat[idx], kind="stable")
        sorted_p = flat[idx][order]
        adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * sorted_p))
        out[idx[order]] = adj
    return out.reshape(p.shape)


def bonferroni(p_values: object, *, family_size: int | None = None) -> np.ndarray:
    """Bonferroni adjusted p-values ``min(1, m p)``, NaN kept.

    Parameters
    ----------
    p_values
        Array-like of p-values in ``[0, 1]`` (any shape); NaN marks tests not performed.
    family_size
        ``m``, the number of hypotheses in the family *by design* (e.g. the four stage
        transitions of the funnel).  ``None``: the number of non-NaN p-values (as R
        ``p.adjust(p, "bonferroni")``).  A fixed ``m`` keeps the adjustment, and the
        matching confidence level ``1 - alpha / m``, the same whatever the data.

    Notes
    -----
    Unlike Holm's step-down procedure, Bonferroni has simultaneous confidence intervals
    that agree with it exactly: with a test that inverts its interval, ``m p < alpha``
    if and only if the ``1 - alpha/m`` interval excludes the null value.  This is why
    the funnel uses it (a verdict must agree with the interval printed beside it).
    Same as statsmodels ``multipletests(p, method="bonferroni")`` on a full family.
    """
    p = np.asarray(p_values, dtype=float)
    with np.errstate(invalid="ignore"):
        if np.any((p < 0) | (p > 1)):
            raise ValueError("p-values must lie in [0, 1]")
    m = int(np.count_nonzero(~np.isnan(p))) if family_size is None else int(family_size)
    if m < 1:
        if family_size is not None:
            raise ValueError("family_size must be at least 1")
        return p.copy()
    return np.minimum(1.0, m * p)
