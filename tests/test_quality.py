"""Gap scores against hand calculations; the R² comparison against statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cxlib.analyses.quality import gap_scores, gap_table, perception_vs_gap
from cxlib.errors import NotEstimable


def test_gap_scores_by_hand():
    frame = pd.DataFrame({"rel_1": [5, 3], "rel_2": [4, 4], "exp_rel_1": [6, 3],
                          "exp_rel_2": [6, 5]})
    gaps = gap_scores(frame, {"reliability": ["rel_1", "rel_2"]},
                      {"reliability": ["exp_rel_1", "exp_rel_2"]})
    assert gaps["reliability"].tolist() == [-1.5, -0.5]
    table = gap_table(frame, {"reliability": ["rel_1", "rel_2"]},
                      {"reliability": ["exp_rel_1", "exp_rel_2"]})
    assert table.loc["reliability", "gap"] == pytest.approx(-1.0)


def test_r2_difference_matches_two_ols_fits():
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({"a_1": rng.integers(1, 8, n), "exp_a_1": rng.integers(1, 8, n),
                          "b_1": rng.integers(1, 8, n), "exp_b_1": rng.integers(1, 8, n)})
    frame["sat"] = frame["a_1"] + 0.5 * frame["b_1"] + rng.normal(size=n)
    perc, exp = {"a": ["a_1"], "b": ["b_1"]}, {"a": ["exp_a_1"], "b": ["exp_b_1"]}
    est, _table = perception_vs_gap(frame, "sat", perc, exp, n_boot=100)
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
