"""Why customers leave, and how many say so: reasons, revealed causes and the complaint iceberg.

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
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.proportion import multinomial_proportions_confint

from .results import Estimate
from .uncertainty import wilson_ci

SERVICE_WORDS = ("service",)


def leavers(ledger: pd.DataFrame) -> pd.DataFrame:
    """Customers who left and gave a reason."""
    left = ledger["churned_on"].notna() if "churned_on" in ledger else \
        pd.Series(True, index=ledger.index)
    return ledger[left & ledger["churn_reason"].notna()]


def reason_shares(ledger: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Share of leavers per stated reason with Goodman simultaneous intervals."""
    counts = leavers(ledger)["churn_reason"].value_counts()
    ci = multinomial_proportions_confint(counts.to_numpy(), alpha=1 - level, method="goodman")
    return pd.DataFrame({"leavers": counts, "share": counts / counts.sum(), "ci_low": ci[:, 0],
                         "ci_high": ci[:, 1]}).rename_axis("reason")


def is_service_reason(reasons: pd.Series, words: tuple[str, ...] = SERVICE_WORDS) -> pd.Series:
    """Whether a stated reason is about service (its label contains one of *words*)."""
    text = reasons.astype("string").str.lower()
    return text.str.contains("|".join(words), regex=True).fillna(False).astype(bool)


def service_share(ledger: pd.DataFrame, level: float = 0.95) -> Estimate:
    """Share of leavers whose stated reason is poor service (Wilson interval)."""
    data = leavers(ledger)
    k = int(is_service_reason(data["churn_reason"]).sum())
    p, lo, hi = wilson_ci(k, len(data), level)
    return Estimate("share of leavers who name poor service", p, lo, hi, len(data),
                    "proportion, Wilson interval", level)


def partly_service_share(ledger: pd.DataFrame, level: float = 0.95) -> Estimate:
    """Share of leavers who left *partly or wholly* because of service: they name it, or a
    service failure was recorded in the 90 days before they left (Wilson interval)."""
    data = leavers(ledger)
    named = is_service_reason(data["churn_reason"])
    failed = data["service_failures"].fillna(0) > 0 if "service_failures" in data else False
    k = int((named | failed).sum())
    p, lo, hi = wilson_ci(k, len(data), level)
    return Estimate("share of leavers who name service or had a recent service failure", p, lo,
                    hi, len(data), "proportion, Wilson interval", level)


def reason_model(ledger: pd.DataFrame, traits: list[str]) -> pd.DataFrame:
    """Multinomial logit of the stated reason on numeric *traits*: relative-risk ratios
    against the most common reason, with 95% intervals and p-values."""
    data = leavers(ledger).dropna(subset=traits)
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
    return pd.DataFrame(rows)


def failures_by_reason(ledger: pd.DataFrame) -> pd.DataFrame:
    """Mean service failures before leaving, per stated reason (t intervals)."""
    from .uncertainty import mean_ci

    rows = []
    for reason, group in leavers(ledger).groupby("churn_reason"):
        if len(group) > 1:
            m, lo, hi = mean_ci(group["service_failures"])
            rows.append({"reason": reason, "mean failures": m, "ci_low": lo, "ci_high": hi,
                         "leavers": len(group)})
    return pd.DataFrame(rows).set_index("reason").sort_values("mean failures", ascending=False)


def failure_churn_effect(ledger: pd.DataFrame, level: float = 0.95) -> Estimate:
    """Odds ratio of having left per recorded service failure (logistic, HC3)."""
    from .loyalty import logistic_effect

    data = ledger.assign(left=ledger["churned_on"].notna().astype(float))
    return logistic_effect(data, "left", "service_failures", level)[0]


def voice_by_severity(survey: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Voice rate (complained ÷ had a problem) per severity and overall, Wilson intervals."""
    data = survey[survey["had_problem"] == 1].dropna(subset=["complained"])
    groups = list(data.groupby("problem_severity")) if "problem_severity" in data else []
    rows = []
    for name, group in [*groups, ("all problems", data)]:
        k, n = int(group["complained"].sum()), len(group)
        p, lo, hi = wilson_ci(k, n, level)
        rows.append({"severity": name, "with a problem": n, "complained": k, "voice rate": p,
                     "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows).set_index("severity")


def silent_share(survey: pd.DataFrame, *, among_leavers: bool = True,
                 level: float = 0.95) -> Estimate:
    """Share of customers with a problem who never complained; among those who later
    left when ``churned`` is known and *among_leavers*."""
    data = survey[survey["had_problem"] == 1].dropna(subset=["complained"])
    who = "customers with a problem"
    if among_leavers and "churned" in data and data["churned"].notna().sum() >= 30:
        data = data[data["churned"] == 1]
        who = "lost customers who had a problem"
    k = int((data["complained"] == 0).sum())
    p, lo, hi = wilson_ci(k, len(data), level)
    return Estimate(f"share of {who} who never complained", p, lo, hi, len(data),
                    "proportion, Wilson interval", level)


def iceberg_multiplier(survey: pd.DataFrame, level: float = 0.95) -> Estimate:
    """Unseen problems per complaint, (1 − p)/p, from the overall voice rate p."""
    row = voice_by_severity(survey, level).loc["all problems"]
    p, lo, hi = row["voice rate"], row["ci_low"], row["ci_high"]
    return Estimate("problems never voiced per complaint received, (1 − p)/p", (1 - p) / p,
                    (1 - hi) / hi, (1 - lo) / lo, int(row["with a problem"]),
                    "Wilson interval of the voice rate, transformed", level)
