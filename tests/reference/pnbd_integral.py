"""Make tests/reference/pnbd_integral.json: Pareto/NBD log-likelihoods by 2-d quadrature.

    .venv/bin/python tests/reference/pnbd_integral.py      (about two minutes)

The individual-level likelihood (Schmittlein, Morrison & Colombo 1987),
L(λ, μ | x, t_x, T) = λ^x μ/(λ+μ) e^{−(λ+μ) t_x} + λ^{x+1}/(λ+μ) e^{−(λ+μ) T},
integrated over λ ~ Gamma(r, α) and μ ~ Gamma(s, β) on the log scale of both rates with
scipy's adaptive dblquad (relative tolerance 1e-10). The closed form in
cxlib.customer_base must agree; the cases cover α > β and α < β.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy import integrate, stats

PARAMS = [(0.55, 10.58, 0.61, 11.67), (0.55, 12.0, 0.8, 4.0), (1.2, 3.0, 2.5, 30.0)]
POINTS = [(0, 0.0, 38.86), (2, 30.43, 38.86), (7, 10.0, 38.86), (3, 20.0, 20.0)]


def loglik(params, x, t_x, T) -> float:
    r, alpha, s, beta = params

    def f(v, u):
        lam, mu = np.exp(u), np.exp(v)
        like = (lam**x * mu / (lam + mu) * np.exp(-(lam + mu) * t_x)
                + lam ** (x + 1) / (lam + mu) * np.exp(-(lam + mu) * T))
        return (like * stats.gamma.pdf(lam, r, scale=1 / alpha) * lam
                * stats.gamma.pdf(mu, s, scale=1 / beta) * mu)

    value, _ = integrate.dblquad(f, -30, 6, -30, 6, epsabs=0, epsrel=1e-10)
    return float(np.log(value))


def main() -> None:
    cases = [{"params": list(p), "point": list(pt), "loglik": loglik(p, *pt)}
             for p in PARAMS for pt in POINTS]
    path = Path(__file__).with_suffix(".json")
    path.write_text(json.dumps({"cases": cases}, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
