"""Repeat business from a transaction log: per-customer summaries and the repeat share.

Per-customer summary (the RFM summary of Fader, Hardie & Lee). It and the monthly repeat
share are SQL queries written once, in DuckDB's dialect (:data:`SUMMARY_SQL`,
:data:`MONTHLY_SQL`), and run where the log is (:func:`_run_query`): a DataFrame or a
Parquet/CSV file in an embedded DuckDB, so that tens of millions of rows take seconds; a
table in Spark or a warehouse (an Ibis table or a Spark DataFrame) on that engine, the text
transpiled to its dialect by Ibis and sqlglot. Purchases are first grouped per customer and
calendar day, then:

* ``frequency`` = number of purchase days − 1 (repeat purchase days);
* ``recency`` = last purchase day − first purchase day, in days;
* ``T`` = end of observation (by default the day of the last order) − first purchase day,
  in days;
* ``monetary_value`` = mean spend per repeat purchase day (0 with no repeat);

the same definitions as ``lifetimes.utils.summary_data_from_transaction_data``
(benchmarks/repeat_summary.py checks the numbers agree).

The **repeat share** of a month is the share of its orders (or revenue) placed by
customers who had bought on an earlier day. Its interval resamples whole customers
(a cluster bootstrap), because one customer's orders are not independent.

**A single acquisition cohort** (every customer acquired at the start, as in the CDNOW
panel) cannot give REP-1's figure, the share of a business that keeps acquiring customers.
In a window with no new customer every order is a repeat order by construction; over the
whole log of such a cohort (no first purchase in its second half,
:func:`cxlib.data.designs.single_cohort`) the share measures how long the cohort was
followed. :func:`repeat_share`, :func:`ageing_baseline` and :func:`repeat_share_ahead` then
give "not testable" with the reason (:func:`_cohort_problem`), and
:func:`share_by_log_end` shows the whole-log share as a description: Σ repeat orders /
Σ orders over the months up to each possible end of the log.

**The share that ageing alone gives** (:func:`ageing_baseline`). A repeat share rises
as a customer base ages even when nobody changes behaviour. The baseline asks what the
share of orders in the final window (the last *w* months, from s to the end) would be
had every customer kept the behaviour they showed before it:

* repurchase behaviour: a BG/NBD model (:mod:`cxlib.stats.customer_base`) fitted to the
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
exactly, as ageing then makes every order a repeat order: the figure is then not
testable (:func:`_cohort_problem`), as it is when the BG/NBD fit is not identified
(:func:`cxlib.stats.customer_base.require_identified`).

**The share to expect from here on** (:func:`repeat_share_ahead`). The same model looks
forward: a BG/NBD fitted to every customer's whole history, customers who keep that
behaviour, and new customers arriving at a rate ν per time unit (by default the rate of the
last 12 months), each with as many first-day orders f as so far. Over the next H:

* expected repeat purchase days R = Σ E[X(T, T+H) | x, t_x, T] + ν ∫₀^H E[X(v)] dv (a new
  customer arriving at H − v has v left; 64-point Gauss–Legendre);
* expected share of orders E = R·m / (R·m + ν·H·f), m the repeat orders per repeat
  purchase day so far.

With no inflow (a closed cohort) E = 1 by construction, and the figure is not testable.
Its interval carries the uncertainty of the BG/NBD
estimate θ̂ (delta method, ∇E' Σ ∇E with Σ the inverse information of log θ̂) and takes the
histories, m, f and ν as given: a projection under an assumed inflow, not a forecast of it.

The constant-behaviour business of :func:`simulate_log` (the engine of
:func:`simulate_repeat_share`) lives here, on the analysis side.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from cxlib.data.designs import acquired_early
from cxlib.errors import NotEstimable, UserDataError
from cxlib.stats.customer_base import (
    ModelFit,
    bgnbd_expected,
    bgnbd_expected_new,
    bgnbd_scores,
    fit_bgnbd,
    require_identified,
)
from cxlib.stats.estimates import Estimate, Fit, Result
from cxlib.stats.purchases import BusinessParams, simulate_log
from cxlib.stats.uncertainty import ratio_bootstrap
from cxlib.stats.units import DAYS_PER_MONTH

SUMMARY_SQL = """
WITH days AS (
    SELECT customer_id, CAST(date AS DATE) AS day, SUM(amount) AS value
    FROM tx WHERE CAST(date AS DATE) <= {end}
    GROUP BY customer_id, CAST(date AS DATE)
), firsts AS (
    SELECT customer_id, MIN(day) AS first_day FROM days GROUP BY customer_id
)
SELECT d.customer_id,
       COUNT(*) - 1 AS frequency,
       date_diff('day', f.first_day, MAX(d.day)) AS recency,
       date_diff('day', f.first_day, {end}) AS "T",
       COALESCE(SUM(d.value) FILTER (WHERE d.day > f.first_day)
                / NULLIF(COUNT(*) - 1, 0), 0) AS monetary_value,
       f.first_day AS first_purchase,
       MAX(d.day) AS last_purchase,
       SUM(d.value) AS total_spend
