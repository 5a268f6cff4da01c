"""Reliability and factor structure: closed forms and coverage on simulated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib.notebook.readings import reliability, structures
from cxlib.stats.measurement import (
    cfa,
    compare_structures,
    cronbach_alpha,
    reliability_table,
)


def parallel_items(n, k, noise_sd, rng):
    true = rng.normal(size=n)
    return pd.DataFrame({f"i{j}": true + rng.normal(0, noise_sd, n) for j in range(k)})


def test_alpha_matches_the_hand_formula():
    items = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    k = 3
    expected = k / (k - 1) * (1 - items.var().sum() / items.sum(axis=1).var())
    assert cronbach_alpha(items).value == pytest.approx(expected)


def test_feldt_interval_covers_the_population_alpha():
    rng = np.random.default_rng(11)
    k, sd = 4, 1.0
    rho = 1 / (1 + sd**2)
    truth = k * rho / (1 + (k - 1) * rho)  # Spearman-Brown
    hits = [cronbach_alpha(parallel_items(120, k, sd, rng)).covers(truth) for _ in range(300)]
    assert 0.92 <= np.mean(hits) <= 0.98


def test_reliability_table_skips_single_items():
    rng = np.random.default_rng(0)
    frame = parallel_items(50, 3, 1, rng)
    table = reliability_table(frame, {"A": ["i0", "i1"], "B": ["i2"]})
    assert np.isnan(table.loc["B", "alpha"]) and table.loc["A", "alpha"] > 0


def test_cfa_prefers_the_true_structure():
    rng = np.random.default_rng(5)
    n = 600
    f = rng.multivariate_normal([0, 0, 0], [[1, .4, .4], [.4, 1, .4], [.4, .4, 1]], n)
    frame = pd.DataFrame({f"x{j}_{i}": 0.8 * f[:, j] + rng.normal(0, .6, n)
                          for j in range(3) for i in range(3)})
    blocks = {f"F{j}": [f"x{j}_{i}" for i in range(3)] for j in range(3)}
    table = compare_structures(frame, blocks)
    assert table.table.loc["3 factors", "meets cut-offs"]
    assert not table.table.loc["1 factor", "meets cut-offs"]
    _chi2, df, p = table.chi2_difference
    assert df == 3 and p < 1e-6
    assert structures(table).startswith("χ² difference, 3 factors vs 1 factor: ")
    assert "p < 0.001" in structures(table) and "improper" not in structures(table)


def test_an_improper_structure_gets_no_verdict_and_no_difference_test():
    # two factors whose items correlate more across (.5) than within (.3): their correlation
    # is estimated beyond 1, an improper solution
    rng = np.random.default_rng(7)
    r = np.array([[1, .3, .5, .5], [.3, 1, .5, .5], [.5, .5, 1, .3], [.5, .5, .3, 1]])
    z = rng.standard_normal((800, 4)) @ np.linalg.cholesky(r).T
    frame = pd.DataFrame(z, columns=["a1", "a2", "b1", "b2"])
    table = compare_structures(frame, {"A": ["a1", "a2"], "B": ["b1", "b2"]})
    assert not table.table.loc["2 factors", "proper"]
    assert table.table.loc["2 factors", "meets cut-offs"] is None
    assert table.chi2_difference is None
    assert any("beyond ±1" in p for p in table.problems["2 factors"])
    note = structures(table)
    assert note.startswith("No χ² difference test") and "2 factors: improper solution" in note


def test_srmr_is_zero_for_a_saturated_fit():
    rng = np.random.default_rng(3)
    frame = parallel_items(500, 3, 0.7, rng)
    fit = cfa(frame, {"F": ["i0", "i1", "i2"]})  # 3 indicators, one factor: just identified
    assert fit.df == 0 and fit.srmr == pytest.approx(0, abs=1e-3)


def test_structural_model_recovers_a_simulated_path():
    from cxlib.stats.sem import fit_model, structural_paths

    rng = np.random.default_rng(6)
    n = 2000
    x = rng.normal(size=n)
    y = 0.6 * x + rng.normal(0, 0.8, n)
    frame = pd.DataFrame({**{f"x{i}": x + rng.normal(0, .5, n) for i in range(3)},
                          **{f"y{i}": y + rng.normal(0, .5, n) for i in range(3)},
                          "single": y + rng.normal(0, .3, n)})
    fit = fit_model(frame, {"X": ["x0", "x1", "x2"], "Y": ["y0", "y1", "y2"]}, ["X -> Y"])
    table = structural_paths(fit)
    truth = 0.6 / np.sqrt(0.6**2 + 0.8**2)  # standardised latent path
    assert table.loc[0, "standardised"] == pytest.approx(truth, abs=0.04)
    assert fit.acceptable
    single = fit_model(frame, {"X": ["x0", "x1", "x2"], "S": ["single"]}, ["X -> S"])
    assert structural_paths(single).loc[0, "to"] == "S"


def test_reliability_note_names_the_dimensions_below_the_floor():
    table = pd.DataFrame({"alpha": [0.714, 0.433, np.nan], "ci_low": [0.654, 0.299, np.nan],
                          "ci_high": [0.767, 0.544, np.nan]}, index=["IMAG", "CUEX", "ONE"])
    note = reliability(table)
    assert "CUEX (alpha 0.43 [0.30, 0.54])" in note and "IMAG" not in note
    assert reliability(table.drop("CUEX")).startswith("Every dimension")
    assert reliability(table.loc[["ONE"]]).startswith("No dimension")


def test_htmt_by_hand_and_its_caution():
    """HTMT = mean between-block |r| ÷ √(mean within-A |r| · mean within-B |r|) (Henseler et
    al. 2015), by hand on ECSI's satisfaction and loyalty items; above 0.90 a caution says so."""
    import numpy as np

    from cxlib.data.datasets import data_dir
    from cxlib.stats.measurement import distinctness_caution, htmt

    f = pd.read_csv(data_dir() / "real" / "mobi.csv")
    a, b = ["CUSA1", "CUSA2", "CUSA3"], ["CUSL1", "CUSL2", "CUSL3"]
    r = f[a + b].corr().abs().to_numpy()
    within = [np.mean([r[i, j] for i in idx for j in idx if i < j]) for idx in ([0, 1, 2],
                                                                            [3, 4, 5])]
    by_hand = r[:3, 3:].mean() / np.sqrt(within[0] * within[1])
    assert htmt(f, a, b) == pytest.approx(by_hand, rel=1e-12)
    assert htmt(f, a, b) == pytest.approx(0.957, abs=0.001)
    blocks = {"CUSA": a, "CUSL": b, "ONE": ["CUSCO"]}
    assert "heterotrait–monotrait ratio 0.96" in distinctness_caution(f, blocks, "CUSA", "CUSL")
    one = distinctness_caution(f, blocks, "CUSA", "ONE")  # one item: HTMT undefined, said
    assert one.startswith("whether CUSA and ONE are distinct constructs was not checked: ONE")
    assert distinctness_caution(f, blocks, "CUSA", None) == ""


def test_htmt_matches_semtools():
    """semTools::htmt(htmt2 = FALSE) on ECSI (tests/reference/htmt.R)."""
    import json
    from pathlib import Path

    from cxlib.data.datasets import data_dir
    from cxlib.stats.measurement import htmt

    ref = json.loads((Path(__file__).parent / "reference" / "htmt.json").read_text())
    f = pd.read_csv(data_dir() / "real" / "mobi.csv")
    a, b = ["CUSA1", "CUSA2", "CUSA3"], ["CUSL1", "CUSL2", "CUSL3"]
    perq = [f"PERQ{i}" for i in range(1, 8)]
    assert htmt(f, a, b) == pytest.approx(ref["CUSA_CUSL"], abs=1e-10)
    assert htmt(f, perq, a) == pytest.approx(ref["PERQ_CUSA"], abs=1e-10)
    assert htmt(f, perq, b) == pytest.approx(ref["PERQ_CUSL"], abs=1e-10)
