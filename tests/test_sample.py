"""Sample data: deterministic, documented, and the bundled files are what the generator makes."""

from __future__ import annotations

import pandas as pd
import pytest

from cxlib import sample
from cxlib.datasets import data_dir


def test_bundled_sample_is_reproducible_from_its_seed(tmp_path):
    bundled = data_dir() / "sample"
    seed = sample.parameters()["seed"]
    paths = sample.write_samples(tmp_path, seed=seed)
    for kind, path in paths.items():
        assert path.read_bytes() == (bundled / f"{kind}.csv").read_bytes(), kind
    assert (tmp_path / "parameters.yaml").read_text() == (bundled / "parameters.yaml").read_text()


def test_different_seed_gives_different_data():
    a, b = sample.generate(1, size=100), sample.generate(2, size=100)
    assert not a["survey"].equals(b["survey"])


def test_size_scales_the_tables():
    small = sample.generate(7, size=100)
    assert len(small["survey"]) == 100
    assert len(small["customers"]) == round(1500 * 100 / 800)


def test_parameters_are_written_beside_the_data():
    params = sample.parameters()
    assert params["parameters"]["survey"]["beta"]["rel"] == pytest.approx(0.40)
    assert "not evidence" in params["note"]


def test_survey_satisfaction_depends_on_the_planted_drivers():
    df = sample.generate(3, size=3000)["survey"]
    scores = pd.DataFrame({d: df[[f"{d}_{i}" for i in (1, 2, 3)]].mean(axis=1)
                           for d in sample.DIMS})
    corr = scores.corrwith(df["overall_sat"])
    assert corr["rel"] > corr["tan"]  # reliability planted at 0.40, tangibles at 0.05


def test_wom_counts_have_the_planted_mean():
    p = sample.SurveyParams(n=20000)
    import numpy as np
    df = sample.survey(p, np.random.default_rng(0))
    mid = df[(df.overall_sat > 2) & (df.overall_sat < 6)]
    assert mid.told_count.mean() == pytest.approx(np.exp(p.wom_b0), rel=0.05)
