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
  :data:`MAX_LMG_DRIVERS` drivers.
* **Importance–performance**: each dimension's mean score (performance, with a t
  interval) against its importance share.

An outcome or a driver that does not vary raises :class:`~cxlib.errors.NotEstimable`:
there is no fit to read.
"""

from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np
import pandas as pd
import statsmodels.api as sm

from cxlib.errors import NotEstimable, require_variation
from cxlib.stats import robust
from cxlib.stats.estimates import Estimate
from cxlib.stats.uncertainty import Moments, mean_ci, moment_bootstrap


def complete(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, int]:
    """Rows with every one of *columns* present, and how many rows were left out."""
    kept = frame.dropna(subset=columns)
    return kept, len(frame) - len(kept)


def driver_data(scores: pd.DataFrame, outcome: str, predictors: list[str]) -> pd.DataFrame:
    """The complete rows of *outcome* and *predictors*, each of which must vary; no
    predictors at all raise :class:`NotEstimable` naming the columns that would be drivers."""
    if not predictors:
        raise NotEstimable(f"there are no drivers of {outcome} in these data: they are the "
                           "service dimensions' items (rel_1, res_1, …; see data/README.md) or "
                           "attribute ratings listed under `attributes:` in the mapping file")
    data, _ = complete(scores, [outcome, *predictors])
    require_variation(data, [outcome, *predictors], what=f"the drivers of {outcome}")
    return data


def key_drivers(scores: pd.DataFrame, outcome: str, predictors: list[str], *,
                cluster: str | None = None) -> pd.DataFrame:
    """OLS of *outcome* on *predictors* (complete rows) with HC3 standard errors, or CR1
    errors clustered by the column *cluster* of *scores* when given (a row without a
    label is a cluster of its own; fewer than :data:`~cxlib.stats.robust.MIN_CLUSTERS`
    clusters: NotEstimable). Wald intervals b ± t·SE, t(n − k) with HC3 and t(G − 1)
    clustered; ``attrs["method"]`` names the errors and the quantile, ``attrs["clusters"]``
    holds G (None unclustered)."""
    data = driver_data(scores, outcome, predictors)
    fit = robust.fit(data[outcome], sm.add_constant(data[predictors].astype(float)),
                     clusters=robust.cluster_column(data, cluster), cluster_name=cluster or "")
    ci = fit.conf_int()
    sd = data[predictors].std(ddof=1) / data[outcome].std(ddof=1)
    table = pd.DataFrame({"coefficient": fit.params, "robust SE": fit.bse,
                          "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                          "p": fit.pvalues}).drop("const")
    table["standardised"] = table["coefficient"] * sd
    table.attrs.update(r2=fit.model.rsquared, n=fit.nobs, sd_ratio=sd.to_dict(),
                       method=fit.method, clusters=fit.clusters)
    return table


def standardised_effects(table: pd.DataFrame, level: float = 0.95) -> dict[str, Estimate]:
    """Each driver's standardised coefficient b·s_x/s_y from a :func:`key_drivers` table,
    with its interval (HC3 or clustered) rescaled by the same factor (the SDs taken as
    fixed)."""
    ratios = table.attrs["sd_ratio"]
    if not all(0 < r < np.inf for r in ratios.values()):
        raise NotEstimable("a driver or the outcome does not vary, so no effect can be "
                           "standardised")
    out = {}
    for dim, row in table.iterrows():
        scale = ratios[dim]
        out[dim] = Estimate(f"standardised effect of {dim} on satisfaction", row["standardised"],
                            row["ci_low"] * scale, row["ci_high"] * scale, table.attrs["n"],
                            f"OLS, {table.attrs['method']}, standardised", level,
                            clusters=table.attrs.get("clusters"))
    return out


def _r2_subsets(corr: np.ndarray) -> dict[frozenset, float]:
    """R² of the outcome (index 0) on every subset of predictors (indices 1..k)."""
    k = corr.shape[0] - 1
    r2 = {frozenset(): 0.0}
    for size in range(1, k + 1):
        for subset in combinations(range(1, k + 1), size):
            idx = list(subset)
            r = corr[0, idx]
            r2[frozenset(subset)] = float(r @ np.linalg.solve(corr[np.ix_(idx, idx)], r))
    return r2


MAX_LMG_DRIVERS = 15
"""Above this many drivers the 2^k regressions of LMG (×500 resamples) take too long."""


def lmg(data: pd.DataFrame, outcome: str, predictors: list[str]) -> np.ndarray:
    """LMG/Shapley share of R² of each predictor (the shares add up to R²)."""
    return lmg_of(np.corrcoef(data[[outcome, *predictors]].to_numpy(dtype=float),
                              rowvar=False))


def lmg_of(corr: np.ndarray) -> np.ndarray:
    """LMG shares from the correlation matrix of the outcome (first) and the predictors."""
    r2 = _r2_subsets(corr)
    k = corr.shape[0] - 1
    out = np.zeros(k)
    for j in range(1, k + 1):
        others = [i for i in range(1, k + 1) if i != j]
        for size in range(k):
            weight = 1 / (k * comb(k - 1, size))
            for subset in combinations(others, size):
                s = frozenset(subset)
                out[j - 1] += weight * (r2[s | {j}] - r2[s])
    return out


def relative_importance(scores: pd.DataFrame, outcome: str, predictors: list[str], *,
                        n_boot: int = 500, seed: int = 2024,
                        cluster: str | None = None) -> pd.DataFrame:
    """LMG importance with percentile bootstrap intervals, as R² points and as shares of
    R²; with *cluster* (a column of *scores*) the bootstrap resamples whole clusters
    (:func:`cxlib.stats.robust.cluster_bootstrap`). ``attrs["method"]`` says which."""
    if len(predictors) > MAX_LMG_DRIVERS:
        raise NotEstimable(f"relative importance (LMG) of {len(predictors)} drivers needs "
                           f"2^{len(predictors)} regressions per resample; it is computed for "
                           f"at most {MAX_LMG_DRIVERS}. Group the attributes into constructs "
                           "(`constructs:` in the mapping), or read the regression coefficients")
    data = driver_data(scores, outcome, predictors)

    def shares_and_r2(m: Moments) -> np.ndarray:  # a resample's, from its moments
        shares = lmg_of(m.corr())
        return np.append(shares, shares.sum())

    columns = data[[outcome, *predictors]].to_numpy(float)
    if cluster is None:
        boot = moment_bootstrap(columns, shares_and_r2, n_boot=n_boot, seed=seed)
        method = f"percentile bootstrap ({n_boot}) over respondents"
    else:
        robust.cluster_column(data, cluster)
        boot = moment_bootstrap(columns, shares_and_r2, n_boot=n_boot, seed=seed,
                                units=robust.cluster_units(data[cluster], cluster))
        method = f"percentile bootstrap ({n_boot}) clustered by {cluster} ({boot.n:,} clusters)"
    value, total = boot.value[:-1], boot.value[-1]
    table = pd.DataFrame({"LMG (R² points)": value, "ci_low": boot.ci_low[:-1],
                          "ci_high": boot.ci_high[:-1], "share of R²": value / total},
                         index=pd.Index(predictors, name="dimension"))
    table.attrs.update(r2=float(total), r2_ci=(float(boot.ci_low[-1]), float(boot.ci_high[-1])),
                       n=len(data), n_boot=n_boot, failed=boot.failed, level=boot.level,
                       method=method, cluster=cluster,
                       clusters=boot.n if cluster is not None else None)
    return table.sort_values("LMG (R² points)", ascending=False)


def importance_estimates(table: pd.DataFrame, outcome: str = "satisfaction"
                         ) -> dict[str, Estimate]:
    """Each driver's LMG share of R² (in R² points, with its bootstrap interval) from a
    :func:`relative_importance` table, ranked from the most important; and under the key
    ``"R²"`` the model's R² (the sum of the shares) with its bootstrap interval."""
    a = table.attrs
    common = dict(n=a["n"], method=f"LMG relative importance, {a['method']}",
                  level=a["level"], failed=a["failed"], draws=a["n_boot"],
                  clusters=a.get("clusters"))
    out = {}
    for rank, (dim, row) in enumerate(table.iterrows(), 1):
        out[dim] = Estimate(f"relative importance of {dim} for {outcome} (LMG, R² points; "
                            f"rank {rank} of {len(table)})", float(row["LMG (R² points)"]),
                            float(row["ci_low"]), float(row["ci_high"]), **common)
    out["R²"] = Estimate(f"R² of {outcome} on its {len(table)} drivers", a["r2"], *a["r2_ci"],
                         **common)
    return out


def importance_performance(scores: pd.DataFrame, importance: pd.DataFrame) -> pd.DataFrame:
    """Performance (mean score with t interval) beside importance share, per dimension."""
    rows = []
    for dim in importance.index:
        m, lo, hi = mean_ci(scores[dim])
        rows.append({"dimension": dim, "performance": m, "perf_low": lo, "perf_high": hi,
                     "importance": importance.loc[dim, "share of R²"]})
    return pd.DataFrame(rows).set_index("dimension")
