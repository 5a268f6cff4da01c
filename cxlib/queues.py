"""Queues and staffing: Erlang C, Erlang A, and a discrete-event check.

**Erlang C** (M/M/c: Poisson arrivals at rate λ, exponential handle times with mean
1/μ, c agents, nobody hangs up). Offered load A = λ/μ Erlangs, occupancy ρ = A/c < 1.

    P(wait) = [A^c/c! · c/(c − A)] / [Σ_{k<c} A^k/k! + A^c/c! · c/(c − A)]
    service level SL(t) = P(answered within t) = 1 − P(wait) · e^{−(c − A) μ t}
    average speed of answer ASA = P(wait) / (c μ − λ)

**Erlang A** (M/M/c+M: callers also hang up after an exponential patience with mean
1/θ) is solved as the birth–death chain on the number in the system (birth λ,
death min(n, c) μ + max(n − c, 0) θ), truncated where the tail is negligible;
P(wait), P(abandon) = θ E[queue] / λ.

:func:`simulate` runs the same queue event by event (first come, first served), so
the formulas can be checked against it and the tests do so.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import pandas as pd


def erlang_c(load: float, agents: int) -> float:
    """Probability an arriving caller waits, for offered load *load* (Erlangs)."""
    if agents <= load:
        return 1.0
    term, total = 1.0, 1.0  # A^k/k! accumulated stably
    for k in range(1, agents):
        term *= load / k
        total += term
    top = term * load / agents * agents / (agents - load)
    return top / (total + top)


def service_level(arrival_rate: float, handle_time: float, agents: int, target: float) -> float:
    """Share answered within *target* (same time unit as *handle_time*), Erlang C."""
    load = arrival_rate * handle_time
    if agents <= load:
        return 0.0
    return 1 - erlang_c(load, agents) * math.exp(-(agents - load) * target / handle_time)


def average_speed_of_answer(arrival_rate: float, handle_time: float, agents: int) -> float:
    """Mean wait of all callers (time unit of *handle_time*), Erlang C."""
    load = arrival_rate * handle_time
    if agents <= load:
        return math.inf
    return erlang_c(load, agents) * handle_time / (agents - load)


def agents_needed(arrival_rate: float, handle_time: float, target: float,
                  level: float) -> int:
    """Fewest agents for which the Erlang C service level within *target* reaches *level*."""
    c = max(1, math.floor(arrival_rate * handle_time) + 1)
    while service_level(arrival_rate, handle_time, c, target) < level:
        c += 1
    return c


def staffing_table(arrival_rate: float, handle_time: float, target: float,
                   span: int = 6) -> pd.DataFrame:
    """Service level, P(wait) and ASA for a range of agent numbers around the minimum."""
    low = max(1, math.floor(arrival_rate * handle_time) + 1)
    rows = []
    for c in range(low, low + span):
        rows.append({"agents": c, "occupancy": arrival_rate * handle_time / c,
                     "P(wait)": erlang_c(arrival_rate * handle_time, c),
                     f"answered within {target:g}": service_level(arrival_rate, handle_time, c,
                                                                  target),
                     "mean wait (ASA)": average_speed_of_answer(arrival_rate, handle_time, c)})
    return pd.DataFrame(rows).set_index("agents")


def erlang_a(arrival_rate: float, handle_time: float, agents: int,
             patience: float) -> dict[str, float]:
    """P(wait), P(abandon) and mean queue length of M/M/c+M (mean patience *patience*)."""
    lam, mu, theta = arrival_rate, 1 / handle_time, 1 / patience
    n_max = agents + int(50 + 20 * lam / theta)
    weights = np.empty(n_max + 1)
    weights[0] = 1.0
    for n in range(1, n_max + 1):
        death = min(n, agents) * mu + max(n - agents, 0) * theta
        weights[n] = weights[n - 1] * lam / death
    pi = weights / weights.sum()
    queue = np.maximum(np.arange(n_max + 1) - agents, 0)
    return {"P(wait)": float(pi[agents:].sum()),
            "P(abandon)": float(theta * (queue * pi).sum() / lam),
            "mean queue": float((queue * pi).sum())}


def simulate(arrival_rate: float, handle_time: float, agents: int, *,
             patience: float | None = None, customers: int = 100_000,
             seed: int = 0) -> pd.DataFrame:
    """Event-by-event M/M/c(+M) queue, first come first served: each caller's wait and
    whether they abandoned (a caller abandons when the wait would exceed their patience)."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / arrival_rate, customers))
    service = rng.exponential(handle_time, customers)
    limit = rng.exponential(patience, customers) if patience else np.full(customers, np.inf)
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
