"""Intervals where no formula fits: the percentile bootstrap, and a few closed forms.

``bootstrap(frame, statistic)`` resamples rows with replacement ``n_boot`` times
from a fixed seed, applies ``statistic`` (a function of a frame returning a number
or a 1-d array) and returns the percentile interval. Every interval in cxlib
states its method, and every random draw has a seed, so runs repeat exactly.

**Failed resamples are counted, never dropped silently.** A resample whose statistic
raises an arithmetic, value or lookup error (a singular fit, an empty group, a
division by zero) or returns a non-finite number is *failed*: its row of draws is
NaN, the interval is the percentile interval of the other resamples, and the count
reaches the :class:`~cxlib.stats.estimates.Estimate` (``failed=``, ``draws=``), whose rule
declares the figure not testable when more than 5% failed
(:data:`cxlib.stats.verdicts.MAX_FAILED_SHARE`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from cxlib.errors import NotEstimable
from cxlib.stats.estimates import Estimate

RESAMPLE_ERRORS = (ArithmeticError, ValueError, LookupError)
"""Exceptions that mark one resample as failed (numpy's LinAlgError and cxlib's
NotEstimable are ValueErrors); any other exception is a bug and is raised."""


def resample_draws(statistic: Callable[[np.ndarray], float | np.ndarray], n: int, width: int,
                   *, n_boot: int, seed: int) -> np.ndarray:
    """*statistic* (of *width* numbers) of *n_boot* resamples of the row positions 0…n−1,
    drawn with replacement from one generator seeded with *seed*: one row per resample, a
    row of NaN where the statistic failed (raised one of :data:`RESAMPLE_ERRORS` or gave
    a non-finite number)."""
    rng = np.random.default_rng(seed)
    draws = np.full((n_boot, width), np.nan)
    for b in range(n_boot):
        rows = rng.integers(0, n, n)
        try:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                draws[b] = statistic(rows)
        except RESAMPLE_ERRORS:
            continue
    draws[~np.isfinite(draws).all(axis=1)] = np.nan
    return draws


@dataclass(frozen=True)
class Interval:
    """A percentile interval of bootstrap draws, with how many of the draws failed
    (unpacks as ``low, high``)."""

    low: float
    high: float
    failed: int
    draws: int

    def __iter__(self) -> Iterator[float]:
        return iter((self.low, self.high))


def percentiles(draws: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, int]:
    """Column-wise percentile interval of the resamples (rows) of *draws* whose every
    entry is finite, and the number of the other (failed) rows."""
    draws = np.asarray(draws, float).reshape(len(draws), -1)
    ok = np.isfinite(draws).all(axis=1)
    a = (1 - level) / 2
    if ok.any():
        lo, hi = np.quantile(draws[ok], [a, 1 - a], axis=0)
    else:
        lo = hi = np.full(draws.shape[1], np.nan)
    return lo, hi, int((~ok).sum())


@dataclass
class Bootstrap:
    """A statistic, its bootstrap draws (a NaN row per failed resample), the number of
    failed resamples and the percentile interval of the others."""

    value: np.ndarray
    draws: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: int
    level: float
    failed: int = 0

    @property
    def n_boot(self) -> int:
        return len(self.draws)

    def estimate(self, figure: str, method: str, index: int = 0, unit: str = "") -> Estimate:
        """Component *index* as an :class:`Estimate` that carries the failure count."""
        return Estimate(figure, float(self.value[index]), float(self.ci_low[index]),
                        float(self.ci_high[index]), self.n, method, self.level, unit,
                        failed=self.failed, draws=self.n_boot)


def bootstrap(frame: pd.DataFrame, statistic: Callable[[pd.DataFrame], float | np.ndarray], *,
              n_boot: int = 500, seed: int = 2024, level: float = 0.95) -> Bootstrap:
    """Percentile bootstrap over the rows of *frame* (see module docstring)."""
    value = np.atleast_1d(np.asarray(statistic(frame), dtype=float))
    draws = resample_draws(lambda rows: statistic(frame.iloc[rows]), len(frame), value.size,
                           n_boot=n_boot, seed=seed)
    lo, hi, failed = percentiles(draws, level)
    return Bootstrap(value, draws, lo, hi, len(frame), level, failed)


@dataclass(frozen=True)
class Moments:
    """The count, column means and covariance matrix (divisor n − 1) of some rows."""

    n: float
    mean: np.ndarray
    cov: np.ndarray

    def corr(self) -> np.ndarray:
        """The correlation matrix; a column without variance raises
        :class:`~cxlib.errors.NotEstimable` (a failed resample)."""
        var = np.diag(self.cov)
        if not (var > 1e-12 * np.maximum(self.mean**2 + var, 1e-300)).all():
            raise NotEstimable("a column does not vary in this resample")
        sd = np.sqrt(var)
        return self.cov / np.outer(sd, sd)


def _moments(n: float, total: np.ndarray, cross: np.ndarray, offset: np.ndarray) -> Moments:
    """Moments from the count, sums and cross-products of rows centred at *offset*."""
    mean = total / n
    cov = (cross - n * np.outer(mean, mean)) / (n - 1) if n > 1 else np.full_like(cross, np.nan)
    return Moments(n, mean + offset, cov)


def moment_bootstrap(columns: np.ndarray, statistic: Callable[[Moments], float | np.ndarray], *,
                     units: np.ndarray | None = None, n_boot: int = 500, seed: int = 2024,
                     level: float = 0.95) -> Bootstrap:
    """Percentile bootstrap of a *statistic* of the means and covariances of *columns* (a
    correlation, an R², OLS coefficients, group means from indicator columns), resampling
    rows — or, with *units* (codes 0 … G − 1, one per row: clusters), whole units.

    A resample with multiplicities cᵤ has count Σcᵤnᵤ, sums Σcᵤsᵤ and cross-products ΣcᵤPᵤ
    of the per-unit counts nᵤ, sums sᵤ and cross-products Pᵤ = ΣxxT, so it costs O(G·q²)
    instead of a pass over its rows (q columns). The draws are those of :func:`bootstrap`
    over rows, or of :func:`cxlib.stats.robust.cluster_bootstrap` over clusters coded as
    :func:`cxlib.stats.robust.cluster_codes` codes them, with the same seed; ``n`` of the
    result is the number of rows, or of units."""
    columns = np.asarray(columns, float)
    offset = columns.mean(axis=0)
    x = columns - offset  # sums of squares without cancellation
    value = np.atleast_1d(np.asarray(statistic(_moments(len(x), x.sum(axis=0), x.T @ x,
                                                        offset)), dtype=float))
    if units is None:
        def one(rows: np.ndarray):
            taken = np.bincount(rows, minlength=len(x)).astype(float)
            weighted = x * taken[:, None]
            return statistic(_moments(taken.sum(), weighted.sum(axis=0), weighted.T @ x, offset))

        count = len(x)
    else:
        units = np.asarray(units, np.int64)
        count = int(units.max()) + 1
        order = np.argsort(units, kind="stable")
        members = np.split(order, np.cumsum(np.bincount(units, minlength=count))[:-1])
        sizes = np.array([len(m) for m in members], float)
        totals = np.array([x[m].sum(axis=0) for m in members])
        crosses = np.array([x[m].T @ x[m] for m in members])

        def one(picks: np.ndarray):
            taken = np.bincount(picks, minlength=count).astype(float)
            return statistic(_moments(taken @ sizes, taken @ totals,
                                      np.tensordot(taken, crosses, axes=1), offset))

    draws = resample_draws(one, count, value.size, n_boot=n_boot, seed=seed)
    lo, hi, failed = percentiles(draws, level)
    return Bootstrap(value, draws, lo, hi, count, level, failed)


def r_squared(m: Moments, outcome: int, predictors: list[int]) -> float:
    """R² of the OLS (with intercept) of column *outcome* on columns *predictors*, from
    moments: c_yxᵀ C_xx⁺ c_xy / c_yy (the pseudo-inverse, as least squares, for collinear
    predictors)."""
    cyx = m.cov[predictors, outcome]
    beta = np.linalg.lstsq(m.cov[np.ix_(predictors, predictors)], cyx, rcond=None)[0]
    return float(cyx @ beta / m.cov[outcome, outcome])


def mean_ci(x: pd.Series, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and t interval: x̄ ± t_{n−1} s/√n (missing values left out)."""
    x = pd.Series(x).dropna().astype(float)
    m, se = x.mean(), x.std(ddof=1) / np.sqrt(len(x))
    t = stats.t.ppf(0.5 + level / 2, len(x) - 1)
    return m, m - t * se, m + t * se


