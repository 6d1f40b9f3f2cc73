"""Multiple-comparison adjustment of p-values."""

from __future__ import annotations

import numpy as np

__all__ = ["holm"]


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
