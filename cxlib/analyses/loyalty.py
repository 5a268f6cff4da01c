"""From satisfaction to loyalty: the right model for each outcome, nonlinearity, mediation.

* **Ordinal logit** for a loyalty *rating* (repurchase intention 1–7):
  P(Y ≤ j) = logit⁻¹(τ_j − β·x); exp(β) is the odds ratio of a higher answer per
  point of satisfaction. Sandwich (HC0) standard errors with a normal quantile, or CR1
  errors clustered by outlet (or customer) when the rows come in clusters
  (:func:`cxlib.stats.robust.ml_clustered`, from the per-row scores and the Hessian of the
  fit) with a t(G − 1) quantile and at least :data:`~cxlib.stats.robust.MIN_CLUSTERS`
  clusters (:mod:`cxlib.stats.robust`). The rating's order is its
  numeric order, the order of a pandas ordered Categorical, or for text an explicit
  ``order=[lowest, …, highest]`` (alphabetical order is no order: High < Low < Medium).
* **Covariates and weights.** Both models take a list of covariates (numbers as they are,
  categories as indicators against a reference level from the mapping or, by default, the
  most frequent level; never a fixed label) and frequency weights for tabulated data.
* **Logistic regression** for later *churn* (or any 0/1 outcome): logit P(churn) = a + b·x, as a
  binomial GLM with HC3 standard errors (true HC3, from :mod:`cxlib.stats.robust`) and a
  normal quantile (as R's ``coeftest`` for a ``glm``), or CR1 errors clustered by customer
  or outlet when the rows come in clusters, with t(G − 1).
* **Nonlinearity** (Jones & Sasser 1995): mean loyalty at each satisfaction level,
  and the *top-box step*: the loyalty gain from the second-highest to the highest
  satisfaction level minus the average gain per level below it (> 0: loyalty
  jumps for the "completely satisfied"). Bootstrap interval (resampling outlets when
  clustered, at least :data:`~cxlib.stats.robust.MIN_CLUSTERS` of them). A spline model
  (natural cubic spline, 3 df) is compared with the straight line by an F test.
* **Mediation** service → satisfaction → loyalty (Baron & Kenny; Preacher & Hayes):
  m = a·x + …, y = c′·x + b·m + …; indirect effect a·b with a percentile bootstrap
  interval, direct effect c′, total c = c′ + a·b. When respondents come in clusters
  (outlets), the bootstrap resamples clusters (at least
  :data:`~cxlib.stats.robust.MIN_CLUSTERS`).

Every analysis needs variation in the columns it relates: a constant column raises
:class:`~cxlib.errors.NotEstimable` instead of a fit with no variance behind it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf

from cxlib.data.derived import ordered_levels
from cxlib.errors import NotEstimable, require_variation
from cxlib.stats import robust
from cxlib.stats.design import adjusted_for, frequency_rows, predictors
from cxlib.stats.estimates import Effect, Estimate, Fit
from cxlib.stats.formatting import p_value
from cxlib.stats.ordinal import fit_ordinal
from cxlib.stats.robust import RobustFit
from cxlib.stats.uncertainty import Moments, moment_bootstrap


@dataclass(frozen=True, kw_only=True, repr=False)
class OddsRatio(Effect):
    """An odds ratio per unit of a predictor (``effect``) from a logit (ordinal or binary)
    whose coefficients, with the other terms (and the thresholds of an ordinal logit) and
    their robust covariance, are ``table`` and ``model`` (a
    :class:`~cxlib.stats.robust.RobustFit`, whose own ``model`` is the fitted model)."""

    model: RobustFit


def _odds_ratio(est: Estimate, fit: RobustFit, level: float, title: str) -> OddsRatio:
    return OddsRatio(table=fit.table(level, odds_ratios=True), n=fit.nobs, method=est.method,
                     level=level, clusters=fit.clusters, title=title, value="coef",
                     effect=est, model=fit)


def ordinal_effect(frame: pd.DataFrame, outcome: str, predictor: str,
                   level: float = 0.95, *, order: Sequence | None = None,
                   cluster: str | None = None, covariates: Sequence[str] = (),
                   reference: Mapping[str, str] | None = None,
                   weights: str | None = None) -> OddsRatio:
    """Odds ratio of a higher *outcome* rating per point of *predictor* (ordinal logit),
    adjusted for *covariates* (numbers as they are, categories against their *reference*
    level or else the most frequent, :mod:`cxlib.stats.design`): exp(b) with the Wald
    interval exp(b ± z·SE), SE from the HC0 sandwich, or exp(b ± t_{G−1}·SE) with CR1
    clustered by the column *cluster* when given (a row without a label is a cluster of its
    own; fewer than :data:`~cxlib.stats.robust.MIN_CLUSTERS` clusters: NotEstimable; the
    estimate carries G in ``clusters``). *order* lists a text outcome's levels from lowest
    to highest (see :func:`ordered_levels`); *weights* names a column of frequency weights
    (a tabulated survey: each row counts that many respondents). The fit holds the slope, the other
    coefficients and the thresholds (parameterised as statsmodels' OrderedModel) with that
    covariance; its ``model`` is the :class:`cxlib.stats.ordinal.OrdinalFit` (analytic
    scores and Hessian, fitted on the distinct rows)."""
    frame = frequency_rows(frame, weights)
    labels = robust.cluster_column(frame, cluster)
    data = frame[list(dict.fromkeys([outcome, predictor, *covariates]))].dropna()
    require_variation(data, [outcome, predictor],
                      what=f"the effect of {predictor} on {outcome}")
    x, design = predictors(data, [predictor], covariates, reference)
    y = ordered_levels(data.loc[x.index, outcome], order)
    levels = list(y.cat.categories)
    codes = None if labels is None else robust.cluster_codes(labels.loc[x.index])
    fit = fit_ordinal(y.cat.codes.to_numpy(), x.to_numpy(float), codes)
    names = [*x.columns, *(f"{a}/{b}" for a, b in pairwise(levels))]
    g = None
    if labels is None:
        cov, method = fit.hc0(), "sandwich (HC0) SE, z"
    else:
        cov, g = robust.ml_clustered(fit.cluster_scores(), fit.hessian, fit.clusters)
        method = robust.clustered_method(cluster, robust.require_clusters(g, cluster))
    method += adjusted_for(design, [predictor]) + (f", frequency weights {weights}"
                                                    if weights else "")
    rfit = RobustFit(pd.Series(fit.params, index=names),
                     pd.DataFrame(cov, index=names, columns=names), len(x), method, fit,
                     df=np.inf if g is None else g - 1.0, clusters=g)
    est = rfit.estimate(predictor, f"odds ratio of a higher {outcome} per point of {predictor}",
                        level, odds_ratio=True, method="ordinal logit")
    return _odds_ratio(est, rfit, level, f"Ordinal logit of {outcome}")


def logistic_effect(frame: pd.DataFrame, outcome: str, predictor: str, level: float = 0.95,
                    figure: str | None = None, *, cluster: str | None = None,
                    covariates: Sequence[str] = (), reference: Mapping[str, str] | None = None,
                    weights: str | None = None) -> OddsRatio:
    """Odds ratio of a 0/1 *outcome* (churn, abandoning, returning) per unit of *predictor*
    (logistic GLM), adjusted for *covariates* (as in :func:`ordinal_effect`): exp(b) with the
    Wald interval exp(b ± z·SE), SE from the HC3 sandwich, or exp(b ± t_{G−1}·SE) clustered
    by the column *cluster* when given (at least :data:`~cxlib.stats.robust.MIN_CLUSTERS`
    clusters; see :mod:`cxlib.stats.robust`); *weights* names a column of
    frequency weights (rows counted that many times). The result's ``effect`` is the odds
    ratio, its ``model`` the fitted logit."""
    frame = frequency_rows(frame, weights)
    labels = robust.cluster_column(frame, cluster)
    require_variation(frame.dropna(subset=[outcome, predictor]), [outcome, predictor],
                      what=f"the odds ratio of {outcome} per point of {predictor}")
    data = frame[list(dict.fromkeys([outcome, predictor, *covariates]))].dropna()
    x, design = predictors(data, [predictor], covariates, reference)
    data = data.loc[x.index]
    fit = robust.fit(data[outcome], sm.add_constant(x, has_constant="add"),
                     logit=True, clusters=None if labels is None else labels.loc[x.index],
                     cluster_name=cluster or "")
    est = fit.estimate(predictor, figure or f"odds ratio of {outcome} per point of {predictor}",
                       level, odds_ratio=True, method="logistic regression (binomial GLM)"
                       + adjusted_for(design, [predictor])
                       + (f", frequency weights {weights}" if weights else ""))
    return _odds_ratio(est, fit, level, f"Logistic regression of {outcome}")


def loyalty_by_level(frame: pd.DataFrame, outcome: str, predictor: str) -> Fit:
    """Mean *outcome* at each level of *predictor*, with t intervals x̄ ± t₀.₉₇₅,ₙ₋₁ s/√n and
    counts n. A mean cannot leave the range of the answers, so each interval is clipped to
    [min, max] of *outcome* over all levels (a t interval on 3 answers can otherwise run far
    off the scale); a level with one answer has no interval."""
    from cxlib.stats.uncertainty import mean_ci

    data = frame[[outcome, predictor]].dropna()
    low, high = data[outcome].min(), data[outcome].max()
    rows = []
    for level, group in data.groupby(predictor):
        m, lo, hi = mean_ci(group[outcome]) if len(group) > 1 else (group[outcome].mean(),
                                                                      np.nan, np.nan)
        rows.append({predictor: level, "mean": m, "ci_low": max(lo, low),
                     "ci_high": min(hi, high), "n": len(group)})
    return Fit(table=pd.DataFrame(rows).set_index(predictor), n=len(data),
               method="mean with t interval, clipped to the range of the answers",
               title=f"Mean {outcome} at each level of {predictor}", value="mean",
               figure=f"mean {outcome} at {predictor} = {{row}}")


def top_box_step(frame: pd.DataFrame, outcome: str, predictor: str, *, min_n: int = 10,
                 cluster: str | None = None, level: float = 0.95) -> Estimate:
    """The top-box step on the latent scale of the loyalty rating: an ordinal logit of
    *outcome* on *predictor* (per point) and a dummy for the highest level of *predictor*,
    logit P(outcome > k) = θ_k − (β·predictor + γ·[predictor = top]); the step is exp(γ),
    how much the odds of a higher loyalty answer rise for the completely satisfied beyond
    the per-point trend (1: no step). Levels with fewer than *min_n* answers are left out
    and three must remain. Interval as :func:`ordinal_effect` gives it (HC0 with z, or CR1
    clustered by *cluster* with t(G − 1)). A mean rating near the top of its scale has no
    room to step up, so a difference of mean gains would call a ceiling a negative step;
    the latent scale does not."""
    keep = frame[[outcome, predictor]].notna().all(axis=1)
    data = frame.loc[keep]
    require_variation(data, [outcome, predictor], what="the top-box step")
    counts = data[predictor].value_counts()
    levels = np.sort(counts[counts >= min_n].index.to_numpy())
    if len(levels) < 3:
        raise NotEstimable(f"{predictor} has {len(levels)} level(s) with at least {min_n} "
                           f"answers; the top-box step needs three")
    data = data[data[predictor].isin(levels)].assign(
        completely_satisfied=lambda d: (d[predictor] == levels[-1]).astype(float))
    fit = ordinal_effect(data, outcome, predictor, level, cluster=cluster,
                         covariates=["completely_satisfied"]).model
    return fit.estimate("completely_satisfied", f"top-box step in {outcome}: odds ratio of a "
                        f"higher answer at {predictor} = {levels[-1]:g}, beyond the trend per "
                        f"point", level, odds_ratio=True, method="ordinal logit with a "
                        "top-level dummy")


@dataclass(frozen=True, kw_only=True, repr=False)
class SplineTest(Fit):
    """:func:`spline_test`: the fitted spline curve (``table``: x, fit and its band lo–hi)
    and the F test against the straight line (``f`` on ``df`` and the residual degrees of
    freedom, ``p``), with both models' R²."""

    f: float
    p: float
    df: int
    r2_linear: float
    r2_spline: float

    def facts(self) -> dict:
        return {"spline against a straight line": f"F = {self.f:.2f}, {p_value(self.p)}",
                "R²": f"{self.r2_linear:.3f} (line), {self.r2_spline:.3f} (spline)"}


def spline_test(frame: pd.DataFrame, outcome: str, predictor: str, df: int = 3) -> SplineTest:
    """F test of a natural cubic spline in *predictor* against the straight line; the
    result's table is the fitted spline curve with its 95% band, for plotting."""
    data = frame[[outcome, predictor]].dropna()
    require_variation(data, [outcome, predictor], what="the shape of the link")
    if data[predictor].nunique() <= df:
        raise NotEstimable(f"{predictor} takes {data[predictor].nunique()} values; a spline "
                           f"with {df} degrees of freedom needs at least {df + 1}")
    data = data.rename(columns={outcome: "y", predictor: "x"})
    linear = smf.ols("y ~ x", data).fit()
    spline = smf.ols(f"y ~ cr(x, df={df}, constraints='center')", data).fit()
    f, p, ddf = spline.compare_f_test(linear)
    grid = pd.DataFrame({"x": np.linspace(data["x"].min(), data["x"].max(), 60)})
    pred = spline.get_prediction(grid).summary_frame()
    curve = pd.DataFrame({"x": grid["x"], "fit": pred["mean"], "lo": pred["mean_ci_lower"],
                          "hi": pred["mean_ci_upper"]})
    return SplineTest(table=curve, n=int(linear.nobs), value="fit",
                      method=f"OLS, natural cubic spline ({df} df) against a straight line, "
                             "F test", title=f"{outcome} over {predictor}: spline fit",
                      f=float(f), p=float(p), df=int(ddf), r2_linear=float(linear.rsquared),
                      r2_spline=float(spline.rsquared))


def _mediation_paths(data: pd.DataFrame, x: str, m: str, y: str, *,
                    standardise: bool = False) -> np.ndarray:
    """OLS paths [a, b, c′, a·b, c′ + a·b] of the mediation model (see module docstring);
    with *standardise*, of the z-scored variables (paths in SD units)."""
    xv, mv, yv = (data[c].to_numpy(float) for c in (x, m, y))
    if standardise:
        xv, mv, yv = ((v - v.mean()) / v.std(ddof=1) for v in (xv, mv, yv))
    one = np.ones(len(data))
    a = np.linalg.lstsq(np.column_stack([one, xv]), mv, rcond=None)[0][1]
    cp, b = np.linalg.lstsq(np.column_stack([one, xv, mv]), yv, rcond=None)[0][1:]
    return np.array([a, b, cp, a * b, cp + a * b])


def _paths_from_covariance(cov: np.ndarray, *, standardise: bool = False) -> np.ndarray:
    """:func:`_mediation_paths` from the covariance matrix of (x, m, y): a = C_xm/C_xx,
    (c′, b) = C[(x, m), (x, m)]⁺C[(x, m), y]; standardised, a·s_x/s_m, b·s_m/s_y and
    c′·s_x/s_y (the paths of the z-scored variables)."""
    a = cov[0, 1] / cov[0, 0]
    cp, b = np.linalg.lstsq(cov[:2, :2], cov[:2, 2], rcond=None)[0]
    if standardise:
        sd = np.sqrt(np.diag(cov))
        a, b, cp = a * sd[0] / sd[1], b * sd[1] / sd[2], cp * sd[0] / sd[2]
    return np.array([a, b, cp, a * b, cp + a * b])


@dataclass(frozen=True, kw_only=True, repr=False)
class Mediation(Fit):
    """:func:`mediation`: the paths with their bootstrap intervals, the variables (``x``
    → ``m`` → ``y``), whether they were z-scored, and the ``cluster`` column the bootstrap
    resampled (None: rows)."""

    x: str
    m: str
    y: str
    standardised: bool
    cluster: str | None = None
    unreliable: dict[str, str] = field(default_factory=dict)

    @property
    def direct(self) -> str:
        """The row label of the direct effect c′."""
        return f"direct c′: {self.x} → {self.y}"


def mediation(frame: pd.DataFrame, x: str, m: str, y: str, *, cluster: str | None = None,
              n_boot: int = 1000, seed: int = 2024, level: float = 0.95,
              standardise: bool = True, items: Mapping[str, Sequence[str]] | None = None,
              unreliable: Mapping[str, str] | None = None) -> Mediation:
    """Paths a, b, direct c′, indirect a·b and total c, with percentile bootstrap intervals;
    standardised (SD units, each resample z-scored anew) unless *standardise* is False.

    With *cluster* (a column: outlet, customer) the bootstrap resamples whole clusters
    (:func:`cxlib.stats.robust.cluster_bootstrap`), since rows of one cluster are not
    independent; a row with no cluster label is a cluster of its own. *items* names the
    items of construct scores in messages (:func:`cxlib.errors.require_variation`);
    *unreliable* names the scores whose items do not measure one thing, with the reason
    (``SurveyConstructs.unreliable``): the indirect path through them carries no verdict
    (:func:`indirect_estimate`).
    """
    require_variation(frame.dropna(subset=[x, m, y]), [x, m, y], what="the mediation paths",
                      items=items)
    data = frame[[x, m, y]].dropna().astype(float)
    if cluster:
        data = data.join(frame[cluster])

    def paths(mo: Moments) -> np.ndarray:  # a resample's, from its moments
        return _paths_from_covariance(mo.cov, standardise=standardise)

    columns = data[[x, m, y]].to_numpy(float)
    units = robust.cluster_units(data[cluster], cluster) if cluster else None
    boot = moment_bootstrap(columns, paths, units=units, n_boot=n_boot, seed=seed, level=level)
    names = [f"a: {x} → {m}", f"b: {m} → {y} (given {x})", f"direct c′: {x} → {y}",
             "indirect a·b", "total c"]
    table = pd.DataFrame({"estimate": boot.value, "ci_low": boot.ci_low,
                          "ci_high": boot.ci_high}, index=names)
    over = f" over {boot.n:,} clusters ({cluster})" if cluster else ""
    return Mediation(table=table, n=len(data), level=level, failed=boot.failed, draws=n_boot,
                     clusters=boot.n if cluster else None,
                     method=f"OLS paths, percentile bootstrap ({n_boot}){over}",
                     title=f"Mediation {x} → {m} → {y}"
                           + (" (standardised)" if standardise else ""),
                     x=x, m=m, y=y, standardised=standardise, cluster=cluster,
                     unreliable={k: v for k, v in (unreliable or {}).items()
                                 if k in (x, m, y)})


def indirect_estimate(paths: Mediation) -> Estimate:
    """The indirect path of a :func:`mediation` result as an Estimate: the product of the
    paths a·b, an association through satisfaction, not an effect (the ratings come from one
    questionnaire, and the reverse ordering fits the same numbers); not testable when a
    score on the path is unreliable (``paths.unreliable``)."""
    scale = "standardised " if paths.standardised else ""
    figure = f"indirect association quality → satisfaction → loyalty ({scale}a·b)"
    if paths.unreliable:
        return Estimate.untestable(figure, "; ".join(paths.unreliable.values())
                                   + ": a path through a score made of them cannot show how "
                                   "the constructs relate", paths.n)
    return paths.estimate("indirect a·b", figure=figure)
