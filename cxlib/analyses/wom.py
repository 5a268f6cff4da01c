"""Word of mouth: who tells how many (count models), and how far it spreads.

**Who tells how many.** The number of people a respondent told is a count with
many zeros and a long tail, so the models are count models: Poisson (variance =
mean), negative binomial NB2 (variance = μ + α μ²) and zero-inflated NB (a share
of structural "never tell" zeros). They are compared by AIC and by predicted
against observed frequencies (a rootogram table). With satisfaction entered as
groups (dissatisfied / neutral / satisfied), and nothing else, every model's expected count
per group equals the group mean, so the **ratio of expected tellings** dissatisfied ÷ satisfied
is a ratio of group means; its interval is a percentile bootstrap over respondents.

**How far it spreads** (:mod:`cxlib.stats.spread` simulates it). In a branching process
each teller reaches a random number of people; each passes the story on with
probability p. The reproduction number is R = mean tellings × p. If R < 1 the
expected total reach of one customer (the customer not counted) is R / (1 − R), and
generation k reaches R^k people on average.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.count_model import ZeroInflatedNegativeBinomialP

from cxlib.stats.design import frequency_rows, predictors
from cxlib.stats.estimates import Estimate
from cxlib.stats.uncertainty import bootstrap, wilson_ci

GROUPS = ("dissatisfied", "neutral", "satisfied")


def satisfaction_groups(ratings: pd.Series, scale: tuple[float, float]) -> pd.Series:
    """Bottom two scale points = dissatisfied, top two = satisfied, the rest neutral."""
    lo, hi = scale
    groups = np.where(ratings <= lo + 1, "dissatisfied",
                      np.where(ratings >= hi - 1, "satisfied", "neutral"))
    return pd.Series(pd.Categorical(np.where(ratings.isna(), None, groups), categories=GROUPS),
                     index=ratings.index, name="satisfaction group")


def count_models(frame: pd.DataFrame, count: str = "told_count", group: str = "group", *,
                 covariates: Sequence[str] = (), inflation: Sequence[str] = (),
                 reference: Mapping[str, str] | None = None,
                 weights: str | None = None) -> dict[str, object]:
    """Poisson, NB2 and zero-inflated NB fits of *count* on the levels of *group* and on
    *covariates*: log μ = b0 + Σ_g b_g·1[group = g] + Σ c_j·x_j, each group compared with the
    reference level (from *reference*, else the most frequent level of the data; never a
    fixed label), categorical covariates likewise (:mod:`cxlib.stats.design`). The
    zero-inflated model's share of structural zeros is logit π = a0 + Σ a_k·z_k over the
    columns *inflation* (an intercept only when none are given). *weights* names a column
    of frequency weights (rows counted that many times). Rows with any of these columns
    missing are left out. A group or covariate that does not vary raises
    :class:`~cxlib.errors.NotEstimable`."""
    cols = list(dict.fromkeys([count, group, *covariates, *inflation]))
    data = frequency_rows(frame, weights)[cols].dropna()
    x, _ = predictors(data, [], [group, *covariates], reference)
    data = data.loc[x.index]
    y = data[count].astype(float)
    x = sm.add_constant(x, has_constant="add")
    z = (sm.add_constant(predictors(data, [], inflation, reference)[0], has_constant="add")
         if inflation else pd.DataFrame({"const": 1.0}, index=data.index))
    fits = {"Poisson": sm.Poisson(y, x).fit(disp=False, cov_type="HC0", maxiter=200),
            "negative binomial": sm.NegativeBinomial(y, x).fit(disp=False, maxiter=500)}
    zinb = ZeroInflatedNegativeBinomialP(y, x, exog_infl=z, p=2)
    # start from the NB fit with about 5% structural zeros (logit −3), not 50%
    start = np.concatenate([[-3.0], np.zeros(z.shape[1] - 1),
                            np.asarray(fits["negative binomial"].params)])
    fits["zero-inflated NB"] = zinb.fit(start_params=start, disp=False, maxiter=2000,
                                        method="bfgs")
    return fits


def compare_fits(fits: dict[str, object]) -> pd.DataFrame:
    """AIC, log-likelihood and parameters per model; lowest AIC first."""
    rows = [{"model": name, "AIC": f.aic, "log-likelihood": f.llf, "parameters": len(f.params)}
            for name, f in fits.items()]
    return pd.DataFrame(rows).set_index("model").sort_values("AIC")


def _pmf(fit, name: str, counts: np.ndarray) -> np.ndarray:
    """Predicted probability of each count, averaged over respondents."""
    if name == "Poisson":
        mu = fit.predict()
        return stats.poisson.pmf(counts[:, None], mu[None, :]).mean(axis=1)
    if name == "negative binomial":
        mu, alpha = fit.predict(), fit.params["alpha"]
        size = 1 / alpha
        return stats.nbinom.pmf(counts[:, None], size, size / (size + mu[None, :])).mean(axis=1)
    probs = fit.predict(which="prob", y_values=counts)
    return np.asarray(probs).mean(axis=0)


def rootogram_table(frame: pd.DataFrame, fits: dict[str, object], count: str = "told_count",
                    max_count: int = 15) -> pd.DataFrame:
    """Observed number of respondents at each count beside each model's prediction."""
    y = frame[count].dropna().to_numpy()
    counts = np.arange(max_count + 1)
    table = pd.DataFrame({"observed": [(y == c).sum() for c in counts]},
                         index=pd.Index(counts, name="people told"))
    for name, fit in fits.items():
        table[name] = _pmf(fit, name, counts) * len(y)
    return table


