"""Kernels for a run: forked from a warm template, connected through sockets of their own.

Starting a Python kernel and importing the scientific stack (pandas, SciPy, statsmodels,
matplotlib, seaborn, cxlib) costs about two seconds of CPU; eleven notebooks paid it eleven
times. A run now starts one **template** (:class:`KernelTemplate`): a process that imports
that stack once (:func:`_import_stack`) and then forks a kernel for each notebook. Each kernel is
a new process — a copy of the template as it was before any notebook ran, with the
environment, working folder and connection file the notebook's kernel would have had —
so what one notebook does (its variables, options, a crash) never reaches the next, and a
notebook's results are those of a kernel started from scratch (``tests/test_kernels.py``
runs notebooks both ways and compares results.json).

Every kernel of a run talks over **IPC sockets** (Unix domain sockets) in a private folder
of the run (:func:`kernel_room`), named after the kernel's own id, instead of TCP ports
picked at random on localhost: kernels started at once can no longer race for a port
(``ZMQError: Address already in use``).

:class:`TemplateKernelManager` is the kernel manager that
:func:`cxlib.app.execution.execute_one` hands to papermill; it asks the template for the
kernel and falls back to starting the kernel as a new process (as Jupyter does) when there
is no template, the kernel specification is not this Python's ipykernel, or the template
cannot be reached. ``CXLIB_FRESH_KERNELS=1`` turns
the template off (every kernel starts from scratch).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

FRESH = "CXLIB_FRESH_KERNELS"
"""Environment variable: ``1`` starts every kernel from scratch (no template)."""

ROOM_ENV = "CXLIB_KERNEL_ROOM"
"""Environment variable naming the run's kernel folder (set by :func:`kernel_room`)."""

_SOCKET = "template.sock"
_MAX_PATH = 100  # a Unix socket's path must be shorter than about 107 bytes


def blas_threads(jobs: int) -> dict[str, str]:
    """Environment for kernels when *jobs* notebooks run at once: one BLAS/OpenMP thread per
    kernel, unless the user set a count (two kernels with two OpenBLAS threads each on two
    cores took 1.6 times as long as with one). Empty for a single job."""
    if jobs <= 1:
        return {}
    threads = str(max(1, (os.cpu_count() or 1) // jobs))
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    return {name: threads for name in names if name not in os.environ}


@contextlib.contextmanager
def kernel_room() -> Iterator[Path]:
    """A private folder (mode 0700, removed at the end, however the block ends) for the run's
    connection files, kernel sockets and the template's socket; its path is short, as Unix
    sockets need, and :data:`ROOM_ENV` names it within the block (worker processes forked
    in it inherit it)."""
    folder = Path(tempfile.mkdtemp(prefix="cxk"))
    if len(str(folder)) > _MAX_PATH - 60:  # a long TMPDIR: fall back to /tmp
        shutil.rmtree(folder, ignore_errors=True)
        folder = Path(tempfile.mkdtemp(prefix="cxk", dir="/tmp"))
    saved = os.environ.get(ROOM_ENV)
    os.environ[ROOM_ENV] = str(folder)
    try:
        yield folder
    finally:
        if saved is None:
            os.environ.pop(ROOM_ENV, None)
        else:
            os.environ[ROOM_ENV] = saved
        shutil.rmtree(folder, ignore_errors=True)


# --- the template, as the run sees it ---------------------------------------------------------

class KernelTemplate:
    """The run's template process (``python -m cxlib.app.kernels SOCKET``), started in
    *room* with *env* added to this process's environment, its output appended to *log*.
    It listens at once (the constructor waits for that) and imports :func:`_import_stack` before
    it answers, so a kernel asked for early simply waits for the imports. :meth:`close` stops
    it and every kernel it forked."""

    def __init__(self, room: Path, log: Path, env: Mapping[str, str] | None = None,
                 cwd: Path | None = None) -> None:
        self.socket = room / _SOCKET
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cxlib.app.kernels", str(self.socket)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                env={**os.environ, **(env or {})}, cwd=str(cwd) if cwd else None,
                start_new_session=True)
        self._wait_listening()

    def _wait_listening(self, timeout: float = 30.0) -> None:
        """Return once the template listens (its socket exists; it binds before it imports
        anything heavy), or has ended, or *timeout* passed: a kernel asked for before would
        not find it and start from scratch."""
        import time

        deadline = time.monotonic() + timeout
        while (not self.socket.exists() and self.process.poll() is None
               and time.monotonic() < deadline):
            time.sleep(0.01)

    @property
    def pid(self) -> int:
        return self.process.pid

    def close(self) -> None:
        """Stop the template and the kernels it forked (they run in sessions of their own,
        so each is killed with its process group)."""
        stop_tree(self.process.pid)
        with contextlib.suppress(Exception):
            self.process.wait(timeout=5)


def stop_tree(pid: int) -> None:
    """Freeze process *pid* (it can start nothing more), then kill every process under it,
    their process groups, and it."""
    import psutil

    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGSTOP)
    try:
        below = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        below = []
    for proc in below:
        if _leads_group(proc.pid):  # a kernel: with what it started
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(psutil.Error):
            proc.kill()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


