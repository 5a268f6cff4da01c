"""Sandwich covariances against R's sandwich package, and clustered inference by simulation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
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
    est = logistic_effect(frame, "y", "x1")[0]
    assert est.ci_low == pytest.approx(rfit.estimate("x1", "", odds_ratio=True).ci_low, rel=1e-9)
    # against R: the single-predictor case
    case = CASES["logit_rating"]
    est = logistic_effect(pd.DataFrame(case["data"]), "y", "x")[0]
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
    boot = robust.cluster_bootstrap(frame, lambda d: float(d["v"].mean()), "g", n_boot=200)
    possible = set()
    for counts in np.ndindex(4, 4, 4):  # clusters drawn 0–3 times each, 3 draws in all
        if sum(counts) == 3:
            rows = np.repeat([1.0, 2.0, 5.0], np.multiply(counts, [2, 3, 1]))
            possible.add(round(rows.mean(), 12))
    assert {round(v, 12) for v in boot.draws[:, 0]} <= possible
    assert boot.value[0] == pytest.approx(frame["v"].mean()) and boot.n == 3


def test_predict_interval_is_on_the_link_scale():
    rng = np.random.default_rng(2)
    d = clustered_logit(rng)
    rfit = robust.fit(d["y"], sm.add_constant(d[["x"]]), logit=True)
    grid = pd.DataFrame({"const": 1.0, "x": [0.0]})
    pred = rfit.predict(grid).iloc[0]
    b, v = rfit.params["const"], rfit.cov.loc["const", "const"]
    assert pred["mean"] == pytest.approx(expit(b))
    assert pred["ci_high"] == pytest.approx(expit(b + 1.959963984540054 * np.sqrt(v)))
