"""Running a run's notebooks in parallel worker processes, and stopping them at once.

:func:`execute_all` runs the notebook tasks, at most :func:`job_count` at a time, each in a
worker process of its own (:func:`_work`, which calls :func:`cxlib.app.execution.execute_one`);
Ctrl-C or any error stops the running notebooks with their kernels (:func:`stop_workers`).
Within :func:`kernels_for` the workers' kernels come from one template process that imported
the scientific stack once (:mod:`cxlib.app.kernels`).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from cxlib.app.catalogue import notebooks_dir, title_of
from cxlib.app.disk import DISK_FULL, DiskFull
from cxlib.app.execution import KERNEL_ENV, NotebookResult, execute_one
from cxlib.app.inputs import InputWatch


def job_count(jobs: int | None, tasks: int) -> int:
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


def _work(conn, task: tuple, slides_with_code: bool = False) -> None:
    """A worker process: run one notebook (:func:`execute_one`) and send back its result. It
    leaves the terminal's process group, so that Ctrl-C reaches the runner alone, which then
    stops it and its kernel (:func:`stop_workers`)."""
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


def execute_all(tasks: Sequence[tuple], out: Path, jobs: int | None,
                log: Callable[[str], None], watch: InputWatch, *,
                slides_with_code: bool = False) -> list[NotebookResult]:
    """Run the notebook tasks ``(path, work folder, parameters, name, label)``, at most *jobs*
    at a time, each in a worker process of its own; check the input files as each ends. On
    Ctrl-C (or any error) nothing more starts and the running notebooks are stopped with
    their kernels at once (:func:`stop_workers`)."""
    import multiprocessing
    import multiprocessing.connection

    import nbconvert  # noqa: F401 - loaded once here, inherited by the workers
    import papermill  # noqa: F401

    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)
    jobs = job_count(jobs, len(tasks))
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
            stop_workers([worker for worker, _, _ in running.values()])
        raise
    return sorted(done, key=lambda r: r.name)


def stop_workers(workers: Sequence) -> None:
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
