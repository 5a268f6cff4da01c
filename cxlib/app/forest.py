"""The report's picture of a claim: the published figure beside our estimates (a forest plot).

One panel per headline figure of the claim, each on its own axis (a claim mixes odds ratios,
shares and R² differences). A panel shows the rule's reference, drawn from the registry: for
a point claim the claimed (published) value as a line and its band of practical equivalence
shaded; for a directional claim the no-effect value and its band of negligible effect. Each
estimate is a dot with its 95% interval, one row per data set: real data in colour, the
synthetic sample in grey with a hollow dot. Each panel's title names its figure and the
reference value (a legend would cover the rows of a narrow panel); every axis has at least
three labelled ticks. Written as SVG (no fonts or scripts fetched), with 12-point type.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cxlib.stats.verdicts import Rule

REAL, SYNTHETIC, REFERENCE = "#0969da", "#8c959f", "#cf222e"

TEXT_PT = 12
"""Type size of every text in the plot, in points: 16 CSS px at the SVG's own width (384 px,
which a phone shows nearly 1:1: about 14 px there)."""

TITLE_WIDTH = 38
"""Characters per line of a panel's title (the figure's name), which spans the plot's width."""


@dataclass(frozen=True)
class Row:
    """One estimate of a figure on one data set."""

    label: str
    value: float
    low: float | None
    high: float | None
    real: bool


@dataclass(frozen=True)
class Panel:
    """One figure of a claim: its name, its rule and the estimates of it."""

    figure: str
    rule: Rule
    rows: Sequence[Row]


def _plain(text: str) -> str:
    """Text as matplotlib prints it literally (a ``$`` would start mathematics)."""
    return text.replace("$", r"\$")


def _reference(ax, rule: Rule) -> str:
    """Draw the rule's reference line and band; returns how the panel's title names it (a
    legend would cover the rows on a narrow panel)."""
    lo, hi = rule.band
    point = rule.kind == "within"
    if hi > lo:
        ax.axvspan(lo, hi, color="#2da44e" if point else SYNTHETIC, alpha=0.15, lw=0)
    ax.axvline(rule.target, color=REFERENCE, ls="--", lw=1.5)
    side = {"within": "published", "greater": "claimed: above", "less": "claimed: below"}
    return f"{side[rule.kind]} {rule.target:g} (red dashes)"


def _ticks(ax, scale: str) -> None:
    """At least three labelled ticks, written as numbers, on a linear or log axis."""
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    if scale == "log":  # ratios: ticks at 1, 2, 5 × 10^k; a narrow range gets plain numbers
        ax.set_xscale("log")
        lo, hi = ax.get_xlim()
        many = LogLocator(subs=(1, 2, 5)).tick_values(lo, hi)
        inside = [t for t in many if lo <= t <= hi]
        ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)) if len(inside) >= 3
                                   else MaxNLocator(nbins=4, min_n_ticks=3))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, min_n_ticks=3))


def _panel(ax, panel: Panel) -> None:
    for i, row in enumerate(panel.rows):
        colour = REAL if row.real else SYNTHETIC
        if row.low is not None and row.high is not None:
            ax.plot([row.low, row.high], [i, i], color=colour, lw=2.5, solid_capstyle="round")
        ax.plot(row.value, i, "o", ms=7, color=colour,
                markerfacecolor=colour if row.real else "white", markeredgewidth=1.5)
    ax.set_yticks(range(len(panel.rows)), [_plain(r.label) for r in panel.rows])
    ax.set_ylim(len(panel.rows) - 0.5, -0.6)
    reference = _reference(ax, panel.rule)
    _ticks(ax, panel.rule.scale)
    ax.set_title(_plain(textwrap.fill(panel.figure, TITLE_WIDTH) + "\n" + reference),
                 loc="left", fontsize=TEXT_PT)
    ax.grid(axis="x", alpha=0.3)
    ax.tick_params(labelsize=TEXT_PT)


def forest_svg(panels: Sequence[Panel], path: Path) -> Path:
    """Draw *panels* one above the other into the SVG file *path*; returns *path*."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # measures the titles
    from matplotlib.figure import Figure  # no pyplot: no backend, no global state

    heights = [0.4 * len(p.rows) + 0.3 + 0.25 * (2 + len(textwrap.wrap(p.figure, TITLE_WIDTH)))
               for p in panels]
    with rc_context({"svg.hashsalt": "cxlib", "font.size": TEXT_PT, "svg.fonttype": "none"}):
        fig = Figure(figsize=(4.0, sum(heights) + 0.2))  # 384 px: a phone shows it 1:1
        axes = fig.subplots(len(panels), 1, gridspec_kw={"height_ratios": heights},
                            squeeze=False)
        for ax, panel in zip(axes[:, 0], panels, strict=True):
            _panel(ax, panel)
        fig.tight_layout(h_pad=1.2)
        renderer = FigureCanvasAgg(fig).get_renderer()
        for ax in axes[:, 0]:  # titles start at the figure's left edge, not the axis's
            title = ax.get_title(loc="left")
            bottom = ax.title.get_window_extent(renderer).y0 if not title else \
                ax._left_title.get_window_extent(renderer).y0
            ax.set_title("", loc="left")
            fig.text(0.02, bottom / fig.bbox.height, title, ha="left", va="bottom",
                     fontsize=TEXT_PT)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="svg", metadata={"Date": None})
    return path
