"""Wild cluster bootstrap for the static two-way fixed-effects DiD (few treated clusters).

Cluster-robust (CR1) standard errors with ``t(G-1)`` critical values are too small when only a few
clusters are treated (MacKinnon & Webb 2017, 2018): the score of the treatment coefficient then
comes from a handful of clusters.  The restricted wild cluster bootstrap (WCR, Cameron, Gelbach &
Miller 2008; MacKinnon, Nielsen & Webb 2023) imposes the null hypothesis, multiplies the
restricted residuals of each cluster by one draw of an auxiliary weight and compares the observed
CR1 t statistic with the bootstrap ones.  Webb's six-point weights (+-sqrt(1/2), +-1, +-sqrt(3/2))
give many more distinct bootstrap samples than Rademacher weights when clusters are few.  The
interval is the set of effects ``b0`` that the bootstrap test does not reject (test inversion with
the same draws for every ``b0``), so interval and p-value always agree.

Everything is linear in ``b0`` after the fixed effects are absorbed (Frisch-Waugh-Lovell), so the
bootstrap statistics for any ``b0`` are quadratic forms of two ``B x G`` matrices of cluster scores
computed once from per-cluster moments (the weights are constant within a cluster, and the
residuals are already free of the unit effects): ``B = 999`` draws take milliseconds even on a
national panel.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ._fe import _TwoWayProjector
from ._panel import _check_level, _prepare

WILD_COLUMNS = [
    "estimator", "estimate", "std_error", "ci_low", "ci_high", "p_value",
    "n_obs", "n_treated_units", "n_control_units", "n_boot", "weights",
]

_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
_RADEMACHER = np.array([-1.0, 1.0])


def _draws(n_clusters: int, n_boot: int, weights: str, seed: int) -> tuple[np.ndarray, bool]:
    """``n_boot x G`` auxiliary weights; all distinct sign/weight vectors (full enumeration,
    exact and seed-free) when there are no more of them than ``n_boot``."""
    pts = _WEBB if weights == "webb" else _RADEMACHER
    if pts.size ** n_clusters <= n_boot:
        v = np.array(list(itertools.product(pts, repeat=n_clusters)), dtype=float)
        return v, True
    rng = np.random.default_rng(seed)
    return pts[rng.integers(0, pts.size, size=(n_boot, n_clusters))], False


class _WildTWFE:
    """The restricted wild cluster bootstrap of ``b`` in ``y = a_i + l_t + b x + e``, clustered by unit.

    ``p_value(b0)`` and ``interval(alpha)`` share the draws (fixed at construction).
    """

    def __init__(self, panel, x: np.ndarray, *, n_boot: int, weights: str, seed: int) -> None:
        proj = _TwoWayProjector(panel.unit_idx, panel.time_idx, panel.w, panel.n_units, panel.n_times)
        ys = proj.resid(panel.y)
        xs = proj.resid(x)
        xx = float(xs @ xs)
        raw = float(panel.w @ (x * x))
        if raw <= 0 or xx <= 1e-12 * raw:
            raise ValueError("the treatment indicator is collinear with the fixed effects (no untreated "
                             "comparison observations)")
        g = int(np.unique(panel.unit_idx).size)
        if g < 2:
            raise ValueError("need at least two clusters (units)")
        n = ys.size
        k = 1 + proj.rank_time + 1
        self.factor = g / (g - 1) * (n - 1) / max(n - k, 1)
        self.beta = float(xs @ ys / xx)
        e = ys - xs * self.beta
        sc = np.bincount(panel.unit_idx, weights=xs * e, minlength=panel.n_units)
        self.se = float(np.sqrt(self.factor * sc @ sc) / xx)
        self.n_obs, self.n_clusters = n, g
        v, self.enumerated = _draws(panel.n_units, n_boot, weights, seed)
        # The bootstrap works in cluster space (B x G), never with B x n matrices. A draw multiplies
        # the restricted residuals u(b0) = ys - b0 xs of each cluster by one weight v_g. Both ys and
        # xs are already free of the unit effects (their weighted unit means are 0), so demeaning
        # v o ys within units changes nothing, and the two-way projection M(v o ys) only removes
        # the part along Q (the demeaned time dummies, k = T - 1 columns):
        #     M(v o ys) = v o ys - Q Q'(v o ys),   Q'(v o ys) = V Myq   (Myq[g] = sum over g of ys_i Q_i)
        # so every quantity below is a sum over clusters of per-cluster moments of ys, xs and Q:
        # exact, and linear in B x G x k.
        s_mat = proj.S.T  # G x n cluster indicator
        s_yx = np.asarray(s_mat @ (ys * xs)).ravel()
        s_xx = np.asarray(s_mat @ (xs * xs)).ravel()
        m_yq = np.asarray(s_mat @ (ys[:, None] * proj.Q))        # G x k
        m_xq = np.asarray(s_mat @ (xs[:, None] * proj.Q))        # G x k
        q_x = m_xq.sum(axis=0)                                   # Q' xs
        vy, vx = v @ m_yq, v @ m_xq                              # B x k
        # restricted: M(u(b0) o v) = A - b0 C, with A xs and C xs ...
        self.da = (v @ s_yx - vy @ q_x) / xx                     # beta* - b0 = da - b0 dc
        self.dc = (v @ s_xx - vx @ q_x) / xx
        # ... and the B x G cluster scores of the bootstrap residuals e* = (A - b0 C) - xs (da - b0 dc)
        sa = v * s_yx[None, :] - vy @ m_xq.T - self.da[:, None] * s_xx[None, :]
        sca = v * s_xx[None, :] - vx @ m_xq.T - self.dc[:, None] * s_xx[None, :]
        self.qaa = np.einsum("bg,bg->b", sa, sa)
        self.qac = np.einsum("bg,bg->b", sa, sca)
        self.qcc = np.einsum("bg,bg->b", sca, sca)
        self.xx = xx
        self.n_boot = int(v.shape[0])

    def _t_boot(self, b0: float) -> np.ndarray:
        num = self.da - b0 * self.dc
        q = np.maximum(self.qaa - 2 * b0 * self.qac + b0 * b0 * self.qcc, 0.0)
        se = np.sqrt(self.factor * q) / self.xx
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(se > 0, num / se, 0.0)

    def p_value(self, b0: float = 0.0) -> float:
        """Symmetric bootstrap p-value of ``H0: b = b0``: share of draws with ``|t*| > |t|`` (the rule of
        ``boottest`` and ``wildboottest``; a draw equal to ``|t|`` up to rounding, such as the identity
        draw of a full enumeration, does not count)."""
        t_obs = (self.beta - b0) / self.se if self.se > 0 else np.inf
        t_b = self._t_boot(b0)
        return float(np.mean(np.abs(t_b) > abs(t_obs) * (1 + 1e-9)))

    def interval(self, alpha: float) -> tuple[float, float]:
        """``{b0 : p_value(b0) > alpha}`` ends by bisection (NaN where not found within 50 SE)."""
        if not self.se > 0:
            return np.nan, np.nan

        def end(sign: float) -> float:
            inside = self.beta
            step = self.se
            outside = None
            for _ in range(12):
                cand = self.beta + sign * step
                if self.p_value(cand) <= alpha:
                    outside = cand
                    break
                inside = cand
                step *= 2.0
            if outside is None:
                return np.nan
            for _ in range(40):
                mid = 0.5 * (inside + outside)
                if self.p_value(mid) > alpha:
                    inside = mid
                else:
                    outside = mid
                if abs(outside - inside) <= 1e-7 * max(self.se, 1e-12):
                    break
            return 0.5 * (inside + outside)

        return end(-1.0), end(1.0)


def wild_twfe(
    df: pd.DataFrame, *, unit: str, time: str, outcome: str, cohort: str,
    weight: str | None = None, alpha: float = 0.05, n_boot: int = 999, seed: int = 0,
    weights: str = "webb", null: float = 0.0,
) -> pd.DataFrame:
    """Static TWFE DiD (as :func:`mangfold.stats.did.twfe`) with restricted wild cluster bootstrap inference.

    Parameters
    ----------
    df, unit, time, outcome, cohort, weight, alpha
        As in :func:`mangfold.stats.did.twfe`.
    n_boot
        Bootstrap draws (999 by default).  When the number of distinct weight vectors
        (``6**G`` Webb, ``2**G`` Rademacher) is at most ``n_boot``, all are enumerated instead.
    seed
        Seed of the draws: the same seed gives identical results.
    weights
        ``'webb'`` (six-point, default) or ``'rademacher'``.
    null
        The effect tested for ``p_value`` (0 by default).

    Returns
    -------
    pandas.DataFrame
        One row, :data:`WILD_COLUMNS`: ``estimator`` ``'twfe_wild_bootstrap'``, ``estimate`` (the TWFE
        coefficient), ``std_error`` (CR1, as in :func:`twfe`), ``ci_low``, ``ci_high`` (test inversion of
        the bootstrap test; NaN when unbounded), ``p_value`` (WCR, symmetric; a p-value below
        ``1 / n_boot`` cannot be resolved by the draws and is reported as ``1 / n_boot``), ``n_obs``,
        ``n_treated_units``, ``n_control_units``, ``n_boot`` (draws used), ``weights``.

    Notes
    -----
    The bootstrap t statistic uses the CR1 variance, so the constant small-sample factor cancels
    and p-values equal those of the R/Stata ``boottest`` and of the Python ``wildboottest``
    package (WCR, "11" variant) for the same draws.  Reference: MacKinnon, D. G., Nielsen, M. O.
    & Webb, M. D. (2023), Cluster-robust inference: a guide to empirical practice, *Journal of
    Econometrics* 232(2), 272-299; Webb, M. D. (2023), Reworking wild bootstrap-based inference
    for clustered errors, *Canadian Journal of Economics* 56(3), 839-858.
    """
    alpha = _check_level(alpha, "alpha")
    if weights not in ("webb", "rademacher"):
        raise ValueError("weights must be 'webb' or 'rademacher'")
    n_boot = int(n_boot)
    if n_boot < 99:
        raise ValueError("n_boot must be at least 99")
    panel = _prepare(df, unit=unit, time=time, outcome=outcome, cohort=cohort, weight=weight)
    d = (panel.t >= panel.g).astype(float)
    wb = _WildTWFE(panel, d, n_boot=n_boot, weights=weights, seed=seed)
    lo, hi = wb.interval(alpha)
    treated = np.zeros(panel.n_units, dtype=bool)
    treated[panel.unit_idx[d == 1]] = True
    return pd.DataFrame({
        "estimator": ["twfe_wild_bootstrap"], "estimate": [wb.beta], "std_error": [wb.se],
        "ci_low": [lo], "ci_high": [hi], "p_value": [max(wb.p_value(float(null)), 1.0 / wb.n_boot)],
        "n_obs": [wb.n_obs],
        "n_treated_units": [int(treated.sum())], "n_control_units": [int((~treated).sum())],
        "n_boot": [wb.n_boot], "weights": [weights],
    }, columns=WILD_COLUMNS)
