"""Text, numbers and tables as a notebook shows them: escaped, rounded, never a raw repr."""

from __future__ import annotations

import math

import pandas as pd

from cxlib.claims import claim_card, rules_text
from cxlib.display import md_escape, p_value, tidy
from cxlib.records import make_record
from cxlib.results import Estimate
from cxlib.verdicts import Verdict


def test_md_escape_turns_markup_and_maths_into_text():
    assert md_escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert md_escape("winning back $1 costs $10") == "winning back \\$1 costs \\$10"
    assert md_escape("a*b_c `d` \\(x\\) & e") == "a\\*b\\_c \\`d\\` &#92;(x&#92;) &amp; e"


def test_markdown_that_cxlib_emits_has_no_bare_dollar_or_tag():
    card = claim_card("RET-2")
    assert "\\$1" in card and "\\$10" in card
    assert "$" not in card.replace("\\$", "")
    assert "$" not in rules_text("RET-2").replace("\\$", "")
    est = Estimate("share <b>bold</b>", 0.5, 0.4, 0.6, 100, "Wilson")
    rec = make_record("08", "CHN-1", "channel_preference", est,
                      Verdict("inconclusive", "<script>alert(1)</script> costs $5"),
                      data="<x>.csv", synthetic=False)
    md = rec._repr_markdown_()
    assert "<" not in md and "&lt;script&gt;" in md and "\\$5" in md
    assert "<" not in est._repr_markdown_() and "0.50 [0.40, 0.60]" in est._repr_markdown_()


def test_p_values_are_never_printed_as_zero():
    assert p_value(0.0) == "p < 0.001"
    assert p_value(3e-12) == "p < 0.001"
    assert p_value(0.0321) == "p = 0.032"
    assert p_value(math.nan) == "p = –" and p_value(None) == "p = –"


def test_tidy_rounds_and_drops_empty_rows():
    frame = pd.DataFrame({"x": [3.999161, math.nan, 1.0], "label": ["a", None, "c"]})
    table = tidy(frame)
    assert list(table.index) == [0, 2] and table.loc[0, "x"] == 3.999
    assert tidy(pd.Series([1.23456], name="v")).loc[0, "v"] == 1.235
