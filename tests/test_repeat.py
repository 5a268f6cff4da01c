"""Per-customer summaries against a slow pure-pandas reference; repeat shares by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib.repeat import (
    customer_summary,
    repeat_share,
    repeat_share_by_month,
    simulate_repeat_share,
)


def slow_summary(tx: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Row-by-row reference of the definitions in cxlib.repeat."""
    rows = {}
    for cid, g in tx.groupby("customer_id"):
        days = g.assign(day=g["date"].dt.normalize())
        days = days[days["day"] <= end].groupby("day")["amount"].sum().sort_index()
        first, last = days.index[0], days.index[-1]
        repeat = days.iloc[1:]
        rows[cid] = {"frequency": float(len(days) - 1), "recency": float((last - first).days),
                     "T": float((end - first).days),
                     "monetary_value": float(repeat.mean()) if len(repeat) else 0.0}
    return pd.DataFrame.from_dict(rows, orient="index")


@pytest.fixture
def random_log():
    rng = np.random.default_rng(42)
    n = 3000
    return pd.DataFrame({
        "customer_id": rng.integers(0, 400, n).astype(str),
        "date": pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
                + pd.to_timedelta(rng.integers(0, 86400, n), unit="s"),
        "amount": rng.gamma(2, 15, n).round(2)})


def test_summary_matches_the_slow_reference(random_log):
    end = pd.Timestamp("2023-09-30")
    fast = customer_summary(random_log, end)
    slow = slow_summary(random_log, end)
    fast = fast.loc[slow.index]
    pd.testing.assert_frame_equal(fast[["frequency", "recency", "T", "monetary_value"]],
                                  slow, check_dtype=False, check_names=False, atol=1e-9)


def test_summary_reads_parquet_and_csv(tmp_path, random_log):
    random_log.to_parquet(tmp_path / "t.parquet")
    random_log.assign(date=random_log["date"].dt.strftime("%Y-%m-%d")).to_csv(
        tmp_path / "t.csv", index=False)
    a = customer_summary(random_log)
    b = customer_summary(tmp_path / "t.parquet")
    c = customer_summary(tmp_path / "t.csv")
    assert a["frequency"].equals(b["frequency"])
    assert a["frequency"].sum() == c["frequency"].sum()


def test_repeat_share_by_hand():
    tx = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
                       "date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-10",
                                               "2024-01-10", "2024-02-03"]),
                       "amount": [10.0, 30.0, 5.0, 5.0, 20.0]})
    monthly = repeat_share_by_month(tx)
    assert monthly["repeat_orders"].tolist() == [0, 1]  # same-day orders are not repeats
    assert monthly["repeat share of revenue"].iloc[1] == pytest.approx(30 / 50)
    est = repeat_share(tx, last_months=None, n_boot=200)
    assert est.value == pytest.approx(1 / 5) and est.n == 3


def test_cluster_bootstrap_matches_the_ratio_estimator_standard_error(random_log):
    """Cluster sampling theory: SE(R) ≈ sqrt(Σ (y_i − R x_i)² / (n (n − 1) x̄²)),
    with y_i the customer's repeat orders and x_i all their orders."""
    est = repeat_share(random_log, last_months=None, n_boot=2000)
    tx = random_log.assign(day=random_log["date"].dt.normalize())
    tx["rep"] = tx["day"] > tx.groupby("customer_id")["day"].transform("min")
    per = tx.groupby("customer_id").agg(x=("rep", "size"), y=("rep", "sum"))
    n, r = len(per), per["y"].sum() / per["x"].sum()
    se = np.sqrt(((per["y"] - r * per["x"]) ** 2).sum() / (n * (n - 1) * per["x"].mean() ** 2))
    assert (est.ci_high - est.ci_low) / (2 * 1.96) == pytest.approx(se, rel=0.15)


def test_constant_behaviour_share_rises_as_the_base_ages():
    sim = simulate_repeat_share(months=48)
    share = sim["repeat share of orders"]
    assert len(sim) == 48
    assert share.iloc[2] < 0.5 < share.iloc[-1]
    assert share.iloc[-12:].mean() > share.iloc[:12].mean() + 0.2
