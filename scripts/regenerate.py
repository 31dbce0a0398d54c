"""Regenerate the committed artefacts of the default campaign with reportkit's own commands.

    python scripts/regenerate.py              # rewrite templates/xlsx/ and sample_inputs/
    python scripts/regenerate.py --out DIR    # write them under DIR instead (the tests do this)

tests/test_artifacts.py checks that the committed files equal a fresh run.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITY = "泰安市"
INBOX_ZIP = "泰安市-收件箱.zip"
TEMPLATES = [("samr-stats", None), ("mem-stats", None), ("deploy", None)]
SAMPLES = [
    ("deploy", "deploy"),
    ("samr-stats", "midterm"),
    ("mem-stats", "midterm"),
    ("samr-stats", "final"),
    ("mem-stats", "final"),
]


def run(*args: str) -> None:
    from reportkit.cli import cli

    cli.main(args=list(args), prog_name="reportkit", standalone_mode=False)


def generate(root: Path) -> None:
    templates = root / "templates" / "xlsx"
    samples = root / "sample_inputs"
    for d in (templates, samples):
        if d.exists():
            shutil.rmtree(d)
    for form, _ in TEMPLATES:
        run("template", "--unit", CITY, "--form", form, "--children", "-o", str(templates))
        run("template", "--unit", CITY, "--form", form, "-o", str(templates))
    for form, milestone in SAMPLES:
        out = samples / milestone
        run("sample", "--unit", CITY, "--form", form, "--milestone", milestone, "-o", str(out))
    inbox_zip(samples, samples / INBOX_ZIP)


def inbox_zip(samples: Path, target: Path) -> None:
    """The samples as a city clerk receives them: one archive whose entries keep their times.

    Git does not keep file modification times, so loose files in a fresh clone all look as if
    they arrived today; a zip entry carries its own time (read in the campaign's timezone).
    """
    import datetime as dt
    import zipfile
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(p for p in samples.rglob("*.xlsx")):
            when = dt.datetime.fromtimestamp(f.stat().st_mtime, tz)
            info = zipfile.ZipInfo(f.relative_to(samples).as_posix(), when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.flag_bits |= 0x800  # names are UTF-8
            zf.writestr(info, f.read_bytes())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT)
    generate(ap.parse_args().out)


if __name__ == "__main__":
    main()
