"""Service standards and staffing from a queue's interval report (the ``intervals`` kind).

An automatic call distributor reports, per interval of time (5, 15 or 30 minutes), the calls
offered, answered, abandoned and answered within a threshold, with the average handle time
and speed of answer. From such a report:

* **Service level** (:func:`service_level`): SL = Σ answered within the threshold / Σ offered
  (a caller who hangs up counts as not answered in time: the industry's usual definition, and
  the reading of "never hold a call more than 30 s"), or / Σ answered (abandoned calls left
  out, as many ACD reports show it). The calls of one day are not independent (a busy day is
  slow for every caller), so the **day** is the unit of the interval: the logit of SL with
  CR1 errors clustered by day (scores sᵢ = yᵢ − nᵢ·SL per interval i, information
  N·SL(1 − SL), V = G/(G − 1)·Σ_d (Σ_{i∈d} sᵢ)² / (N·SL(1 − SL))²) and a t(G − 1)
  quantile, G the number of days: logit⁻¹(logit SL ± t·√V). It is the intercept-only
  binomial GLM with R's ``sandwich::vcovCL(cluster = ~day)``; at least
  :data:`~cxlib.stats.robust.MIN_CLUSTERS` days are needed.
* **Patience** (:func:`patience`), for Erlang A: with exponential patience of rate θ, each
  caller's patience is seen when they hang up and censored at their wait when answered, so
  the maximum-likelihood rate is θ̂ = Σ abandoned / Σ time waited by all callers (Garnett,
  Mandelbaum & Reiman 2002; Mandelbaum & Zeltyn 2013), time waited = answered × ASA +
  abandoned × average time to abandon, and the mean patience is 1/θ̂. Without the time to
  abandon in the file, an abandoner's wait is taken as the ASA (an assumption, stated).
  Interval: the Poisson log-rate model with CR1 errors clustered by day, t(G − 1).
* **Arrivals and staffing by interval of the day** (:func:`arrival_pattern`,
  :func:`staffing`): the mean calls offered at each time of day over the days observed, the
  arrival rate λ = mean offered / interval length, the handle time h from the file (mean of
  the calls answered) or the declared default, and per standard (t seconds, share p) the
  fewest agents with Erlang C (and Erlang A with the estimated patience) answering p of
  callers within t (:mod:`cxlib.stats.queues`). :func:`staffing_summary` adds the agent-hours
  of a day under each standard and what the stricter one needs beyond the other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from cxlib.data.derived import day_of, time_of_day
from cxlib.data.queue_checks import interval_length
from cxlib.errors import NotEstimable, require_columns
from cxlib.stats import queues
from cxlib.stats.estimates import Estimate, Estimates, Fit
from cxlib.stats.robust import clustered_method, ml_clustered, require_clusters, t_quantile

BASES = {"offered": "calls offered (a caller who hangs up is not answered in time)",
         "answered": "calls answered (callers who hung up left out)"}
"""What the service level is a share of."""

__all__ = ["BASES", "Staffing", "arrival_pattern", "interval_length", "patience",
           "service_level", "service_levels", "staffing", "staffing_summary",
           "within_standard"]


def _clustered_interval(scores: np.ndarray, information: float, frame: pd.DataFrame,
                        level: float) -> tuple[float, int]:
    """Half-width t(G − 1)·SE on the model scale, from CR1 errors clustered by the day of
    each row of *frame* (at least :data:`~cxlib.stats.robust.MIN_CLUSTERS` days), and G."""
    require_clusters(day_of(frame).nunique(), "days")
    cov, g = ml_clustered(scores[:, None], np.array([[-information]]),
                          day_of(frame).to_numpy())
    return t_quantile(level, g - 1) * math.sqrt(cov[0, 0]), g


def _require_within(frame: pd.DataFrame) -> None:
    if "answered_within" not in frame or frame["answered_within"].isna().all():
        raise NotEstimable("the file has no count of calls answered within a threshold "
                           "(`answered_within`): it holds no waits, so whether calls were "
                           "answered in time cannot be seen")


def service_level(frame: pd.DataFrame, threshold: float | None, *, basis: str = "offered",
                  level: float = 0.95) -> Estimate:
    """Share of calls answered within *threshold* seconds, of the calls offered or answered
    (*basis*), with its interval clustered by day (formulas in the module docstring).
    Not estimable without the within-threshold counts, without the threshold, over too few
    days, or when every call or none met the threshold (no interval on the logit scale)."""
    if basis not in BASES:
        raise ValueError(f"basis must be one of {', '.join(BASES)}, not {basis!r}")
    _require_within(frame)
    require_columns(frame, [basis], what="the service level")
    if threshold is None:
        raise NotEstimable("the mapping file does not say within how many seconds "
                           "`answered_within` counts calls (threshold_seconds:)")
    data = frame.dropna(subset=["answered_within", basis])
    within, calls = data["answered_within"].to_numpy(float), data[basis].to_numpy(float)
    total, hits = float(calls.sum()), float(within.sum())
    figure = f"share of calls answered within {threshold:g} s (of all {basis})"
    if total == 0:
        raise NotEstimable(f"no calls {basis} in the file")
    share = hits / total
    if share in (0.0, 1.0):
        raise NotEstimable(f"{'every' if share else 'no'} call {basis} was answered within "
                           f"{threshold:g} s, so the share has no interval")
    half, g = _clustered_interval(within - calls * share, total * share * (1 - share), data,
                                  level)
    low, high = expit(logit(share) - half), expit(logit(share) + half)
    return Estimate(figure, share, float(low), float(high), int(total),
                    f"Σ within / Σ {basis}; logit interval, {clustered_method('day', g)}",
                    level, clusters=g)


def service_levels(frame: pd.DataFrame, threshold: float | None,
                   level: float = 0.95) -> Estimates:
    """The service level of :func:`service_level` on each basis the file allows (of calls
    offered; of calls answered when it counts them), by basis."""
    return Estimates({b: service_level(frame, threshold, basis=b, level=level) for b in BASES
                      if b in frame and frame[b].notna().any()},
                     title="Service level, by what it is a share of")


def within_standard(frame: pd.DataFrame, threshold: float | None, standard: float,
                    level: float = 0.95) -> Estimate:
    """The share of calls offered answered within the *standard* (seconds): the service level
    of :func:`service_level` when the file's threshold is the standard. A file counting
    calls within another threshold cannot say it (a count within 20 s is not a count within
    30 s): :class:`~cxlib.errors.NotEstimable`, with the reason."""
    _require_within(frame)
    if threshold is not None and threshold != standard:
        raise NotEstimable(f"the file counts calls answered within {threshold:g} s; the "
                           f"standard is {standard:g} s, and one count cannot give the other")
    return service_level(frame, threshold, basis="offered", level=level)


def patience(frame: pd.DataFrame, level: float = 0.95) -> Estimate:
    """Mean patience of callers in seconds (exponential patience; formula and interval in
    the module docstring)."""
    require_columns(frame, ["answered", "abandoned", "asa_seconds"],
                    what="the patience of callers")
    data = frame.dropna(subset=["answered", "abandoned"])
    data = data[(data["answered"] == 0) | data["asa_seconds"].notna()]
    measured = "abandon_seconds" in data
    if measured:
        data = data[(data["abandoned"] == 0) | data["abandon_seconds"].notna()]
    gave_up = data["abandoned"].to_numpy(float)
    waited_ab = (data["abandon_seconds"] if measured else data["asa_seconds"]).fillna(0)
    waited = (data["answered"] * data["asa_seconds"].fillna(0)
              + data["abandoned"] * waited_ab).to_numpy(float)
    if gave_up.sum() == 0:
        raise NotEstimable("no caller hung up, so the file cannot show how patient callers are")
    if waited.sum() == 0:
        raise NotEstimable("no caller waited, so the file cannot show how patient callers are")
    rate = gave_up.sum() / waited.sum()
    half, g = _clustered_interval(gave_up - rate * waited, gave_up.sum(), data, level)
    how = ("the average time to abandon" if measured else
           "the ASA of answered calls (assumed: the file has no time to abandon)")
    mean = 1 / float(rate)
    return Estimate("mean patience of callers", mean, mean * math.exp(-half),
                    mean * math.exp(half), int(gave_up.sum()),
                    f"exponential patience: Σ waits / Σ abandoned, abandoners' waits from {how};"
                    f" log-rate interval, {clustered_method('day', g)}",
                    level, unit="s", clusters=g)


def _weighted_handle(group: pd.DataFrame) -> float:
    """Mean handle time of the calls answered (interval means weighted by calls answered;
    unweighted when the file has no answered counts)."""
    times = group["handle_seconds"]
    weights = group["answered"] if "answered" in group else pd.Series(1.0, index=group.index)
    ok = times.notna() & weights.notna() & (weights > 0)
    if not ok.any():
        return math.nan
    return float(np.average(times[ok], weights=weights[ok]))


def arrival_pattern(frame: pd.DataFrame, minutes: float) -> Fit:
    """By time of day (and queue, when the file has several): the days the interval was
    seen, the mean calls offered per interval and their SD between days, the dispersion
    (variance / mean: 1 for Poisson arrivals), calls per hour (mean × 60 / *minutes*), the
    mean handle time of calls answered, and the share abandoned and answered within the
    threshold (of calls offered) where the file has them."""
    data = frame.assign(time=time_of_day(frame))
    keys = ["queue", "time"] if "queue" in data and data["queue"].nunique() > 1 else ["time"]
    rows = []
    for key, g in data.groupby(keys, sort=True):
        offered = g["offered"].dropna()
        mean = float(offered.mean())
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        row |= {"days": int(offered.size), "mean offered": mean,
                "SD between days": float(offered.std(ddof=1)) if offered.size > 1 else math.nan,
                "dispersion": (float(offered.var(ddof=1)) / mean
                               if offered.size > 1 and mean > 0 else math.nan),
                "calls per hour": mean * 60 / minutes}
        if "handle_seconds" in g:
            row["handle time (s)"] = _weighted_handle(g)
        total = float(g["offered"].sum())
        for col, name in (("abandoned", "share abandoned"),
                          ("answered_within", "share within threshold")):
            if col in g:
                row[name] = float(g[col].sum()) / total if total else math.nan
        rows.append(row)
    return Fit(table=pd.DataFrame(rows).set_index(keys), n=len(frame), value="calls per hour",
               method=f"mean over the days observed of each {minutes:g}-minute interval of "
                      "the day", title="Calls offered by time of day")


def _handle_times(pattern: pd.DataFrame, frame: pd.DataFrame,
                  default: float | None) -> tuple[pd.Series, str]:
    """The handle time of each row of *pattern* and where it comes from: the file's mean at
    that time of day, else the file's overall mean, else the declared *default*."""
    if "handle time (s)" in pattern and pattern["handle time (s)"].notna().any():
        overall = _weighted_handle(frame)
        times = pattern["handle time (s)"].fillna(overall)
        filled = int(pattern["handle time (s)"].isna().sum())
        return times, ("the file's mean handle time at that time of day"
                       + (f" (its overall mean {overall:.0f} s at the {filled} times of day "
                          "with none)" if filled else ""))
    if default is None:
        raise NotEstimable("the file has no handle times and the mapping declares none "
                           "(default_handle_seconds:), so no staffing can be computed")
    return (pd.Series(float(default), index=pattern.index),
            "assumed in the mapping (default_handle_seconds), not in the data")


