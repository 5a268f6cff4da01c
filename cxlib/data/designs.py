"""The design of a data set: declared in its mapping file (``design:``) or detected.

What a data set can show depends on how it was made (:mod:`cxlib.stats.evidence`). Each
data kind allows a few designs (:data:`DESIGNS_BY_KIND`, the first being the default) and
:func:`detect_design` picks one when the mapping file declares none:

* ``survey``: *survey followed* when the file has later behaviour (a ``churned`` column with
  answers), else *cross-sectional*;
* ``customers``: *snapshot* when the mapping gives a follow-up window
  (``follow_up_months``), else *followed* from acquisition;
* ``transactions``: *single cohort* when no customer makes a first purchase in the second
  half of the log (every customer was acquired early on, as in the CDNOW panel), else
  *open base*;
* ``summary``: *single cohort* by the same rule, read from T: no customer's first
  transaction falls in the second half of the longest T (the shortest T is at least half
  the longest), else *open base*;
* ``visits``: *visit panel*; ``contacts``: *contact log*; ``intervals``: *queue
  intervals*; ``outlets``: *units*;
* ``experiment``: *randomised*, by the kind itself.

A *randomised* design is never detected from data: the person who ran the experiment
declares it, either with ``design: randomised`` or by mapping the file as an ``experiment``
(a kind whose only design is randomised: choosing it asserts that the arms were assigned at
random).
"""

from __future__ import annotations

import pandas as pd

from cxlib.stats.evidence import (
    CONTACT_LOG,
    CROSS_SECTIONAL,
    DESIGNS,
    LEDGER_FOLLOWED,
    OPEN_BASE,
    QUEUE_INTERVALS,
    RANDOMISED_DESIGN,
    SINGLE_COHORT,
    SNAPSHOT,
    SURVEY_FOLLOWED,
    UNITS,
    VISIT_PANEL,
    Design,
)

DESIGNS_BY_KIND: dict[str, tuple[Design, ...]] = {
    "survey": (CROSS_SECTIONAL, SURVEY_FOLLOWED, RANDOMISED_DESIGN),
    "customers": (LEDGER_FOLLOWED, SNAPSHOT, RANDOMISED_DESIGN),
    "transactions": (OPEN_BASE, SINGLE_COHORT),
    "contacts": (CONTACT_LOG,),
    "intervals": (QUEUE_INTERVALS,),
    "visits": (VISIT_PANEL, RANDOMISED_DESIGN),
    "outlets": (UNITS,),
    "experiment": (RANDOMISED_DESIGN,),
    "summary": (OPEN_BASE, SINGLE_COHORT),
}
"""The designs each data kind can declare; the first is the default."""


def design_problems(kind: str, design: str | None, follow_up_months: float | None) -> list[str]:
    """What is wrong with a mapping's ``design:`` and ``follow_up_months:`` for *kind*."""
    allowed = [d.key for d in DESIGNS_BY_KIND.get(kind, ())]
    problems = []
    if design is not None and design not in allowed:
        problems.append(f"'design: {design}' does not fit '{kind}' files; a {kind} file can be "
                        f"{', '.join(allowed)}.")
    if follow_up_months is not None:
        if kind != "customers":
            problems.append("'follow_up_months:' is for customer tables (a snapshot's "
                            "follow-up window); remove it.")
        elif design not in (None, SNAPSHOT.key):
            problems.append(f"'follow_up_months:' describes a snapshot, but the design is "
                            f"'{design}'; write design: snapshot, or remove follow_up_months.")
    elif design == SNAPSHOT.key:
        problems.append("'design: snapshot' needs the length of the follow-up window: add "
                        "e.g. follow_up_months: 1 (churn seen only in the last month).")
    return problems


def single_cohort(dates: pd.Series, customers: pd.Series) -> bool:
    """True when no customer's first purchase falls in the second half of the log's span."""
    if dates.empty:
        return False
    return acquired_early(dates.groupby(customers.to_numpy()).min(), dates.min(), dates.max())


def acquired_early(first: pd.Series, start, end) -> bool:
    """True when none of the first purchases *first* falls in the second half of the span
    from *start* to *end* (the rule of :func:`single_cohort`, for a log whose first
    purchases are known already)."""
    return bool(len(first) and end > start and first.max() <= start + (end - start) / 2)


def detect_design(kind: str, frame: pd.DataFrame, *, declared: str | None = None,
                  follow_up_months: float | None = None) -> Design:
    """The design of a data set of *kind* (see the module docstring)."""
    if declared is not None:
        return DESIGNS[declared]
    if kind == "survey":
        followed = "churned" in frame and frame["churned"].notna().any()
        return SURVEY_FOLLOWED if followed else CROSS_SECTIONAL
    if kind == "customers":
        return SNAPSHOT if follow_up_months is not None else LEDGER_FOLLOWED
    if kind == "transactions":
        if {"date", "customer_id"} <= set(frame) and single_cohort(frame["date"],
                                                                   frame["customer_id"]):
            return SINGLE_COHORT
        return OPEN_BASE
    if kind == "summary":
        T = pd.to_numeric(frame["T"], errors="coerce").dropna() if "T" in frame else None
        if T is not None and len(T) and acquired_early(T.max() - T, 0.0, float(T.max())):
            return SINGLE_COHORT
        return OPEN_BASE
    return DESIGNS_BY_KIND.get(kind, (CROSS_SECTIONAL,))[0]


def designs_table() -> pd.DataFrame:
    """The designs each data kind can have, with the strongest evidence grade each allows
    and what a reader must know about it (the first design of a kind is its default)."""
    rows = []
    for kind, designs in DESIGNS_BY_KIND.items():
        for d in designs:
            rows.append({"data kind": kind, "design": d.label, "declared as": d.key,
                         "strongest grade": d.ceiling.key, "what to know": d.note})
    return pd.DataFrame(rows)
