"""Notebooks 01 and 02 on a survey of the analyst's own: an overall rating, ten attribute
ratings and a loyalty rating on a 10-point scale, with nothing but a mapping file. The
drivers (relative importance of each attribute, ranked, and R², with intervals) reach
results.json."""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import results_of

from cxlib.app.runner import run

pytestmark = pytest.mark.notebooks

WEIGHTS = np.array([0.6, 0.4, 0.3, 0.2, 0.1, 0.0, 0.0, 0.15, 0.05, 0.25])


def ten_point(x: np.ndarray) -> np.ndarray:
    z = (x - x.mean()) / x.std()
    return np.clip(np.round(5.5 + 2 * z), 1, 10).astype(int)


def own_survey(n: int = 300, seed: int = 1) -> pd.DataFrame:
    """Overall satisfaction q1 driven by ten correlated attributes q2–q11 (weights
    :data:`WEIGHTS`, q2 the strongest), repurchase intention q12 driven by q1, and a
    region (no effect) as a covariate."""
    rng = np.random.default_rng(seed)
    attributes = rng.normal(size=(n, 10)) + 0.5 * rng.normal(size=(n, 1))
    overall = attributes @ WEIGHTS + 0.8 * rng.normal(size=n)
    frame = pd.DataFrame({"ResponseID": [f"R{i}" for i in range(n)], "q1": ten_point(overall)})
    for j in range(10):
        frame[f"q{j + 2}"] = ten_point(attributes[:, j])
    frame["q12"] = np.clip(np.round(0.7 * frame["q1"] + 1.5 + 1.5 * rng.normal(size=n)),
                           1, 10).astype(int)
    frame["Region"] = rng.choice(["North", "South", "East"], n)
    return frame


def test_a_survey_with_ten_attributes_gets_its_drivers_in_results_json(tmp_path):
    path = tmp_path / "survey.csv"
    own_survey().to_csv(path, index=False)
    mapping = tmp_path / "survey.yaml"
    attributes = [f"q{j}" for j in range(2, 12)]
    mapping.write_text("survey:\n  columns: {respondent_id: ResponseID, overall_sat: q1, "
                       "repurchase_intent: q12}\n  rating_scale: [1, 10]\n"
                       f"  attributes: [{', '.join(attributes)}]\n"
                       "  covariates: [Region]\n  reference: {Region: South}\n",
                       encoding="utf-8")
    done = run(["01", "02"], data={"survey": str(path)}, columns=str(mapping),
               out=tmp_path / "o", log=lambda _: None)
    assert all(d.ok for d in done), [d.error for d in done]
    records = {(r["claim"], r["key"]): r for r in results_of(tmp_path / "o")}
    assert not any(r["synthetic"] for r in records.values())
    importance = [r for (c, k), r in records.items() if c == "LOY-2" and
                  k.startswith("importance_")]
    assert sorted(r["key"] for r in importance) == sorted(f"importance_{a}" for a in attributes)
    for r in importance:
        assert r["ci_low"] <= r["value"] <= r["ci_high"] and r["n"] == 300, r
        assert r["supplementary"] and r["verdict"] != "not testable with these data", r
    ranked = sorted(importance, key=lambda r: -r["value"])
    assert ranked[0]["key"] == "importance_q2" and "rank 1 of 10" in ranked[0]["figure"]
    r2 = records["LOY-2", "r2_drivers"]
    assert r2["ci_low"] < r2["value"] < r2["ci_high"]
    assert r2["value"] == pytest.approx(sum(r["value"] for r in importance))
    assert records["LOY-2", "claim"]["verdict"] == "not testable with these data"  # not SERVQUAL
    ordinal = records["LOY-1", "ordinal_or"]  # notebook 02: satisfaction → loyalty
    assert ordinal["value"] > 1
    assert "adjusted for Region (reference Region = South)" in ordinal["method"]
    assert records["LOY-1", "pls_path"]["ci_low"] is not None
    book = nbformat.read(tmp_path / "o" / "notebooks" / "01_service_quality_and_drivers.ipynb",
                         as_version=4)
    shown = "\n".join(str(o.get("text", "")) + str(o.get("data", {}))
                      for c in book.cells if c.cell_type == "code" for o in c.outputs)
    assert "every driver is a single rating: alpha needs two or more items" in shown
    assert "Cronbach" not in shown  # before: a table of alpha full of NaN