def telling_ratio(frame: pd.DataFrame, count: str = "told_count", group: str = "group", *,
                  n_boot: int = 1000, seed: int = 2024) -> Estimate:
    """Expected tellings of the dissatisfied ÷ of the satisfied, with a bootstrap interval."""
    data = frame[[count, group]].dropna()

    def ratio(d: pd.DataFrame) -> float:
        means = d.groupby(group, observed=False)[count].mean()
        return means["dissatisfied"] / means["satisfied"]

    boot = bootstrap(data, ratio, n_boot=n_boot, seed=seed)
    return boot.estimate("expected people told: dissatisfied ÷ satisfied",
                         f"ratio of group means (= NB expected counts), bootstrap ({n_boot})")


def group_means(frame: pd.DataFrame, count: str = "told_count",
                group: str = "group") -> pd.DataFrame:
    """Mean number of people told per satisfaction group, with t intervals."""
    from cxlib.stats.uncertainty import mean_ci

    rows = []
    for g in GROUPS:
        x = frame.loc[frame[group] == g, count].dropna()
        if len(x) > 1:
            m, lo, hi = mean_ci(x)
            rows.append({"group": g, "mean told": m, "ci_low": lo, "ci_high": hi, "n": len(x)})
    return pd.DataFrame(rows).set_index("group")


def valence_incidence(frame: pd.DataFrame, valence: str = "told_valence", *,
                      n_boot: int = 1000, seed: int = 2024) -> tuple[pd.DataFrame, Estimate]:
    """Share of respondents who spread positive / negative word of mouth (Wilson
    intervals), and the positive ÷ negative ratio with a bootstrap interval (not testable
    when nobody answered or nobody spread negative word of mouth)."""
    data = frame[[valence]].dropna()
    n = len(data)
    rows = []
    for v in ("positive", "negative", "mixed", "none") if n else ():
        k = int((data[valence] == v).sum())
        p, lo, hi = wilson_ci(k, n)
        rows.append({"valence": v, "respondents": k, "share": p, "ci_low": lo, "ci_high": hi})
    table = pd.DataFrame(rows, columns=["valence", "respondents", "share", "ci_low",
                                        "ci_high"]).set_index("valence")
    figure = "positive ÷ negative word-of-mouth incidence"
    if n == 0:
        return table, Estimate.untestable(figure, f"nobody answered {valence}")
    if not (data[valence] == "negative").any():
        return table, Estimate.untestable(figure, f"none of the {n:,} respondents spread "
                                          "negative word of mouth, so the ratio is unbounded", n)

    def ratio(d: pd.DataFrame) -> float:
        return (d[valence] == "positive").mean() / (d[valence] == "negative").mean()

    boot = bootstrap(data, ratio, n_boot=n_boot, seed=seed)
    return table, boot.estimate(figure, f"ratio of shares, bootstrap ({n_boot})")


def expected_reach(tellings: float, pass_on: float) -> float:
    """Expected people reached beyond the first customer: R/(1−R), R = tellings × pass_on
    (infinite when R ≥ 1: the story keeps spreading until the network runs out)."""
    r = tellings * pass_on
    return np.inf if r >= 1 else r / (1 - r)


def extinction_probability(mean: float, dispersion: float | None = None) -> float:
    """Probability a branching process dies out: the smallest root of q = G(q), where G is
    the offspring generating function: Poisson exp(μ(q−1)), or negative binomial
    (1 + μ(1−q)/k)^(−k) with dispersion k (variance μ + μ²/k)."""
    if mean <= 1:
        return 1.0

    def g(q: float) -> float:
        if dispersion is None:
            return np.exp(mean * (q - 1))
        return (1 + mean * (1 - q) / dispersion) ** (-dispersion)

    q = 0.0
    for _ in range(10_000):  # fixed-point iteration from 0 converges to the smallest root
        nxt = g(q)
        if abs(nxt - q) < 1e-13:
            break
        q = nxt
    return float(q)


