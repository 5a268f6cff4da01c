"""Records follow from the registry's rules; synthetic data never count as evidence."""

from __future__ import annotations

import json

import pytest

from cxlib import Estimate, start
from cxlib.registry.claims import claims, get_claim, rules_text
from cxlib.registry.records import make_record
from cxlib.stats.verdicts import NOT_TESTABLE, SUPPORTED, Verdict


def est(value, lo, hi, n=100):
    return Estimate("ratio", value, lo, hi, n, "test")


def test_synthetic_records_are_not_evidence_but_report_recovery():
    rec = make_record("nb", "WOM-1", "telling_ratio", est(2.0, 1.9, 2.1), Verdict(SUPPORTED, "x"),
                      data="sample", synthetic=True, truth=1.95)
    assert rec.verdict == NOT_TESTABLE
    assert rec.recovered is True and "supported: x" in rec.reason and rec.n_to_decide is None


def test_real_records_keep_their_verdict():
    rec = make_record("nb", "WOM-1", "telling_ratio", est(2.0, 1.9, 2.1), Verdict(SUPPORTED, "x"),
                      data="mine.csv", synthetic=False)
    assert rec.verdict == SUPPORTED and rec.recovered is None


def test_records_hold_json_safe_numbers():
    nothing = Estimate.untestable("f", "nobody had a problem")
    rec = make_record("nb", "DEF-3", "silent_share", nothing,
                      Verdict(NOT_TESTABLE, "nobody had a problem"), data="x.csv",
                      synthetic=False)
    assert rec.value is None and rec.ci_low is None
    json.dumps(rec.to_dict(), allow_nan=False)


def test_estimate_str():
    assert str(est(1.234, 1.0, 1.5)) == "1.23 [1.00, 1.50] (n=100)"
    assert "not estimable (no variance)" in str(Estimate.untestable("f", "no variance"))


def test_every_claim_declares_its_figures_and_rules():
    for claim in claims().values():
        assert claim.figures, claim.id
        for spec in claim.figures.values():
            assert spec.rule.why, (claim.id, spec.key)
        assert "judged" in rules_text(claim.id)


def test_wildcard_figure_keys():
    assert get_claim("LOY-2").spec("driver_empathy").key == "driver_*"
    with pytest.raises(KeyError, match="declares no figure"):
        get_claim("LOY-2").spec("something_else")


def test_session_judges_by_the_registry_and_writes_as_it_goes(tmp_path):
    nb = start("00_test", results_dir=str(tmp_path))
    ds = nb.load("survey", quiet=True)
    nb.test("WOM-1", "telling_ratio", est(2.0, 1.9, 2.1), data=ds)
    rec = nb.test("WOM-1", "telling_ratio", est(2.1, 1.9, 2.2), data=ds)  # replaces
    assert "On real data the rule would read: supported" in rec.reason
    assert "band of practical" not in rec.rule and "[1.80, 2.50]" in rec.rule
    doc = json.loads((tmp_path / "00_test.json").read_text())
    assert len(doc["records"]) == 1 and doc["records"][0]["value"] == 2.1
    assert doc["datasets"][0]["kind"] == "survey" and doc["datasets"][0]["synthetic"]
    for key in ("notebook", "claim", "key", "figure", "value", "ci_low", "ci_high", "n",
                "verdict", "rule", "n_to_decide"):
        assert key in doc["records"][0]


def test_session_concludes_a_claim_on_real_data(tmp_path):
    from dataclasses import replace

    nb = start("00_test", results_dir=str(tmp_path))
    sample = nb.load("survey", quiet=True)
    real = replace(sample, report=replace(sample.report, synthetic=False, file="mine.csv"))
    nb.test("LOY-1", "ordinal_or", est(1.8, 1.5, 2.1), data=real)
    nb.test("LOY-1", "churn_or", est(0.7, 0.6, 0.8), data=real)
    nb.test("LOY-1", "top_box_step", est(0.5, 0.4, 0.6), data=real)  # supplementary
    (claim,) = nb.conclude("LOY-1")
    assert claim.scope == "claim" and claim.verdict == SUPPORTED
    assert "all 2 figures" in claim.reason
    # the words are capped by the design: a survey gives associations (the churn figure,
    # followed over time, is stronger), and "creates" needs a randomised comparison
    assert claim.grade == "association" and claim.headline == "supported as an association"
    assert "that satisfaction creates loyalty cannot be tested" in claim.cannot_show
    assert "randomised comparison" in claim.cannot_show
    assert claim.untested == ["service creates satisfaction"]
    figures = {r.key: r.grade for r in nb.records if r.scope == "figure"}
    assert figures == {"ordinal_or": "association", "churn_or": "followed over time",
                       "top_box_step": "association"}
    nb.not_testable("LOY-1", "indirect", "no service items", data=real)
    claim = nb.conclude("LOY-1")[0]
    assert claim.verdict == SUPPORTED  # not-testable figures are left out, and named
    assert "left out: indirect association" in claim.reason and "(no service items)" in claim.reason
    shown = nb.table()  # the supplementary top-box step is marked, and only it
    marked = shown[shown["verdict"].str.endswith("(beside the claim)")]
    assert marked["verdict"].tolist() == ["not supported (beside the claim)"] and len(shown) == 5
    assert marked["figure"].tolist() == ["ratio"]  # the figure's own name, unchanged


