"""Customer-base models from a transaction log: BG/NBD, Pareto/NBD, BG/BB and Gamma–Gamma.

Each customer is summarised by ``x`` repeat purchase occasions (``frequency``), the
time ``t_x`` of the last one after the first purchase (``recency``) and the time ``T``
from the first purchase to the end of the calibration period (same time unit for all,
e.g. weeks; see :func:`cxlib.analyses.repeat.customer_summary`).

**BG/NBD** (Fader, Hardie & Lee 2005, *Marketing Science* 24(2)). While alive a
customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each repeat
purchase they drop out with probability p ~ Beta(a, b). One customer's likelihood is

    L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
        + [x > 0] · B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x)).

**Pareto/NBD** (Schmittlein, Morrison & Colombo 1987): the same purchase process, and
an exponential lifetime with rate μ ~ Gamma(s, β). With m = r+s+x, for α ≥ β

    L = Γ(r+x) α^r β^s / Γ(r) · [ 1/((α+T)^(r+x) (β+T)^s)
        + s/m · ( F(m, s+1; m+1; (α−β)/(α+t_x)) / (α+t_x)^m
                  − F(m, s+1; m+1; (α−β)/(α+T)) / (α+T)^m ) ],

F the Gauss hypergeometric function (for α < β swap α↔β and s+1 → r+x; Fader &
Hardie 2005, "A note on deriving the Pareto/NBD model").

**BG/BB** (Fader, Hardie & Shang 2010, "Customer-base analysis in a discrete-time
noncontractual setting", *Marketing Science* 29(6), eq. 5), for data in discrete periods
(a yearly donation, a renewal that can happen once a period): after the first transaction
a customer has n opportunities; while alive they transact in each with probability
p ~ Beta(α, β), and before each opportunity they die with probability θ ~ Beta(γ, δ).
A customer with x transactions in the n periods, the last in period t_x (0 when x = 0), has

    L = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
        + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α, β) · B(γ+1, δ+t_x+i)/B(γ, δ),

the first term alive through period n, the i-th dead just after period t_x + i. Per customer
(FHS 2010, eqs. 7, 11, 13; B(·,·) beta functions):

* P(alive in period n+1) = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n+1)/B(γ, δ) / L;
* E[X(n, n+n*)] = B(α+x+1, β+n−x)/B(α, β) · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ)
  · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)] / L, the transactions expected in the
  next n* periods;
* P(X(n) = x) for a new customer = C(n, x) B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
  + Σ_{i=x}^{n−1} C(i, x) B(α+x, β+i−x)/B(α, β) · B(γ+1, δ+i)/B(γ, δ), the share of a
  cohort expected to make x repeat transactions in n periods (the fit check).

Periods are the time unit, so the BG/BB has no time-scale parameter to divide out; it is
identified by the same rule as the others (rules 1 and 3 below, and rule 2 with the beta
concentrations α + β and γ + δ).

**Gamma–Gamma** spend (Colombo & Jiang 1999; Fader, Hardie & Lee 2005, "RFM and CLV",
*JMR* 42): the spend per transaction is Gamma(p, ν) around a customer mean p/ν,
ν ~ Gamma(q, γ). For a customer with x > 0 repeat purchases of mean value z̄,

    f(z̄ | x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q z̄^(px−1) x^(px) / (γ + x z̄)^(px+q),
    E[Z | z̄, x] = p (γ + x z̄) / (px + q − 1).

**Estimation and intervals.** Maximum likelihood on the log-parameter scale (all
parameters are positive), log-space throughout (``gammaln``, ``betaln``, log-sum-exp),
vectorised over customers, with analytic gradients for BG/NBD and Gamma–Gamma.
Standard errors come from the observed information: the inverse of minus the Hessian
of the log-likelihood at the maximum, on the log scale (by central differences of
the gradient). The 95% interval of a parameter θ is exp(log θ̂ ± 1.96 · SE(log θ̂)),
and SE(θ̂) = θ̂ · SE(log θ̂) (delta method).

**Identification: one rule for every fit, whatever the time unit.** Time enters the
likelihoods only through α + t (and β + t), so a change of time unit multiplies α (β) by
a constant and leaves r, a, b, s, the log-likelihood's shape in the log-parameters and so
every SE(log θ) unchanged. Each fit is therefore made on times divided by the customers'
mean T (unit-free; α is converted back at the end): the optimiser takes the same path in
days, weeks or years. A fit counts as *identified* (:func:`identification_problem`) when

1. its maximum is finite: every log-parameter on that unit-free scale lies within ±30;
2. no mixing distribution has collapsed to a point: the gamma shape r, the beta
   concentration a + b (Pareto/NBD: r and s; Gamma–Gamma: q) at most
   :data:`SHAPE_LIMIT` = 10⁴. Beyond it every customer has practically the same rate (the
   standard deviation of the dropout probability is below 0.005): the likelihood keeps
   rising toward that limit along a ridge (a, b → ∞ with a/(a+b) fixed), its maximum lies
   on the boundary, only the ratio is known, and where on the ridge the optimiser stops
   is chance;
3. the observed information of the log-parameters is positive definite (its smallest
   eigenvalue above 10⁻⁹ of its largest).

Otherwise the fit raises :class:`NotEstimable` with the reason, or, with ``strict=False``,
carries it as ``problem`` for display; every prediction downstream (the ageing baseline,
the share ahead, customer values) refuses such a fit (:func:`require_identified`).

**Per customer, from a BG/NBD fit** (Fader, Hardie & Lee 2005, eqs. 7, 10, 12):

* P(alive) = 1 / (1 + [x > 0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x));
* E[X(t)] for a new customer = (a+b−1)/(a−1) · [1 − (α/(α+t))^r F(r, b; a+b−1; t/(α+t))];
* E[X(T, T+t) | x, t_x, T] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x)
  F(r+x, b+x; a+b+x−1; t/(α+T+t))] / (1 + [x > 0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)).
* P(alive at T+s | x, t_x, T) = P(alive) · F(r+x, a; a+b+x; −s/(α+T)). Given alive at T,
  λ ~ Gamma(r+x, α+T) and p ~ Beta(a, b+x) independently; dropouts then come at rate λp,
  so P(no dropout in s | λ, p) = e^(−λps), whose mean over λ is (1 + ps/(α+T))^−(r+x) and
  over p (Euler's integral) the F above. Computed as (1+z)^−a F(a, a+b−r; a+b+x; z/(1+z))
  with z = s/(α+T) (Pfaff), whose argument stays in [0, 1).
* Expected time active in the next H time units, ∫₀^H P(alive at T+s) ds (a restricted
  mean remaining lifetime; by 64-point Gauss–Legendre quadrature). The unrestricted mean
  is infinite whenever r + x ≤ 1 or a ≤ 1, as for CDNOW (r = 0.243, a = 0.793): a share
  of customers buys so rarely, or drops out so seldom, that they never "finish".

**Discounted CLV** as a discrete sum over K periods of length Δ with discount rate d
per period (margin received at the end of each period):

    CLV = E[Z | z̄, x] · Σ_{k=1..K} (E[X(kΔ) | data] − E[X((k−1)Δ) | data]) / (1+d)^k.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from cxlib.errors import NotEstimable
from cxlib.stats.estimates import Estimate, Result

# --------------------------------------------------------------------------------------
# The fitted model


@dataclass(frozen=True)
class ModelFit(Result):
    """A fitted customer-base model: parameters, their covariance on the log scale, the
    maximised log-likelihood and the number of customers. As a typed result
    (:class:`~cxlib.stats.estimates.Result`) its table is :meth:`intervals` and its
    warning the :meth:`note`.

    ``params`` is a Series named as in the papers (BG/NBD: ``r, alpha, a, b``).
    ``cov_log`` is the inverse observed information of the log-parameters. ``problem``
    says why some parameters are not identified (a maximum on a ridge, e.g. a, b → ∞ when
    the data show no heterogeneity in dropout); ``cov_log`` then inverts the information
    only in the directions the data identify, which is what predictions need.
    """

    model: str
    params: pd.Series
    cov_log: np.ndarray
    loglik: float
    n: int
    unit: str = ""
    level: float = 0.95
    iterations: int = 0
    problem: str | None = None

    @property
    def se_log(self) -> pd.Series:
        """Standard errors of the log-parameters."""
        return pd.Series(np.sqrt(np.diag(self.cov_log)), index=self.params.index)

    @property
    def se(self) -> pd.Series:
        """Standard errors of the parameters, θ̂ · SE(log θ̂) (delta method)."""
        return self.params * self.se_log

    def intervals(self) -> pd.DataFrame:
        """Estimate, SE and interval exp(log θ̂ ± z · SE(log θ̂)) of each parameter."""
        z = stats.norm.ppf(0.5 + self.level / 2)
        log_p = np.log(self.params)
        return pd.DataFrame({"estimate": self.params, "se": self.se,
                             "ci_low": np.exp(log_p - z * self.se_log),
                             "ci_high": np.exp(log_p + z * self.se_log)})

    @property
    def table(self) -> pd.DataFrame:
        return self.intervals()

    @property
    def method(self) -> str:
        return f"maximum likelihood, {_METHOD}"

    @property
    def title(self) -> str:
        return f"{self.model} fitted to {self.n:,} customers"

    @property
    def warnings(self) -> tuple[str, ...]:
        note = self.note()
        return (note,) if note else ()

    def facts(self) -> dict:
        return {"time unit": self.unit or None, "log-likelihood": float(self.loglik)}

    def estimate(self, row: str, *, figure: str | None = None, column: str | None = None,
                 unit: str = "") -> Estimate:
        """One parameter as an :class:`Estimate` (not testable when the fit has a
        ``problem``)."""
        name = figure or f"{self.model} {row}"
        if self.problem:
            return Estimate.untestable(name, self.problem, self.n)
        line = self.intervals().loc[row]
        return Estimate(name, float(line["estimate"]), float(line["ci_low"]),
                        float(line["ci_high"]), self.n, self.method, self.level, unit)

    def poorly_determined(self, spread: float = 100.0) -> list[str]:
        """Parameters whose interval spans more than a factor *spread* (ci_high / ci_low >
        *spread*): the data barely pin them down, though predictions may still be fine
        (they often rest on a ratio such as a / (a + b) that the data do identify)."""
        t = self.intervals()
        return [str(k) for k, v in t.iterrows() if not v["ci_high"] <= spread * v["ci_low"]]

    def note(self) -> str | None:
        """The warning shown under the fit: why parameters are not identified, or which
        are poorly determined (:meth:`poorly_determined`); None when neither."""
        if self.problem:
            return self.problem
        weak = self.poorly_determined()
        if not weak:
            return None
        names = " and ".join(weak) if len(weak) <= 2 else ", ".join(weak)
        return (f"{names} {'is' if len(weak) == 1 else 'are'} poorly determined by these data "
                f"(the interval spans more than a factor 100); read "
                f"{'it' if len(weak) == 1 else 'them'} as unknown, and trust only what the "
                f"data pin down (the fitted predictions and their intervals)")

    def __getitem__(self, name: str) -> float:
        return float(self.params[name])

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        note = f"\nNote: {self.note()}" if self.note() else ""
        return f"{self.model}({shown}; n={self.n:,}, loglik={self.loglik:.2f}){note}"


_METHOD = ("intervals exp(log θ ± 1.96 SE) from the observed information on the "
           "log-parameter scale")


# --------------------------------------------------------------------------------------
# Maximum likelihood on the log scale

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


SHAPE_LIMIT = 1e4
"""Largest shape (gamma) or concentration (beta) parameter of an identified fit (module
docstring, identification rule 2)."""

_SHAPES: dict[str, tuple[tuple[tuple[str, ...], str, str], ...]] = {
    "BG/NBD": ((("r",), "buys at the same rate", "the mean rate r/alpha, not r and alpha"),
               (("a", "b"), "has the same chance of dropping out after a purchase",
                "the mean chance a/(a + b), not a and b")),
    "Pareto/NBD": ((("r",), "buys at the same rate", "the mean rate r/alpha, not r and alpha"),
                   (("s",), "has the same dropout rate", "the mean rate s/beta, not s and beta")),
    "Gamma–Gamma": ((("q",), "has the same mean spend", "the mean spend, not q and gamma"),),
    "BG/BB": ((("alpha", "beta"), "has the same chance of transacting in a period",
               "the mean chance alpha/(alpha + beta), not alpha and beta"),
              (("gamma", "delta"), "has the same chance of dropping out before a period",
               "the mean chance gamma/(gamma + delta), not gamma and delta")),
}
"""Per model, the shape parameters whose growth without bound means a homogeneous
population (rule 2 of the module docstring): names summed, what every customer then
shares, and what the data still pin down."""


def identification_problem(model: str, theta: np.ndarray, names: list[str],
                           info: np.ndarray, shift: np.ndarray | None = None) -> str | None:
    """Why a fit at the unit-free log-parameters *theta* (times divided by their mean, so
    that only r, a, b, … and α relative to the mean T enter) with observed information
    *info* of the log-parameters is not identified, in words; None when it is (the three
    rules of the module docstring). *shift* (added to *theta*) gives the parameters in the
    caller's unit, for the words only."""
    user = np.exp(theta + (0 if shift is None else shift))
    shown = ", ".join(f"{k} = {v:.4g}" for k, v in zip(names, user, strict=True))
    if not np.all(np.isfinite(theta)) or np.any(np.abs(theta) > 30):
        return (f"the {model} likelihood has no finite maximum with these data (the parameters "
                f"ran off to {shown})")
    params = dict(zip(names, np.exp(theta), strict=True))
    for group, same, known in _SHAPES.get(model, ()):
        size = sum(params[k] for k in group)
        if size > SHAPE_LIMIT:
            label = " + ".join(group)
            return (f"the {model} parameters are not identified by these data: {label} ran off "
                    f"to {size:.3g} (beyond {SHAPE_LIMIT:,.0f}), the limit in which every "
                    f"customer {same}; the data then pin down only {known} ({shown})")
    values = np.linalg.eigvalsh(info) if np.all(np.isfinite(info)) else np.array([np.nan])
    if not np.all(np.isfinite(values)) or values.min() <= 1e-9 * abs(values).max():
        return (f"the {model} parameters are not all identified by these data (the observed "
                f"information is singular at {shown})")
    return None


