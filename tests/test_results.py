"""Verdicts follow from intervals; synthetic data never count as evidence."""

from __future__ import annotations

import json

import pytest

from cxlib import Estimate, start
from cxlib.results import Verdict, make_record, verdict_on_direction, verdict_on_value


def est(value, lo, hi):
    return Estimate("ratio", value, lo, hi, 100, "test")


def test_point_claim_supported_when_covered():
    assert verdict_on_value(est(1.9, 1.5, 2.4), 2).label == "supported"


def test_point_claim_not_supported_and_says_which_side():
    v = verdict_on_value(est(1.2, 1.0, 1.5), 2)
    assert v.label == "not supported" and "below" in v.reason


@pytest.mark.parametrize(("lo", "hi", "label", "words"), [
    (1.2, 1.8, "supported", "entirely above"),
    (0.5, 0.8, "not supported", "other way"),
    (0.9, 1.3, "not supported", "no clear effect"),
])
def test_directional_claims(lo, hi, label, words):
    v = verdict_on_direction(est((lo + hi) / 2, lo, hi), 1.0, expected=">")
    assert v.label == label and words in v.reason


def test_verdict_label_must_be_one_of_four():
    with pytest.raises(ValueError):
        Verdict("probably true", "")


def test_synthetic_records_are_not_evidence_but_report_recovery():
    rec = make_record("nb", "WOM-1", est(1.5, 1.2, 1.9), Verdict("supported", "x"),
                      data="sample", synthetic=True, truth=1.57)
    assert rec.verdict == "not testable with these data"
    assert rec.recovered is True and "supported: x" in rec.reason


def test_real_records_keep_their_verdict():
    rec = make_record("nb", "WOM-1", est(1.5, 1.2, 1.9), Verdict("supported", "x"),
                      data="mine.csv", synthetic=False)
    assert rec.verdict == "supported" and rec.recovered is None


def test_estimate_str():
    assert str(est(1.234, 1.0, 1.5)) == "1.23 [1.00, 1.50] (n=100)"


def test_session_writes_results_as_it_goes(tmp_path):
    nb = start("00_test", results_dir=str(tmp_path))
    ds = nb.load("survey", quiet=True)
    nb.record("WOM-1", est(1.5, 1.2, 1.9), Verdict("supported", "x"), data=ds)
    nb.record("WOM-1", est(1.6, 1.2, 1.9), Verdict("supported", "x"), data=ds)  # replaces
    doc = json.loads((tmp_path / "00_test.json").read_text())
    assert len(doc["records"]) == 1 and doc["records"][0]["value"] == 1.6
    assert doc["datasets"][0]["kind"] == "survey" and doc["datasets"][0]["synthetic"]
    for key in ("notebook", "claim", "figure", "value", "ci_low", "ci_high", "n", "verdict"):
        assert key in doc["records"][0]
