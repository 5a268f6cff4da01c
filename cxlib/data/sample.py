"""Synthetic sample data, generated from documented parameters.

Each generator draws one data kind from a stated model; the parameters are the
fields of a frozen dataclass and are written beside the data
(``data/sample/parameters.yaml``). The data exist to show the methods and to
check that they recover known truth; they are not evidence about any claim. The
planted effects are deliberately *not* set to the claims' figures.

``write_samples(out, seed, size)`` regenerates every file deterministically.

**The same bytes on every machine.** The bundled files must come out identical
wherever ``cxlib sample`` runs, whatever the BLAS/LAPACK build, thread count, CPU or
C library. So the generation path uses, on top of numpy's random streams, only
operations that IEEE 754 rounds exactly (elementwise +, −, ×, ÷, √, rint, ldexp) and
comparisons, each in a fixed order:

* no linear algebra: ``multivariate_normal`` factored the covariance by LAPACK's SVD,
  whose eigenvectors are arbitrary within the repeated eigenvalue of an
  equicorrelation matrix, so another BLAS kernel drew a different survey. The latent
  dimensions are now the closed form ``q_d = √ρ·f + √(1−ρ)·e_d`` (one common factor);
  weighted sums are written out term by term instead of ``q @ beta``;
* no numpy/scipy transcendental functions: ``np.exp`` and ``expit`` use SIMD code
  that differs in the last bit by CPU (AVX-512 vs AVX2 vs baseline), and libm's
  ``exp`` differs between its FMA and non-FMA variants. :func:`exp_portable` computes
  eˣ from exact operations only; lognormal draws are ``median · exp_portable(σ z)``;
* sums that set a value use :func:`math.fsum` (exactly rounded, so independent of the
  summation order) instead of numpy's pairwise sums; sorts are stable;
* times are whole days or seconds (integers) before pandas sees them; floats are written by
  :func:`write_csv` as Python's shortest round-trip ``repr``, not by pandas' formatter.

What remains machine-dependent is inside numpy's samplers, which call libm in
rejection tests and tails (e.g. ``exp`` in the ziggurat wedge, ``log`` in the gamma
sampler). A last-bit difference there changes a draw only if a uniform falls within
about one ulp of the threshold (probability ~10⁻¹⁶ per draw), and every value written
is rounded to a coarse grid. numpy does not promise the same ``Generator`` streams
across its versions; ``test_sample.py`` regenerates the files under other thread
counts, BLAS kernels, numpy SIMD levels and libm variants and compares the bytes.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from cxlib.data.schemas import DIMENSIONS
from cxlib.stats.portable import exp_portable, expit_portable, mean_sd
from cxlib.stats.purchases import BusinessParams, simulate_log
from cxlib.stats.units import DAYS_PER_MONTH

DIMS = tuple(DIMENSIONS)

def _ordinal(latent: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Ratings 1..len(cuts)+1 from a latent score and increasing cut points."""
    return np.searchsorted(cuts, latent) + 1


SEVEN_POINT_CUTS = np.array([-2.0, -1.3, -0.6, 0.0, 0.6, 1.3])
"""Cut points on the latent N(0,1)-ish scale for 1-7 ratings."""


@dataclass(frozen=True)
class SurveyParams:
    """The survey model.

    Latent service quality per dimension ``q_d ~ N(0, Σ)`` with correlation
    ``dim_corr`` = ρ ≥ 0, drawn as ``q_d = √ρ·f + √(1−ρ)·e_d`` (f, e_d independent
    standard normals: a common factor); each perception item is ``λ q_d + ε``;
    expectation items are ``exp_mean + e_d`` rounded to 1–7. Latent satisfaction
    ``s = Σ β_d q_d + u`` (u ~ N(0, ``sat_noise``²)) is cut into 1–7 ratings.
    Repurchase intention: latent ``γ s + κ·1[s > s_top] + v`` (the "completely
    satisfied" step κ). Recommendation 0–10 = round(6 + 1.6 s + w). Later churn:
    logit P = ``churn_a + churn_b s``. People told: negative binomial with mean
    ``exp(wom_b0 + wom_neg·1[sat ≤ 2] + wom_pos·1[sat ≥ 6])`` and dispersion
    ``wom_alpha`` (variance μ + α μ²). Problems: P(problem) = logit⁻¹(prob_a − 0.6 s);
    complaint given a problem: ``voice_rate`` by severity. Price paid:
    ``price_base + price_per_point · (mean service rating − 4) + N(0, price_sd²)``.
    """

    n: int = 800
    items_per_dim: int = 3
    dim_corr: float = 0.45
    loading: float = 0.85
    item_noise: float = 0.55
    exp_mean: float = 0.9
    beta: dict = field(default_factory=lambda: {"rel": 0.40, "res": 0.25, "ass": 0.15,
                                                "emp": 0.15, "tan": 0.05})
    sat_noise: float = 0.6
    gamma: float = 0.7
    s_top: float = 1.0
    kappa: float = 0.6
    churn_a: float = -1.5
    churn_b: float = -0.7
    wom_b0: float = 0.6
    wom_neg: float = 0.45
    wom_pos: float = 0.25
    wom_alpha: float = 0.8
    prob_a: float = -1.0
    voice_rate: dict = field(default_factory=lambda: {"minor": 0.15, "moderate": 0.35,
                                                      "serious": 0.6})
    price_base: float = 50.0
    price_per_point: float = 2.0
    price_sd: float = 6.0
    n_outlets: int = 30
    outlet_effect: float = 0.25
    segments: tuple = ("consumer", "small business", "enterprise")


