"""Estimates, verdicts, and the results every notebook records.

Every estimator in cxlib returns an :class:`Estimate` (value, interval, n, method).
A notebook turns it into a result record with a :class:`Verdict` computed from the
interval by one of the rules below, never typed by hand. On synthetic sample data
the record's verdict is "not testable with these data": a planted effect is not
evidence. The record then says instead whether the interval recovered the planted
truth, which is what synthetic data can show.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

VERDICTS = ("supported", "depends on", "not supported", "not testable with these data")
SYNTHETIC_VERDICT = "not testable with these data"


@dataclass(frozen=True)
class Estimate:
    """A number with its interval: ``value`` in [``ci_low``, ``ci_high``] at ``level``."""

    figure: str
    value: float
    ci_low: float | None
    ci_high: float | None
    n: int
    method: str
    level: float = 0.95
    unit: str = ""

    def covers(self, x: float) -> bool:
        """Whether the interval contains *x*."""
        return self.ci_low is not None and self.ci_low <= x <= self.ci_high

    def __str__(self) -> str:
        ci = (f" [{_fmt(self.ci_low)}, {_fmt(self.ci_high)}]"
              if self.ci_low is not None else "")
        unit = f" {self.unit}" if self.unit else ""
        return f"{_fmt(self.value)}{unit}{ci} (n={self.n:,})"

    def as_row(self) -> dict:
        """A flat dict for a table."""
        return {"figure": self.figure, "estimate": self.value, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "n": self.n, "method": self.method}


def _fmt(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if ax < 0.01 else f"{x:.2f}"


@dataclass(frozen=True)
class Verdict:
    """One of :data:`VERDICTS` and the reason, in words that cite the numbers."""

    label: str
    reason: str

    def __post_init__(self) -> None:
        if not any(self.label.startswith(v) for v in VERDICTS):
            raise ValueError(f"verdict must start with one of {VERDICTS}, got {self.label!r}")

    def __str__(self) -> str:
        return f"{self.label}: {self.reason}"


def verdict_on_value(est: Estimate, claimed: float, *, what: str = "the claimed value") -> Verdict:
    """A point claim ("the ratio is 2") is supported when the interval covers it."""
    if est.ci_low is None:
        return Verdict(SYNTHETIC_VERDICT, "no interval could be computed")
    if est.covers(claimed):
        return Verdict("supported", f"the {est.level:.0%} interval {_ci(est)} includes "
                                    f"{what} ({_fmt(claimed)})")
    side = "below" if est.ci_high < claimed else "above"
    return Verdict("not supported", f"the {est.level:.0%} interval {_ci(est)} lies {side} "
                                    f"{what} ({_fmt(claimed)})")


def verdict_on_direction(est: Estimate, null: float, *, expected: str = ">",
                         what: str = "no difference") -> Verdict:
    """A directional claim ("greater than 1") is supported when the whole interval is
    on the expected side of *null*; not supported when it is on the other side or
    includes *null* (no detectable effect)."""
    if expected not in (">", "<"):
        raise ValueError("expected must be '>' or '<'")
    if est.ci_low is None:
        return Verdict(SYNTHETIC_VERDICT, "no interval could be computed")
    above, below = est.ci_low > null, est.ci_high < null
    hit, miss = (above, below) if expected == ">" else (below, above)
    if hit:
        return Verdict("supported", f"the {est.level:.0%} interval {_ci(est)} is entirely "
                                    f"{'above' if expected == '>' else 'below'} {_fmt(null)} "
                                    f"({what})")
    if miss:
        return Verdict("not supported", f"the effect goes the other way: the interval "
                                        f"{_ci(est)} excludes {_fmt(null)} on the wrong side")
    return Verdict("not supported", f"no clear effect: the interval {_ci(est)} includes "
                                    f"{_fmt(null)} ({what})")


def _ci(est: Estimate) -> str:
    return f"[{_fmt(est.ci_low)}, {_fmt(est.ci_high)}]"


@dataclass
class ResultRecord:
    """One headline figure as written to results.json."""

    notebook: str
    claim: str
    figure: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    verdict: str
    reason: str
    method: str
    data: str
    synthetic: bool
    published: str | None = None
    truth: float | None = None
    recovered: bool | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def make_record(notebook: str, claim: str, est: Estimate, verdict: Verdict, *, data: str,
                synthetic: bool, published: str | None = None,
                truth: float | None = None) -> ResultRecord:
    """Build a record; on synthetic data the verdict is replaced (see module docstring)."""
    label, reason = verdict.label, verdict.reason
    recovered = None
    if synthetic:
        label = SYNTHETIC_VERDICT
        reason = ("synthetic sample: shows the method only"
                  + (f"; planted value {_fmt(truth)}" if truth is not None else "")
                  + f". On real data the rule would read: {verdict}")
        if truth is not None and est.ci_low is not None:
            recovered = est.covers(truth)
    return ResultRecord(notebook=notebook, claim=claim, figure=est.figure,
                        value=float(est.value),
                        ci_low=None if est.ci_low is None else float(est.ci_low),
                        ci_high=None if est.ci_high is None else float(est.ci_high),
                        n=int(est.n), verdict=label, reason=reason, method=est.method,
                        data=data, synthetic=synthetic, published=published,
                        truth=None if truth is None else float(truth), recovered=recovered)
