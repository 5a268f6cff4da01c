"""Key drivers: HC3 coverage, LMG properties, and recovery of the sample generator's truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib import sample
from cxlib.analyses.drivers import (
    importance_performance,
    key_drivers,
    lmg,
    relative_importance,
    standardised_effects,
)
from cxlib.data.constructs import construct_scores, survey_constructs
from cxlib.data.datasets import Dataset
from cxlib.data.validation import LoadReport
from cxlib.errors import NotEstimable

DIMS = ["reliability", "responsiveness", "assurance", "empathy", "tangibles"]


def survey_scores(n: int, seed: int) -> pd.DataFrame:
    frame = sample.survey(sample.SurveyParams(n=n), np.random.default_rng(seed))
    ds = Dataset("survey", frame, LoadReport("x", "survey", "csv", n, n))
    model = survey_constructs(ds)
    return construct_scores(frame, model.blocks)


def test_hc3_intervals_cover_under_heteroskedasticity():
    rng = np.random.default_rng(4)
    beta = np.array([0.5, -0.2])
    hits = []
    for _ in range(300):
        x = rng.normal(size=(200, 2))
        y = x @ beta + rng.normal(size=200) * (0.5 + np.abs(x[:, 0]))
        table = key_drivers(pd.DataFrame({"y": y, "a": x[:, 0], "b": x[:, 1]}), "y", ["a", "b"])
        hits.append((table["ci_low"] <= beta) & (beta <= table["ci_high"]))
    coverage = np.mean(hits, axis=0)
    assert np.all((coverage > 0.91) & (coverage < 0.98)), coverage


def test_lmg_sums_to_r2_and_equals_squared_correlations_when_orthogonal():
    rng = np.random.default_rng(0)
    x = np.linalg.qr(rng.normal(size=(500, 3)))[0]  # orthogonal columns
    y = x @ np.array([3.0, 2.0, 1.0]) + rng.normal(size=500) * 0.05
    frame = pd.DataFrame({"y": y, "a": x[:, 0], "b": x[:, 1], "c": x[:, 2]})
    shares = lmg(frame, "y", ["a", "b", "c"])
    r2 = key_drivers(frame, "y", ["a", "b", "c"]).attrs["r2"]
    assert shares.sum() == pytest.approx(r2, abs=1e-10)
    corr = frame.corr()["y"][["a", "b", "c"]].to_numpy() ** 2
    assert shares == pytest.approx(corr, abs=0.01)


@pytest.fixture(scope="module")
def pseudo_truth():
    """The estimands implied by the sample generator, from one very large draw."""
    big = survey_scores(200_000, 999)
    coef = key_drivers(big, "SAT", DIMS)["coefficient"]
    return coef, lmg(big, "SAT", DIMS)


def test_sample_generator_drivers_are_recovered_with_nominal_coverage(pseudo_truth):
    coef, _ = pseudo_truth
    hits = []
    for rep in range(120):
        table = key_drivers(survey_scores(800, rep), "SAT", DIMS)
        hits.append(((table["ci_low"] <= coef) & (coef <= table["ci_high"])).to_numpy())
    coverage = np.mean(hits, axis=0)
    assert np.all(coverage >= 0.88), dict(zip(DIMS, coverage, strict=True))
    assert coef["reliability"] > coef["tangibles"]  # planted 0.40 vs 0.05


def test_lmg_bootstrap_intervals_cover_the_generator_value(pseudo_truth):
    _, truth = pseudo_truth
    hits = []
    for rep in range(40):
        table = relative_importance(survey_scores(800, 1000 + rep), "SAT", DIMS, n_boot=200,
                                    seed=rep).reindex(DIMS)
        hits.append(((table["ci_low"] <= truth) & (truth <= table["ci_high"])).to_numpy())
    assert np.mean(hits) >= 0.88


def test_importance_performance_table():
    scores = survey_scores(300, 1)
    imp = relative_importance(scores, "SAT", DIMS, n_boot=50)
    table = importance_performance(scores, imp)
    assert table["importance"].sum() == pytest.approx(1)
    assert (table["perf_low"] < table["performance"]).all()


def test_a_constant_outcome_or_driver_is_not_estimable():
    scores = survey_scores(300, 5)
    flat = scores.assign(SAT=4.0)  # everyone equally satisfied: R² would be −inf
    for analysis in (key_drivers, relative_importance):
        with pytest.raises(NotEstimable, match=r"SAT \(overall_sat\) does not vary"):
            analysis(flat, "SAT", DIMS)
        with pytest.raises(NotEstimable, match=r"tangibles \(tan_1, tan_2, tan_3\) does not vary"):
            analysis(scores.assign(tangibles=3.0), "SAT", DIMS)
    table = key_drivers(scores, "SAT", DIMS)
    table.attrs["sd_ratio"] = dict(table.attrs["sd_ratio"], empathy=0.0)
    with pytest.raises(NotEstimable, match="does not vary"):
        standardised_effects(table)
