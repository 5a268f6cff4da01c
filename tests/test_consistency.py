"""The consistency hazard model: running experience by hand, no false effect under the null
when churn is high after a first visit, and recovery of the sample generator's parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from cxlib import consistency, sample
from cxlib.data.derived import experience_so_far
from cxlib.errors import NotEstimable
from cxlib.notebook import readings
from cxlib.registry.claims import get_claim
from cxlib.stats.verdicts import NOT_SUPPORTED, SUPPORTED


def test_running_mean_and_sd_by_hand():
    visits = pd.DataFrame({"visit_id": ["a", "b", "c"], "customer_id": ["x", "x", "x"],
                           "visit_date": pd.to_datetime(["2024-01-01", "2024-02-01",
                                                         "2024-03-01"]),
                           "quality": [4.0, 6.0, 5.0]})
    out = experience_so_far(visits)
    assert out["mean_so_far"].tolist() == [4.0, 5.0, 5.0]
    assert np.isnan(out["sd_so_far"].iloc[0])  # no spread after one visit
    assert out["sd_so_far"].iloc[1:].tolist() == pytest.approx([np.sqrt(2), 1.0])
    assert out["visit_number"].tolist() == [1, 2, 3]


def visits(seed, n=500):
    frame = sample.visits(sample.VisitParams(customers=n), np.random.default_rng(seed))
    return frame.assign(visit_date=pd.to_datetime(frame["visit_date"]))


def test_hazard_parameters_are_recovered_with_nominal_coverage():
    p = sample.VisitParams()
    truth = {"mean_c": p.h_mean, "sd_so_far": p.h_sd}
    hits = []
    for seed in range(40):
        ci = consistency.hazard_model(visits(seed), interaction=False).fit.conf_int()
        hits.append([ci.loc[k, "ci_low"] <= v <= ci.loc[k, "ci_high"] for k, v in truth.items()])
    assert np.all(np.mean(hits, axis=0) >= 0.85)


def test_predicted_churn_rises_with_variability():
    fit = consistency.hazard_model(visits(1, 800))
    curves = consistency.predicted_churn(fit, np.array([5.0]), (0.2, 1.5)).table
    assert fit.table.loc["sd_so_far", "odds ratio"] == pytest.approx(
        np.exp(fit.fit.params["sd_so_far"])) and fit.n == fit.fit.nobs
    assert curves.loc[1, "p_leave"] > curves.loc[0, "p_leave"]
    assert (curves["visit"] == fit.typical_visit).all() and fit.typical_visit > 1
    assert (curves["ci_low"] < curves["p_leave"]).all()


def chain_visits(rng, customers: int = 400, first: float = 1.5, h_sd: float = 0.0,
                 max_visits: int = 12) -> pd.DataFrame:
    """Visits to 12 outlets of unequal consistency (as in :mod:`cxlib.data.sample`), with
    logit P(leave after visit v) = −2.2 + first·[v = 1] − 0.5 (mean − 4.5) + h_sd·sd:
    with the default *first*, a third of customers leave after their first visit."""
    mu, sigma = rng.normal(4.6, 0.5, 12), rng.uniform(0.3, 1.6, 12)
    home = rng.integers(0, 12, customers)
    outlet = np.where(rng.random((customers, max_visits)) < 0.8, home[:, None],
                      rng.integers(0, 12, (customers, max_visits)))
    q = np.round(np.clip(rng.normal(mu[outlet], sigma[outlet]), 1, 7), 1)
    n = np.arange(1, max_visits + 1)
    mean = np.cumsum(q, axis=1) / n
    sd = np.sqrt(np.clip((np.cumsum(q**2, axis=1) - n * mean**2) / np.maximum(n - 1, 1), 0,
                         None))
    leave = rng.random(q.shape) < expit(-2.2 + first * (n == 1) - 0.5 * (mean - 4.5)
                                        + h_sd * sd)
    last = np.where(leave.any(axis=1), leave.argmax(axis=1), max_visits - 1)
    c, v = np.nonzero(n[None, :] <= last[:, None] + 1)
    return pd.DataFrame({"visit_id": np.arange(len(c)), "customer_id": c,
                         "visit_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(30 * v, "D"),
                         "quality": q[c, v], "churned_after": leave[c, v].astype(int)})


def test_no_false_variability_effect_when_first_visits_churn_most():
    """Null: variability does nothing, but a third leave after visit 1 (where the SD is
    undefined). Without a baseline in visit number the old model read OR ≈ 0.38 [0.34,
    0.43] here ("not supported" every time); with it, the interval covers 1."""
    rule = get_claim("CON-1").spec("sd_effect").rule
    rng = np.random.default_rng(17)
    covers, verdicts = [], []
    for _ in range(150):
        fit = consistency.hazard_model(chain_visits(rng), interaction=False)
        est = consistency.odds_ratio(fit, "sd_so_far", "odds ratio per point of SD")
        covers.append(est.covers(1.0))
        verdicts.append(rule.judge(est).label)
    assert 0.90 <= np.mean(covers) <= 0.99
    assert np.mean(np.array(verdicts) == SUPPORTED) <= 0.05
    assert np.mean(np.array(verdicts) == NOT_SUPPORTED) <= 0.05
    assert "clustered by customer" in est.method


def test_a_planted_variability_effect_is_found_beside_first_visit_churn():
    rng = np.random.default_rng(3)
    fit = consistency.hazard_model(chain_visits(rng, customers=3000, h_sd=0.6),
                                   interaction=False)
    est = consistency.odds_ratio(fit, "sd_so_far", "odds ratio per point of SD")
    assert est.covers(np.exp(0.6)) and est.ci_low > 1.2
    assert fit.table.loc["first_visit", "odds ratio"] == pytest.approx(np.exp(1.5), rel=0.2)


def test_baseline_adapts_to_few_visit_numbers_and_degenerate_data_are_not_estimable():
    rng = np.random.default_rng(5)
    short = chain_visits(rng, max_visits=3)
    terms = consistency.hazard_model(short).fit.params.index
    assert {"first_visit", "visit_spline_1"} <= set(terms)
    two = consistency.hazard_model(chain_visits(rng, max_visits=2)).fit.params.index
    assert not any(c.startswith("visit_spline") for c in two)
    with pytest.raises(NotEstimable):
        consistency.hazard_model(short.assign(churned_after=0))
    with pytest.raises(NotEstimable):
        consistency.hazard_model(chain_visits(rng, max_visits=1))


def test_the_sentence_under_the_churn_curves_reads_both_scales_from_the_curves():
    """Issue 24 (07): the text said "mean quality protects less when service varies" while
    the figure showed the inconsistent curve falling more, in points. The sentence is
    computed from the curves and names both scales: here the high-SD curve falls 21 points
    against 18, but divides the odds by less."""
    import pandas as pd

    curves = pd.DataFrame({"mean quality": [3.0, 6.5, 3.0, 6.5], "sd": [0.2, 0.2, 1.2, 1.2],
                           "p_leave": [0.22, 0.04, 0.29, 0.08]})
    said = readings.churn_curves(curves)
    assert "from 29% to 8% (21 points) at SD 1.2" in said
    assert "from 22% to 4% (18 points) at SD 0.2" in said
    assert "lowers churn more when service varies" in said
    assert "by 4.7 at SD 1.2 and by 6.8 at SD 0.2: it protects less" in said


def test_the_model_table_says_what_each_term_is():
    fit = consistency.hazard_model(visits(1, 800), centre=4.5)
    terms = fit.table["term"]
    assert terms["mean_c"] == "mean quality so far, minus 4.5"
    assert terms["const"].startswith("intercept") and "odds, not a ratio" in terms["const"]
    assert terms["sd_so_far"].endswith("at mean quality 4.5")  # issue 24 (07): read at centre
    simple = consistency.hazard_model(visits(1, 800), centre=4.5, interaction=False)
    assert "at mean quality" not in simple.table["term"]["sd_so_far"]
    assert all(not t.startswith(("visit_spline", "mean_c")) for t in terms)
    assert fit.estimate("sd_so_far").value == pytest.approx(np.exp(fit.fit.params["sd_so_far"]))
    said = readings.hazard_scale(fit)  # the n, the clusters and the scale, from the fit
    assert f"n = {fit.n:,} customer-visits of {fit.clusters:,} customers" in said
    assert "log-odds scale" in said and "clustered by customer" in said
