"""Relative importance of correlated predictors: LMG (Lindeman, Merenda & Gold 1980), the
Shapley value of R².

Each predictor's share is its increase in R² averaged over every order of entry:

    LMG_j = Σ_{S ⊆ P∖{j}} |S|! (k − |S| − 1)! / k! · (R²(S ∪ {j}) − R²(S)),

with R²(S) = r_yS′ R_SS⁻¹ r_yS from the correlation matrix. The shares add up to the R² of
the full model. It needs R² of all 2^k subsets of the k predictors, so it is computed for
at most :data:`MAX_LMG_DRIVERS`.
"""

from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np
import pandas as pd

MAX_LMG_DRIVERS = 15
"""Above this many drivers the 2^k regressions of LMG (×500 resamples) take too long."""


def _r2_subsets(corr: np.ndarray) -> dict[frozenset, float]:
    """R² of the outcome (index 0) on every subset of predictors (indices 1..k)."""
    k = corr.shape[0] - 1
    r2 = {frozenset(): 0.0}
    for size in range(1, k + 1):
        for subset in combinations(range(1, k + 1), size):
            idx = list(subset)
            r = corr[0, idx]
            r2[frozenset(subset)] = float(r @ np.linalg.solve(corr[np.ix_(idx, idx)], r))
    return r2


def lmg(data: pd.DataFrame, outcome: str, predictors: list[str]) -> np.ndarray:
    """LMG/Shapley share of R² of each predictor (the shares add up to R²)."""
    return lmg_of(np.corrcoef(data[[outcome, *predictors]].to_numpy(dtype=float),
                              rowvar=False))


def lmg_of(corr: np.ndarray) -> np.ndarray:
    """LMG shares from the correlation matrix of the outcome (first) and the predictors (a
    bootstrap resample's, from its moments: :func:`cxlib.stats.uncertainty.moment_bootstrap`)."""
    r2 = _r2_subsets(corr)
    k = corr.shape[0] - 1
    out = np.zeros(k)
    for j in range(1, k + 1):
        others = [i for i in range(1, k + 1) if i != j]
        for size in range(k):
            weight = 1 / (k * comb(k - 1, size))
            for subset in combinations(others, size):
                s = frozenset(subset)
                out[j - 1] += weight * (r2[s | {j}] - r2[s])
    return out
