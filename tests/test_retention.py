"""Ledger economics: ratios by hand, survival estimates against known truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlib import sample
from cxlib.analyses.retention import (
    LIFETIME_RATIO,
    cohort_retention,
    cost_ratios,
    cox_model,
    kaplan_meier,
    satisfaction_hazard,
    value_by_tenure,
    winback_ratio,
)
from cxlib.data.derived import MONTH, tenure
from cxlib.errors import NotEstimable
from cxlib.stats.survival import efron_score_residuals, lifetime_fit


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
    life = lifetime_fit(np.array([182, 365, 0]) / 365.25, np.array([1, 0, 0])).mean
    assert r["acquisition cost per customer"].value == pytest.approx(200)
    assert r["retention cost per customer-year"].value == pytest.approx(40 / years)
    assert r["expected customer lifetime"].value == pytest.approx(life)
    assert r[LIFETIME_RATIO].value == pytest.approx(200 / (40 / years * life))


def test_lifetime_without_heterogeneity_is_the_exponential_estimate():
    rng = np.random.default_rng(4)
    t = rng.exponential(2.0, 4000)
    censor = rng.uniform(0, 6, 4000)
    years, left = np.minimum(t, censor), (t <= censor).astype(int)
    fit = lifetime_fit(years, left)
    r, mean = fit.r, fit.mean
    assert mean == pytest.approx(years.sum() / left.sum(), rel=0.02)
    assert mean == pytest.approx(2.0, rel=0.06) and r > 20  # r → ∞: no heterogeneity


def test_lifetime_recovers_gamma_heterogeneity():
    rng = np.random.default_rng(5)
    rates = rng.gamma(3.0, 1 / 4.0, 20000)  # r = 3, α = 4: E[T] = 4 / (3 − 1) = 2
    t = rng.exponential(1 / rates)
    censor = rng.uniform(0, 8, 20000)
    fit = lifetime_fit(np.minimum(t, censor), (t <= censor).astype(int))
    assert (fit.r, fit.alpha, fit.mean) == pytest.approx((3.0, 4.0, 2.0), rel=0.1)


def test_no_leavers_means_no_lifetime():
    frame = pd.DataFrame({"acquired_on": pd.to_datetime(["2023-01-01", "2023-06-01"]),
                          "churned_on": pd.to_datetime([None, None]),
                          "acquisition_cost": [100.0, 200.0], "retention_spend": [20.0, 5.0]})
    r = cost_ratios(frame, n_boot=20)
    assert r[LIFETIME_RATIO].problem and "no customer has left" in r[LIFETIME_RATIO].problem
    assert LIFETIME_RATIO in r and "win-back ÷ retention cost per dollar" not in r
    assert winback_ratio(frame).problem == ("the win-back ratio needs the columns margin, "
                                            "winback_spend, winback_margin")


def test_the_ratio_does_not_depend_on_the_calendar_unit():
    # counting days instead of years changes the rate R and the lifetime E[T] inversely
    rng = np.random.default_rng(6)
    years = rng.exponential(3, 500)
    left = (rng.random(500) < 0.6).astype(int)
    in_days = lifetime_fit(years * 365.25, left).mean / 365.25
    assert in_days == pytest.approx(lifetime_fit(years, left).mean, rel=1e-5)


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
        table = kaplan_meier(frame).table
        hits.append(table.loc["all", "ci_low"] <= np.log(2) / 0.03 <= table.loc["all", "ci_high"])
    assert np.mean(hits) >= 0.8


def test_logrank_detects_channel_differences():
    assert kaplan_meier(ledger(2000, 4), "acquisition_channel").logrank_p < 0.05


def test_cohort_and_tenure_tables():
    frame = ledger(600, 5)
    cohorts = cohort_retention(frame, max_months=6).table
    assert (cohorts[0].dropna() == 1).all()
    assert (cohorts.diff(axis=1).iloc[:, 1:].fillna(0) <= 1e-12).all().all()  # never rises
    assert value_by_tenure(frame).table["customers"].sum() == len(frame)


# --- tenure and churn-flag ledgers, and the Cox model with chosen covariates -------------

REFERENCE = Path(__file__).parent / "reference"


def test_tenure_from_months_and_a_churn_flag():
    frame = pd.DataFrame({"tenure_months": [12.0, 1.0, 30.0], "churned": [1.0, 0.0, 1.0]})
    out = tenure(frame)
    assert out["days"].tolist() == pytest.approx([12 * MONTH, MONTH, 30 * MONTH])
    assert out["left"].tolist() == [1, 0, 1]


def test_tenure_prefers_dates_and_censors_at_observed_until():
    frame = pd.DataFrame({"acquired_on": pd.to_datetime(["2024-01-01", "2024-01-01", None]),
                          "churned_on": pd.to_datetime([None, "2024-01-11", None]),
                          "observed_until": pd.to_datetime(["2024-02-01", None, None]),
                          "tenure_months": [99.0, 99.0, 2.0]})
    out = tenure(frame)
    assert out["days"].tolist() == pytest.approx([31, 10, 2 * MONTH])
    assert out["left"].tolist() == [0, 1, 0]


def test_a_ledger_that_does_not_say_who_left_is_not_estimable():
    with pytest.raises(NotEstimable, match="neither `churned_on`"):
        tenure(pd.DataFrame({"tenure_months": [3.0, 4.0]}))


def test_cost_ratios_say_which_columns_they_need():
    frame = pd.DataFrame({"tenure_months": [3.0, 4.0], "churned": [1.0, 0.0]})
    with pytest.raises(NotEstimable, match="`acquisition_cost`, `retention_spend`"):
        cost_ratios(frame, n_boot=10)  # a KeyError before
    with pytest.raises(NotEstimable, match="`acquired_on`"):
        cohort_retention(frame)


def test_survival_runs_on_a_tenure_table():
    rng = np.random.default_rng(3)
    months = rng.exponential(1 / 0.03, 3000)
    censor = rng.uniform(0, 60, 3000)
    frame = pd.DataFrame({"tenure_months": np.minimum(months, censor),
                          "churned": (months <= censor).astype(float)})
    table = kaplan_meier(frame).table
    assert table.loc["all", "ci_low"] <= np.log(2) / 0.03 <= table.loc["all", "ci_high"]


@pytest.fixture(scope="module")
def veteran():
    """R's survival::veteran as a tenure/churn table, and coxph's fits (tests/reference)."""
    frame = pd.read_csv(REFERENCE / "cox_veteran.csv")
    frame["tenure_months"] = frame.pop("days") / MONTH
    return frame, json.loads((REFERENCE / "cox_veteran.json").read_text())["fits"]


@pytest.mark.parametrize("reference", ["large", "smallcell"])
def test_cox_model_matches_r_coxph_with_robust_se(veteran, reference):
    frame, fits = veteran
    ref = fits[reference]
    chosen = {"celltype": "large"} if reference == "large" else None  # smallcell: the default
    fit = cox_model(frame, ["karno", "age", "trt", "celltype"], reference=chosen)
    assert fit.references == {"celltype": reference}
    assert (fit.n, fit.events) == (ref["n"], ref["events"])
    table = fit.table.loc[ref["terms"]]
    assert table["coef"].to_numpy() == pytest.approx(ref["coef"], abs=1e-7)
    # robust SEs as R's (Efron score residuals at tied times; lifelines' own differ by 0.4%)
    assert table["robust SE"].to_numpy() == pytest.approx(ref["robust_se"], rel=1e-6)
    assert table["ci_low"].to_numpy() == pytest.approx(ref["ci_low"], rel=1e-6)
    assert table["ci_high"].to_numpy() == pytest.approx(ref["ci_high"], rel=1e-6)


def test_efron_score_residuals_sum_to_zero_at_the_estimate(veteran):
    frame, _ = veteran
    fit = cox_model(frame, ["karno", "age"])
    x = frame[["karno", "age"]].to_numpy(float)
    u = efron_score_residuals(x, frame["tenure_months"].to_numpy() * MONTH,
                              frame["churned"].to_numpy(), fit.table["coef"].to_numpy())
    assert (np.abs(u.sum(axis=0)) / np.abs(u).sum(axis=0)).max() < 1e-5  # the score is 0


def test_satisfaction_hazard_takes_covariates():
    frame = ledger(1500, 2)
    plain = satisfaction_hazard(frame)
    adjusted = satisfaction_hazard(frame, covariates=["acquisition_channel"],
                                   reference={"acquisition_channel": "referral"})
    assert adjusted.figure == plain.figure and adjusted.value != plain.value
    fit = cox_model(frame, ["satisfaction", "acquisition_channel"])
    counts = frame["acquisition_channel"].value_counts()
    assert fit.references["acquisition_channel"] == counts.idxmax()  # from the data
    assert len(fit.table) == 1 + frame["acquisition_channel"].nunique() - 1


def test_cox_model_refuses_a_constant_covariate_and_a_missing_one():
    frame = ledger(300, 1).assign(flat=1.0)
    with pytest.raises(NotEstimable, match="flat does not vary"):
        cox_model(frame, ["flat"])
    with pytest.raises(NotEstimable, match="`Contract`"):
        cox_model(frame, ["Contract"])


def test_a_median_not_reached_is_said_in_words_and_the_open_band_is_named():
    rng = np.random.default_rng(5)
    months = rng.exponential(1 / 0.005, 2000)  # median 139 months, follow-up at most 48
    censor = rng.uniform(12, 48, 2000)
    frame = pd.DataFrame({"tenure_months": np.minimum(months, censor),
                          "churned": (months <= censor).astype(float)})
    table = kaplan_meier(frame).table
    assert np.isnan(table.loc["all", "median months"])  # not inf
    still = kaplan_meier(frame).fits["all"].table["survival"].iloc[-1]
    assert table.loc["all", "note"].startswith(f"not reached: {still:.0%} still active at")
    bands = value_by_tenure(ledger(600, 5).drop(columns="margin", errors="ignore")).table
    assert list(bands.index.categories)[-1] == "60+" and "margin_per_month" not in bands
    assert "note" not in kaplan_meier(ledger(1500, 0)).table  # all reached


def test_an_upper_limit_at_the_end_of_follow_up_is_called_open():
    # the last customer leaves at the last month: the curve falls to 0 there, and the
    # upper limit of the median can be no later than that month
    frame = pd.DataFrame({"tenure_months": [2, 4, 6, 8, 10, 12, 14, 16, 18, 20.0],
                          "churned": [1, 0, 0, 1, 0, 0, 0, 1, 0, 1.0]})
    table = kaplan_meier(frame).table
    assert table.loc["all", "note"].startswith("upper limit open")


def test_a_lifetime_that_its_interval_does_not_pin_down_says_why():
    """Issue 24 (03 Ex2): the referral customers' lifetime was printed as 130.5 years with the
    interval [4.17, 107.6] of the resamples that had a finite lifetime. The reading
    lifetime_problem says that such a lifetime, and any ratio built on it, is not pinned
    down."""
    from cxlib.notebook.readings import lifetime_problem
    from cxlib.stats.estimates import Estimate

    failed = Estimate("expected customer lifetime", 130.5, 4.17, 107.6, 273, "boot",
                      unit="years", failed=136, draws=300)
    assert "136 of 300 resamples gave no finite lifetime" in lifetime_problem(failed)
    # issue 24 (03): an unbounded mean comes from the gamma shape r ≤ 1, not from a count
    assert "gamma shape r of at most 1" in lifetime_problem(failed)
    wide = Estimate("expected customer lifetime", 9.0, 2.0, 30.0, 273, "boot", unit="years",
                    draws=300)
    assert "spans more than a factor 3" in lifetime_problem(wide)
    assert lifetime_problem(Estimate("expected customer lifetime", 3.4, 3.1, 4.6, 1500,
                                     "boot", unit="years", draws=300)) == ""
    assert "could not be estimated" in lifetime_problem(
        Estimate.untestable("expected customer lifetime", "too few leavers"))
