"""Every notebook runs top to bottom on the sample data, and on a user's file with a mapping."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import nbformat
import pytest
from conftest import results_of

from cxlib.app.catalogue import available
from cxlib.app.evidence import EVIDENCE, READ_INSIDE
from cxlib.app.runner import run
from cxlib.data.datasets import data_dir

pytestmark = pytest.mark.notebooks
BOOKS = available()


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    done = run(out=out, jobs=2, log=lambda _: None)
    return out, done


def test_there_are_notebooks():
    assert BOOKS and BOOKS[0].name == "00_start_here.ipynb"


@pytest.mark.parametrize("path", BOOKS, ids=lambda p: p.stem)
def test_notebook_conventions(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code"), "commit notebooks without outputs"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


def test_all_notebooks_run_on_sample_data(sample_report):
    out, done = sample_report
    failed = {r.name: r.error for r in done if not r.ok}
    assert not failed
    # every notebook on the sample, and beside it the evidence runs on bundled real data
    assert sorted(r.name for r in done) == sorted([p.stem for p in BOOKS]
                                                  + [e.name for e in EVIDENCE])
    for r in done:
        assert (out / f"{r.name}.html").stat().st_size > 10_000


def test_report_files(sample_report):
    out, _ = sample_report
    records = results_of(out)
    assert isinstance(records, list)
    for rec in records:
        assert {"notebook", "claim", "figure", "value", "ci_low", "ci_high", "n",
                "verdict"} <= set(rec)
        if rec["synthetic"]:  # a planted effect is never evidence
            assert rec["verdict"] == "not testable with these data"
        else:  # real data on a default run: the evidence runs' files and CDNOW (in 04)
            assert rec["data"] in {e.data_name for e in EVIDENCE} | set(READ_INSIDE)
    index = (out / "index.html").read_text()
    assert "synthetic sample" in index and "00_start_here.html" in index
    assert "bundled real data" in index  # CDNOW, not "your file"
    datasets = json.loads((out / "datasets.json").read_text())
    assert any(d["kind"] == "survey" and d["synthetic"] for d in datasets)


def test_the_sample_recovers_every_value_the_registry_says_was_planted(sample_report):
    from cxlib.data.sample import planted
    from cxlib.registry.claims import get_claim

    out, _ = sample_report
    checked = 0
    for rec in results_of(out):
        if not rec["synthetic"] or rec["scope"] != "figure" or rec["value"] is None:
            continue
        spec = get_claim(rec["claim"]).spec(rec["key"])
        if spec.planted:
            assert rec["truth"] == pytest.approx(planted(spec.planted)), rec["key"]
            assert rec["recovered"], f"{rec['claim']}/{rec['key']} missed {rec['truth']}: {rec}"
            checked += 1
    assert checked >= 9  # every planted figure of notebooks 03-10


def test_hebrew_survey_runs_through_the_runner(tmp_path):
    survey = data_dir() / "examples" / "survey_hebrew.csv"
    mapping = data_dir() / "mappings" / "example_survey_hebrew.yaml"
    done = run(["00", "05"], data={"survey": str(survey)}, columns=str(mapping), out=tmp_path,
               log=lambda _: None)
    assert all(r.ok for r in done), [r.error for r in done]
    records = results_of(tmp_path)
    tellings = [r for r in records if r["figure"].startswith("expected people told")]
    # measured on the user's file, which its mapping declares made from the synthetic sample:
    # its figures are no evidence
    assert tellings and tellings[0]["synthetic"]
    datasets = json.loads((tmp_path / "datasets.json").read_text())
    mine = [d for d in datasets if d["file"].endswith("survey_hebrew.csv")]
    assert mine and mine[0]["rows_kept"] == 200 and mine[0]["synthetic"]
    assert "survey_hebrew.csv" in (tmp_path / "index.html").read_text()


def test_notebook_06_on_the_churn_flag_example_without_reasons(tmp_path):
    """The tenure + churn-flag example (artificial, declared synthetic): leavers are the 707
    with churned = 1, the failures -> leaving regression runs without reasons (R: OR 1.508 per
    call, HC3 [1.418, 1.605]), and DEF-1/DEF-2 say that they need `churn_reason` (before: DEF-2
    said "the ledger lacks churn reasons or service failures" and the regression never ran)."""
    example = data_dir() / "examples" / "mlc_churn.csv.gz"
    mapping = data_dir() / "mappings" / "example_mlc_churn.yaml"
    done = run(["06"], data={"customers": str(example)}, columns=str(mapping), out=tmp_path,
               log=lambda _: None)
    assert done[0].ok, done[0].error
    executed = tmp_path / "notebooks" / "06_why_customers_leave.ipynb"
    assert "707 of 5,000 customers left (`churned` = 1)" in outputs_text(executed, "06-003")
    shown = outputs_text(executed, "06-011")
    assert "odds ratio of leaving per recorded service failure: 1.51 [1.42, 1.60]" in shown
    records = {(r["claim"], r["key"]): r for r in results_of(tmp_path)
               if r["data"] == "mlc_churn.csv.gz"}
    for key in (("DEF-1", "service_share"), ("DEF-2", "partly_service_share")):
        assert records[key]["synthetic"], records[key]  # artificial data: no evidence
        assert "needs the column `churn_reason`" in records[key]["reason"], records[key]
    from cxlib.app.output_check import output_problems

    assert not output_problems(nbformat.read(executed, as_version=4))


def outputs_text(path, cell_id: str) -> str:
    """Everything a code cell of an executed notebook showed, as one string."""
    cell = next(c for c in nbformat.read(path, as_version=4).cells if c.get("id") == cell_id)
    return " ".join(o.get("text", "") + json.dumps(o.get("data", {})) for o in cell.outputs)


def test_survey_notebooks_run_to_the_end_when_satisfaction_is_constant(tmp_path):
    import pandas as pd

    from cxlib.stats.verdicts import NOT_TESTABLE

    survey = pd.read_csv(data_dir() / "sample" / "survey.csv", dtype=str,
                         keep_default_na=False)
    survey["overall_sat"] = "5"  # everyone answered 5: no variance to explain
    path = tmp_path / "constant_satisfaction.csv"
    survey.to_csv(path, index=False)
    done = run(["01", "02"], data={"survey": str(path)}, out=tmp_path / "o", log=lambda _: None)
    assert all(r.ok for r in done), [r.error for r in done]  # before: 02 stopped with an error
    records = {(r["claim"], r["key"]): r
               for r in results_of(tmp_path / "o")}
    dependent = [("LOY-2", f"driver_{d}") for d in ("reliability", "responsiveness",
                                                     "assurance", "empathy", "tangibles")]
    dependent += [("QUAL-1", "perception_vs_gap"), ("QUAL-1", "expectation_effect")]
    dependent += [("LOY-1", k) for k in ("ordinal_or", "recommend_or", "top_box_step",
                                         "churn_or", "indirect", "pls_path")]
    for key in dependent:  # before: LOY-2 judged from R² = −inf fits
        assert records[key]["verdict"] == NOT_TESTABLE, key
        assert "overall_sat) does not vary" in records[key]["reason"] \
            or records[key]["reason"].startswith("overall_sat does not vary"), key
        assert records[key]["value"] is None and not records[key]["synthetic"]
    for claim in ("LOY-1", "LOY-2"):
        assert records[(claim, "claim")]["verdict"] == NOT_TESTABLE
    book = tmp_path / "o" / "notebooks" / "01_service_quality_and_drivers.ipynb"
    for cell in ("01-005", "01-007", "01-gap"):  # reliability, factor structure, gaps
        shown = outputs_text(book, cell)
        assert "text/html" in shown and not {"−inf", "-inf", "NaN"} & set(shown.split()), cell
    assert "not testable with these data: SAT (overall_sat) does not vary" in \
        outputs_text(book, "01-009")


def test_a_failing_notebook_does_not_stop_the_others(tmp_path):
    broken = tmp_path / "98_broken.ipynb"
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Broken on purpose"),
        nbformat.v4.new_code_cell("results_dir = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("raise RuntimeError('boom')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, broken)
    done = run([str(broken), "00"], out=tmp_path / "out", log=lambda _: None)
    status = {r.name: r.ok for r in done}
    assert status == {"98_broken": False, "00_start_here": True}
    assert "RuntimeError: boom" in next(r.error for r in done if not r.ok)
    index = (tmp_path / "out" / "index.html").read_text()
    assert "1 failed" in index and "RuntimeError: boom" in index


def test_survey_notebooks_with_too_few_outlets_say_so_instead_of_clustering(tmp_path):
    """Respondents of 6 outlets (fewer than robust.MIN_CLUSTERS): every figure whose
    interval treats the outlet as the unit is not testable, with a reason that names the 6
    clusters and the minimum of 10; the notebooks run to the end."""
    import pandas as pd

    from cxlib.stats.verdicts import NOT_TESTABLE

    survey = pd.read_csv(data_dir() / "sample" / "survey.csv", dtype=str,
                         keep_default_na=False)
    path = tmp_path / "six_outlets.csv"
    survey[survey["outlet_id"].isin(sorted(survey["outlet_id"].unique())[:6])].to_csv(
        path, index=False)
    done = run(["02", "10"], data={"survey": str(path)}, out=tmp_path / "o", log=lambda _: None)
    assert all(r.ok for r in done), [r.error for r in done]
    records = {(r["claim"], r["key"]): r for r in results_of(tmp_path / "o")}
    for key in [("LOY-1", k) for k in ("ordinal_or", "recommend_or", "top_box_step",
                                       "churn_or", "indirect", "pls_path")] + [
            ("REL-2", "price_premium")]:
        assert records[key]["verdict"] == NOT_TESTABLE, key
        assert "only 6 clusters of outlet_id" in records[key]["reason"], key
        assert "needs at least 10" in records[key]["reason"], key
    # the multilevel model's interval is model-based, with t(G − 2) = t(4)
    assert "6 outlets (REML), t(4)" in records[("INT-1", "multilevel_effect")]["method"]


@pytest.mark.parametrize(("file", "mapping", "expectations"), [("mobi.csv", "mobi.yaml", True),
                                                            ("corp_rep_data.csv", "corp_rep.yaml",
                                                             False)])
def test_survey_notebooks_run_on_the_public_surveys(tmp_path, file, mapping, expectations):
    survey = data_dir() / "real" / file
    done = run(["01", "02"], data={"survey": str(survey)},
               columns=str(data_dir() / "mappings" / mapping), out=tmp_path, log=lambda _: None)
    assert all(r.ok for r in done), [r.error for r in done]
    records = results_of(tmp_path)
    chain = [r for r in records if r["claim"] == "LOY-1" and r["figure"].startswith("PLS path")]
    assert chain and not chain[0]["synthetic"]
    if expectations:  # ECSI's loyalty items (CUSL1-3) do not measure one thing: no verdict on
        # a path or an indirect path through their score; the single-item odds ratio stands
        for key in ("pls_path", "indirect"):
            rec = next(r for r in records if r["key"] == key and r["claim"] == "LOY-1")
            assert rec["verdict"] == "not testable with these data", rec
            assert "Cronbach's alpha 0.44" in rec["reason"] and "CUSL" in rec["reason"]
        odds = next(r for r in records if r["key"] == "ordinal_or")
        assert odds["verdict"] == "supported" and odds["headline"] == "supported as an association"
    else:
        assert chain[0]["verdict"] in ("supported", "not supported")
    untestable = {r["claim"] for r in records if r["verdict"] == "not testable with these data"}
    assert "LOY-2" in untestable  # no SERVQUAL items in these surveys
    # ECSI has expectations (CUEX) beside perceived quality (PERQ), but its three
    # expectation items do not measure one thing (alpha 0.43): no verdict; its expectation
    # items are not matched to the perception items, so no gap score on either survey
    effect = next(r for r in records if r["key"] == "expectation_effect")
    assert effect["verdict"] == "not testable with these data"
    assert ("alpha 0.43" if expectations else "no expectation items") in effect["reason"]
    gap = next(r for r in records if r["key"] == "perception_vs_gap")
    assert gap["verdict"] == "not testable with these data"
    assert ("not matched item by item" if expectations else "no expectation items") in gap["reason"]
    # the user's file was read and validated once, before the kernels started, not once
    # per kernel; both notebooks then loaded the validated copy
    validated = json.loads((tmp_path / "validations.json").read_text())
    assert [v["file"] for v in validated if v["kind"] == "survey"] == [str(survey)]
    assert not (tmp_path / "validated").exists()  # the run's store is removed after it
    reads = [d for d in json.loads((tmp_path / "datasets.json").read_text())
             if d["file"] == str(survey)]
    assert {d["notebook"] for d in reads} == {"01_service_quality_and_drivers",
                                              "02_satisfaction_to_loyalty"}


def test_a_default_run_validates_each_file_once(sample_report):
    out, _ = sample_report
    validated = json.loads((out / "validations.json").read_text())
    files = [(v["kind"], v["file"]) for v in validated]
    assert len(files) == len(set(files))  # 16 kernels, but no file validated twice
    read = {(d["kind"], d["file"]) for d in json.loads((out / "datasets.json").read_text())}
    ids = str(data_dir() / "real" / "cdnow_sample_ids.csv")  # read beside the panel
    assert read <= set(files) | {("transactions", ids)}
    assert {kind for kind, _ in files} >= {"survey", "customers", "transactions", "contacts",
                                           "visits", "outlets"}


def test_report_carries_verdicts_from_real_data_and_lists_every_file_read(sample_report):
    """Issue 15, done when: the default run (``make report``) gives claims a verdict from
    real data, and every file read, real ones included, is in "Data used" and datasets.json.
    Since issue 19 a verdict says no more than its design: REP-1 on CDNOW (a single
    acquisition cohort) and RET-1 on the telco snapshot (no costs, no satisfaction; its
    cross-holding figure is shown beside the claim) are not testable, with their reasons, and
    so is QUAL-1 on ECSI (an unreliable expectation score). Issue 21: real data reach at
    least eight claims, each record with its evidence grade or its reason."""
    from html import escape

    out, _ = sample_report
    records = results_of(out)
    decided = {r["claim"] for r in records if r["scope"] == "claim" and not r["synthetic"]
               and r["verdict"] != "not testable with these data"}
    assert "LOY-1" in decided, decided
    real_claims = {r["claim"] for r in records if not r["synthetic"]}
    assert len(real_claims) >= 8, real_claims
    for r in records:
        if not r["synthetic"] and r["verdict"] not in ("not testable with these data",):
            assert r["grade"] and r["design"], r
    for claim, data in (("REP-1", "cdnow_transactions.csv.gz"),  # a single cohort
                        ("RET-1", "telco_churn.csv.gz"),  # a snapshot without costs
                        ("QUAL-1", "mobi.csv")):  # expectation items with alpha 0.43
        (rec,) = [r for r in records if r["claim"] == claim and r["scope"] == "claim"
                  and r["data"] == data]
        assert rec["verdict"] == "not testable with these data" and rec["reason"], rec
    read = {Path(d["file"]).name for d in json.loads((out / "datasets.json").read_text())}
    real = {e.data_name for e in EVIDENCE} | {"cdnow_transactions.csv.gz",
                                              "cdnow_sample_ids.csv"}
    assert real <= read
    index = (out / "index.html").read_text(encoding="utf-8")
    data_used = index.split("<h2>Data used</h2>")[1].split("<h2>")[0]
    for name in read:
        assert f'<td data-label="file">{escape(name)}</td>' in data_used, name
    for claim in decided:
        assert (out / "figures" / f"{claim}.svg").exists() and f'id="{claim}"' in index
    for e in EVIDENCE:
        assert (out / f"{e.name}.html").exists() and f'href="{e.name}.html"' in index
        assert (out / "slides" / f"{e.name}.slides.html").exists()


def page_text(path: Path) -> str:
    """The words a reader sees on an HTML page: no scripts, styles or tags; entities
    decoded; runs of white space as one space."""
    from html import unescape

    text = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(encoding="utf-8"),
                  flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())


def test_claim_verdicts_say_the_same_words_on_the_front_page_the_page_and_the_deck(
        sample_report):
    """Issue 19: the front page, each notebook's page and its deck show a claim-level verdict
    from real data in the same words: the verdict qualified by its evidence grade, what the
    data cannot show, and the clauses no figure measured; the front page never says more."""
    from cxlib.app.evidence import page_of

    out, _ = sample_report
    index = page_text(out / "index.html")
    claims = [r for r in results_of(out) if r["scope"] == "claim" and not r["synthetic"]]
    assert claims
    for r in claims:
        page = page_of(r["notebook"], r["data"])
        deck = out / "slides" / page.replace(".html", ".slides.html")
        words = [r["headline"], r["cannot_show"], *r["untested"], *r["cautions"]]
        if r["grade"]:
            words.append(r["grade"])
        for where in (index, page_text(out / page), page_text(deck)):
            for w in filter(None, words):
                assert " ".join(w.split()) in where, (r["claim"], r["data"], w)
        if r["verdict"] != "not testable with these data":
            assert r["grade"] and r["design"], r
    loy = {r["data"]: r for r in claims if r["claim"] == "LOY-1"}
    for r in loy.values():  # cross-sectional surveys support an association, never "creates"
        assert r["headline"] in ("supported as an association", "inconclusive",
                                 "not supported as an association",
                                 "not testable with these data"), r["headline"]
        assert r["design"] == "cross-sectional survey"


def test_every_page_states_each_rule_with_its_band_and_why(sample_report):
    """Issue 11: every figure's band, and why that band, are shown in the report: the page
    of the notebook that judges a claim states each of its rules in plain words (with the
    claim-level rule when there are several figures)."""
    from cxlib.registry.claims import CLAIM_RULE, claims

    out, _ = sample_report
    for claim in claims().values():
        text = page_text(out / f"{claim.notebook}.html")
        stated = text.find(f"How {claim.id} is judged")
        assert stated >= 0, (claim.notebook, claim.id)
        for spec in claim.figures.values():
            if spec.described:  # shown without a verdict: the page says why
                assert " ".join(spec.described.split()) in text, (claim.id, spec.key)
                continue
            rule = " ".join(spec.rule.describe().split())
            assert spec.rule.why in rule and rule in text, (claim.id, spec.key)
        if len(claim.primary) > 1:
            assert (f"The claim as a whole ({len(claim.primary)} figures above make it up): "
                    f"{CLAIM_RULE}") in text, claim.id


@pytest.mark.parametrize("run_", EVIDENCE, ids=lambda e: e.name)
def test_evidence_runs_show_no_stderr_warnings_reprs_or_nan(sample_report, run_):
    """The same scan as below, on the notebooks run on real data (clean, none excepted)."""
    from cxlib.app.output_check import output_problems

    out, _ = sample_report
    executed = nbformat.read(out / "notebooks" / f"{run_.name}.ipynb", as_version=4)
    problems = output_problems(executed)
    assert not problems, "\n".join(problems)


def test_repeat_business_runs_on_cdnow_as_a_user_file(tmp_path):
    cdnow = data_dir() / "real" / "cdnow_transactions.csv.gz"
    done = run(["04"], data={"transactions": str(cdnow)}, out=tmp_path, log=lambda _: None)
    assert done[0].ok, done[0].error
    records = results_of(tmp_path)
    assert records and all(not r["synthetic"] for r in records)
    # a single acquisition cohort: nobody is new in the last 12 months, so REP-1's figures
    # are not testable (issue 19: before, the whole-log 66% was judged "not supported")
    for key in ("repeat_share", "beyond_ageing", "claim"):
        record = next(r for r in records if r["key"] == key)
        assert record["verdict"] == "not testable with these data", record
        assert "no new customers in the window judged" in record["reason"], record


def test_repeat_business_runs_on_a_log_where_nobody_repeats(tmp_path):
    """A log of first purchases only: the customer-base models cannot be fitted, and the
    notebook says so and goes on (the by-segment table and the share ahead included)."""
    import pandas as pd

    tx = pd.read_csv(data_dir() / "sample" / "transactions.csv", dtype=str)
    path = tmp_path / "first_orders.csv"
    tx.drop_duplicates("customer_id").to_csv(path, index=False)
    done = run(["04"], data={"transactions": str(path)}, out=tmp_path / "o", log=lambda _: None)
    assert done[0].ok, done[0].error
    shown = (tmp_path / "o" / "04_repeat_business.html").read_text(encoding="utf-8")
    assert "no customer made a repeat purchase" in shown


def test_retention_notebook_runs_on_a_finnish_semicolon_ledger(tmp_path):
    import pandas as pd

    ledger = pd.read_csv(data_dir() / "sample" / "customers.csv", dtype=str,
                         keep_default_na=False).head(400)
    finnish = {"customer_id": "Asiakasnumero", "acquired_on": "Hankintapäivä",
               "acquisition_cost": "Hankintakustannus", "retention_spend": "Pitokustannus",
               "margin": "Kate", "churned_on": "Poistumispäivä", "satisfaction": "Tyytyväisyys"}
    ledger = ledger[list(finnish)].rename(columns=finnish)
    for col in ("Hankintakustannus", "Pitokustannus", "Kate"):
        ledger[col] = ledger[col].str.replace(".", ",", regex=False)  # decimal commas
    path = tmp_path / "asiakkaat.csv"
    ledger.to_csv(path, sep=";", index=False, encoding="cp1252")
    mapping = tmp_path / "kartta.yaml"
    mapping.write_text("customers:\n  columns:\n" + "".join(
        f"    {k}: {v}\n" for k, v in finnish.items()), encoding="utf-8")
    done = run(["03", "06"], data={"customers": str(path)}, columns=str(mapping),
               out=tmp_path / "o", log=lambda _: None)
    assert all(r.ok for r in done), [r.error for r in done]
    records = results_of(tmp_path / "o")
    by_key = {(r["claim"], r["key"]): r for r in records}
    assert not any(r["synthetic"] for r in records if r["notebook"].startswith("03"))
    # 400 customers: satisfied customers clearly stay longer (HR 0.77 [0.69, 0.84]) ...
    assert by_key["RET-1", "satisfaction_hazard"]["verdict"] == "supported"
    # ... but the lifetime cost ratio 1.70 [0.89, 1.98] cannot yet say acquisition costs more
    cost = by_key["RET-1", "cost_ratio"]
    assert cost["verdict"] == "inconclusive" and cost["n_to_decide"] > 400
    assert by_key["RET-1", "claim"]["verdict"] == "inconclusive"
    assert by_key["RET-2", "winback_ratio"]["verdict"] == "not testable with these data"


def test_report_renders_in_a_real_browser(sample_report, tmp_path):
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (.ci/run installs it from the system packages)")
    out, _ = sample_report
    shot = tmp_path / "index.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1280,1600", f"--screenshot={shot}",
                    (out / "index.html").as_uri()], check=True, capture_output=True, timeout=120)
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)[..., :3]
    assert img.shape[:2] == (1600, 1280)
    grey = img.mean(axis=2)
    assert grey.std() > 0.05, "the page rendered blank"
    heading = grey[20:80, 40:700]
    assert (heading < 0.3).mean() > 0.02, "no dark heading text at the top left"
    note = img[100:200, 60:1200]  # the yellow synthetic-data note
    yellow = (note[..., 0] > 0.95) & (note[..., 1] > 0.9) & (note[..., 2] < 0.85)
    assert yellow.mean() > 0.3
    right_margin = grey[:, 1240:]
    assert right_margin.min() > 0.9, "content overflows to the right edge"


def test_slides_glossary_and_student_versions(sample_report, tmp_path):
    from cxlib.app.teaching import slide_count, student_version, write_student_versions

    out, done = sample_report
    for r in done:
        deck = out / "slides" / f"{r.name}.slides.html"
        assert deck.exists() and "reveal" in deck.read_text()[:20000].lower()
    assert "Cronbach" in (out / "glossary.html").read_text()
    assert 'href="glossary.html"' in (out / "01_service_quality_and_drivers.html").read_text()
    written = write_student_versions(tmp_path / "student")
    assert len(written) == len(BOOKS)
    for path in BOOKS[1:]:
        nb = nbformat.read(path, as_version=4)
        solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
        assert solutions, f"{path.stem} has no exercise solutions"
        assert slide_count(nb) >= 5
        student = student_version(nb)
        assert not [c for c in student.cells if "solution" in c.metadata.get("tags", [])]
        assert len(student.cells) == len(nb.cells)


def test_exercise_solutions_run_with_the_notebooks(sample_report):
    """Every solution cell ran in the sample run (students get hints; the solutions are
    still executed and checked, each to the end without an error)."""
    out, done = sample_report
    ran = 0
    for r in done:
        if "--" in r.name:  # evidence runs execute the same notebooks again
            continue
        for cell in nbformat.read(out / "notebooks" / f"{r.name}.ipynb", as_version=4).cells:
            if "solution" in cell.metadata.get("tags", []):
                assert cell.execution_count is not None, (r.name, cell.id)
                assert not [o for o in cell.outputs if o.output_type == "error"], cell.id
                ran += 1
    assert ran >= 2 * (len(BOOKS) - 1)


@pytest.mark.parametrize("path", BOOKS, ids=lambda p: p.stem)
def test_slide_metadata_is_current_and_glossary_linked(path):
    from cxlib.app.teaching import add_slide_metadata

    nb = nbformat.read(path, as_version=4)
    assert not add_slide_metadata(nb), "run cxlib.app.teaching.add_slide_metadata on the notebook"
    assert "glossary.md" in "".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_student_notebook_runs_headless(tmp_path):
    from cxlib.app.teaching import write_student_versions

    student = write_student_versions(tmp_path / "s", [BOOKS[3]])[0]
    done = run([str(student)], out=tmp_path / "o", log=lambda _: None)
    assert done[0].ok, done[0].error


def test_visit_and_contact_notebooks_run_on_german_user_files(tmp_path):
    import pandas as pd

    visits = pd.read_csv(data_dir() / "sample" / "visits.csv", dtype=str).head(1500)
    contacts = pd.read_csv(data_dir() / "sample" / "contacts.csv", dtype=str).head(1500)
    german = {"visits": {"visit_id": "Besuch", "customer_id": "Kunde", "visit_date": "Datum",
                         "quality": "Qualität", "churned_after": "abgewandert"},
              "contacts": {"contact_id": "Kontakt", "arrived_at": "Eingang",
                           "wait_seconds": "Wartezeit (s)", "channel": "Kanal"}}
    paths = {}
    for kind, frame in (("visits", visits), ("contacts", contacts)):
        paths[kind] = tmp_path / f"{kind}_de.csv"
        frame.rename(columns=german[kind]).to_csv(paths[kind], sep=";", index=False,
                                                  encoding="utf-8-sig")
    mapping = tmp_path / "zuordnung.yaml"
    mapping.write_text("".join(f"{kind}:\n  columns:\n" + "".join(
        f"    {k}: {v}\n" for k, v in cols.items()) for kind, cols in german.items()),
                       encoding="utf-8")
    done = run(["07", "08", "09"], data={k: str(v) for k, v in paths.items()},
               columns=str(mapping), out=tmp_path / "o", log=lambda _: None)
    assert all(r.ok for r in done), [r.error for r in done]
    records = {r["claim"]: r for r in results_of(tmp_path / "o") if r["scope"] == "figure"}
    assert not records["CON-1"]["synthetic"] and records["CON-1"]["value"] > 0
    assert not records["STD-1"]["synthetic"]
    assert not records["EXP-1"]["synthetic"]  # unmapped columns already named as cxlib's


def test_slider_builds_widgets_in_jupyter_and_a_note_headless(monkeypatch):
    """In Jupyter the panel is the cell's only figure (a static one drawn before it in the
    cell is dropped: no stale figure beside the live one), it starts at the notebook's
    values, and where widgets cannot show (the jupyterlab-rise slideshow) its text says
    where they move. Headless, the cell shows the figure at the starting values (drawn by
    the slider when the cell drew none) and a note naming them."""
    import ipywidgets
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import cxlib as cx

    monkeypatch.delenv("CXLIB_HEADLESS", raising=False)
    static = cx.widgets.clv_explorer().figure  # a static figure drawn first in the same cell
    panel = cx.widgets.slider(cx.widgets.clv_explorer, values={"margin": 50.0},
                              retention=(0.5, 0.95, 0.01))
    assert isinstance(panel, ipywidgets.interactive)
    assert static not in [plt.figure(n) for n in plt.get_fignums()]  # the panel draws its own
    sliders = [w for w in panel.children if isinstance(w, ipywidgets.FloatSlider)]
    assert len(sliders) == 1 and sliders[0].value == 0.8  # starts at the function's default
    assert panel.kwargs["margin"] == 50.0  # and the notebook's values
    shown = panel._repr_mimebundle_()["text/plain"]
    assert "notebook view" in shown and "FloatSlider" not in shown
    monkeypatch.setenv("CXLIB_HEADLESS", "1")
    plt.close("all")
    note = cx.widgets.slider(cx.widgets.clv_explorer, values={"margin": 50.0},
                             retention=(0.5, 0.95, 0.01)).markdown
    assert "JupyterLab's notebook view" in note and "retention 0.8" in note
    assert "above" not in note  # the figure it speaks of is "this figure", on the same slide


HOSTILE = "<img src=x onerror=alert(1)>"


class _LiveMarkup:
    """Collects what a browser would run from an HTML page or SVG file: event-handler
    attributes, javascript: URLs and script elements."""

    def __init__(self, html: str) -> None:
        from html.parser import HTMLParser

        self.handlers: list[str] = []
        self.scripts: list[str] = []
        found = self

        class Parser(HTMLParser):
            in_script = False

            def handle_starttag(self, tag, attrs):
                found.handlers += [f"<{tag} {k}=…>" for k, v in attrs if k.startswith("on")
                                   or (v or "").strip().lower().startswith("javascript:")]
                self.in_script = tag == "script"

            def handle_endtag(self, tag):
                self.in_script = False

            def handle_data(self, data):
                if self.in_script:
                    found.scripts.append(data)

        Parser().feed(html)


def test_hostile_file_column_and_label_names_are_escaped_in_every_page(tmp_path):
    """A file name, a column name and category labels that are HTML reach every page the run
    writes as text, never as markup (issue 15, item 4)."""
    import pandas as pd

    contacts = pd.read_csv(data_dir() / "sample" / "contacts.csv", dtype=str).head(1200)
    contacts.loc[contacts.index % 3 == 0, "channel"] = "<script>alert(2)</script>"
    contacts.loc[contacts.index % 3 == 1, "channel"] = "<b onmouseover=alert(3)>chat</b>"
    contacts["<svg onload=alert(4)>"] = "x"
    hostile = tmp_path / f"{HOSTILE}.csv"
    contacts.to_csv(hostile, index=False)
    out = tmp_path / "out"
    done = run(["00", "08"], data={"contacts": str(hostile)}, out=out, log=lambda _: None)
    assert all(r.ok for r in done), [r.error for r in done]
    pages = _pages_without_live_markup(out, [HOSTILE, "<script>alert(2)",
                                             "<b onmouseover=alert(3)>", "<svg onload=alert(4)>"])
    assert set(pages) >= {"index.html", "glossary.html", "08_service_standards.html",
                          "08_service_standards.slides.html", "STD-1.svg"}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;.csv" in index  # shown, as text
    for name in ("08_service_standards.html", "08_service_standards.slides.html"):
        # the labels do reach the notebook's page and deck, as text (so the scan above
        # looked at them rather than at pages they never reached)
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in pages[name], name
        assert "&lt;b onmouseover=alert(3)&gt;chat&lt;/b&gt;" in pages[name], name


def _pages_without_live_markup(out: Path, raw: list[str]) -> dict[str, str]:
    """Every page (.html) and figure (.svg) the run wrote under *out*, by file name, after
    checking that none holds live markup or any string of *raw* unescaped."""
    pages = {}
    for page in sorted([*out.rglob("*.html"), *out.rglob("*.svg")]):
        text = page.read_text(encoding="utf-8")
        live = _LiveMarkup(text)
        assert not live.handlers, f"{page.name}: {live.handlers[:3]}"
        assert not [s for s in live.scripts if "alert(" in s], page.name
        assert not [r for r in raw if r in text], page.name
        pages[page.name] = text
    return pages


def test_hostile_mapping_names_are_escaped_in_every_page(tmp_path):
    """What a mapping names reaches the pages too: construct names (in path labels, record
    figures, forest plots), the mapped column and the mapping file's name; a run on the ECSI
    survey whose mapping calls satisfaction, loyalty and quality by HTML names writes them
    as text everywhere (issue 15, item 4)."""
    import pandas as pd
    import yaml

    item, sat = "<img src=x onerror=alert(7)>", "<b onclick=alert(9)>SAT</b>"
    loy, qual = "<script>alert(10)</script>", "<iframe src=javascript:alert(11)>"
    survey = pd.read_csv(data_dir() / "real" / "mobi.csv").rename(columns={"CUSA1": item})
    data = tmp_path / "<svg onload=alert(12)>.csv"
    survey.to_csv(data, index=False)
    spec = yaml.safe_load((data_dir() / "mappings" / "mobi.yaml").read_text("utf-8"))["survey"]
    names = {"CUSA": sat, "CUSL": loy, "PERQ": qual}
    spec["columns"]["overall_sat"] = item
    spec["constructs"] = {names.get(k, k): v for k, v in spec["constructs"].items()}
    spec["paths"] = [" -> ".join(names.get(e.strip(), e.strip()) for e in p.split("->"))
                     for p in spec["paths"]]
    spec["roles"] = {k: names.get(v, v) for k, v in spec["roles"].items()}
    mapping = tmp_path / "<svg onload=alert(13)>.yaml"
    mapping.write_text(yaml.safe_dump({"survey": spec}, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    done = run(["02"], data={"survey": str(data)}, columns=str(mapping), out=out,
               log=lambda _: None)
    assert all(r.ok for r in done), [r.error for r in done]
    pages = _pages_without_live_markup(out, [item, "<b onclick=alert(9)>", "<script>alert(10)",
                                             qual, "<svg onload=alert(12)>",
                                             "<svg onload=alert(13)>"])
    assert set(pages) >= {"index.html", "02_satisfaction_to_loyalty.html",
                          "02_satisfaction_to_loyalty.slides.html", "LOY-1.svg"}
    # the construct names reach the index (PLS path record), the page and the deck as text
    for name in ("index.html", "02_satisfaction_to_loyalty.html",
                 "02_satisfaction_to_loyalty.slides.html"):
        assert "&lt;b onclick=alert(9)&gt;SAT&lt;/b&gt;" in pages[name], name
        assert "&lt;script&gt;alert(10)&lt;/script&gt;" in pages[name], name
    for name in ("02_satisfaction_to_loyalty.html", "02_satisfaction_to_loyalty.slides.html"):
        assert "&lt;iframe src=javascript:alert(11)&gt;" in pages[name], name
    assert "&lt;svg onload=alert(12)&gt;.csv" in pages["index.html"]
    assert "&lt;svg onload=alert(12)&gt;.csv" in pages["LOY-1.svg"]


def _chromium() -> str:
    import shutil

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (.ci/run installs it from the system packages)")
    return browser


def browser_probe(page, script: str, width: int = 1280, height: int = 800) -> dict:
    """Open *page* offline in headless Chromium, inside a frame of *width* × *height* CSS px,
    run *script* there once the page has loaded, and return the object it passes to
    ``report(obj)``. Every http(s) request goes to a dead proxy, so anything fetched from the
    network fails as it would in a classroom without internet."""
    import html
    import re
    import subprocess
    import tempfile

    probe = page.with_name(f"_probe_{page.name}")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", (
        "<script>function report(obj) { parent.postMessage(JSON.stringify(obj), '*'); }\n"
        f"window.addEventListener('load', function () {{ setTimeout(function () {{\n{script}\n"
        "}, 300); });</script></body>")), encoding="utf-8")
    frame = page.with_name(f"_frame_{page.name}")
    frame.write_text(
        "<!DOCTYPE html><html><body style='margin:0'><pre id='out'></pre>"
        f"<iframe src='{probe.name}' width='{width}' height='{height}' "
        "style='border:0'></iframe><script>window.addEventListener('message', function (e) "
        "{ document.getElementById('out').textContent = e.data; });</script></body></html>",
        encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9",
             f"--window-size={width + 40},{height + 200}", "--virtual-time-budget=8000",
             "--dump-dom", frame.as_uri()],
            check=True, capture_output=True, text=True, timeout=120).stdout
    probe.unlink()
    frame.unlink()
    found = re.search(r"<pre id=\"out\">(.*?)</pre>", dom, re.S)
    assert found and found[1], f"{page.name}: the probe reported nothing"
    return json.loads(html.unescape(found[1]))


_LESSON_PROBE = (Path(__file__).parent / "lesson_probe.js").read_text(encoding="utf-8")
"""What a teacher meets in a deck at the frame's size, slide by slide (reported as
``{ready, total, reached, slides: [{slide, title, findings, text_px}]}``): code or prompts
shown, lines cut at the right (an element past the slide's edge, or a box that hides or
scrolls what is wider than it), verdicts in monospace print output and monospace output
wrapped mid-line, slides taller than the screen, figure text under 18 px (from the size
of a figure's smallest text that the kernel measured, ``data-text-px``, and the figure's
scale on screen), a slide that ends on a lead-in (":"), a slide with next to nothing on
it, a sentence that points at a figure or table (or parameters, code) "above" or "below"
that is not on the slide, and the slides that pressing → from the first never reaches."""

_OVERFLOW_PROBE = """
var W = window.innerWidth, bad = [];
document.querySelectorAll('body *').forEach(function (e) {
  var r = e.getBoundingClientRect();
  if (r.width === 0 || r.right <= W + 1) return;
  for (var a = e.parentElement; a; a = a.parentElement) {
    var o = getComputedStyle(a).overflowX;
    if ((o === 'auto' || o === 'scroll') && a.getBoundingClientRect().right <= W + 1) return;
  }
  bad.push(e.tagName + '.' + e.className + ' ends at ' + Math.round(r.right) + ' px');
});
report({width: W, scrollWidth: document.documentElement.scrollWidth, bad: bad.slice(0, 5),
        height: document.documentElement.scrollHeight});
