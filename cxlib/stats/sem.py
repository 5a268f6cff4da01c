"""Covariance-based structural equation models (semopy), beside PLS.

A model is given the same way as for :mod:`cxlib.stats.pls`: *blocks* (construct → items)
and *paths* ("A -> B"). Constructs with two or more items become latent factors
(``F =~ item1 + item2 …``); a single-item construct enters as its observed item.
The fit is maximum likelihood on complete rows; coefficients are reported
standardised.

**Fit indices**, as lavaan computes them for ``sem(..., estimator = "ML")`` with its
defaults (``likelihood = "normal"``, ``fixed.x = TRUE``; :func:`fit_indices`). With p
observed items, k of them exogenous observed variables (single-item constructs with no
path into them: their variances and covariances are fixed at the sample values, in
semopy as in lavaan), q free parameters, N complete rows, S the sample covariance with
divisor N and Σ̂ the implied covariance:

* F = log|Σ̂| − log|S| + tr(S Σ̂⁻¹) − p and χ² = N·F;
* df = p(p+1)/2 − k(k+1)/2 − q (the fixed moments count on neither side); a
  saturated (just-identified) model has df = 0 and χ² = 0, and its fit cannot be tested;
* the baseline (independence) model keeps only the variances, and the covariances among
  the exogenous observed variables: χ²₀ = N·(Σ log sᵢᵢ − log|S| + log|S_xx| − Σₓ log sᵢᵢ),
  df₀ = p(p−1)/2 − k(k−1)/2;
* CFI = 1 − max(χ² − df, 0) / max(χ² − df, χ²₀ − df₀, 0), within [0, 1] (1 when both are 0);
* TLI = 1 − (χ² − df)·df₀ / ((χ²₀ − df₀)·df) (1 when df = 0; not bounded);
* RMSEA = √max((χ² − df)/(N·df), 0) (0 when df = 0);
* SRMR = √(mean over the lower triangle with the diagonal of ((sᵢⱼ − σ̂ᵢⱼ)/√(sᵢᵢ sⱼⱼ))²).

**Improper solutions.** A maximum-likelihood solution can fit and still be impossible
as a description of the data; its estimates must then not be read (Kolenikov & Bollen
2012; Dillon, Kumar & Mulani 1987). :func:`fit_model` checks, and ``SEMFit.problems``
lists, each of:

* the optimiser did not converge;
* a variance estimate is negative, or at its bound of zero (semopy keeps variances
  ≥ 0, so a Heywood case shows as a variance of exactly 0; standardised below 10⁻⁴);
* a standardised loading, path or covariance lies beyond ±1 (by more than 0.001): a
  standardised loading above 1 means a negative error variance, a path or correlation
  beyond ±1 means latent variables so collinear that the model cannot separate them;
* the implied covariance matrix of the items, or of the latent variables, is not
  positive definite (smallest eigenvalue ≤ 10⁻⁸ × the largest).

``SEMFit.proper`` is True when the list is empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlib.errors import NotEstimable
from cxlib.stats.pls import parse_paths

BEYOND_ONE = 1.001
ZERO_VARIANCE = 1e-4
EIGEN_TOLERANCE = 1e-8
FTOL = 1e-12
"""Stopping tolerance of the optimiser (SLSQP). semopy's default (1e-6) stops short of the
optimum: on a saturated model χ² 2e-4 and SRMR 4e-4 instead of 0; at 1e-12 the fit indices
agree with lavaan's to 1e-5 (tests/test_sem.py)."""


@dataclass
class SEMFit:
    """A fitted semopy model with its fit indices and, when the solution is improper,
    the reasons (see the module docstring)."""

    model: object
    chi2: float
    df: int
    cfi: float
    rmsea: float
    srmr: float
    n: int
    name: str = ""
    problems: list[str] = field(default_factory=list)
    tli: float = float("nan")
    chi2_baseline: float = float("nan")
    df_baseline: int = 0

    @property
    def saturated(self) -> bool:
        """True for a just-identified model (df = 0): it reproduces the data exactly, so its
        fit cannot be tested."""
        return self.df == 0

    @property
    def p_value(self) -> float:
        """P(χ²(df) ≥ χ²), the exact-fit test (NaN for a saturated model)."""
        from scipy import stats

        return float(stats.chi2.sf(self.chi2, self.df)) if self.df > 0 else float("nan")

    @property
    def acceptable(self) -> bool | None:
        """Hu & Bentler (1999) cut-offs: CFI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08; None (no
        verdict) for an improper solution, whose indices describe nothing real, and for a
        saturated model, whose fit cannot be tested."""
        if not self.proper or self.saturated:
            return None
        return self.cfi >= 0.95 and self.rmsea <= 0.06 and self.srmr <= 0.08

    @property
    def proper(self) -> bool:
        """True when none of the checks for an improper solution fired."""
        return not self.problems

    def __str__(self) -> str:
        if self.saturated:
            indices = (f"n = {self.n:,}, χ² = {self.chi2:.1f} on 0 df: the model is saturated "
                       "(just identified), so its fit cannot be tested")
        else:
            indices = (f"n = {self.n:,}, χ² = {self.chi2:.1f} on {self.df} df, "
                       f"CFI = {self.cfi:.3f}, TLI = {self.tli:.3f}, RMSEA = {self.rmsea:.3f}, "
                       f"SRMR = {self.srmr:.3f}")
        if self.proper:
            return f"{indices}; proper solution"
        return (f"{indices}\nimproper solution: {'; '.join(self.problems)}; "
                "the SEM estimates are not interpretable")


