"""Design matrices from covariates the analyst chooses: numbers as they are, categories as
indicator columns against a reference level.

A categorical covariate with levels l₀, l₁, …, l_k enters a model as k indicators
1[x = lⱼ], j ≥ 1, so each coefficient compares level lⱼ with the reference l₀. The
reference comes from the mapping (``reference: {column: level}``) or, by default,
from the data: the most frequent level (ties: the first in sorted order), the level
whose comparisons are estimated most precisely. It is never a hard-coded label.
Indicator columns are named ``column[level]``. Rows with a missing covariate are
left out (the model's n says how many remain).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from cxlib.errors import NotEstimable, UserDataError, require_columns


@dataclass
class Design:
    """Covariates as model columns: ``matrix`` (rows with every covariate present),
    ``terms`` (model column → the covariate it comes from) and ``references``
    (categorical covariate → its reference level)."""

    matrix: pd.DataFrame
    terms: dict[str, str] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)


def is_categorical(values: pd.Series) -> bool:
    """Text, category or boolean columns are categorical; numbers are not."""
    return not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)


def reference_level(values: pd.Series, chosen: str | None = None) -> str:
    """The reference level of a categorical column: *chosen* when given (it must occur),
    else the most frequent level, ties broken by sorted order."""
    counts = values.dropna().astype(str).value_counts()
    if chosen is not None:
        if str(chosen) not in counts.index:
            raise UserDataError(f"the reference level '{chosen}' of '{values.name}' does not "
                                f"occur in the data; its levels are: "
                                f"{', '.join(sorted(counts.index))}. Change `reference:` in "
                                "the mapping file.")
        return str(chosen)
    top = counts[counts == counts.max()].index
    return sorted(top)[0]


def design_matrix(frame: pd.DataFrame, covariates: Sequence[str],
                  reference: Mapping[str, str] | None = None) -> Design:
    """The design matrix of *covariates* (module docstring). Raises
    :class:`~cxlib.errors.NotEstimable` for an absent or constant covariate."""
    reference = dict(reference or {})
    require_columns(frame, covariates, what="the model of " + ", ".join(map(str, covariates)))
    data = frame[list(covariates)].dropna()
    out = Design(pd.DataFrame(index=data.index))
    for col in covariates:
        values = data[col]
        if values.nunique() < 2:
            shown = f" (every value is {values.iloc[0]})" if len(values) else " (no values)"
            raise NotEstimable(f"{col} does not vary{shown}, so its effect cannot be estimated")
        if not is_categorical(values):
            out.matrix[col] = values.astype(float)
            out.terms[col] = col
            continue
        text = values.astype(str)
        ref = reference_level(text, reference.get(col))
        out.references[col] = ref
        for level in sorted(set(text) - {ref}):
            name = f"{col}[{level}]"
            out.matrix[name] = (text == level).astype(float)
            out.terms[name] = col
    return out


def frequency_rows(frame: pd.DataFrame, weights: str | None) -> pd.DataFrame:
    """*frame* with each row repeated as often as its frequency weight in column *weights*
    (a tabulated survey: one row per cell and the number of respondents in it), so that
    every model, standard error and n counts respondents; *frame* itself when *weights* is
    ``None``. Weights must be whole numbers ≥ 0 (a row of weight 0 drops out); a row with
    no weight is refused, not guessed."""
    if weights is None:
        return frame
    require_columns(frame, [weights], what="frequency weights")
    w = pd.to_numeric(frame[weights], errors="coerce")
    bad = w.isna() | (w < 0) | (w % 1 != 0)
    if bad.any():
        rows = ", ".join(map(str, frame.index[bad][:5]))
        raise UserDataError(f"the frequency weights in '{weights}' must be whole numbers ≥ 0 "
                            f"(how many respondents a row stands for); rows {rows} are not. "
                            "Survey weights that are not counts need a design-based model.")
    return frame.loc[frame.index.repeat(w.astype(int))].reset_index(drop=True)


def predictors(frame: pd.DataFrame, columns: Sequence[str], covariates: Sequence[str] = (),
               reference: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, Design]:
    """The model columns of numeric *columns* (as they are) and *covariates* (numbers as
    they are, categories as indicators against their reference, :func:`design_matrix`),
    on the rows where every one of them is present."""
    cols = list(dict.fromkeys(columns))
    extra = [c for c in covariates if c not in cols]
    data = frame[cols].dropna()
    if not extra:
        return data.astype(float), Design(data.astype(float), {c: c for c in cols})
    design = design_matrix(frame.loc[data.index], extra, reference)
    x = data.loc[design.matrix.index].astype(float).join(design.matrix)
    return x, Design(x, {**{c: c for c in cols}, **design.terms}, design.references)


def adjusted_for(design: Design, columns: Sequence[str]) -> str:
    """Words for a method text: ", adjusted for a, b (reference: level)" or ""."""
    others = list(dict.fromkeys(t for t in design.terms.values() if t not in columns))
    if not others:
        return ""
    refs = [f"{c} = {design.references[c]}" for c in others if c in design.references]
    return (f", adjusted for {', '.join(others)}"
            + (f" (reference {', '.join(refs)})" if refs else ""))
