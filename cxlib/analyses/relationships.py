"""Relationships: a randomised thank-you experiment, the sample it needs, and price premiums.

* **Intention-to-treat lift** (REL-1): units randomly assigned a treatment (a follow-up
  note: ``followup_note`` = 1 in a customers ledger, or an arm of an ``experiment`` file)
  against the control arm; for a 1/0 outcome lift = p₁ − p₀ with Newcombe's hybrid-score
  interval for a difference of proportions, for a numeric outcome the difference in means
  with Welch's interval. ITT compares groups as assigned, whether or not the note was read.
* **Adjusted lift** (Lin 2013, "Agnostic notes on regression adjustments to experimental
  data", *Annals of Applied Statistics* 7(1)), when an experiment has covariates measured
  before assignment or blocks: OLS of the outcome on 1, the treatment indicator D, the
  covariates centred at their mean X̃ (block indicators, one per block but the first, among
  them) and D·X̃; the coefficient of D estimates the average effect, never less precisely
  than the unadjusted difference in large samples, with HC3 standard errors (robust to the
  unequal variances the interactions imply) and the interval b ± t(n − k)·SE. Planned before the
  data are seen (covariates and blocks declared in the mapping), it is the headline; the
  unadjusted difference is shown beside it.
* **Power**: customers per arm needed to detect a lift (two-sided 5% test, 80% power)
  from the normal approximation with Cohen's h = 2 asin √p₁ − 2 asin √p₀.
* **Cost per incremental margin**: note cost ÷ (lift × margin per repurchase); the notes
  pay when it is below 1, i.e. from a lift of note cost ÷ margin.
* **Price premium** (REL-2): price paid regressed on the service score (OLS, HC3 with
  t(n − k), or CR1 clustered by outlet with t(G − 1) when respondents come in outlets, at
  least :data:`~cxlib.stats.robust.MIN_CLUSTERS` of them), expressed as a share of the mean
  price per service point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from cxlib.errors import NotEstimable
from cxlib.stats import robust
from cxlib.stats.estimates import Effect, Estimate, Fit
from cxlib.stats.power import sample_size_per_arm


def itt_lift(frame: pd.DataFrame, treatment: str = "followup_note",
             outcome: str = "repurchased", level: float = 0.95) -> Estimate:
    """Difference in outcome rate, treated (1) minus control (0), with Newcombe's interval
    (:func:`difference`), from a customers ledger."""
    data = frame.dropna(subset=[treatment, outcome])
    return difference(data[data[treatment] == 1][outcome], data[data[treatment] == 0][outcome],
                      "repurchase rate lift from the follow-up note (ITT)", level)


def _is_binary(values: pd.Series) -> bool:
    """True when every non-missing value is 0 or 1 (a rate, not a mean, is compared)."""
    v = values.dropna()
    return bool(len(v)) and bool(v.isin([0, 1]).all())


def difference(treated: pd.Series, control: pd.Series, figure: str,
               level: float = 0.95) -> Estimate:
    """Treated minus control: for 1/0 outcomes the difference of proportions with
    Newcombe's hybrid-score interval, otherwise the difference in means with Welch's
    t interval. Not estimable when an arm is empty or a numeric outcome never varies."""
    t, c = treated.dropna().astype(float), control.dropna().astype(float)
    n = len(t) + len(c)
    if len(t) == 0 or len(c) == 0:
        return Estimate.untestable(figure, f"an arm has no units with an outcome (treated "
                                           f"{len(t)}, control {len(c)})", n)
    if _is_binary(pd.concat([t, c])):
        lo, hi = confint_proportions_2indep(int(t.sum()), len(t), int(c.sum()), len(c),
                                            method="newcomb", compare="diff", alpha=1 - level)
        return Estimate(figure, float(t.mean() - c.mean()), float(lo), float(hi), n,
                        "difference of proportions, Newcombe interval", level)
    vt, vc = t.var(ddof=1) / len(t), c.var(ddof=1) / len(c)
    if len(t) < 2 or len(c) < 2 or not vt + vc > 0:
        return Estimate.untestable(figure, "the outcome does not vary within the arms, or an "
                                           "arm has a single unit: no interval", n)
    df = (vt + vc) ** 2 / (vt**2 / (len(t) - 1) + vc**2 / (len(c) - 1))
    half = stats.t.ppf(0.5 + level / 2, df) * np.sqrt(vt + vc)
    d = float(t.mean() - c.mean())
    return Estimate(figure, d, d - half, d + half, n,
                    "difference in means, Welch interval", level)


def experiment_lift(frame: pd.DataFrame, control: str, treatment: str, *,
                    covariates: Sequence[str] = (), block: str | None = None,
                    level: float = 0.95, figure: str | None = None) -> Estimate:
    """The ITT effect of arm *treatment* against arm *control* in an ``experiment`` frame
    (columns ``arm``, ``outcome``): :func:`adjusted_lift` when *covariates* or a *block*
    column are given, else the unadjusted :func:`difference`."""
    figure = figure or f"lift in the outcome, {treatment} against {control} (ITT)"
    if covariates or block:
        return adjusted_lift(frame, control, treatment, covariates=covariates, block=block,
                             level=level, figure=figure)
    arm = frame["arm"].astype(str)
    return difference(frame.loc[arm == treatment, "outcome"],
                      frame.loc[arm == control, "outcome"], figure, level)


def adjusted_lift(frame: pd.DataFrame, control: str, treatment: str, *,
                  covariates: Sequence[str] = (), block: str | None = None,
                  level: float = 0.95, figure: str = "adjusted lift (ITT)") -> Estimate:
    """Lin's (2013) regression-adjusted effect of *treatment* against *control* (module
    docstring): OLS of ``outcome`` on 1, D, X̃ and D·X̃ with X̃ the centred covariates and
    block indicators, HC3 errors. Units with a missing covariate are left out (counted in
    the method text); a covariate that is text enters as indicators of its levels."""
    arm = frame["arm"].astype(str)
    data = frame[arm.isin([control, treatment])]
    d = (data["arm"].astype(str) == treatment).astype(float).rename("D")
    parts = [pd.to_numeric(data[c], errors="coerce").rename(c)
             if pd.api.types.is_numeric_dtype(data[c]) else
             pd.get_dummies(data[c].astype(str), prefix=c, drop_first=True, dtype=float)
             for c in covariates]
    if block:
        parts.append(pd.get_dummies(data[block].astype(str), prefix="block", drop_first=True,
                                    dtype=float))
    x = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=data.index)
    keep = x.notna().all(axis=1) & data["outcome"].notna()
    x, d, y = x[keep], d[keep], data.loc[keep, "outcome"].astype(float)
    x = x.loc[:, x.std(ddof=0) > 0]
    left = int((~keep).sum())
    if d.nunique() < 2:
        return Estimate.untestable(figure, "an arm has no units with complete covariates",
                                   len(y))
    centred = x - x.mean()
    design = pd.concat([pd.Series(1.0, index=y.index, name="const"), d, centred,
                        centred.mul(d, axis=0).add_prefix("D:")], axis=1)
    if len(y) <= design.shape[1] + 1:
        return Estimate.untestable(figure, f"{len(y)} units for {design.shape[1]} "
                                           "coefficients: too few to adjust", len(y))
    fit = robust.fit(y, design)
    terms = ", ".join(x.columns) if len(x.columns) else "nothing that varies"
    dropped = f"; {left} units with a missing covariate left out" if left else ""
    return fit.estimate("D", figure, level,
                        method=f"regression adjustment with treatment interactions (Lin 2013) "
                               f"for {terms}{dropped}")


def arm_table(frame: pd.DataFrame, control: str, level: float = 0.95) -> Fit:
    """Per arm of an ``experiment`` frame: units, outcome rate (or mean), and, in words, the
    unadjusted difference from the *control* arm with its interval (:func:`difference`)."""
    arm = frame["arm"].astype(str)
    rows = []
    for label in [control, *sorted(set(arm) - {control})]:
        y = frame.loc[arm == label, "outcome"]
        against = "(the control)"
        if label != control:
            e = difference(y, frame.loc[arm == control, "outcome"], "", level)
            against = (f"{e.value:+.3f} [{e.ci_low:+.3f}, {e.ci_high:+.3f}]"
                       if e.ci_low is not None else e.problem)
        rows.append({"arm": label, "units": int(y.notna().sum()), "outcome": float(y.mean()),
                     f"difference from control, {level:.0%} interval": against})
    name = "rate" if _is_binary(frame["outcome"]) else "mean"
    return Fit(table=pd.DataFrame(rows).rename(columns={"outcome": name}).set_index("arm"),
               n=int(frame["outcome"].notna().sum()), value=name, level=level,
               method="outcome per arm; difference from the control with Newcombe's "
                      "(proportions) or Welch's (means) interval", title="Arms of the experiment")


def arm_rates(frame: pd.DataFrame, treatment: str = "followup_note",
              outcome: str = "repurchased") -> Fit:
    """Customers and outcome rate per arm."""
    data = frame.dropna(subset=[treatment, outcome])
    table = data.groupby(treatment)[outcome].agg(customers="size", rate="mean").rename(
        index={0: "control", 1: "follow-up note"})
    return Fit(table=table, n=len(data), value="rate", method=f"share of {outcome} per arm",
               title="Arms of the follow-up trial", figure="{row} rate")


def power_curve(base_rate: float, lifts=(0.01, 0.02, 0.03, 0.05, 0.08, 0.10), *,
                power: float = 0.8, alpha: float = 0.05) -> Fit:
    """Customers per arm to detect each of *lifts* over *base_rate* (two-sided test at
    *alpha*, with *power*; :func:`cxlib.stats.power.sample_size_per_arm`)."""
    table = pd.DataFrame({"lift": lifts, "customers per arm": [
        sample_size_per_arm(base_rate, d, power, alpha) for d in lifts]}).set_index("lift")
    return Fit(table=table, n=0, value="customers per arm", digits=None,
               method=f"normal approximation with Cohen's h, {power:.0%} power, "
                      f"{alpha:.0%} two-sided, base rate {base_rate:.1%}",
               title="Customers needed per arm", figure="customers per arm for a lift of {row}")


def cost_per_incremental_margin(lift: Estimate, note_cost: float,
                                margin_per_purchase: float) -> Estimate:
    """Note cost ÷ incremental margin per customer noted (interval from the lift's)."""
    def f(x: float) -> float:
        return note_cost / (x * margin_per_purchase) if x > 0 else np.inf

    return Estimate("cost per unit of incremental margin from the note", f(lift.value),
                    f(lift.ci_high), f(lift.ci_low), lift.n,
                    "note cost ÷ (lift × margin), interval from the lift's", lift.level)


def price_premium(frame: pd.DataFrame, service: pd.Series | None, price: str = "price_paid",
                  level: float = 0.95, *, cluster: str | None = None) -> Estimate:
    """Extra price paid per point of the service score, as a share of the mean price: OLS
    of price on service with HC3 errors, or CR1 errors clustered by the column *cluster*
    of *frame* when given (see :mod:`cxlib.stats.robust`); the coefficient b and its
    interval b ± t·SE divided by the mean price, t(n − k) with HC3 and t(G − 1) clustered
    (G in the estimate's ``clusters``). :class:`NotEstimable` when *frame* has no *price*
    column or there is no *service* score (None)."""
    if price not in frame or service is None:
        raise NotEstimable(f"the survey has no {price} or service items")
    labels = robust.cluster_column(frame, cluster)
    data = pd.DataFrame({"price": frame[price], "service": service})
    keep = data.notna().all(axis=1)
    data = data[keep]
    fit = robust.fit(data["price"], sm.add_constant(data[["service"]].astype(float)),
                     clusters=None if labels is None else labels[keep],
                     cluster_name=cluster or "")
    lo, hi = fit.conf_int(level).loc["service"]
    mean = float(data["price"].mean())
    return Estimate("extra price paid per point of service rating (share of the mean price)",
                    float(fit.params["service"]) / mean, float(lo) / mean, float(hi) / mean,
                    fit.nobs, f"OLS, {fit.method}, relative to the mean price", level,
                    clusters=fit.clusters)


@dataclass(frozen=True, kw_only=True, repr=False)
class ExperimentResult(Effect):
    """REL-1 on an ``experiment`` frame (:func:`analyse_experiment`): the headline ``effect``
    (adjusted when covariates or blocks were given; also ``lift``), the ``unadjusted``
    difference, every arm against the control (``arms``, whose table is this result's), the
    treatment against each other arm (``versus``), whether the outcome is 1/0 and the
    control arm's rate or mean."""

    unadjusted: Estimate
    arms: Fit
    versus: Fit
    binary: bool
    control_level: float

    @property
    def lift(self) -> Estimate:
        """The headline effect."""
        return self.effect

    def facts(self) -> dict:
        return {**super().facts(), "without adjustment": str(self.unadjusted)}


def analyse_experiment(frame: pd.DataFrame, control: str, treatment: str, *,
                       covariates: Sequence[str] = (), level: float = 0.95,
                       figure: str | None = None) -> ExperimentResult:
    """The ITT analysis of an experiment (module docstring): the headline effect of
    *treatment* against *control* (:func:`experiment_lift`, adjusted for *covariates* and
    the ``block`` column when the frame has one), the unadjusted difference, every arm
    against the control (:func:`arm_table`) and the treatment against each other arm."""
    block = "block" if "block" in frame and frame["block"].notna().any() else None
    figure = figure or f"lift in the outcome, {treatment} against {control} (ITT)"
    lift = experiment_lift(frame, control, treatment, covariates=covariates, block=block,
                           level=level, figure=figure)
    plain = experiment_lift(frame, control, treatment, level=level, figure=figure)
    arm = frame["arm"].astype(str)
    others = sorted(set(arm) - {control, treatment})
    versus = pd.DataFrame([{"treatment against": other, "difference": e.value,
                            "ci_low": e.ci_low, "ci_high": e.ci_high, "units": e.n}
                           for other in others
                           for e in [experiment_lift(frame, other, treatment, level=level)]],
                          columns=["treatment against", "difference", "ci_low", "ci_high",
                                   "units"]).set_index("treatment against")
    arms = arm_table(frame, control, level)
    return ExperimentResult(
        table=arms.table, n=lift.n, method=lift.method, level=level, value=arms.value,
        title=f"{treatment} against {control}", effect=lift, unadjusted=plain, arms=arms,
        versus=Fit(table=versus, n=int(versus["units"].sum()), value="difference",
                   level=level, method="unadjusted difference, as for the arms",
                   title=f"{treatment} against each other arm",
                   figure=f"lift of {treatment} against {{row}}"),
        binary=_is_binary(frame["outcome"]),
        control_level=float(frame.loc[arm == control, "outcome"].mean()))
