"""Validated data sets kept for the kernels of one run: each file is read and validated once.

``cxlib run`` executes many notebooks, each in its own kernel, and several of them load
the same files. The runner opens a store for the run (:func:`run_store`) and
:func:`cxlib.data.datasets.load_data` then asks it before reading anything:

* the store is a folder the run creates itself, readable by its user alone (mode 0700), in
  the run's private staging folder, never in the output folder, and removed when the run
  ends; a random token made for the run (:data:`TOKEN_VARIABLE`) is the key of every name in
  it, so no file put there by anyone else can be taken for a stored data set;
* a data set is stored under a key made of everything that determines it: the data
  kind, the file (resolved path, size, modification time), the mapping file (the
  same) and ``drop_invalid``, hashed with the token (HMAC-SHA256);
* it holds data formats only: the clean frame as Parquet (``<key>.parquet``: columnar,
  typed, and readable by DuckDB without pandas), the load report and the mapping as JSON
  (``<key>.meta.json``); nothing read back is unpickled or executed, and the JSON is turned
  back into only the classes a :class:`~cxlib.data.dataset.Dataset` declares;
* a lock file per key lets the first process that needs a data set validate it while
  the others wait, then read what it wrote;
* each validation adds a line to ``validations.jsonl`` (key, kind, file, rows kept,
  seconds), so that a run can show that it validated every file once.

Without a store (a notebook opened in Jupyter, a script) ``load_data`` reads and
validates the file itself.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import shutil
import stat
import time
import typing
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path, PurePath

from cxlib.data.dataset import Dataset
from cxlib.data.reading import parquet_frame

STORE_VARIABLE = "CXLIB_VALIDATED"
"""Environment variable naming the folder of the run's validated data sets."""
TOKEN_VARIABLE = "CXLIB_VALIDATED_TOKEN"
"""Environment variable holding the run's random token, the key of the store's names."""
LOG = "validations.jsonl"
FORMAT = "cxlib-validated/1"


@contextlib.contextmanager
def run_store(folder: Path) -> Iterator[Path]:
    """Open a store for one run within the block: *folder* is created (it must not exist)
    with mode 0700, a random token is made, and both are put in the environment, which the
    kernels started within inherit; the folder is removed afterwards."""
    folder = Path(folder)
    folder.mkdir(mode=0o700)
    saved = {v: os.environ.get(v) for v in (STORE_VARIABLE, TOKEN_VARIABLE)}
    os.environ[STORE_VARIABLE] = str(folder)
    os.environ[TOKEN_VARIABLE] = secrets.token_hex(32)
    try:
        yield folder
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(folder, ignore_errors=True)


def store_folder() -> Path | None:
    """The folder of the current run's store, or ``None`` outside a run, or when the folder is
    not one a run made for its user alone (not a folder, a link, another owner, open to
    others): then every load validates its file itself."""
    folder, token = os.environ.get(STORE_VARIABLE), os.environ.get(TOKEN_VARIABLE)
    if not folder or not token:
        return None
    try:
        st = os.lstat(folder)
    except OSError:
        return None
    mine = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    if not stat.S_ISDIR(st.st_mode) or not mine or st.st_mode & 0o077:
        return None
    return Path(folder)


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
              drop_invalid: bool, token: str = "") -> str:
    """The key of a data set: its kind, file, mapping file and ``drop_invalid``, hashed with
    the run's *token* (HMAC-SHA256): without the token, no one can name a stored file."""
    parts = [kind, *_stamp(path), *_stamp(columns), bool(drop_invalid)]
    return hmac.new(token.encode(), json.dumps(parts).encode(), hashlib.sha256).hexdigest()[:32]


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
    key = store_key(kind, path, columns, drop_invalid, os.environ.get(TOKEN_VARIABLE, ""))
    if folder is None or key in _held:  # outside a run, or *make* loads the same data set
        return make()
    frame_file, meta_file = folder / f"{key}.parquet", folder / f"{key}.meta.json"
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
    """Write *ds*: its frame as Parquet, the rest (kind, report, mapping) as JSON
    (:func:`encode`), the meta file last, so that a reader never sees a frame without its
    report."""
    ds.frame.to_parquet(frame_file)
    doc = {"format": FORMAT, "kind": ds.kind, "report": encode(ds.report),
           "mapping": encode(ds.mapping), "also_read": encode(ds.also_read)}
    tmp = meta_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    tmp.replace(meta_file)