"""


def test_decks_work_offline_and_fit_their_slides(sample_report):
    """Every deck initialises reveal.js with the network off (reveal.js and the deck's layout
    script are copied beside the decks) and has a slide per block of its lesson."""
    out, done = sample_report
    assert (out / "slides" / "reveal" / "dist" / "reveal.js").exists()
    assert (out / "slides" / "reveal" / "dist" / "LICENSE").exists()
    assert (out / "slides" / "reveal" / "cxlib" / "cxlib-deck.js").exists()
    for r in done:
        deck = out / "slides" / f"{r.name}.slides.html"
        text = deck.read_text(encoding="utf-8")
        assert "https://" not in re.sub(r"/\*.*?\*/", "", text, flags=re.S).split(
            "<body")[0], f"{r.name}: the deck's head loads something from the network"
        assert "injected-parameters" not in text and "results_dir = " not in text


def deck_findings(deck: Path, width: int = 1280, height: int = 720) -> dict:
    """The lesson probe's findings for one deck: ``{"total", "reached", "problems"}``, the
    problems as "slide N (title): finding" lines."""
    found = browser_probe(deck, _LESSON_PROBE, width=width, height=height)
    assert found["ready"], f"{deck.name}: reveal.js did not initialise offline"
    problems = [f"slide {s['slide'] + 1} ({s['title'] or '…'}): {f}"
                for s in found["slides"] for f in s["findings"]]
    return {"total": found["total"], "reached": found["reached"], "problems": problems,
            "text_px": [s["text_px"] for s in found["slides"] if s["text_px"]]}


def test_every_deck_presents_the_lesson_at_1280x720(sample_report):
    """Issue 24, done when: every deck of the default report, opened offline on a
    1280 × 720 projector, shows no code, cuts no line at the right, shows no verdict as
    monospace print output and wraps no monospace output, has no slide taller than the
    screen, keeps every figure's text at 18 px or more, ends no slide on a lead-in, has
    no near-empty slide, points at no figure or table that is not on the slide, and the
    right arrow (a clicker's "next") reaches every slide from the first. Before (integ,
    2025-12): 03 had 20 of 34 slides with code, 9 taller than the screen, 4 monospace
    verdicts, and → reached 7 of 34 slides."""
    out, done = sample_report
    figures = 0
    for r in done:
        found = deck_findings(out / "slides" / f"{r.name}.slides.html")
        assert found["total"] >= 8, r.name
        assert found["reached"] == found["total"], (r.name, found["reached"], found["total"])
        assert not found["problems"], f"{r.name}:\n" + "\n".join(found["problems"])
        figures += len(found["text_px"])
    assert figures >= 40  # figure text was measured on the decks' figures


def test_a_teachers_deck_shows_the_code_without_cutting_it(sample_report, tmp_path):
    """``cxlib run --slides-with-code``: the analysis code stands before its outputs, wrapped
    so that no line runs off the slide, and the slides still fit."""
    from cxlib.app.pages import write_slides

    out, _ = sample_report
    deck = tmp_path / "slides" / "03_economics_of_retention.slides.html"
    write_slides(out / "notebooks" / "03_economics_of_retention.ipynb", deck, with_code=True)
    assert "celltag_cx-code" in deck.read_text(encoding="utf-8")
    found = deck_findings(deck)
    shown = [p for p in found["problems"] if ": code shown: " in p]
    assert len(shown) >= 10  # the analysis cells' code
    others = [p for p in found["problems"] if ": code shown: " not in p]
    assert not others and found["reached"] == found["total"], others


@pytest.mark.parametrize("width", [390, 768, 1280])
def test_report_pages_fit_a_phone_a_tablet_and_a_projector(sample_report, width):
    """No page overflows horizontally: wide tables reflow (the claims table becomes cards)
    or scroll inside their own box. The index, the glossary and every notebook's page (the
    evidence runs' pages are the same notebooks again)."""
    out, done = sample_report
    for page in [out / "index.html", out / "glossary.html",
                 *(out / f"{r.name}.html" for r in done if "--" not in r.name)]:
        found = browser_probe(page, _OVERFLOW_PROBE, width=width, height=844)
        assert found["width"] == width
        assert found["scrollWidth"] <= width and not found["bad"], (page.name, found)


