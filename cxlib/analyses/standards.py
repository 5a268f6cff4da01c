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

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.proportion import multinomial_proportions_confint

from cxlib.errors import require_columns
from cxlib.stats import robust
from cxlib.stats.estimates import Estimate
from cxlib.stats.uncertainty import mean_ci, proportion_estimate


def of_channels(contacts: pd.DataFrame, channels: tuple[str, ...] | None) -> pd.DataFrame:
    """The contacts of *channels*; every contact when *channels* is ``None`` or empty or the
    log has no ``channel`` column (a log of one channel)."""
    if not channels or "channel" not in contacts:
        return contacts
    return contacts[contacts["channel"].isin(channels)]


def within_standard(contacts: pd.DataFrame, seconds: float, channels: tuple[str, ...] | None,
                    level: float = 0.95) -> Estimate:
    """Share of contacts (of *channels*, :func:`of_channels`) answered within *seconds* and
    not abandoned."""
    data = of_channels(contacts, channels)
    ok = data["wait_seconds"] <= seconds
    if "abandoned" in data:
        ok &= data["abandoned"].fillna(0) == 0
    where = ", ".join(channels) if channels and "channel" in contacts else "all contacts"
    return proportion_estimate(f"share answered within {seconds:g} s ({where})", int(ok.sum()),
                               len(data), level, nobody=f"the log has no contacts ({where})")


def wait_quantiles(contacts: pd.DataFrame) -> pd.DataFrame:
    """Median, 80th, 95th percentile and maximum wait (seconds) per channel (one row, "all
    contacts", when the log has no channel column)."""
    if "channel" not in contacts:
        contacts = contacts.assign(channel="all contacts")
    q = contacts.groupby("channel")["wait_seconds"].quantile([0.5, 0.8, 0.95, 1.0]).unstack()
    q.columns = ["median", "80th percentile", "95th percentile", "maximum"]
    q["contacts"] = contacts["channel"].value_counts()
    return q.sort_values("contacts", ascending=False)


def wait_effects(contacts: pd.DataFrame, channels: tuple[str, ...],
                 level: float = 0.95) -> dict[str, Estimate]:
    """Satisfaction points per minute of wait, and odds ratio of abandoning per minute."""
    data = of_channels(contacts, channels).assign(wait_minutes=lambda d: d["wait_seconds"] / 60)
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
            figure="odds ratio of abandoning per extra minute of wait")[0]
    return out


def busiest_hour_load(contacts: pd.DataFrame, channels: tuple[str, ...]) -> dict[str, float]:
    """Arrival rate (per second) in the busiest hour of an average day, and mean handle
    time (seconds) of answered contacts, for the given channels."""
    data = of_channels(contacts, channels)
    times = pd.to_datetime(data["arrived_at"])
    days = times.dt.normalize().nunique()
    per_hour = times.dt.hour.value_counts() / days
    answered = data[data.get("abandoned", 0) == 0] if "abandoned" in data else data
    return {"arrival_rate": float(per_hour.max() / 3600),
            "handle_time": float(answered["handle_seconds"].mean()),
            "busiest_hour": int(per_hour.idxmax()), "days": int(days)}


def channel_mix(contacts: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
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
    return table.rename_axis("channel")
