"""Erlang B, C and A against published tables, exact arithmetic and closed forms; formulas
against simulation. The exact values (tests/reference/erlang.json) come from
tests/reference/erlang.py: the definitions summed in 60-digit decimal arithmetic."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest

from cxlib import queues

REFERENCE = json.loads((Path(__file__).parent / "reference" / "erlang.json").read_text())

# Erlang C probability of waiting for A = 10 Erlangs (standard Erlang C tables)
TABLE = {11: 0.6821, 12: 0.4494, 13: 0.2853, 14: 0.1741}
# Erlang B tables: the load that N lines carry at 1% blocking
BLOCKING_1PCT = {10: 4.461, 20: 12.031, 50: 37.901, 100: 84.064}


@pytest.mark.parametrize(("agents", "published"), TABLE.items())
def test_erlang_c_matches_the_published_table(agents, published):
    assert queues.erlang_c(10, agents) == pytest.approx(published, abs=5e-5)


@pytest.mark.parametrize(("lines", "load"), BLOCKING_1PCT.items())
def test_erlang_b_matches_the_published_table(lines, load):
    assert queues.erlang_b(load, lines) == pytest.approx(0.01, abs=1e-5)


def test_erlang_c_closed_forms():
    assert queues.erlang_c(2, 3) == pytest.approx(4 / 9)  # by hand
    assert queues.erlang_c(0.7, 1) == pytest.approx(0.7)  # M/M/1: P(wait) = ρ
    assert queues.erlang_c(5, 5) == 1.0  # overloaded
    assert queues.erlang_b(2, 3) == pytest.approx((8 / 6) / (1 + 2 + 2 + 8 / 6))


@pytest.mark.parametrize("kind", ["erlang_b", "erlang_c"])
def test_erlang_b_and_c_match_exact_arithmetic_up_to_100000_erlangs(kind):
    # the textbook formula overflowed above about 707 Erlangs and returned NaN
    for case in REFERENCE[kind]:
        got = getattr(queues, kind)(case["load"], case["agents"])
        assert got == pytest.approx(float(case["value"]), rel=1e-9), case


@pytest.mark.parametrize("case", REFERENCE["agents_needed"],
                         ids=lambda c: f"{c['load']}E-{c['target']}s-{c['level']}")
def test_agents_needed_is_exact_at_large_loads(case):
    # before: at 1,000 Erlangs it returned 1,001 agents (NaN < level is False), 1,011 needed
    rate, aht = case["load"] / case["handle_time"], case["handle_time"]
    start = time.perf_counter()
    need = queues.agents_needed(rate, aht, case["target"], case["level"])
    assert time.perf_counter() - start < 0.5
    assert need == case["agents"]
    below, at = (float(x) for x in case["service_level_below_and_at"])
    assert queues.service_level(rate, aht, need - 1, case["target"]) == pytest.approx(below,
                                                                                        rel=1e-9)
    assert queues.service_level(rate, aht, need, case["target"]) == pytest.approx(at, rel=1e-9)


def test_agents_needed_refuses_a_level_no_staffing_reaches():
    with pytest.raises(ValueError, match="no finite number of agents"):
        queues.agents_needed(10 / 180, 180, 20, 1.0)
    with pytest.raises(ValueError, match="level"):
        queues.agents_needed(10 / 180, 180, 20, 0)
    with pytest.raises(ValueError, match="handle_time"):
        queues.agents_needed(10 / 180, 0, 20, 0.8)


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


@pytest.mark.parametrize("case", REFERENCE["erlang_a"],
                         ids=lambda c: f"{c['load']}E-{c['agents']}-{c['patience']}s")
def test_erlang_a_matches_exact_arithmetic(case):
    rate = case["load"] / case["handle_time"]
    got = queues.erlang_a(rate, case["handle_time"], case["agents"], case["patience"])
    for key in ("P(wait)", "P(abandon)", "mean queue"):
        assert got[key] == pytest.approx(float(case[key]), rel=1e-9), key


@pytest.mark.parametrize(("load", "agents"), [(10, 12), (10, 8), (10000, 10050), (10000, 9900)])
def test_erlang_a_limits_are_erlang_b_and_erlang_c(load, agents):
    # patience 0: callers who find every agent busy leave at once, the Erlang B loss system
    aht = 180
    rate = load / aht
    b = queues.erlang_b(load, agents)
    impatient = queues.erlang_a(rate, aht, agents, patience=0)  # was ZeroDivisionError
    assert impatient == {"P(wait)": b, "P(abandon)": b, "mean queue": 0.0}
    nearly = queues.erlang_a(rate, aht, agents, patience=1e-6)
    assert nearly["P(abandon)"] == pytest.approx(b, rel=1e-6)
    # infinite patience: nobody hangs up, Erlang C
    c = queues.erlang_c(load, agents)
    patient = queues.erlang_a(rate, aht, agents, patience=math.inf)
    assert patient["P(wait)"] == c and patient["P(abandon)"] == 0.0
    if agents > load:
        assert patient["mean queue"] == pytest.approx(c * load / (agents - load))
        very = queues.erlang_a(rate, aht, agents, patience=1e9)
        assert very["P(wait)"] == pytest.approx(c, rel=1e-4)
    else:
        assert math.isinf(patient["mean queue"])


def test_a_loss_system_simulated_loses_the_erlang_b_share():
    rate, aht, c = 100 / 1800, 180, 12
    sim = queues.simulate(rate, aht, c, patience=0, customers=200_000, seed=5)
    assert sim["abandoned"].mean() == pytest.approx(queues.erlang_b(rate * aht, c), abs=0.006)


def test_erlang_a_refuses_negative_patience_and_endless_queues():
    with pytest.raises(ValueError, match="patience"):
        queues.erlang_a(0.05, 180, 12, patience=-1)
    with pytest.raises(ValueError, match="erlang_c"):
        queues.erlang_a(1.0, 180, 10, patience=1e12)  # 180 Erlangs on 10 agents, endless patience


def test_staffing_table_headers_name_the_time_unit():
    table = queues.staffing_table(100 / 3600, 300, 30)
    assert {"answered within 30 s", "mean wait (ASA, s)"} <= set(table.columns)
