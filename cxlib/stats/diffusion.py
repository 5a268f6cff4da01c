"""The Bass diffusion model (Bass 1969): adoption by innovation (p) and by imitation (q) in a
market of m adopters.

Cumulative adoptions F(t)·m with F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t}); adoptions
per period peak at t* = ln(q/p)/(p + q) when q > p.
"""

from __future__ import annotations

import numpy as np


def bass_curve(t: np.ndarray, p: float, q: float, m: float) -> np.ndarray:
    """Cumulative Bass adoptions: m (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t})."""
    e = np.exp(-(p + q) * t)
    return m * (1 - e) / (1 + (q / p) * e)


def bass_peak(p: float, q: float) -> float:
    """The period at which Bass adoptions per period peak: t* = ln(q/p)/(p + q) when q > p,
    else 0 (adoptions only fall)."""
    return float(np.log(q / p) / (p + q)) if q > p else 0.0