def require_identified(fit: ModelFit, purpose: str) -> ModelFit:
    """*fit*, or :class:`NotEstimable` saying that *purpose* needs an identified fit and
    why this one is not (module docstring): no prediction uses an unidentified fit."""
    if fit.problem:
        raise NotEstimable(f"{purpose} needs an identified {fit.model} fit, and {fit.problem}")
    return fit


@dataclass(frozen=True)
class _Scale:
    """Times were divided by ``factor`` before the fit (module docstring): the parameters
    ``params`` (α, β) are multiplied by it to return to the caller's unit, and the
    log-likelihood loses Σx · log(factor), ``repeats`` being Σx (a customer's likelihood is
    a density of their x repeat purchase times)."""

    factor: float = 1.0
    params: tuple[str, ...] = ()
    repeats: float = 0.0


def _maximise(objective: Objective, start: np.ndarray, names: list[str], model: str,
              n: int, unit: str, *, gradient: bool = True, strict: bool = True,
              scale: _Scale = _Scale()) -> ModelFit:
    """Maximise a log-likelihood of log-parameters; SEs from its numerical Hessian.

    *objective* returns (log-likelihood, gradient with respect to the log-parameters), on
    unit-free data (times divided by ``scale.factor``); the fit is returned in the caller's
    unit. A fit that the identification rule (:func:`identification_problem`) refuses
    raises :class:`NotEstimable` when *strict*; otherwise it carries a ``problem`` and the
    information is inverted on the directions it does identify (eigenvalues above 1e-9 of
    the largest), for display only."""
    shift = np.array([np.log(scale.factor) if k in scale.params else 0.0 for k in names])
    def neg(theta: np.ndarray):
        with np.errstate(all="ignore"):
            ll, g = objective(theta)
        if not np.isfinite(ll):
            return 1e300, np.zeros_like(theta)
        return -ll, -g

    if gradient:
        res = optimize.minimize(neg, start, jac=True, method="BFGS",
                                options={"gtol": 1e-6 * n ** 0.5, "maxiter": 500})
    else:  # gradient by central differences
        res = optimize.minimize(lambda t: neg(t)[0], start, jac="3-point", method="BFGS",
                                options={"gtol": 1e-6 * n ** 0.5, "maxiter": 500})
    theta = res.x
    if not np.all(np.isfinite(theta)):
        raise NotEstimable(f"the {model} likelihood has no finite maximum with these data")
    info = -_hessian(objective, theta, gradient=gradient)
    problem = identification_problem(model, theta, names, info, shift)
    if problem and strict:
        raise NotEstimable(problem)
    info = np.where(np.isfinite(info), info, 0.0)
    values, vectors = np.linalg.eigh(info)
    keep = values > 1e-9 * abs(values).max()
    cov = (vectors[:, keep] / values[keep]) @ vectors[:, keep].T
    with np.errstate(all="ignore"):
        ll = objective(theta)[0] - scale.repeats * np.log(scale.factor)
    return ModelFit(model, pd.Series(np.exp(theta + shift), index=names), cov, float(ll), n,
                    unit, iterations=int(res.nit), problem=problem)


