"""The benchmark script runs end to end at a small size (a smoke test: no seconds asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest

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
    assert "nan" not in r.stdout.lower() and "inf" not in r.stdout.lower()


def test_a_missing_or_failed_measurement_stops_the_benchmark():
    sys.path.insert(0, str(ROOT))
    from benchmarks.run import MEASURES, _check

    good = dict.fromkeys((*MEASURES, "b"), 1.0)
    _check(good)
    for broken in ({**good, "g_all": float("nan")}, {k: v for k, v in good.items() if k != "e"},
                   {**good, "c": 0.0}):  # fmt: skip
        with pytest.raises(SystemExit):
            _check(broken)


def test_the_data_set_is_rebuilt_when_the_code_that_makes_it_changes(monkeypatch, tmp_path):
    sys.path.insert(0, str(ROOT))
    from benchmarks import dataset

    before = dataset.code_key()
    copy = tmp_path / "reportkit" / "sample.py"
    copy.parent.mkdir()
    copy.write_bytes((ROOT / "reportkit" / "sample.py").read_bytes() + b"\n# changed\n")
    for rel in dataset.SOURCES:
        if rel != "reportkit/sample.py":
            target = tmp_path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((ROOT / rel).read_bytes())
    monkeypatch.setattr(dataset, "ROOT", tmp_path / "benchmarks")
    assert dataset.code_key() != before


def test_the_wide_search_runs_property_tests_that_exist():
    """The full run's wide Hypothesis search names test files that are there (it once named
    one that had moved, and recorded "no tests ran")."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.run import EXPLORED

    for name in EXPLORED:
        assert (ROOT / name).is_file(), name
        assert "examples(" in (ROOT / name).read_text("utf-8"), name  # widened by the profile