def offset_ratio(frame: pd.DataFrame, pass_on_negative: float, pass_on_positive: float,
                 count: str = "told_count", group: str = "group", *, n_boot: int = 1000,
                 seed: int = 2024) -> Estimate:
    """How many satisfied customers' expected reach equals one dissatisfied customer's:
    (t_d + t_d p_d/(1−R_d)·…) — the expected total reach (first tellings included) of a
    branching process, dissatisfied ÷ satisfied, with a bootstrap interval."""
    data = frame[[count, group]].dropna()

    def reach(t: float, p: float) -> float:
        return t * (1 + expected_reach(t, p) if t * p < 1 else np.inf)

    def ratio(d: pd.DataFrame) -> float:
        means = d.groupby(group, observed=False)[count].mean()
        return reach(means["dissatisfied"], pass_on_negative) / reach(means["satisfied"],
                                                                       pass_on_positive)

    boot = bootstrap(data, ratio, n_boot=n_boot, seed=seed)
    return boot.estimate("satisfied customers needed to offset one dissatisfied (expected reach)",
                         f"branching-process reach ratio, bootstrap ({n_boot}); pass-on "
                         f"{pass_on_negative:g} negative, {pass_on_positive:g} positive")


def bass_curve(t: np.ndarray, p: float, q: float, m: float) -> np.ndarray:
    """Cumulative Bass adoptions: m (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t})."""
    e = np.exp(-(p + q) * t)
    return m * (1 - e) / (1 + (q / p) * e)


def bass_peak(p: float, q: float) -> float:
    """The period at which Bass adoptions per period peak: t* = ln(q/p)/(p + q) when q > p,
    else 0 (adoptions only fall)."""
    return float(np.log(q / p) / (p + q)) if q > p else 0.0


def fit_bass(adoptions: pd.Series, level: float = 0.95) -> pd.DataFrame:
    """Fit the Bass model to adoptions per period by nonlinear least squares on the
    per-period counts; p (innovation), q (imitation), m (market size) with Wald intervals.

    The model is identified only once the adoption curve has turned: before its peak
    (:func:`bass_peak` beyond the last period observed) a rising series fits almost as well
    with any larger market size m and smaller p, so m and p are not identified (the Wald
    intervals then run below zero). Then, or when the covariance of the
    fit cannot be estimated, the intervals are left empty and ``attrs["identified"]`` is
    False; ``attrs["note"]`` says in words what the data do and do not show. ``attrs`` also
    hold ``n`` periods, ``peak`` (t*, in periods) and the ``fitted`` adoptions per period."""
    import warnings

    from scipy.optimize import OptimizeWarning, curve_fit

    y = adoptions.to_numpy(float)
    t = np.arange(1, len(y) + 1, dtype=float)

    def per_period(tt, p, q, m):
        return bass_curve(tt, p, q, m) - bass_curve(tt - 1, p, q, m)

    start = (0.01, 0.3, max(y.sum() * 1.5, 1.0))
    with warnings.catch_warnings():  # an inestimable covariance is judged below
        warnings.simplefilter("ignore", OptimizeWarning)
        params, cov = curve_fit(per_period, t, y, p0=start,
                                bounds=([1e-6, 1e-6, y.sum()], [1, 5, y.sum() * 100]),
                                maxfev=20000)
    se = np.sqrt(np.diag(cov))
    peak = bass_peak(params[0], params[1])
    identified = bool(np.isfinite(se).all()) and peak <= len(y)
    z = stats.norm.ppf(0.5 + level / 2)
    low, high = (params - z * se, params + z * se) if identified else (np.nan, np.nan)
    table = pd.DataFrame({"estimate": params, "ci_low": low, "ci_high": high},
                         index=["p (innovation)", "q (imitation)", "m (market size)"])
    if identified:
        note = (f"Adoptions peaked in period {peak:.0f} of {len(y)}: the curve has turned, "
                f"so p, q and the market size m are identified.")
    elif peak > len(y):
        note = (f"Not identified: adoptions are still rising after {len(y)} periods (the "
                f"fitted curve would peak in period {peak:.0f}), so a much larger or smaller "
                f"market fits these data about as well. The intervals would be meaningless "
                f"and are not shown; the estimates are one of many near-equal fits and "
                f"describe only the rise observed.")
    else:
        note = ("Not identified: the uncertainty of the fit cannot be estimated from these "
                "data, so no intervals are shown.")
    table.attrs.update(n=len(y), fitted=per_period(t, *params), peak=peak,
                       identified=identified, note=note)
    return table


def adoptions_per_month(transactions: pd.DataFrame) -> pd.Series:
    """New customers per month (first purchases): the adoption curve of a transaction log."""
    first = pd.to_datetime(transactions["date"]).groupby(transactions["customer_id"]).min()
    return first.dt.to_period("M").value_counts().sort_index()

