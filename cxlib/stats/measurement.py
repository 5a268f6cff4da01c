"""Measuring service quality: reliability of multi-item scales and their factor structure.

* **Cronbach's alpha** of a k-item scale: α = k/(k−1) · (1 − Σ var(item) / var(total)),
  with Feldt's (1965) interval: (1 − α)/(1 − α̂) follows F(n−1, (n−1)(k−1)), so
  α ∈ [1 − (1 − α̂)·F_{1−γ/2}, 1 − (1 − α̂)·F_{γ/2}].
* **Confirmatory factor analysis** (:mod:`cxlib.stats.sem`: semopy, maximum likelihood):
  each item loads on its own factor, factors correlate. Fit indices χ², df, CFI, TLI, RMSEA
  and SRMR as lavaan computes them (formulas in :mod:`cxlib.stats.sem`). The SERVQUAL
  structure (five factors) is compared with fewer factors by a χ² difference test and by
  the indices; conventional cut-offs are CFI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08 (Hu & Bentler
  1999). An improper solution (a Heywood case, a standardised value beyond ±1, no
  convergence) gets no verdict on its fit ("meets cut-offs" is empty, the problems are
  listed) and no χ² difference test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cxlib.stats.estimates import Estimate, Fit
from cxlib.stats.sem import SEMFit, fit_model


def cronbach_alpha(items: pd.DataFrame, level: float = 0.95) -> Estimate:
    """Cronbach's alpha of the columns of *items* (complete rows) with Feldt's interval."""
    x = items.dropna().astype(float)
    n, k = x.shape
    if k < 2:
        raise ValueError("alpha needs at least two items")
    alpha = k / (k - 1) * (1 - x.var(ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    df1, df2 = n - 1, (n - 1) * (k - 1)
    g = 1 - level
    lo = 1 - (1 - alpha) * stats.f.ppf(1 - g / 2, df1, df2)
    hi = 1 - (1 - alpha) * stats.f.ppf(g / 2, df1, df2)
    return Estimate("Cronbach's alpha", float(alpha), float(lo), float(hi), n,
                    "Cronbach's alpha, Feldt F interval", level)


def reliability_table(frame: pd.DataFrame, blocks: dict[str, list[str]]) -> pd.DataFrame:
    """Alpha with its interval for every block of two or more items."""
    rows = []
    for name, items in blocks.items():
        if len(items) < 2:
            rows.append({"scale": name, "items": len(items), "alpha": np.nan,
                         "ci_low": np.nan, "ci_high": np.nan, "n": frame[items].notna().all(
                             axis=1).sum()})
            continue
        a = cronbach_alpha(frame[items])
        rows.append({"scale": name, "items": len(items), "alpha": a.value, "ci_low": a.ci_low,
                     "ci_high": a.ci_high, "n": a.n})
    return pd.DataFrame(rows).set_index("scale")


def cfa(frame: pd.DataFrame, structure: dict[str, list[str]], name: str = "") -> SEMFit:
    """Fit a CFA where each factor of *structure* loads on its items (complete rows)."""
    fit = fit_model(frame, structure)
    fit.name = name or f"{len(structure)} factor(s)"
    return fit


@dataclass(frozen=True, kw_only=True, repr=False)
class StructureComparison(Fit):
    """:func:`compare_structures`: fit indices of each model (the table), the χ² difference
    test (``chi2_difference``: Δχ², Δdf and p; None when either solution is improper, whose
    χ² describes nothing real) and each improper model's ``problems`` by model name."""

    chi2_difference: tuple[float, int, float] | None
    problems: dict[str, list[str]] = field(default_factory=dict)


def compare_structures(frame: pd.DataFrame, blocks: dict[str, list[str]]
                       ) -> StructureComparison:
    """The block structure against one general factor: fit indices and χ² difference test
    (:class:`StructureComparison`)."""
    full = cfa(frame, blocks, f"{len(blocks)} factors")
    one = cfa(frame, {"general": [c for cols in blocks.values() for c in cols]}, "1 factor")
    rows = []
    for fit in (full, one):
        rows.append({"model": fit.name, "chi2": fit.chi2, "df": fit.df, "CFI": fit.cfi,
                     "TLI": fit.tli, "RMSEA": fit.rmsea, "SRMR": fit.srmr, "n": fit.n,
                     "proper": fit.proper, "meets cut-offs": fit.acceptable})
    table = pd.DataFrame(rows).set_index("model")
    d_chi2, d_df = one.chi2 - full.chi2, one.df - full.df
    return StructureComparison(
        table=table, n=int(full.n), value="chi2", title="Factor structure",
        method="confirmatory factor analysis (maximum likelihood), χ² difference test",
        chi2_difference=((d_chi2, d_df, float(stats.chi2.sf(d_chi2, d_df)))
                         if full.proper and one.proper else None),
        problems={f.name: f.problems for f in (full, one) if f.problems})