def equicorrelated_normals(n: int, k: int, rho: float,
                           rng: np.random.Generator) -> np.ndarray:
    """*n* × *k* standard normals with correlation *rho* (0 ≤ ρ ≤ 1) between columns:
    ``q_d = √ρ·f + √(1−ρ)·e_d``, so Var q_d = ρ + (1 − ρ) = 1 and Cov(q_d, q_e) = ρ.
    Elementwise only: no matrix factorisation, hence no LAPACK."""
    if not 0 <= rho <= 1:
        raise ValueError(f"the common-factor draw needs 0 ≤ rho ≤ 1, got {rho}")
    f = rng.standard_normal(n)
    return math.sqrt(rho) * f[:, None] + math.sqrt(1 - rho) * rng.standard_normal((n, k))


def survey(p: SurveyParams, rng: np.random.Generator,
           outlet_effects: np.ndarray | None = None) -> pd.DataFrame:
    """Draw a ``survey`` table from :class:`SurveyParams` (see its docstring)."""
    q = equicorrelated_normals(p.n, len(DIMS), p.dim_corr, rng)
    outlet = rng.integers(0, p.n_outlets, size=p.n)
    if outlet_effects is not None:  # better-run outlets lift every dimension a little
        q = q + outlet_effects[outlet][:, None]
    cols: dict[str, np.ndarray] = {"respondent_id": np.array([f"R{i:05d}" for i in range(p.n)])}
    cols["segment"] = rng.choice(p.segments, size=p.n)
    cols["outlet_id"] = np.array([f"O{o:02d}" for o in outlet])
    for j, d in enumerate(DIMS):
        for i in range(1, p.items_per_dim + 1):
            latent = p.loading * q[:, j] + rng.normal(0, p.item_noise, p.n)
            cols[f"{d}_{i}"] = _ordinal(latent, SEVEN_POINT_CUTS)
    for d in DIMS:
        e = rng.normal(0, 0.7, p.n)
        for i in range(1, p.items_per_dim + 1):
            cols[f"exp_{d}_{i}"] = _ordinal(p.exp_mean + e + rng.normal(0, 0.5, p.n),
                                            SEVEN_POINT_CUTS)
    s = sum(p.beta[d] * q[:, j] for j, d in enumerate(DIMS))  # term by term, in DIMS order
    s = s + rng.normal(0, p.sat_noise, p.n)
    s = s / mean_sd(s)[1]
    sat = _ordinal(s, SEVEN_POINT_CUTS)
    cols["overall_sat"] = sat
    ri = p.gamma * s + p.kappa * (s > p.s_top) + rng.normal(0, 0.6, p.n)
    cols["repurchase_intent"] = _ordinal(ri, SEVEN_POINT_CUTS)
    cols["recommend"] = np.clip(np.round(6 + 1.6 * s + rng.normal(0, 1.2, p.n)), 0, 10).astype(int)
    cols["churned"] = rng.binomial(1, expit_portable(p.churn_a + p.churn_b * s))
    mu = exp_portable(p.wom_b0 + p.wom_neg * (sat <= 2) + p.wom_pos * (sat >= 6))
    told = rng.negative_binomial(1 / p.wom_alpha, 1 / (1 + p.wom_alpha * mu))
    cols["told_count"] = told
    valence = np.where(sat >= 5, "positive", np.where(sat <= 3, "negative", "mixed"))
    cols["told_valence"] = np.where(told == 0, "none", valence)
    problem = rng.binomial(1, expit_portable(p.prob_a - 0.6 * s))
    severity = rng.choice(list(p.voice_rate), size=p.n, p=[0.5, 0.3, 0.2])
    voice = np.array([p.voice_rate[v] for v in severity])
    cols["had_problem"] = problem
    cols["problem_severity"] = np.where(problem == 1, severity, "")
    cols["complained"] = np.where(problem == 1, rng.binomial(1, voice), 0)
    service = np.mean([cols[f"{d}_1"] for d in DIMS], axis=0)  # integers: the sum is exact
    cols["price_paid"] = np.round(p.price_base + p.price_per_point * (service - 4)
                                  + rng.normal(0, p.price_sd, p.n), 2)
    return pd.DataFrame(cols)


@dataclass(frozen=True)
class OutletParams:
    """Outlets: employee satisfaction ``E ~ N(5, 0.8²)`` (1–7); each outlet's effect
    on its customers' latent service quality is ``effect · (E − 5)``; internal
    service = E + N(0, 0.5²)."""

    n: int = 30
    effect: float = 0.25


