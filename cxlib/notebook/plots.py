"""Shared figure helpers: one style, interval plots, claim-versus-estimate charts.

Figures are sized and lettered to be read when projected in a classroom. A figure is drawn
from a table it is given: a DataFrame or a typed result (:class:`~cxlib.stats.estimates.Result`,
whose ``table`` is drawn).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from cxlib.stats.estimates import Estimate, Estimates, Result, table_of

PALETTE = "colorblind"


def plain(text) -> str:
    """*text* as matplotlib should draw it: literally. Matplotlib reads what stands between
    two ``$`` as mathematics, so a label taken from the data ('$$ plan', 'Tier $') draws as
    garbage or fails with a ValueError; every ``$`` not already escaped gets a backslash.
    Every label, title and legend entry built from data goes through here."""
    return re.sub(r"(?<!\\)\$", r"\\$", str(text))


FONT_SCALE = 1.35
"""Seaborn's "notebook" type sizes times this: at 100 dpi the smallest text of a figure
(tick labels, legends and annotations: 14.85 pt) is 20.6 px, legible on a 1280 × 720
projector at the figure's own size, and a deck may scale a figure down to 87% to fit a slide
before that text falls under 18 px."""

LABEL_WIDTH = 30
"""Characters per line of a long category label (an interval plot's rows): longer labels
wrap instead of widening the figure until its text is too small to read."""


def wrapped(label: str, width: int = LABEL_WIDTH) -> str:
    """*label* broken into lines of at most *width* characters, between words."""
    import textwrap

    return "\n".join(textwrap.wrap(str(label), width, break_long_words=False)) or str(label)


def use_style() -> None:
    """The project's figure style: seaborn 'notebook' context with type scaled by
    :data:`FONT_SCALE`, colour-blind palette; and how notebooks display figures and tables
    (:func:`cxlib.notebook.display.install`)."""
    from cxlib.notebook.display import install

    install()
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font_scale=FONT_SCALE)
    plt.rcParams.update({"figure.figsize": (8, 4.5), "figure.dpi": 100,
                         "axes.titleweight": "bold", "savefig.bbox": "tight",
                         # legends as large as tick labels: no text under 20 px at 100 dpi
                         "legend.fontsize": plt.rcParams["xtick.labelsize"],
                         "legend.title_fontsize": plt.rcParams["xtick.labelsize"]})


def interval_plot(estimates: Sequence[Estimate] | pd.DataFrame | Result, *,
                  value: str | None = None,
                  reference: float | None = None, reference_label: str = "claimed",
                  xlabel: str = "estimate", title: str | None = None,
                  ax: plt.Axes | None = None) -> plt.Axes:
    """Point estimates with their intervals as horizontal bars (a forest plot).

    *estimates* are :class:`Estimate` objects, or a table with one row per line: its
    *value* column and its ``ci_low``/``ci_high`` columns, labelled by the index (a typed
    result: its table, and its value column unless *value* names another; several
    estimates, :class:`~cxlib.stats.estimates.Estimates`: each by its figure).
    ``reference`` draws a vertical line, e.g. at the claimed value.
    """
    if isinstance(estimates, Estimates):
        estimates = list(estimates.items.values())
    elif isinstance(estimates, Result):
        value = value or estimates.value
        estimates = estimates.table
    if isinstance(estimates, pd.DataFrame):
        estimates = [Estimate(str(k), float(r[value]), r.get("ci_low"), r.get("ci_high"), 0, "")
                     for k, r in estimates.iterrows()]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, min(0.7 * len(estimates) + 1.5, 6.2)))
    labels = [plain(wrapped(e.figure)) for e in estimates]
    for i, e in enumerate(estimates):
        if e.ci_low is not None:
            ax.plot([e.ci_low, e.ci_high], [i, i], lw=3, color="C0", solid_capstyle="round")
        ax.plot(e.value, i, "o", color="C0", ms=9)
    if reference is not None:
        ax.axvline(reference, color="C3", ls="--", lw=2,
                   label=plain(f"{reference_label} ({reference:g})"))
        ax.legend(loc="best")
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(plain(xlabel))
    level = estimates[0].level if estimates else 0.95
    ax.set_title(plain(title or f"Estimates with their {level:.0%} intervals"))
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
    ax.set_title(plain(title or ratings.name))
    return ax


def gap_plot(table: pd.DataFrame | Result, *, scale: tuple[float, float] | None = None,
             ax: plt.Axes | None = None) -> plt.Axes:
    """Perception and expectation per dimension, joined by the gap (a dumbbell chart); with
    *scale* (lowest, highest rating) the axis and its ticks stop at the scale's ends."""
    table = table_of(table)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.6 * len(table) + 1.8))
    y = np.arange(len(table))
    ax.hlines(y, table["perception"], table["expectation"], color="0.6", lw=3)
    ax.plot(table["expectation"], y, "s", color="C1", ms=10, label="expected")
    ax.plot(table["perception"], y, "o", color="C0", ms=10, label="perceived")
    for i, (_, row) in enumerate(table.iterrows()):
        ax.annotate(f"gap {row['gap']:+.2f} [{row['ci_low']:+.2f}, {row['ci_high']:+.2f}]",
                    (max(row["perception"], row["expectation"]), i), xytext=(8, 0),
                    textcoords="offset points", va="center",
                    fontsize=plt.rcParams["xtick.labelsize"])
    ax.set_yticks(y, [plain(v) for v in table.index])
    ax.invert_yaxis()
    if scale:  # room on the right for the gap labels, but ticks and axis only on the scale
        ax.set_xlim(scale[0], scale[1] + 0.35 * (scale[1] - scale[0]))
        ax.set_xticks(np.arange(np.ceil(scale[0]), np.floor(scale[1]) + 1))
        ax.spines["bottom"].set_bounds(scale[0], scale[1])
    ax.set_xlabel("mean rating")
    ax.set_title("What customers expected and what they got")
    ax.legend(loc="lower left")
    return ax


