"""Repeat business from a transaction log: per-customer summaries and the repeat share.

Per-customer summary (the RFM summary of Fader, Hardie & Lee, computed by DuckDB so
that tens of millions of rows take seconds; Parquet and CSV files are read
directly). Purchases are first grouped per customer and calendar day, then:

* ``frequency`` = number of purchase days − 1 (repeat purchase days);
* ``recency`` = last purchase day − first purchase day, in days;
* ``T`` = end of observation − first purchase day, in days;
* ``monetary_value`` = mean spend per repeat purchase day (0 with no repeat);

the same definitions as ``lifetimes.utils.summary_data_from_transaction_data``
(benchmarks/repeat_summary.py checks the numbers agree).

The **repeat share** of a month is the share of its orders (or revenue) placed by
customers who had bought on an earlier day. Its interval resamples whole customers
(a cluster bootstrap), because one customer's orders are not independent.

**The share that ageing alone gives** (:func:`ageing_baseline`). A repeat share rises
as a customer base ages even when nobody changes behaviour. The baseline asks what the
share of orders in the final window (the last *w* months, from s to the end) would be
had every customer kept the behaviour they showed before it:

* repurchase behaviour: a BG/NBD model (:mod:`cxlib.customer_base`) fitted to the
  customers who had bought by s, on their history up to s;
* inflow: the new customers of the window, as observed (their first-purchase dates and
  first-day orders);
* expected repeat purchase days R = Σ_old E[X(s, end) | x, t_x, T] + Σ_new E[X(end − first)];
  repeat orders per repeat purchase day m as before s;
* expected share E = R·m / (R·m + first-day orders of the new customers).

The figure *beyond ageing* is D = S − E, the observed share S minus E. Its standard
error is a delta-method (influence-function) one, over customers, of the whole
procedure: D is a smooth function of customer totals (repeat and all orders in the
window, repeat orders and days before s, first-day orders) and of the BG/NBD estimate
θ̂, whose influence is I⁻¹ sᵢ (I the observed information, sᵢ customer i's score). With
zᵢ the linearised contribution of customer i, SE(D)² = n/(n−1) Σ (zᵢ − z̄)², and the
interval is D ± z₀.₉₇₅ SE. A closed cohort (no new customers in the window) has E = 1
exactly, as ageing then makes every order a repeat order.

The constant-behaviour business of :func:`simulate_log` (the engine of
:func:`simulate_repeat_share`) lives here, on the analysis side.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from .customer_base import ModelFit, bgnbd_expected, bgnbd_expected_new, bgnbd_scores, fit_bgnbd
from .errors import NotEstimable
from .results import Estimate
from .uncertainty import ratio_bootstrap


def _relation(con: duckdb.DuckDBPyConnection, source: pd.DataFrame | str | Path) -> str:
    """Register *source* (a frame or a Parquet/CSV path) as view ``tx``."""
    if isinstance(source, pd.DataFrame):
        con.register("tx_frame", source)
        con.execute("CREATE VIEW tx AS SELECT customer_id, date, amount FROM tx_frame")
    else:
        path = str(source)
        rel = (con.read_parquet(path) if path.endswith((".parquet", ".pq")) else
               con.read_csv(path, dtype={"customer_id": "VARCHAR"}))  # keep leading zeros
        rel.select("customer_id, date, amount").create_view("tx")
    return "tx"


def customer_summary(source: pd.DataFrame | str | Path,
                     observation_end: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Per-customer frequency, recency, T, monetary value, first/last purchase and spend."""
    con = duckdb.connect()
    _relation(con, source)
    end = (con.execute("SELECT CAST(MAX(date) AS DATE) FROM tx").fetchone()[0]
           if observation_end is None else pd.Timestamp(observation_end).date())
    query = """
    WITH days AS (
        SELECT customer_id, CAST(date AS DATE) AS day, SUM(amount) AS value
        FROM tx WHERE CAST(date AS DATE) <= ? GROUP BY ALL
    ), firsts AS (
        SELECT customer_id, MIN(day) AS first_day FROM days GROUP BY customer_id
    )
    SELECT d.customer_id,
           COUNT(*) - 1 AS frequency,
           date_diff('day', f.first_day, MAX(d.day)) AS recency,
           date_diff('day', f.first_day, CAST(? AS DATE)) AS "T",
           COALESCE(SUM(d.value) FILTER (WHERE d.day > f.first_day)
                    / NULLIF(COUNT(*) - 1, 0), 0) AS monetary_value,
           f.first_day AS first_purchase,
           MAX(d.day) AS last_purchase,
           SUM(d.value) AS total_spend
    FROM days d JOIN firsts f USING (customer_id)
    GROUP BY d.customer_id, f.first_day
    ORDER BY d.customer_id
    """
    out = con.execute(query, [end, end]).df().set_index("customer_id")
    for col in ("frequency", "recency", "T"):
        out[col] = out[col].astype(float)
    return out


