"""Notebook steps that run only on a file the user gave (none on the sample).

A notebook calls a step with its session; the step loads the user's file for its kind when
one was given, shows the analysis and records what it records, and does nothing when the
run uses the bundled sample for that kind (its analysis is shown on other data above).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlib.analyses import customer_value
from cxlib.notebook.display import show

if TYPE_CHECKING:
    from cxlib.notebook.session import Session


def own_summary_fit(nb: Session, claim: str = "REP-1") -> None:
    """The BG/BB fit of the user's own customer summary (kind ``summary``), if one was given:
    loaded, fitted (:func:`cxlib.analyses.customer_value.summary_fit`, not strict) and shown;
    when the summary cannot give the fit, *claim* says why (``nb.attempt``)."""
    if nb.uses_sample("summary"):
        return
    mine = nb.load("summary")
    with nb.attempt(claim, data=mine):
        show(customer_value.summary_fit(mine.frame, periods=mine.mapping.periods,
                                        unit=mine.mapping.time_unit or "", strict=False))
