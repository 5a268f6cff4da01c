"""What an analysis returns: an :class:`Estimate` (one number with its interval) or a
typed result, a :class:`Result` (a table of results with the sample and method behind it).

A headline figure is an ``Estimate`` (value, interval, n, method); a notebook judges it
by the rule the claim registry declares (:mod:`cxlib.stats.verdicts`). Everything else
an analysis produces (coefficients, shares by group, paths, curves) is a ``Result``, and
every result follows one protocol:

* **fields, not side channels**: ``table`` (a DataFrame), ``n`` (the units it rests on),
  ``method`` (how it was made, with the kind of interval), ``title``, ``level``,
  ``clusters`` (independent clusters behind the intervals), ``draws``/``failed``
  (resamples of a bootstrap and how many failed), ``warnings`` (what the reader must
  know before trusting the table: an improper solution, a model not identified) and
  ``notes`` (facts about the procedure: what was left out or assumed). A result with
  more to say has more typed fields (``r2``, ``effect``, ``identified`` …) in a subclass;
  nothing travels in a frame's side dictionary of attributes and no tuple hands out
  parts by position;
* **one rendering**: :meth:`Result.summary` gathers title, table, caption (n, method and
  the result's :meth:`~Result.facts`), warnings and notes into a
  :class:`~cxlib.stats.formatting.Summary`, which writes text, HTML and Markdown alike
  (as statsmodels' ``Summary`` and lifelines' printer keep formatting apart from
  estimation). Sentences that *interpret* a result (which way an effect goes, what a
  reader should conclude) are not built during estimation: they live in one place,
  :mod:`cxlib.notebook.readings`, and read these fields;
* **Estimates out of rows**: :meth:`Result.estimate` hands out the Estimate of any row
  (value column :attr:`~Result.value`, interval ``ci_low``/``ci_high``, with the result's
  n, method, level and resample counts), :meth:`Result.estimates` every row's, so that no
  notebook builds an Estimate by hand.

:class:`Fit` is the general result (a frozen dataclass of those fields); results whose
parts are computed from a model (:class:`cxlib.stats.customer_base.ModelFit`) subclass
:class:`Result` and provide the same names as properties.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from cxlib.stats.formatting import Summary, fmt, md_escape


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


def table_of(result: pd.DataFrame | Result) -> pd.DataFrame:
    """The table of a typed result, or the frame itself (for functions that take either)."""
    return result.table if isinstance(result, Result) else result


class Result:
    """The protocol every typed result follows (module docstring): a subclass provides
    ``table``, ``n`` and ``method`` (fields or properties) and may override the defaults
    below; it inherits one rendering and :meth:`estimate`."""

    title: str = ""
    level: float = 0.95
    value: str = "estimate"
    """The column :meth:`estimate` reads a row's value from."""
    figure: str = "{row}"
    """How :meth:`estimate` names a row's figure: formatted with ``row`` (the row label)
    and the row's columns by name."""
    clusters: int | None = None
    draws: int = 0
    failed: int = 0
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    digits: int | None = 3
    """Decimals a rendered table is rounded to; None writes each number as people read it
    (:func:`~cxlib.stats.formatting.fmt`)."""

    table: pd.DataFrame
    n: int
    method: str

    def facts(self) -> dict[str, Any]:
        """Named scalars shown in the caption under the table (R², log-likelihood …);
        a subclass adds its own."""
        return {}

    def estimate(self, row: Any, *, figure: str | None = None, column: str | None = None,
                 unit: str = "") -> Estimate:
        """The Estimate of one row: its value (column *column*, else :attr:`value`) and its
        interval (``ci_low``, ``ci_high``), with this result's n, method, level, clusters
        and resample counts; named *figure*, else by the :attr:`figure` template."""
        try:
            line = self.table.loc[row]
        except KeyError:
            raise KeyError(f"{row!r} is not a row of {self.title or 'this result'}; rows: "
                           f"{', '.join(map(str, self.table.index))}") from None
        value = float(line[column or self.value])
        low, high = (float(line[c]) if c in line and pd.notna(line[c]) else None
                     for c in ("ci_low", "ci_high"))
        name = figure or self.figure.format(row=row, **{str(k): v for k, v in line.items()})
        return Estimate(name, value, low, high, self.n, self.method, self.level, unit,
                        failed=self.failed, draws=self.draws, clusters=self.clusters)

    def estimates(self) -> dict[Any, Estimate]:
        """Every row's Estimate (:meth:`estimate`), by row label, in the table's order."""
        return {row: self.estimate(row) for row in self.table.index}

    def caption(self) -> str:
        """One line under the table: n, method, the :meth:`facts` (a number as "R² = 0.51",
        text as "log-rank test: p < 0.001") and the resamples that failed."""
        facts = [f"{k}: {v}" if isinstance(v, str) else
                 f"{k} = {fmt(v) if isinstance(v, float) else v}"
                 for k, v in self.facts().items() if v is not None]
        failed = ([f"{self.failed:,} of {self.draws:,} resamples failed"]
                  if self.failed else [])
        return "; ".join([f"n = {self.n:,}", self.method, *facts, *failed])

    def summary(self) -> Summary:
        """Title, table, caption, warnings and notes: what every rendering shows."""
        return Summary(self.title, self.table, self.caption(), tuple(self.warnings),
                       tuple(self.notes), self.digits)

    def __len__(self) -> int:
        return len(self.table)

    def __str__(self) -> str:
        return self.summary().text()

    def _repr_html_(self) -> str:
        return self.summary().html()

    def _repr_markdown_(self) -> str:
        return self.summary().markdown()

    def __repr__(self) -> str:  # what a notebook's text/plain shows: the text rendering
        return self.summary().text()


