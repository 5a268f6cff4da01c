"""Slides and hand-outs: which cells decks and pages show, and how slides are cut to fit."""

from __future__ import annotations

import base64
import struct

import nbformat

from cxlib.app.teaching import (
    HIDE_INPUT_TAG,
    SLIDE_HEIGHT,
    estimated_height,
    fit_slides,
    is_plumbing,
    presentable,
)


def _png(height: int) -> str:
    """A base64 PNG header of the given pixel height (enough for the height reader)."""
    head = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 800,
                                                                              height)
    return base64.b64encode(head + b"\x08\x06\x00\x00\x00").decode()


def _figure_cell(height: int):
    return nbformat.v4.new_code_cell("cx.widgets.clv_explorer()", outputs=[nbformat.v4.new_output(
        "display_data", {"image/png": _png(height), "text/plain": "Figure: CLV"})])


def test_plumbing_cells_show_output_only_and_parameters_are_left_out():
    params = nbformat.v4.new_code_cell("data = {}", metadata={"tags": ["parameters"]})
    injected = nbformat.v4.new_code_cell('results_dir = "/home/me/build"',
                                         metadata={"tags": ["injected-parameters"]})
    start = nbformat.v4.new_code_cell('import cxlib as cx\n\nnb = cx.start("03", data, columns,\n'
                                      '    drop_invalid, results_dir)\ncx.show_claims("RET-1")')
    analysis = nbformat.v4.new_code_cell('customers = nb.load("customers")')
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 03 · Title"), params,
                                         injected, start, analysis])
    shown = presentable(nb, "03 · Title")
    assert len(shown.cells) == 3 and shown.metadata["title"] == "03 · Title"
    assert is_plumbing(start) and not is_plumbing(analysis)
    assert HIDE_INPUT_TAG in shown.cells[1].metadata["tags"]
    assert "tags" not in shown.cells[2].metadata
    assert len(nb.cells) == 5  # the original is untouched


def test_slides_are_cut_where_the_next_cell_would_overflow():
    assert 450 < estimated_height(_figure_cell(450)) < 560
    assert estimated_height(_figure_cell(2000)) < 700  # the deck caps an image at 560 px
    cells = [nbformat.v4.new_markdown_cell("## A section")]
    for _ in range(3):
        cells += [nbformat.v4.new_markdown_cell("Some explanation. " * 8), _figure_cell(450)]
    nb = nbformat.v4.new_notebook(cells=cells)
    for cell in nb.cells:
        cell.metadata["slideshow"] = {"slide_type": "slide" if cell.source.startswith("##")
                                      else "-"}
    added = fit_slides(nb)
    kinds = [c.metadata["slideshow"]["slide_type"] for c in nb.cells]
    assert added == 2 and kinds.count("subslide") == 2
    heights, used = [], 0
    for cell, kind in zip(nb.cells, kinds, strict=True):
        if kind != "-" and used:
            heights.append(used)
            used = 0
        used += estimated_height(cell)
    heights.append(used)
    assert max(heights) <= SLIDE_HEIGHT


def test_pages_get_plain_dollars_back():
    md = nbformat.v4.new_markdown_cell(r"winning back \\$1 costs \\$10")
    code = nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", {"text/markdown": r"costs \\$10",
                                                "text/html": r"<td>Winning back \$1</td>"})])
    shown = presentable(nbformat.v4.new_notebook(cells=[md, code]))
    assert shown.cells[0].source == r"winning back \$1 costs \$10"  # nbconvert shows "$"
    data = shown.cells[1].outputs[0]["data"]
    assert data["text/markdown"] == r"costs \$10"
    assert data["text/html"] == "<td>Winning back $1</td>"
