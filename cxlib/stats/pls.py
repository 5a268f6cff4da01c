"""Partial least squares path modelling (PLS-PM), the method of the ECSI and reputation models.

A path model has *constructs* (satisfaction, loyalty, …), each measured by a block
of items, and *paths* between constructs. PLS-PM (Wold; Lohmöller 1989) estimates
it in two alternating steps until the item weights settle:

1. **outer estimate**: each construct score is a weighted sum of its standardised
   items, ``Y_j = X_j w_j`` scaled to unit variance;
2. **inner estimate** (path weighting scheme): each construct's proxy is
   ``Z_j = Σ_i e_ji Y_i`` where ``e_ji`` is the multiple-regression coefficient of
   ``Y_j`` on ``Y_i`` for its predecessors and ``cor(Y_j, Y_i)`` for its successors;
3. **mode A** (reflective) weights: ``w_j = cor(X_j, Z_j)``.

After convergence the path coefficients are the OLS coefficients of each
endogenous score on its predecessors (standardised), with R² per endogenous
construct, and loadings are the item–score correlations. Missing item answers are
replaced by the item mean (as in seminr's default). Intervals come from a
bootstrap over respondents, or over whole clusters (outlets) when respondents come in
clusters (:func:`bootstrap_paths`); resamples in which the model
cannot be estimated are counted (the result's ``failed``). An item that does not vary
raises :class:`~cxlib.errors.NotEstimable`: it cannot be standardised.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlib.errors import NotEstimable, UserDataError, require_variation
from cxlib.stats import robust
from cxlib.stats.estimates import Estimate, Fit
from cxlib.stats.reliability import unreliable_blocks
from cxlib.stats.uncertainty import Moments, moment_bootstrap, percentiles


@dataclass
class PLSResult:
    """Estimates of a PLS path model."""

    paths: pd.DataFrame          # from, to, coefficient
    r2: pd.Series                # R² per endogenous construct
    weights: dict[str, pd.Series]
    loadings: pd.DataFrame       # construct, item, loading
    scores: pd.DataFrame         # construct scores (standardised)
    iterations: int
    n: int

    def path(self, source: str, target: str) -> float:
        row = self.paths[(self.paths["from"] == source) & (self.paths["to"] == target)]
        return float(row["coefficient"].iloc[0])


def parse_paths(paths: list[str] | list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Paths from 'A -> B' strings (or pairs)."""
    out = []
    for p in paths:
        if isinstance(p, str):
            if "->" not in p:
                raise UserDataError(f"a path must read 'FROM -> TO', got {p!r}")
            a, b = (s.strip() for s in p.split("->", 1))
            out.append((a, b))
        else:
            out.append((str(p[0]), str(p[1])))
    return out


def _standardise(x: np.ndarray) -> np.ndarray:
    return (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)


def _prepare(frame: pd.DataFrame, blocks: dict[str, list[str]]) -> np.ndarray:
    items = [c for cols in blocks.values() for c in cols]
    absent = [c for c in items if c not in frame]
    if absent:
        raise UserDataError(f"the model names item(s) not in the data: {', '.join(absent)}")
    x = frame[items].astype(float)
    x = x.fillna(x.mean())  # mean replacement of missing answers
    require_variation(x, items, what="the PLS path model")
    return x.to_numpy()


