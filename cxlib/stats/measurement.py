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
* **Discriminant validity** by the heterotrait–monotrait ratio (Henseler, Ringle & Sarstedt
  2015): HTMT(A, B) = mean |r(a, b)| over items a of A and b of B ÷ √(mean |r| within A ×
  mean |r| within B), with the within-block means over distinct item pairs (correlations of
  complete rows; absolute values, as semTools does by default, so that a reverse-worded item
  counts by its strength). Above 0.90 the two constructs are not shown to be distinct: a
  correlation between them may restate one attitude. A single-item construct has no
  within-block correlation, so its HTMT is undefined.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cxlib.stats.estimates import Fit
from cxlib.stats.reliability import cronbach_alpha
from cxlib.stats.sem import SEMFit, fit_model


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


HTMT_LIMIT = 0.90
"""Above this HTMT two constructs are not shown to be distinct (Henseler et al. 2015)."""


def htmt(frame: pd.DataFrame, a: list[str], b: list[str]) -> float:
    """The heterotrait–monotrait ratio of the item blocks *a* and *b* (module docstring);
    NaN when either block has a single item or a correlation cannot be computed."""
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    r = np.abs(frame[[*a, *b]].dropna().astype(float).corr().to_numpy())
    k = len(a)
    within_a = r[:k, :k][np.triu_indices(k, 1)].mean()
    within_b = r[k:, k:][np.triu_indices(len(b), 1)].mean()
    between = r[:k, k:].mean()
    if not within_a > 0 or not within_b > 0:
        return float("nan")
    return float(between / np.sqrt(within_a * within_b))


def distinctness_caution(frame: pd.DataFrame, blocks: dict[str, list[str]], a: str | None,
                         b: str | None, limit: float = HTMT_LIMIT) -> str:
    """A caution when constructs *a* and *b* are not shown to be distinct (HTMT above
    *limit*), in words; when either is a single item, that their distinctness was not
    checked; "" when they are distinct, or when a construct is missing."""
    if not a or not b or a not in blocks or b not in blocks:
        return ""
    single = [name for name in (a, b) if len(blocks[name]) < 2]
    if single:
        return (f"whether {a} and {b} are distinct constructs was not checked: "
                f"{' and '.join(single)} {'is' if len(single) == 1 else 'are'} measured by a "
                "single item, which the heterotrait–monotrait ratio needs two or more of")
    value = htmt(frame, blocks[a], blocks[b])
    if not value > limit:
        return ""
    return (f"{a} and {b} are barely distinct in these data (heterotrait–monotrait ratio "
            f"{value:.2f}, above the {limit:.2f} beyond which two constructs are not shown to "
            f"be different): their association may restate one attitude")


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
