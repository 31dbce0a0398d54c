"""The benchmark script runs end to end at a small size (a smoke test: no seconds asserted)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_script_smoke():
    r = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--limit", "3"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    for row in ("(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)", "Where the time goes"):
        assert row in r.stdout
