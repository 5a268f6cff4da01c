"""The economics of keeping customers, from a CRM ledger (the ``customers`` kind).

* **Cost ratios** (ratio estimators, percentile bootstrap over customers). One stated
  unit: the *customer lifetime*. Acquisition cost per acquired customer, A = Σ
  acquisition_cost / n, against the retention spend over a customer's expected
  lifetime, R·E[T], with R = Σ retention_spend / Σ years active (per customer-year) and
  E[T] the expected lifetime in years (:func:`cxlib.stats.survival.lifetime_fit`). The
  ratio A / (R·E[T]) is also the cost of a customer-year bought by acquisition (A / E[T])
  over the cost of a customer-year bought by retention (R), so it depends on no calendar
  unit (per year or per month would multiply it by 12). Win-back: Σ winback_spend / Σ winback_margin
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
  it at their tenure (:func:`cxlib.data.derived.survival_intervals`); the curves and the
  Cox model compare
  only customers at risk at the same tenure at the same time. Without delayed entry the
  long-tenured customers, present only because they had not left, look loyal.
* **Cohorts**: share of each monthly acquisition cohort still active k months later
  (needs acquisition dates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from itertools import pairwise

import numpy as np
import pandas as pd

from cxlib.data.derived import MONTH, observation_end, survival_intervals, tenure
from cxlib.data.derived import churn_flag as churn_flag  # where defection.py reads it
from cxlib.errors import NotEstimable, missing_columns, require_columns
from cxlib.stats.design import design_matrix
from cxlib.stats.estimates import Estimate, Estimates, Fit
from cxlib.stats.formatting import p_value
from cxlib.stats.survival import (
    SurvivalCurve,
    efron_score_residuals,
    lifetime_fit,
    logrank,
    product_limit,
    stock_share_beyond,
)
from cxlib.stats.uncertainty import (
    percentile_interval,
    percentiles,
    ratio_bootstrap,
    resample_draws,
    resampled_sums,
)
from cxlib.stats.units import DAYS_PER_YEAR

YEAR = DAYS_PER_YEAR
COST_COLUMNS = ("acquisition_cost", "retention_spend")
WINBACK_COLUMNS = ("margin", "winback_spend", "winback_margin")
WINBACK_MIN = 20
"""Fewest win-back attempts the win-back ratio is computed from."""
SATISFACTION_HAZARD = "hazard ratio of leaving per point of satisfaction"


def cost_ratios(ledger: pd.DataFrame, *, n_boot: int = 1000, seed: int = 2024,
                level: float = 0.95) -> Estimates:
    """Acquisition vs retention cost per customer lifetime, and win-back vs retention cost
    per dollar where the ledger has enough win-back attempts (see module docstring), by
    figure name."""
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
    _lifetime_ratio(out, acq, ret, years, left, n_boot=n_boot, seed=seed, level=level)
    if _winback_missing(data) is None:
        out.update(_winback(data, n_boot=n_boot, seed=seed, level=level))
    return Estimates(out, title="What keeping, winning and winning back customers costs")


WINBACK_RATIO = "win-back ÷ retention cost per dollar"


def _winback(data: pd.DataFrame, *, n_boot: int, seed: int, level: float
             ) -> dict[str, Estimate]:
    """The win-back cost per recovered dollar and its ratio to the retention cost per
    retained dollar, each with a bootstrap over customers (the ratio's resamples the
    win-back attempts and the ledger independently)."""
    method = f"ratio of sums, bootstrap over customers ({n_boot})"
    ret = data["retention_spend"].to_numpy(float)
    margin = data["margin"].clip(lower=0).fillna(0).to_numpy(float)
    tried = data[data["winback_spend"].fillna(0) > 0]
    wb_spend = tried["winback_spend"].to_numpy(float)
    wb_margin = tried["winback_margin"].fillna(0).to_numpy(float)
    r = ratio_bootstrap(wb_spend, wb_margin, n_boot=n_boot, seed=seed, level=level)
    name = "win-back cost per recovered dollar"
    out = {name: Estimate(name, r.value, r.low, r.high, len(wb_spend), method, level,
                          failed=r.failed, draws=r.draws)}
    wb = resampled_sums(np.column_stack([wb_spend, wb_margin]), n_boot=n_boot, seed=seed)
    kept = resampled_sums(np.column_stack([ret, margin]), n_boot=n_boot, seed=seed + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ci = percentile_interval(wb[:, 0] / wb[:, 1] / (kept[:, 0] / kept[:, 1]), level)
    value = (wb_spend.sum() / wb_margin.sum()) / (ret.sum() / margin.sum())
    out[WINBACK_RATIO] = Estimate(
        "win-back cost per recovered dollar ÷ retention cost per retained dollar",
        float(value), ci.low, ci.high, len(tried), method, level, "×", failed=ci.failed,
        draws=ci.draws)
    return out


def winback_ratio(ledger: pd.DataFrame, *, n_boot: int = 1000, seed: int = 2024,
                  level: float = 0.95) -> Estimate:
    """RET-2's figure: the win-back cost per recovered dollar ÷ the retention cost per
    retained dollar (as in :func:`cost_ratios`); not testable, with the reason, when the
    ledger lacks the cost and win-back columns or has fewer than :data:`WINBACK_MIN`
    win-back attempts."""
    missing = _winback_missing(ledger)
    if missing:
        return Estimate.untestable("win-back cost per recovered dollar ÷ retention cost per "
                                   "retained dollar", missing, len(ledger))
    data = ledger.dropna(subset=list(COST_COLUMNS))
    return _winback(data, n_boot=n_boot, seed=seed, level=level)[WINBACK_RATIO]


def _winback_missing(ledger: pd.DataFrame) -> str | None:
    """Why the win-back ratio cannot be computed from *ledger*, in words; None when it can."""
    absent = missing_columns(ledger, [*COST_COLUMNS, *WINBACK_COLUMNS])
    if absent:
        columns = "the column" if len(absent) == 1 else "the columns"
        return f"the win-back ratio needs {columns} {', '.join(absent)}"
    tried = int((ledger.dropna(subset=list(COST_COLUMNS))["winback_spend"].fillna(0) > 0).sum())
    if tried < WINBACK_MIN:
        attempts = "1 win-back attempt" if tried == 1 else f"{tried:,} win-back attempts"
        return f"{attempts} in the ledger; the ratio needs at least {WINBACK_MIN}"
    return None


LIFETIME_RATIO = "acquisition ÷ retention cost per customer lifetime"


def _lifetime_ratio(out: dict[str, Estimate], acq: np.ndarray, ret: np.ndarray,
                   years: np.ndarray, left: np.ndarray, *, n_boot: int, seed: int,
                   level: float) -> None:
    """Add the expected lifetime, the retention cost per lifetime and the headline ratio
    A / (R·E[T]) to *out*, each with a bootstrap over customers that refits the lifetime
    model in every resample (resamples whose lifetime has no finite mean count as failed)."""
    method = f"exponential–gamma lifetime, bootstrap over customers ({n_boot})"

    def parts(idx: np.ndarray) -> tuple[float, float, float]:
        mean_life = lifetime_fit(years[idx], left[idx]).mean
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


def _left_out_note(count: int, follow_up_months: float | None) -> tuple[str, ...]:
    """The note of a survival model that left customers out for having no time at risk
    (none when nobody was left out; :func:`cxlib.data.derived.survival_intervals`)."""
    if not count:
        return ()
    why = ("a tenure of 0, or gone before the follow-up window began" if follow_up_months
           else "a tenure of 0")
    who = "1 customer" if count == 1 else f"{count:,} customers"
    return (f"{who} with no time at risk ({why}) {'is' if count == 1 else 'are'} left out: "
            "they tell nothing about leaving.",)


@dataclass(frozen=True, kw_only=True, repr=False)
class KaplanMeier(Fit):
    """:func:`kaplan_meier`: the curves (``fits``, label → :class:`SurvivalCurve`), the
    log-rank test between groups (``logrank_p``, ``logrank_stat``; None without groups),
    the customers ``left_out`` for having no time at risk and the snapshot's
    ``follow_up_months`` (None: followed from acquisition). The table is the median tenure
    per group with its interval and 12-month retention (:func:`_median_tenure`)."""

    fits: dict[str, SurvivalCurve]
    logrank_p: float | None = None
    logrank_stat: float | None = None
    left_out: int = 0
    follow_up_months: float | None = None

    @property
    def curve(self) -> str:
        """"Retention", or "Period retention" for a snapshot: for titles."""
        return "Retention" if self.follow_up_months is None else "Period retention"

    def facts(self) -> dict:
        return {"log-rank test": None if self.logrank_p is None else p_value(self.logrank_p)}


def kaplan_meier(ledger: pd.DataFrame, group: str | None = None, *,
                 follow_up_months: float | None = None) -> KaplanMeier:
    """Kaplan–Meier curves overall or by *group*, months on the time axis, with a log-rank
    test when there are groups (:mod:`cxlib.stats.survival`).

    S(t) = Π_{tⱼ ≤ t} (1 − dⱼ / nⱼ) over the months tⱼ at which customers left, nⱼ being
    those at risk: with *follow_up_months* (a snapshot) the customers whose window had
    started before tⱼ and whose tenure reaches tⱼ (:func:`survival_intervals`), and the
    curve is a period curve (:func:`cxlib.notebook.readings.survival_curve` says what it
    shows). Returns a :class:`KaplanMeier`: the curves, the log-rank test when there are
    groups, the customers left out and, as its table, the median tenure per group.
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
    chi2 = p = None
    if group and len(fits) > 1:
        chi2, _, p = logrank(start, stop, surv["left"], labels.astype(str))
    by = f" by {group}" if group else ""
    kind = "Kaplan–Meier" + (" with delayed entry at the start of the "
                             f"{follow_up_months:g}-month window" if follow_up_months else "")
    return KaplanMeier(table=_median_tenure(fits), n=int(usable.sum()), value="median months",
                       method=kind + (", log-rank test" if p is not None else ""),
                       title=(f"Median tenure{by} (months)" if not follow_up_months else
                              f"Period retention curve{by}: median and 12-month value if this "
                              f"window's risks held (months)"),
                       notes=_left_out_note(left_out, follow_up_months), fits=fits,
                       logrank_p=p, logrank_stat=chi2, left_out=left_out,
                       follow_up_months=follow_up_months)


