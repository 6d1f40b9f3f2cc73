"""The ranges of hidden cells (:class:`mangfold.publish.checks._Ranges`: closed form for one
identity, solutions reused between optimisations) against the plain computation they replace:
two linear programmes per unknown, solved by scipy's ``linprog`` (HiGHS) directly."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from mangfold.publish.checks import _pinned, _Ranges

BOUNDS = [(1.0, 4.0), (5.0, None), (0.0, None), (0.0, 6.0), (2.0, 2.0)]


def _lp(A, b, bounds, i, sign):
    """Smallest (1) or largest (-1) value of unknown i within the bounds, else with
    non-negativity only; None if neither can be solved."""
    c = np.zeros(A.shape[1])
    c[i] = sign
    for bnds in (bounds, [(0.0, None)] * len(bounds)):
        sol = linprog(c, A_eq=A, b_eq=b, bounds=bnds, method="highs")
        if sol.status == 0:
            return sign * sol.fun
    return None


def _pinned_by_lp(A, b, bounds, i, value) -> bool:
    if np.isfinite(value):
        return all((opt := _lp(A, b, bounds, i, s)) is not None and abs(opt - value) < 1 - 1e-7 for s in (-1.0, 1.0))
    lo, hi = _lp(A, b, bounds, i, 1.0), _lp(A, b, bounds, i, -1.0)
    return lo is not None and hi is not None and np.floor(hi + 1e-7) - np.ceil(lo - 1e-7) < 1


def _problem(rng: np.random.Generator, rows: int):
    """A x = b over whole numbers, as the checks build them: coefficients -1, 0, 1 (2 where two
    cells are one unknown), the marks' bounds, b from a solution (or off by a little: none)."""
    n = int(rng.integers(2, 7))
    A = rng.choice([-1.0, 0.0, 1.0, 2.0], size=(rows, n), p=[0.25, 0.25, 0.45, 0.05])
    A[A.sum(axis=1) == 0, 0] = 1.0
    bounds = [BOUNDS[k] for k in rng.integers(0, len(BOUNDS), size=n)]
    if rng.random() < 0.05:
        bounds[0] = (5.0, 4.0)  # marks that contradict each other
    tops = [lo + 12 if hi is None else hi for lo, hi in bounds]
    x = np.array([lo if top <= lo else rng.integers(lo, top + 1) for (lo, _), top in zip(bounds, tops)], dtype=float)
    b = A @ x + (rng.integers(-2, 3) if rng.random() < 0.2 else 0)
    if rng.random() < 0.5:  # an identity found twice, and one whose cells are all visible
        A, b = np.vstack([A, A[:1], np.zeros(n)]), np.concatenate([b, b[:1], [0.0]])
    return A, b, bounds, x


@pytest.mark.parametrize("seed", range(40))
def test_one_identity_in_closed_form(seed):
    rng = np.random.default_rng(seed)
    for _ in range(10):
        A, b, bounds, _ = _problem(rng, 1)
        ranges = _Ranges(A, b, bounds)
        assert ranges.line is not None
        for i in range(A.shape[1]):
            for sign in (1.0, -1.0):
                want, got = _lp(A, b, bounds, i, sign), ranges.optimum(i, sign)
                assert (want is None) == (got is None), (A, b, bounds, i, sign, want, got)
                if want is not None:
                    np.testing.assert_allclose(got, want, atol=1e-9)


@pytest.mark.parametrize("seed", range(40))
def test_pinned_as_by_two_optimisations_per_unknown(seed):
    rng = np.random.default_rng(1000 + seed)
    seen = set()
    for _ in range(6):
        A, b, bounds, x = _problem(rng, int(rng.integers(1, 4)))
        for use_value in (False, True):
            ranges = _Ranges(A, b, bounds)  # one per group of cells, as the checks use it
            for i in range(A.shape[1]):
                value = x[i] if use_value and np.allclose(A @ x, b) else np.nan
                want = _pinned_by_lp(A, b, bounds, i, value)
                assert _pinned(ranges, i, value) == want, (A, b, bounds, i, value)
                seen.add(want)
    assert seen == {True, False} or seed % 2  # both answers occur (checked on every other seed)
