"""Lesson decks: an executed notebook as slides built from what each cell is.

A deck is not the notebook cut at its cell boundaries. :func:`deck_notebook` reads an executed
notebook (as :func:`cxlib.app.teaching.presentable` shows it) and turns it into a sequence of
*blocks*, each with a role (a cell tag ``cx-<role>``):

===========  ==================================================================================
``title``    the notebook's first heading
``section``  a ``##`` heading: it opens a slide
``heading``  a smaller heading (``###``)
``prose``    a paragraph, list or table of the notebook's Markdown
``leadin``   a paragraph that ends with ":" (kept on the slide of what follows it)
``claim``    the claim card (``cx.show_claims``)
``rules``    a claim's decision rules (``nb.rules``)
``verdict``  a recorded verdict (``nb.test``, ``nb.conclude``): formatted text, not print output
``data``     the file a data set was read from and its rows (``nb.load``'s first lines)
``figure``   an image (and the size of its smallest text: :func:`~cxlib.notebook.display.text_px`)
``table``    an HTML table
``note``     a sentence the code printed (set in the text font, wrapped between words)
``listing``  printed text laid out in columns (monospace, never wrapped)
``caption``  a note about the figure before it (the sliders' note), kept with that figure
``code``     a cell's code: only in a teacher's deck (``with_code=True``)
``error``    an error a cell raised
===========  ==================================================================================

A sentence that a cell shows after its own results, and a data set's loading report after the
claim card, stay on the slide of what they follow (tag ``cx-keep``, and the roles ``caption``
and ``data``). The roles of what cxlib displays (the claim card, the rules, a verdict, the
sliders' caption) are read from the output's metadata (:class:`~cxlib.stats.formatting.Shown`),
never from its words. The set-up is left out:
the parameters cell, solutions, the versions cell (and a section holding nothing else), code
(unless asked for) and execution prompts. The deck template (``cxlib_slides``) lays the
blocks out in the browser, where their sizes are known (``slides/reveal/cxlib/cxlib-deck.js``):
every section opens a slide, blocks fill it in order, a lead-in and a heading stay with what
follows them, a block that does not fit goes on to the next slide under its section's title,
a figure is scaled to fit only as far as its smallest text stays at 18 px on a 1280 × 720
screen, and a table or list too tall for one slide continues on the next. The slides form one flat
sequence, so → (a clicker's "next"), space and PageDown all reach every slide in turn.
"""

from __future__ import annotations

import re

from cxlib.app.tags import HIDE_INPUT_TAG, SOLUTION_TAG
from cxlib.stats.formatting import ROLE_KEY

ROLE_PREFIX = "cx-"
"""Cell tags ``cx-<role>`` name a block's role; the deck's layout script reads them."""

KEEP_TAG = "cx-keep"
"""Tag of a block that stays on the slide of the block before it: a sentence a cell prints
after its own figure or table, which speaks of it."""

SKIPPED_TAGS = frozenset({SOLUTION_TAG, "parameters", "injected-parameters", "exercise"})
"""Cells a deck leaves out (solutions are for the teacher's page; students get hints)."""

_VERSIONS = "cx.versions()"
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_COLUMNS = re.compile(r"\S {3,}\S")


def markdown_blocks(source: str) -> list[tuple[str, str]]:
    """A Markdown cell as deck blocks ``(role, markdown)``: each heading on its own
    (``title`` for ``#``, ``section`` for ``##``, ``heading`` below), then each paragraph,
    list, fenced code or table as a block of its own (a list is one block, however many
    blank lines it holds, with the indented paragraphs and code of its items; the layout
    splits it between items when it is too tall). A paragraph that ends with ":" is a
    ``leadin``."""
    blocks: list[tuple[str, str]] = []
    lines: list[str] = []
    fenced = False

    def flush() -> None:
        text = "\n".join(lines).strip("\n")
        lines.clear()
        if not text.strip():
            return
        starts_list = bool(_LIST_ITEM.match(text.splitlines()[0]))
        if starts_list and blocks and blocks[-1][0] == "prose" and _ends_in_list(blocks[-1][1]):
            blocks[-1] = ("prose", blocks[-1][1] + "\n\n" + text)  # one loose list
            return
        role = "leadin" if text.rstrip().endswith(":") else "prose"
        blocks.append((role, text))

    blank = False  # a blank line seen: the block ends unless a list item goes on
    for line in source.splitlines():
        if blank and line.strip():
            if not (line.startswith((" ", "\t")) and _ends_in_list("\n".join(lines))):
                flush()
            elif lines:
                lines.append("")
            blank = False
        if line.lstrip().startswith("```"):
            fenced = not fenced
            lines.append(line)
            continue
        heading = None if fenced else _HEADING.match(line)
        if heading:
            flush()
            level = len(heading[1])
            blocks.append(({1: "title", 2: "section"}.get(level, "heading"), line.strip()))
        elif not fenced and not line.strip():
            blank = True
        else:
            lines.append(line)
    flush()
    return blocks


def _ends_in_list(text: str) -> bool:
    """Whether Markdown *text* ends inside a list (its last line an item or indented under
    one)."""
    lines = text.splitlines()
    items = [i for i, line in enumerate(lines) if _LIST_ITEM.match(line)]
    return bool(items) and all(line.startswith((" ", "\t")) for line in lines[items[-1] + 1:])


