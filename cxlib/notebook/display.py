"""How a notebook shows things: figures described in words, tables rounded, no raw reprs.

``install()`` is called once when a session starts (``cx.start``); ``describe_figure(fig)``
is a figure's plain-text form and the alt text of its image in pages and decks; ``say(text)``
shows a computed sentence as text rather than print output.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from cxlib.stats.formatting import dict_table, frame_html, tidy


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


TEXT_PX = "cxlib_text_px"
"""Metadata key of a figure's PNG output: the size of its smallest text in image pixels
(:func:`text_px`), which the decks use to keep figure text legible when they scale figures."""


def text_px(fig) -> float | None:
    """The size in image pixels of the smallest text drawn in *fig* (tick labels, legends,
    annotations, titles): its font size in points × the figure's dots per inch / 72.
    ``None`` when the figure shows no text."""
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    sizes = [t.get_fontsize() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip()
             and t.get_window_extent(renderer).overlaps(fig.bbox)]
    return round(min(sizes) * fig.dpi / 72, 2) if sizes else None


def _with_text_size(png):
    """A PNG formatter for figures that also returns, as the output's metadata, the size of
    the figure's smallest text (:data:`TEXT_PX`)."""
    def formatter(fig):
        data = png(fig)
        try:
            size = text_px(fig)
        except Exception:  # a figure that cannot be measured is still shown
            size = None
        return (data, {TEXT_PX: size}) if data is not None and size else data

    formatter.cxlib_text_px = True
    return formatter


def say(*parts: object, sep: str = " ") -> None:
    """Show a sentence computed in a cell as text (Markdown, set in the text font and wrapped
    between words on pages and slides) instead of printed output, where the call stands.
    Like ``print``, it joins *parts* with *sep*; the text is taken literally
    (:func:`cxlib.stats.formatting.md_escape`)::

        cx.say(f"log-rank p = {p:.3g}")

    Its plain-text form is the sentence itself (what a terminal, a text export and a search
    of the executed notebook see), not the name of a Markdown object."""
    from IPython.display import display

    from cxlib.stats.formatting import Shown, md_escape

    text = sep.join(str(p) for p in parts)
    display(Shown(md_escape(text), "prose", text))


def show(*objects: object) -> None:
    """Display each of *objects* that is not None: an analysis that has nothing to show for
    these data (an improper model's coefficients, the planted values on other data than the
    sample) returns None, and a cell shows nothing for it."""
    from IPython.display import display

    for obj in objects:
        if obj is not None:
            display(obj)


def say_each(sentences: Iterable[object]) -> None:
    """:func:`say` each of *sentences*, one paragraph each."""
    for sentence in sentences:
        say(sentence)


def install() -> None:
    """How notebooks show things, set once when a session starts (``cx.start``): tables with
    three decimals and uncut text; a figure's plain-text form (and so the alt text of its
    image in pages and decks) is :func:`describe_figure`, and its PNG carries the size of its
    smallest text (:data:`TEXT_PX`); a plotting call's returned Axes or
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
    import matplotlib
    import matplotlib.pyplot as plt

    # Load the backend now: the inline backend, when first loaded, clears every formatter's
    # entry for Figure (IPython's select_figure_formats), which otherwise removed the
    # description below at the first figure (alt text "<Figure size 800x450 with 1 Axes>").
    plt.switch_backend(matplotlib.get_backend())
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    formatters = shell.display_formatter.formatters
    formatters["text/plain"].for_type(Figure, lambda fig, p, cycle: p.text(describe_figure(fig)))
    png = formatters["image/png"].lookup_by_type(Figure) \
        if Figure in formatters["image/png"].type_printers else None
    if png is not None and not getattr(png, "cxlib_text_px", False):
        formatters["image/png"].for_type(Figure, _with_text_size(png))
    for quiet in (Axes, Text):
        shell.display_formatter.ipython_display_formatter.for_type(quiet, lambda obj: None)
    formatters["text/html"].for_type(pd.DataFrame, frame_html)
    formatters["text/html"].for_type(pd.Series, lambda s: frame_html(tidy(s)))
    formatters["text/html"].for_type(dict, lambda d: frame_html(dict_table(d)))
