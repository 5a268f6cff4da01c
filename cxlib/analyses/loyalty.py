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
from itertools import pairwise

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf

from cxlib.errors import NotEstimable, UserDataError, require_variation
from cxlib.stats import robust
from cxlib.stats.design import adjusted_for, frequency_rows, predictors
from cxlib.stats.estimates import Estimate
from cxlib.stats.ordinal import fit_ordinal
from cxlib.stats.robust import RobustFit
from cxlib.stats.uncertainty import Moments, moment_bootstrap


def ordered_levels(values: pd.Series, order: Sequence | None = None) -> pd.Series:
    """*values* as an ordered Categorical: in *order* (lowest first) when given, else in
    the order of an ordered Categorical, else numerically; text without an *order* is
    refused, naming its levels."""
    if order is not None:
        unknown = sorted(set(values.unique()) - set(order), key=str)
        if unknown:
            raise UserDataError(f"{values.name} has level(s) {', '.join(map(str, unknown))} "
                                f"that the order {list(order)} does not list")
        cats = pd.Categorical(values, categories=list(order), ordered=True)
    elif isinstance(values.dtype, pd.CategoricalDtype) and values.cat.ordered:
        cats = values.array
    else:
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.notna().all():
            cats = pd.Categorical(numbers, ordered=True)
        else:
            levels = ", ".join(map(str, pd.unique(values)))
            raise UserDataError(
                f"{values.name} is text ({levels}); its order cannot be guessed, and the "
                f"alphabetical one is usually wrong (High < Low < Medium). Give the order from "
                f"lowest to highest, e.g. order=['Low', 'Medium', 'High'], or make the column "
                f"an ordered pandas Categorical")
    return pd.Series(cats, index=values.index, name=values.name).cat.remove_unused_categories()


def ordinal_effect(frame: pd.DataFrame, outcome: str, predictor: str,
                   level: float = 0.95, *, order: Sequence | None = None,
                   cluster: str | None = None, covariates: Sequence[str] = (),
                   reference: Mapping[str, str] | None = None,
                   weights: str | None = None) -> tuple[Estimate, RobustFit]:
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
    return est, rfit


def logistic_effect(frame: pd.DataFrame, outcome: str, predictor: str, level: float = 0.95,
                    figure: str | None = None, *, cluster: str | None = None,
                    covariates: Sequence[str] = (), reference: Mapping[str, str] | None = None,
                    weights: str | None = None) -> tuple[Estimate, RobustFit]:
    """Odds ratio of a 0/1 *outcome* (churn, abandoning, returning) per unit of *predictor*
    (logistic GLM), adjusted for *covariates* (as in :func:`ordinal_effect`): exp(b) with the
    Wald interval exp(b ± z·SE), SE from the HC3 sandwich, or exp(b ± t_{G−1}·SE) clustered
    by the column *cluster* when given (at least :data:`~cxlib.stats.robust.MIN_CLUSTERS`
    clusters; see :mod:`cxlib.stats.robust`); *weights* names a column of
    frequency weights (rows counted that many times)."""
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
    return est, fit


def loyalty_by_level(frame: pd.DataFrame, outcome: str, predictor: str) -> pd.DataFrame:
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
    return pd.DataFrame(rows).set_index(predictor)


def top_box_step(frame: pd.DataFrame, outcome: str, predictor: str, *, n_boot: int = 500,
                 seed: int = 2024, min_n: int = 10, cluster: str | None = None) -> Estimate:
    """Gain in mean loyalty from the 2nd-highest to the highest satisfaction level, minus
    the average gain per level below (levels with fewer than *min_n* answers skipped).
    Percentile bootstrap over respondents, or over whole clusters of the column *cluster*
    when given (:func:`cxlib.stats.robust.cluster_bootstrap`; the estimate carries G in
    ``clusters``)."""
    labels = robust.cluster_column(frame, cluster)
    keep = frame[[outcome, predictor]].notna().all(axis=1)
    data = frame.loc[keep, [outcome, predictor]]
    require_variation(data, [outcome, predictor], what="the top-box step")
    counts = data[predictor].value_counts()
    levels = np.sort(counts[counts >= min_n].index.to_numpy())
    if len(levels) < 3:
        raise NotEstimable(f"{predictor} has {len(levels)} level(s) with at least {min_n} "
                           f"answers; the top-box step needs three")
    if labels is not None:
        data = data.assign(**{cluster: labels[keep].to_numpy()})
    data = data[data[predictor].isin(levels)]

    # a resample's level means from the moments of the level indicators 1{x = l} and of
    # y·1{x = l} (moment_bootstrap): the draws of a bootstrap over its rows, without the rows
    given = data[predictor].to_numpy()
    shown = np.column_stack([given == lev for lev in levels]).astype(float)
    columns = np.column_stack([shown, shown * data[outcome].to_numpy(float)[:, None]])

    def step(m: Moments) -> float:
        counts = np.round(m.mean[:len(levels)] * m.n)  # answers at each level
        with np.errstate(divide="ignore", invalid="ignore"):
            means = np.where(counts > 0, m.mean[len(levels):] * m.n / counts, np.nan)
        gains = np.diff(means)
        return gains[-1] - np.nanmean(gains[:-1])

    figure = f"top-box step in {outcome} (completely vs merely satisfied)"
    method = f"difference of mean gains, percentile bootstrap ({n_boot})"
    if labels is None:
        return moment_bootstrap(columns, step, n_boot=n_boot, seed=seed).estimate(figure, method)
    boot = moment_bootstrap(columns, step, n_boot=n_boot, seed=seed,
                            units=robust.cluster_units(data[cluster], cluster))
    return Estimate(figure, float(boot.value[0]), float(boot.ci_low[0]), float(boot.ci_high[0]),
                    len(data), f"{method} clustered by {cluster} ({boot.n:,} clusters)",
                    boot.level, failed=boot.failed, draws=boot.n_boot, clusters=boot.n)


