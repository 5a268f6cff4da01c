"""The teaching build: slides and student versions of the notebooks.

Every notebook carries reveal.js slide metadata (:func:`add_slide_metadata`), so a
teacher can present it in JupyterLab (jupyterlab-rise); the offline HTML deck that
``cxlib run`` writes is built from what each cell is (:mod:`cxlib.app.decks`). Pages and
decks show a notebook as :func:`presentable` makes it (no parameters, no set-up code).
Exercise solutions are code cells tagged ``solution`` with a hand-written ``hint`` in their
metadata; they run in the tests, and :func:`student_version` replaces each by an answer
cell holding its hint.
"""

from __future__ import annotations

from cxlib.app.tags import HIDE_INPUT_TAG, SOLUTION_TAG


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


HIDDEN_CELL_TAGS = frozenset({"parameters", "injected-parameters"})
"""Cells left out of pages and decks: the parameters cell and the cell papermill injects
(it shows the build paths)."""

_PLUMBING_CALLS = frozenset({"cx.start", "cx.show_claims", "cx.versions"})


def is_plumbing(cell) -> bool:
    """A code cell that only imports modules, starts the session or shows the claim card:
    pages and decks show its output but not its code."""
    import ast

    if cell.get("cell_type") != "code" or not cell.get("source", "").strip():
        return False
    try:
        tree = ast.parse(cell["source"])
    except SyntaxError:
        return False

    def plumbing(node) -> bool:
        if isinstance(node, ast.Import | ast.ImportFrom):
            return True
        value = node.value if isinstance(node, ast.Assign | ast.Expr) else None
        return (isinstance(value, ast.Call)
                and ast.unparse(value.func) in _PLUMBING_CALLS)

    return all(plumbing(node) for node in tree.body)


def presentable(nb, title: str = ""):
    """A copy of an executed notebook as pages and decks show it: without the cells in
    :data:`HIDDEN_CELL_TAGS`, with the code of plumbing cells (:func:`is_plumbing`) hidden,
    each figure's pixel size in its metadata (``cxlib_size``: the page lays it out before
    it loads, the deck scales it) and *title* as the notebook's title."""
    import copy

    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells
                 if not HIDDEN_CELL_TAGS & set(c.get("metadata", {}).get("tags", []))]
    for cell in out.cells:
        if is_plumbing(cell):
            cell.metadata.setdefault("tags", []).append(HIDE_INPUT_TAG)
        _dollars_without_mathjax(cell)
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                meta = output.setdefault("metadata", {}).setdefault("image/png", {})
                meta["cxlib_size"] = list(png_size(output["data"]["image/png"]))
    if title:
        out.metadata["title"] = title
    return out


RISE_SETTINGS = {"scroll": True}
"""Notebook metadata for presenting in JupyterLab with jupyterlab-rise: a slide taller than
the screen scrolls."""


def _dollars_without_mathjax(cell) -> None:
    """Undo the dollar escapes that only JupyterLab's MathJax needs (see
    :data:`cxlib.stats.formatting.MD_DOLLAR`): pages and decks render ``\\$`` in Markdown as "$" and
    load no MathJax, so ``\\\\$`` becomes ``\\$`` and ``\\$`` in HTML outputs ``$``."""
    from cxlib.stats.formatting import MD_DOLLAR

    if cell.get("cell_type") == "markdown":
        cell["source"] = cell["source"].replace(MD_DOLLAR, "\\$")
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "text/markdown" in data:
            data["text/markdown"] = "".join(data["text/markdown"]).replace(MD_DOLLAR, "\\$")
        if "text/html" in data:
            data["text/html"] = "".join(data["text/html"]).replace("\\$", "$")


def add_slide_metadata(nb) -> bool:
    """Set every cell's slideshow metadata (see :func:`slide_type`) and the notebook's RISE
    settings (:data:`RISE_SETTINGS`); True if anything changed."""
    changed = nb.metadata.get("rise") != RISE_SETTINGS
    nb.metadata["rise"] = dict(RISE_SETTINGS)
    for cell in nb.cells:
        kind = slide_type(cell)
        show = cell.setdefault("metadata", {}).setdefault("slideshow", {})
        if show.get("slide_type") != kind:
            show["slide_type"] = kind
            changed = True
    return changed


def png_size(b64: str | list) -> tuple[int, int]:
    """Width and height in pixels of a base64 PNG (from its IHDR chunk)."""
    import base64

    head = base64.b64decode("".join(b64)[:44])
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def slide_count(nb) -> int:
    """Number of slides (and sub-slides) in a notebook's deck."""
    return sum(c.get("metadata", {}).get("slideshow", {}).get("slide_type") in
               ("slide", "subslide") for c in nb.cells)


def exercise_number(cell) -> str:
    """The exercise a solution cell answers, from its first line ``# Solution 2: …``."""
    import re

    found = re.match(r"#\s*Solution\s+(\w+)", cell.get("source", ""))
    return found[1] if found else ""


def hint_cell(cell):
    """The answer cell a student gets for a solution cell: the exercise number and the
    solution's hand-written ``hint`` (cell metadata) as comments, never the solution; it keeps
    the solution cell's id."""
    import textwrap

    import nbformat

    hint = cell.get("metadata", {}).get("hint", "")
    lines = [f"# Exercise {exercise_number(cell)}: your answer here."]
    lines += textwrap.wrap(f"Hint: {hint}", 94, initial_indent="# ", subsequent_indent="#   ",
                           break_on_hyphens=False, break_long_words=False) if hint else []
    answer = nbformat.v4.new_code_cell(
        "\n".join(lines) + "\n",
        metadata={"tags": ["exercise"], "slideshow": {"slide_type": "skip"}})
    if cell.get("id"):  # the solution's id: the same notebook gives the same file, byte for byte
        answer["id"] = cell["id"]
    return answer


def student_version(nb):
    """A copy of *nb* for students: each solution cell becomes an answer cell that holds the
    exercise's hint (:func:`hint_cell`)."""
    import copy

    out = copy.deepcopy(nb)
    out.cells = [hint_cell(c) if SOLUTION_TAG in c.get("metadata", {}).get("tags", []) else c
                 for c in out.cells]
    return out


def write_student_versions(out: str, books=None) -> list:
    """Write the student version of every notebook (or *books*) into *out*."""
    from pathlib import Path

    import nbformat

    from cxlib.app.catalogue import available

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
