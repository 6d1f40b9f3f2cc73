"""Private helpers shared by the modules of :mod:`mangfold.stats`.

Nothing here is part of the public API.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def z_two_sided(alpha: float) -> float:
    """Return the two-sided normal critical value ``z`` with ``P(|Z| > z) = alpha``."""
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    return float(stats.norm.isf(alpha / 2.0))


def as_float_1d(*arrays: object, names: tuple[str, ...] | None = None) -> list[np.ndarray]:
    """Convert inputs to float arrays, broadcast them and flatten to 1-D.

    Scalars are allowed; arrays with more than one dimension are rejected so that
    the row order of the returned DataFrames is unambiguous.
    """
    converted = [np.asarray(a, dtype=float) for a in arrays]
    for i, a in enumerate(converted):
        if a.ndim > 1:
            label = names[i] if names else f"argument {i}"
            raise ValueError(f"{label} must be a scalar or 1-D, got shape {a.shape}")
    out = np.broadcast_arrays(*[np.atleast_1d(a) for a in converted])
    return [np.array(a, dtype=float) for a in out]


def check_counts(x: np.ndarray, n: np.ndarray, x_name: str, n_name: str) -> None:
    """Raise ``ValueError`` for negative counts or ``x > n`` (NaN is allowed)."""
    with np.errstate(invalid="ignore"):
        if np.any(x < 0) or np.any(n < 0):
            raise ValueError(f"{x_name} and {n_name} must be non-negative")
        if np.any(x > n):
            raise ValueError(f"{x_name} must not exceed {n_name}")
