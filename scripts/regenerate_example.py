"""Regenerate the committed artefacts of the example campaign (reportkit/campaigns/ncsp-monitor)
with reportkit's own commands, as scripts/regenerate.py and regenerate_calendars.py do for the
default campaign.

    python scripts/regenerate_example.py              # rewrite examples/ncsp-monitor/
    python scripts/regenerate_example.py --out DIR    # write them under DIR instead (the tests)

examples/ncsp-monitor/templates/    the province's and every 市州's blank template
examples/ncsp-monitor/sample_inputs/ demo filled workbooks of every 市州, per milestone, and
                                     湖北省-收件箱.zip (the same, as the province receives them)
examples/ncsp-monitor/calendars/     `reportkit calendar --all` (each feed keeps its SEQUENCE
                                     state: run it over the committed folder)
tests/test_example_campaign.py checks that the committed files equal a fresh run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
CAMPAIGN = ROOT / "reportkit" / "campaigns" / "ncsp-monitor"
TOP = "湖北省"
FORM = "monitor"
MILESTONES = ("aug", "dec")
INBOX_ZIP = "湖北省-收件箱.zip"


def run(*args: str) -> str:
    from reportkit.cli import cli

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        cli.main(
            args=[*args, "--campaign", str(CAMPAIGN)], prog_name="reportkit", standalone_mode=False
        )
    return buf.getvalue()


def generate(out: Path) -> None:
    from regenerate import inbox_zip

    templates, samples, calendars = out / "templates", out / "sample_inputs", out / "calendars"
    for d in (templates, samples):
        if d.exists():
            shutil.rmtree(d)
    run("template", "--unit", TOP, "--form", FORM, "--children", "-o", str(templates))
    run("template", "--unit", TOP, "--form", FORM, "-o", str(templates))
    for milestone in MILESTONES:
        run("sample", "--unit", TOP, "--form", FORM, "--milestone", milestone,
            "-o", str(samples / milestone))  # fmt: skip
    inbox_zip(samples, samples / INBOX_ZIP)
    calendars.mkdir(parents=True, exist_ok=True)
    written = json.loads(run("calendar", "--all", "-o", str(calendars), "--json"))["outputs"]
    keep = {Path(r["path"]).name for r in written}
    for stale in calendars.glob("*.ics"):
        if stale.name not in keep:
            stale.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT / "examples" / "ncsp-monitor")
    out = ap.parse_args().out
    generate(out)
    print(f"已生成示例活动的模板、示例报表和日历：{out}")


if __name__ == "__main__":
    main()
