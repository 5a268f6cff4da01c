"""Snapshot tables (issue 19, item 3): delayed entry in the survival models, against R's
survival package (tests/reference/cox_snapshot.R), and a crafted snapshot where products
grow with tenure but do not change the risk of leaving."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

from cxlib.analyses.retention import cox_model, entry_comparison, kaplan_meier, snapshot
from cxlib.data.datasets import data_dir, load_data
from cxlib.data.derived import MONTH, survival_intervals, tenure
from cxlib.errors import NotEstimable
from cxlib.notebook import readings
from cxlib.registry.claims import get_claim
from cxlib.stats.survival import efron_score_residuals, logrank, product_limit, stock_share_beyond

REFERENCE = json.loads((Path(__file__).parent / "reference" / "cox_snapshot.json").read_text())
TELCO = REFERENCE["telco"]
CRAFTED = REFERENCE["crafted"]


@pytest.fixture(scope="module")
def telco():
    return load_data("customers", data_dir() / "real" / "telco_churn.csv.gz",
                     data_dir() / "mappings" / "telco_churn.yaml")


@pytest.fixture(scope="module")
def crafted() -> pd.DataFrame:
    return pd.DataFrame(CRAFTED["data"]).rename(columns={"tenure": "tenure_months",
                                                         "churn": "churned"})


def _r_terms(terms) -> list[str]:
    """R's term names (gb, n_services) as cxlib's (g[b], n_products)."""
    names = {"n_services": "n_products", "gb": "g[b]", "gc": "g[c]"}
    return [names.get(t, t) for t in np.atleast_1d(terms)]


def _agrees(fit, ref, coef_abs=1e-8, rel=1e-8):
    table = fit.table.loc[_r_terms(ref["terms"])]
    assert (fit.n, fit.events) == (ref["n"], ref["events"])
    assert table["coef"].to_numpy() == pytest.approx(np.atleast_1d(ref["coef"]), abs=coef_abs)
    assert table["robust SE"].to_numpy() == pytest.approx(np.atleast_1d(ref["robust_se"]),
                                                          rel=rel)
    assert table["hazard ratio"].to_numpy() == pytest.approx(np.atleast_1d(ref["hr"]), rel=rel)
    assert table["ci_low"].to_numpy() == pytest.approx(np.atleast_1d(ref["ci_low"]), rel=rel)
    assert table["ci_high"].to_numpy() == pytest.approx(np.atleast_1d(ref["ci_high"]), rel=rel)


# --- the telco table is a snapshot --------------------------------------------------------

def test_the_telco_mapping_declares_a_one_month_snapshot(telco):
    assert telco.mapping.follow_up_months == TELCO["follow_up_months"] == 1
    assert telco.design.key == "snapshot"


@pytest.mark.parametrize(("model", "covariates", "window"), [
    ("delayed", False, 1), ("delayed_covariates", True, 1),
    ("naive", False, None), ("naive_covariates", True, None)])
def test_telco_cox_matches_r_coxph_with_and_without_delayed_entry(telco, model, covariates,
                                                                  window):
    """coxph(Surv(start, tenure, churn) ~ n_services [+ the mapping's covariates]) with
    start = max(tenure − 1, 0), and the naive Surv(tenure, churn): HR per service 1.264 and
    1.244 with delayed entry against 0.888 and 0.882 without."""
    chosen = list(telco.mapping.covariates) if covariates else []
    fit = cox_model(telco.frame, ["n_products", *chosen], follow_up_months=window)
    _agrees(fit, TELCO[model])
    assert fit.left_out == TELCO["no_time_at_risk"] == 11  # tenure 0: counted, not silent
    assert "11 customer(s) with no time at risk" in fit.notes[0]
    assert ("delayed entry" in fit.hazard_ratio("n_products").method) == (window is not None)


def test_telco_cross_holding_with_delayed_entry_is_not_supported(telco):
    """RET-1's cross_holding under the telco table's real design: more services go with a
    *higher* risk of leaving among customers of the same tenure."""
    fit = cox_model(telco.frame, ["n_products", *telco.mapping.covariates],
                    follow_up_months=telco.mapping.follow_up_months)
    hr = fit.hazard_ratio("n_products")
    assert hr.ci_low > 1
    assert get_claim("RET-1").spec("cross_holding").rule.judge(hr).label == "not supported"


def test_telco_period_curve_matches_r_survfit(telco):
    km = kaplan_meier(telco.frame, follow_up_months=telco.mapping.follow_up_months)
    _curve_agrees(km.fits["all"], TELCO["km"])
    assert km.left_out == 11 and km.curve == "Period retention"
    said = readings.survival_curve(km)
    assert said.startswith("Period retention") and "11 customer(s)" in said


def _curve_agrees(curve, ref):
    table = curve.table.iloc[1:]  # row 0 is S(0) = 1
    assert curve.subjects == ref["n"]
    assert table.index.to_numpy() == pytest.approx(ref["time"], abs=1e-12)
    assert table["at risk"].tolist() == ref["n_risk"]
    assert table["left"].tolist() == ref["n_event"]
    for ours, theirs in (("survival", "surv"), ("ci_low", "lower"), ("ci_high", "upper")):
        assert table[ours].to_numpy() == pytest.approx(ref[theirs], rel=1e-8, abs=1e-14)


# --- a small crafted snapshot -------------------------------------------------------------

def test_crafted_snapshot_cox_matches_r_coxph(crafted):
    fit = cox_model(crafted, ["x", "g"], reference={"g": "a"},
                    follow_up_months=CRAFTED["follow_up_months"])
    _agrees(fit, CRAFTED["delayed"])
    assert fit.left_out == CRAFTED["no_time_at_risk"]  # R: Surv() makes them NA


def test_crafted_snapshot_period_curve_and_logrank_match_r(crafted):
    window = CRAFTED["follow_up_months"]
    _curve_agrees(kaplan_meier(crafted, follow_up_months=window).fits["all"], CRAFTED["km"])
    km = kaplan_meier(crafted, "g", follow_up_months=window)
    assert km.logrank_stat == pytest.approx(CRAFTED["logrank_delayed"], rel=1e-9)
    surv = survival_intervals(crafted, window)
    kept = surv[surv["stop"] > surv["start"]]
    chi2, df, _ = logrank(np.zeros(len(kept)), kept["stop"], kept["left"],
                          crafted.loc[kept.index, "g"])
    assert (chi2, df) == (pytest.approx(CRAFTED["logrank_right"], rel=1e-9), 2)


def test_intervals_enter_each_customer_at_the_window_start():
    """Tenures: start = max(tenure − N, 0); dates: the window opens N months before the end
    of observation. stop ≤ start (tenure 0, gone before the window) is no time at risk."""
    frame = pd.DataFrame({"tenure_months": [5.0, 1.0, 0.0], "churned": [1.0, 0.0, 0.0]})
    out = survival_intervals(frame, 2)
    assert out["start"].tolist() == pytest.approx([3 * MONTH, 0, 0])
    assert out["stop"].tolist() == pytest.approx([5 * MONTH, MONTH, 0])
    assert (survival_intervals(frame)["start"] == 0).all()  # followed from acquisition
    dated = pd.DataFrame({"acquired_on": pd.to_datetime(["2020-01-01", "2024-06-01",
                                                         "2020-01-01"]),
                          "churned_on": pd.to_datetime(["2024-06-20", None, "2023-01-01"]),
                          "observed_until": pd.to_datetime([None, "2024-06-30", None])})
    end = pd.Timestamp("2024-06-30")
    out = survival_intervals(dated, 1, end=end)
    opens = end - pd.Timedelta(days=MONTH)
    assert out["start"].iloc[0] == pytest.approx((opens - dated["acquired_on"].iloc[0])
                                                 .total_seconds() / 86400)
    assert out["start"].iloc[1] == 0  # acquired within the window
    assert out["stop"].iloc[2] <= out["start"].iloc[2]  # left before the window: no time
    with pytest.raises(ValueError, match="positive number of months"):
        survival_intervals(frame, 0)
    with pytest.raises(NotEstimable, match="no customer has any time at risk"):
        kaplan_meier(frame.iloc[[2]], follow_up_months=2)


def test_survival_functions_refuse_intervals_without_time_at_risk():
    with pytest.raises(ValueError, match="stop ≤ start"):
        product_limit([0, 1], [1, 1], [1, 0])
    with pytest.raises(ValueError, match="stop ≤ start"):
        logrank([0, 0], [1, 0], [1, 0], ["a", "b"])


# --- without delayed entry: the same numbers as before (lifelines) -------------------------

def test_curves_and_logrank_without_delayed_entry_match_lifelines():
    rng = np.random.default_rng(12)
    n = 800
    group = rng.choice(["a", "b", "c"], n)
    months = np.ceil(rng.exponential(np.where(group == "a", 20, 30)))  # tied whole months
    seen = rng.integers(1, 48, n)
    frame = pd.DataFrame({"tenure_months": np.minimum(months, seen),
                          "churned": (months <= seen).astype(float), "group": group})
    km = kaplan_meier(frame, "group")
    for name, curve in km.fits.items():
        part = frame[frame["group"] == name]
        lk = KaplanMeierFitter().fit(part["tenure_months"], part["churned"])
        times = lk.survival_function_.index.to_numpy()
        assert [curve.at(t) for t in times] == pytest.approx(
            lk.survival_function_.iloc[:, 0].to_numpy(), abs=1e-12)
        assert curve.median == lk.median_survival_time_
    test = multivariate_logrank_test(frame["tenure_months"], frame["group"], frame["churned"])
    assert km.logrank_stat == pytest.approx(test.test_statistic, rel=1e-10)
    assert km.logrank_p == pytest.approx(test.p_value, rel=1e-8)


def test_efron_residuals_with_entry_sum_to_zero_at_the_delayed_entry_estimate(crafted):
    fit = cox_model(crafted, ["x"], follow_up_months=2)
    surv = survival_intervals(crafted, 2)
    kept = surv["stop"] > surv["start"]
    u = efron_score_residuals(crafted.loc[kept, ["x"]].to_numpy(float),
                              surv.loc[kept, "stop"].to_numpy(), surv.loc[kept, "left"].to_numpy(),
                              fit.table["coef"].to_numpy(), surv.loc[kept, "start"].to_numpy())
    assert abs(u.sum()) < 1e-9 * np.abs(u).sum()


# --- a crafted snapshot: products grow with tenure, the risk of leaving does not ----------

def snapshot_table(n: int = 4000, hazard: float = 0.03, seed: int = 7) -> pd.DataFrame:
    """Customers present at the start of a one-month window of a steady base with a
    constant monthly risk of leaving (so the whole months already stayed are geometric),
    holding more products the longer they have stayed; in the window each leaves with the
    same probability whatever they hold. Tenure is counted at the end of the window."""
    rng = np.random.default_rng(seed)
    stayed = rng.geometric(hazard, n) - 1
    products = 1 + rng.binomial(8, stayed / (stayed + 24))
    return pd.DataFrame({"tenure_months": stayed + 1.0,
                         "churned": (rng.random(n) < hazard).astype(float),
                         "n_products": products.astype(float)})


def test_products_that_grow_with_tenure_look_protective_only_without_delayed_entry():
    frame = snapshot_table()
    assert frame["tenure_months"].corr(frame["n_products"]) > 0.5
    rule = get_claim("RET-1").spec("cross_holding").rule
    naive = cox_model(frame, ["n_products"]).hazard_ratio("n_products")
    delayed = cox_model(frame, ["n_products"], follow_up_months=1).hazard_ratio("n_products")
    assert naive.ci_high < 0.8  # spurious: long-tenured customers are in the table because
    assert rule.judge(naive).label == "supported"  # they had not left, and hold more
    assert delayed.covers(1)
    assert rule.judge(delayed).label != "supported"
    table = entry_comparison(frame, "n_products", follow_up_months=1).table
    assert table["hazard ratio"].tolist() == pytest.approx([naive.value, delayed.value])


def test_snapshot_summary_says_whether_the_window_could_have_made_the_tenures(telco):
    """On the crafted steady base the window's risks reproduce the tenures; on the telco
    table they cannot (a 26.6% monthly risk would leave almost nobody past 12 months)."""
    steady = snapshot_table()
    curve = kaplan_meier(steady, follow_up_months=1).fits["all"]
    observed = (steady["tenure_months"] > 12).mean()
    assert stock_share_beyond(curve, 12) == pytest.approx(observed, abs=0.05)
    text = readings.snapshot(snapshot(telco.frame, 1))
    share = re.search(r"every month, (\S+)% would have", text).group(1)
    assert float(share) < 1 and "7,032 customers were present" in text
    assert "correlation with tenure r = 0.47" in text
    assert readings.snapshot(snapshot(steady, None)).startswith("This ledger follows each")


def test_one_days_per_month_constant():
    """Whole months survive the round trip to days (30.4375 = 487/16), and no other
    days-per-month figure is written anywhere in the package."""
    frame = pd.DataFrame({"tenure_months": [200.0, 7.0], "churned": [1.0, 1.0]})
    assert (tenure(frame)["days"] / MONTH).tolist() == [200.0, 7.0]
    assert kaplan_meier(frame).table.loc["all", "median months"] == 7.0
    package = Path(__file__).parents[1] / "cxlib"
    pattern = re.compile(r"30\.44|30\.437|365\.25\s*/\s*12")
    hits = [f"{p.relative_to(package)}:{i}" for p in package.rglob("*.py")
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line) and p.name != "units.py"]
    assert not hits
