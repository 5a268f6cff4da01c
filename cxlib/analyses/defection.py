"""Why customers leave, and how many say so: reasons, revealed causes and the complaint iceberg.

* **Who left**: ``churned`` = 1 or a churn date in ``churned_on``, whatever the reason
  column holds for customers who stayed (a ledger exported with "still a customer" as
  their reason counts only its leavers); a ledger with neither column does not say who
  left, and the figures that need it are not testable, naming the columns.
* **Stated reasons** (``churn_reason`` of leavers): shares with *simultaneous* 95%
  intervals (Goodman 1965), so that all shares can be read together.
* **A reason on customer traits**: multinomial logit of the reason; exp(coefficients)
  are relative-risk ratios against the base reason.
* **Revealed reasons**: service failures recorded before leaving, by stated reason,
  and a logistic regression of leaving on failures (all customers, HC3 errors).
* **The complaint iceberg** (survey: ``had_problem``, ``complained``,
  ``problem_severity``): the voice rate p = complainers ÷ customers with a problem,
  by severity (Wilson intervals); the silent share 1 − p; and the multiplier from
  complaints seen to problems unseen, (1 − p)/p, whose interval is the Wilson
  interval of p mapped through that decreasing function.

Edge cases are figures that cannot be estimated, with the reason: columns the ledger or
survey lacks (named), no leavers, no
customer with a problem, or nobody who complained (the multiplier is then unbounded;
only its lower limit (1 − p_high)/p_high is known).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.proportion import multinomial_proportions_confint

from cxlib.data.derived import (
    SERVICE_WORDS,
    is_service_reason,
    leavers,
    left,
    require_ledger_columns,
    with_problem,
)
from cxlib.errors import NotEstimable, require_columns, require_variation
from cxlib.stats.estimates import Estimate, Fit
from cxlib.stats.uncertainty import proportion_estimate, wilson_ci


def reason_shares(ledger: pd.DataFrame, level: float = 0.95) -> Fit:
    """Share of leavers per stated reason with Goodman simultaneous intervals; not
    estimable without leavers who gave a reason."""
    counts = leavers(ledger)["churn_reason"].value_counts()
    if counts.empty:
        raise NotEstimable(NO_LEAVERS)
    ci = multinomial_proportions_confint(counts.to_numpy(), alpha=1 - level, method="goodman")
    table = pd.DataFrame({"leavers": counts, "share": counts / counts.sum(),
                          "ci_low": ci[:, 0], "ci_high": ci[:, 1]}).rename_axis("reason")
    return Fit(table=table, n=int(counts.sum()), level=level, value="share",
               figure="share of leavers who give the reason {row}",
               title="Stated reasons for leaving",
               method=f"share of leavers per reason, Goodman simultaneous {level:.0%} intervals")


NO_LEAVERS = "no customer in the ledger left with a stated reason"
MIN_LEAVERS = 30
"""Fewer leavers with a reason than this and the model of the reason given is not fitted."""
NO_PROBLEMS = "no customer reported a problem"


def service_share(ledger: pd.DataFrame, level: float = 0.95, *,
                  words: tuple[str, ...] = SERVICE_WORDS) -> Estimate:
    """Share of leavers (:func:`~cxlib.data.derived.leavers`) whose stated reason is poor
    service (its label contains one of *words*): k of n with the Wilson interval."""
    data = leavers(ledger)
    k = int(is_service_reason(data["churn_reason"], words).sum())
    return proportion_estimate("share of leavers who name poor service", k, len(data), level,
                          nobody=NO_LEAVERS)


def partly_service_share(ledger: pd.DataFrame, level: float = 0.95) -> Estimate:
    """Share of leavers who left *partly or wholly* because of service: they name it, or a
    service failure was recorded in the 90 days before they left (Wilson interval)."""
    require_ledger_columns(ledger, ["churn_reason", "service_failures"],
             "the share of leavers who name service or had a service failure")
    data = leavers(ledger)
    named = is_service_reason(data["churn_reason"])
    failed = data["service_failures"].fillna(0) > 0
    k = int((named | failed).sum())
    return proportion_estimate("share of leavers who name service or had a recent service failure",
                          k, len(data), level, nobody=NO_LEAVERS)


def reason_model(ledger: pd.DataFrame, traits: list[str]) -> Fit:
    """Multinomial logit of the stated reason on numeric *traits*: relative-risk ratios
    against the most common reason, with 95% intervals and p-values; not estimable without
    the traits or with fewer than two reasons given."""
    require_columns(ledger, traits, what="the model of the reason given")
    data = leavers(ledger).dropna(subset=traits)
    if len(data) < MIN_LEAVERS:
        raise NotEstimable(f"the model of the reason given needs at least {MIN_LEAVERS} "
                           f"leavers with a reason and {', '.join(traits)}; the ledger has "
                           f"{len(data)}")
    require_variation(data, ["churn_reason", *traits], what="the model of the reason given")
    base = data["churn_reason"].value_counts().index[0]
    order = [base, *sorted(r for r in data["churn_reason"].unique() if r != base)]
    y = pd.Categorical(data["churn_reason"], categories=order).codes
    fit = sm.MNLogit(y, sm.add_constant(data[traits].astype(float))).fit(disp=False,
                                                                         maxiter=200)
    rows = []
    ci = fit.conf_int()
    for j, reason in enumerate(order[1:]):
        for t in traits:
            lo, hi = ci.loc[(str(j + 1), t)]  # statsmodels labels outcome j + 1 as "j + 1"
            rows.append({"reason (vs " + base + ")": reason, "trait": t,
                         "relative risk ratio": np.exp(fit.params.loc[t, j]),
                         "ci_low": np.exp(lo), "ci_high": np.exp(hi),
                         "p": fit.pvalues.loc[t, j]})
    return Fit(table=pd.DataFrame(rows), n=len(data), value="relative risk ratio",
               title=f"The reason given, on {', '.join(traits)}",
               method=f"multinomial logit, relative-risk ratios against '{base}', 95% Wald "
                      "intervals")


def failures_by_reason(ledger: pd.DataFrame) -> Fit:
    """Mean service failures before leaving, per stated reason (t intervals)."""
    from cxlib.stats.uncertainty import mean_ci

    require_columns(ledger, ["service_failures"], what="failures by stated reason")
    rows, data = [], leavers(ledger)
    for reason, group in data.groupby("churn_reason"):
        if len(group) > 1:
            m, lo, hi = mean_ci(group["service_failures"])
            rows.append({"reason": reason, "mean failures": m, "ci_low": lo, "ci_high": hi,
                         "leavers": len(group)})
    columns = ["reason", "mean failures", "ci_low", "ci_high", "leavers"]
    table = pd.DataFrame(rows, columns=columns).set_index("reason")
    return Fit(table=table.sort_values("mean failures", ascending=False), n=len(data),
               value="mean failures", digits=2,
               title="Service failures before leaving, by stated reason",
               method="mean failures per leaver, t intervals (reasons given by two or more)")


def failure_churn_effect(ledger: pd.DataFrame, level: float = 0.95) -> Estimate:
    """Odds ratio of having left per recorded service failure over all customers: a
    logistic regression of left (:func:`~cxlib.data.derived.left`: ``churned`` = 1 or a
    churn date) on ``service_failures``, exp(b) with the HC3 Wald interval exp(b ± z·SE).
    Needs no stated reasons."""
    from cxlib.analyses.loyalty import logistic_effect

    require_columns(ledger, ["service_failures"],
                    what="the odds ratio of leaving per service failure")
    data = ledger.assign(left=left(ledger).astype(float))
    return logistic_effect(data, "left", "service_failures", level,
                           "odds ratio of leaving per recorded service failure").effect


def voice_by_severity(survey: pd.DataFrame, level: float = 0.95) -> Fit:
    """Voice rate (complained ÷ had a problem) per severity and overall, Wilson intervals;
    no rows when nobody had a problem."""
    data = with_problem(survey)
    groups = list(data.groupby("problem_severity")) if "problem_severity" in data else []
    rows = []
    for name, group in [*groups, ("all problems", data)] if len(data) else []:
        k, n = int(group["complained"].sum()), len(group)
        p, lo, hi = wilson_ci(k, n, level)
        rows.append({"severity": name, "with a problem": n, "complained": k, "voice rate": p,
                     "ci_low": lo, "ci_high": hi})
    columns = ["severity", "with a problem", "complained", "voice rate", "ci_low", "ci_high"]
    return Fit(table=pd.DataFrame(rows, columns=columns).set_index("severity"), n=len(data),
               level=level, value="voice rate", figure="voice rate ({row})",
               title="Who complains: the voice rate by severity",
               method=f"complained ÷ had a problem, Wilson {level:.0%} intervals")


def silent_share(survey: pd.DataFrame, *, among_leavers: bool = True,
                 level: float = 0.95) -> Estimate:
    """Share of customers with a problem who never complained; among those who later
    left when ``churned`` is known and *among_leavers*."""
    data = with_problem(survey)
    who, nobody = "customers with a problem", NO_PROBLEMS
    if among_leavers and "churned" in data and data["churned"].notna().sum() >= 30:
        data = data[data["churned"] == 1]
        who, nobody = "lost customers who had a problem", "no lost customer reported a problem"
    k = int((data["complained"] == 0).sum())
    return proportion_estimate(f"share of {who} who never complained", k, len(data), level,
                          nobody=nobody)


def iceberg_multiplier(survey: pd.DataFrame, level: float = 0.95) -> Estimate:
    """Unseen problems per complaint, (1 − p)/p, from the overall voice rate p; not
    testable when nobody had a problem or nobody complained (then unbounded)."""
    figure = "problems never voiced per complaint received, (1 − p)/p"
    data = with_problem(survey)
    k, n = int(data["complained"].sum()), len(data)
    if n == 0:
        return Estimate.untestable(figure, NO_PROBLEMS)
    p, lo, hi = wilson_ci(k, n, level)
    if k == 0:
        return Estimate.untestable(
            figure, f"nobody of the {n:,} customers with a problem complained, so the "
            f"multiplier is unbounded; its lower limit is {(1 - hi) / hi:.3g}", n)
    return Estimate(figure, (1 - p) / p, (1 - hi) / hi, (1 - lo) / lo, n,
                    "Wilson interval of the voice rate, transformed", level)


def problems_behind(survey: pd.DataFrame, complaints: int, level: float = 0.95) -> Estimate:
    """Customers with a problem behind *complaints* complaints received: C / p for the overall
    voice rate p, with the interval [C / p_high, C / p_low] from p's Wilson interval; not
    testable when nobody had a problem or nobody complained (then unbounded)."""
    figure = f"customers with a problem behind {complaints:,} complaints"
    data = with_problem(survey)
    k, n = int(data["complained"].sum()), len(data)
    if n == 0 or k == 0:
        return Estimate.untestable(figure, NO_PROBLEMS if n == 0 else
                                   f"nobody of the {n:,} customers with a problem complained", n)
    p, lo, hi = wilson_ci(k, n, level)
    return Estimate(figure, complaints / p, complaints / hi, complaints / lo, n,
                    "complaints ÷ voice rate, Wilson interval of the voice rate", level)
