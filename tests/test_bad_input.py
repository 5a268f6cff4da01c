"""Bad input within bounds (issue 20): what the corpus cannot say in a message or a note.

The corpus (tests/corpus.py, section ``_beyond``) checks that each case is refused or noted;
these tests check the values that come out (dates kept on their day, refunds netted, rows
read twice the same way by both readers), that messages stay short however large the input,
that the progress line appears where it should, and that labels with ``$`` draw.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from corpus import SURVEY, TRANSACTIONS, billion_laughs, csv_text

from cxlib import load_data
from cxlib.data import progress, reading
from cxlib.data.reading import read_table
from cxlib.errors import MAX_PROBLEMS, UserDataError


def test_zoned_parquet_dates_stay_on_their_day(tmp_path):
    """Midnight in Berlin is 23:00 UTC the day before: read as written, the day is kept;
    converted to a declared zone, it moves, and the note says so."""
    days = pd.to_datetime(["2024-03-01", "2024-07-15", "2024-12-31"])
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"],
                          "acquired_on": days.tz_localize("Europe/Berlin")})
    path = tmp_path / "zoned.parquet"
    frame.to_parquet(path)
    kept = load_data("customers", path).frame["acquired_on"]
    assert list(kept) == list(days)
    (tmp_path / "utc.yaml").write_text("timezone: UTC\n")
    moved = load_data("customers", path, tmp_path / "utc.yaml").frame["acquired_on"]
    assert list(moved.dt.date) == [pd.Timestamp(d).date() for d in
                                   ("2024-02-29", "2024-07-14", "2024-12-30")]


def test_utc_offsets_in_text_are_read_as_written_or_converted(tmp_path):
    contacts = pd.DataFrame({"contact_id": ["k1", "k2", "k3"],
                             "arrived_at": ["2024-03-04T00:30:00+02:00",
                                            "2024-03-04T23:30:00-05:00", "2024-03-05 08:00"],
                             "wait_seconds": ["1", "2", "3"]})
    path = tmp_path / "c.csv"
    contacts.to_csv(path, index=False)
    written = load_data("contacts", path).frame["arrived_at"]
    assert list(written.astype(str)) == ["2024-03-04 00:30:00", "2024-03-04 23:30:00",
                                         "2024-03-05 08:00:00"]
    (tmp_path / "m.yaml").write_text("timezone: UTC\n")
    utc = load_data("contacts", path, tmp_path / "m.yaml").frame["arrived_at"]
    assert list(utc.astype(str)) == ["2024-03-03 22:30:00", "2024-03-05 04:30:00",
                                     "2024-03-05 08:00:00"]


def test_refunds_are_netted_and_never_counted_as_purchases(tmp_path):
    log = TRANSACTIONS.head(6).copy()
    first = log.iloc[0]
    refunds = pd.DataFrame([
        {**first, "date": "2023-02-10", "amount": "-43.44", "order_id": "R1"},   # in full
        {**log.iloc[1], "date": "2023-03-01", "amount": "-22.94", "order_id": "R2"},  # part
        {**first, "customer_id": "NOBODY", "amount": "-5", "order_id": "R3"},  # no purchase
    ])
    path = tmp_path / "log.csv"
    pd.concat([log, refunds]).to_csv(path, index=False)
    ds = load_data("transactions", path)
    out = ds.frame
    assert (out["amount"] >= 0).all()
    assert first["order_id"] not in set(out["order_id"])
    second = out.set_index("order_id").loc[log.iloc[1]["order_id"], "amount"]
    assert second == pytest.approx(float(log.iloc[1]["amount"]) - 22.94)
    reasons = {d.reason: d.count for d in ds.report.dropped}
    assert sum(reasons.values()) == 4 and ds.report.rows_read == 9 and len(out) == 5


def test_exact_copies_are_counted_not_dropped(tmp_path):
    log = TRANSACTIONS.drop(columns="order_id")
    path = tmp_path / "log.csv"
    pd.concat([log, log.head(3), log.head(3)]).to_csv(path, index=False)
    ds = load_data("transactions", path)
    assert len(ds.frame) == len(log) + 6
    assert any("(6 in all" in w for w in ds.report.warnings)


@pytest.mark.parametrize("text", [
    billion_laughs(),
    "rating_scale: [1, " + "9" * 200_000 + "]\n",
    "columns:\n" + "".join(f"  bad_{i}: x{i}\n" for i in range(500)),
])
def test_messages_stay_short_whatever_the_mapping_holds(tmp_path, text):
    data = tmp_path / "s.csv"
    data.write_text(csv_text(SURVEY))
    (tmp_path / "m.yaml").write_text(text)
    with pytest.raises(UserDataError) as info:
        load_data("survey", data, tmp_path / "m.yaml")
    message = info.value.message
    assert len(message) < 3_500 and message.count("\n") <= MAX_PROBLEMS + 2, message[:500]


def test_arrow_and_row_by_row_readers_give_the_same_table(tmp_path, monkeypatch):
    """The fast reader and the careful one agree on a regular file (values, row numbers),
    including blank lines inside and at the end, quotes and a file without a last line
    break."""
    frame = SURVEY.head(12).copy()
    frame.loc[3, "segment"] = 'say "hi", twice'
    text = csv_text(frame).replace("\n", "\r\n", 5)
    lines = text.split("\n")
    text = "\n".join([*lines[:4], "", *lines[4:]]) + "\n\n"
    path = tmp_path / "f.csv"
    path.write_text(text)
    fast = read_table(path)
    monkeypatch.setattr(reading, "_read_csv_arrow", lambda *a: None)
    slow = read_table(path)
    assert list(fast.frame.index) == list(slow.frame.index)
    pd.testing.assert_frame_equal(fast.frame.astype(object).fillna(""),
                                  slow.frame.astype(object).fillna(""))


def test_a_wide_survey_is_checked_in_one_pass(tmp_path, monkeypatch):
    """20,000 unused rating columns are checked by a few Arrow kernels over all their cells
    at once, not by a loop of calls per column (which took 391 s for 100,000 columns):
    the number of regular-expression passes does not grow with the columns."""
    import pyarrow.compute as pc

    width = 20_000
    rng = np.random.default_rng(0)
    header = ["respondent_id", "overall_sat", *(f"q{i}" for i in range(width))]
    rows = [",".join([f"R{r}", *rng.integers(1, 8, width + 1).astype(str)]) for r in range(5)]
    path = tmp_path / "wide.csv"
    path.write_text("\n".join([",".join(header), *rows]) + "\n")
    calls = []
    regex = pc.match_substring_regex
    monkeypatch.setattr(pc, "match_substring_regex", lambda *a, **k: calls.append(1) or
                        regex(*a, **k))
    ds = load_data("survey", path)
    assert "q0, q1, q2" in ds.report.warnings[0] and "(+19988)" in ds.report.warnings[0]
    assert len(calls) < 50


def test_progress_line_only_where_someone_watches(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(progress, "DELAY", 0.05)
    monkeypatch.delenv("CXLIB_PROGRESS", raising=False)
    shown = Terminal()
    with progress.progress("big.csv", stream=shown):
        progress.status("reading", 50e6, 200e6, "MB")
        import time
        time.sleep(0.3)
    assert "big.csv: reading, 25% of 200 MB" in shown.getvalue()
    assert "done in" in shown.getvalue()
    piped = io.StringIO()
    with progress.progress("big.csv", stream=piped):
        time.sleep(0.2)
    assert piped.getvalue() == ""
    monkeypatch.setenv("CXLIB_PROGRESS", "1")
    with progress.progress("big.csv", stream=piped):
        time.sleep(0.2)
    assert "big.csv: reading" in piped.getvalue() and "\r" not in piped.getvalue()
    monkeypatch.setenv("CXLIB_PROGRESS", "0")
    with progress.progress("big.csv", stream=shown):
        time.sleep(0.2)
    assert shown.getvalue().count("done in") == 1


def test_labels_with_dollar_signs_draw():
    """A channel or reason named '$$' made notebooks 03 and 06 fail ('ValueError:' from
    matplotlib's mathematics parser): labels from the data are drawn literally."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cxlib.notebook import plots
    from cxlib.stats.estimates import Estimate
    from cxlib.stats.survival import product_limit

    ax = plots.interval_plot([Estimate("$$", 0.3, 0.2, 0.4, 50, ""),
                              Estimate("Tier $ (cheap)", 0.5, 0.4, 0.6, 50, "")],
                             reference=0.9, reference_label="claimed $5", title="$ and $$")
    ax.figure.canvas.draw()
    assert [t.get_text() for t in ax.get_yticklabels()] == [r"\$\$", r"Tier \$ (cheap)"]
    fits = {name: product_limit(np.zeros(4), np.array([1.0, 2, 3, 4]), np.array([1, 0, 1, 1]),
                                label=name) for name in ("$$", "$ and more")}
    ax = plots.survival_plot(fits, title="by $ spent")
    ax.figure.canvas.draw()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [r"\$\$", r"\$ and more"]
    assert plots.plain(r"already \$ escaped, $ not") == r"already \$ escaped, \$ not"
    plt.close("all")
