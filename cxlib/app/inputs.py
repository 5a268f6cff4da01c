"""The run's input files: watched for changes while the run reads them (:class:`InputWatch`),
and read and validated once for all its kernels (:func:`validated_once`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from cxlib.errors import UserDataError


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
