"""The output folder is cxlib's, and only cxlib's.

``cxlib run --out DIR`` writes into a folder it owns, and nowhere else:

* **Owned.** DIR is new, empty, carries cxlib's marker from an earlier run (:data:`MARKER`,
  ``.cxlib-report``: the cxlib version and every file the run wrote with its SHA-256), or
  holds only files identical to those the run writes. Anything else is refused
  (:class:`FolderRefused`, naming the folder and the fix) unless the user says ``--replace``.
  In a marked folder, a file the run would write over must be one cxlib wrote and nobody
  changed since (the same SHA-256), or identical to the new one.
* **Never cxlib's sources** (the package, the notebooks, the data folder, the checkout
  itself: :func:`check_place`) and never a folder that holds the run's input files.
* **Staged.** The run writes into a private folder beside DIR (``.DIR.cxlib-tmp-XXXX``,
  mode 0700) and :meth:`Staging.commit` moves the files into DIR when it ends, signals
  held off; a run that fails or is interrupted removes its staging folder, and DIR is as
  it was.
* **Nothing lost.** A commit replaces only cxlib's unchanged files and identical ones; any
  other file, folder or symbolic link in the way (there only with ``--replace``, or put
  there during the run) is renamed ``NAME.cxlib-bak`` — never deleted, never followed.
  Files of an earlier run that this one does not write are removed, if unchanged.
* **One run at a time.** :func:`locked` holds an exclusive lock on ``DIR/.cxlib-lock``
  (POSIX ``flock``, released when the process ends, however it ends) for the whole run; a
  second run into the same folder is refused at once.

``cxlib student`` and ``cxlib sample`` write a few files of fixed names:
:func:`write_files` never replaces an existing file that differs from the new one unless
told to (``--replace``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from cxlib.errors import UserDataError

MARKER = ".cxlib-report"
"""The marker of a folder cxlib wrote: JSON with the version and each file's SHA-256."""
LOCK = ".cxlib-lock"
"""The lock file of a folder a run is writing into (it holds the run's process id)."""
STAGING_TAG = ".cxlib-staging"
"""The file that marks a staging folder as one a run made (so that a later run may remove it
after a crash)."""
BACKUP = ".cxlib-bak"
"""Suffix of a file of the user's that was in the way of cxlib's (it is renamed, never
deleted)."""
BOOKKEEPING = frozenset({MARKER, LOCK, STAGING_TAG})
MARKER_LIMIT = 16_000_000
"""Largest marker read, in bytes (a report lists a few hundred files)."""
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class FolderRefused(UserDataError):
    """The output folder is not cxlib's to write into; the message names it and the fix."""


def _examples(rels: Iterable[str], limit: int = 5) -> str:
    rels = sorted(rels)
    more = f" (and {len(rels) - limit} more)" if len(rels) > limit else ""
    return ", ".join(rels[:limit]) + more


# --- where a run may not write ---------------------------------------------------------------

def protected_folders() -> list[Path]:
    """cxlib's own folders: the package, its notebooks and data, and the checkout it runs from
    (with its tests, benchmarks, git and environment folders)."""
    package = Path(__file__).resolve().parents[1]
    found = [package]
    with contextlib.suppress(FileNotFoundError):
        from cxlib.app.catalogue import notebooks_dir
        found.append(notebooks_dir().resolve())
    with contextlib.suppress(FileNotFoundError):
        from cxlib.data.datasets import data_dir
        found.append(data_dir().resolve())
    root = package.parent
    if (root / "pyproject.toml").is_file():
        found += [root / name for name in ("tests", "benchmarks", ".git", ".venv")
                  if (root / name).exists()]
    return list(dict.fromkeys(found))


