"""Opening an inbox's files: regular files only, never blocking, never more than a cap.

An inbox is written by others. A FIFO (or a device) placed there, or reached through a link
named `a.zip`, would block whoever opens it for reading until a writer appears: forever. Every
inbox file is therefore opened without blocking and checked to be a regular file before a byte
is read.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat

CHUNK = 1 << 20


class NotRegular(OSError):
    """The path is not a regular file (a FIFO, a device, a socket, a folder)."""

    def __init__(self, path: str) -> None:
        super().__init__(errno.EINVAL, "not a regular file", path)


def open_regular(path: str | os.PathLike[str]) -> io.BufferedReader:
    """`open(path, "rb")` for a regular file; NotRegular for anything else, without blocking."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(os.fspath(path))
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    return f


def read_capped(path: str | os.PathLike[str], limit: int) -> tuple[bytes | None, os.stat_result]:
    """The bytes of a regular file (None when it is larger than `limit`) and its status."""
    with open_regular(path) as f:
        st = os.fstat(f.fileno())
        if st.st_size > limit:
            return None, st
        data = f.read(limit + 1)
    return (data if len(data) <= limit else None), st


def digest(path: str | os.PathLike[str], limit: int) -> tuple[str | None, os.stat_result]:
    """SHA-256 of a regular file's content (None when larger than `limit`), and its status."""
    h = hashlib.sha256()
    with open_regular(path) as f:
        st = os.fstat(f.fileno())
        if st.st_size > limit:
            return None, st
        total = 0
        while chunk := f.read(CHUNK):
            total += len(chunk)
            if total > limit:
                return None, st
            h.update(chunk)
    return h.hexdigest(), st
