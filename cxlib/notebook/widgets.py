"""Sliders that also run headless, and the figures they move.

``slider(plot, **ranges)`` shows an ipywidgets control panel that redraws *plot*
when a value moves. Headless runs (papermill, the tests, the HTML report) have no
widget frontend, so notebooks first draw the static figure at the default values
and then call ``slider``, which under ``cxlib run`` (environment variable
``CXLIB_HEADLESS``) shows the static figure and then a note under it instead of
building widgets no one can see.
"""

from __future__ import annotations

from collections.abc import Callable

from cxlib.notebook import plots
from cxlib.stats import clv, queues


def slider(plot: Callable, **ranges):
    """An interactive panel for *plot*; each range is (min, max, step). Parameters without
    a range keep their defaults; sliders start at the function's default values."""
    import inspect
    import os

    if os.environ.get("CXLIB_HEADLESS"):  # set by `cxlib run`: no frontend to draw widgets
        import matplotlib.pyplot as plt
        from IPython.display import Markdown

        plt.show()  # the cell's static figure first, so that it stands above the note
        return Markdown("*Interactive version: open this notebook in Jupyter to move the "
                        "sliders; the figure above shows the default values.*")
    import ipywidgets as widgets

    defaults = {name: p.default for name, p in inspect.signature(plot).parameters.items()}
    controls = {name: widgets.fixed(value) for name, value in defaults.items()
                if name not in ranges}
    for name, (lo, hi, step) in ranges.items():
        start = defaults.get(name, inspect.Parameter.empty)
        controls[name] = widgets.FloatSlider(
            min=lo, max=hi, step=step, continuous_update=False,
            value=start if start is not inspect.Parameter.empty else (lo + hi) / 2)
    return widgets.interactive(plot, **controls)


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
