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
    student/NN_name.ipynb     the notebooks for students (solutions replaced by hints)
    index.html                the report

A notebook that fails does not stop the others; its page shows where it stopped,
and the summary and the index say which failed. Notebooks run in parallel worker
processes (``jobs``), each with its own kernel, forked from the run's template process
that imported the scientific stack once (:mod:`cxlib.app.kernels`, :func:`kernels_for`).

The output folder is cxlib's alone (:mod:`cxlib.app.outdir`): the run writes into a
private staging folder and moves the report into place when it ends, so a run that fails,
is interrupted (Ctrl-C stops it at once, its kernels with it: :func:`_stop`) or finds that
an input file changed while it ran (:class:`InputWatch`) leaves the previous report as it
was; a second run into the same folder is refused while one is running. A full disk (no space
to write an executed notebook, a page or the report; an executed notebook cut short) stops the
run with one sentence naming the output folder (:class:`DiskFull`), never a traceback.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import nbformat

from cxlib.errors import UserDataError

CELL_TIMEOUT = 600
"""Seconds one cell may run before the notebook is stopped and marked failed."""
DISK_FULL = "the disk is full"
"""A notebook's error when its output could not be written for want of space (the runner
replaces it with :func:`disk_full_message`, which names the output folder)."""
LOW_SPACE = 64 * 2**20
"""Free bytes below which an executed notebook that cannot be read back (cut short, not
JSON) is taken to have been cut short by a full disk."""


def disk_full(err: BaseException) -> bool:
    """Whether *err* says that the disk, or the user's quota on it, is full."""
    return isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)


def short_of_space(folder: Path) -> bool:
    """Whether the disk holding *folder* has less than :data:`LOW_SPACE` bytes free."""
    try:
        return shutil.disk_usage(folder).free < LOW_SPACE
    except OSError:
        return False


def disk_full_message(folder: Path) -> str:
    """The disk is full, in plain words naming the output *folder* and what to do."""
    try:
        free = f" ({shutil.disk_usage(folder).free / 2**20:,.0f} MB free)"
    except OSError:
        free = ""
    return (f"the disk is full: cxlib could not write the report into {folder}{free}. Free "
            "some space on that disk, or give --out a folder on another disk, and run again; "
            "the previous report there is unchanged.")


class DiskFull(OSError):
    """A run stopped because the disk holding its output folder is full; :attr:`message`
    says so in plain words, naming the folder."""

    def __init__(self, folder: Path) -> None:
        self.message = disk_full_message(folder)
        super().__init__(errno.ENOSPC, self.message, str(folder))

    def __str__(self) -> str:
        return self.message


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
                label: str = "", *, slides_with_code: bool = False) -> NotebookResult:
    """Execute one notebook with papermill and write its HTML page and its deck (with the
    code of the analysis cells when *slides_with_code*); *name* (default: the notebook's
    stem) names what it writes, *label* the real data set of an evidence run.
    Within a run the kernel comes from the run's template (:mod:`cxlib.app.kernels`)."""
    import papermill as pm

    from cxlib.app.kernels import TemplateKernelManager

    for key, value in KERNEL_ENV.items():  # as a run sets them (kernels_for), when called alone
        os.environ.setdefault(key, value)
    os.environ["CXLIB_HEADLESS"] = "1"
    name = name or path.stem
    executed = out / "notebooks" / f"{name}.ipynb"
    start = time.perf_counter()
    error = ""
    try:
        with stderr_to(out / "kernels.log"):
            pm.execute_notebook(str(path), str(executed), parameters=parameters,
                                engine_name=_engine(), kernel_name="python3",
                                progress_bar=False, cwd=str(path.parent), log_output=False,
                                start_timeout=120, execution_timeout=CELL_TIMEOUT,
                                kernel_manager_class=TemplateKernelManager,
                                on_cell_executed=merge_streams,
                                extra_arguments=["--IPKernelApp.log_level=ERROR"])
    except pm.PapermillExecutionError as err:
        error = f"{err.ename}: {err.evalue}".strip()
    except Exception as err:  # a kernel that died, a bad notebook file, a full disk
        error = DISK_FULL if disk_full(err) else f"{type(err).__name__}: {err}"
    seconds = time.perf_counter() - start
    if executed.exists() and error != DISK_FULL:
        used = data_used(Path(parameters["results_dir"]) / f"{path.stem}.json") \
            if parameters.get("results_dir") else ""
        try:
            write_html(executed, out / f"{name}.html", used)
            write_slides(executed, out / "slides" / f"{name}.slides.html", used,
                         with_code=slides_with_code)
        except (nbformat.reader.NotJSONError, OSError) as err:
            # an executed notebook cut short (not JSON) on a disk with no room left was cut
            # short by the full disk, as is a page that could not be written for want of space
            if not (disk_full(err) or short_of_space(out)):
                raise
            error = DISK_FULL
    return NotebookResult(name, title_of(path), not error, seconds, error, label)