def outlets(p: OutletParams, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Draw ``outlets`` and the per-outlet effect used by :func:`survey`."""
    e = np.clip(rng.normal(5, 0.8, p.n), 1, 7)
    frame = pd.DataFrame({
        "outlet_id": [f"O{o:02d}" for o in range(p.n)],
        "employee_sat": np.round(e, 2),
        "internal_service": np.round(np.clip(e + rng.normal(0, 0.5, p.n), 1, 7), 2),
        "n_employees": rng.integers(5, 40, p.n),
    })
    return frame, p.effect * (e - 5)


CHANNEL_SHARES = (0.35, 0.3, 0.2, 0.15)
"""Shares of new customers by channel (search, social, referral, partner)."""


@dataclass(frozen=True)
class CustomerParams:
    """The CRM ledger model.

    Customers are acquired uniformly over ``start``..``end`` through channels with
    mean acquisition costs ``channel_cost`` (gamma, CV 0.5). Monthly churn hazard
    ``h = base_hazard · exp(sat_hazard · (sat − 4)) · channel_hazard`` (constant
    over time, so tenure is exponential); satisfaction is 1–7. Monthly margin
    ``margin_month · (1 + 0.1 (sat − 4))``, revenue = margin / ``margin_rate``.
    Retention spend ``retention_month`` per active month times a Gamma(4, 1/4) factor
    (mean 1) per customer. Churn reasons are drawn
    from ``reason_shares``. Churned customers get a win-back attempt with
    probability 0.5 costing gamma(mean ``winback_cost``); success probability
    ``winback_rate``; recovered margin = 6 months of margin. The follow-up note is
    randomised 50:50; P(repurchase) = ``repurchase_base`` + ``note_lift`` · note.
    """

    n: int = 1500
    start: str = "2021-01-01"
    end: str = "2024-12-31"
    channels: dict = field(default_factory=lambda: {"search": 120.0, "social": 90.0,
                                                    "referral": 40.0, "partner": 150.0})
    channel_hazard: dict = field(default_factory=lambda: {"search": 1.0, "social": 1.3,
                                                          "referral": 0.7, "partner": 1.0})
    base_hazard: float = 0.03
    sat_hazard: float = -0.25
    margin_month: float = 12.0
    margin_rate: float = 0.3
    retention_month: float = 1.5
    reason_shares: dict = field(default_factory=lambda: {
        "price": 0.30, "poor service": 0.25, "moved or no longer needed": 0.2,
        "better product elsewhere": 0.15, "other": 0.10})
    winback_cost: float = 35.0
    winback_rate: float = 0.25
    repurchase_base: float = 0.30
    note_lift: float = 0.04


SATISFACTION_SHARES = (.04, .06, .1, .2, .25, .2, .15)
"""Shares of satisfaction ratings 1–7 among customers."""


def planted_cost_ratio(p: CustomerParams) -> float:
    """Expected acquisition cost per customer ÷ expected retention spend per customer
    lifetime: Σ_c share_c·cost_c ÷ (retention_month · E[months]), where the expected
    lifetime E[months] = Σ over satisfaction s and channel c of share_s·share_c / h(s, c)."""
    acquisition = math.fsum(share * cost for share, cost in
                            zip(CHANNEL_SHARES, p.channels.values(), strict=True))
    def hazard(sat: int, channel: str) -> float:
        return (p.base_hazard * float(exp_portable(p.sat_hazard * (sat - 4)))
                * p.channel_hazard[channel])

    months = math.fsum(s_share * c_share / hazard(sat, channel)
                       for sat, s_share in enumerate(SATISFACTION_SHARES, start=1)
                       for channel, c_share in zip(p.channels, CHANNEL_SHARES, strict=True))
    return acquisition / (p.retention_month * months)


def customers(p: CustomerParams, rng: np.random.Generator) -> pd.DataFrame:
    """Draw a ``customers`` ledger from :class:`CustomerParams`."""
    start, end = pd.Timestamp(p.start), pd.Timestamp(p.end)
    span = (end - start).days
    acquired = start + pd.to_timedelta(rng.integers(0, span, p.n), unit="D")
    channel = rng.choice(list(p.channels), size=p.n, p=CHANNEL_SHARES)
    mean_cost = np.array([p.channels[c] for c in channel])
    cost = rng.gamma(4.0, mean_cost / 4.0)
    sat = rng.choice(np.arange(1, 8), size=p.n, p=list(SATISFACTION_SHARES))
    hazard = (p.base_hazard * exp_portable(p.sat_hazard * (sat - 4))
              * np.array([p.channel_hazard[c] for c in channel]))
    tenure_months = rng.exponential(1 / hazard)
    churn_date = acquired + pd.to_timedelta(
        np.round(tenure_months * DAYS_PER_MONTH).astype(np.int64), unit="D")
    churned = churn_date <= end
    active_months = np.where(churned, tenure_months, (end - acquired).days / DAYS_PER_MONTH)
    margin = active_months * p.margin_month * (1 + 0.1 * (sat - 4))
    reasons = rng.choice(list(p.reason_shares), size=p.n, p=list(p.reason_shares.values()))
    attempted = churned & (rng.random(p.n) < 0.5)
    won = attempted & (rng.random(p.n) < p.winback_rate)
    note = rng.binomial(1, 0.5, p.n)
    failures = rng.poisson(np.where(churned & (reasons == "poor service"), 2.0, 0.6))
    return pd.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(p.n)],
        "acquired_on": acquired.strftime("%Y-%m-%d"),
        "acquisition_channel": channel,
        "acquisition_cost": np.round(cost, 2),
        "retention_spend": np.round(active_months * p.retention_month
                                    * rng.gamma(4.0, 0.25, p.n), 2),
        "revenue": np.round(margin / p.margin_rate, 2),
        "margin": np.round(margin, 2),
        "satisfaction": sat,
        "n_products": 1 + rng.poisson(0.04 * active_months),
        "churned_on": np.where(churned, churn_date.strftime("%Y-%m-%d"), ""),
        "churn_reason": np.where(churned, reasons, ""),
        "service_failures": failures,
        "winback_spend": np.where(attempted, np.round(rng.gamma(3.0, p.winback_cost / 3), 2), 0),
        "won_back": np.where(attempted, won.astype(int), 0),
        "winback_margin": np.where(won, np.round(6 * p.margin_month * (1 + 0.1 * (sat - 4)), 2),
                                   0),
        "followup_note": note,
        "repurchased": rng.binomial(1, p.repurchase_base + p.note_lift * note),
    })


@dataclass(frozen=True)
class TransactionParams:
    """Purchases of a growing customer base at a constant repurchase rate.

    New customers arrive at ``first_month`` per month, growing by ``growth`` per
    month, for ``months`` months. Each makes a first purchase on arrival, then
    repurchases as a Poisson process with rate λ ~ Gamma(``shape``, ``rate_mean``/
    ``shape``) per month until an exponential dropout time (mean ``life_months``).
    Amounts are lognormal with median ``amount_median``.
    """

    months: int = 24
    first_month: int = 40
    growth: float = 0.03
    rate_mean: float = 0.35
    shape: float = 1.5
    life_months: float = 12.0
    amount_median: float = 40.0
    start: str = "2023-01-01"


def transactions(p: TransactionParams, rng: np.random.Generator) -> pd.DataFrame:
    """Draw a ``transactions`` log from :class:`TransactionParams` (the constant-behaviour
    business of :func:`cxlib.stats.purchases.simulate_log`)."""
    return simulate_log(BusinessParams(**asdict(p)), rng)


@dataclass(frozen=True)
class ContactParams:
    """A contact log: arrivals over 8-hour days; each contact waits
    ``Exp(mean_wait[channel])`` seconds; a caller abandons with probability
    logit⁻¹(−3 + ``abandon_per_min`` · wait minutes); satisfaction (1–7) latent
    ``1.2 − sat_per_min · wait minutes + N(0,1)``; handle time lognormal, median 240 s."""

    n: int = 4000
    days: int = 20
    channel_shares: dict = field(default_factory=lambda: {"phone": 0.55, "email": 0.15,
                                                          "chat": 0.2, "face_to_face": 0.08,
                                                          "fax": 0.02})
    mean_wait: dict = field(default_factory=lambda: {"phone": 35.0, "email": 3600.0,
                                                     "chat": 50.0, "face_to_face": 45.0,
                                                     "fax": 7200.0})
    abandon_per_min: float = 0.8
    sat_per_min: float = 0.25


def contacts(p: ContactParams, rng: np.random.Generator) -> pd.DataFrame:
    """Draw a ``contacts`` log from :class:`ContactParams`."""
    day = rng.integers(0, p.days, p.n)
    secs = day * 86400 + rng.uniform(8 * 3600, 16 * 3600, p.n)
    arrived = pd.Timestamp("2024-03-04") + pd.to_timedelta(np.floor(secs).astype(np.int64),
                                                           unit="s")
    channel = rng.choice(list(p.channel_shares), size=p.n, p=list(p.channel_shares.values()))
    wait = rng.exponential([p.mean_wait[c] for c in channel])
    realtime = np.isin(channel, ["phone", "chat", "face_to_face"])
    minutes = np.where(realtime, wait / 60, 0.0)
    abandoned = realtime & (rng.random(p.n) < expit_portable(-3 + p.abandon_per_min * minutes))
    latent = 1.2 - p.sat_per_min * np.minimum(wait / 60, 20) + rng.normal(0, 1, p.n)
    sat = _ordinal(latent, SEVEN_POINT_CUTS).astype(float)
    sat[abandoned] = np.nan
    order = np.argsort(secs, kind="stable")
    frame = pd.DataFrame({
        "contact_id": [f"K{i:06d}" for i in range(p.n)],
        "arrived_at": arrived.strftime("%Y-%m-%d %H:%M:%S"),
        "wait_seconds": np.round(wait, 1),
        "handle_seconds": np.where(abandoned, 0,
                                   np.round(240 * exp_portable(0.5 * rng.standard_normal(p.n)))),
        "abandoned": abandoned.astype(int),
        "channel": channel,
        "satisfaction": sat,
        "customer_id": [f"C{i:05d}" for i in rng.integers(0, 1500, p.n)],
    }).iloc[order]
    frame["contact_id"] = [f"K{i:06d}" for i in range(p.n)]
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class IntervalParams:
    """An interval report of one call queue, made by simulating its calls one by one.

    Weekdays from ``start``, open ``open_hour`` to ``close_hour``. A day's calls arrive as
    a Poisson process whose rate in hour j is ``calls_per_hour[j]`` times the day's
    multiplier m ~ Gamma(``day_shape``, 1/``day_shape``) (mean 1: busy and quiet days, so
    the intervals of one day are not independent). Handle times are exponential with mean
    ``handle_seconds``, patience exponential with mean ``patience_seconds``; ``agents[j]``
    agents are on duty in hour j (an agent finishes the call in hand when the hour ends; the
    last hour's agents stay until the queue is empty). Calls are answered first come, first
    served; a caller whose wait would exceed the patience hangs up. Each row counts the calls
    that *arrived* in the interval: offered = answered + abandoned; ``answered_within`` those
    answered within ``threshold_seconds``; mean handle time, speed of answer (answered) and
    time to abandon (abandoned), to 0.1 s."""

    days: int = 20
    start: str = "2024-03-04"
    open_hour: int = 8
    close_hour: int = 18
    interval_minutes: int = 15
    calls_per_hour: tuple = (120, 200, 240, 230, 190, 170, 200, 210, 170, 110)
    agents: tuple = (11, 17, 19, 19, 16, 15, 16, 18, 15, 10)
    handle_seconds: float = 240.0
    patience_seconds: float = 180.0
    day_shape: float = 50.0
    threshold_seconds: int = 30


def _shifts(p: IntervalParams) -> list[tuple[float, float]]:
    """(first second, last second) on duty of every agent's block of consecutive hours,
    counted from opening; blocks that reach closing time last until the queue is empty."""
    hours = p.close_hour - p.open_hour
    blocks = []
    for k in range(max(p.agents)):
        on = [j for j in range(hours) if k < p.agents[j]]
        while on:
            run = 1
            while run < len(on) and on[run] == on[0] + run:
                run += 1
            end = on[0] + run
            blocks.append((on[0] * 3600.0, math.inf if end == hours else end * 3600.0))
            on = on[run:]
    return blocks


def _serve_day(arrivals: np.ndarray, service: np.ndarray, patience: np.ndarray,
               shifts: list[tuple[float, float]]) -> np.ndarray:
    """Waits of one day's callers (first come, first served); a caller who hangs up gets
    the negative of the time waited. Agents are (free from, off duty at) pairs in a heap."""
    free = list(shifts)
    heapq.heapify(free)
    waits = np.empty(len(arrivals))
    for i, a in enumerate(arrivals.tolist()):
        while True:
            ready, off = free[0]
            start = max(a, ready)
            if start < off:
                break
            heapq.heappop(free)
        wait = start - a
        if wait > patience[i]:
            waits[i] = -float(patience[i])
            continue
        waits[i] = wait
        heapq.heapreplace(free, (start + float(service[i]), off))
    return waits


def _mean(values: np.ndarray) -> float:
    return round(math.fsum(values.tolist()) / len(values), 1) if len(values) else math.nan


def intervals(p: IntervalParams, rng: np.random.Generator) -> pd.DataFrame:
    """Draw an ``intervals`` report from :class:`IntervalParams`."""
    length = p.interval_minutes * 60
    per_hour = 60 // p.interval_minutes
    slots = (p.close_hour - p.open_hour) * per_hour
    shifts = _shifts(p)
    rows = []
    for day in pd.bdate_range(p.start, periods=p.days):
        m = rng.gamma(p.day_shape, 1 / p.day_shape)
        means = [p.calls_per_hour[k // per_hour] * m / per_hour for k in range(slots)]
        counts = rng.poisson(means)
        slot = np.repeat(np.arange(slots), counts)
        arrivals = np.sort(slot * length + rng.uniform(0, length, len(slot)), kind="stable")
        service = rng.exponential(p.handle_seconds, len(slot))
        patience = rng.exponential(p.patience_seconds, len(slot))
        waits = _serve_day(arrivals, service, patience, shifts)
        for k in range(slots):
            w, h = waits[slot == k], service[slot == k]
            served = w >= 0
            rows.append({
                "interval_start": (day + pd.Timedelta(hours=p.open_hour, seconds=k * length)
                                   ).strftime("%Y-%m-%d %H:%M:%S"),
                "offered": len(w), "answered": int(served.sum()),
                "abandoned": int((~served).sum()),
                "answered_within": int((served & (w <= p.threshold_seconds)).sum()),
                "handle_seconds": _mean(h[served]), "asa_seconds": _mean(w[served]),
                "abandon_seconds": _mean(-w[~served])})
    return pd.DataFrame(rows)


def sample_mapping(p: IntervalParams) -> dict:
    """The mapping of the sample's interval report: what its columns cannot say."""
    return {"intervals": {"interval_minutes": p.interval_minutes,
                          "threshold_seconds": p.threshold_seconds, "synthetic": True}}


@dataclass(frozen=True)
class VisitParams:
    """Visits to a chain's outlets, with consistency and the visit's moments.

    Outlet o serves quality ``N(μ_o, σ_o²)`` per visit (clipped to 1–7, recorded to one
    decimal, like a mystery-shopper score), μ_o ~ N(4.6, 0.5²) and
    σ_o ~ U(0.3, 1.6). After each visit the customer leaves with probability
    logit⁻¹(``h0`` + ``h_mean``·(m − 4.5) + ``h_sd``·sd + ``h_int``·(m − 4.5)·sd),
    m and sd being the mean and SD of the quality experienced so far (the
    discrete-time hazard). Moment ratings: environment and help are quality +
    noise; overall satisfaction = 0.15 first + 0.35 peak-moment + 0.5 last-moment
    + noise. Kamin steps are each done with probability 0.7; P(return within 90
    days) = logit⁻¹(−0.2 + ``step_effect`` · steps done − 2.5 · ``step_effect``).
    """

    customers: int = 500
    max_visits: int = 12
    n_outlets: int = 12
    h0: float = -2.2
    h_mean: float = -0.5
    h_sd: float = 0.6
    h_int: float = 0.0
    step_effect: float = 0.15


def visits(p: VisitParams, rng: np.random.Generator) -> pd.DataFrame:
    """Draw a ``visits`` table from :class:`VisitParams`."""
    mu = rng.normal(4.6, 0.5, p.n_outlets)
    sigma = rng.uniform(0.3, 1.6, p.n_outlets)
    p_return = expit_portable(-0.2 + p.step_effect * (np.arange(6) - 2.5))  # by steps done
    rows = []
    for c in range(p.customers):
        home = rng.integers(0, p.n_outlets)
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 60)))
        seen: list[float] = []
        for _ in range(p.max_visits):
            o = home if rng.random() < 0.8 else rng.integers(0, p.n_outlets)
            qual = float(np.clip(rng.normal(mu[o], sigma[o]), 1, 7))
            seen.append(qual)
            m, sd = mean_sd(seen, ddof=1) if len(seen) > 1 else (qual, 0.0)
            leave = rng.random() < expit_portable(p.h0 + p.h_mean * (m - 4.5) + p.h_sd * sd
                                                  + p.h_int * (m - 4.5) * sd)
            moments = np.clip(np.round(qual + rng.normal(0, 0.8, 6)), 1, 7).astype(int)
            steps = rng.binomial(1, 0.7, 5)
            overall = (0.15 * moments[0] + 0.35 * moments.max() + 0.5 * moments[-1]
                       + rng.normal(0, 0.6))
            rows.append((c, day, o, round(qual, 1), *moments, int(np.clip(round(overall), 1, 7)),
                         *steps, int(rng.random() < p_return[steps.sum()]), int(leave)))
            if leave:
                break
            day += pd.Timedelta(days=int(rng.integers(7, 45)))
    cols = ["customer", "visit_date", "outlet", "quality", "r_environment", "r_help",
            "r_reliability", "r_price", "r_friendliness", "r_aftercare", "overall_sat",
            "step_greet", "step_needs", "step_meet", "step_check", "step_door", "returned",
            "churned_after"]
    frame = pd.DataFrame(rows, columns=cols)
    frame.insert(0, "visit_id", [f"V{i:06d}" for i in range(len(frame))])
    frame.insert(1, "customer_id", [f"C{c:05d}" for c in frame.pop("customer")])
    frame["visit_date"] = frame["visit_date"].dt.strftime("%Y-%m-%d")
    frame.insert(3, "outlet_id", [f"O{o:02d}" for o in frame.pop("outlet")])
    return frame


