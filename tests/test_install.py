"""The project as installed: the `reportkit` console script runs from any folder, with its
campaign and unit registry found in the installed package, not in a checkout on sys.path."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_installed_command_runs_from_another_folder(tmp_path):
    exe = shutil.which("reportkit")
    assert exe, "the reportkit command is not installed (the README: pip install -e .)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONIOENCODING"] = "utf-8"
    r = subprocess.run([exe, "campaign", "--unit", "泰安市"], cwd=tmp_path, env=env,
                       capture_output=True, timeout=120)  # fmt: skip
    out = r.stdout.decode("utf-8")
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    assert "泰安市" in out and "2024-11-01" in out  # the packaged campaign file was found
    r = subprocess.run([exe, "validate", str(ROOT / "sample_inputs" / "泰安市-收件箱.zip")],
                       cwd=tmp_path, env=env, capture_output=True, timeout=300)  # fmt: skip
    assert r.returncode == 0 and "共 60 个文件：60 个通过" in r.stdout.decode("utf-8")
    assert not list(tmp_path.iterdir())  # nothing written where it was run
