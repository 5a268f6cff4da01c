"""Survival data as intervals of time at risk: product-limit curves, the log-rank test and
Cox score residuals, with delayed entry (left truncation).

Each subject i is at risk on the interval (startᵢ, stopᵢ] and either has the event at stopᵢ
(eventᵢ = 1) or is censored there. Without delayed entry every start is 0. With it a subject
enters the risk set only at startᵢ: a customer seen only from the start of a follow-up window
tells nothing about the months before it, when it was already known that they had not left.
The **risk set** at time t is R(t) = {i : startᵢ < t ≤ stopᵢ}, as in R's
``Surv(start, stop, event)``; a subject entering at t is not at risk at t. Intervals with
stopᵢ ≤ startᵢ hold no time at risk; R refuses them, and so do these functions: callers
leave them out and count them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats


def intervals(start, stop, event) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, stop, event) as float arrays, refusing a negative start and an interval with
    no time at risk."""
    start, stop = np.asarray(start, float), np.asarray(stop, float)
    event = np.asarray(event, float)
    if (start < 0).any():
        raise ValueError("times at risk start at 0 or later")
    if (stop <= start).any():
        raise ValueError(f"{int((stop <= start).sum())} interval(s) with stop ≤ start hold no "
                         "time at risk; leave them out (and say so) before the model")
    return start, stop, event


def at_risk(start: np.ndarray, stop: np.ndarray, times: np.ndarray) -> np.ndarray:
    """|R(t)| for each t in *times*: #{stop ≥ t} − #{start ≥ t} (every start < its stop)."""
    stop_sorted, start_sorted = np.sort(stop), np.sort(start)
    n = len(stop)
    return ((n - np.searchsorted(stop_sorted, times, side="left"))
            - (n - np.searchsorted(start_sorted, times, side="left")))


@dataclass
class SurvivalCurve:
    """A product-limit (Kaplan–Meier) curve.

    ``table`` has one row per event time (and time 0): ``at risk`` |R(t)|, ``left`` d(t),
    ``survival`` S(t) and its 95% band ``ci_low``/``ci_high``; ``subjects`` and ``events``
    count the intervals it was made from, ``last`` is the latest time observed.
    """

    label: str
    table: pd.DataFrame
    subjects: int
    events: int
    last: float
    level: float = 0.95

    def at(self, t: float) -> float:
        """S(t): the curve at time *t* (a step function, right-continuous; flat after the
        last event)."""
        times = self.table.index.to_numpy()
        return float(self.table["survival"].iloc[np.searchsorted(times, t, side="right") - 1])

    def time_to(self, q: float, column: str = "survival") -> float:
        """The first time *column* (``survival``, ``ci_low`` or ``ci_high``) is at or below
        *q*; inf when it never gets there."""
        below = self.table.index[self.table[column].to_numpy() <= q]
        return float(below[0]) if len(below) else np.inf

    @property
    def median(self) -> float:
        """The first time S(t) ≤ 0.5 (inf when not reached)."""
        return self.time_to(0.5)


def product_limit(start, stop, event, *, label: str = "all",
                  level: float = 0.95) -> SurvivalCurve:
    """Kaplan–Meier curve over the risk sets R(t) (module docstring).

    S(t) = Π_{tⱼ ≤ t} (1 − dⱼ / nⱼ) over the event times tⱼ, with dⱼ events at tⱼ and
    nⱼ = |R(tⱼ)|. Greenwood's variance of log S, σ²(t) = Σ_{tⱼ ≤ t} dⱼ / (nⱼ (nⱼ − dⱼ)),
    gives the log–log band S(t)^exp(±z σ(t) / log S(t)) (R's ``conf.type = "log-log"``, as
    lifelines); where S is 0 or 1 the band is S itself. With delayed entry the curve is the
    product of the risks observed at each time among those then at risk: for a snapshot it
    is a *period* curve, the share who would still be there after t if the risks of leaving
    seen in the window at each tenure held for a customer going through every tenure.
    """
    start, stop, event = intervals(start, stop, event)
    times = np.unique(stop[event == 1])
    n = at_risk(start, stop, times)
    d = np.bincount(np.searchsorted(times, stop[event == 1]), minlength=len(times))
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1 - d / n)
        sigma = np.sqrt(np.cumsum(d / (n * (n - d))))
        z = stats.norm.ppf(0.5 + level / 2)
        log_s = np.log(survival)
        low = survival ** np.exp(-z * sigma / log_s)
        high = survival ** np.exp(z * sigma / log_s)
    defined = (survival > 0) & (survival < 1) & np.isfinite(sigma)
    low, high = np.where(defined, low, survival), np.where(defined, high, survival)
    table = pd.DataFrame({"at risk": np.r_[(start == 0).sum(), n],  # at 0: those entering
                          "left": np.r_[0, d], "survival": np.r_[1.0, survival],
                          "ci_low": np.r_[1.0, low], "ci_high": np.r_[1.0, high]},
                         index=pd.Index(np.r_[0.0, times], name="time"))
    return SurvivalCurve(label, table, len(stop), int(event.sum()),
                         float(stop.max()) if len(stop) else 0.0, level)


