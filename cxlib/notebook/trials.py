"""REL-1's figures from a user's experiment file (notebook 10).

An experiment's lift is REL-1's own figure (``itt_lift``) unless the experiment is a
nearest-available one (the mapping's ``proxy:`` says what it measures instead): then REL-1's
own figure is not testable (:func:`cxlib.notebook.readings.proxy_reason`) and the lift is
shown beside the claim as ``gesture_lift``, under the registry's words for it; what the notes
pay back is worked out for REL-1's own experiment only. Without an experiment file notebook 10
reads the customers ledger's randomised follow-up note instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlib.errors import NotEstimable, NotInRun
from cxlib.notebook import readings
from cxlib.registry.claims import get_claim
from cxlib.stats.estimates import Estimate

if TYPE_CHECKING:
    import pandas as pd

    from cxlib.data.dataset import Dataset

NO_FOLLOW_UP = "no randomised follow-up in the ledger"
"""REL-1's reason on a customers ledger without the follow-up note columns."""


def own_figure(trial: Dataset, lift: Estimate) -> Estimate:
    """REL-1's own figure (``itt_lift``) from the experiment *trial*: its *lift*, or, for a
    proxy experiment, the figure as not testable with the proxy's reason."""
    if trial.mapping.proxy:
        figure = get_claim("REL-1").spec("itt_lift").figure
        return Estimate.untestable(figure, readings.proxy_reason(trial.mapping.proxy),
                                   len(trial))
    return lift


def proxy_figure(trial: Dataset, lift: Estimate) -> Estimate:
    """A proxy experiment's *lift* under the registry's words for REL-1's nearest figure
    (``gesture_lift``); :class:`NotInRun` (nothing shown) for REL-1's own experiment."""
    require_proxy(trial, proxy=True)
    return lift.named(get_claim("REL-1").spec("gesture_lift").figure)


def require_proxy(trial: Dataset | None, *, proxy: bool) -> None:
    """Raise :class:`NotInRun` unless *trial* is (``proxy=True``) or is not (``proxy=False``;
    no experiment file counts as not) a proxy experiment: a step for the other case does not
    run."""
    if bool(trial is not None and trial.mapping.proxy) != proxy:
        raise NotInRun("a proxy experiment" if not proxy else "REL-1's own experiment")


def require_follow_up(ledger: pd.DataFrame) -> None:
    """Raise :class:`NotEstimable` (:data:`NO_FOLLOW_UP`) unless the customers *ledger* has
    the randomised follow-up note (``followup_note``, ``repurchased``)."""
    if not {"followup_note", "repurchased"} <= set(ledger.columns):
        raise NotEstimable(NO_FOLLOW_UP)
