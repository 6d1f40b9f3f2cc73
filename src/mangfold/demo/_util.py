"""Small vectorised helpers for the demo generator."""

from __future__ import annotations

import numpy as np

#: Opaque keys: an affine bijection of 0..10**9-1, so sequential numbers look random and never collide.
ID_MODULUS = 10**9
_ID_MULTIPLIER = 387_420_489  # 3**18, coprime with 10**9

EPOCH = np.datetime64("1970-01-01", "D")


def expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def logit(p):
    p = np.asarray(p, dtype=float)
    return np.log(p / (1.0 - p))


def opaque(numbers: np.ndarray, offset: int) -> np.ndarray:
    """Map sequential integers to opaque integers in [0, 10**9) (bijective for a fixed offset)."""
    n = np.asarray(numbers, dtype=np.int64)
    return (n * _ID_MULTIPLIER + offset) % ID_MODULUS


def day(year: int, month: int = 1, dom: int = 1) -> int:
    """Days since 1970-01-01."""
    return int((np.datetime64(f"{year:04d}-{month:02d}-{dom:02d}", "D") - EPOCH).astype(np.int64))


def year_bounds(year: int) -> tuple[int, int]:
    """First and last day (days since epoch) of a year."""
    return day(year), day(year + 1) - 1


def year_of(days: np.ndarray) -> np.ndarray:
    """Calendar year of days since epoch."""
    return (EPOCH + np.asarray(days).astype("timedelta64[D]")).astype("datetime64[Y]").astype(np.int64) + 1970


def rank_within(groups: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank (0-based) of each element within its group when ordered by ``keys``.

    Returns ``(rank, order)`` where ``order`` sorts by (group, key).
    """
    order = np.lexsort((keys, groups))
    g = groups[order]
    start = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    first = np.repeat(start, np.diff(np.r_[start, len(g)]))
    rank = np.empty(len(groups), dtype=np.int64)
    rank[order] = np.arange(len(groups)) - first
    return rank, order


def choice_by_probs(rng: np.random.Generator, probs: np.ndarray, n: int) -> np.ndarray:
    """``n`` draws of indices 0..len(probs)-1 with the given probabilities."""
    cum = np.cumsum(probs)
    cum /= cum[-1]
    return np.searchsorted(cum, rng.random(n), side="right")
