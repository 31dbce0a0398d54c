"""A run's temporary folder: removed when the run ends, and by the next run if it was killed.

Each folder holds an `.owner` file its run keeps locked (an OS lock, released when the process
dies; forked workers never hold it). A later run that can lock a folder's `.owner` knows its
run is gone, and removes the folder. Folders of older versions, which had no owner file, are
removed once they are an hour old.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from reportkit.io import lifeline
from reportkit.io.locks import try_lock, unlock

PREFIX = "reportkit-run-"
LEGACY_PREFIXES = ("reportkit-",)  # TemporaryDirectory folders of earlier versions
OWNER = ".owner"
LEGACY_AGE = 3600.0


@contextlib.contextmanager
def scratch_dir(base: str | None = None) -> Iterator[Path]:
    """A fresh temporary folder for this run (in `base`, else the system's temp folder)."""
    sweep(base)
    path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))
    fd = _own(path)
    lifeline.close_in_children(fd)
    try:
        yield path
    finally:
        lifeline.release(fd)
        unlock(fd)
        os.close(fd)
        shutil.rmtree(path, ignore_errors=True)


def _own(path: Path) -> int:
    """Create the folder's owner file already locked: a sweeper must never find it unlocked."""
    if os.name != "posix":  # no rename of an open file there; the window is a few instructions
        fd = os.open(path / OWNER, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try_lock(fd)
        return fd
    fd = os.open(path / (OWNER + ".new"), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try_lock(fd)
    os.rename(path / (OWNER + ".new"), path / OWNER)
    return fd


def sweep(base: str | None = None) -> list[str]:
    """Remove the temporary folders of runs that are no longer running; return their names."""
    folder = base or tempfile.gettempdir()
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(LEGACY_PREFIXES):
            continue
        with contextlib.suppress(OSError):
            if not entry.is_dir(follow_symlinks=False) or not _abandoned(entry):
                continue
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
    return removed


def _abandoned(entry: os.DirEntry[str]) -> bool:
    owner = os.path.join(entry.path, OWNER)
    try:
        fd = os.open(owner, os.O_RDWR)
    except FileNotFoundError:
        # no owner file: an earlier version's folder, or one being created this instant
        return time.time() - entry.stat(follow_symlinks=False).st_mtime > LEGACY_AGE
    try:
        if not try_lock(fd):
            return False  # its run is alive
        unlock(fd)
        return True
    finally:
        os.close(fd)
