"""Notebook code cells hold no control flow (issue 22, "thin notebooks").

A notebook cell loads, calls a cxlib function, shows the result and explains it; what a cell
would decide (is there enough data, which figure is testable, which data kinds the run has,
which sentence to print) is decided by the package. ``nb.attempt`` records a figure the data
cannot give as not testable with the reason the function raised (``cx.require``,
``cx.require_answers``, ``model.require(part)``, ``runs.require(kind)``), ``nb.test_all``
tests many figures at once, and ``cx.display.show`` shows nothing for a result that is None.

So no code cell outside the exercise solutions (cells tagged ``solution``, which a student
writes) contains an ``if``/``elif``/``else``, ``for``, ``while``, ``try`` or ``match``
statement, nor a conditional expression (``a if b else c``: the choice it makes belongs in
the package too). Comprehensions are allowed (a table built from a simple mapping), but
none may filter with ``if``.

Before: at the issue, 77 ``if``/``elif`` lines and 7 ``for`` loops across the 11 notebooks;
when this test was written, 78 ``if`` statements, 3 ``for`` loops, 2 ``try`` statements, 9
conditional expressions and 5 filtered comprehensions in the non-solution code cells (if
statements by notebook: 01: 9, with 2 for; 02: 11; 03: 10; 04: 2, with 1 for; 05: 7; 07: 5;
08: 19, with 2 try; 09: 6; 10: 9). After: none.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

BOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))
FLOW = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.IfExp, ast.Match)


def _flow(source: str) -> list[str]:
    """The control-flow nodes of a cell's code, as "line N: If" (IPython magics and shell
    lines are left out)."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())
    nodes = list(ast.walk(ast.parse(code)))
    return ([f"line {n.lineno}: {type(n).__name__}" for n in nodes if isinstance(n, FLOW)]
            + [f"line {n.target.lineno}: comprehension filter" for n in nodes
               if isinstance(n, ast.comprehension) and n.ifs])


def test_the_flow_counter_finds_each_kind():
    source = ("%matplotlib inline\nif a:\n    pass\nelif b:\n    pass\nfor x in y:\n    pass\n"
              "while c:\n    break\ntry:\n    pass\nexcept E:\n    pass\nz = 1 if d else 2\n"
              "w = [v for v in u if v]\nwith nb.attempt('X-1'):\n    q = {k: v for k, v in m}\n")
    kinds = [f.split(": ")[1] for f in _flow(source)]
    assert sorted(kinds) == sorted(["If", "If", "For", "While", "Try", "IfExp",
                                    "comprehension filter"])


def test_there_are_notebooks_to_check():
    assert len(BOOKS) >= 11


@pytest.mark.parametrize("path", BOOKS, ids=lambda p: p.stem)
def test_notebook_code_cells_have_no_control_flow(path):
    book = nbformat.read(path, as_version=4)
    cells = {i: c for i, c in enumerate(book.cells) if c.cell_type == "code"
             and "solution" not in c.metadata.get("tags", [])}
    assert cells
    found = {i: flow for i, c in cells.items() for flow in [_flow(c.source)] if flow}
    assert not found, f"{path.name}: control flow in code cells (cell index: nodes) {found}"