def _cxlib_calls(source: str) -> set[str]:
    """The cxlib functions a cell calls, as written (``cx.clv.retention_uplift``)."""
    import ast

    calls = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = ast.unparse(node.func)
            if name.startswith("cx."):
                calls.add(name)
    return calls


@pytest.mark.parametrize("path", BOOKS, ids=lambda p: p.stem)
def test_every_exercise_has_a_hint_that_does_not_give_the_answer(path):
    """Each solution carries a hand-written hint (cell metadata ``hint``); the hint repeats no
    line of the solution's code and not its first comment; every cxlib function the solution
    calls is shown in the notebook body or named in the hint; the student gets the hint."""
    from cxlib.app.teaching import exercise_number, student_version

    nb = nbformat.read(path, as_version=4)
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    body = "\n".join(c.source for c in nb.cells
                     if c.cell_type == "code" and c not in solutions)
    assert solutions
    for cell in solutions:
        hint = cell.metadata.get("hint", "")
        assert len(hint) > 30, f"{cell.id}: no hint"
        first, *code = cell.source.splitlines()
        comment = first.split(":", 1)[1].strip() if ":" in first else ""
        assert not comment or comment[:40] not in hint, f"{cell.id}: the hint states the answer"
        for line in code:
            line = line.strip()
            if len(line) > 12 and not line.startswith("#"):
                assert line not in hint, f"{cell.id}: the hint contains the code {line!r}"
        for call in _cxlib_calls(cell.source):
            name = call.rsplit(".", 1)[1]
            assert name in body or name in hint, f"{cell.id}: {call} is neither shown nor hinted"
        assert exercise_number(cell)
    student = student_version(nb)
    answers = [c for c in student.cells if "exercise" in c.metadata.get("tags", [])]
    assert len(answers) == len(solutions)
    for answer, solution in zip(answers, solutions, strict=True):
        assert "Hint:" in answer.source
        first = solution.source.splitlines()[0]
        assert first not in answer.source  # today: "# Your answer to exercise 2: <the answer>"
        assert not _cxlib_calls(answer.source)  # comments only, no code



