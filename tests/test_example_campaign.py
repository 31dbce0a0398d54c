"""The example campaign shipped beside 2024's (reportkit/campaigns/ncsp-monitor, an indicator
table, 市州 reporting to the province): its committed templates, sample inputs and calendars
are what the current code generates, and its sample inbox rolls up to the sums of its files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ncsp-monitor"
CAMPAIGN = ROOT / "reportkit" / "campaigns" / "ncsp-monitor"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_the_examples_artefacts_are_current(tmp_path):
    out = tmp_path / "ncsp-monitor"
    shutil.copytree(EXAMPLE / "calendars", out / "calendars")  # feeds keep their SEQUENCE state
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "regenerate_example.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    for part in ("templates", "sample_inputs", "calendars"):
        fresh, committed = _tree(out / part), _tree(EXAMPLE / part)
        assert sorted(fresh) == sorted(committed), (
            f"{part}: run python scripts/regenerate_example.py"
        )
        stale = [name for name in fresh if fresh[name] != committed[name]]
        assert not stale, (
            f"{part} out of date: {stale[:5]} — run python scripts/regenerate_example.py"
        )


def test_every_city_and_every_milestone_has_a_sample_and_a_template():
    # 湖北省: 12 地级市, 1 自治州 and 4 county-level cities the province administers directly
    for milestone in ("aug", "dec"):
        assert len(list((EXAMPLE / "sample_inputs" / milestone).glob("*.xlsx"))) == 17
    assert len(list((EXAMPLE / "templates").glob("*.xlsx"))) == 17 + 1
    names = {p.name.split("-")[0] for p in (EXAMPLE / "calendars").glob("*.ics")}
    assert {"420000", "420100", "429004"} <= names


def test_the_sample_inbox_rolls_up_to_the_sums_of_its_files(cli, tmp_path):
    out = tmp_path / "out"
    r = cli("rollup", str(EXAMPLE / "sample_inputs" / "湖北省-收件箱.zip"), "--unit", "湖北省",
            "--form", "monitor", "--milestone", "dec", "-o", str(out), "--ledger",
            str(tmp_path / "l.sqlite"), "--campaign", str(CAMPAIGN), "--as-of", "2025-12-16")  # fmt: skip
    assert r.code == 0, r.out + r.err
    summary = json.loads((out / "420000-monitor-dec.json").read_text("utf-8"), parse_float=Decimal)
    assert summary["counts"]["on_time"] == 17
    sums: dict[str, Decimal] = {}
    for f in (EXAMPLE / "sample_inputs" / "dec").glob("*.xlsx"):
        wb = openpyxl.load_workbook(f, data_only=True)
        for name, dn in wb.defined_names.items():
            for sheet, ref in dn.destinations:
                v = wb[sheet][ref.replace("$", "")].value
                if name.startswith("RK_") and isinstance(v, (int, float)):
                    key = name[3:].replace("_", ".", 1)
                    sums[key] = sums.get(key, Decimal(0)) + Decimal(str(v))
    totals = summary["totals"]
    for key in ("targeted.kinds", "rapid.batches", "targeted.seized", "rapid.passed"):
        assert Decimal(str(totals[key])) == sums[key], key
    # the rates: over the sums, not summed
    exact = sums["targeted.passed"] * 100 / sums["targeted.batches"]
    expected = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(str(totals["targeted.pass_rate"])) == expected
