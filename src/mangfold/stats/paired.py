"""Paired before/after comparisons."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ._common import as_float_1d, z_two_sided

__all__ = ["paired_change"]

_COLUMNS = [
    "n",
    "mean_pre",
    "mean_post",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "statistic",
    "df",
    "p_value",
    "wilcoxon_statistic",
    "wilcoxon_p",
    "wilcoxon_method",
]


def paired_change(pre: object, post: object, *, alpha: float = 0.05) -> pd.DataFrame:
    """Mean change ``post - pre`` with paired t-test and Wilcoxon signed-rank test.

    Parameters
    ----------
    pre, post
        Paired 1-D measurements of equal length.  Pairs with a NaN in either are
        dropped.
    alpha
        Two-sided error level of the t interval.

    Returns
    -------
    pandas.DataFrame with one row and columns

    ``n``               number of complete pairs;
    ``mean_pre``, ``mean_post`` means over complete pairs;
    ``estimate``        mean of ``d = post - pre``;
    ``std_error``       ``sd(d) / sqrt(n)``;
    ``ci_low``, ``ci_high`` ``estimate -/+ t_{1-alpha/2, n-1} * std_error``;
    ``statistic``       paired t statistic ``estimate / std_error``;
    ``df``              ``n - 1``;
    ``p_value``         two-sided p of the paired t-test;
    ``wilcoxon_statistic`` R's ``V``: sum of the ranks of ``|d|`` over the
                        positive ``d`` (zeros dropped, mid-ranks for ties);
    ``wilcoxon_p``      two-sided signed-rank p-value, computed as R
                        ``wilcox.test(post, pre, paired = TRUE)`` does: exact
                        when ``n < 50`` and there are no zero differences and no
                        ties, otherwise normal approximation with continuity and
                        tie correction (zeros dropped, "wilcox" method);
    ``wilcoxon_method`` ``"exact"`` or ``"approx"``.

    t quantities are NaN when ``n < 2`` or all differences are equal; Wilcoxon
    quantities are NaN when all differences are zero.

    References
    ----------
    R ``t.test(extra ~ group, data = sleep, paired = TRUE)``: mean of
    ``group1 - group2`` = -1.58, 95 % CI -2.4599 to -0.7001, t = -4.0621,
    df = 9, p = 0.002833 (tested with ``pre = group 2``, ``post = group 1``);
    R ``wilcox.test(..., paired = TRUE)`` on the same data: V = 0,
    p = 0.009091.
    """
    z_two_sided(alpha)  # validates alpha
    a = np.asarray(pre, dtype=float).ravel()
    b = np.asarray(post, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError("pre and post must have the same length")
    a, b = as_float_1d(a, b)
    ok = ~(np.isnan(a) | np.isnan(b))
    a, b = a[ok], b[ok]
    d = b - a
    n = d.size
    row = dict.fromkeys(_COLUMNS, np.nan)
    row["n"] = n
    row["wilcoxon_method"] = None
    if n:
        row["mean_pre"] = float(a.mean())
        row["mean_post"] = float(b.mean())
        row["estimate"] = float(d.mean())
    if n >= 2:
        sd = float(d.std(ddof=1))
        se = sd / np.sqrt(n)
        row["df"] = n - 1
        row["std_error"] = se
        if se > 0:
            tcrit = float(stats.t.isf(alpha / 2.0, n - 1))
            t = row["estimate"] / se
            row.update(
                ci_low=row["estimate"] - tcrit * se,
                ci_high=row["estimate"] + tcrit * se,
                statistic=t,
                p_value=float(2.0 * stats.t.sf(abs(t), n - 1)),
            )
    nz = d[d != 0]
    if nz.size:
        ranks = stats.rankdata(np.abs(nz))
        row["wilcoxon_statistic"] = float(ranks[nz > 0].sum())
        exact = nz.size < 50 and nz.size == d.size and np.unique(np.abs(nz)).size == nz.size
        method = "exact" if exact else "approx"
        res = stats.wilcoxon(
            nz, zero_method="wilcox", correction=not exact, alternative="two-sided", method=method
        )
        row["wilcoxon_p"] = float(res.pvalue)
        row["wilcoxon_method"] = method
    out = pd.DataFrame([row], columns=_COLUMNS)
    return out.astype({"n": "int64", "wilcoxon_method": object})
