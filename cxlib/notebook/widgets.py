"""Sliders that also run headless, and the figures they move.

``slider(plot, values={...}, **ranges)`` shows an ipywidgets control panel that redraws
*plot* when a value moves, starting at *values* (else at the function's defaults). It is the
only figure of its cell in JupyterLab: a figure drawn earlier in the same cell is dropped, so
the class never sees a static figure beside the live one. Headless runs (papermill, the tests,
the HTML report and decks) have no widget frontend: under ``cxlib run`` (environment
variable ``CXLIB_HEADLESS``) the cell shows the figure at the starting values, drawn here
unless the cell drew it already, and a note naming those values.

Where the sliders move: in JupyterLab's notebook view (and Jupyter Notebook). The
jupyterlab-rise slideshow cannot show ipywidgets (jupyterlab-contrib/rise issues 119 and
126): there the panel shows as a line of text saying where to move it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from cxlib.notebook import plots
from cxlib.stats import clv, queues

NOT_HERE = ("[sliders: they move in JupyterLab's notebook view; this view cannot show them, "
            "so run the cell there]")
"""The panel's text form, which a frontend without ipywidgets (the jupyterlab-rise
slideshow, a static page) shows instead of the sliders."""


def _starting_values(plot: Callable, values: dict | None) -> dict:
    import inspect

    start = {name: p.default for name, p in inspect.signature(plot).parameters.items()
             if p.default is not inspect.Parameter.empty}
    return {**start, **(values or {})}


def slider(plot: Callable, *, values: dict | None = None, **ranges):
    """An interactive panel for *plot*; each range is (min, max, step). Sliders and the
    parameters without a range start at *values*, else at the function's defaults."""
    import os

    import matplotlib.pyplot as plt

    start = _starting_values(plot, values)
    if os.environ.get("CXLIB_HEADLESS"):  # set by `cxlib run`: no frontend to draw widgets
        from cxlib.stats.formatting import Shown

        if not plt.get_fignums():
            plot(**start)
        plt.show()  # the static figure first, so that the note stands under it
        shown = ", ".join(f"{name.replace('_', ' ')} {start[name]:g}" for name in ranges
                          if name in start)
        return Shown("*Interactive version: run this notebook in JupyterLab's notebook "
                     "view to move the sliders; this figure shows the starting values"
                     + (f" ({shown})" if shown else "") + ".*", "caption")
    import ipywidgets as widgets

    plt.close("all")  # a static figure drawn earlier in this cell: the panel replaces it
    controls = {name: widgets.fixed(value) for name, value in start.items()
                if name not in ranges}
    for name, (lo, hi, step) in ranges.items():
        controls[name] = widgets.FloatSlider(
            min=lo, max=hi, step=step, continuous_update=False,
            value=start.get(name, (lo + hi) / 2))
    return _panel_class()(plot, **controls)


@cache
def _panel_class():
    import ipywidgets as widgets

    class Panel(widgets.interactive):
        """An ipywidgets ``interactive`` whose text form says where its sliders move."""

        def __repr__(self) -> str:
            return NOT_HERE

    return Panel


def clv_explorer(margin: float = 100.0, retention: float = 0.8, discount: float = 0.10):
    """CLV against retention for a margin and discount rate, marking *retention* and +5
    points (:func:`cxlib.stats.clv.clv`); the figure notebook 03's sliders move."""
    plus = min(retention + 0.05, 0.97)
    return plots.clv_curve(clv.curve(margin, discount),
                           (retention, clv.clv(margin, retention, discount)),
                           (plus, clv.clv(margin, plus, discount)))


def staffing_explorer(agents: float = 10.0, calls_per_hour: float = 100.0,
                      handle_seconds: float = 300.0, standard: float = 30.0):
    """Erlang C share of calls answered within t seconds for a staffing level and load
    (:func:`cxlib.stats.queues.service_level_curve`); the figure notebook 08's sliders move."""
    curve = queues.service_level_curve(calls_per_hour / 3600, handle_seconds, int(agents))
    return plots.staffing_curve(curve, standard, title=(
        f"{int(agents)} agents, {calls_per_hour:.0f} calls/h, {handle_seconds:.0f} s handle time"))
