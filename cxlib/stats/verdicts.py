"""Decision rules: from an estimate and its interval to a verdict a referee would sign.

Four outcomes, and nothing else:

* **supported** — the data pin the claim down;
* **not supported** — the data rule the claim out;
* **inconclusive** — the interval is too wide to say either; the verdict gives the
  approximate sample size that would decide;
* **not testable with these data** — no usable estimate (missing, non-finite,
  degenerate input, a zero-width interval, too small a sample, too many failed
  resamples), with the reason.

Every headline figure declares one :class:`Rule` in the claim registry. Each rule marks out
the **region of the claim**: the values of the figure that would make the claim true in a
sense that matters. Then, with the 95% interval of the estimate:

* **supported** when the whole interval lies inside the region;
* **not supported** when the whole interval lies outside it;
* **inconclusive** otherwise. An underpowered study is inconclusive, never a refutation.

**Point claims** (``within``: "68% leave because of poor service"). The region is the
claimed figure's *band of practical equivalence* [L, U]: the values that would still count
as the claimed figure, and why. A wide interval therefore supports nothing.

**Directional claims** (``greater`` / ``less``: "satisfaction raises loyalty"). The null
value (0 for a difference, 1 for a ratio) comes with a band of *negligible effect*
[L₀, U₀] around it, and the region is everything beyond that band on the claimed side
(above U₀ for ``greater``, below L₀ for ``less``): a minimal-effect test. An interval that
excludes "no effect" but reaches into the negligible band is inconclusive — an effect,
perhaps too small to matter — and one lying entirely short of the band's far edge rules out
any effect that matters. Without a declared band the region starts at the null value.

**Sample size that would decide**, at 80% power. If the true value were the estimate and
the interval shrank like 1/√n, the half-width w would become w·√(n/n′). An interval edge
clears a boundary at distance d from the estimate with probability 1 − β when
d = (z₁₋α/₂ + z₁₋β)·w/z₁₋α/₂ at sample size n′, so the smallest n′ at which a rule above
would fire with 80% power is n′ = n·(w/d)²·((z₀.₉₇₅ + z₀.₈)/z₀.₉₇₅)², about 2.04·n·(w/d)²
(on the rule's scale: logarithmic for ratios). For an interval that treats clusters
(outlets) as the unit, n counts clusters, not rows.

**Claims with several figures** (an intersection–union test, which controls the
error of a false "supported" without adjustment, plus Bonferroni for a false "not
supported"). Figures the data cannot give (*not testable*) are left out and named in the
verdict with their reasons; of the k figures that remain, a claim is supported when every
one is supported at the 95% level; not supported when at least one is not supported at
the Bonferroni level 1 − 0.05/k (each interval widened on its scale by the ratio of normal
quantiles z₁₋₀.₀₂₅/ₖ / z₀.₉₇₅; for k = 1 simply the 95% level); otherwise inconclusive.
When no figure can be given, the claim is not testable with these data. What the verdict
can establish is capped by the weakest evidence grade among the figures that decide it
(:mod:`cxlib.stats.evidence`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from scipy import stats

from cxlib.stats.estimates import Estimate
from cxlib.stats.evidence import Grade, weaker
from cxlib.stats.formatting import fmt

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
INCONCLUSIVE = "inconclusive"
NOT_TESTABLE = "not testable with these data"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE, NOT_TESTABLE)

MAX_FAILED_SHARE = 0.05
"""A bootstrap interval with more failed resamples than this share is not trusted."""

POWER = 0.80
"""The power at which "the sample size that would decide" is stated."""

REFERENCE_STEPS = 6.0
"""A per-point band is declared per point of a 1–7 scale: six steps from lowest to highest."""

Kind = Literal["within", "greater", "less"]


@dataclass(frozen=True)
class Verdict:
    """One of :data:`VERDICTS`, the reason in words that cite the numbers, and for an
    inconclusive verdict the approximate sample size that would decide (at
    :data:`POWER`), counted in ``decide_unit`` ("" for rows, "clusters" for clusters)."""

    label: str
    reason: str
    n_to_decide: int | None = None
    decide_unit: str = ""

    def __post_init__(self) -> None:
        if self.label not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.label!r}")

    def __str__(self) -> str:
        return f"{self.label}: {self.reason}"


@dataclass(frozen=True)
class ClaimVerdict(Verdict):
    """A claim-level verdict: besides the outcome, the evidence ``grade`` of the figures that
    decide it (the weakest of them), how many figures decided (``k``) and the figures left
    out as not testable, with their reasons (``left_out``: (figure, reason) pairs)."""

    grade: Grade | None = None
    k: int = 0
    left_out: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Rule:
    """How one headline figure is judged (see the module docstring).

    ``kind`` is ``within`` for a point claim, ``greater``/``less`` for a directional
    one. ``target`` is the claimed figure (point) or the null value (directional).
    ``band`` is the band of practical equivalence (point) or of negligible effect
    (directional; ``(target, target)`` when none is declared). ``scale`` is ``log``
    for ratios, whose intervals are symmetric on the log scale. ``why`` says where
    the band comes from. ``min_n`` is the smallest sample the analysis is run on.
    ``per_point`` marks a figure per point of a rating scale (an odds ratio per point of
    satisfaction): its band is declared per point of a 1–7 scale and
    :meth:`for_scale` restates it for the data's own scale.
    """

    kind: Kind
    target: float
    band: tuple[float, float]
    why: str = ""
    scale: Literal["linear", "log"] = "linear"
    min_n: int = 1
    unit: str = ""
    per_point: bool = False

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

    def for_scale(self, scale: tuple[float, float] | None) -> Rule:
        """The rule for a figure per point of a rating *scale* (lowest, highest): a band
        declared per point of a 1–7 scale (6 steps) becomes, per point of a scale of k steps,
        target + (edge − target)·6/k (on the log scale for ratios: edge^(6/k)), so that an
        effect across the whole scale counts the same whatever its length. Unchanged for a
        figure not per point, or a 7-point scale."""
        if not self.per_point or scale is None:
            return self
        steps = float(scale[1] - scale[0])
        if steps <= 0 or steps == REFERENCE_STEPS:
            return self
        f = REFERENCE_STEPS / steps
        t = self._t(self.target)
        back = math.exp if self.scale == "log" else float
        band = tuple(back(t + (self._t(b) - t) * f) for b in self.band)
        lo, hi = (declared(x) for x in self.band)
        note = (f"; declared as [{lo}, {hi}] per point of a 1–7 scale, and restated per point "
                f"of this {scale[0]:g}–{scale[1]:g} scale so that an effect across the "
                f"whole scale counts the same")
        return replace(self, band=(round(band[0], 3), round(band[1], 3)), why=self.why + note,
                       per_point=False)

    @property
    def negligible(self) -> bool:
        """True for a directional rule with a band of negligible effect."""
        return self.kind != "within" and self.band[0] < self.band[1]

    @property
    def region(self) -> tuple[float, float]:
        """The values that make the claim true in a sense that matters (module docstring)."""
        if self.kind == "within":
            return self.band
        return (self.band[1], math.inf) if self.kind == "greater" else (-math.inf, self.band[0])

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
        if not self.negligible:
            why = f" ({self.why})" if self.why else ""
            return (f"Supported if {ci} lies entirely {side} {target}{why}; not supported if it "
                    f"lies entirely {other} {target}; otherwise inconclusive.")
        edge = hi if self.kind == "greater" else lo
        strict = self.band[0] < self.target < self.band[1]
        small = (f", which includes an interval that excludes {target} but reaches into "
                 f"[{lo}, {hi}]: an effect, perhaps too small to matter" if strict else "")
        return (f"Supported if {ci} lies entirely {side} {edge}, beyond [{lo}, {hi}], the "
                f"effects too small to matter ({self.why}); not supported if it lies entirely "
                f"{other} {edge} (no effect that matters in the claimed direction); otherwise "
                f"inconclusive{small}.")

    # -- decisions -------------------------------------------------------------
    def judge(self, est: Estimate) -> Verdict:
        """The verdict on *est* under this rule."""
        problem = self._untestable(est)
        if problem:
            return Verdict(NOT_TESTABLE, problem)
        show = number_format(est.ci_low, est.ci_high, *self.band, self.target)
        ci = f"the {est.level:.0%} interval [{show(est.ci_low)}, {show(est.ci_high)}]"
        band = f"[{declared(self.band[0], show)}, {declared(self.band[1], show)}]"
        target = declared(self.target, show)
        if self.kind == "within":
            return self._judge_point(est, ci, band, target)
        return self._judge_direction(est, ci, band, target, show)

    def _untestable(self, est: Estimate) -> str | None:
        """Why *est* cannot be judged by this rule (:func:`untestable_reason`, or a ratio
        that is not positive), or None."""
        problem = untestable_reason(est, self.min_n)
        if not problem and self.scale == "log" and min(est.value, est.ci_low) <= 0:
            problem = (f"a ratio must be positive, and this one is {fmt(est.value)} "
                       f"{interval_text(est)}: the estimate is not on the scale of its rule")
        return problem

    def _judge_point(self, est: Estimate, ci: str, band: str, target: str) -> Verdict:
        """A point claim: the interval inside the band of practical equivalence, wholly
        outside it, or neither."""
        lo, hi = self._t(est.ci_low), self._t(est.ci_high)
        a, b = (self._t(x) for x in self.region)
        claimed = f"the band that counts as the claimed {target}{self.unit}"
        if a <= lo and hi <= b:
            return Verdict(SUPPORTED, f"{ci} lies inside {band}, {claimed}")
        if hi < a or lo > b:
            side = "below" if hi < a else "above"
            return Verdict(NOT_SUPPORTED, f"{ci} lies entirely {side} {band}, {claimed}")
        return self._inconclusive(est, f"{ci} overlaps {band}, {claimed}, but does not "
                                       f"lie inside it")

    def _judge_direction(self, est: Estimate, ci: str, band: str, target: str,
                         show) -> Verdict:
        """A directional claim: the interval beyond the band of negligible effect on the
        claimed side, wholly short of its far edge, or neither."""
        lo, hi = self._t(est.ci_low), self._t(est.ci_high)
        a, b = (self._t(x) for x in self.region)
        greater = self.kind == "greater"
        claimed_side, other_side = ("above", "below") if greater else ("below", "above")
        t = self._t(self.target)
        edge = declared(self.band[1] if greater else self.band[0], show)
        inside = (lo > a) if greater else (hi < b)
        outside = (hi < a) if greater else (lo > b)
        wrong_side = (hi < t) if greater else (lo > t)
        excludes_null = (lo > t) if greater else (hi < t)
        if inside:
            beyond = f", beyond {band}, the effects too small to matter" if self.negligible \
                else ""
            return Verdict(SUPPORTED, f"{ci} lies entirely {claimed_side} {edge}{beyond}")
        if outside and not self.negligible:
            return Verdict(NOT_SUPPORTED, f"{ci} lies entirely {other_side} {target}; the "
                                          f"claim needs it {claimed_side}")
        if outside and wrong_side:  # the rule's words name the edge: say both
            return Verdict(NOT_SUPPORTED, f"{ci} lies entirely {other_side} {target}, so "
                                          f"{other_side} {edge} too; the claim needs it "
                                          f"{claimed_side} {edge}")
        if outside:
            return Verdict(NOT_SUPPORTED, f"{ci} lies entirely {other_side} {edge}, the edge "
                                          f"of {band}: any effect is too small to matter")
        if excludes_null:
            return self._inconclusive(est, f"an effect, perhaps too small to matter: {ci} "
                                           f"excludes {target} but reaches into {band}, the "
                                           f"effects too small to matter")
        return self._inconclusive(est, f"{ci} includes {target}")

    def _t(self, x: float) -> float:
        if math.isinf(x):
            return x
        return math.log(x) if self.scale == "log" else float(x)

    def _inconclusive(self, est: Estimate, why: str) -> Verdict:
        n = self.n_to_decide(est)
        if n is None:
            return Verdict(INCONCLUSIVE, why + "; the estimate sits on a boundary of the rule, "
                                               "so no sample size decides")
        unit = "clusters" if est.clusters else ""
        present = est.clusters or est.n
        counted = f"{n:,} clusters" if unit else f"{n:,}"
        return Verdict(INCONCLUSIVE, f"{why}; about {counted} (×{n / present:.3g} the present "
                                     f"{present:,}) would decide with {POWER:.0%} power if the "
                                     f"estimate stayed where it is", n, unit)

    def n_to_decide(self, est: Estimate) -> int | None:
        """Smallest n (clusters, for a clustered interval) at which some rule would fire with
        :data:`POWER`, were the estimate the truth and the interval to shrink like 1/√n (see
        the module docstring); ``None`` if none would."""
        v, lo, hi = (self._t(x) for x in (est.value, est.ci_low, est.ci_high))
        w_lo, w_hi = max(v - lo, 0.0), max(hi - v, 0.0)
        a, b = (self._t(x) for x in self.region)
        factors: list[float] = []
        if a < v < b:  # inside the region: both ends must clear its edges
            factors.append(max(w_lo / (v - a) if math.isfinite(a) else 0.0,
                               w_hi / (b - v) if math.isfinite(b) else 0.0))
        if math.isfinite(b) and v > b:  # above the region: the lower end must clear b
            factors.append(w_lo / (v - b))
        if math.isfinite(a) and v < a:  # below the region: the upper end must clear a
            factors.append(w_hi / (a - v))
        factors = [f for f in factors if math.isfinite(f) and f > 0]
        if not factors:
            return None
        z = stats.norm.ppf(0.5 + est.level / 2)
        power = ((z + stats.norm.ppf(POWER)) / z) ** 2
        present = est.clusters or est.n
        return max(math.ceil(round(present * power * min(factors) ** 2, 6)), present + 1)

    def widened(self, est: Estimate, level: float) -> Estimate:
        """*est* with its interval widened to *level* on this rule's scale, as used for the
        Bonferroni step of :func:`claim_verdict`: by the ratio of normal quantiles, or of
        t(G − 1) quantiles for an interval that treats G clusters as the unit."""
        dist = stats.t(est.clusters - 1) if est.clusters and est.clusters > 1 else stats.norm
        f = dist.ppf(0.5 + level / 2) / dist.ppf(0.5 + est.level / 2)
        v = self._t(est.value)
        lo = v - (v - self._t(est.ci_low)) * f
        hi = v + (self._t(est.ci_high) - v) * f
        back = math.exp if self.scale == "log" else float
        return replace(est, ci_low=back(lo), ci_high=back(hi), level=level)


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
    if est.ci_low == est.ci_high:
        return (f"the interval {interval_text(est)} has zero width: nothing in these data "
                f"varies it, so the design fixes the figure rather than measures it")
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
    """A figure, its rule, the verdict it got and the evidence grade it earns on its data:
    the input of :func:`claim_verdict`."""

    estimate: Estimate
    rule: Rule
    verdict: Verdict
    grade: Grade | None = None


def _weakest(figures: Sequence[Judged]) -> Grade | None:
    grades = [f.grade for f in figures if f.grade is not None]
    out = grades[0] if grades else None
    for g in grades[1:]:
        out = weaker(out, g)
    return out


def claim_verdict(figures: Sequence[Judged], *, level: float = 0.95) -> ClaimVerdict:
    """One verdict for a claim made of several figures (see the module docstring): the
    figures that are not testable are left out and named with their reasons; the k others
    decide (all supported at *level*; one ruled out at 1 − (1 − level)/k); the grade is the
    weakest among the figures that decide."""
    testable = [f for f in figures if f.verdict.label != NOT_TESTABLE]
    skipped = tuple((f.estimate.figure, f.verdict.reason) for f in figures
                    if f.verdict.label == NOT_TESTABLE)
    if not testable:
        reasons = "; ".join(sorted({f.verdict.reason for f in figures})) or "no figures"
        return ClaimVerdict(NOT_TESTABLE, f"no figure of the claim could be estimated "
                                          f"({reasons})", left_out=skipped)
    k = len(testable)
    note = _left_out_note(skipped, len(figures))
    figures_word = "figure" if k == 1 else "figures"
    if all(f.verdict.label == SUPPORTED for f in testable):
        scope = ("the one figure" if k == 1 else f"all {k} figures") + \
            (" these data can give" if skipped else " of the claim")
        verb = "is" if k == 1 else "are"
        return ClaimVerdict(SUPPORTED, f"{scope} {verb} supported at the {level:.0%} "
                                       f"level{note}", grade=_weakest(testable), k=k,
                            left_out=skipped)
    strict = 1 - (1 - level) / k
    at = f"the Bonferroni level {strict:.2%}" if k > 1 else f"the {level:.0%} level"
    against = [f for f in testable
               if f.rule.judge(f.rule.widened(f.estimate, strict)).label == NOT_SUPPORTED]
    if against:
        names = "; ".join(f.estimate.figure for f in against)
        return ClaimVerdict(NOT_SUPPORTED, f"{len(against)} of {k} {figures_word} ruled out "
                                           f"{'even ' if k > 1 else ''}at {at}: {names}{note}",
                            grade=_weakest(against), k=k, left_out=skipped)
    return _undecided(testable, at, note, skipped)


def _left_out_note(skipped: tuple[tuple[str, str], ...], total: int) -> str:
    """The figures left out as not testable, named with their reasons ('' for none)."""
    if not skipped:
        return ""
    named = "; ".join(f"{figure} ({reason})" for figure, reason in skipped)
    return (f"; {len(skipped)} of {total} figures not testable with these data and left out: "
            f"{named}")


def _undecided(testable: Sequence[Judged], at: str, note: str,
               skipped: tuple[tuple[str, str], ...]) -> ClaimVerdict:
    """An inconclusive claim: how many of its figures are supported, none ruled out, and
    the sample that would decide the last of them."""
    k = len(testable)
    pending = [f.verdict for f in testable if f.verdict.n_to_decide]
    last = max(pending, key=lambda v: v.n_to_decide, default=None)
    supported = sum(f.verdict.label == SUPPORTED for f in testable)
    tail = ""
    if last is not None:
        counted = f"{last.n_to_decide:,}" + (f" {last.decide_unit}" if last.decide_unit else "")
        tail = f"; about {counted} would decide the last of them"
    return ClaimVerdict(INCONCLUSIVE, f"{supported} of {k} {'figure' if k == 1 else 'figures'} "
                                      f"supported, none ruled out at {at}{tail}{note}",
                        last.n_to_decide if last else None,
                        last.decide_unit if last else "", grade=_weakest(testable), k=k,
                        left_out=skipped)