def checkout_root() -> Path | None:
    """The source checkout cxlib runs from, or ``None`` for an installed package."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


def check_place(out: Path, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse an output folder *out* (resolved) that is, holds or lies inside one of cxlib's
    own folders (:func:`protected_folders`), that is or holds the checkout, or that holds one
    of the run's *inputs* (the user's data and mapping files)."""
    root = checkout_root()
    if root is not None and (out == root or root.is_relative_to(out)):
        raise FolderRefused(
            f"{out} {'is' if out == root else 'holds'} cxlib's source checkout ({root}): a run "
            "there would write over cxlib's own files. Give the report a folder of its own, "
            "e.g. --out report.")
    for folder in protected_folders():
        if out.is_relative_to(folder) or folder.is_relative_to(out):
            where = "is inside" if out.is_relative_to(folder) else "holds"
            raise FolderRefused(
                f"{out} {where} cxlib's own folder {folder}: a run there would write over "
                "cxlib's notebooks, data or code. Give the report a folder of its own, e.g. "
                "--out report.")
    for path in inputs:
        path = Path(path).resolve()
        if path.is_relative_to(out):
            raise FolderRefused(
                f"{out} holds your input file {path}: the output folder is cxlib's, and your "
                "files stay out of it. Choose another folder with --out (for example "
                f"--out {out / 'report'}), or move the file.")


# --- what a folder holds ---------------------------------------------------------------------

def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes (a symbolic link is not followed: it raises)."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    with open(fd, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def walk(folder: Path, top: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
    """Every entry under *folder* that is not a folder, as (relative POSIX path, kind): "file"
    for a regular file, "link" for a symbolic link (never followed), "other" for anything
    else. cxlib's bookkeeping files at the top are left out; *top* limits the walk to those
    top-level names."""
    top = None if top is None else set(top)

    def inner(path: Path, prefix: str) -> Iterator[tuple[str, str]]:
        with os.scandir(path) as listing:
            found = sorted(listing, key=lambda e: e.name)
        for entry in found:
            if not prefix and (entry.name in BOOKKEEPING or (top is not None
                                                              and entry.name not in top)):
                continue
            rel = f"{prefix}{entry.name}"
            if entry.is_symlink():
                yield rel, "link"
            elif entry.is_dir(follow_symlinks=False):
                yield from inner(Path(entry.path), rel + "/")
            elif entry.is_file(follow_symlinks=False):
                yield rel, "file"
            else:
                yield rel, "other"

    yield from inner(folder, "")


def entries(folder: Path, top: Iterable[str] | None = None) -> dict[str, str]:
    """:func:`walk` as a dict."""
    return dict(walk(folder, top))


def plain_file(root: Path, rel: str) -> Path | None:
    """``root/rel`` if it is a regular file reached through real folders (no symbolic link on
    the way), else ``None``."""
    path = root
    parts = PurePosixPath(rel).parts
    for i, part in enumerate(parts):
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            return None
        if not (stat.S_ISREG(mode) if i == len(parts) - 1 else stat.S_ISDIR(mode)):
            return None
    return path


def _safe_rel(rel: object) -> bool:
    """A path a marker may list: relative, inside its folder, no "..", not bookkeeping."""
    if not isinstance(rel, str) or not rel or "\\" in rel or "\0" in rel:
        return False
    parts = PurePosixPath(rel).parts
    return (not rel.startswith("/") and bool(parts) and parts[0] not in BOOKKEEPING
            and all(p not in ("", ".", "..") for p in parts))


@dataclass
class Marker:
    """What ``.cxlib-report`` says: the files a run wrote (relative path → SHA-256)."""

    files: dict[str, str] = field(default_factory=dict)
    version: str = ""
    written: str = ""

    def wrote(self, root: Path, rel: str, digest: Callable[[Path], str] = sha256_of) -> bool:
        """Whether ``root/rel`` is a file this marker lists, unchanged since."""
        path = plain_file(root, rel)
        return path is not None and rel in self.files and digest(path) == self.files[rel]