KERNEL_ENV = {"JUPYTER_PREFER_ENV_PATH": "1",
              "CXLIB_HEADLESS": "1",  # no widgets without a frontend
              "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
"""The environment of every kernel of a run (and of its template)."""


def merge_streams(cell, **_) -> None:
    """Join consecutive outputs of one stream (stdout, stderr) of an executed *cell* into one:
    how a kernel splits what a cell prints into messages depends on timing (its output is
    flushed every 0.2 s), so the executed notebook, its page and its deck show the same
    blocks however fast the kernel ran. Outputs of other kinds keep their places."""
    merged = []
    for out in cell.get("outputs", []):
        last = merged[-1] if merged else None
        if (out.get("output_type") == "stream" and last is not None
                and last.get("output_type") == "stream" and last.get("name") == out.get("name")):
            last["text"] += out["text"]
        else:
            merged.append(out)
    if "outputs" in cell:
        cell["outputs"] = merged


def _engine() -> str:
    """The papermill engine of a run: papermill's own (nbclient), except that the executed
    notebook is written once when it ends (or fails) rather than before and after every cell
    (twice per cell, each a full JSON validation and write: about a second per notebook)."""
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    class Manager(NotebookExecutionManager):
        finishing = False

        def save(self, **kwargs):
            if self.finishing:
                super().save(**kwargs)

        def notebook_complete(self, **kwargs):
            self.finishing = True
            super().notebook_complete(**kwargs)

    class Engine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True,
                             log_output=False, autosave_cell_every=30, **kwargs):
            nb_man = Manager(nb, output_path=output_path, progress_bar=progress_bar,
                             log_output=log_output, autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output,
                                             **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register("cxlib", Engine)
    return "cxlib"


def data_used(results_file: Path) -> str:
    """The data a notebook run read, as its page names them ("your file: survey.csv;
    synthetic sample (customers)"), from the result file its session wrote ("" if none)."""
    from cxlib.app.report import data_label

    try:
        doc = json.loads(results_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return "; ".join(dict.fromkeys(data_label(d) for d in doc.get("datasets", [])))


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


REPORT_AREAS = ("index.html", "results.json", "datasets.json", "validations.json",
                "glossary.html", "glossary.md", "kernels.log", "notebooks", "slides", "figures",
                "results", "student")
"""The top-level names a run writes besides its pages (``<name>.html``)."""


class Interrupted(KeyboardInterrupt):
    """The run was stopped (Ctrl-C, SIGTERM, SIGHUP); :attr:`message` says what was left."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def run(names: Sequence[str] | None = None, *, data: dict[str, str] | None = None,
        columns: str | None = None, out: str | Path = "report", drop_invalid: bool = False,
        jobs: int | None = None, evidence: bool | None = None, replace: bool = False,
        slides_with_code: bool = False,
        log: Callable[[str], None] = print) -> list[NotebookResult]:
    """Execute notebooks and write the report (see the module docstring). *evidence* adds
    the chosen notebooks' runs on bundled real data (:mod:`cxlib.app.evidence`); by default
    they run when the user gave no files of their own. *replace* lets the run write into a
    folder that is not cxlib's (:mod:`cxlib.app.outdir`: nothing of the user's is deleted).
    *slides_with_code* shows the analysis code in the decks (a teacher's build)."""
    from cxlib import __version__
    from cxlib.app.outdir import output_folder
    from cxlib.app.report import write_report
    from cxlib.data.datasets import load_data
    from cxlib.registry.records import write_results

    books = resolve(names)
    data = {k: str(Path(v).resolve()) for k, v in (data or {}).items()}
    columns = str(Path(columns).resolve()) if columns else None
    inputs = [*data.values(), *([columns] if columns else [])]
    with_evidence = not data if evidence is None else evidence
    names_run = [b.stem for b in books] + ([e.name for e in _evidence_runs(books)]
                                           if with_evidence else [])
    watch = InputWatch(inputs)  # before anything reads them
    final = Path(out).expanduser().resolve()
    try:
        own = [str(b) for b in books if b.parent != notebooks_dir()]  # a user's notebooks
        with stopping(), output_folder(
                final, inputs=[*inputs, *own], replace=replace, log=log,
                areas=[*REPORT_AREAS, *(f"{n}.html" for n in names_run)],
                prepare=lambda work: _prepare(work, books)) as stage:
            work = stage.path
            (work / "notebooks").mkdir(exist_ok=True)
            results_dir = work / "results"
            results_dir.mkdir()
            workers = _jobs(jobs, len(names_run))
            with validated_once(work / "validated") as validations, \
                    kernels_for(work, workers):
                for kind, path in data.items():  # fail fast, before any kernel starts
                    log(load_data(kind, path, columns, drop_invalid=drop_invalid)
                        .report.summary())
                watch.check()
                tasks = [(b, work, {"data": data, "columns": columns,
                                    "drop_invalid": drop_invalid,
                                    "results_dir": str(results_dir)}, b.stem, "")
                         for b in books]
                if with_evidence:
                    tasks += [(path, work, p, name, label) for path, p, name, label
                              in evidence_tasks(books, results_dir)]
                done = _execute(tasks, final, workers, log, watch,
                                slides_with_code=slides_with_code)
            watch.check()
            (work / "validations.json").write_text(json.dumps(validations, indent=1),
                                                   encoding="utf-8")
            records, datasets = collect_results(results_dir)
            write_results(work / "results.json", records, version=__version__)
            (work / "datasets.json").write_text(json.dumps(datasets, indent=1,
                                                           ensure_ascii=False, default=str),
                                                encoding="utf-8")
            write_report(work, done, records, datasets, given=list(data.values()))
            stage.commit()
    except OSError as err:
        if disk_full(err) and not isinstance(err, DiskFull):
            raise DiskFull(final) from None
        raise
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted: the run was stopped, with its notebooks and their "
                          f"kernels; nothing was written to {final} (what it held before is "
                          "unchanged).") from None
    for mine, kept in stage.kept:
        log(f"Kept {mine} as {kept.name}: cxlib did not write it, and does not overwrite it.")
    failed = [r.name for r in done if not r.ok]
    log(f"Report: {final / 'index.html'}")
    if failed:
        log(f"{len(failed)} notebook(s) failed: {', '.join(failed)} (see their pages)")
    return done


def _jobs(jobs: int | None, tasks: int) -> int:
    """How many notebooks run at once: *jobs*, by default two (or one on one processor),
    never more than there are notebooks."""
    return max(1, min(jobs or min(2, os.cpu_count() or 1), tasks))


@contextmanager
def kernels_for(work: Path, jobs: int) -> Iterator[None]:
    """Within the block, kernels started by the run's workers (forked here) come from one
    template process (:class:`cxlib.app.kernels.KernelTemplate`, which has imported the
    scientific stack once) and talk over IPC sockets in a private folder; with *jobs* > 1
    each uses one BLAS thread. The template and every kernel it forked are stopped when the
    block ends, however it ends. ``CXLIB_FRESH_KERNELS=1`` starts each kernel from scratch
    (on IPC sockets as well)."""
    from cxlib.app.kernels import FRESH, KernelTemplate, blas_threads, kernel_room

    env = {**KERNEL_ENV, **blas_threads(jobs)}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the workers' kernels inherit it
    template = None
    try:
        with kernel_room() as room:
            if os.environ.get(FRESH) != "1" and hasattr(os, "fork"):  # POSIX: fork
                template = KernelTemplate(room, work / "kernels.log", cwd=notebooks_dir())
            try:
                yield
            finally:
                if template is not None:
                    from cxlib.app.outdir import signals_held

                    with signals_held():
                        template.close()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _prepare(work: Path, books: Sequence[Path]) -> None:
    """What a run writes before its notebooks run: the glossary, and the student versions of
    cxlib's own notebooks among *books* (``student/``)."""
    from cxlib.app.teaching import write_student_versions

    write_glossary(work)
    ours = [b for b in books if b.parent == notebooks_dir()]
    if ours:
        write_student_versions(work / "student", ours)


@contextmanager
def stopping() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP stop the run as Ctrl-C does (KeyboardInterrupt),
    so that its kernels are stopped and its staging folder removed (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    saved = {s: signal.signal(s, interrupt) for s in
             (getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


class InputWatch:
    """The run's input files as they were when it started; :meth:`check` fails the run (a
    :class:`UserDataError` naming the file) when one was changed, replaced or removed since:
    its size, modification or change time, or file identity moved, and its SHA-256 (taken at
    the start) differs. A file that cannot be read is not watched (reading it says why)."""

    def __init__(self, paths: Sequence[str | Path]) -> None:
        from cxlib.app.outdir import sha256_of

        self.files: dict[Path, tuple[tuple, str]] = {}
        for path in map(Path, paths):
            try:
                self.files[path] = (self._stat(path), sha256_of(path))
            except OSError:
                continue

    @staticmethod
    def _stat(path: Path) -> tuple:
        st = os.stat(path)
        return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns

    def check(self) -> None:
        from cxlib.app.outdir import sha256_of

        for path, (before, digest) in self.files.items():
            try:
                now = self._stat(path)
                if now == before:
                    continue
                if now[2] == before[2] and sha256_of(path) == digest:  # touched, not changed
                    self.files[path] = (now, digest)
                    continue
                what = (f"its size went from {before[2]:,} to {now[2]:,} bytes"
                        if now[2] != before[2] else "its contents changed")
            except OSError:
                what = "it was moved or deleted"
            raise UserDataError(
                f"{path.name} changed while the run was using it ({what}): the notebooks may "
                f"have read different versions of it ({path}). The run stopped and wrote no "
                "report; the previous one is unchanged. Run again once nothing writes to the "
                "file (work on a copy if another program updates it).")


@contextmanager
def validated_once(folder: Path) -> Iterator[list[dict]]:
    """Within the block, every file loaded (here and in the kernels started here) is read and
    validated once and kept in a store at *folder* (:func:`cxlib.data.store.run_store`: made
    here, the run's alone, removed afterwards); the list yielded is filled with what was
    validated, and how long it took."""
    from cxlib.data.store import run_store, validations

    done: list[dict] = []
    with run_store(folder):
        try:
            yield done
        finally:
            done += validations(folder)


def _evidence_runs(books: Sequence[Path]) -> list:
    from cxlib.app.evidence import runs_for

    return runs_for({b.stem for b in books})


def _work(conn, task: tuple, slides_with_code: bool = False) -> None:
    """A worker process: run one notebook (:func:`execute_one`) and send back its result. It
    leaves the terminal's process group, so that Ctrl-C reaches the runner alone, which then
    stops it and its kernel (:func:`_stop`)."""
    if hasattr(os, "setsid"):
        os.setsid()
    for name in ("SIGTERM", "SIGHUP"):  # the runner's handlers are not the worker's
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    path, out, parameters, name, label = task
    try:
        result = execute_one(path, out, parameters, name, label,
                             slides_with_code=slides_with_code)
    except Exception as err:  # pragma: no cover - execute_one catches the notebook's errors
        result = NotebookResult(name, name, False, 0.0, f"{type(err).__name__}: {err}", label)
    conn.send(result)
    conn.close()


def _execute(tasks: Sequence[tuple], out: Path, jobs: int | None,
             log: Callable[[str], None], watch: InputWatch, *,
             slides_with_code: bool = False) -> list[NotebookResult]:
    """Run the notebook tasks ``(path, work folder, parameters, name, label)``, at most *jobs*
    at a time, each in a worker process of its own; check the input files as each ends. On
    Ctrl-C (or any error) nothing more starts and the running notebooks are stopped with
    their kernels at once (:func:`_stop`)."""
    import multiprocessing
    import multiprocessing.connection

    import nbconvert  # noqa: F401 - loaded once here, inherited by the workers
    import papermill  # noqa: F401

    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)
    jobs = _jobs(jobs, len(tasks))
    log(f"Running {len(tasks)} notebook(s) with {jobs} worker(s) → {out}")
    queue, running, done = list(tasks), {}, []
    try:
        while queue or running:
            while queue and len(running) < jobs:
                task = queue.pop(0)
                receive, send = context.Pipe(duplex=False)
                worker = context.Process(target=_work, args=(send, task, slides_with_code),
                                         daemon=True)
                worker.start()
                send.close()
                running[receive] = (worker, task, time.perf_counter())
            for conn in multiprocessing.connection.wait(list(running), timeout=1.0):
                worker, task, started = running.pop(conn)
                try:
                    res = conn.recv()
                except (EOFError, OSError):
                    res = None
                conn.close()
                worker.join(timeout=10)
                if res is None:
                    res = NotebookResult(task[3], title_of(task[0]), False,
                                         time.perf_counter() - started,
                                         "the process running the notebook stopped "
                                         f"(exit code {worker.exitcode})", task[4])
                if res.error == DISK_FULL:
                    raise DiskFull(out)  # no later notebook, nor the report, could be written
                done.append(res)
                status = "ok" if res.ok else f"FAILED — {res.error.splitlines()[0][:200]}"
                log(f"  [{len(done)}/{len(tasks)}] {res.name}: {status} ({res.seconds:.1f} s)")
            watch.check()
    except BaseException:
        from cxlib.app.outdir import signals_held
        with signals_held():
            _stop([worker for worker, _, _ in running.values()])
        raise
    return sorted(done, key=lambda r: r.name)


def _stop(workers: Sequence) -> None:
    """Stop worker processes and everything they started (kernels, and what the kernels
    started), at once: each worker is frozen (SIGSTOP: it can start nothing more), then it
    and every process under it are killed (SIGKILL); the workers are reaped and the kernels'
    connection files removed. Kernels run in sessions of their own, so killing the worker
    alone would leave them running until they noticed."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - ipykernel needs psutil
        psutil = None
    below = []
    for worker in workers:
        with suppress(ProcessLookupError, AttributeError, TypeError):
            os.kill(worker.pid, signal.SIGSTOP)
        if psutil is not None:
            with suppress(psutil.Error):
                below += psutil.Process(worker.pid).children(recursive=True)
    files = [_connection_file(p) for p in below]
    for proc in below:
        with suppress(psutil.Error):
            proc.kill()
    for worker in workers:
        with suppress(ProcessLookupError, AttributeError):
            worker.kill()
    for worker in workers:
        worker.join(timeout=5)
    for path in filter(None, files):
        with suppress(OSError):
            path.unlink()


def _connection_file(proc) -> Path | None:
    """The connection file of a kernel process (``-f FILE``: ``kernel-*.json`` in Jupyter's
    runtime folder, or ``tmp*.json`` in the temporary folder), or ``None``."""
    import tempfile

    try:
        from jupyter_core.paths import jupyter_runtime_dir

        args = proc.cmdline()
        path = Path(args[args.index("-f") + 1]).resolve()
    except Exception:  # not a kernel, gone already, no jupyter_core
        return None
    places = {Path(jupyter_runtime_dir()).resolve(): "kernel-",
              Path(tempfile.gettempdir()).resolve(): "tmp"}
    prefix = places.get(path.parent)
    return path if prefix and path.name.startswith(prefix) and path.suffix == ".json" else None


def evidence_tasks(books: Sequence[Path], results_dir: Path) -> list[tuple]:
    """The evidence runs of *books* as tasks ``(path, parameters, name, label)``."""
    paths = {b.stem: b for b in books}
    return [(paths[e.notebook], e.parameters(results_dir), e.name, e.label)
            for e in _evidence_runs(books)]


def collect_results(results_dir: Path) -> tuple[list, list[dict]]:
    """Merge the per-notebook result files into records and data-set reports; a file in a
    subfolder is an evidence run's, whose data sets are listed under the run's name. An
    evidence run exists for its real data: what it read from the synthetic sample (a kind
    the real data set does not give, such as the survey beside an experiment in notebook 10)
    repeats the demonstration run and is left out, records and data sets alike."""
    from cxlib.registry.records import read_notebook_results

    records, datasets = [], []
    for path in sorted(results_dir.rglob("*.json")):
        doc = read_notebook_results(path)  # refuses a file of another schema version
        evidence = path.parent != results_dir
        run = path.parent.name if evidence else doc["notebook"]
        records += [r for r in doc["records"] if not (evidence and r.synthetic)]
        datasets += [{"notebook": run, **d} for d in doc["datasets"]
                     if not (evidence and d.get("synthetic"))]
    return records, datasets
