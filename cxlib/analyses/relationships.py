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
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_effectsize

from cxlib.stats import robust
from cxlib.stats.estimates import Estimate


def itt_lift(frame: pd.DataFrame, treatment: str = "followup_note",
             outcome: str = "repurchased", level: float = 0.95) -> Estimate:
    """Difference in outcome rate, treated (1) minus control (0), with Newcombe's interval
    (:func:`difference`), from a customers ledger."""
    data = frame.dropna(subset=[treatment, outcome])
    return difference(data[data[treatment] == 1][outcome], data[data[treatment] == 0][outcome],
                      "repurchase rate lift from the follow-up note (ITT)", level)


def is_binary(values: pd.Series) -> bool:
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
    if is_binary(pd.concat([t, c])):
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


def arm_table(frame: pd.DataFrame, control: str, level: float = 0.95) -> pd.DataFrame:
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
    name = "rate" if is_binary(frame["outcome"]) else "mean"
    return pd.DataFrame(rows).rename(columns={"outcome": name}).set_index("arm")


def arm_rates(frame: pd.DataFrame, treatment: str = "followup_note",
              outcome: str = "repurchased") -> pd.DataFrame:
    """Customers and outcome rate per arm."""
    data = frame.dropna(subset=[treatment, outcome])
    return data.groupby(treatment)[outcome].agg(customers="size", rate="mean").rename(
        index={0: "control", 1: "follow-up note"})


def sample_size_per_arm(base_rate: float | Estimate, lift: float | Estimate,
                        power: float = 0.8, alpha: float = 0.05) -> int:
    """Customers per arm to detect *lift* over *base_rate* (two-sided test of two
    proportions, Cohen's h). Either may be a number or an :class:`Estimate`, whose value is
    used."""
    base_rate, lift = (float(getattr(x, "value", x)) for x in (base_rate, lift))
    h = abs(proportion_effectsize(base_rate + lift, base_rate))
    return int(np.ceil(NormalIndPower().solve_power(effect_size=h, power=power, alpha=alpha)))


def power_curve(base_rate: float, lifts=(0.01, 0.02, 0.03, 0.05, 0.08, 0.10)) -> pd.DataFrame:
    """Customers per arm for a range of lifts (80% power, 5% two-sided)."""
    return pd.DataFrame({"lift": lifts, "customers per arm": [
        sample_size_per_arm(base_rate, d) for d in lifts]}).set_index("lift")


def cost_per_incremental_margin(lift: Estimate, note_cost: float,
                                margin_per_purchase: float) -> Estimate:
    """Note cost ÷ incremental margin per customer noted (interval from the lift's)."""
    def f(x: float) -> float:
        return note_cost / (x * margin_per_purchase) if x > 0 else np.inf

    return Estimate("cost per unit of incremental margin from the note", f(lift.value),
                    f(lift.ci_high), f(lift.ci_low), lift.n,
                    "note cost ÷ (lift × margin), interval from the lift's", lift.level)


def payback_text(cost: Estimate, note_cost: float, margin_per_purchase: float) -> str:
    """A :func:`cost_per_incremental_margin` estimate in words: above 1 the notes cost more
    than the margin they bring, below 1 they pay; the break-even lift is
    note cost ÷ margin per purchase (in points of repurchase rate)."""
    even = note_cost / margin_per_purchase
    if cost.ci_low is None or not np.isfinite(cost.value):
        reading = "not estimable (no positive lift)"
    elif cost.ci_low > 1:
        reading = "above 1 across the interval: the notes do not pay at these costs"
    elif cost.ci_high < 1:
        reading = "below 1 across the interval: the notes pay at these costs"
    else:
        reading = "the interval spans 1: these data cannot tell whether the notes pay"
    return (f"cost per unit of extra margin: {cost}; {reading}. At a note cost of "
            f"{note_cost:g} and a margin of {margin_per_purchase:g} per purchase they pay "
            f"from a lift of {100 * even:.1f} points of repurchase rate.")


def price_premium(frame: pd.DataFrame, service: pd.Series, price: str = "price_paid",
                  level: float = 0.95, *, cluster: str | None = None) -> Estimate:
    """Extra price paid per point of the service score, as a share of the mean price: OLS
    of price on service with HC3 errors, or CR1 errors clustered by the column *cluster*
    of *frame* when given (see :mod:`cxlib.stats.robust`); the coefficient b and its
    interval b ± t·SE divided by the mean price, t(n − k) with HC3 and t(G − 1) clustered
    (G in the estimate's ``clusters``)."""
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


def fisher_ci(r: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Interval of a correlation from Fisher's z = atanh r, SE 1/√(n − 3)."""
    z, se = np.arctanh(r), 1 / np.sqrt(n - 3)
    q = stats.norm.ppf(0.5 + level / 2)
    return float(np.tanh(z - q * se)), float(np.tanh(z + q * se))


@dataclass(frozen=True)
class ExperimentResult:
    """REL-1 on an ``experiment`` frame (:func:`analyse_experiment`): the headline ``lift``
    (adjusted when covariates or blocks were given), the ``unadjusted`` difference, every
    arm against the control (``arms``), the treatment against each other arm (``versus``),
    whether the outcome is 1/0 and the control arm's rate or mean."""

    lift: Estimate
    unadjusted: Estimate
    arms: pd.DataFrame
    versus: pd.DataFrame
    binary: bool
    control_level: float


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
    return ExperimentResult(lift, plain, arm_table(frame, control, level), versus,
                            is_binary(frame["outcome"]),
                            float(frame.loc[arm == control, "outcome"].mean()))


def proxy_reason(measures: str) -> str:
    """Why REL-1's own figure is not testable on a nearest-available experiment that
    measures *measures* (the mapping's ``proxy:``)."""
    return (f"this experiment measures {measures}, not the effect of a thank-you note on "
            "buying again; its lift is shown beside the claim as the nearest field "
            "experiment, and does not decide it")
