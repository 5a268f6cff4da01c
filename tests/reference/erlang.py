"""Reference values for Erlang B, C and A, computed from their definitions in 60-digit
decimal arithmetic (no floating point, no shortcut formulas), written to erlang.json.

    python tests/reference/erlang.py

* Erlang B = t_c / Σ_{k≤c} t_k and Erlang C = t_c·c/(c−A) / (Σ_{k<c} t_k + t_c·c/(c−A)),
  t_k = A^k/k!, summed term by term (the terms reach 10^4300 at 10,000 Erlangs: decimal's
  exponent range holds them, a double does not).
* Service level 1 − C·exp(−(c−A)t/h); the fewest agents reaching a level, by scanning c
  upwards from ⌊A⌋ + 1.
* Erlang A: the stationary distribution of the birth–death chain (birth λ, death
  min(n,c)/h + max(n−c,0)/patience), summed until the remaining weights are below
  10^−50 of the total; P(wait) = Σ_{n≥c} π_n, E[Q] = Σ (n−c)⁺ π_n, P(abandon) = E[Q]/(patience·λ).
* Erlang A service level (share of all callers answered within t): Σ_{n<c} π_n plus, for a
  caller who finds j callers waiting ahead, E[e^{−θV} 1{V ≤ t}] with V the sum of independent
  exponentials of rates r_i = c/h + iθ, i = 0…j (the hypoexponential density
  Σ_i a_i r_i e^{−r_i v}, a_i = Π_{k≠i} r_k/(r_k − r_i)), which gives
  Σ_i a_i r_i (1 − e^{−(r_i+θ)t})/(r_i + θ); in 600-digit arithmetic, as the a_i cancel.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal as D
from decimal import getcontext, localcontext
from pathlib import Path

getcontext().prec = 60
getcontext().Emax = 10**8
getcontext().Emin = -(10**8)


def terms(load: D, upto: int) -> list[D]:
    """t_k = A^k/k! for k = 0..upto."""
    out = [D(1)]
    for k in range(1, upto + 1):
        out.append(out[-1] * load / k)
    return out


def erlang_b(load: D, c: int) -> D:
    t = terms(load, c)
    return t[c] / sum(t)


def erlang_c(load: D, c: int) -> D:
    t = terms(load, c)
    top = t[c] * c / (c - load)
    return top / (sum(t[:c]) + top)


def service_level(load: D, c: int, target: D, handle: D) -> D:
    return 1 - erlang_c(load, c) * (-(c - load) * target / handle).exp()


def agents_needed(load: D, handle: D, target: D, level: D) -> int:
    c = math.floor(load) + 1
    t = terms(load, c)
    below = sum(t[:c])  # Σ_{k<c} t_k
    tc = t[c]
    while True:
        top = tc * c / (c - load)
        wait = top / (below + top)
        if 1 - wait * (-(c - load) * target / handle).exp() >= level:
            return c
        below += tc
        c += 1
        tc = tc * load / c


def erlang_a(load: D, c: int, handle: D, patience: D) -> dict[str, D]:
    lam, theta = load / handle, 1 / patience
    served = c / handle
    t = terms(load, c)
    total_head = sum(t[:c])
    w, busy, queue, q = t[c], t[c], D(0), 0
    while True:
        q += 1
        w = w * lam / (served + q * theta)
        busy += w
        queue += q * w
        if lam < served + q * theta and w * (q + 1) < (total_head + busy) * D("1e-50"):
            break
    total = total_head + busy
    return {"P(wait)": busy / total, "mean queue": queue / total,
            "P(abandon)": theta * queue / total / lam}


def erlang_a_service_level(load: D, c: int, handle: D, patience: D, target: D) -> D:
    with localcontext() as ctx:
        ctx.prec = 600
        lam, theta, served = load / handle, 1 / patience, c / handle
        t = terms(load, c)
        total = sum(t[:c])
        answered_now = total
        weights = [t[c]]
        while True:
            j = len(weights)
            weights.append(weights[-1] * lam / (served + j * theta))
            total_now = answered_now + sum(weights)
            if lam < served + j * theta and weights[-1] * (j + 1) < total_now * D("1e-60"):
                break
        total = answered_now + sum(weights)
        rates = [served + i * theta for i in range(len(weights))]
        coef: list[D] = []
        late = D(0)
        for j, w in enumerate(weights):
            r = rates[j]
            coef = [a * r / (r - rates[i]) for i, a in enumerate(coef)]
            last = D(1)
            for k in range(j):
                last *= rates[k] / (rates[k] - r)
            coef.append(last)
            inside = sum(a * q * (1 - (-(q + theta) * target).exp()) / (q + theta)
                         for a, q in zip(coef, rates[:len(coef)], strict=True))
            late += w * inside
        return (answered_now + late) / total


def text(x: D) -> str:
    """20 significant digits: far beyond what a double holds."""
    return f"{x:.19e}"


def main() -> None:
    bc_cases = [(10, 11), (10, 12), (10, 13), (10, 14), (2, 3), (0.7, 1), (100, 110),
                (700, 720), (707, 720), (710, 730), (1000, 1010), (1000, 1030), (10000, 10050),
                (10000, 10100), (10000, 10200), (100000, 100300), (100000, 101000)]
    b_only = [(50, 10), (10000, 9000), (10000, 10000), (84.064, 100)]
    out: dict[str, list] = {"erlang_b": [], "erlang_c": [], "agents_needed": [],
                            "erlang_a": []}
    for a, c in bc_cases:
        load = D(str(a))
        out["erlang_c"].append({"load": a, "agents": c, "value": text(erlang_c(load, c))})
    for a, c in bc_cases + b_only:
        out["erlang_b"].append({"load": a, "agents": c, "value": text(erlang_b(D(str(a)), c))})
    for a, h, target, level in [(10, 180, 20, 0.8), (1000, 180, 20, 0.8), (1000, 180, 20, 0.99),
                                (10000, 180, 20, 0.8), (10000, 180, 20, 0.95),
                                (10000, 180, 0, 0.5), (100000, 300, 15, 0.9)]:
        need = agents_needed(D(str(a)), D(h), D(target), D(str(level)))
        sl = [text(service_level(D(str(a)), c, D(target), D(h))) for c in (need - 1, need)]
        out["agents_needed"].append({"load": a, "handle_time": h, "target": target,
                                     "level": level, "agents": need,
                                     "service_level_below_and_at": sl})
    for a, c, h, patience in [(10, 12, 180, 120), (10, 14, 180, 600), (10000, 10000, 180, 60),
                              (10000, 9800, 180, 300), (10000, 10200, 180, 600)]:
        res = erlang_a(D(str(a)), c, D(h), D(patience))
        out["erlang_a"].append({"load": a, "agents": c, "handle_time": h, "patience": patience,
                                **{k: text(v) for k, v in res.items()}})
    out["erlang_a_service_level"] = []
    for a, c, h, patience, target in [(10, 12, 180, 120, 20), (10, 8, 180, 300, 20),
                                      (2, 3, 180, 60, 10), (50, 52, 240, 180, 30),
                                      (50, 45, 240, 600, 30)]:
        value = erlang_a_service_level(D(str(a)), c, D(h), D(patience), D(target))
        out["erlang_a_service_level"].append({"load": a, "agents": c, "handle_time": h,
                                              "patience": patience, "target": target,
                                              "value": text(value)})
    path = Path(__file__).with_suffix(".json")
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
