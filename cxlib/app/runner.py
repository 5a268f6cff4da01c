"""Running the notebooks: the run from the user's files to the report in the output folder.

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
and the summary and the index say which failed. This module holds the run's order of
work; each job is a module of its own:

=========================  ==========================================================
:mod:`cxlib.app.catalogue`  the notebooks there are, and which ones the user named
:mod:`cxlib.app.inputs`     the input files, watched for changes and validated once
:mod:`cxlib.app.workers`    the notebooks run in parallel worker processes, each with its
                            own kernel forked from the run's template process that
                            imported the scientific stack once (:mod:`cxlib.app.kernels`)
:mod:`cxlib.app.execution`  one notebook executed with papermill (:class:`NotebookResult`)
:mod:`cxlib.app.pages`      its HTML page and lesson deck, and the glossary
:mod:`cxlib.app.disk`       a full disk, said plainly (:class:`~cxlib.app.disk.DiskFull`)
:mod:`cxlib.app.outdir`     the output folder, cxlib's alone
:mod:`cxlib.app.report`     the report (``index.html``)
=========================  ==========================================================

The run writes into a private staging folder and moves the report into place when it
ends, so a run that fails, is interrupted (Ctrl-C stops it at once, its kernels with it:
:func:`cxlib.app.workers.stop_workers`) or finds that an input file changed while it ran
(:class:`cxlib.app.inputs.InputWatch`) leaves the previous report as it was; a second run
into the same folder is refused while one is running. A full disk (no space to write an
executed notebook, a page or the report; an executed notebook cut short) stops the run with
one sentence naming the output folder (:class:`~cxlib.app.disk.DiskFull`), never a traceback.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from cxlib.app.catalogue import notebooks_dir, resolve
from cxlib.app.disk import DiskFull, disk_full
from cxlib.app.execution import NotebookResult
from cxlib.app.inputs import InputWatch, validated_once
from cxlib.app.pages import write_glossary
from cxlib.app.workers import execute_all, job_count, kernels_for

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
    from cxlib.app.outdir import output_folder

    books = resolve(names)
    data = {k: str(Path(v).resolve()) for k, v in (data or {}).items()}
    columns = str(Path(columns).resolve()) if columns else None
    inputs = [*data.values(), *([columns] if columns else [])]
    with_evidence = not data if evidence is None else evidence
    names_run = [b.stem for b in books] + ([e.name for e in _evidence_runs(books)]
                                           if with_evidence else [])
    watch = InputWatch(inputs)  # before anything reads them
    final = Path(out).expanduser().resolve()
    with said_plainly(final):
        own = [str(b) for b in books if b.parent != notebooks_dir()]  # a user's notebooks
        with stopping(), output_folder(
                final, inputs=[*inputs, *own], replace=replace, log=log,
                areas=[*REPORT_AREAS, *(f"{n}.html" for n in names_run)],
                prepare=lambda work: _prepare(work, books)) as stage:
            work = stage.path
            (work / "notebooks").mkdir(exist_ok=True)
            results_dir = work / "results"
            results_dir.mkdir()
            parameters = {"data": data, "columns": columns, "drop_invalid": drop_invalid,
                          "results_dir": str(results_dir)}
            workers = job_count(jobs, len(names_run))
            with validated_once(work / "validated") as validations, \
                    kernels_for(work, workers):
                _validate_inputs(data, columns, drop_invalid, watch, log)
                tasks = _tasks(books, work, parameters, with_evidence)
                done = execute_all(tasks, final, workers, log, watch,
                                   slides_with_code=slides_with_code)
            watch.check()
            _write_report(work, done, validations, given=list(data.values()))
            stage.commit()
    _say_how_it_went(final, done, stage.kept, log)
    return done


@contextmanager
def said_plainly(final: Path) -> Iterator[None]:
    """Within the block, a full disk stops the run with :class:`~cxlib.app.disk.DiskFull`
    (one sentence naming the output folder *final*) and Ctrl-C, SIGTERM or SIGHUP with
    :class:`Interrupted` (saying that nothing was written there)."""
    try:
        yield
    except OSError as err:
        if disk_full(err) and not isinstance(err, DiskFull):
            raise DiskFull(final) from None
        raise
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted: the run was stopped, with its notebooks and their "
                          f"kernels; nothing was written to {final} (what it held before is "
                          "unchanged).") from None


def _tasks(books: Sequence[Path], work: Path, parameters: dict,
           with_evidence: bool) -> list[tuple]:
    """The run's notebook tasks ``(path, work folder, parameters, name, label)``: each of
    *books* on the user's data (or the sample), then, *with_evidence*, their evidence runs."""
    tasks = [(b, work, dict(parameters), b.stem, "") for b in books]
    if with_evidence:
        tasks += [(path, work, p, name, label) for path, p, name, label
                  in evidence_tasks(books, Path(parameters["results_dir"]))]
    return tasks


def _validate_inputs(data: dict[str, str], columns: str | None, drop_invalid: bool,
                     watch: InputWatch, log: Callable[[str], None]) -> None:
    """Read and validate the user's files before any kernel starts (a bad file fails the run
    at once, and every kernel then reads what was validated here), saying what each kept."""
    from cxlib.data.datasets import load_data

    for kind, path in data.items():
        log(load_data(kind, path, columns, drop_invalid=drop_invalid).report.summary())
    watch.check()


def _write_report(work: Path, done: list[NotebookResult], validations: list[dict],
                  given: list[str]) -> None:
    """What a run writes once its notebooks have run: ``validations.json``, the merged
    ``results.json`` and ``datasets.json`` (:func:`collect_results`) and the report."""
    from cxlib import __version__
    from cxlib.app.report import write_report
    from cxlib.registry.records import write_results

    (work / "validations.json").write_text(json.dumps(validations, indent=1), encoding="utf-8")
    records, datasets = collect_results(work / "results")
    write_results(work / "results.json", records, version=__version__)
    (work / "datasets.json").write_text(json.dumps(datasets, indent=1, ensure_ascii=False,
                                                   default=str), encoding="utf-8")
    write_report(work, done, records, datasets, given=given)


def _say_how_it_went(final: Path, done: list[NotebookResult], kept: Sequence[tuple],
                     log: Callable[[str], None]) -> None:
    """The run's last words: files of the user's it kept aside, where the report is, and
    which notebooks failed."""
    for mine, moved in kept:
        log(f"Kept {mine} as {moved.name}: cxlib did not write it, and does not overwrite it.")
    failed = [r.name for r in done if not r.ok]
    log(f"Report: {final / 'index.html'}")
    if failed:
        log(f"{len(failed)} notebook(s) failed: {', '.join(failed)} (see their pages)")


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


def _evidence_runs(books: Sequence[Path]) -> list:
    from cxlib.app.evidence import runs_for

    return runs_for({b.stem for b in books})


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