def repeat_share_by_month(source: pd.DataFrame | str | Path) -> pd.DataFrame:
    """Orders, revenue and customers per month, and the share from repeat customers."""
    con = duckdb.connect()
    _relation(con, source)
    query = """
    WITH t AS (
        SELECT customer_id, CAST(date AS DATE) AS day, amount,
               MIN(CAST(date AS DATE)) OVER (PARTITION BY customer_id) AS first_day
        FROM tx
    )
    SELECT date_trunc('month', day) AS month,
           COUNT(*) AS orders,
           COUNT(*) FILTER (WHERE day > first_day) AS repeat_orders,
           SUM(amount) AS revenue,
           COALESCE(SUM(amount) FILTER (WHERE day > first_day), 0) AS repeat_revenue,
           COUNT(DISTINCT customer_id) AS customers
    FROM t GROUP BY ALL ORDER BY month
    """
    out = con.execute(query).df().set_index("month")
    out["repeat share of orders"] = out["repeat_orders"] / out["orders"]
    out["repeat share of revenue"] = out["repeat_revenue"] / out["revenue"]
    return out


def repeat_share(source: pd.DataFrame, *, last_months: int | None = 12, measure: str = "orders",
                 n_boot: int = 1000, seed: int = 2024, level: float = 0.95) -> Estimate:
    """Share of orders (or revenue) from repeat customers over the last *last_months*
    months of the log, with a cluster bootstrap over customers."""
    tx = source[["customer_id", "date", "amount"]].copy()
    tx["day"] = pd.to_datetime(tx["date"]).dt.normalize()
    tx["repeat"] = tx["day"] > tx.groupby("customer_id")["day"].transform("min")
    if last_months:
        start = tx["day"].max() - pd.DateOffset(months=last_months)
        tx = tx[tx["day"] > start]
    weight = tx["amount"] if measure == "revenue" else pd.Series(1.0, index=tx.index)
    per = pd.DataFrame({"total": weight, "rep": weight.where(tx["repeat"], 0.0),
                        "customer_id": tx["customer_id"]}).groupby("customer_id").sum()
    value, lo, hi = ratio_bootstrap(per["rep"].to_numpy(), per["total"].to_numpy(),
                                    n_boot=n_boot, seed=seed, level=level)
    window = f"last {last_months} months" if last_months else "whole log"
    return Estimate(f"share of {measure} from repeat customers ({window})", value, lo, hi,
                    len(per),
                    f"ratio of sums, cluster bootstrap over customers ({n_boot})", level)


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
    :class:`cxlib.sample.TransactionParams`.
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
    draws are those of the unchanged business when ``lift`` = 1: the same log as
    :func:`cxlib.sample.transactions` for the same parameters and generator, except that
    amounts use ``np.exp`` where the sample uses its machine-independent ``exp_portable``
    (a last-bit difference, which rounding to cents almost always removes).
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
    dates = start + pd.to_timedelta(np.floor(t * 30.44).astype(np.int64), unit="D")
    return pd.DataFrame({
        "customer_id": [f"T{i:05d}" for i in owner],
        "date": dates.strftime("%Y-%m-%d"),
        "amount": np.round(p.amount_median * np.exp(0.6 * rng.standard_normal(owner.size)), 2),
        "quantity": 1 + rng.poisson(0.5, owner.size),
        "order_id": [f"ORD{i:06d}" for i in range(owner.size)],
    })