def _median_tenure(fits: dict[str, SurvivalCurve]) -> pd.DataFrame:
    """Median tenure (months) per group with its interval, and 12-month retention.

    The median is the first month the curve S(t) of :func:`kaplan_meier` is at or below
    50%; its interval limits, the first months its 95% band is (lifelines' convention).
    A median (or interval limit) that the follow-up does not reach, because the share still
    active never falls to 50% (or to the limit's level), is left empty rather than shown as
    infinite, and a ``note`` column says so with the share still active at the last month
    observed ("not reached: 73% still active at 72 months"); an upper limit at the last month
    observed (where the last customers leave) is open-ended, and the note says so too. For
    a snapshot the curve is a period curve and so are these figures."""
    rows = []
    for name, fit in fits.items():
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


@dataclass(frozen=True, kw_only=True, repr=False)
class CoxFit(Fit):
    """A fitted Cox model: ``table`` has one row per model term (coefficient, robust SE,
    hazard ratio with its interval, p-value); ``references`` the reference level of each
    categorical covariate; ``n`` customers and ``events`` leavers used; ``left_out`` the
    customers with no time at risk (said in ``notes``); ``follow_up_months`` the snapshot's
    window when each customer entered at its start (delayed entry), else None."""

    references: dict[str, str]
    events: int
    left_out: int = 0
    follow_up_months: float | None = None
    value: str = "hazard ratio"

    def hazard_ratio(self, term: str, figure: str | None = None) -> Estimate:
        """The hazard ratio of *term* (a covariate, or ``column[level]``) as an Estimate."""
        return self.estimate(term, figure=figure or f"hazard ratio of leaving: {term}")

    def facts(self) -> dict:
        return {"leavers": self.events}


