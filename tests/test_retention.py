"""Ledger economics: ratios by hand, survival estimates against known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib import sample
from cxlib.retention import (
    cohort_retention,
    cost_ratios,
    kaplan_meier,
    median_tenure_table,
    satisfaction_hazard,
    tenure,
    value_by_tenure,
)


def ledger(n=1500, seed=0, **params):
    frame = sample.customers(sample.CustomerParams(n=n, **params), np.random.default_rng(seed))
    for col in ("acquired_on", "churned_on"):
        frame[col] = pd.to_datetime(frame[col].replace("", None))
    return frame


def test_tenure_censors_active_customers():
    frame = pd.DataFrame({"acquired_on": pd.to_datetime(["2024-01-01", "2024-01-01"]),
                          "churned_on": pd.to_datetime(["2024-01-31", None])})
    out = tenure(frame, pd.Timestamp("2024-03-01"))
    assert out["days"].tolist() == [30, 60] and out["left"].tolist() == [1, 0]


def test_cost_ratios_by_hand():
    frame = pd.DataFrame({"acquired_on": pd.to_datetime(["2023-01-01"] * 2 + ["2024-01-01"]),
                          "churned_on": pd.to_datetime([None, None, None]),
                          "acquisition_cost": [100.0, 200.0, 300.0],
                          "retention_spend": [20.0, 20.0, 0.0]})
    r = cost_ratios(frame, n_boot=50)
    years = (365 + 365 + 0) / 365.25
    assert r["acquisition cost per customer"].value == pytest.approx(200)
    assert r["retention cost per customer-year"].value == pytest.approx(40 / years)
    assert r["acquisition ÷ retention cost"].value == pytest.approx(200 / (40 / years))


def test_cost_ratio_interval_covers_the_planted_ratio():
    truth = sample.planted_cost_ratio(sample.CustomerParams())
    hits = [cost_ratios(ledger(800, seed), n_boot=300)["acquisition ÷ retention cost"]
            .covers(truth) for seed in range(40)]
    assert np.mean(hits) >= 0.85


def test_cox_recovers_the_planted_hazard_ratio():
    truth = np.exp(sample.CustomerParams().sat_hazard)
    hits = [satisfaction_hazard(ledger(1200, seed)).covers(truth) for seed in range(30)]
    assert np.mean(hits) >= 0.85


def test_kaplan_meier_median_of_exponential_tenure():
    # no satisfaction or channel effect: monthly hazard 0.03 -> median ln2/0.03 = 23.1 months
    flat = {"search": 1, "social": 1, "referral": 1, "partner": 1}
    hits = []
    for seed in range(20):
        frame = ledger(1500, seed, sat_hazard=0.0, start="2015-01-01", channel_hazard=flat)
        table = median_tenure_table(kaplan_meier(frame))
        hits.append(table.loc["all", "ci_low"] <= np.log(2) / 0.03 <= table.loc["all", "ci_high"])
    assert np.mean(hits) >= 0.8


def test_logrank_detects_channel_differences():
    assert kaplan_meier(ledger(2000, 4), "acquisition_channel")["logrank_p"] < 0.05


def test_cohort_and_tenure_tables():
    frame = ledger(600, 5)
    cohorts = cohort_retention(frame, max_months=6)
    assert (cohorts[0].dropna() == 1).all()
    assert (cohorts.diff(axis=1).iloc[:, 1:].fillna(0) <= 1e-12).all().all()  # never rises
    assert value_by_tenure(frame)["customers"].sum() == len(frame)
