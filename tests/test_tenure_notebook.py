"""Notebook 03 on the most common churn export: tenure in months and a Yes/No churn flag
(IBM Telco style), with the analyst's own covariates and nothing else."""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import results_of

from cxlib.app.runner import run

pytestmark = pytest.mark.notebooks


def telco_export(n: int = 600, seed: int = 11) -> pd.DataFrame:
    """Monthly hazard 0.06 on month-to-month contracts, a third of it on two-year ones;
    observed for up to 72 months."""
    rng = np.random.default_rng(seed)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.5, 0.25, 0.25])
    hazard = 0.06 * np.select([contract == "One year", contract == "Two year"], [0.6, 1 / 3], 1)
    months = rng.exponential(1 / hazard)
    seen = rng.uniform(1, 72, n)
    return pd.DataFrame({"customerID": [f"{i:04d}-TEL" for i in range(n)],
                         "tenure": np.ceil(np.minimum(months, seen)).astype(int),
                         "Contract": contract,
                         "MonthlyCharges": np.round(rng.uniform(18, 119, n), 2),
                         "Churn": np.where(months <= seen, "Yes", "No")})


def test_retention_notebook_runs_on_a_tenure_and_churn_flag_table(tmp_path):
    path = tmp_path / "telco.csv"
    telco_export().to_csv(path, index=False)
    mapping = tmp_path / "telco.yaml"
    mapping.write_text("customers:\n  columns:\n    customer_id: customerID\n"
                       "    tenure_months: tenure\n    churned: Churn\n"
                       "  covariates: [Contract, MonthlyCharges]\n"
                       "  reference: {Contract: Month-to-month}\n", encoding="utf-8")
    done = run(["03"], data={"customers": str(path)}, columns=str(mapping),
               out=tmp_path / "o", log=lambda _: None)
    assert done[0].ok, done[0].error  # before: KeyError: ['acquisition_cost', 'retention_spend']
    records = {(r["claim"], r["key"]): r
               for r in results_of(tmp_path / "o")}
    untestable = "not testable with these data"
    assert records["RET-1", "cost_ratio"]["verdict"] == untestable
    assert "`acquisition_cost`, `retention_spend`" in records["RET-1", "cost_ratio"]["reason"]
    assert "`satisfaction`" in records["RET-1", "satisfaction_hazard"]["reason"]
    assert "win-back ratio needs" in records["RET-2", "winback_ratio"]["reason"]
    assert not any(r["synthetic"] for r in records.values())
    executed = nbformat.read(tmp_path / "o" / "notebooks" / "03_economics_of_retention.ipynb",
                             as_version=4)
    shown = "\n".join(str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", ""))
                      for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert "median months" in shown  # Kaplan–Meier on the tenure table
    assert "Contract[Two year]" in shown and "MonthlyCharges" in shown  # the analyst's Cox model
    assert "Cohorts need acquisition dates" in shown
