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


def describe_figure(fig) -> str:
    """A figure in words, for its alt text and its plain-text form: the title and axis labels
    of every panel ("Cohort retention — x: months since acquisition; y: acquisition cohort")."""
    parts = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        parts.append(suptitle.get_text())
    for ax in fig.get_axes():
        if not ax.get_visible() or ax.get_label() == "<colorbar>":
            continue
        title = " ".join(t for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right"))
                         if t)
        labels = [f"{axis}: {label}" for axis, label in (("x", ax.get_xlabel()),
                                                          ("y", ax.get_ylabel())) if label]
        parts.append(" — ".join(p for p in (title, "; ".join(labels)) if p))
    parts = [p for p in parts if p]
    return "Figure: " + (" | ".join(parts) if parts else "a chart without title or labels")


def install() -> None:
    """How notebooks show things, set once when a session starts (``cx.start``): tables with
    three decimals and uncut text; a figure's plain-text form (and so the alt text of its
    image in pages and decks) is :func:`describe_figure`; a plotting call's returned Axes or
    Text is not echoed as ``<Axes: …>``; a Series shows as a rounded table (no ``dtype:``
    or ``Name:`` lines)."""
    pd.set_option("display.precision", 3)
    pd.set_option("display.max_colwidth", None)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return
    shell = get_ipython()
    if shell is None:
        return
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    formatters = shell.display_formatter.formatters
    formatters["text/plain"].for_type(Figure, lambda fig, p, cycle: p.text(describe_figure(fig)))
    for quiet in (Axes, Text):
        shell.display_formatter.ipython_display_formatter.for_type(quiet, lambda obj: None)
    formatters["text/html"].for_type(pd.Series, lambda s: tidy(s).to_html())
