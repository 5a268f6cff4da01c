"""Relationships: a randomised thank-you experiment, the sample it needs, and price premiums.

* **Intention-to-treat lift** (REL-1): customers randomly assigned a follow-up note
  (``followup_note`` = 1) against the rest; lift = p₁ − p₀ in the repurchase rate,
  Newcombe's hybrid-score interval for a difference of proportions. ITT compares
  groups as assigned, whether or not the note was read.
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
    """Difference in outcome rate, treated minus control, with Newcombe's interval."""
    data = frame.dropna(subset=[treatment, outcome])
    t, c = data[data[treatment] == 1][outcome], data[data[treatment] == 0][outcome]
    lo, hi = confint_proportions_2indep(int(t.sum()), len(t), int(c.sum()), len(c),
                                        method="newcomb", compare="diff", alpha=1 - level)
    return Estimate("repurchase rate lift from the follow-up note (ITT)",
                    float(t.mean() - c.mean()), float(lo), float(hi), len(data),
                    "difference of proportions, Newcombe interval", level)


def arm_rates(frame: pd.DataFrame, treatment: str = "followup_note",
              outcome: str = "repurchased") -> pd.DataFrame:
    """Customers and outcome rate per arm."""
    data = frame.dropna(subset=[treatment, outcome])
    return data.groupby(treatment)[outcome].agg(customers="size", rate="mean").rename(
        index={0: "control", 1: "follow-up note"})


def sample_size_per_arm(base_rate: float, lift: float, power: float = 0.8,
                        alpha: float = 0.05) -> int:
    """Customers per arm to detect *lift* over *base_rate* (two-sided test)."""
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
