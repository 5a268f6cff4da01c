"""Ledger economics: ratios by hand, survival estimates against known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib import sample
from cxlib.retention import (
    LIFETIME_RATIO,
    cohort_retention,
    cost_ratios,
    kaplan_meier,
    lifetime_fit,
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
                          "churned_on": pd.to_datetime(["2023-07-02", None, None]),
                          "acquisition_cost": [100.0, 200.0, 300.0],
                          "retention_spend": [20.0, 20.0, 0.0]})
    r = cost_ratios(frame, n_boot=50)
    years = (182 + 365 + 0) / 365.25
    life = lifetime_fit(np.array([182, 365, 0]) / 365.25, np.array([1, 0, 0]))[2]
    assert r["acquisition cost per customer"].value == pytest.approx(200)
    assert r["retention cost per customer-year"].value == pytest.approx(40 / years)
    assert r["expected customer lifetime"].value == pytest.approx(life)
    assert r[LIFETIME_RATIO].value == pytest.approx(200 / (40 / years * life))


def test_lifetime_without_heterogeneity_is_the_exponential_estimate():
    rng = np.random.default_rng(4)
    t = rng.exponential(2.0, 4000)
    censor = rng.uniform(0, 6, 4000)
    years, left = np.minimum(t, censor), (t <= censor).astype(int)
    r, _alpha, mean = lifetime_fit(years, left)
    assert mean == pytest.approx(years.sum() / left.sum(), rel=0.02)
    assert mean == pytest.approx(2.0, rel=0.06) and r > 20  # r → ∞: no heterogeneity


def test_lifetime_recovers_gamma_heterogeneity():
    rng = np.random.default_rng(5)
    rates = rng.gamma(3.0, 1 / 4.0, 20000)  # r = 3, α = 4: E[T] = 4 / (3 − 1) = 2
    t = rng.exponential(1 / rates)
    censor = rng.uniform(0, 8, 20000)
    r, alpha, mean = lifetime_fit(np.minimum(t, censor), (t <= censor).astype(int))
    assert (r, alpha, mean) == pytest.approx((3.0, 4.0, 2.0), rel=0.1)


def test_no_leavers_means_no_lifetime():
    frame = pd.DataFrame({"acquired_on": pd.to_datetime(["2023-01-01", "2023-06-01"]),
                          "churned_on": pd.to_datetime([None, None]),
                          "acquisition_cost": [100.0, 200.0], "retention_spend": [20.0, 5.0]})
    r = cost_ratios(frame, n_boot=20)
    assert r[LIFETIME_RATIO].problem and "no customer has left" in r[LIFETIME_RATIO].problem


def test_the_ratio_does_not_depend_on_the_calendar_unit():
    # counting days instead of years changes the rate R and the lifetime E[T] inversely
    rng = np.random.default_rng(6)
    years = rng.exponential(3, 500)
    left = (rng.random(500) < 0.6).astype(int)
    in_days = lifetime_fit(years * 365.25, left)[2] / 365.25
    assert in_days == pytest.approx(lifetime_fit(years, left)[2], rel=1e-5)


def test_cost_ratio_interval_covers_the_planted_ratio():
    truth = sample.planted_cost_ratio(sample.CustomerParams())
    hits = [cost_ratios(ledger(800, seed), n_boot=300)[LIFETIME_RATIO].covers(truth)
            for seed in range(40)]
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