def safe_name(name: str) -> str:
    """A variable name semopy's model syntax accepts."""
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def fit_model(frame: pd.DataFrame, blocks: dict[str, list[str]],
              paths: list[str] | list[tuple[str, str]] = ()) -> SEMFit:
    """Fit the measurement model of *blocks* and the structural *paths* (see module doc)."""
    import semopy

    from cxlib.errors import require_variation

    items = [c for cols in blocks.values() for c in cols]
    require_variation(frame[items].dropna(), items, what="the structural equation model")
    data = frame[items].dropna().astype(float)
    data.columns = [safe_name(c) for c in data.columns]
    var = {name: (safe_name(cols[0]) if len(cols) == 1 else f"F_{safe_name(name)}")
           for name, cols in blocks.items()}
    lines = [f"{var[name]} =~ " + " + ".join(safe_name(c) for c in cols)
             for name, cols in blocks.items() if len(cols) > 1]
    targets: dict[str, list[str]] = {}
    for a, b in parse_paths(list(paths)):
        targets.setdefault(b, []).append(a)
    lines += [f"{var[b]} ~ " + " + ".join(var[a] for a in sources)
              for b, sources in targets.items()]
    if not lines:
        raise NotEstimable("the model has neither a multi-item construct nor a path, so there "
                           "is nothing to estimate")
    model = semopy.Model("\n".join(lines))
    result = model.fit(data, options={"ftol": FTOL, "maxiter": 10000})
    model.cxlib_names = {v: k for k, v in var.items()}
    ind = fit_indices(model, data)
    fit = SEMFit(model, ind["chi2"], ind["df"], ind["cfi"], ind["rmsea"], ind["srmr"],
                 len(data), tli=ind["tli"], chi2_baseline=ind["chi2_baseline"],
                 df_baseline=ind["df_baseline"])
    fit.problems = improper(model, bool(result.success), str(result.message))
    return fit


