"""Validation: every user mistake gets one clear message naming file, column, rows and fix."""

from __future__ import annotations

import pandas as pd
import pytest

from cxlib import load_data
from cxlib.errors import UserDataError


def problems_of(path, kind="survey", columns=None) -> str:
    with pytest.raises(UserDataError) as info:
        load_data(kind, path, columns)
    message = info.value.message
    assert path.name in message  # every message names the file
    return message


def test_clean_file_loads(write, survey_sample):
    ds = load_data("survey", write(survey_sample))
    assert len(ds) == 40
    assert ds.report.rows_dropped == 0
    assert ds.frame["overall_sat"].dtype == float
    assert not ds.synthetic


def test_missing_required_column(write, survey_sample):
    msg = problems_of(write(survey_sample.drop(columns=["overall_sat"])))
    assert "missing required column(s) 'overall_sat'" in msg
    assert "overall_sat: <your column name>" in msg  # the fix


def test_wrong_delimiter(write, survey_sample):
    msg = problems_of(write(survey_sample, sep=":"))
    assert "single column" in msg
    assert 'delimiter: ":"' in msg


def test_declared_delimiter_that_is_wrong(write, survey_sample, mapping):
    path = write(survey_sample, sep=";")
    msg = problems_of(path, columns=mapping('delimiter: ","\n'))
    assert "single column" in msg and "';'" in msg


def test_non_utf8_file_with_mapping_is_read(write, survey_sample, mapping):
    frame = survey_sample.rename(columns={"overall_sat": "שביעות רצון כללית"})
    path = write(frame, encoding="cp1255")
    ds = load_data("survey", path, mapping("columns:\n  overall_sat: שביעות רצון כללית\n"))
    assert ds.report.encoding == "cp1255"
    assert ds.frame["overall_sat"].notna().all()


def test_wrongly_declared_encoding_says_how_to_fix(write, survey_sample, mapping):
    frame = survey_sample.rename(columns={"overall_sat": "总体满意度"})
    path = write(frame, encoding="gbk")
    text = "encoding: cp1252\ncolumns:\n  overall_sat: 总体满意度\n"
    msg = problems_of(path, columns=mapping(text))
    assert "read as cp1252" in msg and "encoding:" in msg


def test_text_in_numeric_column(write, survey_sample):
    frame = survey_sample.copy()
    frame.loc[3, "overall_sat"] = "good"
    frame.loc[8, "overall_sat"] = "very good"
    msg = problems_of(write(frame))
    assert "column 'overall_sat': 2 values that are not numbers" in msg
    assert "'good' (row 5)" in msg and "(row 10)" in msg
    assert "--drop-invalid" in msg


def test_out_of_range_rating(write, survey_sample):
    frame = survey_sample.copy()
    frame.loc[0, "rel_2"] = "9"
    msg = problems_of(write(frame))
    assert "column 'rel_2': 1 value outside the allowed range 1–7" in msg
    assert "'9' (row 2)" in msg and "rating_scale" in msg


def test_rating_scale_from_mapping_accepts_ten_point_scale(write, survey_sample, mapping):
    frame = survey_sample.copy()
    frame.loc[0, "rel_2"] = "9"
    ds = load_data("survey", write(frame), mapping("rating_scale: [1, 10]\n"))
    assert ds.frame.loc[2, "rel_2"] == 9


def test_duplicate_ids(write, survey_sample):
    frame = survey_sample.copy()
    frame.loc[5, "respondent_id"] = frame.loc[1, "respondent_id"]
    msg = problems_of(write(frame))
    assert "column 'respondent_id': 1 row that repeats an id" in msg
    assert "(row 7)" in msg


def test_unknown_category(write, survey_sample):
    frame = survey_sample.copy()
    frame.loc[0, "told_valence"] = "so-so"
    msg = problems_of(write(frame))
    assert "told_valence" in msg and "'so-so' (row 2)" in msg


def test_all_problems_are_reported_at_once(write, survey_sample):
    frame = survey_sample.copy()
    frame.loc[0, "rel_2"] = "9"
    frame.loc[1, "overall_sat"] = "n/a"
    msg = problems_of(write(frame))
    assert "rel_2" in msg and "overall_sat" in msg


def test_drop_invalid_counts_what_it_drops(write, survey_sample):
    frame = survey_sample.copy()
    frame.loc[0, "rel_2"] = "9"
    frame.loc[1, "overall_sat"] = "n/a"
    ds = load_data("survey", write(frame), drop_invalid=True)
    assert len(ds) == 38
    assert ds.report.rows_dropped == 2
    assert sorted(r for d in ds.report.dropped for r in d.rows) == [2, 3]
    assert "2 dropped" not in ds.report.summary()  # one line per reason
    assert "1 dropped: invalid value: 'rel_2'" in ds.report.summary()