def _hessian(objective: Objective, theta: np.ndarray, *, gradient: bool,
             step: float = 1e-4) -> np.ndarray:
    """Hessian by central differences: of the gradient, or of the function itself."""
    k = len(theta)
    eye = np.eye(k) * step
    with np.errstate(all="ignore"):
        if gradient:
            rows = [(objective(theta + e)[1] - objective(theta - e)[1]) / (2 * step)
                    for e in eye]
            h = np.array(rows)
            return (h + h.T) / 2
        f = lambda t: objective(t)[0]  # noqa: E731
        h = np.empty((k, k))
        f0 = f(theta)
        for i in range(k):
            for j in range(i, k):
                if i == j:
                    h[i, i] = (f(theta + eye[i]) - 2 * f0 + f(theta - eye[i])) / step**2
                else:
                    h[i, j] = h[j, i] = (f(theta + eye[i] + eye[j]) - f(theta + eye[i] - eye[j])
                                         - f(theta - eye[i] + eye[j])
                                         + f(theta - eye[i] - eye[j])) / (4 * step**2)
        return h


def _summaries(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    if not (x.shape == t_x.shape == T.shape) or x.ndim != 1:
        raise ValueError("frequency, recency and T must be 1-d and of equal length")
    bad = ~np.isfinite(x + t_x + T) | (x < 0) | (t_x < 0) | (t_x > T + 1e-9) | (x != np.round(x))
    bad |= (x == 0) & (t_x > 0)
    if bad.any():
        raise ValueError(f"{int(bad.sum()):,} customers have impossible summaries (need whole "
                         f"frequency ≥ 0, 0 ≤ recency ≤ T, recency 0 when frequency is 0)")
    if len(x) == 0:
        raise NotEstimable("there are no customers to fit (n = 0)")
    if x.sum() == 0:
        raise NotEstimable("no customer made a repeat purchase, so repeat buying cannot be "
                           "modelled")
    return x, t_x, T


BGNBD_PARAMS = ["r", "alpha", "a", "b"]


@dataclass(frozen=True)
class _Customers:
    """Summaries arranged for fast likelihoods: customers with x = 0 by distinct T, and
    the others by distinct (x, t_x, T), each with its count ``w`` (identical customers
    contribute identical terms). ``u`` are the distinct x > 0 and ``k`` each row's index
    into ``u``; ``rows`` (uncompressed only) are the original positions of the x > 0 rows.
    """

    T0: np.ndarray
    w0: np.ndarray
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    w: np.ndarray
    u: np.ndarray
    k: np.ndarray
    per_u: np.ndarray
    rows: np.ndarray | None = None

    @classmethod
    def of(cls, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, *,
           compress: bool = True) -> _Customers:
        zero = x == 0
        if compress:
            T0, w0 = np.unique(T[zero], return_counts=True)
            xr, tr, Tr = x[~zero], t_x[~zero], T[~zero]
            order = np.lexsort((Tr, tr, xr))
            xr, tr, Tr = xr[order], tr[order], Tr[order]
            new = np.r_[True, (np.diff(xr) != 0) | (np.diff(tr) != 0) | (np.diff(Tr) != 0)]
            starts = np.flatnonzero(new)
            w = np.diff(np.r_[starts, len(xr)]).astype(float)
            xr, tr, Tr, rows = xr[starts], tr[starts], Tr[starts], None
        else:
            T0, w0 = T[zero], np.ones(int(zero.sum()))
            rows = np.flatnonzero(~zero)
            xr, tr, Tr = x[rows], t_x[rows], T[rows]
            w = np.ones(len(rows))
        u, k = np.unique(xr, return_inverse=True)
        return cls(T0, w0.astype(float), xr, tr, Tr, w, u, k,
                   np.bincount(k, weights=w, minlength=len(u)), rows)


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """Σ u·v without BLAS (whose threads slow small reductions down on a busy machine)."""
    return np.einsum("i,i->", u, v)


def _time_scale(T: np.ndarray, x: np.ndarray, params: tuple[str, ...]) -> _Scale:
    """Times are divided by the customers' mean T before a fit (module docstring), so that
    the fit does not depend on the time unit; *params* are the time-scale parameters."""
    return _Scale(float(np.mean(T)) or 1.0, params, float(x.sum()))


def bgnbd_loglik(params, frequency, recency, T) -> float:
    """BG/NBD log-likelihood (module docstring) at ``params = (r, alpha, a, b)``."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    return _bgnbd(np.log(np.asarray(params, float)), _Customers.of(x, t_x, T))[0]


def _bgnbd(theta: np.ndarray, c: _Customers, *, per_customer: bool = False):
    """BG/NBD log-likelihood and its gradient in the log-parameters.

    With x = 0 the likelihood reduces to (α/(α+T))^r. With x > 0, write
    A = log B(a, b+x) − (r+x) log(α+T), C = log B(a+1, b+x−1) − (r+x) log(α+t_x) and
    D = C − A; the customer's log-likelihood is K(x) + A + log(1 + e^D), with
    K(x) = log Γ(r+x) − log Γ(r) + r log α − log B(a, b), and the weight of the second
    term is w_C = 1/(1 + e^−D). Per-customer scores (n × 4) when *per_customer*."""
    r, alpha, a, b = np.exp(theta)
    dig, u = special.digamma, c.u
    log_alpha = np.log(alpha)
    # x = 0: log L = r log α − r log(α+T)
    log_t0 = np.log(alpha + c.T0)
    inv_t0 = 1 / (alpha + c.T0)
    # x > 0: terms per distinct x, then per row
    ru = r + u
    beta_a = special.betaln(a, b + u)
    k_u = special.gammaln(ru) - special.gammaln(r) + r * log_alpha - special.betaln(a, b)
    delta_u = special.betaln(a + 1, b + u - 1) - beta_a
    rx = ru[c.k]
    log_t = np.log(alpha + c.T)
    gap = np.log(alpha + c.t_x)
    gap -= log_t  # log((α+t_x)/(α+T)) ≤ 0
    D = rx * gap
    np.subtract(delta_u[c.k], D, out=D)
    softplus = special.log_expit(-D)
    np.negative(softplus, out=softplus)  # log(1 + e^D)
    wc = special.expit(D)
    inv_t, inv_tx = 1 / (alpha + c.T), 1 / (alpha + c.t_x)
    dab = dig(a + b + u)
    da_a, db_a = dig(a) - dab, dig(b + u) - dab            # ∂A/∂a, ∂A/∂b
    da_c, db_c = dig(a + 1) - dab, dig(b + u - 1) - dab    # ∂C/∂a, ∂C/∂b
    base_a, base_b = dig(a + b) - dig(a), dig(a + b) - dig(b)
    if per_customer:
        ll0 = r * log_alpha - r * log_t0
        ll1 = k_u[c.k] + beta_a[c.k] - rx * log_t + softplus
        s0 = np.column_stack([r * (log_alpha - log_t0), alpha * (r / alpha - r * inv_t0),
                              np.zeros_like(ll0), np.zeros_like(ll0)])
        s1 = np.column_stack([
            r * ((dig(ru) - dig(r) + log_alpha)[c.k] - log_t - wc * gap),
            alpha * (r / alpha - rx * (inv_t + wc * (inv_tx - inv_t))),
            a * (base_a + da_a[c.k] + wc * (da_c - da_a)[c.k]),
            b * (base_b + db_a[c.k] + wc * (db_c - db_a)[c.k])])
        return ll0, ll1, s0, s1
    w, w0, n0 = c.w, c.w0, c.w0.sum()
    wrx = w * rx
    wwc = w * wc
    inv_tx -= inv_t
    ll = (r * (n0 * log_alpha - _dot(w0, log_t0)) + _dot(c.per_u, k_u + beta_a)
          - _dot(wrx, log_t) + _dot(w, softplus))
    wc_u = np.bincount(c.k, weights=wwc, minlength=len(u))
    grad = np.array([
        r * (n0 * log_alpha - _dot(w0, log_t0) + _dot(c.per_u, dig(ru) - dig(r) + log_alpha)
             - _dot(w, log_t) - _dot(wwc, gap)),
        alpha * (r * n0 / alpha - r * _dot(w0, inv_t0) + c.per_u.sum() * r / alpha
                 - _dot(wrx, inv_t) - _dot(wrx * wc, inv_tx)),
        a * (_dot(c.per_u, base_a + da_a) + _dot(wc_u, da_c - da_a)),
        b * (_dot(c.per_u, base_b + db_a) + _dot(wc_u, db_c - db_a))])
    return float(ll), grad


def bgnbd_scores(fit: ModelFit, frequency, recency, T) -> np.ndarray:
    """Per-customer scores: the gradient of each customer's log-likelihood with respect to
    the log-parameters at the fit (n × 4), the ingredient of sandwich and influence-function
    variances."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    c = _Customers.of(x, t_x, T, compress=False)
    _, _, s0, s1 = _bgnbd(np.log(fit.params[BGNBD_PARAMS].to_numpy()), c, per_customer=True)
    out = np.empty((len(x), 4))
    out[x == 0] = s0
    out[c.rows] = s1
    return out


def fit_bgnbd(frequency, recency, T, *, unit: str = "", strict: bool = True) -> ModelFit:
    """Fit the BG/NBD model by maximum likelihood (module docstring).

    ``frequency`` = repeat purchase occasions x, ``recency`` = t_x, ``T``, one value per
    customer, in one time unit (named by *unit*, e.g. ``"week"``). Returns a
    :class:`ModelFit` with parameters ``r, alpha, a, b`` (Fader, Hardie & Lee 2005);
    raises :class:`NotEstimable` when nobody repeats or the maximum is not finite, and,
    when *strict*, when the parameters are not identified (see :class:`ModelFit`).
    """
    x, t_x, T = _summaries(frequency, recency, T)
    scale = _time_scale(T, x, ("alpha",))
    c = _Customers.of(x, t_x / scale.factor, T / scale.factor)
    return _maximise(lambda th: _bgnbd(th, c), np.zeros(4), BGNBD_PARAMS, "BG/NBD", len(x),
                     unit, strict=strict, scale=scale)


def bgnbd_p_alive(fit: ModelFit, frequency, recency, T) -> np.ndarray:
    """P(alive | x, t_x, T) under a BG/NBD fit (module docstring)."""
    r, alpha, a, b = (fit[k] for k in BGNBD_PARAMS)
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_odds_dead = (np.log(a) - np.log(b + x - 1)
                         + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
    return np.where(x > 0, special.expit(-log_odds_dead), 1.0)


def bgnbd_expected_new(fit: ModelFit, t) -> np.ndarray:
    """E[X(t)]: expected repeat purchases in (0, t] of a customer who bought first at 0."""
    r, alpha, a, b = (fit[k] for k in BGNBD_PARAMS)
    t = np.asarray(t, dtype=float)
    z = t / (alpha + t)
    head = (a + b - 1) / (a - 1)
    return head * (1 - np.exp(r * np.log(alpha / (alpha + t))) * special.hyp2f1(r, b, a + b - 1,
                                                                                  z))


def bgnbd_expected(fit: ModelFit, t, frequency, recency, T) -> np.ndarray:
    """E[X(T, T+t) | x, t_x, T]: expected purchases in the next *t* time units."""
    r, alpha, a, b = (fit[k] for k in BGNBD_PARAMS)
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    t = np.asarray(t, dtype=float)
    z = t / (alpha + T + t)
    growth = 1 - np.exp((r + x) * np.log((alpha + T) / (alpha + T + t))) * special.hyp2f1(
        r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * growth * bgnbd_p_alive(fit, x, t_x, T)


def bgnbd_p_alive_at(fit: ModelFit, s, frequency, recency, T) -> np.ndarray:
    """P(alive at T+s | x, t_x, T): the chance that a customer is still active *s* time
    units after the end of their history (module docstring); *s* = 0 gives P(alive)."""
    r, alpha, a, b = (fit[k] for k in BGNBD_PARAMS)
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    z = np.asarray(s, dtype=float) / (alpha + T)
    survive = np.exp(-a * np.log1p(z)) * special.hyp2f1(a, a + b - r, a + b + x, z / (1 + z))
    return bgnbd_p_alive(fit, x, t_x, T) * survive


_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)


def bgnbd_expected_active(fit: ModelFit, horizon: float, frequency, recency, T) -> np.ndarray:
    """Expected time active in the next *horizon* time units, ∫₀^H P(alive at T+s) ds
    (module docstring): between 0 and *horizon*, the customer's expected remaining
    lifetime cut at the horizon."""
    x, t_x, T = (np.asarray(v, dtype=float)[:, None] for v in (frequency, recency, T))
    s = horizon * (_NODES + 1) / 2
    alive = bgnbd_p_alive_at(fit, s[None, :], x, t_x, T)
    return horizon / 2 * alive @ _WEIGHTS


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, T,
                   rng: np.random.Generator) -> pd.DataFrame:
    """Draw *n* customers' (frequency, recency, T) from the BG/NBD model.

    λ ~ Gamma(r, α), p ~ Beta(a, b); the number of repeat purchases a customer makes
    before dropping out is J ~ Geometric(p) on {1, 2, …}; the Poisson process gives
    N ~ Poisson(λT) purchases in (0, T]; x = min(J, N), and the time of the x-th of N
    uniform purchase times is t_x = T · Beta(x, N − x + 1).
    """
    T = np.broadcast_to(np.asarray(T, float), (n,)).copy()
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    J = rng.geometric(p)
    N = rng.poisson(lam * T)
    x = np.minimum(J, N)
    t_x = np.zeros(n)
    some = x > 0
    t_x[some] = T[some] * rng.beta(x[some], N[some] - x[some] + 1)
    return pd.DataFrame({"frequency": x.astype(float), "recency": t_x, "T": T})


# --------------------------------------------------------------------------------------
# Pareto/NBD

PNBD_PARAMS = ["r", "alpha", "s", "beta"]


def pnbd_loglik(params, frequency, recency, T, *, per_customer: bool = False):
    """Pareto/NBD log-likelihood (module docstring) at ``params = (r, alpha, s, beta)``."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    ll = _pnbd_ll(np.log(np.asarray(params, float)), x, t_x, T)
    return ll if per_customer else float(ll.sum())


def _log_hyp2f1(a, b, c, z):
    """log F(a, b; c; z) for 0 ≤ z < 1 and a, b, c > 0 (F > 0 there).

    For z > 0.5 the Pfaff transformation F(a,b;c;z) = (1−z)^(−b) F(c−a, b; c; z/(z−1))
    maps the argument into (−∞, 0), where the series converges without overflow."""
    z = np.asarray(z, float)
    a, b, c = (np.broadcast_to(v, z.shape) for v in (a, b, c))
    pfaff = z > 0.5
    out = np.empty_like(z)
    d = ~pfaff
    with np.errstate(all="ignore"):
        out[d] = np.log(special.hyp2f1(a[d], b[d], c[d], z[d]))
        zp = z[pfaff]
        out[pfaff] = -b[pfaff] * np.log1p(-zp) + np.log(
            special.hyp2f1(c[pfaff] - a[pfaff], b[pfaff], c[pfaff], zp / (zp - 1)))
    return out


def _pnbd_ll(theta, x, t_x, T):
    r, alpha, s, beta = np.exp(theta)
    m = r + s + x
    if alpha >= beta:
        big, second = alpha, s + 1
    else:
        big, second = beta, r + x
    gap = abs(alpha - beta)
    log_f1 = _log_hyp2f1(m, second, m + 1, gap / (big + t_x)) - m * np.log(big + t_x)
    log_f2 = _log_hyp2f1(m, second, m + 1, gap / (big + T)) - m * np.log(big + T)
    # log(F1 − F2) with F1 ≥ F2 (t_x ≤ T); equal terms (t_x = T) contribute nothing
    with np.errstate(divide="ignore"):
        diff = log_f1 + np.log(-np.expm1(np.minimum(log_f2 - log_f1, 0.0)))
    first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    second_term = np.log(s) - np.log(m) + diff
    head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return head + np.logaddexp(first, second_term)


def _pnbd_terms(fit: ModelFit, x, t_x, T) -> tuple[np.ndarray, np.ndarray]:
    """log of the two terms in the Pareto/NBD bracket: alive to T, and died before T."""
    r, alpha, s, beta = (fit[k] for k in PNBD_PARAMS)
    theta = np.log([r, alpha, s, beta])
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    total = _pnbd_ll(theta, x, t_x, T) - (special.gammaln(r + x) - special.gammaln(r)
                                          + r * np.log(alpha) + s * np.log(beta))
    return alive, total


def pnbd_p_alive(fit: ModelFit, frequency, recency, T) -> np.ndarray:
    """P(alive | x, t_x, T) under a Pareto/NBD fit: the first term of the bracket in the
    likelihood over the whole bracket."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    alive, total = _pnbd_terms(fit, x, t_x, T)
    return np.exp(np.minimum(alive - total, 0.0))


def pnbd_expected(fit: ModelFit, t, frequency, recency, T) -> np.ndarray:
    """E[X(T, T+t) | x, t_x, T] = (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)]
    · P(alive) under a Pareto/NBD fit (Schmittlein, Morrison & Colombo 1987)."""
    r, alpha, s, beta = (fit[k] for k in PNBD_PARAMS)
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    t = np.asarray(t, dtype=float)
    rate = (r + x) * (beta + T) / ((alpha + T) * (s - 1))
    return rate * -np.expm1((s - 1) * np.log((beta + T) / (beta + T + t))) * pnbd_p_alive(
        fit, x, t_x, T)


def fit_pnbd(frequency, recency, T, *, unit: str = "") -> ModelFit:
    """Fit the Pareto/NBD model by maximum likelihood; parameters ``r, alpha, s, beta``.

    The likelihood involves the Gauss hypergeometric function, evaluated in log space
    (module docstring); BFGS with a central-difference gradient starts from the BG/NBD
    estimates of (r, α). Raises :class:`NotEstimable` when the maximum lies on a ridge (e.g.
    s, β → ∞ when every customer has the same dropout rate), where the parameters are not
    identified.
    """
    x, t_x, T = _summaries(frequency, recency, T)
    scale = _time_scale(T, x, ("alpha", "beta"))
    t_x, T = t_x / scale.factor, T / scale.factor
    bg = fit_bgnbd(x, t_x, T, strict=False)  # a starting point only

    def objective(theta):
        ll = float(_pnbd_ll(theta, x, t_x, T).sum())
        return ll, np.zeros_like(theta)

    start = np.log([bg["r"], bg["alpha"], 1.0, 1.0])
    return _maximise(objective, start, PNBD_PARAMS, "Pareto/NBD", len(x), unit,
                     gradient=False, scale=scale)


# --------------------------------------------------------------------------------------
# BG/BB: discrete periods

BGBB_PARAMS = ["alpha", "beta", "gamma", "delta"]


@dataclass(frozen=True)
class _Patterns:
    """Discrete-period summaries grouped by distinct (x, t_x, n), each with its weight."""

    x: np.ndarray
    t_x: np.ndarray
    n: np.ndarray
    w: np.ndarray

    @classmethod
    def of(cls, frequency, recency, periods, weights=None) -> _Patterns:
        x, t_x, n = (np.asarray(v, dtype=float) for v in (frequency, recency, periods))
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
        if not (x.shape == t_x.shape == n.shape == w.shape) or x.ndim != 1:
            raise ValueError("frequency, recency, periods and weights must be 1-d and of "
                             "equal length")
        bad = ~np.isfinite(x + t_x + n + w) | (w < 0)
        bad |= (x != np.round(x)) | (t_x != np.round(t_x)) | (n != np.round(n))
        bad |= (x < 0) | (t_x < x) | (t_x > n) | ((x == 0) & (t_x != 0))
        if bad.any():
            raise ValueError(f"{int(bad.sum()):,} rows have impossible discrete-period "
                             "summaries (need whole numbers with 0 ≤ frequency ≤ recency ≤ "
                             "periods, recency 0 when frequency is 0, weights ≥ 0)")
        keep = w > 0
        table = pd.DataFrame({"x": x[keep], "t_x": t_x[keep], "n": n[keep], "w": w[keep]})
        g = table.groupby(["x", "t_x", "n"], sort=True)["w"].sum().reset_index()
        return cls(*(g[c].to_numpy(float) for c in ("x", "t_x", "n", "w")))


def _bgbb_terms(params: np.ndarray, x, t_x, n) -> tuple[np.ndarray, np.ndarray]:
    """log of the 'alive through period n' term of the BG/BB likelihood (module
    docstring) and log L itself, per customer, at ``params = (α, β, γ, δ)``."""
    a, b, g, d = params
    x, t_x, n = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, t_x, n)))
    base_p, base_t = special.betaln(a, b), special.betaln(g, d)
    alive = (special.betaln(a + x, b + n - x) - base_p
             + special.betaln(g, d + n) - base_t)
    gaps = (n - t_x).astype(int)
    width = int(gaps.max()) if gaps.size else 0
    if width == 0:
        return alive, alive
    i = np.arange(width)
    xi, ti = x[..., None], t_x[..., None]
    dead = (special.betaln(a + xi, b + ti - xi + i) - base_p
            + special.betaln(g + 1, d + ti + i) - base_t)
    dead = np.where(i < gaps[..., None], dead, -np.inf)
    return alive, np.logaddexp(alive, special.logsumexp(dead, axis=-1))