def read_marker(folder: Path) -> Marker | None:
    """The marker of *folder*, ``None`` when it has none; :class:`FolderRefused` when the file
    is there but is not a marker cxlib wrote (a link, too large, not its JSON)."""
    path = folder / MARKER
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError:
        fd = None
    problem = "it is a link or cannot be read"
    if fd is not None:
        with open(fd, "rb") as handle:
            raw = handle.read(MARKER_LIMIT + 1)
        problem = "it is too large"
        if len(raw) <= MARKER_LIMIT:
            try:
                doc = json.loads(raw)
                files = doc["files"]
                if (isinstance(files, dict) and all(map(_safe_rel, files))
                        and all(isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v)
                                for v in files.values())):
                    return Marker(dict(files), str(doc.get("cxlib", "")),
                                  str(doc.get("written", "")))
                problem = "its list of files is not cxlib's"
            except (ValueError, KeyError, TypeError):
                problem = "it is not cxlib's JSON"
    raise FolderRefused(
        f"{folder} has a {MARKER} file that cxlib cannot use as its marker ({problem}), so "
        "cxlib cannot tell which files in the folder it wrote. Choose another folder with "
        "--out, or delete that file and add --replace.")


def write_marker(folder: Path, files: dict[str, str]) -> None:
    """Write *folder*'s marker (through a temporary file: a link in its place is replaced,
    not followed)."""
    from cxlib import __version__

    doc = {"cxlib": __version__, "written": dt.datetime.now().isoformat(timespec="seconds"),
           "note": "written by cxlib: the files it wrote here, with their SHA-256; cxlib "
                   "replaces or removes only these, and only while unchanged",
           "files": dict(sorted(files.items()))}
    tmp = folder / f"{MARKER}.tmp"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
    with open(fd, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, indent=1)
    os.replace(tmp, folder / MARKER)


def check_folder(out: Path, staged: Path, areas: Iterable[str], *,
                 replace: bool = False) -> Marker | None:
    """The marker of *out* after checking that a run may write into it (see the module
    docstring). *staged* holds files already made for the run (identical ones in *out* are
    not the user's); *areas* are the top-level names a run writes (files and folders)."""
    if not os.path.lexists(out):
        return None
    if not out.is_dir() or out.is_symlink():
        raise FolderRefused(f"{out} is a file, not a folder. Give --out a folder: a new one, "
                            "or one cxlib wrote before.")
    marker = read_marker(out)
    cache: dict[Path, str] = {}

    def digest(path: Path) -> str:
        if path not in cache:
            cache[path] = sha256_of(path)
        return cache[path]

    def same_as_staged(rel: str) -> bool:
        mine, new = plain_file(out, rel), plain_file(staged, rel)
        return (mine is not None and new is not None
                and mine.stat().st_size == new.stat().st_size and digest(mine) == digest(new))

    if marker is None:
        foreign = []
        for rel, _ in walk(out):
            if not same_as_staged(rel):
                foreign.append(rel)
                if len(foreign) > 5:  # enough to name; the folder may be large
                    break
        if foreign and not replace:
            named = _examples(foreign[:5]) + (", …" if len(foreign) > 5 else "")
            raise FolderRefused(
                f"{out} already holds files that cxlib did not write ({named}). cxlib writes "
                "only into a folder of its own: a new or empty folder, or one it wrote before "
                f"(that folder holds a {MARKER} file). Choose another folder with --out, or "
                "add --replace to write beside these files: cxlib then never deletes or "
                f"overwrites a file it did not write (one in its way is kept as NAME{BACKUP}).")
        return None
    changed = [rel for rel, _ in walk(out, areas)
               if not marker.wrote(out, rel, digest) and not same_as_staged(rel)]
    if changed and not replace:
        raise FolderRefused(
            f"{out} is a folder cxlib wrote, but these files in it were changed or added "
            f"since, where cxlib writes: {_examples(changed)}. cxlib will not overwrite them. "
            "Move them out of the folder, choose another folder with --out, or add --replace "
            f"(each is then kept as NAME{BACKUP} beside the new report).")
    return marker


