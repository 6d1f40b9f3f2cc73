"""The normal and chi-squared tails of mangfold.stats._common against scipy.stats, the reference:
the same numbers bit for bit, over the whole range and at the edges (infinite, missing, zero, below
the support, a degenerate chi-squared)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mangfold.stats._common import chi2_sf, norm_cdf, norm_sf, z_two_sided

EDGES = [np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-300, -1e-300, 38.5, -38.5]
X = np.concatenate([np.linspace(-40, 40, 16001), EDGES])


def _same(a, b) -> bool:
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)


def test_normal_tails_are_scipys():
    assert _same(norm_cdf(X), stats.norm.cdf(X))
    assert _same(norm_sf(X), stats.norm.sf(X))
    for x in (-3.2, 0.0, 1.96, np.nan, np.inf):  # scalars stay scalars
        assert np.ndim(norm_sf(x)) == 0 and _same(norm_sf(x), stats.norm.sf(x))
        assert np.ndim(norm_cdf(x)) == 0 and _same(norm_cdf(x), stats.norm.cdf(x))


@pytest.mark.parametrize("df", [0, -1, 0.5, 1, 2, 3, 5, 17.5, 100, np.nan])
def test_chi2_tail_is_scipys(df):
    x = np.concatenate([np.linspace(0, 250, 5001), [-1.0, -1e-12, np.inf, np.nan, -0.0]])
    assert _same(chi2_sf(x, df), stats.chi2.sf(x, df))
    for v in (-2.0, 0.0, 3.84, np.nan, np.inf):
        assert np.ndim(chi2_sf(v, df)) == 0 and _same(chi2_sf(v, df), stats.chi2.sf(v, df))


def test_chi2_tail_broadcasts_like_scipy():
    x, df = np.array([[0.5], [3.0], [-1.0]]), np.array([1.0, 2.0, 0.0])
    assert _same(chi2_sf(x, df), stats.chi2.sf(x, df))


@pytest.mark.parametrize("alpha", [1e-10, 0.0125, 0.05, 0.1, 0.5, 0.999])
def test_critical_value_is_scipys(alpha):
    assert z_two_sided(alpha) == float(stats.norm.isf(alpha / 2))


def test_critical_value_published():
    assert z_two_sided(0.05) == pytest.approx(1.959964, abs=1e-6)  # any table of the normal distribution
    with pytest.raises(ValueError):
        z_two_sided(0.0)
