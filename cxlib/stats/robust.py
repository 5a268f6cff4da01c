"""Sandwich covariances for regressions, and the bootstrap that resamples whole clusters.

**Sandwich.** For a generalised linear model (OLS is the Gaussian one) with design X
(n × k), fitted means μ, link g, variance function V, IRLS weights
wᵢ = 1 / (g′(μᵢ)² V(μᵢ)) and dispersion φ, observation i contributes the score
sᵢ = xᵢ · wᵢ g′(μᵢ)(yᵢ − μᵢ) / φ, and the bread is B = φ (XᵀWX)⁻¹. Then

* HC0: V = B (Σᵢ sᵢsᵢᵀ) B;
* HC3: V = B (Σᵢ sᵢsᵢᵀ / (1 − hᵢ)²) B, with hᵢ = wᵢ xᵢᵀ(XᵀWX)⁻¹xᵢ the hat values of the
  weighted fit (MacKinnon & White 1985; R's ``sandwich::vcovHC(type = "HC3")``, for
  ``lm`` and ``glm`` alike);
* CR1, clustered (G clusters, Sᵍ = Σ_{i∈g} sᵢ): V = c · B (Σ_g SᵍSᵍᵀ) B with
  c = G/(G − 1) · (n − 1)/(n − k) for OLS and c = G/(G − 1) for a GLM (Liang & Zeger
  1986; the defaults of R's ``sandwich::vcovCL`` and of Stata's ``vce(cluster)``).
* Any other maximum-likelihood fit (the ordinal logit): with per-row scores sᵢ = ∂ℓᵢ/∂θ and
  bread B = (−∂²ℓ/∂θ∂θᵀ)⁻¹, the same CR1 with c = G/(G − 1) (:func:`ml_clustered`; R's
  ``vcovCL(type = "HC0")``, its default for ``glm`` and ``MASS::polr``). R's
  ``type = "HC1"`` multiplies a likelihood model's CR1 by a further (n − 1)/(n − k).

For the logit sᵢ = xᵢ(yᵢ − μᵢ) and wᵢ = μᵢ(1 − μᵢ); for OLS sᵢ = xᵢeᵢ and wᵢ = 1.
statsmodels' GLM accepts ``cov_type="HC3"`` but silently computes HC0 (it has no HC3 for
GLMs), so every regression in cxlib that reports HC3 or clustered errors takes them from
here.

**Intervals and the reference distribution.** Intervals are Wald intervals b ± q·SE and
p-values 2·P(T > |b|/SE), with q the quantile of a t distribution whose degrees of freedom
(:attr:`RobustFit.df`) follow R's ``lmtest::coeftest`` per model class:

* clustered (CR1), any model: t(G − 1), G the number of clusters — ``coeftest(fit,
  vcovCL(fit, …), df = G - 1)``, Stata's ``regress, vce(cluster)`` and the advice of
  Cameron & Miller (2015, §VI) for OLS and likelihood models alike (Stata's ``logit`` and
  ``ologit`` print z; t(G − 1) is the more cautious choice, and the one that covers);
* OLS with HC3: t(n − k), as ``coeftest(lm_fit, vcovHC(lm_fit, "HC3"))`` (R uses the
  residual df of an ``lm``);
* a GLM (logit) with HC3, or the ordinal logit with HC0: the normal, as ``coeftest`` for a
  ``glm`` (``df = Inf``) and Stata's ``ologit``. (For ``MASS::polr`` coeftest falls back
  to t(n − k) only because polr stores a residual df; the two quantiles differ by 1.2% at
  n − k = 100 and less with more respondents.)

**Few clusters.** CR1 underestimates the variance when G is small, and the normal
quantile makes it worse. In simulation (``tests/test_few_clusters.py``: outlets of 6–24
respondents, half of the variance of the predictor and of the error between outlets) the
nominal 95% interval with z covered 0.72 at G = 4, 0.80 at 6, 0.87 at 10 and 0.92 at 30;
with t(G − 1), 0.89, 0.90, 0.91 and 0.93. At G = 10 with a fifth of the variance between
outlets, t(9) covers 0.94 (z 0.90); a clustered logit, 0.92 (z 0.87). Below
:data:`MIN_CLUSTERS` clusters a clustered interval — sandwich or cluster bootstrap — is not
trusted: :func:`require_clusters` raises :class:`~cxlib.errors.NotEstimable`, naming G and
the minimum, and the figure is not testable. Ten is a judgement, not a threshold where
coverage jumps: below it t(G − 1) intervals grow very wide and vary much from sample to
sample, and a predictor that is constant within outlets (an outlet-level variable) is
covered less well (0.87 at G = 10 in the same simulation; z 0.82).

**Cluster bootstrap.** When rows come in clusters (a customer's visits, an outlet's
customers), a resample draws G of the G clusters with replacement and stacks all their
rows, so the dependence within a cluster is kept (Davison & Hinkley 1997, §3.8). A
missing cluster label makes the row a cluster of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from scipy.special import expit

from cxlib.errors import NotEstimable, UserDataError
from cxlib.stats.estimates import Estimate
from cxlib.stats.uncertainty import Bootstrap, bootstrap

MIN_CLUSTERS = 10
"""Fewest clusters for an interval that treats clusters as the independent units (CR1 with
t(G − 1), or a cluster bootstrap); below, :class:`NotEstimable`. At G = 10 the nominal 95%
CR1 interval with t(9) covered 0.91–0.94 in the simulations of the module docstring when the
predictor varies within clusters, 0.87 when it does not."""


def require_clusters(g: int, name: str | None = None, *, minimum: int = MIN_CLUSTERS) -> int:
    """*g* itself when there are at least *minimum* clusters; fewer raise
    :class:`~cxlib.errors.NotEstimable` with a reason that names G, the clusters' column
    *name* and the minimum (see :data:`MIN_CLUSTERS`)."""
    if g < minimum:
        of = f" of {name}" if name else ""
        raise NotEstimable(
            f"the rows come in only {g} clusters{of}; an interval that treats clusters as the "
            f"independent units needs at least {minimum}: with fewer, its standard error rests "
            f"on too few units to be trusted")
    return g


def t_quantile(level: float, df: float = np.inf) -> float:
    """The two-sided *level* quantile of t(*df*): t_{(1+level)/2, df}; the normal's when
    *df* is infinite."""
    return float(stats.t.ppf(0.5 + level / 2, df))


def reference_text(df: float) -> str:
    """How an interval's quantile is named in a method text: "t(29)" or "z"."""
    return f"t({df:,.0f})" if np.isfinite(df) else "z"


