"""What a claim-level verdict may say: the outcome, capped by the design of the data.

A claim's figures decide its outcome (:func:`cxlib.stats.verdicts.claim_verdict`); the grade
of those figures on the data at hand (:mod:`cxlib.stats.evidence`) decides how far the words
may go. The rule, as every notebook states it:

* the grade of a claim-level verdict is the weakest grade among the figures that decide it;
* each clause of the claim (``clauses:`` in the registry) *needs* a grade to be established
  as worded ("creates" needs a randomised comparison, "stays longer" behaviour followed over
  time, "68% leave because of…" a description);
* when the grade falls short of what the measured clauses need, a verdict of *supported* or
  *not supported* is qualified by its grade ("supported as an association"), and the verdict
  says what these data cannot show and why;
* clauses that no figure measured are named.

:func:`conclude` returns these as a :class:`Conclusion`; its ``headline`` is the verdict in the
words the notebook, the deck and the front page all show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cxlib.registry.claims import Claim, Clause
from cxlib.stats.evidence import Design, Grade, stronger
from cxlib.stats.verdicts import NOT_SUPPORTED, NOT_TESTABLE, SUPPORTED, ClaimVerdict


@dataclass(frozen=True)
class Conclusion:
    """A claim-level verdict in words: the ``headline`` ("supported as an association"),
    what the data ``cannot_show`` (empty when nothing falls short), the clauses no figure
    measured (``untested``) and the grade and design behind it."""

    headline: str
    grade: Grade | None
    design: Design | None
    cannot_show: str = ""
    untested: tuple[str, ...] = ()


def headline(outcome: str, grade: Grade | None, needs: Grade | None) -> str:
    """The verdict in words: *outcome*, qualified by *grade* when it falls short of *needs*
    and the outcome is a decision."""
    short = grade is not None and needs is not None and grade.rank < needs.rank
    if outcome in (SUPPORTED, NOT_SUPPORTED) and short:
        return f"{outcome} {grade.words}"
    return outcome


def figure_conclusion(claim: Claim, key: str, label: str, grade: Grade | None,
                      design: Design | None) -> Conclusion:
    """The words of one figure's verdict (*label*), by the same rule as a claim's: qualified
    by the figure's *grade* when it falls short of what the clauses it measures need."""
    needs = _strongest_need([c for c in claim.clauses if c.measured_by(key)])
    return Conclusion(headline(label, grade, needs), grade, design)


def _strongest_need(clauses: Iterable[Clause]) -> Grade | None:
    """The strongest grade any of *clauses* needs to be established as worded (None for
    no clause)."""
    needs = None
    for c in clauses:
        needs = c.needs if needs is None else stronger(needs, c.needs)
    return needs


def conclude(claim: Claim, verdict: ClaimVerdict, tested: Iterable[str],
             design: Design | None) -> Conclusion:
    """The words of *claim*'s verdict, given the keys of the figures that could be
    estimated (*tested*) and the *design* of the data (see the module docstring)."""
    tested = [k for k in tested if not claim.spec(k).supplementary]
    measured = [c for c in claim.clauses if any(c.measured_by(k) for k in tested)]
    untested = tuple(c.says for c in claim.clauses if c not in measured)
    if verdict.label == NOT_TESTABLE:
        return Conclusion(NOT_TESTABLE, None, design, untested=untested)
    needs = _strongest_need(measured)
    grade = verdict.grade
    words = headline(verdict.label, grade, needs)
    cannot = ""
    if grade is not None and needs is not None and grade.rank < needs.rank:
        beyond = [c.says for c in measured if c.needs.rank > grade.rank]
        made = f"{design.label}: " if design is not None else ""
        cannot = (f"that {' and that '.join(beyond)} cannot be tested with these data: it "
                  f"needs {needs.noun}, and they give {grade.noun} ({made}{grade.shows})")
    return Conclusion(words, grade, design, cannot, untested)
