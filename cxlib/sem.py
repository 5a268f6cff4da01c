"""Covariance-based structural equation models (semopy), beside PLS.

A model is given the same way as for :mod:`cxlib.pls`: *blocks* (construct → items)
and *paths* ("A -> B"). Constructs with two or more items become latent factors
(``F =~ item1 + item2 …``); a single-item construct enters as its observed item.
The fit is maximum likelihood on complete rows; coefficients are reported
standardised, with fit indices (χ², df, CFI, RMSEA, and SRMR computed from the
standardised residual covariances).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .pls import parse_paths


@dataclass
class SEMFit:
    """A fitted semopy model with its fit indices."""

    model: object
    chi2: float
    df: int
    cfi: float
    rmsea: float
    srmr: float
    n: int
    name: str = ""

    @property
    def acceptable(self) -> bool:
        """Hu & Bentler (1999) cut-offs: CFI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08."""
        return self.cfi >= 0.95 and self.rmsea <= 0.06 and self.srmr <= 0.08


def safe_name(name: str) -> str:
    """A variable name semopy's model syntax accepts."""
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def fit_model(frame: pd.DataFrame, blocks: dict[str, list[str]],
              paths: list[str] | list[tuple[str, str]] = ()) -> SEMFit:
    """Fit the measurement model of *blocks* and the structural *paths* (see module doc)."""
    import semopy

    from .errors import require_variation

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
    model = semopy.Model("\n".join(lines))
    model.fit(data)
    model.cxlib_names = {v: k for k, v in var.items()}
    stats = semopy.calc_stats(model).T.iloc[:, 0]
    return SEMFit(model, float(stats["chi2"]), int(stats["DoF"]), float(stats["CFI"]),
                  float(stats["RMSEA"]), srmr(model, data), len(data))


def srmr(model, data: pd.DataFrame) -> float:
    """Standardised root mean square residual of a fitted semopy model."""
    observed = model.vars["observed"]
    s = np.cov(data[observed].to_numpy(), rowvar=False, ddof=0)
    sigma = model.calc_sigma()[0]
    d = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(d, d)
    low = np.tril_indices_from(resid)
    return float(np.sqrt(np.mean(resid[low] ** 2)))


def structural_paths(fit: SEMFit) -> pd.DataFrame:
    """Standardised structural coefficients with standard errors and p-values."""
    est = fit.model.inspect(std_est=True)
    names = fit.model.cxlib_names
    latent_or_single = set(names)
    rows = est[(est["op"] == "~") & est["rval"].isin(latent_or_single)
               & est["lval"].isin(latent_or_single)]
    table = pd.DataFrame({"from": rows["rval"].map(names), "to": rows["lval"].map(names),
                          "standardised": rows["Est. Std"].astype(float),
                          "SE (unstandardised)": pd.to_numeric(rows["Std. Err"], errors="coerce"),
                          "p": pd.to_numeric(rows["p-value"], errors="coerce")})
    return table.reset_index(drop=True)
