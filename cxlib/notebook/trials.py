"""REL-1's randomised comparison in notebook 10, from whichever data the run has.

A user's experiment file (kind ``experiment``) is analysed when one was given: its lift is
REL-1's figure, or, for a nearest-available experiment (the mapping's ``proxy:``), shown
beside the claim while REL-1's own figure is recorded as not testable. Otherwise the
customers ledger's randomised follow-up note (``followup_note``, ``repurchased``) gives the
lift, and a ledger without one records REL-1 as not testable. :func:`relationship_trial`
loads, shows and records it; :meth:`RelationshipTrial.show_payback` then shows the power
curve and, when the experiment is REL-1's own, what the notes pay back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cxlib.analyses import relationships
from cxlib.notebook import readings
from cxlib.notebook.display import say, show
from cxlib.registry.claims import get_claim

if TYPE_CHECKING:
    from cxlib.data.dataset import Dataset
    from cxlib.notebook.session import Session
    from cxlib.stats.estimates import Estimate

NO_FOLLOW_UP = "no randomised follow-up in the ledger"
"""REL-1's reason on a customers ledger without the follow-up note columns."""


@dataclass(frozen=True)
class RelationshipTrial:
    """What :func:`relationship_trial` found: the data it used, whether they hold a
    randomised comparison of a binary outcome (``has_trial``: a base rate to plan and cost
    from), the lift and the control arm's rate, and the experiment's ``proxy`` (what a
    nearest-available experiment measures instead; None for REL-1's own)."""

    data: Dataset
    has_trial: bool
    lift: Estimate | None = None
    base: float | None = None
    proxy: str | None = None

    def show_payback(self, note_cost: float, margin_per_purchase: float) -> None:
        """The power curve at the control rate and, unless the experiment is a proxy, what a
        note costs per unit of incremental margin in words; nothing without a trial."""
        if not self.has_trial:
            return
        show(relationships.power_curve(self.base))
        if not self.proxy:
            cost = relationships.cost_per_incremental_margin(self.lift, note_cost,
                                                             margin_per_purchase)
            say(readings.payback(cost, note_cost, margin_per_purchase))


def relationship_trial(nb: Session) -> RelationshipTrial:
    """Load the user's experiment file if one was given, else the customers ledger; show the
    analysis and record REL-1's figure (see the module docstring)."""
    if not nb.uses_sample("experiment"):
        return _experiment(nb, nb.load("experiment"))
    customers = nb.load("customers")
    ledger = customers.frame
    if not {"followup_note", "repurchased"} <= set(ledger.columns):
        nb.not_testable("REL-1", "itt_lift", NO_FOLLOW_UP, data=customers)
        return RelationshipTrial(customers, False)
    rates = relationships.arm_rates(ledger)
    show(rates)
    lift = relationships.itt_lift(ledger)
    show(nb.test("REL-1", "itt_lift", lift, data=customers))
    return RelationshipTrial(customers, True, lift, rates.estimate("control").value)


def _experiment(nb: Session, trial: Dataset) -> RelationshipTrial:
    arms = trial.arms
    result = relationships.analyse_experiment(trial.frame, arms.control, arms.treatment,
                                              covariates=trial.mapping.covariates)
    show(result, result.versus)
    say(f"{arms.treatment} against {arms.control}, without adjustment: {result.unadjusted}")
    proxy = trial.mapping.proxy
    if proxy:
        nb.not_testable("REL-1", "itt_lift", readings.proxy_reason(proxy), data=trial)
        nearest = get_claim("REL-1").spec("gesture_lift").figure  # the registry's words
        show(nb.test("REL-1", "gesture_lift", result.lift.named(nearest), data=trial))
    else:
        show(nb.test("REL-1", "itt_lift", result.lift, data=trial))
    return RelationshipTrial(trial, result.binary, result.lift, result.control_level, proxy)
