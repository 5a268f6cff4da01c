"""The economics of keeping customers, from a CRM ledger (the ``customers`` kind).

* **Cost ratios** (ratio estimators, percentile bootstrap over customers):
  acquisition cost per acquired customer, Σ acquisition_cost / n; retention cost per
  retained customer-year, Σ retention_spend / Σ years active; their ratio. Per dollar:
  acquisition cost per dollar of first-year margin against retention cost per dollar
  of margin earned while retained. Win-back: Σ winback_spend / Σ winback_margin over
  the customers a win-back was tried on, against Σ retention_spend / Σ margin.
* **Survival**: tenure = (churned_on or the end of observation) − acquired_on, censored
  for customers still active. Kaplan–Meier curves by group with 95% bands and a
  log-rank test; a Cox model gives the hazard ratio of leaving per point of
  satisfaction (robust standard errors).
* **Cohorts**: share of each monthly acquisition cohort still active k months later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .results import Estimate
from .uncertainty import percentile_interval, ratio_bootstrap, resampled_sums

YEAR = 365.25


def observation_end(ledger: pd.DataFrame) -> pd.Timestamp:
    """The last date the ledger speaks of (latest acquisition or churn)."""
    dates = [ledger["acquired_on"].max()]
    if "churned_on" in ledger:
        dates.append(ledger["churned_on"].max())
    return max(d for d in dates if pd.notna(d))


def tenure(ledger: pd.DataFrame, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Days observed and whether the customer left (the survival data)."""
    end = end or observation_end(ledger)
    left = ledger["churned_on"].notna() if "churned_on" in ledger else \
        pd.Series(False, index=ledger.index)
    stop = ledger["churned_on"].where(left, end) if "churned_on" in ledger else end
    days = (pd.to_datetime(stop) - ledger["acquired_on"]).dt.days.clip(lower=0)
    return pd.DataFrame({"days": days.astype(float), "left": left.astype(int)},
                        index=ledger.index)


def cost_ratios(ledger: pd.DataFrame, *, n_boot: int = 1000, seed: int = 2024,
                level: float = 0.95) -> dict[str, Estimate]:
    """Acquisition vs retention cost, per customer and per dollar (see module docstring)."""
    need = ["acquisition_cost", "retention_spend", "acquired_on"]
    data = ledger.dropna(subset=need)
    years = (tenure(data)["days"] / YEAR).to_numpy()
    acq, ret = data["acquisition_cost"].to_numpy(float), data["retention_spend"].to_numpy(float)
    out: dict[str, Estimate] = {}
    n = len(data)
    method = f"ratio of sums, bootstrap over customers ({n_boot})"

    def est(name, num, den, unit=""):
        r = ratio_bootstrap(num, den, n_boot=n_boot, seed=seed, level=level)
        out[name] = Estimate(name, r.value, r.low, r.high, len(num), method, level, unit,
                             failed=r.failed, draws=r.draws)

    est("acquisition cost per customer", acq, np.ones(n), "currency")
    est("retention cost per customer-year", ret, years, "currency")
    sums = resampled_sums(np.column_stack([acq, ret, years]), n_boot=n_boot, seed=seed)
    with np.errstate(divide="ignore", invalid="ignore"):  # tiny ledgers: empty resamples
        ci = percentile_interval(sums[:, 0] / n / (sums[:, 1] / sums[:, 2]), level)
    value = acq.mean() / (ret.sum() / years.sum())
    out["acquisition ÷ retention cost"] = Estimate(
        "acquisition cost per customer ÷ retention cost per customer-year", float(value),
        ci.low, ci.high, n, method, level, "×", failed=ci.failed, draws=ci.draws)
    if "margin" in data and data["margin"].notna().any() and "winback_spend" in data:
        margin = data["margin"].clip(lower=0).fillna(0).to_numpy(float)
        tried = data[data["winback_spend"].fillna(0) > 0]
        if len(tried) >= 20 and "winback_margin" in tried:
            wb_spend = tried["winback_spend"].to_numpy(float)
            wb_margin = tried["winback_margin"].fillna(0).to_numpy(float)
            est("win-back cost per recovered dollar", wb_spend, wb_margin)
            # the interval resamples the win-back attempts and the ledger independently
            wb = resampled_sums(np.column_stack([wb_spend, wb_margin]), n_boot=n_boot,
                                seed=seed)
            kept = resampled_sums(np.column_stack([ret, margin]), n_boot=n_boot, seed=seed + 1)
            with np.errstate(divide="ignore", invalid="ignore"):
                ci = percentile_interval(wb[:, 0] / wb[:, 1] / (kept[:, 0] / kept[:, 1]),
                                         level)
            value = (wb_spend.sum() / wb_margin.sum()) / (ret.sum() / margin.sum())
            out["win-back ÷ retention cost per dollar"] = Estimate(
                "win-back cost per recovered dollar ÷ retention cost per retained dollar",
                float(value), ci.low, ci.high, len(tried), method, level, "×",
                failed=ci.failed, draws=ci.draws)
    return out


