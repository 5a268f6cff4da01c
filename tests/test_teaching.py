"""Slides and hand-outs: which cells decks and pages show, and the blocks a deck is built from."""

from __future__ import annotations

import base64
import struct
from unittest.mock import patch

import nbformat

from cxlib.app.decks import KEEP_TAG, deck_notebook, markdown_blocks, output_role
from cxlib.app.teaching import HIDE_INPUT_TAG, is_plumbing, png_size, presentable


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


def test_markdown_becomes_blocks_by_what_each_part_is():
    blocks = markdown_blocks(
        "# 03 · Title\n\nIntro paragraph\nover two lines.\n\n**In this notebook you will**\n"
        "- one;\n- two.\n\n- three, after a blank line\n\n## 1. A section\n"
        "The rules, fixed before any number is seen:\n\n```python\nx = 1\n\ny = 2\n```\n"
        "### A smaller heading\nLast words.")
    assert [role for role, _ in blocks] == ["title", "prose", "prose", "section", "leadin",
                                            "prose", "heading", "prose"]
    assert blocks[2][1].count("- ") == 3  # one list, however loose
    assert "y = 2" in blocks[5][1]  # a fenced block is not cut at its blank line


def _output(kind: str, **data):
    if kind == "stream":
        return nbformat.v4.new_output("stream", name="stdout", text=data["text"])
    return nbformat.v4.new_output("display_data", data)


def _shown(obj):
    """The output a notebook keeps when it displays *obj* (its MIME bundle and metadata)."""
    data, metadata = obj._repr_mimebundle_()
    return nbformat.v4.new_output("display_data", data, metadata=metadata)


def test_outputs_get_the_role_of_what_they_are():
    """The roles of what cxlib displays come from the output's metadata, not its words:
    Markdown that merely looks like a verdict is prose."""
    from cxlib.registry.claims import show_claims, show_rules
    from cxlib.registry.records import make_record
    from cxlib.stats.estimates import Estimate
    from cxlib.stats.verdicts import Verdict

    record = make_record("03", "RET-1", "cost_ratio", Estimate("cost ratio", 5.0, 4.0, 6.0, 90,
                                                               "ratio"),
                         Verdict("supported", "Because."), data="ledger.csv", synthetic=False)
    verdict, rules, card = _shown(record), _shown(show_rules("RET-1")), _shown(
        show_claims("RET-1"))
    lookalike = _output("md", **{"text/markdown": "**RET-1 · cost ratio: supported.** Why."})
    assert output_role(lookalike) == "prose"
    assert "supported" in verdict["data"]["text/plain"]  # the sentence, not an object's name
    listing = _output("stream", text="outlet    SD\nO06     0.90\nO09     0.92\n")
    sentence = _output("stream", text="log-rank p = 0.001\n")
    assert output_role(verdict) == "verdict" and output_role(rules) == "rules"
    assert output_role(card) == "claim" and output_role(listing) == "listing"
    assert output_role(sentence) == "note"
    assert output_role(sentence, 'customers = nb.load("customers")') == "data"
    assert output_role(_output("md", **{"image/png": _png(450)})) == "figure"
    assert output_role(_output("md", **{"text/html": "<table><tr><td>1</td></tr></table>"})) \
        == "table"
    assert output_role(nbformat.v4.new_output("stream", name="stderr", text="warn")) is None


def test_a_deck_shows_the_lesson_without_code_solutions_or_set_up():
    title = nbformat.v4.new_markdown_cell("# 03 · Title\n\nWhy it matters.")
    params = nbformat.v4.new_code_cell("data = {}", metadata={"tags": ["parameters"]})
    figure = _figure_cell(450)
    figure.outputs.append(_output("stream", text="the curve falls by 21 points\n"))
    solution = nbformat.v4.new_code_cell("# Solution 1\nprint(1)", metadata={
        "tags": ["solution"], "hint": "a hint"})
    versions = nbformat.v4.new_code_cell("cx.versions()")
    nb = nbformat.v4.new_notebook(cells=[title, params, figure, solution, versions])
    deck = deck_notebook(presentable(nb))
    roles = [c.metadata["tags"][0] for c in deck.cells]
    assert roles == ["cx-title", "cx-prose", "cx-figure", "cx-note"]
    assert deck.cells[0].metadata["slideshow"]["slide_type"] == "slide"
    assert all(HIDE_INPUT_TAG in c.metadata["tags"] for c in deck.cells[2:])
    assert KEEP_TAG in deck.cells[3].metadata["tags"]  # the sentence stays with its figure
    with_code = deck_notebook(presentable(nb), with_code=True)
    assert [c.metadata["tags"][0] for c in with_code.cells][2:4] == ["cx-code", "cx-figure"]
    assert with_code.cells[2].source == figure.source
    assert len(nb.cells) == 5  # the notebook itself is untouched


def test_figures_carry_their_size_for_the_page_and_the_deck():
    assert png_size(_png(450)) == (800, 450)
    shown = presentable(nbformat.v4.new_notebook(cells=[_figure_cell(300)]))
    assert shown.cells[0].outputs[0]["metadata"]["image/png"]["cxlib_size"] == [800, 300]


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


def test_a_verdict_is_a_verdict_block_by_its_role_and_set_up_sections_go():
    """A verdict an analysis could not give (``nb.attempt``) is displayed with the role
    ``verdict`` and gets the formatted block of a recorded verdict, not monospace output; a
    section whose only cell is set-up (the versions cell) leaves no heading alone on a
    slide."""
    from cxlib.errors import NotEstimable
    from cxlib.notebook.session import Session

    session, shown = Session.__new__(Session), []
    with patch("IPython.display.display", shown.append), session.attempt("REP-1"):
        raise NotEstimable("nobody is new")
    printed = nbformat.v4.new_code_cell('with nb.attempt("REP-1"): ...',
                                        outputs=[_shown(shown[0])])
    versions = [nbformat.v4.new_markdown_cell("## Versions used"),
                nbformat.v4.new_code_cell("cx.versions()")]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 06 · Title"),
                                         printed, *versions])
    deck = deck_notebook(presentable(nb))
    assert [c.metadata["tags"][0] for c in deck.cells] == ["cx-title", "cx-verdict"]
    shown = deck.cells[1].outputs[0]["data"]["text/markdown"]
    assert shown == "**REP-1: not testable with these data**: nobody is new"


def test_a_list_item_keeps_its_indented_code_and_paragraphs():
    blocks = markdown_blocks("## Using your own data\n1. Check your file:\n\n   ```\n   cxlib "
                             "validate survey my.csv\n   ```\n   You get a summary.\n2. Run it:"
                             "\n\n   ```\n   cxlib run\n   ```\n\nThe mapping looks like this:")
    assert [role for role, _ in blocks] == ["section", "prose", "leadin"]
    assert "2. Run it:" in blocks[1][1] and "cxlib run" in blocks[1][1]


def test_a_deck_names_the_data_read_without_the_column_lists():
    load = nbformat.v4.new_code_cell('survey = nb.load("survey")', outputs=[_output(
        "stream", text="survey.csv as 'survey' (csv)\n  rows read: 800; kept: 800; dropped: 0\n"
                       "  columns used (43): respondent_id, …\n")])
    deck = deck_notebook(presentable(nbformat.v4.new_notebook(cells=[load])))
    assert deck.cells[0].outputs[0]["text"] == ("survey.csv as 'survey' (csv)\n"
                                                "  rows read: 800; kept: 800; dropped: 0\n")