def _cx_object(dotted: str):
    """The cxlib object a dotted name ``cx.a.b`` names (AttributeError if none)."""
    import cxlib

    obj = cxlib
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def _hint_problems(nb) -> list[str]:
    """What is wrong with a notebook's hints, followed literally: a call written with its
    arguments (the answer, not a pointer to it), a formula (an "=" between words), a cxlib
    name that does not exist, or a name in backticks that the notebook does not define or
    show before the exercise and that is no attribute or parameter of a cxlib object the
    hint names."""
    import builtins
    import inspect

    problems, seen = [], ""
    for cell in nb.cells:
        if "solution" not in cell.metadata.get("tags", []):
            seen += "\n" + cell.source
            continue
        hint = cell.metadata.get("hint", "")
        code = re.findall(r"`([^`]+)`", hint)
        named = []
        for token in code:
            for dotted in re.findall(r"\bcx(?:\.\w+)+", token):
                try:
                    named.append(_cx_object(dotted))
                except AttributeError:
                    problems.append(f"{cell.id}: {dotted} does not exist")
            if re.search(r"\bcx(?:\.\w+)+\([^)]", token):
                problems.append(f"{cell.id}: the hint writes the call {token!r}")
        prose = re.sub(r"`[^`]*`|\([^)]*\)|\[[^]]*\]", "", hint)
        if re.search(r"\w\s*[=×÷]\s*\w", prose):
            problems.append(f"{cell.id}: the hint states a formula: {hint[:80]!r}")
        known = set()
        for obj in named:
            known |= set(dir(obj))
            if callable(obj):
                with contextlib.suppress(TypeError, ValueError):
                    known |= set(inspect.signature(obj).parameters)
        for token in code:
            name = token.split(".")[0].rstrip("=")
            if (re.fullmatch(r"[A-Za-z_]\w*", name) and name not in ("cx", "np", "pd")
                    and not hasattr(builtins, name)
                    and not re.search(rf"\b{re.escape(name)}\b", seen) and name not in known):
                problems.append(f"{cell.id}: `{name}` is neither in the notebook before the "
                                "exercise nor part of what the hint names")
    return problems


