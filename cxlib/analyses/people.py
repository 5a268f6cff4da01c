"""Employees as internal customers: outlet staff satisfaction and customer satisfaction.

* **Unit-level correlation** between outlet employee satisfaction and the outlet's
  mean customer satisfaction, the statistic Harter et al. (2002) report (r ≈ .32 across
  7,939 business units, corrected for measurement error and range restriction). An outlet's
  mean of a few customers' answers is itself measured with error, which lowers r; so, as
  Harter et al. do for measurement error, ours is corrected for the reliability of the outlet
  means of customer satisfaction, ICC(2) = (MSB − MSW)/MSB from the one-way analysis of
  variance of customers within outlets (Bliese 2000): r_c = r / √ICC(2). Employee
  satisfaction arrives as one mean per outlet, so its own reliability, and range
  restriction, are not corrected: r_c may still lie below Harter's figure. The interval is a
  percentile bootstrap over outlets.
* **Multilevel model** (customers within outlets): overall_sat_ij = b0 + b1 ·
  employee_sat_j + u_j + e_ij, u_j ~ N(0, τ²) a random outlet intercept (REML: τ²/σ² by
  a profile search that includes τ² = 0, then statsmodels MixedLM), both variables
  z-scored. b1 is the change in a customer's satisfaction (in SD) per SD of their outlet's
  employee satisfaction, with a t interval whose degrees of freedom follow nlme (G − 2 for
  an outlet-level predictor and no covariates); the intraclass correlation τ²/(τ² + σ²)
  says how much satisfaction is shared within an outlet. The outcome, the predictor, the grouping
  column and a list of covariates can be chosen.
* **Mediation through service quality** at the customer level: employee satisfaction
  (of the outlet) → the customer's service score → satisfaction, with a bootstrap
  that resamples outlets (clusters), not customers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from cxlib.analyses.loyalty import Mediation, mediation
from cxlib.stats.design import adjusted_for, predictors
from cxlib.stats.estimates import Effect, Estimate
from cxlib.stats.multilevel import containment_df, outlet_means_reliability, reml_variance_ratio
from cxlib.stats.uncertainty import percentiles


def unit_correlation(data: pd.DataFrame, level: float = 0.95, *, n_boot: int = 1000,
                     seed: int = 2024) -> Estimate:
    """Correlation across outlets of employee satisfaction and mean customer satisfaction,
    corrected for the reliability of the outlet means (see the module docstring), with a
    percentile bootstrap over outlets; not testable (with the reason) when the outlets are
    too few or their means carry no reliable difference."""
    data = data.dropna(subset=["employee_sat", "overall_sat"])
    sat = data.groupby("outlet_id")["overall_sat"]
    units = pd.DataFrame({"employee": data.groupby("outlet_id")["employee_sat"].first(),
                          "n": sat.size(), "mean": sat.mean(),
                          "ss": sat.apply(lambda x: float(((x - x.mean()) ** 2).sum()))})
    figure = "outlet-level correlation: employee vs customer satisfaction (corrected)"
    if len(units) < 4 or units["n"].sum() <= len(units):
        return Estimate.untestable(figure, f"{len(units)} outlets with answers: a correlation "
                                   "across outlets needs at least 4, with more than one "
                                   "customer in some", len(units))
    cols = units[["employee", "n", "mean", "ss"]].to_numpy(float)

    def corrected(u: np.ndarray) -> float:
        rel = outlet_means_reliability(u[:, 1], u[:, 2], u[:, 3])
        if not rel > 0 or np.std(u[:, 0]) == 0 or np.std(u[:, 2]) == 0:
            return float("nan")
        return float(min(np.corrcoef(u[:, 0], u[:, 2])[0, 1] / np.sqrt(rel), 1.0))

    rel = outlet_means_reliability(cols[:, 1], cols[:, 2], cols[:, 3])
    value = corrected(cols)
    if not np.isfinite(value):
        return Estimate.untestable(figure, f"the outlet means of customer satisfaction carry "
                                   f"no reliable difference between outlets (ICC(2) = "
                                   f"{rel:.2f}), or a measure does not vary across outlets",
                                   len(units))
    rng = np.random.default_rng(seed)
    draws = np.array([corrected(cols[rng.integers(0, len(cols), len(cols))])
                      for _ in range(n_boot)])
    lo, hi, failed = percentiles(draws, level)
    return Estimate(figure, value, float(lo[0]), float(hi[0]), len(units),
                    f"Pearson r across outlets ÷ √ICC(2) (reliability of the outlet means of "
                    f"customer satisfaction, {rel:.2f}); percentile bootstrap over outlets "
                    f"({n_boot})", level, failed=failed, draws=n_boot, clusters=len(units))


@dataclass(frozen=True, kw_only=True, repr=False)
class Multilevel(Effect):
    """:func:`multilevel`: the slope (``effect``) and the variance split between and within
    units (``tau2``, ``sigma2``; ``table`` shows both and the ICC), over ``units`` units;
    ``boundary`` when the between-unit variance is estimated at zero (REML is then OLS)."""

    units: int
    tau2: float = float("nan")
    sigma2: float = float("nan")
    boundary: bool = False

    @property
    def icc(self) -> float:
        """The intraclass correlation τ²/(τ² + σ²)."""
        return self.tau2 / (self.tau2 + self.sigma2)

    def facts(self) -> dict:
        return {**super().facts(), "ICC": self.icc}


def _variance_table(tau2: float, sigma2: float) -> pd.DataFrame:
    return pd.DataFrame({"variance": [tau2, sigma2], "share": [tau2 / (tau2 + sigma2),
                                                               sigma2 / (tau2 + sigma2)]},
                        index=pd.Index(["between units (τ²)", "within units (σ²)"],
                                       name="component"))


def multilevel(data: pd.DataFrame, level: float = 0.95, *, standardise: bool = True,
               outcome: str = "overall_sat", predictor: str = "employee_sat",
               group: str = "outlet_id", covariates: Sequence[str] = (),
               reference: Mapping[str, str] | None = None) -> Multilevel:
    """Random-intercept model of *outcome* on *predictor* within the units of *group*:
    y_ij = b0 + b1·x_ij + Σ c_k·z_ijk + u_j + e_ij, u_j ~ N(0, τ²), e_ij ~ N(0, σ²), by REML,
    adjusted for *covariates* (numbers as they are, categories as indicators against their
    *reference* level or else the most frequent one, :mod:`cxlib.stats.design`). With
    *standardise* the outcome and the predictor are z-scored over respondents, so b1 is in
    SD of the outcome per SD of the predictor (the ICC τ²/(τ² + σ²) does not change).

    REML in two steps: λ̂ = τ²/σ² by :func:`~cxlib.stats.multilevel.reml_variance_ratio`
    (a one-dimensional search that includes the boundary λ = 0), then statsmodels MixedLM
    started at λ̂ for the slope and its standard error. When λ̂ = 0 the REML fit *is*
    ordinary least squares (V = I), and the slope and its standard error are OLS's.

    The interval is b1 ± t·SE with the degrees of freedom of R's ``nlme::lme`` (the
    "containment" rule, Pinheiro & Bates 2000, §2.4.2): a predictor constant within every
    unit (an outlet-level variable, as employee satisfaction) has t(G − p_b − 1), G units and
    p_b such predictors among the coefficients; one that varies within units has
    t(n − G − p_w), p_w such predictors (:func:`~cxlib.stats.multilevel.containment_df`).
    With 30 outlets and employee satisfaction that is t(28), not the normal of statsmodels'
    MixedLM: the slope of an outlet-level variable rests on the outlets, not on the
    respondents. The
    estimate carries the number of units in ``clusters`` (the interval's independent units).
    The result's ``effect`` is b1; its fields hold the variance split: ``tau2``, ``sigma2``,
    ``icc`` τ²/(τ² + σ²), whether τ² lies on the boundary (``boundary``: λ̂ = 0, where REML
    is OLS) and the number of ``units``. A small ICC means the between-unit variance is next
    to the boundary (the case statsmodels flags with "the MLE may be on the boundary"), which
    :func:`cxlib.notebook.readings.multilevel` says in words instead of a warning."""
    import warnings

    from scipy.stats import t as t_dist
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    d = data.dropna(subset=[outcome, predictor, group, *covariates])
    if standardise:
        d = d.assign(**{c: (d[c] - d[c].mean()) / d[c].std(ddof=1)
                        for c in (outcome, predictor)})
    x, design = predictors(d, [predictor], covariates, reference)
    d = d.loc[x.index]
    exog = sm.add_constant(x, has_constant="add").astype(float)
    y = d[outcome].astype(float)
    n_units = int(d[group].nunique())
    units = "outlets" if group == "outlet_id" else f"{group} units"
    title = f"Random-intercept model of {outcome} within {units}"
    df = containment_df(x, d[group], predictor)
    method = (f"random-intercept model, {n_units} {units} (REML), t({df})"
              + adjusted_for(design, [predictor]))
    unit = (f"{outcome} (SD) per SD of {predictor}" if standardise
            else f"{outcome} per point of {predictor}")
    if (outcome, predictor) == ("overall_sat", "employee_sat"):
        unit = ("customer satisfaction (SD) per SD of outlet employee satisfaction" if standardise
                else "customer satisfaction per point of outlet employee satisfaction")
    ratio = reml_variance_ratio(exog.to_numpy(), y.to_numpy(), d[group].to_numpy())
    if ratio == 0.0:  # on the boundary: REML is OLS
        ols = sm.OLS(y, exog).fit()
        slope, se = float(ols.params[predictor]), float(ols.bse[predictor])
        tau2, sigma2 = 0.0, float(ols.scale)
    else:
        model = sm.MixedLM(y, exog, groups=d[group])
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The MLE may be on the boundary",
                                    ConvergenceWarning)  # said in words by its reading
            fit = model.fit(reml=True, start_params=np.array([np.sqrt(ratio)]))
        if not fit.converged:
            return Multilevel(table=_variance_table(np.nan, np.nan), n=len(d), method=method,
                              value="variance", clusters=n_units, title=title, units=n_units,
                              warnings=("the random-intercept model did not converge",),
                              effect=Estimate.untestable(unit, "the random-intercept model "
                                                         "did not converge", len(d), method))
        slope, se = float(fit.params[predictor]), float(fit.bse[predictor])
        tau2, sigma2 = float(fit.cov_re.iloc[0, 0]), float(fit.scale)
    half = float(t_dist.ppf(0.5 + level / 2, df)) * se
    est = Estimate(unit, slope, slope - half, slope + half, len(d), method, level,
                   clusters=n_units)
    return Multilevel(table=_variance_table(tau2, sigma2), n=len(d), method=method,
                      level=level, value="variance", clusters=n_units, title=title,
                      effect=est, units=n_units, tau2=tau2, sigma2=sigma2,
                      boundary=ratio == 0.0)


def cluster_mediation(data: pd.DataFrame, mediator: str, *, n_boot: int = 500,
                      seed: int = 2024, level: float = 0.95) -> Mediation:
    """a (employee_sat → mediator), b (mediator → satisfaction | employee_sat), direct c′,
    a·b and total c in raw units, with a bootstrap over outlets
    (:func:`cxlib.analyses.loyalty.mediation` with ``cluster="outlet_id"``; the outlets are
    its ``clusters``)."""
    return mediation(data, "employee_sat", mediator, "overall_sat", cluster="outlet_id",
                     n_boot=n_boot, seed=seed, level=level, standardise=False)
