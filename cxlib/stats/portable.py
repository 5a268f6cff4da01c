"""Arithmetic with the same bits on every machine.

The bundled sample data must come out identical wherever they are generated, whatever
the CPU, BLAS build or C library (see :mod:`cxlib.data.sample`). numpy's ``exp`` uses SIMD
code that differs in the last bit by CPU, and libm's ``exp`` differs between its FMA and
non-FMA variants; numpy's sums are pairwise. These functions use only operations that
IEEE 754 rounds exactly, in a fixed order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

_INV_LN2 = 1.44269504088896338700e00
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
"""1 / ln 2, and ln 2 in two parts (fdlibm's constants); ``_LN2_HI`` ends in 21 zero bits,
so k·``_LN2_HI`` is exact."""
_TAYLOR = tuple(1 / math.factorial(n) for n in range(13, -1, -1))
"""1/n! for n = 13 … 0, the Horner coefficients of eʳ."""


def exp_portable(x: float | np.ndarray) -> np.ndarray:
    """eˣ elementwise, with the same bits on every machine (|x| < 700).

    eˣ = 2ᵏ·eʳ with k = rint(x / ln 2) and r = x − k·ln 2 (Cody–Waite: ln 2 in two
    parts, so k·ln 2 loses nothing), |r| ≤ ln 2 / 2; eʳ = Σₙ₌₀¹³ rⁿ/n! in Horner form
    (truncation below 5·10⁻¹⁸). Only +, −, ×, rint and ldexp, each rounded exactly by
    IEEE 754, in a fixed order: within about one ulp of eˣ, identical everywhere.
    """
    x = np.asarray(x, dtype=float)
    k = np.rint(x * _INV_LN2)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    taylor = _TAYLOR[0]
    for c in _TAYLOR[1:]:
        taylor = taylor * r + c
    return np.ldexp(taylor, k.astype(int))


def expit_portable(x: float | np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e⁻ˣ), from :func:`exp_portable`."""
    return 1 / (1 + exp_portable(-np.asarray(x, dtype=float)))


def mean_sd(values: Iterable[float], ddof: int = 0) -> tuple[float, float]:
    """Mean and standard deviation √(Σ(x − x̄)² / (n − ddof)), with sums by
    :func:`math.fsum` (exactly rounded, so the result does not depend on summation order)."""
    x = [float(v) for v in values]
    mean = math.fsum(x) / len(x)
    return mean, math.sqrt(math.fsum((v - mean) * (v - mean) for v in x) / (len(x) - ddof))