def cluster_codes(labels) -> np.ndarray:
    """Integer cluster codes 0 … G−1; a missing label becomes a cluster of its own. Fewer
    than two clusters carry no information about the variation between clusters:
    :class:`~cxlib.errors.NotEstimable`."""
    codes, _ = pd.factorize(pd.Series(labels).to_numpy())
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(missing.sum())
    if codes.max(initial=-1) < 1:
        raise NotEstimable("all rows belong to one cluster, so no interval can treat clusters "
                           "as the independent units")
    return codes


def cluster_column(frame: pd.DataFrame, cluster: str | None) -> pd.Series | None:
    """The labels in column *cluster* of *frame* (None when *cluster* is None); a column
    that is not there is a :class:`~cxlib.errors.UserDataError` naming the columns."""
    if cluster is None:
        return None
    if cluster not in frame:
        raise UserDataError(f"there is no column {cluster!r} to cluster by; the columns are "
                            f"{', '.join(map(str, frame.columns))}")
    return frame[cluster]


def _cluster_meat(scores: np.ndarray, clusters) -> tuple[np.ndarray, int]:
    """Σ_g SᵍSᵍᵀ with Sᵍ the sum of the score rows of cluster g, and the number G."""
    codes = cluster_codes(clusters)
    g = int(codes.max()) + 1
    sums = np.zeros((g, scores.shape[1]))
    np.add.at(sums, codes, scores)
    return sums.T @ sums, g


def ml_clustered(scores: np.ndarray, hessian: np.ndarray, clusters) -> tuple[np.ndarray, int]:
    """CR1 covariance of a maximum-likelihood fit, G/(G − 1) · B (Σ_g SᵍSᵍᵀ) B with
    B = (−H)⁻¹, from the per-row scores (n × k) and the Hessian H of the total
    log-likelihood at the estimate; returns it and the number of clusters G."""
    meat, g = _cluster_meat(np.asarray(scores, float), clusters)
    bread = np.linalg.inv(-np.asarray(hessian, float))
    return g / (g - 1) * bread @ meat @ bread, g