def importance_performance_plot(table: pd.DataFrame | Result, *,
                                ax: plt.Axes | None = None) -> plt.Axes:
    """Importance (share of R²) against performance (mean score with interval)."""
    table = table_of(table)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5.5))
    x, y = table["importance"] * 100, table["performance"]
    ax.errorbar(x, y, yerr=[y - table["ci_low"], table["ci_high"] - y], fmt="o", ms=10,
                capsize=4, color="C0")
    for name, xi, yi in zip(table.index, x, y, strict=True):
        ax.annotate(plain(name), (xi, yi), xytext=(8, 6), textcoords="offset points")
    ax.axvline(x.mean(), color="0.6", ls=":")
    ax.axhline(y.mean(), color="0.6", ls=":")
    ax.set_xlabel("importance: share of explained variance in satisfaction (%)")
    ax.set_ylabel("performance: mean score")
    ax.set_title("Importance–performance: fix what matters and scores low")
    return ax


def level_means_plot(table: pd.DataFrame | Result, *, xlabel: str, ylabel: str,
                     line: pd.DataFrame | None = None, ax: plt.Axes | None = None,
                     min_n: int = 10) -> plt.Axes:
    """Mean outcome at each level with intervals; optional fitted curve (x, fit, lo, hi).
    The number of answers is printed under each level; a level with fewer than *min_n*
    answers is drawn grey, without its (unreliable) interval."""
    table = table_of(table)
    line = None if line is None else table_of(line)
    if ax is None:
        _, ax = plt.subplots()
    x = table.index.to_numpy(dtype=float)
    many = (table["n"] >= min_n).to_numpy()
    t = table[many]
    ax.errorbar(x[many], t["mean"], yerr=[t["mean"] - t["ci_low"], t["ci_high"] - t["mean"]],
                fmt="o", ms=8, capsize=4, label="mean at each level (95% CI)")
    if (~many).any():
        ax.plot(x[~many], table["mean"][~many], "o", ms=8, mfc="none", color="0.55",
                label=f"mean of fewer than {min_n} answers (no interval)")
    if line is not None:
        ax.plot(line["x"], line["fit"], color="C1", lw=2, label="spline fit")
        ax.fill_between(line["x"], line["lo"], line["hi"], color="C1", alpha=0.2)
    ax.set_xticks(x, [f"{v:g}\nn={n:,}" for v, n in zip(x, table["n"], strict=True)])
    ax.set_xlabel(plain(xlabel))
    ax.set_ylabel(plain(ylabel))
    ax.set_title(plain(f"{ylabel} at each level of {xlabel}"))
    ax.legend(loc="best")
    return ax