def bgbb_loglik(params, frequency, recency, periods, weights=None) -> float:
    """BG/BB log-likelihood Σ w · log L (module docstring) at ``params = (alpha, beta,
    gamma, delta)``; *weights* count the customers of each row (a table of patterns)."""
    c = _Patterns.of(frequency, recency, periods, weights)
    return float(c.w @ _bgbb_terms(np.asarray(params, float), c.x, c.t_x, c.n)[1])


def fit_bgbb(frequency, recency, periods, weights=None, *, unit: str = "period",
             strict: bool = True) -> ModelFit:
    """Fit the BG/BB model by maximum likelihood (module docstring).

    ``frequency`` = x, the number of the *periods* after the first in which the customer
    transacted; ``recency`` = t_x, the last such period (0 when x = 0); ``periods`` = n, the
    number of opportunities (one value, or one per row for cohorts of different ages);
    *weights* = customers per row, for a table of recency/frequency patterns. Returns a
    :class:`ModelFit` with ``alpha, beta, gamma, delta`` (Fader, Hardie & Shang 2010);
    :class:`NotEstimable` when nobody transacts again or, when *strict*, when the fit is not
    identified (the rule of :func:`identification_problem`); *unit* names the period."""
    x = np.asarray(frequency, dtype=float)
    c = _Patterns.of(x, recency, np.broadcast_to(np.asarray(periods, float), x.shape),
                     weights)
    if c.w.sum() == 0:
        raise NotEstimable("there are no customers to fit (n = 0)")
    if c.w @ c.x == 0:
        raise NotEstimable("no customer transacted again after the first period, so repeat "
                           "transactions cannot be modelled")

    def objective(theta):
        ll = float(c.w @ _bgbb_terms(np.exp(theta), c.x, c.t_x, c.n)[1])
        return ll, np.zeros_like(theta)

    return _maximise(objective, np.zeros(4), BGBB_PARAMS, "BG/BB", round(float(c.w.sum())),
                     unit, gradient=False, strict=strict)


