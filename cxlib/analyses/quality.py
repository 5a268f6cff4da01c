"""Quality as perception against expectation: the disconfirmation model, tested without the
constraint a gap score imposes, and the gap score itself (SERVQUAL) against perception only
(SERVPERF).

* **Disconfirmation, unconstrained** (:func:`disconfirmation`; Edwards 2001, polynomial
  regression instead of difference scores). With P the mean of the perception items and E
  the mean of the expectation items,

      S = b₀ + b_P·P + b_E·E + e,

  by OLS with HC3 errors, or CR1 errors clustered by outlet when respondents come from
  outlets. "Quality is perception *against expectation*" says that at a given perception,
  higher expectations lower satisfaction: b_E < 0. The headline figure is b_E standardised,
  b_E·s_E/s_S, its interval rescaled by the same factor. A gap score P − E is the special
  case b_E = −b_P: the constraint is tested by refitting on (P − E, E), whose coefficient of
  E is b_P + b_E (Wald F on 1 and n − 3 df, or G − 1 when clustered), and, with the
  quadratic terms P², P·E and E² that a response surface adds, jointly with them (the
  difference score's full set of constraints: F on 4 df).
* **Gap scores** per dimension: gap = perception − expectation, item by item for items
  asking about the same attribute, then averaged; the mean gap has a paired t interval. A
  negative gap means service fell short of what customers expected. An expectation item is
  matched to the perception item ``X`` when it is named ``exp_X`` (``exp_rel_1`` for
  ``rel_1``); a gap of unmatched items would subtract answers about different things, so it
  is not formed (:func:`_require_matched`).
* **Which predicts satisfaction better?** Two regressions of overall satisfaction
  on the dimensions, once with perception scores, once with gap scores.
  ΔR² = R²(perception) − R²(gap), with a percentile bootstrap interval (the same
  resamples for both models; whole outlets when clustered). Cronin & Taylor (1992) found
  perception-only (SERVPERF) predicts at least as well; gap scores also inherit the
  unreliability of difference scores. This compares one scoring of the claim (the difference
  score), not the claim.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import statsmodels.api as sm

from cxlib.errors import NotEstimable, require_variation
from cxlib.stats import robust
from cxlib.stats.estimates import Effect, Estimate, Fit
from cxlib.stats.reliability import ALPHA_FLOOR, unreliable_blocks
from cxlib.stats.uncertainty import Moments, mean_ci, moment_bootstrap, r_squared

EXPECTATION_FIGURE = "standardised effect of expectations on satisfaction, perception held fixed"
NO_EXPECTATIONS = "the survey has no expectation items"


def _unmatched_reason(perception: dict[str, list[str]],
                      expectation: dict[str, list[str]]) -> str | None:
    """Why a gap score cannot be formed from these items, or None when every perception item
    of every dimension has its expectation item ``exp_<item>`` and every expectation item its
    perception item (the gap then subtracts two answers about the same attribute)."""
    if not any(expectation.values()):
        return NO_EXPECTATIONS
    unmatched = []
    for dim, items in perception.items():
        expected = expectation.get(dim, [])
        if sorted(expected) != sorted(f"exp_{c}" for c in items):
            unmatched.append(f"{dim}: {_listed(expected) or 'none'} against {_listed(items)}")
    if not unmatched:
        return None
    return (f"expectation items not matched item by item to perception items "
            f"({'; '.join(unmatched)}): a gap would subtract answers about different "
            "attributes (a gap needs exp_X for each perception item X)")


def _require_matched(perception: dict[str, list[str]],
                    expectation: dict[str, list[str]]) -> None:
    """:class:`~cxlib.errors.NotEstimable`, with the reason, unless every perception item
    of every dimension has its expectation item ``exp_<item>`` and every expectation item
    its perception item: a gap score subtracts two answers about the same attribute, so
    without them there is no gap (and no figure that rests on one)."""
    reason = _unmatched_reason(perception, expectation)
    if reason:
        raise NotEstimable(reason)


def _listed(items: list[str], most: int = 3) -> str:
    """Items named as "A, B, C" or, when there are more, "A … G (7 items)"."""
    if len(items) <= most:
        return ", ".join(items)
    return f"{items[0]} … {items[-1]} ({len(items)} items)"


def _gap_scores(frame: pd.DataFrame, perception: dict[str, list[str]],
                expectation: dict[str, list[str]]) -> pd.DataFrame:
    """Per-respondent gap score per dimension: mean over matched items X of (X − exp_X);
    :class:`NotEstimable` when the items are not matched (:func:`_require_matched`)."""
    _require_matched(perception, expectation)
    out = {}
    for dim, items in perception.items():
        p = frame[items].to_numpy(float)
        e = frame[[f"exp_{c}" for c in items]].to_numpy(float)
        out[dim] = pd.DataFrame(p - e, index=frame.index).mean(axis=1)  # NaN without a pair
    return pd.DataFrame(out, index=frame.index)


@dataclass(frozen=True)
class WaldTest:
    """A Wald test: the statistic ``f`` (F on ``df`` numerator degrees of freedom), its
    p-value, and for one constraint the combination tested (``value``, ``se``)."""

    f: float
    p: float
    df: int = 1
    value: float | None = None
    se: float | None = None


@dataclass(frozen=True, kw_only=True, repr=False)
class Disconfirmation(Effect):
    """:func:`disconfirmation`: the standardised b_E (``effect``), the table of b_P and b_E,
    the model's ``r2``, and the tests of a gap score's constraints: ``gap_constraint``
    (b_P + b_E = 0, with b_P + b_E and its SE) and ``surface_constraints`` (the four
    constraints of a difference score in the quadratic response surface)."""

    r2: float
    gap_constraint: WaldTest
    surface_constraints: WaldTest

    def facts(self) -> dict:
        return {**super().facts(), "R²": self.r2}


def disconfirmation(frame: pd.DataFrame, outcome: str, perception: dict[str, list[str]],
                    expectation: dict[str, list[str]], *, cluster: str | None = None,
                    alpha_floor: float = ALPHA_FLOOR) -> Disconfirmation:
    """The unconstrained test of "quality is perception against expectation" (formulas in the
    module docstring), when every block of expectation items is reliable (Cronbach's alpha at
    least *alpha_floor*, by default :data:`~cxlib.stats.reliability.ALPHA_FLOOR`; otherwise
    not estimable): the standardised b_E as the result's ``effect``, a table of b_P and b_E
    (coefficient, robust SE, interval, p, standardised), and the Wald tests of the gap
    score's constraints (:class:`Disconfirmation`)."""
    p_items = [c for items in perception.values() for c in items]
    e_items = [c for items in expectation.values() for c in items]
    if not e_items:
        raise NotEstimable(NO_EXPECTATIONS)
    unreliable = unreliable_blocks(frame, expectation, alpha_floor, "expectation items")
    if unreliable:
        first = next(iter(unreliable.values()))
        raise NotEstimable(f"{first}: a score made of them cannot show what expectations do")
    scores = pd.DataFrame({outcome: frame[outcome].astype(float),
                           "perception": frame[p_items].astype(float).mean(axis=1),
                           "expectation": frame[e_items].astype(float).mean(axis=1)},
                          index=frame.index)
    if cluster:
        scores[cluster] = frame[cluster]
    columns = [outcome, "perception", "expectation"]
    data = scores.dropna(subset=columns)
    require_variation(data, columns, what=f"the drivers of {outcome}",
                      items={"perception": p_items, "expectation": e_items})
    clusters = robust.cluster_column(data, cluster)
    y, pe = data[outcome], data[["perception", "expectation"]]

    def fitted(x: pd.DataFrame) -> robust.RobustFit:
        return robust.fit(y, sm.add_constant(x), clusters=clusters, cluster_name=cluster or "")

    fit = fitted(pe)
    gap = fitted(pe.assign(perception=pe["perception"] - pe["expectation"]))
    p_c = pe["perception"] - pe["perception"].mean()
    e_c = pe["expectation"] - pe["expectation"].mean()
    surface = fitted(pd.DataFrame({"perception": p_c - e_c, "expectation": e_c,
                                   "P²": p_c**2, "P·E": p_c * e_c, "E²": e_c**2}))
    ratio = data[["perception", "expectation"]].std(ddof=1) / y.std(ddof=1)
    table = fit.table().drop("const").rename(columns={"coef": "coefficient", "SE": "robust SE"})
    table["standardised"] = table["coefficient"] * ratio
    scale = float(ratio["expectation"])
    b, lo, hi = (float(v) * scale for v in (fit.params["expectation"],
                                            *fit.conf_int().loc["expectation"]))
    g = int(robust.cluster_codes(clusters).max() + 1) if clusters is not None else None
    method = f"OLS of {outcome} on perception and expectation, {fit.method}"
    est = Estimate(EXPECTATION_FIGURE, b, lo, hi, fit.nobs, f"{method}, standardised",
                   clusters=g)
    gap_f, gap_p = gap.wald(["expectation"])
    return Disconfirmation(
        table=table, n=fit.nobs, method=method, clusters=g, value="coefficient",
        title="Satisfaction on perception and expectation", effect=est,
        r2=float(fit.model.rsquared),
        gap_constraint=WaldTest(gap_f, gap_p, 1, float(gap.params["expectation"]),
                                float(gap.bse["expectation"])),
        surface_constraints=WaldTest(*surface.wald(["expectation", "P²", "P·E", "E²"]), 4))