def _parts(fit) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Design X, scores sᵢ (rows), IRLS weights w and dispersion φ of a statsmodels
    OLS or GLM fit (see the module docstring)."""
    x = np.asarray(fit.model.exog, float)
    family = getattr(fit.model, "family", None)
    if family is None:  # OLS: w = 1, φ = 1 (it cancels)
        return x, x * np.asarray(fit.resid, float)[:, None], np.ones(len(x)), 1.0
    mu = np.asarray(fit.mu, float)
    y = np.asarray(fit.model.endog, float)
    w = np.asarray(family.weights(mu), float)
    working = family.link.deriv(mu) * (y - mu)
    scale = float(fit.scale)
    return x, x * (w * working / scale)[:, None], w, scale


def sandwich(fit, kind: str = "HC3", clusters=None) -> np.ndarray:
    """Sandwich covariance of a statsmodels OLS or GLM fit: ``HC0`` or ``HC3``, or CR1
    when *clusters* (one label per row) are given (formulas in the module docstring)."""
    x, s, w, scale = _parts(fit)
    inv = np.linalg.inv(x.T @ (w[:, None] * x))
    bread = scale * inv
    n, k = x.shape
    if clusters is not None:
        meat, g = _cluster_meat(s, clusters)
        ols = getattr(fit.model, "family", None) is None
        factor = g / (g - 1) * ((n - 1) / (n - k) if ols else 1.0)
        return factor * bread @ meat @ bread
    if kind == "HC0":
        omega = np.ones(n)
    elif kind == "HC3":
        hat = w * np.einsum("ij,jk,ik->i", x, inv, x)
        omega = 1 / (1 - hat) ** 2
    else:
        raise ValueError(f"kind must be HC0 or HC3, not {kind!r}")
    return bread @ ((s * omega[:, None]).T @ s) @ bread


@dataclass
class RobustFit:
    """Coefficients of a regression with a sandwich covariance (HC3 or clustered).

    ``model`` is the statsmodels fit that gave the coefficients (R², deviance …);
    ``method`` says which covariance and quantile, e.g. "SE clustered by customer (CR1,
    412 clusters), t(411)"; ``logit`` says that the mean is logit⁻¹ of the linear
    predictor; ``df`` is the degrees of freedom of the t distribution of the intervals,
    p-values and Wald tests (G − 1 clustered, n − k for OLS with HC3, ∞ — the normal —
    otherwise; see the module docstring); ``clusters`` is G when the errors are clustered.
    """

    params: pd.Series
    cov: pd.DataFrame
    nobs: int
    method: str
    model: object
    logit: bool = False
    df: float = np.inf
    clusters: int | None = None

    @property
    def bse(self) -> pd.Series:
        """Standard errors √diag(V)."""
        return pd.Series(np.sqrt(np.diag(self.cov)), index=self.params.index)

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided Wald p-values, 2·P(T > |b|/SE) with T ~ t(``df``)."""
        return pd.Series(2 * stats.t.sf(np.abs(self.params / self.bse), self.df),
                         index=self.params.index)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Wald intervals b ± t_{(1+level)/2, df}·SE, columns ``ci_low`` and ``ci_high``."""
        half = t_quantile(level, self.df) * self.bse
        return pd.DataFrame({"ci_low": self.params - half, "ci_high": self.params + half})

    def table(self, level: float = 0.95, *, odds_ratios: bool = False) -> pd.DataFrame:
        """Coefficient, SE, interval and p per term; with *odds_ratios* also exp(b) and
        its interval."""
        ci = self.conf_int(level)
        out = pd.DataFrame({"coef": self.params, "SE": self.bse, **ci, "p": self.pvalues})
        if odds_ratios:
            out = out.assign(**{"odds ratio": np.exp(out["coef"]),
                                "OR low": np.exp(out["ci_low"]),
                                "OR high": np.exp(out["ci_high"])})
        return out

    def estimate(self, term: str, figure: str, level: float = 0.95, *,
                 odds_ratio: bool = False, method: str = "") -> Estimate:
        """The coefficient of *term* (or exp of it, with *odds_ratio*) as an Estimate
        (carrying G in ``clusters`` when the errors are clustered)."""
        b, lo, hi = self.params[term], *self.conf_int(level).loc[term]
        if odds_ratio:
            b, lo, hi = np.exp([b, lo, hi])
        return Estimate(figure, float(b), float(lo), float(hi), self.nobs,
                        f"{method}, {self.method}" if method else self.method, level,
                        clusters=self.clusters)

    def wald(self, terms: list[str]) -> tuple[float, float]:
        """Wald test that the coefficients of *terms* are all zero: F = b̂ᵀV̂⁻¹b̂ / q on
        (q, ``df``) degrees of freedom (G − 1 when clustered, n − k for OLS with HC3; with
        ``df`` infinite, qF ~ χ²(q)); returns F and its p-value."""
        b = self.params[terms].to_numpy()
        q = len(terms)
        f = float(b @ np.linalg.solve(self.cov.loc[terms, terms].to_numpy(), b)) / q
        p = stats.f.sf(f, q, self.df) if np.isfinite(self.df) else stats.chi2.sf(q * f, q)
        return f, float(p)

    def predict(self, exog: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
        """Mean at each row of *exog* (columns as in the fit) with the interval
        g⁻¹(xᵀb ± t_{(1+level)/2, df}·√(xᵀVx))."""
        x = exog[self.params.index].to_numpy(float)
        eta = x @ self.params.to_numpy()
        spread = np.sqrt(np.einsum("ij,jk,ik->i", x, self.cov.to_numpy(), x))
        half = t_quantile(level, self.df) * spread
        inv = expit if self.logit else (lambda eta: eta)
        return pd.DataFrame({"mean": inv(eta), "ci_low": inv(eta - half),
                             "ci_high": inv(eta + half)}, index=exog.index)


def clustered_method(cluster_name: str, g: int) -> str:
    """The method text of CR1 errors over G clusters with t(G − 1) intervals:
    "SE clustered by outlet_id (CR1, 30 clusters), t(29)"."""
    return f"SE clustered by {cluster_name} (CR1, {g:,} clusters), {reference_text(g - 1)}"


def fit(y: pd.Series, x: pd.DataFrame, *, logit: bool = False, clusters=None,
        cluster_name: str = "cluster") -> RobustFit:
    """OLS (or, with *logit*, a binomial GLM) of *y* on *x* (include a constant column
    yourself) with HC3 errors, or CR1 errors clustered by *clusters* when given (one
    label per row; *cluster_name* says what they are, for the method text).

    Intervals and p-values use t(G − 1) when clustered — fewer than :data:`MIN_CLUSTERS`
    clusters raise :class:`~cxlib.errors.NotEstimable` — else t(n − k) for OLS and the
    normal for the logit, as R's ``coeftest`` for ``lm`` and ``glm`` (module docstring)."""
    y = pd.Series(y, dtype=float)
    if logit:
        model = sm.GLM(y, x.astype(float), family=sm.families.Binomial()).fit()
    else:
        model = sm.OLS(y, x.astype(float)).fit()
    g = None
    if clusters is None:
        df = np.inf if logit else float(model.df_resid)
        cov, method = sandwich(model, "HC3"), f"HC3 SE, {reference_text(df)}"
    else:
        g = require_clusters(int(cluster_codes(clusters).max()) + 1, cluster_name)
        cov, method, df = (sandwich(model, clusters=clusters), clustered_method(cluster_name, g),
                           g - 1)
    names = list(x.columns)
    return RobustFit(pd.Series(np.asarray(model.params), index=names),
                     pd.DataFrame(cov, index=names, columns=names), int(model.nobs), method,
                     model, logit, float(df), g)


