"""Regenerate the committed deadline calendars of the default campaign (calendars/).

    python scripts/regenerate_calendars.py            # rewrite calendars/
    python scripts/regenerate_calendars.py --out DIR  # write them under DIR instead

It runs ``reportkit calendar --all -o calendars``: 全国, 山东省, 泰安市 and its 10 county-level
units, both lines (26 feeds). Each feed carries its own revision state (SEQUENCE/DTSTAMP), so a
changed deadline bumps the sequence of just that event; run it over the committed folder, not
an empty one, after editing the campaign. Feeds of units no longer in the set are removed.
tests/io/test_ics.py checks that the committed feeds are what this script writes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def generate(out: Path) -> list[Path]:
    from reportkit.cli import cli

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        cli.main(
            args=["calendar", "--all", "-o", str(out), "--json"],
            prog_name="reportkit",
            standalone_mode=False,
        )
    written = [Path(r["path"]) for r in json.loads(buf.getvalue())["outputs"]]
    keep = {p.name for p in written}
    for stale in out.glob("*.ics"):
        if stale.name not in keep:
            stale.unlink()
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT / "calendars")
    written = generate(ap.parse_args().out)
    print(f"已生成 {len(written)} 个日历：{ap.parse_args().out}")


if __name__ == "__main__":
    main()