def _cox_method(follow_up_months: float | None) -> str:
    if follow_up_months is None:
        return "Cox proportional hazards, robust SE"
    return (f"Cox proportional hazards with delayed entry at the start of the "
            f"{follow_up_months:g}-month window, robust SE")


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
    return CoxFit(table=table, n=len(data), method=_cox_method(follow_up_months), level=level,
                  title="Cox model of leaving", references=design.references,
                  events=int(data["left"].sum()), left_out=int(empty.sum()),
                  notes=_left_out_note(int(empty.sum()), follow_up_months),
                  follow_up_months=follow_up_months)


def entry_comparison(ledger: pd.DataFrame, term: str, covariates: Sequence[str] = (), *,
                     follow_up_months: float, reference: Mapping[str, str] | None = None,
                     level: float = 0.95) -> Fit:
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
    return Fit(table=table, n=int(table["customers"].max()), value="hazard ratio", level=level,
               method=_cox_method(follow_up_months) + ", against the same model without "
                      "delayed entry", title=f"Hazard ratio of {term}: how customers enter")


@dataclass(frozen=True, kw_only=True, repr=False)
class Snapshot(Fit):
    """:func:`snapshot`: what a customer table is. Without a follow-up window
    (``follow_up_months`` None) the ledger follows each customer from acquisition and the
    other fields are empty. For a snapshot: the customers ``present`` at the window's start,
    those who ``left`` within it and those with no time at risk (``no_time``); the products
    held in the shortest and the longest quarter of tenures (``products_short`` up to
    ``short_months``, ``products_long`` from ``long_months``) and their correlation with
    tenure (``products_r``; None without ``n_products``); the share who have stayed more
    than ``horizon`` months (``stayed``) against the share a steady base would hold had the
    window's risks always held (``steady``). The table holds the same numbers."""

    follow_up_months: float | None
    horizon: float
    present: int = 0
    left: int = 0
    no_time: int = 0
    short_months: float | None = None
    long_months: float | None = None
    products_short: float | None = None
    products_long: float | None = None
    products_r: float | None = None
    stayed: float | None = None
    steady: float | None = None