def path_plot(paths: pd.DataFrame | Result, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Standardised path coefficients with bootstrap intervals, one row per path."""
    paths = table_of(paths)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, min(0.4 * len(paths) + 1.5, 6.2)))
    labels = [plain(wrapped(f"{a} → {b}")) for a, b in zip(paths["from"], paths["to"],
                                                          strict=True)]
    y = np.arange(len(paths))
    c, low, high = (paths[k].to_numpy(float) for k in ("coefficient", "ci_low", "ci_high"))
    ax.errorbar(c, y, xerr=[c - low, high - c], fmt="o", ms=8, capsize=4)
    ax.axvline(0, color="0.5", lw=1)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("standardised path coefficient (95% bootstrap CI)")
    ax.set_title("Structural model")
    return ax


def survival_plot(fits: dict, *, title: str = "Share of customers still active",
                  ax: plt.Axes | None = None) -> plt.Axes:
    """Kaplan–Meier curves (:class:`~cxlib.stats.survival.SurvivalCurve`, months on the x
    axis) with their 95% bands, each drawn to the last month observed."""
    if ax is None:
        _, ax = plt.subplots()
    for fit in fits.values():
        curve = pd.concat([fit.table, fit.table.iloc[[-1]].set_axis([fit.last])])
        times = curve.index.to_numpy()
        (line,) = ax.step(times, curve["survival"], where="post", label=plain(fit.label))
        ax.fill_between(times, curve["ci_low"], curve["ci_high"], step="post", alpha=0.25,
                        color=line.get_color(), linewidth=0)
    ax.legend()
    ax.set_xlabel("months since acquisition")
    ax.set_ylabel("share still a customer")
    ax.set_ylim(0, 1.02)
    ax.set_title(plain(title))
    return ax


def cohort_heatmap(table: pd.DataFrame | Result, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Cohort retention as a heat map: rows are acquisition months, columns months since."""
    table = table_of(table)
    if ax is None:
        _, ax = plt.subplots(figsize=(11, min(0.18 * len(table) + 2, 4.8)))
    sns.heatmap(table * 100, ax=ax, cmap="viridis", vmin=0, vmax=100,
                cbar_kws={"label": "% still active"})
    ax.set_xlabel("months since acquisition")
    ax.set_ylabel("acquisition cohort")
    ax.set_title("Cohort retention")
    return ax


def uplift_heatmap(grid: pd.DataFrame | Result, band: tuple[float, float] = (0.25, 0.85), *,
                   ax: plt.Axes | None = None) -> plt.Axes:
    """CLV uplift from +5 points of retention; cells inside the published band outlined."""
    grid = table_of(grid)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 6))
    sns.heatmap(grid * 100, annot=True, fmt=".0f", cmap="mako_r", ax=ax,
                cbar_kws={"label": "% more lifetime value"})
    for i, row in enumerate(grid.to_numpy()):
        for j, v in enumerate(row):
            if band[0] <= v <= band[1]:
                ax.add_patch(plt.Rectangle((j, i), 1, 1, fill=False, ec="C3", lw=2))
    ax.set_title(f"+5 points of retention: CLV uplift (outlined: {band[0]:.0%}–{band[1]:.0%})")
    return ax


def clv_curve(curve: pd.DataFrame | Result, point: tuple[float, float],
              plus_five: tuple[float, float], *, ax: plt.Axes | None = None) -> plt.Axes:
    """CLV against retention (a :func:`cxlib.stats.clv.curve` table), marking the chosen
    (retention, CLV) *point* and the point 5 retention points higher."""
    curve = table_of(curve)
    if ax is None:
        _, ax = plt.subplots()
    ax.plot(curve["retention"] * 100, curve["clv"], color="C0", lw=2)
    for (r, value), style in ((point, "o"), (plus_five, "s")):
        ax.plot(r * 100, value, style, ms=10, color="C3")
    ax.set_title(f"CLV at r = {point[0]:.0%}: {point[1]:,.0f}; "
                 f"+5 points: {plus_five[1] / point[1] - 1:+.0%}")
    ax.set_xlabel("retention rate (%)")
    ax.set_ylabel("customer lifetime value (currency)")
    return ax


