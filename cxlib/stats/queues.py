"""Queues and staffing: Erlang B, Erlang C, Erlang A, and a discrete-event check.

Poisson arrivals at rate λ, exponential handle times with mean h = 1/μ, c agents;
offered load A = λh Erlangs. Every formula is evaluated in log space, so that
A^c/c! (which overflows a double from about 170 agents on, and made the textbook
formula return NaN above about 707 Erlangs) is never formed.

**Erlang B** (M/M/c/c: a caller who finds all c agents busy is lost):

    B(c, A) = t_c / Σ_{k=0..c} t_k,   t_k = A^k/k!
    log B = log t_c − logsumexp(log t_0, …, log t_c),   log t_k = k log A − log k!

**Erlang C** (M/M/c: callers wait, nobody hangs up), for c > A (else everyone waits):

    P(wait) = C(c, A) = c·B / (c − A + A·B)
    service level SL(t) = P(answered within t) = 1 − C · e^{−(c − A) t/h}
    average speed of answer ASA = C · h / (c − A)

**Erlang A** (M/M/c+M: callers also hang up after an exponential patience with mean
1/θ) is the birth–death chain on the number in the system n, birth λ, death
min(n, c)μ + max(n − c, 0)θ, whose stationary weights are summed in log space:

    log w_n = log t_n (n ≤ c);   log w_{c+q} = log t_c + Σ_{j=1..q} log(λ / (cμ + jθ))

until the rest of the tail is below e^{−40} of the largest weight. P(wait) =
Σ_{n≥c} π_n (an arriving caller finds every agent busy), mean queue E[Q] =
Σ_q q π_{c+q}, P(abandon) = θ E[Q] / λ. The limits are exact: patience 0 is the
Erlang B loss system (P(wait) = P(abandon) = B, nobody queues), infinite patience
is Erlang C.

**Erlang A service level**, the share of *all* callers answered within t (a caller who
hangs up is not answered in time). A caller who finds n < c in the system is answered at
once. One who finds c + j (j callers ahead) moves up at rate cμ + iθ while i callers are
ahead (an agent frees, or one of them hangs up), is answered when an agent frees with
nobody ahead, and hangs up at rate θ meanwhile. So

    SL_A(t) = Σ_{n<c} π_n + Σ_{j≥0} π_{c+j} P_j(answered by t)

and the second sum is the mass absorbed in "answered" by time t of the pure-death chain on
the number ahead, started from the weights π_{c+j}, computed by uniformization (the
chain observed at the events of a Poisson process of rate Λ ≥ every exit rate, with
Poisson(Λt) weights). With infinite patience it is Erlang C's 1 − C·e^{−(c − A)t/h}.

:func:`simulate` runs the same queue event by event (first come, first served), so
the formulas can be checked against it. :func:`check_by_simulation` does so as a check a
reader can trust at any load: independent replications (each with its start-up period
discarded) give a t interval for each simulated share, and the check passes when the
formula lies inside it. One long run is not enough near full occupancy: at 3,400 calls an
hour with a 240 s handle time on 234 agents (97% busy), where Erlang C gives 0.791 within 30 s,
the share of one run of 100,000 callers ranged from 0.68 to 0.85 over ten seeds (runs of 50,000:
0.71 to 0.91), because the queue drifts slowly.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln, logsumexp

MAX_QUEUE_STATES = 20_000_000
"""Erlang A sums at most this many queue states (an overloaded queue of very patient
callers would need more: its answer is then Erlang C's, everyone waits)."""


def _check_load(load: float) -> float:
    load = float(load)
    if not load >= 0 or math.isinf(load):
        raise ValueError(f"the offered load must be a finite number ≥ 0 Erlangs, got {load}")
    return load


def _check_agents(agents: int, least: int = 1) -> int:
    if int(agents) != agents or agents < least:
        raise ValueError(f"agents must be a whole number ≥ {least}, got {agents}")
    return int(agents)


def _check_rates(arrival_rate: float, handle_time: float) -> float:
    """The offered load λh, after checking both inputs."""
    if not arrival_rate >= 0 or math.isinf(arrival_rate):
        raise ValueError(f"arrival_rate must be a finite rate ≥ 0, got {arrival_rate}")
    if not handle_time > 0 or math.isinf(handle_time):
        raise ValueError(f"handle_time must be a finite time > 0, got {handle_time}")
    return _check_load(arrival_rate * handle_time)


def _log_terms(load: float, agents: int) -> np.ndarray:
    """log(A^k/k!) for k = 0…agents (load > 0)."""
    k = np.arange(agents + 1, dtype=float)
    return k * math.log(load) - gammaln(k + 1)


def _log_erlang_b_upto(load: float, agents: int) -> np.ndarray:
    """log B(c, A) for every c = 0…agents at once (load > 0)."""
    terms = _log_terms(load, agents)
    return terms - np.logaddexp.accumulate(terms)


def _erlang_c_from_b(load: float, agents: np.ndarray, log_b: np.ndarray) -> np.ndarray:
    """C = c·B / (c − A + A·B), in logs, for agents > load."""
    return np.exp(np.log(agents) + log_b - np.log(agents - load + load * np.exp(log_b)))


def erlang_b(load: float, agents: int) -> float:
    """Probability an arriving caller is lost when *agents* are all busy (Erlang B)."""
    load, agents = _check_load(load), _check_agents(agents, least=0)
    if load == 0:
        return 1.0 if agents == 0 else 0.0
    return float(np.exp(_log_erlang_b_upto(load, agents)[-1]))


def erlang_c(load: float, agents: int) -> float:
    """Probability an arriving caller waits, for offered load *load* (Erlangs)."""
    load, agents = _check_load(load), _check_agents(agents)
    if agents <= load:
        return 1.0
    if load == 0:
        return 0.0
    log_b = _log_erlang_b_upto(load, agents)[-1]
    return float(_erlang_c_from_b(load, np.array([agents]), np.array([log_b]))[0])


def service_level(arrival_rate: float, handle_time: float, agents: int, target: float) -> float:
    """Share answered within *target* (same time unit as *handle_time*), Erlang C."""
    load = _check_rates(arrival_rate, handle_time)
    if agents <= load:
        return 0.0
    return 1 - erlang_c(load, agents) * math.exp(-(agents - load) * target / handle_time)


def service_level_curve(arrival_rate: float, handle_time: float, agents: int,
                        seconds: np.ndarray | None = None) -> pd.DataFrame:
    """Erlang C share answered within t, for t = 0…120 (or *seconds*), in the time unit
    of *handle_time*."""
    t = np.arange(0, 121) if seconds is None else np.asarray(seconds, float)
    return pd.DataFrame({"seconds": t, "answered within": [
        service_level(arrival_rate, handle_time, agents, x) for x in t]})


def average_speed_of_answer(arrival_rate: float, handle_time: float, agents: int) -> float:
    """Mean wait of all callers (time unit of *handle_time*), Erlang C."""
    load = _check_rates(arrival_rate, handle_time)
    if agents <= load:
        return math.inf
    return erlang_c(load, agents) * handle_time / (agents - load)


def agents_needed(arrival_rate: float, handle_time: float, target: float,
                  level: float) -> int:
    """Fewest agents for which the Erlang C service level within *target* reaches *level*.

    The search starts at the least stable staffing ⌊A⌋ + 1 and scans upwards in blocks
    of about 10√A agents (square-root staffing puts the answer within a few √A of A),
    evaluating the whole block from one pass of the Erlang B recursion in logs.
    """
    load = _check_rates(arrival_rate, handle_time)
    if not 0 < level < 1:
        why = ("no finite number of agents answers every caller in time" if level >= 1
               else "it is a share of callers")
        raise ValueError(f"level must be strictly between 0 and 1, got {level}: {why}")
    if not target >= 0:
        raise ValueError(f"target must be a waiting time ≥ 0, got {target}")
    if load == 0:
        return 1
    low = math.floor(load) + 1
    high = low + max(20, math.ceil(10 * math.sqrt(load)))
    while True:
        log_b = _log_erlang_b_upto(load, high)[low:]
        agents = np.arange(low, high + 1, dtype=float)
        waits = _erlang_c_from_b(load, agents, log_b)
        reached = np.flatnonzero(1 - waits * np.exp(-(agents - load) * target / handle_time)
                                 >= level)
        if reached.size:
            return int(agents[reached[0]])
        if high - low > 100 * (load + 100):  # pragma: no cover - SL → 1, so never reached
            raise RuntimeError(f"no staffing up to {high:,} agents reaches {level} within "
                               f"{target} at {load:,.1f} Erlangs")
        low, high = high + 1, high + 2 * (high - low + 1)


def staffing_table(arrival_rate: float, handle_time: float, target: float,
                   level: float = 0.8, around: int = 3, unit: str = "s") -> pd.DataFrame:
    """Service level, P(wait) and ASA (Erlang C) for the fewest agents that answer *level*
    of callers within *target* (:func:`agents_needed`) and *around* agents either side
    (never fewer than ⌊A⌋ + 1, the least that keeps the queue stable), so the number needed
    is always in the table; the column headers name the time *unit* of *target* and
    *handle_time*, and ``reaches`` marks the rows that meet the level."""
    load = _check_rates(arrival_rate, handle_time)
    need = agents_needed(arrival_rate, handle_time, target, level)
    low = max(1, math.floor(load) + 1, need - around)
    rows = []
    for c in range(low, need + around + 1):
        within = service_level(arrival_rate, handle_time, c, target)
        rows.append({"agents": c, "occupancy": load / c,
                     "P(wait)": erlang_c(load, c),
                     f"answered within {target:g} {unit}": within,
                     f"mean wait (ASA, {unit})": average_speed_of_answer(
                         arrival_rate, handle_time, c),
                     f"reaches {level:.0%}": c >= need})
    return pd.DataFrame(rows).set_index("agents")


def _queue_log_weights(lam: float, served: float, theta: float, last: float,
                       top: float) -> np.ndarray:
    """log w_{c+q} for q = 1, 2, … of Erlang A (see the module docstring), from
    log w_c = *last*, until the rest of the tail is below e^{−40} of the largest weight
    (*top*, the largest so far)."""
    chunks, start, size = [], 1, 1024
    while True:
        q = np.arange(start, start + size, dtype=float)
        log_w = last + np.cumsum(math.log(lam) - np.log(served + q * theta))
        chunks.append(log_w)
        last, top, start = log_w[-1], max(top, log_w.max()), start + size
        ratio = lam / (served + start * theta)  # w_{next}/w_{last}, falling from here on
        if ratio < 1:
            tail = last + math.log(start) + math.log(ratio) - 2 * math.log1p(-ratio)
            if tail < top - 40:  # bounds Σ_{j≥1} (q + j) w_{q+j} ≤ w_q (q+1) r/(1 − r)²
                return np.concatenate(chunks)
        size *= 2


def _check_patience(patience: float) -> float:
    if not patience >= 0:
        raise ValueError(f"patience must be a mean time ≥ 0 (inf: nobody hangs up), got "
                         f"{patience}")
    return float(patience)


def _check_queue_size(arrival_rate: float, agents: int, handle_time: float,
                      patience: float) -> None:
    served, theta = agents / handle_time, 1 / patience
    if (arrival_rate - served) / theta > MAX_QUEUE_STATES / 2:
        raise ValueError(f"with {agents} agents and a mean patience of {patience:g} the queue "
                         f"holds about {(arrival_rate - served) / theta:,.0f} callers; use "
                         f"erlang_c (everyone waits) or a shorter patience")


def erlang_a(arrival_rate: float, handle_time: float, agents: int,
             patience: float) -> dict[str, float]:
    """P(wait), P(abandon) and mean queue length of M/M/c+M (mean patience *patience*);
    patience 0 gives Erlang B, infinite patience Erlang C (see the module docstring)."""
    load, agents = _check_rates(arrival_rate, handle_time), _check_agents(agents)
    patience = _check_patience(patience)
    if patience == 0:
        lost = erlang_b(load, agents)
        return {"P(wait)": lost, "P(abandon)": lost, "mean queue": 0.0}
    if math.isinf(patience) or load == 0:
        wait = erlang_c(load, agents)
        queue = wait * load / (agents - load) if agents > load else math.inf
        return {"P(wait)": wait, "P(abandon)": 0.0, "mean queue": queue}
    _check_queue_size(arrival_rate, agents, handle_time, patience)
    lam, theta = arrival_rate, 1 / patience
    head = _log_terms(load, agents)
    tail = _queue_log_weights(lam, agents / handle_time, theta, head[-1], head.max())
    q = np.arange(1, len(tail) + 1, dtype=float)
    log_busy = np.logaddexp(head[-1], logsumexp(tail))  # log Σ_{q≥0} w_{c+q}
    log_queue = logsumexp(tail + np.log(q))  # log Σ_q q w_{c+q}
    log_total = np.logaddexp(logsumexp(head[:-1]), log_busy)
    queue = float(np.exp(log_queue - log_total))
    return {"P(wait)": float(np.exp(log_busy - log_total)),
            "P(abandon)": theta * queue / lam, "mean queue": queue}


def erlang_a_service_level(arrival_rate: float, handle_time: float, agents: int,
                           patience: float, target: float) -> float:
    """Share of all callers answered within *target* in M/M/c+M (callers who hang up count
    as not answered in time); the formula is in the module docstring. Patience 0: only the
    callers who find an agent free (1 − Erlang B); infinite patience: Erlang C."""
    load, agents = _check_rates(arrival_rate, handle_time), _check_agents(agents)
    patience = _check_patience(patience)
    if not target >= 0:
        raise ValueError(f"target must be a waiting time ≥ 0, got {target}")
    if load == 0:
        return 1.0
    if math.isinf(patience):
        return service_level(arrival_rate, handle_time, agents, target)
    if patience == 0:
        return 1 - erlang_b(load, agents)
    _check_queue_size(arrival_rate, agents, handle_time, patience)
    served, theta = agents / handle_time, 1 / patience
    head = _log_terms(load, agents)
    tail = _queue_log_weights(arrival_rate, served, theta, head[-1], head.max())
    log_queue = np.concatenate([[head[-1]], tail])  # n = c + j, j = 0, 1, …
    log_total = np.logaddexp(logsumexp(head[:-1]), logsumexp(log_queue))
    now = float(np.exp(logsumexp(head[:-1]) - log_total)) if agents > 0 else 0.0
    mass = np.exp(log_queue - log_total)
    mass = mass[: np.flatnonzero(mass > 1e-17 * mass.max())[-1] + 1]  # the rest: < 1e-14
    if target == 0:
        return now
    ahead = np.arange(len(mass), dtype=float)
    advance = served + ahead * theta  # rate of moving up (answered from j = 0)
    rate = float(advance[-1] + theta)  # Λ: at least every exit rate
    steps = _poisson_weights(rate * target)
    stay, move = 1 - (advance + theta) / rate, advance / rate
    answered = 0.0
    total = steps[0] * answered
    for weight in steps[1:]:
        answered += mass[0] * move[0]
        mass = mass * stay + np.append(mass[1:] * move[1:], 0.0)
        total += weight * answered
    return now + total


def _poisson_weights(mean: float) -> np.ndarray:
    """P(K = k) for k = 0 … k_max, K ~ Poisson(*mean*), k_max far enough into the tail
    that the rest is below 10⁻¹⁴."""
    k_max = int(mean + 12 * math.sqrt(mean) + 40)
    return stats.poisson.pmf(np.arange(k_max + 1), mean)


def agents_needed_erlang_a(arrival_rate: float, handle_time: float, patience: float,
                           target: float, level: float) -> int:
    """Fewest agents for which the Erlang A share of all callers answered within *target*
    (:func:`erlang_a_service_level`) reaches *level*: the smallest staffing that reaches it
    is bracketed by doubling from ⌈A⌉ and found by bisection (the share grows with the
    number of agents)."""
    load = _check_rates(arrival_rate, handle_time)
    if not 0 < level < 1:
        raise ValueError(f"level must be strictly between 0 and 1, got {level}")
    if load == 0:
        return 1

    def reaches(c: int) -> bool:
        return erlang_a_service_level(arrival_rate, handle_time, c, patience, target) >= level

    low, high = 0, max(1, math.ceil(load))
    while not reaches(high):
        low, high = high, 2 * high
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if reaches(mid) else (mid, high)
    return high


def simulate(arrival_rate: float, handle_time: float, agents: int, *,
             patience: float | None = None, customers: int = 100_000,
             seed: int | np.random.SeedSequence = 0, warmup: int | None = None
             ) -> pd.DataFrame:
    """Event-by-event M/M/c(+M) queue, first come first served: each caller's wait and
    whether they abandoned (a caller abandons when the wait would exceed their patience).
    The queue starts empty; the first *warmup* callers (a tenth by default) are dropped."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / arrival_rate, customers))
    service = rng.exponential(handle_time, customers)
    limit = (np.full(customers, np.inf) if patience is None
             else rng.exponential(patience, customers))
    free = [0.0] * agents  # times at which each agent becomes free (a heap)
    heapq.heapify(free)
    wait = np.empty(customers)
    abandoned = np.zeros(customers, dtype=bool)
    for i in range(customers):
        start = max(arrivals[i], free[0])
        w = start - arrivals[i]
        if w > limit[i]:
            wait[i], abandoned[i] = limit[i], True
            continue
        wait[i] = w
        heapq.heapreplace(free, start + service[i])
    warm = customers // 10 if warmup is None else warmup
    return pd.DataFrame({"wait": wait[warm:], "abandoned": abandoned[warm:]})


@dataclass(frozen=True)
class SimulationCheck:
    """A formula's value beside the same quantity simulated in independent replications:
    their mean and its t interval (``low``, ``high``); the check passes (``agrees``) when
    the formula lies inside the interval."""

    model: str
    measure: str
    formula: float
    simulated: float
    low: float
    high: float
    replications: int
    customers: int
    warmup: int
    level: float = 0.95

    @property
    def agrees(self) -> bool:
        return bool(self.low <= self.formula <= self.high)

    @property
    def design(self) -> str:
        """How the simulated interval was made, in words."""
        return (f"{self.replications} independent runs of {self.customers:,} callers, the first "
                f"{self.warmup:,} of each discarded as start-up; {self.level:.0%} t interval "
                "of the mean over runs")

    def as_row(self) -> dict:
        return {"model": self.model, "measure": self.measure, "formula": self.formula,
                "simulated": self.simulated, f"{self.level:.0%} interval low": self.low,
                f"{self.level:.0%} interval high": self.high,
                "formula inside": "yes" if self.agrees else "NO"}

    def __str__(self) -> str:
        return (f"{self.model}, {self.measure}: formula {self.formula:.3f}, simulated "
                f"{self.simulated:.3f} "
                f"[{self.low:.3f}, {self.high:.3f}] — "
                + ("the formula lies inside" if self.agrees else "the formula lies OUTSIDE"))


def check_by_simulation(arrival_rate: float, handle_time: float, agents: int,
                        target: float, *, patience: float | None = None,
                        replications: int = 20, customers: int = 100_000, seed: int = 0,
                        level: float = 0.95) -> list[SimulationCheck]:
    """Check Erlang C (or Erlang A, with *patience*) against :func:`simulate`.

    *replications* independent runs (streams spawned from *seed*) of *customers* callers
    each, the first tenth of each discarded as start-up; for each measure the mean over
    runs m and its t interval m ± t(R − 1)·s/√R (s the standard deviation between runs, R
    the number of runs). Measures: the share answered within *target* (abandoned callers
    count as not answered in time) and P(wait); with patience also P(abandon).
    """
    if replications < 2:
        raise ValueError(f"replications must be 2 or more for an interval, got {replications}")
    load = _check_rates(arrival_rate, handle_time)
    if patience is None:
        formulas = {f"answered within {target:g} s": service_level(
                        arrival_rate, handle_time, agents, target),
                    "P(wait)": erlang_c(load, agents)}
    else:
        a = erlang_a(arrival_rate, handle_time, agents, patience)
        formulas = {f"answered within {target:g} s": erlang_a_service_level(
                        arrival_rate, handle_time, agents, patience, target),
                    "P(wait)": a["P(wait)"], "P(abandon)": a["P(abandon)"]}
    runs = []
    for stream in np.random.SeedSequence(seed).spawn(replications):
        sim = simulate(arrival_rate, handle_time, agents, patience=patience,
                       customers=customers, seed=stream)
        measured = [((sim["wait"] <= target) & ~sim["abandoned"]).mean(),
                    (sim["wait"] > 0).mean(), sim["abandoned"].mean()]
        runs.append(measured[:len(formulas)])
    runs = np.asarray(runs, float)
    means, spread = runs.mean(axis=0), runs.std(axis=0, ddof=1)
    half = stats.t.ppf(0.5 + level / 2, replications - 1) * spread / math.sqrt(replications)
    model = "Erlang C" if patience is None else f"Erlang A (mean patience {patience:.0f} s)"
    return [SimulationCheck(model, name, value, float(m), float(m - h), float(m + h),
                            replications, customers, customers // 10, level)
            for (name, value), m, h in zip(formulas.items(), means, half, strict=True)]


def checks_table(checks: list[SimulationCheck]) -> pd.DataFrame:
    """The checks of :func:`check_by_simulation` as a table, one row per measure."""
    return pd.DataFrame([c.as_row() for c in checks]).set_index(["model", "measure"])


def erlang_a_check(arrival_rate: float, handle_time: float, agents: int, target: float,
                   patience: float | None, *, seed: int = 0) -> list[SimulationCheck]:
    """:func:`check_by_simulation` of Erlang A with callers' mean *patience* (seconds); no
    check (an empty list) when the patience is unknown (None)."""
    if patience is None:
        return []
    return check_by_simulation(arrival_rate, handle_time, agents, target, patience=patience,
                               seed=seed)