def cluster_rows(labels) -> list[np.ndarray]:
    """The row positions of each cluster, in the order of :func:`cluster_codes` (which
    see: missing labels are clusters of their own, one cluster is NotEstimable)."""
    codes = cluster_codes(labels)
    order = np.argsort(codes, kind="stable")
    return np.split(order, np.cumsum(np.bincount(codes))[:-1])


def cluster_units(labels, name: str, *, minimum: int = MIN_CLUSTERS) -> np.ndarray:
    """Cluster codes (:func:`cluster_codes`) of *labels* for a bootstrap over clusters (as
    :func:`cluster_bootstrap` resamples them): fewer than *minimum* clusters of *name* raise
    :class:`~cxlib.errors.NotEstimable`."""
    codes = cluster_codes(labels)
    require_clusters(int(codes.max()) + 1, name, minimum=minimum)
    return codes


def cluster_bootstrap(frame: pd.DataFrame, statistic: Callable[[pd.DataFrame], float | np.ndarray],
                      cluster: str, *, n_boot: int = 500, seed: int = 2024,
                      level: float = 0.95, min_clusters: int = MIN_CLUSTERS) -> Bootstrap:
    """Percentile bootstrap that resamples the clusters of column *cluster* (see the
    module docstring); ``n`` of the result is the number of clusters G. Fewer than
    *min_clusters* clusters (:data:`MIN_CLUSTERS`) raise :class:`NotEstimable`."""
    rows = cluster_rows(frame[cluster])
    require_clusters(len(rows), cluster, minimum=min_clusters)
    keys = pd.DataFrame({"cluster": np.arange(len(rows))})

    def on_clusters(chosen: pd.DataFrame) -> float | np.ndarray:
        return statistic(frame.iloc[np.concatenate([rows[g] for g in chosen["cluster"]])])

    return bootstrap(keys, on_clusters, n_boot=n_boot, seed=seed, level=level)