def share_lines(table: pd.DataFrame | Result, columns: Sequence[str], *, title: str,
                reference: float | None = None, ax: plt.Axes | None = None) -> plt.Axes:
    """Monthly shares as lines (in %), with an optional reference line."""
    table = table_of(table)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    for col in columns:
        ax.plot(table.index, table[col] * 100, lw=2, label=plain(col))
    if reference is not None:
        ax.axhline(reference * 100, color="C3", ls="--", label=f"claimed {reference:.0%}")
    ax.set_ylim(0, 104)  # a line at 100% stays visible above the frame's top edge
    ax.set_ylabel("%")
    ax.set_xlabel("month")
    if isinstance(table.index, pd.DatetimeIndex):
        ax.figure.autofmt_xdate()  # slanted dates do not collide
    ax.set_title(plain(title))
    ax.legend(loc="lower right")
    return ax


def rootogram(table: pd.DataFrame | Result, model: str, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Hanging rootogram (Kleiber & Zeileis 2016): bars of √observed hang from the curve of
    √expected; a bar that misses zero shows a count the model gets wrong."""
    table = table_of(table)
    if ax is None:
        _, ax = plt.subplots()
    x = table.index.to_numpy()
    expected = np.sqrt(table[model].to_numpy())
    observed = np.sqrt(table["observed"].to_numpy())
    ax.bar(x, observed, bottom=expected - observed, color="0.75", edgecolor="0.4",
           label="observed (hanging)")
    ax.plot(x, expected, "o-", color="C3", lw=2, label=plain(f"expected: {model}"))
    ax.axhline(0, color="k", lw=1)
    ax.set_xlabel("number of people told")
    ax.set_ylabel("√(number of respondents)")
    ax.set_title(plain(f"Rootogram: {model}"))
    ax.legend()
    return ax


def size_distribution(sizes: dict[str, np.ndarray], *, xlabel: str = "people reached",
                      title: str = "", ax: plt.Axes | None = None) -> plt.Axes:
    """Distribution of cascade or branching sizes per scenario: the share of runs (%) in each
    log-spaced size bin, one panel per scenario over a shared size axis, so that no scenario
    hides another's mode and a bin holding most runs reads as most runs (a density on log
    bins would shrink the large sizes). With *ax* given, the scenarios share that panel.
    Returns the last panel."""
    names = list(sizes)
    if ax is None:
        fig, grid = plt.subplots(len(names), 1, sharex=True, squeeze=False, layout="constrained",
                                 figsize=(9, min(1.4 + 1.4 * len(names), 5.6)))
        axes = list(grid[:, 0])
    else:
        fig, axes = ax.figure, [ax] * len(names)
    top = max(int(np.max(s)) for s in sizes.values())
    bins = np.unique(np.geomspace(1, max(top, 2) + 1, 30).astype(int))
    for i, (panel, name) in enumerate(zip(axes, names, strict=True)):
        s = np.asarray(sizes[name], dtype=float) + 1
        panel.hist(s, bins=bins, weights=np.full(len(s), 100 / len(s)), color=f"C{i}",
                   alpha=0.85, label=plain(name))
        panel.set_xscale("log")
        panel.set_ylabel("% of runs")
        if len(set(axes)) > 1:
            panel.set_title(plain(name), loc="left", fontsize="medium")
    heading = plain(title or f"How many {xlabel}: distribution over runs")
    if len(set(axes)) == 1:
        if len(names) > 1:
            axes[0].legend()
        axes[0].set_title(heading)
    else:
        fig.suptitle(heading, fontweight="bold")
    axes[-1].set_xlabel(plain(f"{xlabel} + 1 (log scale)"))
    return axes[-1]


def bass_plot(adoptions: pd.Series, fitted: np.ndarray, *, ax: plt.Axes | None = None
              ) -> plt.Axes:
    """Adoptions per period with the fitted Bass curve."""
    if ax is None:
        _, ax = plt.subplots()
    t = np.arange(1, len(adoptions) + 1)
    ax.bar(t, adoptions.to_numpy(), color="0.7", label="new adopters")
    ax.plot(t, fitted, color="C3", lw=2, label="Bass model fit")
    ax.set_xlabel("period")
    ax.set_ylabel("new adopters per period")
    ax.set_title("New adopters per period and the fitted Bass curve")
    ax.legend()
    return ax


def churn_curves(curves: pd.DataFrame | Result, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Predicted chance of leaving over mean quality, one band per variability level."""
    curves = table_of(curves)
    if ax is None:
        _, ax = plt.subplots()
    for i, (sd, part) in enumerate(curves.groupby("sd")):
        ax.plot(part["mean quality"], part["p_leave"] * 100, color=f"C{i}", lw=2,
                label=f"quality SD {sd:g}")
        ax.fill_between(part["mean quality"], part["ci_low"] * 100, part["ci_high"] * 100,
                        color=f"C{i}", alpha=0.2)
    ax.set_xlabel("mean quality experienced so far")
    ax.set_ylabel("chance of leaving after a visit (%)")
    ax.set_title("Consistent vs inconsistent service")
    ax.legend()
    return ax


