"""Erlang C against published table values and closed forms; formulas against simulation."""

from __future__ import annotations

import math

import pytest

from cxlib import queues

# Erlang C probability of waiting for A = 10 Erlangs (standard Erlang C tables)
TABLE = {11: 0.6821, 12: 0.4494, 13: 0.2853, 14: 0.1741}


@pytest.mark.parametrize(("agents", "published"), TABLE.items())
def test_erlang_c_matches_the_published_table(agents, published):
    assert queues.erlang_c(10, agents) == pytest.approx(published, abs=5e-5)


def test_erlang_c_closed_forms():
    assert queues.erlang_c(2, 3) == pytest.approx(4 / 9)  # by hand
    assert queues.erlang_c(0.7, 1) == pytest.approx(0.7)  # M/M/1: P(wait) = ρ
    assert queues.erlang_c(5, 5) == 1.0  # overloaded


def test_service_level_and_staffing_textbook_example():
    # 100 calls per 30 minutes, 180 s handle time, 80% within 20 s -> 14 agents, about 89%
    rate = 100 / 1800
    assert queues.agents_needed(rate, 180, 20, 0.8) == 14
    assert queues.service_level(rate, 180, 14, 20) == pytest.approx(0.888, abs=0.002)
    assert queues.service_level(rate, 180, 13, 20) < 0.8


def test_mm1_mean_wait():
    # M/M/1: Wq = ρ/(μ − λ)
    lam, s = 0.5, 1.0
    assert queues.average_speed_of_answer(lam, s, 1) == pytest.approx(0.5 / (1 - 0.5))


def test_simulation_agrees_with_erlang_c():
    rate, aht, c = 100 / 1800, 180, 14
    sim = queues.simulate(rate, aht, c, customers=200_000, seed=3)
    assert (sim["wait"] > 0).mean() == pytest.approx(queues.erlang_c(rate * aht, c), abs=0.01)
    assert (sim["wait"] <= 20).mean() == pytest.approx(
        queues.service_level(rate, aht, c, 20), abs=0.01)
    assert sim["wait"].mean() == pytest.approx(
        queues.average_speed_of_answer(rate, aht, c), rel=0.06)


def test_erlang_a_agrees_with_simulation_and_reduces_to_erlang_c():
    rate, aht, c = 100 / 1800, 180, 12
    a = queues.erlang_a(rate, aht, c, patience=120)
    sim = queues.simulate(rate, aht, c, patience=120, customers=200_000, seed=4)
    assert sim["abandoned"].mean() == pytest.approx(a["P(abandon)"], abs=0.006)
    assert (sim["wait"] > 0).mean() == pytest.approx(a["P(wait)"], abs=0.01)
    patient = queues.erlang_a(rate, aht, 14, patience=1e7)
    assert patient["P(wait)"] == pytest.approx(queues.erlang_c(rate * aht, 14), abs=1e-4)
    assert patient["P(abandon)"] < 1e-4
    assert math.isinf(queues.average_speed_of_answer(rate, aht, 10))
