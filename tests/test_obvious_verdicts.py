"""Tried as a new user would: files in which the right answer is obvious, run through
`cxlib run`, give the obvious verdict (and a small file gives an honest "inconclusive")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import results_of

from cxlib.app.runner import run

pytestmark = pytest.mark.notebooks


def ledger(n_left: int, service_share: float, lift: float, per_arm: int, seed: int) -> pd.DataFrame:
    """A customer ledger whose leavers name poor service in exactly *service_share* of cases
    and whose randomised thank-you note lifts repurchase by exactly *lift*."""
    rng = np.random.default_rng(seed)
    n = max(2 * per_arm, n_left)
    left = np.arange(n) < n_left
    service = np.arange(n) < round(service_share * n_left)
    reasons = np.where(service, "poor service",
                       rng.choice(["price", "moved", "better product elsewhere"], n))
    note = np.arange(n) % 2
    base = 0.30
    buys = np.where(note == 1, np.arange(n) // 2 < round((base + lift) * (n // 2)),
                    np.arange(n) // 2 < round(base * (n // 2)))
    return pd.DataFrame({
        "customer_id": [f"K{i:05d}" for i in range(n)],
        "acquired_on": "2022-01-01",
        "churned_on": np.where(left, "2023-06-30", ""),
        "churn_reason": np.where(left, reasons, ""),
        "followup_note": note, "repurchased": buys.astype(int)})


def verdicts(tmp_path, name: str, frame: pd.DataFrame, books: list[str]) -> dict:
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False)
    done = run(books, data={"customers": str(path)}, out=tmp_path / name, log=lambda _: None)
    assert all(r.ok for r in done), [r.error for r in done]
    return {(r["claim"], r["key"]): r for r in results_of(tmp_path / name)
            if r["data"] == path.name}


def test_obvious_files_get_the_obvious_verdicts(tmp_path):
    # 68% of 1,500 leavers name poor service; a thank-you note lifts repurchase by 10 points
    # among 4,000 customers: both claims hold, and the data pin them down
    holds = verdicts(tmp_path, "holds", ledger(1500, 0.68, 0.10, 2000, 1), ["06", "10"])
    assert holds["DEF-1", "service_share"]["verdict"] == "supported"
    assert holds["REL-1", "itt_lift"]["verdict"] == "supported"
    # 20% name poor service; the note changes nothing among 40,000 customers
    fails = verdicts(tmp_path, "fails", ledger(1500, 0.20, 0.0, 20000, 2), ["06", "10"])
    assert fails["DEF-1", "service_share"]["verdict"] == "not supported"
    assert fails["REL-1", "itt_lift"]["verdict"] == "not supported"  # negligible, not "refuted"
    # 40 leavers and 100 customers per arm: nothing can be pinned down either way
    small = verdicts(tmp_path, "small", ledger(40, 0.68, 0.05, 100, 3), ["06", "10"])
    for key in (("DEF-1", "service_share"), ("REL-1", "itt_lift")):
        assert small[key]["verdict"] == "inconclusive", small[key]
        assert small[key]["n_to_decide"] > small[key]["n"]


def contact_log(n: int, share_in_time: float) -> pd.DataFrame:
    """*n* phone calls over five days, answered within 5 s in *share_in_time* of cases and
    after 90 s otherwise."""
    fast = np.arange(n) < round(share_in_time * n)
    arrived = (pd.Timestamp("2024-03-04 08:00") + pd.to_timedelta(np.arange(n) % 5, "D")
               + pd.to_timedelta(np.arange(n) // 5 * 137, "s"))
    return pd.DataFrame({"contact_id": [f"T{i:05d}" for i in range(n)],
                         "arrived_at": arrived.strftime("%Y-%m-%d %H:%M:%S"),
                         "wait_seconds": np.where(fast, 5.0, 90.0),
                         "handle_seconds": 240.0, "abandoned": 0, "channel": "phone"})


def purchase_log(lift: float, first_month: int, seed: int) -> pd.DataFrame:
    """Two years of a BG/NBD business (Poisson purchases, dropout after a purchase); with
    *lift* every customer buys *lift* times as often in the final year."""
    from cxlib.stats.purchases import BusinessParams, simulate_log

    params = BusinessParams(months=24, first_month=first_month, dropout_beta=(1.0, 4.0),
                            lift=lift, lift_from=12 if lift != 1 else None)
    return simulate_log(params, np.random.default_rng(seed))


def run_files(tmp_path, name: str, frames: dict[str, pd.DataFrame], books: list[str]) -> dict:
    """Run *books* on the user files *frames* (kind → frame); the records of those files."""
    paths = {}
    for kind, frame in frames.items():
        paths[kind] = tmp_path / f"{name}_{kind}.csv"
        frame.to_csv(paths[kind], index=False)
    done = run(books, data={k: str(p) for k, p in paths.items()}, out=tmp_path / name, jobs=1,
               log=lambda _: None)
    assert all(r.ok for r in done), [r.error for r in done]
    names = {p.name for p in paths.values()}
    return {(r["claim"], r["key"]): r for r in results_of(tmp_path / name) if r["data"] in names}


def test_obvious_call_logs_and_purchase_logs_get_the_obvious_verdicts(tmp_path):
    # 1,000 calls all answered within 5 s meet "never hold a call over 30 s" (the old
    # two-sided rule called the standard unmet); customers who buy three times as often in
    # the final year put the repeat share far above what the age of the base gives
    holds = run_files(tmp_path, "holds", {"contacts": contact_log(1000, 1.0),
                                          "transactions": purchase_log(3.0, 60, 1)},
                      ["04", "08"])
    assert holds["STD-1", "within_standard"]["verdict"] == "supported"
    assert holds["STD-1", "within_standard"]["ci_low"] > 0.99
    beyond = holds["REP-1", "beyond_ageing"]
    assert beyond["verdict"] == "supported" and beyond["ci_low"] > 0.05, beyond
    # 40% of calls in time; a business whose customers never change: its repeat share is
    # about the claimed 75%, and all of it is what a base of that age gives
    fails = run_files(tmp_path, "fails", {"contacts": contact_log(1000, 0.4),
                                          "transactions": purchase_log(1.0, 150, 1)},
                      ["04", "08"])
    assert fails["STD-1", "within_standard"]["verdict"] == "not supported"
    assert fails["REP-1", "repeat_share"]["verdict"] == "supported"
    beyond = fails["REP-1", "beyond_ageing"]
    assert beyond["verdict"] == "not supported" and "too small to matter" in beyond["reason"]
