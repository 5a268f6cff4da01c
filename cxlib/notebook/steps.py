"""Which data a notebook run analyses, and steps that run only on a file the user gave.

:func:`runs` says which of a notebook's data kinds a run analyses (notebook 08: the contact
log, the interval report or both); a cell needing a kind the run does not analyse is
skipped without a word (:class:`cxlib.errors.NotInRun` in ``nb.attempt``). A step such as
:func:`own_summary_fit` loads the user's file for its kind when one was given, shows the
analysis and records what it records, and does nothing when the run uses the bundled sample
for that kind (its analysis is shown on other data above).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cxlib.analyses import customer_value, retention
from cxlib.errors import NotInRun
from cxlib.notebook.display import show

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import pandas as pd

    from cxlib.notebook.session import Session
    from cxlib.stats.estimates import Fit


@dataclass(frozen=True)
class Runs:
    """The data kinds a run analyses (``kinds``) and those the user gave files for
    (``given``)."""

    kinds: tuple[str, ...]
    given: tuple[str, ...]

    def require(self, kind: str) -> None:
        """Raise :class:`NotInRun` unless the run analyses *kind*."""
        if kind not in self.kinds:
            raise NotInRun(f"this run does not analyse {kind} (files given: "
                           f"{', '.join(self.given)})")

    def require_given(self, kind: str) -> None:
        """Raise :class:`NotInRun` unless the user gave a file of *kind* (not the sample)."""
        if kind not in self.given:
            raise NotInRun(f"no {kind} file was given")

    def require_sample(self, kind: str) -> None:
        """Raise :class:`NotInRun` when the user gave a file of *kind*: a step that stands in
        for it (REL-1 on the customers ledger when no experiment was given) does not run."""
        if kind in self.given:
            raise NotInRun(f"a {kind} file was given")


def runs(nb: Session, *kinds: str) -> Runs:
    """Which of *kinds* the run analyses: those the user gave files for or, with none of
    them given, every one of them (on the bundled samples)."""
    given = tuple(k for k in kinds if not nb.uses_sample(k))
    return Runs(given or kinds, given)


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


def chosen(value: Sequence[str] | None, mapped: Sequence[str]) -> list[str]:
    """A notebook parameter's *value* when it is given (not None, even empty), else what the
    mapping says (*mapped*): ``cx.steps.chosen(cox_covariates, mapping.covariates)``."""
    return list(mapped if value is None else value)


def covariates_alone(ledger: pd.DataFrame, covariates: Sequence[str], *,
                     reference: Mapping[str, str] | None = None,
                     follow_up_months: float | None = None) -> Fit | None:
    """The Cox model (:func:`cxlib.analyses.retention.cox_model`) of the analyst's
    *covariates* on their own, for a ledger without satisfaction; None (nothing to show) when
    the ledger has a satisfaction column (its model shows them) or there are no covariates."""
    if "satisfaction" in ledger or not covariates:
        return None
    return retention.cox_model(ledger, covariates, reference=reference,
                               follow_up_months=follow_up_months)


def snapshot_entry(ledger: pd.DataFrame, term: str, covariates: Sequence[str], *,
                   follow_up_months: float | None,
                   reference: Mapping[str, str] | None = None) -> Fit | None:
    """:func:`cxlib.analyses.retention.entry_comparison` on a snapshot (a follow-up window);
    None (nothing to compare) for a ledger that follows customers from acquisition."""
    if follow_up_months is None:
        return None
    return retention.entry_comparison(ledger, term, covariates,
                                      follow_up_months=follow_up_months, reference=reference)
