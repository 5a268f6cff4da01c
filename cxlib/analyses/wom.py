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
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.count_model import ZeroInflatedNegativeBinomialP

from cxlib.data.derived import GROUPS
from cxlib.errors import NotEstimable
from cxlib.stats.design import frequency_rows, predictors
from cxlib.stats.diffusion import bass_curve, bass_peak
from cxlib.stats.estimates import Effect, Estimate, Fit
from cxlib.stats.spread import expected_reach
from cxlib.stats.uncertainty import bootstrap, wilson_ci


@dataclass(frozen=True, kw_only=True, repr=False)
class CountModels(Fit):
    """:func:`count_models`: the fitted ``models`` by name (statsmodels results) and, as the
    table, their AIC, log-likelihood and number of parameters, lowest AIC first (``best``)."""

    models: Mapping[str, object] = field(default_factory=dict)

    @property
    def best(self) -> str:
        """The model with the lowest AIC."""
        return str(self.table.index[0])


def count_models(frame: pd.DataFrame, count: str = "told_count", group: str = "group", *,
                 covariates: Sequence[str] = (), inflation: Sequence[str] = (),
                 reference: Mapping[str, str] | None = None,
                 weights: str | None = None) -> CountModels:
    """Poisson, NB2 and zero-inflated NB fits of *count* on the levels of *group* and on
    *covariates*: log μ = b0 + Σ_g b_g·1[group = g] + Σ c_j·x_j, each group compared with the
    reference level (from *reference*, else the most frequent level of the data; never a
    fixed label), categorical covariates likewise (:mod:`cxlib.stats.design`). The
    zero-inflated model's share of structural zeros is logit π = a0 + Σ a_k·z_k over the
    columns *inflation* (an intercept only when none are given). *weights* names a column
    of frequency weights (rows counted that many times). Rows with any of these columns
    missing are left out. A group or covariate that does not vary raises
    :class:`~cxlib.errors.NotEstimable`. The models are compared by AIC in the result's
    table."""
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
    table = pd.DataFrame([{"model": name, "AIC": f.aic, "log-likelihood": f.llf,
                           "parameters": len(f.params)} for name, f in fits.items()])
    return CountModels(table=table.set_index("model").sort_values("AIC"), n=len(y),
                       value="AIC", method="maximum likelihood; compared by AIC",
                       title=f"Count models of {count}", models=fits)


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


def rootogram_table(frame: pd.DataFrame, fits: CountModels, count: str = "told_count",
                    max_count: int = 15) -> Fit:
    """Observed number of respondents at each count beside each model's prediction."""
    y = frame[count].dropna().to_numpy()
    counts = np.arange(max_count + 1)
    table = pd.DataFrame({"observed": [(y == c).sum() for c in counts]},
                         index=pd.Index(counts, name="people told"))
    for name, fit in fits.models.items():
        table[name] = _pmf(fit, name, counts) * len(y)
    return Fit(table=table, n=len(y), value="observed", title="Observed and expected counts",
               method="expected: each model's predicted probability of the count, averaged "
                      "over respondents, × n")


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
                group: str = "group") -> Fit:
    """Mean number of people told per satisfaction group, with t intervals."""
    from cxlib.stats.uncertainty import mean_ci

    rows = []
    for g in GROUPS:
        x = frame.loc[frame[group] == g, count].dropna()
        if len(x) > 1:
            m, lo, hi = mean_ci(x)
            rows.append({"group": g, "mean told": m, "ci_low": lo, "ci_high": hi, "n": len(x)})
    table = pd.DataFrame(rows, columns=["group", "mean told", "ci_low", "ci_high", "n"])
    return Fit(table=table.set_index("group"), n=int(table["n"].sum()), value="mean told",
               method="mean with t interval", title="People told, by satisfaction group",
               figure="mean people told by the {row}")


def valence_incidence(frame: pd.DataFrame, valence: str = "told_valence", *,
                      n_boot: int = 1000, seed: int = 2024) -> Effect:
    """Share of respondents who spread positive / negative word of mouth (Wilson
    intervals; the table), and the positive ÷ negative ratio with a bootstrap interval
    (``effect``; not testable when nobody answered or nobody spread negative word of
    mouth)."""
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

    def result(effect: Estimate) -> Effect:
        return Effect(table=table, n=n, value="share", effect=effect,
                      method="share with Wilson interval", title="Word of mouth by valence",
                      figure="share who spread {row} word of mouth")

    if n == 0:
        return result(Estimate.untestable(figure, f"nobody answered {valence}"))
    if not (data[valence] == "negative").any():
        return result(Estimate.untestable(figure, f"none of the {n:,} respondents spread "
                                          "negative word of mouth, so the ratio is unbounded",
                                          n))

    def ratio(d: pd.DataFrame) -> float:
        return (d[valence] == "positive").mean() / (d[valence] == "negative").mean()

    boot = bootstrap(data, ratio, n_boot=n_boot, seed=seed)
    return result(boot.estimate(figure, f"ratio of shares, bootstrap ({n_boot})"))


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


@dataclass(frozen=True, kw_only=True, repr=False)
class BassFit(Fit):
    """:func:`fit_bass`: p, q and m with Wald intervals (empty when not ``identified``), the
    adoptions ``observed`` per period and the ``fitted`` ones, and the period of the fitted
    ``peak`` (t*; beyond the ``n`` periods observed while adoptions are still rising)."""

    observed: pd.Series
    fitted: np.ndarray
    peak: float
    identified: bool

    @property
    def still_rising(self) -> bool:
        """Whether the fitted curve peaks after the last period observed."""
        return self.peak > self.n

    def facts(self) -> dict:
        return {"fitted peak (period)": self.peak}


MIN_BASS_PERIODS = 6
"""Periods of adoptions (months) the Bass model needs at least."""


def fit_bass(adoptions: pd.Series, level: float = 0.95) -> BassFit:
    """Fit the Bass model (:mod:`cxlib.stats.diffusion`) to adoptions per period by nonlinear
    least squares on the per-period counts; p (innovation), q (imitation), m (market size)
    with Wald intervals.

    The model is identified only once the adoption curve has turned: before its peak
    (:func:`~cxlib.stats.diffusion.bass_peak` beyond the last period observed) a rising
    series fits almost as well with any larger market size m and smaller p, so m and p are
    not identified (the Wald intervals then run below zero). Then, or when the covariance
    of the fit cannot be estimated, the intervals are left empty and ``identified`` is
    False (with a warning saying which); :func:`cxlib.notebook.readings.bass` says in words
    what the data do and do not show. :class:`NotEstimable` with fewer than
    :data:`MIN_BASS_PERIODS` periods."""
    import warnings

    if len(adoptions) < MIN_BASS_PERIODS:
        raise NotEstimable("fewer than six months of first purchases: the Bass model cannot "
                           "be fitted")

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
    warned = () if identified else (
        (f"not identified: adoptions are still rising after {len(y)} periods; no intervals",)
        if peak > len(y) else ("not identified: the covariance of the fit cannot be "
                               "estimated; no intervals",))
    return BassFit(table=table, n=len(y), level=level, digits=None, warnings=warned,
                   method="Bass model, nonlinear least squares on adoptions per period, Wald "
                          "intervals", title="Bass diffusion model",
                   observed=adoptions, fitted=per_period(t, *params), peak=peak,
                   identified=identified)
