"""Intervals: Wilson against statsmodels, edge cases, and bootstrap failures counted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from cxlib.errors import NotEstimable
from cxlib.stats.uncertainty import (
    bootstrap,
    percentile_interval,
    proportion_estimate,
    ratio_bootstrap,
    resampled_sums,
    wilson_ci,
)
from cxlib.stats.verdicts import NOT_TESTABLE, Rule, untestable_reason


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (412, 1000)])
def test_wilson_ci_matches_statsmodels(k, n):
    p, lo, hi = wilson_ci(k, n)
    assert p == k / n
    assert (lo, hi) == pytest.approx(proportion_confint(k, n, method="wilson"), abs=1e-12)


def test_wilson_ci_with_no_observations_is_not_estimable():
    with pytest.raises(NotEstimable, match="n = 0"):  # was ZeroDivisionError
        wilson_ci(0, 0)
    for k, n in ((5, 3), (-1, 3)):
        with pytest.raises(ValueError, match="successes"):
            wilson_ci(k, n)
    est = proportion_estimate("share answered in time", 0, 0, nobody="the log has no calls")
    assert est.problem == "the log has no calls" and untestable_reason(est) == est.problem


def one_rare_event(n=20):
    """A frame whose column x has a single 1: a resample misses it with probability
    (1 − 1/n)^n ≈ 36%."""
    return pd.DataFrame({"x": [1] + [0] * (n - 1)})


def misses(frame, n_boot, seed):
    """How many resamples drawn as bootstrap() draws them contain no 1."""
    rng = np.random.default_rng(seed)
    x = frame["x"].to_numpy()
    return sum(x[rng.integers(0, len(x), len(x))].sum() == 0 for _ in range(n_boot))


@pytest.mark.parametrize("statistic", [
    lambda d: 1 / int(d["x"].sum()),          # raises ZeroDivisionError on a miss
    lambda d: 1 / d["x"].to_numpy().sum(),     # numpy: inf on a miss
    lambda d: d["x"].mean() / d["x"].mean(),   # 0/0: NaN on a miss
], ids=["raises", "infinite", "nan"])
def test_bootstrap_counts_failed_resamples(statistic):
    frame = one_rare_event()
    boot = bootstrap(frame, statistic, n_boot=200, seed=3)
    expected = misses(frame, 200, 3)
    assert 40 < expected < 110  # about 36%, so the test means something
    assert boot.failed == expected and boot.n_boot == 200  # before: dropped, not counted
    assert np.isnan(boot.draws).all(axis=1).sum() == expected
    assert np.isfinite(boot.ci_low).all() and np.isfinite(boot.ci_high).all()
    est = boot.estimate("inverse count", "percentile bootstrap (200)")
    assert (est.failed, est.draws) == (expected, 200)
    rule = Rule("greater", 0, (0, 0))
    verdict = rule.judge(est)
    assert verdict.label == NOT_TESTABLE and f"{expected} of 200 resamples failed" in verdict.reason


def test_bootstrap_without_failures_is_unchanged_and_testable():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(1, 1, 200)})
    boot = bootstrap(frame, lambda d: d["x"].mean(), n_boot=300, seed=1)
    assert boot.failed == 0
    rng = np.random.default_rng(1)
    x = frame["x"].to_numpy()
    means = [x[rng.integers(0, 200, 200)].mean() for _ in range(300)]
    assert (boot.ci_low[0], boot.ci_high[0]) == pytest.approx(np.quantile(means, [0.025, 0.975]))
    assert untestable_reason(boot.estimate("mean", "bootstrap")) is None


def test_a_few_failures_are_tolerated_and_a_bug_is_not_hidden():
    frame = one_rare_event(200)
    frame.loc[:9, "x"] = 1  # ten ones in 200: a resample misses them all with p = 0.95^200 ≈ 4e-5
    boot = bootstrap(frame, lambda d: 1 / int(d["x"].sum()), n_boot=100, seed=0)
    assert boot.failed == 0
    with pytest.raises(TypeError):
        bootstrap(frame, lambda d: 1 / int(d["x"].sum()) if len(d) < 200 else "oops" + 1,
                  n_boot=10)


def test_ratio_bootstrap_counts_resamples_with_a_zero_denominator():
    num, den = np.array([1.0, 2, 3, 4, 5]), np.array([1.0, 0, 0, 0, 0])
    ratio = ratio_bootstrap(num, den, n_boot=300, seed=2)
    value, lo, hi = ratio  # still unpacks as before
    assert value == 15 and lo <= hi
    rng = np.random.default_rng(2)
    expected = sum(den[rng.integers(0, 5, 5)].sum() == 0 for _ in range(300))
    assert ratio.failed == expected > 50 and ratio.draws == 300
    ci = percentile_interval(np.array([1.0, 2.0, np.inf, np.nan, 3.0]))
    assert (ci.failed, ci.draws) == (2, 5)
    assert tuple(ci) == pytest.approx(np.quantile([1.0, 2.0, 3.0], [0.025, 0.975]))


def test_when_every_resample_fails_the_reason_is_the_failures():
    frame = one_rare_event()  # 20 distinct rows; a resample of 20 almost surely repeats one
    boot = bootstrap(frame, lambda d: 1.0 if d.index.is_unique else 1 / 0, n_boot=50)
    assert boot.failed == 50 and np.isnan(boot.ci_low).all()
    reason = untestable_reason(boot.estimate("a statistic", "bootstrap (50)"))
    assert reason.startswith("50 of 50 resamples failed (100% > 5%)")  # not "no finite interval"


@pytest.mark.parametrize("distinct", [True, False], ids=["pooled rows", "row by row"])
def test_resampled_sums_have_the_bootstrap_mean_and_variance(distinct):
    """Σ over k rows drawn with replacement has mean Σx and variance k·σ² (σ² the
    population variance of the rows): both ways of drawing the counts must give them."""
    rng = np.random.default_rng(7)
    k = 400
    x = rng.poisson(2, k) + 1.0 if distinct else rng.gamma(2.0, 20.0, k)
    sums = resampled_sums(np.column_stack([x, 2 * x]), n_boot=20_000, seed=3)[:, 0]
    assert sums.mean() == pytest.approx(x.sum(), rel=2e-3)
    assert sums.var() == pytest.approx(k * x.var(), rel=0.04)


def test_a_large_bootstrap_of_order_counts_pools_equal_customers():
    """A million customers whose order counts repeat take the pooled path (its speed is
    measured in benchmarks/scale.py); the share is pinned down to ±0.002."""
    rng = np.random.default_rng(1)
    total = rng.poisson(2, 1_000_000) + 1
    repeat = rng.binomial(total, 0.7)
    ratio = ratio_bootstrap(repeat, total, n_boot=1000)
    assert ratio.low < ratio.value < ratio.high and ratio.high - ratio.low < 0.004