# --- one run at a time -----------------------------------------------------------------------

@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the run's exclusive lock on *out* (``out/.cxlib-lock``) within the block; refuse
    at once when another process holds it. Where ``flock`` does not exist (Windows), there
    is no lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT | _NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip()
            who = f" (process {holder})" if holder.isdigit() else ""
            raise FolderRefused(
                f"another cxlib run{who} is writing into {out}. Wait for it to finish, or give "
                "this run another folder with --out.") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Ignore Ctrl-C, SIGTERM and SIGHUP within the block (main thread only): for the short
    steps that must not stop half-way (moving a report into place, cleaning up)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = ("SIGINT", "SIGTERM", "SIGHUP")
    saved = {s: signal.signal(s, signal.SIG_IGN) for s in
             (getattr(signal, n) for n in names if hasattr(signal, n))}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


# --- the staged report -----------------------------------------------------------------------

class Staging:
    """A private folder beside the output folder that a run writes into; :meth:`commit` moves
    its files into the output folder, :meth:`discard` removes it."""

    def __init__(self, out: Path, log: Callable[[str], None] = print) -> None:
        self.out = out
        self.log = log
        self.marker: Marker | None = None
        self.kept: list[tuple[Path, Path]] = []  # the user's files moved out of cxlib's way
        self.path = Path(tempfile.mkdtemp(prefix=f".{out.name}.cxlib-tmp-", dir=out.parent))
        (self.path / STAGING_TAG).write_text(f"{os.getpid()}\n", encoding="ascii")
        self.done = False

    def discard(self) -> None:
        """Remove the staging folder and everything in it (links are removed, not followed)."""
        shutil.rmtree(self.path, ignore_errors=True)
        self.done = True

    def commit(self) -> dict[str, str]:
        """Move every staged file into the output folder (see the module docstring), remove
        the unchanged files of an earlier run that this one did not write, write the marker;
        returns the files written with their SHA-256."""
        written: dict[str, str] = {}
        with signals_held():
            for rel in sorted(entries(self.path)):
                source = plain_file(self.path, rel)
                if source is None:  # a link or a special file in the staging folder
                    continue
                written[rel] = sha256_of(source)
                self._place(source, rel, written[rel])
            self._remove_stale(written)
            write_marker(self.out, written)
            self.discard()
        return written

    def _aside(self, path: Path) -> None:
        """Rename a file, folder or link that is in cxlib's way (never follow, never delete)."""
        backup = path.with_name(path.name + BACKUP)
        n = 2
        while os.path.lexists(backup):
            backup, n = path.with_name(f"{path.name}{BACKUP}-{n}"), n + 1
        os.rename(path, backup)
        self.kept.append((path, backup))

    def _place(self, source: Path, rel: str, digest: str) -> None:
        folder = self.out
        parts = PurePosixPath(rel).parts
        for part in parts[:-1]:
            folder = folder / part
            try:
                mode = os.lstat(folder).st_mode
            except FileNotFoundError:
                mode = None
            if mode is not None and not stat.S_ISDIR(mode):  # a file or a link: not entered
                self._aside(folder)
                mode = None
            if mode is None:
                folder.mkdir()
        target = folder / parts[-1]
        if os.path.lexists(target):
            mine = plain_file(self.out, rel)
            ours = mine is not None and (
                (self.marker is not None and self.marker.wrote(self.out, rel))
                or sha256_of(mine) == digest)
            if not ours:
                self._aside(target)
        os.replace(source, target)

    def _remove_stale(self, written: dict[str, str]) -> None:
        if self.marker is None:
            return
        for rel in sorted(set(self.marker.files) - set(written)):
            if self.marker.wrote(self.out, rel):
                path = self.out / rel
                path.unlink()
                for parent in path.parents:  # folders the earlier run made, now empty
                    if parent == self.out or not parent.is_relative_to(self.out):
                        break
                    try:
                        parent.rmdir()
                    except OSError:
                        break