def _bgbb(fit: ModelFit) -> np.ndarray:
    return fit.params[BGBB_PARAMS].to_numpy(float)


def bgbb_p_alive(fit: ModelFit, frequency, recency, periods) -> np.ndarray:
    """P(alive in period n+1 | x, t_x, n) under a BG/BB fit (module docstring)."""
    a, b, g, d = params = _bgbb(fit)
    x, t_x, n = (np.asarray(v, dtype=float) for v in (frequency, recency, periods))
    _, log_l = _bgbb_terms(params, x, t_x, n)
    head = (special.betaln(a + x, b + n - x) - special.betaln(a, b)
            + special.betaln(g, d + n + 1) - special.betaln(g, d))
    return np.exp(head - log_l)


def bgbb_expected(fit: ModelFit, future, frequency, recency, periods) -> np.ndarray:
    """E[X(n, n+n*) | x, t_x, n]: transactions expected in the next *future* = n* periods
    under a BG/BB fit (module docstring; γ = 1 is its limit, reached within 1e-8)."""
    a, b, g, d = params = _bgbb(fit)
    x, t_x, n = (np.asarray(v, dtype=float) for v in (frequency, recency, periods))
    future = np.asarray(future, dtype=float)
    _, log_l = _bgbb_terms(params, x, t_x, n)
    g = g if abs(g - 1) > 1e-8 else 1 + 1e-8
    lg = special.gammaln
    now = lg(1 + d + n) - lg(g + d + n)
    later = lg(1 + d + n + future) - lg(g + d + n + future)
    # [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)] / (γ − 1), sign-safe
    bracket = np.exp(now) * -np.expm1(later - now) / (g - 1)
    head = special.betaln(a + x + 1, b + n - x) - special.betaln(a, b) - log_l
    return np.exp(head + lg(g + d) - lg(1 + d)) * d * bracket