@pytest.mark.parametrize("path", BOOKS, ids=lambda p: p.stem)
def test_every_hint_points_to_what_exists_without_giving_the_answer(path):
    """Issue 24: a hint points to the idea and where to look, never the call or the formula,
    and followed literally it leads to a working answer: every cxlib name it gives exists,
    and every other name it puts in backticks is defined or shown in the notebook before the
    exercise (or belongs to what it names). That each solution then runs is
    test_exercise_solutions_run_with_the_notebooks."""
    problems = _hint_problems(nbformat.read(path, as_version=4))
    assert not problems, "\n".join(problems)


def test_glossary_terms_have_anchors_and_every_link_resolves():
    """Every glossary term opens with an anchor; every ``glossary.md#term`` link in a notebook
    points to one."""
    from cxlib.app.catalogue import notebooks_dir

    text = (notebooks_dir() / "glossary.md").read_text(encoding="utf-8")
    terms = re.findall(r"^(?:<a id=\"([a-z0-9-]+)\"></a>)?\*\*(.+?)\*\*", text, re.M)
    assert len(terms) >= 38 and all(anchor for anchor, _ in terms), \
        [t for a, t in terms if not a]
    anchors = [a for a, _ in terms]
    assert len(set(anchors)) == len(anchors)
    for needed in ("odds-ratio", "p-value", "r2", "standardised-coefficient", "wald-interval",
                   "goodman-intervals", "covariance-sem", "band-of-practical-equivalence",
                   "inconclusive"):
        assert needed in anchors
    links = set()
    for path in BOOKS:
        nb = nbformat.read(path, as_version=4)
        text = json.dumps([c.source for c in nb.cells] + [c.metadata.get("hint", "")
                                                          for c in nb.cells])
        links |= set(re.findall(r"glossary\.md#([\w-]+)", text))
    assert links and links <= set(anchors), links - set(anchors)


