"""The one exception a user mistake raises, and how it is shown.

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
