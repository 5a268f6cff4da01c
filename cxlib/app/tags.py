"""The cell tags that the teaching build (:mod:`cxlib.app.teaching`), the pages and the decks
(:mod:`cxlib.app.decks`) read, in a module of their own so that the decks need not import
the teaching build."""

from __future__ import annotations

SOLUTION_TAG = "solution"
"""Tag of an exercise's solution cell: students get its hint instead."""

HIDE_INPUT_TAG = "cxlib-hide-input"
"""Tag that asks the page and deck exporters to show a cell's output without its code."""