def test_glossary_links_work_from_pages_decks_and_executed_notebooks(sample_report):
    out, _ = sample_report
    anchors = set(re.findall(r'id="([\w-]+)"', (out / "glossary.html").read_text()))
    assert {"odds-ratio", "p-value", "r2"} <= anchors
    assert (out / "notebooks" / "glossary.md").exists()  # executed notebooks link glossary.md
    linked = 0
    for page in [*out.glob("*.html"), *(out / "slides").glob("*.html")]:
        text = page.read_text(encoding="utf-8")
        assert 'href="glossary.md' not in text, page.name
        prefix = "../" if page.parent.name == "slides" else ""
        for fragment in re.findall(rf'href="{prefix}glossary\.html(?:#([\w-]*))?"', text):
            assert not fragment or fragment in anchors, (page.name, fragment)
            linked += 1
    assert linked >= 22  # every page and deck


_FETCHING = {"script": "src", "img": "src", "iframe": "src", "source": "src", "video": "src",
             "audio": "src", "embed": "src", "link": "href", "object": "data"}
"""The elements whose address a browser fetches, and the attribute that holds it."""


class _PageParts:
    """What an HTML page asks a browser to fetch (script, stylesheet, image, frame, media
    and ``<link>`` addresses, CSS ``url()`` and ``@import`` in its style elements), its
    links (``<a href>``), ids, title, and the alt text of every image."""

    def __init__(self, html: str) -> None:
        from html.parser import HTMLParser

        self.fetched: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.alts: list[str | None] = []
        self.title = ""
        found, styles = self, []

        class Parser(HTMLParser):
            where = ""

            def handle_starttag(self, tag, attrs):
                attrs = dict(attrs)
                self.where = tag
                if tag in _FETCHING and attrs.get(_FETCHING[tag]):
                    found.fetched.append(attrs[_FETCHING[tag]].strip())
                if tag == "a" and attrs.get("href"):
                    found.links.append(attrs["href"].strip())
                if attrs.get("id"):
                    found.ids.add(attrs["id"])
                if tag == "img":
                    found.alts.append(attrs.get("alt"))
                if attrs.get("style"):
                    styles.append(attrs["style"])

            def handle_endtag(self, tag):
                self.where = ""

            def handle_data(self, data):
                if self.where == "title":
                    found.title += data
                elif self.where == "style":
                    styles.append(data)

        Parser().feed(html)
        css = re.sub(r"/\*.*?\*/", "", "\n".join(styles), flags=re.S)
        self.fetched += re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
        self.fetched += re.findall(r"@import\s+['\"]([^'\"]+)", css)


