"""Readings: the sentences a notebook prints about a result, written from its fields.

An analysis returns numbers (an :class:`~cxlib.stats.estimates.Estimate` or a typed result,
:class:`~cxlib.stats.estimates.Result`); what they mean in words is said here, in one place,
so that no analysis builds prose while it estimates and no notebook assembles sentences
from a result's parts. Each function reads the fields of one kind of result and returns
text; every number it states is one of those fields.
"""

from __future__ import annotations

from cxlib.analyses.loyalty import Mediation
from cxlib.analyses.people import NEAR_ZERO_ICC, Multilevel
from cxlib.analyses.wom import BassFit


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
    how = "mostly through" if share > 0.5 else "less than half through"
    return (f"{share:.0%} of the effect of {x} on {y} runs through {m} (indirect a·b {ab:.3f} "
            f"of total c {c:.3f}; direct c′ {cp:.3f}): {x} acts on {y} {how} {m}")


def multilevel(fit: Multilevel) -> str:
    """What the variance split of :func:`~cxlib.analyses.people.multilevel` says: outlets
    differ no more than chance (τ² on the boundary: the model is OLS), barely differ (ICC
    below :data:`~cxlib.analyses.people.NEAR_ZERO_ICC`, near the boundary), or the share
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
