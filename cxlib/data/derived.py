"""Columns and tables derived from a data kind's own columns, before any model.

An analysis (:mod:`cxlib.analyses`) fits models and returns estimates; the steps here only
reshape one data kind into what an analysis reads, and know its column names:

* **customers** (a CRM ledger): who has left (:func:`churn_flag`, :func:`left`; the
  leavers who gave a reason, :func:`leavers`, and whether it is about service,
  :func:`is_service_reason`), how long each customer
  stayed (:func:`tenure`: days from acquisition to leaving, or to the end of observation
  for those still active, censored; or ``tenure_months`` × :data:`MONTH` days), the time
  each was at risk (:func:`survival_intervals`; a snapshot's customers enter at the start
  of its follow-up window), and satisfaction in thirds of its scale
  (:func:`satisfaction_tiers`);
* **visits**: the moments of one visit as first, last, peak, trough and the mean of the
  middle ones (:func:`moment_features`); each customer's experience so far, the running mean
  and SD of the quality of their visits (:func:`experience_so_far`);
* **survey** and **outlets**: respondents who had a problem (:func:`with_problem`),
  respondents with their outlet's staff measures (:func:`merge_outlets`), satisfaction
  groups (:func:`satisfaction_groups`), a rating's levels in order (:func:`ordered_levels`);
* **transactions**: new customers per month (:func:`adoptions_per_month`);
* **intervals** (an ACD report): each interval's day and time of day (:func:`day_of`,
  :func:`time_of_day`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.errors import NotEstimable, UserDataError, require_columns
from cxlib.stats.units import DAYS_PER_MONTH

MONTH = DAYS_PER_MONTH
"""Days in an average month: tenures in months become days as tenure_months × MONTH."""
DATES = ("acquired_on", "churned_on", "observed_until")
"""The dates of a customers ledger."""
MOMENTS = ("r_environment", "r_help", "r_reliability", "r_price", "r_friendliness",
           "r_aftercare")
"""The moments of a visit, from the general to the specific."""

STEPS = ("step_greet", "step_needs", "step_meet", "step_check", "step_door")
"""The service steps of a visit, each a 0/1 column (done or not)."""


def require_moments(visits: pd.DataFrame) -> None:
    """Raise :class:`NotEstimable` unless *visits* has the moment ratings and
    ``overall_sat`` (EXP-1's analyses)."""
    if not {*MOMENTS, "overall_sat"} <= set(visits.columns):
        raise NotEstimable("the visits table lacks moment ratings")


def require_steps(visits: pd.DataFrame) -> None:
    """Raise :class:`NotEstimable` unless *visits* has the step columns and ``returned``
    (EXP-2's analyses)."""
    if not {*STEPS, "returned"} <= set(visits.columns):
        raise NotEstimable("the visits table lacks the step columns or `returned`")
CUSTOMER = "customer_id"
GROUPS = ("dissatisfied", "neutral", "satisfied")
"""Satisfaction groups (:func:`satisfaction_groups`)."""


def observation_end(ledger: pd.DataFrame) -> pd.Timestamp | None:
    """The last date the ledger speaks of (latest acquisition, churn or observation);
    None for a ledger without dates."""
    dates = [ledger[c].max() for c in DATES if c in ledger]
    dates = [d for d in dates if pd.notna(d)]
    return max(dates) if dates else None


def churn_flag(ledger: pd.DataFrame) -> pd.Series:
    """1 for customers who have left: the ``churned`` flag where given, else whether
    there is a churn date."""
    if "churned" in ledger and ledger["churned"].notna().any():
        flag = ledger["churned"]
        if "churned_on" in ledger:
            flag = flag.fillna(ledger["churned_on"].notna().astype(float))
        return flag
    if "churned_on" in ledger:
        return ledger["churned_on"].notna().astype(float)
    raise NotEstimable("who has left is unknown: the ledger has neither `churned_on` (the "
                       "date a customer left) nor `churned` (a churn flag)")


def left(ledger: pd.DataFrame) -> pd.Series:
    """Who left (True/False): ``churned`` = 1, or a churn date where the flag is not given
    (:func:`churn_flag`), whatever the reason column holds for the others;
    :class:`~cxlib.errors.NotEstimable` naming the columns when the ledger has neither."""
    return churn_flag(ledger).eq(1).fillna(False).astype(bool)


def leavers(ledger: pd.DataFrame) -> pd.DataFrame:
    """Customers who left (:func:`left`: ``churned`` = 1 or a churn date, whatever the reason
    column holds for the others) and gave a reason; ``churn_reason`` is required."""
    require_ledger_columns(ledger, ["churn_reason"], "the reasons leavers give")
    return ledger[left(ledger) & ledger["churn_reason"].notna()]


def require_ledger_columns(ledger: pd.DataFrame, columns: list[str], what: str) -> None:
    """:class:`~cxlib.errors.NotEstimable` naming the *columns* the ledger does not have (a
    column it has but left empty means nobody it applies to: no leaver gave a reason)."""
    require_columns(ledger, [c for c in columns if c not in ledger], what=what)


SERVICE_WORDS = ("service",)
"""Words that make a stated reason for leaving a service reason (:func:`is_service_reason`)."""


def is_service_reason(reasons: pd.Series, words: tuple[str, ...] = SERVICE_WORDS) -> pd.Series:
    """Whether a stated reason is about service (its label contains one of *words*)."""
    text = reasons.astype("string").str.lower()
    return text.str.contains("|".join(words), regex=True).fillna(False).astype(bool)


def with_problem(survey: pd.DataFrame) -> pd.DataFrame:
    """Respondents who had a problem and said whether they complained; needs the columns
    ``had_problem`` and ``complained``."""
    require_columns(survey, ["had_problem", "complained"], what="the complaint iceberg")
    return survey[survey["had_problem"] == 1].dropna(subset=["complained"])


def tenure(ledger: pd.DataFrame, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Days observed and whether the customer left (the survival data; module docstring).

    Dates give the tenure where a customer has them; ``tenure_months`` where not.
    """
    left = churn_flag(ledger)
    days = pd.Series(np.nan, index=ledger.index)
    if "acquired_on" in ledger and ledger["acquired_on"].notna().any():
        end = end or observation_end(ledger)
        active_until = (ledger["observed_until"].fillna(end) if "observed_until" in ledger
                        else pd.Series(end, index=ledger.index))
        stop = (ledger["churned_on"].where(left == 1, active_until) if "churned_on" in ledger
                else active_until)
        days = (pd.to_datetime(stop) - ledger["acquired_on"]).dt.days.clip(lower=0)
    if "tenure_months" in ledger:
        days = days.fillna(ledger["tenure_months"] * MONTH)
    if days.isna().all():
        raise NotEstimable("the ledger has neither acquisition dates nor tenures, so how long "
                           "customers stayed is unknown")
    return pd.DataFrame({"days": days.astype(float), "left": left.astype(int)},
                        index=ledger.index)


def survival_intervals(ledger: pd.DataFrame, follow_up_months: float | None = None,
                       end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Each customer's time at risk, the interval (start, stop] in days, and whether they
    left at stop (``left``).

    stop is the tenure (:func:`tenure`). Without a follow-up window every customer is at
    risk from acquisition: start = 0. A **snapshot** holds the customers present at the
    start of a window of N = *follow_up_months* months, with leaving seen only within it;
    each customer then enters at the window's start (delayed entry, left truncation):
    start = max(stop − N·MONTH, 0) for a tenure (for a leaver the earliest the window can
    have started; with whole-month tenures and N = 1, the month before), and for a customer
    with an acquisition date start = max(window start − acquired_on, 0), the window starting
    N months before the end of observation (:func:`observation_end`). A customer with
    stop ≤ start (a tenure of 0, or gone before the window began) has no time at risk: the
    models leave them out and count them, as R's
    ``Surv(start, stop, event)`` refuses such intervals.
    """
    surv = tenure(ledger, end)
    start = pd.Series(0.0, index=ledger.index)
    if follow_up_months is not None:
        if not (np.isfinite(follow_up_months) and follow_up_months > 0):
            raise ValueError(f"the follow-up window must be a positive number of months, got "
                             f"{follow_up_months!r}")
        window = follow_up_months * MONTH
        start = surv["days"] - window
        if "acquired_on" in ledger and ledger["acquired_on"].notna().any():
            opens = (end or observation_end(ledger)) - pd.Timedelta(days=window)
            since = (opens - ledger["acquired_on"]).dt.total_seconds() / 86400
            start = since.where(ledger["acquired_on"].notna(), start)
        start = start.clip(lower=0)
    return pd.DataFrame({"start": start.astype(float), "stop": surv["days"],
                         "left": surv["left"]}, index=ledger.index)


def satisfaction_tiers(satisfaction: pd.Series, scale: tuple[float, float]) -> pd.Series:
    """Low, mid and high thirds of the rating scale [lo, hi]: cut at lo + (hi − lo)/3 and
    lo + 2(hi − lo)/3 (on 1–7: 1–3, 4–5, 6–7; on 1–10: 1–4, 5–7, 8–10)."""
    lo, hi = scale
    cuts = [lo - 1, lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3, hi]
    edges = [np.floor(c) for c in cuts]
    labels = [f"{name} ({edges[i] + 1:g}–{edges[i + 1]:g})"
              for i, name in enumerate(["low", "mid", "high"])]
    return pd.cut(satisfaction, cuts, labels=labels)


def moment_features(visits: pd.DataFrame, moments=MOMENTS) -> pd.DataFrame:
    """First, last, peak, trough and mean-of-the-middle moment ratings, plus overall (and
    the visit's ``customer_id`` when the table has one)."""
    x = visits[list(moments)].astype(float)
    out = pd.DataFrame({"first": x.iloc[:, 0], "last": x.iloc[:, -1], "peak": x.max(axis=1),
                        "trough": x.min(axis=1), "middle": x.iloc[:, 1:-1].mean(axis=1),
                        "overall": visits["overall_sat"].astype(float)}).dropna()
    if CUSTOMER in visits:
        out[CUSTOMER] = visits.loc[out.index, CUSTOMER]
    return out


NO_OUTLET_LINK = "the survey has no outlet_id to link respondents to outlets"


def merge_outlets(survey: pd.DataFrame, outlets: pd.DataFrame) -> pd.DataFrame:
    """Survey respondents with their outlet's staff measures; :class:`NotEstimable`
    (:data:`NO_OUTLET_LINK`) when the survey has no ``outlet_id`` values."""
    if "outlet_id" not in survey or not survey["outlet_id"].notna().any():
        raise NotEstimable(NO_OUTLET_LINK)
    return survey.merge(outlets, on="outlet_id", how="inner", suffixes=("", "_outlet"))


def satisfaction_groups(ratings: pd.Series, scale: tuple[float, float]) -> pd.Series:
    """Bottom two scale points = dissatisfied, top two = satisfied, the rest neutral."""
    lo, hi = scale
    groups = np.where(ratings <= lo + 1, "dissatisfied",
                      np.where(ratings >= hi - 1, "satisfied", "neutral"))
    return pd.Series(pd.Categorical(np.where(ratings.isna(), None, groups), categories=GROUPS),
                     index=ratings.index, name="satisfaction group")


def adoptions_per_month(transactions: pd.DataFrame) -> pd.Series:
    """New customers per month (first purchases): the adoption curve of a transaction log,
    every month from the first adoption to the last, a month with none counted as 0 (a
    month left out would shift every later period of the curve)."""
    first = pd.to_datetime(transactions["date"]).groupby(transactions["customer_id"]).min()
    counts = first.dt.to_period("M").value_counts().sort_index()
    if counts.empty:
        return counts
    months = pd.period_range(counts.index.min(), counts.index.max(), freq="M")
    return counts.reindex(months, fill_value=0).rename_axis(counts.index.name)


def day_of(frame: pd.DataFrame) -> pd.Series:
    """The date of each interval (the cluster of the service level's interval)."""
    return pd.to_datetime(frame["interval_start"]).dt.normalize()


def time_of_day(frame: pd.DataFrame) -> pd.Series:
    """Each interval's start as a time of day, ``HH:MM``."""
    return pd.to_datetime(frame["interval_start"]).dt.strftime("%H:%M")


VISITS_LACK = "the visits table lacks quality or churned_after"
"""Why the consistency model cannot be fitted on a visits table (:func:`visit_history`)."""


def visit_history(visits: pd.DataFrame) -> pd.DataFrame:
    """:func:`experience_so_far` of a visits table that has ``quality`` and ``churned_after``
    (the consistency model needs both); :class:`NotEstimable` (:data:`VISITS_LACK`)
    otherwise."""
    if not {"quality", "churned_after"} <= set(visits.columns):
        raise NotEstimable(VISITS_LACK)
    return experience_so_far(visits)


def experience_so_far(visits: pd.DataFrame, quality: str = "quality") -> pd.DataFrame:
    """Per visit: the customer's running mean and SD of quality (SD missing on a first
    visit), and the visit number."""
    data = visits.dropna(subset=[quality]).sort_values(["customer_id", "visit_date", "visit_id"])
    g = data.groupby("customer_id")[quality]
    n = g.cumcount() + 1
    mean = g.cumsum() / n
    sq = (data[quality] ** 2).groupby(data["customer_id"]).cumsum()
    var = ((sq - n * mean**2) / (n - 1).where(n > 1)).clip(lower=0)
    return data.assign(visit_number=n, mean_so_far=mean, sd_so_far=np.sqrt(var))


def ordered_levels(values: pd.Series, order: Sequence | None = None) -> pd.Series:
    """*values* as an ordered Categorical: in *order* (lowest first) when given, else in
    the order of an ordered Categorical, else numerically; text without an *order* is
    refused, naming its levels."""
    if order is not None:
        unknown = sorted(set(values.unique()) - set(order), key=str)
        if unknown:
            raise UserDataError(f"{values.name} has level(s) {', '.join(map(str, unknown))} "
                                f"that the order {list(order)} does not list")
        cats = pd.Categorical(values, categories=list(order), ordered=True)
    elif isinstance(values.dtype, pd.CategoricalDtype) and values.cat.ordered:
        cats = values.array
    else:
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.notna().all():
            cats = pd.Categorical(numbers, ordered=True)
        else:
            levels = ", ".join(map(str, pd.unique(values)))
            raise UserDataError(
                f"{values.name} is text ({levels}); its order cannot be guessed, and the "
                f"alphabetical one is usually wrong (High < Low < Medium). Give the order from "
                f"lowest to highest, e.g. order=['Low', 'Medium', 'High'], or make the column "
                f"an ordered pandas Categorical")
    return pd.Series(cats, index=values.index, name=values.name).cat.remove_unused_categories()


def require_survival(ledger: pd.DataFrame) -> None:
    """Raise :class:`NotEstimable` with :func:`survival_missing`'s reason when survival
    curves cannot be drawn from *ledger*."""
    missing = survival_missing(ledger)
    if missing:
        raise NotEstimable(missing)


def survival_missing(ledger: pd.DataFrame) -> str:
    """Why survival curves cannot be drawn from *ledger* ('' when they can): they need
    how long each customer stayed (dates or tenures) and who has left."""
    try:
        tenure(ledger)
    except NotEstimable as why:
        return f"Survival curves cannot be drawn: {why}."
    return ""


@dataclass(frozen=True)
class Channels:
    """The channels of a contact log that notebook 08 reads: ``phone`` (the phone channel, or
    else the first channel in alphabetical order), ``desk`` (face to face, when the log has
    it) and ``realtime`` (phone, chat and face to face, those the log has; else ``phone``)."""

    phone: tuple[str, ...]
    desk: tuple[str, ...]
    realtime: tuple[str, ...]


def log_channels(contacts: pd.DataFrame) -> Channels:
    """The :class:`Channels` of a contact log (all empty without a ``channel`` column)."""
    channels = set(contacts["channel"].dropna()) if "channel" in contacts else set()
    phone = tuple(c for c in ("phone",) if c in channels) or tuple(sorted(channels))[:1]
    desk = tuple(c for c in ("face_to_face",) if c in channels)
    realtime = tuple(c for c in ("phone", "chat", "face_to_face") if c in channels) or phone
    return Channels(phone, desk, realtime)