def _sample_cov(model, data: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """The observed items in semopy's order and their covariance with divisor N."""
    observed = list(model.vars["observed"])
    return observed, np.cov(data[observed].to_numpy(float), rowvar=False, ddof=0)


def fit_indices(model, data: pd.DataFrame) -> dict[str, float]:
    """χ², df, the baseline χ²₀ and df₀, CFI, TLI, RMSEA and SRMR of a fitted semopy model
    on *data* (its complete rows), as lavaan's ML defaults give them (formulas in the module
    docstring)."""
    observed, s = _sample_cov(model, data)
    sigma = np.asarray(model.calc_sigma()[0], float)
    n, p = len(data), len(observed)
    exo = [i for i, v in enumerate(observed) if v in set(model.vars["exogenous"])]
    k = len(exo)
    logdet_s = np.linalg.slogdet(s)[1]
    f_ml = (np.linalg.slogdet(sigma)[1] - logdet_s + np.trace(s @ np.linalg.inv(sigma)) - p)
    chi2 = max(n * float(f_ml), 0.0)
    q = len(model.param_vals)
    df = p * (p + 1) // 2 - k * (k + 1) // 2 - q
    logdiag = np.log(np.diag(s))
    logdet_xx = np.linalg.slogdet(s[np.ix_(exo, exo)])[1] if k else 0.0
    chi2_0 = n * float(logdiag.sum() - logdiag[exo].sum() + logdet_xx - logdet_s)
    df_0 = p * (p - 1) // 2 - k * (k - 1) // 2
    t1, t2 = max(chi2 - df, 0.0), max(chi2 - df, chi2_0 - df_0, 0.0)
    cfi = 1.0 if np.isclose(t1, 0) and np.isclose(t2, 0) else 1 - t1 / t2
    tli_den = (chi2_0 - df_0) * df
    tli = 1 - (chi2 - df) * df_0 / tli_den if df > 0 and abs(tli_den) > 0 else 1.0
    rmsea = float(np.sqrt(max((chi2 - df) / (n * df), 0.0))) if df > 0 else 0.0
    return {"chi2": chi2, "df": int(df), "chi2_baseline": chi2_0, "df_baseline": int(df_0),
            "cfi": float(cfi), "tli": float(tli), "rmsea": rmsea,
            "srmr": srmr(model, data)}


def srmr(model, data: pd.DataFrame) -> float:
    """Standardised root mean square residual of a fitted semopy model (lavaan's ``srmr``
    without a mean structure: Bentler's, over the lower triangle with the diagonal)."""
    _, s = _sample_cov(model, data)
    sigma = model.calc_sigma()[0]
    d = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(d, d)
    low = np.tril_indices_from(resid)
    return float(np.sqrt(np.mean(resid[low] ** 2)))


def estimates(model) -> pd.DataFrame:
    """Every free parameter of a fitted semopy model with its standardised value and kind:
    ``loading`` (item on factor), ``path`` (between constructs), ``variance`` or
    ``covariance``; ``from``/``to`` are cxlib's construct names where there is one."""
    est = model.inspect(std_est=True)
    names = getattr(model, "cxlib_names", {})
    constructs = set(names)
    latent = set(model.vars["latent"])
    kind = np.select(
        [(est["op"] == "~") & est["rval"].isin(constructs) & est["lval"].isin(constructs),
         (est["op"] == "~") & est["rval"].isin(latent),
         (est["op"] == "~~") & (est["lval"] == est["rval"]), est["op"] == "~~"],
        ["path", "loading", "variance", "covariance"], "other")
    return pd.DataFrame({"kind": kind, "from": est["rval"].map(lambda v: names.get(v, v)),
                         "to": est["lval"].map(lambda v: names.get(v, v)),
                         "estimate": est["Estimate"].astype(float),
                         "standardised": est["Est. Std"].astype(float),
                         "SE": pd.to_numeric(est["Std. Err"], errors="coerce"),
                         "p": pd.to_numeric(est["p-value"], errors="coerce")})


def latent_covariance(model) -> pd.DataFrame:
    """Implied covariance of the latent variables, C Ψ Cᵀ with C = (I − B)⁻¹ (semopy's
    structural matrices over its inner variables)."""
    inner = list(model.vars["inner"])
    c = np.linalg.inv(np.eye(len(inner)) - model.mx_beta)
    cov = pd.DataFrame(c @ model.mx_psi @ c.T, index=inner, columns=inner)
    latent = [v for v in inner if v in model.vars["latent"]]
    return cov.loc[latent, latent]


def _not_positive_definite(matrix: np.ndarray) -> float | None:
    """The smallest eigenvalue when it is ≤ EIGEN_TOLERANCE × the largest, else None."""
    eig = np.linalg.eigvalsh(np.asarray(matrix, float))
    return float(eig[0]) if len(eig) and eig[0] <= EIGEN_TOLERANCE * abs(eig[-1]) else None


def improper(model, converged: bool = True, message: str = "") -> list[str]:
    """Reasons why a fitted semopy solution is improper (see the module docstring); an
    empty list for a proper one."""
    out = [f"the estimation did not converge ({message})"] if not converged else []
    est = estimates(model)
    for row in est[est["kind"] == "variance"].itertuples():
        if row.estimate < 0:
            out.append(f"the variance of {row.to} is negative ({row.estimate:.3g}): a Heywood "
                       "case")
        elif abs(row.standardised) < ZERO_VARIANCE:
            out.append(f"the variance of {row.to} is at its bound of zero: a Heywood case "
                       "(unconstrained, it would be negative)")
    words = {"loading": "standardised loading of {to} on {fr}",
             "path": "standardised path {fr} → {to}", "covariance": "correlation of {fr} and {to}"}
    beyond = est[est["kind"].isin(list(words)) & (est["standardised"].abs() > BEYOND_ONE)]
    for kind, source, target, value in beyond[["kind", "from", "to", "standardised"]].itertuples(
            index=False):
        if kind == "covariance":  # semopy's order of the pair varies from run to run
            source, target = sorted((source, target))
        what = words[kind].format(fr=source, to=target)
        out.append(f"the {what} is {value:.2f}, beyond ±1")
    sigma = _not_positive_definite(model.calc_sigma()[0])
    if sigma is not None:
        out.append("the implied covariance matrix of the items is not positive definite "
                   f"(smallest eigenvalue {sigma:.3g})")
    lat = latent_covariance(model)
    smallest = _not_positive_definite(lat.to_numpy())
    if smallest is not None:
        out.append("the implied covariance matrix of the latent variables is not positive "
                   f"definite (smallest eigenvalue {smallest:.3g})")
    return out


def structural_paths(fit: SEMFit) -> pd.DataFrame:
    """Standardised structural coefficients with standard errors and p-values (read them
    only when ``fit.proper``)."""
    rows = estimates(fit.model)
    rows = rows[rows["kind"] == "path"]
    return pd.DataFrame({"from": rows["from"], "to": rows["to"],
                         "standardised": rows["standardised"],
                         "SE (unstandardised)": rows["SE"],
                         "p": rows["p"]}).reset_index(drop=True)


def proper_paths(fit: SEMFit) -> pd.DataFrame | None:
    """:func:`structural_paths` of a proper fit, rounded to three decimals; None (nothing to
    show) for an improper one, whose coefficients describe nothing real."""
    return structural_paths(fit).round(3) if fit.proper else None


def loadings(fit: SEMFit) -> pd.DataFrame:
    """Standardised loadings of the items on their factors."""
    rows = estimates(fit.model)
    rows = rows[rows["kind"] == "loading"]
    return pd.DataFrame({"factor": rows["from"], "item": rows["to"],
                         "standardised": rows["standardised"]}).reset_index(drop=True)


def improper_caution(fit: SEMFit | None) -> str:
    """A caution for a claim whose model's covariance SEM is improper, in words ("" for a
    proper fit or none)."""
    if fit is None or fit.proper:
        return ""
    return (f"the covariance SEM of this model is improper ({len(fit.problems)} "
            f"problem{'s' if len(fit.problems) > 1 else ''}; first: {fit.problems[0]}): as "
            "latent variables its constructs cannot be told apart in these data, so the PLS "
            "paths are associations between composite scores, not confirmed by a second "
            "method")


def compare_with_pls(fit: SEMFit, source: str, target: str, pls_path=None) -> str:
    """What the covariance SEM of a model says about reading its PLS path *source* →
    *target* (*pls_path*: that path's :class:`~cxlib.stats.estimates.Estimate`, or None).

    An improper SEM gives no second estimate: its constructs, as latent variables, cannot be
    told apart in these data. The PLS path, a regression between weighted item composites
    (which always exist), still stands as its own figure, but it is not confirmed by a
    second method. A proper SEM's standardised path is set beside the PLS one, with whether
    the signs agree. A PLS path that could not be estimated is read as None."""
    if pls_path is not None and pls_path.ci_low is None:
        pls_path = None
    pls = (f"the PLS path {source} → {target} ({pls_path.value:.2f} "
           f"[{pls_path.ci_low:.2f}, {pls_path.ci_high:.2f}])" if pls_path is not None
           else f"the PLS path {source} → {target}")
    if not fit.proper:  # the problem of the compared path first, when it has one
        worst = sorted(fit.problems, key=lambda text: f"{source} → {target}" not in text)[0]
        return (f"The covariance SEM of the same model is improper ({len(fit.problems)} "
                f"problem{'s' if len(fit.problems) > 1 else ''}; first: {worst}). As latent "
                "variables, the constructs of this model cannot be told apart in these data, "
                f"so the SEM gives no second estimate of {source} → {target}. PLS is a "
                f"different estimator (regressions between weighted item composites, which "
                f"always exist), so {pls} stands as its own figure; read it as an association "
                "between composite scores of constructs this survey does not separate well, "
                "not confirmed by a second method.")
    rows = structural_paths(fit)
    row = rows[(rows["from"] == source) & (rows["to"] == target)]
    if row.empty:
        return f"The covariance SEM is proper but has no path {source} → {target} to compare."
    value = float(row["standardised"].iloc[0])
    fits = {True: "meets", False: "misses", None: "cannot be judged against"}[fit.acceptable]
    agree = ""
    if pls_path is not None:
        agree = (" The two methods agree in sign." if np.sign(value) == np.sign(pls_path.value)
                 else " The two methods disagree in sign: the conclusion hangs on the "
                      "estimation method.")
    return (f"The covariance SEM of the same model is proper: standardised path {source} → "
            f"{target} {value:.2f}, beside {pls}; its fit {fits} the cut-offs.{agree}")
