"""Whether items measure one thing: Cronbach's alpha and the floor below which a score made of
a block of items carries no verdict.

Cronbach's alpha of k items, α = k/(k − 1) · (1 − Σ var(itemᵢ) / var(Σ itemᵢ)), with Feldt's
interval 1 − (1 − α)·F, F the F(n − 1, (n − 1)(k − 1)) quantiles. A block of two or more
items with α below :data:`ALPHA_FLOOR` does not measure one thing (:func:`unreliable_blocks`):
the analyses that score it (the disconfirmation test, PLS paths, mediation) say so instead of
judging the construct.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from scipy import stats

from cxlib.stats.estimates import Estimate


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


ALPHA_FLOOR = 0.7
"""The usual floor of Cronbach's alpha for research (Nunnally 1978)."""


def unreliable_blocks(frame: pd.DataFrame, blocks: Mapping[str, Sequence[str]],
                      floor: float = ALPHA_FLOOR, what: str = "items") -> dict[str, str]:
    """The blocks of two or more items whose Cronbach's alpha is below *floor*, each with
    the reason in words: their items do not measure one thing, so a score made of them
    cannot carry a verdict about the construct (single-item blocks have no alpha and are not
    listed); *what* names the items in the reason."""
    out = {}
    for name, items in blocks.items():
        if len(items) > 1 and all(c in frame for c in items):
            alpha = cronbach_alpha(frame[list(items)])
            if alpha.value < floor:
                out[name] = (f"the {what} of {name} ({', '.join(items)}) do not measure one "
                             f"thing (Cronbach's alpha {alpha.value:.2f} [{alpha.ci_low:.2f}, "
                             f"{alpha.ci_high:.2f}], below {floor})")
    return out
