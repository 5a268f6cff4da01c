"""Covariance-based structural equation models (semopy), beside PLS.

A model is given the same way as for :mod:`cxlib.stats.pls`: *blocks* (construct → items)
and *paths* ("A -> B"). Constructs with two or more items become latent factors
(``F =~ item1 + item2 …``); a single-item construct enters as its observed item.
The fit is maximum likelihood on complete rows; coefficients are reported
standardised, with fit indices (χ², df, CFI, RMSEA, and SRMR computed from the
standardised residual covariances).

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

    @property
    def acceptable(self) -> bool:
        """Hu & Bentler (1999) cut-offs: CFI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08."""
        return self.cfi >= 0.95 and self.rmsea <= 0.06 and self.srmr <= 0.08

    @property
    def proper(self) -> bool:
        """True when none of the checks for an improper solution fired."""
        return not self.problems

    def __str__(self) -> str:
        indices = (f"n = {self.n:,}, χ² = {self.chi2:.1f} on {self.df} df, CFI = {self.cfi:.3f}, "
                   f"RMSEA = {self.rmsea:.3f}, SRMR = {self.srmr:.3f}")
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
    result = model.fit(data)
    model.cxlib_names = {v: k for k, v in var.items()}
    stats = semopy.calc_stats(model).T.iloc[:, 0]
    fit = SEMFit(model, float(stats["chi2"]), int(stats["DoF"]), float(stats["CFI"]),
                 float(stats["RMSEA"]), srmr(model, data), len(data))
    fit.problems = improper(model, bool(result.success), str(result.message))
    return fit


def srmr(model, data: pd.DataFrame) -> float:
    """Standardised root mean square residual of a fitted semopy model."""
    observed = model.vars["observed"]
    s = np.cov(data[observed].to_numpy(), rowvar=False, ddof=0)
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


def loadings(fit: SEMFit) -> pd.DataFrame:
    """Standardised loadings of the items on their factors."""
    rows = estimates(fit.model)
    rows = rows[rows["kind"] == "loading"]
    return pd.DataFrame({"factor": rows["from"], "item": rows["to"],
                         "standardised": rows["standardised"]}).reset_index(drop=True)
