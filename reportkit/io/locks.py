"""Exclusive file locks that die with their holder, and a holder that can be named.

The lock is an OS lock on an open file (flock on POSIX, msvcrt.locking on Windows): the system
releases it when the holder's descriptor is closed, which a killed process's always is. Forked
children never keep it (`lifeline.close_in_children`). The lock file names its holder (process
id and host), so a run that has to wait can say who holds it, and a lock still held although
its holder is dead (left to a stray process by an older version that did not close it in its
children) is recognised as stale and taken over: under a second lock, the stale file is moved
aside and a fresh one created; every run checks after locking that the file it locked is still
the one at the path, so two runs can never both believe they hold it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from reportkit.io import lifeline


class LockBusy(Exception):
    """The lock is held by a live process; `holder` is its pid where known."""

    def __init__(self, holder: int | None) -> None:
        self.holder = holder
        super().__init__(holder)


def try_lock(fd: int) -> bool:
    """Lock `fd` exclusively without waiting; False if another holds it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def exclusive_lock(
    path: Path, wait: float, busy: Callable[[int | None], Exception] | None = None
) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if needed), waiting up to `wait` seconds;
    then raise `busy(holder_pid)` (or LockBusy)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while True:
        fd = _open(path)
        if try_lock(fd):
            if _same_file(fd, path):
                break
            unlock(fd)  # replaced by a take-over meanwhile: lock the new file instead
        os.close(fd)
        holder = read_holder(path)
        if holder is not None and not pid_alive(holder) and _take_over(path, holder):
            continue
        if time.monotonic() >= deadline:
            raise (busy or LockBusy)(holder)
        time.sleep(0.1)
    lifeline.close_in_children(fd)
    try:
        _write_holder(fd)
        yield
    finally:
        lifeline.release(fd)
        unlock(fd)
        os.close(fd)


def _open(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _write_holder(fd: int) -> None:
    # byte 0 is what msvcrt locks; the holder's name follows it
    text = f" {os.getpid()} {socket.gethostname()}\n".encode()
    with contextlib.suppress(OSError):
        if sys.platform != "win32":  # (on Windows the locked byte may not be cut off)
            os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, text)


def read_holder(path: Path) -> int | None:
    """The pid written by the lock's holder on this host, or None."""
    try:
        with open(path, "rb") as f:
            parts = f.read(200).split()
    except OSError:
        return None
    if len(parts) < 2 or not parts[0].isdigit():
        return None
    if parts[1].decode(errors="replace") != socket.gethostname():
        return None
    return int(parts[0])


def pid_alive(pid: int) -> bool:
    """Whether process `pid` exists (on Windows always assumed: locks die with the process
    there, since children never inherit the descriptor)."""
    if os.name != "posix":
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _take_over(path: Path, holder: int) -> bool:
    """Move a stale lock file aside, under a second lock so only one run does it; True if
    the caller should try again at once."""
    guard = path.with_name(path.name + ".takeover")
    try:
        fd = _open(guard)
    except OSError:
        return False
    try:
        if not try_lock(fd):
            return False
        # look again under the guard: another run may have replaced the file already
        if read_holder(path) != holder or pid_alive(holder):
            return True
        probe = _open(path)
        try:
            if try_lock(probe):  # released meanwhile: nothing stale to move
                unlock(probe)
                return True
        finally:
            os.close(probe)
        aside = path.with_name(f"{path.name}.stale-{holder}")
        try:
            os.replace(path, aside)
            os.unlink(aside)  # the stray process keeps its descriptor to a deleted file
        except OSError:
            return False
        return True
    finally:
        unlock(fd)
        os.close(fd)