_NETWORK = re.compile(r"^(?:[a-z][\w+.-]*:)?//", re.I)  # http://, https://, //cdn…


def test_no_page_or_deck_fetches_anything_from_the_network(sample_report):
    """Nothing in the report is fetched from a CDN: no script, stylesheet, image, frame or
    CSS import of any page or deck (index, glossary, notebook pages, decks) and no CSS file
    copied beside them has a network address, and every local one resolves to a file."""
    from urllib.parse import unquote, urlsplit

    out, _ = sample_report
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 2 + 2 * len(BOOKS)
    decks_with_reveal = 0
    for page in pages:
        parts = _PageParts(page.read_text(encoding="utf-8"))
        remote = [u for u in parts.fetched if _NETWORK.match(u)]
        assert not remote, f"{page.relative_to(out)} fetches {remote[:3]}"
        for url in parts.fetched:
            if url.startswith(("data:", "#")):
                continue
            target = page.parent / unquote(urlsplit(url).path)
            assert target.is_file(), f"{page.relative_to(out)}: {url} is missing"
        decks_with_reveal += "reveal/dist/reveal.js" in parts.fetched
    assert decks_with_reveal == len(list((out / "slides").glob("*.slides.html")))
    for sheet in out.rglob("*.css"):
        css = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        imports = re.findall(r"url\(\s*['\"]?([^'\")]+)", css) + re.findall(
            r"@import\s+['\"]([^'\"]+)", css)
        assert not [u for u in imports if _NETWORK.match(u)], sheet.relative_to(out)


