"""Calendar units, one definition for every layer.

A year is 365.25 days (the Julian year: the mean calendar year over a leap cycle) and a
month is a twelfth of it, 30.4375 days. Tenures in months become days as
months × :data:`DAYS_PER_MONTH` and back as days ÷ :data:`DAYS_PER_MONTH`, exactly: 30.4375
= 487/16 is a binary fraction, so a whole number of months survives the round trip (with two
different constants a 200-month tenure came back as 199.98).
"""

DAYS_PER_YEAR = 365.25
"""Days in an average calendar year."""

DAYS_PER_MONTH = DAYS_PER_YEAR / 12
"""Days in an average month: 30.4375."""

MONTHS_PER: dict[str, float] = {"day": 1 / DAYS_PER_MONTH, "week": 7 / DAYS_PER_MONTH,
                                "month": 1.0, "year": 12.0}
"""Months in one day, week, month and year (a day is 1/:data:`DAYS_PER_MONTH` of a month)."""


def to_months(values, unit: str):
    """*values* (a number, array or Series) in *unit* (day, week, month or year) as months:
    values × :data:`MONTHS_PER` [unit]; days become months as days ÷ :data:`DAYS_PER_MONTH`,
    so that they come back exactly as months × :data:`DAYS_PER_MONTH`."""
    if unit == "day":
        return values / DAYS_PER_MONTH
    return values * MONTHS_PER[unit]
