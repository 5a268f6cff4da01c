"""Covariance SEM: agreement with lavaan on a proper solution, and improper solutions flagged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlib import sem
from cxlib.stats.estimates import Estimate

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
    # semopy (SLSQP to 1e-12) and lavaan (nlminb) reach the same optimum
    loads = sem.loadings(fit).merge(lavaan_table("proper", "=~"), left_on=["factor", "item"],
                                    right_on=["lhs", "rhs"])
    assert len(loads) == 9
    np.testing.assert_allclose(loads["standardised"], loads["est.std"], atol=1e-5)
    paths = sem.structural_paths(fit).merge(lavaan_table("proper", "~"),
                                            left_on=["from", "to"], right_on=["rhs", "lhs"])
    assert len(paths) == 3
    np.testing.assert_allclose(paths["standardised"], paths["est.std"], atol=1e-5)
    assert fit.df == LAVAAN["proper"]["fit"]["df"] and fit.acceptable


def test_a_heywood_case_is_flagged():
    # one factor, three items with r12 = r13 = .8, r23 = .4: the first loading would be
    # √(.8·.8/.4) = 1.26 > 1, so its error variance would be negative
    r = np.array([[1, .8, .8], [.8, 1, .4], [.8, .4, 1]])
    fit = sem.fit_model(correlated_items(r, ["a", "b", "c"]), {"F": ["a", "b", "c"]})
    assert not fit.proper
    assert any("variance of a is at its bound of zero" in p for p in fit.problems)
    assert "improper solution" in str(fit) and "not interpretable" in str(fit)
    assert fit.acceptable is None  # no verdict on the fit of an improper solution


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


def survey_model(file: str, mapping: str):
    from cxlib.data.constructs import survey_constructs
    from cxlib.data.datasets import data_dir, load_data

    ds = load_data("survey", data_dir() / "real" / file, data_dir() / "mappings" / mapping)
    model = survey_constructs(ds)
    return ds.frame, model.blocks, model.paths


PROPER = {"X": ["x1", "x2", "x3"], "M": ["m1", "m2", "m3"], "Y": ["y1", "y2", "y3"]}
OBSERVED = {"A": ["x1"], "B": ["x2"], "M": ["m1"], "Y": ["y1"]}
MODELS = {  # lavaan's name of the fit: (data, blocks, paths)
    "proper": lambda: (pd.read_csv(REFERENCE / "sem_proper.csv"), PROPER,
                       ["X -> M", "M -> Y", "X -> Y"]),
    "saturated_factor": lambda: (pd.read_csv(REFERENCE / "sem_proper.csv"),
                                 {"X": ["x1", "x2", "x3"]}, []),
    "saturated_paths": lambda: (pd.read_csv(REFERENCE / "sem_proper.csv"), OBSERVED,
                                ["A -> M", "B -> M", "M -> Y", "A -> Y", "B -> Y"]),
    "observed_paths": lambda: (pd.read_csv(REFERENCE / "sem_proper.csv"), OBSERVED,
                               ["A -> M", "B -> M", "M -> Y"]),
    "mobi": lambda: survey_model("mobi.csv", "mobi.yaml"),
    "corp_rep": lambda: survey_model("corp_rep_data.csv", "corp_rep.yaml"),
}
INDICES = {"chisq": "chi2", "df": "df", "baseline.chisq": "chi2_baseline",
           "baseline.df": "df_baseline", "cfi": "cfi", "tli": "tli", "rmsea": "rmsea",
           "srmr": "srmr"}


@pytest.mark.parametrize("name", list(MODELS))
def test_fit_indices_agree_with_lavaan(name):
    """df, χ², the baseline model, CFI, TLI, RMSEA and SRMR as lavaan's sem(estimator = "ML")
    gives them (likelihood "normal", fixed.x), on a proper model, two saturated ones (0 df,
    one with observed exogenous variables), a path model with observed exogenous variables,
    and the two bundled surveys. Estimates converge to lavaan's optimum (even on the flat
    ridge of the improper ECSI solution), so the indices agree to 1e-5."""
    fit = sem.fit_model(*MODELS[name]())
    ref = LAVAAN[name]["fit"]
    assert fit.n == LAVAAN[name]["n"]
    assert fit.df == ref["df"] and fit.df_baseline == ref["baseline.df"]
    assert fit.chi2 == pytest.approx(ref["chisq"], abs=1e-5, rel=1e-7)
    assert fit.chi2_baseline == pytest.approx(ref["baseline.chisq"], rel=1e-9)
    for key in ("cfi", "tli", "rmsea", "srmr"):
        assert getattr(fit, key) == pytest.approx(ref[key], abs=1e-5), key
    assert 0 <= fit.cfi <= 1


def test_a_saturated_model_has_no_fit_to_judge():
    """Saturated (just identified): 0 df, χ² 0, CFI 1 and RMSEA 0 as lavaan defines them, and
    no verdict on fit (semopy's own statistics said 3 df and CFI 1.012 for this model)."""
    fit = sem.fit_model(*MODELS["saturated_paths"]())
    assert (fit.df, fit.tli, fit.rmsea) == (0, 1.0, 0.0)
    assert fit.cfi == pytest.approx(1, abs=1e-9)  # χ² is 0 up to the optimiser's 1e-10
    assert fit.chi2 < 1e-6 and fit.saturated and fit.acceptable is None
    assert "χ² = 0.0 on 0 df: the model is saturated (just identified), so its fit cannot " \
           "be tested; proper solution" in str(fit)
    assert "CFI" not in str(fit)


def test_cfi_stays_within_zero_and_one():
    """A model that fits better than its df (χ² < df) has CFI 1, not above (lavaan's bound);
    TLI is not bounded."""
    fit = sem.fit_model(*MODELS["proper"]())
    assert fit.chi2 < fit.df and fit.cfi == 1.0 and fit.tli > 1
    assert fit.p_value == pytest.approx(LAVAAN["proper"]["fit"]["pvalue"], rel=1e-6)


def test_the_ecsi_mobi_model_is_an_improper_solution():
    """The ML solution of the ECSI model is improper: standardised paths up to 3.27 (CUSA →
    CUSL) and −2.45 (IMAG → CUSL), latent correlations near 1. semopy (optimised to 1e-12)
    converges to lavaan 0.6-14's optimum, which raises no warning; neither is interpretable,
    and the fit indices carry no verdict."""
    fit = sem.fit_model(*MODELS["mobi"]())
    assert not fit.proper and fit.acceptable is None
    beyond = [p for p in fit.problems if "standardised path" in p and "beyond ±1" in p]
    assert any("CUSA → CUSL is 3.27" in p for p in beyond)
    assert any("IMAG → CUSL is -2.45" in p for p in beyond)
    assert str(fit).endswith("the SEM estimates are not interpretable")
    lavaan = LAVAAN["mobi"]
    assert lavaan["converged"] and lavaan["warnings"] == []
    assert lavaan["max_abs_std_path"] > 3 and lavaan["min_eigen_latent_cov"] < 0.002
    paths = sem.estimates(fit.model)
    paths = paths[paths["kind"] == "path"].merge(lavaan_table("mobi", "~"),
                                                  left_on=["from", "to"],
                                                  right_on=["rhs", "lhs"])
    assert len(paths) == 12
    np.testing.assert_allclose(paths["standardised"], paths["est.std"], atol=0.01)
    pls = Estimate("PLS path", 0.51, 0.40, 0.62, 250, "PLS")
    note = sem.compare_with_pls(fit, "CUSA", "CUSL", pls)
    assert note.startswith("The covariance SEM of the same model is improper (6 problems; "
                           "first: the standardised path CUSA → CUSL is 3.27, beyond ±1)")
    assert "the PLS path CUSA → CUSL (0.51 [0.40, 0.62]) stands as its own figure" in note


def test_the_reputation_model_is_proper_and_agrees_with_lavaan():
    fit = sem.fit_model(*MODELS["corp_rep"]())
    assert fit.proper and fit.acceptable is False  # CFI 0.949, RMSEA 0.073
    # CUSA is the single item cusa (overall_sat) in both
    lavaan = lavaan_table("corp_rep", "~").replace({"cusa": "CUSA"})
    paths = sem.structural_paths(fit).merge(lavaan, left_on=["from", "to"],
                                            right_on=["rhs", "lhs"])
    assert len(paths) == 7
    np.testing.assert_allclose(paths["standardised"], paths["est.std"], atol=1e-4)
    note = sem.compare_with_pls(fit, "CUSA", "CUSL", Estimate("PLS path", 0.5, 0.4, 0.6, 1, ""))
    assert note.startswith("The covariance SEM of the same model is proper: standardised path "
                           "CUSA → CUSL 0.49, beside the PLS path CUSA → CUSL (0.50 [0.40, 0.60])")
    assert note.endswith("its fit misses the cut-offs. The two methods agree in sign.")
