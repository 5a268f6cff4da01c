"""CLV formulas against hand-computed values."""

from __future__ import annotations

import pytest

from cxlib.stats.clv import clv, elasticities, retention_uplift, uplift_grid


def test_infinite_horizon_by_hand():
    # m r / (1 + i - r) = 100 * 0.8 / 0.3
    assert clv(100, 0.8, 0.1) == pytest.approx(266.6667, rel=1e-6)


def test_finite_horizon_by_hand():
    # 100 * (0.8/1.1 + 0.64/1.21 + 0.512/1.331)
    expected = 100 * (0.8 / 1.1 + 0.64 / 1.21 + 0.512 / 1.331)
    assert clv(100, 0.8, 0.1, horizon=3) == pytest.approx(expected)


def test_finite_horizon_converges_to_the_closed_form():
    assert clv(50, 0.9, 0.08, horizon=2000) == pytest.approx(clv(50, 0.9, 0.08))


def test_uplift_by_hand():
    # (0.85/0.25) / (0.8/0.3) - 1
    assert retention_uplift(0.8, 0.1) == pytest.approx((0.85 / 0.25) / (0.8 / 0.3) - 1)


def test_uplift_grows_with_retention_and_shrinks_with_discount():
    grid = uplift_grid()
    assert grid.iloc[:, 0].is_monotonic_increasing
    assert (grid.iloc[:, 0] >= grid.iloc[:, -1]).all()
    # the 25-85% band is reached only at high retention
    assert grid.loc[0.6].max() < 0.25 and grid.loc[0.9, "10%"] > 0.25


def test_elasticity_of_retention_exceeds_margin():
    e = elasticities(0.8, 0.12)
    assert e["+1% retention"] == pytest.approx((0.808 / 0.312) / (0.8 / 0.32) - 1)
    assert e["+1% retention"] > e["+1% margin"]


def test_invalid_retention():
    with pytest.raises(ValueError):
        clv(1, 1.2, 0.1)


def test_retention_is_a_probability_everywhere():
    # before: any retention below 1 + discount was accepted, e.g. 1.05 at 10%
    for bad in (1.05, -0.1):
        with pytest.raises(ValueError, match="retention must be a probability"):
            clv(100, bad, 0.1)
    with pytest.raises(ValueError, match="discount"):
        clv(100, 0.8, -0.2)
    with pytest.raises(ValueError, match="unbounded"):
        clv(100, 1.0, 0.0)
    assert clv(100, 1.0, 0.1) == pytest.approx(1000)  # never leaves: m/i
    assert clv(100, 1.0, 0.0, horizon=5) == 500


def test_uplift_refuses_retention_beyond_one_and_from_zero():
    with pytest.raises(ValueError, match=r"retention \+ delta must be a probability"):
        retention_uplift(0.97, 0.1, delta=0.05)  # was: CLV at r = 1.02, a number
    with pytest.raises(ValueError, match="retention > 0"):
        retention_uplift(0.0, 0.1)  # was ZeroDivisionError
    with pytest.raises(ValueError, match=r"retention \+ delta"):
        uplift_grid(delta=0.10)  # 0.95 + 0.10 > 1
    assert uplift_grid(delta=0.05).loc[0.95].notna().all()  # up to exactly 1 is fine
    with pytest.raises(ValueError, match=r"retention \+ delta"):
        elasticities(0.995, 0.1)
    with pytest.raises(ValueError, match="retention > 0"):
        elasticities(0.0, 0.1)