def gap_table(frame: pd.DataFrame, perception: dict[str, list[str]],
              expectation: dict[str, list[str]]) -> Fit:
    """Mean perception, expectation and gap per dimension, with t intervals for the gap;
    not estimable when the items are not matched (:func:`_require_matched`)."""
    gaps = _gap_scores(frame, perception, expectation)
    rows = []
    for dim in perception:
        g, lo, hi = mean_ci(gaps[dim])
        rows.append({"dimension": dim,
                     "perception": frame[perception[dim]].mean(axis=1).mean(),
                     "expectation": frame[expectation[dim]].mean(axis=1).mean(),
                     "gap": g, "ci_low": lo, "ci_high": hi})
    return Fit(table=pd.DataFrame(rows).set_index("dimension"), n=len(frame), value="gap",
               method="mean gap (perception − expectation, item by item) with paired t "
                      "interval", title="Perception, expectation and gap",
               figure="mean gap in {row}")


def _r2(y: np.ndarray, x: np.ndarray) -> float:
    x1 = np.column_stack([np.ones(len(x)), x])
    beta, *_ = np.linalg.lstsq(x1, y, rcond=None)
    resid = y - x1 @ beta
    return 1 - resid.var() / y.var()


def perception_vs_gap(frame: pd.DataFrame, outcome: str, perception: dict[str, list[str]],
                      expectation: dict[str, list[str]], *, n_boot: int = 500,
                      seed: int = 2024, cluster: str | None = None) -> Effect:
    """ΔR² = R²(perception only) − R²(gap scores) with a bootstrap interval (over whole
    clusters when *cluster* is given; the result's ``effect``), and both R² (its table);
    the items must be matched (:func:`_require_matched`)."""
    dims = list(perception)
    perc = pd.DataFrame({d: frame[perception[d]].mean(axis=1) for d in dims})
    gaps = _gap_scores(frame, perception, expectation).add_prefix("gap_")
    keep = [frame[[outcome]], perc, gaps] + ([frame[[cluster]]] if cluster else [])
    data = pd.concat(keep, axis=1).dropna()
    gap_cols = [f"gap_{d}" for d in dims]
    require_variation(data, [outcome, *dims, *gap_cols],
                      what=f"how well perceptions and gaps predict {outcome}")

    def both(d: pd.DataFrame) -> np.ndarray:
        y = d[outcome].to_numpy(float)
        return np.array([_r2(y, d[dims].to_numpy(float)), _r2(y, d[gap_cols].to_numpy(float))])

    # each resample's R² from its moments (moment_bootstrap): the draws of a bootstrap over
    # its rows, without the rows
    perc_at, gap_at = list(range(1, len(dims) + 1)), list(range(len(dims) + 1, 2 * len(dims) + 1))

    def diff(m: Moments) -> float:
        return r_squared(m, 0, perc_at) - r_squared(m, 0, gap_at)

    columns = data[[outcome, *dims, *gap_cols]].to_numpy(float)
    if cluster is None:
        boot = moment_bootstrap(columns, diff, n_boot=n_boot, seed=seed)
        over, g = f"percentile bootstrap ({n_boot} resamples)", None
    else:
        robust.cluster_column(data, cluster)
        boot = moment_bootstrap(columns, diff, n_boot=n_boot, seed=seed,
                                units=robust.cluster_units(data[cluster], cluster))
        over = f"percentile bootstrap ({n_boot}) clustered by {cluster} ({boot.n:,} clusters)"
        g = boot.n
    r2 = both(data)
    est = boot.estimate("R² perception-only minus R² gap scores", f"OLS R² difference, {over}")
    if g is not None:
        est = replace(est, n=len(data), clusters=g)
    table = pd.DataFrame({"R²": r2}, index=["perception only (SERVPERF)", "gap (SERVQUAL)"])
    return Effect(table=table, n=est.n, method=est.method, clusters=est.clusters, value="R²",
                  draws=est.draws, failed=est.failed, effect=est,
                  title=f"How well perceptions and gaps predict {outcome}")
