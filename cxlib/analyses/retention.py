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
  without dates, tenure_months × :data:`MONTH` days (an average month) with the churn flag
  saying who left. The end of observation is a customer's ``observed_until`` where given,
  else the latest date in the ledger. Kaplan–Meier curves by group with 95% bands and a log-rank
  test; a Cox model with the covariates the analyst chooses gives hazard ratios of leaving
  (robust standard errors; checked against R's ``survival::coxph``).
* **Snapshots** (delayed entry): a table of the customers present at the start of a
  follow-up window of N months, with leaving seen only within it (``follow_up_months: N``
  in the mapping), says nothing about the customers who left before the window. Each
  customer then enters the risk set at the window's start, max(tenure − N, 0), and leaves
  it at their tenure (:func:`survival_intervals`); the curves and the Cox model compare
  only customers at risk at the same tenure at the same time. Without delayed entry the
  long-tenured customers, present only because they had not left, look loyal.
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
from cxlib.stats.formatting import fmt
from cxlib.stats.survival import (
    SurvivalCurve,
    efron_score_residuals,
    logrank,
    product_limit,
)
from cxlib.stats.uncertainty import (
    percentile_interval,
    percentiles,
    ratio_bootstrap,
    resample_draws,
    resampled_sums,
)
from cxlib.stats.units import DAYS_PER_MONTH, DAYS_PER_YEAR

YEAR = DAYS_PER_YEAR
MONTH = DAYS_PER_MONTH
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


def lifetime_problem(life: Estimate, spread: float = 3.0) -> str:
    """Why an expected customer lifetime (``cost_ratios(...)["expected customer
    lifetime"]``) does not pin down the ratios built on it, or "" when it does. It does not
    when it could not be estimated; when some bootstrap resamples gave no finite lifetime
    (r ≤ 1 in the exponential–gamma model: too few customers have left), since the interval
    of the others then leaves out the long lifetimes and need not even contain the
    estimate; or when the interval's upper end is more than *spread* times its lower end."""
    if life.problem or life.ci_low is None or life.ci_high is None:
        return f"The expected lifetime could not be estimated: {life.problem or 'no interval'}."
    if life.failed:
        return (f"The expected lifetime is not pinned down: {life.failed:,} of {life.draws:,} "
                "resamples gave no finite lifetime (too few of these customers have left), "
                "so neither is a ratio built on it.")
    if not life.ci_low <= life.value <= life.ci_high or life.ci_high > spread * life.ci_low:
        return (f"The expected lifetime is not pinned down: its interval, {fmt(life.ci_low)} "
                f"to {fmt(life.ci_high)} {life.unit}, spans more than a factor {spread:g}, so "
                "neither is a ratio built on it.")
    return ""


def survival_intervals(ledger: pd.DataFrame, follow_up_months: float | None = None,
                       end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Each customer's time at risk, the interval (start, stop] in days, and whether they
    left at stop (``left``).

    stop is the tenure (:func:`tenure`). Without a follow-up window every customer is at
    risk from acquisition: start = 0. A **snapshot** holds the customers present at the
    start of a window of N = *follow_up_months* months, with leaving seen only within it;
    each customer then enters at the window's start (delayed entry, left truncation):
    start = max(stop − N·MONTH, 0) for a tenure (for a leaver the earliest the window can
    have started; with whole-month tenures and N = 1, the month before), and for a customer
    with an acquisition date start = max(window start − acquired_on, 0), the window starting
    N months before the end of observation (:func:`observation_end`). A customer with
    stop ≤ start (a tenure of 0, or gone before the window began) has no time at risk: the
    models leave them out and count them (:func:`no_time_at_risk`), as R's
    ``Surv(start, stop, event)`` refuses such intervals.
    """
    surv = tenure(ledger, end)
    start = pd.Series(0.0, index=ledger.index)
    if follow_up_months is not None:
        if not (np.isfinite(follow_up_months) and follow_up_months > 0):
            raise ValueError(f"the follow-up window must be a positive number of months, got "
                             f"{follow_up_months!r}")
        window = follow_up_months * MONTH
        start = surv["days"] - window
        if "acquired_on" in ledger and ledger["acquired_on"].notna().any():
            opens = (end or observation_end(ledger)) - pd.Timedelta(days=window)
            since = (opens - ledger["acquired_on"]).dt.total_seconds() / 86400
            start = since.where(ledger["acquired_on"].notna(), start)
        start = start.clip(lower=0)
    return pd.DataFrame({"start": start.astype(float), "stop": surv["days"],
                         "left": surv["left"]}, index=ledger.index)


def no_time_at_risk(count: int, follow_up_months: float | None = None) -> str:
    """The sentence that says how many customers a survival model left out for having no
    time at risk ('' for none; :func:`survival_intervals`)."""
    if not count:
        return ""
    why = ("a tenure of 0, or gone before the follow-up window began" if follow_up_months
           else "a tenure of 0")
    who = "1 customer" if count == 1 else f"{count:,} customers"
    return (f"{who} with no time at risk ({why}) {'is' if count == 1 else 'are'} left out: "
            "they tell nothing about leaving.")


def curve_reading(follow_up_months: float | None) -> str:
    """What a Kaplan–Meier curve of :func:`kaplan_meier` shows, in words."""
    if follow_up_months is None:
        return ("Share of customers still active after each month since acquisition, "
                "customers still active counting as censored.")
    return (f"Period retention: each customer counts only from the start of the "
            f"{follow_up_months:g}-month window in which leaving was seen, so the curve "
            "multiplies the risks of leaving seen in that window at each tenure. It is the "
            "share who would still be customers after each month if this window's risks "
            "held for a customer going through every tenure, not the retention of any "
            "group of customers actually followed.")


def kaplan_meier(ledger: pd.DataFrame, group: str | None = None, *,
                 follow_up_months: float | None = None) -> dict:
    """Kaplan–Meier curves overall or by *group*, months on the time axis, with a log-rank
    test when there are groups (:mod:`cxlib.stats.survival`).

    S(t) = Π_{tⱼ ≤ t} (1 − dⱼ / nⱼ) over the months tⱼ at which customers left, nⱼ being
    those at risk: with *follow_up_months* (a snapshot) the customers whose window had
    started before tⱼ and whose tenure reaches tⱼ (:func:`survival_intervals`), and the
    curve is a period curve (:func:`curve_reading`). Returns ``fits`` (label →
    :class:`~cxlib.stats.survival.SurvivalCurve`), ``logrank_p`` and ``logrank_stat``
    (None without groups), ``left_out`` (customers with no time at risk), ``curve``
    ("Retention" or "Period retention", for titles), ``note`` (what the curve shows and who
    was left out, in words) and ``follow_up_months``.
    """
    surv = survival_intervals(ledger, follow_up_months)
    labels = ledger[group] if group else pd.Series("all", index=ledger.index)
    usable = labels.notna() & (surv["stop"] > surv["start"])
    left_out = int((labels.notna() & ~usable).sum())
    if not usable.any():
        raise NotEstimable("no customer has any time at risk (every tenure is 0, or ends before "
                           "the follow-up window), so no survival curve can be drawn")
    surv, labels = surv[usable], labels[usable]
    start, stop = surv["start"] / MONTH, surv["stop"] / MONTH
    fits = {str(name): product_limit(start[idx], stop[idx], surv.loc[idx, "left"],
                                      label=str(name))
            for name, idx in labels.groupby(labels, observed=True).groups.items()}
    note = " ".join(filter(None, [curve_reading(follow_up_months),
                                  no_time_at_risk(left_out, follow_up_months)]))
    result = {"fits": fits, "logrank_p": None, "logrank_stat": None, "left_out": left_out,
              "curve": "Retention" if follow_up_months is None else "Period retention",
              "note": note, "follow_up_months": follow_up_months}
    if group and len(fits) > 1:
        chi2, _, p = logrank(start, stop, surv["left"], labels.astype(str))
        result["logrank_p"], result["logrank_stat"] = p, chi2
    return result


def median_tenure_table(km: dict) -> pd.DataFrame:
    """Median tenure (months) per group with its interval, and 12-month retention.

    The median is the first month the curve S(t) of :func:`kaplan_meier` is at or below
    50%; its interval limits, the first months its 95% band is (lifelines' convention).
    A median (or interval limit) that the follow-up does not reach, because the share still
    active never falls to 50% (or to the limit's level), is left empty rather than shown as
    infinite, and a ``note`` column says so with the share still active at the last month
    observed ("not reached: 73% still active at 72 months"); an upper limit at the last month
    observed (where the last customers leave) is open-ended, and the note says so too. For
    a snapshot the curve is a period curve (:func:`curve_reading`) and so are these figures."""
    rows = []
    for name, fit in km["fits"].items():
        median, low, high = fit.median, fit.time_to(0.5, "ci_low"), fit.time_to(0.5, "ci_high")
        last = fit.last
        still = fit.at(last)
        note = ""
        if not np.isfinite(median):
            note = f"not reached: {still:.0%} still active at {last:,.0f} months"
        elif not np.isfinite(high) or high >= last:
            note = f"upper limit open: at or beyond the end of follow-up ({last:,.0f} months)"
        rows.append({"group": name, "customers": fit.subjects, "left": fit.events,
                     "median months": median if np.isfinite(median) else np.nan,
                     "ci_low": low if np.isfinite(low) else np.nan,
                     "ci_high": high if np.isfinite(high) else np.nan,
                     "still active at 12 months": fit.at(12), "note": note})
    table = pd.DataFrame(rows).set_index("group")
    return table if table["note"].astype(bool).any() else table.drop(columns="note")


@dataclass
class CoxFit:
    """A fitted Cox model: ``table`` has one row per model term (coefficient, robust SE,
    hazard ratio with its interval, p-value); ``references`` the reference level of each
    categorical covariate; ``n`` customers and ``events`` leavers used; ``left_out`` the
    customers with no time at risk; ``follow_up_months`` the snapshot's window when each
    customer entered at its start (delayed entry), else None."""

    table: pd.DataFrame
    references: dict[str, str]
    n: int
    events: int
    level: float
    left_out: int = 0
    follow_up_months: float | None = None

    @property
    def method(self) -> str:
        """The model in words, for an Estimate."""
        if self.follow_up_months is None:
            return "Cox proportional hazards, robust SE"
        return (f"Cox proportional hazards with delayed entry at the start of the "
                f"{self.follow_up_months:g}-month window, robust SE")

    @property
    def note(self) -> str:
        """Who the model left out, in words ('' for nobody)."""
        return no_time_at_risk(self.left_out, self.follow_up_months)

    def hazard_ratio(self, term: str, figure: str | None = None) -> Estimate:
        """The hazard ratio of *term* (a covariate, or ``column[level]``) as an Estimate."""
        row = self.table.loc[term]
        return Estimate(figure or f"hazard ratio of leaving: {term}", float(row["hazard ratio"]),
                        float(row["ci_low"]), float(row["ci_high"]), self.n, self.method,
                        self.level)


def cox_model(ledger: pd.DataFrame, covariates: Sequence[str], *,
              reference: Mapping[str, str] | None = None, level: float = 0.95,
              follow_up_months: float | None = None) -> CoxFit:
    """Cox proportional hazards model of the time to leaving, h(t | x) = h₀(t)·exp(x′β).

    β maximises the partial likelihood Π_t Π_{k<d} exp(x_k′β) / (Σ_{R(t)} w − (k/d) Σ_D w)
    over the event times t, with D the d customers leaving at t, wᵢ = exp(xᵢ′β) and the risk
    set R(t) = {i : startᵢ < t ≤ stopᵢ} (:func:`survival_intervals`): startᵢ = 0 for a ledger
    followed from acquisition, the start of the follow-up window with *follow_up_months*
    (a snapshot: delayed entry, as R's ``coxph(Surv(start, stop, event) ~ …)``); ties by
    Efron's method (lifelines). Standard errors are robust: V = I⁻¹ (Σᵢ Uᵢ Uᵢ′) I⁻¹, with I
    the information matrix and Uᵢ customer i's score residual under Efron's weights over the
    same risk sets (:func:`~cxlib.stats.survival.efron_score_residuals`), as
    ``coxph(..., robust = TRUE)`` in R. exp(βⱼ ± z·SEⱼ) is the interval of the hazard ratio
    exp(βⱼ): the factor by which the risk of leaving is multiplied per unit of covariate j,
    or for level j of a category against its reference (:mod:`cxlib.stats.design`).
    Customers with a missing covariate are left out; so are those with no time at risk
    (stop ≤ start), counted in ``left_out``.
    """
    from lifelines import CoxPHFitter
    from scipy import stats

    design = design_matrix(ledger, covariates, reference)
    data = design.matrix.join(survival_intervals(ledger, follow_up_months)).dropna()
    empty = data["stop"] <= data["start"]
    data = data[~empty]
    if data["left"].sum() == 0:
        raise NotEstimable("no customer in the model has left, so no hazard can be estimated")
    terms = list(design.matrix.columns)
    delayed = follow_up_months is not None
    cph = CoxPHFitter().fit(data[[*terms, "stop", "left", *(["start"] if delayed else [])]],
                            "stop", "left", entry_col="start" if delayed else None,
                            fit_options={"precision": 1e-16, "r_precision": 1e-16})
    beta = cph.params_.loc[terms].to_numpy()
    info_inv = cph.variance_matrix_.loc[terms, terms].to_numpy()
    scores = efron_score_residuals(data[terms].to_numpy(float), data["stop"].to_numpy(float),
                                   data["left"].to_numpy(int), beta,
                                   data["start"].to_numpy(float) if delayed else None) @ info_inv
    se = np.sqrt(np.diag(scores.T @ scores))
    z = stats.norm.ppf(0.5 + level / 2)
    table = pd.DataFrame({
        "covariate": [design.terms[t] for t in terms], "coef": beta, "robust SE": se,
        "hazard ratio": np.exp(beta), "ci_low": np.exp(beta - z * se),
        "ci_high": np.exp(beta + z * se), "p": 2 * stats.norm.sf(np.abs(beta / se))},
        index=pd.Index(terms, name="term"))
    return CoxFit(table, design.references, len(data), int(data["left"].sum()), level,
                  int(empty.sum()), follow_up_months)


def entry_comparison(ledger: pd.DataFrame, term: str, covariates: Sequence[str] = (), *,
                     follow_up_months: float, reference: Mapping[str, str] | None = None,
                     level: float = 0.95) -> pd.DataFrame:
    """The hazard ratio of *term* from the same Cox model (:func:`cox_model`, with
    *covariates*) fitted twice on a snapshot: as if every customer had been followed from
    acquisition (no delayed entry, the mistake) and entering each customer at the start of
    the *follow_up_months* window (delayed entry). One row each: the hazard ratio with its
    interval, the customers and the leavers used."""
    rows = {}
    for label, window in (("from acquisition (no delayed entry)", None),
                          (f"from the start of the {follow_up_months:g}-month window "
                           "(delayed entry)", follow_up_months)):
        fit = cox_model(ledger, [term, *covariates], reference=reference, level=level,
                        follow_up_months=window)
        row = fit.table.loc[term]
        rows[label] = {"hazard ratio": row["hazard ratio"], "ci_low": row["ci_low"],
                       "ci_high": row["ci_high"], "customers": fit.n, "left": fit.events}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = f"customers at risk, {term}"
    return table


def stock_share_beyond(curve: SurvivalCurve, months: float) -> float:
    """The share of a steady customer base that has stayed more than *months*, if the
    monthly risks of *curve* had always held: with a constant inflow of new customers, the
    customers present at tenure t are in proportion to S(t), so the share is
    ∫_months^∞ S / ∫_0^∞ S (integrated as the step function up to the last month observed)."""
    table = curve.table
    times = np.r_[table.index.to_numpy(), max(curve.last, table.index.max())]
    widths, values = np.diff(times), table["survival"].to_numpy()
    total = float((widths * values).sum())
    beyond = float((np.clip(times[1:] - np.maximum(times[:-1], months), 0, None)
                    * values).sum())
    return beyond / total if total > 0 else np.nan


def snapshot_summary(ledger: pd.DataFrame, follow_up_months: float | None,
                     horizon: float = 12) -> str:
    """What a customer table is, in numbers and words: for a snapshot, how many customers
    were present at the window's start and how many left within it; when it holds the
    products held, how they grow with tenure (the mean in the shortest and the longest
    quarter of tenures, and their correlation); and whether the window's risks could have
    made the table's tenures: the share of customers who have stayed more than *horizon*
    months, against the share a steady base would hold if the window's risks had always
    held (:func:`stock_share_beyond`)."""
    if follow_up_months is None:
        return ("This ledger follows each customer from acquisition (its mapping declares "
                "no follow-up window), so the survival models count every customer from "
                "their first month.")
    surv = survival_intervals(ledger, follow_up_months)
    at_risk = surv["stop"] > surv["start"]
    left = int(surv.loc[at_risk, "left"].sum())
    months = surv["stop"] / MONTH
    lines = [f"A snapshot: {int(at_risk.sum()):,} customers were present at the start of the "
             f"{follow_up_months:g}-month window and {left:,} ({left / at_risk.sum():.1%}) "
             f"left within it. {no_time_at_risk(int((~at_risk).sum()), follow_up_months)}".strip()]
    if "n_products" in ledger and ledger["n_products"].notna().sum() > 2:
        short, long = months.quantile([0.25, 0.75])
        held = ledger["n_products"]
        lines.append(f"Products held, counted at the end of the window: "
                     f"{held[months <= short].mean():.2f} on average at tenures up to "
                     f"{short:g} months (the shortest quarter), "
                     f"{held[months >= long].mean():.2f} at {long:g} months or more (the "
                     f"longest quarter); correlation with tenure r = {months.corr(held):.2f}.")
    curve = kaplan_meier(ledger, follow_up_months=follow_up_months)["fits"]["all"]
    lines.append(f"{(months[at_risk] > horizon).mean():.1%} of these customers have stayed more "
                 f"than {horizon:g} months. Had the window's risks of leaving always held, with "
                 f"as many customers joining every month, "
                 f"{stock_share_beyond(curve, horizon):.1%} would have.")
    return "\n".join(lines)


def satisfaction_hazard(ledger: pd.DataFrame, level: float = 0.95,
                        covariates: Sequence[str] = (),
                        reference: Mapping[str, str] | None = None,
                        follow_up_months: float | None = None) -> Estimate:
    """Hazard ratio of leaving per point of satisfaction, adjusted for *covariates*
    (:func:`cox_model`; *follow_up_months* for a snapshot)."""
    fit = cox_model(ledger, ["satisfaction", *covariates], reference=reference, level=level,
                    follow_up_months=follow_up_months)
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
        columns = "the column" if len(absent) == 1 else "the columns"
        return f"the win-back ratio needs {columns} {', '.join(absent)}"
    tried = int((ledger["winback_spend"].fillna(0) > 0).sum())
    attempts = "1 win-back attempt" if tried == 1 else f"{tried:,} win-back attempts"
    return f"{attempts} in the ledger; the ratio needs at least {WINBACK_MIN}"


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
    observable = ((end - ledger["acquired_on"]).dt.days / MONTH).to_numpy()
    months = surv["days"].to_numpy() / MONTH
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
    months = (surv["days"] / MONTH).clip(lower=1)
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
