"""The ordinal (cumulative) logit by maximum likelihood, with analytic derivatives.

P(Y ≤ j | x) = F(τⱼ − xᵀβ) for levels j = 1 … J − 1, F the logistic distribution
function, so P(Y = j) = F(τⱼ − η) − F(τⱼ₋₁ − η) with η = xᵀβ, τ₀ = −∞, τ_J = +∞ (as R's
``MASS::polr`` and statsmodels' ``OrderedModel``, whose parameters these are: the slopes β,
then θ₁ = τ₁ and θⱼ = log(τⱼ − τⱼ₋₁), which keep the thresholds in order).

With a = τ_y − η, b = τ_{y−1} − η and p = F(a) − F(b), a row's log-likelihood is log p; its
derivatives are ∂/∂a = f(a)/p, ∂/∂b = −f(b)/p, ∂²/∂a² = f′(a)/p − f(a)²/p²,
∂²/∂b² = −f′(b)/p − f(b)²/p², ∂²/∂a∂b = f(a)f(b)/p², with f = F(1 − F) and
f′ = f(1 − 2F); a and b move with β as −x and with their own threshold as 1, which gives
the scores and the Hessian in (β, τ) exactly, and the chain rule through τ(θ) gives them in
the parameters. The fit is Newton's method in (β, τ) (the log-likelihood is concave there)
with step halving, from β = 0 and the thresholds of the marginal distribution.

A rating table has few distinct rows: the model is fitted on the distinct rows of
(cluster, outcome, predictors), each weighted by how many respondents give it, so that
100,000 respondents cost what their few hundred distinct answers cost; scores summed per
cluster are the same sums (:func:`cxlib.stats.robust.ml_clustered`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from cxlib.errors import NotEstimable


@dataclass
class OrdinalFit:
    """A fitted ordinal logit: parameters (slopes, then θ), the Hessian of the total
    log-likelihood and the scores of the distinct rows (in the parameters), the rows'
    counts and cluster codes (or ``None``), the log-likelihood and Newton's iterations."""

    params: np.ndarray
    hessian: np.ndarray
    scores: np.ndarray
    counts: np.ndarray
    clusters: np.ndarray | None
    loglik: float
    iterations: int
    nobs: int

    def hc0(self) -> np.ndarray:
        """The sandwich H⁻¹(Σᵢ sᵢsᵢᵀ)H⁻¹ (HC0), the sum over respondents."""
        bread = np.linalg.inv(-self.hessian)
        meat = (self.scores * self.counts[:, None]).T @ self.scores
        return bread @ meat @ bread

    def cluster_scores(self) -> np.ndarray:
        """Each distinct row's score times its count: summed by cluster, the clusters'
        scores."""
        return self.scores * self.counts[:, None]


def _parts(codes: np.ndarray, x: np.ndarray, beta: np.ndarray, tau: np.ndarray):
    """F(a), F(b) and p = F(a) − F(b) of each row for the current (β, τ)."""
    eta = x @ beta
    cuts = np.concatenate([[-np.inf], tau, [np.inf]])
    fa, fb = expit(cuts[codes + 1] - eta), expit(cuts[codes] - eta)
    return fa, fb, fa - fb


def _derivatives(codes, x, counts, beta, tau, *, hessian: bool = True):
    """Log-likelihood, per-row scores in (β, τ) and the Hessian of the total in (β, τ)."""
    k, m = x.shape[1], len(tau)
    fa, fb, p = _parts(codes, x, beta, tau)
    if not (p > 0).all():
        return -np.inf, None, None
    da, db = fa * (1 - fa), fb * (1 - fb)  # densities (0 at ±∞)
    la, lb = da / p, -db / p
    n = len(codes)
    # gradients of a and b: −x for β, 1 for their own threshold
    grad_a = np.zeros((n, k + m))
    grad_b = np.zeros((n, k + m))
    grad_a[:, :k] = -x
    grad_b[:, :k] = -x
    rows = np.arange(n)
    upper, lower = codes < m, codes > 0  # a is finite below the top level, b above the bottom
    grad_a[rows[upper], k + codes[upper]] = 1.0
    grad_b[rows[lower], k + codes[lower] - 1] = 1.0
    scores = grad_a * la[:, None] + grad_b * lb[:, None]
    loglik = float(counts @ np.log(p))
    if not hessian:
        return loglik, scores, None
    laa = da * (1 - 2 * fa) / p - la**2
    lbb = -db * (1 - 2 * fb) / p - lb**2
    lab = -la * lb  # f(a) f(b) / p²
    wa, wb = grad_a * counts[:, None], grad_b * counts[:, None]
    h = (wa * laa[:, None]).T @ grad_a + (wb * lbb[:, None]).T @ grad_b
    cross = (wa * lab[:, None]).T @ grad_b
    return loglik, scores, h + cross + cross.T