def wilson_ci(successes: int, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """Proportion p̂ = k/n with the Wilson score interval
    (p̂ + z²/2n ± z·√(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n).

    With no observations (n = 0) there is no proportion: :class:`NotEstimable`.
    """
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"successes must lie between 0 and n: got successes = {successes}, "
                         f"n = {n}")
    if n == 0:
        raise NotEstimable("there are no observations (n = 0), so there is no proportion")
    z = stats.norm.ppf(0.5 + level / 2)
    p = successes / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return p, centre - half, centre + half


def proportion_estimate(figure: str, successes: int, n: int, level: float = 0.95, *,
                        nobody: str = "there are no observations (n = 0)") -> Estimate:
    """*successes* of *n* as a proportion with its Wilson interval; when n = 0 a figure
    that cannot be estimated, *nobody* saying who is missing."""
    if n == 0:
        return Estimate.untestable(figure, nobody)
    p, lo, hi = wilson_ci(successes, n, level)
    return Estimate(figure, p, lo, hi, n, "proportion, Wilson interval", level)


def resampled_sums(columns: np.ndarray, *, n_boot: int = 1000, seed: int = 2024) -> np.ndarray:
    """Column sums of *columns* (one row per unit: customer, cluster) over *n_boot*
    resamples of the rows with replacement; shape (n_boot, number of columns). Ratios of
    these sums give cluster-bootstrap draws of ratio estimators.

    Drawing k rows with replacement is drawing how often each row is taken,
    (c₁, …, c_k) ~ Multinomial(k; 1/k, …, 1/k), and the resample's sums are Σ cᵢ·rowᵢ. Rows
    that are equal can be pooled: with J distinct rows vⱼ held by nⱼ units, the counts of
    the distinct rows are Multinomial(k; n₁/k, …, n_J/k) and the sums Σ cⱼ·vⱼ, the same
    distribution at a cost of J instead of k per resample. Per-customer order counts take
    a few hundred distinct values among a million customers, so a bootstrap of a large log
    costs milliseconds; when most rows differ (amounts of money) the counts are drawn row
    by row.
    """
    columns = np.asarray(columns, float)
    rng = np.random.default_rng(seed)
    k = len(columns)
    distinct, units = np.unique(columns, axis=0, return_counts=True)
    if len(distinct) <= k // 4:
        counts = rng.multinomial(k, units / k, size=n_boot)
        return counts @ distinct
    index = np.int32 if k < 2**31 - 1 else np.int64
    return np.array([np.bincount(rng.integers(0, k, k, dtype=index), minlength=k) @ columns
                     for _ in range(n_boot)])


