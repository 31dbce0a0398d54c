"""Child processes die with their parent and never keep what only the parent may hold.

A roll-up forks workers. Killed with SIGKILL, the parent cannot tell them to stop; a forked
worker also inherits every descriptor the parent had open, the ledger's lock among them, and
the pipe ends the parent used to talk to it, so it would never see end-of-file and never exit.
Two things prevent that:

- `close_in_children(fd)`: the parent's lock descriptors are closed in every forked child
  (an `os.register_at_fork` hook), so a child never holds the ledger's lock;
- `die_with_parent()`, called first in every worker: on Linux the kernel kills the worker when
  its parent dies (PR_SET_PDEATHSIG); on every platform a watchdog thread ends the worker
  within a quarter of a second of the parent's death (POSIX: it was re-parented; Windows and
  spawned workers: multiprocessing's handle on the parent process is signalled).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable

_PARENT_ONLY: set[int] = set()
POLL = 0.25  # seconds between the watchdog's looks at the parent


def _close_parent_only() -> None:
    for fd in list(_PARENT_ONLY):
        with contextlib.suppress(OSError):
            os.close(fd)
    _PARENT_ONLY.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_parent_only)


def close_in_children(fd: int) -> None:
    """Close descriptor `fd` in every child forked from now on (until `release` is called)."""
    _PARENT_ONLY.add(fd)


def release(fd: int) -> None:
    _PARENT_ONLY.discard(fd)


def die_with_parent() -> None:
    """Make this (child) process end when its parent does; call it first in a worker."""
    if sys.platform.startswith("linux"):
        _pdeathsig()
    alive = _parent_check()
    if alive is None:
        return
    if not alive():  # the parent died before we got here
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(POLL)
            if not alive():
                os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _pdeathsig() -> None:
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # not glibc, or no prctl: the watchdog still works
        pass


def _parent_check() -> Callable[[], bool] | None:
    """A function telling whether the parent is still alive, or None if that cannot be told."""
    import multiprocessing

    proc = multiprocessing.parent_process()
    if os.name == "posix":
        # the pid the parent had when it started us (a parent that already died has left us
        # re-parented, so os.getppid() now would name the wrong process)
        parent = proc.pid if proc is not None and proc.pid else os.getppid()
        return lambda: os.getppid() == parent
    if proc is None:
        return None
    return proc.is_alive
