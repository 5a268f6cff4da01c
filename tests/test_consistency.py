"""The consistency hazard model recovers the generator's parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib import consistency, sample


def test_running_mean_and_sd_by_hand():
    visits = pd.DataFrame({"visit_id": ["a", "b", "c"], "customer_id": ["x", "x", "x"],
                           "visit_date": pd.to_datetime(["2024-01-01", "2024-02-01",
                                                         "2024-03-01"]),
                           "quality": [4.0, 6.0, 5.0]})
    out = consistency.experience_so_far(visits)
    assert out["mean_so_far"].tolist() == [4.0, 5.0, 5.0]
    assert out["sd_so_far"].tolist() == pytest.approx([0.0, np.sqrt(2), 1.0])


def visits(seed, n=500):
    frame = sample.visits(sample.VisitParams(customers=n), np.random.default_rng(seed))
    return frame.assign(visit_date=pd.to_datetime(frame["visit_date"]))


def test_hazard_parameters_are_recovered_with_nominal_coverage():
    p = sample.VisitParams()
    truth = {"mean_c": p.h_mean, "sd_so_far": p.h_sd}
    hits = []
    for seed in range(40):
        ci = consistency.hazard_model(visits(seed), interaction=False).conf_int()
        hits.append([ci.loc[k, 0] <= v <= ci.loc[k, 1] for k, v in truth.items()])
    assert np.all(np.mean(hits, axis=0) >= 0.85)


def test_predicted_churn_rises_with_variability():
    fit = consistency.hazard_model(visits(1, 800))
    curves = consistency.predicted_churn(fit, np.array([5.0]), (0.2, 1.5))
    assert curves.loc[1, "p_leave"] > curves.loc[0, "p_leave"]
