"""The committed templates and sample inputs are what the current code generates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_templates_and_samples_are_current(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "regenerate.py"), "--out", str(tmp_path)],
        check=True,
    )
    for part in ("templates/xlsx", "sample_inputs"):
        fresh, committed = _tree(tmp_path / part), _tree(ROOT / part)
        assert sorted(fresh) == sorted(committed), f"{part}: run python scripts/regenerate.py"
        stale = [name for name in fresh if fresh[name] != committed[name]]
        assert not stale, f"{part} out of date: {stale[:5]} — run python scripts/regenerate.py"


def test_sample_inputs_cover_every_county_line_and_milestone():
    files = [p for p in (ROOT / "sample_inputs").rglob("*.xlsx")]
    assert len(files) == 10 * (2 + 2 + 2)
    for milestone in ("deploy", "midterm", "final"):
        assert len(list((ROOT / "sample_inputs" / milestone).glob("*.xlsx"))) == 20
