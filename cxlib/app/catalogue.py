"""The notebooks cxlib ships: where they are, which there are, and which a user means.

:func:`notebooks_dir` finds the folder (a repository checkout or an installed wheel),
:func:`available` lists its notebooks in order, :func:`resolve` turns what a user typed
('05', '05_word_of_mouth', a path) into notebook files, and :func:`title_of` reads a
notebook's title. The run (:mod:`cxlib.app.runner`), the output folder's guard
(:mod:`cxlib.app.outdir`) and the teaching build (:mod:`cxlib.app.teaching`) read them here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cxlib.errors import UserDataError


def notebooks_dir() -> Path:
    """The folder holding the notebooks (repo checkout or installed wheel)."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / "notebooks", package / "_notebooks"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the notebooks folder was not found")


def available() -> list[Path]:
    """All notebooks, in order."""
    return sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))


def resolve(names: Sequence[str] | None) -> list[Path]:
    """Notebook paths from names, stems, number prefixes ('05', '05_word_of_mouth') or paths."""
    books = available()
    if not names:
        return books
    chosen = []
    for name in names:
        if name.endswith(".ipynb") and Path(name).is_file():
            chosen.append(Path(name).resolve())
            continue
        stem = Path(name).stem
        hits = [b for b in books if b.stem == stem or b.stem.startswith(f"{stem}_")]
        if len(hits) != 1:
            raise UserDataError(f"No single notebook matches '{name}'. Available: "
                                + ", ".join(b.stem for b in books))
        chosen.append(hits[0])
    return chosen


def title_of(path: Path) -> str:
    """The first heading of a notebook."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem
