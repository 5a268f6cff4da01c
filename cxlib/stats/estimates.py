"""What an analysis returns: an :class:`Estimate` (one number with its interval) or a
:class:`Fit` (a table of results with the sample and method behind it).

A headline figure is an ``Estimate`` (value, interval, n, method); a notebook judges it
by the rule the claim registry declares (:mod:`cxlib.stats.verdicts`). Everything else
an analysis produces — coefficients, shares by group, paths, curves — is a ``Fit``: the
table, the number of units it rests on, how it was made, and named extras (R², the
number of resamples, fit indices). A ``Fit`` shows itself as a rounded table with a
caption, and hands out the Estimate of any of its rows (:meth:`Fit.estimate`), so that
no notebook builds an Estimate by hand.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from cxlib.stats.formatting import fmt, frame_html, md_escape, tidy


@dataclass(frozen=True)
class Estimate:
    """A number with its interval: ``value`` in [``ci_low``, ``ci_high``] at ``level``.

    ``draws`` and ``failed`` count the resamples of a bootstrap interval and how many
    of them could not be computed; ``problem`` says why there is no usable estimate
    (degenerate input), in which case the figure is not testable. ``clusters`` is the
    number of independent clusters (outlets) when the interval treats them as the unit:
    the sample size that would decide a verdict then counts clusters, not rows.
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
    clusters: int | None = None

    @classmethod
    def untestable(cls, figure: str, problem: str, n: int = 0, method: str = "—") -> Estimate:
        """A figure that could not be estimated, and why."""
        return cls(figure, math.nan, None, None, n, method, problem=problem)

    def named(self, figure: str) -> Estimate:
        """The same estimate under another figure name (when one number is judged by two
        rules, each record then says which reading it is)."""
        return replace(self, figure=figure)

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
        text = str(self).removeprefix(f"{self.figure}: ")
        return f"**{md_escape(self.figure)}**: {md_escape(text)} · *{md_escape(self.method)}*"

    def as_row(self) -> dict:
        """A flat dict for a table."""
        return {"figure": self.figure, "estimate": self.value, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "n": self.n, "method": self.method}


@dataclass(frozen=True)
class Fit:
    """A fitted analysis: its ``table``, the ``n`` units it rests on, the ``method`` (with
    the kind of standard errors or interval), a ``title``, and named ``extras`` (``fit["r2"]``).

    Interval columns are named ``ci_low`` and ``ci_high`` at ``level``; the main value
    column of a row is named by ``value`` (``"estimate"`` unless the table says otherwise).
    """

    table: pd.DataFrame
    n: int
    method: str
    title: str = ""
    extras: Mapping[str, Any] = field(default_factory=dict)
    level: float = 0.95
    value: str = "estimate"

    def __getitem__(self, key: str) -> Any:
        """A named extra (``fit["r2"]``); a KeyError lists the extras there are."""
        try:
            return self.extras[key]
        except KeyError:
            raise KeyError(f"{key!r}; this fit has {', '.join(self.extras) or 'no extras'}") \
                from None

    def __len__(self) -> int:
        return len(self.table)

    def estimate(self, row: Any, *, figure: str | None = None, column: str | None = None,
                 unit: str = "") -> Estimate:
        """The Estimate of one row: its value (column *column*, else :attr:`value`) and its
        interval (``ci_low``, ``ci_high``), with this fit's n, method and level, and the
        failed-resample count when the fit has one (extras ``failed``/``draws``)."""
        try:
            line = self.table.loc[row]
        except KeyError:
            raise KeyError(f"{row!r} is not a row of {self.title or 'this fit'}; rows: "
                           f"{', '.join(map(str, self.table.index))}") from None
        value = float(line[column or self.value])
        low, high = (float(line[c]) if c in line and pd.notna(line[c]) else None
                     for c in ("ci_low", "ci_high"))
        return Estimate(figure or f"{row}", value, low, high, self.n, self.method, self.level,
                        unit, failed=int(self.extras.get("failed", 0)),
                        draws=int(self.extras.get("draws", 0)))

    def caption(self) -> str:
        """One line under the table: n, method and the scalar extras."""
        scalars = [f"{k} = {fmt(v) if isinstance(v, float) else v}"
                   for k, v in self.extras.items() if isinstance(v, (int, float, str))
                   and k not in ("failed", "draws")]
        return "; ".join([f"n = {self.n:,}", self.method, *scalars])

    def _repr_html_(self) -> str:
        title = f"<p><b>{md_escape(self.title)}</b></p>" if self.title else ""
        return (f"{title}{frame_html(tidy(self.table))}"
                f"<p><small>{md_escape(self.caption())}</small></p>")

    def __str__(self) -> str:
        head = f"{self.title}\n" if self.title else ""
        return f"{head}{tidy(self.table).to_string()}\n({self.caption()})"
