"""CLV formulas against hand-computed values."""

from __future__ import annotations

import pytest

from cxlib.clv import clv, elasticities, retention_uplift, uplift_grid


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