@dataclass(frozen=True, kw_only=True, repr=False)
class Staffing(Fit):
    """:func:`staffing`: agents needed by time of day under each standard (columns ``C: …``
    for Erlang C, ``A: …`` for Erlang A), and where the handle times came from
    (``handle_source``)."""

    handle_source: str
    minutes: float

    @property
    def agent_columns(self) -> list[str]:
        """The columns of agents needed (``C: 80% in 20 s``, ``A: …``)."""
        return [c for c in self.table.columns if c[:3] in ("C: ", "A: ")]

    @property
    def busiest(self) -> object:
        """The time of day (or queue and time) with the most calls per hour."""
        return self.table["calls per hour"].idxmax()


def staffing(pattern: Fit, frame: pd.DataFrame, minutes: float,
             standards: Sequence[tuple[float, float]], *, default_handle: float | None = None,
             mean_patience: float | None = None) -> Staffing:
    """Agents needed at each time of day (rows of :func:`arrival_pattern`) for each
    standard (t seconds, share p): the fewest agents with which Erlang C answers p of
    callers within t (``C: p in t s``), and Erlang A with *mean_patience* (``A: p in t s``).
    Arrival rate λ = mean offered / (60·*minutes*) per second; handle time from the file
    or *default_handle* (:func:`_handle_times`), its source said in ``handle_source``."""
    pattern = pattern.table
    handle, source = _handle_times(pattern, frame, default_handle)
    rate = pattern["mean offered"] / (60 * minutes)
    table = pd.DataFrame({"calls per hour": pattern["calls per hour"],
                          "handle time (s)": handle, "load (Erlangs)": rate * handle})
    for seconds, share in standards:
        label = f"{share:.0%} in {seconds:g} s"
        table[f"C: {label}"] = [queues.agents_needed(r, h, seconds, share) if r > 0 else 0
                                for r, h in zip(rate, handle, strict=True)]
        if mean_patience is not None:
            table[f"A: {label}"] = [
                queues.agents_needed_erlang_a(r, h, mean_patience, seconds, share)
                if r > 0 else 0 for r, h in zip(rate, handle, strict=True)]
    patience = (f"; Erlang A with mean patience {mean_patience:.0f} s"
                if mean_patience is not None else "")
    return Staffing(table=table, n=len(frame), value="calls per hour", title="Agents needed "
                    "by time of day", method=f"Erlang C, fewest agents meeting each "
                                             f"standard{patience}",
                    notes=(f"handle time: {source}",), handle_source=source, minutes=minutes)


def staffing_summary(plan: Staffing) -> Fit:
    """Per agent column of :func:`staffing`: the agents at the busiest time of day and the
    agent-hours of an average day (Σ agents × minutes / 60), with the agent-hours beyond
    the first column of the same model (what a stricter standard costs)."""
    table, minutes, cols = plan.table, plan.minutes, plan.agent_columns
    rows = []
    for col in cols:
        first = next(c for c in cols if c[:3] == col[:3])
        hours = float(table[col].sum()) * minutes / 60
        rows.append({"staffing": col, "model": "Erlang C" if col.startswith("C") else "Erlang A",
                     "agents at the busiest time": int(table[col].max()),
                     "agent-hours per day": hours,
                     f"beyond {first[3:]}": hours - float(table[first].sum()) * minutes / 60})
    return Fit(table=pd.DataFrame(rows).set_index("staffing"), n=plan.n,
               value="agent-hours per day", method=plan.method, notes=plan.notes,
               title="Agent-hours of an average day")
