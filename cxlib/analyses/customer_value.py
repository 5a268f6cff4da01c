"""A customer base from its transaction log: the BG/NBD and Gamma–Gamma models of
:mod:`cxlib.stats.customer_base` fitted to a calibration period, per-customer value, and
the check against a holdout period.

``calibration_holdout(transactions, calibration_end)`` summarises each customer's history
up to *calibration_end* (frequency, recency, T in weeks, mean spend) and counts their
purchase days in the holdout period after it; ``analyse_log`` fits both models, values
every customer (P(alive), expected purchases, expected time active, discounted CLV) and
compares expected with actual holdout purchases (``holdout_check``), as Fader, Hardie & Lee
(2005) did for CDNOW. ``by_segment`` sums the customers up by segment (by default the
quarter of their first purchase), the retention view of the claim RET-1: per segment the
share of customers still active, Σ P(alive) / n, the mean time each is expected to stay
active over the horizon, Σ ∫₀^H P(alive at T+s) ds / n, the mean expected purchases and
the mean and total discounted CLV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.analyses.repeat import customer_summary
from cxlib.stats.customer_base import (
    ModelFit,
    bgbb_frequency_shares,
    bgnbd_expected,
    customer_values,
    fit_bgbb,
    fit_bgnbd,
    fit_gamma_gamma,
    require_identified,
)
from cxlib.stats.estimates import Fit, Result, table_of
from cxlib.stats.units import DAYS_PER_MONTH


def _calibration_holdout(transactions: pd.DataFrame, calibration_end, holdout_end=None, *,
                         unit_days: float = 7.0) -> pd.DataFrame:
    """Per-customer summary of the calibration period (up to *calibration_end*), in time
    units of *unit_days* days, with the number of purchase days in the holdout period
    (calibration_end, holdout_end] and its length. Customers first seen in the holdout
    are left out (they have no calibration history)."""
    cal_end = pd.Timestamp(calibration_end)
    days = pd.to_datetime(transactions["date"]).dt.normalize()
    hold_end = days.max() if holdout_end is None else pd.Timestamp(holdout_end)
    cal = customer_summary(transactions.assign(date=days), cal_end).table
    later = transactions.loc[(days > cal_end) & (days <= hold_end), "customer_id"].to_frame()
    later["day"] = days[later.index]
    counts = later.drop_duplicates().groupby("customer_id").size()
    out = cal[["frequency", "recency", "T", "monetary_value"]].copy()
    out[["recency", "T"]] /= unit_days
    out["holdout_frequency"] = counts.reindex(out.index, fill_value=0).astype(float)
    out["holdout_length"] = (hold_end - cal_end).days / unit_days
    return out


def calibration_holdout(transactions: pd.DataFrame, calibration_end, holdout_end=None, *,
                        unit_days: float = 7.0) -> Fit:
    """Per-customer summary of the calibration period (up to *calibration_end*), in time
    units of *unit_days* days, with the number of purchase days in the holdout period
    (calibration_end, holdout_end] and its length (the table; one row per customer).
    Customers first seen in the holdout are left out (they have no calibration history)."""
    table = _calibration_holdout(transactions, calibration_end, holdout_end,
                                 unit_days=unit_days)
    unit = "weeks" if unit_days == 7 else f"units of {unit_days:g} days"
    return Fit(table=table, n=len(table), value="frequency",
               method=f"per-customer summary to {pd.Timestamp(calibration_end).date()} in "
                      f"{unit}, purchase days after it", title="Calibration and holdout")


def holdout_check(fit: ModelFit, data: pd.DataFrame | Result, *, top: int = 7) -> Fit:
    """Mean purchases expected (from the calibration fit) and actually made in the holdout
    period, by number of repeat purchases in calibration (0 … *top*, and *top*+ pooled),
    as in Fader, Hardie & Lee (2005, fig. 5). *data* comes from
    :func:`calibration_holdout`."""
    data = table_of(data)
    x, t_x, T = (data[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    expected = bgnbd_expected(fit, data["holdout_length"].to_numpy(float), x, t_x, T)
    group = np.minimum(x, top).astype(int)
    table = pd.DataFrame({"group": group, "actual": data["holdout_frequency"].to_numpy(float),
                          "expected": expected}).groupby("group").agg(
        customers=("actual", "size"), actual=("actual", "mean"), expected=("expected", "mean"))
    table.index = [f"{g}+" if g == top else str(g) for g in table.index]
    table.index.name = "repeat purchases in calibration"
    return Fit(table=table, n=len(data), value="actual",
               method=f"expected: {fit.model} fitted to the calibration period",
               title="Holdout period: purchases per customer, expected and actual")


@dataclass(frozen=True, kw_only=True, repr=False)
class CustomerBase(Fit):
    """A transaction log's customer-base analysis (:func:`analyse_log`): per customer
    (``table``, also ``values``) P(alive), expected purchases and time active over the
    horizon, expected spend and discounted CLV; the calibration summary (``data``), both
    fitted models, the ``holdout`` check, and the settings: ``calibration_end``, ``months``
    valued at monthly ``discount``, the time ``unit`` (``unit_days`` days) and the
    ``horizon`` (the holdout length, in that unit)."""

    data: pd.DataFrame
    bgnbd: ModelFit
    spend: ModelFit
    holdout: Fit
    calibration_end: str
    months: int
    discount: float
    unit: str
    unit_days: float
    horizon: float

    @property
    def values(self) -> pd.DataFrame:
        """The per-customer values (the table)."""
        return self.table


def analyse_log(transactions: pd.DataFrame, calibration_end, *, unit_days: float = 7.0,
                months: int = 12, discount: float = 0.01) -> CustomerBase:
    """BG/NBD and Gamma–Gamma fitted to the history up to *calibration_end*; per customer
    P(alive), expected purchases over the holdout length, expected spend per purchase and
    the discounted value of the next *months* months (monthly *discount*, a month being
    :data:`~cxlib.stats.units.DAYS_PER_MONTH` days; module docstring); and the holdout
    check on the rest of the log. Raises :class:`NotEstimable` when a model cannot be fitted
    or the BG/NBD fit is not identified (:func:`cxlib.stats.customer_base.require_identified`)."""
    data = _calibration_holdout(transactions, calibration_end, unit_days=unit_days)
    x, t_x, T = (data[c] for c in ("frequency", "recency", "T"))
    unit = "week" if unit_days == 7 else f"{unit_days:g} days"
    bg = require_identified(fit_bgnbd(x, t_x, T, unit=unit, strict=False),
                            "the valuation of customers")
    spend = fit_gamma_gamma(x, data["monetary_value"], unit="per purchase")
    horizon = float(data["holdout_length"].iloc[0])
    values = customer_values(bg, spend, data, horizon=horizon, periods=months,
                             period_length=DAYS_PER_MONTH / unit_days, discount=discount)
    end = str(pd.Timestamp(calibration_end).date())
    return CustomerBase(table=values, n=len(values), value="clv",
                        method=f"BG/NBD and Gamma–Gamma fitted to the history up to {end}; "
                               f"CLV of the next {months} months at {discount:.0%} a month",
                        title="Customer base: value per customer", data=data, bgnbd=bg,
                        spend=spend, holdout=holdout_check(bg, data), calibration_end=end,
                        months=months, discount=discount, unit=unit, unit_days=unit_days,
                        horizon=horizon)


def _first_purchase_cohort(base: CustomerBase, freq: str = "Q") -> pd.Series:
    """Each customer's first-purchase period (a quarter by default, any pandas period
    alias): the calibration end minus T time units, as a period label."""
    end = pd.Timestamp(base.calibration_end)
    days = np.round(base.data["T"].to_numpy(float) * base.unit_days)
    first = end - pd.to_timedelta(days, unit="D")
    return pd.Series(first.to_period(freq).astype(str), index=base.data.index,
                     name="first purchase")


def by_segment(base: CustomerBase, segment: pd.Series | None = None, *,
               freq: str = "Q") -> Fit:
    """Per segment (a Series of labels by customer id; by default each customer's
    first-purchase period, a quarter or any pandas period alias *freq*): customers, the
    share expected to be still active (mean P(alive)), the mean time each is expected to
    stay active over the horizon and its share of the horizon, the mean expected purchases
    over it, and the mean and total discounted CLV (module docstring). The horizon is the
    holdout length of :func:`analyse_log`, in its time unit."""
    labels = _first_purchase_cohort(base, freq) if segment is None else segment
    labels = pd.Series(labels).reindex(base.values.index)
    if labels.isna().any():
        raise ValueError(f"{int(labels.isna().sum()):,} customers have no segment label")
    v = base.values
    table = v.groupby(labels.to_numpy(), sort=True).agg(
        customers=("p_alive", "size"), share_alive=("p_alive", "mean"),
        expected_active=("expected_active", "mean"),
        expected_purchases=("expected_purchases", "mean"),
        mean_clv=("clv", "mean"), total_clv=("clv", "sum"))
    table.insert(3, "share_of_horizon_active", table["expected_active"] / base.horizon)
    table.index.name = labels.name or "segment"
    return Fit(table=table, n=base.n, value="share_alive", method=base.method,
               title=f"Customer base by {table.index.name}")


# --------------------------------------------------------------------------------------
# The CDNOW sample of Fader, Hardie & Lee (2005)

CDNOW_CALIBRATION_END = "1997-09-30"  # 39 weeks from 1997-01-01
CDNOW_HOLDOUT_END = "1998-06-30"      # a further 39 weeks


def cdnow_sample(transactions: pd.DataFrame) -> Fit:
    """The calibration/holdout summary that Fader, Hardie & Lee (2005) fitted, from the
    purchases of their 2,357-customer 1/10 sample of CDNOW (``cx.load_cdnow(sample=True)``):
    in weeks, 39 weeks of calibration from 1997-01-01, holdout to 1998-06-30
    (:func:`calibration_holdout`)."""
    return calibration_holdout(transactions, CDNOW_CALIBRATION_END, CDNOW_HOLDOUT_END)


def summary_fit(summary: pd.DataFrame, *, periods: int | None = None, unit: str = "",
                strict: bool = True) -> ModelFit:
    """The customer-base model of a ``summary`` frame, read as it is (no transactions are
    made up): the BG/BB (:func:`cxlib.stats.customer_base.fit_bgbb`) when the data are in
    discrete *periods* (the mapping's ``periods:``; T counts each customer's periods), else
    the BG/NBD on frequency, recency and T in *unit*. A ``customers`` column counts the
    customers of each row."""
    weights = summary["customers"].to_numpy(float) if "customers" in summary else None
    x, t_x, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    if periods is not None:
        return fit_bgbb(x, t_x, T, weights, unit=unit or "period", strict=strict)
    if weights is not None:
        reps = weights.astype(int)
        x, t_x, T = (np.repeat(v, reps) for v in (x, t_x, T))
    return fit_bgnbd(x, t_x, T, unit=unit, strict=strict)


def period_check(fit: ModelFit, summary: pd.DataFrame) -> Fit:
    """Customers by number of periods with a repeat transaction, seen and expected under a
    BG/BB *fit* (:func:`cxlib.stats.customer_base.bgbb_frequency_shares` for each
    customer's number of periods T), as in Fader, Hardie & Shang (2010, fig. 3)."""
    weights = summary["customers"] if "customers" in summary else pd.Series(1.0, summary.index)
    seen = weights.groupby(summary["frequency"].astype(int)).sum()
    expected = pd.Series(0.0, index=seen.index)
    for n, w in weights.groupby(summary["T"].astype(int)).sum().items():
        expected = expected.add(w * bgbb_frequency_shares(fit, int(n)), fill_value=0.0)
    out = pd.DataFrame({"customers": seen, "expected": expected}).fillna(0.0)
    out.index.name = "periods with a repeat transaction"
    return Fit(table=out, n=int(weights.sum()), value="customers", digits=1,
               method=f"expected under the {fit.model} fit", title="Customers by number of "
                                                                  "periods with a repeat")
