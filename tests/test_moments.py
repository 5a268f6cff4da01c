"""Bootstraps from sufficient statistics give the intervals of refitting on the rows.

Each survey bootstrap (PLS paths, LMG, perception vs gap R², mediation) now
estimates a resample from its counts, sums and cross-products
(:func:`cxlib.stats.uncertainty.moment_bootstrap`); here each is set beside the bootstrap that
refits the statistic on the resampled rows — the code they replaced — with the same seed,
over respondents and over outlets, on the sample survey: every draw agrees to 1e-10. The
ordinal logit (analytic derivatives on distinct rows) agrees with statsmodels' OrderedModel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib.analyses import loyalty, quality
from cxlib.data import constructs
from cxlib.data.datasets import load_data
from cxlib.stats import importance, pls, robust
from cxlib.stats.uncertainty import bootstrap, moment_bootstrap

B = 60  # resamples per comparison: every draw is compared, not only the interval


@pytest.fixture(scope="module")
def survey():
    ds = load_data("survey")
    model = constructs.survey_constructs(ds)
    scores = constructs.construct_scores(ds.frame, model.blocks)
    scores["outlet_id"] = ds.frame["outlet_id"]
    return ds.frame, model, scores


def by_rows(frame: pd.DataFrame, statistic, cluster: str | None) -> np.ndarray:
    """The draws of refitting *statistic* on resampled rows (or whole clusters)."""
    if cluster is None:
        return bootstrap(frame, statistic, n_boot=B, seed=7).draws
    return robust.cluster_bootstrap(frame, statistic, cluster, n_boot=B, seed=7).draws


def by_moments(columns: np.ndarray, statistic, labels: pd.Series, cluster: str | None):
    units = None if cluster is None else robust.cluster_units(labels, cluster)
    return moment_bootstrap(columns, statistic, units=units, n_boot=B, seed=7).draws


CLUSTERS = pytest.mark.parametrize("cluster", [None, "outlet_id"], ids=["rows", "outlets"])


@CLUSTERS
def test_lmg_draws_match_refitting(survey, cluster):
    _, model, scores = survey
    cols = [model.satisfaction, *model.drivers]
    data = scores[[*cols, "outlet_id"]].dropna()
    old = by_rows(data, lambda d: importance.lmg(d, cols[0], cols[1:]), cluster)
    new = by_moments(data[cols].to_numpy(float), lambda m: importance.lmg_of(m.corr()),
                     data["outlet_id"], cluster)
    np.testing.assert_allclose(new, old, rtol=0, atol=1e-10)


@CLUSTERS
def test_r2_difference_draws_match_refitting(survey, cluster):
    frame, model, _ = survey
    est = quality.perception_vs_gap(frame, "overall_sat", model.perceptions,
                                    model.expectations, n_boot=B, seed=7,
                                    cluster=cluster).effect
    dims = list(model.perceptions)
    perc = pd.DataFrame({d: frame[model.perceptions[d]].mean(axis=1) for d in dims})
    gaps = quality._gap_scores(frame, model.perceptions, model.expectations).add_prefix("gap_")
    data = pd.concat([frame[["overall_sat"]], perc, gaps, frame[["outlet_id"]]], axis=1).dropna()

    def diff(d):
        y = d["overall_sat"].to_numpy(float)
        return (quality._r2(y, d[dims].to_numpy(float))
                - quality._r2(y, d[list(gaps.columns)].to_numpy(float)))

    lo, hi = np.quantile(by_rows(data, diff, cluster), [0.025, 0.975])
    assert (est.value, est.ci_low, est.ci_high) == pytest.approx((diff(data), lo, hi),
                                                                abs=1e-12)


@CLUSTERS
def test_mediation_draws_match_refitting(survey, cluster):
    _, model, scores = survey
    x = "service"
    data = scores.assign(service=scores[list(model.drivers)].mean(axis=1))
    cols = [x, model.satisfaction, model.loyalty]
    table = loyalty.mediation(data, *cols, n_boot=B, seed=7, cluster=cluster).table
    rows = data[[*cols, "outlet_id"]].dropna()
    old = by_rows(rows, lambda d: loyalty._mediation_paths(d, *cols, standardise=True), cluster)
    np.testing.assert_allclose(table["estimate"],
                               loyalty._mediation_paths(rows, *cols, standardise=True),
                               atol=1e-12)
    np.testing.assert_allclose(table[["ci_low", "ci_high"]].to_numpy().T,
                               np.quantile(old, [0.025, 0.975], axis=0), atol=1e-12)


@CLUSTERS
def test_pls_path_draws_match_refitting(survey, cluster):
    frame, model, _ = survey
    edges = pls.parse_paths(model.paths)
    raw = pls._prepare(frame, model.blocks)
    items = pd.DataFrame(raw).assign(outlet_id=frame["outlet_id"].to_numpy())

    def refit(d):
        x = pls._standardise(d.drop(columns="outlet_id").to_numpy())
        return pls._estimate(x, model.blocks, edges, 1e-6, 100).paths["coefficient"].to_numpy()

    old = by_rows(items, refit, cluster)
    table = pls.bootstrap_paths(frame, model.blocks, model.paths, n_boot=B, seed=7,
                                cluster=cluster).table
    np.testing.assert_allclose(table[["ci_low", "ci_high"]].to_numpy().T,
                               np.quantile(old, [0.025, 0.975], axis=0), atol=1e-10)


def test_moment_bootstrap_counts_a_resample_without_variation_as_failed():
    columns = np.column_stack([np.r_[np.zeros(9), 1.0], np.arange(10.0)])
    boot = moment_bootstrap(columns, lambda m: m.corr()[0, 1], n_boot=200, seed=1)
    assert 0 < boot.failed < 200  # resamples without the single 1 have no variation
    assert np.isnan(boot.draws[:, 0]).sum() == boot.failed


@pytest.mark.parametrize("cluster", [None, "outlet_id"], ids=["HC0", "clustered"])
def test_ordinal_logit_agrees_with_statsmodels(survey, cluster):
    """Parameters to 1e-5 (statsmodels' BFGS stops at gtol 1e-6) and standard errors to 1e-4
    (its scores and Hessian are numerical)."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    frame, _, _ = survey
    fit = loyalty.ordinal_effect(frame, "recommend", "overall_sat", cluster=cluster).model
    data = frame[["recommend", "overall_sat", "outlet_id"]].dropna()
    y = pd.Series(pd.Categorical(data["recommend"], ordered=True), index=data.index)
    ref = OrderedModel(y, data[["overall_sat"]], distr="logit").fit(
        method="bfgs", disp=False, cov_type="HC0", maxiter=1000, gtol=1e-6)
    assert list(fit.params.index) == list(ref.params.index)
    np.testing.assert_allclose(fit.params, ref.params, atol=1e-5)
    if cluster is None:
        cov = np.asarray(ref.cov_params())
    else:
        cov, _ = robust.ml_clustered(ref.model.score_obs(ref.params),
                                     ref.model.hessian(ref.params), data["outlet_id"])
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov)), np.sqrt(np.diag(cov)), rtol=1e-4)
    assert fit.model.iterations < 20 and len(fit.model.counts) < len(data)
