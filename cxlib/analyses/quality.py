"""Quality as a gap: perception minus expectation (SERVQUAL) against perception only (SERVPERF).

* **Gap scores** per dimension: gap = perception − expectation, item by item, then
  averaged; the mean gap has a paired t interval. A negative gap means service fell
  short of what customers expected.
* **Which predicts satisfaction better?** Two regressions of overall satisfaction
  on the five dimensions, once with perception scores, once with gap scores.
  ΔR² = R²(perception) − R²(gap), with a percentile bootstrap interval (the same
  resamples for both models). Cronin & Taylor (1992) found perception-only
  (SERVPERF) predicts at least as well; gap scores also inherit the unreliability
  of difference scores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib.errors import require_variation
from cxlib.stats.estimates import Estimate
from cxlib.stats.uncertainty import bootstrap, mean_ci


def gap_scores(frame: pd.DataFrame, perception: dict[str, list[str]],
               expectation: dict[str, list[str]]) -> pd.DataFrame:
    """Per-respondent gap score per dimension: mean over items of (perception − expectation)."""
    out = {}
    for dim, items in perception.items():
        exp_items = expectation[dim]
        p = frame[items].to_numpy(float)
        e = frame[exp_items].to_numpy(float)
        with np.errstate(invalid="ignore"):
            out[dim] = np.nanmean(p - e, axis=1) if p.shape == e.shape else \
                np.nanmean(p, axis=1) - np.nanmean(e, axis=1)
    return pd.DataFrame(out, index=frame.index)


def gap_table(frame: pd.DataFrame, perception: dict[str, list[str]],
              expectation: dict[str, list[str]]) -> pd.DataFrame:
    """Mean perception, expectation and gap per dimension, with t intervals for the gap."""
    gaps = gap_scores(frame, perception, expectation)
    rows = []
    for dim in perception:
        g, lo, hi = mean_ci(gaps[dim])
        rows.append({"dimension": dim,
                     "perception": frame[perception[dim]].mean(axis=1).mean(),
                     "expectation": frame[expectation[dim]].mean(axis=1).mean(),
                     "gap": g, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows).set_index("dimension")


def _r2(y: np.ndarray, x: np.ndarray) -> float:
    x1 = np.column_stack([np.ones(len(x)), x])
    beta, *_ = np.linalg.lstsq(x1, y, rcond=None)
    resid = y - x1 @ beta
    return 1 - resid.var() / y.var()


def perception_vs_gap(frame: pd.DataFrame, outcome: str, perception: dict[str, list[str]],
                      expectation: dict[str, list[str]], *, n_boot: int = 500,
                      seed: int = 2024) -> tuple[Estimate, pd.DataFrame]:
    """ΔR² = R²(perception only) − R²(gap scores) with a bootstrap interval, and both R²."""
    dims = list(perception)
    perc = pd.DataFrame({d: frame[perception[d]].mean(axis=1) for d in dims})
    gaps = gap_scores(frame, perception, expectation).add_prefix("gap_")
    data = pd.concat([frame[[outcome]], perc, gaps], axis=1).dropna()
    gap_cols = [f"gap_{d}" for d in dims]
    require_variation(data, [outcome, *dims, *gap_cols],
                      what=f"how well perceptions and gaps predict {outcome}")

    def both(d: pd.DataFrame) -> np.ndarray:
        y = d[outcome].to_numpy(float)
        return np.array([_r2(y, d[dims].to_numpy(float)), _r2(y, d[gap_cols].to_numpy(float))])

    def diff(d: pd.DataFrame) -> float:
        r = both(d)
        return r[0] - r[1]

    boot = bootstrap(data, diff, n_boot=n_boot, seed=seed)
    r2 = both(data)
    est = boot.estimate("R² perception-only minus R² gap scores",
                        f"OLS R² difference, percentile bootstrap ({n_boot} resamples)")
    table = pd.DataFrame({"R²": r2}, index=["perception only (SERVPERF)", "gap (SERVQUAL)"])
    return est, table
