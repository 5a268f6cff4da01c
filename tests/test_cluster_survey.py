"""Outlet-clustered intervals for the survey figures (LOY-1, LOY-2, REL-2): CR1 against R's
sandwich::vcovCL and the t(G − 1) intervals of lmtest::coefci(…, df = G − 1), on a survey of
30 outlets and one of 12 (tests/reference/cluster_survey.R), and by simulation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxlib.analyses.drivers import key_drivers, relative_importance, standardised_effects
from cxlib.analyses.loyalty import logistic_effect, mediation, ordinal_effect, top_box_step
from cxlib.analyses.relationships import price_premium
from cxlib.data.constructs import survey_cluster
from cxlib.errors import NotEstimable, UserDataError
from cxlib.stats.pls import bootstrap_paths, path_estimate
from cxlib.stats.robust import MIN_CLUSTERS

REFERENCE = json.loads((Path(__file__).parent / "reference" / "cluster_survey.json").read_text())
MODELS = REFERENCE["models"]
FEW = REFERENCE["few"]
BLOCKS = {"Q": ["rel", "res", "tan"], "SAT": ["overall_sat"], "LOY": ["repurchase_intent"]}


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return pd.DataFrame(REFERENCE["data"])


def se(model: str, kind: str) -> np.ndarray:
    """Standard errors of the slopes (the intercept left out) from R's covariance."""
    cov = np.atleast_2d(MODELS[model][kind])
    start = 0 if MODELS[model]["kind"] == "polr" else 1
    return np.sqrt(np.diag(cov))[start:]


def slopes(ref: dict, key: str = "CI_CL") -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper ends of R's t(G − 1) intervals of the slopes (intercept left out)."""
    ci = np.atleast_2d(ref[key])[0 if ref["kind"] == "polr" else 1:]
    return ci[:, 0], ci[:, 1]


@pytest.mark.parametrize("reference", [REFERENCE, FEW], ids=["30 outlets", "12 outlets"])
def test_key_drivers_clustered_match_vcovcl_with_t(reference):
    survey, ref, g = pd.DataFrame(reference["data"]), reference["models"]["drivers"], \
        reference["clusters"]
    fit = key_drivers(survey, "overall_sat", ["rel", "res", "tan"], cluster="outlet_id")
    table = fit.table
    assert table["coefficient"].to_numpy() == pytest.approx(ref["coef"][1:], rel=1e-9)
    # OLS: vcovCL type "HC1" = G/(G−1)·(n−1)/(n−k), also R's default for lm
    cov = np.array(ref["CL_HC1"])
    assert table["robust SE"].to_numpy() == pytest.approx(np.sqrt(np.diag(cov))[1:], rel=1e-8)
    # coefci(fit, vcovCL(fit, type = "HC1"), df = G − 1) and coeftest's p-values
    low, high = slopes(ref)
    assert table["ci_low"].to_numpy() == pytest.approx(low, rel=1e-8)
    assert table["ci_high"].to_numpy() == pytest.approx(high, rel=1e-8)
    assert table["p"].to_numpy() == pytest.approx(ref["p_CL"][1:], rel=1e-7)
    assert fit.method == f"SE clustered by outlet_id (CR1, {g} clusters), t({g - 1})"
    assert fit.clusters == g
    est = standardised_effects(fit).estimate("rel")
    assert f"clustered by outlet_id (CR1, {g} clusters), t({g - 1})" in est.method
    assert est.clusters == g


def test_key_drivers_hc3_use_t_of_the_residual_df(survey):
    """Without cluster= the errors are HC3 (vcovHC(type = "HC3")) and the intervals
    b ± t(n − k)·SE, as coeftest for an lm."""
    ref = MODELS["drivers"]
    fit = key_drivers(survey, "overall_sat", ["rel", "res", "tan"])
    hc3 = fit.table
    assert hc3["robust SE"].to_numpy() == pytest.approx(se("drivers", "HC3"), rel=1e-8)
    df = REFERENCE["n"] - 4
    half = stats.t.ppf(0.975, df) * se("drivers", "HC3")
    assert hc3["ci_low"].to_numpy() == pytest.approx(np.array(ref["coef"][1:]) - half, rel=1e-8)
    assert fit.method == f"HC3 SE, t({df})" and fit.clusters is None
    assert standardised_effects(fit).estimate("rel").clusters is None


