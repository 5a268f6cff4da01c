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
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

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


def simulate_repeat_share(months: int = 60, growth: float = 0.0, seed: int = 1,
                          **params) -> pd.DataFrame:
    """Monthly repeat share for a simulated business whose customers' repurchase
    behaviour never changes (see :class:`cxlib.sample.TransactionParams`)."""
    from .sample import TransactionParams, transactions

    p = TransactionParams(months=months, growth=growth, **params)
    tx = transactions(p, np.random.default_rng(seed))
    return repeat_share_by_month(tx).iloc[:months]  # drop the partial month at the end
