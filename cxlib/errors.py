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


class UserDataError(ValueError):
    """A problem with the user's data or mapping file that the user can fix."""

    def __init__(self, problems: str | list[str], *, file: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.file = file
        super().__init__(self.message)

    @property
    def message(self) -> str:
        head = f"Problems in {self.file}:" if self.file else "Problem with the input:"
        if len(self.problems) == 1 and not self.file:
            return self.problems[0]
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])

    def _render_traceback_(self) -> list[str]:  # pragma: no cover - used by IPython only
        return [f"UserDataError: {self.message}"]


def example_rows(rows, limit: int = 5) -> str:
    """Format row numbers as 'rows 3, 7, 12 (and 40 more)'."""
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" (and {len(rows) - limit} more)" if len(rows) > limit else ""
    return f"row{'s' if len(rows) != 1 else ''} {shown}{more}"


class NotEstimable(ValueError):
    """The data cannot give this estimate (degenerate input); the message says why."""

    def _render_traceback_(self) -> list[str]:  # pragma: no cover - used by IPython only
        return [f"Not estimable with these data: {self}"]


def require_variation(frame, columns, *, what: str = "") -> None:
    """Raise :class:`NotEstimable` when a column of *frame* has fewer than two distinct
    values (a constant column carries no information about any effect). A column of
    construct scores is named with its items (``frame.attrs["items"]``, as
    :func:`cxlib.data.constructs.construct_scores` sets it)."""
    items = frame.attrs.get("items", {})
    for col in columns:
        values = frame[col].dropna()
        if values.nunique() < 2:
            shown = f" (every answer is {values.iloc[0]})" if len(values) else " (no answers)"
            name = col if items.get(col, [col]) == [col] else f"{col} ({', '.join(items[col])})"
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
                           "which the data do not have (map them in the mapping file)")
