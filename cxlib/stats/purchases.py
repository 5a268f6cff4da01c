"""Purchase processes: simulated customer bases whose behaviour is known.

:func:`simulate_log` draws the transaction log of a business whose customers' behaviour
does not change (or changes by a stated ``lift``): the constant-behaviour baseline of
REP-1 and the generator of the bundled sample log.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from cxlib.stats.portable import exp_portable
from cxlib.stats.units import DAYS_PER_MONTH


@dataclass(frozen=True)
class BusinessParams:
    """A business whose customers' behaviour does not change (unless ``lift`` says so).

    New customers arrive at ``first_month`` per month, growing by ``growth`` per month,
    for ``months`` months (each at a uniform time within their month). Each makes a first
    purchase on arrival, then repurchases as a Poisson process with rate λ ~ Gamma(``shape``,
    ``rate_mean``/``shape``) per month until an exponential dropout time (mean
    ``life_months``). Amounts are lognormal with median ``amount_median``. With ``lift``
    ≠ 1, every customer's repurchase rate is multiplied by ``lift`` from month
    ``lift_from`` on (a real change of behaviour). With ``dropout_beta`` = (a, b) a
    customer instead drops out right after each repeat purchase with probability
    p ~ Beta(a, b), and at no other time: the BG/NBD story. The defaults are those of
    :class:`cxlib.data.sample.TransactionParams`.
    """

    months: int = 24
    first_month: int = 40
    growth: float = 0.03
    rate_mean: float = 0.35
    shape: float = 1.5
    life_months: float = 12.0
    amount_median: float = 40.0
    start: str = "2023-01-01"
    lift: float = 1.0
    lift_from: float | None = None
    dropout_beta: tuple[float, float] | None = None


def simulate_log(p: BusinessParams, rng: np.random.Generator) -> pd.DataFrame:
    """Draw a ``transactions`` log from :class:`BusinessParams`.

    A rate change is a change of clock: with operational time U(t) = t before the lift
    and U(c) + lift·(t − c) after it, purchases are uniform in operational time, so the
    draws are those of the unchanged business when ``lift`` = 1. Amounts use
    :func:`cxlib.stats.portable.exp_portable`, so the bundled sample log
    (:func:`cxlib.data.sample.transactions`) is the same on every machine.
    """
    start = pd.Timestamp(p.start)
    arrivals = np.array([round(p.first_month * Fraction(1 + p.growth) ** m)  # exact powers
                         for m in range(p.months)])
    born = np.repeat(np.arange(p.months), arrivals) + rng.random(arrivals.sum())
    n = len(born)
    rate = rng.gamma(p.shape, p.rate_mean / p.shape, n)
    if p.dropout_beta is None:
        life = rng.exponential(p.life_months, n)
    else:  # alive until the purchase after which they drop out (below)
        life = np.full(n, np.inf)
        repeats_before_dropout = rng.geometric(rng.beta(*p.dropout_beta, n))
    horizon = np.minimum(born + life, p.months) - born
    cut = np.clip((p.months if p.lift_from is None else p.lift_from) - born, 0, horizon)
    clock = cut + p.lift * (horizon - cut)  # operational length of each customer's life
    k = rng.poisson(rate * clock)
    owner = np.repeat(np.arange(n), 1 + k)
    offsets = rng.random(owner.size) * np.repeat(clock, 1 + k)
    first = np.r_[0, np.cumsum(1 + k)[:-1]]
    offsets[first] = 0.0
    c = cut[owner]
    offsets = np.where(offsets <= c, offsets, c + (offsets - c) / p.lift)
    t = born[owner] + offsets
    order = np.lexsort((t, owner))
    owner, t = owner[order], t[order]
    if p.dropout_beta is not None:
        rank = np.arange(owner.size) - np.repeat(first, 1 + k)
        keep = rank <= repeats_before_dropout[owner]
        owner, t = owner[keep], t[keep]
    dates = start + pd.to_timedelta(np.floor(t * DAYS_PER_MONTH).astype(np.int64), unit="D")
    return pd.DataFrame({
        "customer_id": [f"T{i:05d}" for i in owner],
        "date": dates.strftime("%Y-%m-%d"),
        "amount": np.round(p.amount_median * exp_portable(0.6 * rng.standard_normal(owner.size)),
                           2),
        "quantity": 1 + rng.poisson(0.5, owner.size),
        "order_id": [f"ORD{i:06d}" for i in range(owner.size)],
    })
