"""Customer-base models against the published CDNOW estimates, lifetimes' numbers
(tests/reference/customer_base.py), a quadrature of the Pareto/NBD likelihood
(tests/reference/pnbd_integral.py) and simulation."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from cxlib import customer_base as cb
from cxlib import customer_value as cv
from cxlib import load_cdnow
from cxlib.errors import NotEstimable

REF = Path(__file__).parent / "reference"
CDNOW_PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


@cache
def reference() -> dict:
    return json.loads((REF / "customer_base.json").read_text(encoding="utf-8"))


@cache
def cdnow() -> pd.DataFrame:
    return cv.cdnow_sample(load_cdnow(sample=True).frame).table


@cache
def cdnow_fit() -> cb.ModelFit:
    d = cdnow()
    return cb.fit_bgnbd(d["frequency"], d["recency"], d["T"], unit="week")


def fixed(model: str, params: dict) -> cb.ModelFit:
    return cb.ModelFit(model, pd.Series(params, dtype=float), np.eye(len(params)), 0.0, 1)


def points() -> tuple[np.ndarray, ...]:
    p = reference()["lifetimes"]["points"]
    return tuple(np.array(p[k]) for k in ("frequency", "recency", "T", "monetary_value"))


def test_cdnow_sample_is_the_published_one():
    d = cdnow()
    assert len(d) == 2357
    assert d["frequency"].sum() == 2457  # repeat purchase days in the 39 calibration weeks
    assert d["T"].max() == pytest.approx(272 / 7)  # 1997-01-01 to 1997-09-30


def test_bgnbd_reproduces_the_published_cdnow_estimates():
    fit = cdnow_fit()
    assert fit.params.round(3).to_dict() == CDNOW_PARAMS
    assert list(fit.params.index) == ["r", "alpha", "a", "b"]
    assert fit.n == 2357


def test_bgnbd_estimates_and_standard_errors_match_lifetimes():
    """lifetimes reports SEs from the Hessian on the natural scale; ours from the log scale
    by the delta method: the same numbers."""
    ref = reference()["lifetimes"]["bgnbd"]
    fit = cdnow_fit()
    for k in ("r", "alpha", "a", "b"):
        assert fit[k] == pytest.approx(ref["params"][k], rel=1e-4)
        assert fit.se[k] == pytest.approx(ref["se"][k], rel=1e-3)
    table = fit.intervals()
    assert (table["ci_low"] < table["estimate"]).all()
    assert (table["estimate"] < table["ci_high"]).all()
    est = fit.estimate("r")
    assert est.covers(0.243) and est.n == 2357


def test_gamma_gamma_reproduces_the_published_cdnow_estimates():
    d = cdnow()
    fit = cb.fit_gamma_gamma(d["frequency"], d["monetary_value"])
    assert fit.n == 946
    assert fit.params.round(2).to_dict() == {"p": 6.25, "q": 3.74, "gamma": 15.44}
    ref = reference()["lifetimes"]["gamma_gamma"]
    assert fit.se["q"] == pytest.approx(ref["se"]["q"], rel=1e-2)


def test_pareto_nbd_reproduces_the_published_cdnow_estimates():
    d = cdnow()
    fit = cb.fit_pnbd(d["frequency"], d["recency"], d["T"])
    published = reference()["published"]["pnbd"]["values"]
    assert fit.params.round(2).to_dict() == published
    assert fit.params.to_numpy() == pytest.approx(
        list(reference()["lifetimes"]["pnbd"]["params"].values()), rel=1e-3)


def test_pareto_nbd_likelihood_matches_quadrature():
    cases = json.loads((REF / "pnbd_integral.json").read_text(encoding="utf-8"))["cases"]
    branches = set()
    for case in cases:
        x, t_x, T = (np.array([v], float) for v in case["point"])
        got = cb.pnbd_loglik(case["params"], x, t_x, T)
        assert got == pytest.approx(case["loglik"], abs=2e-6)
        branches.add(case["params"][1] >= case["params"][3])
    assert branches == {True, False}  # both forms of the hypergeometric term


def test_per_customer_quantities_match_lifetimes():
    ref = reference()["lifetimes"]
    x, t_x, T, z = points()
    bg = fixed("BG/NBD", ref["bgnbd"]["params"])
    pn = fixed("Pareto/NBD", ref["pnbd"]["params"])
    g = ref["gamma_gamma"]["params"]
    gg = fixed("Gamma–Gamma", {"p": g["p"], "q": g["q"], "gamma": g["v"]})
    np.testing.assert_allclose(cb.bgnbd_p_alive(bg, x, t_x, T), ref["p_alive"], rtol=1e-10)
    np.testing.assert_allclose(cb.bgnbd_expected(bg, 39, x, t_x, T), ref["expected_39"],
                               rtol=1e-10)
    np.testing.assert_allclose(cb.bgnbd_expected_new(bg, [1, 10, 39, 78]), ref["expected_new"],
                               rtol=1e-10)
    np.testing.assert_allclose(cb.pnbd_p_alive(pn, x, t_x, T), ref["pnbd_p_alive"], rtol=1e-9)
    np.testing.assert_allclose(cb.pnbd_expected(pn, 39, x, t_x, T), ref["pnbd_expected_39"],
                               rtol=1e-9)
    np.testing.assert_allclose(cb.expected_spend(gg, x, z), ref["expected_spend"], rtol=1e-10)
    clv = cb.expected_spend(gg, x, z) * cb.discounted_purchases(
        bg, x, t_x, T, periods=12, period_length=4.345, discount=0.01)
    np.testing.assert_allclose(clv, ref["clv_12_months_1pct"], rtol=1e-9)


def test_customer_values_table():
    d = cdnow()
    bg = cdnow_fit()
    gg = cb.fit_gamma_gamma(d["frequency"], d["monetary_value"])
    values = cb.customer_values(bg, gg, d, horizon=39, periods=12, period_length=52 / 12,
                                discount=0.01)
    assert values.index.equals(d.index)
    assert values["p_alive"].between(0, 1).all()
    assert (values.loc[d["frequency"] == 0, "p_alive"] == 1).all()  # BG/NBD: no repeat, alive
    # Σ_k Δ_k / 1.01^k lies between the undiscounted 12-month total over 1.01^12 and over 1.01
    total = cb.bgnbd_expected(bg, 52, d["frequency"], d["recency"], d["T"])
    assert (values["discounted_purchases"] > total / 1.01**12).all()
    assert (values["discounted_purchases"] < total / 1.01).all()
    assert values["clv"].equals(values["expected_spend"] * values["discounted_purchases"])


def test_bgnbd_gradient_and_compression_are_exact():
    rng = np.random.default_rng(3)
    d = cb.simulate_bgnbd(3000, 0.5, 6.0, 1.2, 3.0, np.round(rng.uniform(5, 60, 3000)), rng)
    d["recency"] = np.round(d["recency"])  # many identical customers to compress
    x, t_x, T = (d[c].to_numpy() for c in ("frequency", "recency", "T"))
    theta = np.log([0.4, 5.0, 0.9, 2.5])
    packed = cb._Customers.of(x, t_x, T)
    assert len(packed.x) + len(packed.T0) < 0.8 * len(x)
    ll, grad = cb._bgnbd(theta, packed)
    ll0, ll1, s0, s1 = cb._bgnbd(theta, cb._Customers.of(x, t_x, T, compress=False),
                                 per_customer=True)
    assert ll == pytest.approx(ll0.sum() + ll1.sum(), rel=1e-12)
    np.testing.assert_allclose(grad, s0.sum(axis=0) + s1.sum(axis=0), rtol=1e-9)
    numeric = optimize.approx_fprime(theta, lambda t: cb._bgnbd(t, packed)[0], 1e-7)
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-3)


def test_bgnbd_intervals_cover_the_truth_in_simulation():
    """200 data sets of 2,000 customers from known parameters: each parameter's 95%
    interval (observed information, log scale) covers its true value in about 95%."""
    truth = np.array([0.5, 6.0, 0.9, 2.5])
    rng = np.random.default_rng(11)
    hits = np.zeros(4)
    reps = 200
    for _ in range(reps):
        T = rng.uniform(10, 60, 2000)
        d = cb.simulate_bgnbd(2000, *truth, T, rng)
        table = cb.fit_bgnbd(d["frequency"], d["recency"], d["T"]).intervals()
        hits += (table["ci_low"].to_numpy() <= truth) & (truth <= table["ci_high"].to_numpy())
    coverage = hits / reps
    assert np.all((coverage >= 0.90) & (coverage <= 0.99)), coverage


def test_gamma_gamma_recovers_its_parameters():
    rng = np.random.default_rng(5)
    n = 20000
    p, q, gamma = 6.0, 4.0, 15.0
    x = rng.integers(1, 8, n)
    nu = rng.gamma(q, 1 / gamma, n)
    zbar = rng.gamma(p * x, 1 / (nu * x))  # the mean of x Gamma(p, ν) draws
    fit = cb.fit_gamma_gamma(x, zbar)
    table = fit.intervals()
    for k, v in {"p": p, "q": q, "gamma": gamma}.items():
        assert table.loc[k, "ci_low"] <= v <= table.loc[k, "ci_high"]


def simulate_pnbd(n, r, alpha, s, beta, T, rng) -> pd.DataFrame:
    """Pareto/NBD customers: λ ~ Gamma(r, α), lifetime ~ Exp(μ), μ ~ Gamma(s, β); x ~
    Poisson(λ · min(lifetime, T)); the last of x uniform times is min(lifetime, T) · U^(1/x)."""
    lam, mu = rng.gamma(r, 1 / alpha, n), rng.gamma(s, 1 / beta, n)
    active = np.minimum(rng.exponential(1 / mu), T)
    x = rng.poisson(lam * active)
    t_x = np.where(x > 0, active * rng.random(n) ** (1 / np.maximum(x, 1)), 0.0)
    return pd.DataFrame({"frequency": x.astype(float), "recency": t_x, "T": T})


def test_pareto_nbd_recovers_its_parameters():
    rng = np.random.default_rng(8)
    truth = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}
    d = simulate_pnbd(5000, *truth.values(), rng.uniform(30, 78, 5000), rng)
    table = cb.fit_pnbd(d["frequency"], d["recency"], d["T"]).intervals()
    for k, v in truth.items():
        assert table.loc[k, "ci_low"] <= v <= table.loc[k, "ci_high"], (k, table)


def test_holdout_check_on_cdnow():
    d = cdnow()
    table = cv.holdout_check(cdnow_fit(), d).table
    assert table["customers"].sum() == 2357
    assert list(table.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    actual = (table["customers"] * table["actual"]).sum()
    assert actual == d["holdout_frequency"].sum() == 1882
    expected = (table["customers"] * table["expected"]).sum()
    assert 0.8 < expected / actual < 1.0  # the BG/NBD under-predicts CDNOW's holdout a little
    assert table["expected"].is_monotonic_increasing


def test_degenerate_inputs_are_not_estimable():
    with pytest.raises(NotEstimable, match="no customer made a repeat purchase"):
        cb.fit_bgnbd([0, 0, 0], [0, 0, 0], [10, 20, 30])
    with pytest.raises(NotEstimable, match="n = 0"):
        cb.fit_bgnbd([], [], [])
    with pytest.raises(ValueError, match="impossible summaries"):
        cb.fit_bgnbd([1, 0], [12, 0], [10, 5])  # recency after the end
    with pytest.raises(NotEstimable, match="spend model"):
        cb.fit_gamma_gamma([1, 2, 3], [10.0, 10.0, 10.0])


def test_fit_is_fast_and_displays():
    rng = np.random.default_rng(0)
    d = cb.simulate_bgnbd(100_000, 0.243, 4.414, 0.793, 2.426,
                          np.round(rng.uniform(1, 78, 100_000) * 7) / 7, rng)
    fit = cb.fit_bgnbd(d["frequency"], d["recency"], d["T"], unit="week")
    table = fit.intervals()
    for k, v in CDNOW_PARAMS.items():
        assert table.loc[k, "ci_low"] <= v <= table.loc[k, "ci_high"]
    html = fit._repr_html_()
    assert "BG/NBD" in html and "alpha" in html and "100,000" in html


def test_a_ridge_is_reported_and_predictions_survive_it():
    """Customers who all drop out at one constant rate in calendar time (not after
    purchases) can push the BG/NBD's a and b to infinity with a/(a+b) fixed: the parameters
    are then not identified, but P(alive) and expected purchases still are."""
    from cxlib.analyses.repeat import BusinessParams, _window, simulate_log

    log = simulate_log(BusinessParams(months=36), np.random.default_rng(1108))
    w = _window(log, 12, 7.0)
    x, t_x, T = w.x[w.old], w.t_x[w.old], w.T[w.old]
    with pytest.raises(NotEstimable, match=r"not identified by these data: a \+ b ran off"):
        cb.fit_bgnbd(x, t_x, T)
    fit = cb.fit_bgnbd(x, t_x, T, strict=False)
    assert fit.problem and fit["a"] > 1e4
    assert fit.estimate("a").problem == fit.problem
    assert "the mean chance a/(a + b), not a and b" in fit._repr_html_()
    expected = cb.bgnbd_expected(fit, 52, x, t_x, T)
    assert np.all(np.isfinite(expected)) and expected.sum() > 0
    assert np.isfinite(np.diag(fit.cov_log)).all()


def test_analyse_log_on_the_sample():
    from cxlib import load_data

    tx = load_data("transactions").frame
    model = cv.analyse_log(tx, "2023-12-31")
    assert model.bgnbd.n == len(model.data) == len(model.values)
    assert model.data["holdout_length"].iloc[0] == pytest.approx(366 / 7)
    assert model.holdout.table["customers"].sum() == model.bgnbd.n
    assert model.values["clv"].gt(0).all() and model.table is model.values
    assert model.unit == "week" and model.calibration_end == "2023-12-31"


def test_bgnbd_survival_and_time_active_match_simulation():
    """P(alive at T+s | history) and the expected time active over the next H weeks against
    simulated BG/NBD customers: in each group of calibration frequency the mean prediction
    equals the simulated share still active s weeks on, and the mean simulated time active
    (law of total probability; 4 standard errors)."""
    rng = np.random.default_rng(2005)
    n, s, horizon = 400_000, 26.0, 52.0
    r, alpha, a, b = CDNOW_PARAMS.values()
    T = rng.uniform(1, 78, n)
    lam, p = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    J, N = rng.geometric(p), rng.poisson(lam * T)  # dropout after the J-th repeat purchase
    x = np.minimum(J, N)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), N - x + 1), 0.0)
    # alive at T when N < J; the dropout then comes J − N purchases later (memoryless)
    remaining = np.where(N < J, rng.gamma(np.maximum(J - N, 1), 1 / lam), 0.0)
    fit = fixed("BG/NBD", CDNOW_PARAMS)
    alive = cb.bgnbd_p_alive_at(fit, s, x, t_x, T)
    active = cb.bgnbd_expected_active(fit, horizon, x, t_x, T)
    assert cb.bgnbd_p_alive_at(fit, 0, x, t_x, T) == pytest.approx(cb.bgnbd_p_alive(fit, x, t_x,
                                                                                       T))
    assert ((active >= 0) & (active <= horizon)).all()
    for g in range(4):
        m = np.minimum(x, 3) == g
        for predicted, simulated in ((alive, remaining > s),
                                     (active, np.minimum(remaining, horizon))):
            se = simulated[m].std() / np.sqrt(m.sum())
            assert abs(predicted[m].mean() - simulated[m].mean()) < 4 * se, (g, se)


def test_expected_time_active_is_the_integral_of_survival():
    from scipy import integrate

    d = cdnow().iloc[[0, 5, 100, 1000]]
    fit = cdnow_fit()
    got = cb.bgnbd_expected_active(fit, 52, d["frequency"], d["recency"], d["T"])
    for i, (x, t_x, T) in enumerate(d[["frequency", "recency", "T"]].to_numpy()):
        want = integrate.quad(lambda s, *h: cb.bgnbd_p_alive_at(fit, s, *h), 0, 52,
                              args=(x, t_x, T))[0]
        assert got[i] == pytest.approx(want, rel=1e-10)


def test_by_segment_sums_the_customers_up():
    """RET-1's view of a transaction log: P(alive) and time active by first-purchase cohort
    (CDNOW: the January, February and March 1997 cohorts, 39 holdout weeks)."""
    model = cv.analyse_log(load_cdnow().frame, cv.CDNOW_CALIBRATION_END)
    v = model.values
    table = cv.by_segment(model, freq="M").table
    assert list(table.index) == ["1997-01", "1997-02", "1997-03"]
    assert table["customers"].sum() == len(v) == 23_570
    assert (table["customers"] * table["share_alive"]).sum() == pytest.approx(v["p_alive"].sum())
    assert table["total_clv"].sum() == pytest.approx(v["clv"].sum())
    assert (table["share_of_horizon_active"] <= table["share_alive"]).all()  # S(s) ≤ P(alive)
    assert table["share_of_horizon_active"].between(0, 1).all()
    assert list(cv.by_segment(model).table.index) == ["1997Q1"]  # default: quarter
    with pytest.raises(ValueError, match="2 customers have no segment label"):
        cv.by_segment(model, pd.Series("a", index=v.index[2:]))


def test_poorly_determined_parameters_are_named_under_the_fit():
    """A parameter whose interval spans more than a factor 100 is named in a note under the
    fit (html and text); a well-determined fit has no note."""
    params = pd.Series({"r": 0.7, "alpha": 8.0, "a": 4.0, "b": 23.0})
    wide = cb.ModelFit("BG/NBD", params, np.diag([0.01, 0.01, 4.0, 4.0]), -100.0, 500)
    assert wide.poorly_determined() == ["a", "b"]  # exp(±1.96·2): a factor 2,500
    assert "a and b are poorly determined" in wide._repr_html_()
    assert "a and b are poorly determined" in repr(wide)
    tight = cb.ModelFit("BG/NBD", params, np.diag([0.01] * 4), -100.0, 500)
    assert tight.poorly_determined() == [] and tight.note() is None
    assert "Note" not in tight._repr_html_()


# -- one identification rule, whatever the time unit ---------------------------------------

UNITS = {"days": 1.0, "weeks": 7.0, "years": 365.25}
BGNBD_BUSINESS = {"months": 24, "first_month": 30, "dropout_beta": (1.0, 4.0)}


def fits_in_units(log: pd.DataFrame) -> dict[str, cb.ModelFit]:
    """The BG/NBD fit of the ageing baseline (history before the last 12 months) in days,
    weeks and years, unidentified fits kept (strict=False)."""
    from cxlib.analyses.repeat import _window

    out = {}
    for name, days in UNITS.items():
        w = _window(log, 12, days)
        out[name] = cb.fit_bgnbd(w.x[w.old], w.t_x[w.old], w.T[w.old], unit=name,
                                 strict=False)
    return out


@pytest.mark.parametrize("business, seed, identified", [
    ({"months": 36}, 1108, False),  # before the rule: refused in days and weeks, not years
    (BGNBD_BUSINESS, 7, False),     # accepted in days, refused in weeks and years
    (BGNBD_BUSINESS, 14, False),    # refused in days and years, accepted in weeks
    (BGNBD_BUSINESS, 0, True),
    ({"months": 36}, 1, True),
])
def test_identification_does_not_depend_on_the_time_unit(business, seed, identified):
    """Issue 19: the same log in days, weeks and years gets the same decision. A change
    of time unit multiplies alpha by a constant and leaves r, a, b and the log-parameters'
    standard errors alone, and the fit is made on times divided by their mean. Along a
    ridge the point where the optimiser stops still moves with rounding, so the rule does
    not depend on it."""
    from cxlib.analyses.repeat import BusinessParams, simulate_log

    log = simulate_log(BusinessParams(**business), np.random.default_rng(seed))
    fits = fits_in_units(log)
    assert [f.problem is None for f in fits.values()] == [identified] * 3, {
        k: f.problem for k, f in fits.items()}
    days = fits["days"]
    for name, f in fits.items():
        k = UNITS[name]
        if identified:
            assert f["alpha"] * k == pytest.approx(days["alpha"], rel=1e-6)
            for p in ("r", "a", "b"):
                assert f[p] == pytest.approx(days[p], rel=1e-6)
            assert f.se_log.to_numpy() == pytest.approx(days.se_log.to_numpy(), rel=1e-3)
        else:  # where the optimiser stops on the ridge is chance; what the data pin down is not
            assert "a + b ran off" in f.problem and f["a"] + f["b"] > cb.SHAPE_LIMIT
            assert f["alpha"] * k == pytest.approx(days["alpha"], rel=1e-4)
            assert f["r"] == pytest.approx(days["r"], rel=1e-4)
            assert f["a"] / (f["a"] + f["b"]) == pytest.approx(
                days["a"] / (days["a"] + days["b"]), rel=1e-4)


def test_cdnow_sample_is_identified_in_every_unit():
    """Fader, Hardie & Lee's 1/10 CDNOW sample: identified in days, weeks and years, with
    the published estimates (alpha in weeks) and the same log-likelihood up to Σx · log k."""
    d = cdnow()
    for name, days in UNITS.items():
        k = 7.0 / days  # weeks → this unit
        fit = cb.fit_bgnbd(d["frequency"], d["recency"] * k, d["T"] * k, unit=name)
        assert fit.problem is None
        assert (fit.params * [1, 1 / k, 1, 1]).round(3).to_dict() == CDNOW_PARAMS
        assert fit.loglik == pytest.approx(cdnow_fit().loglik - d["frequency"].sum() * np.log(k),
                                           rel=1e-9)
        assert fit.loglik == pytest.approx(cb.bgnbd_loglik(fit.params, d["frequency"],
                                                           d["recency"] * k, d["T"] * k))


def test_an_unidentified_fit_is_never_used_downstream():
    """One log, one rule: the ageing baseline (in any time unit), the customer values of the
    same history and the projected share all refuse the fit, with the same reason."""
    from cxlib.analyses.repeat import (
        BusinessParams,
        ageing_baseline,
        repeat_share_ahead,
        simulate_log,
    )

    log = simulate_log(BusinessParams(**BGNBD_BUSINESS), np.random.default_rng(7))
    day = pd.to_datetime(log["date"]).dt.normalize()
    cut = day.max() - pd.DateOffset(months=12)
    problem = fits_in_units(log)["weeks"].problem
    assert problem.startswith("the BG/NBD parameters are not identified by these data: a + b "
                              "ran off to")
    reasons = []
    for days in UNITS.values():
        with pytest.raises(NotEstimable) as why:
            ageing_baseline(log, unit_days=days)
        reasons.append(str(why.value))
    needs = "needs an identified BG/NBD fit, and"
    assert reasons[1] == f"the constant-behaviour baseline {needs} {problem}"
    assert all(r.startswith("the constant-behaviour baseline needs") for r in reasons)
    with pytest.raises(NotEstimable) as why:
        cv.analyse_log(log, cut)
    assert str(why.value) == f"the valuation of customers {needs} {problem}"
    with pytest.raises(NotEstimable, match="the projected repeat share needs an identified"):
        repeat_share_ahead(log[day <= cut], inflow_per_month=10)
    data = cv.calibration_holdout(log, cut).table
    spend = cb.fit_gamma_gamma(data["frequency"], data["monetary_value"])
    with pytest.raises(NotEstimable, match="the valuation of customers needs"):
        cb.customer_values(fits_in_units(log)["weeks"], spend, data, horizon=52, periods=12,
                           period_length=30.44 / 7, discount=0.01)


def test_identification_rule_in_words():
    """The three rules, on the unit-free scale: a finite maximum, no collapsed mixing
    distribution (shape or concentration beyond 10,000), a positive definite information."""
    names = cb.BGNBD_PARAMS
    info = np.diag([4.0, 3.0, 2.0, 1.0])
    ok = np.log([0.5, 1.0, 2.0, 3.0])
    assert cb.identification_problem("BG/NBD", ok, names, info) is None
    far = cb.identification_problem("BG/NBD", ok + np.array([0, 31, 0, 0]), names, info)
    assert far.startswith("the BG/NBD likelihood has no finite maximum")
    flat = cb.identification_problem("BG/NBD", np.log([2e4, 1.0, 2.0, 3.0]), names, info)
    assert "r ran off to 2e+04 (beyond 10,000)" in flat and "buys at the same rate" in flat
    singular = cb.identification_problem("BG/NBD", ok, names, np.diag([4.0, 3.0, 2.0, 0.0]))
    assert "the observed information is singular" in singular
    shown = cb.identification_problem("BG/NBD", np.log([2e4, 1.0, 2.0, 3.0]), names, info,
                                      np.array([0, np.log(7), 0, 0]))
    assert "alpha = 7," in shown  # the words give alpha in the caller's unit
