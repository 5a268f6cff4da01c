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
