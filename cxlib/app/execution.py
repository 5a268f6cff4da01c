"""Executing one notebook: papermill runs it in a kernel (forked from the run's template,
:mod:`cxlib.app.kernels`) with its ``parameters`` cell set, then its page and deck are written
(:mod:`cxlib.app.pages`); :class:`NotebookResult` says how it went. A notebook that fails is
a result with its error, not an exception; a full disk is the error
:data:`~cxlib.app.disk.DISK_FULL`.

Every kernel of a run has the environment :data:`KERNEL_ENV`; each cell may run
:data:`CELL_TIMEOUT` seconds. Running many notebooks at once, in worker processes, is
:mod:`cxlib.app.workers`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat

from cxlib.app.catalogue import title_of
from cxlib.app.disk import DISK_FULL, disk_full, short_of_space
from cxlib.app.pages import data_used, write_html, write_slides

CELL_TIMEOUT = 600
"""Seconds one cell may run before the notebook is stopped and marked failed."""


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

    for key, value in KERNEL_ENV.items():  # as kernels_for sets them, when called alone
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
