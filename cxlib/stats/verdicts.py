"""Decision rules: from an estimate and its interval to a verdict a referee would sign.

Four outcomes, and nothing else:

* **supported** — the data pin the claim down;
* **not supported** — the data rule the claim out;
* **inconclusive** — the interval is too wide to say either; the verdict gives the
  approximate sample size that would decide;
* **not testable with these data** — no usable estimate (missing, non-finite,
  degenerate input, too small a sample, too many failed resamples), with the reason.

Every headline figure declares one :class:`Rule` in the claim registry:

**Point claims** (``within``: "68% leave because of poor service"). The claimed
figure comes with a *band of practical equivalence* [L, U]: the values that would
still count as the claimed figure, and why. Supported when the whole interval lies
inside [L, U]; not supported when it lies entirely outside; otherwise inconclusive.
A wide interval therefore supports nothing.

**Directional claims** (``greater`` / ``less``: "satisfaction raises loyalty"). The
null value (0 for a difference, 1 for a ratio) comes with a band of *negligible
effect* [L₀, U₀] around it. In this order:

1. not supported when the whole interval lies inside the negligible band (any effect
   is too small to matter);
2. not supported when the interval excludes the null on the wrong side;
3. supported when the interval excludes the null on the claimed side;
4. otherwise inconclusive. An underpowered study is inconclusive, never a refutation.

**Sample size that would decide.** If the estimate stayed where it is and the
interval shrank like 1/√n, the half-width w would become w·√(n/n′) at sample size
n′. The smallest n′ at which a rule above would fire is n′ = n·(w/d)², with d the
distance from the estimate to the boundary the interval must clear (on the rule's
scale: logarithmic for ratios).

**Claims with several figures** (an intersection–union test, which controls the
error of a false "supported" without adjustment, plus Bonferroni for a false "not
supported"). Figures the data cannot give (*not testable*) are left out and named in the
verdict with their reasons; of the k figures that remain, a claim is supported when every
one is supported at the 95% level; not supported when at least one is not supported at
the Bonferroni level 1 − 0.05/k (each interval widened on its scale by the ratio of normal
quantiles z₁₋₀.₀₂₅/ₖ / z₀.₉₇₅; for k = 1 simply the 95% level); otherwise inconclusive.
When no figure can be given, the claim is not testable with these data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from scipy import stats

from cxlib.stats.estimates import Estimate
from cxlib.stats.formatting import fmt

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
INCONCLUSIVE = "inconclusive"
NOT_TESTABLE = "not testable with these data"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE, NOT_TESTABLE)

MAX_FAILED_SHARE = 0.05
"""A bootstrap interval with more failed resamples than this share is not trusted."""

Kind = Literal["within", "greater", "less"]


@dataclass(frozen=True)
class Verdict:
    """One of :data:`VERDICTS`, the reason in words that cite the numbers, and for an
    inconclusive verdict the approximate sample size that would decide."""

    label: str
    reason: str
    n_to_decide: int | None = None

    def __post_init__(self) -> None:
        if self.label not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.label!r}")

    def __str__(self) -> str:
        return f"{self.label}: {self.reason}"


@dataclass(frozen=True)
class Rule:
    """How one headline figure is judged (see the module docstring).

    ``kind`` is ``within`` for a point claim, ``greater``/``less`` for a directional
    one. ``target`` is the claimed figure (point) or the null value (directional).
    ``band`` is the band of practical equivalence (point) or of negligible effect
    (directional; ``(target, target)`` when none is declared). ``scale`` is ``log``
    for ratios, whose intervals are symmetric on the log scale. ``why`` says where
    the band comes from. ``min_n`` is the smallest sample the analysis is run on.
    """

    kind: Kind
    target: float
    band: tuple[float, float]
    why: str = ""
    scale: Literal["linear", "log"] = "linear"
    min_n: int = 1
    unit: str = ""

    def __post_init__(self) -> None:
        lo, hi = self.band
        if self.kind not in ("within", "greater", "less"):
            raise ValueError(f"rule kind must be within, greater or less, not {self.kind!r}")
        if not lo <= self.target <= hi:
            raise ValueError(f"the band {self.band} must contain {self.target}")
        if self.kind == "within" and lo == hi:
            raise ValueError("a point claim needs a band of practical equivalence")
        if self.scale == "log" and lo <= 0:
            raise ValueError("a log-scale rule needs a positive band")

    # -- words -----------------------------------------------------------------
    def describe(self, level: float = 0.95) -> str:
        """The rule in plain words, stated before it is applied."""
        ci = f"the {level:.0%} interval"
        lo, hi, target = declared(self.band[0]), declared(self.band[1]), declared(self.target)
        if self.kind == "within":
            return (f"Supported if {ci} lies entirely inside [{lo}, {hi}], what still counts "
                    f"as the claimed {target}{self.unit} ({self.why}); not supported if it lies "
                    f"entirely outside; otherwise inconclusive.")
        side = "above" if self.kind == "greater" else "below"
        other = "below" if self.kind == "greater" else "above"
        negligible = (f"; also not supported if it lies inside [{lo}, {hi}], an effect too "
                      f"small to matter ({self.why})" if self.band[0] < self.band[1] else
                      (f" ({self.why})" if self.why else ""))
        return (f"Supported if {ci} lies entirely {side} {target}; not supported if it lies "
                f"entirely {other} {target}{negligible}; otherwise inconclusive.")

    # -- decisions -------------------------------------------------------------
    def judge(self, est: Estimate) -> Verdict:
        """The verdict on *est* under this rule."""
        problem = untestable_reason(est, self.min_n)
        if problem:
            return Verdict(NOT_TESTABLE, problem)
        lo, hi = self._t(est.ci_low), self._t(est.ci_high)
        b_lo, b_hi = (self._t(b) for b in self.band)
        t = self._t(self.target)
        show = number_format(est.ci_low, est.ci_high, *self.band, self.target)
        ci = f"the {est.level:.0%} interval [{show(est.ci_low)}, {show(est.ci_high)}]"
        band = f"[{declared(self.band[0], show)}, {declared(self.band[1], show)}]"
        target = declared(self.target, show)
        if self.kind == "within":
            claimed = f"the band that counts as the claimed {target}{self.unit}"
            if b_lo <= lo and hi <= b_hi:
                return Verdict(SUPPORTED, f"{ci} lies inside {band}, {claimed}")
            if hi < b_lo or lo > b_hi:
                side = "below" if hi < b_lo else "above"
                return Verdict(NOT_SUPPORTED, f"{ci} lies entirely {side} {band}, {claimed}")
            return self._inconclusive(est, f"{ci} overlaps {band}, {claimed}, but does not "
                                           f"lie inside it")
        greater = self.kind == "greater"
        claimed_side, other_side = ("above", "below") if greater else ("below", "above")
        if b_lo < b_hi and b_lo <= lo and hi <= b_hi:
            return Verdict(NOT_SUPPORTED, f"{ci} lies inside {band}: any effect is too small "
                                          f"to matter")
        if (hi < t) if greater else (lo > t):
            return Verdict(NOT_SUPPORTED, f"{ci} lies entirely {other_side} {target}; the "
                                          f"claim needs it {claimed_side}")
        if (lo > t) if greater else (hi < t):
            return Verdict(SUPPORTED, f"{ci} lies entirely {claimed_side} {target}")
        return self._inconclusive(est, f"{ci} includes {target}")

    def _t(self, x: float) -> float:
        return math.log(x) if self.scale == "log" else float(x)

    def _inconclusive(self, est: Estimate, why: str) -> Verdict:
        n = self.n_to_decide(est)
        if n is None:
            tail = "; the estimate sits on a boundary of the rule, so no sample size decides"
        else:
            tail = (f"; about {n:,} (×{n / est.n:.3g} the present {est.n:,}) would decide if "
                    f"the estimate stayed where it is")
        return Verdict(INCONCLUSIVE, why + tail, n)

    def n_to_decide(self, est: Estimate) -> int | None:
        """Smallest n at which some rule would fire, were the estimate to stay put and the
        interval to shrink like 1/√n (see the module docstring); ``None`` if none would."""
        v, lo, hi = (self._t(x) for x in (est.value, est.ci_low, est.ci_high))
        w_lo, w_hi = max(v - lo, 0.0), max(hi - v, 0.0)
        b_lo, b_hi = (self._t(b) for b in self.band)
        t = self._t(self.target)
        factors: list[float] = []

        def clear_above(edge: float) -> None:  # lower limit must pass above edge
            if v > edge:
                factors.append(w_lo / (v - edge))

        def clear_below(edge: float) -> None:  # upper limit must pass below edge
            if v < edge:
                factors.append(w_hi / (edge - v))

        def fit_inside(a: float, b: float) -> None:
            if a < v < b:
                factors.append(max(w_lo / (v - a), w_hi / (b - v)))

        if self.kind == "within":
            fit_inside(b_lo, b_hi)
            clear_above(b_hi)
            clear_below(b_lo)
        else:
            if b_lo < b_hi:
                fit_inside(b_lo, b_hi)
            clear_above(t)
            clear_below(t)
        factors = [f for f in factors if math.isfinite(f) and f > 0]
        if not factors:
            return None
        return max(math.ceil(round(est.n * min(factors) ** 2, 6)), est.n + 1)

    def widened(self, est: Estimate, level: float) -> Estimate:
        """*est* with its interval widened to *level* on this rule's scale (normal
        quantile ratio), as used for the Bonferroni step of :func:`claim_verdict`."""
        f = stats.norm.ppf(0.5 + level / 2) / stats.norm.ppf(0.5 + est.level / 2)
        v = self._t(est.value)
        lo = v - (v - self._t(est.ci_low)) * f
        hi = v + (self._t(est.ci_high) - v) * f
        back = math.exp if self.scale == "log" else float
        return Estimate(est.figure, est.value, back(lo), back(hi), est.n, est.method, level,
                        est.unit, est.failed, est.draws)


def untestable_reason(est: Estimate, min_n: int = 1) -> str | None:
    """Why *est* cannot carry a verdict, or ``None`` when it can."""
    if est.problem:
        return est.problem
    if est.n < max(min_n, 1):
        return (f"n = {est.n:,} is below the minimum of {min_n:,} this analysis needs"
                if est.n > 0 else "there are no data to estimate from (n = 0)")
    if est.draws and est.failed / est.draws > MAX_FAILED_SHARE:
        return (f"{est.failed:,} of {est.draws:,} resamples failed "
                f"({est.failed / est.draws:.0%} > {MAX_FAILED_SHARE:.0%}), so the interval "
                f"cannot be trusted")
    if est.value is None or math.isnan(est.value):
        return "no estimate could be computed"
    if not math.isfinite(est.value):
        return f"the estimate is infinite ({fmt(est.value)}): the data leave it unbounded"
    if any(x is None or not math.isfinite(x) for x in (est.ci_low, est.ci_high)):
        return (f"no finite interval could be computed for the estimate {fmt(est.value)} "
                f"(got [{fmt(est.ci_low)}, {fmt(est.ci_high)}])")
    if not est.ci_low <= est.value <= est.ci_high:
        return (f"the estimate {fmt(est.value)} lies outside its own interval "
                f"{interval_text(est)}")
    return None


def interval_text(est: Estimate) -> str:
    """The interval as [low, high], in as many digits as it takes to tell them apart."""
    show = number_format(est.value, est.ci_low, est.ci_high)
    return f"[{show(est.ci_low)}, {show(est.ci_high)}]"


def declared(value: float, show: Callable[[float], str] | None = None) -> str:
    """A constant declared in the registry (a band's end, a target) as declared: as *show*
    writes it (the interval's format beside it) when that is exact, else with the fewest
    decimals, two at least, that show it exactly, so that a band [−0.005, 0.005] is not
    shown as [−0.01, 0.01]."""
    if show is not None:
        text = show(value)
        try:
            if abs(float(text.replace("−", "-")) - value) < 1e-9:
                return text
        except ValueError:  # a large number written with thousands separators
            return text
    if abs(value) >= 100:
        return fmt(value)
    decimals = next((d for d in range(2, 7) if abs(round(value, d) - value) < 1e-9), 6)
    return f"{value:.{decimals}f}".replace("-", "−")


def number_format(*values: float) -> Callable[[float], str]:
    """A formatter with the fewest decimals (two at least) that keeps distinct *values*
    distinct, so that an interval [0.9962, 1] is not shown as [1.00, 1.00] beside 0.99."""
    finite = sorted({float(v) for v in values if v is not None and math.isfinite(v)})
    big = max((abs(v) for v in finite), default=0.0)
    if big >= 100:
        return fmt
    for decimals in range(2, 7):
        shown = [f"{v:.{decimals}f}" for v in finite]
        if len(set(shown)) == len(shown):
            break
    return lambda x: fmt(x) if x is None or not math.isfinite(x) else \
        f"{x:.{decimals}f}".replace("-", "−")


@dataclass(frozen=True)
class Judged:
    """A figure, its rule and the verdict it got: the input of :func:`claim_verdict`."""

    estimate: Estimate
    rule: Rule
    verdict: Verdict


def claim_verdict(figures: Sequence[Judged], *, level: float = 0.95) -> Verdict:
    """One verdict for a claim made of several figures (see the module docstring): the
    figures that are not testable are left out and named with their reasons; the k others
    decide (all supported at *level*; one ruled out at 1 − (1 − level)/k)."""
    testable = [f for f in figures if f.verdict.label != NOT_TESTABLE]
    if not testable:
        reasons = "; ".join(sorted({f.verdict.reason for f in figures})) or "no figures"
        return Verdict(NOT_TESTABLE, f"no figure of the claim could be estimated ({reasons})")
    k = len(testable)
    skipped = [f for f in figures if f.verdict.label == NOT_TESTABLE]
    note = ""
    if skipped:
        named = "; ".join(f"{f.estimate.figure} ({f.verdict.reason})" for f in skipped)
        note = (f"; {len(skipped)} of {len(figures)} figure(s) not testable with these data "
                f"and left out: {named}")
    if all(f.verdict.label == SUPPORTED for f in testable):
        scope = f"all {k} figure(s) these data can give" if skipped else \
            f"all {k} figure(s) of the claim"
        return Verdict(SUPPORTED, f"{scope} are supported at the {level:.0%} level{note}")
    strict = 1 - (1 - level) / k
    at = f"the Bonferroni level {strict:.2%}" if k > 1 else f"the {level:.0%} level"
    against = [f for f in testable
               if f.rule.judge(f.rule.widened(f.estimate, strict)).label == NOT_SUPPORTED]
    if against:
        names = "; ".join(f.estimate.figure for f in against)
        return Verdict(NOT_SUPPORTED, f"{len(against)} of {k} figure(s) ruled out "
                                      f"{'even ' if k > 1 else ''}at {at}: {names}{note}")
    pending = [f.verdict.n_to_decide for f in testable if f.verdict.n_to_decide]
    n = max(pending) if pending else None
    supported = sum(f.verdict.label == SUPPORTED for f in testable)
    tail = f"; about {n:,} would decide the last of them" if n else ""
    return Verdict(INCONCLUSIVE, f"{supported} of {k} figure(s) supported, none ruled out at "
                                 f"{at}{tail}{note}", n)
