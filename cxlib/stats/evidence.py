"""Evidence grades and study designs: what an estimate can establish, given how its data
were made.

A verdict says no more than its design. Four **grades**, weakest first:

* **description** — a share or a level of the data at hand ("68% of leavers name poor
  service"): it describes these customers, nothing more;
* **association** — two measures taken at one time go together ("satisfied respondents also
  say they will return"): which drives which cannot be told;
* **followed over time** — behaviour observed *after* the measure ("customers who held more
  services left less in the following month"): the measure comes first, but something else
  may drive both, so it does not show a cause;
* **randomised comparison** — a treatment assigned at random ("customers sent a note at
  random bought again more"): the difference is caused by the treatment.

Every figure of the claim registry declares the strongest grade its estimate can reach
(``evidence:``), and every data set has a **design** (declared in its mapping file, or
detected from the data) that caps it: the grade a figure earns on a data set is the weaker
of the two, :func:`grade_of`. A cross-sectional survey caps every figure at *association*,
so an ordinal odds ratio of loyalty on satisfaction there supports "satisfied customers are
more loyal" as an association and cannot support "satisfaction creates loyalty".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Grade:
    """An evidence grade: ``key`` as written in the registry, its ``rank`` (higher is
    stronger), ``words`` for a verdict ("as an association") and ``shows``, what it can
    establish, in a sentence a student reads correctly."""

    key: str
    rank: int
    words: str
    shows: str
    noun: str = ""

    def __str__(self) -> str:
        return self.key


DESCRIPTION = Grade("description", 0, "as a description of these data",
                    "a share or level of these data; it describes them and explains nothing",
                    "a description of the data")
ASSOCIATION = Grade("association", 1, "as an association",
                    "two measures taken at one time go together; which drives which cannot be "
                    "told", "an association")
FOLLOWED = Grade("followed over time", 2, "as a prediction of later behaviour",
                 "the measure came before the behaviour it predicts; something else may drive "
                 "both, so it does not show a cause", "behaviour followed over time")
RANDOMISED = Grade("randomised comparison", 3, "as a causal effect",
                   "the treatment was assigned at random, so the difference it makes is caused "
                   "by it", "a randomised comparison")
GRADES: dict[str, Grade] = {g.key: g for g in (DESCRIPTION, ASSOCIATION, FOLLOWED, RANDOMISED)}


@dataclass(frozen=True)
class Design:
    """How a data set was made: ``key`` as written in a mapping file (``design:``), a
    ``label`` for pages, the strongest grade it allows (``ceiling``) and what a reader must
    know about it (``note``)."""

    key: str
    label: str
    ceiling: Grade
    note: str = ""


CROSS_SECTIONAL = Design(
    "cross-sectional", "cross-sectional survey", ASSOCIATION,
    "every answer was given at one time: associations only, no direction")
SURVEY_FOLLOWED = Design(
    "survey followed", "survey followed by later behaviour", FOLLOWED,
    "answers were linked to what the respondents did afterwards (the churned column)")
LEDGER_FOLLOWED = Design(
    "followed", "ledger followed from acquisition", FOLLOWED,
    "every customer is followed from acquisition until leaving or the end of the data")
SNAPSHOT = Design(
    "snapshot", "snapshot with a follow-up window", FOLLOWED,
    "only customers still present at the start of the window are in the table, and leaving "
    "is seen only within the window: survival models enter each customer at the window's "
    "start (delayed entry)")
OPEN_BASE = Design(
    "open base", "transaction log of a customer base that keeps acquiring", FOLLOWED,
    "purchases of old and new customers over time")
SINGLE_COHORT = Design(
    "single cohort", "single acquisition cohort", FOLLOWED,
    "every customer was acquired at the start; no new customers arrive later, so shares of "
    "'repeat' business only measure how long the cohort was followed")
RANDOMISED_DESIGN = Design(
    "randomised", "randomised experiment", RANDOMISED,
    "the treatment was assigned at random")
VISIT_PANEL = Design(
    "visit panel", "visits followed over time", FOLLOWED,
    "each customer's visits, and whether they came back or left afterwards")
CONTACT_LOG = Design(
    "contact log", "log of service contacts", DESCRIPTION,
    "what happened at each contact; it describes the service given")
QUEUE_INTERVALS = Design(
    "queue intervals", "interval report of a queue", DESCRIPTION,
    "counts of calls per interval of time (offered, answered, within the threshold): they "
    "describe how the queue was served; staffing computed from them rests on a queue model")
UNITS = Design(
    "units", "cross-section of outlets", ASSOCIATION,
    "one row per outlet at one time: associations across outlets only")
DESIGNS: dict[str, Design] = {d.key: d for d in (
    CROSS_SECTIONAL, SURVEY_FOLLOWED, LEDGER_FOLLOWED, SNAPSHOT, OPEN_BASE, SINGLE_COHORT,
    RANDOMISED_DESIGN, VISIT_PANEL, CONTACT_LOG, QUEUE_INTERVALS, UNITS)}


def stronger(a: Grade, b: Grade) -> Grade:
    """The stronger of two grades."""
    return a if a.rank >= b.rank else b


def weaker(a: Grade, b: Grade) -> Grade:
    """The weaker of two grades."""
    return a if a.rank <= b.rank else b


def grade_of(figure: Grade, design: Design) -> Grade:
    """The grade a figure earns on data of *design*: the weaker of the figure's own and the
    design's ceiling."""
    return weaker(figure, design.ceiling)


def get_grade(key: str) -> Grade:
    """The grade named *key* (a ValueError lists the grades)."""
    try:
        return GRADES[key]
    except KeyError:
        raise ValueError(f"unknown evidence grade {key!r}; grades: {', '.join(GRADES)}") \
            from None


def get_design(key: str) -> Design:
    """The design named *key* (a ValueError lists the designs)."""
    try:
        return DESIGNS[key]
    except KeyError:
        raise ValueError(f"unknown design {key!r}; designs: {', '.join(DESIGNS)}") from None


def grades_table():
    """The evidence grades as a table, weakest first: what each can establish."""
    import pandas as pd

    return pd.DataFrame([{"evidence grade": g.key, "a verdict reads": f"supported {g.words}",
                          "what it can show": g.shows} for g in GRADES.values()])
