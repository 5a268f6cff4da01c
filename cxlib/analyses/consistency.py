"""Consistency: does variable service lose customers even when the average is good?

From visit records, each visit gets the customer's experience so far: the mean and
the standard deviation of the quality of all their visits up to and including this
one. On a first visit there is no spread yet: the SD is undefined (missing). A
**discrete-time hazard** model (Allison 1982) is a logistic regression over
customer-visits v = 1, 2, …:

    logit P(leave after visit v) = b0 + g·[v = 1] + s(log v) + b1 (mean_v − c)
                                   + b2 sd_v·[v > 1] + b3 (mean_v − c)·sd_v·[v > 1]

* **Baseline hazard.** g·[v = 1] + s(log v) lets the chance of leaving depend on the
  visit number itself: many customers try a place once and never return, whatever its
  consistency. s is a natural cubic spline in log v over the later visits (up to 3 df;
  fewer when the data have few distinct visit numbers). Without it, the high churn after
  first visits, where the SD cannot be large, would be read as "low variability makes
  customers leave".
* The first-visit term g also absorbs the undefined SD: sd_v enters only from the
  second visit on.
* c is the centre of the scale's upper half, so b2 is the effect of variability for a
  customer with a fairly good average.
* Standard errors are clustered by customer (CR1, :mod:`cxlib.stats.robust`), because a
  customer's visits are not independent.

Sriram, Chintagunta & Manchanda (2015) found b2 > 0 and that mean quality helps less when
variability is high (b3 > 0 on the odds-ratio scale above 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import patsy

from cxlib.data.derived import experience_so_far
from cxlib.errors import NotEstimable, require_variation
from cxlib.stats import robust
from cxlib.stats.estimates import Estimate, Fit, Result

MAX_SPLINE_DF = 3


def _later_visit_basis(visit_number: pd.Series) -> patsy.DesignInfo | None:
    """The spline s(log v) of the baseline, built on the visits after the first: a natural
    cubic spline with k = min(3, distinct later visit numbers − 1) centred columns
    (inner knots at quantiles of the distinct values), a straight line in log v when
    k = 1, nothing when every later visit is a second one."""
    x = np.log(np.unique(visit_number[visit_number > 1]).astype(float))
    k = min(MAX_SPLINE_DF, len(x) - 1)
    if k < 1:
        return None
    if k == 1:
        return patsy.dmatrix("x - 1", {"x": x}).design_info
    knots = list(np.quantile(x, np.arange(1, k) / k))
    return patsy.dmatrix(f"cr(x, knots={knots}, lower_bound={x[0]}, upper_bound={x[-1]}, "
                         "constraints='center') - 1", {"x": x}).design_info


def _baseline_columns(visit_number: pd.Series, basis: patsy.DesignInfo | None) -> pd.DataFrame:
    """Constant, first-visit indicator and the spline columns, with the spline evaluated
    at max(v, 2) (its value at a first visit is absorbed by the indicator)."""
    v = visit_number.astype(float)
    out = pd.DataFrame({"const": 1.0, "first_visit": (v == 1).astype(float)}, index=v.index)
    if basis is not None:
        x = np.log(np.clip(v.to_numpy(), 2, None))
        spline = patsy.build_design_matrices([basis], {"x": x})[0]
        for j in range(spline.shape[1]):
            out[f"visit_spline_{j + 1}"] = np.asarray(spline)[:, j]
    return out


def _design(rows: pd.DataFrame, basis, centre: float, interaction: bool) -> pd.DataFrame:
    """Baseline columns plus mean_c, sd_so_far·[v > 1] and their product."""
    x = _baseline_columns(rows["visit_number"], basis)
    x["mean_c"] = rows["mean_so_far"] - centre
    x["sd_so_far"] = rows["sd_so_far"].where(rows["visit_number"] > 1, 0.0)
    if interaction:
        x["mean_c:sd_so_far"] = x["mean_c"] * x["sd_so_far"]
    return x


METHOD = "discrete-time hazard (logit) with a baseline in visit number"


@dataclass(frozen=True, repr=False)
class HazardFit(Result):
    """The fitted discrete-time hazard: coefficients with SEs clustered by customer
    (``fit``), the centre c of the mean, whether the model has the interaction, the spline
    basis of the baseline and the median visit number after the first (``typical_visit``).
    Its table: coefficients (log-odds), clustered SEs, odds ratios and their intervals, each
    row with what its term is (:meth:`meaning`)."""

    fit: robust.RobustFit
    centre: float
    interaction: bool
    basis: patsy.DesignInfo | None
    typical_visit: int
    title: str = "Discrete-time hazard of leaving after a visit"
    value: str = "odds ratio"

    @property
    def table(self) -> pd.DataFrame:
        table = self.fit.table(self.level, odds_ratios=True)
        table.insert(0, "term", [self.meaning(t) for t in table.index])
        return table

    def meaning(self, term: str) -> str:
        """What a term of the model is: the label of its row. With the interaction, the SD
        term is its effect at mean quality ``centre`` (the mean is centred there); the
        intercept's "odds ratio" column holds the baseline odds, which its label says."""
        if term.startswith("visit_spline_"):
            return (f"baseline over later visits (part {term.rsplit('_', 1)[1]} of a smooth "
                    "curve in the visit number)")
        at = f", at mean quality {self.centre:g}" if self.interaction else ""
        return {"const": f"intercept: log-odds of leaving after a later visit, mean quality "
                         f"{self.centre:g}, no spread (its odds ratio is these odds, not a "
                         f"ratio)",
                "first_visit": "extra log-odds of leaving after a first visit",
                "mean_c": f"mean quality so far, minus {self.centre:g}",
                "sd_so_far": f"SD of quality so far (from the second visit on){at}",
                "mean_c:sd_so_far": "mean × SD: how the mean's effect changes with the SD",
                }.get(term, term)

    @property
    def n(self) -> int:
        return self.fit.nobs

    @property
    def method(self) -> str:
        return f"{METHOD}, {self.fit.method}"

    @property
    def clusters(self) -> int | None:
        return self.fit.clusters

    def design(self, means: np.ndarray, sd: float, visit: int) -> pd.DataFrame:
        """Design rows for a customer at *visit* with these running means and SD."""
        rows = pd.DataFrame({"visit_number": visit, "mean_so_far": np.asarray(means, float),
                             "sd_so_far": sd})
        return _design(rows, self.basis, self.centre, self.interaction)