FROM days d JOIN firsts f USING (customer_id)
GROUP BY d.customer_id, f.first_day
ORDER BY d.customer_id
"""
"""The per-customer summary (module docstring) of view ``tx`` up to the day ``{end}`` (a
DATE expression: :data:`LAST_DAY` or a literal), in DuckDB's dialect: the one definition that
every engine runs (:func:`_run_query`)."""

MONTHLY_SQL = """
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
       COUNT(DISTINCT customer_id) AS customers,
       COUNT(DISTINCT CASE WHEN day = first_day THEN customer_id END) AS new_customers
FROM t GROUP BY date_trunc('month', day) ORDER BY month
"""
"""Orders, revenue and customers per calendar month, those from repeat customers (an
order on a day after the customer's first purchase day) and the customers whose first
purchase falls in the month, over view ``tx``."""

LAST_DAY = "(SELECT CAST(MAX(date) AS DATE) FROM tx)"
"""The day of the last transaction: the default end of observation."""

COLUMNS = ("customer_id", "date", "amount")
"""The columns of a transaction log that the queries read."""


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


def _engine_of(source) -> str | None:
    """'ibis' for an Ibis table, 'spark' for a Spark DataFrame, None for a frame or path
    (read by the embedded DuckDB), told apart without importing either library."""
    module = type(source).__module__
    if module.startswith("ibis."):
        return "ibis"
    if module.startswith("pyspark."):
        return "spark"
    return None


def _on_backend(table, sql: str) -> pd.DataFrame:
    """Run *sql* on an Ibis *table* where it lives (Ibis transpiles it from DuckDB's dialect
    with sqlglot); a table lacking a column of :data:`COLUMNS` raises UserDataError."""
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise UserDataError(
            f"the transaction table has no column {', '.join(map(repr, missing))} (it has "
            f"{', '.join(table.columns)}); cxlib reads {', '.join(COLUMNS)}: rename them "
            "first, e.g. table.rename(customer_id='cust', date='order_ts', amount='value')")
    return table.select(*COLUMNS).alias("tx").sql(sql, dialect="duckdb").to_pandas()


def _on_spark(frame, sql: str) -> pd.DataFrame:
    """Run *sql* on a Spark DataFrame, through a temporary view read by ``ibis.pyspark``."""
    import uuid

    import ibis

    name = f"cxlib_tx_{uuid.uuid4().hex}"
    frame.createOrReplaceTempView(name)
    try:
        return _on_backend(ibis.pyspark.connect(frame.sparkSession).table(name), sql)
    finally:
        frame.sparkSession.catalog.dropTempView(name)


def _run_query(source, sql: str) -> pd.DataFrame:
    """Run *sql* (DuckDB's dialect, reading the transaction log as view ``tx``) on *source*.

    A DataFrame or a Parquet/CSV path is read by an embedded DuckDB, which runs *sql* as
    written (neither Ibis nor Spark is imported). An Ibis table
    (``ibis.pyspark.connect(spark).table("db.tx")``, or a Postgres, Snowflake, BigQuery …
    table) or a Spark DataFrame is queried where it lives: Ibis transpiles *sql* with sqlglot
    from DuckDB's dialect to the table's engine, which runs it, and only the result comes
    back. So each query is written once for every engine."""
    engine = _engine_of(source)
    if engine == "ibis":
        return _on_backend(source, sql)
    if engine == "spark":
        return _on_spark(source, sql)
    con = duckdb.connect()
    _relation(con, source)
    return con.execute(sql).df()


def _ordered(out: pd.DataFrame, key: str) -> pd.DataFrame:
    """*out* indexed by *key* in ascending order (the queries' ORDER BY, which an engine that
    runs them as a subquery need not keep)."""
    if not out[key].is_monotonic_increasing:
        out = out.sort_values(key)
    return out.set_index(key)


SUMMARY_UNITS = {"frequency": "frequency (repeat purchase days)", "recency": "recency (days)",
                 "T": "T (days)", "monetary_value": "monetary value (revenue per repeat purchase)",
                 "total_spend": "total spend (revenue)"}
"""The columns of :func:`customer_summary` named with their units, for display."""


def customer_summary(source, observation_end: str | pd.Timestamp | None = None) -> Fit:
    """Per-customer frequency, recency, T, monetary value, first/last purchase and spend
    (module docstring; the query is :data:`SUMMARY_SQL`), one row per customer in the
    result's table. *source*: a DataFrame, a Parquet/CSV path, an Ibis table or a Spark
    DataFrame (:func:`_run_query`)."""
    table = _summary(source, observation_end)
    end = "the last order" if observation_end is None else str(
        pd.Timestamp(observation_end).date())
    return Fit(table=table, n=len(table), value="frequency", title="Customers' histories",
               method=f"per-customer summary of purchase days up to {end} (recency and T in "
                      "days)")


def _summary(source, observation_end: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """The table of :func:`customer_summary`."""
    end = (LAST_DAY if observation_end is None else
           f"DATE '{pd.Timestamp(observation_end).date().isoformat()}'")
    out = _ordered(_run_query(source, SUMMARY_SQL.format(end=end)), "customer_id")
    for col in ("frequency", "recency", "T", "monetary_value", "total_spend"):
        out[col] = out[col].astype(float)
    for col in ("first_purchase", "last_purchase"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[us]")
    return out


def repeat_share_by_month(source) -> Fit:
    """Orders, revenue and customers per month, and the share from repeat customers
    (:data:`MONTHLY_SQL`), one row per month. *source*: as for :func:`customer_summary`."""
    table = _monthly(source)
    return Fit(table=table, n=int(table["orders"].sum()), value="repeat share of orders",
               method="orders on a day after the customer's first purchase day, per month",
               title="Repeat share by month")


def _monthly(source) -> pd.DataFrame:
    """The table of :func:`repeat_share_by_month`."""
    out = _run_query(source, MONTHLY_SQL)
    out["month"] = pd.to_datetime(out["month"]).astype("datetime64[us]")
    out = _ordered(out, "month")
    for col in ("orders", "repeat_orders", "customers", "new_customers"):
        out[col] = out[col].astype("int64")
    for col in ("revenue", "repeat_revenue"):
        out[col] = out[col].astype(float)
    out["repeat share of orders"] = out["repeat_orders"] / out["orders"]
    out["repeat share of revenue"] = out["repeat_revenue"] / out["revenue"]
    return out


REP1_SCOPE = ("REP-1 is about the share of a business that keeps acquiring customers, which "
              "a single cohort cannot show")
"""What a single acquisition cohort cannot show, said under every not-testable REP-1 figure."""


def _cohort_problem(first: pd.Series, start: pd.Timestamp | None, end: pd.Timestamp
                   ) -> str | None:
    """Why the window (*start*, *end*] of a log, whose customers made their first purchases
    on the days *first* (one per customer), cannot show REP-1's figure; None when it can.

    A window (*start* given) must have new customers: without any, every order in it is a
    repeat order by construction. The whole log (*start* None) must not be a single
    acquisition cohort (:func:`cxlib.data.designs.single_cohort`: no first purchase in the
    log's second half), whose share only measures how long the cohort was followed."""
    first = pd.to_datetime(pd.Series(first))
    begin, last = first.min().date(), first.max().date()
    if start is not None:
        if (first > start).any():
            return None
        return (f"no new customers in the window judged ({start.date()} to {end.date()}): "
                f"every customer made their first purchase by {last}, so every order in the "
                f"window is a repeat order by construction and its share measures how long "
                f"this single acquisition cohort was followed, not how loyal it is")
    if not acquired_early(first, first.min(), end):
        return None
    return (f"this log is a single acquisition cohort: every customer made their first "
            f"purchase between {begin} and {last}, in the first half of a log that runs to "
            f"{end.date()}, so the share of the whole log measures how long the cohort was "
            f"followed (the longer, the higher: cx.repeat.share_by_log_end), not how loyal "
            f"it is")


def summary_repeat_share(summary: pd.DataFrame, unit: str = "") -> Estimate:
    """REP-1's repeat share from a customer *summary* (its customers observed for ``T`` time
    units from each one's first transaction; a row stands for ``customers`` customers when
    the column is there): always not testable, since a summary has no orders by date; the
    reason says so, and when no customer joined in the second half of the observation (the
    shortest T at least half the longest, :func:`cxlib.data.designs.acquired_early`) that it
    is a single acquisition cohort. Its n counts customers, not rows."""
    figure = "share of orders from repeat customers"
    T = summary["T"]
    reason = _summary_cohort_problem(T, unit) or (
        "a customer summary has no orders by date, so the share of orders from repeat "
        "customers cannot be computed from it")
    count = summary["customers"] if "customers" in summary else pd.Series(1, index=T.index)
    return Estimate.untestable(figure, reason, int(count[T.notna()].sum()))


def _summary_cohort_problem(T: pd.Series, unit: str = "") -> str | None:
    """Why a customer summary is a single acquisition cohort; None when it is not one."""
    T = pd.to_numeric(pd.Series(T), errors="coerce").dropna()
    longest = float(T.max()) if len(T) else 0.0
    if not acquired_early(longest - T, 0.0, longest):
        return None
    units = f" {unit}s" if unit else ""
    span = (f"{T.min():g}{units}" if T.min() == longest
            else f"between {T.min():g} and {longest:g}{units}")
    return (f"this summary is a single acquisition cohort: every customer was followed for "
            f"{span} from their first transaction, so nobody joined in the second half of the "
            f"observation and every later transaction is a repeat one by construction; "
            f"{REP1_SCOPE}")


def repeat_share(source: pd.DataFrame, *, last_months: int | None = 12, measure: str = "orders",
                 n_boot: int = 1000, seed: int = 2024, level: float = 0.95) -> Estimate:
    """Share of orders (or revenue) from repeat customers over the last *last_months*
    months of the log (None: the whole log), with a cluster bootstrap over customers (the
    estimate's ``n`` counts them: customers are the sampling units, so the sample size that
    would decide counts customers too).

    Not testable (:meth:`Estimate.untestable`) when the window has no new customers or the
    whole log is a single acquisition cohort (:func:`_cohort_problem`)."""
    tx = source[["customer_id", "date", "amount"]].copy()
    tx["day"] = pd.to_datetime(tx["date"]).dt.normalize()
    first = tx.groupby("customer_id")["day"].min()
    tx["repeat"] = tx["day"] > first.reindex(tx["customer_id"]).to_numpy()
    end = tx["day"].max()
    start = end - pd.DateOffset(months=last_months) if last_months else None
    if start is not None:
        tx = tx[tx["day"] > start]
    window = f"last {last_months} months" if last_months else "whole log"
    figure = f"share of {measure} from repeat customers ({window})"
    problem = _cohort_problem(first, start, end) if len(tx) else None
    if problem:
        return Estimate.untestable(figure, f"{problem}. {REP1_SCOPE}",
                                   int(tx["customer_id"].nunique()))
    weight = tx["amount"] if measure == "revenue" else pd.Series(1.0, index=tx.index)
    per = pd.DataFrame({"total": weight, "rep": weight.where(tx["repeat"], 0.0),
                        "customer_id": tx["customer_id"]}).groupby("customer_id").sum()
    value, lo, hi = ratio_bootstrap(per["rep"].to_numpy(), per["total"].to_numpy(),
                                    n_boot=n_boot, seed=seed, level=level)
    return Estimate(figure, value, lo, hi, len(per),
                    f"ratio of sums, cluster bootstrap over customers ({n_boot})", level)


def share_by_log_end(source, *, every: int = 3, measure: str = "orders") -> Fit:
    """The whole-log repeat share had the log ended at the end of each month: a description
    of how the figure depends on how long the log follows its customers, not an estimate.

    For each month m, share(m) = Σ repeat orders / Σ orders over the months up to m (orders
    as in :func:`repeat_share_by_month`; *measure* = "revenue": the same with revenue), with
    the customers acquired by then and since the previous row, and the share of what was
    ordered since the previous row. Every *every*-th month is shown, counted back from the
    last. *source*: as for :func:`customer_summary`."""
    if every < 1:
        raise ValueError(f"every must be a whole number of months ≥ 1, got {every!r}")
    if measure not in ("orders", "revenue"):
        raise ValueError(f"measure must be 'orders' or 'revenue', got {measure!r}")
    monthly = _monthly(source)
    if monthly.empty:
        raise NotEstimable("the log has no orders (n = 0)")
    total, repeat = measure, f"repeat_{measure}"
    cum = monthly[[total, repeat, "new_customers"]].cumsum()
    rows = np.arange(len(monthly) - 1, -1, -every)[::-1]
    shown, before = cum.iloc[rows], cum.iloc[rows].shift(fill_value=0)
    table = pd.DataFrame({
        "months followed": rows + 1,
        "customers acquired": shown["new_customers"],
        "new since the previous row": shown["new_customers"] - before["new_customers"],
        measure: shown[total],
        "repeat share of the whole log": shown[repeat] / shown[total],
        "repeat share since the previous row":
            (shown[repeat] - before[repeat]) / (shown[total] - before[total])})
    table.index = monthly.index[rows].to_period("M").rename("log ends")
    return Fit(table=table, n=int(monthly[total].sum()), value="repeat share of the whole log",
               method=f"Σ repeat {measure} ÷ Σ {measure} up to each end of the log",
               title="The whole-log repeat share, by where the log ends")


def simulate_repeat_share(months: int = 60, growth: float = 0.0, seed: int = 1,
                          **params) -> Fit:
    """Monthly repeat share for a simulated business whose customers' repurchase
    behaviour never changes (see :class:`BusinessParams`)."""
    p = BusinessParams(months=months, growth=growth, **params)
    tx = simulate_log(p, np.random.default_rng(seed))
    table = _monthly(tx).iloc[:months]  # drop the partial month at the end
    return Fit(table=table, n=int(table["orders"].sum()), value="repeat share of orders",
               method=f"simulated business with constant behaviour, acquisition growing "
                      f"{growth:.0%} a month (seed {seed})", title="Simulated repeat share")


@dataclass(frozen=True, kw_only=True, repr=False)
class SharePath(Fit):
    """:func:`share_path`: how a monthly repeat share climbs: the ``first`` month's share,
    the first month (counted from 1) at which it reaches ``reference`` (``month_reached``,
    None if never), and the mean (``settled``) and range (``settled_range``) of the last
    ``settled_months`` months; the table is the series."""

    first: float
    month_reached: int | None
    settled: float
    settled_range: tuple[float, float]
    reference: float
    settled_months: int


def share_path(shares: pd.Series, reference: float = 0.75, settled_months: int = 24
               ) -> SharePath:
    """How a monthly repeat share climbs (:class:`SharePath`)."""
    s = pd.Series(shares, dtype=float).dropna()
    if s.empty:
        raise ValueError("no monthly shares to describe")
    above = (s >= reference).to_numpy()
    tail = s.iloc[-settled_months:]
    return SharePath(table=s.rename("share").to_frame(), n=len(s), value="share",
                     method=f"months to {reference:.0%}; mean of the last {settled_months} "
                            "months", title=str(shares.name or "monthly share"),
                     first=float(s.iloc[0]),
                     month_reached=int(above.argmax()) + 1 if above.any() else None,
                     settled=float(tail.mean()),
                     settled_range=(float(tail.min()), float(tail.max())),
                     reference=reference, settled_months=settled_months)


@dataclass(frozen=True, repr=False)
class AgeingBaseline(Result):
    """The repeat share of the final window against a constant-behaviour base of the
    same age (module docstring): ``observed`` S, ``expected`` E, ``difference`` D = S − E
    (the table's three rows), the BG/NBD ``fit`` on the history before the window, and the
    counts behind them: ``customers`` (``before`` the window and ``new`` in it), the window's
    ``orders`` and ``repeat_orders``, the ``expected_repeat_orders``, the new customers'
    ``first_orders``, the ``orders_per_repeat_day`` before the window, and the ``window``."""

    observed: Estimate
    expected: Estimate
    difference: Estimate
    fit: ModelFit
    customers: int
    before: int
    new: int
    orders: int
    repeat_orders: int
    expected_repeat_orders: float
    first_orders: int
    orders_per_repeat_day: float
    window: str
    title: str = "Repeat share against a constant-behaviour base of the same age"

    @property
    def table(self) -> pd.DataFrame:
        """The three figures as rows (value and interval)."""
        return pd.DataFrame([e.as_row() for e in (self.observed, self.expected,
                                                  self.difference)]).set_index("figure")

    @property
    def n(self) -> int:
        return self.customers

    @property
    def method(self) -> str:
        return self.difference.method

    def facts(self) -> dict:
        return {"window": self.window}

    def estimate(self, row: str, *, figure: str | None = None, column: str | None = None,
                 unit: str = "") -> Estimate:
        est = {e.figure: e for e in (self.observed, self.expected, self.difference)}[row]
        return est.named(figure) if figure else est


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
    first: np.ndarray      # first purchase day


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
        length=(end - start).days / unit_days, start=start, end=end, first=first)


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
    problem = _cohort_problem(pd.Series(w.first), w.start, w.end)
    if problem:
        raise NotEstimable(f"{problem}; a constant-behaviour base of the same age then gives "
                           f"the same 100%, so the difference is 0 by construction, not a "
                           f"measurement. {REP1_SCOPE}")
    fit = require_identified(
        fit_bgnbd(w.x[w.old], w.t_x[w.old], w.T[w.old], unit=f"{unit_days:g} days",
                  strict=False), "the constant-behaviour baseline")
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
    return AgeingBaseline(
        interval(z_S, S, f"share of orders from repeat customers ({window})",
                 "ratio of sums, delta method over customers"),
        interval(z_E, E, f"share expected from a constant-behaviour base ({window})", method),
        interval(z_S - z_E, S - E, "repeat share minus the share a constant-behaviour base of "
                                   "the same age gives", method),
        fit, customers=n, before=int(w.old.sum()), new=int((~w.old).sum()), orders=int(W),
        repeat_orders=int(Y), expected_repeat_orders=float(G), first_orders=int(F),
        orders_per_repeat_day=float(M), window=f"{w.start.date()} to {w.end.date()}")


def _gradient_in_log_params(g, fit: ModelFit, step: float = 1e-5) -> np.ndarray:
    """∂g(fit)/∂ log θ by central differences."""
    out = np.empty(len(fit.params))
    for k in range(len(fit.params)):
        up, down = fit.params.copy(), fit.params.copy()
        up.iloc[k] *= np.exp(step)
        down.iloc[k] *= np.exp(-step)
        out[k] = (g(replace(fit, params=up)) - g(replace(fit, params=down))) / (2 * step)
    return out


_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)


def repeat_share_ahead(source: pd.DataFrame, *, months: int = 12,
                       inflow_per_month: float | None = None, unit_days: float = 7.0,
                       level: float = 0.95) -> Estimate:
    """The share of orders from repeat customers to expect over the next *months* months if
    nobody's behaviour changes and new customers arrive at *inflow_per_month* (default:
    the mean of the last 12 months of the log); module docstring. Raises
    :class:`NotEstimable` when the log cannot be modelled."""
    w = _window(source, 0, unit_days)  # every customer's history up to the end of the log
    month = DAYS_PER_MONTH / unit_days  # a month in time units
    horizon = months * month
    figure = (f"share of orders from repeat customers expected over the next {months} "
              f"months")
    assumed = inflow_per_month is not None
    if inflow_per_month is None:
        age = w.T  # time since the first purchase
        inflow_per_month = float((age < 12 * month).sum()) / 12  # new in the last 12 months
    if not np.isfinite(inflow_per_month) or inflow_per_month < 0:
        raise ValueError(f"the inflow must be a number of new customers per month ≥ 0, got "
                         f"{inflow_per_month!r}")
    if inflow_per_month == 0:
        why = ("with no new customers assumed" if assumed else
               "with no new customers in the last 12 months of the log (none assumed from "
               "here on)")
        return Estimate.untestable(
            figure, f"{why}, every future order is a repeat order by construction: the share "
                    f"is 100% whatever the customers' loyalty. Pass inflow_per_month= to "
                    f"project a base that keeps acquiring customers", len(w.x))
    fit = require_identified(fit_bgnbd(w.x, w.t_x, w.T, unit=f"{unit_days:g} days",
                                       strict=False), "the projected repeat share")
    nu = inflow_per_month / month
    orders = len(source)
    repeat_orders = w.cal_repeat_orders.sum()
    m = repeat_orders / w.x.sum()
    f = (orders - repeat_orders) / len(w.x)
    v = horizon * (_NODES + 1) / 2

    def share(fit_: ModelFit) -> float:
        days = (bgnbd_expected(fit_, horizon, w.x, w.t_x, w.T).sum()
                + nu * horizon / 2 * bgnbd_expected_new(fit_, v) @ _WEIGHTS)
        return float(days * m / (days * m + nu * horizon * f))

    value = share(fit)
    grad = _gradient_in_log_params(share, fit)
    se = float(np.sqrt(grad @ fit.cov_log @ grad))
    q = stats.norm.ppf(0.5 + level / 2)
    method = (f"BG/NBD on every history, {inflow_per_month:,.1f} new customers a month assumed; "
              f"delta method over the model's parameters")
    return Estimate(figure, value, max(value - q * se, 0.0), min(value + q * se, 1.0),
                    len(w.x), method, level)

