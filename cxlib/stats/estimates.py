"""Estimates and the result records every notebook writes.

Every estimator in cxlib returns an :class:`Estimate` (value, interval, n, method).
A notebook judges it by the rule its claim registry declares (:mod:`cxlib.stats.verdicts`)
and records it as a :class:`ResultRecord`. On synthetic sample data the record's
verdict is "not testable with these data": a planted effect is not evidence. The
record then says instead whether the interval recovered the planted truth, which is
what synthetic data can show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cxlib.stats.formatting import fmt


@dataclass(frozen=True)
class Estimate:
    """A number with its interval: ``value`` in [``ci_low``, ``ci_high``] at ``level``.

    ``draws`` and ``failed`` count the resamples of a bootstrap interval and how many
    of them could not be computed; ``problem`` says why there is no usable estimate
    (degenerate input), in which case the figure is not testable.
    """

    figure: str
    value: float
    ci_low: float | None
    ci_high: float | None
    n: int
    method: str
    level: float = 0.95
    unit: str = ""
    failed: int = 0
    draws: int = 0
    problem: str | None = None

    @classmethod
    def untestable(cls, figure: str, problem: str, n: int = 0, method: str = "—") -> Estimate:
        """A figure that could not be estimated, and why."""
        return cls(figure, math.nan, None, None, n, method, problem=problem)

    def covers(self, x: float) -> bool:
        """Whether the interval contains *x*."""
        return self.ci_low is not None and self.ci_low <= x <= self.ci_high

    def __str__(self) -> str:
        if self.problem:
            return f"{self.figure}: not estimable ({self.problem})"
        ci = (f" [{fmt(self.ci_low)}, {fmt(self.ci_high)}]"
              if self.ci_low is not None else "")
        unit = f" {self.unit}" if self.unit else ""
        return f"{fmt(self.value)}{unit}{ci} (n={self.n:,})"

    def _repr_markdown_(self) -> str:
        """How a notebook shows an estimate left as a cell's last value."""
        from cxlib.stats.formatting import md_escape

        text = str(self).removeprefix(f"{self.figure}: ")
        return f"**{md_escape(self.figure)}**: {md_escape(text)} · *{md_escape(self.method)}*"

    def as_row(self) -> dict:
        """A flat dict for a table."""
        return {"figure": self.figure, "estimate": self.value, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "n": self.n, "method": self.method}