@pytest.mark.parametrize("reference", [REFERENCE, FEW], ids=["30 outlets", "12 outlets"])
def test_price_premium_clustered_matches_vcovcl_with_t(reference):
    survey, ref, g = pd.DataFrame(reference["data"]), reference["models"]["premium"], \
        reference["clusters"]
    mean = survey["price_paid"].mean()
    est = price_premium(survey, survey["service"], cluster="outlet_id")
    (low,), (high,) = slopes(ref)
    assert (est.value, est.ci_low, est.ci_high) == pytest.approx(
        (ref["coef"][1] / mean, low / mean, high / mean), rel=1e-8)
    assert f"SE clustered by outlet_id (CR1, {g} clusters), t({g - 1})" in est.method
    assert est.clusters == g and est.n == reference["n"]


def test_price_premium_hc3_uses_t_of_the_residual_df(survey):
    mean = survey["price_paid"].mean()
    plain = price_premium(survey, survey["service"])
    t = stats.t.ppf(0.975, REFERENCE["n"] - 2)
    assert plain.ci_high - plain.value == pytest.approx(t * se("premium", "HC3")[0] / mean,
                                                        rel=1e-8)
    assert plain.clusters is None and f"HC3 SE, t({REFERENCE['n'] - 2})" in plain.method


@pytest.mark.parametrize("reference", [REFERENCE, FEW], ids=["30 outlets", "12 outlets"])
def test_logistic_effect_clustered_matches_vcovcl_with_t(reference):
    """A GLM's CR1 is G/(G−1)·BMB: vcovCL's default for glm (type "HC0", as Stata's
    logit, vce(cluster)); vcovCL(type = "HC1") is that times (n−1)/(n−k), stored too.
    The interval is exp(b ± t(G − 1)·SE): coefci(…, df = G − 1)."""
    survey, ref, n, g = (pd.DataFrame(reference["data"]), reference["models"]["churn"],
                         reference["n"], reference["clusters"])
    result = logistic_effect(survey, "churned", "overall_sat", cluster="outlet_id")
    est, fit = result.effect, result.model
    assert fit.params.to_numpy() == pytest.approx(ref["coef"], rel=1e-6)
    assert fit.cov.to_numpy() == pytest.approx(np.array(ref["CL_HC0"]), rel=1e-6)
    assert np.array(ref["CL_HC1"]) == pytest.approx(np.array(ref["CL_HC0"]) * (n - 1) / (n - 2),
                                                    rel=1e-12)
    (low,), (high,) = slopes(ref)
    assert (est.value, est.ci_low, est.ci_high) == pytest.approx(
        tuple(np.exp([ref["coef"][1], low, high])), rel=1e-6)
    assert fit.pvalues.to_numpy() == pytest.approx(ref["p_CL"], rel=1e-6)
    assert f"SE clustered by outlet_id (CR1, {g} clusters), t({g - 1})" in est.method
    assert est.clusters == g


@pytest.mark.parametrize("reference", [REFERENCE, FEW], ids=["30 outlets", "12 outlets"])
def test_ordinal_effect_clustered_matches_vcovcl_on_polr_with_t(reference):
    """MASS::polr with vcovCL(type = "HC0") (its default for polr): G/(G−1)·BMB, from
    the per-row scores and Hessian, and coefci(…, df = G − 1). statsmodels' scores are
    numerical and its BFGS stops near the optimum, so the agreement is to about 2e-5."""
    survey, ref, g = (pd.DataFrame(reference["data"]), reference["models"]["ordinal"],
                      reference["clusters"])
    result = ordinal_effect(survey, "repurchase_intent", "overall_sat", cluster="outlet_id")
    est, fit = result.effect, result.model
    assert np.log(est.value) == pytest.approx(ref["coef"], rel=1e-4)
    assert fit.cov.iloc[0, 0] == pytest.approx(ref["CL_HC0"], rel=1e-4)
    (low,), (high,) = slopes(ref)
    assert (est.ci_low, est.ci_high) == pytest.approx((np.exp(low), np.exp(high)), rel=1e-4)
    assert est.method == f"ordinal logit, SE clustered by outlet_id (CR1, {g} clusters), t({g - 1})"
    assert est.clusters == g


