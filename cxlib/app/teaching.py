"""The teaching build: slides and student versions of the notebooks.

Every notebook carries reveal.js slide metadata (:func:`add_slide_metadata`), so a
teacher can present it in JupyterLab (jupyterlab-rise) or from the offline HTML deck that
``cxlib run`` writes. Pages and decks show a notebook as :func:`presentable` makes it (no
parameters, no set-up code); decks are cut into sub-slides that fit (:func:`fit_slides`).
Exercise solutions are code cells tagged ``solution`` with a hand-written ``hint`` in their
metadata; they run in the tests, and :func:`student_version` replaces each by an answer
cell holding its hint.
"""

from __future__ import annotations

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


HIDDEN_CELL_TAGS = frozenset({"parameters", "injected-parameters"})
"""Cells left out of pages and decks: the parameters cell and the cell papermill injects
(it shows the build paths)."""

HIDE_INPUT_TAG = "cxlib-hide-input"
"""Tag that asks the page and deck exporters to show a cell's output without its code."""

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
    :data:`HIDDEN_CELL_TAGS`, with the code of plumbing cells (:func:`is_plumbing`) hidden
    and *title* as the notebook's title."""
    import copy

    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells
                 if not HIDDEN_CELL_TAGS & set(c.get("metadata", {}).get("tags", []))]
    for cell in out.cells:
        if is_plumbing(cell):
            cell.metadata.setdefault("tags", []).append(HIDE_INPUT_TAG)
        _dollars_without_mathjax(cell)
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


SLIDE_HEIGHT = 700
"""Height of a reveal.js slide in CSS pixels (nbconvert's default; the deck scales it)."""


def estimated_height(cell) -> int:
    """Rough height of a cell on a slide in CSS pixels: 30 px per line of text (a line holds
    about 60 characters), 26 px per line of code or printed output, 45 px per table row, an
    image's own height up to 560 px (the deck's cap), plus 20 px of spacing per block."""
    def text(source: str, per_line: int, width: int = 60) -> int:
        lines = source.splitlines() or [""]
        return per_line * sum(1 + len(line) // width for line in lines) + 20

    if cell.get("cell_type") == "markdown":
        return text(cell.get("source", ""), 30)
    hidden = HIDE_INPUT_TAG in cell.get("metadata", {}).get("tags", [])
    height = 0 if hidden else text(cell.get("source", ""), 26, 90)
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "image/png" in data:
            height += min(_png_height(data["image/png"]), 560) + 20
        elif "text/html" in data:
            height += 45 * str(data["text/html"]).count("<tr") + 20
        elif "text/markdown" in data:
            height += text(str(data["text/markdown"]), 30)
        else:
            height += text("".join(out.get("text", "")) or str(data.get("text/plain", "")),
                           26, 90)
    return height


def _png_height(b64: str | list) -> int:
    """Pixel height of a base64 PNG (from its IHDR chunk)."""
    import base64

    head = base64.b64decode("".join(b64)[:44])
    return int.from_bytes(head[20:24], "big")


def fit_slides(nb, height: int = SLIDE_HEIGHT) -> int:
    """Start a sub-slide wherever the next cell would overflow the current slide (heights from
    :func:`estimated_height`, outputs included, so run on the executed notebook); a single
    cell taller than a slide keeps a slide of its own, which scrolls. Returns the number of
    sub-slides added."""
    used, added = 0, 0
    for cell in nb.cells:
        show = cell.setdefault("metadata", {}).setdefault("slideshow", {})
        kind = show.get("slide_type", "-")
        if kind in ("skip", "notes"):
            continue
        h = estimated_height(cell)
        if kind in ("slide", "subslide"):
            used = h
        elif used and used + h > height:
            show["slide_type"] = "subslide"
            used, added = h, added + 1
        else:
            used += h
    return added


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

    from cxlib.app.runner import available

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
