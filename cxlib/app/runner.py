"""Running the notebooks: papermill execution, HTML pages, results.json and the report.

``run()`` executes the chosen notebooks (all by default) with their ``parameters``
cell set to the user's data, writes into the output folder::

    notebooks/NN_name.ipynb   executed notebooks
    NN_name.html              one page per notebook
    slides/NN_name.slides.html   one reveal.js slide deck per notebook
    glossary.html             the glossary the notebooks link to
    NN_name--slug.html        the same notebook run on a real data set (cxlib.app.evidence)
    results.json              every headline figure (list of records)
    datasets.json             what was read, kept and dropped, per notebook and file
    index.html                the report

A notebook that fails does not stop the others; its page shows where it stopped,
and the summary and the index say which failed. Notebooks run in parallel worker
processes (``jobs``), each with its own kernel.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat

from cxlib.errors import UserDataError

CELL_TIMEOUT = 600
"""Seconds one cell may run before the notebook is stopped and marked failed."""


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
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem


@dataclass
class NotebookResult:
    """How one notebook run went."""

    name: str
    title: str
    ok: bool
    seconds: float
    error: str = ""
    label: str = ""  # the real data set of an evidence run; "" for the demonstration

    @property
    def page(self) -> str:
        return f"{self.name}.html"


def execute_one(path: Path, out: Path, parameters: dict, name: str | None = None,
                label: str = "") -> NotebookResult:
    """Execute one notebook with papermill and write its HTML page; *name* (default: the
    notebook's stem) names what it writes, *label* the real data set of an evidence run."""
    import papermill as pm

    os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")
    os.environ["CXLIB_HEADLESS"] = "1"  # kernels inherit it: no widgets without a frontend
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    name = name or path.stem
    executed = out / "notebooks" / f"{name}.ipynb"
    start = time.perf_counter()
    error = ""
    try:
        with stderr_to(out / "kernels.log"):
            pm.execute_notebook(str(path), str(executed), parameters=parameters,
                                kernel_name="python3", progress_bar=False, cwd=str(path.parent),
                                log_output=False, start_timeout=120,
                                execution_timeout=CELL_TIMEOUT,
                                extra_arguments=["--IPKernelApp.log_level=ERROR"])
    except pm.PapermillExecutionError as err:
        error = f"{err.ename}: {err.evalue}".strip()
    except Exception as err:  # a kernel that died, a bad notebook file
        error = f"{type(err).__name__}: {err}"
    seconds = time.perf_counter() - start
    if executed.exists():
        write_html(executed, out / f"{name}.html")
        write_slides(executed, out / "slides" / f"{name}.slides.html")
    return NotebookResult(name, title_of(path), not error, seconds, error, label)


@contextmanager
def stderr_to(log: Path) -> Iterator[None]:
    """Send this process's standard error, and so that of the kernels it starts, to *log*
    (appended): what a kernel says while it shuts down ("KeyboardInterrupt caught in
    kernel") is kept there instead of on the user's terminal. Failures still reach the
    terminal, as each notebook's error."""
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    with open(log, "a", encoding="utf-8") as handle:
        os.dup2(handle.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


TEMPLATES = Path(__file__).parent / "templates" / "nbconvert"
REVEAL = Path(__file__).parent / "assets" / "reveal"


def _export(exporter_class, executed: Path, glossary: str, *, fit: bool = False,
            **options) -> str:
    """An executed notebook through one of cxlib's nbconvert templates (``cxlib_page`` or
    ``cxlib_slides``): hidden cells left out (:func:`cxlib.app.teaching.presentable`), links to
    ``glossary.md`` pointed at the HTML glossary *glossary*."""
    import re

    from nbconvert.preprocessors import TagRemovePreprocessor

    from cxlib.app.teaching import HIDE_INPUT_TAG, fit_slides, presentable

    nb = presentable(nbformat.read(executed, as_version=4), title_of(executed))
    if fit:
        fit_slides(nb)
    exporter = exporter_class(extra_template_basedirs=[str(TEMPLATES)],
                              extra_template_paths=[str(TEMPLATES)], **options)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={HIDE_INPUT_TAG}),
                                   enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": executed.stem}})
    return re.sub(r'href="glossary\.md(#[^"]*)?"', lambda m: f'href="{glossary}{m[1] or ""}"',
                  body)


def write_html(executed: Path, page: Path) -> None:
    """Export an executed notebook to a standalone HTML page (no network needed)."""
    from nbconvert import HTMLExporter

    page.write_text(_export(HTMLExporter, executed, "glossary.html",
                            template_name="cxlib_page"), encoding="utf-8")


def write_slides(executed: Path, deck: Path) -> None:
    """Export an executed notebook as a reveal.js deck that works offline: reveal.js is
    copied into ``slides/reveal/dist/`` beside the decks (MIT licence included)."""
    import shutil

    from nbconvert import SlidesExporter

    deck.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REVEAL, deck.parent / "reveal" / "dist", dirs_exist_ok=True)
    deck.write_text(_export(SlidesExporter, executed, "../glossary.html",
                            fit=True, template_name="cxlib_slides", reveal_url_prefix="reveal",
                            reveal_theme="cxlib"), encoding="utf-8")


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