def bgbb_frequency_shares(fit: ModelFit, periods: int) -> pd.Series:
    """P(X(n) = x), x = 0 … n: the share of a new cohort expected to transact again in x of
    its first n = *periods* periods (module docstring), to set beside the shares seen."""
    a, b, g, d = _bgbb(fit)
    n = int(periods)
    out = []
    for x in range(n + 1):
        alive = (special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)
                 + special.betaln(a + x, b + n - x) - special.betaln(a, b)
                 + special.betaln(g, d + n) - special.betaln(g, d))
        i = np.arange(x, n)
        dead = (special.gammaln(i + 1) - special.gammaln(x + 1) - special.gammaln(i - x + 1)
                + special.betaln(a + x, b + i - x) - special.betaln(a, b)
                + special.betaln(g + 1, d + i) - special.betaln(g, d))
        out.append(np.exp(special.logsumexp(np.r_[alive, dead])))
    return pd.Series(out, index=pd.RangeIndex(n + 1, name="frequency"),
                     name="expected share")


# --------------------------------------------------------------------------------------
# Gamma–Gamma spend

GAMMA_GAMMA_PARAMS = ["p", "q", "gamma"]


def _gamma_gamma(theta, x, z):
    p, q, g = np.exp(theta)
    px = p * x
    log_gxz = np.log(g + x * z)
    ll = (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(g)
          + (px - 1) * np.log(z) + px * np.log(x) - (px + q) * log_gxz)
    dig = special.digamma
    d_p = x * (dig(px + q) - dig(px) + np.log(z) + np.log(x) - log_gxz)
    d_q = dig(px + q) - dig(q) + np.log(g) - log_gxz
    d_g = q / g - (px + q) / (g + x * z)
    grad = np.array([(d_p * p).sum(), (d_q * q).sum(), (d_g * g).sum()])
    return float(ll.sum()), grad


