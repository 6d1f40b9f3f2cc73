"""Tests for mangfold.stats.paired.

References
----------
R ``t.test(extra ~ group, data = sleep, paired = TRUE)`` (differences
group 1 - group 2): t = -4.0621, df = 9, p-value = 0.002833, 95 % CI
-2.4598858 -0.7001142, mean difference -1.58.
R ``wilcox.test(extra ~ group, data = sleep, paired = TRUE)``: V = 0,
p-value = 0.009091 (normal approximation: ties and a zero difference).
R ``?wilcox.test`` example (Hollander & Wolfe depression scores, x = first,
y = second visit), ``wilcox.test(x, y, paired = TRUE, alternative = "greater")``:
V = 40, p-value = 0.01953 (exact), so the two-sided p is 0.0390625.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from mangfold.stats.paired import paired_change

SLEEP_G1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_G2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def test_sleep_matches_r():
    # post - pre with pre = group 2 and post = group 1 reproduces R's group1 - group2
    out = paired_change(SLEEP_G2, SLEEP_G1)
    assert out.shape == (1, 13)
    row = out.iloc[0]
    assert row.n == 10 and row.df == 9
    assert_allclose(row.estimate, -1.58, rtol=1e-12)
    assert_allclose([row.ci_low, row.ci_high], [-2.4598858, -0.7001142], rtol=1e-7)
    assert_allclose(row.statistic, -4.0621, atol=5e-5)
    assert_allclose(row.p_value, 0.002833, rtol=1e-3)
    assert_allclose([row.mean_pre, row.mean_post], [2.33, 0.75], rtol=1e-12)
    assert row.wilcoxon_statistic == 0.0
    assert_allclose(row.wilcoxon_p, 0.009091, rtol=1e-3)
    assert row.wilcoxon_method == "approx"


def test_direction_flips_sign_only():
    a = paired_change(SLEEP_G2, SLEEP_G1).iloc[0]
    b = paired_change(SLEEP_G1, SLEEP_G2).iloc[0]
    assert_allclose(b.estimate, -a.estimate)
    assert_allclose([b.ci_low, b.ci_high], [-a.ci_high, -a.ci_low], rtol=1e-12)
    assert_allclose(b.p_value, a.p_value, rtol=1e-12)
    assert b.wilcoxon_statistic == 45.0  # all 9 non-zero ranks positive


def test_wilcoxon_exact_r_example():
    x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    row = paired_change(pre=y, post=x).iloc[0]
    assert row.wilcoxon_statistic == 40.0
    assert_allclose(row.wilcoxon_p, 2 * 0.01953125, rtol=1e-9)
    assert row.wilcoxon_method == "exact"


def test_against_scipy_ttest_rel_random():
    rng = np.random.default_rng(4)
    pre = rng.normal(10, 2, 40)
    post = pre + rng.normal(0.5, 1, 40)
    row = paired_change(pre, post, alpha=0.1).iloc[0]
    ref = stats.ttest_rel(post, pre)
    ci = ref.confidence_interval(confidence_level=0.9)
    assert_allclose([row.statistic, row.p_value], [ref.statistic, ref.pvalue], rtol=1e-10)
    assert_allclose([row.ci_low, row.ci_high], [ci.low, ci.high], rtol=1e-10)


def test_missing_pairs_dropped_and_edge_cases():
    row = paired_change([1.0, np.nan, 3.0, 4.0], [2.0, 5.0, np.nan, 6.0]).iloc[0]
    assert row.n == 2
    assert_allclose(row.estimate, 1.5)
    single = paired_change([1.0], [2.0]).iloc[0]
    assert single.n == 1 and np.isnan(single.p_value) and np.isnan(single.ci_low)
    zeros = paired_change([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]).iloc[0]
    assert zeros.estimate == 0.0 and np.isnan(zeros.statistic) and np.isnan(zeros.wilcoxon_p)
    with pytest.raises(ValueError):
        paired_change([1, 2], [1, 2, 3])
