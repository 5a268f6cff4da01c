"""Covariance SEM: agreement with lavaan on a proper solution, and improper solutions flagged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlib import sem

REFERENCE = Path(__file__).parent / "reference"
LAVAAN = json.loads((REFERENCE / "sem_lavaan.json").read_text())


def lavaan_table(name: str, op: str) -> pd.DataFrame:
    table = pd.DataFrame(LAVAAN[name]["standardised"])
    return table[table["op"] == op]


def correlated_items(correlation: np.ndarray, names: list[str], n: int = 800,
                     seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, len(names))) @ np.linalg.cholesky(correlation).T
    return pd.DataFrame(z, columns=names)


def test_a_well_specified_model_is_proper_and_agrees_with_lavaan():
    data = pd.read_csv(REFERENCE / "sem_proper.csv")
    fit = sem.fit_model(data, {"X": ["x1", "x2", "x3"], "M": ["m1", "m2", "m3"],
                               "Y": ["y1", "y2", "y3"]}, ["X -> M", "M -> Y", "X -> Y"])
    assert fit.proper and fit.problems == [] and "proper solution" in str(fit)
    assert LAVAAN["proper"]["converged"] and LAVAAN["proper"]["post_check"]
    # semopy (SLSQP) and lavaan (nlminb) stop at slightly different points: standardised
    # estimates agree to 0.002, χ² to 1%
    loads = sem.loadings(fit).merge(lavaan_table("proper", "=~"), left_on=["factor", "item"],
                                    right_on=["lhs", "rhs"])
    assert len(loads) == 9
    np.testing.assert_allclose(loads["standardised"], loads["est.std"], atol=0.002)
    paths = sem.structural_paths(fit).merge(lavaan_table("proper", "~"),
                                            left_on=["from", "to"], right_on=["rhs", "lhs"])
    assert len(paths) == 3
    np.testing.assert_allclose(paths["standardised"], paths["est.std"], atol=0.002)
    assert fit.df == LAVAAN["proper"]["fit"]["df"]
    assert fit.chi2 == pytest.approx(LAVAAN["proper"]["fit"]["chisq"], rel=0.01)
    assert fit.srmr == pytest.approx(LAVAAN["proper"]["fit"]["srmr"], abs=0.001)


def test_a_heywood_case_is_flagged():
    # one factor, three items with r12 = r13 = .8, r23 = .4: the first loading would be
    # √(.8·.8/.4) = 1.26 > 1, so its error variance would be negative
    r = np.array([[1, .8, .8], [.8, 1, .4], [.8, .4, 1]])
    fit = sem.fit_model(correlated_items(r, ["a", "b", "c"]), {"F": ["a", "b", "c"]})
    assert not fit.proper
    assert any("variance of a is at its bound of zero" in p for p in fit.problems)
    assert "improper solution" in str(fit) and "not interpretable" in str(fit)


def test_factors_correlated_beyond_one_are_flagged():
    # items correlate more across the two factors (.5) than within them (.3)
    r = np.array([[1, .3, .5, .5], [.3, 1, .5, .5], [.5, .5, 1, .3], [.5, .5, .3, 1]])
    fit = sem.fit_model(correlated_items(r, ["a1", "a2", "b1", "b2"]),
                        {"A": ["a1", "a2"], "B": ["b1", "b2"]})
    assert any("correlation of A and B is 1.8" in p and "beyond ±1" in p for p in fit.problems)
    assert any("latent variables is not positive definite" in p for p in fit.problems)


def test_non_convergence_is_a_problem():
    assert sem.improper(sem.fit_model(pd.read_csv(REFERENCE / "sem_proper.csv"),
                                      {"X": ["x1", "x2", "x3"]}).model, converged=False,
                        message="Iteration limit reached")[0] == (
        "the estimation did not converge (Iteration limit reached)")


@pytest.mark.realdata
def test_the_ecsi_mobi_model_is_an_improper_solution():
    """semopy's ML solution has standardised paths of 3.1 and −2.3; lavaan 0.6-14 converges
    on another point of the same nearly flat ridge (latent correlations up to .995) with
    paths of 3.3 and −2.5 and raises no warning. Neither is interpretable."""
    from conftest import REPO, realdata

    from cxlib.data.constructs import survey_constructs
    from cxlib.data.datasets import load_data

    ds = load_data("survey", realdata("mobi.csv"), REPO / "data" / "mappings" / "mobi.yaml")
    model = survey_constructs(ds)
    fit = sem.fit_model(ds.frame, model.blocks, model.paths)
    assert not fit.proper
    beyond = [p for p in fit.problems if "standardised path" in p and "beyond ±1" in p]
    assert any("CUSA → CUSL is 3.11" in p for p in beyond)
    assert any("IMAG → CUSL is -2.29" in p for p in beyond)
    assert str(fit).endswith("the SEM estimates are not interpretable")
    lavaan = LAVAAN["mobi"]
    assert lavaan["converged"] and lavaan["warnings"] == []
    assert lavaan["max_abs_std_path"] > 3 and lavaan["min_eigen_latent_cov"] < 0.002
