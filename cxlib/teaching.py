"""Teaching helpers: sliders that also run headless.

``slider(plot, **ranges)`` shows an ipywidgets control panel that redraws *plot*
when a value moves. Headless runs (papermill, the tests, the HTML report) have no
widget frontend, so notebooks first draw the static figure at the default values
and then call ``slider``; the report shows the static figure.
"""

from __future__ import annotations

from collections.abc import Callable


def slider(plot: Callable, **ranges):
    """An interactive panel for *plot*; each range is (min, max, step). Parameters without
    a range keep their defaults; sliders start at the function's default values."""
    import inspect

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