def test_ordinal_effect_unclustered_is_hc0_with_z(survey):
    """Unclustered: HC0 as sandwich(polr) with the normal quantile (as for a glm; see
    cxlib.stats.robust); the outlets double the variance here."""
    ref = MODELS["ordinal"]
    result = ordinal_effect(survey, "repurchase_intent", "overall_sat")
    plain, pfit = result.effect, result.model
    assert pfit.cov.iloc[0, 0] == pytest.approx(ref["HC0"], rel=1e-4)
    s = np.sqrt(ref["HC0"])
    assert (plain.ci_low, plain.ci_high) == pytest.approx(
        (np.exp(ref["coef"] - stats.norm.ppf(0.975) * s),
         np.exp(ref["coef"] + stats.norm.ppf(0.975) * s)), rel=1e-4)
    assert plain.method == "ordinal logit, sandwich (HC0) SE, z" and plain.clusters is None
    assert ref["CL_HC0"] / ref["HC0"] > 1.8


def test_relative_importance_resamples_outlets(survey):
    by_row = relative_importance(survey, "overall_sat", ["rel", "res", "tan"], n_boot=200)
    by_outlet = relative_importance(survey, "overall_sat", ["rel", "res", "tan"], n_boot=200,
                                    cluster="outlet_id")
    assert by_outlet.table["LMG (R² points)"].to_numpy() == pytest.approx(
        by_row.table["LMG (R² points)"].to_numpy(), rel=1e-12)  # same point estimates
    assert by_outlet.method == ("LMG relative importance, percentile bootstrap (200) "
                                "clustered by outlet_id (30 clusters)")
    assert by_outlet.clusters == 30 and by_outlet.failed == 0
    assert by_row.method == "LMG relative importance, percentile bootstrap (200) over respondents"
    shares = by_outlet.estimates()
    assert shares["rel"].clusters == 30 and by_outlet.r2.clusters == 30
    assert "clustered by outlet_id (30 clusters)" in shares["rel"].method
    assert by_row.estimate("rel").clusters is None
    # where half of the driver's and of the error's variance is the outlet's, resampling
    # outlets widens the interval of the driver's share (1.78× here), as it must
    d = clustered_survey(np.random.default_rng(7))
    rows = relative_importance(d, "y", ["x", "z"], n_boot=200).table
    outlets = relative_importance(d, "y", ["x", "z"], n_boot=200, cluster="outlet_id").table
    width = (outlets["ci_high"] - outlets["ci_low"]) / (rows["ci_high"] - rows["ci_low"])
    assert width["x"] > 1.5


def test_top_box_step_clusters_by_outlet(survey):
    """Same odds ratio, clustered errors with t(G − 1) and G in the estimate."""
    plain = top_box_step(survey, "repurchase_intent", "overall_sat")
    est = top_box_step(survey, "repurchase_intent", "overall_sat", cluster="outlet_id")
    assert est.value == pytest.approx(plain.value, rel=1e-9) and est.n == plain.n
    assert "clustered by outlet_id (CR1, 30 clusters), t(29)" in est.method
    assert est.clusters == 30 and plain.clusters is None


