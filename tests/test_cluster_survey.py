"""Outlet-clustered intervals for the survey figures (LOY-1, LOY-2, REL-2): CR1 against R's
sandwich::vcovCL (tests/reference/cluster_survey.R), and by simulation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlib.analyses.drivers import key_drivers, relative_importance, standardised_effects
from cxlib.analyses.loyalty import logistic_effect, ordinal_effect, top_box_step
from cxlib.analyses.relationships import price_premium
from cxlib.data.constructs import survey_cluster
from cxlib.errors import NotEstimable, UserDataError
from cxlib.stats.pls import bootstrap_paths, path_estimate

REFERENCE = json.loads((Path(__file__).parent / "reference" / "cluster_survey.json").read_text())
MODELS = REFERENCE["models"]
Z = 1.959963984540054
BLOCKS = {"Q": ["rel", "res", "tan"], "SAT": ["overall_sat"], "LOY": ["repurchase_intent"]}


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return pd.DataFrame(REFERENCE["data"])


def se(model: str, kind: str) -> np.ndarray:
    """Standard errors of the slopes (the intercept left out) from R's covariance."""
    cov = np.atleast_2d(MODELS[model][kind])
    start = 0 if MODELS[model]["kind"] == "polr" else 1
    return np.sqrt(np.diag(cov))[start:]


def test_key_drivers_clustered_match_vcovcl(survey):
    ref = MODELS["drivers"]
    table = key_drivers(survey, "overall_sat", ["rel", "res", "tan"], cluster="outlet_id")
    assert table["coefficient"].to_numpy() == pytest.approx(ref["coef"][1:], rel=1e-9)
    # OLS: vcovCL type "HC1" = G/(G−1)·(n−1)/(n−k), also R's default for lm
    assert table["robust SE"].to_numpy() == pytest.approx(se("drivers", "CL_HC1"), rel=1e-8)
    half = Z * se("drivers", "CL_HC1")
    assert table["ci_low"].to_numpy() == pytest.approx(np.array(ref["coef"][1:]) - half,
                                                       rel=1e-8)
    assert table.attrs["method"] == "SE clustered by outlet_id (CR1, 30 clusters)"
    est = standardised_effects(table)["rel"]
    assert "clustered by outlet_id (CR1, 30 clusters)" in est.method
    # without cluster= the errors stay HC3, as R's vcovHC(type = "HC3")
    hc3 = key_drivers(survey, "overall_sat", ["rel", "res", "tan"])
    assert hc3["robust SE"].to_numpy() == pytest.approx(se("drivers", "HC3"), rel=1e-8)
    assert hc3.attrs["method"] == "HC3 SE"


def test_price_premium_clustered_matches_vcovcl(survey):
    ref, mean = MODELS["premium"], survey["price_paid"].mean()
    est = price_premium(survey, survey["service"], cluster="outlet_id")
    b, s = ref["coef"][1], se("premium", "CL_HC1")[0]
    assert (est.value, est.ci_low, est.ci_high) == pytest.approx(
        ((b) / mean, (b - Z * s) / mean, (b + Z * s) / mean), rel=1e-8)
    assert "SE clustered by outlet_id (CR1, 30 clusters)" in est.method
    plain = price_premium(survey, survey["service"])
    assert plain.ci_high - plain.value == pytest.approx(Z * se("premium", "HC3")[0] / mean,
                                                        rel=1e-8)


def test_logistic_effect_clustered_matches_vcovcl(survey):
    """A GLM's CR1 is G/(G−1)·BMB: vcovCL's default for glm (type "HC0", as Stata's
    logit, vce(cluster)); vcovCL(type = "HC1") is that times (n−1)/(n−k), stored too."""
    ref, n = MODELS["churn"], REFERENCE["n"]
    est, fit = logistic_effect(survey, "churned", "overall_sat", cluster="outlet_id")
    assert fit.params.to_numpy() == pytest.approx(ref["coef"], rel=1e-6)
    assert fit.cov.to_numpy() == pytest.approx(np.array(ref["CL_HC0"]), rel=1e-6)
    assert np.array(ref["CL_HC1"]) == pytest.approx(np.array(ref["CL_HC0"]) * (n - 1) / (n - 2),
                                                    rel=1e-12)
    b, s = ref["coef"][1], se("churn", "CL_HC0")[0]
    assert (est.value, est.ci_low, est.ci_high) == pytest.approx(
        tuple(np.exp([b, b - Z * s, b + Z * s])), rel=1e-6)
    assert "SE clustered by outlet_id (CR1, 30 clusters)" in est.method


