"""Real data in the default report (issue 15, items 1 and 2): the bundled real data sets, the
evidence runs declared for them, and the report's evidence table and forest plots."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import REALDATA

from cxlib.app.evidence import EVIDENCE, READ_INSIDE, label_of, page_of, runs_for
from cxlib.data.datasets import data_dir, load_cdnow, load_data
from cxlib.registry.claims import get_claim
from cxlib.registry.records import ResultRecord

REFERENCE = json.loads((Path(__file__).parent / "reference" / "real_data.json").read_text())
REAL = data_dir() / "real"


def test_every_evidence_run_names_a_real_file_a_mapping_and_a_notebook_that_reads_its_kind():
    from cxlib.app.catalogue import available

    books = {p.stem for p in available()}
    assert len({e.name for e in EVIDENCE}) == len(EVIDENCE)
    for e in EVIDENCE:
        assert e.notebook in books and e.name.startswith(f"{e.notebook}--")
        assert (data_dir() / e.file).is_relative_to(REAL) and (data_dir() / e.file).exists()
        kinds = {k for c in _claims_of(e.notebook) for k in get_claim(c).kinds}
        assert e.kind in kinds, e
        ds = load_data(e.kind, data_dir() / e.file, data_dir() / e.mapping)
        assert not ds.synthetic and ds.report.rows_kept == ds.report.rows_read


def _claims_of(notebook: str) -> list[str]:
    from cxlib.registry.claims import claims

    return [c.id for c in claims().values() if c.notebook == notebook]


def test_records_pages_and_labels_are_unambiguous():
    """A record's (notebook, data) finds its run's page; no two real files share a name."""
    names = [e.data_name for e in EVIDENCE]
    assert not set(names) & set(READ_INSIDE)
    for e in EVIDENCE:
        assert page_of(e.notebook, e.data_name) == f"{e.name}.html"
        assert label_of(e.data_name) == e.label
    assert page_of("02_satisfaction_to_loyalty", "bundled synthetic sample") == \
        "02_satisfaction_to_loyalty.html"
    assert label_of("cdnow_transactions.csv.gz") == "CDNOW purchases"
    assert [e.name for e in runs_for(["03_economics_of_retention"])] == \
        ["03_economics_of_retention--telco"]


def test_every_real_file_has_its_licence_stated_and_its_licence_text():
    note = (REAL / "LICENSES.md").read_text(encoding="utf-8")
    data = [p for p in REAL.iterdir() if p.name.endswith((".csv", ".csv.gz"))]
    assert len(data) >= 5
    for path in data:
        assert f"`{path.name}`" in note, path.name
    for text in ("GPL-3.txt", "MODELDATA_LICENSE.txt", "CDNOW_LICENSE.txt"):
        assert f"`{text}`" in note and (REAL / text).stat().st_size > 500
    assert "aggregate" in note and "GNU GENERAL PUBLIC LICENSE" in (REAL / "GPL-3.txt").read_text()


@pytest.mark.parametrize("name", ["mobi.csv", "corp_rep_data.csv"])
def test_bundled_surveys_are_the_seminr_exports_unchanged(name):
    shared = REALDATA / name
    if not shared.exists():
        pytest.skip(f"{shared} not available")
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (REAL / name, shared)]
    assert digest[0] == digest[1]


def test_telco_table_is_modeldata_wa_churn_with_an_id_and_the_services_held():
    """7,043 customers, 1,869 of whom left (26.5%, as IBM's table); n_services counts the
    nine services from the table's own columns."""
    telco = pd.read_csv(REAL / "telco_churn.csv.gz")
    assert len(telco) == 7043 and telco["customer_id"].is_unique
    assert telco["churn"].sum() == 1869
    services = ["multiple_lines", "online_security", "online_backup", "device_protection",
                "tech_support", "streaming_tv", "streaming_movies"]
    count = (telco["phone_service"] + telco[services].eq("Yes").sum(axis=1)
             + telco["internet_service"].isin(["DSL", "Fiber optic"]))
    assert (count == telco["n_services"]).all()
    assert telco["n_services"].between(1, 9).all()


def test_telco_cross_holding_hazard_matches_r_coxph():
    """The Cox model of leaving on services held on the telco table *without* delayed entry
    (everyone at risk from acquisition, as first fitted) against R's coxph(robust = TRUE)
    (tests/reference/real_data.R): protective, and "supported". The table is a one-month
    snapshot; the figure RET-1 records enters each customer at the month's start and is
    not supported (tests/test_snapshot.py)."""
    from cxlib.analyses.retention import cox_model

    ref = REFERENCE["telco_cox"]
    ds = load_data("customers", REAL / "telco_churn.csv.gz",
                   data_dir() / "mappings" / "telco_churn.yaml")
    fit = cox_model(ds.frame, ["n_products", *ds.mapping.covariates])
    hr = fit.hazard_ratio("n_products")
    assert (fit.n, fit.events) == (ref["n"], ref["events"])
    assert hr.value == pytest.approx(ref["hr_n_services"], rel=1e-6)
    assert hr.ci_low == pytest.approx(ref["ci_low"], rel=1e-6)
    assert hr.ci_high == pytest.approx(ref["ci_high"], rel=1e-6)
    assert get_claim("RET-1").spec("cross_holding").rule.judge(hr).label == "supported"


def test_ecsi_expectation_role_gives_the_disconfirmation_test_of_qual_1():
    """The ECSI mapping pairs expectations (CUEX) with perceived quality (PERQ) at the level
    of constructs. The estimator runs on them (b_E = +0.205 raw, as R's lm:
    tests/reference/disconfirmation.json), but the three expectation items do not measure
    one thing (alpha 0.43), so the figure is not testable (a referee's review: a "not
    supported" rested on an unreliable, recalled score); the expectation items do not ask
    about the PERQ items' attributes, so no gap score is formed either."""
    from cxlib.analyses.quality import disconfirmation, perception_vs_gap
    from cxlib.data.constructs import survey_constructs
    from cxlib.errors import NotEstimable

    ds = load_data("survey", REAL / "mobi.csv", data_dir() / "mappings" / "mobi.yaml")
    model = survey_constructs(ds)
    assert model.has_expectations and list(model.perceptions) == ["PERQ"]
    assert model.expectations == {"PERQ": ["CUEX1", "CUEX2", "CUEX3"]}
    fit = disconfirmation(ds.frame, "overall_sat", model.perceptions, model.expectations,
                          alpha_floor=0)
    effect, table = fit.effect, fit.table
    assert table.loc["expectation", "coefficient"] == pytest.approx(0.204935, rel=1e-5)
    assert effect.ci_low > 0.05  # an association the other way, on an unreliable score
    with pytest.raises(NotEstimable, match=r"alpha 0\.43"):
        disconfirmation(ds.frame, "overall_sat", model.perceptions, model.expectations)
    with pytest.raises(NotEstimable, match="not matched item by item"):
        perception_vs_gap(ds.frame, "overall_sat", model.perceptions, model.expectations,
                          n_boot=10)


def test_an_expectation_role_needs_a_quality_construct(mapping, write):
    from cxlib.errors import UserDataError

    frame = pd.DataFrame({"q1": [1, 2, 3] * 10, "e1": [2, 3, 1] * 10, "s": [3, 1, 2] * 10})
    path = write(frame)
    bad = mapping("survey:\n  columns: {overall_sat: s}\n  constructs: {Q: [q1], E: [e1], "
                  "S: [overall_sat]}\n  paths: ['Q -> S', 'E -> S']\n"
                  "  roles: {satisfaction: S, expectation: E}\n")
    with pytest.raises(UserDataError, match="no quality construct"):
        load_data("survey", path, bad)


def test_every_data_set_a_notebook_loads_reaches_its_datasets(tmp_path):
    """cx.load_cdnow(sample=True) inside a notebook: the panel and the file of sample ids both
    reach the run's datasets, each once (before: the ids file was missing)."""
    from cxlib.notebook.session import start

    start("04_repeat_business", results_dir=str(tmp_path))
    load_cdnow()
    load_cdnow(sample=True)
    doc = json.loads((tmp_path / "04_repeat_business.json").read_text())
    files = [Path(d["file"]).name for d in doc["datasets"]]
    assert sorted(files) == ["cdnow_sample_ids.csv", "cdnow_transactions.csv.gz"]


def _record(claim: str, key: str, data: str, verdict: str, *, synthetic: bool = False,
            scope: str = "figure", value: float | None = 1.2,
            recovered: bool | None = None) -> ResultRecord:
    return ResultRecord(notebook=get_claim(claim).notebook, claim=claim, key=key,
                        figure=get_claim(claim).spec(key).figure if scope == "figure" else claim,
                        value=value, ci_low=None if value is None else value - 0.1,
                        ci_high=None if value is None else value + 0.1, n=200,
                        verdict=verdict, reason="because", method="m", data=data,
                        synthetic=synthetic, scope=scope, recovered=recovered)


def test_evidence_table_keeps_published_real_and_synthetic_apart(tmp_path):
    """A claim's verdict comes from its real data sets only: agreeing ones give it, differing
    ones say so, none say "no real data yet"; the sample gives the recovery count."""
    from cxlib.app.report import NO_REAL_DATA, evidence_table

    sample = "bundled synthetic sample"
    records = [
        _record("LOY-1", "ordinal_or", sample, "not testable with these data", synthetic=True,
                recovered=True),
        _record("LOY-1", "ordinal_or", "mobi.csv", "supported"),
        _record("LOY-1", "claim", "mobi.csv", "supported", scope="claim", value=None),
        _record("LOY-1", "ordinal_or", "corp_rep_data.csv", "supported"),
        _record("LOY-1", "claim", "corp_rep_data.csv", "inconclusive", scope="claim",
                value=None),
        _record("REP-1", "repeat_share", "cdnow_transactions.csv.gz", "not supported",
                value=0.66),
        _record("REP-1", "claim", "cdnow_transactions.csv.gz", "not supported", scope="claim",
                value=None),
        _record("WOM-1", "telling_ratio", sample, "not testable with these data",
                synthetic=True, recovered=False),
    ]
    table = {c["id"]: c for c in evidence_table(records, tmp_path)}
    assert table["LOY-1"]["verdict"] == "differs by data set"
    assert [s["label"] for s in table["LOY-1"]["real"]] == ["ECSI mobile phones",
                                                           "corporate reputation"]
    assert table["LOY-1"]["real"][0]["page"] == "02_satisfaction_to_loyalty--ecsi.html"
    assert table["LOY-1"]["demo"]["recovered"] == 1 == table["LOY-1"]["demo"]["planted"]
    assert table["REP-1"]["verdict"] == "not supported"
    assert table["WOM-1"]["verdict"] == NO_REAL_DATA and table["WOM-1"]["real"] == []
    assert table["WOM-1"]["demo"]["recovered"] == 0
    assert table["DEF-1"]["demo"] is None and table["DEF-1"]["picture"] is None
    svg = (tmp_path / table["LOY-1"]["picture"]).read_text()
    assert "<script" not in svg and "ECSI mobile phones" in svg and "sample (synthetic)" in svg
    assert "ECSI mobile phones 1.20 [1.10, 1.30]" in table["LOY-1"]["alt"]


def test_forest_plot_draws_labels_as_text_on_a_ratio_axis(tmp_path):
    """Labels from users' file names are text (a "$" is not mathematics, markup is not
    markup); ratio figures get a log axis with numbers as ticks."""
    from cxlib.app.forest import Panel, Row, forest_svg

    rule = get_claim("RET-1").spec("cross_holding").rule
    rows = [Row("<b>$5 file</b>.csv", 0.88, 0.87, 0.9, True), Row("sample", 0.5, 0.45, 0.6,
                                                                   False)]
    svg = forest_svg([Panel("hazard ratio", rule, rows)], tmp_path / "f.svg").read_text()
    assert "&lt;b&gt;$5 file&lt;/b&gt;.csv" in svg and "<b>" not in svg
    assert "claimed: below 1" in svg


def test_the_telco_tables_provenance_is_shown_beside_its_verdicts():
    from cxlib.app.evidence import caveat_of
    from cxlib.app.report import _real_sets
    from cxlib.registry.records import ResultRecord

    assert "fictional" in caveat_of("telco_churn.csv.gz") and not caveat_of("mobi.csv")
    rec = ResultRecord("03_economics_of_retention", "RET-1", "cross_holding", "hr", 0.88, 0.87,
                       0.9, 7032, "supported", "r", "m", "telco_churn.csv.gz", False)
    (shown,) = _real_sets([rec])
    assert "fictional" in shown["caveat"]


def test_figures_that_describe_the_data_are_listed_but_not_drawn_in_the_forest_plot():
    """A survey's own drivers (relative importance, R²) are recorded beside LOY-2 but are no
    estimate of the claim's published figure: its forest plot draws the driver effects only."""
    from cxlib.app.report import _panels

    records = [_record("LOY-2", "driver_reliability", "bundled synthetic sample",
                       "not testable with these data", synthetic=True),
               _record("LOY-2", "importance_PERQ", "mobi.csv", "supported"),
               _record("LOY-2", "r2_drivers", "mobi.csv", "supported")]
    claim = get_claim("LOY-2")
    assert not claim.spec("importance_PERQ").forest and not claim.spec("r2_drivers").forest
    assert claim.spec("driver_reliability").forest
    assert [p.figure for p in _panels("LOY-2", records)] == [claim.spec("driver_x").figure]


def test_each_forest_panel_is_titled_by_its_own_figure_and_reference(tmp_path):
    """Issue 24: LOY-2's panels all carried the wildcard's title; legends covered points
    (DEF-1, STD-1, REL-2); a narrow ratio axis had a single tick. Each panel is titled with
    its record's figure and the reference value, draws no legend, and has three or more
    labelled ticks."""
    import dataclasses
    import re

    from cxlib.app.forest import Panel, Row, forest_svg
    from cxlib.app.report import _panels

    records = [dataclasses.replace(_record("LOY-2", f"driver_{d}", "bundled synthetic sample",
                                           "not testable with these data", synthetic=True),
                                   figure=f"standardised effect of {d} on satisfaction")
               for d in ("reliability", "empathy")]
    assert [p.figure for p in _panels("LOY-2", records)] == [
        "standardised effect of reliability on satisfaction",
        "standardised effect of empathy on satisfaction"]
    rule = get_claim("RET-1").spec("cross_holding").rule
    svg = forest_svg([Panel("hazard ratio", rule, [Row("data", 0.72, 0.68, 0.76, True)])],
                     tmp_path / "f.svg").read_text()
    assert "claimed: below 1 (red dashes)" in svg and "legend" not in svg
    ticks = [t for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)
             if re.fullmatch(r"[\d.]+", t)]
    assert len(ticks) >= 3, ticks
