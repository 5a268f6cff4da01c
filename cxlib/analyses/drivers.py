"""Key drivers of satisfaction: which service dimensions matter, and how much.

* **Regression with robust errors**: satisfaction = b0 + Σ b_d · score_d + e, by OLS with
  HC3 heteroskedasticity-consistent standard errors (ratings are bounded, so error
  variance is not constant). Standardised coefficients are reported beside them. When
  respondents come in clusters (``cluster="outlet_id"``: customers of one outlet share its
  staff and premises), the errors are CR1, clustered by that column (G clusters;
  :mod:`cxlib.stats.robust`). Intervals are b ± t·SE with t(n − k) for HC3 (as R's
  ``coeftest`` for ``lm``) and t(G − 1) when clustered, which needs at least
  :data:`~cxlib.stats.robust.MIN_CLUSTERS` clusters (fewer: not testable).
* **Relative importance (LMG / Shapley)**: the model R² is split among the
  dimensions by averaging each one's increase in R² over every order of entry
  (Lindeman, Merenda & Gold 1980): with correlated dimensions this is fairer than
  comparing coefficients. R²(S) = r_yS' R_SS⁻¹ r_yS from the correlation matrix.
  Intervals are percentile bootstrap, for each share and for the model R² (the sum of
  the shares), over respondents or over whole clusters when *cluster* is given (at least
  :data:`~cxlib.stats.robust.MIN_CLUSTERS`; no formula gives a standard error for LMG).
  LMG needs R² of all 2^k subsets of the k drivers, so it is computed for at most
  :data:`~cxlib.stats.importance.MAX_LMG_DRIVERS` drivers (:mod:`cxlib.stats.importance`).
* **Importance–performance**: each dimension's mean score (performance, with a t
  interval) against its importance share.

An outcome or a driver that does not vary raises :class:`~cxlib.errors.NotEstimable`:
there is no fit to read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm

from cxlib.errors import NotEstimable, require_variation
from cxlib.stats import robust
from cxlib.stats.estimates import Estimate, Fit, Regression
from cxlib.stats.importance import MAX_LMG_DRIVERS, lmg_of
from cxlib.stats.uncertainty import Moments, mean_ci, moment_bootstrap

Items = Mapping[str, Sequence[str]]
"""The items behind each construct score (``SurveyConstructs.blocks``), so that a message
about a score names them: "SAT (overall_sat) does not vary"."""


def _driver_data(scores: pd.DataFrame, outcome: str, predictors: list[str],
                 items: Items | None) -> pd.DataFrame:
    """The complete rows of *outcome* and *predictors*, each of which must vary; no
    predictors at all raise :class:`NotEstimable` naming the columns that would be drivers."""
    if not predictors:
        raise NotEstimable(f"there are no drivers of {outcome} in these data: they are the "
                           "service dimensions' items (rel_1, res_1, …; see data/README.md) or "
                           "attribute ratings listed under `attributes:` in the mapping file")
    data = scores.dropna(subset=[outcome, *predictors])
    require_variation(data, [outcome, *predictors], what=f"the drivers of {outcome}",
                      items=items)
    return data


@dataclass(frozen=True, kw_only=True, repr=False)
class DriverFit(Regression):
    """:func:`key_drivers`: coefficients with robust errors, the model's ``r2`` and each
    driver's ``sd_ratio`` s_x/s_y (which turns a coefficient into a standardised one)."""

    sd_ratio: Mapping[str, float] = field(default_factory=dict)


