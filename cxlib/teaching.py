"""Teaching helpers: sliders that also run headless, slides, and student versions.

``slider(plot, **ranges)`` shows an ipywidgets control panel that redraws *plot*
when a value moves. Headless runs (papermill, the tests, the HTML report) have no
widget frontend, so notebooks first draw the static figure at the default values
and then call ``slider``, which under ``cxlib run`` (environment variable
``CXLIB_HEADLESS``) shows a note instead of building widgets no one can see.

Every notebook carries reveal.js slide metadata (:func:`add_slide_metadata`), so a
teacher can present it in JupyterLab or from the HTML deck that ``cxlib run``
writes. Exercise solutions are code cells tagged ``solution``; they run in the
tests, and :func:`student_version` removes them for a hand-out.
"""

from __future__ import annotations

from collections.abc import Callable


def slider(plot: Callable, **ranges):
    """An interactive panel for *plot*; each range is (min, max, step). Parameters without
    a range keep their defaults; sliders start at the function's default values."""
    import inspect
    import os

    if os.environ.get("CXLIB_HEADLESS"):  # set by `cxlib run`: no frontend to draw widgets
        from IPython.display import Markdown

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


SOLUTION_TAG = "solution"


def slide_type(cell) -> str:
    """The reveal.js slide type of a cell: headings open slides; the parameters cell,
    solutions and the versions cell are skipped; long prose gets a sub-slide."""
    tags = set(cell.get("metadata", {}).get("tags", []))
    source = cell.get("source", "")
    if tags & {"parameters", SOLUTION_TAG} or source.strip().startswith("cx.versions()"):
        return "skip"
    if cell["cell_type"] == "markdown":
        if source.startswith(("# ", "## ")):
            return "slide"
        return "subslide" if len(source) > 700 else "-"
    return "-"


def add_slide_metadata(nb) -> bool:
    """Set every cell's slideshow metadata (see :func:`slide_type`); True if anything changed."""
    changed = False
    for cell in nb.cells:
        kind = slide_type(cell)
        show = cell.setdefault("metadata", {}).setdefault("slideshow", {})
        if show.get("slide_type") != kind:
            show["slide_type"] = kind
            changed = True
    return changed


def slide_count(nb) -> int:
    """Number of slides (and sub-slides) in a notebook's deck."""
    return sum(c.get("metadata", {}).get("slideshow", {}).get("slide_type") in
               ("slide", "subslide") for c in nb.cells)


def student_version(nb):
    """A copy of *nb* without solution cells: each exercise's solution becomes an empty
    code cell under a prompt."""
    import copy

    import nbformat

    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            first = cell.source.splitlines()[0] if cell.source else "# Solution"
            cells.append(nbformat.v4.new_code_cell(
                first.replace("Solution", "Your answer to exercise") + "\n",
                metadata={"tags": ["exercise"], "slideshow": {"slide_type": "skip"}}))
        else:
            cells.append(cell)
    out.cells = cells
    return out


def write_student_versions(out: str, books=None) -> list:
    """Write the student version of every notebook (or *books*) into *out*."""
    from pathlib import Path

    import nbformat

    from .runner import available

    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for path in books or available():
        nb = nbformat.read(path, as_version=4)
        dest = target / path.name
        nbformat.write(student_version(nb), dest)
        written.append(dest)
    glossary = Path(available()[0]).parent / "glossary.md"
    if glossary.exists():
        (target / "glossary.md").write_text(glossary.read_text(encoding="utf-8"),
                                            encoding="utf-8")
    return written
