"""The customer journey: which moments shape the overall judgement, and the Kamin steps.

* **Moments** (visits kind, ``r_environment`` … ``r_aftercare``, general → specific):
  overall satisfaction regressed on the first moment, the last, the peak (best), the
  trough (worst) and the mean of the rest, standardised, HC3 errors (the
  peak-end idea of Kahneman; Verhoef et al. 2004). The first-minus-last weight has a
  bootstrap interval.
* **Hierarchical regression**: the general block (environment, help) first, then the
  specific block (reliability, price, friendliness, after-care); ΔR² and its F test.
* **Kamin steps** (``step_*``): return rate by number of steps done (Wilson
  intervals) and the odds ratio of returning per step (logistic, HC3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from .results import Estimate
from .uncertainty import bootstrap, wilson_ci

MOMENTS = ("r_environment", "r_help", "r_reliability", "r_price", "r_friendliness",
           "r_aftercare")
GENERAL, SPECIFIC = MOMENTS[:2], MOMENTS[2:]
STEPS = ("step_greet", "step_needs", "step_meet", "step_check", "step_door")


def moment_features(visits: pd.DataFrame, moments=MOMENTS) -> pd.DataFrame:
    """First, last, peak, trough and mean-of-the-middle moment ratings, plus overall."""
    x = visits[list(moments)].astype(float)
    return pd.DataFrame({"first": x.iloc[:, 0], "last": x.iloc[:, -1], "peak": x.max(axis=1),
                         "trough": x.min(axis=1), "middle": x.iloc[:, 1:-1].mean(axis=1),
                         "overall": visits["overall_sat"].astype(float)}).dropna()


def _standardised_fit(data: pd.DataFrame, outcome: str, predictors: list[str]):
    z = (data - data.mean()) / data.std(ddof=1)
    return sm.OLS(z[outcome], sm.add_constant(z[predictors])).fit(cov_type="HC3")


def moment_weights(features: pd.DataFrame) -> pd.DataFrame:
    """Standardised weights of each moment in the overall judgement (HC3 intervals)."""
    preds = ["first", "last", "peak", "trough", "middle"]
    fit = _standardised_fit(features, "overall", preds)
    ci = fit.conf_int()
    table = pd.DataFrame({"weight (SD units)": fit.params, "ci_low": ci[0], "ci_high": ci[1],
                          "p": fit.pvalues}).drop("const")
    table.attrs.update(r2=fit.rsquared, n=int(fit.nobs))
    return table


def first_minus_last(features: pd.DataFrame, *, n_boot: int = 500, seed: int = 2024) -> Estimate:
    """Weight of the first moment minus weight of the last, with a bootstrap interval."""
    preds = ["first", "last", "peak", "trough", "middle"]

    def diff(d: pd.DataFrame) -> float:
        p = _standardised_fit(d, "overall", preds).params
        return p["first"] - p["last"]

    boot = bootstrap(features, diff, n_boot=n_boot, seed=seed)
    return Estimate("weight of the first moment minus weight of the last (SD units)",
                    float(boot.value[0]), float(boot.ci_low[0]), float(boot.ci_high[0]),
                    len(features), f"standardised OLS, bootstrap ({n_boot})")


def hierarchical(visits: pd.DataFrame) -> pd.DataFrame:
    """R² of the general block, then general + specific, with the F test of the step."""
    data = visits[[*MOMENTS, "overall_sat"]].dropna().astype(float)
    y = data["overall_sat"]
    general = sm.OLS(y, sm.add_constant(data[list(GENERAL)])).fit()
    full = sm.OLS(y, sm.add_constant(data[list(MOMENTS)])).fit()
    f, p, _df = full.compare_f_test(general)
    return pd.DataFrame({"R²": [general.rsquared, full.rsquared],
                         "ΔR²": [general.rsquared, full.rsquared - general.rsquared],
                         "F (step)": [np.nan, f], "p (step)": [np.nan, p]},
                        index=["general (environment, help)", "+ specific (reliability, price, "
                               "friendliness, after-care)"])


def return_by_steps(visits: pd.DataFrame) -> pd.DataFrame:
    """Return rate by number of Kamin steps done, with Wilson intervals."""
    data = visits.dropna(subset=[*STEPS, "returned"])
    steps = data[list(STEPS)].sum(axis=1).astype(int)
    rows = []
    for k, group in data.groupby(steps):
        p, lo, hi = wilson_ci(int(group["returned"].sum()), len(group))
        rows.append({"steps done": k, "visits": len(group), "return rate": p, "ci_low": lo,
                     "ci_high": hi})
    return pd.DataFrame(rows).set_index("steps done")


def step_effect(visits: pd.DataFrame, level: float = 0.95) -> Estimate:
    """Odds ratio of returning per Kamin step done (logistic, HC3)."""
    from .loyalty import logistic_effect

    data = visits.dropna(subset=[*STEPS, "returned"])
    data = data.assign(steps_done=data[list(STEPS)].sum(axis=1))
    return logistic_effect(data, "returned", "steps_done", level,
                           figure="odds ratio of returning per service step done")[0]
