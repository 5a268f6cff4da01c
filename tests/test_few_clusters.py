"""Few clusters: why clustered intervals use t(G − 1) and need MIN_CLUSTERS clusters.

Coverage simulations (seeded; numpy and statsmodels only) of the nominal 95% interval of a
slope whose rows come in outlets of 6–24 respondents. Monte Carlo error of a coverage near
0.9 is √(0.9·0.1/R): 0.0067 at R = 2,000, 0.0095 at R = 1,000, 0.011 at R = 800.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from scipy.special import expit

from cxlib.errors import NotEstimable
from cxlib.stats import robust
from cxlib.stats.robust import MIN_CLUSTERS

Z = stats.norm.ppf(0.975)


def outlets(rng, g: int, icc: float, icc_x: float | None = None,
            b: float = 0.5) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Cluster codes, design [1, x] and outcome y = b·x + e for *g* outlets of 6–24 rows;
    a share *icc* of the variance of e, and *icc_x* (else *icc*) of x, is the outlet's."""
    codes = np.repeat(np.arange(g), rng.integers(6, 25, g))
    n = len(codes)

    def part(share: float) -> np.ndarray:
        return np.sqrt(share) * rng.normal(size=g)[codes] + np.sqrt(1 - share) * rng.normal(size=n)

    x = part(icc if icc_x is None else icc_x)
    return codes, pd.DataFrame({"const": 1.0, "x": x}), b * x + part(icc)


def coverage(fits: list[tuple[float, float]], truth: float = 0.5) -> tuple[float, float]:
    """Share of the fits' 95% intervals of x that cover *truth*: as reported (t(G − 1)),
    and with the normal quantile of before; *fits* holds each fit's interval as reported
    and its SE."""
    low, high = np.array([ci for ci, _ in fits]).T
    centre, se = (low + high) / 2, np.array([s for _, s in fits])
    return (float(np.mean((low <= truth) & (truth <= high))),
            float(np.mean(np.abs(centre - truth) <= Z * se)))


def slope(fit: robust.RobustFit) -> tuple[tuple[float, float], float]:
    """The reported interval of x and its SE."""
    return tuple(fit.conf_int().loc["x"]), float(np.sqrt(fit.cov.loc["x", "x"]))


def test_ols_t_interval_covers_at_the_minimum_number_of_clusters():
    """G = MIN_CLUSTERS = 10 outlets, a fifth of the variance between outlets (customer
    ratings rarely share more within an outlet), 2,000 replications (MC error 0.006):
    t(9) covers 0.936, the z interval of before 0.900."""
    assert MIN_CLUSTERS == 10
    rng = np.random.default_rng(1910)
    fits = []
    for _ in range(2000):
        codes, x, y = outlets(rng, MIN_CLUSTERS, 0.2)
        fit = robust.fit(y, x, clusters=codes, cluster_name="outlet")
        fits.append(slope(fit))
    assert fit.df == 9 and fit.method == "SE clustered by outlet (CR1, 10 clusters), t(9)"
    t, z = coverage(fits)
    assert t >= 0.92  # 0.936
    assert z <= t - 0.025  # 0.900


def test_logit_t_interval_covers_at_the_minimum_number_of_clusters():
    """A clustered logit at G = 10: each row's uniform is its outlet's with probability 0.3
    (so returns are correlated within an outlet while P(y | x) = logit⁻¹(−0.3 + 0.5x) holds
    exactly); 1,000 replications (MC error 0.008): t(9) covers 0.923, z 0.873."""
    rng = np.random.default_rng(1911)
    fits = []
    for _ in range(1000):
        codes = np.repeat(np.arange(10), rng.integers(6, 25, 10))
        x = np.sqrt(0.5) * (rng.normal(size=10)[codes] + rng.normal(size=len(codes)))
        u = np.where(rng.random(len(codes)) < 0.3, rng.random(10)[codes], rng.random(len(codes)))
        y = (u < expit(-0.3 + 0.5 * x)).astype(float)
        fits.append(slope(robust.fit(y, pd.DataFrame({"const": 1.0, "x": x}), logit=True,
                                     clusters=codes)))
    t, z = coverage(fits)
    assert t >= 0.90  # 0.923
    assert z <= t - 0.025  # 0.873


def test_z_interval_undercovers_with_few_clusters_and_t_does_not():
    """Why t(G − 1): half of the variance of x and of e between outlets, 800 replications
    per G (MC error 0.011). The CR1 interval with z covers 0.72 (G = 4), 0.80 (6), 0.87
    (10) and 0.92 (30); with t(G − 1) 0.89, 0.90, 0.91 and 0.93. Computed with the
    sandwich itself, which sets no minimum, to show the z interval below it."""
    rng = np.random.default_rng(1912)
    found = {}
    for g in (4, 6, 10, 30):
        stat = []
        for _ in range(800):
            codes, x, y = outlets(rng, g, 0.5)
            fit = sm.OLS(y, x).fit()
            se = np.sqrt(robust.sandwich(fit, clusters=codes)[1, 1])
            stat.append(abs(fit.params["x"] - 0.5) / se)
        stat = np.array(stat)
        found[g] = (np.mean(stat <= Z), np.mean(stat <= stats.t.ppf(0.975, g - 1)))
    z, t = (dict(zip(found, v, strict=True)) for v in zip(*found.values(), strict=True))
    assert z[4] < 0.80 and z[6] < 0.85 and z[10] < 0.89  # 0.724, 0.799, 0.870
    assert all(0.87 <= t[g] <= 0.97 for g in found)  # 0.891, 0.895, 0.914, 0.930
    assert all(t[g] - z[g] >= 0.01 for g in found)
    assert t[4] - z[4] >= 0.10  # the gap closes as G grows


def test_an_outlet_level_predictor_is_covered_less_well():
    """The limit of t(G − 1): a predictor constant within outlets (all of its variance
    between them; half of the error's), G = 10, 800 replications (MC error 0.012): t(9)
    covers 0.87, z 0.82 — why MIN_CLUSTERS is a floor, not a guarantee."""
    rng = np.random.default_rng(1913)
    stat = []
    for _ in range(800):
        codes, x, y = outlets(rng, 10, 0.5, icc_x=1.0)
        fit = sm.OLS(y, x).fit()
        se = np.sqrt(robust.sandwich(fit, clusters=codes)[1, 1])
        stat.append(abs(fit.params["x"] - 0.5) / se)
    stat = np.array(stat)
    t, z = np.mean(stat <= stats.t.ppf(0.975, 9)), np.mean(stat <= Z)
    assert 0.83 <= t <= 0.90 and z < t  # 0.868, 0.815


def test_below_the_minimum_a_clustered_fit_is_not_testable():
    rng = np.random.default_rng(3)
    codes, x, y = outlets(rng, MIN_CLUSTERS - 1, 0.2)
    with pytest.raises(NotEstimable, match=r"only 9 clusters of outlet; .*at least 10"):
        robust.fit(y, x, clusters=codes, cluster_name="outlet")
    with pytest.raises(NotEstimable, match=r"only 9 clusters of outlet"):
        robust.cluster_bootstrap(pd.DataFrame({"outlet": codes, "y": y}),
                                 lambda d: float(d["y"].mean()), "outlet", n_boot=10)
    # the covariance itself is still there (for simulations such as the one above)
    assert robust.sandwich(sm.OLS(y, x).fit(), clusters=codes).shape == (2, 2)