def spline_test(frame: pd.DataFrame, outcome: str, predictor: str, df: int = 3) -> dict:
    """F test of a natural cubic spline in *predictor* against the straight line; the
    result holds the fitted spline curve with its 95% band for plotting."""
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
    return {"F": float(f), "p": float(p), "df": int(ddf), "r2_linear": float(linear.rsquared),
            "r2_spline": float(spline.rsquared), "n": int(linear.nobs), "curve": curve}


def mediation_paths(data: pd.DataFrame, x: str, m: str, y: str, *,
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


def mediation_paths_of(cov: np.ndarray, *, standardise: bool = False) -> np.ndarray:
    """:func:`mediation_paths` from the covariance matrix of (x, m, y): a = C_xm/C_xx,
    (c′, b) = C[(x, m), (x, m)]⁺C[(x, m), y]; standardised, a·s_x/s_m, b·s_m/s_y and
    c′·s_x/s_y (the paths of the z-scored variables)."""
    a = cov[0, 1] / cov[0, 0]
    cp, b = np.linalg.lstsq(cov[:2, :2], cov[:2, 2], rcond=None)[0]
    if standardise:
        sd = np.sqrt(np.diag(cov))
        a, b, cp = a * sd[0] / sd[1], b * sd[1] / sd[2], cp * sd[0] / sd[2]
    return np.array([a, b, cp, a * b, cp + a * b])


def mediation(frame: pd.DataFrame, x: str, m: str, y: str, *, cluster: str | None = None,
              n_boot: int = 1000, seed: int = 2024, level: float = 0.95,
              standardise: bool = True) -> pd.DataFrame:
    """Paths a, b, direct c′, indirect a·b and total c, with percentile bootstrap intervals;
    standardised (SD units, each resample z-scored anew) unless *standardise* is False.

    With *cluster* (a column: outlet, customer) the bootstrap resamples whole clusters
    (:func:`cxlib.stats.robust.cluster_bootstrap`), since rows of one cluster are not
    independent; a row with no cluster label is a cluster of its own.
    """
    require_variation(frame.dropna(subset=[x, m, y]), [x, m, y], what="the mediation paths")
    data = frame[[x, m, y]].dropna().astype(float)
    if cluster:
        data = data.join(frame[cluster])

    def paths(mo: Moments) -> np.ndarray:  # a resample's, from its moments
        return mediation_paths_of(mo.cov, standardise=standardise)

    columns = data[[x, m, y]].to_numpy(float)
    units = robust.cluster_units(data[cluster], cluster) if cluster else None
    boot = moment_bootstrap(columns, paths, units=units, n_boot=n_boot, seed=seed, level=level)
    names = [f"a: {x} → {m}", f"b: {m} → {y} (given {x})", f"direct c′: {x} → {y}",
             "indirect a·b", "total c"]
    table = pd.DataFrame({"estimate": boot.value, "ci_low": boot.ci_low,
                          "ci_high": boot.ci_high}, index=names)
    table.attrs.update(n=len(data), n_boot=n_boot, standardised=standardise,
                       failed=boot.failed, cluster=cluster,
                       clusters=boot.n if cluster else None, x=x, m=m, y=y)
    return table


def mediated_share(table: pd.DataFrame) -> str:
    """How much of the effect of x on y runs through m, in words, from a :func:`mediation`
    table: share = a·b / c, with total c = c′ + a·b (the direct part is c′ / c).

    The share is stated only when it means something: the total effect's interval excludes
    0 and a·b and c′ have the same sign (otherwise one part cancels the other and a
    "share" can exceed 100%); "mostly through" needs share > 1/2."""
    x, m, y = (table.attrs[k] for k in ("x", "m", "y"))
    ab = float(table.loc["indirect a·b", "estimate"])
    cp = float(table.loc[f"direct c′: {x} → {y}", "estimate"])
    total = table.loc["total c"]
    c = float(total["estimate"])
    if total["ci_low"] <= 0 <= total["ci_high"] or ab * cp < 0:
        return (f"the effect of {x} on {y} does not split into shares here: total c "
                f"{c:.3f} [{total['ci_low']:.3f}, {total['ci_high']:.3f}], indirect a·b "
                f"{ab:.3f}, direct c′ {cp:.3f}")
    share = ab / c
    how = "mostly through" if share > 0.5 else "less than half through"
    return (f"{share:.0%} of the effect of {x} on {y} runs through {m} (indirect a·b {ab:.3f} "
            f"of total c {c:.3f}; direct c′ {cp:.3f}): {x} acts on {y} {how} {m}")


def indirect_estimate(table: pd.DataFrame) -> Estimate:
    """The indirect effect row of a :func:`mediation` table as an Estimate."""
    row = table.loc["indirect a·b"]
    a = table.attrs
    scale = "standardised " if a.get("standardised") else ""
    over = f" over {a['clusters']:,} clusters ({a['cluster']})" if a.get("cluster") else ""
    return Estimate(f"indirect effect service → satisfaction → loyalty ({scale}a·b)",
                    float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"]),
                    int(a["n"]), f"OLS paths, percentile bootstrap ({a['n_boot']}){over}",
                    failed=int(a.get("failed", 0)), draws=int(a["n_boot"]),
                    clusters=a.get("clusters"))
