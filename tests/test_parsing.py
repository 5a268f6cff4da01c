"""Cells into values: decimal marks and digit groups decided per column, labels recoded."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cxlib.data.parsing import recode, to_number


def numbers(cells, delimiter=","):
    out = to_number(pd.Series(cells, dtype=object), delimiter)
    return [None if math.isnan(v) else v for v in out.values], out


@pytest.mark.parametrize(("cells", "delimiter", "expected"), [
    (["12,5", "3,99", "1.234,5"], ";", [12.5, 3.99, 1234.5]),      # German
    (["12.5", "1,234.5", "12,345,678.9"], ",", [12.5, 1234.5, 12345678.9]),  # English
    (["1 234,5", "1\u00a0000", "1'234,5"], ";", [1234.5, 1000, 1234.5]),  # spaces, apostrophes
    (["0,25", "1.234"], ";", [0.25, 1234]),  # a decimal comma decides how 1.234 is read
    (["0.25", "1,234"], ";", [0.25, 1234]),  # and so does a decimal point
    (["-3", "+4", "1e3"], ",", [-3, 4, 1000]),
    (["x", "inf", "1_000", "12 €"], ",", [None, None, None, None]),
])
def test_decimal_marks_and_digit_groups(cells, delimiter, expected):
    values, out = numbers(cells, delimiter)
    assert values == pytest.approx(expected)
    assert out.bad.tolist() == [v is None for v in expected]


def test_ambiguous_values_follow_the_file_and_say_so():
    values, out = numbers(["1.234", "2.500"], ";")
    assert values == [1234, 2500] and "read as 1234 (decimal comma" in out.note
    values, out = numbers(["1,234", "2,500"], ",")
    assert values == [1234, 2500] and "decimal point" in out.note
    assert numbers(["1.5", "2"], ";")[1].note == ""


def test_a_value_in_the_other_convention_is_invalid():
    values, out = numbers(["12,5", "3,5", "4.5"], ";")
    assert values == [12.5, 3.5, None]
    assert "1 of them uses a decimal point" in out.hint


def test_recode_matches_labels_without_regard_to_case_or_spaces():
    labels = {"Low": 1, "Medium": 2, "High": 3}
    out, bad = recode(pd.Series([" low", "HIGH", "Medium", None, "huge"]), labels)
    assert out.tolist()[:3] == [1, 3, 2] and out.isna().tolist()[3:] == [True, True]
    assert bad.tolist() == [False, False, False, False, True]


def test_recode_reads_typed_numbers_as_labels():
    out, bad = recode(pd.Series([1.0, 2.0]), {"1": "yes", "2": "no"})
    assert out.tolist() == ["yes", "no"] and not bad.any()
