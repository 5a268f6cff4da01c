"""Benchmark: per-customer summary of a large transaction log, cxlib (DuckDB) vs lifetimes.

    python benchmarks/repeat_summary.py [--rows 10000000] [--spark-rows 1000000]

Builds a synthetic log (customer, timestamp, amount), then times
``cxlib.analyses.repeat.customer_summary`` on the DataFrame and on a Parquet file, and, when
the ``lifetimes`` package is installed (``pip install lifetimes``; it is not a
dependency of cxlib), ``lifetimes.utils.summary_data_from_transaction_data`` on the
same input, and checks that the numbers are identical. Peak memory is the process's
maximum resident set size.

With ``--spark-rows N`` (the ``spark`` extra and a Java runtime needed) it also times the
same summary on Spark in local mode (all cores) on the first N rows, read from Parquet, and
checks it against DuckDB's; Spark's start-up is timed apart.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cxlib.analyses.repeat import customer_summary


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def make_log(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customers = max(1, rows // 8)
    return pd.DataFrame({
        "customer_id": rng.integers(0, customers, rows),
        "date": pd.Timestamp("2019-01-01")
        + pd.to_timedelta(rng.integers(0, 5 * 365 * 86400, rows), unit="s"),
        "amount": rng.gamma(2.0, 20.0, rows).round(2)})


def bench_spark(log: pd.DataFrame) -> None:
    """customer_summary on Spark in local mode against DuckDB, on the same Parquet file."""
    import os

    from pyspark.sql import SparkSession

    end = log["date"].max().normalize()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.parquet"
        log.to_parquet(path, coerce_timestamps="us")  # Spark does not read nanoseconds
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        start = time.perf_counter()
        spark = (SparkSession.builder.master("local[*]").appName("cxlib-bench")
                 .config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false")
                 .config("spark.sql.session.timeZone", "UTC")
                 .config("spark.sql.shuffle.partitions", "8")
                 .config("spark.local.dir", tmp)
                 .config("spark.driver.memory", "4g")
                 .getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        print(f"Spark local start-up:            {time.perf_counter() - start:6.2f} s")
        frame = spark.read.parquet(str(path))
        start = time.perf_counter()
        duck = customer_summary(path, end).table
        t_duck = time.perf_counter() - start
        for run in ("first", "second"):
            start = time.perf_counter()
            on_spark = customer_summary(frame, end).table
            print(f"cxlib on Spark (local, {len(log):,} rows, {run} run): "
                  f"{time.perf_counter() - start:6.2f} s")
        spark.stop()
    print(f"cxlib (DuckDB) on the same Parquet: {t_duck:6.2f} s")
    pd.testing.assert_frame_equal(duck, on_spark, check_exact=False, rtol=1e-12)
    print("Spark and DuckDB give the same summary")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--spark-rows", type=int, default=0,
                        help="also time Spark (local mode) on this many rows")
    args = parser.parse_args()
    if args.spark_rows:
        bench_spark(make_log(args.spark_rows))
    log = make_log(args.rows)
    end = log["date"].max().normalize()
    print(f"{args.rows:,} transactions, {log['customer_id'].nunique():,} customers")

    start = time.perf_counter()
    ours = customer_summary(log, end).table
    t_frame = time.perf_counter() - start
    print(f"cxlib (DuckDB) on the DataFrame: {t_frame:6.2f} s   peak RSS {peak_gb():.2f} GB")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.parquet"
        log.to_parquet(path)
        start = time.perf_counter()
        from_file = customer_summary(path, end).table
        t_file = time.perf_counter() - start
    print(f"cxlib (DuckDB) on Parquet:       {t_file:6.2f} s")
    assert from_file["frequency"].equals(ours["frequency"])

    try:
        from lifetimes.utils import summary_data_from_transaction_data
    except ImportError:
        print("lifetimes is not installed: `pip install lifetimes` to compare")
        return 0
    start = time.perf_counter()
    ref = summary_data_from_transaction_data(log, "customer_id", "date",
                                             monetary_value_col="amount",
                                             observation_period_end=end)
    t_ref = time.perf_counter() - start
    print(f"lifetimes:                       {t_ref:6.2f} s   peak RSS {peak_gb():.2f} GB")
    cols = ["frequency", "recency", "T", "monetary_value"]
    ours = ours.loc[ref.index, cols]
    diff = (ours - ref[cols]).abs().max()
    print("largest absolute difference per column:", diff.to_dict())
    assert (diff < 1e-6).all(), "summaries differ"
    print(f"identical numbers; lifetimes / cxlib time ratio: {t_ref / t_frame:.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
