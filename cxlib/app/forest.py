"""The report's picture of a claim: the published figure beside our estimates (a forest plot).

One panel per headline figure of the claim, each on its own axis (a claim mixes odds ratios,
shares and R² differences). A panel shows the rule's reference, drawn from the registry: for
a point claim the claimed (published) value as a line and its band of practical equivalence
shaded; for a directional claim the no-effect value and its band of negligible effect. Each
estimate is a dot with its 95% interval, one row per data set: real data in colour, the
synthetic sample in grey with a hollow dot. Written as SVG (no fonts or scripts fetched).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cxlib.stats.verdicts import Rule

REAL, SYNTHETIC, REFERENCE = "#0969da", "#8c959f", "#cf222e"


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


def _reference(ax, rule: Rule) -> None:
    lo, hi = rule.band
    point = rule.kind == "within"
    if hi > lo:
        ax.axvspan(lo, hi, color="#2da44e" if point else SYNTHETIC, alpha=0.15, lw=0)
    side = {"within": "published", "greater": "claimed: above", "less": "claimed: below"}
    ax.axvline(rule.target, color=REFERENCE, ls="--", lw=1.5,
               label=f"{side[rule.kind]} {rule.target:g}")
    ax.legend(loc="upper right", fontsize=9, frameon=False, handlelength=1.5)


def _panel(ax, panel: Panel) -> None:
    for i, row in enumerate(panel.rows):
        colour = REAL if row.real else SYNTHETIC
        if row.low is not None and row.high is not None:
            ax.plot([row.low, row.high], [i, i], color=colour, lw=2.5, solid_capstyle="round")
        ax.plot(row.value, i, "o", ms=7, color=colour,
                markerfacecolor=colour if row.real else "white", markeredgewidth=1.5)
    ax.set_yticks(range(len(panel.rows)), [_plain(r.label) for r in panel.rows])
    ax.set_ylim(len(panel.rows) - 0.5, -1.7)  # room above the rows for the legend
    if panel.rule.scale == "log":  # ratios: ticks at 1, 2, 5 × 10^k, written as numbers
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    _reference(ax, panel.rule)
    ax.set_title(_plain(textwrap.fill(panel.figure, 34)), fontsize=10, loc="left")
    ax.grid(axis="x", alpha=0.3)
    ax.tick_params(labelsize=9)


def forest_svg(panels: Sequence[Panel], path: Path) -> Path:
    """Draw *panels* one above the other into the SVG file *path*; returns *path*."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure  # no pyplot: no backend, no global state

    heights = [0.34 * len(p.rows) + 1.0 for p in panels]
    with rc_context({"svg.hashsalt": "cxlib", "font.size": 10, "svg.fonttype": "none"}):
        fig = Figure(figsize=(4.0, sum(heights) + 0.2))  # 384 px: a phone shows it 1:1
        axes = fig.subplots(len(panels), 1, gridspec_kw={"height_ratios": heights},
                            squeeze=False)
        for ax, panel in zip(axes[:, 0], panels, strict=True):
            _panel(ax, panel)
        fig.tight_layout(h_pad=1.2)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="svg", metadata={"Date": None})
    return path
