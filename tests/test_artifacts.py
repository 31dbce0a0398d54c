"""The committed templates and sample inputs are what the current code generates; and what a
template and a roll-up output show is what a person read and approved (tests/data/golden)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden"
# REPORTKIT_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing: review the diff (and
# the printed page, for the .page1 file) before committing it.
UPDATE = os.environ.get("REPORTKIT_UPDATE_GOLDEN") == "1"


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


# --- golden files: the visible text of a template and of a roll-up output, reviewed by a person


def _shown(v: object) -> str:
    """A cell's value as text: whole numbers without .0, dates as the sheet shows them."""
    if isinstance(v, float):
        return format(Decimal(repr(v)).normalize(), "f")
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return str(v)


def sheet_text(path: Path, sheet: str = "统计表") -> str:
    """Every non-empty cell of `sheet`, one `A1<TAB>text` line each, row by row."""
    from openpyxl.utils import get_column_letter
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    try:
        rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        wb.close()
    return "".join(
        f"{get_column_letter(c + 1)}{r + 1}\t{_shown(v)}\n"
        for r, row in enumerate(rows)
        for c, v in enumerate(row)
        if v not in ("", None)
    )


TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
    r"|\d{4}年\d{1,2}月\d{1,2}日 ?\d{1,2}:\d{2}"
)


def check_golden(name: str, text: str) -> None:
    """`text` equals the golden file `name`, moments of the day (a generation time) aside."""
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, "utf-8")
        pytest.skip(f"rewrote {path.relative_to(ROOT)}: review it before committing")
    want = path.read_text("utf-8")
    assert TIMESTAMP.sub("<时刻>", text) == TIMESTAMP.sub("<时刻>", want), name


def test_the_blank_template_shows_the_official_table():
    """附件2 as a county gets it: labels, the unit, no figure yet (the rates are formulas)."""
    check_golden(
        "template-370902-mem-stats.cells.txt",
        sheet_text(ROOT / "templates" / "xlsx" / "370902-mem-stats-泰山区应急管理局.xlsx"),
    )


@pytest.fixture(scope="module")
def samr_output(tmp_path_factory, campaign, cli) -> Path:
    """泰安市's 附件1 roll-up of the figures in tests/handmade.py."""
    from tests.handmade import rollup

    out = rollup(cli, campaign, tmp_path_factory.mktemp("golden"), "samr-stats")
    return out / "370900-samr-stats-final.xlsx"


def test_a_rollup_output_shows_the_official_table_with_the_citys_figures(samr_output):
    check_golden("rollup-370900-samr-stats-final.cells.txt", sheet_text(samr_output))


def test_a_rollup_output_prints_the_official_table_on_its_first_page(samr_output, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) and poppler (pdftotext) are installed by .ci/run")
    subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path), str(samr_output)],
        capture_output=True, timeout=240, check=False,
    )  # fmt: skip
    pdf = tmp_path / f"{samr_output.stem}.pdf"
    assert pdf.exists()
    page = subprocess.run(
        ["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    # the lines as printed, spacing aside (column widths are the office suite's to choose)
    lines = [" ".join(line.split()) for line in page.splitlines()]
    check_golden("rollup-370900-samr-stats-final.page1.txt", "".join(f"{x}\n" for x in lines if x))