def percentile_interval(draws: np.ndarray, level: float = 0.95) -> Interval:
    """The percentile interval of bootstrap *draws* of one statistic; undefined draws
    (0/0, x/0) are failed resamples, counted in the result (unpacks as ``low, high``)."""
    draws = np.asarray(draws, float)
    lo, hi, failed = percentiles(draws, level)
    return Interval(float(lo[0]), float(hi[0]), failed, len(draws))


@dataclass(frozen=True)
class Ratio:
    """A ratio of sums with its percentile interval and failure count (unpacks as
    ``value, low, high``)."""

    value: float
    low: float
    high: float
    failed: int
    draws: int

    def __iter__(self) -> Iterator[float]:
        return iter((self.value, self.low, self.high))


def ratio_bootstrap(num: np.ndarray, den: np.ndarray, *, n_boot: int = 1000, seed: int = 2024,
                    level: float = 0.95) -> Ratio:
    """Ratio of sums Σnum / Σden with a percentile bootstrap that resamples the units
    (customers, clusters) whose totals *num* and *den* are: a cluster bootstrap. A
    resample whose denominator sums to 0 is a failed resample."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    sums = resampled_sums(np.column_stack([num, den]), n_boot=n_boot, seed=seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        ci = percentile_interval(sums[:, 0] / sums[:, 1], level)
        value = num.sum() / den.sum()
    return Ratio(float(value), ci.low, ci.high, ci.failed, ci.draws)


def fisher_ci(r: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Interval of a correlation from Fisher's z = atanh r, SE 1/√(n − 3)."""
    z, se = np.arctanh(r), 1 / np.sqrt(n - 3)
    q = stats.norm.ppf(0.5 + level / 2)
    return float(np.tanh(z - q * se)), float(np.tanh(z + q * se))
