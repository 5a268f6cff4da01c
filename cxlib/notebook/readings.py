"""Readings: the sentences a notebook prints about a result, written from its fields.

An analysis returns numbers (an :class:`~cxlib.stats.estimates.Estimate` or a typed result,
:class:`~cxlib.stats.estimates.Result`); what they mean in words is said here, in one place,
so that no analysis builds prose while it estimates and no notebook assembles sentences
from a result's parts. Each function reads the fields of one kind of result and returns
text; every number it states is one of those fields.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from cxlib.stats.estimates import table_of
from cxlib.stats.formatting import fmt, p_value

if TYPE_CHECKING:  # the results read here; importing readings loads none of their models
    import pandas as pd

    from cxlib.analyses.consistency import HazardFit
    from cxlib.analyses.intervals import Staffing
    from cxlib.analyses.loyalty import Mediation
    from cxlib.analyses.people import Multilevel
    from cxlib.analyses.quality import Disconfirmation
    from cxlib.analyses.repeat import AgeingBaseline, SharePath
    from cxlib.analyses.retention import KaplanMeier, Snapshot
    from cxlib.analyses.wom import BassFit
    from cxlib.stats.estimates import Estimate, Result
    from cxlib.stats.measurement import StructureComparison

NEAR_ZERO_ICC = 0.01
"""An intraclass correlation below this is said in words as "outlets barely differ"."""


def mediated_share(paths: Mediation) -> str:
    """How much of the effect of x on y runs through m, in words, from a
    :func:`~cxlib.analyses.loyalty.mediation` result: share = a·b / c, with total
    c = c′ + a·b (the direct part is c′ / c).

    The share is stated only when it means something: the total effect's interval excludes
    0 and a·b and c′ have the same sign (otherwise one part cancels the other and a
    "share" can exceed 100%); "mostly through" needs share > 1/2."""
    x, m, y = paths.x, paths.m, paths.y
    table = paths.table
    ab = float(table.loc["indirect a·b", "estimate"])
    cp = float(table.loc[paths.direct, "estimate"])
    total = table.loc["total c"]
    c = float(total["estimate"])
    if total["ci_low"] <= 0 <= total["ci_high"] or ab * cp < 0:
        return (f"the effect of {x} on {y} does not split into shares here: total c "
                f"{c:.3f} [{total['ci_low']:.3f}, {total['ci_high']:.3f}], indirect a·b "
                f"{ab:.3f}, direct c′ {cp:.3f}")
    share = ab / c
    how = "mostly" if share > 0.5 else "less than half"
    return (f"{share:.0%} of the association of {x} with {y} goes through {m} (indirect a·b "
            f"{ab:.3f} of total c {c:.3f}; direct c′ {cp:.3f}): in these data {x} and {y} go "
            f"together {how} by way of {m}, a split of associations that does not show {x} "
            f"acting on {y}")


def multilevel(fit: Multilevel) -> str:
    """What the variance split of :func:`~cxlib.analyses.people.multilevel` says: outlets
    differ no more than chance (τ² on the boundary: the model is OLS), barely differ (ICC
    below :data:`NEAR_ZERO_ICC`, near the boundary), or the share
    of the variation that lies between outlets."""
    if fit.effect.problem:
        return f"The random-intercept model gives no slope: {fit.effect.problem}."
    if fit.boundary:
        return ("Outlets differ no more than chance would make them once staff satisfaction "
                "is known: the between-outlet variance is estimated at zero (on the boundary "
                "of the model), so the model is ordinary least squares, same slope and "
                "interval.")
    if fit.icc < NEAR_ZERO_ICC:
        return (f"Outlets barely differ once staff satisfaction is known: the between-outlet "
                f"variance is next to zero (ICC {fit.icc:.1%}, near the boundary of the "
                f"model), so customers of one outlet are hardly more alike than customers of "
                f"different outlets and the slope is practically that of ordinary least "
                f"squares.")
    return (f"{fit.icc:.1%} of the variation in customer satisfaction lies between outlets "
            f"(ICC), beyond what staff satisfaction explains.")


def bass(fit: BassFit) -> str:
    """What a :func:`~cxlib.analyses.wom.fit_bass` fit shows: a turned curve identifies p, q
    and m; a curve still rising, or a fit whose uncertainty cannot be estimated, does not."""
    if fit.identified:
        return (f"Adoptions peaked in period {fit.peak:.0f} of {fit.n}: the curve has turned, "
                f"so p, q and the market size m are identified.")
    if fit.still_rising:
        return (f"Not identified: adoptions are still rising after {fit.n} periods (the "
                f"fitted curve would peak in period {fit.peak:.0f}), so a much larger or "
                f"smaller market fits these data about as well. The intervals would be "
                f"meaningless and are not shown; the estimates are one of many near-equal "
                f"fits and describe only the rise observed.")
    return ("Not identified: the uncertainty of the fit cannot be estimated from these "
            "data, so no intervals are shown.")


def constraints(fit: Disconfirmation) -> str:
    """Sentences on a :func:`~cxlib.analyses.quality.disconfirmation` result: the sign of b_E
    (its interval at the fit's level above, below or across 0) and whether the data reject
    the gap score's constraints."""
    row = fit.table.loc["expectation"]
    if row["ci_low"] > 0:
        sign = ("At a given perception, respondents who expected more are more satisfied "
                "(b_E > 0): the opposite of what 'against expectations' predicts")
    elif row["ci_high"] < 0:
        sign = ("At a given perception, respondents who expected more are less satisfied "
                "(b_E < 0), as 'against expectations' predicts")
    else:
        sign = ("At a given perception, the data cannot tell whether expectations raise or "
                "lower satisfaction (the interval of b_E includes 0)")
    gap, surface, alpha = fit.gap_constraint, fit.surface_constraints, 1 - fit.level
    verdict = ("reject" if max(gap.p, surface.p) < alpha else
               "do not reject" if min(gap.p, surface.p) >= alpha else "partly reject")
    return (f"{sign}. A gap score P − E assumes b_E = −b_P: here b_P + b_E = "
            f"{gap.value:.3f} (SE {gap.se:.3f}), F = {gap.f:.1f}, {p_value(gap.p)}; with the "
            f"response surface's quadratic terms (the gap also assumes no P², P·E or E² term), "
            f"F = {surface.f:.1f} on {surface.df} df, {p_value(surface.p)}. The data {verdict} "
            f"the gap score's constraints.")


def dispersion(pattern: Result) -> str:
    """What the day-to-day variation of the counts of an
    :func:`~cxlib.analyses.intervals.arrival_pattern` says: the median over times of day of
    variance / mean (1 for Poisson arrivals with the same rate every day)."""
    ratio = float(pattern.table["dispersion"].median())
    if not math.isfinite(ratio):
        return "With one day per time of day, the variation between days cannot be seen."
    if ratio <= 1.5:
        return (f"Between days, the counts at one time of day vary about as Poisson arrivals "
                f"would (median variance ÷ mean {ratio:.1f}): one rate per time of day fits.")
    return (f"Between days, the counts at one time of day vary {ratio:.1f} times as much as "
            "Poisson arrivals with one rate would (median variance ÷ mean): some days are "
            "busier than others, so a plan for the mean day is short on busy days.")


def busiest(plan: Staffing) -> str:
    """The staffing at the busiest time of day (most calls per hour) of a
    :func:`~cxlib.analyses.intervals.staffing` plan, naming where the handle time came
    from."""
    peak = plan.busiest
    row = plan.table.loc[peak]
    needs = []
    for model, prefix in (("Erlang C", "C: "), ("Erlang A", "A: ")):
        cols = [c for c in plan.agent_columns if c.startswith(prefix)]
        if cols:
            parts = [f"{int(row[c]):,} agents for {c[3:]}" if i == 0 else
                     f"{int(row[c]):,} for {c[3:]}" for i, c in enumerate(cols)]
            needs.append(f"{model} needs {' and '.join(parts)}")
    when = " ".join(peak) if isinstance(peak, tuple) else peak
    return (f"At the busiest time of day ({when}, {row['calls per hour']:,.0f} calls an hour, "
            f"{row['load (Erlangs)']:,.1f} Erlangs), {'; '.join(needs)}. Handle time "
            f"{row['handle time (s)']:.0f} s: {plan.handle_source}.")


def payback(cost: Estimate, note_cost: float, margin_per_purchase: float) -> str:
    """A :func:`~cxlib.analyses.relationships.cost_per_incremental_margin` estimate in words:
    above 1 the notes cost more than the margin they bring, below 1 they pay; the break-even
    lift is note cost ÷ margin per purchase (in points of repurchase rate)."""
    even = note_cost / margin_per_purchase
    if cost.ci_low is None or not math.isfinite(cost.value):
        reading = "not estimable (no positive lift)"
    elif cost.ci_low > 1:
        reading = "above 1 across the interval: the notes do not pay at these costs"
    elif cost.ci_high < 1:
        reading = "below 1 across the interval: the notes pay at these costs"
    else:
        reading = "the interval spans 1: these data cannot tell whether the notes pay"
    return (f"cost per unit of extra margin: {cost}; {reading}. At a note cost of "
            f"{note_cost:g} and a margin of {margin_per_purchase:g} per purchase they pay "
            f"from a lift of {100 * even:.1f} points of repurchase rate.")


def proxy_reason(measures: str) -> str:
    """Why REL-1's own figure is not testable on a nearest-available experiment that
    measures *measures* (the mapping's ``proxy:``)."""
    return (f"this experiment measures {measures}, not the effect of a thank-you note on "
            "buying again; its lift is shown beside the claim as the nearest field "
            "experiment, and does not decide it")


def log_end(result: Result) -> str:
    """:func:`~cxlib.analyses.repeat.share_by_log_end` in words: the whole-log share at each
    end of the log and, when new customers stop arriving, from when every order is a repeat
    order by construction."""
    table = result.table
    share = table["repeat share of the whole log"]
    ends = [str(m) for m in table.index]
    text = (f"Ending the log in {', '.join(ends[:-1])} or {ends[-1]} gives a whole-log share "
            f"of {', '.join(f'{v:.0%}' for v in share.iloc[:-1])} and {share.iloc[-1]:.0%}"
            if len(ends) > 1 else f"The whole log gives a share of {share.iloc[-1]:.0%}")
    new = table["new since the previous row"].to_numpy()
    if new[-1] > 0:
        return (f"{text}; new customers arrive to the end ({new[-1]:,} since {ends[-2]}), so "
                f"the share mixes returning and new customers, as a going business's does."
                if len(ends) > 1 else f"{text}.")
    last = int(np.flatnonzero(new > 0).max())
    return (f"{text}. Nobody is new after {ends[last]} ({table['customers acquired'].iloc[last]:,} "
            f"customers acquired by then): from then on every order is a repeat order by "
            f"construction, and the whole-log share rises only because the same customers are "
            f"followed longer ({share.iloc[last]:.0%} after {table['months followed'].iloc[last]} "
            f"months, {share.iloc[-1]:.0%} after {table['months followed'].iloc[-1]}), whatever "
            f"their loyalty.")


def share_path(name: str, path: SharePath) -> str:
    """A :func:`~cxlib.analyses.repeat.share_path` in words: "constant acquisition: starts at
    11%, passes 75% in month 15; over the last 24 months it stays near 79.7% (76%–82%)". The
    settled level has one decimal, so that the gap between two paths (a notebook prints it
    rounded to whole points) can be read off the two sentences."""
    reached = (f"passes {path.reference:.0%} in month {path.month_reached}"
               if path.month_reached else f"never reaches {path.reference:.0%}")
    low, high = path.settled_range
    return (f"{name}: starts at {path.first:.0%}, {reached}; over the last "
            f"{path.settled_months} months it stays near {path.settled:.1%} "
            f"({low:.0%}–{high:.0%})")


def share_paths(paths: dict[str, SharePath]) -> list[str]:
    """:func:`share_path` of each named path, one sentence each."""
    return [share_path(name, path) for name, path in paths.items()]


def channel_use(mix) -> str:
    """Why a contact log's channel mix (:func:`~cxlib.analyses.standards.channel_mix`) does
    not test a channel preference, with each channel's share of contacts."""
    shares = "; ".join(f"{ch} {row['share']:.1%}" for ch, row in mix.table.iterrows())
    return f"a contact log shows use, not preference: {shares}"


def ageing_counts(base: AgeingBaseline) -> str:
    """The counts behind an :func:`~cxlib.analyses.repeat.ageing_baseline`, in a sentence."""
    return (f"window {base.window}: {base.new:,} new customers, {base.before:,} earlier ones; "
            f"{base.repeat_orders:,} repeat orders placed, {base.expected_repeat_orders:,.0f} "
            f"expected at constant behaviour")


def survival_curve(km: KaplanMeier) -> str:
    """What a Kaplan–Meier curve of :func:`~cxlib.analyses.retention.kaplan_meier` shows, in
    words, and whom it left out."""
    follow_up_months = km.follow_up_months
    if follow_up_months is None:
        return " ".join(["Share of customers still active after each month since "
                         "acquisition, customers still active counting as censored.",
                         *km.notes])
    return " ".join([f"Period retention: each customer counts only from the start of the "
            f"{follow_up_months:g}-month window in which leaving was seen, so the curve "
            "multiplies the risks of leaving seen in that window at each tenure. It is the "
            "share who would still be customers after each month if this window's risks "
            "held for a customer going through every tenure, not the retention of any "
            "group of customers actually followed.", *km.notes])


def snapshot(s: Snapshot) -> str:
    """A :func:`~cxlib.analyses.retention.snapshot` in words."""
    if s.follow_up_months is None:
        return ("This ledger follows each customer from acquisition (its mapping declares "
                "no follow-up window), so the survival models count every customer from "
                "their first month.")
    lines = [f"A snapshot: {s.present:,} customers were present at the start of the "
             f"{s.follow_up_months:g}-month window and {s.left:,} ({s.left / s.present:.1%}) "
             f"left within it."]
    if s.no_time:
        who, are = ("1 customer", "is") if s.no_time == 1 else (f"{s.no_time:,} customers", "are")
        lines[0] += (f" {who} with no time at risk (a tenure of 0, or gone before the "
                     f"follow-up window began) {are} left out: they tell nothing about "
                     "leaving.")
    if s.products_r is not None:
        lines.append(f"Products held, counted at the end of the window: "
                     f"{s.products_short:.2f} on average at tenures up to {s.short_months:g} "
                     f"months (the shortest quarter), {s.products_long:.2f} at "
                     f"{s.long_months:g} months or more (the longest quarter); correlation "
                     f"with tenure r = {s.products_r:.2f}.")
    lines.append(f"{s.stayed:.1%} of these customers have stayed more than {s.horizon:g} "
                 f"months. Had the window's risks of leaving always held, with as many "
                 f"customers joining every month, {s.steady:.1%} would have.")
    return "\n".join(lines)


def reliability(table: pd.DataFrame, floor: float | None = None) -> str:
    """One sentence on a :func:`~cxlib.stats.measurement.reliability_table`: the dimensions
    whose alpha is below *floor* (by default :data:`~cxlib.stats.reliability.ALPHA_FLOOR`;
    their effects and shares below rest on items that do not measure one thing reliably),
    or that every dimension reaches it."""
    from cxlib.stats.reliability import ALPHA_FLOOR

    floor = ALPHA_FLOOR if floor is None else floor
    rated = table.dropna(subset=["alpha"])
    weak = rated[rated["alpha"] < floor]
    if rated.empty:
        return "No dimension has two or more items: alpha cannot be computed."
    if weak.empty:
        return f"Every dimension with two or more items reaches alpha {floor:g}."
    named = "; ".join(f"{name} (alpha {r.alpha:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}])"
                      for name, r in weak.iterrows())
    return (f"Below the usual floor of alpha {floor:g}: {named}. Read the effects and shares "
            "of these dimensions below with caution: a dimension its items do not measure "
            "reliably cannot be shown to drive anything.")


def structures(table: StructureComparison) -> str:
    """What a :func:`~cxlib.stats.measurement.compare_structures` result allows: the χ²
    difference test when both solutions are proper, else why there is none, and each
    improper model's problems (its fit indices are then shown without a verdict)."""
    models = list(table.table.index)
    difference = table.chi2_difference
    lines = ([f"χ² difference, {models[0]} vs {models[1]}: {difference[0]:.1f} on "
              f"{difference[1]} df, {p_value(difference[2])}"] if difference else
             ["No χ² difference test: an improper solution's χ² describes nothing real."])
    lines += [f"{name}: improper solution ({'; '.join(problems)}); its fit indices are shown "
              "without a verdict on fit" for name, problems in table.problems.items()]
    return "\n".join(lines)


def hazard_scale(fit: HazardFit) -> str:
    """How to read a :func:`~cxlib.analyses.consistency.hazard_model` table: its n of
    customer-visits and clusters of customers (the intervals treat a customer, with all
    their visits, as one unit), and the scale of each column (log-odds; odds ratio = e^coef)."""
    clusters = f" of {fit.clusters:,} customers" if fit.clusters else ""
    unit = ("; the intervals treat each customer, with all their visits, as one unit "
            "(standard errors clustered by customer)" if fit.clusters else "")
    return (f"n = {fit.n:,} customer-visits{clusters}{unit}. coef, SE and their interval are "
            "on the log-odds scale; the odds ratio is e to the power coef.")


def churn_curves(curves: Result | pd.DataFrame) -> str:
    """What the predicted-churn curves of :func:`~cxlib.analyses.consistency.predicted_churn`
    show, computed from them: for each SD, the chance of leaving at the lowest and the
    highest mean quality drawn, the fall in percentage points, and the factor by which the
    odds of leaving fall. The two scales can disagree: where churn starts higher (more
    variable service) the same odds factor is a larger fall in points, so the sentence says
    which curve falls more on each."""
    ends = []
    for sd, part in table_of(curves).sort_values("mean quality").groupby("sd"):
        lo, hi = part.iloc[0], part.iloc[-1]
        odds = (lo["p_leave"] / (1 - lo["p_leave"])) / (hi["p_leave"] / (1 - hi["p_leave"]))
        ends.append((sd, lo["p_leave"], hi["p_leave"], odds, lo["mean quality"],
                     hi["mean quality"]))
    if len(ends) < 2:
        raise ValueError("the curves need two SD levels to be compared")
    (sd1, a1, b1, f1, m0, m1), (sd2, a2, b2, f2, _, _) = ends[0], ends[-1]
    points = "more" if (a2 - b2) > (a1 - b1) else "less"
    odds = "more" if f2 > f1 else "less"
    return (f"From mean quality {m0:g} to {m1:g}, the predicted chance of leaving falls from "
            f"{a2:.0%} to {b2:.0%} ({(a2 - b2) * 100:.0f} points) at SD {sd2:g}, and from "
            f"{a1:.0%} to {b1:.0%} ({(a1 - b1) * 100:.0f} points) at SD {sd1:g}: in "
            f"percentage points a better mean lowers churn {points} when service varies. On "
            f"the odds scale, the model's and its interaction's, the same better mean divides "
            f"the odds of leaving by {f2:.1f} at SD {sd2:g} and by {f1:.1f} at SD {sd1:g}: "
            f"it protects {odds} when service varies. The interaction's interval says "
            "whether that difference is more than chance.")


def hierarchical(steps: Result) -> str:
    """What a :func:`~cxlib.analyses.journey.hierarchical` regression shows: R² before and
    after the specific moments, the share of variance they add (ΔR²) and the p-value of the
    step."""
    table = steps.table
    return (f"The specific moments raise R² from {table['R²'].iloc[0]:.3f} to "
            f"{table['R²'].iloc[1]:.3f}: they explain a further {table['ΔR²'].iloc[1]:.1%} of "
            f"the variance of overall satisfaction ({p_value(table['p (step)'].iloc[1])}).")


def _steps(k: int) -> str:
    return f"{k} step" if k == 1 else f"{k} steps"


def return_by_steps(rates: Result | pd.DataFrame, min_visits: int = 30) -> str:
    """What the return rates by steps done (:func:`~cxlib.analyses.journey.return_by_steps`)
    show, computed from the table: the rates at the fewest and the most steps among the rows
    of at least *min_visits* visits, whether they rise step by step (each fall named), and the
    rows too small to read. It describes and does not test: the table takes visits as
    independent, so whether two rates differ by more than chance is left to the odds ratio per
    step (customers as the unit), and the sentence says so."""
    table = table_of(rates)
    big, small = table[table["visits"] >= min_visits], table[table["visits"] < min_visits]
    parts = []
    if len(big) >= 2:
        first, last = big.iloc[0], big.iloc[-1]
        trend = "higher" if last["return rate"] > first["return rate"] else "not higher"
        parts.append(f"Customers came back after {first['return rate']:.1%} of the visits with "
                     f"{_steps(big.index[0])} done and after {last['return rate']:.1%} of those "
                     f"with {_steps(big.index[-1])} ({trend} with the most steps)")
        falls = [(k0, r0, k1, r1) for (k0, r0), (k1, r1) in pairwise(big.iterrows())
                 if r1["return rate"] < r0["return rate"]]
        if falls:
            said = [f"{r0['return rate']:.1%} with {_steps(k0)} against {r1['return rate']:.1%} "
                    f"with {_steps(k1)}" for k0, r0, k1, r1 in falls]
            parts[-1] += ", but not rising step by step: " + "; ".join(said)
        else:
            parts[-1] += ", rising at every step"
        parts.append("These rates describe the visits, taken as independent; whether returning "
                     "rises with the steps by more than chance is for the odds ratio per step, "
                     "with customers as the unit")
    for k, row in small.iterrows():
        parts.append(f"The row for {_steps(k)} rests on {int(row['visits'])} visits, too few to "
                     f"read (its interval runs from {row['ci_low']:.0%} to {row['ci_high']:.0%})")
    return ". ".join(parts) + "." if parts else "No row has enough visits to read."


def lifetime_problem(life: Estimate, spread: float = 3.0) -> str:
    """Why an expected customer lifetime (``cost_ratios(...)["expected customer
    lifetime"]``, :func:`~cxlib.analyses.retention.cost_ratios`) does not pin down the ratios
    built on it, or "" when it does. It does not when it could not be estimated; when some
    bootstrap resamples gave no finite lifetime (r ≤ 1 in the exponential–gamma model: rates
    of leaving so spread across customers that the mean lifetime is unbounded, which few
    leavers make likely), since the interval of the others then leaves out the long
    lifetimes and need not even contain the estimate; or when the interval's upper end is
    more than *spread* times its lower end."""
    if life.problem or life.ci_low is None or life.ci_high is None:
        return f"The expected lifetime could not be estimated: {life.problem or 'no interval'}."
    if life.failed:
        return (f"The expected lifetime is not pinned down: {life.failed:,} of {life.draws:,} "
                "resamples gave no finite lifetime (in them the fitted rates of leaving differ "
                "so much between customers, a gamma shape r of at most 1, that the mean "
                "lifetime is unbounded; with few leavers a resample easily lands there), so "
                "neither is a ratio built on it.")
    if not life.ci_low <= life.value <= life.ci_high or life.ci_high > spread * life.ci_low:
        return (f"The expected lifetime is not pinned down: its interval, {fmt(life.ci_low)} "
                f"to {fmt(life.ci_high)} {life.unit}, spans more than a factor {spread:g}, so "
                "neither is a ratio built on it.")
    return ""


def reach(table: pd.DataFrame, population: int) -> str:
    """What a :func:`~cxlib.stats.spread.reach_table` shows, computed from it, one clause per
    network: the share of stories that stay small, the share that reach over half of the
    *population*, and the median and mean reach; where the median exceeds the mean, half the
    stories reach at least the median and the ones that die at once pull the mean down (said
    as such: "most" would overstate a share near one half)."""
    small = next(c for c in table.columns if c.startswith("share reaching ≤"))
    limit = small.removeprefix("share reaching ≤ ").removesuffix(" people")
    parts = []
    for name, row in table.iterrows():
        part = (f"on the {name} network {row[small]:.1%} of the stories stay at {limit} "
                f"people or fewer and {row['share reaching over half the people']:.1%} reach "
                f"over half of the {population:,}; the median story reaches "
                f"{row['median reach']:,.0f} people, the mean {row['mean reach']:,.0f}")
        if row["median reach"] > row["mean reach"]:
            part += (f" (half the stories reach {row['median reach']:,.0f} people or more; "
                     "those that die at once pull the mean down)")
        parts.append(part)
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def who_left(ledger: pd.DataFrame) -> str:
    """In words, how the ledger says who left and how many of them gave a reason."""
    from cxlib.data.derived import left
    from cxlib.errors import NotEstimable

    try:
        gone = left(ledger)
    except NotEstimable as why:
        return str(why)
    how = " or ".join(f"`{c}`" + (" = 1" if c == "churned" else " given")
                      for c in ("churned", "churned_on") if c in ledger)
    text = f"{int(gone.sum()):,} of {len(ledger):,} customers left ({how})"
    if "churn_reason" in ledger and ledger["churn_reason"].notna().any():
        stated = int((gone & ledger["churn_reason"].notna()).sum())
        others = int((~gone & ledger["churn_reason"].notna()).sum())
        text += f"; {stated:,} of them gave a reason"
        if others:
            text += (f" ({others:,} customers who did not leave also have an entry in "
                     "`churn_reason`; they are not counted as leavers)")
    else:
        text += "; the ledger has no stated reasons (`churn_reason`)"
    return text


def unreliable(reasons: Mapping[str, str]) -> str:
    """A caution naming the constructs whose items do not measure one thing
    (``SurveyConstructs.unreliable``: construct → reason), for the figures built on their
    scores; "" when there are none."""
    if not reasons:
        return ""
    return ("; ".join(reasons.values()) + ": a figure built on "
            + ("this score" if len(reasons) == 1 else "these scores")
            + " says little about the construct it is named after")
