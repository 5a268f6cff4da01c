"""Turning cells into values: numbers as people write them, yes/no in many languages,
dates, and labels recoded to numbers.

**Numbers.** Digit groups may be separated by a space, a no-break space or an
apostrophe (``1 234``, ``1'234``). Whether a comma or a point marks the decimals is
decided per column from the values that can only be read one way: ``12,5``,
``0,25``, ``1.234,5`` or ``1.234.567`` say "decimal comma"; ``12.5``, ``1,234.5`` or
``1,234,567`` say "decimal point". A value such as ``1.234`` or ``1,234`` could be
either (one thousand two hundred and thirty-four, or one point two three four): it
follows the column's convention, and in a column of such values only, the file's:
decimal comma in semicolon-separated files, decimal point otherwise; the load report
says how they were read. A value written in the other convention than the rest of
its column is invalid (its row is named).

**Labels.** ``recode: {col: {order: [Low, Medium, High]}}`` gives codes 1, 2, 3;
``{levels: {Yes: 1, No: 0}}`` gives the codes written. Labels are matched after
trimming spaces, without regard to case; a value that is neither a label nor a
missing code is invalid.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.data.schemas import Field

TRUE = {"1", "yes", "y", "true", "t", "ja", "kyllä", "k", "כן", "是", "x"}
FALSE = {"0", "no", "n", "false", "f", "nein", "ei", "e", "לא", "否"}
NUMERIC = ("integer", "number", "rating", "binary")

_GROUP_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f'’](?=\d{3}(?!\d))")
_SIGN = r"^[+-]?"
_AMBIGUOUS = re.compile(_SIGN + r"[1-9]\d{0,2}[.,]\d{3}$")
_DECIMAL = {  # decimal mark: (a plain decimal, a number with digit groups)
    ",": (re.compile(_SIGN + r"\d*,\d+$"), re.compile(_SIGN + r"\d{1,3}(\.\d{3})+(,\d+)?$")),
    ".": (re.compile(_SIGN + r"\d*\.\d+$"), re.compile(_SIGN + r"\d{1,3}(,\d{3})+(\.\d+)?$")),
}


def _number(cell: str, decimal: str) -> float:
    """One cleaned cell read with *decimal* as the decimal mark (NaN if not a number)."""
    group = "." if decimal == "," else ","
    if _DECIMAL[decimal][1].match(cell):
        cell = cell.replace(group, "")
    if decimal == ",":
        cell = cell.replace(",", ".")
    if "_" in cell:
        return math.nan
    try:
        value = float(cell)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


@dataclass
class Converted:
    """A column converted to its type: the values, the cells that did not convert and what
    is wrong with them (with a hint on the fix), and a note on how ambiguous cells were read."""

    values: pd.Series
    bad: pd.Series
    what: str = ""
    hint: str = ""
    note: str = ""


def to_number(text: pd.Series, delimiter: str | None) -> Converted:
    """Numbers from text cells (module docstring). Each distinct cell is read once."""
    present = text.notna()
    counts = text[present].astype(str).value_counts()
    cleaned = {u: _GROUP_SPACE.sub("", u.strip()) for u in counts.index}
    ambiguous = {u for u, t in cleaned.items() if _AMBIGUOUS.match(t)}
    evidence = {mark: {u for u, t in cleaned.items()
                       if u not in ambiguous and any(p.match(t) for p in patterns)}
                for mark, patterns in _DECIMAL.items()}
    weight = {mark: int(counts[list(cells)].sum()) for mark, cells in evidence.items()}
    decimal = "," if weight[","] > weight["."] or (not weight["."] and delimiter == ";") else "."
    mark, other = ("comma", evidence["."]) if decimal == "," else ("point", evidence[","])
    parsed = {u: math.nan if u in other else _number(t, decimal) for u, t in cleaned.items()}
    num = text.astype(str).map(parsed).where(present).astype("float64")
    out = Converted(num, present & num.isna(), "values that are not numbers")
    if other:
        k = int(counts[list(other)].sum())
        out.hint = (f"{k:,} of them {'uses' if k == 1 else 'use'} a decimal "
                    f"{'point' if decimal == ',' else 'comma'} where the rest of the column "
                    f"uses a decimal {mark}: write every value the same way.")
    if ambiguous:
        first = next(u for u in text[present].astype(str) if u in ambiguous)
        why = ("as in the rest of the column" if weight[","] or weight["."] else
               "as usual in semicolon-separated files" if decimal == "," else
               "as usual outside semicolon-separated files")
        out.note = (f"values such as {first.strip()!r} were read as {parsed[first]:g} "
                    f"(decimal {mark}, {why})")
    return out


TEXT = "string[pyarrow]"
"""Text for cleaning: Arrow's C++ string kernels strip, compare and encode ten million cells
in well under a second, where Python strings take seconds per operation."""


def on_distinct(s: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``fn(s)`` computed once per distinct value of *s* and spread back to its rows (a
    missing cell stays missing). A log of ten million rows holds a few thousand dates:
    parsing them per distinct value is that much less work."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    done = fn(pd.Series(uniques))
    return pd.Series(done.array.take(codes, allow_fill=True), index=s.index, name=s.name)


def stripped(s: pd.Series) -> pd.Series:
    """The cells of *s* as Arrow text without surrounding spaces (missing stays missing).
    Validated frames keep text this way: a tenth of the memory of Python strings, and
    DuckDB reads it without conversion."""
    return s.astype(TEXT).str.strip()


def convert(s: pd.Series, spec: Field, delimiter: str | None) -> Converted:
    """Convert one column to the type of its field (see the module docstring)."""
    none = pd.Series(False, index=s.index)
    if spec.type in NUMERIC and pd.api.types.is_numeric_dtype(s) and spec.type != "binary":
        num = s.astype("float64")
        frac = num.notna() & (num != np.floor(num)) if spec.type == "integer" else none
        return Converted(num, frac, "values that are not whole numbers")
    if spec.type == "covariate":
        if pd.api.types.is_numeric_dtype(s):
            return Converted(s.astype("float64"), none)
        num = to_number(s, None)
        if not num.bad.any() and num.values.notna().any():
            return Converted(num.values, none, note=num.note)
        return Converted(stripped(s), none)
    if spec.type in NUMERIC:
        return _numeric(s, spec, delimiter)
    if spec.type in ("date", "datetime"):
        if pd.api.types.is_datetime64_any_dtype(s):
            return Converted(s.dt.tz_convert(None) if s.dt.tz is not None else s, none)
        parsed = on_distinct(stripped(s), lambda u: pd.to_datetime(u, errors="coerce",
                                                                   format="ISO8601"))
        return Converted(parsed, s.notna() & parsed.isna(),
                         "values that are not dates (write them as YYYY-MM-DD)")
    text = stripped(s)
    return Converted(text.str.lower() if spec.categories else text, none)


def _numeric(s: pd.Series, spec: Field, delimiter: str | None) -> Converted:
    text = stripped(s)
    if spec.type == "binary":
        low = text.str.lower()
        text = low.mask(low.isin(TRUE), "1").mask(low.isin(FALSE), "0")
    out = to_number(text, delimiter)
    if spec.type == "binary":
        out.what = "values that are not yes/no or 1/0"
    elif not out.hint:
        out.hint = label_hint(s[out.bad].rename(spec.name))
    if spec.type in ("integer", "binary"):
        frac = out.values.notna() & (out.values != np.floor(out.values))
        if frac.any() and not out.bad.any():
            out.what, out.bad = "values that are not whole numbers", frac
        else:
            out.bad = out.bad | frac
    return out


def label_hint(values: pd.Series) -> str:
    """For a numeric column holding words: how to declare them as an ordered scale."""
    words = [str(v).strip() for v in pd.unique(values.dropna()) if re.search(r"[^\W\d_]", str(v))]
    if not words:
        return ""
    shown = ", ".join(words[:5]) + (", …" if len(words) > 5 else "")
    return (f"If these are the labels of a scale ({shown}), give them numbers in the mapping "
            f"file: recode: {{{values.name}: {{order: [lowest, …, highest]}}}}.")


def recode(s: pd.Series, labels: dict) -> tuple[pd.Series, pd.Series]:
    """Replace labels by their codes (module docstring); returns (recoded, cells that are
    not a declared label)."""
    lookup = {str(k).strip().casefold(): v for k, v in labels.items()}

    def key(v) -> str:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip().casefold()

    keys = s.map(lambda v: None if pd.isna(v) else key(v))
    known = keys.isin(lookup)
    out = keys.map(lambda k: lookup.get(k)).astype(object).where(known, None)
    return out, keys.notna() & ~known
