"""Real small or read-only disks for the fault tests: a tmpfs mounted for one test."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def tmpfs(target: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` at `target` for the duration; the test is skipped (and named at the
    end of the run, see conftest) where mounting is not allowed."""
    target.mkdir(parents=True, exist_ok=True)
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("cannot mount a tmpfs here (needs root and mount permission)")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
                       capture_output=True)  # fmt: skip
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root and mount permission)")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], capture_output=True)


def read_only(target: Path) -> None:
    """Remount `target` read-only, as a disk that turned read-only under a running program."""
    assert subprocess.run(["mount", "-o", "remount,ro", str(target)]).returncode == 0