def snapshot(ledger: pd.DataFrame, follow_up_months: float | None,
             horizon: float = 12) -> Snapshot:
    """What a customer table is, in numbers: for a snapshot, how many customers were present
    at the window's start and how many left within it; when it holds the products held, how
    they grow with tenure (the mean in the shortest and the longest quarter of tenures, and
    their correlation); and whether the window's risks could have made the table's tenures:
    the share of customers who have stayed more than *horizon* months, against the share a
    steady base would hold if the window's risks had always held
    (:func:`cxlib.stats.survival.stock_share_beyond`). :func:`cxlib.notebook.readings.snapshot`
    says it in words."""
    if follow_up_months is None:
        return Snapshot(table=pd.DataFrame(), n=len(ledger), follow_up_months=None,
                        horizon=horizon, method="followed from acquisition",
                        title="A ledger followed from acquisition")
    surv = survival_intervals(ledger, follow_up_months)
    at_risk = surv["stop"] > surv["start"]
    months = surv["stop"] / MONTH
    parts = {}
    if "n_products" in ledger and ledger["n_products"].notna().sum() > 2:
        short, long = months.quantile([0.25, 0.75]).round(1)  # tenures shown to a tenth
        held = ledger["n_products"]
        parts = dict(short_months=float(short), long_months=float(long),
                     products_short=float(held[months <= short].mean()),
                     products_long=float(held[months >= long].mean()),
                     products_r=float(months.corr(held)))
    curve = kaplan_meier(ledger, follow_up_months=follow_up_months).fits["all"]
    shown = Snapshot(table=pd.DataFrame(), n=len(ledger), follow_up_months=follow_up_months,
                     horizon=horizon, method=f"a snapshot with a {follow_up_months:g}-month "
                                             "follow-up window",
                     title="What this customer table is", present=int(at_risk.sum()),
                     left=int(surv.loc[at_risk, "left"].sum()), no_time=int((~at_risk).sum()),
                     stayed=float((months[at_risk] > horizon).mean()),
                     steady=float(stock_share_beyond(curve, horizon)), **parts)
    facts = {f.name: getattr(shown, f.name) for f in fields(Snapshot)
             if f.name not in {f.name for f in fields(Fit)}}
    return replace(shown, table=pd.Series(facts, dtype=object).rename("value").to_frame(),
                   value="value")


def satisfaction_hazard(ledger: pd.DataFrame, level: float = 0.95,
                        covariates: Sequence[str] = (),
                        reference: Mapping[str, str] | None = None,
                        follow_up_months: float | None = None) -> Estimate:
    """Hazard ratio of leaving per point of satisfaction, adjusted for *covariates*
    (:func:`cox_model`; *follow_up_months* for a snapshot)."""
    fit = cox_model(ledger, ["satisfaction", *covariates], reference=reference, level=level,
                    follow_up_months=follow_up_months)
    return fit.hazard_ratio("satisfaction", SATISFACTION_HAZARD)


def cohort_retention(ledger: pd.DataFrame, max_months: int = 24) -> Fit:
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
    table = pd.DataFrame.from_dict(rows, orient="index", columns=range(max_months + 1))
    return Fit(table=table, n=len(ledger), value=0, title="Cohort retention",
               method="share of each monthly acquisition cohort still active k months on "
                      "(empty where not yet observable)")


def value_by_tenure(ledger: pd.DataFrame, bins=(0, 6, 12, 24, 36, 60, 1200)) -> Fit:
    """Margin per active month and products held, by tenure band, every customer (those who
    left too) in the band of their last tenure. Long tenures are reached only by those who
    stayed, who may differ from the rest from the start, so read this as description, not as
    the effect of staying longer. The last band is open-ended ("60+"); a column the ledger
    has no data for is left out. :class:`NotEstimable` when the ledger has neither margin
    nor n_products."""
    if not {"margin", "n_products"} & set(ledger):
        raise NotEstimable("this table needs tenures and margin or n_products")
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
    table = table.dropna(axis=1, how="all")  # a column the ledger does not have
    return Fit(table=table, n=len(ledger), value="customers", digits=2,
               method="means by tenure band, each customer at their last tenure, those who "
                      "left included (a description)",
               title="Value by tenure")