def logrank(start, stop, event, group) -> tuple[float, int, float]:
    """The log-rank test of equal hazards across groups over the risk sets R(t): returns
    (χ², degrees of freedom, p).

    At each event time t with n subjects at risk, d events, nₖ at risk and dₖ events in
    group k: Uₖ = Σ_t (dₖ − d nₖ / n) and the hypergeometric covariance
    Vₖₗ = Σ_t d (n − d) / (n − 1) · (nₖ / n) (1[k = l] − nₗ / n); χ² = U′V⁻U on G − 1
    degrees of freedom (the last group dropped), as R's ``survdiff``. With delayed entry it
    equals the score test of a Cox model of the groups with exact ties (R's ``survdiff``
    refuses (start, stop] data; ``coxph(..., ties = "exact")`` gives the same score test).
    """
    start, stop, event = intervals(start, stop, event)
    labels, code = np.unique(np.asarray(group), return_inverse=True)
    if len(labels) < 2:
        raise ValueError("the log-rank test needs at least two groups")
    times = np.unique(stop[event == 1])
    n = at_risk(start, stop, times).astype(float)
    d = np.bincount(np.searchsorted(times, stop[event == 1]), minlength=len(times))
    n_k = np.column_stack([at_risk(start[code == k], stop[code == k], times)
                           for k in range(len(labels))]).astype(float)
    d_k = np.column_stack([np.bincount(np.searchsorted(times, stop[(code == k) & (event == 1)]),
                                       minlength=len(times)) for k in range(len(labels))])
    u = (d_k - d[:, None] * n_k / n[:, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    share = n_k / n[:, None]
    v = (np.einsum("t,tk->k", factor, share)[:, None] * np.eye(len(labels))
         - np.einsum("t,tk,tl->kl", factor, share, share))
    u, v = u[:-1], v[:-1, :-1]
    chi2 = float(u @ np.linalg.pinv(v) @ u)
    df = len(labels) - 1
    return chi2, df, float(stats.chi2.sf(chi2, df))


def efron_score_residuals(x: np.ndarray, time: np.ndarray, event: np.ndarray,
                          beta: np.ndarray, entry: np.ndarray | None = None) -> np.ndarray:
    """Score residuals Uᵢ of a Cox model with Efron's tie handling (n × p).

    At an event time t with d deaths D in the risk set R = R(t) (module docstring; without
    *entry*, every subject with timeᵢ ≥ t), wᵢ = exp(xᵢ′β), and for k = 0 … d−1 with
    aₖ = k/d: Sₖ = Σ_R w − aₖ Σ_D w and x̄ₖ = (Σ_R w x − aₖ Σ_D w x) / Sₖ. A death gets
    xᵢ − mean(x̄ₖ); every subject at risk loses wᵢ Σₖ cᵢₖ (xᵢ − x̄ₖ) / Sₖ, with cᵢₖ = 1 − aₖ
    for the deaths and 1 for the others (as R's ``coxscore`` and, with entry, ``agscore``).
    At the estimate Σᵢ Uᵢ = 0.
    """
    w = np.exp(x @ beta)
    u = np.zeros_like(x, dtype=float)
    for t in np.unique(time[event == 1]):
        risk = (time >= t) if entry is None else (time >= t) & (entry < t)
        dead = risk & (time == t) & (event == 1)
        a = np.arange(dead.sum()) / dead.sum()
        s0 = w[risk].sum() - a * w[dead].sum()
        xbar = (w[risk] @ x[risk] - np.outer(a, w[dead] @ x[dead])) / s0[:, None]
        u[dead] += x[dead] - xbar.mean(axis=0)
        for who, c in ((risk & ~dead, np.ones_like(a)), (dead, 1 - a)):
            u[who] -= w[who, None] * (x[who] * (c / s0).sum() - (c / s0) @ xbar)
    return u


@dataclass(frozen=True)
class Lifetime:
    """An exponential–gamma lifetime fit: shape ``r``, scale ``alpha`` and the expected
    lifetime ``mean`` = α/(r − 1) (inf when r ≤ 1), in the time unit of the data."""

    r: float
    alpha: float
    mean: float


def lifetime_fit(years: np.ndarray, left: np.ndarray) -> Lifetime:
    """Exponential–gamma lifetime model by maximum likelihood: each customer leaves at a
    constant rate λ, and λ varies across customers as Gamma(r, α), so S(t) = (α / (α + t))^r
    and E[T] = α / (r − 1), finite only when r > 1. Returns r, α and E[T] in the unit of
    *years* (:class:`Lifetime`).

    With E events and L(α) = Σ log(α / (α + tᵢ)) over all customers, the censored
    log-likelihood E·log r + r·L(α) − Σ_events log(α + tᵢ) is maximised in r at
    r = −E / L(α); the profile in α is maximised numerically (on log α). Without
    heterogeneity α, r → ∞ and E[T] → Σt / E, the exponential estimate.
    """
    t = np.asarray(years, float)
    event = np.asarray(left, float) > 0
    n_events = int(event.sum())
    if n_events == 0 or t.sum() <= 0:
        from cxlib.errors import NotEstimable

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
    return Lifetime(r, alpha, alpha / (r - 1) if r > 1 else np.inf)


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
