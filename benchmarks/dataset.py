"""The national data set: a filled workbook for every county-level unit, both statistics forms.

    python benchmarks/dataset.py [--seed N] [--limit N]    # prints the folder

Files are written by reportkit's own sample generator and workbook writer, in parallel, into
benchmarks/.cache/national-<seed>-<version>/<province code>/ and reused by later runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent
FORMS = (("samr-stats", "samr"), ("mem-stats", "mem"))
MILESTONE = "final"


def _write(args: tuple[str, int, str]) -> int:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from reportkit.io.workbook import workbook_filename
    from reportkit.io.xlsx_writer import write_form_workbook
    from reportkit.model.campaign import default_campaign
    from reportkit.sample import sample_header, sample_values

    code, seed, folder = args
    campaign = default_campaign()
    unit = campaign.registry.get(code)
    province = campaign.registry.ancestors(code)[-2].code
    out = Path(folder) / province
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for form_id, line in FORMS:
        form = campaign.forms[form_id]
        path = out / workbook_filename(campaign, form, unit, line, MILESTONE)
        if path.exists():
            continue
        values = sample_values(campaign, form, unit, line, MILESTONE, seed)
        header = sample_header(campaign, unit, line, MILESTONE, seed)
        write_form_workbook(
            path, campaign, form, unit, line, milestone=MILESTONE, values=values, header=header
        )
        when = dt.datetime.combine(header["filled_on"], dt.time(16), ZoneInfo(campaign.timezone))
        os.utime(path, (when.timestamp(), when.timestamp()))
        n += 1
    return n


def county_codes(limit: int | None = None) -> list[str]:
    from reportkit.model.campaign import default_campaign

    campaign = default_campaign()
    codes = [r.code for r in campaign.registry if r.level == "county"]
    return codes[:limit] if limit else codes


# What the data set is made from: a change to any of these makes a new data set (the version
# number alone stays the same while the writer or the sample figures change).
SOURCES = (
    "benchmarks/dataset.py",
    "reportkit/sample.py",
    "reportkit/io/xlsx_writer.py",
    "reportkit/io/workbook.py",
    "reportkit/campaigns/tzzy-2024/campaign.toml",
    "reportkit/campaigns/tzzy-2024/sample.toml",
    "reportkit/campaigns/regions.csv",
)


def code_key() -> str:
    """A digest of the code and data that build the files."""
    import hashlib

    h = hashlib.sha256()
    for rel in SOURCES:
        h.update(rel.encode() + b"\0" + (ROOT.parent / rel).read_bytes())
    return h.hexdigest()[:12]


def build(seed: int = 1, limit: int | None = None, jobs: int | None = None) -> Path:
    suffix = f"-{limit}" if limit else ""
    folder = ROOT / ".cache" / f"national-{seed}-{code_key()}{suffix}"
    codes = county_codes(limit)
    expected = 2 * len(codes)
    if folder.exists() and sum(1 for _ in folder.rglob("*.xlsx")) == expected:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(jobs or os.cpu_count()) as ex:
        written = sum(ex.map(_write, [(c, seed, str(folder)) for c in codes], chunksize=64))
    print(f"wrote {written} workbooks to {folder}", file=sys.stderr)
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=None)
    a = ap.parse_args()
    print(build(a.seed, a.limit))


if __name__ == "__main__":
    main()