def read_stored(frame_file: Path, meta_file: Path) -> Dataset:
    """A data set written by :func:`write_stored`."""
    doc = json.loads(meta_file.read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT:
        raise ValueError(f"{meta_file} is not a stored data set of this cxlib")
    return Dataset(str(doc["kind"]), parquet_frame(frame_file), decode(doc["report"]),
                   decode(doc["mapping"]), decode(doc["also_read"]))


@cache
def _classes() -> dict[str, type]:
    """The dataclasses a stored data set is made of, by name, found from the field types
    :class:`~cxlib.data.dataset.Dataset` declares (never from a stored file)."""
    found: dict[str, type] = {}

    def visit(hint) -> None:
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            if hint.__name__ in found:
                return
            found[hint.__name__] = hint
            for inner in typing.get_type_hints(hint).values():
                visit(inner)
        for arg in typing.get_args(hint):
            visit(arg)

    for name, hint in typing.get_type_hints(Dataset).items():
        if name != "frame":
            visit(hint)
    return found


def encode(value):
    """*value* as JSON-ready data that :func:`decode` turns back into an equal value: dicts
    (any keys), tuples, sets, dates, times, paths and bytes are tagged; a dataclass must be
    one that a data set is made of (:func:`_classes`)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return encode(value.item())
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"$": "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple | set | frozenset):
        items = sorted(value, key=repr) if not isinstance(value, tuple) else value
        return {"$": type(value).__name__, "v": [encode(v) for v in items]}
    if isinstance(value, dt.datetime | dt.date | dt.time):  # a datetime is also a date
        tag = next(t.__name__ for t in (dt.datetime, dt.date, dt.time) if isinstance(value, t))
        return {"$": tag, "v": value.isoformat()}
    if isinstance(value, PurePath):
        return {"$": "path", "v": str(value)}
    if isinstance(value, bytes):
        return {"$": "bytes", "v": base64.b64encode(value).decode("ascii")}
    if dataclasses.is_dataclass(value) and _classes().get(type(value).__name__) is type(value):
        return {"$": "dataclass", "class": type(value).__name__,
                "v": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise TypeError(f"a stored data set cannot hold a {type(value).__name__}")


_DECODE: dict[str, Callable] = {
    "tuple": tuple, "set": set, "frozenset": frozenset,
    "datetime": dt.datetime.fromisoformat, "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat, "path": Path,
    "bytes": lambda v: base64.b64decode(v.encode("ascii")),
}


def decode(data):
    """The value :func:`encode` made *data* from; anything else raises ValueError."""
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict) or "$" not in data:
        raise ValueError("not a value cxlib stored")
    tag, inner = data["$"], data.get("v")
    if tag == "dict":
        return {decode(k): decode(v) for k, v in inner}
    if tag == "dataclass":
        cls = _classes().get(data.get("class"))
        if cls is None or not isinstance(inner, dict):
            raise ValueError(f"not a class a stored data set holds: {data.get('class')!r}")
        names = {f.name for f in dataclasses.fields(cls) if f.init}
        return cls(**{k: decode(v) for k, v in inner.items() if k in names})
    if tag in ("tuple", "set", "frozenset"):
        return _DECODE[tag](decode(v) for v in inner)
    if tag in _DECODE and isinstance(inner, str):
        return _DECODE[tag](inner)
    raise ValueError(f"not a value cxlib stored: {tag!r}")


def validations(folder: Path) -> list[dict]:
    """The validations logged in *folder*, one dict per file validated."""
    log = folder / LOG
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
