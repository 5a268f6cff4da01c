"""The economics of keeping customers, from a CRM ledger (the ``customers`` kind).

* **Cost ratios** (ratio estimators, percentile bootstrap over customers). One stated
  unit: the *customer lifetime*. Acquisition cost per acquired customer, A = Σ
  acquisition_cost / n, against the retention spend over a customer's expected
  lifetime, R·E[T], with R = Σ retention_spend / Σ years active (per customer-year) and
  E[T] the expected lifetime in years from :func:`lifetime_fit`. The ratio A / (R·E[T])
  is also the cost of a customer-year bought by acquisition (A / E[T]) over the cost of
  a customer-year bought by retention (R), so it depends on no calendar unit (per year
  or per month would multiply it by 12). Win-back: Σ winback_spend / Σ winback_margin
  over the customers a win-back was tried on, against Σ retention_spend / Σ margin.
* **Lifetime** (exponential–gamma, the continuous-time "Pareto" churn model): each
  customer leaves at a constant rate λ, and λ varies across customers as Gamma(r, α),
  so S(t) = (α / (α + t))^r and E[T] = α / (r − 1), finite only when r > 1. Fitted by
  maximum likelihood with censoring; heterogeneity matters, because the customers who
  stay are the slow leavers.
* **Survival**: tenure = (churned_on or the end of observation) − acquired_on, censored
  for customers still active. Kaplan–Meier curves by group with 95% bands and a
  log-rank test; a Cox model gives the hazard ratio of leaving per point of
  satisfaction (robust standard errors).
* **Cohorts**: share of each monthly acquisition cohort still active k months later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize

from .errors import NotEstimable
from .results import Estimate
from .uncertainty import (
    percentile_interval,
    percentiles,
    ratio_bootstrap,
    resample_draws,
    resampled_sums,
)

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


def lifetime_fit(years: np.ndarray, left: np.ndarray) -> tuple[float, float, float]:
    """Exponential–gamma lifetime model by maximum likelihood (module docstring): returns
    (r, α, E[T]) with E[T] = α/(r − 1) in the unit of *years* (inf when r ≤ 1).

    With E events and L(α) = Σ log(α / (α + tᵢ)) over all customers, the censored
    log-likelihood E·log r + r·L(α) − Σ_events log(α + tᵢ) is maximised in r at
    r = −E / L(α); the profile in α is maximised numerically (on log α). Without
    heterogeneity α, r → ∞ and E[T] → Σt / E, the exponential estimate.
    """
    t = np.asarray(years, float)
    event = np.asarray(left, float) > 0
    n_events = int(event.sum())
    if n_events == 0 or t.sum() <= 0:
        raise NotEstimable("no customer has left yet, so the lifetime cannot be estimated")
    scale = t.mean()

    def profile(log_alpha: float) -> tuple[float, float]:
        alpha = np.exp(log_alpha)
        ell = np.log1p(t / alpha).sum()  # −L(α)
        r = n_events / ell
        return -(n_events * np.log(r) - n_events - np.log(alpha + t[event]).sum()), r

    bounds = (np.log(scale) - 7, np.log(scale) + 16)
    best = optimize.minimize_scalar(lambda x: profile(x)[0], bounds=bounds, method="bounded",
                                    options={"xatol": 1e-6})
    alpha = float(np.exp(best.x))
    r = float(profile(best.x)[1])
    return r, alpha, (alpha / (r - 1) if r > 1 else np.inf)


def cost_ratios(ledger: pd.DataFrame, *, n_boot: int = 1000, seed: int = 2024,
                level: float = 0.95) -> dict[str, Estimate]:
    """Acquisition vs retention cost per customer lifetime, and win-back vs retention cost
    per dollar (see module docstring)."""
    need = ["acquisition_cost", "retention_spend", "acquired_on"]
    data = ledger.dropna(subset=need)
    surv = tenure(data)
    years, left = (surv["days"] / YEAR).to_numpy(), surv["left"].to_numpy()
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
    lifetime_ratio(out, acq, ret, years, left, n_boot=n_boot, seed=seed, level=level)
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


LIFETIME_RATIO = "acquisition ÷ retention cost per customer lifetime"


def lifetime_ratio(out: dict[str, Estimate], acq: np.ndarray, ret: np.ndarray,
                   years: np.ndarray, left: np.ndarray, *, n_boot: int, seed: int,
                   level: float) -> None:
    """Add the expected lifetime, the retention cost per lifetime and the headline ratio
    A / (R·E[T]) to *out*, each with a bootstrap over customers that refits the lifetime
    model in every resample (resamples whose lifetime has no finite mean count as failed)."""
    method = f"exponential–gamma lifetime, bootstrap over customers ({n_boot})"

    def parts(idx: np.ndarray) -> tuple[float, float, float]:
        mean_life = lifetime_fit(years[idx], left[idx])[2]
        per_life = ret[idx].sum() / years[idx].sum() * mean_life
        return mean_life, per_life, acq[idx].mean() / per_life

    try:
        value = parts(np.arange(len(acq)))
    except NotEstimable as why:
        for name in ("expected customer lifetime", "retention cost per customer lifetime",
                     LIFETIME_RATIO):
            out[name] = Estimate.untestable(name, str(why), len(acq), method)
        return
    draws = resample_draws(parts, len(acq), 3, n_boot=n_boot, seed=seed)
    lows, highs, failed = percentiles(draws, level)
    names = ("expected customer lifetime", "retention cost per customer lifetime",
             LIFETIME_RATIO)
    for j, (name, unit) in enumerate(zip(names, ("years", "currency", "×"), strict=True)):
        if not np.isfinite(value[j]):
            out[name] = Estimate.untestable(name, "the fitted lifetimes have no finite mean "
                                            "(r ≤ 1): too few customers have left to bound "
                                            "a lifetime", len(acq), method)
            continue
        out[name] = Estimate(name, float(value[j]), float(lows[j]), float(highs[j]), len(acq),
                             method, level, unit, failed=failed, draws=n_boot)


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
