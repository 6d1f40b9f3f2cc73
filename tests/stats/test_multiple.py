"""Tests for mangfold.stats.multiple.

Reference: R ``p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm")`` gives
``0.05 0.08 0.09 0.09 0.09``; statsmodels ``multipletests(method="holm")`` and
``multipletests(method="bonferroni")``.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from statsmodels.stats.multitest import multipletests

from mangfold.stats.multiple import bonferroni, holm


def test_holm_r_reference():
    assert_allclose(holm([0.01, 0.02, 0.03, 0.04, 0.05]), [0.05, 0.08, 0.09, 0.09, 0.09], rtol=1e-12)
    # unsorted input keeps positions
    assert_allclose(holm([0.05, 0.01, 0.04, 0.02, 0.03]), [0.09, 0.05, 0.09, 0.08, 0.09], rtol=1e-12)


def test_holm_against_statsmodels_random():
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 0.2, 500) ** 2
    p[::50] = p[1]  # ties
    assert_allclose(holm(p), multipletests(p, method="holm")[1], rtol=1e-12)


def test_holm_ignores_nan():
    p = np.array([0.01, np.nan, 0.02, 0.03, np.nan, 0.04, 0.05])
    out = holm(p)
    assert np.isnan(out[[1, 4]]).all()
    assert_allclose(out[~np.isnan(p)], [0.05, 0.08, 0.09, 0.09, 0.09], rtol=1e-12)
    assert np.isnan(holm([np.nan, np.nan])).all()
    assert holm([]).shape == (0,)


def test_holm_shape_and_cap():
    out = holm(np.array([[0.3, 0.5], [0.01, 0.9]]))
    assert out.shape == (2, 2)
    assert_allclose(out, [[0.9, 1.0], [0.04, 1.0]], rtol=1e-12)
    with pytest.raises(ValueError):
        holm([0.5, 1.2])


def test_bonferroni_against_statsmodels_and_fixed_family():
    rng = np.random.default_rng(2)
    p = rng.uniform(0, 0.3, 200) ** 2
    assert_allclose(bonferroni(p), multipletests(p, method="bonferroni")[1], rtol=1e-12)
    # a family of four by design: the same adjustment when some tests are missing
    q = np.array([0.01, np.nan, 0.2, 0.004])
    out = bonferroni(q, family_size=4)
    assert_allclose(out[[0, 2, 3]], [0.04, 0.8, 0.016], rtol=1e-12) and np.isnan(out[1])
    assert_allclose(bonferroni(q)[[0, 3]], [0.03, 0.012], rtol=1e-12)  # m = non-missing (as R p.adjust)
    assert bonferroni([0.6], family_size=4)[0] == 1.0
    with pytest.raises(ValueError):
        bonferroni([1.2])
    with pytest.raises(ValueError):
        bonferroni([0.1], family_size=0)