def _clear_orphans(out: Path) -> None:
    """Remove staging folders that runs into *out* left when they were killed (called with
    the lock held, so that no live run owns them)."""
    import glob

    uid = os.getuid() if hasattr(os, "getuid") else None
    for name in glob.glob(glob.escape(str(out.parent / f".{out.name}.cxlib-tmp-")) + "*"):
        path = Path(name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if (stat.S_ISDIR(st.st_mode) and (uid is None or st.st_uid == uid)
                and plain_file(path, STAGING_TAG) is not None):
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def output_folder(out: str | Path, *, inputs: Iterable[str | Path] = (),
                  areas: Iterable[str] = (), replace: bool = False,
                  prepare: Callable[[Path], object] | None = None,
                  log: Callable[[str], None] = print) -> Iterator[Staging]:
    """The staging folder of a run into *out*, checked and locked (see the module docstring).
    *prepare* writes into the staging folder what is known before the run (so that identical
    files already in *out* count as cxlib's); the caller calls :meth:`Staging.commit` when the
    run succeeded. Otherwise (an error, Ctrl-C) the staging folder is removed and *out* is left
    as it was (a folder created for the run is removed again)."""
    out = Path(out).expanduser().resolve()
    check_place(out, inputs)
    if os.path.lexists(out) and not out.is_dir():
        raise FolderRefused(f"{out} is a file, not a folder. Give --out a folder: a new one, "
                            "or one cxlib wrote before.")
    created = not os.path.lexists(out)
    out.mkdir(parents=True, exist_ok=True)
    fresh = not os.path.lexists(out / LOCK)
    stage, committed = None, False
    try:
        with locked(out):
            _clear_orphans(out)
            stage = Staging(out, log)
            try:
                if prepare is not None:
                    prepare(stage.path)
                try:
                    stage.marker = check_folder(out, stage.path, areas, replace=replace)
                except FolderRefused:
                    if fresh:  # a folder that is not cxlib's keeps no trace of the attempt
                        with contextlib.suppress(OSError):
                            (out / LOCK).unlink()
                    raise
                yield stage
                committed = stage.done  # commit() moved the files in and discarded the stage
            finally:
                if not stage.done:
                    with signals_held():
                        stage.discard()
    finally:
        if created and not committed:  # a folder made for a run that failed: no trace left
            with contextlib.suppress(OSError):
                (out / LOCK).unlink()
            with contextlib.suppress(OSError):
                out.rmdir()  # only if empty


# --- student notebooks and sample files ------------------------------------------------------

def write_files(out: str | Path, make: Callable[[Path], object], *,
                replace: bool = False) -> tuple[list[Path], list[Path]]:
    """Write the files *make* writes into a fresh folder into *out* (created if needed): an
    existing file of the same name that differs (or a link, or a folder) is replaced only with
    *replace*; without it the command is refused, naming them, and nothing is written.
    Returns the files written and, of those, the ones that replaced a different file."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".cxlib-tmp-", dir=out))
    try:
        make(tmp)
        staged = sorted(rel for rel, kind in entries(tmp).items() if kind == "file")
        differ = []
        for rel in staged:
            if os.path.lexists(out / rel):
                mine = plain_file(out, rel)
                if mine is None or sha256_of(mine) != sha256_of(tmp / rel):
                    differ.append(rel)
        if differ and not replace:
            raise FolderRefused(
                f"{out} already has files of the names cxlib writes, with other contents: "
                f"{_examples(differ)}. cxlib does not replace them: choose another folder "
                "with --out, or add --replace to overwrite them.")
        folders = [rel for rel in differ if (out / rel).is_dir() and not (out / rel).is_symlink()]
        if folders:
            raise FolderRefused(f"{out} has folders where cxlib writes files: "
                                f"{_examples(folders)}. Move them, or choose another --out.")
        with signals_held():
            for rel in staged:
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp / rel, out / rel)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [out / rel for rel in staged], [out / rel for rel in differ]
