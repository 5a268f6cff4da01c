"""Intervals where no formula fits: the percentile bootstrap, and a few closed forms.

``bootstrap(frame, statistic)`` resamples rows with replacement ``n_boot`` times
from a fixed seed, applies ``statistic`` (a function of a frame returning a number
or a 1-d array) and returns the percentile interval. Every interval in cxlib
states its method, and every random draw has a seed, so runs repeat exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass
class Bootstrap:
    """A statistic, its bootstrap draws and percentile interval."""

    value: np.ndarray
    draws: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: int
    level: float


def bootstrap(frame: pd.DataFrame, statistic: Callable[[pd.DataFrame], float | np.ndarray], *,
              n_boot: int = 500, seed: int = 2024, level: float = 0.95) -> Bootstrap:
    """Percentile bootstrap over the rows of *frame* (see module docstring)."""
    rng = np.random.default_rng(seed)
    value = np.atleast_1d(np.asarray(statistic(frame), dtype=float))
    n = len(frame)
    draws = np.empty((n_boot, value.size))
    for b in range(n_boot):
        draws[b] = statistic(frame.iloc[rng.integers(0, n, n)])
    alpha = (1 - level) / 2
    lo, hi = np.nanquantile(draws, [alpha, 1 - alpha], axis=0)
    return Bootstrap(value, draws, lo, hi, n, level)


def mean_ci(x: pd.Series, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and t interval: x̄ ± t_{n−1} s/√n (missing values left out)."""
    x = pd.Series(x).dropna().astype(float)
    m, se = x.mean(), x.std(ddof=1) / np.sqrt(len(x))
    t = stats.t.ppf(0.5 + level / 2, len(x) - 1)
    return m, m - t * se, m + t * se


def wilson_ci(successes: int, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """Proportion p̂ = k/n with the Wilson score interval."""
    z = stats.norm.ppf(0.5 + level / 2)
    p = successes / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return p, centre - half, centre + half


def resampled_sums(columns: np.ndarray, *, n_boot: int = 1000, seed: int = 2024) -> np.ndarray:
    """Column sums of *columns* (one row per unit: customer, cluster) over *n_boot*
    resamples of the rows with replacement; shape (n_boot, number of columns). Ratios of
    these sums give cluster-bootstrap draws of ratio estimators."""
    columns = np.asarray(columns, float)
    rng = np.random.default_rng(seed)
    k = len(columns)
    return np.array([columns[rng.integers(0, k, k)].sum(axis=0) for _ in range(n_boot)])


def percentile_interval(draws: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The percentile interval of bootstrap *draws*, ignoring undefined (0/0, x/0) draws."""
    draws = np.asarray(draws, float)
    a = (1 - level) / 2
    lo, hi = np.nanquantile(draws[np.isfinite(draws)], [a, 1 - a])
    return float(lo), float(hi)


def ratio_bootstrap(num: np.ndarray, den: np.ndarray, *, n_boot: int = 1000, seed: int = 2024,
                    level: float = 0.95) -> tuple[float, float, float]:
    """Ratio of sums Σnum / Σden with a percentile bootstrap that resamples the units
    (customers, clusters) whose totals *num* and *den* are: a cluster bootstrap."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    sums = resampled_sums(np.column_stack([num, den]), n_boot=n_boot, seed=seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo, hi = percentile_interval(sums[:, 0] / sums[:, 1], level)
    return float(num.sum() / den.sum()), lo, hi
