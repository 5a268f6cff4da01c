"""How numbers, tables and text look in a notebook: escaped, rounded, never a raw repr.

``md_escape(text)`` makes text safe to put into Markdown that cxlib emits (claim cards,
decision rules, verdicts): text that comes from data (file names, labels) or from the
claim registry must never become markup, and a ``$`` must stay a dollar sign (Jupyter
renders ``$…$`` pairs as maths). ``p_value(p)`` writes a p-value as people read it
("p = 0.032", "p < 0.001", never "p = 0"). ``tidy(frame)`` rounds a table for display
and drops rows that are all missing.
"""

from __future__ import annotations

import math

import pandas as pd

_MARKDOWN = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "&#92;", "$": "\\$", "*": "\\*",
             "_": "\\_", "`": "\\`"}


def md_escape(text: object) -> str:
    """*text* as literal Markdown: HTML characters become entities, Markdown and maths
    delimiters (``$ * _ `` `` ` ``) are backslash-escaped, a backslash becomes ``&#92;`` (so
    that ``\\(`` cannot open maths)."""
    return "".join(_MARKDOWN.get(ch, ch) for ch in str(text))


def p_value(p: float | None, *, digits: int = 3) -> str:
    """A p-value in words: ``p = 0.032``; below 10^-digits ``p < 0.001``; ``p = –`` when
    missing."""
    if p is None or not math.isfinite(float(p)):
        return "p = –"
    floor = 10.0 ** -digits
    if p < floor:
        return f"p < {floor:.{digits}f}"
    return f"p = {p:.{digits}f}"


def tidy(frame: pd.DataFrame | pd.Series, digits: int = 3) -> pd.DataFrame:
    """A table for display: a Series becomes a one-column frame, float columns are rounded
    to *digits* decimals and rows where every value is missing are dropped."""
    table = frame.to_frame() if isinstance(frame, pd.Series) else frame.copy()
    table = table.dropna(how="all")
    floats = table.select_dtypes("float").columns
    table[floats] = table[floats].round(digits)
    return table
