"""The pages a run writes beside its report: each executed notebook as a standalone HTML page
(:func:`write_html`) and as an offline lesson deck (:func:`write_slides`, built by
:mod:`cxlib.app.decks`), both through cxlib's nbconvert templates, each naming the data it
used (:func:`data_used`); and the glossary they link to (:func:`write_glossary`).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from cxlib.app.catalogue import notebooks_dir, title_of

TEMPLATES = Path(__file__).parent / "templates" / "nbconvert"
REVEAL = Path(__file__).parent / "assets" / "reveal"
DECK = Path(__file__).parent / "assets" / "deck"


def _export(exporter_class, executed: Path, glossary: str, *, deck: bool = False,
            with_code: bool = False, data: str = "", **options) -> str:
    """An executed notebook through one of cxlib's nbconvert templates (``cxlib_page`` or
    ``cxlib_slides``): hidden cells left out (:func:`cxlib.app.teaching.presentable`), for a
    *deck* the lesson's blocks (:func:`cxlib.app.decks.deck_notebook`, code shown only
    *with_code*), links to ``glossary.md`` pointed at the HTML glossary *glossary*, *data*
    (the data it used) named at the top."""
    import re

    from nbconvert.preprocessors import TagRemovePreprocessor

    from cxlib.app.decks import deck_notebook
    from cxlib.app.teaching import HIDE_INPUT_TAG, presentable

    nb = presentable(nbformat.read(executed, as_version=4), title_of(executed))
    if deck:
        nb = deck_notebook(nb, with_code=with_code)
    exporter = exporter_class(extra_template_basedirs=[str(TEMPLATES)],
                              extra_template_paths=[str(TEMPLATES)], **options)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={HIDE_INPUT_TAG}),
                                   enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": executed.stem,
                                                                      "data": data}})
    return re.sub(r'href="glossary\.md(#[^"]*)?"', lambda m: f'href="{glossary}{m[1] or ""}"',
                  body)


def write_html(executed: Path, page: Path, data: str = "") -> None:
    """Export an executed notebook to a standalone HTML page (no network needed) that names
    the *data* it used."""
    from nbconvert import HTMLExporter

    page.write_text(_export(HTMLExporter, executed, "glossary.html", data=data,
                            template_name="cxlib_page"), encoding="utf-8")


def write_slides(executed: Path, deck: Path, data: str = "", *,
                 with_code: bool = False) -> None:
    """Export an executed notebook as a lesson deck that works offline
    (:mod:`cxlib.app.decks`): reveal.js is copied into ``slides/reveal/dist/`` beside the
    decks (MIT licence included), the deck's layout script and style into
    ``slides/reveal/cxlib/``. *with_code* shows the code of the analysis cells (a teacher's
    deck); by default a deck shows the lesson without code."""
    import shutil

    from nbconvert import SlidesExporter

    deck.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REVEAL, deck.parent / "reveal" / "dist", dirs_exist_ok=True)
    shutil.copytree(DECK, deck.parent / "reveal" / "cxlib", dirs_exist_ok=True)
    deck.write_text(_export(SlidesExporter, executed, "../glossary.html", data=data,
                            deck=True, with_code=with_code, template_name="cxlib_slides",
                            reveal_url_prefix="reveal", reveal_theme="cxlib"),
                    encoding="utf-8")


def write_glossary(out: Path) -> None:
    """The glossary the notebooks link to: glossary.html beside the pages, and the Markdown
    source beside the executed notebooks (whose links read ``glossary.md#term``)."""
    import mistune

    source = notebooks_dir() / "glossary.md"
    if not source.exists():
        return
    text = source.read_text(encoding="utf-8")
    for folder in (out, out / "notebooks"):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "glossary.md").write_text(text, encoding="utf-8")
    body = mistune.html(text)  # the project's own file: its anchors are HTML
    (out / "glossary.html").write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>Glossary · cxlib</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.5}:target{background:#fff8c5}</style></head><body>"
        f"<p><a href='index.html'>← report</a></p>{body}</body></html>", encoding="utf-8")


def data_used(results_file: Path) -> str:
    """The data a notebook run read, as its page names them ("your file: survey.csv;
    synthetic sample (customers)"), from the result file its session wrote ("" if none)."""
    from cxlib.app.report import data_label

    try:
        doc = json.loads(results_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return "; ".join(dict.fromkeys(data_label(d) for d in doc.get("datasets", [])))