def _structural(paths: list[str] | list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The paths of a PLS model; none at all raise :class:`~cxlib.errors.NotEstimable`."""
    if not paths:
        raise NotEstimable("the path model has no paths: it needs drivers of satisfaction "
                           "(service items, or `attributes:` in the mapping) or a loyalty "
                           "rating beside overall satisfaction")
    return parse_paths(paths)


def pls_pm(frame: pd.DataFrame, blocks: dict[str, list[str]],
           paths: list[str] | list[tuple[str, str]], *, tol: float = 1e-7,
           max_iter: int = 300) -> PLSResult:
    """Estimate a PLS path model (mode A, path weighting); see the module docstring."""
    edges = _structural(paths)
    names = list(blocks)
    unknown = {c for e in edges for c in e} - set(names)
    if unknown:
        raise UserDataError(f"paths name construct(s) without items: {', '.join(sorted(unknown))}")
    x = _standardise(_prepare(frame, blocks))
    return _estimate(x, blocks, edges, tol, max_iter)


def _estimate(x: np.ndarray, blocks: dict[str, list[str]], edges: list[tuple[str, str]],
              tol: float, max_iter: int) -> PLSResult:
    names = list(blocks)
    k = len(names)
    idx = {}
    start = 0
    for name, cols in blocks.items():
        idx[name] = np.arange(start, start + len(cols))
        start += len(cols)
    adj = np.zeros((k, k), dtype=bool)  # adj[i, j]: path i -> j
    pos = {n: i for i, n in enumerate(names)}
    for a, b in edges:
        adj[pos[a], pos[b]] = True
    n = x.shape[0]
    xb = [np.ascontiguousarray(x[:, idx[nm]]) for nm in names]  # item blocks, copied once
    weights = [np.ones(b.shape[1]) for b in xb]

    def scores_from(ws: list[np.ndarray]) -> np.ndarray:
        return _standardise(np.column_stack([b @ w for b, w in zip(xb, ws, strict=True)]))

    y = scores_from(weights)
    iteration = 0
    while iteration < max_iter:
        iteration += 1
        corr = np.corrcoef(y, rowvar=False)
        inner = np.zeros((k, k))
        for j in range(k):
            preds = np.flatnonzero(adj[:, j])
            if preds.size:
                inner[preds, j] = np.linalg.lstsq(y[:, preds], y[:, j], rcond=None)[0]
            succ = np.flatnonzero(adj[j, :])
            inner[succ, j] = corr[succ, j]
        z = _standardise(y @ inner)
        new = [b.T @ z[:, j] / (n - 1) for j, b in enumerate(xb)]
        y_new = scores_from(new)
        # normalise weights so the score has unit variance
        new = [w / np.std(b @ w, ddof=1) for b, w in zip(xb, new, strict=True)]
        change = max(np.max(np.abs(a - b)) for a, b in zip(new, weights, strict=True))
        weights, y = new, y_new
        if change < tol:
            break
    rows, r2 = [], {}
    for j, nm in enumerate(names):
        preds = np.flatnonzero(adj[:, j])
        if preds.size:
            beta = np.linalg.lstsq(y[:, preds], y[:, j], rcond=None)[0]
            resid = y[:, j] - y[:, preds] @ beta
            r2[nm] = 1 - resid.var() / y[:, j].var()
            rows += [(names[p], nm, b) for p, b in zip(preds, beta, strict=True)]
    # items and scores are standardised, so a loading (a correlation) is a scaled dot product
    loadings = [(nm, item, float(value)) for j, nm in enumerate(names)
                for item, value in zip(blocks[nm], xb[j].T @ y[:, j] / (n - 1), strict=True)]
    return PLSResult(
        paths=pd.DataFrame(rows, columns=["from", "to", "coefficient"]),
        r2=pd.Series(r2, name="R²"),
        weights={nm: pd.Series(w, index=blocks[nm]) for nm, w in zip(names, weights,
                                                                     strict=True)},
        loadings=pd.DataFrame(loadings, columns=["construct", "item", "loading"]),
        scores=pd.DataFrame(y, columns=names),
        iterations=iteration, n=n)


@dataclass(frozen=True, kw_only=True, repr=False)
class PathsFit(Fit):
    """:func:`bootstrap_paths`: one row per path (from, to, coefficient, its percentile
    interval, the R² of its target), with the bootstrap's resamples and failures, and the
    ``cluster`` column it resampled (None: respondents), and the constructs whose items do
    not measure one thing (``unreliable``: construct → reason), whose paths carry no
    verdict (:func:`path_estimate`)."""

    cluster: str | None = None
    unreliable: dict[str, str] = field(default_factory=dict)


def _paths_from_correlations(r: np.ndarray, blocks: dict[str, list[str]],
                             edges: list[tuple[str, str]], tol: float,
                             max_iter: int) -> np.ndarray:
    """The path coefficients :func:`_estimate` gives, from the items' correlation matrix *r*
    alone. Every step of PLS mode A with path weighting is linear in the standardised items
    X, so it needs only R = XᵀX/(n − 1): with block weights W (scores Y = XW, scaled to unit
    variance by wⱼ/√(wⱼᵀRⱼⱼwⱼ)) the scores' correlations are C = WᵀRW; the inner weights are
    C[P, P]⁻¹C[P, j] for predecessors P and C[S, j] for successors S; the proxy of j is
    Y·eⱼ with variance eⱼᵀCeⱼ; the new outer weights are Xⱼᵀzⱼ/(n − 1) = R[j, :]W·eⱼ/√(eⱼᵀCeⱼ);
    the paths are C[P, P]⁻¹C[P, j]. A bootstrap resample then costs a p×p matrix instead of
    a pass over its rows (:func:`bootstrap_paths`)."""
    names = list(blocks)
    k = len(names)
    pos = {n: i for i, n in enumerate(names)}
    adj = np.zeros((k, k), dtype=bool)
    for a, b in edges:
        adj[pos[a], pos[b]] = True
    idx, start = [], 0
    for cols in blocks.values():
        idx.append(np.arange(start, start + len(cols)))
        start += len(cols)
    p = r.shape[0]

    def normalised(ws: list[np.ndarray]) -> np.ndarray:
        w = np.zeros((p, k))
        for j, (rows, wj) in enumerate(zip(idx, ws, strict=True)):
            w[rows, j] = wj / np.sqrt(wj @ r[np.ix_(rows, rows)] @ wj)
        return w

    weights = [np.ones(len(rows)) for rows in idx]
    w = normalised(weights)
    for _ in range(max_iter):
        c = w.T @ r @ w
        inner = np.zeros((k, k))
        for j in range(k):
            preds = np.flatnonzero(adj[:, j])
            if preds.size:
                inner[preds, j] = np.linalg.lstsq(c[np.ix_(preds, preds)], c[preds, j],
                                                  rcond=None)[0]
            succ = np.flatnonzero(adj[j, :])
            inner[succ, j] = c[succ, j]
        proxy = r @ w @ inner / np.sqrt(np.einsum("ij,ik,kj->j", inner, c, inner))
        new = [proxy[rows, j] for j, rows in enumerate(idx)]
        new = [wj / np.sqrt(wj @ r[np.ix_(rows, rows)] @ wj) for rows, wj in zip(idx, new,
                                                                                 strict=True)]
        change = max(np.max(np.abs(a - b)) for a, b in zip(new, weights, strict=True))
        weights, w = new, normalised(new)
        if change < tol:
            break
    c = w.T @ r @ w
    out = []
    for j in range(k):
        preds = np.flatnonzero(adj[:, j])
        if preds.size:
            out.extend(np.linalg.lstsq(c[np.ix_(preds, preds)], c[preds, j], rcond=None)[0])
    return np.asarray(out)


def bootstrap_paths(frame: pd.DataFrame, blocks: dict[str, list[str]],
                    paths: list[str] | list[tuple[str, str]], *, n_boot: int = 500,
                    seed: int = 2024, level: float = 0.95,
                    cluster: str | None = None) -> PathsFit:
    """Path coefficients and R² with percentile bootstrap intervals, resampling respondents,
    or whole clusters of the column *cluster* when given (outlets: a resample draws G of
    the G clusters with replacement and keeps all their respondents; at least
    :data:`~cxlib.stats.robust.MIN_CLUSTERS` clusters, else NotEstimable). A resample is
    estimated from its items' correlation matrix (:func:`_paths_from_correlations`), summed
    from per-cluster (or per-respondent) counts, sums and cross-products
    (:func:`cxlib.stats.uncertainty.moment_bootstrap`): the same estimates as refitting on
    its rows, at a cost that does not grow with respondents per cluster."""
    labels = robust.cluster_column(frame, cluster)
    edges = _structural(paths)
    raw = _prepare(frame, blocks)
    fit = _estimate(_standardise(raw), blocks, edges, 1e-7, 300)

    def paths_of(m: Moments) -> np.ndarray:  # a resample's paths, from its moments
        return _paths_from_correlations(m.corr(), blocks, edges, 1e-6, 100)

    members = None if labels is None else robust.cluster_units(labels, cluster)
    draws = moment_bootstrap(raw, paths_of, units=members, n_boot=n_boot, seed=seed).draws
    lo, hi, failed = percentiles(draws, level)
    out = fit.paths.copy()
    out["ci_low"], out["ci_high"] = lo, hi
    out["r2_of_target"] = out["to"].map(fit.r2)
    g = None if members is None else int(members.max()) + 1
    over = f" clustered by {cluster} ({g:,} clusters)" if g is not None else ""
    return PathsFit(table=out, n=fit.n, level=level, failed=failed, draws=n_boot,
                    clusters=g, value="coefficient",
                    method=f"PLS-PM mode A, path weighting, bootstrap ({n_boot}){over}",
                    title="PLS path model", cluster=cluster,
                    unreliable=unreliable_blocks(frame, blocks))


def path_estimate(paths: PathsFit, source: str, target: str) -> Estimate:
    """The path *source* → *target* of a :func:`bootstrap_paths` result as an Estimate; not
    testable when the items of either construct do not measure one thing (Cronbach's alpha
    below :data:`~cxlib.stats.reliability.ALPHA_FLOOR`: ``paths.unreliable``)."""
    rows = paths.table[(paths.table["from"] == source) & (paths.table["to"] == target)]
    if rows.empty:
        raise KeyError(f"the model has no path {source} → {target}")
    figure = f"PLS path {source} → {target} (standardised)"
    weak = [paths.unreliable[c] for c in (source, target) if c in paths.unreliable]
    if weak:
        return Estimate.untestable(figure, "; ".join(weak) + ": a path between scores made of "
                                   "them cannot show how the constructs relate", paths.n)
    return paths.estimate(rows.index[0], figure=figure)
