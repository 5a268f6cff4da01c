"""Units within units (customers within outlets): the reliability of unit means and the
random-intercept model's variance ratio and degrees of freedom.

* **Reliability of unit means**, ICC(2) = (MSB − MSW)/MSB from the one-way analysis of
  variance of members within units (Bliese 2000): how much of the spread of unit means is
  real difference between units rather than the noise of averaging a few members.
* **REML variance ratio** λ = τ²/σ² of y = Xβ + u_j + e by a one-dimensional search of the
  profile restricted likelihood that includes the boundary λ = 0 (where statsmodels'
  parameterisation cannot go).
* **Degrees of freedom** of a coefficient's t interval by nlme's containment rule
  (Pinheiro & Bates 2000, §2.4.2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib.errors import NotEstimable


def outlet_means_reliability(n: np.ndarray, mean: np.ndarray, within_ss: np.ndarray) -> float:
    """ICC(2), the reliability of outlet means, from each outlet's number of customers *n*,
    mean and within-outlet sum of squares: (MSB − MSW)/MSB, with MSB = Σ nⱼ(ȳⱼ − ȳ)²/(G − 1)
    and MSW = Σ SSⱼ/(N − G)."""
    g, total = len(n), n.sum()
    grand = (n * mean).sum() / total
    msb = (n * (mean - grand) ** 2).sum() / (g - 1)
    msw = within_ss.sum() / (total - g)
    return float((msb - msw) / msb) if msb > 0 else float("nan")


def profile_reml(x: np.ndarray, y: np.ndarray, groups: np.ndarray, ratio: float) -> float:
    """The REML log-likelihood of the random-intercept model ``y = Xβ + u_j + e`` at
    λ = τ²/σ² = *ratio*, with β and σ² profiled out (constants dropped)::

        ℓ_R(λ) = −½ [Σ_j log(1 + n_j λ) + log|X′V⁻¹X| + (n − p) log(r′V⁻¹r)]

    where V_j = I + λ·11′ (so V_j⁻¹ = I − c_j 11′ with c_j = λ/(1 + n_j λ)), β̂ the GLS
    estimate and r = y − Xβ̂ (σ̂² = r′V⁻¹r/(n − p)). Defined at λ = 0 (ordinary least
    squares), unlike statsmodels' parameterisation, so a maximum on the boundary is found."""
    codes, _ = pd.factorize(groups)
    sizes = np.bincount(codes).astype(float)
    c = ratio / (1 + sizes * ratio)
    sx = np.zeros((len(sizes), x.shape[1]))
    np.add.at(sx, codes, x)
    sy = np.bincount(codes, weights=y)
    xvx = x.T @ x - (sx * c[:, None]).T @ sx
    xvy = x.T @ y - (sx * c[:, None]).T @ sy
    beta = np.linalg.solve(xvx, xvy)
    r = y - x @ beta
    rvr = r @ r - c @ np.bincount(codes, weights=r) ** 2
    n, k = x.shape
    return -0.5 * (np.log1p(sizes * ratio).sum() + np.linalg.slogdet(xvx)[1]
                   + (n - k) * np.log(rvr))


def reml_variance_ratio(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
    """λ̂ = argmax over λ ≥ 0 of :func:`profile_reml` (bounded Brent search on
    [0, 100]); 0 when the maximum lies on the boundary (ℓ_R(0) ≥ ℓ_R(λ̂))."""
    from scipy.optimize import minimize_scalar

    best = minimize_scalar(lambda lam: -profile_reml(x, y, groups, lam), bounds=(0.0, 100.0),
                           method="bounded", options={"xatol": 1e-9})
    lam = float(best.x)
    return 0.0 if profile_reml(x, y, groups, 0.0) >= profile_reml(x, y, groups, lam) else lam


def containment_df(x: pd.DataFrame, groups: pd.Series, term: str) -> int:
    """Degrees of freedom of *term*'s t interval in a random-intercept model with predictors
    *x* (no constant column) and units *groups*, by nlme's containment rule: G − p_b − 1 when
    *term* is constant within every unit (p_b: the columns of *x* that are), else
    n − G − p_w (p_w: the other columns). Fewer than one degree of freedom:
    :class:`NotEstimable`."""
    constant = x.groupby(groups.to_numpy()).nunique().le(1).all()
    g, n = int(groups.nunique()), len(x)
    df = g - int(constant.sum()) - 1 if constant[term] else n - g - int((~constant).sum())
    if df < 1:
        raise NotEstimable(f"{term} has no degrees of freedom left for an interval: {g} "
                           f"units for {int(constant.sum())} unit-level predictor(s)")
    return df
