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
import re

import pandas as pd

MD_DOLLAR = "\\\\$"
"""A literal dollar sign in Markdown that JupyterLab shows as "$": JupyterLab typesets maths
in the rendered page, where Markdown's ``\\$`` has already become a bare ``$`` (so
"winning back \\$1 … \\$10" still turned into maths); ``\\\\$`` leaves ``\\$`` in the page,
which MathJax shows as "$". Pages and decks, which load no MathJax, get ``\\$`` back
(:func:`cxlib.teaching.presentable`)."""

_MARKDOWN = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "&#92;", "$": MD_DOLLAR, "*": "\\*",
             "_": "\\_", "`": "\\`"}


def md_escape(text: object) -> str:
    """*text* as literal Markdown: HTML characters become entities, Markdown delimiters
    (``* _`` `` ` ``) are backslash-escaped, ``$`` becomes :data:`MD_DOLLAR` and a backslash
    ``&#92;`` (so that ``\\(`` cannot open maths)."""
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
    formatters["text/html"].for_type(pd.DataFrame, frame_html)
    formatters["text/html"].for_type(pd.Series, lambda s: frame_html(tidy(s)))
    formatters["text/html"].for_type(dict, lambda d: frame_html(dict_table(d)))


def frame_html(frame: pd.DataFrame) -> str:
    """A table as a notebook shows it: pandas' notebook HTML with a missing value written
    "–" (not NaN) and ``$`` written for JupyterLab (:func:`html_dollars`)."""
    opt = pd.get_option
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


_PROBLEMS = {
    "a raw repr": re.compile(r"\b(?:ResultRecord|Estimate|Verdict|Judged|Rule|Dataset)\(|"
                             r"<(?:Axes|Figure|matplotlib|lifelines)[^>]*>|object at 0x"),
    "a pandas footer (dtype:/Name:)": re.compile(r"^(?:dtype: \w+|Name: \w+.*dtype: \w+)$",
                                                 re.M),
    "a dict printed raw": re.compile(r"^\{'[^']+': "),
    "a warning": re.compile(r"\b\w*Warning\b|warnings\.warn"),
    "NaN": re.compile(r"(?<![\w.])(?:NaN|nan)(?![\w])"),
    "p printed as 0": re.compile(r"\bp\s*=\s*0(?:\.0+)?(?![.\d])"),
}


def _shown(output) -> str:
    """The text a reader sees of one output (its richest text form; images are skipped)."""
    if output.get("output_type") == "stream":
        return "".join(output.get("text", ""))
    data = output.get("data", {})
    if "image/png" in data or "image/svg+xml" in data:
        return ""
    for mime in ("text/html", "text/markdown", "text/plain"):
        if mime in data:
            text = "".join(data[mime])
            return re.sub(r"<style.*?</style>", "", text, flags=re.S) if mime == "text/html" \
                else text
    return ""


def output_problems(nb) -> list[str]:
    """What a reader should not see in an executed notebook's outputs: stderr boxes, raw
    reprs, pandas footers, raw dicts, warnings, NaN and "p = 0". One line per problem, naming
    the cell (its id) and quoting the offending text."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            where = f"cell {cell.get('id', '?')}"
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = "".join(output.get("text", "")).strip().splitlines() or [""]
                found.append(f"{where}: stderr: {text[-1][:80]}")
                continue
            if output.get("output_type") == "error":
                found.append(f"{where}: error: {output.get('ename')}")
                continue
            shown = _shown(output)
            for what, pattern in _PROBLEMS.items():
                hit = pattern.search(shown)
                if hit:
                    start = max(0, hit.start() - 30)
                    quote = " ".join(shown[start:hit.end() + 30].split())
                    found.append(f"{where}: {what}: …{quote}…")
    return found
