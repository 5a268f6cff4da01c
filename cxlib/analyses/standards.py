"""Service standards from a contact log: who is answered in time, and what waiting costs.

* Share of contacts answered (or greeted) within a standard of *t* seconds, with a
  Wilson interval; abandoned contacts count as not answered in time.
* Wait-time distribution: quantiles per channel.
* What waiting costs: satisfaction per extra minute of wait (OLS with HC3 errors and a
  t(n − k) interval, :mod:`cxlib.stats.robust`) and the odds of abandoning per extra
  minute (logistic, HC3, normal quantile).
* The load the log implies: arrivals per second in the busiest hour of an average
  day, and the mean handle time, for Erlang staffing (:mod:`cxlib.stats.queues`).
* Channels: the mix of contacts (Goodman simultaneous intervals) and satisfaction by
  channel (t intervals).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.proportion import multinomial_proportions_confint

from cxlib.data.derived import Channels
from cxlib.errors import require_columns
from cxlib.stats import robust
from cxlib.stats.estimates import Estimate, Estimates, Fit
from cxlib.stats.uncertainty import mean_ci, proportion_estimate


def _of_channels(contacts: pd.DataFrame, channels: tuple[str, ...] | None) -> pd.DataFrame:
    """The contacts of *channels*; every contact when *channels* is ``None`` or empty or the
    log has no ``channel`` column (a log of one channel)."""
    if not channels or "channel" not in contacts:
        return contacts
    return contacts[contacts["channel"].isin(channels)]


def within_standard(contacts: pd.DataFrame, seconds: float, channels: tuple[str, ...] | None,
                    level: float = 0.95) -> Estimate:
    """Share of contacts (of *channels*, :func:`_of_channels`) answered within *seconds* and
    not abandoned."""
    data = _of_channels(contacts, channels)
    ok = data["wait_seconds"] <= seconds
    if "abandoned" in data:
        ok &= data["abandoned"].fillna(0) == 0
    where = ", ".join(channels) if channels and "channel" in contacts else "all contacts"
    return proportion_estimate(f"share answered within {seconds:g} s ({where})", int(ok.sum()),
                               len(data), level, nobody=f"the log has no contacts ({where})")


def wait_quantiles(contacts: pd.DataFrame) -> Fit:
    """Median, 80th, 95th percentile and maximum wait (seconds) per channel (one row, "all
    contacts", when the log has no channel column)."""
    if "channel" not in contacts:
        contacts = contacts.assign(channel="all contacts")
    q = contacts.groupby("channel")["wait_seconds"].quantile([0.5, 0.8, 0.95, 1.0]).unstack()
    q.columns = ["median", "80th percentile", "95th percentile", "maximum"]
    q["contacts"] = contacts["channel"].value_counts()
    return Fit(table=q.sort_values("contacts", ascending=False), n=len(contacts),
               value="median", method="quantiles of the wait in seconds", digits=1,
               title="Waits by channel (seconds)")


def wait_effects(contacts: pd.DataFrame, channels: tuple[str, ...],
                 level: float = 0.95) -> Estimates:
    """Satisfaction points per minute of wait (``satisfaction``, with more than 30 rated
    contacts), and odds ratio of abandoning per minute (``abandonment``), where the log
    gives them."""
    data = _of_channels(contacts, channels).assign(wait_minutes=lambda d: d["wait_seconds"] / 60)
    out = {}
    sat = data.dropna(subset=["satisfaction"]) if "satisfaction" in data else data.iloc[:0]
    if len(sat) > 30:
        fit = robust.fit(sat["satisfaction"], sm.add_constant(sat[["wait_minutes"]]))
        out["satisfaction"] = fit.estimate("wait_minutes",
                                           "satisfaction points per extra minute of wait",
                                           level, method="OLS")
    if "abandoned" in data and data["abandoned"].nunique() == 2:
        from cxlib.analyses.loyalty import logistic_effect

        out["abandonment"] = logistic_effect(
            data, "abandoned", "wait_minutes", level,
            figure="odds ratio of abandoning per extra minute of wait").effect
    return Estimates(out, title="What waiting costs")


@dataclass(frozen=True, kw_only=True, repr=False)
class HourLoad(Fit):
    """:func:`busiest_hour_load`: contacts per hour of an average day (the table), the
    ``arrival_rate`` (per second) of the busiest hour and the ``handle_time`` (seconds,
    mean of the answered contacts), for Erlang staffing."""

    arrival_rate: float
    handle_time: float
    busiest_hour: int
    days: int

    def facts(self) -> dict:
        return {"busiest hour": f"{self.busiest_hour}:00",
                "calls per hour then": self.arrival_rate * 3600,
                "mean handle time (s)": self.handle_time}


def busiest_hour_load(contacts: pd.DataFrame, channels: tuple[str, ...]) -> HourLoad:
    """Arrival rate (per second) in the busiest hour of an average day, and mean handle
    time (seconds) of answered contacts, for the given channels."""
    data = _of_channels(contacts, channels)
    times = pd.to_datetime(data["arrived_at"])
    days = times.dt.normalize().nunique()
    per_hour = times.dt.hour.value_counts().sort_index() / days
    answered = data[data.get("abandoned", 0) == 0] if "abandoned" in data else data
    table = per_hour.rename("contacts per hour").rename_axis("hour").to_frame()
    return HourLoad(table=table, n=len(data), value="contacts per hour",
                    method=f"contacts per hour of the day, mean over {days} day(s)",
                    title="Contacts by hour of an average day",
                    arrival_rate=float(per_hour.max() / 3600),
                    handle_time=float(answered["handle_seconds"].mean()),
                    busiest_hour=int(per_hour.idxmax()), days=int(days))


def channel_mix(contacts: pd.DataFrame, level: float = 0.95) -> Fit:
    """Share of contacts per channel (Goodman intervals) and mean satisfaction (t intervals).
    Channel codes are shown as words ("face_to_face" as "face to face"). A log without a
    channel column raises :class:`~cxlib.errors.NotEstimable`."""
    require_columns(contacts, ["channel"], what="the channel mix")
    counts = contacts["channel"].value_counts()
    ci = multinomial_proportions_confint(counts.to_numpy(), alpha=1 - level, method="goodman")
    table = pd.DataFrame({"contacts": counts, "share": counts / counts.sum(),
                          "share_low": ci[:, 0], "share_high": ci[:, 1]})
    if "satisfaction" in contacts:
        sat = {}
        for ch, g in contacts.dropna(subset=["satisfaction"]).groupby("channel"):
            sat[ch] = mean_ci(g["satisfaction"]) if len(g) > 1 else (np.nan,) * 3
        table[["satisfaction", "sat_low", "sat_high"]] = pd.DataFrame(sat, index=[
            "satisfaction", "sat_low", "sat_high"]).T
    table.index = [str(ch).replace("_", " ") for ch in table.index]
    return Fit(table=table.rename_axis("channel"), n=len(contacts), value="share",
               level=level, method="share of contacts with Goodman simultaneous intervals; "
                                   "mean satisfaction with t intervals",
               title="Contacts by channel")


def shares_within(contacts: pd.DataFrame, hold: float, greet: float,
                  channels: Channels) -> Estimates:
    """:func:`within_standard` of the phone channel at *hold* seconds (``"hold"``) and, when
    the log has a desk channel, of the desk at *greet* seconds (``"greet"``)."""
    shares = {"hold": within_standard(contacts, hold, channels.phone)}
    if channels.desk:
        shares["greet"] = within_standard(contacts, greet, channels.desk)
    return Estimates(shares, title="Share of contacts within the standard")