def test_attempt_records_degenerate_data_as_not_testable(tmp_path, capsys):
    import pandas as pd

    from cxlib.errors import NotEstimable, require_variation

    nb = start("00_test", results_dir=str(tmp_path))
    ds = nb.load("survey", quiet=True)
    with nb.attempt("LOY-1", "ordinal_or", data=ds):
        require_variation(pd.DataFrame({"overall_sat": [5, 5, 5]}), ["overall_sat"],
                          what="the effect of satisfaction")
        raise AssertionError("not reached")
    (rec,) = nb.records
    assert rec.verdict == NOT_TESTABLE and "overall_sat does not vary" in rec.reason
    assert "every answer is 5" in capsys.readouterr().out
    with pytest.raises(ZeroDivisionError), nb.attempt("LOY-1", "ordinal_or", data=ds):
        raise ZeroDivisionError  # programming errors are not swallowed
    assert issubclass(NotEstimable, ValueError)


def test_results_file_is_versioned_and_read_back_typed(tmp_path):
    import jsonschema

    from cxlib.errors import UserDataError
    from cxlib.registry.records import (
        RESULTS_SCHEMA,
        SCHEMA_FILE,
        ResultRecord,
        read_results,
        write_results,
    )

    rec = make_record("nb", "WOM-1", "telling_ratio", est(2.0, 1.9, 2.1), Verdict(SUPPORTED, "x"),
                      data="mine.csv", synthetic=False, rule="the rule")
    none = make_record("nb", "DEF-3", "silent_share", Estimate.untestable("f", "no problems"),
                       Verdict(NOT_TESTABLE, "no problems"), data="mine.csv", synthetic=False)
    path = write_results(tmp_path / "results.json", [rec, none], version="9.9")
    doc = json.loads(path.read_text())
    assert doc["schema"] == RESULTS_SCHEMA and doc["cxlib"] == "9.9"
    jsonschema.validate(doc, json.loads(SCHEMA_FILE.read_text()))
    back = read_results(path)
    assert back == [rec, none] and isinstance(back[0], ResultRecord)
    path.write_text(json.dumps({"schema": "cxlib-results/0", "records": []}))
    with pytest.raises(UserDataError, match="schema 'cxlib-results/0'"):
        read_results(path)


def test_the_notebook_result_files_carry_the_schema_and_the_runner_refuses_another(tmp_path):
    """One record format from the kernel to results.json: the file a session writes names
    the schema version of results.json, the runner reads it through the versioned reader,
    and a file of another version (or none) stops the merge with a message naming it."""
    from cxlib import __version__
    from cxlib.app.runner import collect_results
    from cxlib.errors import UserDataError
    from cxlib.registry.records import RESULTS_SCHEMA, read_notebook_results

    nb = start("00_test", results_dir=str(tmp_path))
    ds = nb.load("survey", quiet=True)
    nb.not_testable("LOY-1", "ordinal_or", "no loyalty rating", data=ds)
    written = tmp_path / "00_test.json"
    doc = json.loads(written.read_text())
    assert (doc["schema"], doc["cxlib"], doc["notebook"]) == (RESULTS_SCHEMA, __version__,
                                                              "00_test")
    assert read_notebook_results(written)["records"] == nb.records
    records, datasets = collect_results(tmp_path)
    assert records == nb.records and datasets[0]["notebook"] == "00_test"
    for old in ({**doc, "schema": "cxlib-results/1"}, {k: v for k, v in doc.items()
                                                         if k != "schema"}):
        written.write_text(json.dumps(old))
        with pytest.raises(UserDataError, match=r"00_test\.json holds results of schema .*"
                                                r"this cxlib reads 'cxlib-results/2'\. Rerun"):
            collect_results(tmp_path)


