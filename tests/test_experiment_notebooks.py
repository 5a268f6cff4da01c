"""Notebooks 10 and 04 on the new data kinds: REL-1 on an experiment file (the sample's, and
TipJoke in its evidence run), and the BG/BB section of notebook 04 on the donor panel and on
a user's own customer summary."""

from __future__ import annotations

import json
from collections import Counter

import nbformat
import pytest
from conftest import results_of

from cxlib.app.output_check import output_problems
from cxlib.app.runner import run
from cxlib.data.datasets import data_dir
from cxlib.data.sample import planted

pytestmark = pytest.mark.notebooks


def outputs(path) -> str:
    cells = nbformat.read(path, as_version=4).cells
    return "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for c in cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_notebook_10_runs_on_the_sample_and_on_tipjoke_beside_it(tmp_path):
    """A default run of notebook 10: the sample, and the evidence run on TipJoke, whose
    records from the sample (INT-1 and REL-2 read the sample's survey) are left out."""
    done = run(["10"], out=tmp_path, jobs=1, log=lambda _: None)
    assert [r.name for r in done] == ["10_people_and_relationships",
                                      "10_people_and_relationships--tipjoke"]
    assert all(r.ok for r in done), [r.error for r in done]
    records = results_of(tmp_path)
    twice = [k for k, n in Counter((r["claim"], r["key"], r["data"]) for r in records).items()
             if n > 1]
    assert not twice, twice
    tip = {r["key"]: r for r in records if r["data"] == "tipjoke.csv"}
    assert set(tip) == {"itt_lift", "gesture_lift", "claim"}
    assert tip["gesture_lift"]["value"] == pytest.approx(30 / 72 - 16 / 65)
    assert tip["gesture_lift"]["grade"] == "randomised comparison"
    assert tip["gesture_lift"]["supplementary"]
    assert tip["gesture_lift"]["figure"] == ("lift in the share who tip from a joke card given "
                                             "with the bill (nearest field experiment)")
    # a proxy whose band could not be declared before its data were seen: no verdict
    assert tip["gesture_lift"]["verdict"] == "shown without a verdict"
    assert "a proxy experiment" in tip["gesture_lift"]["reason"]
    for key in ("itt_lift", "claim"):  # the claim's own figure, and so the claim, not testable
        assert tip[key]["verdict"] == "not testable with these data", tip[key]
        assert "not the effect of a thank-you note on buying again" in tip[key]["reason"]
    datasets = json.loads((tmp_path / "datasets.json").read_text())
    evidence = [d for d in datasets if d["notebook"].endswith("--tipjoke")]
    assert [d["file"].rsplit("/", 1)[-1] for d in evidence] == ["tipjoke.csv"]
    executed = tmp_path / "notebooks" / "10_people_and_relationships--tipjoke.ipynb"
    shown = outputs(executed)
    assert "+0.171 [+0.012, +0.316]" in shown and "(the control)" in shown
    assert not output_problems(nbformat.read(executed, as_version=4))
    assert "TipJoke field experiment" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_notebook_10_runs_rel1_on_the_experiment_sample_as_a_user_file(tmp_path):
    mapping = tmp_path / "experiment.yaml"
    mapping.write_text("experiment:\n  covariates: [prior_purchases]\n  synthetic: true\n",
                       encoding="utf-8")
    done = run(["10"], data={"experiment": str(data_dir() / "sample" / "experiment.csv")},
               columns=str(mapping), out=tmp_path / "out", log=lambda _: None)
    assert done[0].ok, done[0].error
    (lift,) = [r for r in results_of(tmp_path / "out")
               if r["key"] == "itt_lift" and r["data"] == "experiment.csv"]
    assert lift["synthetic"] and lift["ci_low"] <= planted("experiment.lift") <= lift["ci_high"]
    assert "Lin 2013" in lift["method"] and "block" in lift["method"]


def test_notebook_04_fits_bgbb_to_the_donor_panel_and_a_users_summary(tmp_path):
    donors = data_dir() / "real" / "donations.csv"
    done = run(["04"], data={"summary": str(donors)},
               columns=str(data_dir() / "mappings" / "donations.yaml"), out=tmp_path,
               log=lambda _: None)
    assert done[0].ok, done[0].error
    executed = tmp_path / "notebooks" / "04_repeat_business.ipynb"
    shown = outputs(executed)
    assert "largest difference from the published estimates: 0.0005" in shown
    assert "expected gifts from this cohort in the next five years: 12,884" in shown
    assert shown.count("BG/BB(alpha=1.204, beta=0.7497, gamma=0.6567, delta=2.783") == 2
    assert not output_problems(nbformat.read(executed, as_version=4))
    (rep,) = [r for r in results_of(tmp_path)
              if r["data"] == "donations.csv" and r["key"] == "repeat_share"]
    assert rep["verdict"] == "not testable with these data"
    assert "single acquisition cohort" in rep["reason"]
