"""Sandwich covariances against R's sandwich package, and clustered inference by simulation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from scipy.special import expit

from cxlib import robust
from cxlib.analyses.loyalty import logistic_effect
from cxlib.errors import NotEstimable

REFERENCE = json.loads((Path(__file__).parent / "reference" / "glm_hc3.json").read_text())
CASES = REFERENCE["cases"]


def design(case: dict) -> tuple[pd.Series, pd.DataFrame]:
    data = pd.DataFrame(case["data"])
    predictors = [t for t in case["terms"] if t != "(Intercept)"]
    return data["y"].astype(float), sm.add_constant(data[predictors].astype(float))


def statsmodels_fit(case: dict):
    y, x = design(case)
    if case["kind"] == "ols":
        return sm.OLS(y, x).fit()
    link = sm.families.links.Probit() if case["link"] == "probit" else None
    family = sm.families.Binomial(link) if link else sm.families.Binomial()
    return sm.GLM(y, x, family=family).fit(tol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_sandwich_matches_r(name):
    case = CASES[name]
    fit = statsmodels_fit(case)
    np.testing.assert_allclose(fit.params, case["coef"], rtol=1e-6)
    for kind in ("HC3", "HC0"):
        np.testing.assert_allclose(robust.sandwich(fit, kind), np.array(case[kind]), rtol=1e-6,
                                   atol=1e-12, err_msg=kind)
    if "CL" in case:
        clusters = pd.DataFrame(case["data"])["g"]
        np.testing.assert_allclose(robust.sandwich(fit, clusters=clusters),
                                   np.array(case["CL"]), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.get("link") != "probit"))
def test_intervals_and_p_values_match_coeftest(name):
    """lmtest::coefci/coeftest with vcovHC(type = "HC3"): t(n − k) for an lm, the normal for
    a glm; with vcovCL and df = G − 1 for the clustered cases: t(G − 1). (robust.fit fits
    OLS and the logit; the probit case checks the sandwich formulas only.)"""
    case = CASES[name]
    y, x = design(case)
    logit = case["kind"] == "glm"
    fit = robust.fit(y, x, logit=logit)
    np.testing.assert_allclose(fit.conf_int().to_numpy(), case["CI_HC3"], rtol=1e-6)
    np.testing.assert_allclose(fit.pvalues.to_numpy(), case["p_HC3"], rtol=1e-6)
    assert fit.df == (np.inf if logit else case["df_resid"])
    assert fit.method == ("HC3 SE, z" if logit else f"HC3 SE, t({case['df_resid']})")
    if "CL" in case:
        g = pd.DataFrame(case["data"])["g"]
        cl = robust.fit(y, x, logit=logit, clusters=g, cluster_name="g")
        np.testing.assert_allclose(cl.conf_int().to_numpy(), case["CI_CL"], rtol=1e-6)
        np.testing.assert_allclose(cl.pvalues.to_numpy(), case["p_CL"], rtol=1e-6)
        assert cl.df == case["G"] - 1 and cl.clusters == case["G"]
        assert cl.method == f"SE clustered by g (CR1, {case['G']} clusters), t({case['G'] - 1})"


def test_small_ols_hc3_interval_is_t_of_the_residual_df():
    """n = 30, k = 3: the HC3 interval uses t(27) (2.052), not z (1.960), as
    coeftest(lm_fit, vcovHC(lm_fit, "HC3")) does: 4.7% wider."""
    case = CASES["ols_small"]
    y, x = design(case)
    fit = robust.fit(y, x)
    ci = fit.conf_int().to_numpy()
    half = (ci[:, 1] - ci[:, 0]) / 2
    np.testing.assert_allclose(half, stats.t.ppf(0.975, 27) * fit.bse.to_numpy(), rtol=1e-12)
    assert case["df_resid"] == 27 and len(y) == 30
    r_half = (np.array(case["CI_HC3"])[:, 1] - np.array(case["CI_HC3"])[:, 0]) / 2
    np.testing.assert_allclose(half, r_half, rtol=1e-6)
    assert (r_half / (stats.norm.ppf(0.975) * np.sqrt(np.diag(case["HC3"])))
            == pytest.approx(1.047, abs=1e-3))
    est = fit.estimate("x1", "slope")
    assert (est.ci_low, est.ci_high) == pytest.approx(tuple(case["CI_HC3"][1]), rel=1e-6)
    assert est.clusters is None and est.method == "HC3 SE, t(27)"


def test_wald_test_uses_the_fits_degrees_of_freedom():
    case = CASES["ols_clustered"]
    y, x = design(case)
    g = pd.DataFrame(case["data"])["g"]
    fit = robust.fit(y, x, clusters=g)
    f, p = fit.wald(["x"])
    assert f == pytest.approx((fit.params["x"] / fit.bse["x"]) ** 2, rel=1e-12)
    assert p == pytest.approx(fit.pvalues["x"], rel=1e-9)  # F(1, G − 1) = t(G − 1)²
    logit = robust.fit(*design(CASES["logit_rating"]), logit=True)
    f, p = logit.wald(["x"])
    assert p == pytest.approx(logit.pvalues["x"], rel=1e-9)  # χ²(1) = z²


def test_statsmodels_ols_hc3_is_right_and_its_glm_hc3_is_hc0():
    """Why cxlib computes HC3 itself: OLS HC3 agrees with R, GLM 'HC3' is R's HC0."""
    ols = CASES["ols_hetero"]
    y, x = design(ols)
    np.testing.assert_allclose(sm.OLS(y, x).fit(cov_type="HC3").cov_params(), ols["HC3"],
                               rtol=1e-6)
    logit = CASES["logit_leverage"]
    y, x = design(logit)
    labelled = sm.GLM(y, x, family=sm.families.Binomial()).fit(cov_type="HC3", tol=1e-12)
    np.testing.assert_allclose(labelled.cov_params(), logit["HC0"], rtol=1e-6)
    assert not np.allclose(labelled.cov_params(), logit["HC3"], rtol=1e-3)


