"""Gap scores against hand calculations; the R² comparison against statsmodels; the
unconstrained disconfirmation test against R's lm and sandwich."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cxlib.analyses.quality import (
    EXPECTATION_FIGURE,
    _gap_scores,
    _require_matched,
    _unmatched_reason,
    disconfirmation,
    gap_table,
    perception_vs_gap,
)
from cxlib.data.constructs import survey_constructs
from cxlib.data.datasets import data_dir, load_data
from cxlib.errors import NotEstimable
from cxlib.notebook.readings import constraints

R = json.loads((Path(__file__).parent / "reference" / "disconfirmation.json").read_text())


@pytest.mark.parametrize(("name", "file", "mapping", "cluster"),
                         [("ecsi", "real/mobi.csv", "mappings/mobi.yaml", None),
                          ("sample", None, None, "outlet_id")])
def test_disconfirmation_matches_r_lm_and_sandwich(name, file, mapping, cluster):
    """S ~ P + E with HC3 (ECSI) or CR1 clustered by outlet (the sample), the gap constraint
    b_P + b_E = 0 and the response surface's four constraints, as R's lm + sandwich give
    them (tests/reference/disconfirmation.R)."""
    ref = R[name]
    ds = load_data("survey", data_dir() / file if file else None,
                   data_dir() / mapping if mapping else None)
    model = survey_constructs(ds)
    result = disconfirmation(ds.frame, "overall_sat", model.perceptions, model.expectations,
                             cluster=cluster, alpha_floor=0)  # the estimator, ungated
    est, fit = result.effect, result
    table = fit.table
    assert fit.n == est.n == ref["n"]
    for term, row in (("P", "perception"), ("E", "expectation")):
        assert table.loc[row, "coefficient"] == pytest.approx(ref["coef"][term], rel=1e-9)
        assert table.loc[row, "robust SE"] == pytest.approx(ref["se"][term], rel=1e-9)
    assert fit.r2 == pytest.approx(ref["r2"], rel=1e-9)
    assert est.figure == EXPECTATION_FIGURE
    assert est.value == pytest.approx(ref["standardised_e"], rel=1e-9)
    if name == "ecsi":  # b_E > 0: expectations go with more satisfaction, not less
        assert constraints(fit).startswith("At a given perception, respondents who "
                                                 "expected more are more satisfied (b_E > 0)")
    scale = ref["standardised_e"] / ref["coef"]["E"]
    # the interval of b_E (whatever quantile robust.fit uses) rescaled by the same factor
    assert (est.ci_low, est.ci_high) == pytest.approx(
        (table.loc["expectation", "ci_low"] * scale, table.loc["expectation", "ci_high"] * scale),
        rel=1e-9)
    assert est.clusters == (30 if cluster else None)
    gap = fit.gap_constraint
    assert gap.value == pytest.approx(ref["gap_sum"], rel=1e-9)
    assert gap.se == pytest.approx(ref["gap_se"], rel=1e-9)
    assert gap.f == pytest.approx(ref["gap_f"], rel=1e-8)
    assert gap.p == pytest.approx(ref["gap_p"], rel=1e-6)
    surface = fit.surface_constraints
    assert surface.f == pytest.approx(ref["surface_f"], rel=1e-8) and surface.df == 4
    assert surface.p == pytest.approx(ref["surface_p"], rel=1e-6)


def test_disconfirmation_recovers_a_negative_expectation_effect():
    """Satisfaction planted as 0.8·P − 0.4·E + noise: b_E is found negative, and the gap
    constraint (b_P + b_E = 0) is rejected because −0.4 ≠ −0.8."""
    rng = np.random.default_rng(11)
    n = 2000
    frame = pd.DataFrame({"p_1": rng.normal(5, 1, n), "exp_p_1": rng.normal(5, 1, n)})
    frame["sat"] = 0.8 * frame["p_1"] - 0.4 * frame["exp_p_1"] + rng.normal(0, 0.5, n)
    result = disconfirmation(frame, "sat", {"q": ["p_1"]}, {"q": ["exp_p_1"]})
    est, fit = result.effect, result
    table = fit.table
    assert table.loc["expectation", "ci_low"] < -0.4 < table.loc["expectation", "ci_high"]
    assert est.ci_high < -0.2 and fit.gap_constraint.p < 1e-6
    truth = -0.4 * frame["exp_p_1"].std() / frame["sat"].std()
    assert est.ci_low < truth < est.ci_high
    note = constraints(fit)
    assert note.startswith("At a given perception, respondents who expected more are less "
                           "satisfied (b_E < 0)")
    assert note.endswith("The data reject the gap score's constraints.")


def test_the_gap_constraint_holds_when_satisfaction_follows_the_gap():
    rng = np.random.default_rng(12)
    n = 2000
    frame = pd.DataFrame({"p_1": rng.normal(5, 1, n), "exp_p_1": rng.normal(5, 1, n)})
    frame["sat"] = 0.6 * (frame["p_1"] - frame["exp_p_1"]) + rng.normal(0, 0.5, n)
    fit = disconfirmation(frame, "sat", {"q": ["p_1"]}, {"q": ["exp_p_1"]})
    assert fit.gap_constraint.value == pytest.approx(0, abs=0.05)
    assert fit.gap_constraint.p > 0.01
    assert fit.surface_constraints.p > 0.01
    assert constraints(fit).endswith("The data do not reject the gap score's constraints.")


def test_disconfirmation_needs_expectations_and_variation():
    frame = pd.DataFrame({"p_1": [1, 2, 3, 4] * 20, "exp_p_1": [2, 3, 1, 4] * 20, "sat": 4})
    with pytest.raises(NotEstimable, match="no expectation items"):
        disconfirmation(frame, "sat", {"q": ["p_1"]}, {})
    with pytest.raises(NotEstimable, match="sat does not vary"):
        disconfirmation(frame, "sat", {"q": ["p_1"]}, {"q": ["exp_p_1"]})


def test_a_gap_needs_expectation_items_matched_to_perception_items():
    """ECSI's expectations (CUEX1-3: expected overall quality, meeting needs, things going
    wrong) do not ask about the attributes of its perceived-quality items (PERQ1-7), so no
    gap is formed; SERVQUAL's exp_rel_1 matches rel_1."""
    assert _unmatched_reason({"rel": ["rel_1", "rel_2"]},
                             {"rel": ["exp_rel_2", "exp_rel_1"]}) is None
    _require_matched({"rel": ["rel_1", "rel_2"]}, {"rel": ["exp_rel_2", "exp_rel_1"]})
    reason = _unmatched_reason({"PERQ": ["PERQ1", "PERQ2"]}, {"PERQ": ["CUEX1"]})
    assert reason == ("expectation items not matched item by item to perception items (PERQ: "
                      "CUEX1 against PERQ1, PERQ2): a gap would subtract answers about "
                      "different attributes (a gap needs exp_X for each perception item X)")
    assert _unmatched_reason({"rel": ["rel_1", "rel_2"]}, {"rel": ["exp_rel_1"]})
    with pytest.raises(NotEstimable, match=r"^the survey has no expectation items$"):
        _require_matched({"rel": ["rel_1"]}, {})
    frame = pd.DataFrame({"PERQ1": [5, 6] * 30, "PERQ2": [4, 6] * 30, "CUEX1": [3, 6] * 30,
                          "sat": [4, 7] * 30})
    with pytest.raises(NotEstimable, match="not matched item by item"):
        perception_vs_gap(frame, "sat", {"PERQ": ["PERQ1", "PERQ2"]}, {"PERQ": ["CUEX1"]},
                          n_boot=20)
    with pytest.raises(NotEstimable, match="not matched item by item"):
        gap_table(frame, {"PERQ": ["PERQ1", "PERQ2"]}, {"PERQ": ["CUEX1"]})


