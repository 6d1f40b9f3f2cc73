"""Two-way fixed-effects linear algebra shared by the regression estimators.

Exact (weighted) two-way within transformation, OLS with CR1 cluster-robust variance
and t / normal inference.  Nothing here is public API.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats

from ._panel import _Panel


class _TwoWayProjector:
    """Exact (weighted) residualisation on unit and time fixed effects.

    By Frisch-Waugh-Lovell, residualising on ``[unit dummies, time dummies]`` in the
    ``W`` metric equals (1) weighted demeaning within unit, then (2) projecting out the
    unit-demeaned time dummies.  Step (2) uses an orthonormal basis ``Q`` of the
    ``sqrt(w)``-scaled demeaned time dummies, computed once.  Works for unbalanced and
    weighted panels; :meth:`resid` returns residuals in the ``sqrt(w)``-scaled space,
    so that ``X_s' X_s = X'' W X''``.
    """

    def __init__(self, unit_idx: np.ndarray, time_idx: np.ndarray, w: np.ndarray,
                 n_units: int, n_times: int) -> None:
        n = unit_idx.size
        self.unit_idx = unit_idx
        self.sw = np.sqrt(w)
        self.w = w
        self.S = sparse.csr_matrix((np.ones(n), (np.arange(n), unit_idx)), shape=(n, n_units))
        self.wsum = np.asarray(self.S.T @ w).ravel()
        tdum = np.zeros((n, n_times))
        tdum[np.arange(n), time_idx] = 1.0
        z = self.sw[:, None] * self._unit_demean(tdum)
        u, s, _ = np.linalg.svd(z, full_matrices=False)
        tol = s.max(initial=0.0) * max(z.shape) * np.finfo(float).eps * 10
        self.Q = u[:, s > tol]
        self.rank_time = int(self.Q.shape[1])

    def _unit_demean(self, m: np.ndarray) -> np.ndarray:
        """Weighted within-unit demeaning of the columns of ``m`` (n x k) or a vector."""
        one_d = m.ndim == 1
        mm = m[:, None] if one_d else m
        means = (self.S.T @ (self.w[:, None] * mm)) / self.wsum[:, None]
        out = mm - means[self.unit_idx]
        return out[:, 0] if one_d else out

    def resid(self, m: np.ndarray) -> np.ndarray:
        one_d = m.ndim == 1
        mm = m[:, None] if one_d else m
        ms = self.sw[:, None] * self._unit_demean(mm)
        ms = ms - self.Q @ (self.Q.T @ ms)
        return ms[:, 0] if one_d else ms

    def resid_rows(self, d: np.ndarray) -> np.ndarray:
        """Residualise many regressors at once, stored as rows (B x n)."""
        wd = d * self.w[None, :]
        means = np.asarray((self.S.T @ wd.T).T) / self.wsum[None, :]
        ds = (d - means[:, self.unit_idx]) * self.sw[None, :]
        return ds - (ds @ self.Q) @ self.Q.T


@dataclass
class _OLSFit:
    beta: np.ndarray
    vcov: np.ndarray
    df_resid: int        # G - 1, for t inference
    n_obs: int
    n_clusters: int


def _cluster_ols(ys: np.ndarray, xs: np.ndarray, cluster_idx: np.ndarray, n_clusters: int,
                 k_dof: int, raw_sq: np.ndarray | None = None) -> _OLSFit:
    """OLS of ``ys`` on ``xs`` (already scaled/residualised) with CR1 cluster variance.

    ``k_dof`` is the number of parameters used in ``(N-1)/(N-K)``.  ``raw_sq`` are the
    weighted squared norms of the regressors before residualisation; a regressor that
    loses (almost) all of its norm to the fixed effects is reported as collinear.
    """
    n, k = xs.shape
    xtx = xs.T @ xs
    if raw_sq is None:
        raw_sq = np.diag(xtx)
    scale = 1.0 / np.sqrt(np.where(raw_sq > 0, raw_sq, 1.0))
    sv = np.linalg.svd(xs * scale[None, :], compute_uv=False)
    if sv.size < k or sv.min(initial=np.inf) <= 1e-7 * max(sv.max(initial=0.0), 1.0):
        raise ValueError(
            "regressors are collinear with the fixed effects (no identifying variation); "
            "check that there are untreated comparison observations"
        )
    bread = np.linalg.inv(xtx)
    beta = bread @ (xs.T @ ys)
    e = ys - xs @ beta
    scores = np.zeros((n_clusters, k))
    np.add.at(scores, cluster_idx, xs * e[:, None])
    meat = scores.T @ scores
    g = int(np.unique(cluster_idx).size)
    if g < 2:
        raise ValueError("need at least two clusters (units)")
    factor = g / (g - 1) * (n - 1) / max(n - k_dof, 1)
    vcov = factor * bread @ meat @ bread
    return _OLSFit(beta=beta, vcov=vcov, df_resid=g - 1, n_obs=n, n_clusters=g)


def _fe_ols(panel: _Panel, x: np.ndarray) -> _OLSFit:
    proj = _TwoWayProjector(panel.unit_idx, panel.time_idx, panel.w, panel.n_units, panel.n_times)
    ys = proj.resid(panel.y)
    x2 = x if x.ndim == 2 else x[:, None]
    xs = proj.resid(x2)
    k = xs.shape[1]
    raw_sq = panel.w @ (x2 * x2)
    return _cluster_ols(ys, xs, panel.unit_idx, panel.n_units, k + proj.rank_time + 1, raw_sq)


def _t_inference(est: np.ndarray, se: np.ndarray, dof: float, alpha: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    est = np.asarray(est, dtype=float)
    se = np.asarray(se, dtype=float)
    if np.isfinite(dof):
        crit = stats.t.isf(alpha / 2.0, dof)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2.0 * stats.t.sf(np.abs(est / se), dof)
    else:
        crit = stats.norm.isf(alpha / 2.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2.0 * stats.norm.sf(np.abs(est / se))
    return est - crit * se, est + crit * se, p
