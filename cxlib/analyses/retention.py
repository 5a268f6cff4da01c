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
* **Survival**: tenure = (churned_on, or the end of observation for customers still
  active) − acquired_on, censored for customers still active; or, in a churn export
  without dates, tenure_months × 30.44 days with the churn flag saying who left. The end
  of observation is a customer's ``observed_until`` where given, else the latest date in
  the ledger. Kaplan–Meier curves by group with 95% bands and a log-rank test; a Cox
  model with the covariates the analyst chooses gives hazard ratios of leaving (robust
  standard errors; checked against R's ``survival::coxph``).
* **Cohorts**: share of each monthly acquisition cohort still active k months later
  (needs acquisition dates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy import optimize

from cxlib.errors import NotEstimable, missing_columns, require_columns
from cxlib.stats.design import design_matrix
from cxlib.stats.estimates import Estimate
from cxlib.stats.uncertainty import (
    percentile_interval,
    percentiles,
    ratio_bootstrap,
    resample_draws,
    resampled_sums,
)

YEAR = 365.25
MONTH = YEAR / 12
"""Days in an average month: tenures in months become days as tenure_months × MONTH."""
DATES = ("acquired_on", "churned_on", "observed_until")
COST_COLUMNS = ("acquisition_cost", "retention_spend")
WINBACK_COLUMNS = ("margin", "winback_spend", "winback_margin")
WINBACK_MIN = 20
"""Fewest win-back attempts the win-back ratio is computed from."""
SATISFACTION_HAZARD = "hazard ratio of leaving per point of satisfaction"


def observation_end(ledger: pd.DataFrame) -> pd.Timestamp | None:
    """The last date the ledger speaks of (latest acquisition, churn or observation);
    None for a ledger without dates."""
    dates = [ledger[c].max() for c in DATES if c in ledger]
    dates = [d for d in dates if pd.notna(d)]
    return max(dates) if dates else None


def churn_flag(ledger: pd.DataFrame) -> pd.Series:
    """1 for customers who have left: the ``churned`` flag where given, else whether
    there is a churn date."""
    if "churned" in ledger and ledger["churned"].notna().any():
        flag = ledger["churned"]
        if "churned_on" in ledger:
            flag = flag.fillna(ledger["churned_on"].notna().astype(float))
        return flag
    if "churned_on" in ledger:
        return ledger["churned_on"].notna().astype(float)
    raise NotEstimable("who has left is unknown: the ledger has neither `churned_on` (the "
                       "date a customer left) nor `churned` (a churn flag)")


def tenure(ledger: pd.DataFrame, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Days observed and whether the customer left (the survival data; module docstring).

    Dates give the tenure where a customer has them; ``tenure_months`` where not.
    """
    left = churn_flag(ledger)
    days = pd.Series(np.nan, index=ledger.index)
    if "acquired_on" in ledger and ledger["acquired_on"].notna().any():
        end = end or observation_end(ledger)
        active_until = (ledger["observed_until"].fillna(end) if "observed_until" in ledger
                        else pd.Series(end, index=ledger.index))
        stop = (ledger["churned_on"].where(left == 1, active_until) if "churned_on" in ledger
                else active_until)
        days = (pd.to_datetime(stop) - ledger["acquired_on"]).dt.days.clip(lower=0)
    if "tenure_months" in ledger:
        days = days.fillna(ledger["tenure_months"] * MONTH)
    if days.isna().all():
        raise NotEstimable("the ledger has neither acquisition dates nor tenures, so how long "
                           "customers stayed is unknown")
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
    need = list(COST_COLUMNS)
    require_columns(ledger, need, what="the acquisition and retention cost ratios")
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
        if len(tried) >= WINBACK_MIN and "winback_margin" in tried:
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
    for name, idx in labels.dropna().groupby(labels.dropna(), observed=True).groups.items():
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
    """Median tenure (months) per group with its interval, and 12-month retention.

    A median (or interval limit) that the follow-up does not reach, because the share still
    active never falls to 50% (or to the limit's level), is left empty rather than shown as
    infinite, and a ``note`` column says so with the share still active at the last month
    observed ("not reached: 73% still active at 72 months"); an upper limit at the last month
    observed (where the last customers leave) is open-ended, and the note says so too."""
    from lifelines.utils import median_survival_times

    rows = []
    for name, fit in km["fits"].items():
        ci = median_survival_times(fit.confidence_interval_)
        median, low, high = (float(fit.median_survival_time_), float(ci.iloc[0, 0]),
                             float(ci.iloc[0, 1]))
        last = float(fit.survival_function_.index.max())
        still = float(fit.predict(last))
        note = ""
        if not np.isfinite(median):
            note = f"not reached: {still:.0%} still active at {last:,.0f} months"
        elif not np.isfinite(high) or high >= last:
            note = f"upper limit open: at or beyond the end of follow-up ({last:,.0f} months)"
        rows.append({"group": name, "customers": int(fit.event_observed.size),
                     "left": int(fit.event_observed.sum()),
                     "median months": median if np.isfinite(median) else np.nan,
                     "ci_low": low if np.isfinite(low) else np.nan,
                     "ci_high": high if np.isfinite(high) else np.nan,
                     "still active at 12 months": float(fit.predict(12)), "note": note})
    table = pd.DataFrame(rows).set_index("group")
    return table if table["note"].astype(bool).any() else table.drop(columns="note")


@dataclass
class CoxFit:
    """A fitted Cox model: ``table`` has one row per model term (coefficient, robust SE,
    hazard ratio with its interval, p-value); ``references`` the reference level of each
    categorical covariate; ``n`` customers and ``events`` leavers used."""

    table: pd.DataFrame
    references: dict[str, str]
    n: int
    events: int
    level: float

    def hazard_ratio(self, term: str, figure: str | None = None) -> Estimate:
        """The hazard ratio of *term* (a covariate, or ``column[level]``) as an Estimate."""
        row = self.table.loc[term]
        return Estimate(figure or f"hazard ratio of leaving: {term}", float(row["hazard ratio"]),
                        float(row["ci_low"]), float(row["ci_high"]), self.n,
                        "Cox proportional hazards, robust SE", self.level)


def cox_model(ledger: pd.DataFrame, covariates: Sequence[str], *,
              reference: Mapping[str, str] | None = None, level: float = 0.95) -> CoxFit:
    """Cox proportional hazards model of the time to leaving, h(t | x) = h₀(t)·exp(x′β).

    β maximises the partial likelihood, with Efron's handling of tied times (lifelines).
    Standard errors are robust: V = I⁻¹ (Σᵢ Uᵢ Uᵢ′) I⁻¹, with I the information matrix and
    Uᵢ customer i's score residual under Efron's weights (:func:`efron_score_residuals`),
    as ``coxph(..., robust = TRUE)`` in R. exp(βⱼ ± z·SEⱼ) is the interval of the hazard
    ratio exp(βⱼ): the factor by which the risk of leaving is multiplied per unit of
    covariate j, or for level j of a category against its reference
    (:mod:`cxlib.stats.design`). Customers with a missing covariate or no time observed are
    left out.
    """
    from lifelines import CoxPHFitter
    from scipy import stats

    design = design_matrix(ledger, covariates, reference)
    data = design.matrix.join(tenure(ledger)).dropna()
    data = data[data["days"] > 0]
    if data["left"].sum() == 0:
        raise NotEstimable("no customer in the model has left, so no hazard can be estimated")
    terms = list(design.matrix.columns)
    cph = CoxPHFitter().fit(data, "days", "left", fit_options={"precision": 1e-10})
    beta = cph.params_.loc[terms].to_numpy()
    info_inv = cph.variance_matrix_.loc[terms, terms].to_numpy()
    scores = efron_score_residuals(data[terms].to_numpy(float), data["days"].to_numpy(float),
                                   data["left"].to_numpy(int), beta) @ info_inv
    se = np.sqrt(np.diag(scores.T @ scores))
    z = stats.norm.ppf(0.5 + level / 2)
    table = pd.DataFrame({
        "covariate": [design.terms[t] for t in terms], "coef": beta, "robust SE": se,
        "hazard ratio": np.exp(beta), "ci_low": np.exp(beta - z * se),
        "ci_high": np.exp(beta + z * se), "p": 2 * stats.norm.sf(np.abs(beta / se))},
        index=pd.Index(terms, name="term"))
    return CoxFit(table, design.references, len(data), int(data["left"].sum()), level)


def efron_score_residuals(x: np.ndarray, time: np.ndarray, event: np.ndarray,
                          beta: np.ndarray) -> np.ndarray:
    """Score residuals Uᵢ of a Cox model with Efron's tie handling (n × p).

    At an event time with d deaths D in risk set R, wᵢ = exp(xᵢ′β), and for
    k = 0 … d−1 with aₖ = k/d: Sₖ = Σ_R w − aₖ Σ_D w and x̄ₖ = (Σ_R w x − aₖ Σ_D w x) / Sₖ.
    A death gets xᵢ − mean(x̄ₖ); every customer at risk loses wᵢ Σₖ cᵢₖ (xᵢ − x̄ₖ) / Sₖ,
    with cᵢₖ = 1 − aₖ for the deaths and 1 for the others (as R's ``coxscore``). At the
    estimate Σᵢ Uᵢ = 0.
    """
    w = np.exp(x @ beta)
    u = np.zeros_like(x, dtype=float)
    for t in np.unique(time[event == 1]):
        risk = time >= t
        dead = risk & (time == t) & (event == 1)
        a = np.arange(dead.sum()) / dead.sum()
        s0 = w[risk].sum() - a * w[dead].sum()
        xbar = (w[risk] @ x[risk] - np.outer(a, w[dead] @ x[dead])) / s0[:, None]
        u[dead] += x[dead] - xbar.mean(axis=0)
        for who, c in ((risk & ~dead, np.ones_like(a)), (dead, 1 - a)):
            u[who] -= w[who, None] * (x[who] * (c / s0).sum() - (c / s0) @ xbar)
    return u


def satisfaction_hazard(ledger: pd.DataFrame, level: float = 0.95,
                        covariates: Sequence[str] = (),
                        reference: Mapping[str, str] | None = None) -> Estimate:
    """Hazard ratio of leaving per point of satisfaction, adjusted for *covariates*
    (:func:`cox_model`)."""
    fit = cox_model(ledger, ["satisfaction", *covariates], reference=reference, level=level)
    return fit.hazard_ratio("satisfaction", SATISFACTION_HAZARD)


def survival_missing(ledger: pd.DataFrame) -> str:
    """Why survival curves cannot be drawn from *ledger* ('' when they can): they need
    how long each customer stayed (dates or tenures) and who has left."""
    try:
        tenure(ledger)
    except NotEstimable as why:
        return f"Survival curves cannot be drawn: {why}."
    return ""


def winback_missing(ledger: pd.DataFrame) -> str:
    """Why the win-back ratio cannot be computed from *ledger*, in words."""
    absent = missing_columns(ledger, [*COST_COLUMNS, *WINBACK_COLUMNS])
    if absent:
        return f"the win-back ratio needs the column(s) {', '.join(absent)}"
    tried = int((ledger["winback_spend"].fillna(0) > 0).sum())
    return f"{tried} win-back attempt(s) in the ledger; the ratio needs at least {WINBACK_MIN}"


def satisfaction_tiers(satisfaction: pd.Series, scale: tuple[float, float]) -> pd.Series:
    """Low, mid and high thirds of the rating scale [lo, hi]: cut at lo + (hi − lo)/3 and
    lo + 2(hi − lo)/3 (on 1–7: 1–3, 4–5, 6–7; on 1–10: 1–4, 5–7, 8–10)."""
    lo, hi = scale
    cuts = [lo - 1, lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3, hi]
    edges = [np.floor(c) for c in cuts]
    labels = [f"{name} ({edges[i] + 1:g}–{edges[i + 1]:g})"
              for i, name in enumerate(["low", "mid", "high"])]
    return pd.cut(satisfaction, cuts, labels=labels)


def cohort_retention(ledger: pd.DataFrame, max_months: int = 24) -> pd.DataFrame:
    """Share of each monthly acquisition cohort still active k months after acquisition;
    cells not yet observable are left empty."""
    require_columns(ledger, ["acquired_on"], what="cohort retention")
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
    from leavers, so read this as description, not as the effect of staying longer). The
    last band is open-ended ("60+"); a column the ledger has no data for is left out."""
    surv = tenure(ledger)
    months = (surv["days"] / 30.44).clip(lower=1)
    edges = list(bins)
    labels = [f"[{a:g}, {b:g})" for a, b in pairwise(edges[:-1])]
    labels.append(f"{edges[-2]:g}+")  # the last band is open-ended
    band = pd.cut(months, bins=edges, right=False, labels=labels)
    frame = pd.DataFrame({"tenure (months)": band,
                          "margin per month": ledger.get("margin", np.nan) / months,
                          "products held": ledger.get("n_products", np.nan)})
    table = frame.groupby("tenure (months)", observed=True).agg(
        customers=("margin per month", "size"),
        margin_per_month=("margin per month", "mean"),
        products_held=("products held", "mean"))
    return table.dropna(axis=1, how="all")  # a column the ledger does not have