def _to_theta(tau: np.ndarray) -> np.ndarray:
    return np.concatenate([tau[:1], np.log(np.diff(tau))])


def _jacobian(tau: np.ndarray) -> np.ndarray:
    """∂τ/∂θ: τⱼ = θ₁ + Σ_{m=2..j} exp(θₘ), so column 1 is ones and column m ≥ 2 holds
    τₘ − τₘ₋₁ from row m on."""
    m = len(tau)
    jac = np.zeros((m, m))
    jac[:, 0] = 1.0
    steps = np.diff(tau)
    for col in range(1, m):
        jac[col:, col] = steps[col - 1]
    return jac


def fit_ordinal(codes: np.ndarray, x: np.ndarray, clusters: np.ndarray | None = None, *,
                tol: float = 1e-10, max_iter: int = 100) -> OrdinalFit:
    """Fit the ordinal logit of level codes 0 … J − 1 (*codes*, every level present) on the
    columns of *x* (no constant), pooling equal rows (within a cluster when *clusters*, integer
    codes, are given); see the module docstring. Newton stops when no step of the
    parameters exceeds *tol*; a fit that does not converge raises :class:`NotEstimable`."""
    codes = np.asarray(codes, np.int64)
    x = np.asarray(x, float)
    levels = int(codes.max()) + 1
    key = np.column_stack([codes, x] if clusters is None else [clusters, codes, x])
    distinct, counts = np.unique(key, axis=0, return_counts=True)
    counts = counts.astype(float)
    group = None if clusters is None else distinct[:, 0].astype(np.int64)
    dcodes = distinct[:, 0 if clusters is None else 1].astype(np.int64)
    dx = distinct[:, 1 if clusters is None else 2:]
    k = dx.shape[1]
    shares = np.bincount(dcodes, weights=counts, minlength=levels).cumsum()[:-1] / counts.sum()
    tau = np.log(shares / (1 - shares))
    beta = np.zeros(k)
    loglik, scores, hess = _derivatives(dcodes, dx, counts, beta, tau)
    iteration = 0
    while iteration < max_iter:
        iteration += 1
        grad = counts @ scores
        try:
            step = np.linalg.solve(hess, -grad)
        except np.linalg.LinAlgError:
            raise NotEstimable("the ordinal logit cannot be estimated: its information matrix "
                               "is singular (a predictor may be constant or collinear with "
                               "another)") from None
        scale = 1.0
        while True:
            beta_new, tau_new = beta + scale * step[:k], tau + scale * step[k:]
            ordered = (np.diff(tau_new) > 0).all()
            new = _derivatives(dcodes, dx, counts, beta_new, tau_new) if ordered else None
            if new is not None and new[0] >= loglik - 1e-9 * abs(loglik):
                break
            scale /= 2
            if scale < 1e-10:
                raise NotEstimable("the ordinal logit did not converge (the likelihood has no "
                                   "maximum: an outcome level may be predicted perfectly)")
        beta, tau = beta_new, tau_new
        loglik, scores, hess = new
        if np.max(np.abs(scale * step)) < tol:
            break
    else:
        raise NotEstimable("the ordinal logit did not converge in "
                           f"{max_iter} Newton steps")
    # into the parameters θ: scores Jᵀs; Hessian JᵀHJ plus the gradient times ∂²τ/∂θ²
    jac = np.eye(k + len(tau))
    jac[k:, k:] = _jacobian(tau)
    grad_tau = counts @ scores
    h_theta = jac.T @ hess @ jac
    steps = np.diff(tau)
    for col in range(1, len(tau)):  # ∂²τⱼ/∂θₘ² = exp(θₘ) for j ≥ m
        h_theta[k + col, k + col] += grad_tau[k + col:].sum() * steps[col - 1]
    return OrdinalFit(np.concatenate([beta, _to_theta(tau)]), h_theta, scores @ jac, counts,
                      group, loglik, iteration, int(counts.sum()))