def test_ordinal_effect_clustered_matches_vcovcl_on_polr(survey):
    """MASS::polr with vcovCL(type = "HC0") (its default for polr): G/(G−1)·BMB, from
    the per-row scores and Hessian. statsmodels' scores are numerical and its BFGS stops
    near the optimum, so the agreement is to about 2e-5."""
    ref = MODELS["ordinal"]
    est, fit = ordinal_effect(survey, "repurchase_intent", "overall_sat", cluster="outlet_id")
    assert np.log(est.value) == pytest.approx(ref["coef"], rel=1e-4)
    assert fit.cov.iloc[0, 0] == pytest.approx(ref["CL_HC0"], rel=1e-4)
    s = np.sqrt(ref["CL_HC0"])
    assert (est.ci_low, est.ci_high) == pytest.approx(
        (np.exp(ref["coef"] - Z * s), np.exp(ref["coef"] + Z * s)), rel=1e-4)
    assert est.method == "ordinal logit, SE clustered by outlet_id (CR1, 30 clusters)"
    # unclustered: HC0 as sandwich(polr); the outlets double the variance here
    plain, pfit = ordinal_effect(survey, "repurchase_intent", "overall_sat")
    assert pfit.cov.iloc[0, 0] == pytest.approx(ref["HC0"], rel=1e-4)
    assert plain.method == "ordinal logit, sandwich (HC0) SE"
    assert ref["CL_HC0"] / ref["HC0"] > 1.8


def test_relative_importance_resamples_outlets(survey):
    by_row = relative_importance(survey, "overall_sat", ["rel", "res", "tan"], n_boot=200)
    by_outlet = relative_importance(survey, "overall_sat", ["rel", "res", "tan"], n_boot=200,
                                    cluster="outlet_id")
    assert by_outlet["LMG (R² points)"].to_numpy() == pytest.approx(
        by_row["LMG (R² points)"].to_numpy(), rel=1e-12)  # same point estimates
    assert by_outlet.attrs["method"] == ("percentile bootstrap (200) clustered by outlet_id "
                                         "(30 clusters)")
    assert by_outlet.attrs["clusters"] == 30 and by_outlet.attrs["failed"] == 0
    assert by_row.attrs["method"] == "percentile bootstrap (200) over respondents"
    # where half of the driver's and of the error's variance is the outlet's, resampling
    # outlets widens the interval of the driver's share (1.78× here), as it must
    d = clustered_survey(np.random.default_rng(7))
    rows = relative_importance(d, "y", ["x", "z"], n_boot=200)
    outlets = relative_importance(d, "y", ["x", "z"], n_boot=200, cluster="outlet_id")
    width = (outlets["ci_high"] - outlets["ci_low"]) / (rows["ci_high"] - rows["ci_low"])
    assert width["x"] > 1.5


def test_top_box_step_resamples_outlets(survey):
    plain = top_box_step(survey, "repurchase_intent", "overall_sat", n_boot=200)
    est = top_box_step(survey, "repurchase_intent", "overall_sat", n_boot=200,
                       cluster="outlet_id")
    assert est.value == pytest.approx(plain.value, rel=1e-12) and est.n == plain.n
    assert est.method == ("difference of mean gains, percentile bootstrap (200) clustered by "
                          "outlet_id (30 clusters)")
    assert est.draws == 200 and est.failed == 0
    # satisfaction and loyalty both carry the outlet's level: resampling outlets widens
    # the interval (2.05× here)
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(40), 15)
    u = rng.normal(size=40)
    x = np.clip(np.round(3 + u[g] + 0.7 * rng.normal(size=len(g))), 1, 5)
    d = pd.DataFrame({"outlet_id": g, "x": x, "y": 0.5 * x + 1.5 * u[g] + rng.normal(size=len(g))})
    rows = top_box_step(d, "y", "x", n_boot=200)
    outlets = top_box_step(d, "y", "x", n_boot=200, cluster="outlet_id")
    assert (outlets.ci_high - outlets.ci_low) / (rows.ci_high - rows.ci_low) > 1.5


