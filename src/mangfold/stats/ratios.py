"""Comparing a focal group's rate with a reference group's rate.

Functions
---------
impact_ratio          ratio of rates with a Katz log confidence interval and the Wald
                      test that the interval inverts.
ratio_bounds          worst-case bounds on both rates and their ratio over every way of
                      splitting applicants with undeclared group between the two groups.
two_proportion_test   Fisher's exact or Pearson chi-squared test of equal rates.
four_fifths_flag      the "four-fifths rule" flag (ratio below 0.8).
verdict               combines interval, adjusted p-value and the four-fifths
                      threshold into ``disparity`` / ``no_evidence`` / ``inconclusive``.
mde_two_proportions   minimum detectable absolute difference in rates.

Vectorised inputs are scalars or 1-D array-likes broadcast against each other;
row ``i`` of a returned DataFrame is element ``i`` of the broadcast inputs
(fresh ``RangeIndex``).  Counts with ``n == 0`` give NaN instead of raising.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ._common import as_float_1d, check_counts, norm_cdf, z_two_sided

__all__ = [
    "impact_ratio",
    "ratio_bounds",
    "two_proportion_test",
    "four_fifths_flag",
    "verdict",
    "mde_two_proportions",
]


def _two_groups(x_group: object, n_group: object, x_ref: object, n_ref: object) -> list[np.ndarray]:
    x1, n1, x0, n0 = as_float_1d(
        x_group, n_group, x_ref, n_ref, names=("x_group", "n_group", "x_ref", "n_ref")
    )
    check_counts(x1, n1, "x_group", "n_group")
    check_counts(x0, n0, "x_ref", "n_ref")
    return [x1, n1, x0, n0]


def impact_ratio(
    x_group: object,
    n_group: object,
    x_ref: object,
    n_ref: object,
    *,
    alpha: object = 0.05,
    zero_rule: Literal["haldane", "none"] = "haldane",
) -> pd.DataFrame:
    """Impact ratio (ratio of selection rates) with a log-scale (Katz) interval.

    Parameters
    ----------
    x_group, n_group
        Successes (e.g. people selected) and total in the focal group.
    x_ref, n_ref
        Successes and total in the reference group.
    alpha
        Two-sided error level of the interval: a scalar, or one level per row
        (e.g. a multiplicity-adjusted level, broadcast like the counts).
    zero_rule
        ``"haldane"`` (default): for rows where any cell of the 2x2 table is zero
        (``x == 0`` or ``x == n`` in either group) the *interval* is computed
        from ``x + 0.5`` successes out of ``n + 1`` in **both** groups (0.5 added
        to every cell: successes and failures), the Haldane-Anscombe correction.
        The point estimate is never corrected.
        ``"none"``: no correction; rows with ``x_group == 0`` or ``x_ref == 0``
        get NaN ``log_se``/``ci_low``/``ci_high``.

    Returns
    -------
    pandas.DataFrame with columns

    ``rate_group``      ``x_group / n_group`` (NaN if ``n_group == 0``);
    ``rate_reference``  ``x_ref / n_ref`` (NaN if ``n_ref == 0``);
    ``estimate``        impact ratio ``rate_group / rate_reference``, uncorrected
                        (``inf`` when only the reference rate is 0, NaN when both are);
    ``ci_low``, ``ci_high`` ``exp(log(RR) -/+ z * log_se)`` where ``RR`` and
                        ``log_se`` use the corrected counts on corrected rows;
    ``log_se``          Katz standard error of ``log(RR)``:
                        ``sqrt(1/x1 - 1/n1 + 1/x0 - 1/n0)``;
    ``p_value``         two-sided Wald test of ``RR = 1``,
                        ``2 (1 - Phi(|log RR| / log_se))`` with the same (corrected) ``RR``
                        and ``log_se``: the test the interval inverts, so ``p_value < alpha``
                        exactly when the interval excludes 1;
    ``method``          ``"katz_log"`` or ``"katz_log_haldane"`` (row was corrected).

    Notes
    -----
    Katz, Baptista, Azen & Pike (1978), Biometrics 34:469; the same interval as
    ``epitools::riskratio.wald`` / Stata ``cs``.  Tested against published
    values (Bertrand & Mullainathan 2004 counts worked by hand), statsmodels
    ``Table2x2.riskratio_confint`` and a seeded coverage simulation
    (tests/stats/test_ratios.py).
    """
    if zero_rule not in ("haldane", "none"):
        raise ValueError(f"zero_rule must be 'haldane' or 'none', got {zero_rule!r}")
    x1, n1, x0, n0 = _two_groups(x_group, n_group, x_ref, n_ref)
    (a,) = as_float_1d(alpha, names=("alpha",))
    if np.any(~((a > 0.0) & (a < 1.0))):
        raise ValueError("alpha must lie strictly between 0 and 1")
    z = np.broadcast_to(stats.norm.isf(a / 2.0), x1.shape) if a.size > 1 else z_two_sided(float(a[0]))
    valid = (n1 > 0) & (n0 > 0) & np.isfinite(x1) & np.isfinite(x0)
    zero_cell = (x1 == 0) | (x0 == 0) | (x1 == n1) | (x0 == n0)
    corrected = valid & zero_cell & (zero_rule == "haldane")
    with np.errstate(divide="ignore", invalid="ignore"):
        rate1 = np.where(n1 > 0, x1 / n1, np.nan)
        rate0 = np.where(n0 > 0, x0 / n0, np.nan)
        est = rate1 / rate0
        cx1 = np.where(corrected, x1 + 0.5, x1)
        cn1 = np.where(corrected, n1 + 1.0, n1)
        cx0 = np.where(corrected, x0 + 0.5, x0)
        cn0 = np.where(corrected, n0 + 1.0, n0)
        log_rr = np.log(cx1 / cn1) - np.log(cx0 / cn0)
        log_se = np.sqrt(1.0 / cx1 - 1.0 / cn1 + 1.0 / cx0 - 1.0 / cn0)
        ci_low = np.exp(log_rr - z * log_se)
        ci_high = np.exp(log_rr + z * log_se)
        p_value = 2.0 * stats.norm.sf(np.abs(log_rr) / log_se)
    undefined = ~valid | (cx1 == 0) | (cx0 == 0)
    p_value = np.where(undefined | ~np.isfinite(log_se), np.nan, p_value)
    log_se = np.where(undefined, np.nan, log_se)
    ci_low = np.where(undefined, np.nan, ci_low)
    ci_high = np.where(undefined, np.nan, ci_high)
    method = np.where(corrected, "katz_log_haldane", "katz_log")
    return pd.DataFrame(
        {
            "rate_group": rate1,
            "rate_reference": rate0,
            "estimate": est,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "log_se": log_se,
            "p_value": p_value,
            "method": method.astype(object),
        }
    )


def ratio_bounds(
    x_group: object,
    n_group: object,
    x_ref: object,
    n_ref: object,
    x_undeclared: object,
    n_undeclared: object,
) -> pd.DataFrame:
    """Worst-case bounds on two rates and their ratio when some members' group is unknown.

    ``n_undeclared`` people (``x_undeclared`` of them successes) belong to the focal
    group or to the reference group, but we do not know which.  A *split* sends
    ``i`` of the ``p = x_undeclared`` successes and ``j`` of the
    ``f = n_undeclared - x_undeclared`` failures to the focal group and the rest to
    the reference group (``0 <= i <= p``, ``0 <= j <= f``); within successes (and
    within failures) people are exchangeable, so ``(i, j)`` determines every rate.
    The bounds are the smallest and largest value over **all** splits (not only
    "all undeclared in one group"):

    ======================  ==========================================  ==============================
    quantity                lowest                                      highest
    ======================  ==========================================  ==============================
    focal rate              ``x1 / (n1 + f)``      (i = 0, j = f)       ``(x1 + p) / (n1 + p)`` (i = p, j = 0)
    reference rate          ``x0 / (n0 + f)``      (i = p, j = 0)       ``(x0 + p) / (n0 + p)`` (i = 0, j = f)
    ratio focal/reference   lowest focal / highest reference (0, f)     highest focal / lowest reference (p, 0)
    ======================  ==========================================  ==============================

    Why the extremes sit at these corners: for a fixed ``i``, moving a failure from
    the reference group to the focal group lowers the focal rate and raises the
    reference rate, so the ratio falls monotonically in ``j``; along ``j = f`` the
    focal rate ``(x1 + i)/(n1 + f + i)`` rises with ``i`` and the reference rate
    ``(x0 + p - i)/(n0 + p - i)`` falls (a rate ``(a + k)/(b + k)`` with
    ``a <= b`` rises in ``k``), so the ratio rises in ``i``; the same along ``j = 0``.
    Hence ``min_{i,j} = R(0, f)`` and ``max_{i,j} = R(p, 0)``.  The same holds for a
    whole chain of stages: a person carries their final outcome, so for the rate
    "hired among applicants" ``p`` is the number of undeclared hired.

    Parameters
    ----------
    x_group, n_group, x_ref, n_ref
        Successes and totals of the declared focal and reference groups.
    x_undeclared, n_undeclared
        Successes and total of those whose group is unknown.

    Returns
    -------
    pandas.DataFrame with columns ``rate_group_low, rate_group_high,
    rate_reference_low, rate_reference_high, ratio_low, ratio_high``.  All are NaN
    when a declared group is empty (``n_group == 0`` or ``n_ref == 0``: no estimate
    to bound).  ``ratio_high`` is ``inf`` when some split leaves the reference group
    with no successes and the focal group with some; a ratio that is undefined
    in every split (nobody succeeded anywhere) is NaN.  With ``n_undeclared == 0``
    every bound equals the estimate.  No sampling uncertainty is included.

    References
    ----------
    Manski (2003), *Partial Identification of Probability Distributions*, ch. 1-2
    (bounds under missing covariate data).  Tested against a brute-force
    enumeration of every split on random small tables (tests/stats/test_ratios.py).
    """
    x1, n1, x0, n0 = _two_groups(x_group, n_group, x_ref, n_ref)
    xu, nu = as_float_1d(x_undeclared, n_undeclared, names=("x_undeclared", "n_undeclared"))
    check_counts(xu, nu, "x_undeclared", "n_undeclared")
    x1, n1, x0, n0, xu, nu = np.broadcast_arrays(x1, n1, x0, n0, xu, nu)
    p, f = xu, nu - xu
    ok = (n1 > 0) & (n0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        g_lo, g_hi = x1 / (n1 + f), (x1 + p) / (n1 + p)
        r_lo, r_hi = x0 / (n0 + f), (x0 + p) / (n0 + p)
        q_lo, q_hi = g_lo / r_hi, g_hi / r_lo
    out = {"rate_group_low": g_lo, "rate_group_high": g_hi, "rate_reference_low": r_lo,
           "rate_reference_high": r_hi, "ratio_low": q_lo, "ratio_high": q_hi}
    return pd.DataFrame({k: np.where(ok, v, np.nan) for k, v in out.items()})


def _pearson_chi2(a, b, c, d, correct: bool) -> np.ndarray:
    n = a + b + c + d
    r1, r0, s, f = a + b, c + d, a + c, b + d
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.abs(a * d - b * c) / n  # |observed - expected|, same in all 4 cells
        if correct:
            dev = dev - np.minimum(0.5, dev)
        stat = dev**2 * n**3 / (r1 * r0 * s * f)
    return np.where((r1 > 0) & (r0 > 0) & (s > 0) & (f > 0), stat, np.nan)


def two_proportion_test(
    x_group: object,
    n_group: object,
    x_ref: object,
    n_ref: object,
    *,
    method: Literal["fisher", "chi2"] = "fisher",
    correct: bool = False,
) -> pd.DataFrame:
    """Two-sided test of equal success rates in two groups, one row per input.

    Parameters
    ----------
    x_group, n_group, x_ref, n_ref
        Successes and totals of the focal and reference group.
    method
        ``"fisher"``: Fisher's exact test, ``scipy.stats.fisher_exact`` on
        ``[[x1, n1 - x1], [x0, n0 - x0]]``, two-sided (same p as R
        ``fisher.test``).  Computed once per distinct table, so repeated tables
        are cheap.
        ``"chi2"``: Pearson chi-squared test on the 2x2 table, 1 df, equal to the
        square of the pooled two-proportion z statistic (vectorised).
    correct
        Only for ``"chi2"``: apply Yates' continuity correction as R
        ``prop.test``/``chisq.test`` do (``|O - E| - min(0.5, |O - E|)``).
        Default ``False``.

    Returns
    -------
    pandas.DataFrame with columns

    ``statistic``  Fisher: the sample odds ratio ``x1 (n0 - x0) / ((n1 - x1) x0)``
                   as returned by scipy (not R's conditional MLE);
                   chi2: the chi-squared statistic;
    ``p_value``    two-sided p-value;
    ``method``     ``"fisher"``, ``"chi2"`` or ``"chi2_yates"``.

    Rows with ``n_group == 0`` or ``n_ref == 0`` (or NaN counts) give NaN.  For
    chi2 a table with a zero margin (nobody or everybody succeeded) gives NaN,
    like R; Fisher gives ``p = 1`` there.

    References
    ----------
    Bertrand & Mullainathan (2004, AER 94:991), callback rates 9.65 % vs 6.45 %
    of 2,435 CVs each (235 vs 157): Fisher two-sided p ~ 4.8e-05 (tested).
    """
    if method not in ("fisher", "chi2"):
        raise ValueError(f"method must be 'fisher' or 'chi2', got {method!r}")
    x1, n1, x0, n0 = _two_groups(x_group, n_group, x_ref, n_ref)
    a, b, c, d = x1, n1 - x1, x0, n0 - x0
    valid = (n1 > 0) & (n0 > 0) & np.isfinite(x1) & np.isfinite(x0)
    stat = np.full(len(a), np.nan)
    p = np.full(len(a), np.nan)
    if method == "fisher":
        if valid.any():
            tables = np.column_stack([a, b, c, d])[valid]
            uniq, inverse = np.unique(tables, axis=0, return_inverse=True)
            u_stat = np.empty(len(uniq))
            u_p = np.empty(len(uniq))
            for i, (ua, ub, uc, ud) in enumerate(uniq):
                # fisher_exact needs integer counts
                res = stats.fisher_exact(
                    np.array([[ua, ub], [uc, ud]], dtype=np.int64), alternative="two-sided"
                )
                u_stat[i] = res.statistic
                u_p[i] = res.pvalue
            stat[valid] = u_stat[inverse.ravel()]
            p[valid] = u_p[inverse.ravel()]
        label = "fisher"
    else:
        chi = _pearson_chi2(a, b, c, d, correct)
        stat = np.where(valid, chi, np.nan)
        p = stats.chi2.sf(stat, 1)
        label = "chi2_yates" if correct else "chi2"
    return pd.DataFrame(
        {"statistic": stat, "p_value": p, "method": np.repeat(label, len(a)).astype(object)}
    )


def four_fifths_flag(impact_ratio: object, *, threshold: float = 0.8) -> pd.arrays.BooleanArray:
    """Four-fifths ("80 %") rule flag.

    Returns a pandas nullable boolean array: ``True`` where
    ``impact_ratio < threshold`` (strictly), ``False`` where it is
    ``>= threshold`` (including ``inf``), ``<NA>`` where the ratio is NaN.

    Reference: US Uniform Guidelines on Employee Selection Procedures,
    29 CFR 1607.4(D) ("a selection rate ... less than four-fifths (4/5) ... of
    the rate for the group with the highest rate").
    """
    r = np.atleast_1d(np.asarray(impact_ratio, dtype=float))
    mask = np.isnan(r)
    with np.errstate(invalid="ignore"):
        values = r < threshold
    return pd.arrays.BooleanArray(values & ~mask, mask)


def verdict(
    ci_low: object,
    ci_high: object,
    p_adjusted: object,
    *,
    alpha: float = 0.05,
    four_fifths: float = 0.8,
    mde: object | None = None,
    bound_low: object | None = None,
) -> np.ndarray:
    """Classify each impact ratio as ``disparity``, ``no_evidence`` or ``inconclusive``.

    Parameters
    ----------
    ci_low, ci_high
        Confidence interval of the impact ratio (focal rate / reference rate).
    p_adjusted
        Multiplicity-adjusted p-value of the test of equal rates (e.g. Holm).
    alpha
        Significance level for ``p_adjusted``.
    four_fifths
        Ratio below which a disparity counts as substantial (default 0.8).
    mde
        Optional minimum detectable impact ratio per row (ratio scale, e.g.
        ``1 - mde_two_proportions(...) / p_ref``).  When given, ``no_evidence``
        additionally requires ``mde >= four_fifths`` (the comparison was powered
        to detect a four-fifths disparity); otherwise the row becomes
        ``inconclusive``.  NaN ``mde`` counts as not powered.
    bound_low
        Optional lowest ratio over every split of members with unknown group
        (:func:`ratio_bounds` ``ratio_low``).  When given, ``no_evidence``
        additionally requires ``bound_low >= four_fifths``: "no substantial
        disparity" must hold however the undeclared are split.  NaN counts as
        not holding.

    Returns
    -------
    numpy object array (one string per row), rules applied in this order:

    ``"disparity"``     ``ci_high < 1`` (the whole interval lies below 1) **and**
                        ``p_adjusted < alpha``;
    ``"no_evidence"``   ``ci_high >= 1`` and ``ci_low >= four_fifths``: the interval
                        contains 1 (or lies entirely above 1, i.e. the focal
                        group is advantaged) and rules out ratios below
                        ``four_fifths``, so a substantial disparity against the
                        focal group is ruled out; with ``mde`` given, also
                        ``mde >= four_fifths``; with ``bound_low`` given, also
                        ``bound_low >= four_fifths``;
    ``"inconclusive"``  everything else: the interval contains 1 but reaches
                        below ``four_fifths``; or it lies entirely below 1 but the
                        adjusted p-value is not below ``alpha`` (an unadjusted
                        signal that does not survive the multiplicity
                        adjustment); or ``ci_low``/``ci_high`` is NaN (a NaN
                        ``p_adjusted`` matters only when the interval lies
                        below 1); or the ``mde`` condition fails.

    Inputs are scalars or 1-D array-likes broadcast together.
    """
    lo, hi, p = as_float_1d(ci_low, ci_high, p_adjusted, names=("ci_low", "ci_high", "p_adjusted"))
    with np.errstate(invalid="ignore"):
        disparity = (hi < 1.0) & (p < alpha)
        no_evidence = ~disparity & (hi >= 1.0) & (lo >= four_fifths)
        if mde is not None:
            (m,) = as_float_1d(mde, names=("mde",))
            m = np.broadcast_to(m, lo.shape)
            no_evidence &= m >= four_fifths
        if bound_low is not None:
            (b,) = as_float_1d(bound_low, names=("bound_low",))
            no_evidence &= np.broadcast_to(b, lo.shape) >= four_fifths
        disparity &= ~np.isnan(lo)
    out = np.full(lo.shape, "inconclusive", dtype=object)
    out[no_evidence] = "no_evidence"
    out[disparity] = "disparity"
    return out


def _power_two_prop(p1, p0, n1, n0, z):
    """Normal-approximation power of the two-sided pooled z test (one tail)."""
    pbar = (n1 * p1 + n0 * p0) / (n1 + n0)
    se0 = np.sqrt(pbar * (1.0 - pbar) * (1.0 / n1 + 1.0 / n0))
    se1 = np.sqrt(p1 * (1.0 - p1) / n1 + p0 * (1.0 - p0) / n0)
    return norm_cdf((np.abs(p1 - p0) - z * se0) / se1)


def mde_two_proportions(
    n_group: object,
    n_ref: object,
    p_ref: object,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    design_effect: object = 1.0,
    direction: Literal["lower", "higher"] = "lower",
) -> np.ndarray:
    """Minimum detectable absolute difference between two rates (vectorised).

    Solves, for ``delta > 0`` with ``p1 = p_ref - delta`` (``direction="lower"``,
    the focal group disadvantaged) or ``p1 = p_ref + delta`` (``"higher"``)::

        power = Phi( (delta - z_{1-alpha/2} * se0) / se1 )
        se0   = sqrt(pbar (1 - pbar) (1/n1 + 1/n0)),  pbar = (n1 p1 + n0 p_ref)/(n1 + n0)
        se1   = sqrt(p1 (1 - p1)/n1 + p_ref (1 - p_ref)/n0)

    with effective sizes ``n1 = n_group / design_effect``,
    ``n0 = n_ref / design_effect`` (variance inflated by the design effect).  This
    is the normal approximation of R ``power.prop.test`` (``strict = FALSE``:
    the far tail is ignored) generalised to unequal group sizes; for equal
    sizes it reproduces R exactly.  Solved by vectorised bisection to ~1e-12.

    Returns
    -------
    numpy float array of ``delta`` (same length as the broadcast inputs).  NaN when
    a size is 0 or NaN, or when even the most extreme rate (0 or 1) is not
    detectable with the requested power.

    References
    ----------
    R ``power.prop.test(n = 100, p1 = 0.5, power = 0.8)`` gives ``p2 = 0.6951``
    (delta 0.1951); checked in the tests, plus a simulation of the z test at the
    returned ``delta`` and statsmodels ``NormalIndPower`` (arcsine scale, approx.).
    """
    if direction not in ("lower", "higher"):
        raise ValueError(f"direction must be 'lower' or 'higher', got {direction!r}")
    if not 0.0 < power < 1.0:
        raise ValueError("power must lie strictly between 0 and 1")
    z = z_two_sided(alpha)
    n1, n0, p0, deff = as_float_1d(
        n_group, n_ref, p_ref, design_effect, names=("n_group", "n_ref", "p_ref", "design_effect")
    )
    with np.errstate(invalid="ignore"):
        if np.any((p0 < 0) | (p0 > 1)):
            raise ValueError("p_ref must lie in [0, 1]")
        if np.any(deff <= 0):
            raise ValueError("design_effect must be positive")
    e1, e0 = n1 / deff, n0 / deff
    sign = -1.0 if direction == "lower" else 1.0
    dmax = p0 if direction == "lower" else 1.0 - p0
    valid = (e1 > 0) & (e0 > 0) & (dmax > 0) & np.isfinite(p0)
    lo = np.zeros_like(p0)
    hi = np.where(valid, dmax, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pow_max = _power_two_prop(p0 + sign * hi, p0, e1, e0, z)
        reachable = valid & (pow_max >= power)
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            pw = _power_two_prop(p0 + sign * mid, p0, e1, e0, z)
            too_small = pw < power
            lo = np.where(too_small, mid, lo)
            hi = np.where(too_small, hi, mid)
    return np.where(reachable, 0.5 * (lo + hi), np.nan)