def test_summary_tables_shorten_a_synthetic_reason_to_what_the_row_does_not_show():
    rec = make_record("nb", "WOM-1", "telling_ratio", est(0.56, 0.53, 0.59),
                      Verdict(SUPPORTED, "the 95% interval [0.53, 0.59] lies inside"),
                      data="sample", synthetic=True, truth=0.5)
    assert rec.would_be == SUPPORTED and rec.verdict == NOT_TESTABLE
    assert rec.short_reason() == "synthetic sample; planted value 0.50; on real data: supported"
    rec = make_record("nb", "WOM-1", "telling_ratio", est(0.15, 0.1, 0.2),
                      Verdict("not supported", "[0.1, 0.2] below 0.5"), data="sample",
                      synthetic=True)
    assert rec.short_reason() == "synthetic sample; on real data: not supported"
    none = make_record("nb", "DEF-3", "silent_share", Estimate.untestable("f", "fewer than 30"),
                       Verdict(NOT_TESTABLE, "fewer than 30 rows"), data="x.csv",
                       synthetic=False)
    assert none.short_reason() == "fewer than 30 rows"


def test_a_file_declared_synthetic_gives_no_evidence(tmp_path):
    """The Hebrew worked example is made from the synthetic sample: its mapping says
    `synthetic: true`, so its figures show the method only."""
    from cxlib.data.datasets import data_dir

    nb = start("00_test", results_dir=str(tmp_path))
    example = data_dir() / "examples" / "survey_hebrew.csv"
    mapping = data_dir() / "mappings" / "example_survey_hebrew.yaml"
    nb.data, nb.columns = {"survey": str(example)}, str(mapping)
    ds = nb.load("survey", quiet=True)
    assert ds.synthetic and not ds.is_sample and ds.source == "survey_hebrew.csv"
    rec = nb.test("WOM-1", "telling_ratio", est(2.0, 1.9, 2.1), data=ds)
    assert rec.verdict == NOT_TESTABLE and rec.would_be == SUPPORTED and rec.synthetic
    assert rec.truth is None  # nothing is planted in a derived file's own rows


def test_a_described_figure_is_shown_without_a_verdict(tmp_path):
    """LOY-2's relative importances describe a survey's own drivers: recorded with their
    interval and the reason, never 'supported' (a bar every driver clears says nothing)."""
    from dataclasses import replace

    from cxlib.registry.records import SHOWN

    nb = start("00_test", results_dir=str(tmp_path))
    sample = nb.load("survey", quiet=True)
    real = replace(sample, report=replace(sample.report, synthetic=False, file="mine.csv"))
    rec = nb.test("LOY-2", "importance_rel", est(0.2, 0.15, 0.25), data=real)
    assert rec.verdict == SHOWN and rec.headline == SHOWN and "any rating asked" in rec.reason
    none = nb.test("LOY-2", "importance_emp", Estimate.untestable("f", "no items"), data=real)
    assert none.verdict == NOT_TESTABLE  # no estimate: said as such
    demo = nb.test("LOY-2", "importance_rel", est(0.2, 0.15, 0.25), data=sample)
    assert demo.verdict == NOT_TESTABLE and demo.would_be == SHOWN
    assert "LOY-2" not in {r.claim for r in nb.conclude()}  # supplementary: no claim verdict
    shown = nb.table()
    assert SHOWN in shown["verdict"].tolist()


def test_a_summary_of_several_data_sets_names_each_rows_data_and_claim():
    """Issue 24 (04): two lines both headed "REP-1 as a whole", with different verdicts and no
    data set named. With more than one data set the table names each row's, and each
    claim-level record says which data set it concludes on."""
    from cxlib import load_donations

    nb = start("00_test")
    sample = nb.load("transactions", quiet=True)
    donors = load_donations()
    for data in (sample, donors):
        nb.test("REP-1", "repeat_share", Estimate("share", 0.74, 0.72, 0.76, 1000, "Wilson"),
                data=data)
    concluded = nb.conclude("REP-1")
    assert len(concluded) == 2 and len({r.figure for r in concluded}) == 2
    assert all(r.figure.endswith(f" on {r.data}") for r in concluded)
    shown = nb.table()
    assert list(shown.columns[:2]) == ["claim", "data"]
    assert set(shown["data"]) == {sample.source, donors.source}
    single = start("00_one")
    single.test("REP-1", "repeat_share", Estimate("share", 0.74, 0.72, 0.76, 1000, "Wilson"),
                data=single.load("transactions", quiet=True))
    assert "data" not in single.table().columns
    assert single.conclude("REP-1")[0].figure == "REP-1 as a whole (1 figure)"