def _leads_group(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return os.getpgid(pid) == pid
    return False


def request_kernel(room: Path, argv: Sequence[str], cwd: str, env: Mapping[str, str],
                   timeout: float = 120.0) -> int:
    """Ask the template in *room* for a kernel run as ``ipykernel_launcher *argv*`` in
    *cwd* with environment *env*; returns its process id (:class:`OSError` when the
    template cannot be reached or could not fork)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(str(room / _SOCKET))
        conn.sendall(json.dumps({"argv": list(argv), "cwd": cwd, "env": dict(env),
                                 "python": sys.executable}).encode() + b"\n")
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                break
            reply += chunk
    answer = json.loads(reply or b"{}")
    if "pid" not in answer:
        raise OSError(answer.get("error", "the kernel template gave no answer"))
    return int(answer["pid"])


# --- the kernel manager papermill is given ----------------------------------------------------

class TemplateProvisioner(LocalProvisioner):
    """Launches the kernel by asking the run's template to fork it (:func:`request_kernel`)
    when it can, as a new process otherwise; a forked kernel is watched through a pidfd
    (it is the template's child, not ours), signalled with its process group, as Jupyter
    signals kernels."""

    forked_pid: int | None = None
    _pidfd: int | None = None

    @property
    def has_process(self) -> bool:
        return self.forked_pid is not None or super().has_process

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        room = os.environ.get(ROOM_ENV)
        argv = _ipykernel_argv(cmd)
        if room and argv is not None and os.environ.get(FRESH) != "1":
            try:
                pid = request_kernel(Path(room), argv, str(kwargs.get("cwd") or os.getcwd()),
                                     kwargs.get("env") or os.environ)
            except (OSError, ValueError):
                pass  # no template: start the kernel as a new process
            else:
                self.forked_pid = self.pid = self.pgid = pid
                with contextlib.suppress(OSError, AttributeError):
                    self._pidfd = os.pidfd_open(pid)
                self.cwd = kwargs.get("cwd")
                return self.connection_info
        return await super().launch_kernel(cmd, **kwargs)

    async def poll(self) -> int | None:
        if self.forked_pid is None:
            return await super().poll()
        if self._pidfd is not None:
            ready, _, _ = select.select([self._pidfd], [], [], 0)
            return 0 if ready else None
        try:
            os.kill(self.forked_pid, 0)
        except ProcessLookupError:
            return 0
        return None

    async def wait(self) -> int | None:
        if self.forked_pid is None:
            return await super().wait()
        import asyncio

        while await self.poll() is None:
            await asyncio.sleep(0.05)
        self._forget()
        return 0

    async def send_signal(self, signum: int) -> None:
        if self.forked_pid is None:
            return await super().send_signal(signum)
        try:
            os.killpg(self.forked_pid, signum)
        except OSError:
            if self._pidfd is not None and hasattr(signal, "pidfd_send_signal"):
                with contextlib.suppress(ProcessLookupError):
                    signal.pidfd_send_signal(self._pidfd, signum)
            else:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.forked_pid, signum)

    async def kill(self, restart: bool = False) -> None:
        if self.forked_pid is None:
            return await super().kill(restart)
        await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:
        if self.forked_pid is None:
            return await super().terminate(restart)
        await self.send_signal(signal.SIGTERM)

    async def cleanup(self, restart: bool = False) -> None:
        self._forget()
        await super().cleanup(restart)

    def _forget(self) -> None:
        if self._pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self._pidfd)
        self._pidfd = None
        self.forked_pid = None


def _ipykernel_argv(cmd: Sequence[str]) -> list[str] | None:
    """The arguments after ``-m ipykernel_launcher`` when *cmd* starts this Python's ipykernel
    (what the template can fork), else ``None``."""
    if len(cmd) < 3 or list(cmd[1:3]) != ["-m", "ipykernel_launcher"]:
        return None
    try:
        same = os.path.samefile(cmd[0], sys.executable)
    except OSError:
        return None
    return list(cmd[3:]) if same else None


class TemplateKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels use IPC sockets in the run's kernel folder (named by the
    kernel's id: no port to race for) and come from the run's template when there is one
    (:class:`TemplateProvisioner`). Outside a run (no kernel folder) it behaves as Jupyter's
    own (asynchronous, as nbclient's default), on TCP."""

    async def _async_pre_start_kernel(self, **kw: Any):
        room = os.environ.get(ROOM_ENV)
        if room and self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.transport = "ipc"
            self.connection_file = str(Path(room) / f"kernel-{self.kernel_id}.json")
            self.ip = str(Path(room) / f"k{self.kernel_id[:12]}")
            self.provisioner = TemplateProvisioner(kernel_id=self.kernel_id,
                                                   kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


# --- the template process ---------------------------------------------------------------------

def _import_stack() -> None:
    """What the template imports once, before it forks kernels: every module a notebook's
    set-up cell and analyses import, and the kernel's own (one missing here is simply imported
    by the notebook). Importing runs no notebook code: the figure style and display settings
    are applied by ``cx.start`` in each kernel, as before. Not the inline backend
    (``matplotlib_inline.backend_inline``): it hooks into the kernel's shell when first
    imported, so each kernel imports it, at its first figure, as before. Then the functions
    that cache what they read from cxlib's own files are called once (the claim registry:
    over a second of YAML per notebook), so that every kernel starts with them read."""
    import duckdb  # noqa: F401
    import ipykernel.ipkernel
    import ipykernel.kernelapp
    import ipykernel.zmqshell  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import scipy.optimize
    import scipy.special
    import scipy.stats  # noqa: F401
    import seaborn  # noqa: F401
    import statsmodels.api
    import statsmodels.formula.api  # noqa: F401

    import cxlib.analyses.consistency
    import cxlib.analyses.customer_value
    import cxlib.analyses.defection
    import cxlib.analyses.drivers
    import cxlib.analyses.intervals
    import cxlib.analyses.journey
    import cxlib.analyses.loyalty
    import cxlib.analyses.people
    import cxlib.analyses.quality
    import cxlib.analyses.relationships
    import cxlib.analyses.repeat
    import cxlib.analyses.retention
    import cxlib.analyses.standards
    import cxlib.analyses.wom
    import cxlib.data.constructs
    import cxlib.data.designs
    import cxlib.data.sample
    import cxlib.data.store
    import cxlib.notebook.display
    import cxlib.notebook.plots
    import cxlib.notebook.readings
    import cxlib.notebook.session
    import cxlib.notebook.widgets
    import cxlib.registry.conclusions
    import cxlib.stats.clv
    import cxlib.stats.customer_base
    import cxlib.stats.measurement
    import cxlib.stats.ordinal
    import cxlib.stats.purchases
    import cxlib.stats.queues
    import cxlib.stats.sem
    import cxlib.stats.spread
    import cxlib.stats.survival  # noqa: F401
    from cxlib.data.datasets import data_dir
    from cxlib.registry.claims import claims

    claims()
    data_dir()


class _InKernel:
    """What ``get_ipython()`` returns while the template imports: a shell with a kernel, as
    modules imported in a kernel see (pandas, for one, shows at most 20 columns in a kernel
    and fits them to a terminal's width otherwise)."""

    kernel = True


def _preload() -> None:
    """:func:`_import_stack` as a kernel would import it (``get_ipython()`` answers
    :class:`_InKernel` meanwhile); if it fails, the kernels import the rest themselves (and
    say why)."""
    import builtins

    builtins.get_ipython = _InKernel  # type: ignore[attr-defined]
    try:
        _import_stack()
    except Exception as err:
        print(f"cxlib kernel template: not everything was preloaded ({err})", file=sys.stderr)
    finally:
        del builtins.get_ipython
    if "matplotlib_inline.backend_inline" in sys.modules:  # pragma: no cover
        print("cxlib kernel template: the inline backend was imported early", file=sys.stderr)


def serve(path: str) -> None:
    """The template's main loop: listen at *path*, import the stack (:func:`_preload`), then
    for each request fork a kernel (:func:`_become_kernel`) and answer with its process id.
    It ends when its parent process ends or its socket is removed. Exited kernels are reaped
    at once (with ``waitpid``, so that their CPU time is counted in the template's, and so
    in the run's)."""
    parent = os.getppid()
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]  # as ipykernel_launcher does (the kernel's shell puts '' back)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(64)
    _preload()
    import gc

    gc.collect()
    gc.freeze()  # the forked kernels share these pages instead of copying them at each collection
    signal.signal(signal.SIGCHLD, _reap)
    while os.getppid() == parent and os.path.exists(path):
        ready, _, _ = select.select([listener], [], [], 1.0)
        if not ready:
            continue
        conn, _ = listener.accept()
        with conn:
            try:
                conn.settimeout(30)
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                request = json.loads(data)
                if not os.path.samefile(request["python"], sys.executable):
                    raise OSError("another Python asked for a kernel")
                pid = os.fork()
                if pid == 0:
                    _become_kernel(request, (listener, conn))
                conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            except Exception as err:
                with contextlib.suppress(OSError):
                    conn.sendall(json.dumps({"error": f"{type(err).__name__}: {err}"})
                                 .encode() + b"\n")


def _call_me(name: str) -> None:
    """Set this process's name as ``ps`` and ``psutil.Process.name()`` show it (Linux: its
    command line stays the template's)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME


def _reap(signum: int = 0, frame: object = None) -> None:
    """Reap every child that has exited."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _become_kernel(request: dict, inherited: Sequence[socket.socket]) -> None:
    """In the forked child: become the kernel ``python -m ipykernel_launcher ARGV`` would have
    been — its own session (as Jupyter starts kernels), the asker's working folder and
    environment, ``sys.argv`` as the launcher's, NumPy's global generator seeded from the
    system as in a new process (Python's ``random`` reseeds itself after a fork) — and
    never return."""
    code = 1
    try:
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        for sock in inherited:
            sock.close()
        os.setsid()
        _call_me("ipykernel")
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        cwd = request["cwd"]
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(request["env"])
        import ipykernel_launcher

        sys.argv = [ipykernel_launcher.__file__, *request["argv"]]
        if "numpy" in sys.modules:  # its global generator, seeded afresh as in a new process
            sys.modules["numpy"].random.seed()
        from ipykernel import kernelapp

        # it ends when the template ends (as a kernel ends when the process that started it does)
        kernelapp.launch_new_instance(argv=[*request["argv"],
                                            f"--IPKernelApp.parent_handle={os.getppid()}"])
        code = 0
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":  # pragma: no cover - run as the template process
    serve(sys.argv[1])
