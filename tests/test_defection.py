"""Reasons for leaving and the complaint iceberg: hand counts and coverage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlib import defection, derived, load_data, readings, sample
from cxlib.data.datasets import data_dir
from cxlib.errors import NotEstimable
from cxlib.registry.claims import get_claim
from cxlib.stats.uncertainty import wilson_ci
from cxlib.stats.verdicts import NOT_TESTABLE

REFERENCE = Path(__file__).parent / "reference"


def test_reason_shares_and_simultaneous_intervals():
    ledger = pd.DataFrame({"churned_on": pd.to_datetime(["2024-01-01"] * 100),
                           "churn_reason": ["price"] * 50 + ["poor service"] * 30
                           + ["other"] * 20})
    shares = defection.reason_shares(ledger).table
    assert shares.loc["price", "share"] == 0.5
    assert (shares["ci_low"] < shares["share"]).all()
    assert (shares["share"] < shares["ci_high"]).all()
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
    table = defection.voice_by_severity(survey).table
    assert table.loc["all problems", "voice rate"] == 0.25
    assert table.loc["minor", "voice rate"] == 0.5
    assert defection.iceberg_multiplier(survey).value == pytest.approx(3.0)


def test_silent_share_among_leavers_when_churn_is_known():
    rng = np.random.default_rng(1)
    survey = iceberg_survey(400, {"minor": 0.2, "serious": 0.2}, rng)
    survey["churned"] = rng.binomial(1, 0.5, 400)
    est = defection.silent_share(survey)
    assert "lost customers" in est.figure and est.n == survey["churned"].sum()


def test_iceberg_edge_cases_are_not_testable_with_the_reason():
    rng = np.random.default_rng(3)
    silent = iceberg_survey(50, {"minor": 0.0, "serious": 0.0}, rng)  # nobody complained
    est = defection.iceberg_multiplier(silent)  # was inf [inf, 60]
    _, _, hi = wilson_ci(0, 50)
    assert est.problem == ("nobody of the 50 customers with a problem complained, so the "
                           f"multiplier is unbounded; its lower limit is {(1 - hi) / hi:.3g}")
    assert est.n == 50 and np.isnan(est.value)
    nobody = pd.DataFrame({"had_problem": [0, 0, 0], "complained": [0, 0, 0],
                           "problem_severity": [None] * 3})
    assert defection.iceberg_multiplier(nobody).problem == "no customer reported a problem"
    assert defection.voice_by_severity(nobody).table.empty  # was ZeroDivisionError
    share = defection.silent_share(nobody)
    assert share.problem == "no customer reported a problem"
    rule = get_claim("DEF-3").spec("silent_share").rule
    assert rule.judge(share).label == NOT_TESTABLE
    loud = iceberg_survey(40, {"minor": 1.0, "serious": 1.0}, rng)  # everyone complained
    est = defection.iceberg_multiplier(loud)
    assert est.value == 0 and est.ci_low == pytest.approx(0, abs=1e-12) and est.ci_high < 0.1


def test_no_leavers_is_not_testable():
    ledger = pd.DataFrame({"churned_on": pd.to_datetime([None, None]),
                           "churn_reason": [None, None], "service_failures": [0, 1]})
    for f in (defection.service_share, defection.partly_service_share):
        est = f(ledger)  # was ZeroDivisionError
        assert est.problem == "no customer in the ledger left with a stated reason"


def flag_ledger(n: int = 400, seed: int = 5) -> pd.DataFrame:
    """A tenure + churn-flag ledger (no churn dates) whose stayers carry a reason too, as
    exports with 'still a customer' in the reason column do; failures raise the odds of
    leaving."""
    rng = np.random.default_rng(seed)
    failures = rng.poisson(1.5, n)
    left = rng.binomial(1, 1 / (1 + np.exp(2.5 - 0.5 * failures)))
    reasons = np.where(np.arange(n) % 3 == 0, "poor service", "price")
    return pd.DataFrame({"tenure_months": rng.uniform(1, 60, n), "churned": left.astype(float),
                         "churn_reason": np.where(left == 1, reasons, "still a customer"),
                         "service_failures": failures.astype(float)})


def test_leavers_are_those_flagged_whatever_the_reason_column_says():
    ledger = flag_ledger()
    gone = ledger[ledger["churned"] == 1]
    assert 50 < len(gone) < len(ledger) - 50
    assert derived.leavers(ledger).index.equals(gone.index)  # was every customer
    share = defection.service_share(ledger)
    assert share.n == len(gone)
    assert share.value == pytest.approx((gone["churn_reason"] == "poor service").mean())
    assert "of them gave a reason" in readings.who_left(ledger)
    assert "also have an entry in `churn_reason`" in readings.who_left(ledger)


def test_failures_to_leaving_runs_on_a_flag_ledger_without_reasons():
    ledger = flag_ledger().drop(columns="churn_reason")  # was KeyError: 'churned_on'
    effect = defection.failure_churn_effect(ledger)
    assert effect.n == len(ledger) and 1 < effect.ci_low < effect.value < effect.ci_high
    with pytest.raises(NotEstimable, match="needs the column `churn_reason`"):
        defection.partly_service_share(ledger)


def test_reasons_name_exactly_the_missing_columns():
    ledger = flag_ledger()
    with pytest.raises(NotEstimable, match=r"needs the column `service_failures`, which"):
        defection.partly_service_share(ledger.drop(columns="service_failures"))
    with pytest.raises(NotEstimable, match="needs the columns `churn_reason`, `service_failures`"):
        defection.partly_service_share(ledger.drop(columns=["churn_reason",
                                                            "service_failures"]))
    with pytest.raises(NotEstimable, match="needs the column `service_failures`"):
        defection.failure_churn_effect(ledger.drop(columns="service_failures"))
    with pytest.raises(NotEstimable, match=r"neither `churned_on` .* nor `churned`"):
        defection.service_share(ledger.drop(columns="churned"))
    with pytest.raises(NotEstimable, match="needs the column `satisfaction`"):
        defection.reason_model(ledger, ["satisfaction"])
    with pytest.raises(NotEstimable, match="`had_problem`, `complained`"):
        defection.voice_by_severity(pd.DataFrame({"overall_sat": [1, 2]}))


def test_problems_behind_complaints_by_hand():
    survey = pd.DataFrame({"had_problem": [1] * 8, "complained": [1, 1] + [0] * 6})
    est = defection.problems_behind(survey, complaints=120)
    _, lo, hi = wilson_ci(2, 8)
    assert est.value == pytest.approx(480)  # 120 / 0.25
    assert (est.ci_low, est.ci_high) == pytest.approx((120 / hi, 120 / lo))
    silent = survey.assign(complained=0)
    assert "nobody of the 8" in defection.problems_behind(silent, complaints=120).problem


def test_failures_to_leaving_on_the_mlc_churn_example_matches_r():
    """The worked example (artificial data, declared synthetic): a tenure + churn-flag ledger
    with service calls and no reasons; R glm + sandwich HC3 in tests/reference."""
    ref = json.loads((REFERENCE / "mlc_churn_logit.json").read_text())
    ds = load_data("customers", data_dir() / "examples" / "mlc_churn.csv.gz",
                   data_dir() / "mappings" / "example_mlc_churn.yaml")
    assert ds.synthetic and not ds.is_sample
    assert derived.left(ds.frame).sum() == ref["churned"] == 707
    est = defection.failure_churn_effect(ds.frame)
    assert est.n == ref["n"] == 5000
    assert est.value == pytest.approx(ref["or_per_call"], rel=1e-6)  # 1.508
    assert est.ci_low == pytest.approx(ref["hc3_low"], rel=1e-5)     # 1.418
    assert est.ci_high == pytest.approx(ref["hc3_high"], rel=1e-5)   # 1.605
    assert "HC3" in est.method
