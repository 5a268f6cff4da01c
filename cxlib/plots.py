"""Shared figure helpers: one style, interval plots, claim-versus-estimate charts.

Figures are sized and lettered to be read when projected in a classroom.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

import matplotlib.pyplot as plt
import seaborn as sns

from .results import Estimate

PALETTE = "colorblind"


def use_style() -> None:
    """The project's figure style: seaborn 'talk' context, colour-blind palette."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font_scale=1.2)
    plt.rcParams.update({"figure.figsize": (8, 4.5), "figure.dpi": 100,
                         "axes.titleweight": "bold", "savefig.bbox": "tight"})


def interval_plot(estimates: Sequence[Estimate], *, reference: float | None = None,
                  reference_label: str = "claimed", xlabel: str = "estimate",
                  title: str | None = None, ax: plt.Axes | None = None) -> plt.Axes:
    """Point estimates with their intervals as horizontal bars (a forest plot).

    ``reference`` draws a vertical line, e.g. at the claimed value.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.7 * len(estimates) + 1.5))
    labels = [e.figure for e in estimates]
    for i, e in enumerate(estimates):
        if e.ci_low is not None:
            ax.plot([e.ci_low, e.ci_high], [i, i], lw=3, color="C0", solid_capstyle="round")
        ax.plot(e.value, i, "o", color="C0", ms=9)
    if reference is not None:
        ax.axvline(reference, color="C3", ls="--", lw=2, label=f"{reference_label} ({reference:g})")
        ax.legend(loc="best")
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return ax


def rating_distribution(ratings: pd.Series, *, title: str | None = None,
                        ax: plt.Axes | None = None) -> plt.Axes:
    """Bar chart of the share of answers at each rating point."""
    if ax is None:
        _, ax = plt.subplots()
    shares = ratings.dropna().value_counts(normalize=True).sort_index()
    ax.bar(shares.index.astype(int).astype(str), shares.values * 100, color="C0")
    ax.set_xlabel("rating")
    ax.set_ylabel("% of respondents")
    ax.set_title(title or str(ratings.name))
    return ax