def fit_gamma_gamma(frequency, monetary_value, *, unit: str = "") -> ModelFit:
    """Fit the Gamma–Gamma spend model to customers with a repeat purchase (x > 0, z̄ > 0);
    parameters ``p, q, gamma`` (module docstring). *unit* names the currency."""
    x = np.asarray(frequency, dtype=float)
    z = np.asarray(monetary_value, dtype=float)
    keep = (x > 0) & (z > 0) & np.isfinite(z)
    x, z = x[keep], z[keep]
    if len(x) < 3 or np.ptp(z) == 0:
        raise NotEstimable(f"{len(x)} customers with repeat purchases and "
                           f"{'no' if len(x) == 0 else 'no varying'} spend: the spend model "
                           f"cannot be fitted")
    start = np.log([1.0, 1.0, float(np.mean(z))])
    return _maximise(lambda th: _gamma_gamma(th, x, z), start, GAMMA_GAMMA_PARAMS,
                     "Gamma–Gamma", len(x), unit)


def expected_spend(fit: ModelFit, frequency, monetary_value) -> np.ndarray:
    """E[Z | z̄, x] = p (γ + x z̄) / (px + q − 1); the population mean pγ/(q−1) for x = 0."""
    p, q, g = (fit[k] for k in GAMMA_GAMMA_PARAMS)
    x = np.asarray(frequency, dtype=float)
    z = np.where(x > 0, np.asarray(monetary_value, dtype=float), 0.0)
    return p * (g + x * z) / (p * x + q - 1)