def test_the_r2_difference_can_resample_outlets():
    ds = load_data("survey")
    model = survey_constructs(ds)
    result = perception_vs_gap(ds.frame, "overall_sat", model.perceptions, model.expectations,
                               n_boot=50, cluster="outlet_id")
    est = result.effect
    assert est.clusters == 30 and est.n == len(ds.frame.dropna(subset=["overall_sat"]))
    assert "clustered by outlet_id (30 clusters)" in est.method


def test_gap_scores_by_hand():
    frame = pd.DataFrame({"rel_1": [5, 3], "rel_2": [4, 4], "exp_rel_1": [6, 3],
                          "exp_rel_2": [6, 5]})
    gaps = _gap_scores(frame, {"reliability": ["rel_1", "rel_2"]},
                       {"reliability": ["exp_rel_1", "exp_rel_2"]})
    assert gaps["reliability"].tolist() == [-1.5, -0.5]
    table = gap_table(frame, {"reliability": ["rel_1", "rel_2"]},
                      {"reliability": ["exp_rel_1", "exp_rel_2"]})
    assert table.table.loc["reliability", "gap"] == pytest.approx(-1.0)
    assert table.estimate("reliability").figure == "mean gap in reliability"


def test_r2_difference_matches_two_ols_fits():
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({"a_1": rng.integers(1, 8, n), "exp_a_1": rng.integers(1, 8, n),
                          "b_1": rng.integers(1, 8, n), "exp_b_1": rng.integers(1, 8, n)})
    frame["sat"] = frame["a_1"] + 0.5 * frame["b_1"] + rng.normal(size=n)
    perc, exp = {"a": ["a_1"], "b": ["b_1"]}, {"a": ["exp_a_1"], "b": ["exp_b_1"]}
    est = perception_vs_gap(frame, "sat", perc, exp, n_boot=100).effect
    r2p = sm.OLS(frame["sat"], sm.add_constant(frame[["a_1", "b_1"]])).fit().rsquared
    gaps = pd.DataFrame({"a": frame.a_1 - frame.exp_a_1, "b": frame.b_1 - frame.exp_b_1})
    r2g = sm.OLS(frame["sat"], sm.add_constant(gaps)).fit().rsquared
    assert est.value == pytest.approx(r2p - r2g)
    assert est.ci_low < est.value < est.ci_high
    assert est.value > 0  # expectations are noise here: perceptions predict better


def test_a_constant_outcome_is_not_estimable():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({c: rng.integers(1, 8, 100) for c in ("rel_1", "exp_rel_1", "emp_1",
                                                               "exp_emp_1")})
    frame["overall_sat"] = 6
    with pytest.raises(NotEstimable, match="overall_sat does not vary"):
        perception_vs_gap(frame, "overall_sat", {"reliability": ["rel_1"], "empathy": ["emp_1"]},
                          {"reliability": ["exp_rel_1"], "empathy": ["exp_emp_1"]}, n_boot=20)


def test_an_unreliable_expectation_score_gives_no_verdict():
    """ECSI's three expectation items (CUEX1-3) ask about different things and hang together
    with alpha 0.43: a score made of them is refused with the alpha in the reason."""
    ds = load_data("survey", data_dir() / "real" / "mobi.csv",
                   data_dir() / "mappings" / "mobi.yaml")
    model = survey_constructs(ds)
    with pytest.raises(NotEstimable, match=r"do not measure one thing \(Cronbach's alpha 0\.43"):
        disconfirmation(ds.frame, "overall_sat", model.perceptions, model.expectations)
