"""Validated data sets kept for the kernels of one run: each file is read and validated once.

``cxlib run`` executes many notebooks, each in its own kernel, and several of them load
the same files. The runner points :data:`STORE_VARIABLE` at a folder of its output, and
:func:`cxlib.data.datasets.load_data` then asks this store before reading anything:

* a data set is stored under a key made of everything that determines it: the data
  kind, the file (resolved path, size, modification time), the mapping file (the
  same) and ``drop_invalid``;
* the clean frame is written as Parquet (``<key>.parquet``: columnar, typed, and
  readable by DuckDB without pandas), the load report and the mapping beside it
  (``<key>.meta.pickle``, read only by the kernels of the run that wrote it);
* a lock file per key lets the first process that needs a data set validate it while
  the others wait, then read what it wrote;
* each validation adds a line to ``validations.jsonl`` (key, kind, file, rows kept,
  seconds), so that a run can show that it validated every file once.

Without the variable (a notebook opened in Jupyter, a script) nothing is stored and
``load_data`` reads and validates the file itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from cxlib.data.reading import parquet_frame

if TYPE_CHECKING:
    from cxlib.data.datasets import Dataset

STORE_VARIABLE = "CXLIB_VALIDATED"
"""Environment variable naming the folder of the run's validated data sets."""
LOG = "validations.jsonl"


def store_folder() -> Path | None:
    """The folder of the current run's validated data sets, or ``None`` outside a run."""
    folder = os.environ.get(STORE_VARIABLE)
    return Path(folder) if folder else None


def _stamp(path: str | Path | None) -> list:
    if path is None:
        return [None]
    p = Path(path).resolve()
    try:
        st = p.stat()
    except OSError:
        return [str(p)]
    return [str(p), st.st_size, st.st_mtime_ns]


def store_key(kind: str, path: str | Path, columns: str | Path | None,
              drop_invalid: bool) -> str:
    """The key of a data set: a hash of its kind, file, mapping file and ``drop_invalid``."""
    parts = [kind, *_stamp(path), *_stamp(columns), bool(drop_invalid)]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:24]


_held: set[str] = set()  # keys this process holds the lock of


@contextlib.contextmanager
def _locked(lock: Path, key: str) -> Iterator[None]:
    """Hold an exclusive lock on *lock* (POSIX ``flock``; none where it does not exist)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: two kernels may validate the same file
        fcntl = None
    with open(lock, "w") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        _held.add(key)
        try:
            yield
        finally:
            _held.discard(key)
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


def stored(kind: str, path: str | Path, columns: str | Path | None, drop_invalid: bool,
           make: Callable[[], Dataset]) -> Dataset:
    """The data set *make* builds, from the run's store when it holds it (see module doc)."""
    folder = store_folder()
    key = store_key(kind, path, columns, drop_invalid)
    if folder is None or key in _held:  # outside a run, or *make* loads the same data set
        return make()
    folder.mkdir(parents=True, exist_ok=True)
    frame_file, meta_file = folder / f"{key}.parquet", folder / f"{key}.meta.pickle"
    with _locked(folder / f"{key}.lock", key):
        if meta_file.exists():
            return read_stored(frame_file, meta_file)
        start = time.perf_counter()
        ds = make()
        seconds = time.perf_counter() - start
        write_stored(ds, frame_file, meta_file)
        with open(folder / LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps({"key": key, "kind": kind, "file": str(path),
                                  "rows_kept": len(ds), "seconds": round(seconds, 3)}) + "\n")
    return ds


def write_stored(ds: Dataset, frame_file: Path, meta_file: Path) -> None:
    """Write *ds*: its frame as Parquet, the rest (report, mapping) as a pickle, the meta
    file last, so that a reader never sees a frame without its report."""
    ds.frame.to_parquet(frame_file)
    meta_file.with_suffix(".tmp").write_bytes(pickle.dumps(replace(ds, frame=ds.frame.iloc[:0])))
    meta_file.with_suffix(".tmp").replace(meta_file)


def read_stored(frame_file: Path, meta_file: Path) -> Dataset:
    """A data set written by :func:`write_stored`."""
    meta = pickle.loads(meta_file.read_bytes())
    return replace(meta, frame=parquet_frame(frame_file))


def validations(folder: Path) -> list[dict]:
    """The validations logged in *folder*, one dict per file validated."""
    log = folder / LOG
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
