"""The distributed path: the per-customer summary and the monthly repeat share run on Spark
(local mode, one core) through Ibis and give the numbers of the embedded DuckDB path.

Spark needs a Java runtime (`apt-get install default-jre-headless`; .ci/run installs it);
without one these tests skip and say so. PySpark and Ibis come from the `spark` extra,
which `make test` installs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from cxlib.analyses.repeat import (
    LAST_DAY,
    MONTHLY_SQL,
    SUMMARY_SQL,
    customer_summary,
    repeat_share_by_month,
)
from cxlib.errors import UserDataError

LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


def java_available() -> bool:
    java_home = os.environ.get("JAVA_HOME")
    return bool(shutil.which("java") or (java_home and os.path.exists(
        os.path.join(java_home, "bin", "java"))))


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """A quiet Spark session on one local core, its temporary files under pytest's tmp."""
    if not java_available():
        if os.environ.get("CI"):
            pytest.fail("CI must run the distributed path, but there is no Java runtime: "
                        ".ci/run installs default-jre-headless; did apt-get fail?")
        pytest.skip("Spark needs a Java runtime and none was found (no java on PATH, no "
                    "JAVA_HOME): `apt-get install default-jre-headless`, as .ci/run does")
    from pyspark.sql import SparkSession

    tmp = tmp_path_factory.mktemp("spark")
    (tmp / "log4j2.properties").write_text(LOG4J)
    java_opts = f"-Djava.io.tmpdir={tmp} -Dlog4j2.configurationFile=file:{tmp}/log4j2.properties"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SPARK_LOCAL_IP", "127.0.0.1")  # loopback only, no hostname warning
        env.setenv("PYSPARK_PYTHON", sys.executable)
        env.setenv("PYSPARK_DRIVER_PYTHON", sys.executable)
        session = (SparkSession.builder.master("local[1]").appName("cxlib-tests")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.shuffle.partitions", "1")
                   .config("spark.default.parallelism", "1")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.sql.adaptive.enabled", "false")
                   .config("spark.sql.codegen.wholeStage", "false")
                   .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                   .config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.local.dir", str(tmp))
                   .config("spark.driver.extraJavaOptions", java_opts)
                   .getOrCreate())
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


@pytest.fixture(scope="module")
def log():
    """Timestamps within days, several orders on one day, string ids with leading zeros."""
    rng = np.random.default_rng(7)
    n = 1500
    return pd.DataFrame({
        "customer_id": [f"{i:05d}" for i in rng.integers(0, 200, n)],
        "date": pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 500, n), unit="D")
                + pd.to_timedelta(rng.integers(0, 86400, n), unit="s"),
        "amount": rng.gamma(2, 15, n).round(2)})


def same_numbers(embedded: pd.DataFrame, distributed: pd.DataFrame) -> None:
    """Same rows, columns, types and values; sums of money may differ in the last bit
    (Spark adds in another order), so those get a relative tolerance of 1e-12."""
    pd.testing.assert_frame_equal(embedded, distributed, check_exact=False, rtol=1e-12,
                                  atol=0)
    counts = [c for c in ("frequency", "recency", "T") if c in embedded]
    exact = embedded.select_dtypes(exclude="float").columns.tolist() + counts
    pd.testing.assert_frame_equal(embedded[exact], distributed[exact], check_exact=True)


def test_both_queries_on_a_spark_dataframe_match_duckdb(spark, log):
    frame = spark.createDataFrame(log)
    same_numbers(customer_summary(log).table, customer_summary(frame).table)
    monthly = repeat_share_by_month(frame).table
    same_numbers(repeat_share_by_month(log).table, monthly)
    assert monthly["repeat_orders"].sum() > 0 and len(monthly) == 17
    assert spark.catalog.listTables() == []  # the temporary view is gone


def test_a_catalog_table_through_ibis(spark, log):
    """What README shows: a table in Spark's catalog, read with ibis.pyspark, its columns
    renamed to cxlib's first; an observation end before the last order."""
    import ibis

    spark.createDataFrame(log.rename(columns={"customer_id": "cust", "date": "ts"})) \
        .createOrReplaceTempView("orders_log")
    table = ibis.pyspark.connect(spark).table("orders_log")
    with pytest.raises(UserDataError, match=r"no column 'customer_id', 'date'.*rename"):
        customer_summary(table)
    table = table.rename(customer_id="cust", date="ts")
    summary = customer_summary(log, "2022-11-30").table
    same_numbers(summary, customer_summary(table, "2022-11-30").table)
    # README: a summary too big to bring back stays in the warehouse as a lazy table
    lazy = table.alias("tx").sql(SUMMARY_SQL.format(end=LAST_DAY), dialect="duckdb")
    assert lazy.count().to_pandas() == customer_summary(log).table["frequency"].size


def test_the_queries_are_written_once_in_duckdb_dialect_and_transpile():
    """One text per query; sqlglot (through Ibis) turns it into each engine's SQL."""
    import sqlglot

    for dialect, marker in [("spark", "DATEDIFF"), ("snowflake", "IFF"), ("bigquery", "IF(")]:
        sql = sqlglot.transpile(SUMMARY_SQL.format(end="2024-01-31"), read="duckdb",
                                write=dialect)[0]
        assert marker in sql
        sqlglot.transpile(MONTHLY_SQL, read="duckdb", write=dialect)


def test_the_embedded_path_imports_neither_ibis_nor_spark():
    code = textwrap.dedent("""
        import sys
        import pandas as pd
        from cxlib.analyses.repeat import customer_summary, repeat_share_by_month
        tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [1.0, 2.0, 3.0],
                           "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05"])})
        assert customer_summary(tx).table["frequency"].tolist() == [1.0, 0.0]
        repeat_share_by_month(tx).table
        print(sorted(m for m in ("ibis", "pyspark", "sqlglot") if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