def kaplan_meier(ledger: pd.DataFrame, group: str | None = None) -> dict:
    """Kaplan–Meier fits (lifelines) overall or by *group*, with a log-rank test."""
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test

    surv = tenure(ledger)
    fits = {}
    labels = ledger[group] if group else pd.Series("all", index=ledger.index)
    for name, idx in labels.dropna().groupby(labels.dropna()).groups.items():
        km = KaplanMeierFitter(label=str(name))
        km.fit(surv.loc[idx, "days"] / 30.44, surv.loc[idx, "left"])
        fits[str(name)] = km
    result = {"fits": fits, "logrank_p": None}
    if group and len(fits) > 1:
        keep = labels.notna()
        test = multivariate_logrank_test(surv.loc[keep, "days"], labels[keep],
                                         surv.loc[keep, "left"])
        result["logrank_p"] = float(test.p_value)
        result["logrank_stat"] = float(test.test_statistic)
    return result


def median_tenure_table(km: dict) -> pd.DataFrame:
    """Median tenure (months) per group with its interval, and 12-month retention."""
    from lifelines.utils import median_survival_times

    rows = []
    for name, fit in km["fits"].items():
        ci = median_survival_times(fit.confidence_interval_)
        rows.append({"group": name, "customers": int(fit.event_observed.size),
                     "left": int(fit.event_observed.sum()),
                     "median months": fit.median_survival_time_,
                     "ci_low": float(ci.iloc[0, 0]), "ci_high": float(ci.iloc[0, 1]),
                     "still active at 12 months": float(fit.predict(12))})
    return pd.DataFrame(rows).set_index("group")


def satisfaction_hazard(ledger: pd.DataFrame, level: float = 0.95) -> Estimate:
    """Hazard ratio of leaving per point of satisfaction (Cox model, robust SE)."""
    from lifelines import CoxPHFitter

    data = tenure(ledger).assign(satisfaction=ledger["satisfaction"]).dropna()
    data = data[data["days"] > 0]
    cph = CoxPHFitter(alpha=1 - level).fit(data, "days", "left", robust=True)
    row = cph.summary.loc["satisfaction"]
    return Estimate("hazard ratio of leaving per point of satisfaction",
                    float(row["exp(coef)"]), float(row[f"exp(coef) lower {level:.0%}"]),
                    float(row[f"exp(coef) upper {level:.0%}"]), len(data),
                    "Cox proportional hazards, robust SE", level)


def cohort_retention(ledger: pd.DataFrame, max_months: int = 24) -> pd.DataFrame:
    """Share of each monthly acquisition cohort still active k months after acquisition;
    cells not yet observable are left empty."""
    end = observation_end(ledger)
    surv = tenure(ledger, end)
    cohort = ledger["acquired_on"].dt.to_period("M")
    observable = ((end - ledger["acquired_on"]).dt.days / 30.44).to_numpy()
    months = surv["days"].to_numpy() / 30.44
    rows = {}
    for c, idx in cohort.groupby(cohort).groups.items():
        pos = ledger.index.get_indexer(idx)
        row = []
        for k in range(max_months + 1):
            seen = observable[pos] >= k
            row.append(np.nan if not seen.all() else
                       float(np.mean((months[pos] >= k) | (surv["left"].to_numpy()[pos] == 0))))
        rows[str(c)] = row
    return pd.DataFrame.from_dict(rows, orient="index", columns=range(max_months + 1))


def value_by_tenure(ledger: pd.DataFrame, bins=(0, 6, 12, 24, 36, 60, 1200)) -> pd.DataFrame:
    """Margin per active month and products held, by tenure band (survivors only differ
    from leavers, so read this as description, not as the effect of staying longer)."""
    surv = tenure(ledger)
    months = (surv["days"] / 30.44).clip(lower=1)
    band = pd.cut(months, bins=list(bins), right=False)
    frame = pd.DataFrame({"tenure (months)": band,
                          "margin per month": ledger.get("margin", np.nan) / months,
                          "products held": ledger.get("n_products", np.nan)})
    return frame.groupby("tenure (months)", observed=True).agg(
        customers=("margin per month", "size"),
        margin_per_month=("margin per month", "mean"),
        products_held=("products held", "mean"))