def test_logistic_effect_reports_true_hc3():
    case = CASES["logit_leverage"]
    frame = pd.DataFrame(case["data"])
    frame = frame.assign(x=frame["x1"])
    rfit = robust.fit(frame["y"], sm.add_constant(frame[["x1"]]), logit=True)
    est = logistic_effect(frame, "y", "x1").effect
    assert est.ci_low == pytest.approx(rfit.estimate("x1", "", odds_ratio=True).ci_low, rel=1e-9)
    # against R: the single-predictor case
    case = CASES["logit_rating"]
    est = logistic_effect(pd.DataFrame(case["data"]), "y", "x").effect
    b, se = case["coef"][1], np.sqrt(case["HC3"][1][1])
    assert est.value == pytest.approx(np.exp(b), rel=1e-6)
    assert (est.ci_low, est.ci_high) == pytest.approx(
        (np.exp(b - 1.959963984540054 * se), np.exp(b + 1.959963984540054 * se)), rel=1e-6)
    assert "HC3" in est.method


def clustered_logit(rng, clusters: int = 60, rho: float = 0.7, b: float = 0.5):
    """Rows in clusters of 2–10 whose predictor and outcome are correlated within a
    cluster, while P(y = 1 | x) = logit⁻¹(−0.3 + b·x) exactly: each row's uniform is the
    cluster's with probability *rho* (a shared uniform is still uniform)."""
    sizes = rng.integers(2, 11, clusters)
    g = np.repeat(np.arange(clusters), sizes)
    x = rng.normal(size=clusters)[g] + 0.5 * rng.normal(size=len(g))
    shared = rng.random(clusters)[g]
    u = np.where(rng.random(len(g)) < rho, shared, rng.random(len(g)))
    return pd.DataFrame({"g": g, "x": x, "y": (u < expit(-0.3 + b * x)).astype(float)})


def test_clustered_errors_cover_where_hc3_undercovers():
    rng = np.random.default_rng(11)
    hits = {"HC3": [], "cluster": []}
    for _ in range(300):
        d = clustered_logit(rng)
        x = sm.add_constant(d[["x"]])
        for kind, groups in (("HC3", None), ("cluster", d["g"])):
            ci = robust.fit(d["y"], x, logit=True, clusters=groups).conf_int().loc["x"]
            hits[kind].append(ci["ci_low"] <= 0.5 <= ci["ci_high"])
    assert np.mean(hits["HC3"]) < 0.85
    assert 0.92 <= np.mean(hits["cluster"]) <= 0.98


def test_cluster_codes_give_missing_labels_their_own_cluster():
    codes = robust.cluster_codes(["a", None, "b", "a", np.nan])
    assert codes[0] == codes[3] and len(set(codes)) == 4
    with pytest.raises(NotEstimable):
        robust.cluster_codes(["a", "a", "a"])


def test_cluster_bootstrap_resamples_whole_clusters():
    frame = pd.DataFrame({"g": list("aabbbc"), "v": [1.0, 1.0, 2.0, 2.0, 2.0, 5.0]})
    boot = robust.cluster_bootstrap(frame, lambda d: float(d["v"].mean()), "g", n_boot=200,
                                    min_clusters=2)
    possible = set()
    for counts in np.ndindex(4, 4, 4):  # clusters drawn 0–3 times each, 3 draws in all
        if sum(counts) == 3:
            rows = np.repeat([1.0, 2.0, 5.0], np.multiply(counts, [2, 3, 1]))
            possible.add(round(rows.mean(), 12))
    assert {round(v, 12) for v in boot.draws[:, 0]} <= possible
    assert boot.value[0] == pytest.approx(frame["v"].mean()) and boot.n == 3
    with pytest.raises(NotEstimable, match=r"only 3 clusters of g; .* at least 10"):
        robust.cluster_bootstrap(frame, lambda d: float(d["v"].mean()), "g", n_boot=20)


def test_predict_interval_is_on_the_link_scale():
    rng = np.random.default_rng(2)
    d = clustered_logit(rng)
    rfit = robust.fit(d["y"], sm.add_constant(d[["x"]]), logit=True)
    grid = pd.DataFrame({"const": 1.0, "x": [0.0]})
    pred = rfit.predict(grid).iloc[0]
    b, v = rfit.params["const"], rfit.cov.loc["const", "const"]
    assert pred["mean"] == pytest.approx(expit(b))
    assert pred["ci_high"] == pytest.approx(expit(b + 1.959963984540054 * np.sqrt(v)))
