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


@pytest.mark.parametrize(("calls_per_hour", "aht", "target", "level"),
                         [(3400, 240, 30, 0.8), (3400, 240, 20, 0.8), (3400, 240, 30, 0.99),
                          (15, 270, 20, 0.8), (100, 300, 30, 0.8), (1, 180, 20, 0.95)])
def test_staffing_table_always_holds_the_number_needed(calls_per_hour, aht, target, level):
    # before: the table started at ⌊A⌋ + 1 and had six rows, so at 3,400 calls an hour and a
    # 240 s handle time (A = 226.7) it showed 227-232 while 235 agents are needed
    rate = calls_per_hour / 3600
    need = queues.agents_needed(rate, aht, target, level)
    table = queues.staffing_table(rate, aht, target, level=level)
    within = table[f"answered within {target:g} s"]
    assert need in table.index and table.loc[need, f"reaches {level:.0%}"]
    assert within[need] >= level and (need - 1 not in table.index or within[need - 1] < level)
    assert table.index.max() == need + 3
    assert table.index.min() == max(math.floor(rate * aht) + 1, need - 3)
    assert within.is_monotonic_increasing


def test_at_3400_calls_an_hour_235_agents_are_needed_for_80_percent_in_30_s():
    rate = 3400 / 3600
    assert queues.agents_needed(rate, 240, 30, 0.8) == 235
    assert queues.service_level(rate, 240, 234, 30) == pytest.approx(0.7914, abs=1e-4)
    assert queues.service_level(rate, 240, 235, 30) == pytest.approx(0.8329, abs=1e-4)


@pytest.mark.parametrize("case", REFERENCE["erlang_a_service_level"],
                         ids=lambda c: f"{c['load']}E-{c['agents']}-{c['patience']}s")
def test_erlang_a_service_level_matches_exact_arithmetic(case):
    rate = case["load"] / case["handle_time"]
    got = queues.erlang_a_service_level(rate, case["handle_time"], case["agents"],
                                        case["patience"], case["target"])
    assert got == pytest.approx(float(case["value"]), rel=1e-10)


@pytest.mark.parametrize(("load", "agents"), [(10, 12), (10, 14), (226.7, 235)])
def test_erlang_a_service_level_limits(load, agents):
    aht = 240
    rate = load / aht
    patient = queues.erlang_a_service_level(rate, aht, agents, 1e9, 30)
    assert patient == pytest.approx(queues.service_level(rate, aht, agents, 30), rel=1e-6)
    assert queues.erlang_a_service_level(rate, aht, agents, math.inf, 30) == \
        queues.service_level(rate, aht, agents, 30)
    # nobody waits: only those who find an agent free are answered (1 − Erlang B)
    assert queues.erlang_a_service_level(rate, aht, agents, 0, 30) == \
        pytest.approx(1 - queues.erlang_b(load, agents))
    # at t = 0 the share answered at once, P(no wait) of Erlang A
    a = queues.erlang_a(rate, aht, agents, 120)
    assert queues.erlang_a_service_level(rate, aht, agents, 120, 0) == \
        pytest.approx(1 - a["P(wait)"], rel=1e-12)


@pytest.mark.parametrize(("calls_per_hour", "patience", "target", "level"),
                         [(3400, 180, 30, 0.8), (3400, 600, 20, 0.99), (20, 120, 20, 0.8)])
def test_agents_needed_erlang_a_is_the_fewest_reaching_the_level(calls_per_hour, patience,
                                                                 target, level):
    rate, aht = calls_per_hour / 3600, 240
    need = queues.agents_needed_erlang_a(rate, aht, patience, target, level)
    assert queues.erlang_a_service_level(rate, aht, need, patience, target) >= level
    assert queues.erlang_a_service_level(rate, aht, need - 1, patience, target) < level


@pytest.mark.parametrize(("calls_per_hour", "aht", "target"), [(200, 180, 20), (3400, 240, 30)])
def test_simulation_check_agrees_with_erlang_c_at_low_and_high_load(calls_per_hour, aht, target):
    # before: one run of 50,000 callers at 3,400 calls an hour on 234 agents gave 0.888 within
    # 30 s against Erlang C's 0.791, and runs of 100,000 ranged 0.70-0.79 between seeds: near
    # full occupancy the queue drifts slowly. Independent runs give an interval that holds it.
    rate = calls_per_hour / 3600
    need = queues.agents_needed(rate, aht, target, 0.8)
    checks = queues.check_by_simulation(rate, aht, need, target, replications=10,
                                        customers=100_000, seed=11)
    assert [c.measure for c in checks] == [f"answered within {target:g} s", "P(wait)"]
    for c in checks:
        assert c.agrees, c
        assert c.high - c.low < (0.02 if calls_per_hour < 1000 else 0.15), c  # narrow enough
    table = queues.checks_table(checks)
    assert (table["formula inside"] == "yes").all()


def test_simulation_check_catches_a_wrong_formula():
    # the same simulated interval excludes the formula's value for one agent fewer
    rate, aht = 200 / 3600, 180
    need = queues.agents_needed(rate, aht, 20, 0.8)
    sim = queues.check_by_simulation(rate, aht, need, 20, replications=10, customers=50_000)
    assert not sim[0].low <= queues.service_level(rate, aht, need - 1, 20) <= sim[0].high


def test_simulation_check_of_erlang_a_at_high_load():
    rate, aht = 3400 / 3600, 240
    checks = queues.check_by_simulation(rate, aht, 226, 30, patience=180, replications=10,
                                        customers=100_000, seed=5)
    assert [c.measure for c in checks] == ["answered within 30 s", "P(wait)", "P(abandon)"]
    assert all(c.agrees for c in checks), checks
    assert checks[0].model == "Erlang A (mean patience 180 s)"


def test_simulation_check_intervals_cover_the_formula_about_95_percent_of_the_time():
    # the interval is a t interval over independent runs: across 60 seeds it holds the exact
    # Erlang C share in about 95% of checks (56 of 60 here), not in all and not in half
    rate, aht = 60 / 3600, 180
    need = queues.agents_needed(rate, aht, 20, 0.8)
    covered = [queues.check_by_simulation(rate, aht, need, 20, replications=10, customers=5000,
                                          seed=s)[0].agrees for s in range(60)]
    assert 0.85 <= sum(covered) / len(covered) < 1
