"""Every notebook runs on every kind of file `validate` accepts: the minimal files (one file per
data kind with nothing but its required columns) and a generated covering set of optional
columns (tests/covering.py: each optional column, column family or mapping key present in some
run and absent in another, and most pairs of them seen in all four combinations). A run holds a
file of every kind, the experiment, customer-summary and interval kinds included; the customers
kind has two more runs of its own (notebooks 03, 06 and 10 only). Each analysis that can run on
the files does; the others record or say which columns they need, and no notebook fails or
shows an error."""

from __future__ import annotations

import nbformat
import pytest
from conftest import results_of
from covering import ALWAYS, MINIMAL, all_runs, coverage, factors, write_run

from cxlib.app.catalogue import available
from cxlib.app.runner import run
from cxlib.data.schemas import KINDS
from cxlib.registry.claims import claims

pytestmark = pytest.mark.notebooks


def test_minimal_columns_are_the_required_ones():
    assert set(MINIMAL) == set(KINDS)
    for kind, cols in MINIMAL.items():
        spec = KINDS[kind]
        assert set(spec.required) <= set(cols), kind
        extra = set(cols) - set(spec.required) - {c for g in spec.one_of for c in g[:1]}
        # who left, or nobody did; a summary's time observed (or `periods:`, which the
        # donor panel's test covers)
        assert extra <= {"churned_on", "T"}, (kind, extra)


def test_the_runs_cover_every_optional_column_present_and_absent():
    for kind, spec in KINDS.items():
        varied = {c for f in factors(kind) for c in f.columns}
        optional = {f.name for f in spec.fields if not f.required}
        assert optional <= varied | set(ALWAYS.get(kind, ())), (kind, optional - varied)
        cov = coverage(kind)
        assert cov["present"] == cov["absent"] == cov["factors"], (kind, cov)
        assert cov["pairs covered"] >= 0.7 * cov["pairs"], (kind, cov)


@pytest.mark.parametrize("number", all_runs())
def test_every_notebook_runs_on_files_validate_accepts(tmp_path, number):
    files, mapping, books = write_run(tmp_path, number)
    done = run(books, data=files, columns=mapping, out=tmp_path / "o", log=lambda _: None)
    assert len(done) == len(books or available())
    assert all(d.ok for d in done), [(d.name, d.error) for d in done if not d.ok]
    ours = {f.rsplit("/", 1)[-1] for f in files.values()}
    records = [r for r in results_of(tmp_path / "o") if r["data"] in ours]
    expected = {c.id for c in claims().values() if set(c.kinds) & set(files)
                and (books is None or c.notebook[:2] in books)}
    recorded = {r["claim"] for r in records}
    assert recorded == expected, expected ^ recorded  # every claim read has its record
    for r in records:
        if r["verdict"] == "not testable with these data":
            assert r["reason"].strip(), r  # says why: the columns it needs, or the minimum n
    for path in (tmp_path / "o" / "notebooks").glob("*.ipynb"):
        book = nbformat.read(path, as_version=4)
        errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "error"]
        assert not errors, path.name
    if number == 0:  # what the required columns allow is done
        by_key = {(r["claim"], r["key"]): r for r in records if r["data"] != "intervals.csv"}
        (calls,) = [r for r in records if r["data"] == "intervals.csv" and r["key"] != "claim"]
        assert "holds no waits" in calls["reason"]  # counts offered only: STD-1 not testable
        assert by_key["STD-1", "within_standard"]["value"] is not None
        assert "`acquisition_cost`" in by_key["RET-1", "cost_ratio"]["reason"]
