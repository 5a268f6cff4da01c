"""A full disk, said plainly: how a run tells that its output could not be written for want
of space, and the one sentence it then says (naming the output folder, never a traceback).

:func:`disk_full` reads an error, :func:`short_of_space` the disk itself (an executed notebook
cut short on a disk with almost no room left was cut short by the full disk), and
:class:`DiskFull` is the error that stops a run, its message from :func:`disk_full_message`.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

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
