"""The schemas are the single source of the data documentation."""

from __future__ import annotations

from conftest import REPO

from cxlib.data.schemas import KINDS, all_markdown, get_kind
from cxlib.registry.claims import claims, column_claims


def test_data_readme_contains_the_generated_tables():
    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    assert all_markdown(column_claims()).strip() in readme, (
        "data/README.md is out of date: paste the output of `cxlib schema --markdown`")


def test_every_kind_has_a_required_id_or_key():
    for kind in KINDS.values():
        assert kind.required, kind.name


def test_item_patterns():
    survey = get_kind("survey")
    assert survey.known("rel_12") and survey.known("exp_tan_1")
    assert not survey.known("rel_x") and not survey.known("foo")
    assert survey.field("emp_2").type == "rating"


def test_customers_take_dates_or_a_tenure_with_a_churn_flag():
    customers = get_kind("customers")
    assert customers.required == ["customer_id"]
    assert customers.requirements == ["customer_id", "acquired_on or tenure_months"]
    table = all_markdown()
    assert "| `acquired_on` | date | this or `tenure_months` |" in table
    assert "needs `churned` or `churned_on` too" in table
    assert "not before `acquired_on`" in table and "1900 to today" in table


def test_registry_columns_are_columns_of_the_claims_kinds():
    for claim in claims().values():
        assert set(claim.columns) <= set(claim.kinds) | {"survey", "outlets"}, claim.id
        for kind, cols in claim.columns.items():
            for col in cols:
                assert get_kind(kind).known(col), f"{claim.id}: {kind}.{col} is not a column"
