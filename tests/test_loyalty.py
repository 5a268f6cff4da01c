"""Loyalty models: coverage on data simulated from each model, with known truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from cxlib.analyses.loyalty import (
    Mediation,
    OddsRatio,
    indirect_estimate,
    logistic_effect,
    loyalty_by_level,
    mediation,
    ordinal_effect,
    spline_test,
    top_box_step,
)
from cxlib.errors import NotEstimable
from cxlib.notebook.readings import mediated_share

REFERENCE = Path(__file__).parent / "reference"


def test_ordinal_logit_recovers_the_odds_ratio():
    rng = np.random.default_rng(8)
    beta, cuts = 0.7, np.array([-1.0, 0.5, 2.0])
    hits = []
    for _ in range(100):
        x = rng.integers(1, 8, 400).astype(float)
        latent = beta * (x - 4) + rng.logistic(size=400)
        frame = pd.DataFrame({"x": x, "y": np.searchsorted(cuts, latent) + 1})
        hits.append(ordinal_effect(frame, "y", "x").effect.covers(np.exp(beta)))
    assert 0.88 <= np.mean(hits) <= 1.0


def housing() -> pd.DataFrame:
    """The Copenhagen housing survey (MASS::housing), one row per tenant; see
    tests/reference/ordinal_housing.R."""
    table = pd.read_csv(REFERENCE / "housing.csv")
    frame = table.loc[table.index.repeat(table["Freq"])].reset_index(drop=True)
    return frame.assign(infl=frame["Infl"].map({"Low": 1, "Medium": 2, "High": 3}))


def test_text_ordinal_outcome_keeps_its_order_and_matches_polr():
    ref = json.loads((REFERENCE / "ordinal_housing.json").read_text())
    frame = housing()
    with pytest.raises(ValueError, match=r"Sat is text \(Low, Medium, High\).*order=\["):
        ordinal_effect(frame, "Sat", "infl")  # before: ordered High < Low < Medium, OR 0.65
    result = ordinal_effect(frame, "Sat", "infl", order=["Low", "Medium", "High"])
    text, fit = result.effect, result.model
    assert isinstance(result, OddsRatio) and result.method == text.method and result.n == text.n
    assert result.table.loc["infl", "odds ratio"] == pytest.approx(text.value)
    assert str(text) in str(result)  # the headline is shown under the coefficient table
    assert text.value == pytest.approx(ref["odds_ratio"], rel=1e-5)  # MASS::polr: 1.85
    assert fit.bse["infl"] == pytest.approx(ref["se_hc0"], rel=1e-3)  # sandwich::sandwich
    numeric = frame.assign(Sat=frame["Sat"].map({"Low": 1, "Medium": 2, "High": 3}))
    ordered = frame.assign(Sat=pd.Categorical(frame["Sat"], ["Low", "Medium", "High"],
                                              ordered=True))
    for other in (numeric, ordered):
        est = ordinal_effect(other, "Sat", "infl").effect
        assert (est.value, est.ci_low, est.ci_high) == pytest.approx(
            (text.value, text.ci_low, text.ci_high), rel=1e-6)
    with pytest.raises(ValueError, match="Very high"):
        ordinal_effect(frame.assign(Sat=frame["Sat"].replace("High", "Very high")), "Sat",
                       "infl", order=["Low", "Medium", "High"])


def test_numbers_stored_as_text_keep_their_numeric_order():
    rng = np.random.default_rng(4)
    x = rng.integers(1, 8, 600).astype(float)
    y = np.searchsorted([-2.0, -1, 0, 1, 2, 3, 4, 5, 6], 0.5 * (x - 4) + rng.logistic(size=600))
    frame = pd.DataFrame({"x": x, "y": y + 1})  # 1 … 10: "10" sorts before "2" as text
    as_text = frame.assign(y=frame["y"].astype(str))
    assert ordinal_effect(as_text, "y", "x").effect.value == pytest.approx(
        ordinal_effect(frame, "y", "x").effect.value, rel=1e-6)


def test_logistic_churn_recovers_the_odds_ratio():
    rng = np.random.default_rng(9)
    a, b = -1.0, -0.5
    hits = []
    for _ in range(300):
        x = rng.integers(1, 8, 500).astype(float)
        y = rng.binomial(1, expit(a + b * (x - 4)))
        odds = logistic_effect(pd.DataFrame({"x": x, "c": y}), "c", "x")
        hits.append(odds.effect.covers(np.exp(b)))
    assert 0.91 <= np.mean(hits) <= 0.98


def test_mediation_indirect_effect_coverage():
    rng = np.random.default_rng(10)
    a, b, c = 0.5, 0.4, 0.2
    # standardised truth: var(x) = 1, var(y) = c² + b²(a² + 1) + 2abc + 1, so
    # a_std · b_std = a·b · sd(x) / sd(y)
    sd_y = np.sqrt(c**2 + b**2 * (a**2 + 1) + 2 * a * b * c + 1)
    hits, hits_std = [], []
    for rep in range(60):
        x = rng.normal(size=300)
        m = a * x + rng.normal(size=300)
        y = c * x + b * m + rng.normal(size=300)
        frame = pd.DataFrame({"x": x, "m": m, "y": y})
        raw = mediation(frame, "x", "m", "y", n_boot=300, seed=rep, standardise=False)
        hits.append(indirect_estimate(raw).covers(a * b))
        std = mediation(frame, "x", "m", "y", n_boot=300, seed=rep)
        hits_std.append(indirect_estimate(std).covers(a * b / sd_y))
    assert np.mean(hits) >= 0.88
    assert np.mean(hits_std) >= 0.88


def clustered_mediation_data(rng, clusters: int = 50, size: int = 12, a: float = 0.5,
                             b: float = 0.4) -> pd.DataFrame:
    """x → m → y (indirect a·b, direct 0.2) with strong outlet effects in x, m and y."""
    g = np.repeat(np.arange(clusters), size)
    n = len(g)
    x = rng.normal(size=clusters)[g] + 0.5 * rng.normal(size=n)
    m = a * x + rng.normal(size=clusters)[g] + 0.5 * rng.normal(size=n)
    y = b * m + 0.2 * x + rng.normal(size=clusters)[g] + 0.5 * rng.normal(size=n)
    return pd.DataFrame({"outlet_id": g, "x": x, "m": m, "y": y})


def test_mediation_over_clusters_covers_where_the_row_bootstrap_does_not():
    rng = np.random.default_rng(21)
    hits = {None: [], "outlet_id": []}
    for rep in range(80):
        frame = clustered_mediation_data(rng)
        for cluster, found in hits.items():
            table = mediation(frame, "x", "m", "y", cluster=cluster, n_boot=149, seed=rep,
                              standardise=False)
            found.append(indirect_estimate(table).covers(0.5 * 0.4))
    assert np.mean(hits[None]) < 0.75  # about 0.5: rows treated as independent
    assert np.mean(hits["outlet_id"]) >= 0.88  # about 0.92 with 50 outlets
    est = indirect_estimate(table)
    assert "50 clusters (outlet_id)" in est.method and est.draws == 149 and est.failed == 0


def test_mediation_paths_add_up():
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    frame = pd.DataFrame({"x": x, "m": x + rng.normal(size=200), "y": rng.normal(size=200)})
    table = mediation(frame, "x", "m", "y", n_boot=50)
    est = table.table["estimate"]
    assert est["total c"] == pytest.approx(est.iloc[2] + est["indirect a·b"])


def test_mediated_share_is_the_indirect_over_the_total_effect():
    """share = a·b / c; "mostly through" only when it exceeds one half (the corporate
    reputation survey: a·b 0.274 of c 0.587, 47%: less than half)."""
    def table(ab, cp, lo=0.1):
        t = pd.DataFrame({"estimate": [0.5, 0.5, cp, ab, ab + cp],
                          "ci_low": [0.4, 0.4, cp - 0.1, ab - 0.1, lo],
                          "ci_high": [0.6, 0.6, cp + 0.1, ab + 0.1, ab + cp + 0.1]},
                         index=["a: Q → S", "b: S → L (given Q)", "direct c′: Q → L",
                                "indirect a·b", "total c"])
        return Mediation(table=t, n=100, method="made up", x="Q", m="S", y="L",
                         standardised=True)

    assert mediated_share(table(0.274, 0.313)).startswith("47% of the association of Q with L")
    assert "less than half by way of S" in mediated_share(table(0.274, 0.313))
    assert "Q and L go together mostly by way of S" in mediated_share(table(0.433, 0.011))
    assert "does not show Q acting on L" in mediated_share(table(0.433, 0.011))
    assert "does not split" in mediated_share(table(0.3, -0.2))  # parts of opposite sign
    assert "does not split" in mediated_share(table(0.05, 0.05, lo=-0.02))  # c includes 0
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    frame = pd.DataFrame({"x": x, "m": x + rng.normal(size=200)})
    frame["y"] = frame["m"] + rng.normal(size=200)
    share = mediated_share(mediation(frame, "x", "m", "y", n_boot=50))
    assert "x and y go together mostly by way of m" in share


def test_top_box_step_recovers_a_planted_jump_on_the_latent_scale():
    """An ordinal outcome from a latent y* = 0.5·x + 1.0·[x = 7] + logistic noise cut at fixed
    thresholds: the step is exp(1.0) on the odds scale, and its interval covers it."""
    rng = np.random.default_rng(12)
    hits = []
    for _ in range(30):
        x = rng.integers(1, 8, 700)
        latent = 0.5 * x + 1.0 * (x == 7) + rng.logistic(size=700)
        y = np.digitize(latent, [1.0, 2.0, 3.0, 4.0])
        est = top_box_step(pd.DataFrame({"x": x, "y": y}), "y", "x")
        hits.append(est.covers(np.exp(1.0)))
    assert np.mean(hits) >= 0.85


def test_a_ceiling_is_not_a_negative_top_box_step():
    """A rating that saturates near the top (means flatten at the highest level) with no
    step on the latent scale: the difference of mean gains would read a negative step; the
    latent-scale odds ratio covers 1."""
    rng = np.random.default_rng(5)
    x = rng.integers(1, 8, 3000)
    y = np.digitize(0.9 * x + rng.logistic(size=3000), [0.5, 1.5, 2.5, 3.5])  # top code 4
    frame = pd.DataFrame({"x": x, "y": y})
    gains = frame.groupby("x")["y"].mean().diff()
    assert gains.iloc[-1] - gains.iloc[1:-1].mean() < -0.3  # the means flatten at the top
    assert top_box_step(frame, "y", "x").covers(1.0)


def test_top_box_needs_three_levels():
    with pytest.raises(ValueError):
        top_box_step(pd.DataFrame({"x": [1, 2] * 20, "y": range(40)}), "y", "x")


def test_spline_test_detects_curvature_and_not_a_line():
    rng = np.random.default_rng(3)
    x = rng.uniform(1, 7, 800)
    curved = pd.DataFrame({"x": x, "y": (x - 4) ** 2 + rng.normal(size=800)})
    straight = pd.DataFrame({"x": x, "y": x + rng.normal(size=800)})
    assert spline_test(curved, "y", "x").p < 1e-6
    assert spline_test(straight, "y", "x").p > 0.001


def test_loyalty_by_level_counts():
    frame = pd.DataFrame({"s": [1, 1, 2, 2, 2], "l": [1, 2, 3, 4, 5]})
    table = loyalty_by_level(frame, "l", "s")
    assert table.table["n"].tolist() == [2, 3] and table.table.loc[2, "mean"] == 4
    assert table.estimate(2).figure == "mean l at s = 2" and table.n == 5


def test_loyalty_by_level_keeps_intervals_on_the_answers_scale():
    """Two answers 1 and 7 at level 1: the t interval 4 ± 12.7·3 runs from −34 to 42; a mean
    of answers between 1 and 7 cannot leave [1, 7], so the interval is clipped there."""
    frame = pd.DataFrame({"s": [1, 1, 2, 2, 2, 3], "l": [1, 7, 3, 4, 5, 6]})
    table = loyalty_by_level(frame, "l", "s").table
    assert (table.loc[1, "ci_low"], table.loc[1, "ci_high"]) == (1, 7)
    half = 4.302653 / np.sqrt(3)  # t₀.₉₇₅,₂ · s/√n with s = 1: inside [1, 7], left as it is
    assert (table.loc[2, "ci_low"], table.loc[2, "ci_high"]) == pytest.approx((4 - half,
                                                                                4 + half))
    assert np.isnan(table.loc[3, "ci_low"]) and table.loc[3, "n"] == 1


@pytest.mark.parametrize("analysis", [
    lambda f: ordinal_effect(f, "y", "x"),
    lambda f: logistic_effect(f, "churned", "x"),
    lambda f: top_box_step(f, "y", "x"),
    lambda f: spline_test(f, "y", "x"),
    lambda f: mediation(f, "m", "x", "y", n_boot=20),
], ids=["ordinal", "logistic", "top_box", "spline", "mediation"])
def test_a_constant_satisfaction_is_not_estimable(analysis):
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"x": 5.0, "y": rng.integers(1, 8, 200), "m": rng.normal(size=200),
                          "churned": rng.integers(0, 2, 200)})
    with pytest.raises(NotEstimable, match=r"^x does not vary \(every answer is 5.0\)"):
        analysis(frame)


def test_too_few_levels_for_the_top_box_step_or_a_spline_is_not_estimable():
    rng = np.random.default_rng(6)
    frame = pd.DataFrame({"x": rng.integers(1, 3, 300).astype(float),
                          "y": rng.integers(1, 8, 300)})
    with pytest.raises(NotEstimable, match="needs three"):
        top_box_step(frame, "y", "x")
    with pytest.raises(NotEstimable, match="at least 4"):
        spline_test(frame, "y", "x")


def covariate_reference() -> dict:
    """tests/reference/covariates.json, written by tests/reference/covariates.R."""
    return json.loads((REFERENCE / "covariates.json").read_text())


def housing_table() -> pd.DataFrame:
    """The 72 cells of the housing survey with their counts (Freq), influence as 1, 2, 3."""
    table = pd.read_csv(REFERENCE / "housing.csv")
    return table.assign(infl=table["Infl"].map({"Low": 1, "Medium": 2, "High": 3}))


def test_ordinal_model_takes_covariates_and_frequency_weights_and_matches_polr():
    ref = covariate_reference()["ordinal"]
    order = ["Low", "Medium", "High"]
    result = ordinal_effect(housing_table(), "Sat", "infl", order=order,
                            covariates=["Type", "Cont"],
                            reference={"Type": "Tower", "Cont": "Low"}, weights="Freq")
    est, fit = result.effect, result.model
    assert est.n == ref["n"] == 1681
    for r_name, ours in [("infl", "infl"), ("TypeApartment", "Type[Apartment]"),
                         ("TypeAtrium", "Type[Atrium]"), ("TypeTerrace", "Type[Terrace]"),
                         ("ContHigh", "Cont[High]")]:
        assert fit.params[ours] == pytest.approx(ref["coef"][r_name], abs=2e-5), r_name
        assert fit.bse[ours] == pytest.approx(ref["se_hc0"][r_name], rel=2e-3), r_name
    assert est.value == pytest.approx(np.exp(ref["coef"]["infl"]), rel=1e-4)
    assert "adjusted for Type, Cont (reference Type = Tower, Cont = Low)" in est.method
    # the weights are counts: the table with weights is the survey with one row per tenant
    long = housing()
    unweighted = ordinal_effect(long, "Sat", "infl", order=order, covariates=["Type", "Cont"],
                                reference={"Type": "Tower", "Cont": "Low"}).effect
    assert (unweighted.value, unweighted.ci_low) == pytest.approx((est.value, est.ci_low),
                                                                  rel=1e-5)


def test_reference_levels_come_from_the_data_when_not_given():
    table = housing_table()
    result = ordinal_effect(table, "Sat", "infl", order=["Low", "Medium", "High"],
                            covariates=["Type"], weights="Freq")
    est, fit = result.effect, result.model
    counts = table.groupby("Type")["Freq"].sum()
    assert f"Type = {counts.idxmax()}" in est.method  # the most frequent type, not a label
    assert f"Type[{counts.idxmax()}]" not in fit.params


def test_logistic_model_takes_covariates_and_frequency_weights_and_matches_glm():
    ref = covariate_reference()["logistic"]
    table = housing_table().assign(high=lambda d: (d["Sat"] == "High").astype(int))
    result = logistic_effect(table, "high", "infl", covariates=["Type", "Cont"],
                             reference={"Type": "Tower", "Cont": "Low"}, weights="Freq")
    est, fit = result.effect, result.model
    assert est.n == ref["n"]
    for r_name, ours in [("(Intercept)", "const"), ("infl", "infl"),
                         ("TypeApartment", "Type[Apartment]"), ("TypeTerrace", "Type[Terrace]"),
                         ("ContHigh", "Cont[High]")]:
        assert fit.params[ours] == pytest.approx(ref["coef"][r_name], abs=1e-6), r_name
        assert np.sqrt(fit.cov.loc[ours, ours]) == pytest.approx(ref["se_hc3"][r_name],
                                                                 rel=1e-4), r_name


def test_frequency_weights_must_be_counts():
    table = housing_table()
    with pytest.raises(ValueError, match="whole numbers"):
        ordinal_effect(table.assign(Freq=table["Freq"] * 0.5), "Sat", "infl",
                       order=["Low", "Medium", "High"], weights="Freq")
