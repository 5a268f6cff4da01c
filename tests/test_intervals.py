"""Interval reports of a queue (the ``intervals`` kind, issue 21): validation with clear
messages, the service level and patience against R (tests/reference/queue_intervals.R), the
staffing by time of day against Erlang C, the sample generator against what it plants, and
notebook 08 on an interval file and on the bundled bank call-centre data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import results_of

from cxlib.analyses import intervals as iv
from cxlib.app.cli import main
from cxlib.data import sample
from cxlib.data.datasets import data_dir, load_data
from cxlib.data.derived import time_of_day
from cxlib.data.mapping import load_mapping
from cxlib.errors import NotEstimable, UserDataError
from cxlib.notebook import readings
from cxlib.stats import queues

REFERENCE = Path(__file__).parent / "reference"
R = json.loads((REFERENCE / "queue_intervals.json").read_text())
BANK = data_dir() / "real" / "bank_calls.csv.gz"
BANK_MAPPING = data_dir() / "mappings" / "bank_calls.yaml"


def crafted() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "queue_intervals.csv", parse_dates=["interval_start"])


def report_rows(days: int = 3, per_day: int = 4, minutes: int = 15) -> pd.DataFrame:
    """A small, valid interval report as a user would export it."""
    rows = []
    for d in range(days):
        for k in range(per_day):
            start = pd.Timestamp("2024-05-06") + pd.Timedelta(days=d, minutes=8 * 60 + k * minutes)
            rows.append({"Interval": start.strftime("%Y-%m-%d %H:%M"), "Calls Offered": 40 + k,
                         "Calls Handled": 38 + k, "Abandoned": 2, "In SL": 30 + k,
                         "AHT": 241.5, "ASA": 12.0})
    return pd.DataFrame(rows)


COLUMNS = ("intervals:\n  columns:\n    interval_start: Interval\n    offered: Calls Offered\n"
           "    answered: Calls Handled\n    abandoned: Abandoned\n    answered_within: In SL\n"
           "    handle_seconds: AHT\n    asa_seconds: ASA\n")


def refused(path, columns) -> str:
    with pytest.raises(UserDataError) as info:
        load_data("intervals", path, columns)
    message = info.value.message
    assert path.name in message
    return message


# --- validation -------------------------------------------------------------------------

def test_an_interval_report_with_its_mapping_loads(write, mapping):
    ds = load_data("intervals", write(report_rows()), mapping(
        COLUMNS + "  interval_minutes: 15\n  threshold_seconds: 20\n"))
    assert len(ds) == 12 and ds.report.rows_dropped == 0
    assert (ds.mapping.interval_minutes, ds.mapping.threshold_seconds) == (15, 20)
    assert ds.design.key == "queue intervals" and ds.design.ceiling.key == "description"
    assert ds.frame["interval_start"].dtype.kind == "M"


def test_the_interval_length_is_detected_and_said_when_not_declared(write, mapping):
    ds = load_data("intervals", write(report_rows(minutes=30)), mapping(COLUMNS))
    note = " ".join(ds.report.warnings)
    assert "most often 30 minutes apart" in note and "interval_minutes: 30" in note
    assert iv.interval_length(ds.frame) == 30


def test_answered_within_more_than_answered_is_refused(write, mapping):
    frame = report_rows()
    frame.loc[2, "In SL"] = 99
    msg = refused(write(frame), mapping(COLUMNS))
    assert "'answered_within' (your column 'In SL')" in msg
    assert "larger than 'answered' on the same row" in msg
    assert re.search(r"'?99'? \(row 4\)", msg)  # the file's row number, as a spreadsheet


def test_a_repeated_interval_is_refused(write, mapping):
    frame = pd.concat([report_rows(), report_rows().iloc[[5]]], ignore_index=True)
    msg = refused(write(frame), mapping(COLUMNS))
    assert "row that repeats the start of an earlier interval" in msg and "(row 14)" in msg


def test_a_repeated_start_in_another_queue_is_not_a_repeat(write, mapping):
    frame = pd.concat([report_rows().assign(Skill="sales"), report_rows().assign(Skill="help")],
                      ignore_index=True)
    ds = load_data("intervals", write(frame), mapping(COLUMNS + "    queue: Skill\n"))
    assert len(ds) == 24
    pattern = iv.arrival_pattern(ds.frame, 15)
    assert pattern.table.index.names == ["queue", "time"] and len(pattern) == 8


def test_intervals_closer_than_declared_are_refused(write, mapping):
    msg = refused(write(report_rows(minutes=5)), mapping(COLUMNS + "  interval_minutes: 15\n"))
    assert "less than the declared interval_minutes (15)" in msg and "would overlap" in msg


def test_negative_counts_and_a_missing_offered_column_are_refused(write, mapping):
    frame = report_rows()
    frame.loc[1, "Calls Offered"] = -3
    assert "outside the allowed range ≥ 0" in refused(write(frame), mapping(COLUMNS))
    msg = refused(write(report_rows().drop(columns=["Calls Offered"])), mapping(
        COLUMNS.replace("    offered: Calls Offered\n", "")))
    assert "missing required column(s) 'offered'" in msg


def test_a_file_that_cannot_show_its_interval_length_is_refused(write, mapping):
    msg = refused(write(report_rows(days=3, per_day=1)), mapping(COLUMNS))
    assert "interval length is not declared" in msg and "interval_minutes: 15" in msg


@pytest.mark.parametrize(("text", "says"), [
    ("interval_minutes: five\n", "'interval_minutes:' must be the length of one interval"),
    ("interval_minutes: 0\n", "a number > 0"),
    ("threshold_seconds: -5\n", "'threshold_seconds:' must be the service-level threshold"),
    ("default_handle_seconds: [240]\n", "'default_handle_seconds:' must be the average handle"),
])
def test_queue_keys_of_the_wrong_form_are_refused(mapping, text, says):
    with pytest.raises(UserDataError, match=says.replace("(", r"\(").replace(")", r"\)")):
        load_mapping(mapping(text), "intervals")


def test_queue_keys_belong_to_interval_files_only(mapping):
    with pytest.raises(UserDataError, match="'threshold_seconds:' applies to intervals files"):
        load_mapping(mapping("threshold_seconds: 20\n"), "contacts")


def test_cli_validates_an_interval_file_with_its_mapping(capsys, write, mapping):
    path = write(report_rows())
    assert main(["validate", "intervals", str(path), "--columns",
                 str(mapping(COLUMNS + "  interval_minutes: 15\n"))]) == 0
    assert "rows read: 12; kept: 12" in capsys.readouterr().out
    assert main(["validate", "intervals", str(BANK), "--columns", str(BANK_MAPPING)]) == 0
    out = capsys.readouterr().out
    assert "rows read: 27,716; kept: 27,716" in out and "interval_minutes" in out  # ignored
    bad = report_rows()
    bad.loc[0, "In SL"] = 500
    assert main(["validate", "intervals", str(write(bad, "bad.csv")), "--columns",
                 str(mapping(COLUMNS))]) == 2
    err = capsys.readouterr().err
    assert "larger than 'answered'" in err and "Traceback" not in err


# --- service level and patience against R ------------------------------------------------

@pytest.mark.parametrize("basis", ["offered", "answered"])
def test_service_level_and_its_day_clustered_interval_match_r(basis):
    est = iv.service_level(crafted(), 20, basis=basis)
    ref = R[basis]
    assert est.value == pytest.approx(ref["value"], rel=1e-8)
    assert (est.ci_low, est.ci_high) == pytest.approx((ref["low"], ref["high"]), rel=1e-8)
    assert est.clusters == R["days"] == 12 and "t(11)" in est.method


def test_service_level_by_hand():
    """SL = Σ within / Σ offered; the CR1 variance of its logit is G/(G−1)·Σ_d S_d² / I²."""
    d = crafted()
    sl = d["answered_within"].sum() / d["offered"].sum()
    scores = (d["answered_within"] - sl * d["offered"]).groupby(d["day"]).sum()
    info = d["offered"].sum() * sl * (1 - sl)
    se = np.sqrt(12 / 11 * (scores ** 2).sum()) / info
    assert se == pytest.approx(R["offered"]["se_logit"], rel=1e-8)
    assert iv.service_level(d, 20).value == pytest.approx(sl, rel=1e-15)


def test_patience_matches_the_poisson_rate_model_in_r():
    est = iv.patience(crafted())
    ref = R["patience"]
    assert est.value == pytest.approx(ref["value"], rel=1e-8)
    assert (est.ci_low, est.ci_high) == pytest.approx((ref["low"], ref["high"]), rel=1e-8)
    assert "average time to abandon" in est.method


def test_patience_without_the_time_to_abandon_says_its_assumption():
    d = crafted().drop(columns=["abandon_seconds"])
    est = iv.patience(d)
    waits = (d["answered"] + d["abandoned"]) * d["asa_seconds"]
    assert est.value == pytest.approx(waits.sum() / d["abandoned"].sum())
    assert "assumed" in est.method


def test_the_standard_needs_the_files_threshold_to_be_the_standard():
    d = crafted()
    with pytest.raises(NotEstimable, match="counts calls answered within 20 s; the standard"):
        iv.within_standard(d, 20, 30)
    with pytest.raises(NotEstimable, match="threshold_seconds"):
        iv.within_standard(d, None, 30)
    assert iv.within_standard(d, 30, 30).value == pytest.approx(R["offered"]["value"], rel=1e-8)
    with pytest.raises(NotEstimable, match="holds no waits"):
        iv.within_standard(d.drop(columns=["answered_within"]), 30, 30)


def test_too_few_days_or_a_perfect_share_are_not_estimable():
    d = crafted()
    with pytest.raises(NotEstimable, match=r"only 3 clusters of days; .* at least 10"):
        iv.service_level(d[d["day"].isin(["d01", "d02", "d03"])], 20)
    with pytest.raises(NotEstimable, match="every call offered was answered within"):
        iv.service_level(d.assign(answered_within=d["offered"]), 20)
    with pytest.raises(NotEstimable, match="no caller hung up"):
        iv.patience(d.assign(abandoned=0))


# --- staffing by time of day ---------------------------------------------------------------

def test_staffing_by_time_of_day_is_erlang_c_at_each_times_mean_rate():
    d = crafted()
    pattern = iv.arrival_pattern(d, 15)
    times = d.assign(t=time_of_day(d)).groupby("t")["offered"].mean()
    assert pattern.table["mean offered"].to_dict() == pytest.approx(times.to_dict())
    plan = iv.staffing(pattern, d, 15, [(20, 0.8), (30, 0.99)], default_handle=300)
    source = plan.handle_source
    assert source == "assumed in the mapping (default_handle_seconds), not in the data"
    assert "Handle time 300 s: assumed in the mapping" in readings.busiest(plan)
    assert plan.notes == (f"handle time: {source}",) and f"Note: handle time: {source}" in str(plan)
    for time, row in plan.table.iterrows():
        rate = times[time] / 900
        assert row["C: 80% in 20 s"] == queues.agents_needed(rate, 300, 20, 0.8)
        assert row["C: 99% in 30 s"] == queues.agents_needed(rate, 300, 30, 0.99)
    summary = iv.staffing_summary(plan).table
    extra = (plan.table["C: 99% in 30 s"] - plan.table["C: 80% in 20 s"]).sum() / 4
    assert summary.loc["C: 99% in 30 s", "beyond 80% in 20 s"] == pytest.approx(extra)
    assert "needs" in readings.busiest(plan)


def test_staffing_uses_the_files_handle_times_before_any_default():
    d = crafted().assign(handle_seconds=200.0)
    plan = iv.staffing(iv.arrival_pattern(d, 15), d, 15, [(20, 0.8)], default_handle=999)
    assert (plan.table["handle time (s)"] == 200).all()
    assert "file's mean handle time" in plan.handle_source
    with pytest.raises(NotEstimable, match="default_handle_seconds"):
        iv.staffing(iv.arrival_pattern(crafted(), 15), crafted(), 15, [(20, 0.8)])


def test_each_queue_is_staffed_on_its_own():
    d = crafted()
    two = pd.concat([d.assign(queue="sales"), d.assign(queue="help", offered=d["offered"] * 3)],
                    ignore_index=True)
    plan = iv.staffing(iv.arrival_pattern(two, 15), two, 15, [(20, 0.8)], default_handle=240)
    assert plan.table.index.names == ["queue", "time"]
    one = iv.staffing(iv.arrival_pattern(d, 15), d, 15, [(20, 0.8)], default_handle=240).table
    assert (plan.table.loc["sales", "C: 80% in 20 s"] == one["C: 80% in 20 s"]).all()
    assert (plan.table.loc["help", "C: 80% in 20 s"] > one["C: 80% in 20 s"]).all()
    assert readings.busiest(plan).startswith("At the busiest time of day (help ")
    hours = iv.staffing_summary(plan).table.loc["C: 80% in 20 s", "agent-hours per day"]
    assert hours == pytest.approx(plan.table["C: 80% in 20 s"].sum() / 4)


def test_dispersion_reading_says_what_the_day_to_day_variation_shows():
    from cxlib.stats.estimates import Fit

    def pattern(values: list[float]) -> Fit:
        return Fit(table=pd.DataFrame({"dispersion": values}), n=3, method="made up")

    assert "about as Poisson arrivals" in readings.dispersion(pattern([0.9, 1.1, 1.0]))
    assert "3.0 times as much" in readings.dispersion(pattern([3.0, 3.2, 2.9]))


# --- the sample -----------------------------------------------------------------------------

def test_the_sample_is_read_with_its_mapping_and_the_patience_it_plants_is_recovered():
    ds = load_data("intervals")
    assert ds.synthetic and ds.mapping.interval_minutes == 15
    assert ds.mapping.threshold_seconds == sample.bundled_params().intervals.threshold_seconds
    frame = ds.frame
    assert (frame["answered"] + frame["abandoned"] == frame["offered"]).all()
    long = sample.intervals(sample.IntervalParams(days=120), np.random.default_rng(7))
    long["interval_start"] = pd.to_datetime(long["interval_start"])
    assert iv.patience(long).covers(sample.planted("intervals.patience_seconds"))


# --- notebook 08 ------------------------------------------------------------------------------

@pytest.mark.notebooks
def test_notebook_08_on_a_users_interval_report_records_std1_from_it(tmp_path):
    from cxlib.app.runner import run

    frame = pd.read_csv(data_dir() / "sample" / "intervals.csv")
    path = tmp_path / "acd_export.csv"
    frame.to_csv(path, index=False)
    columns = tmp_path / "acd.yaml"
    columns.write_text("intervals:\n  interval_minutes: 15\n  threshold_seconds: 30\n",
                       encoding="utf-8")
    done = run(["08"], data={"intervals": str(path)}, columns=str(columns),
               out=tmp_path / "o", evidence=False, log=lambda _: None)
    assert done[0].ok, done[0].error
    records = {(r["claim"], r["key"]): r for r in results_of(tmp_path / "o")}
    std = records["STD-1", "within_standard"]
    assert std["data"] == "acd_export.csv" and std["verdict"] == "not supported"
    expected = iv.service_level(load_data("intervals").frame, 30)
    assert std["value"] == pytest.approx(expected.value)
    assert std["grade"] == "description" and std["design"] == "interval report of a queue"
    assert ("CHN-1", "channel_preference") not in records  # no contact log was given


@pytest.mark.notebooks
def test_notebook_08_on_the_bank_data_describes_staffing_and_leaves_std1_not_testable(tmp_path):
    import nbformat

    from cxlib.app.runner import run

    done = run(["08"], data={"intervals": str(BANK)}, columns=str(BANK_MAPPING),
               out=tmp_path / "o", evidence=False, log=lambda _: None)
    assert done[0].ok, done[0].error
    std = {r["key"]: r for r in results_of(tmp_path / "o") if r["claim"] == "STD-1"}
    assert std["within_standard"]["verdict"] == "not testable with these data"
    assert "holds no waits" in std["within_standard"]["reason"]
    book = nbformat.read(tmp_path / "o" / "notebooks" / "08_service_standards.ipynb", 4)
    text = "".join(o.get("text", "") for c in book.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert "5-minute intervals on 164 days" in text
    assert ("At the busiest time of day (10:20, 3,423 calls an hour, 228.2 Erlangs), Erlang C "
            "needs 238 agents for 80% in 20 s and 249 for 99% in 30 s") in text
    assert "Handle time 240 s: assumed in the mapping (default_handle_seconds), not in the data" \
        in text and "Erlang A is not shown" in text