@dataclass(frozen=True, kw_only=True, repr=False)
class Fit(Result):
    """A fitted analysis: the general :class:`Result`, every part a field (module
    docstring). Interval columns are named ``ci_low`` and ``ci_high`` at ``level``; the
    main value column of a row is named by ``value`` (``"estimate"`` unless the table says
    otherwise)."""

    table: pd.DataFrame
    n: int
    method: str
    title: str = ""
    level: float = 0.95
    value: str = "estimate"
    figure: str = "{row}"
    clusters: int | None = None
    draws: int = 0
    failed: int = 0
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    digits: int | None = 3


@dataclass(frozen=True, kw_only=True, repr=False)
class Effect(Fit):
    """A fit whose headline is one figure: ``effect``, the Estimate a notebook judges,
    beside the ``table`` it was read from (all coefficients, both R² …)."""

    effect: Estimate

    def facts(self) -> dict[str, Any]:
        return {self.effect.figure: str(self.effect)}


@dataclass(frozen=True, kw_only=True, repr=False)
class Regression(Fit):
    """A fitted regression: the coefficient table (value column ``coefficient`` unless said
    otherwise) and the model's ``r2``."""

    r2: float
    value: str = "coefficient"

    def facts(self) -> dict[str, Any]:
        return {"R²": self.r2}


@dataclass(frozen=True, repr=False)
class Estimates(Result):
    """Several headline figures side by side, by label (``items``): each keeps its own
    method, n and interval; the table has one row per label; :meth:`estimate` hands out
    the Estimate itself, and ``result[label]`` does too."""

    items: Mapping[str, Estimate]
    title: str = ""

    @property
    def table(self) -> pd.DataFrame:
        rows = [{"": key, "figure": e.figure, "estimate": e.value, "ci_low": e.ci_low,
                 "ci_high": e.ci_high, "n": e.n, "method": e.problem or e.method}
                for key, e in self.items.items()]
        columns = ["", "figure", "estimate", "ci_low", "ci_high", "n", "method"]
        return pd.DataFrame(rows, columns=columns).set_index("")

    @property
    def n(self) -> int:
        return max((e.n for e in self.items.values()), default=0)

    @property
    def method(self) -> str:
        return "; ".join(dict.fromkeys(e.method for e in self.items.values()))

    def caption(self) -> str:
        return f"{len(self.items)} figure(s); each row's method and n are its own"

    def estimate(self, row: Any, *, figure: str | None = None, column: str | None = None,
                 unit: str = "") -> Estimate:
        try:
            est = self.items[row]
        except KeyError:
            raise KeyError(f"{row!r} is not a figure of {self.title or 'these estimates'}; "
                           f"figures: {', '.join(map(str, self.items))}") from None
        return est.named(figure) if figure else est

    def estimates(self) -> dict[Any, Estimate]:
        return dict(self.items)

    def __getitem__(self, label: str) -> Estimate:
        return self.estimate(label)

    def __contains__(self, label: object) -> bool:
        return label in self.items