def test_missing_codes_become_missing_not_errors(write, survey_sample, mapping):
    frame = survey_sample.copy()
    frame.loc[0, "overall_sat"] = "-99"
    frame.loc[1, "rel_1"] = "k.A."
    ds = load_data("survey", write(frame), mapping("missing: [-99, 'k.A.']\n"))
    assert pd.isna(ds.frame.loc[2, "overall_sat"]) and pd.isna(ds.frame.loc[3, "rel_1"])
    assert len(ds) == 40  # a missing rating is kept; analyses drop it and say so


def test_rows_without_an_id_are_dropped_and_counted(write, survey_sample):
    frame = survey_sample.copy()
    frame.loc[4, "respondent_id"] = ""
    ds = load_data("survey", write(frame))
    assert len(ds) == 39
    assert ds.report.dropped[0].reason == "no value in required column 'respondent_id'"
    assert ds.report.dropped[0].rows == [6]


def test_empty_rows_are_dropped_and_counted(write, survey_sample):
    frame = pd.concat([survey_sample, pd.DataFrame([[""] * survey_sample.shape[1]],
                                                   columns=survey_sample.columns)])
    ds = load_data("survey", write(frame))
    assert len(ds) == 40 and ds.report.dropped[0].reason == "empty row"


def test_mapping_to_a_column_that_is_not_there(write, survey_sample, mapping):
    text = "columns:\n  overall_sat: Zufriedenheit\n"
    msg = problems_of(write(survey_sample), columns=mapping(text))
    assert "maps 'overall_sat' to column 'Zufriedenheit', which is not in the file" in msg


def test_mapping_an_unknown_cxlib_name_suggests_the_right_one(write, survey_sample, mapping):
    msg = problems_of(write(survey_sample), columns=mapping("columns:\n  overal_sat: x\n"))
    assert "Did you mean 'overall_sat'?" in msg


def test_mapping_with_unknown_key(write, survey_sample, mapping):
    with pytest.raises(UserDataError, match="unknown key"):
        load_data("survey", write(survey_sample), mapping("colums:\n  a: b\n"))


def test_invalid_yaml(write, survey_sample, mapping):
    with pytest.raises(UserDataError, match="not valid YAML"):
        load_data("survey", write(survey_sample), mapping("columns: [a\n"))


def test_mapping_sections_per_kind(write, survey_sample, mapping):
    path = mapping("survey:\n  columns:\n    overall_sat: sat\ncustomers:\n  columns: {}\n")
    ds = load_data("survey", write(survey_sample.rename(columns={"overall_sat": "sat"})), path)
    assert "overall_sat" in ds.frame


def test_yes_no_words_in_binary_columns(write, survey_sample):
    frame = survey_sample.copy()
    frame["churned"] = ["ja", "nein", "כן", "לא", "是", "否", "kyllä", "ei"] * 5
    ds = load_data("survey", write(frame))
    assert ds.frame["churned"].tolist()[:8] == [1, 0, 1, 0, 1, 0, 1, 0]


def test_decimal_comma_in_semicolon_files(write):
    frame = pd.DataFrame({"customer_id": ["a", "b"], "date": ["2024-01-02", "2024-01-03"],
                          "amount": ["12,50", "3,99"]})
    ds = load_data("transactions", write(frame, sep=";"))
    assert ds.frame["amount"].tolist() == [12.5, 3.99]


def test_bad_dates(write):
    frame = pd.DataFrame({"customer_id": ["a", "b"], "date": ["2024-01-02", "02/30/2024"],
                          "amount": ["1", "2"]})
    with pytest.raises(UserDataError, match="not dates"):
        load_data("transactions", write(frame))


def test_unknown_kind():
    with pytest.raises(UserDataError, match="Unknown data kind 'surveys'"):
        load_data("surveys")


@pytest.mark.parametrize("kind", ["survey", "customers", "transactions", "contacts", "visits",
                                  "outlets"])
def test_every_sample_file_is_valid(kind):
    ds = load_data(kind)
    assert ds.synthetic and len(ds) > 0 and ds.report.rows_dropped == 0
    assert ds.is_sample