def test_every_link_in_pages_and_decks_resolves(sample_report):
    """Every relative link of every page and deck leads to a file of the report, and every
    fragment to an id on the page it names (glossary terms, claims in the index)."""
    from urllib.parse import unquote, urlsplit

    out, _ = sample_report
    parsed = {page: _PageParts(page.read_text(encoding="utf-8"))
              for page in out.rglob("*.html")}
    checked = 0
    for page, parts in parsed.items():
        for link in parts.links:
            if _NETWORK.match(link) or link.startswith(("mailto:", "#")):
                continue  # links out (references) and in-deck navigation
            url = urlsplit(link)
            target = (page.parent / unquote(url.path)).resolve()
            assert target.exists(), f"{page.relative_to(out)}: {link} leads nowhere"
            if url.fragment and target.suffix == ".html":
                assert url.fragment in parsed[target].ids, (page.relative_to(out), link)
            checked += 1
    assert checked >= 4 * len(BOOKS)


def test_pages_and_decks_are_titled_linked_back_and_describe_every_figure(sample_report):
    """Each notebook's page and deck carry its title (before: every page was "Notebook"),
    a link back to the report and no parameters cell; every figure has a title, and its
    image the figure's description as alt text (before: "No description has been provided",
    then "<Figure size 800x450 with 1 Axes>")."""
    out, done = sample_report
    figures = 0
    for r in done:
        for page, home in ((out / f"{r.name}.html", "index.html"),
                           (out / "slides" / f"{r.name}.slides.html", "../index.html")):
            text = page.read_text(encoding="utf-8")
            parts = _PageParts(text)
            assert parts.title.startswith(r.title), (page.name, parts.title)
            # parameters and papermill's injected cell (with the build paths) left out
            assert "injected-parameters" not in text and "results_dir = " not in text
            assert home in parts.links, page.name
            for alt in parts.alts:
                assert alt and alt.startswith("Figure: "), (page.name, alt)
                panels = alt.removeprefix("Figure: ").split(" | ")
                assert all(p and not p.startswith(("x:", "y:")) for p in panels) \
                    and "without title" not in alt, (page.name, alt)
                figures += 1
    assert figures >= 40
    index = _PageParts((out / "index.html").read_text(encoding="utf-8"))
    assert index.alts and all(alt and len(alt) > 20 for alt in index.alts)  # forest plots


@pytest.mark.parametrize("name", [p.stem for p in BOOKS])
def test_executed_notebooks_show_no_stderr_warnings_reprs_or_nan(sample_report, name):
    """Scan every executed notebook for stderr boxes, warnings, raw reprs (``ResultRecord(…)``,
    ``<Axes: …>``), pandas footers (``dtype:``, ``Name:``), dicts printed raw, NaN and
    "p = 0" (:func:`cxlib.app.output_check.output_problems`)."""
    from cxlib.app.output_check import output_problems

    out, _ = sample_report
    problems = output_problems(nbformat.read(out / "notebooks" / f"{name}.ipynb", as_version=4))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", BOOKS, ids=lambda p: p.stem)
def test_dollar_signs_in_markdown_are_escaped(path):
    """JupyterLab renders a $…$ pair as maths ("winning back $1 … costs $10" became
    "winning back 1*fromalostcustomercosts*10", and so did \\$1 … \\$10, checked in
    JupyterLab 4.6); notebook Markdown writes \\\\$ (cxlib.stats.formatting.MD_DOLLAR)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            bare = re.findall(r"(?:^|[^\\])(\\*)\$", cell.source)
            assert all(len(slashes) == 2 for slashes in bare), cell.get("id")
    assert nb.metadata.get("rise", {}).get("scroll") is True  # presenting from JupyterLab


def test_pages_and_decks_show_dollar_signs_as_dollars(sample_report):
    out, _ = sample_report
    for page in (out / "03_economics_of_retention.html",
                 out / "slides" / "03_economics_of_retention.slides.html"):
        text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
        assert "winning back $1 from a lost customer costs $10" in text, page.name
        assert "\\$" not in text, page.name


class _RenderedText:
    """The text JupyterLab shows as rendered Markdown and HTML (Markdown cells and rich
    outputs), without the editors' source text."""

    def __init__(self, dom: str) -> None:
        from html.parser import HTMLParser

        self.parts: list[str] = []
        found = self
        void = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area"}
        stack: list[bool] = []  # per open element: inside rendered Markdown or HTML?

        class Parser(HTMLParser):
            def handle_starttag(self, tag, attrs):
                if tag in void:
                    return
                cls = dict(attrs).get("class") or ""
                inside = bool(stack and stack[-1])
                stack.append(inside or "jp-RenderedMarkdown" in cls
                                  or "jp-RenderedHTMLCommon" in cls)

            def handle_endtag(self, tag):
                if tag not in void and stack:
                    stack.pop()

            def handle_data(self, data):
                if stack and stack[-1]:
                    found.parts.append(data)

        Parser().feed(dom)
        self.text = " ".join("".join(self.parts).split())


def test_jupyterlab_renders_notebook_03s_claim_with_dollars(sample_report, tmp_path):
    """Issue 13, done when: JupyterLab renders notebook 03's claim correctly. The executed
    notebook is opened in JupyterLab (the version installed with cxlib) in headless
    Chromium; its MathJax typesets the rendered page, where "$1 … $10" became
    "1*fromalostcustomercosts*10". The claim sentence and the claim card's heading read
    with their dollar signs, and no escaping backslash shows. The page also loads the
    jupyterlab-rise extension (presenting from JupyterLab)."""
    import html
    import os
    import shutil
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    browser = _chromium()
    out, _ = sample_report
    lab = tmp_path / "lab"
    lab.mkdir()
    shutil.copy(out / "notebooks" / "03_economics_of_retention.ipynb", lab / "03.ipynb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
         f"--port={port}", "--ip=127.0.0.1", "--IdentityProvider.token=",
         "--ServerApp.password=", f"--ServerApp.root_dir={lab}", "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/lab", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within a minute")
        dom = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-proxy-server",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,2000",
             "--virtual-time-budget=30000", "--dump-dom",
             f"http://127.0.0.1:{port}/lab/tree/03.ipynb"],
            check=True, capture_output=True, text=True, timeout=180).stdout
    finally:
        server.terminate()
        server.wait(timeout=60)
    config = json.loads(html.unescape(re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', dom,
        re.S)[1]))
    loaded = {e["name"] for e in config["federated_extensions"]}
    assert "jupyterlab-rise" in loaded  # presenting from JupyterLab: the RISE extension
    assert not [d for d in config.get("disabledExtensions", []) if "rise" in d.lower()]
    shown = _RenderedText(dom).text
    assert "Data requirements" in shown, "JupyterLab rendered no Markdown"
    at = shown.lower().find("winning back")
    assert "winning back $1 from a lost customer costs $10" in shown, shown[at:at + 80]
    assert "RET-2 — Winning back $1 costs $10." in shown  # the claim card, an output
    assert "\\$" not in shown and "fromalostcustomercosts" not in shown
