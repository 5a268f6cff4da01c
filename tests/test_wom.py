"""Word-of-mouth counts: parameter recovery; branching closed forms; Bass fit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlib import wom
from cxlib.data.derived import satisfaction_groups
from cxlib.notebook import readings
from cxlib.stats.diffusion import bass_curve, bass_peak
from cxlib.stats.spread import expected_reach, extinction_probability

REFERENCE = Path(__file__).parent / "reference"


def simulated_counts(n, means, alpha, rng):
    groups = rng.choice(list(means), size=n, p=[0.15, 0.6, 0.25])
    mu = np.array([means[g] for g in groups])
    size = 1 / alpha
    y = rng.negative_binomial(size, size / (size + mu))
    return pd.DataFrame({"told_count": y, "group": groups})


def test_telling_ratio_covers_the_planted_ratio():
    rng = np.random.default_rng(1)
    means = {"dissatisfied": 4.0, "neutral": 1.5, "satisfied": 2.5}
    hits = [wom.telling_ratio(simulated_counts(800, means, 0.8, rng), n_boot=300, seed=s)
            .covers(4.0 / 2.5) for s in range(60)]
    assert np.mean(hits) >= 0.88


def test_negative_binomial_recovers_dispersion_and_wins_on_aic():
    rng = np.random.default_rng(2)
    frame = simulated_counts(4000, {"dissatisfied": 3, "neutral": 2, "satisfied": 2.5}, 0.8, rng)
    fits = wom.count_models(frame)
    assert fits.models["negative binomial"].params["alpha"] == pytest.approx(0.8, rel=0.12)
    assert fits.table.loc["Poisson", "AIC"] > fits.table.loc["negative binomial", "AIC"]
    assert fits.best == fits.table["AIC"].idxmin() and fits.n == 4000
    # group effects: log(3/2) for dissatisfied vs neutral
    coef = fits.models["negative binomial"].params.filter(like="dissatisfied").iloc[0]
    assert coef == pytest.approx(np.log(1.5), abs=0.1)


def test_rootogram_predictions_sum_to_nearly_n():
    rng = np.random.default_rng(3)
    frame = simulated_counts(1000, {"dissatisfied": 2, "neutral": 1, "satisfied": 1.5}, 0.5, rng)
    table = wom.rootogram_table(frame, wom.count_models(frame), max_count=40).table
    assert table["negative binomial"].sum() == pytest.approx(1000, rel=0.01)


def test_satisfaction_groups_use_the_scale():
    g = satisfaction_groups(pd.Series([1, 2, 3, 9, 10, np.nan]), (1, 10))
    assert g.tolist()[:5] == ["dissatisfied", "dissatisfied", "neutral", "satisfied",
                              "satisfied"]
    assert pd.isna(g.iloc[5])


def test_valence_incidence_by_hand():
    frame = pd.DataFrame({"told_valence": ["positive"] * 6 + ["negative"] * 2 + ["none"] * 2})
    result = wom.valence_incidence(frame, n_boot=200)
    table, ratio = result.table, result.effect
    assert table.loc["positive", "share"] == 0.6 and ratio.value == pytest.approx(3)


def test_expected_reach_and_extinction_closed_forms():
    assert expected_reach(2, 0.25) == pytest.approx(0.5 / 0.5)
    assert expected_reach(4, 0.5) == np.inf
    assert extinction_probability(0.9) == 1.0
    # Poisson mean 2: q = exp(2(q-1)) -> 0.2032; NB k=1 mean 1.8: q = 1/1.8
    assert extinction_probability(2.0) == pytest.approx(0.203188, abs=1e-5)
    assert extinction_probability(1.8, 1.0) == pytest.approx(1 / 1.8, abs=1e-9)


def test_bass_fit_recovers_p_and_q():
    p, q, m = 0.02, 0.35, 20000
    t = np.arange(0, 31)
    per = np.diff(bass_curve(t, p, q, m))
    rng = np.random.default_rng(5)
    table = wom.fit_bass(pd.Series(rng.poisson(per))).table
    assert table.loc["p (innovation)", "ci_low"] <= p <= table.loc["p (innovation)", "ci_high"]
    assert table.loc["q (imitation)", "ci_low"] <= q <= table.loc["q (imitation)", "ci_high"]
    assert table.loc["m (market size)", "estimate"] == pytest.approx(m, rel=0.05)


def test_valence_ratio_without_negative_word_of_mouth_is_not_testable():
    frame = pd.DataFrame({"told_valence": ["positive"] * 30 + ["none"] * 20})
    result = wom.valence_incidence(frame, n_boot=50)
    table, est = result.table, result.effect  # was inf [inf, inf]
    assert est.problem.startswith("none of the 50 respondents spread negative")
    assert table.loc["positive", "share"] == 0.6
    result = wom.valence_incidence(pd.DataFrame({"told_valence": [None, None]}), n_boot=50)
    table, est = result.table, result.effect
    assert table.empty and est.problem == "nobody answered told_valence"


def test_telling_ratio_counts_resamples_without_a_group():
    # three satisfied respondents among 40: about 8% of resamples hold none of them
    frame = pd.DataFrame({"told_count": np.arange(40) % 5 + 1,
                          "group": ["satisfied"] * 3 + ["dissatisfied"] * 37})
    est = wom.telling_ratio(frame, n_boot=400, seed=1)
    assert 15 < est.failed < 50 and est.draws == 400  # before: dropped by nanquantile


def test_bass_fit_before_the_peak_says_it_is_not_identified():
    """A series still rising (the sample's 24 months, fitted peak in month 87) fits about as
    well with any market size: no intervals (they ran below zero: m = 23,963
    [−67,728, 115,654]), and a note that says why."""
    p, q, m = 0.002, 0.05, 30000
    t = np.arange(0, 25)
    assert bass_peak(p, q) > 24
    per = np.diff(bass_curve(t, p, q, m))
    table = wom.fit_bass(pd.Series(np.random.default_rng(5).poisson(per)))
    assert not table.identified and table.peak > 24 and table.still_rising
    assert table.table[["ci_low", "ci_high"]].isna().all().all()
    assert readings.bass(table).startswith("Not identified: adoptions are still rising after 24")
    assert table.warnings == ("not identified: adoptions are still rising after 24 periods; "
                              "no intervals",)
    # the full curve of the recovery test above has turned: intervals, and a note saying so
    t = np.arange(0, 31)
    full = wom.fit_bass(pd.Series(np.random.default_rng(5).poisson(
        np.diff(bass_curve(t, 0.02, 0.35, 20000)))))
    assert full.identified and full.table[["ci_low", "ci_high"]].notna().all().all()
    assert readings.bass(full).startswith("Adoptions peaked in period 8 of 30")
    assert not full.warnings and len(full.fitted) == len(full.observed) == full.n == 30


def test_bass_peak_closed_form():
    # t* = ln(q/p)/(p + q): 0.02, 0.35 -> ln 17.5 / 0.37 = 7.736
    assert bass_peak(0.02, 0.35) == pytest.approx(np.log(17.5) / 0.37)
    assert bass_peak(0.3, 0.1) == 0.0  # innovation dominates: adoptions only fall


def test_count_models_take_covariates_in_both_parts_and_match_r():
    """Poisson (glm), NB2 (MASS::glm.nb) and ZINB (pscl::zeroinfl, covariates in the count
    and the zero part) on pscl's bioChemists; see tests/reference/covariates.R."""
    ref = json.loads((REFERENCE / "covariates.json").read_text())["counts"]
    frame = pd.read_csv(REFERENCE / "bioChemists.csv")
    fits = wom.count_models(frame, "art", "fem", covariates=["kid5", "ment"],
                            inflation=["ment"], reference={"fem": "Men"}).models
    names = {"(Intercept)": "const", "femWomen": "fem[Women]", "kid5": "kid5", "ment": "ment"}
    for r_name, ours in names.items():
        assert fits["Poisson"].params[ours] == pytest.approx(ref["poisson"][r_name], abs=1e-5)
        assert fits["negative binomial"].params[ours] == pytest.approx(ref["negbin"][r_name],
                                                                       abs=1e-4)
        assert fits["zero-inflated NB"].params[ours] == pytest.approx(ref["zinb_count"][r_name],
                                                                      abs=1e-3)
    zinb = fits["zero-inflated NB"]
    assert zinb.params["inflate_const"] == pytest.approx(ref["zinb_zero"]["(Intercept)"],
                                                         abs=2e-3)
    assert zinb.params["inflate_ment"] == pytest.approx(ref["zinb_zero"]["ment"], abs=2e-3)
    assert 1 / zinb.params["alpha"] == pytest.approx(ref["zinb_theta"], rel=2e-3)
    assert 1 / fits["negative binomial"].params["alpha"] == pytest.approx(ref["negbin_theta"],
                                                                          rel=1e-3)
    for name, key in [("Poisson", "poisson_loglik"), ("negative binomial", "negbin_loglik"),
                      ("zero-inflated NB", "zinb_loglik")]:
        assert fits[name].llf == pytest.approx(ref[key], abs=1e-3), name


def test_count_models_need_no_neutral_group():
    """The reference group comes from the data: on a 3-point scale nobody is 'neutral'
    (before: PatsyError)."""
    rng = np.random.default_rng(5)
    groups = rng.choice(["dissatisfied", "satisfied"], 800, p=[0.3, 0.7])
    mu = np.where(groups == "dissatisfied", 3.0, 1.5)
    frame = pd.DataFrame({"told_count": rng.negative_binomial(2, 2 / (2 + mu)), "group": groups})
    fits = wom.count_models(frame)
    assert "group[dissatisfied]" in fits.models["negative binomial"].params
    assert fits.models["negative binomial"].params["group[dissatisfied]"] == pytest.approx(
        np.log(2), abs=0.2)


def test_a_month_without_adoptions_counts_as_zero():
    """The adoption curve keeps every month from the first adoption to the last: a month
    with none is 0, not left out (which would shift every later period of the Bass fit)."""
    from cxlib.data.derived import adoptions_per_month

    log = pd.DataFrame({"customer_id": [1, 2, 3, 3],
                        "date": ["2024-01-05", "2024-03-02", "2024-03-09", "2024-05-01"]})
    curve = adoptions_per_month(log)
    assert [str(p) for p in curve.index] == ["2024-01", "2024-02", "2024-03"]
    assert curve.tolist() == [1, 0, 2]
