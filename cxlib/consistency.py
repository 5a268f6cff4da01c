"""Consistency: does variable service lose customers even when the average is good?

From visit records, each visit gets the customer's experience so far: the mean and
the standard deviation of the quality of all their visits up to and including this
one (SD 0 on a first visit). A **discrete-time hazard** model (Allison 1982) is a
logistic regression over customer-visits:

    logit P(leave after visit v) = b0 + b1 (mean_v − c) + b2 sd_v + b3 (mean_v − c)·sd_v,

with c the centre of the scale's upper half (so b2 is the effect of variability for a
customer with a fairly good average). Standard errors are clustered by customer,
because a customer's visits are not independent. Sriram, Chintagunta & Manchanda
(2015) found b2 > 0 and that mean quality helps less when variability is high.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from .results import Estimate


def experience_so_far(visits: pd.DataFrame, quality: str = "quality") -> pd.DataFrame:
    """Per visit: the customer's running mean and SD of quality, and the visit number."""
    data = visits.dropna(subset=[quality]).sort_values(["customer_id", "visit_date", "visit_id"])
    g = data.groupby("customer_id")[quality]
    n = g.cumcount() + 1
    mean = g.cumsum() / n
    sq = (data[quality] ** 2).groupby(data["customer_id"]).cumsum()
    var = ((sq - n * mean**2) / (n - 1).where(n > 1)).clip(lower=0)
    return data.assign(visit_number=n, mean_so_far=mean, sd_so_far=np.sqrt(var).fillna(0.0))


def hazard_model(visits: pd.DataFrame, centre: float = 4.5, interaction: bool = True):
    """Fit the discrete-time hazard (see module docstring); returns the statsmodels fit."""
    data = experience_so_far(visits).dropna(subset=["churned_after"])
    data = data.assign(mean_c=data["mean_so_far"] - centre)
    formula = "churned_after ~ mean_c + sd_so_far" + (" + mean_c:sd_so_far" if interaction
                                                      else "")
    codes = data["customer_id"].astype("category").cat.codes
    return smf.logit(formula, data).fit(disp=False, cov_type="cluster",
                                        cov_kwds={"groups": codes})


def odds_ratio(fit, term: str, figure: str, level: float = 0.95) -> Estimate:
    """exp(coefficient) of *term* with its (cluster-robust) interval."""
    lo, hi = fit.conf_int(alpha=1 - level).loc[term]
    return Estimate(figure, float(np.exp(fit.params[term])), float(np.exp(lo)),
                    float(np.exp(hi)), int(fit.nobs), "discrete-time hazard (logit), "
                    "SE clustered by customer", level)


def predicted_churn(fit, means: np.ndarray, sds: tuple[float, ...],
                    centre: float = 4.5) -> pd.DataFrame:
    """Predicted probability of leaving after a visit over mean quality, per SD level,
    with 95% intervals."""
    rows = []
    for sd in sds:
        grid = pd.DataFrame({"mean_c": means - centre, "sd_so_far": sd})
        pred = fit.get_prediction(grid).summary_frame()
        rows.append(pd.DataFrame({"mean quality": means, "sd": sd,
                                  "p_leave": pred["predicted"], "ci_low": pred["ci_lower"],
                                  "ci_high": pred["ci_upper"]}))
    return pd.concat(rows, ignore_index=True)
