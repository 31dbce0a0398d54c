"""Writing a file so that readers only ever see the old complete file or the new complete one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    if os.name != "posix":
        return 0
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike[str], data: bytes, *, sync: bool = True) -> Path:
    """Write `data` to a temporary file beside `path`, then rename it into place.

    A run killed at any moment leaves either the previous file or the new one, never half of
    one. The file gets the usual permissions (0666 less the umask) rather than mkstemp's 0600,
    so colleagues and a web server can read outputs on a shared folder.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem[:40]}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if sync:
                os.fsync(f.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def keep_aside(path: str | os.PathLike[str], aside: str | os.PathLike[str]) -> Path:
    """Keep the file at `path` as `aside` too (before `path` is replaced): a hard link where
    the file system has them, else a copy. Never replaces an existing `aside`."""
    path, aside = Path(path), Path(aside)
    try:
        os.link(path, aside)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT, some network shares): a copy
        import shutil

        with open(path, "rb") as src, open(aside, "xb") as dst:
            shutil.copyfileobj(src, dst)
        shutil.copystat(path, aside)
    return aside