def key_drivers(scores: pd.DataFrame, outcome: str, predictors: list[str], *,
                cluster: str | None = None, items: Items | None = None) -> DriverFit:
    """OLS of *outcome* on *predictors* (complete rows) with HC3 standard errors, or CR1
    errors clustered by the column *cluster* of *scores* when given (a row without a
    label is a cluster of its own; fewer than :data:`~cxlib.stats.robust.MIN_CLUSTERS`
    clusters: NotEstimable). Wald intervals b ± t·SE, t(n − k) with HC3 and t(G − 1)
    clustered; the fit's ``method`` names the errors and the quantile, ``clusters`` holds G
    (None unclustered). *items* names the items of construct scores in messages."""
    data = _driver_data(scores, outcome, predictors, items)
    fit = robust.fit(data[outcome], sm.add_constant(data[predictors].astype(float)),
                     clusters=robust.cluster_column(data, cluster), cluster_name=cluster or "")
    ci = fit.conf_int()
    sd = data[predictors].std(ddof=1) / data[outcome].std(ddof=1)
    table = pd.DataFrame({"coefficient": fit.params, "robust SE": fit.bse,
                          "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                          "p": fit.pvalues}).drop("const")
    table["standardised"] = table["coefficient"] * sd
    return DriverFit(table=table, n=fit.nobs, method=fit.method, clusters=fit.clusters,
                     title=f"Drivers of {outcome} (OLS)",
                     figure=f"coefficient of {{row}} on {outcome}", r2=float(fit.model.rsquared),
                     sd_ratio={k: float(v) for k, v in sd.items()})


def standardised_effects(fit: DriverFit, level: float = 0.95) -> Fit:
    """Each driver's standardised coefficient b·s_x/s_y from a :func:`key_drivers` fit,
    with its interval (HC3 or clustered) rescaled by the same factor (the SDs taken as
    fixed); one row per driver, each row's Estimate named "standardised effect of X on
    satisfaction"."""
    ratios = fit.sd_ratio
    if not all(0 < r < np.inf for r in ratios.values()):
        raise NotEstimable("a driver or the outcome does not vary, so no effect can be "
                           "standardised")
    scale = pd.Series(ratios).reindex(fit.table.index)
    table = pd.DataFrame({"estimate": fit.table["standardised"],
                          "ci_low": fit.table["ci_low"] * scale,
                          "ci_high": fit.table["ci_high"] * scale})
    return Fit(table=table, n=fit.n, method=f"OLS, {fit.method}, standardised", level=level,
               clusters=fit.clusters, title="Standardised effects on satisfaction",
               figure="standardised effect of {row} on satisfaction")


@dataclass(frozen=True, kw_only=True, repr=False)
class Importance(Fit):
    """:func:`relative_importance`: each driver's LMG share with its bootstrap interval,
    ranked (``rank``), and the model's ``r2`` (the sum of the shares) as an Estimate."""

    r2: Estimate

    def facts(self) -> dict:
        return {"R²": str(self.r2)}


def relative_importance(scores: pd.DataFrame, outcome: str, predictors: list[str], *,
                        n_boot: int = 500, seed: int = 2024, cluster: str | None = None,
                        items: Items | None = None,
                        outcome_name: str = "satisfaction") -> Importance:
    """LMG importance with percentile bootstrap intervals, as R² points and as shares of
    R², ranked from the most important; with *cluster* (a column of *scores*) the bootstrap
    resamples whole clusters (:func:`cxlib.stats.robust.cluster_bootstrap`); the fit's
    ``method`` says which. Each row's Estimate is "relative importance of X for
    *outcome_name* (LMG, R² points; rank k of K)"; ``r2`` is the model's R² with its
    bootstrap interval."""
    if len(predictors) > MAX_LMG_DRIVERS:
        raise NotEstimable(f"relative importance (LMG) of {len(predictors)} drivers needs "
                           f"2^{len(predictors)} regressions per resample; it is computed for "
                           f"at most {MAX_LMG_DRIVERS}. Group the attributes into constructs "
                           "(`constructs:` in the mapping), or read the regression coefficients")
    data = _driver_data(scores, outcome, predictors, items)

    def shares_and_r2(m: Moments) -> np.ndarray:  # a resample's, from its moments
        shares = lmg_of(m.corr())
        return np.append(shares, shares.sum())

    columns = data[[outcome, *predictors]].to_numpy(float)
    if cluster is None:
        boot = moment_bootstrap(columns, shares_and_r2, n_boot=n_boot, seed=seed)
        over = f"percentile bootstrap ({n_boot}) over respondents"
    else:
        robust.cluster_column(data, cluster)
        boot = moment_bootstrap(columns, shares_and_r2, n_boot=n_boot, seed=seed,
                                units=robust.cluster_units(data[cluster], cluster))
        over = f"percentile bootstrap ({n_boot}) clustered by {cluster} ({boot.n:,} clusters)"
    value, total = boot.value[:-1], boot.value[-1]
    table = pd.DataFrame({"LMG (R² points)": value, "ci_low": boot.ci_low[:-1],
                          "ci_high": boot.ci_high[:-1], "share of R²": value / total},
                         index=pd.Index(predictors, name="dimension"))
    table = table.sort_values("LMG (R² points)", ascending=False)
    table["rank"] = np.arange(1, len(table) + 1)
    method = f"LMG relative importance, {over}"
    common = dict(n=len(data), method=method, level=boot.level, failed=boot.failed,
                  draws=n_boot, clusters=boot.n if cluster is not None else None)
    k = len(table)
    r2 = Estimate(f"R² of {outcome_name} on its {k} drivers", float(total),
                  float(boot.ci_low[-1]), float(boot.ci_high[-1]), **common)
    return Importance(table=table, title=f"Relative importance for {outcome_name} (LMG)",
                      value="LMG (R² points)", r2=r2,
                      figure=f"relative importance of {{row}} for {outcome_name} (LMG, R² "
                             f"points; rank {{rank:.0f}} of {k})", **common)


def importance_performance(scores: pd.DataFrame, importance: Importance) -> Fit:
    """Performance (mean score with t interval) beside importance share, per dimension."""
    rows = []
    for dim in importance.table.index:
        m, lo, hi = mean_ci(scores[dim])
        rows.append({"dimension": dim, "performance": m, "ci_low": lo, "ci_high": hi,
                     "importance": importance.table.loc[dim, "share of R²"]})
    return Fit(table=pd.DataFrame(rows).set_index("dimension"), n=len(scores),
               method="mean score with t interval; importance: LMG share of R²",
               title="Importance and performance", value="performance",
               figure="mean score of {row}")
