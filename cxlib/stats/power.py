"""Sample sizes for comparing two proportions: customers per arm to detect a lift at a
given power, from the normal approximation with Cohen's h = 2 asin √p₁ − 2 asin √p₀
(n = ((z₁₋α/₂ + z₁₋β) / h)² per arm)."""

from __future__ import annotations

import numpy as np
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize


def sample_size_per_arm(base_rate: float, lift: float, power: float = 0.8,
                        alpha: float = 0.05) -> int:
    """Customers per arm to detect *lift* over *base_rate* (two-sided test)."""
    h = abs(proportion_effectsize(base_rate + lift, base_rate))
    return int(np.ceil(NormalIndPower().solve_power(effect_size=h, power=power, alpha=alpha)))