def simulate_repeat_share(months: int = 60, growth: float = 0.0, seed: int = 1,
                          **params) -> pd.DataFrame:
    """Monthly repeat share for a simulated business whose customers' repurchase
    behaviour never changes (see :class:`BusinessParams`)."""
    p = BusinessParams(months=months, growth=growth, **params)
    tx = simulate_log(p, np.random.default_rng(seed))
    return repeat_share_by_month(tx).iloc[:months]  # drop the partial month at the end


@dataclass(frozen=True)
class AgeingBaseline:
    """The repeat share of the final window against a constant-behaviour base of the
    same age (module docstring): ``observed`` S, ``expected`` E, ``difference`` D = S − E,
    the BG/NBD ``fit`` on the history before the window, and the counts behind them."""

    observed: Estimate
    expected: Estimate
    difference: Estimate
    fit: ModelFit
    counts: dict

    def table(self) -> pd.DataFrame:
        """The three figures as rows (value and interval)."""
        return pd.DataFrame([e.as_row() for e in (self.observed, self.expected,
                                                  self.difference)]).set_index("figure")


@dataclass(frozen=True)
class _Window:
    """Per-customer totals around the window start s (arrays indexed by customer)."""

    x: np.ndarray          # repeat purchase days up to s (old customers)
    t_x: np.ndarray
    T: np.ndarray
    old: np.ndarray        # bought by s
    age: np.ndarray        # new customers: time from first purchase to the end
    first_orders: np.ndarray   # orders on the first day, new customers only
    cal_repeat_orders: np.ndarray
    win_orders: np.ndarray
    win_repeat_orders: np.ndarray
    length: float          # window length
    start: pd.Timestamp
    end: pd.Timestamp


def _window(source: pd.DataFrame, window_months: int, unit_days: float) -> _Window:
    day = pd.to_datetime(source["date"]).dt.normalize().to_numpy()
    if len(day) == 0:
        raise NotEstimable("the log has no orders (n = 0)")
    code, ids = pd.factorize(source["customer_id"])
    end = pd.Timestamp(day.max())
    start = end - pd.DateOffset(months=window_months)
    n = len(ids)
    first = pd.Series(day).groupby(code).min().reindex(range(n)).to_numpy()
    is_first = day == first[code]
    before = day <= start.to_datetime64()
    cal_days = pd.DataFrame({"c": code[before], "d": day[before]}).drop_duplicates()
    last = cal_days.groupby("c")["d"].max().reindex(range(n)).to_numpy()
    count = np.bincount(cal_days["c"], minlength=n)
    old = count > 0

    def units(delta: np.ndarray) -> np.ndarray:  # a time difference in units of unit_days
        return delta / np.timedelta64(1, "D") / unit_days

    return _Window(
        x=np.maximum(count - 1, 0).astype(float), t_x=np.where(old, units(last - first), 0.0),
        T=np.where(old, units(start.to_datetime64() - first), 0.0), old=old,
        age=np.where(old, 0.0, units(end.to_datetime64() - first)),
        first_orders=np.bincount(code, (~old[code] & is_first).astype(float), minlength=n),
        cal_repeat_orders=np.bincount(code, (before & ~is_first).astype(float), minlength=n),
        win_orders=np.bincount(code, (~before).astype(float), minlength=n),
        win_repeat_orders=np.bincount(code, (~before & ~is_first).astype(float), minlength=n),
        length=(end - start).days / unit_days, start=start, end=end)