def run(names: Sequence[str] | None = None, *, data: dict[str, str] | None = None,
        columns: str | None = None, out: str | Path = "report", drop_invalid: bool = False,
        jobs: int | None = None, evidence: bool | None = None,
        log: Callable[[str], None] = print) -> list[NotebookResult]:
    """Execute notebooks and write the report (see the module docstring). *evidence* adds
    the chosen notebooks' runs on bundled real data (:mod:`cxlib.app.evidence`); by default
    they run when the user gave no files of their own."""
    from cxlib import __version__
    from cxlib.app.report import write_report
    from cxlib.data.datasets import load_data
    from cxlib.registry.records import write_results

    books = resolve(names)
    out = Path(out).resolve()
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    results_dir = out / "results"
    results_dir.mkdir(exist_ok=True)
    for stale in results_dir.rglob("*.json"):
        stale.unlink()
    data = {k: str(Path(v).resolve()) for k, v in (data or {}).items()}
    columns = str(Path(columns).resolve()) if columns else None
    with validated_once(out / "validated") as validations:
        for kind, path in data.items():  # fail fast, before any kernel starts
            log(load_data(kind, path, columns, drop_invalid=drop_invalid).report.summary())
        done = _execute(books, data, columns, drop_invalid, results_dir, out, evidence, jobs,
                        log)
    (out / "validations.json").write_text(json.dumps(validations, indent=1), encoding="utf-8")
    records, datasets = collect_results(results_dir)
    write_results(out / "results.json", records, version=__version__)
    (out / "datasets.json").write_text(json.dumps(datasets, indent=1, ensure_ascii=False,
                                                  default=str), encoding="utf-8")
    write_report(out, done, records, datasets)
    write_glossary(out)
    failed = [r.name for r in done if not r.ok]
    log(f"Report: {out / 'index.html'}")
    if failed:
        log(f"{len(failed)} notebook(s) failed: {', '.join(failed)} (see their pages)")
    return done


@contextmanager
def validated_once(folder: Path) -> Iterator[list[dict]]:
    """Within the block, every file loaded (here and in the kernels started here) is read and
    validated once and kept in *folder* (:mod:`cxlib.data.store`); the folder is removed
    afterwards and the list yielded is filled with what was validated, and how long it took."""
    import shutil

    from cxlib.data.store import STORE_VARIABLE, validations

    shutil.rmtree(folder, ignore_errors=True)
    before = os.environ.get(STORE_VARIABLE)
    os.environ[STORE_VARIABLE] = str(folder)
    done: list[dict] = []
    try:
        yield done
    finally:
        done += validations(folder)
        shutil.rmtree(folder, ignore_errors=True)
        if before is None:
            os.environ.pop(STORE_VARIABLE, None)
        else:
            os.environ[STORE_VARIABLE] = before


def _execute(books: Sequence[Path], data: dict[str, str], columns: str | None,
             drop_invalid: bool, results_dir: Path, out: Path, evidence: bool | None,
             jobs: int | None, log: Callable[[str], None]) -> list[NotebookResult]:
    """Run the notebooks (and their evidence runs) in a pool of worker processes."""
    params = {"data": data, "columns": columns, "drop_invalid": drop_invalid,
              "results_dir": str(results_dir)}
    tasks = [(b, params, b.stem, "") for b in books]
    if not data if evidence is None else evidence:
        tasks += evidence_tasks(books, results_dir)
    jobs = max(1, min(jobs or min(2, os.cpu_count() or 1), len(tasks)))
    log(f"Running {len(tasks)} notebook(s) with {jobs} worker(s) → {out}")
    done: list[NotebookResult] = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(execute_one, path, out, p, name, label)
                   for path, p, name, label in tasks]
        for future in as_completed(futures):
            res = future.result()
            done.append(res)
            status = "ok" if res.ok else f"FAILED — {res.error.splitlines()[0][:200]}"
            log(f"  [{len(done)}/{len(tasks)}] {res.name}: {status} ({res.seconds:.1f} s)")
    return sorted(done, key=lambda r: r.name)


def evidence_tasks(books: Sequence[Path], results_dir: Path) -> list[tuple]:
    """The evidence runs of *books* as tasks ``(path, parameters, name, label)``."""
    from cxlib.app.evidence import runs_for

    paths = {b.stem: b for b in books}
    return [(paths[e.notebook], e.parameters(results_dir), e.name, e.label)
            for e in runs_for(paths)]


def collect_results(results_dir: Path) -> tuple[list, list[dict]]:
    """Merge the per-notebook result files into records and data-set reports; a file in a
    subfolder is an evidence run's, whose data sets are listed under the run's name. An
    evidence run exists for its real data: what it read from the synthetic sample (a kind
    the real data set does not give, such as the survey beside an experiment in notebook 10)
    repeats the demonstration run and is left out, records and data sets alike."""
    from cxlib.registry.records import records_from_dicts

    records, datasets = [], []
    for path in sorted(results_dir.rglob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        evidence = path.parent != results_dir
        run = path.parent.name if evidence else doc["notebook"]
        records += [r for r in records_from_dicts(doc["records"])
                    if not (evidence and r.synthetic)]
        datasets += [{"notebook": run, **d} for d in doc["datasets"]
                     if not (evidence and d.get("synthetic"))]
    return records, datasets
