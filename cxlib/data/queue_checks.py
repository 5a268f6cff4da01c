"""Checks between the columns and rows of an ``intervals`` file (a queue's interval report).

Besides the checks every kind gets (types, ranges), an interval report must hold together:

* a count declared ``at_most`` another may not exceed it on any row (calls answered within
  the threshold are some of the calls answered): :func:`count_order_problems`;
* a queue's interval appears once: a start repeated within a queue would count its calls
  twice;
* intervals do not overlap: two starts of one queue on one day closer than the declared
  interval length (``interval_minutes:``) mean the declared length is wrong.

The interval length is the mapping's ``interval_minutes`` or, when it is left out, the most
common gap between consecutive starts of a queue within a day (:func:`interval_length`); the
report says which.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from cxlib.errors import NotEstimable, UserDataError

Flag = Callable[[str, pd.Series, str, str], list]


def count_order_problems(frame: pd.DataFrame, spec_of, flag: Flag) -> list:
    """Rows where a count exceeds the count it is declared ``at_most`` (both present)."""
    problems = []
    for col in frame.columns:
        spec = spec_of(col)
        limit = getattr(spec, "at_most", None)
        if limit and limit in frame:
            over = (pd.to_numeric(frame[col]) > pd.to_numeric(frame[limit])).fillna(False)
            problems += flag(col, over, f"values larger than '{limit}' on the same row",
                             f"'{col}' counts some of the calls in '{limit}': check that the "
                             "mapping does not swap the two columns.")
    return problems


def _groups(frame: pd.DataFrame) -> list:
    """The keys that make a queue's day: the queue (when the file has one) and the date."""
    keys = [frame["queue"].astype("string").fillna("")] if "queue" in frame else []
    return [*keys, pd.to_datetime(frame["interval_start"]).dt.normalize()]


def _gaps(frame: pd.DataFrame) -> pd.Series:
    """Minutes from each interval's start to the previous start of its queue on its day
    (NaN for a day's first interval), in the rows' order."""
    starts = pd.to_datetime(frame["interval_start"])
    order = frame.assign(_start=starts).sort_values("_start", kind="stable")
    keys = [k.loc[order.index] for k in _groups(frame)]
    gaps = order["_start"].groupby(keys, sort=False).diff().dt.total_seconds() / 60
    return gaps.reindex(frame.index)


def interval_length(frame: pd.DataFrame, declared: float | None = None) -> float:
    """The length of an interval in minutes: *declared* (the mapping's ``interval_minutes``)
    or else the most common gap between consecutive starts of a queue within a day (the
    shortest of equally common gaps). A file with no two starts on one day cannot show it:
    :class:`~cxlib.errors.NotEstimable`."""
    if declared is not None:
        return float(declared)
    gaps = _gaps(frame).dropna()
    gaps = gaps[gaps > 0]
    if gaps.empty:
        raise NotEstimable("the interval length is not declared and no day has two intervals "
                           "to show it; add e.g. interval_minutes: 15 to the mapping file")
    counts = gaps.round(6).value_counts()
    return float(counts[counts == counts.max()].index.min())


def interval_problems(frame: pd.DataFrame, flag: Flag, declared: float | None,
                      file: str | None = None) -> tuple[list, list[str]]:
    """Repeated intervals of a queue and intervals closer together than *declared*
    minutes (problems), and a note saying how long an interval was taken to be. A file
    whose interval length is neither declared nor shown by two starts on one day is
    refused (:class:`~cxlib.errors.UserDataError`): no rate can be computed from it."""
    keys = [k.rename(f"k{i}") for i, k in enumerate(_groups(frame)[:-1])]
    ids = pd.concat([*keys, pd.to_datetime(frame["interval_start"]).rename("s")], axis=1)
    repeated = ids.duplicated(keep="first") & ids["s"].notna()
    where = "of the same queue" if "queue" in frame else ""
    problems = flag("interval_start", repeated, f"rows that repeat the start of an earlier "
                    f"interval {where}".strip(), "Each interval of a queue is one row: remove "
                    "the repeated rows, or map the column that tells the queues apart to "
                    "`queue`.")
    gaps = _gaps(frame.loc[~repeated])
    notes = []
    if declared is not None:
        close = (gaps < declared - 1e-9).reindex(frame.index, fill_value=False)
        problems += flag("interval_start", close, f"starts less than the declared "
                         f"interval_minutes ({declared:g}) after the previous interval",
                         "Check `interval_minutes:` in the mapping file: the intervals it "
                         "declares would overlap.")
    elif not problems:
        try:
            minutes = interval_length(frame.loc[~repeated])
            notes.append(f"the interval length is not declared; the starts are most often "
                         f"{minutes:g} minutes apart, so an interval is taken to last "
                         f"{minutes:g} minutes (declare interval_minutes: {minutes:g} in the "
                         "mapping file to make it explicit)")
        except NotEstimable as why:
            raise UserDataError(f"{why}.", file=file) from None
    return problems, notes
