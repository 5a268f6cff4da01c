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