def output_role(output, source: str = "") -> str | None:
    """The role of one output of a code cell whose code is *source* (``None``: left out)."""
    kind = output.get("output_type")
    if kind == "error":
        return "error"
    if kind == "stream":
        return _stream_role(output, source)
    return _display_role(output.get("data", {}), output.get("metadata", {}).get(ROLE_KEY))


def _stream_role(output, source: str) -> str | None:
    """The role of text a cell whose code is *source* printed: the data it loaded
    (``nb.load``), a listing (two lines or more laid out in columns), or a note; what went to
    standard error, and blank text, are left out (``None``)."""
    if output.get("name") == "stderr" or not output.get("text", "").strip():
        return None
    if "nb.load(" in source:
        return "data"
    if sum(bool(_COLUMNS.search(line.strip())) for line in output["text"].splitlines()) >= 2:
        return "listing"
    return "note"


_IMAGES = ("image/png", "image/svg+xml", "image/jpeg")


def _display_role(data: dict, role: str | None = None) -> str | None:
    """The role of what a cell displayed: the *role* cxlib wrote into the output's metadata
    (:class:`~cxlib.stats.formatting.Shown`: rules, a verdict, the claim card, a caption; a
    caution reads as prose), else from its MIME bundle *data*: a figure, other Markdown as
    prose, a table (HTML with a table, as a typed result shows, whatever other forms it
    has), other Markdown or HTML as prose, or plain text as a note (``None``: nothing to
    show)."""
    if role:
        return "prose" if role == "caution" else role
    if any(kind in data for kind in _IMAGES):
        return "figure"
    if "<table" in "".join(data.get("text/html", "")):
        return "table"
    if "text/markdown" in data or "text/html" in data:
        return "prose"
    if "text/plain" in data and "".join(data["text/plain"]).strip():
        return "note"
    return None


def _first_lines(text: str, last: str) -> str:
    """*text* up to and including its first line that holds *last* (all of it if none)."""
    lines = text.splitlines(keepends=True)
    end = next((i for i, line in enumerate(lines) if last in line), len(lines) - 1)
    return "".join(lines[:end + 1])


def _skipped(cell) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    return bool(tags & SKIPPED_TAGS) or cell.get("source", "").strip().startswith(_VERSIONS)


def deck_notebook(nb, *, with_code: bool = False):
    """The notebook of blocks a deck shows for the executed notebook *nb* (see the module
    docstring): one cell per block, tagged with its role; code cells keep their outputs
    and lose their code (a teacher's deck, *with_code*, shows the code of every cell that
    is not set-up as a ``code`` block before its outputs)."""
    import copy

    out = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if _skipped(cell):
            continue
        if cell.cell_type == "markdown":
            cells += _markdown_cell_blocks(cell)
        elif cell.cell_type == "code":
            cells += _code_cell_blocks(cell, with_code)
    cells = _without_empty_sections(cells)
    if cells:
        cells[0].metadata["slideshow"] = {"slide_type": "slide"}
    out.cells = cells
    return out


def _block(cell, role: str, hide_input: bool = False):
    """*cell* as a deck block of *role* (its tags and slide type set)."""
    cell.metadata["tags"] = [ROLE_PREFIX + role, *([HIDE_INPUT_TAG] if hide_input else [])]
    cell.metadata["slideshow"] = {"slide_type": "-"}
    return cell


def _markdown_cell_blocks(cell) -> list:
    """A Markdown cell's blocks (:func:`markdown_blocks`), each keeping the pictures the
    cell embeds."""
    import nbformat

    blocks = []
    for role, text in markdown_blocks(cell.source):
        block = nbformat.v4.new_markdown_cell(text)
        if cell.get("attachments"):  # pictures the Markdown embeds
            block["attachments"] = cell["attachments"]
        blocks.append(_block(block, role))
    return blocks


def _code_cell_blocks(cell, with_code: bool) -> list:
    """A code cell's blocks: its code (*with_code*, unless hidden or empty), then each output
    it shows, in order, with its role (:func:`output_role`); a sentence after the cell's own
    result stays with it (:data:`KEEP_TAG`)."""
    import copy

    import nbformat

    blocks = []
    hidden = HIDE_INPUT_TAG in cell.metadata.get("tags", [])
    if with_code and not hidden and cell.source.strip():
        blocks.append(_block(nbformat.v4.new_code_cell(cell.source), "code"))
    shown = None  # the role of the cell's previous output
    for output in cell.get("outputs", []):
        role = output_role(output, cell.source)
        if role is None:
            continue
        output, role = _as_shown(output, role)
        blocks.append(_block(nbformat.v4.new_code_cell("", outputs=[copy.deepcopy(output)]),
                             role, hide_input=True))
        if role in ("note", "prose") and shown is not None:
            blocks[-1].metadata["tags"].append(KEEP_TAG)  # it speaks of what came before
        shown = role
    return blocks


def _as_shown(output, role: str):
    """An output of *role* as its deck block shows it, with its role: a data set's loading
    report cut to the file and its rows (the columns are for the page); others as they
    are."""
    import nbformat

    if role == "data":
        return nbformat.from_dict({**output,
                                   "text": _first_lines(output["text"], "rows read")}), role
    return output, role


def _without_empty_sections(cells: list) -> list:
    """*cells* without the section headings whose content was all set-up (a section
    followed by another section, the title, or nothing)."""
    opening = (ROLE_PREFIX + "section", ROLE_PREFIX + "title")
    return [c for i, c in enumerate(cells)
            if not (c.metadata["tags"][0] == ROLE_PREFIX + "section"
                    and (i + 1 == len(cells) or cells[i + 1].metadata["tags"][0] in opening))]
