"""Loyalty models: coverage on data simulated from each model, with known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from cxlib.loyalty import (
    indirect_estimate,
    logistic_effect,
    loyalty_by_level,
    mediation,
    ordinal_effect,
    spline_test,
    top_box_step,
)


def test_ordinal_logit_recovers_the_odds_ratio():
    rng = np.random.default_rng(8)
    beta, cuts = 0.7, np.array([-1.0, 0.5, 2.0])
    hits = []
    for _ in range(100):
        x = rng.integers(1, 8, 400).astype(float)
        latent = beta * (x - 4) + rng.logistic(size=400)
        frame = pd.DataFrame({"x": x, "y": np.searchsorted(cuts, latent) + 1})
        hits.append(ordinal_effect(frame, "y", "x")[0].covers(np.exp(beta)))
    assert 0.88 <= np.mean(hits) <= 1.0


def test_logistic_churn_recovers_the_odds_ratio():
    rng = np.random.default_rng(9)
    a, b = -1.0, -0.5
    hits = []
    for _ in range(300):
        x = rng.integers(1, 8, 500).astype(float)
        y = rng.binomial(1, expit(a + b * (x - 4)))
        hits.append(logistic_effect(pd.DataFrame({"x": x, "c": y}), "c", "x")[0].covers(np.exp(b)))
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
    est = table["estimate"]
    assert est["total c"] == pytest.approx(est.iloc[2] + est["indirect a·b"])


def test_top_box_step_recovers_a_planted_jump():
    rng = np.random.default_rng(12)
    means = {1: 2.0, 2: 2.5, 3: 3.0, 4: 3.5, 5: 4.0, 6: 4.5, 7: 6.0}  # +0.5 per level, +1.5 at top
    truth = 1.5 - 0.5
    hits = []
    for rep in range(40):
        x = rng.integers(1, 8, 700)
        y = np.array([means[v] for v in x]) + rng.normal(0, 1, 700)
        est = top_box_step(pd.DataFrame({"x": x, "y": y}), "y", "x", n_boot=200, seed=rep)
        hits.append(est.covers(truth))
    assert np.mean(hits) >= 0.85


def test_top_box_needs_three_levels():
    with pytest.raises(ValueError):
        top_box_step(pd.DataFrame({"x": [1, 2] * 20, "y": range(40)}), "y", "x")


def test_spline_test_detects_curvature_and_not_a_line():
    rng = np.random.default_rng(3)
    x = rng.uniform(1, 7, 800)
    curved = pd.DataFrame({"x": x, "y": (x - 4) ** 2 + rng.normal(size=800)})
    straight = pd.DataFrame({"x": x, "y": x + rng.normal(size=800)})
    assert spline_test(curved, "y", "x")["p"] < 1e-6
    assert spline_test(straight, "y", "x")["p"] > 0.001


def test_loyalty_by_level_counts():
    frame = pd.DataFrame({"s": [1, 1, 2, 2, 2], "l": [1, 2, 3, 4, 5]})
    table = loyalty_by_level(frame, "l", "s")
    assert table["n"].tolist() == [2, 3] and table.loc[2, "mean"] == 4