def _expected_repeat_days(fit: ModelFit, w: _Window) -> np.ndarray:
    """Per customer, the repeat purchase days the model expects in the window."""
    out = np.zeros(len(w.old))
    out[w.old] = bgnbd_expected(fit, w.length, w.x[w.old], w.t_x[w.old], w.T[w.old])
    out[~w.old] = bgnbd_expected_new(fit, w.age[~w.old])
    return out


def ageing_baseline(source: pd.DataFrame, *, window_months: int = 12, unit_days: float = 7.0,
                    level: float = 0.95) -> AgeingBaseline:
    """Observed repeat share of orders in the last *window_months* months against the share
    a constant-behaviour base of the same age gives (module docstring); raises
    :class:`NotEstimable` when the log cannot support the comparison."""
    w = _window(source, window_months, unit_days)
    orders = w.win_orders.sum()
    if orders == 0:
        raise NotEstimable(f"no orders in the last {window_months} months")
    if not w.old.any():
        raise NotEstimable(f"no customer bought before the last {window_months} months, so "
                           f"there is no history to calibrate the baseline on")
    fit = fit_bgnbd(w.x[w.old], w.t_x[w.old], w.T[w.old], unit=f"{unit_days:g} days",
                    strict=False)  # predictions need only the identified directions
    r_i = _expected_repeat_days(fit, w)
    Y, W = w.win_repeat_orders.sum(), orders
    Q, P, F = w.cal_repeat_orders.sum(), w.x[w.old].sum(), w.first_orders.sum()
    R = r_i.sum()
    M = Q / P
    G = R * M
    S, E = Y / W, G / (G + F)
    # linearisation: customer i's contribution to D = S − E
    dE_dG, dE_dF = F / (G + F) ** 2, -G / (G + F) ** 2
    grad_R = _gradient_in_log_params(lambda f: _expected_repeat_days(f, w).sum(), fit)
    scores = np.zeros((len(w.old), 4))
    scores[w.old] = bgnbd_scores(fit, w.x[w.old], w.t_x[w.old], w.T[w.old])
    r_lin = r_i + scores @ fit.cov_log @ grad_R
    z_S = (w.win_repeat_orders - S * w.win_orders) / W
    z_E = dE_dG * (M * r_lin + R / P * w.cal_repeat_orders - R * Q / P**2 * w.x * w.old) \
        + dE_dF * w.first_orders
    n = len(w.old)
    q = stats.norm.ppf(0.5 + level / 2)

    def interval(z: np.ndarray, value: float, figure: str, method: str) -> Estimate:
        se = float(np.sqrt(n / (n - 1) * ((z - z.mean()) ** 2).sum()))
        return Estimate(figure, float(value), float(value - q * se), float(value + q * se), n,
                        method, level)

    window = f"last {window_months} months"
    method = ("constant-behaviour baseline: BG/NBD fitted before the window, observed inflow; "
              "delta-method interval over customers")
    counts = {"customers": n, "customers before the window": int(w.old.sum()),
              "new customers in the window": int((~w.old).sum()),
              "orders in the window": int(W), "repeat orders in the window": int(Y),
              "expected repeat orders": float(G), "first orders of new customers": int(F),
              "orders per repeat purchase day": float(M),
              "window": f"{w.start.date()} to {w.end.date()}"}
    return AgeingBaseline(
        interval(z_S, S, f"share of orders from repeat customers ({window})",
                 "ratio of sums, delta method over customers"),
        interval(z_E, E, f"share expected from a constant-behaviour base ({window})", method),
        interval(z_S - z_E, S - E, "repeat share minus the share a constant-behaviour base of "
                                   "the same age gives", method),
        fit, counts)


def _gradient_in_log_params(g, fit: ModelFit, step: float = 1e-5) -> np.ndarray:
    """∂g(fit)/∂ log θ by central differences."""
    out = np.empty(len(fit.params))
    for k in range(len(fit.params)):
        up, down = fit.params.copy(), fit.params.copy()
        up.iloc[k] *= np.exp(step)
        down.iloc[k] *= np.exp(-step)
        out[k] = (g(replace(fit, params=up)) - g(replace(fit, params=down))) / (2 * step)
    return out
