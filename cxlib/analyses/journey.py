"""The customer journey: which moments shape the overall judgement, and the Kamin steps.

A customer makes several visits (about six in the sample), and visits of one customer
are not independent: the weights, the step test and the step odds ratio treat the
**customer as the unit** (``customer_id``; when a table has no such column each visit is
its own). The return rates by steps done are descriptive, with per-visit Wilson intervals.

* **Moments** (visits kind, ``r_environment`` … ``r_aftercare``, general → specific):
  overall satisfaction regressed on the first moment, the last, the peak (best), the
  trough (worst) and the mean of the rest, standardised (the peak-end idea of Kahneman;
  Verhoef et al. 2004), with SEs clustered by customer (CR1 with t(G − 1) intervals,
  :mod:`cxlib.stats.robust`; HC3 with t(n − k) when there is no customer column). The
  first-minus-last weight has a cluster bootstrap interval (customers resampled).
* **Hierarchical regression**: the general block (environment, help) first, then the
  specific block (reliability, price, friendliness, after-care); ΔR² and the Wald test
  of the step, W = b̂ᵀ(V̂)⁻¹b̂ over the q specific weights with the clustered V̂,
  F = W/q on (q, G − 1) df.
* **Kamin steps** (``step_*``): return rate by number of steps done (Wilson
  intervals) and the odds ratio of returning per step (logistic, SE clustered by
  customer).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import statsmodels.api as sm

from cxlib.analyses.loyalty import logistic_effect
from cxlib.data.derived import CUSTOMER, MOMENTS, STEPS
from cxlib.stats import robust
from cxlib.stats.estimates import Estimate, Fit, Regression
from cxlib.stats.uncertainty import bootstrap, wilson_ci

GENERAL, SPECIFIC = MOMENTS[:2], MOMENTS[2:]

FEATURES = ["first", "last", "peak", "trough", "middle"]
"""The features of a visit (:func:`cxlib.data.derived.moment_features`)."""


def _columns(data: pd.DataFrame, names: list[str], standardise: bool) -> pd.DataFrame:
    cols = data[names].astype(float)
    return (cols - cols.mean()) / cols.std(ddof=1) if standardise else cols


def _clustered_fit(data: pd.DataFrame, outcome: str, predictors: list[str], *,
                   standardise: bool = False) -> robust.RobustFit:
    """OLS of *outcome* on *predictors* (z-scored with *standardise*), SEs clustered by
    customer (HC3 when there is no customer column)."""
    cols = _columns(data, [outcome, *predictors], standardise)
    return robust.fit(cols[outcome], sm.add_constant(cols[predictors]),
                      clusters=data.get(CUSTOMER), cluster_name="customer")


def _first_minus_last(data: pd.DataFrame) -> float:
    """Standardised OLS weight of the first moment minus that of the last (no SEs)."""
    z = _columns(data, ["overall", *FEATURES], True).to_numpy()
    beta = np.linalg.lstsq(np.column_stack([np.ones(len(z)), z[:, 1:]]), z[:, 0], rcond=None)[0]
    return float(beta[1 + FEATURES.index("first")] - beta[1 + FEATURES.index("last")])


def moment_weights(features: pd.DataFrame, predictors: list[str] = FEATURES) -> Regression:
    """Standardised weights of each moment (of *predictors*) in the overall judgement (SEs
    clustered by customer)."""
    fit = _clustered_fit(features, "overall", list(predictors), standardise=True)
    ci = fit.conf_int()
    table = pd.DataFrame({"weight (SD units)": fit.params, **ci,
                          "p": fit.pvalues}).drop("const")
    return Regression(table=table, n=fit.nobs, method=f"standardised OLS, {fit.method}",
                      clusters=fit.clusters, r2=float(fit.model.rsquared),
                      value="weight (SD units)", title="Weights of the moments in the overall "
                                                       "judgement",
                      figure="standardised weight of the {row} moment")


def first_minus_last(features: pd.DataFrame, *, n_boot: int = 500, seed: int = 2024) -> Estimate:
    """Weight of the first moment minus weight of the last, with a percentile bootstrap
    interval that resamples customers (all their visits together)."""
    diff = _first_minus_last
    customers = None
    if CUSTOMER in features:
        boot = robust.cluster_bootstrap(features, diff, CUSTOMER, n_boot=n_boot, seed=seed)
        how, customers = f"bootstrap over {boot.n:,} customers ({n_boot})", boot.n
    else:
        boot = bootstrap(features, diff, n_boot=n_boot, seed=seed)
        how = f"bootstrap over visits ({n_boot})"
    est = boot.estimate("weight of the first moment minus weight of the last (SD units)",
                        f"standardised OLS, {how}")
    # n counts visits; the method and ``clusters`` name the customers
    return replace(est, n=len(features), clusters=customers)


def hierarchical(visits: pd.DataFrame) -> Fit:
    """R² of the general block, then general + specific, with the clustered Wald test of
    the step (see the module docstring)."""
    data = visits[[*MOMENTS, "overall_sat"]].dropna().astype(float)
    if CUSTOMER in visits:
        data[CUSTOMER] = visits.loc[data.index, CUSTOMER]
    general = _clustered_fit(data, "overall_sat", list(GENERAL))
    full = _clustered_fit(data, "overall_sat", list(MOMENTS))
    f, p = full.wald(list(SPECIFIC))
    r2 = [general.model.rsquared, full.model.rsquared]
    table = pd.DataFrame({"R²": r2, "ΔR²": [r2[0], r2[1] - r2[0]],
                          "F (step)": [np.nan, f], "p (step)": [np.nan, p]},
                         index=["general (environment, help)", "+ specific (reliability, "
                                "price, friendliness, after-care)"])
    return Fit(table=table, n=full.nobs, value="R²", clusters=full.clusters,
               method=f"OLS, Wald test of the specific block, {full.method}",
               title="Hierarchical regression of overall satisfaction")


def return_by_steps(visits: pd.DataFrame) -> Fit:
    """Return rate by number of Kamin steps done, with Wilson intervals."""
    data = visits.dropna(subset=[*STEPS, "returned"])
    steps = data[list(STEPS)].sum(axis=1).astype(int)
    rows = []
    for k, group in data.groupby(steps):
        p, lo, hi = wilson_ci(int(group["returned"].sum()), len(group))
        rows.append({"steps done": k, "visits": len(group), "return rate": p, "ci_low": lo,
                     "ci_high": hi})
    return Fit(table=pd.DataFrame(rows).set_index("steps done"), n=len(data),
               method="share of visits followed by a return, Wilson interval per number of "
                      "steps (visits taken as independent: a description)",
               title="Return rate by Kamin steps done", value="return rate",
               figure="return rate after {row} steps done")


def step_effect(visits: pd.DataFrame, level: float = 0.95) -> Estimate:
    """Odds ratio of returning per Kamin step done (logistic, SE clustered by customer)."""
    data = visits.dropna(subset=[*STEPS, "returned"])
    data = data.assign(steps_done=data[list(STEPS)].sum(axis=1))
    return logistic_effect(data, "returned", "steps_done", level,
                           figure="odds ratio of returning per service step done",
                           cluster=CUSTOMER if CUSTOMER in data else None).effect
