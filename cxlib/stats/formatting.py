"""How numbers, tables and text look in a notebook: escaped, rounded, never a raw repr.

``md_escape(text)`` makes text safe to put into Markdown that cxlib emits (claim cards,
decision rules, verdicts): text that comes from data (file names, labels) or from the
claim registry must never become markup, and a ``$`` must stay a dollar sign (Jupyter
renders ``$…$`` pairs as maths). ``p_value(p)`` writes a p-value as people read it
("p = 0.032", "p < 0.001", never "p = 0"); in tables ``p_cell`` writes "<0.001".
``tidy(frame)`` rounds a table for display
and drops rows that are all missing. ``fmt(x)`` writes one number as people read it.
:class:`Summary` is how every typed result (:class:`cxlib.stats.estimates.Result`) shows
itself, as text, HTML or Markdown from the same parts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import pandas as pd

MD_DOLLAR = "\\\\$"
"""A literal dollar sign in Markdown that JupyterLab shows as "$": JupyterLab typesets maths
in the rendered page, where Markdown's ``\\$`` has already become a bare ``$`` (so
"winning back \\$1 … \\$10" still turned into maths); ``\\\\$`` leaves ``\\$`` in the page,
which MathJax shows as "$". Pages and decks, which load no MathJax, get ``\\$`` back
(:func:`cxlib.app.teaching.presentable`)."""

_MARKDOWN = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "&#92;", "$": MD_DOLLAR, "*": "\\*",
             "_": "\\_", "`": "\\`"}


def md_escape(text: object) -> str:
    """*text* as literal Markdown: HTML characters become entities, Markdown delimiters
    (``* _`` `` ` ``) are backslash-escaped, ``$`` becomes :data:`MD_DOLLAR` and a backslash
    ``&#92;`` (so that ``\\(`` cannot open maths)."""
    return "".join(_MARKDOWN.get(ch, ch) for ch in str(text))


ROLE_KEY = "cxlib-role"
"""The key, in a displayed output's metadata, of the part of a lesson the output is
(:class:`Shown`)."""


class Shown:
    """Markdown a notebook shows, with its part of the lesson (``rules``, ``verdict``,
    ``claim``, ``caption``, ``caution``) written into the output's metadata under
    :data:`ROLE_KEY`: the decks lay a block out by that role instead of reading it back from
    the words. Its plain text is *plain*, or the Markdown itself."""

    def __init__(self, markdown: str, role: str, plain: str | None = None) -> None:
        self.markdown, self.role, self.plain = markdown, role, plain

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        return ({"text/markdown": self.markdown, "text/plain": self.plain or self.markdown},
                {ROLE_KEY: self.role})

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.plain or self.markdown

    __repr__ = __str__


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
    if isinstance(frame, pd.Series):  # an unnamed Series is headed "value", not "0"
        table = frame.to_frame(name="value" if frame.name is None else frame.name)
    else:
        table = frame.copy()
    table = table.dropna(how="all")
    floats = table.select_dtypes("float").columns
    table[floats] = table[floats].round(digits)
    return table


P_COLUMNS = ("p", "p-value", "p value", "p_value", "pvalue", "p>|z|", "p>|t|", "pr(>|t|)")
"""Column names read as p-values (also any name starting "p (", as "p (step)")."""


def is_p_column(name: object) -> bool:
    """Whether a table column holds p-values, by its name (:data:`P_COLUMNS`)."""
    text = str(name).strip().lower()
    return text in P_COLUMNS or text.startswith("p (")


def p_cell(p: object, digits: int = 3) -> object:
    """One p-value in a table: "<0.001" below 10^-digits, else rounded to *digits*
    decimals as text; missing stays missing (shown "–")."""
    if p is None or isinstance(p, str) or not math.isfinite(float(p)):
        return p
    floor = 10.0 ** -digits
    return f"<{floor:.{digits}f}" if p < floor else f"{p:.{digits}f}"


def frame_html(frame: pd.DataFrame) -> str:
    """A table as a notebook shows it: pandas' notebook HTML with a missing value written
    "–" (not NaN), p-value columns (:func:`is_p_column`) written as :func:`p_cell` ("<0.001",
    never "0.0") and ``$`` written for JupyterLab (:func:`html_dollars`)."""
    opt = pd.get_option
    pcols = [c for c in frame.columns if is_p_column(c)
             and pd.api.types.is_numeric_dtype(frame[c])]
    if pcols:
        frame = frame.copy()
        for c in pcols:
            frame[c] = frame[c].astype(object).map(p_cell)
    return html_dollars(frame.to_html(
        notebook=True, na_rep="–", max_rows=opt("display.max_rows"),
        max_cols=opt("display.max_columns"),
        show_dimensions=opt("display.show_dimensions") is True))


def html_dollars(html: str) -> str:
    """A table's HTML with every ``$`` written ``\\$``, which JupyterLab's MathJax shows as a
    dollar sign instead of reading "$1 costs $10" as maths."""
    return html.replace("$", "\\$")


def dict_table(mapping: dict) -> pd.DataFrame:
    """A dict left as a cell's last value, as a one-column table (numbers rounded)."""
    values = [round(v, 3) if isinstance(v, float) else v for v in mapping.values()]
    return pd.DataFrame({"value": pd.Series(values, dtype=object)}).set_axis(
        [str(k) for k in mapping])


def fmt(x: float | None) -> str:
    """A number as people read it: thousands separated, two or three significant digits."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–" if x is None or math.isnan(x) else ("∞" if x > 0 else "−∞")
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if 0 < ax < 0.01 else f"{x:.2f}"


@dataclass(frozen=True)
class Summary:
    """What a typed result shows (:meth:`cxlib.stats.estimates.Result.summary`): a title,
    the table (rounded to *digits* decimals by :func:`tidy`, or each number written by
    :func:`fmt` when *digits* is None), a caption (n, method, named facts), then the
    warnings and the notes. :meth:`text`, :meth:`html` and :meth:`markdown` write the same
    parts; text that comes from data is escaped in HTML and Markdown."""

    title: str
    table: pd.DataFrame
    caption: str
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    digits: int | None = 3

    def shown(self) -> pd.DataFrame:
        """The table as displayed: rounded, empty rows dropped."""
        if self.digits is not None:
            return tidy(self.table, self.digits)
        table = self.table.dropna(how="all").copy()
        for col in table.select_dtypes("number").columns:
            table[col] = table[col].map(fmt)
        return table

    def _written(self) -> pd.DataFrame:
        """:meth:`shown` with p-values written as people read them ("<0.001", never 0):
        the text and Markdown forms (HTML does the same in :func:`frame_html`)."""
        shown = self.shown()
        for col in [c for c in shown.columns if is_p_column(c)]:
            shown[col] = shown[col].astype(object).map(p_cell)
        return shown

    def _lines(self) -> list[tuple[str, str]]:
        return ([("Caution", w) for w in self.warnings] + [("Note", n) for n in self.notes])

    def text(self) -> str:
        head = f"{self.title}\n" if self.title else ""
        body = self._written().to_string(na_rep="–") if len(self.table.columns) else ""
        extra = "".join(f"\n{kind}: {line}" for kind, line in self._lines())
        return f"{head}{body}\n({self.caption}){extra}"

    def html(self) -> str:
        def text(x: object) -> str:
            return html_dollars(escape(str(x)))

        title = f"<p><b>{text(self.title)}</b></p>" if self.title else ""
        body = frame_html(self.shown()) if len(self.table.columns) else ""
        extra = "".join(f"<br><b>{kind}:</b> {text(line)}" for kind, line in self._lines())
        return f"{title}{body}<p><small>{text(self.caption)}</small>{extra}</p>"

    def markdown(self) -> str:
        title = f"**{md_escape(self.title)}**\n\n" if self.title else ""
        body = (markdown_table(self._written()) + "\n\n") if len(self.table.columns) else ""
        extra = "".join(f"\n\n*{kind}*: {md_escape(line)}" for kind, line in self._lines())
        return f"{title}{body}*{md_escape(self.caption)}*{extra}"


def markdown_table(frame: pd.DataFrame) -> str:
    """*frame* as a Markdown table, index first, every cell escaped (:func:`md_escape`),
    a missing value written "–"."""
    def cell(x: object) -> str:
        return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else md_escape(x)

    head = [str(frame.index.name or ""), *map(str, frame.columns)]
    rows = ["| " + " | ".join(md_escape(h) for h in head) + " |",
            "|" + "---|" * len(head)]
    rows += ["| " + " | ".join([cell(i), *(cell(v) for v in row)]) + " |"
             for i, row in zip(frame.index, frame.itertuples(index=False), strict=True)]
    return "\n".join(rows)