@dataclass(frozen=True)
class ExperimentParams:
    """A randomised thank-you experiment on its own (the ``experiment`` kind).

    ``n`` customers in ``len(block_shift)`` blocks (branches); within each block, customers
    are assigned at random, half to a thank-you ``note`` and half to ``control`` (a random
    permutation). Each has ``prior_purchases`` ~ Poisson(``prior_mean``), measured before
    assignment, and buys again with probability

        p = base_rate + block_shift[block] + per_purchase · (min(prior, 6) − prior_mean)
            + lift · [note],

    additive on the probability scale, so the average effect of the note (the ITT lift that
    REL-1 estimates) is exactly ``lift`` in every block and at every covariate value.
    """

    n: int = 2000
    base_rate: float = 0.30
    block_shift: tuple = (-0.06, -0.02, 0.02, 0.06)
    prior_mean: float = 2.0
    per_purchase: float = 0.04
    lift: float = 0.06


def experiment(p: ExperimentParams, rng: np.random.Generator) -> pd.DataFrame:
    """Draw an ``experiment`` table from :class:`ExperimentParams`."""
    k = len(p.block_shift)
    block = np.sort(rng.integers(0, k, p.n), kind="stable")
    note = np.zeros(p.n, dtype=int)
    for b in range(k):
        rows = np.flatnonzero(block == b)
        note[rng.permutation(rows)[: len(rows) // 2]] = 1
    prior = rng.poisson(p.prior_mean, p.n)
    shift = np.array(p.block_shift, dtype=float)[block]
    prob = (p.base_rate + shift + p.per_purchase * (np.minimum(prior, 6) - p.prior_mean)
            + p.lift * note)
    bought = (rng.random(p.n) < prob).astype(int)
    return pd.DataFrame({"unit_id": [f"U{i:05d}" for i in range(p.n)],
                         "arm": np.where(note == 1, "note", "control"),
                         "outcome": bought,
                         "block": [f"branch {b + 1}" for b in block],
                         "prior_purchases": prior})


@dataclass(frozen=True)
class SummaryParams:
    """A customer summary (the ``summary`` kind) drawn from the BG/NBD model in weeks.

    ``n`` customers acquired over a year: T (weeks from the first purchase to the end of
    observation) uniform on the whole weeks ``min_weeks`` … ``max_weeks``; while alive each
    buys at rate λ ~ Gamma(``r``, ``alpha``) a week and drops out after a repeat purchase with
    probability p ~ Beta(``a``, ``b``) (:func:`cxlib.stats.customer_base.simulate_bgnbd`).
    Recency is rounded to 1/100 week (at least 0.01 for a repeat customer).
    """

    n: int = 1000
    r: float = 0.5
    alpha: float = 8.0
    a: float = 0.8
    b: float = 2.5
    min_weeks: int = 4
    max_weeks: int = 52


def summary(p: SummaryParams, rng: np.random.Generator) -> pd.DataFrame:
    """Draw a ``summary`` table from :class:`SummaryParams`."""
    from cxlib.stats.customer_base import simulate_bgnbd

    T = rng.integers(p.min_weeks, p.max_weeks + 1, p.n).astype(float)
    drawn = simulate_bgnbd(p.n, p.r, p.alpha, p.a, p.b, T, rng)
    x = drawn["frequency"].to_numpy()
    recency = np.where(x > 0, np.maximum(np.rint(drawn["recency"].to_numpy() * 100) / 100,
                                         0.01), 0.0)
    return pd.DataFrame({"customer_id": [f"S{i:05d}" for i in range(p.n)],
                         "frequency": x.astype(int), "recency": recency,
                         "T": T.astype(int)})


@dataclass(frozen=True)
class SampleParams:
    """All generators' parameters; ``size`` scales the number of respondents/customers."""

    survey: SurveyParams = field(default_factory=SurveyParams)
    outlets: OutletParams = field(default_factory=OutletParams)
    customers: CustomerParams = field(default_factory=CustomerParams)
    transactions: TransactionParams = field(default_factory=TransactionParams)
    contacts: ContactParams = field(default_factory=ContactParams)
    visits: VisitParams = field(default_factory=VisitParams)
    experiment: ExperimentParams = field(default_factory=ExperimentParams)
    summary: SummaryParams = field(default_factory=SummaryParams)
    intervals: IntervalParams = field(default_factory=IntervalParams)

    @classmethod
    def sized(cls, size: int | None) -> SampleParams:
        """Parameters with respondents/customers scaled to *size* (``None`` = defaults)."""
        if size is None:
            return cls()
        f = size / SurveyParams.n
        return cls(
            survey=SurveyParams(n=size),
            customers=CustomerParams(n=max(50, round(CustomerParams.n * f))),
            transactions=TransactionParams(first_month=max(2, round(40 * f))),
            contacts=ContactParams(n=max(50, round(ContactParams.n * f))),
            visits=VisitParams(customers=max(20, round(VisitParams.customers * f))),
            experiment=ExperimentParams(n=max(40, round(ExperimentParams.n * f))),
            summary=SummaryParams(n=max(40, round(SummaryParams.n * f))),
        )


def generate(seed: int = 2024, size: int | None = None) -> dict[str, pd.DataFrame]:
    """Every sample table, drawn with independent streams from one *seed* (a stream per
    kind, spawned in a fixed order: kinds added later take new streams and leave the
    earlier tables unchanged)."""
    params = SampleParams.sized(size)
    names = ["outlets", "survey", "customers", "transactions", "contacts", "visits",
             "experiment", "summary", "intervals"]
    streams = dict(zip(names, (np.random.default_rng(s)
                               for s in np.random.SeedSequence(seed).spawn(len(names))),
                       strict=True))
    outlet_frame, outlet_effect = outlets(params.outlets, streams["outlets"])
    return {
        "survey": survey(params.survey, streams["survey"], outlet_effect),
        "outlets": outlet_frame,
        "customers": customers(params.customers, streams["customers"]),
        "transactions": transactions(params.transactions, streams["transactions"]),
        "contacts": contacts(params.contacts, streams["contacts"]),
        "visits": visits(params.visits, streams["visits"]),
        "experiment": experiment(params.experiment, streams["experiment"]),
        "summary": summary(params.summary, streams["summary"]),
        "intervals": intervals(params.intervals, streams["intervals"]),
    }


def write_samples(out: str | Path, seed: int = 2024, size: int | None = None) -> dict[str, Path]:
    """Write every sample table as CSV plus ``parameters.yaml`` into *out*."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind, frame in generate(seed, size).items():
        paths[kind] = out / f"{kind}.csv"
        write_csv(frame, paths[kind])
    doc = {"seed": seed, "size": size, "generator": "cxlib.data.sample.generate",
           "note": "Synthetic data for demonstrating methods; not evidence about any claim.",
           "parameters": _plain(asdict(SampleParams.sized(size)))}
    (out / "parameters.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True),
                                         encoding="utf-8")
    note = ("# The mapping of the synthetic interval report intervals.csv (written by cxlib "
            "sample):\n# what its columns cannot say. cxlib reads the sample with it.\n")
    (out / "intervals.yaml").write_text(note + yaml.safe_dump(
        sample_mapping(SampleParams.sized(size).intervals), sort_keys=False), encoding="utf-8")
    return paths


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write *frame* as UTF-8 CSV with ``\\n`` line ends, each float as Python's shortest
    round-trip ``repr`` (missing as an empty field), so the text does not depend on
    pandas' or numpy's float formatting."""
    text = frame.copy()
    for col in text.columns[[pd.api.types.is_float_dtype(t) for t in text.dtypes]]:
        text[col] = ["" if math.isnan(v) else repr(v) for v in text[col].tolist()]
    text.to_csv(path, index=False, lineterminator="\n")


def _plain(x):
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, tuple | list):
        return [_plain(v) for v in x]
    return x


PLANTED: dict[str, Callable[[SampleParams], float]] = {
    "customers.lifetime_cost_ratio": lambda p: planted_cost_ratio(p.customers),
    "customers.satisfaction_hazard_ratio": lambda p: float(exp_portable(p.customers.sat_hazard)),
    "customers.poor_service_share": lambda p: p.customers.reason_shares["poor service"],
    "customers.note_lift": lambda p: p.customers.note_lift,
    "survey.telling_ratio": lambda p: float(exp_portable(p.survey.wom_neg - p.survey.wom_pos)),
    "visits.sd_odds_ratio": lambda p: float(exp_portable(p.visits.h_sd)),
    "visits.interaction_odds_ratio": lambda p: float(exp_portable(p.visits.h_int)),
    "visits.step_odds_ratio": lambda p: float(exp_portable(p.visits.step_effect)),
    "transactions.no_change": lambda p: 0.0,
    "experiment.lift": lambda p: p.experiment.lift,
    "intervals.patience_seconds": lambda p: p.intervals.patience_seconds,
}
"""The quantities the generators plant, by name, as functions of the parameters: the
claim registry names them (``planted:``), so a figure on the sample is checked against
what was planted in the data actually loaded."""


def bundled_params() -> SampleParams:
    """The parameters the bundled sample was generated from, read from parameters.yaml."""
    kinds = {"survey": SurveyParams, "outlets": OutletParams, "customers": CustomerParams,
             "transactions": TransactionParams, "contacts": ContactParams,
             "visits": VisitParams, "experiment": ExperimentParams,
             "summary": SummaryParams, "intervals": IntervalParams}
    doc = parameters()["parameters"]
    return SampleParams(**{kind: cls(**{k: tuple(v) if isinstance(v, list) else v
                                        for k, v in doc[kind].items()})
                           for kind, cls in kinds.items()})


def planted(name: str, params: SampleParams | None = None) -> float:
    """The planted value called *name* (:data:`PLANTED`) under *params* (the bundled
    sample's by default)."""
    if name not in PLANTED:
        raise KeyError(f"no planted quantity {name!r}; known: {', '.join(PLANTED)}")
    return float(PLANTED[name](params or bundled_params()))


def parameters() -> dict:
    """The parameters the bundled sample was generated from (parameters.yaml)."""
    from cxlib.data.datasets import data_dir

    return yaml.safe_load((data_dir() / "sample" / "parameters.yaml").read_text(encoding="utf-8"))


def planted_weights(data) -> pd.DataFrame | None:
    """The driver weights planted in the sample's satisfaction (``survey.beta`` of
    parameters.yaml), one row per service dimension, when *data* (a survey
    :class:`~cxlib.data.dataset.Dataset`) is the bundled sample; None, which a notebook shows
    as nothing, for any other data (their weights are unknown)."""
    if not data.is_sample:
        return None
    beta = parameters()["parameters"]["survey"]["beta"]
    return pd.DataFrame({"planted weight": pd.Series(
        [round(w, 3) if isinstance(w, float) else w for w in beta.values()], dtype=object)}
    ).set_axis([DIMENSIONS[k] for k in beta])
