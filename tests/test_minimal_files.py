"""Every notebook runs on minimal files: one file per data kind with nothing but its required
columns. Each analysis that can run on them does; the others record or say which columns
they need, and no notebook fails."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest
from conftest import results_of

from cxlib.app.runner import available, run
from cxlib.data.datasets import data_dir
from cxlib.registry.claims import claims

pytestmark = pytest.mark.notebooks

MINIMAL = {
    "survey": ["overall_sat"],
    "customers": ["customer_id", "acquired_on", "churned_on"],
    "transactions": ["customer_id", "date", "amount"],
    "contacts": ["contact_id", "arrived_at", "wait_seconds"],
    "intervals": ["interval_start", "offered"],
    "visits": ["visit_id", "customer_id", "visit_date"],
    "outlets": ["outlet_id", "employee_sat"],
}


def test_minimal_columns_are_the_required_ones():
    from cxlib.data.schemas import KINDS

    for kind, cols in MINIMAL.items():
        spec = KINDS[kind]
        assert set(spec.required) <= set(cols), kind
        extra = set(cols) - set(spec.required) - {c for g in spec.one_of for c in g[:1]}
        assert extra <= {"churned_on"}, (kind, extra)  # customers: who left, or nobody did


def test_every_notebook_runs_on_files_with_only_the_required_columns(tmp_path):
    files = {}
    for kind, cols in MINIMAL.items():
        frame = pd.read_csv(data_dir() / "sample" / f"{kind}.csv", dtype=str,
                            keep_default_na=False)[cols].head(400)
        files[kind] = str(tmp_path / f"{kind}.csv")
        frame.to_csv(files[kind], index=False)
    done = run(None, data=files, out=tmp_path / "o", log=lambda _: None)
    assert len(done) == len(available())
    assert all(d.ok for d in done), [(d.name, d.error) for d in done if not d.ok]
    records = [r for r in results_of(tmp_path / "o") if not r["data"].startswith("cdnow")]
    recorded = {r["claim"] for r in records}
    assert recorded == set(claims()), set(claims()) - recorded  # every claim has its record
    for r in records:
        if r["verdict"] == "not testable with these data":
            assert r["reason"].strip(), r  # says why: the columns it needs, or the minimum n
    by_key = {(r["claim"], r["key"]): r for r in records if r["data"] != "intervals.csv"}
    (calls,) = [r for r in records if r["data"] == "intervals.csv" and r["key"] != "claim"]
    assert "holds no waits" in calls["reason"]  # counts offered only: STD-1 not testable
    # what the required columns allow is done: the share of contacts within the standard
    assert by_key["STD-1", "within_standard"]["value"] is not None
    assert "`acquisition_cost`" in by_key["RET-1", "cost_ratio"]["reason"]
    for path in (tmp_path / "o" / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "error"]
        assert not errors, path.name
