"""The `experiment` data kind and REL-1 on it: arms named by the mapping, the ITT difference
(Newcombe, Welch), Lin's regression adjustment against R, the planted lift of the sample and
the TipJoke numbers as published (Guéguen 2002)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxlib import load_data
from cxlib.analyses import relationships as rel
from cxlib.data.datasets import data_dir
from cxlib.data.mapping import load_mapping
from cxlib.data.sample import planted
from cxlib.errors import UserDataError
from cxlib.notebook import readings

REF = Path(__file__).parent / "reference"
TIPJOKE = (data_dir() / "real" / "tipjoke.csv", data_dir() / "mappings" / "tipjoke.yaml")


@cache
def tipjoke():
    return load_data("experiment", *TIPJOKE)


@cache
def lin_reference() -> dict:
    return json.loads((REF / "lin_adjustment.json").read_text(encoding="utf-8"))


def sample_with_covariate(mapping) -> pd.DataFrame:
    path = mapping("experiment:\n  covariates: [prior_purchases]\n")
    return load_data("experiment", data_dir() / "sample" / "experiment.csv", path).frame


def refused(path, mapping_path=None, kind="experiment") -> str:
    with pytest.raises(UserDataError) as info:
        load_data(kind, path, mapping_path)
    return info.value.message


# --- the kind: good and bad files ----------------------------------------------------------

def test_tipjoke_is_read_as_a_randomised_experiment_with_three_arms():
    ds = tipjoke()
    assert len(ds) == 211 and ds.design.key == "randomised"
    assert (ds.arms.control, ds.arms.treatment, ds.arms.others) == ("None", "Joke", ("Ad",))
    assert ds.arms.sizes == {"Ad": 74, "Joke": 72, "None": 65}
    assert "treatment 'Joke' (72 units) against control 'None' (65 units)" in \
        ds.report.summary()
    assert ds.mapping.proxy and "tip" in ds.mapping.proxy


def test_the_sample_experiment_needs_no_mapping():
    ds = load_data("experiment")
    assert ds.is_sample and ds.design.key == "randomised"
    assert (ds.arms.control, ds.arms.treatment) == ("control", "note")


def test_arms_zero_and_one_need_no_mapping(write):
    path = write(pd.DataFrame({"arm": [0, 1] * 20, "outcome": [0, 1, 1, 1] * 10}))
    arms = load_data("experiment", path).arms
    assert (arms.control, arms.treatment, arms.others) == ("0", "1", ())


def test_a_control_that_is_not_an_arm_is_refused_with_the_arms(write, mapping):
    path = write(pd.DataFrame({"Card": ["Joke", "None", "Ad"] * 10, "Tip": [1, 0, 0] * 10}))
    message = refused(path, mapping("experiment:\n  columns: {arm: Card, outcome: Tip}\n"
                                    "  control: No card\n  treatment: Joke\n"))
    assert "'control: No card' in the mapping is not an arm of the file" in message
    assert "'Ad' (10), 'Joke' (10), 'None' (10)" in message and str(path) in message


def test_several_arms_without_a_treatment_are_refused(write, mapping):
    path = write(pd.DataFrame({"arm": ["a", "b", "c"] * 10, "outcome": [1, 0, 0] * 10}))
    message = refused(path, mapping("experiment:\n  control: a\n"))
    assert "the file has 3 arms" in message and "treatment: b" in message


def test_arms_without_a_control_are_refused_with_the_fix(write):
    path = write(pd.DataFrame({"arm": ["note", "none"] * 10, "outcome": [1, 0] * 10}))
    message = refused(path)
    assert "does not say which arm is the control" in message
    assert "control: none" in message


def test_a_single_arm_is_refused(write):
    path = write(pd.DataFrame({"arm": ["note"] * 20, "outcome": [1, 0] * 10}))
    assert "holds a single arm ('note' (20))" in refused(path)


def test_missing_columns_are_named(write):
    path = write(pd.DataFrame({"group": ["a", "b"] * 10, "outcome": [1, 0] * 10}))
    assert "missing required column(s) 'arm'" in refused(path)


def test_mapping_keys_of_experiments_are_checked(mapping):
    with pytest.raises(UserDataError, match="name the same arm"):
        load_mapping(mapping("control: a\ntreatment: a\n"), "experiment")
    with pytest.raises(UserDataError, match="'control:' applies to experiment files only"):
        load_mapping(mapping("control: a\n"), "survey")
    with pytest.raises(UserDataError, match="'proxy:' applies to experiment files only"):
        load_mapping(mapping("proxy: tips\n"), "customers")


# --- the ITT lift ---------------------------------------------------------------------------

def wilson(k: int, n: int) -> tuple[float, float]:
    z = stats.norm.ppf(0.975)
    p = k / n
    centre, half = p + z * z / (2 * n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def test_tipjoke_rates_are_the_published_ones():
    table = rel.arm_table(tipjoke().frame, "None").table
    assert table["units"].to_dict() == {"None": 65, "Ad": 74, "Joke": 72}
    assert table["rate"].to_dict() == pytest.approx({"None": 16 / 65, "Ad": 14 / 74,
                                                     "Joke": 30 / 72}, abs=1e-12)


def test_tipjoke_lift_is_the_difference_with_newcombes_interval():
    """Joke − None = 30/72 − 16/65 = 0.1705, and Newcombe's hybrid-score interval written out
    from the two Wilson intervals (Newcombe 1998, method 10)."""
    ds = tipjoke()
    lift = rel.experiment_lift(ds.frame, "None", "Joke")
    d = 30 / 72 - 16 / 65
    (l1, u1), (l2, u2) = wilson(30, 72), wilson(16, 65)
    low = d - np.sqrt((30 / 72 - l1) ** 2 + (u2 - 16 / 65) ** 2)
    high = d + np.sqrt((u1 - 30 / 72) ** 2 + (16 / 65 - l2) ** 2)
    assert (lift.value, lift.ci_low, lift.ci_high) == pytest.approx((d, low, high), abs=1e-10)
    assert lift.n == 137 and round(lift.value, 3) == 0.171
    placebo = rel.experiment_lift(ds.frame, "None", "Ad")
    assert placebo.ci_low < 0 < placebo.ci_high  # the ad card: no lift to speak of


def test_the_analysis_reports_the_treatment_against_the_other_arms():
    ds = tipjoke()
    result = rel.analyse_experiment(ds.frame, "None", "Joke")
    assert result.binary and result.control_level == pytest.approx(16 / 65)
    assert result.lift == result.unadjusted  # no covariates, no blocks: the plain difference
    row = result.versus.table.loc["Ad"]
    assert result.effect is result.lift and result.arms.table.equals(result.table)
    assert row["difference"] == pytest.approx(30 / 72 - 14 / 74) and row["units"] == 146
    assert row["ci_low"] > 0  # the joke card beats the ad card too


def test_the_sample_recovers_the_planted_lift(mapping):
    frame = sample_with_covariate(mapping)
    truth = planted("experiment.lift")
    plain = rel.experiment_lift(frame, "control", "note")
    adjusted = rel.experiment_lift(frame, "control", "note", covariates=["prior_purchases"],
                                   block="block")
    assert plain.covers(truth) and adjusted.covers(truth)
    assert "Lin 2013" in adjusted.method and "prior_purchases" in adjusted.method


def test_lin_adjustment_agrees_with_r(mapping):
    frame = sample_with_covariate(mapping)
    ref = lin_reference()
    both = rel.adjusted_lift(frame, "control", "note", covariates=["prior_purchases"],
                             block="block")
    # intervals b ± t(n − k)·SE: k = 2 + 2·4 (prior purchases and three block indicators,
    # each with its interaction), then 2 + 2·1
    expected = ref["lin_prior_and_block"]
    assert both.value == pytest.approx(expected["estimate"], rel=1e-9)
    t = stats.t.ppf(0.975, len(frame) - 10)
    assert (both.ci_high - both.ci_low) / (2 * t) == pytest.approx(expected["se"], rel=1e-7)
    one = rel.adjusted_lift(frame, "control", "note", covariates=["prior_purchases"])
    assert one.value == pytest.approx(ref["lin_prior"]["estimate"], rel=1e-9)
    t = stats.t.ppf(0.975, len(frame) - 4)
    assert (one.ci_high - one.ci_low) / (2 * t) == pytest.approx(ref["lin_prior"]["se"],
                                                                 rel=1e-7)


def test_a_numeric_outcome_gives_welchs_difference_in_means(mapping):
    frame = sample_with_covariate(mapping)
    numeric = frame.assign(outcome=frame["prior_purchases"].astype(float))
    est = rel.experiment_lift(numeric, "control", "note")
    ref = lin_reference()["welch_prior"]
    assert (est.value, est.ci_low, est.ci_high) == pytest.approx(
        (ref["estimate"], ref["ci_low"], ref["ci_high"]), rel=1e-9)
    assert "Welch" in est.method


def test_degenerate_arms_are_not_testable():
    frame = pd.DataFrame({"arm": ["a", "a", "b", "b"], "outcome": [2.0, 2.0, 3.0, 3.0]})
    est = rel.experiment_lift(frame, "a", "b")
    assert est.ci_low is None and "does not vary" in est.problem
    empty = rel.difference(pd.Series([], dtype=float), pd.Series([1.0, 0.0]), "lift")
    assert empty.ci_low is None and "an arm has no units" in empty.problem


def test_the_proxy_reason_says_what_the_experiment_measures_instead():
    reason = readings.proxy_reason(tipjoke().mapping.proxy)
    assert "joke" in reason and "tip" in reason
    assert "not the effect of a thank-you note on buying again" in reason