def staffing_curve(curve: pd.DataFrame | Result, standard: float, *, title: str = "",
                   ax: plt.Axes | None = None) -> plt.Axes:
    """Share answered within t seconds (a :func:`cxlib.stats.queues.service_level_curve`
    table), with the standard marked."""
    curve = table_of(curve)
    if ax is None:
        _, ax = plt.subplots()
    ax.plot(curve["seconds"], curve["answered within"] * 100, lw=2)
    ax.axvline(standard, color="C3", ls="--", label=f"{standard:g} s standard")
    ax.set_xlabel("seconds")
    ax.set_ylabel("% answered within")
    ax.set_ylim(0, 100)
    ax.set_title(plain(title))
    ax.legend()
    return ax


def day_profile(table: pd.DataFrame | Result, columns: Sequence[str], *, ylabel: str,
                title: str = "", ax: plt.Axes | None = None) -> plt.Axes:
    """Columns of a table indexed by time of day (``HH:MM``; or by queue and time of day,
    one line per queue) as lines across the day, with a tick on every hour."""
    table = table_of(table)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    parts = (table.groupby(level=0, sort=False) if table.index.nlevels > 1
             else [("", table)])
    for queue, part in parts:
        times = part.index.get_level_values(-1)
        x = [int(t[:2]) + int(t[3:5]) / 60 for t in times]
        for col in columns:
            ax.plot(x, part[col], lw=2, label=f"{queue}: {col}" if queue != "" else col)
    ax.set_xticks(range(int(min(x)), int(max(x)) + 2))
    ax.set_xlabel("time of day (hour)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if len(columns) > 1 or table.index.nlevels > 1:
        ax.legend()
    return ax


def holdout_plot(table: pd.DataFrame | Result, *, title: str = "Holdout period: expected vs actual",
                 ax: plt.Axes | None = None) -> plt.Axes:
    """Mean purchases per customer in the holdout period, actual and expected by the model,
    by repeat purchases in the calibration period (the table of
    :func:`cxlib.analyses.customer_value.holdout_check`), with the customer counts under the
    axis."""
    table = table_of(table)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(8, 1.1 * len(table) + 1), 4.8))
    x = np.arange(len(table))
    ax.plot(x, table["actual"], "o-", lw=2, color="C0", label="actual")
    ax.plot(x, table["expected"], "s--", lw=2, color="C3", label="expected (model)")
    ax.set_xticks(x, [plain(f"{g}\n(n={n:,})") for g, n in zip(table.index, table["customers"],
                                                                 strict=True)])
    ax.set_xlabel(plain(table.index.name or "group"))
    ax.set_ylabel("purchases per customer")
    ax.set_title(plain(title))
    ax.legend()
    return ax


def return_rates_plot(by_steps: Result) -> plt.Axes:
    """:func:`interval_plot` of the return rate after visits with 1, 2, … service steps done
    (:func:`cxlib.analyses.journey.return_by_steps`), rows labelled "1 step", "2 steps"."""
    table = by_steps.table.rename(index=lambda k: f"{k} step{'' if k == 1 else 's'}")
    return interval_plot(table, value="return rate",
                         xlabel="share of visits after which the customer came back")
