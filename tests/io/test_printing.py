"""Printed on A4, every sheet is legible: a roll-up output printed through LibreOffice, and a
blank template with the column the rates need."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

SOFFICE = shutil.which("soffice")
SAMPLE = Path(__file__).resolve().parents[2] / "sample_inputs" / "泰安市-收件箱.zip"


@pytest.fixture(scope="module")
def output(tmp_path_factory, cli):
    tmp = tmp_path_factory.mktemp("print")
    cli("rollup", str(SAMPLE), "--unit", "泰安市", "--form", "附件2", "--milestone", "终期",
        "-o", str(tmp / "out"), "--ledger", str(tmp / "l.sqlite"))  # fmt: skip
    return tmp / "out" / "370900-mem-stats-final.xlsx"


def test_wide_sheets_are_split_across_pages_with_their_headings_repeated(output):
    wb = openpyxl.load_workbook(output)
    detail = wb["明细"]
    # not shrunk to one page's width (36 figures would print at a third of their size) …
    fit = detail.sheet_properties.pageSetUpPr
    assert not (fit and fit.fitToPage)
    # … but split across pages, the header row and the unit columns on every page
    assert detail.print_title_rows == "$1:$1" and detail.print_title_cols == "$A:$B"
    assert detail.page_setup.orientation == "landscape" and detail.page_setup.paperSize == 9
    # the headings wrap in rows tall enough for their lines
    longest = max(len(str(c.value)) for c in detail[1])
    assert detail.row_dimensions[1].height >= 14.5 * (longest // 12)


def test_wrapped_cells_get_rows_tall_enough(output):
    ws = openpyxl.load_workbook(output)["报送情况"]
    width = ws.column_dimensions["B"].width
    wrapped = []
    for row in ws.iter_rows(min_row=2):
        name = str(row[1].value)
        if len(name) * 2 > width:  # a unit name that wraps (泰安高新技术产业开发区应急管理局)
            wrapped.append(name)
            assert (ws.row_dimensions[row[0].row].height or 0) >= 29, name
    assert "泰安高新技术产业开发区应急管理局" in wrapped  # the check above did run


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not on PATH; CI installs it")
@pytest.mark.guarantee("每张工作表按 A4 清楚打印（经 LibreOffice 打印）")
def test_printed_through_libreoffice_every_page_is_legible(output, tmp_path):
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path), str(output)],
        capture_output=True, timeout=240, check=False,
    )  # fmt: skip
    pdf = tmp_path / (output.stem + ".pdf")
    assert pdf.exists()
    pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", pdf)).group(1))
    assert pages > 4  # 明细 split across pages rather than one unreadable strip
    boxes = _run("pdftotext", "-bbox", pdf, "-")
    heights = [
        float(m.group(2)) - float(m.group(1))
        for m in re.finditer(
            r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">泰山区应急管理局<', boxes
        )
    ]
    assert len(heights) >= pages - 2  # the unit names repeat on the pages of 明细 and 报送情况
    assert min(heights) >= 9  # points: print-size text, not a table shrunk to a third


def _run(tool: str, *args: object) -> str:
    if not shutil.which(tool):
        pytest.skip(f"{tool} (poppler-utils) is not installed; CI installs it")
    return subprocess.run(
        [tool, *map(str, args)], capture_output=True, text=True, check=True
    ).stdout


def test_the_blank_template_prints_the_column_the_rates_need(tmp_path, cli):
    cli("template", "--unit", "泰山区", "--form", "附件2", "-o", str(tmp_path))
    ws = openpyxl.load_workbook(next(tmp_path.iterdir())).worksheets[0]
    last = ws.print_area.split(":")[-1].replace("$", "")
    col = re.sub(r"\d", "", last)
    label = next(
        c for row in ws.iter_rows() for c in row if c.value == "纳入治理范围的机构数量(家)"
    )
    assert openpyxl.utils.column_index_from_string(col) >= label.column  # inside the print area
    note = [
        c.value
        for row in ws.iter_rows()
        for c in row
        if c.value and "不属于官方统计表" in str(c.value)
    ]
    assert note  # and marked as not part of the official table
