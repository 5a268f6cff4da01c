"""The `summary` data kind and the BG/BB model: the donor panel of Fader, Hardie & Shang (2010)
read as a summary reproduces the published estimates, Hardie's expected counts and lifetimes'
fit; the closed-form likelihood against a numerical double integral; recovery on simulated
panels; summaries that could not happen are refused with the fix."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxlib import customer_base as cb
from cxlib import customer_value as cv
from cxlib import load_data, load_donations
from cxlib import repeat as rp
from cxlib.data.datasets import data_dir
from cxlib.data.mapping import load_mapping
from cxlib.errors import NotEstimable, UserDataError

REF = Path(__file__).parent / "reference"
PUBLISHED = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}


@cache
def donors():
    return load_donations()


@cache
def donor_fit() -> cb.ModelFit:
    d = donors()
    return cv.summary_fit(d.frame, periods=d.mapping.periods, unit=d.mapping.time_unit)


def columns(frame: pd.DataFrame):
    return (frame[c].to_numpy(float) for c in ("frequency", "recency", "T"))


# --- the donor panel as a summary -----------------------------------------------------------

def test_the_donor_panel_is_read_as_a_discrete_period_summary():
    d = donors()
    assert len(d) == 22 and d.frame["customers"].sum() == 11_104
    assert (d.frame["frequency"] * d.frame["customers"]).sum() == 24_615  # repeat gifts
    assert d.mapping.periods == 6 and d.mapping.time_unit == "year"
    assert d.design.key == "single cohort"
    assert "22 rows summarise 11,104 customers" in d.report.summary()


def test_bgbb_reproduces_the_published_donor_estimates():
    """Fader, Hardie & Shang (2010): α 1.204, β 0.750, γ 0.657, δ 2.783, LL −33,225.6."""
    fit = donor_fit()
    assert fit.model == "BG/BB" and fit.n == 11_104 and fit.unit == "year"
    assert fit.params.round(3).to_dict() == PUBLISHED
    assert round(fit.loglik, 1) == -33_225.6
    assert fit.problem is None and fit.note() is None
    d = donors()
    at_published = cb.bgbb_loglik(list(PUBLISHED.values()), *columns(d.frame),
                                  d.frame["customers"])
    assert round(at_published, 1) == -33_225.6


def test_bgbb_predictions_match_the_paper_and_hardies_spreadsheet():
    """P(alive in 2002) 0.11, 0.59, 0.93 for (x, t_x) = (0, 0), (2, 4), (6, 6) (FHS 2010,
    as quoted in lifetimes' tests); Hardie's note: 12,884.2 gifts expected in 2002–2006,
    3,454.9 donors expected with no repeat gift and 1,253.1 with six."""
    fit, d = donor_fit(), donors().frame
    alive = cb.bgbb_p_alive(fit, [0, 2, 6], [0, 4, 6], 6)
    assert np.round(alive, 2).tolist() == [0.11, 0.59, 0.93]
    expected = cb.bgbb_expected(fit, 5, *columns(d))
    assert round(float((expected * d["customers"]).sum()), 1) == 12_884.2
    check = cv.period_check(fit, d).table
    assert check["customers"].sum() == 11_104
    assert check["expected"].sum() == pytest.approx(11_104, rel=1e-12)
    assert round(check.loc[0, "expected"], 1) == 3_454.9
    assert round(check.loc[6, "expected"], 1) == 1_253.1


def test_bgbb_agrees_with_lifetimes():
    """lifetimes 0.11.3's BetaGeoBetaBinomFitter on the same file
    (tests/reference/bgbb_lifetimes.py)."""
    ref = json.loads((REF / "bgbb_lifetimes.json").read_text(encoding="utf-8"))
    fit = donor_fit()
    assert fit.params.to_dict() == pytest.approx(ref["params"], rel=2e-5)
    assert fit.loglik == pytest.approx(ref["loglik"], abs=1e-4)
    h = ref["histories"]
    assert cb.bgbb_p_alive(fit, h["frequency"], h["recency"], h["n"]) == pytest.approx(
        ref["p_alive_next_period"], rel=1e-5)
    d = donors().frame
    total = float((cb.bgbb_expected(fit, 5, *columns(d)) * d["customers"]).sum())
    assert total == pytest.approx(ref["expected_next_5_periods_total"], rel=1e-5)


def test_the_donor_panel_cannot_show_rep1():
    d = donors()
    est = rp.summary_repeat_share(d.frame, d.mapping.time_unit)
    assert est.n == int(d.frame["customers"].sum()) == 11_104  # donors, not the 22 patterns
    reason = est.problem
    assert reason.startswith("this summary is a single acquisition cohort: every customer was "
                             "followed for 6 years")
    assert rp.REP1_SCOPE in reason and est.ci_low is None
    open_base = rp.summary_repeat_share(load_data("summary").frame).problem
    assert open_base.startswith("a customer summary has no orders by date")  # not a cohort


# --- the model itself -----------------------------------------------------------------------

def brute_force_likelihood(params, x: int, t_x: int, n: int) -> float:
    """P(x, t_x | n) by integrating over p ~ Beta(α, β) and θ ~ Beta(γ, δ) numerically: alive
    through n with probability (1−θ)^n, else dead just after period t_x + i (alive for
    t_x + i periods, then dead: θ(1−θ)^(t_x+i)), transacting x times in the periods alive,
    the last of them in period t_x. With whole-number parameters the integrand is a
    polynomial, which a 40-point Gauss–Legendre product rule integrates exactly."""
    a, b, g, d = params
    nodes, weights = np.polynomial.legendre.leggauss(40)
    u, w = (nodes + 1) / 2, weights / 2
    p, th = u[:, None], u[None, :]
    given = p**x * (1 - p) ** (n - x) * (1 - th) ** n
    for i in range(n - t_x):
        given = given + p**x * (1 - p) ** (t_x - x + i) * th * (1 - th) ** (t_x + i)
    density = stats.beta.pdf(p, a, b) * stats.beta.pdf(th, g, d)
    return float(w @ (given * density) @ w)


@pytest.mark.parametrize(("x", "t_x", "n"), [(0, 0, 4), (2, 3, 4), (1, 1, 5), (3, 3, 3)])
def test_the_closed_form_likelihood_is_the_double_integral(x, t_x, n):
    params = (2.0, 3.0, 2.0, 4.0)
    closed = np.exp(cb.bgbb_loglik(params, [x], [t_x], [n]))
    assert closed == pytest.approx(brute_force_likelihood(params, x, t_x, n), rel=1e-10)


def simulate_bgbb(n_customers: int, params, periods: int, rng) -> pd.DataFrame:
    a, b, g, d = params
    p = rng.beta(a, b, n_customers)
    th = rng.beta(g, d, n_customers)
    alive = np.ones(n_customers, bool)
    x = np.zeros(n_customers, int)
    t_x = np.zeros(n_customers, int)
    for t in range(1, periods + 1):
        alive &= rng.random(n_customers) >= th  # may die before each opportunity
        buys = alive & (rng.random(n_customers) < p)
        x += buys
        t_x[buys] = t
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": periods})


def test_bgbb_recovers_simulated_parameters():
    truth = (1.2, 0.75, 0.66, 2.8)
    data = simulate_bgbb(20_000, truth, 8, np.random.default_rng(11))
    fit = cb.fit_bgbb(data["frequency"], data["recency"], data["T"])
    table = fit.intervals()
    covered = [table.loc[k, "ci_low"] <= v <= table.loc[k, "ci_high"]
               for k, v in zip(cb.BGBB_PARAMS, truth, strict=True)]
    assert sum(covered) >= 3, table
    means = (fit["alpha"] / (fit["alpha"] + fit["beta"]),
             fit["gamma"] / (fit["gamma"] + fit["delta"]))
    assert means == pytest.approx((1.2 / 1.95, 0.66 / 3.46), abs=0.02)


def test_weights_are_the_same_as_repeated_rows():
    d = donors().frame
    rows = d.loc[d.index.repeat(d["customers"])]
    weighted = cb.bgbb_loglik(list(PUBLISHED.values()), *columns(d), d["customers"])
    repeated = cb.bgbb_loglik(list(PUBLISHED.values()), *columns(rows))
    assert weighted == pytest.approx(repeated, rel=1e-12)


def test_bgbb_refuses_what_it_cannot_fit():
    with pytest.raises(NotEstimable, match="no customer transacted again"):
        cb.fit_bgbb([0, 0, 0], [0, 0, 0], 6)
    with pytest.raises(ValueError, match="impossible discrete-period summaries"):
        cb.fit_bgbb([2, 1], [1, 1], 6)  # two periods with a gift, the last in period 1
    with pytest.raises(ValueError, match="impossible discrete-period summaries"):
        cb.fit_bgbb([1, 1], [7, 1], 6)  # a gift after the last period


def test_a_homogeneous_panel_is_not_identified():
    """Every customer with the same p and θ: the beta concentrations run off along a ridge
    (rule 2 of the identification rule), so a strict fit refuses, naming the parameters."""
    rng = np.random.default_rng(3)
    n, periods = 20_000, 6
    alive = np.cumprod(rng.random((n, periods)) >= 0.1, axis=1).astype(bool)
    buys = alive & (rng.random((n, periods)) < 0.6)
    x = buys.sum(axis=1)
    t_x = np.where(x > 0, periods - np.argmax(buys[:, ::-1], axis=1), 0)
    with pytest.raises(NotEstimable, match="BG/BB parameters are not"):
        cb.fit_bgbb(x, t_x, periods)
    loose = cb.fit_bgbb(x, t_x, periods, strict=False)
    assert loose.problem and loose.estimate("alpha").ci_low is None


# --- the summary kind: good and bad files ---------------------------------------------------

def test_the_sample_summary_is_a_continuous_time_open_base():
    ds = load_data("summary")
    assert ds.is_sample and len(ds) == 1000 and ds.design.key == "open base"
    fit = cv.summary_fit(ds.frame)
    same = cb.fit_bgnbd(*columns(ds.frame))
    assert fit.model == "BG/NBD" and fit.params.to_dict() == pytest.approx(same.params.to_dict())


def test_a_summary_with_customer_counts_fits_bgnbd_as_repeated_rows():
    frame = load_data("summary").frame.head(300)
    counted = frame.groupby(["frequency", "recency", "T"]).size().rename("customers")
    counted = counted.reset_index()
    a = cv.summary_fit(counted)
    b = cv.summary_fit(frame)
    assert a.params.to_dict() == pytest.approx(b.params.to_dict(), rel=1e-6)


def refused(frame: pd.DataFrame, write, mapping_text: str | None, mapping) -> str:
    path = write(frame)
    columns_file = mapping(mapping_text) if mapping_text else None
    with pytest.raises(UserDataError) as info:
        load_data("summary", path, columns_file)
    return info.value.message


def test_summaries_that_could_not_happen_are_refused(write, mapping):
    frame = pd.DataFrame({"frequency": [2, 0, 1, 3], "recency": [30.0, 4.0, 0.0, 10.0],
                          "T": [20.0, 40.0, 40.0, 40.0]})
    message = refused(frame, write, None, mapping)
    assert "column 'recency': 1 value greater than T" in message
    assert "1 value above 0 for customers with no repeat transaction" in message
    assert "1 value of 0 for customers with repeat transactions" in message
    assert "same unit" in message


def test_discrete_summaries_are_checked_against_their_periods(write, mapping):
    frame = pd.DataFrame({"x": [2, 1, 1, 0], "last": [1, 7, 2.5, 0]})
    message = refused(frame, write, "summary:\n  columns: {frequency: x, recency: last}\n"
                      "  periods: 6\n", mapping)
    assert "1 value above the 6 periods the mapping declares" in message
    assert "column 'recency' (your column 'last'): 1 value that is not a whole number" in message
    assert "column 'frequency' (your column 'x'): 1 value greater than recency" in message


def test_a_summary_needs_t_or_periods(write, mapping):
    frame = pd.DataFrame({"frequency": [1, 0], "recency": [3.0, 0.0]})
    message = refused(frame, write, None, mapping)
    assert "map a column as T" in message and "periods: 6" in message
    ok = load_data("summary", write(frame), mapping("summary:\n  periods: 4\n"))
    assert ok.frame["T"].tolist() == [4.0, 4.0]


def test_summary_mapping_keys_are_checked(mapping):
    with pytest.raises(UserDataError, match="unknown time unit 'fortnight'"):
        load_mapping(mapping("time_unit: fortnight\n"), "summary")
    with pytest.raises(UserDataError, match="a whole number such as 6"):
        load_mapping(mapping("periods: 2.5\n"), "summary")
    with pytest.raises(UserDataError, match="'periods:' applies to summary files only"):
        load_mapping(mapping("periods: 6\n"), "transactions")
    assert load_mapping(mapping("time_unit: weeks\n"), "summary").time_unit == "week"


def test_the_bundled_files_validate_through_their_mappings():
    for kind, file, columns_file in (("summary", "donations.csv", "donations.yaml"),
                                     ("experiment", "tipjoke.csv", "tipjoke.yaml")):
        ds = load_data(kind, data_dir() / "real" / file, data_dir() / "mappings" / columns_file)
        assert ds.report.rows_dropped == 0 and not ds.synthetic
