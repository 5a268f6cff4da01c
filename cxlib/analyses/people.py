"""Employees as internal customers: outlet staff satisfaction and customer satisfaction.

* **Unit-level correlation** between outlet employee satisfaction and the outlet's
  mean customer satisfaction, with Fisher's interval: the statistic Harter et al.
  (2002) report (corrected r ≈ .32 across 7,939 business units; ours is uncorrected).
* **Multilevel model** (customers within outlets): overall_sat_ij = b0 + b1 ·
  employee_sat_j + u_j + e_ij, u_j ~ N(0, τ²) a random outlet intercept (statsmodels
  MixedLM, REML), both variables z-scored. b1 is the change in a customer's
  satisfaction (in SD) per SD of their outlet's employee satisfaction; the intraclass
  correlation τ²/(τ² + σ²) says how much satisfaction is shared within an outlet. The
  outcome, the predictor, the grouping column and a list of covariates can be chosen.
* **Mediation through service quality** at the customer level: employee satisfaction
  (of the outlet) → the customer's service score → satisfaction, with a bootstrap
  that resamples outlets (clusters), not customers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import statsmodels.api as sm

from cxlib.analyses.loyalty import mediation
from cxlib.analyses.relationships import fisher_ci
from cxlib.stats.design import adjusted_for, predictors
from cxlib.stats.estimates import Estimate


def merge_outlets(survey: pd.DataFrame, outlets: pd.DataFrame) -> pd.DataFrame:
    """Survey respondents with their outlet's staff measures."""
    return survey.merge(outlets, on="outlet_id", how="inner", suffixes=("", "_outlet"))


def unit_correlation(data: pd.DataFrame, level: float = 0.95) -> Estimate:
    """Correlation across outlets of employee satisfaction and mean customer satisfaction."""
    units = data.groupby("outlet_id").agg(employee=("employee_sat", "first"),
                                          customers=("overall_sat", "mean")).dropna()
    r = float(units["employee"].corr(units["customers"]))
    lo, hi = fisher_ci(r, len(units), level)
    return Estimate("outlet-level correlation: employee vs customer satisfaction", r, lo, hi,
                    len(units), "Pearson r across outlets, Fisher interval", level)


def multilevel(data: pd.DataFrame, level: float = 0.95, *, standardise: bool = True,
               outcome: str = "overall_sat", predictor: str = "employee_sat",
               group: str = "outlet_id", covariates: Sequence[str] = (),
               reference: Mapping[str, str] | None = None) -> tuple[Estimate, dict]:
    """Random-intercept model of *outcome* on *predictor* within the units of *group*:
    y_ij = b0 + b1·x_ij + Σ c_k·z_ijk + u_j + e_ij, u_j ~ N(0, τ²), e_ij ~ N(0, σ²), by REML,
    adjusted for *covariates* (numbers as they are, categories as indicators against their
    *reference* level or else the most frequent one, :mod:`cxlib.stats.design`). With
    *standardise* the outcome and the predictor are z-scored over respondents, so b1 is in
    SD of the outcome per SD of the predictor (the ICC τ²/(τ² + σ²) does not change)."""
    d = data.dropna(subset=[outcome, predictor, group, *covariates])
    if standardise:
        d = d.assign(**{c: (d[c] - d[c].mean()) / d[c].std(ddof=1)
                        for c in (outcome, predictor)})
    x, design = predictors(d, [predictor], covariates, reference)
    d = d.loc[x.index]
    fit = sm.MixedLM(d[outcome].astype(float), sm.add_constant(x, has_constant="add"),
                     groups=d[group]).fit(reml=True)
    lo, hi = fit.conf_int(alpha=1 - level).loc[predictor]
    tau2, sigma2 = float(fit.cov_re.iloc[0, 0]), float(fit.scale)
    unit = (f"{outcome} (SD) per SD of {predictor}" if standardise
            else f"{outcome} per point of {predictor}")
    if (outcome, predictor) == ("overall_sat", "employee_sat"):
        unit = ("customer satisfaction (SD) per SD of outlet employee satisfaction" if standardise
                else "customer satisfaction per point of outlet employee satisfaction")
    est = Estimate(unit,
                   float(fit.params[predictor]), float(lo), float(hi), int(fit.nobs),
                   f"random-intercept model, {d[group].nunique()} "
                   f"{'outlets' if group == 'outlet_id' else group + ' units'} (REML)"
                   + adjusted_for(design, [predictor]), level)
    return est, {"outlets": d[group].nunique(), "tau2": tau2, "sigma2": sigma2,
                 "ICC": tau2 / (tau2 + sigma2)}


def cluster_mediation(data: pd.DataFrame, mediator: str, *, n_boot: int = 500,
                      seed: int = 2024, level: float = 0.95) -> pd.DataFrame:
    """a (employee_sat → mediator), b (mediator → satisfaction | employee_sat), direct c′,
    a·b and total c in raw units, with a bootstrap over outlets
    (:func:`cxlib.analyses.loyalty.mediation` with ``cluster="outlet_id"``)."""
    table = mediation(data, "employee_sat", mediator, "overall_sat", cluster="outlet_id",
                      n_boot=n_boot, seed=seed, level=level, standardise=False)
    table.attrs["outlets"] = table.attrs["clusters"]
    return table
