"""A progress line for reading and validating a large file.

Reading and checking a file of a few megabytes takes well under a second and shows nothing.
A step that runs longer than :data:`DELAY` seconds shows one line on standard error, rewritten
in place about once a second::

    transactions.csv: reading, 61% of 179 MB, 4 s

and, at the end, how long it took. The line is shown only where someone watches it: when
standard error is a terminal. In a notebook kernel, a pipe or a log file it would be noise
(and would be saved in notebooks' outputs), so nothing is written there. The environment
variable ``CXLIB_PROGRESS`` overrides this: ``1`` always shows it (one line every
:data:`LOG_EVERY` seconds when the output is not a terminal), ``0`` never does.

:func:`progress` opens the line for one file; :func:`status` says what is being done,
from anywhere below it (a reader, a validation step). Outside :func:`progress`,
:func:`status` does nothing.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator

DELAY = 3.0
"""Seconds a step runs before the line appears."""
LOG_EVERY = 5.0
"""Seconds between lines when the output is not a terminal (``CXLIB_PROGRESS=1``)."""

_state: dict | None = None
_lock = threading.Lock()


def enabled(stream=None) -> bool:
    """Whether to show progress on *stream* (standard error): see the module docstring."""
    setting = os.environ.get("CXLIB_PROGRESS", "").strip()
    if setting in ("0", "1"):
        return setting == "1"
    return _isatty(stream or sys.stderr)


def status(step: str, done: float | None = None, total: float | None = None,
           unit: str = "") -> None:
    """Say what the current file's reading or validation is doing: *step*, and how far
    (*done* of *total*, in *unit*: ``"MB"`` shows bytes as megabytes, ``"rows"`` counts)."""
    if _state is not None:
        with _lock:
            _state.update(step=step, done=done, total=total, unit=unit)


def _describe(state: dict) -> str:
    step, done, total, unit = state["step"], state["done"], state["total"], state["unit"]
    if done is None:
        return step
    if unit == "MB":
        if total:
            return f"{step}, {min(done / total, 1):.0%} of {total / 1e6:,.0f} MB"
        return f"{step}, {done / 1e6:,.0f} MB"
    if total:
        return f"{step}, {done:,.0f} of {total:,.0f} {unit}".rstrip()
    return f"{step}, {done:,.0f} {unit}".rstrip()


@contextlib.contextmanager
def progress(label: str, stream=None) -> Iterator[None]:
    """Show a progress line headed *label* (a file name) while the block runs longer than
    :data:`DELAY` seconds (module docstring). Nested calls show the outer line only."""
    global _state
    stream = stream or sys.stderr
    if _state is not None or not enabled(stream):
        yield
        return
    tty = _isatty(stream)
    start = time.monotonic()
    state = {"step": "reading", "done": None, "total": None, "unit": "", "shown": False}
    stop = threading.Event()

    def write(text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            stream.write(text)
            stream.flush()

    def tick() -> None:
        if stop.wait(DELAY):
            return
        last = 0.0
        while not stop.is_set():
            elapsed = time.monotonic() - start
            if tty or elapsed - last >= LOG_EVERY or not state["shown"]:
                with _lock:
                    line = f"{label}: {_describe(state)}, {elapsed:.0f} s"
                write(f"\r{line[:150]:<80}" if tty else line + "\n")
                state["shown"], last = True, elapsed
            stop.wait(1.0)

    _state = state
    ticker = threading.Thread(target=tick, name="cxlib-progress", daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()
        _state = None
        if state["shown"]:
            line = f"{label}: done in {time.monotonic() - start:.0f} s"
            write(f"\r{line:<80}\n" if tty else line + "\n")


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False

