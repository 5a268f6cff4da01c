"""The decision rules: every branch on constructed estimates, and their error rates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from cxlib.stats.estimates import Estimate
from cxlib.stats.verdicts import (
    INCONCLUSIVE,
    NOT_SUPPORTED,
    NOT_TESTABLE,
    SUPPORTED,
    Judged,
    Rule,
    Verdict,
    claim_verdict,
)

POINT = Rule("within", 0.68, (0.63, 0.73), why="±5 points")
GREATER = Rule("greater", 0.0, (-0.02, 0.02), why="negligible")
LESS = Rule("less", 1.0, (0.909, 1.1), scale="log", why="10% either way")
THRESHOLD = Rule("greater", 0.99, (0.99, 0.99), why="'never' read as 99%")


def est(value, lo, hi, n=400, **kw):
    return Estimate("figure", value, lo, hi, n, "test", **kw)


# -- truth table: one constructed estimate per branch --------------------------------------
@pytest.mark.parametrize(("rule", "estimate", "label", "words"), [
    # point claims
    (POINT, est(0.68, 0.66, 0.70), SUPPORTED, "lies inside [0.63, 0.73]"),
    (POINT, est(0.30, 0.25, 0.35), NOT_SUPPORTED, "entirely below"),
    (POINT, est(0.90, 0.85, 0.95), NOT_SUPPORTED, "entirely above"),
    (POINT, est(0.66, 0.60, 0.72), INCONCLUSIVE, "would decide"),
    (POINT, est(0.60, 0.23, 0.88, n=30), INCONCLUSIVE, "overlaps"),  # wide: supports nothing
    (POINT, est(0.63, 0.55, 0.71), INCONCLUSIVE, "no sample size decides"),  # on the edge
    # directional claims
    (GREATER, est(0.10, 0.05, 0.15), SUPPORTED, "entirely above 0.02, beyond [−0.02, 0.02]"),
    (GREATER, est(-0.10, -0.15, -0.05), NOT_SUPPORTED, "entirely below 0.00"),
    (GREATER, est(0.005, -0.01, 0.015), NOT_SUPPORTED, "too small to matter"),
    (GREATER, est(0.015, 0.012, 0.018), NOT_SUPPORTED, "too small to matter"),  # precedence
    (GREATER, est(0.007, -0.10, 0.12), INCONCLUSIVE, "includes 0.00"),  # underpowered trial
    # minimal effect: the interval excludes the null but reaches into the negligible band
    (GREATER, est(0.04, 0.01, 0.07), INCONCLUSIVE, "an effect, perhaps too small to matter"),
    (LESS, est(0.80, 0.70, 0.90), SUPPORTED, "entirely below 0.909"),
    (LESS, est(0.95, 0.92, 0.98), NOT_SUPPORTED, "too small to matter"),  # real but negligible
    (LESS, est(0.85, 0.80, 0.95), INCONCLUSIVE, "perhaps too small to matter"),
    (LESS, est(1.30, 1.10, 1.50), NOT_SUPPORTED, "entirely above 1.00"),
    (LESS, est(1.00, 0.95, 1.05), NOT_SUPPORTED, "too small to matter"),
    (LESS, est(0.90, 0.70, 1.15), INCONCLUSIVE, "includes 1.00"),
    # one-sided standard without a negligible band
    (THRESHOLD, est(1.0, 0.9962, 1.0, n=1000), SUPPORTED,
     "[0.996, 1.000] lies entirely above 0.990"),
    (THRESHOLD, est(0.4, 0.37, 0.43, n=1000), NOT_SUPPORTED, "entirely below 0.99"),
    (THRESHOLD, est(0.99, 0.98, 0.995, n=1000), INCONCLUSIVE, "no sample size decides"),
])
def test_every_branch(rule, estimate, label, words):
    verdict = rule.judge(estimate)
    assert verdict.label == label, verdict
    assert words in verdict.reason, verdict.reason
    assert (verdict.n_to_decide is not None) == (label == INCONCLUSIVE
                                                 and "no sample size" not in verdict.reason)


@pytest.mark.parametrize(("estimate", "words"), [
    (est(math.nan, None, None), "no estimate could be computed"),
    (est(math.inf, 1.0, math.inf), "infinite"),
    (est(0.5, None, None), "no finite interval"),
    (est(0.5, math.nan, 0.7), "no finite interval"),
    (est(0.5, 0.4, 0.6, n=0), "no data"),
    (est(0.5, 0.4, 0.6, n=12), "below the minimum of 30"),
    (est(0.5, 0.4, 0.6, failed=60, draws=1000), "60 of 1,000 resamples failed"),
    (est(0.8, 0.4, 0.6), "outside its own interval"),
    (est(0.0, 0.0, 0.0), "zero width"),
    (est(1.0, 1.0, 1.0), "zero width"),
    (Estimate.untestable("figure", "satisfaction has no variance", n=200), "no variance"),
])
def test_unusable_estimates_are_not_testable(estimate, words):
    rule = Rule("within", 0.68, (0.63, 0.73), min_n=30)
    verdict = rule.judge(estimate)
    assert verdict.label == NOT_TESTABLE and words in verdict.reason


def test_a_few_failed_resamples_are_tolerated():
    assert POINT.judge(est(0.68, 0.66, 0.70, failed=10, draws=1000)).label == SUPPORTED


POWER_FACTOR = ((stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) / stats.norm.ppf(0.975)) ** 2


def test_sample_size_that_would_decide():
    """At 80% power: n′ = n·(w/d)²·((z.975 + z.8)/z.975)², about 2.04·n·(w/d)²."""
    assert pytest.approx(2.0432, abs=1e-4) == POWER_FACTOR
    # estimate 0.66 inside [0.63, 0.73], half-width 0.06: the interval must shrink to 0.03
    # on the lower side at 50% power, (0.06 / 0.03)² = 4 times the data
    verdict = POINT.judge(est(0.66, 0.60, 0.72, n=300))
    assert verdict.n_to_decide == math.ceil(1200 * POWER_FACTOR)
    # directional: the interval [-0.10, 0.20] around 0.05 must clear 0: (0.15 / 0.05)² = 9
    assert Rule("greater", 0.0, (0.0, 0.0)).judge(est(0.05, -0.10, 0.20, n=100)).n_to_decide \
        == math.ceil(900 * POWER_FACTOR)
    # log scale: OR 0.9 [0.7, 1.157] is symmetric in logs; clearing 1 needs
    # (log 0.9 − log 0.7)² / (log 0.9)² times the data
    factor = (math.log(0.9) - math.log(0.7)) ** 2 / math.log(0.9) ** 2
    verdict = Rule("less", 1.0, (1.0, 1.0), scale="log").judge(
        est(0.9, 0.7, 0.9 ** 2 / 0.7, n=100))
    assert verdict.n_to_decide == math.ceil(100 * factor * POWER_FACTOR)


def test_sample_size_counts_clusters_for_a_clustered_interval():
    verdict = POINT.judge(est(0.66, 0.60, 0.72, n=3000, clusters=30))
    assert verdict.n_to_decide == math.ceil(120 * POWER_FACTOR)
    assert verdict.decide_unit == "clusters" and f"{verdict.n_to_decide:,} clusters" in \
        verdict.reason and "the present 30" in verdict.reason


def test_the_stated_sample_size_decides_four_times_in_five():
    """Simulated: at the n the verdict states, a true value equal to today's estimate is
    decided (here: supported) in about 80% of new samples."""
    rng = np.random.default_rng(5)
    rule = Rule("greater", 0.0, (-0.05, 0.05))
    first = rule.judge(est(0.15, 0.15 - 1.96 / 10, 0.15 + 1.96 / 10, n=100))  # sd 1, n 100
    n = first.n_to_decide
    assert first.label == INCONCLUSIVE and n > 100
    got = labels(rule, mean_estimates(rng, 0.15, 1.0, n, reps=1000))
    assert 0.75 <= (got == SUPPORTED).mean() <= 0.86


def test_the_rule_is_stated_in_plain_words():
    text = POINT.describe()
    assert "entirely inside [0.63, 0.73]" in text and "±5 points" in text
    assert "inconclusive" in GREATER.describe() and "too small to matter" in GREATER.describe()
    assert "entirely above 0.02" in GREATER.describe()
    assert "perhaps too small to matter" in GREATER.describe()
    assert "negligible" not in THRESHOLD.describe().split("(")[0]


def test_rules_refuse_nonsense():
    with pytest.raises(ValueError):
        Rule("within", 0.5, (0.6, 0.7))  # the band must contain the claim
    with pytest.raises(ValueError):
        Rule("within", 0.5, (0.5, 0.5))  # a point claim needs a band
    with pytest.raises(ValueError):
        Rule("greater", 0.0, (-1.0, 1.0), scale="log")
    with pytest.raises(ValueError):
        Verdict("depends on", "")


# -- claims with several figures ------------------------------------------------------------
def judged(rule, estimate):
    return Judged(estimate, rule, rule.judge(estimate))


def test_claim_supported_only_when_every_figure_is():
    figures = [judged(GREATER, est(0.1, 0.05, 0.15)), judged(LESS, est(0.8, 0.7, 0.9))]
    assert claim_verdict(figures).label == SUPPORTED
    figures.append(judged(GREATER, est(0.05, -0.01, 0.11)))
    verdict = claim_verdict(figures)
    assert verdict.label == INCONCLUSIVE and verdict.n_to_decide


def test_claim_not_supported_needs_the_bonferroni_level():
    # entirely short of the negligible band's edge (0.02) at 95% but not at 1 − 0.05/3:
    # inconclusive, not a refutation
    near = judged(GREATER, est(0.0, -0.018, 0.018, n=400))
    assert near.verdict.label == NOT_SUPPORTED
    others = [judged(GREATER, est(0.1, 0.05, 0.15)), judged(GREATER, est(0.1, 0.05, 0.15))]
    assert claim_verdict([near, *others]).label == INCONCLUSIVE
    far = judged(GREATER, est(-0.3, -0.35, -0.25))
    verdict = claim_verdict([far, *others])
    assert verdict.label == NOT_SUPPORTED and "Bonferroni level 98.33%" in verdict.reason


def test_claim_with_nothing_estimable_is_not_testable():
    none = judged(POINT, Estimate.untestable("f", "no churn reasons"))
    assert claim_verdict([none]).label == NOT_TESTABLE
    mixed = claim_verdict([none, judged(POINT, est(0.68, 0.66, 0.70))])
    assert mixed.label == SUPPORTED and "left out" in mixed.reason


def test_claim_verdict_names_the_figures_it_left_out():
    """The claim-level rule as printed (rules_text): the figures the data cannot give are
    left out and named, with their reasons, in the verdict."""
    none = judged(POINT, Estimate.untestable("churn odds ratio", "no churned column"))
    kept = [judged(POINT, est(0.68, 0.66, 0.70)), judged(GREATER, est(0.1, 0.05, 0.15))]
    verdict = claim_verdict([*kept, none])
    assert verdict.label == SUPPORTED
    assert verdict.reason.startswith("all 2 figures these data can give are supported")
    assert "1 of 3 figures not testable" in verdict.reason
    assert "churn odds ratio (no churned column)" in verdict.reason
    assert "left out" not in claim_verdict(kept).reason


def test_a_single_figure_is_ruled_out_at_the_plain_level():
    """With one figure the Bonferroni level is the 95% level: said as such."""
    far = judged(GREATER, est(-0.3, -0.35, -0.25))
    verdict = claim_verdict([far])
    assert verdict.label == NOT_SUPPORTED and "ruled out at the 95% level" in verdict.reason
    assert "Bonferroni" not in verdict.reason


def test_widening_is_exact_for_normal_intervals():
    z95, z99 = stats.norm.ppf(0.975), stats.norm.ppf(0.995)
    wide = GREATER.widened(est(0.1, 0.1 - z95 * 0.02, 0.1 + z95 * 0.02), 0.99)
    assert (wide.ci_low, wide.ci_high) == pytest.approx((0.1 - z99 * 0.02, 0.1 + z99 * 0.02))
    assert wide.level == 0.99


# -- error rates by simulation ----------------------------------------------------------------
REPS = 2000


def labels(rule, estimates):
    return np.array([rule.judge(e).label for e in estimates])


def mean_estimates(rng, mu, sd, n, reps=REPS):
    x = rng.normal(mu, sd, (reps, n))
    m, se = x.mean(axis=1), x.std(axis=1, ddof=1) / np.sqrt(n)
    t = stats.t.ppf(0.975, n - 1)
    return [est(a, a - t * s, a + t * s, n=n) for a, s in zip(m, se, strict=True)]


@pytest.mark.parametrize("n", [20, 200, 2000])
def test_directional_null_is_rarely_supported(n):
    rng = np.random.default_rng(n)
    got = labels(Rule("greater", 0.0, (-0.05, 0.05)), mean_estimates(rng, 0.0, 1.0, n))
    assert (got == SUPPORTED).mean() <= 0.05


@pytest.mark.parametrize("n", [50, 300, 3000])
def test_point_claim_false_at_the_band_edge_is_rarely_supported(n):
    # the true share is 0.63, just outside what counts as "68%": supported must stay rare
    rng = np.random.default_rng(n)
    k = rng.binomial(n, 0.63, REPS)
    lo, hi = proportion_confint(k, n, method="wilson")
    got = labels(Rule("within", 0.68, (0.63, 0.73)),
                 [est(a / n, b, c, n=n) for a, b, c in zip(k, lo, hi, strict=True)])
    assert (got == SUPPORTED).mean() <= 0.05


def test_underpowered_real_effect_is_rarely_refuted():
    # a follow-up-note trial: 150 customers per arm, a true 5-point lift on 30%
    rng = np.random.default_rng(11)
    treated, control = rng.binomial(150, 0.35, REPS), rng.binomial(150, 0.30, REPS)
    estimates = []
    for t, c in zip(treated, control, strict=True):
        lo, hi = confint_proportions_2indep(t, 150, c, 150, method="newcomb", compare="diff")
        estimates.append(est((t - c) / 150, lo, hi, n=300))
    got = labels(Rule("greater", 0.0, (-0.01, 0.01)), estimates)
    assert (got == NOT_SUPPORTED).mean() <= 0.05
    assert (got == INCONCLUSIVE).mean() > 0.5  # mostly: not enough data to say


def test_point_claim_true_is_rarely_refuted_on_small_samples():
    rng = np.random.default_rng(3)
    n = 60
    k = rng.binomial(n, 0.68, REPS)
    lo, hi = proportion_confint(k, n, method="wilson")
    got = labels(POINT, [est(a / n, b, c, n=n) for a, b, c in zip(k, lo, hi, strict=True)])
    assert (got == NOT_SUPPORTED).mean() <= 0.05


@pytest.mark.parametrize("true_or", [1.05, 1.08, 1.10])
def test_a_negligible_effect_measured_precisely_is_rarely_supported(true_or):
    """LOY-1's band [0.909, 1.1]: a true odds ratio inside the band (negligible by the
    registry) or at its edge, estimated at n = 6,400 (SE of the log-OR 0.02), is supported
    in at most 5% of replications (was 87% at 1.08 and 97% at 1.10 under the old rule)."""
    rng = np.random.default_rng(int(true_or * 100))
    rule = Rule("greater", 1.0, (0.909, 1.1), scale="log")
    got = labels(rule, log_or_estimates(rng, true_or, 0.02, 6400))
    assert (got == SUPPORTED).mean() <= 0.05
    if true_or < 1.08:  # negligible and precisely measured: mostly ruled out
        assert (got == NOT_SUPPORTED).mean() > 0.5


def test_a_claim_of_negligible_figures_is_rarely_supported():
    """Three figures at 1.05, 1.08 and 1.10 made the claim supported 42% of the time."""
    rng = np.random.default_rng(9)
    rule = Rule("greater", 1.0, (0.909, 1.1), scale="log")
    sets = [log_or_estimates(rng, t, 0.02, 6400, REPS // 2) for t in (1.05, 1.08, 1.10)]
    got = [claim_verdict([judged(rule, f[i]) for f in sets]).label for i in range(REPS // 2)]
    assert np.mean(np.array(got) == SUPPORTED) <= 0.05


def test_a_clear_effect_is_supported():
    rng = np.random.default_rng(13)
    rule = Rule("greater", 1.0, (0.909, 1.1), scale="log")
    got = labels(rule, log_or_estimates(rng, 1.3, 0.02, 6400))
    assert (got == SUPPORTED).mean() > 0.99


def log_or_estimates(rng, true_or, se, n, reps=REPS):
    b = rng.normal(math.log(true_or), se, reps)
    return [est(math.exp(x), math.exp(x - 1.96 * se), math.exp(x + 1.96 * se), n=n) for x in b]


def test_claim_level_error_rates():
    rng = np.random.default_rng(7)
    rule = Rule("greater", 0.0, (-0.05, 0.05))
    # every figure at the null: the claim is supported in at most 5% of replications
    nulls = [mean_estimates(rng, 0.0, 1.0, 100, REPS // 2) for _ in range(3)]
    got = [claim_verdict([judged(rule, f[i]) for f in nulls]).label for i in range(REPS // 2)]
    assert np.mean(np.array(got) == SUPPORTED) <= 0.05
    # every figure real but underpowered: the claim is refuted in at most 5%
    weak = [mean_estimates(rng, 0.15, 1.0, 60, REPS // 2) for _ in range(3)]
    got = [claim_verdict([judged(rule, f[i]) for f in weak]).label for i in range(REPS // 2)]
    assert np.mean(np.array(got) == NOT_SUPPORTED) <= 0.05


def test_a_band_is_shown_as_declared():
    """REL-2's negligible band is half a percent of the price: shown as [−0.005, 0.005], not
    rounded to [−0.01, 0.01] beside a rationale that says "half a percent"."""
    rule = Rule("greater", 0.0, (-0.005, 0.005), why="less than half a percent")
    assert "beyond [−0.005, 0.005]" in rule.describe()
    verdict = rule.judge(est(0.045, 0.040, 0.050))
    assert verdict.label == SUPPORTED and "[0.04, 0.05] lies entirely above 0.00" in verdict.reason
    assert "[0.91, 1.10]" in Rule("greater", 1.0, (0.91, 1.1), why="x").describe()


def test_a_band_per_rating_point_is_restated_for_the_scale_of_the_data():
    """An odds ratio per point of a 1–10 scale covers 9 steps where a 1–7 scale covers 6:
    the same effect across the whole scale is OR₇ = OR₁₀^(9/6), so the band per point
    shrinks to edge^(6/9); a 1–5 scale widens it; a 1–7 scale keeps it."""
    rule = Rule("greater", 1.0, (0.909, 1.1), scale="log", per_point=True, why="10%")
    assert rule.for_scale((1, 7)) == rule
    ten = rule.for_scale((1, 10))
    assert ten.band == (round(0.909 ** (6 / 9), 3), round(1.1 ** (6 / 9), 3))
    assert "per point of a 1–7 scale" in ten.describe() and "1–10 scale" in ten.describe()
    assert rule.for_scale((1, 5)).band[1] == round(1.1 ** (6 / 4), 3)
    # OR 1.08 per point of a 1–10 scale (1.12 per point of a 1–7 one), measured precisely:
    # supported on its own scale, only an effect perhaps too small under the 7-point band
    precise = est(1.08, 1.075, 1.085)
    assert ten.judge(precise).label == SUPPORTED
    assert rule.judge(precise).label == NOT_SUPPORTED
    linear = Rule("greater", 0.0, (-0.06, 0.06), per_point=True).for_scale((1, 4))
    assert linear.band == (-0.12, 0.12)
    assert Rule("greater", 0.0, (-0.06, 0.06)).for_scale((1, 10)).band == (-0.06, 0.06)