def hazard_model(visits: pd.DataFrame, centre: float = 4.5,
                 interaction: bool = True) -> HazardFit:
    """Fit the discrete-time hazard with its baseline in visit number (see the module
    docstring)."""
    data = experience_so_far(visits).dropna(subset=["churned_after"])
    require_variation(data, ["churned_after"], what="the chance of leaving")
    later = data[data["visit_number"] > 1]
    if later["sd_so_far"].nunique() < 2:
        raise NotEstimable("no customer has two or more visits with different quality, so "
                           "the effect of variability cannot be estimated")
    basis = _later_visit_basis(data["visit_number"])
    fit = robust.fit(data["churned_after"], _design(data, basis, centre, interaction),
                     logit=True, clusters=data["customer_id"], cluster_name="customer")
    return HazardFit(fit, centre, interaction, basis, int(later["visit_number"].median()))


def odds_ratio(fit: HazardFit, term: str, figure: str, level: float = 0.95) -> Estimate:
    """exp(coefficient) of *term* with its cluster-robust interval."""
    return fit.fit.estimate(term, figure, level, odds_ratio=True, method=METHOD)


def predicted_churn(fit: HazardFit, means: np.ndarray, sds: tuple[float, ...],
                    visit: int | None = None) -> Fit:
    """Predicted probability of leaving after visit *visit* (default: the median visit
    number after the first) over mean quality, per SD level, with 95% intervals."""
    visit = visit or fit.typical_visit
    rows = []
    for sd in sds:
        pred = fit.fit.predict(fit.design(means, sd, visit))
        rows.append(pd.DataFrame({"mean quality": means, "sd": sd, "visit": visit,
                                  "p_leave": pred["mean"].to_numpy(),
                                  "ci_low": pred["ci_low"].to_numpy(),
                                  "ci_high": pred["ci_high"].to_numpy()}))
    return Fit(table=pd.concat(rows, ignore_index=True), n=fit.n, value="p_leave",
               clusters=fit.clusters, method=f"predicted from the {fit.method}",
               title=f"Predicted chance of leaving after visit {visit}")
