"""Tenure in any unit the mapping declares (`tenure_unit:`), converted to months on load with a
note, and one days-per-month constant everywhere (a whole number of months survives the trip
to days and back)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib import load_data
from cxlib.analyses.retention import kaplan_meier
from cxlib.data.derived import tenure
from cxlib.errors import UserDataError
from cxlib.stats.units import DAYS_PER_MONTH, DAYS_PER_YEAR, MONTHS_PER, to_months

MONTHS = np.array([1, 7, 12, 30, 199, 200, 600])


def ledger_in(unit_values, write) -> str:
    frame = pd.DataFrame({"id": [f"K{i}" for i in range(len(unit_values))],
                          "how_long": unit_values, "left": [1, 0] * 3 + [1]})
    return write(frame)


@pytest.mark.parametrize("unit, per_month", [("days", DAYS_PER_MONTH),
                                             ("weeks", DAYS_PER_MONTH / 7),
                                             ("months", 1), ("years", 1 / 12)])
def test_tenures_in_days_weeks_months_or_years_become_months(unit, per_month, write, mapping):
    path = ledger_in(MONTHS * per_month, write)
    m = mapping(f"customers:\n  columns: {{customer_id: id, tenure_months: how_long, "
                f"churned: left}}\n  tenure_unit: {unit}\n")
    ds = load_data("customers", path, m)
    assert ds.frame["tenure_months"].to_numpy() == pytest.approx(MONTHS, rel=1e-12)
    notes = [w for w in ds.report.warnings if "tenure_unit" in w]
    assert (len(notes) == 1) == (unit != "months"), ds.report.warnings
    if unit == "days":  # whole months in days come back whole, to the last bit
        assert ds.frame["tenure_months"].tolist() == MONTHS.tolist()
        assert notes[0] == ("column 'tenure_months' (your column 'how_long'): tenures in days "
                            "(`tenure_unit: days`) converted to months (÷ 30.4375 days per "
                            "month)")
    # and the survival data turn them into days with the same constant
    days = tenure(ds.frame)["days"]
    assert days.to_numpy() == pytest.approx(MONTHS * DAYS_PER_MONTH, rel=1e-12)


def test_a_whole_number_of_months_survives_the_round_trip():
    months = np.arange(0, 1201)
    assert (to_months(months * DAYS_PER_MONTH, "day") == months).all()  # not 199.98
    assert DAYS_PER_MONTH == DAYS_PER_YEAR / 12 == 30.4375
    expected = {"day": 1 / 30.4375, "week": 7 / 30.4375, "month": 1, "year": 12}
    assert {u: MONTHS_PER[u] for u in expected} == pytest.approx(expected)


def test_the_range_is_checked_in_the_declared_unit(write, mapping):
    days = MONTHS * DAYS_PER_MONTH
    days[3] = 40_000  # 1,314 months: more than a century
    path = ledger_in(days, write)
    m = mapping("customers:\n  columns: {customer_id: id, tenure_months: how_long, "
                "churned: left}\n  tenure_unit: day\n")
    with pytest.raises(UserDataError) as info:
        load_data("customers", path, m)
    assert "outside the allowed range 0–36525" in info.value.message
    assert "40000" in info.value.message  # the value as the file has it


def test_an_unknown_unit_or_a_unit_for_another_kind_is_refused(write, mapping):
    path = ledger_in(MONTHS, write)
    with pytest.raises(UserDataError, match=r"unknown time unit 'fortnights'.*day, week, month"):
        load_data("customers", path, mapping("customers:\n  tenure_unit: fortnights\n"))
    with pytest.raises(UserDataError, match="'tenure_unit:' applies to customers files only"):
        load_data("survey", path, mapping("survey:\n  tenure_unit: days\n"))


def test_kaplan_meier_on_a_days_ledger_equals_the_months_ledger(write, mapping):
    rng = np.random.default_rng(4)
    months = np.round(rng.exponential(20, 300))
    frame = pd.DataFrame({"id": [f"K{i}" for i in range(300)], "left": rng.binomial(1, 0.6, 300)})
    in_months = write(frame.assign(how_long=months), "months.csv")
    in_days = write(frame.assign(how_long=months * DAYS_PER_MONTH), "days.csv")
    cols = "  columns: {customer_id: id, tenure_months: how_long, churned: left}\n"
    a = load_data("customers", in_months, mapping("customers:\n" + cols, "m.yaml"))
    b = load_data("customers", in_days, mapping("customers:\n" + cols + "  tenure_unit: days\n",
                                                "d.yaml"))
    curve_a, curve_b = (kaplan_meier(d.frame).fits["all"] for d in (a, b))
    pd.testing.assert_frame_equal(curve_a.table, curve_b.table)  # the same, to the bit
