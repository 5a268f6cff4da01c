"""The exceptions a user meets, and how they are shown.

A :class:`NotEstimable` says that an analysis cannot produce an estimate from the data
at hand (no variance, no events, too few observations); a notebook records the figure
as "not testable with these data" with that reason and goes on (``nb.attempt``).

A :class:`UserDataError` carries a message written for the person who made the
file, not for a programmer: it names the file, the column, example rows and the
fix. The command line prints it without a traceback, and so does Jupyter
(IPython calls ``_render_traceback_`` when an exception defines it).
"""

from __future__ import annotations

MAX_PROBLEMS = 20
"""Problems listed in one message at most (the message says how many more there are)."""
MAX_PROBLEM_CHARS = 1_500
"""Characters of one problem at most."""


class UserDataError(ValueError):
    """A problem with the user's data or mapping file that the user can fix."""

    def __init__(self, problems: str | list[str], *, file: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.file = file
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The problems, at most :data:`MAX_PROBLEMS` of them, each cut to
        :data:`MAX_PROBLEM_CHARS` characters (a file can have thousands of problems, and a
        message quoting what the user wrote must not repeat a whole file of it)."""
        head = f"Problems in {self.file}:" if self.file else "Problem with the input:"
        problems = [str(p) for p in self.problems]
        if len(problems) > MAX_PROBLEMS:  # the last is kept: it is often the fix
            more = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS - 1], f"… and {more:,} more problems of the "
                        "same kinds", problems[-1]]
        shown = [p if len(p) <= MAX_PROBLEM_CHARS else p[:MAX_PROBLEM_CHARS] + " …"
                 for p in problems]
        if len(shown) == 1 and not self.file:
            return shown[0]
        return "\n".join([head, *(f"  - {p}" for p in shown)])

    def _render_traceback_(self) -> list[str]:  # pragma: no cover - used by IPython only
        return [f"UserDataError: {self.message}"]


class Rows:
    """Row (or line) numbers of one problem found while streaming a file: the first
    *keep* of them and how many there are. ``capped`` says that reading stopped after
    ``limit`` of them, so the count is a lower bound."""

    def __init__(self, keep: int = 20, limit: int | None = None) -> None:
        self.first: list[int] = []
        self.count = 0
        self.keep = keep
        self.limit = limit

    def add(self, row: int) -> None:
        self.count += 1
        if len(self.first) < self.keep:
            self.first.append(row)

    @property
    def capped(self) -> bool:
        return self.limit is not None and self.count >= self.limit

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        return iter(self.first)


def example_rows(rows, limit: int = 5) -> str:
    """Format row numbers as 'rows 3, 7, 12 (and 40 more)' (a :class:`Rows` that stopped
    early: 'and at least 40 more')."""
    total = len(rows) if isinstance(rows, Rows) else None
    capped = isinstance(rows, Rows) and rows.capped
    rows = list(rows)
    total = len(rows) if total is None else total
    shown = ", ".join(str(r) for r in rows[:limit])
    at_least = "at least " if capped else ""
    more = f" (and {at_least}{total - limit:,} more)" if total > limit else ""
    return f"row{'s' if total != 1 else ''} {shown}{more}"


def shorten(text: str, limit: int = 300) -> str:
    """*text* cut to *limit* characters and its first five lines, marked with '…' where
    cut: a message quotes what the user wrote without repeating a whole file of it."""
    text = str(text)
    lines = text.splitlines() or [""]
    cut = "\n".join(lines[:5])
    if len(cut) > limit:
        cut = cut[:limit]
    return cut + " …" if cut != text else cut


class NotEstimable(ValueError):
    """The data cannot give this estimate (degenerate input); the message says why."""

    def _render_traceback_(self) -> list[str]:  # pragma: no cover - used by IPython only
        return [f"Not estimable with these data: {self}"]


def require_variation(frame, columns, *, what: str = "", items=None) -> None:
    """Raise :class:`NotEstimable` when a column of *frame* has fewer than two distinct
    values (a constant column carries no information about any effect). *items* maps a
    column of construct scores to the items it averages (``SurveyConstructs.blocks``), so
    that the message names them: "SAT (overall_sat) does not vary"."""
    items = items or {}
    for col in columns:
        values = frame[col].dropna()
        if values.nunique() < 2:
            shown = f" (every answer is {values.iloc[0]})" if len(values) else " (no answers)"
            named = list(items.get(col, [col]))
            name = col if named == [col] else f"{col} ({', '.join(named)})"
            raise NotEstimable(f"{name} does not vary{shown}, so {what or 'its effect'} "
                               f"cannot be estimated")


def missing_columns(frame, columns) -> list[str]:
    """The *columns* that *frame* lacks: absent, or without a single value."""
    return [c for c in columns if c not in frame or frame[c].isna().all()]


def require_columns(frame, columns, *, what: str = "this analysis") -> None:
    """Raise :class:`NotEstimable` naming the *columns* that *frame* lacks (absent, or
    without a single value): the record then says which columns the analysis needs."""
    absent = missing_columns(frame, columns)
    if absent:
        names = ", ".join(f"`{c}`" for c in absent)
        raise NotEstimable(f"{what}: needs the column{'s' if len(absent) > 1 else ''} {names}, "
                           "which the data do not have (if your file has them under other "
                           "names, map them in the mapping file)")


class PriorStepFailed(NotEstimable):
    """A step needs the result of an earlier one that the data could not give (its reason was
    shown and recorded there): ``nb.attempt`` says so and records nothing more."""


class NotInRun(PriorStepFailed):
    """A step needs a data kind that this run does not analyse (the user gave files of other
    kinds): ``nb.attempt`` skips it without a word."""


PRIOR_STEP = ("it needs the result of an earlier step, which these data could not give (that "
              "step says why)")
"""The reason :func:`require` gives when no reason is passed."""


def require(value, reason: str | None = None):
    """*value*, or raise :class:`NotEstimable` with *reason* when it is None or False (a
    result an earlier step could not give, a column or role the data lack); without a
    *reason*, :class:`PriorStepFailed` saying that an earlier step failed::

        with nb.attempt("LOY-2", data=survey):
            ipa = cx.drivers.importance_performance(scores, cx.require(importance))
    """
    if value is None or value is False:
        raise NotEstimable(reason) if reason else PriorStepFailed(PRIOR_STEP)
    return value


MIN_ANSWERS = 30
"""Answers a column needs, more than this many, before an analysis of it is run."""


def require_answers(frame, column: str, reason: str | None = None, *,
                    more_than: int = MIN_ANSWERS) -> str:
    """*column*, or raise :class:`NotEstimable` when *frame* lacks it or it has no more than
    *more_than* answers (non-missing values), with *reason* (by default "no COLUMN column
    with over 30 answers")."""
    if column not in frame or frame[column].notna().sum() <= more_than:
        raise NotEstimable(reason or f"no {column} column with over {more_than} answers")
    return column


def require_estimate(estimate):
    """*estimate* (an :class:`~cxlib.stats.estimates.Estimate`), or raise
    :class:`NotEstimable` with its ``problem`` when it has one (no usable value)."""
    if getattr(estimate, "problem", None):
        raise NotEstimable(estimate.problem)
    return estimate
