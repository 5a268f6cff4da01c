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

:func:`simulate` runs the same queue event by event (first come, first served), so
the formulas can be checked against it and the tests do so.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import pandas as pd
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
                   span: int = 6, unit: str = "s") -> pd.DataFrame:
    """Service level, P(wait) and ASA for a range of agent numbers around the minimum; the
    column headers name the time *unit* of *target* and *handle_time*."""
    load = _check_rates(arrival_rate, handle_time)
    low = max(1, math.floor(load) + 1)
    rows = []
    for c in range(low, low + span):
        rows.append({"agents": c, "occupancy": load / c,
                     "P(wait)": erlang_c(load, c),
                     f"answered within {target:g} {unit}": service_level(
                         arrival_rate, handle_time, c, target),
                     f"mean wait (ASA, {unit})": average_speed_of_answer(
                         arrival_rate, handle_time, c)})
    return pd.DataFrame(rows).set_index("agents")


def erlang_a(arrival_rate: float, handle_time: float, agents: int,
             patience: float) -> dict[str, float]:
    """P(wait), P(abandon) and mean queue length of M/M/c+M (mean patience *patience*);
    patience 0 gives Erlang B, infinite patience Erlang C (see the module docstring)."""
    load, agents = _check_rates(arrival_rate, handle_time), _check_agents(agents)
    if not patience >= 0:
        raise ValueError(f"patience must be a mean time ≥ 0 (inf: nobody hangs up), got "
                         f"{patience}")
    if patience == 0:
        lost = erlang_b(load, agents)
        return {"P(wait)": lost, "P(abandon)": lost, "mean queue": 0.0}
    if math.isinf(patience) or load == 0:
        wait = erlang_c(load, agents)
        queue = wait * load / (agents - load) if agents > load else math.inf
        return {"P(wait)": wait, "P(abandon)": 0.0, "mean queue": queue}
    lam, served, theta = arrival_rate, agents / handle_time, 1 / patience
    if (lam - served) / theta > MAX_QUEUE_STATES / 2:
        raise ValueError(f"with {agents} agents and a mean patience of {patience:g} the queue "
                         f"holds about {(lam - served) / theta:,.0f} callers; use erlang_c "
                         f"(everyone waits) or a shorter patience")
    head = _log_terms(load, agents)
    log_busy, log_queue = head[-1], -math.inf  # log Σ_{q≥0} w_{c+q}, log Σ_q q w_{c+q}
    last, top, start, size = head[-1], head.max(), 1, 1024
    while True:
        q = np.arange(start, start + size, dtype=float)
        log_w = last + np.cumsum(math.log(lam) - np.log(served + q * theta))
        log_busy = np.logaddexp(log_busy, logsumexp(log_w))
        log_queue = np.logaddexp(log_queue, logsumexp(log_w + np.log(q)))
        last, top, start = log_w[-1], max(top, log_w.max()), start + size
        ratio = lam / (served + start * theta)  # w_{next}/w_{last}, falling from here on
        if ratio < 1:
            tail = last + math.log(start) + math.log(ratio) - 2 * math.log1p(-ratio)
            if tail < top - 40:  # bounds Σ_{j≥1} (q + j) w_{q+j} ≤ w_q (q+1) r/(1 − r)²
                break
        size *= 2
    log_total = np.logaddexp(logsumexp(head[:-1]), log_busy)
    queue = float(np.exp(log_queue - log_total))
    return {"P(wait)": float(np.exp(log_busy - log_total)),
            "P(abandon)": theta * queue / lam, "mean queue": queue}


def simulate(arrival_rate: float, handle_time: float, agents: int, *,
             patience: float | None = None, customers: int = 100_000,
             seed: int = 0) -> pd.DataFrame:
    """Event-by-event M/M/c(+M) queue, first come first served: each caller's wait and
    whether they abandoned (a caller abandons when the wait would exceed their patience)."""
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
    warm = customers // 10  # discard the start-up period
    return pd.DataFrame({"wait": wait[warm:], "abandoned": abandoned[warm:]})
