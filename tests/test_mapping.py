"""Mapping files are checked whole before any data are read: every key's type, every name,
and the structural model, so that nothing which passes `validate` can crash a notebook or
silently change the model."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cxlib import load_data
from cxlib.data.constructs import survey_constructs
from cxlib.data.mapping import Mapping, check_mapping, load_mapping
from cxlib.data.schemas import get_kind
from cxlib.errors import UserDataError


def refused(mapping_path, kind="survey") -> str:
    with pytest.raises(UserDataError) as info:
        load_mapping(mapping_path, kind)
    return info.value.message


def test_yes_and_no_stay_words(mapping):
    m = load_mapping(mapping("recode:\n  churned: {levels: {Yes: 1, No: 0}}\n"
                             "missing: [no answer, n]\n"), "survey")
    assert m.recode == {"churned": {"Yes": 1, "No": 0}}  # not {True: 1, False: 0}
    assert m.missing == ("no answer", "n")


@pytest.mark.parametrize(("text", "says"), [
    ("columns: overall_sat\n", "'columns:' must map names"),
    ("missing: {a: 1}\n", "'missing:' must be a list"),
    ("missing: [[1, 2]]\n", "'missing:' codes must be numbers or words"),
    ("rating_scale: [1, ten]\n", "'rating_scale:' must be [lowest, highest]"),
    ("rating_scale: [1, 5, 10]\n", "'rating_scale:'"),
    ("encoding: [utf-8]\n", "'encoding:' the encoding must be a name"),
    ("encoding: klingon\n", "unknown encoding 'klingon'"),
    ("delimiter: 5\n", "'delimiter:' must be one character"),
    ("sheet: {a: 1}\n", "'sheet:' the sheet must be a name"),
    ("recode: [a]\n", "'recode:' must map names"),
    ("recode: {overall_sat: {levels: [a, b]}}\n", "must map names to values"),
    ("recode: {overall_sat: {levels: {a: [1]}}}\n", "label 'a' must get a number"),
    ("covariates: {a: 1}\n", "'covariates:' must be a list"),
    ("reference: [a]\n", "'reference:' must map names"),
    ("observation_end: soon\n", "'observation_end:' must be a date"),
    ("constructs: [SAT]\n", "'constructs:' must map names"),
    ("constructs: {SAT: {a: 1}}\n", "must be a list of item columns"),
    ("paths: SAT\n", "a path must read 'FROM -> TO'"),
    ("paths: ['A -> B -> C']\n", "a path must read 'FROM -> TO'"),
    ("roles: [SAT]\n", "'roles:' must map names"),
    ("kind: 3\n", "'kind: 3' is not a data kind"),
])
def test_the_wrong_type_for_any_key(mapping, text, says):
    assert says in refused(mapping(text))


def test_every_problem_at_once(mapping):
    msg = refused(mapping("colums: {}\nrating_scale: 7\nmissing: {a: 1}\n"))
    assert "Did you mean 'columns'?" in msg and "rating_scale" in msg and "missing" in msg


def test_the_structural_model_is_checked_whole(mapping):
    text = ("constructs: {Q2: [rel_1], SAT: [overall_sat], LOY: [repurchase_intent]}\n"
            "paths: ['Q2 -> SATT', 'SAT -> LOY']\n")
    msg = refused(mapping(text))
    assert "'SATT', which is not a declared construct. Did you mean 'SAT'?" in msg
    assert "does not say which one is satisfaction" in msg
    assert "construct 'Q2'" not in msg  # Q2 is in a path, if a misspelt one


def test_a_structural_model_without_roles_is_not_guessed(write, survey_sample):
    # before: the first construct silently played satisfaction and the drivers were wrong
    m = Mapping(constructs={"PRICE": ["rel_1"], "SAT": ["overall_sat"]},
                paths=["PRICE -> SAT"])
    ds = load_data("survey", write(survey_sample))
    ds.mapping = m
    with pytest.raises(UserDataError, match="which one is satisfaction"):
        survey_constructs(ds)
    m.roles = {"satisfaction": "SAT"}
    model = survey_constructs(ds)
    assert model.satisfaction == "SAT" and list(model.drivers) == ["PRICE"]


def test_the_bundled_mappings_are_sound():
    from cxlib.data.datasets import data_dir

    for path in (data_dir() / "mappings").glob("*.yaml"):
        for kind in ("survey",):
            m = load_mapping(path, kind)
            assert not check_mapping(m, get_kind(kind)), path.name


def test_observation_end_fills_observed_until(write, mapping):
    import pandas as pd

    ledger = pd.DataFrame({"customer_id": ["a", "b"], "acquired_on": ["2024-01-01"] * 2,
                           "churned_on": ["2024-02-01", ""]})
    ds = load_data("customers", write(ledger), mapping("observation_end: 2024-06-30\n"))
    assert (ds.frame["observed_until"] == pd.Timestamp("2024-06-30")).all()
    assert load_mapping(mapping("observation_end: 2024-06-30\n"), "customers").observation_end \
        == dt.date(2024, 6, 30)


def _worked_examples() -> dict[str, str]:
    """The YAML of each 'Worked example' in data/README.md, by its title."""
    import re

    from conftest import REPO

    text = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    parts = re.split(r"^### Worked example: (.+)$", text, flags=re.M)[1:]
    return {title: re.search(r"```yaml\n(.*?)```", body, re.S).group(1)
            for title, body in zip(parts[::2], parts[1::2], strict=True)}


def test_the_worked_examples_in_data_readme_load(tmp_path):
    import numpy as np
    import pandas as pd

    examples = _worked_examples()
    assert set(examples) == {"a survey with its own attributes", "a tenure and churn table",
                             "an ordinal text scale", "a call centre's interval report"}
    rng = np.random.default_rng(0)
    n = 50
    files = {
        "a survey with its own attributes": ("survey", pd.DataFrame(
            {"ResponseID": range(n), **{f"Q{i}": rng.integers(1, 11, n) for i in range(1, 6)}})),
        "a tenure and churn table": ("customers", pd.DataFrame({
            "customerID": range(n), "tenure": rng.integers(1, 72, n),
            "Churn": rng.choice(["Yes", "No"], n), "SeniorCitizen": rng.integers(0, 2, n),
            "Contract": rng.choice(["Month-to-month", "One year"], n),
            "MonthlyCharges": rng.uniform(20, 100, n).round(2)})),
        "a call centre's interval report": ("intervals", pd.DataFrame({
            "Interval": pd.date_range("2024-05-06 08:00", periods=n, freq="15min").astype(str),
            "Skill": "sales", "Calls Offered": rng.integers(30, 60, n),
            "Calls Handled": 28, "Calls Abandoned": 2, "Answered in SL": 20,
            "AHT": rng.uniform(200, 300, n).round(1), "ASA": rng.uniform(5, 30, n).round(1)})),
        "an ordinal text scale": ("survey", pd.DataFrame({
            "Satisfaction": rng.choice(["Low", "Medium", "High"], n),
            "Moved": rng.choice(["yes", "no"], n)})),
    }
    for title, (kind, frame) in files.items():
        path, yaml_path = tmp_path / f"{kind}{len(title)}.csv", tmp_path / f"{len(title)}.yaml"
        frame.to_csv(path, index=False)
        yaml_path.write_text(examples[title], encoding="utf-8")
        ds = load_data(kind, path, yaml_path)
        assert ds.report.rows_kept == n, title
    ordinal = load_data("survey", path, yaml_path).frame["overall_sat"]
    expected = frame["Satisfaction"].map({"Low": 1, "Medium": 2, "High": 3})
    assert ordinal.tolist() == expected.tolist()
    attributes = tmp_path / f"survey{len('a survey with its own attributes')}.csv"
    yaml_path = tmp_path / f"{len('a survey with its own attributes')}.yaml"
    yaml_path.write_text(examples["a survey with its own attributes"], encoding="utf-8")
    model = survey_constructs(load_data("survey", attributes, yaml_path))
    assert list(model.drivers) == ["Q2", "Q3", "Q4"] and model.loyalty == "LOY"


def test_attributes_are_the_drivers_of_satisfaction_without_a_path_model(write, mapping):
    rng = np.random.default_rng(1)
    n = 60
    frame = pd.DataFrame({"id": range(n), **{f"Q{i}": rng.integers(1, 11, n) for i in range(1, 6)}})
    path = write(frame)
    text = ("columns: {respondent_id: id, overall_sat: Q1, repurchase_intent: Q5}\n"
            "rating_scale: [1, 10]\nattributes: [Q2, Q3, Q4]\n")
    model = survey_constructs(load_data("survey", path, mapping(text)))
    assert model.drivers == {"Q2": ["Q2"], "Q3": ["Q3"], "Q4": ["Q4"]}
    assert (model.satisfaction, model.loyalty) == ("SAT", "LOY")
    assert model.blocks["SAT"] == ["overall_sat"] and model.blocks["LOY"] == ["repurchase_intent"]
    assert model.paths == ["Q2 -> SAT", "Q3 -> SAT", "Q4 -> SAT", "SAT -> LOY"]
    assert not model.servqual
    without_loyalty = survey_constructs(load_data("survey", path, mapping(
        text.replace(", repurchase_intent: Q5", ""), "m2.yaml")))
    assert without_loyalty.loyalty is None and "SAT -> LOY" not in without_loyalty.paths


def test_unused_rating_columns_are_noted_with_the_attributes_key(write, mapping):
    rng = np.random.default_rng(2)
    n = 40
    frame = pd.DataFrame({"Q1": rng.integers(1, 11, n), "Q2": rng.integers(1, 11, n),
                          "Q3": rng.integers(1, 11, n), "comment": ["fine"] * n,
                          "spend": rng.uniform(10, 500, n).round(2)})
    notes = "\n".join(load_data("survey", write(frame), mapping(
        "columns: {overall_sat: Q1}\nrating_scale: [1, 10]\n")).report.warnings)
    assert "Q2, Q3 hold whole numbers on the rating scale 1–10" in notes
    assert "attributes: [Q2, Q3]" in notes
    assert "comment" not in notes and "spend" not in notes
    declared = load_data("survey", write(frame, "b.csv"), mapping(
        "columns: {overall_sat: Q1}\nrating_scale: [1, 10]\nattributes: [Q2, Q3]\n", "b.yaml"))
    assert not any("attributes:" in w for w in declared.report.warnings)
