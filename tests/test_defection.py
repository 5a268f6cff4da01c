"""Reasons for leaving and the complaint iceberg: hand counts and coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib import defection, sample


def test_reason_shares_and_simultaneous_intervals():
    ledger = pd.DataFrame({"churned_on": pd.to_datetime(["2024-01-01"] * 100),
                           "churn_reason": ["price"] * 50 + ["poor service"] * 30
                           + ["other"] * 20})
    shares = defection.reason_shares(ledger)
    assert shares.loc["price", "share"] == 0.5
    assert (shares["ci_low"] < shares["share"]).all()
    assert (shares["share"] < shares["ci_high"]).all()
    from cxlib.uncertainty import wilson_ci

    # simultaneous intervals are wider than one-at-a-time ones
    _, lo, hi = wilson_ci(30, 100)
    assert shares.loc["poor service", "ci_high"] - shares.loc["poor service", "ci_low"] > hi - lo
    assert defection.service_share(ledger).value == pytest.approx(0.3)


def test_partly_service_counts_failures_too():
    ledger = pd.DataFrame({"churned_on": pd.to_datetime(["2024-01-01"] * 4),
                           "churn_reason": ["price", "price", "poor service", "other"],
                           "service_failures": [1, 0, 0, 2]})
    assert defection.partly_service_share(ledger).value == pytest.approx(0.75)


def test_service_share_interval_covers_the_planted_share():
    truth = sample.CustomerParams().reason_shares["poor service"]
    hits = []
    for seed in range(100):
        frame = sample.customers(sample.CustomerParams(n=800), np.random.default_rng(seed))
        frame["churned_on"] = pd.to_datetime(frame["churned_on"].replace("", None))
        frame["churn_reason"] = frame["churn_reason"].replace("", None)
        hits.append(defection.service_share(frame).covers(truth))
    assert 0.9 <= np.mean(hits) <= 0.99


def iceberg_survey(n, voice, rng):
    severity = rng.choice(list(voice), size=n)
    complained = rng.binomial(1, [voice[s] for s in severity])
    return pd.DataFrame({"had_problem": 1, "problem_severity": severity,
                         "complained": complained})


def test_iceberg_estimator_coverage():
    voice = {"minor": 0.1, "serious": 0.5}
    p = np.mean(list(voice.values()))  # equal severity shares
    truth = (1 - p) / p
    rng = np.random.default_rng(7)
    hits = [defection.iceberg_multiplier(iceberg_survey(300, voice, rng)).covers(truth)
            for _ in range(1000)]
    assert 0.92 <= np.mean(hits) <= 0.98  # Wilson coverage oscillates around 0.95


def test_voice_by_severity_by_hand():
    survey = pd.DataFrame({"had_problem": [1, 1, 1, 1, 0], "complained": [1, 0, 0, 0, 0],
                           "problem_severity": ["minor", "minor", "serious", "serious", None]})
    table = defection.voice_by_severity(survey)
    assert table.loc["all problems", "voice rate"] == 0.25
    assert table.loc["minor", "voice rate"] == 0.5
    assert defection.iceberg_multiplier(survey).value == pytest.approx(3.0)


def test_silent_share_among_leavers_when_churn_is_known():
    rng = np.random.default_rng(1)
    survey = iceberg_survey(400, {"minor": 0.2, "serious": 0.2}, rng)
    survey["churned"] = rng.binomial(1, 0.5, 400)
    est = defection.silent_share(survey)
    assert "lost customers" in est.figure and est.n == survey["churned"].sum()