def test_pls_paths_resample_outlets(survey):
    plain = bootstrap_paths(survey, BLOCKS, ["Q -> SAT", "SAT -> LOY"], n_boot=100)
    table = bootstrap_paths(survey, BLOCKS, ["Q -> SAT", "SAT -> LOY"], n_boot=100,
                            cluster="outlet_id")
    assert table["coefficient"].to_numpy() == pytest.approx(plain["coefficient"].to_numpy(),
                                                            rel=1e-12)
    assert table.attrs["clusters"] == 30 and table.attrs["failed"] == 0
    assert path_estimate(table, "SAT", "LOY").method == (
        "PLS-PM mode A, path weighting, bootstrap (100) clustered by outlet_id (30 clusters)")
    assert path_estimate(plain, "SAT", "LOY").method == (
        "PLS-PM mode A, path weighting, bootstrap (100)")
    # half of x's and of y's variance is the outlet's: outlets widen the interval (2.0× here)
    d = clustered_survey(np.random.default_rng(7))
    rows = bootstrap_paths(d, {"X": ["x"], "Y": ["y"]}, ["X -> Y"], n_boot=100).iloc[0]
    outlets = bootstrap_paths(d, {"X": ["x"], "Y": ["y"]}, ["X -> Y"], n_boot=100,
                              cluster="outlet_id").iloc[0]
    assert (outlets.ci_high - outlets.ci_low) / (rows.ci_high - rows.ci_low) > 1.5


@pytest.mark.parametrize("analysis", [
    lambda f, c: key_drivers(f, "overall_sat", ["rel", "res"], cluster=c),
    lambda f, c: relative_importance(f, "overall_sat", ["rel", "res"], n_boot=20, cluster=c),
    lambda f, c: ordinal_effect(f, "repurchase_intent", "overall_sat", cluster=c),
    lambda f, c: logistic_effect(f, "churned", "overall_sat", cluster=c),
    lambda f, c: price_premium(f, f["service"], cluster=c),
    lambda f, c: top_box_step(f, "repurchase_intent", "overall_sat", n_boot=20, cluster=c),
    lambda f, c: bootstrap_paths(f, BLOCKS, ["Q -> SAT", "SAT -> LOY"], n_boot=5, cluster=c),
])
def test_one_outlet_is_not_estimable_and_a_missing_column_is_named(survey, analysis):
    with pytest.raises(NotEstimable, match="one cluster"):
        analysis(survey.assign(outlet_id="O01"), "outlet_id")
    with pytest.raises(UserDataError, match="no column 'store' to cluster by"):
        analysis(survey, "store")


def test_survey_cluster_names_outlets_only_when_there_are_several():
    assert survey_cluster(pd.DataFrame({"outlet_id": ["a", "b", None]})) == "outlet_id"
    assert survey_cluster(pd.DataFrame({"outlet_id": ["a", "a", None]})) is None
    assert survey_cluster(pd.DataFrame({"x": [1, 2]})) is None


def clustered_survey(rng, outlets: int = 40, size: int = 15, b: float = 0.5) -> pd.DataFrame:
    """Respondents in outlets; half the variance of the driver score and of the error is
    the outlet's, so HC3's independence is wrong (Moulton factor 1 + ½·½·14 = 4.5)."""
    g = np.repeat(np.arange(outlets), size)
    x = rng.normal(size=outlets)[g] + rng.normal(size=len(g))
    y = b * x + rng.normal(size=outlets)[g] + rng.normal(size=len(g))
    return pd.DataFrame({"outlet_id": g, "x": x, "z": rng.normal(size=len(g)), "y": y})


def test_clustered_driver_interval_covers_where_hc3_undercovers():
    rng = np.random.default_rng(1101)
    hits = {None: [], "outlet_id": []}
    for _ in range(400):
        d = clustered_survey(rng)
        for cluster, got in hits.items():
            row = key_drivers(d, "y", ["x", "z"], cluster=cluster).loc["x"]
            got.append(row["ci_low"] <= 0.5 <= row["ci_high"])
    assert np.mean(hits[None]) < 0.75  # 0.64
    assert 0.92 <= np.mean(hits["outlet_id"]) <= 0.98  # 0.95