def test_pls_paths_resample_outlets(survey):
    plain = bootstrap_paths(survey, BLOCKS, ["Q -> SAT", "SAT -> LOY"], n_boot=100)
    table = bootstrap_paths(survey, BLOCKS, ["Q -> SAT", "SAT -> LOY"], n_boot=100,
                            cluster="outlet_id")
    assert table.table["coefficient"].to_numpy() == pytest.approx(
        plain.table["coefficient"].to_numpy(), rel=1e-12)
    assert table.clusters == 30 and table.failed == 0 and table.cluster == "outlet_id"
    assert path_estimate(table, "SAT", "LOY").method == (
        "PLS-PM mode A, path weighting, bootstrap (100) clustered by outlet_id (30 clusters)")
    assert path_estimate(plain, "SAT", "LOY").method == (
        "PLS-PM mode A, path weighting, bootstrap (100)")
    assert path_estimate(table, "SAT", "LOY").clusters == 30
    assert path_estimate(plain, "SAT", "LOY").clusters is None
    # half of x's and of y's variance is the outlet's: outlets widen the interval (2.0× here)
    d = clustered_survey(np.random.default_rng(7))
    rows = bootstrap_paths(d, {"X": ["x"], "Y": ["y"]}, ["X -> Y"], n_boot=100).table.iloc[0]
    outlets = bootstrap_paths(d, {"X": ["x"], "Y": ["y"]}, ["X -> Y"], n_boot=100,
                              cluster="outlet_id").table.iloc[0]
    assert (outlets.ci_high - outlets.ci_low) / (rows.ci_high - rows.ci_low) > 1.5


@pytest.mark.parametrize("analysis", [
    lambda f, c: key_drivers(f, "overall_sat", ["rel", "res"], cluster=c),
    lambda f, c: relative_importance(f, "overall_sat", ["rel", "res"], n_boot=20, cluster=c),
    lambda f, c: ordinal_effect(f, "repurchase_intent", "overall_sat", cluster=c),
    lambda f, c: logistic_effect(f, "churned", "overall_sat", cluster=c),
    lambda f, c: price_premium(f, f["service"], cluster=c),
    lambda f, c: top_box_step(f, "repurchase_intent", "overall_sat", cluster=c),
    lambda f, c: bootstrap_paths(f, BLOCKS, ["Q -> SAT", "SAT -> LOY"], n_boot=5, cluster=c),
])
def test_one_outlet_is_not_estimable_and_a_missing_column_is_named(survey, analysis):
    with pytest.raises(NotEstimable, match="one cluster"):
        analysis(survey.assign(outlet_id="O01"), "outlet_id")
    with pytest.raises(UserDataError, match="no column 'store' to cluster by"):
        analysis(survey, "store")


@pytest.mark.parametrize("analysis", [
    lambda f, c: key_drivers(f, "overall_sat", ["rel", "res"], cluster=c),
    lambda f, c: relative_importance(f, "overall_sat", ["rel", "res"], n_boot=20, cluster=c),
    lambda f, c: ordinal_effect(f, "repurchase_intent", "overall_sat", cluster=c),
    lambda f, c: logistic_effect(f, "churned", "overall_sat", cluster=c),
    lambda f, c: price_premium(f, f["service"], cluster=c),
    lambda f, c: top_box_step(f, "repurchase_intent", "overall_sat", cluster=c),
    lambda f, c: bootstrap_paths(f, BLOCKS, ["Q -> SAT", "SAT -> LOY"], n_boot=5, cluster=c),
    lambda f, c: mediation(f, "rel", "overall_sat", "repurchase_intent", cluster=c, n_boot=20),
])
def test_fewer_outlets_than_the_minimum_are_not_testable(survey, analysis):
    """Nine outlets (one short of MIN_CLUSTERS): every clustered interval, sandwich or
    cluster bootstrap, is refused with a reason naming G and the minimum; ten are enough."""
    assert MIN_CLUSTERS == 10
    codes = pd.factorize(survey["outlet_id"])[0]
    with pytest.raises(NotEstimable, match=r"only 9 clusters of outlet_id; .* at least 10"):
        analysis(survey.assign(outlet_id=codes % 9), "outlet_id")
    analysis(survey.assign(outlet_id=codes % 10), "outlet_id")


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
            row = key_drivers(d, "y", ["x", "z"], cluster=cluster).table.loc["x"]
            got.append(row["ci_low"] <= 0.5 <= row["ci_high"])
    assert np.mean(hits[None]) < 0.75  # 0.64
    assert 0.92 <= np.mean(hits["outlet_id"]) <= 0.98  # 0.95
