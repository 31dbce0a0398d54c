"""The report in a real office suite: LibreOffice converts it to PDF, poppler renders page 1
and extracts the text; the title, the totals and the page numbers are there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None or not shutil.which("pdftoppm") or not shutil.which("pdftotext"),
    reason="LibreOffice Writer and poppler-utils are installed by .ci/run",
)


@pytest.fixture(scope="module")
def pdf(mem_final_docx, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("pdf")
    src = work / "report.docx"  # a plain name: soffice names its output after the input
    shutil.copy(mem_final_docx, src)
    env = {**os.environ, "FONTCONFIG_FILE": str(Path(__file__).with_name("fonts.conf"))}
    r = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{work}/profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(work), str(src)],
        capture_output=True, text=True, timeout=240, env=env,
    )  # fmt: skip
    out = work / "report.pdf"
    assert out.exists(), r.stdout + r.stderr
    return out


def text_of(pdf: Path, *pages: int) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    r = subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", "", r.stdout)


def test_first_page_shows_title_and_letterhead(pdf, tmp_path):
    page1 = text_of(pdf, 1)
    assert "泰安市应急管理局关于特种作业人员安全技术培训考核专项治理工作情况的报告" in page1
    assert "山东省应急管理厅：" in page1
    assert "—1—" in page1
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    w, h = image.size
    assert abs(h / w - 297 / 210) < 0.01  # A4 portrait
    # the red letterhead and separator line: red pixels in the upper part of the page
    red = sum(
        1
        for x in range(0, w, 2)
        for y in range(0, h // 3, 2)
        if (p := image.getpixel((x, y)))[0] > 200 and p[1] < 80 and p[2] < 80
    )
    assert red > 200
    # and black text below it (the title and the body)
    dark = sum(
        1 for x in range(0, w, 3) for y in range(h // 3, h, 3) if sum(image.getpixel((x, y))) < 200
    )
    assert dark > 500


def test_text_shows_the_totals(pdf, rollups):
    totals = rollups["mem-final"].data["totals"]
    text = text_of(pdf)
    assert f"完成自查的培训机构{totals['training.self_checked']}家" in text
    assert (
        f"覆盖率分别为{totals['training.inspection_rate']}%、{totals['exam.inspection_rate']}%"
        in text
    )
    assert "2024年11月4日" in text
    assert "工作情况统计表(应急管理)" in text


def test_fonts_embedded(pdf):
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "NotoSerifCJK" in fonts and "NotoSansCJK" in fonts  # 仿宋/小标宋 and 黑体 stand-ins


def test_pages_are_a4_with_22_lines_of_28_characters(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    # a full page of body text: 22 lines, 28 characters a line (flush lines are exactly 28)
    layout = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "2", str(pdf), "-"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    lines = [re.sub(r"\s", "", ln) for ln in layout.splitlines() if ln.strip() and "—" not in ln]
    assert 15 <= len(lines) <= 22
    # lines of Chinese only (digits are narrower): a full one holds exactly 28 characters
    chinese = [ln for ln in lines if all(ord(c) >= 0x2E80 for c in ln)]
    assert max(len(ln) for ln in chinese) == 28


def test_dates_are_never_split_across_lines_nor_spaced(pdf):
    """附件1's header line ends in 填报时间：2024年11月4日, just where a line is full."""
    raw = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    date = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
    whole = date.findall(re.sub(r"\s+", "", raw))
    assert "2024年11月4日" in whole
    on_one_line = [d for line in raw.splitlines() for d in date.findall(line)]
    assert on_one_line == whole  # written solid, each on one line
