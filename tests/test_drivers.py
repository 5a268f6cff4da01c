"""Key drivers: HC3 coverage, LMG properties, and recovery of the sample generator's truth."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from cxlib import sample
from cxlib.analyses.drivers import (
    DriverFit,
    importance_performance,
    key_drivers,
    relative_importance,
    standardised_effects,
)
from cxlib.data.constructs import construct_scores, survey_constructs
from cxlib.data.datasets import Dataset
from cxlib.data.validation import LoadReport
from cxlib.errors import NotEstimable
from cxlib.stats.importance import lmg

DIMS = ["reliability", "responsiveness", "assurance", "empathy", "tangibles"]


def survey_scores(n: int, seed: int) -> pd.DataFrame:
    frame = sample.survey(sample.SurveyParams(n=n), np.random.default_rng(seed))
    ds = Dataset("survey", frame, LoadReport("x", "survey", "csv", n, n))
    model = survey_constructs(ds)
    return construct_scores(frame, model.blocks)


BLOCKS = survey_constructs(Dataset("survey", sample.survey(sample.SurveyParams(n=50),
                                                             np.random.default_rng(0)),
                                   LoadReport("x", "survey", "csv", 50, 50))).blocks


def test_hc3_intervals_cover_under_heteroskedasticity():
    rng = np.random.default_rng(4)
    beta = np.array([0.5, -0.2])
    hits = []
    for _ in range(300):
        x = rng.normal(size=(200, 2))
        y = x @ beta + rng.normal(size=200) * (0.5 + np.abs(x[:, 0]))
        table = key_drivers(pd.DataFrame({"y": y, "a": x[:, 0], "b": x[:, 1]}), "y",
                            ["a", "b"]).table
        hits.append((table["ci_low"] <= beta) & (beta <= table["ci_high"]))
    coverage = np.mean(hits, axis=0)
    assert np.all((coverage > 0.91) & (coverage < 0.98)), coverage


def test_lmg_sums_to_r2_and_equals_squared_correlations_when_orthogonal():
    rng = np.random.default_rng(0)
    x = np.linalg.qr(rng.normal(size=(500, 3)))[0]  # orthogonal columns
    y = x @ np.array([3.0, 2.0, 1.0]) + rng.normal(size=500) * 0.05
    frame = pd.DataFrame({"y": y, "a": x[:, 0], "b": x[:, 1], "c": x[:, 2]})
    shares = lmg(frame, "y", ["a", "b", "c"])
    r2 = key_drivers(frame, "y", ["a", "b", "c"]).r2
    assert shares.sum() == pytest.approx(r2, abs=1e-10)
    corr = frame.corr()["y"][["a", "b", "c"]].to_numpy() ** 2
    assert shares == pytest.approx(corr, abs=0.01)


@pytest.fixture(scope="module")
def pseudo_truth():
    """The estimands implied by the sample generator, from one very large draw."""
    big = survey_scores(200_000, 999)
    coef = key_drivers(big, "SAT", DIMS).table["coefficient"]
    return coef, lmg(big, "SAT", DIMS)


def test_sample_generator_drivers_are_recovered_with_nominal_coverage(pseudo_truth):
    coef, _ = pseudo_truth
    hits = []
    for rep in range(120):
        table = key_drivers(survey_scores(800, rep), "SAT", DIMS).table
        hits.append(((table["ci_low"] <= coef) & (coef <= table["ci_high"])).to_numpy())
    coverage = np.mean(hits, axis=0)
    assert np.all(coverage >= 0.88), dict(zip(DIMS, coverage, strict=True))
    assert coef["reliability"] > coef["tangibles"]  # planted 0.40 vs 0.05


def test_lmg_bootstrap_intervals_cover_the_generator_value(pseudo_truth):
    _, truth = pseudo_truth
    hits = []
    for rep in range(40):
        table = relative_importance(survey_scores(800, 1000 + rep), "SAT", DIMS, n_boot=200,
                                    seed=rep).table.reindex(DIMS)
        hits.append(((table["ci_low"] <= truth) & (truth <= table["ci_high"])).to_numpy())
    assert np.mean(hits) >= 0.88


def test_importance_performance_table():
    scores = survey_scores(300, 1)
    imp = relative_importance(scores, "SAT", DIMS, n_boot=50)
    table = importance_performance(scores, imp).table
    assert table["importance"].sum() == pytest.approx(1)
    assert (table["ci_low"] < table["performance"]).all()


def test_a_constant_outcome_or_driver_is_not_estimable():
    scores = survey_scores(300, 5)
    flat = scores.assign(SAT=4.0)  # everyone equally satisfied: R² would be −inf
    for analysis in (key_drivers, relative_importance):
        with pytest.raises(NotEstimable, match=r"SAT \(overall_sat\) does not vary"):
            analysis(flat, "SAT", DIMS, items=BLOCKS)
        with pytest.raises(NotEstimable, match=r"tangibles \(tan_1, tan_2, tan_3\) does not vary"):
            analysis(scores.assign(tangibles=3.0), "SAT", DIMS, items=BLOCKS)
        with pytest.raises(NotEstimable, match=r"^SAT does not vary"):  # no items: the column
            analysis(flat, "SAT", DIMS)
    fit = key_drivers(scores, "SAT", DIMS)
    assert isinstance(fit, DriverFit) and fit.sd_ratio.keys() == set(DIMS)
    flat_driver = replace(fit, sd_ratio=dict(fit.sd_ratio, empathy=0.0))
    with pytest.raises(NotEstimable, match="does not vary"):
        standardised_effects(flat_driver)
    effects = standardised_effects(fit).estimates()
    assert list(effects) == DIMS and effects["empathy"].figure == (
        "standardised effect of empathy on satisfaction")
    assert effects["empathy"].value == pytest.approx(fit.table.loc["empathy", "standardised"])


def test_importance_estimates_rank_the_drivers_and_carry_r2_with_its_interval():
    rng = np.random.default_rng(3)
    n = 400
    x = rng.normal(size=(n, 4))
    y = x @ np.array([0.8, 0.4, 0.2, 0.0]) + rng.normal(size=n)
    frame = pd.DataFrame({"y": y, **{f"q{i}": x[:, i] for i in range(4)}})
    names = ["q3", "q1", "q0", "q2"]  # any order in, ranked out
    table = relative_importance(frame, "y", names, n_boot=200)
    est, r2 = table.estimates(), table.r2
    assert r2.value == pytest.approx(key_drivers(frame, "y", names).r2)
    assert r2.ci_low < r2.value < r2.ci_high and r2.n == n and r2.draws == 200
    assert list(est) == ["q0", "q1", "q2", "q3"]
    assert [e.figure.endswith(f"rank {i} of 4)") for i, e in enumerate(est.values(), 1)] \
        == [True] * 4
    assert sum(e.value for e in est.values()) == pytest.approx(r2.value)
    assert all(e.ci_low <= e.value <= e.ci_high for e in est.values())


def test_relative_importance_refuses_more_drivers_than_it_can_compute():
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(60, 17)),
                         columns=["y", *(f"a{i}" for i in range(16))])
    with pytest.raises(NotEstimable, match="at most 15"):
        relative_importance(frame, "y", [f"a{i}" for i in range(16)], n_boot=10)


def test_lmg_on_the_advertising_survey_matches_r():
    """The key drivers of the bundled customer_sat survey (bayesm::customerSat, 1,811
    respondents, nine attributes): R² and each attribute's LMG share as R's lm() over all
    2^9 subsets gives them (tests/reference/customer_sat_lmg.R)."""
    import json
    from pathlib import Path

    from cxlib import load_data
    from cxlib.data.datasets import data_dir

    ref = json.loads((Path(__file__).parent / "reference" / "customer_sat_lmg.json")
                     .read_text())
    ds = load_data("survey", data_dir() / "real" / "customer_sat.csv",
                   data_dir() / "mappings" / "customer_sat.yaml")
    assert len(ds) == ref["n"] == 1811 and not ds.synthetic
    attributes = ds.mapping.attributes
    shares = lmg(ds.frame, "overall_sat", attributes)
    assert shares == pytest.approx([ref["lmg"][a] for a in attributes], abs=1e-10)
    assert shares.sum() == pytest.approx(ref["r2"], abs=1e-10)  # 0.717
    assert attributes[int(np.argmax(shares))] == "pricing_for_volume"