# --------------------------------------------------------------------------------------
# Per-customer values and the holdout check


def discounted_purchases(fit: ModelFit, frequency, recency, T, *, periods: int,
                         period_length: float, discount: float) -> np.ndarray:
    """Σ_{k=1..K} (E[X(kΔ) | data] − E[X((k−1)Δ) | data]) / (1+d)^k (module docstring)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    total = np.zeros_like(x)
    before = np.zeros_like(x)
    for k in range(1, periods + 1):
        now = bgnbd_expected(fit, k * period_length, x, t_x, T)
        total += (now - before) / (1 + discount) ** k
        before = now
    return total


def customer_values(bgnbd: ModelFit, spend: ModelFit, summary: pd.DataFrame, *,
                    horizon: float, periods: int, period_length: float,
                    discount: float) -> pd.DataFrame:
    """Per customer: P(alive), expected purchases and expected time active over *horizon*,
    expected spend per purchase and discounted CLV over *periods* periods of
    *period_length* at *discount* per period (module docstring). *summary* has frequency,
    recency, T (in the fit's time unit) and monetary_value."""
    require_identified(bgnbd, "the valuation of customers")
    require_identified(spend, "the valuation of customers")
    x, t_x, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    spend_per = expected_spend(spend, x, summary["monetary_value"].to_numpy(float))
    dert = discounted_purchases(bgnbd, x, t_x, T, periods=periods, period_length=period_length,
                                discount=discount)
    return pd.DataFrame({"p_alive": bgnbd_p_alive(bgnbd, x, t_x, T),
                         "expected_purchases": bgnbd_expected(bgnbd, horizon, x, t_x, T),
                         "expected_active": bgnbd_expected_active(bgnbd, horizon, x, t_x, T),
                         "expected_spend": spend_per,
                         "discounted_purchases": dert,
                         "clv": spend_per * dert}, index=summary.index)