def test_the_hebrew_example_declares_itself_made_from_the_sample():
    """data/examples/survey_hebrew.csv is the first 200 sample respondents renamed: its
    mapping says `synthetic: true`, so its figures (and its line in datasets.json) say
    synthetic, although it is a file of its own, not the bundled sample."""
    from cxlib.data.datasets import data_dir

    ds = load_data("survey", data_dir() / "examples" / "survey_hebrew.csv",
                   data_dir() / "mappings" / "example_survey_hebrew.yaml")
    assert ds.synthetic and ds.report.synthetic and ds.report.to_dict()["synthetic"]
    assert not ds.is_sample and ds.source == "survey_hebrew.csv"


def test_an_ordinal_text_scale_is_recoded_in_the_declared_order(write, mapping):
    # alphabetical order would make High < Low < Medium
    frame = pd.DataFrame({"respondent_id": list("abcdef"),
                          "overall_sat": ["Low", "Medium", "High", "high ", "LOW", "Medium"]})
    ds = load_data("survey", write(frame), mapping(
        "rating_scale: [1, 3]\nrecode: {overall_sat: {order: [Low, Medium, High]}}\n"))
    assert ds.frame["overall_sat"].tolist() == [1, 2, 3, 3, 1, 2]


def test_labels_in_a_rating_column_suggest_recoding(write):
    frame = pd.DataFrame({"respondent_id": list("abc"), "overall_sat": ["Low", "High", "Low"]})
    with pytest.raises(UserDataError, match=r"labels of a scale \(Low, High\).*recode"):
        load_data("survey", write(frame))


def test_a_constant_column_is_accepted_with_a_warning(write, survey_sample):
    ds = load_data("survey", write(survey_sample.assign(overall_sat="6")))
    assert len(ds) == 40
    assert any("'overall_sat' has the same value (6.0)" in w for w in ds.report.warnings)
    assert "note: column 'overall_sat' has the same value" in ds.report.summary()


def test_a_tenure_and_churn_flag_table(write, mapping):
    frame = pd.DataFrame({"customerID": ["a", "b", "c", "d"], "tenure": ["1", "34", "2", "45"],
                          "Churn": ["No", "No", "Yes", "No"], "Contract": ["M", "Y", "M", "Y"]})
    ds = load_data("customers", write(frame), mapping(
        "columns: {customer_id: customerID, tenure_months: tenure, churned: Churn}\n"
        "covariates: [Contract]\n"))
    assert ds.frame["churned"].tolist() == [0, 0, 1, 0]
    assert ds.frame["tenure_months"].tolist() == [1, 34, 2, 45]
    assert ds.frame["Contract"].tolist() == ["M", "Y", "M", "Y"]  # a covariate is kept
    assert "acquired_on" in ds.report.missing_optional


def test_dates_out_of_range_and_out_of_order(write):
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"],
                          "acquired_on": ["2024-01-01", "1850-01-01", "2023-05-01"],
                          "churned_on": ["2023-12-01", "", "2099-01-01"]})
    with pytest.raises(UserDataError) as info:
        load_data("customers", write(frame))
    msg = info.value.message
    assert "'acquired_on': 1 date before 1900 or after today, e.g. '1850-01-01' (row 3)" in msg
    assert "'churned_on': 1 date before 1900 or after today, e.g. '2099-01-01' (row 4)" in msg
    assert "'churned_on': 1 date earlier than 'acquired_on', e.g. '2023-12-01' (row 2)" in msg


def test_drop_invalid_counts_every_reason(write):
    frame = pd.DataFrame({"customer_id": list("abcde"),
                          "acquired_on": ["2024-01-01", "1850-01-01", "2023-05-01",
                                          "2023-06-01", ""],
                          "churned_on": ["2023-12-01", "", "", "", ""]})
    ds = load_data("customers", write(frame), drop_invalid=True)
    assert ds.report.rows_read == 5 and ds.report.rows_kept == 2
    assert sum(d.count for d in ds.report.dropped) == 3
    assert {d.reason for d in ds.report.dropped} == {
        "invalid value: 'acquired_on' dates before 1900 or after today",
        "invalid value: 'churned_on' dates earlier than 'acquired_on'",
        "no value in required column 'acquired_on'"}


def test_repeated_ids_are_flagged_after_their_first_row_for_python_and_arrow_text():
    from cxlib.data.validation import repeats

    for dtype in (object, "string[pyarrow]"):
        s = pd.Series(["a", "b", "a", None, "b", None, "c"], index=[5, 6, 7, 8, 9, 10, 11],
                      dtype=dtype)
        assert repeats(s).tolist() == [False, False, True, False, True, False, False]
        assert repeats(s).index.equals(s.index)
