"""The report in a real office suite: LibreOffice converts it to PDF, poppler renders page 1
and extracts the text; the title, the totals and the page numbers are there."""

from __future__ import annotations

import itertools
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


ROOT = Path(__file__).resolve().parents[2]
# what a Linux, UOS or Kylin user installs in ~/.config/fontconfig/conf.d/ (see the README)
SHIPPED = ROOT / "templates" / "fontconfig" / "65-reportkit-gbt9704.conf"


def fontconfig(path: Path, *font_dirs: Path) -> Path:
    """A fontconfig setup like a Linux desktop with reportkit's file installed (and fonts in
    `font_dirs` as if installed): the machine's own configuration, then the shipped file."""
    dirs = "".join(f"<dir>{d}</dir>" for d in font_dirs)
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        f'<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>{dirs}'
        f"<include>{SHIPPED}</include></fontconfig>",
        "utf-8",
    )
    return path


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    """One LibreOffice user profile for the module's conversions (the first one builds it)."""
    return tmp_path_factory.mktemp("lo-profile")


def to_pdf(docx: Path, work: Path, profile: Path, *font_dirs: Path) -> Path:
    """LibreOffice's PDF of `docx` (copied under a plain name: soffice names its output
    after the input)."""
    work.mkdir(parents=True, exist_ok=True)
    src = work / "report.docx"
    shutil.copy(docx, src)
    config = fontconfig(work / "fonts.conf", *font_dirs)
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    r = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", "pdf", "--outdir", str(work), str(src)],
        capture_output=True, text=True, timeout=240, env=env,
    )  # fmt: skip
    out = work / "report.pdf"
    assert out.exists(), r.stdout + r.stderr
    return out


@pytest.fixture(scope="module")
def pdf(mem_final_docx, tmp_path_factory, profile) -> Path:
    return to_pdf(mem_final_docx, tmp_path_factory.mktemp("pdf"), profile)


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


def installed(family: str) -> bool:
    r = subprocess.run(["fc-list", f":family={family}", "family"], capture_output=True, text=True)
    return bool(r.stdout.strip())


def font_of_text(pdf: Path, *pages: int) -> dict[str, str]:
    """Each piece of text poppler finds → the font it is drawn in (without the subset tag)."""
    args = ["pdftohtml", "-xml", "-i", "-stdout"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    xml = subprocess.run([*args, str(pdf)], capture_output=True, text=True, check=True).stdout
    families = {
        m.group(1): m.group(2).split("+")[-1]
        for m in re.finditer(r'<fontspec id="(\d+)"[^>]* family="([^"]+)"', xml)
    }
    return {
        re.sub(r"\s", "", m.group(2)): families[m.group(1)]
        for m in re.finditer(r'<text [^>]*font="(\d+)"[^>]*>(.*?)</text>', xml)
    }


# role: (text the report prints in that role, the font it must be drawn in here, its package)
ROLE_FONTS = {
    "title 小标宋 → 宋": (
        "泰安市应急管理局关于特种作业人员",
        "NotoSerifCJK",
        "Noto Serif CJK SC",
    ),
    "body 仿宋 → 宋": ("全市纳入治理范围的培训机构", "NotoSerifCJK", "Noto Serif CJK SC"),
    "heading1 黑体 → 黑": ("一、基本情况", "NotoSansCJK", "Noto Sans CJK SC"),
    "heading2 楷体 → 楷": ("（一）自查自改情况", "LXGWWenKai", "LXGW WenKai"),
}


@pytest.mark.skipif(not shutil.which("pdftohtml") or not shutil.which("pdffonts"),
                    reason="poppler-utils")  # fmt: skip
@pytest.mark.parametrize("role", list(ROLE_FONTS))
@pytest.mark.guarantee("没有公文字体的机器上各角色用相近的开源字体")
def test_each_role_is_drawn_in_an_open_font_of_its_design(pdf, role):
    """No 方正 or _GB2312 font on this machine: each role falls back to its own kind of font
    (fonts-noto-cjk, fonts-lxgw-wenkai), not all of them to one sans."""
    text, font, family = ROLE_FONTS[role]
    if not installed(family):
        pytest.skip(f"{family} is not installed (.ci/run installs it)")
    used = font_of_text(pdf, 1, 2)
    assert text in used, sorted(used)[:20]
    assert used[text].startswith(font), (text, used[text])
    listed = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert font in listed


@pytest.mark.skipif(not shutil.which("pdftohtml"), reason="poppler-utils")
def test_an_installed_official_font_is_still_used(mem_final_docx, tmp_path, profile):
    """On a PC that has 仿宋_GB2312 the body is drawn in it, not in the open stand-in (the
    shipped aliases add the stand-in after the official name, never before)."""
    from docx import Document
    from fontTools import subset
    from fontTools.ttLib import TTFont

    source = Path("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf")
    if not source.exists() or not installed("Noto Sans CJK SC"):
        pytest.skip("fonts-lxgw-wenkai and fonts-noto-cjk are installed by .ci/run")
    doc = Document(str(mem_final_docx))
    chars = "".join(p.text for p in doc.paragraphs)
    font = TTFont(str(source), lazy=True)  # a stand-in for the real 仿宋_GB2312
    subsetter = subset.Subsetter(subset.Options(name_IDs=["*"], name_languages=["*"]))
    subsetter.populate(text=chars)
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = "仿宋_GB2312"
        elif record.nameID == 6:
            record.string = "Official-FangSong-GB2312"
    (tmp_path / "fonts").mkdir()
    font.save(str(tmp_path / "fonts" / "fangsong_gb2312.ttf"))
    out = to_pdf(mem_final_docx, tmp_path / "pdf", profile, tmp_path / "fonts")
    used = font_of_text(out, 2)
    assert used["全市纳入治理范围的培训机构"] == "Official-FangSong-GB2312"
    assert used["一、基本情况"].startswith("NotoSansCJK")  # 黑体 is still missing here
    # LibreOffice looks the name up itself first; programs that ask fontconfig (WPS, …) get
    # the official font too, because the stand-in is accepted after it, not preferred to it
    env = {**os.environ, "FONTCONFIG_FILE": str(tmp_path / "pdf" / "fonts.conf")}
    match = subprocess.run(["fc-match", "-f", "%{family}", "仿宋_GB2312:lang=zh-cn"], env=env,
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert match == "仿宋_GB2312"


@pytest.mark.guarantee("报告符合 GB/T 9704（A4，每页 22 行、每行 28 字）")
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


PARTIAL_END = re.compile(r"\d{4}(?:年(?:\d{1,2}(?:月\d{0,2})?)?)?$")  # a line ends inside a date
PARTIAL_START = re.compile(r"^(?:年|月|日|\d{1,2}月|\d{1,2}日)")  # …or the next begins inside it


def dates_split_in(pdf: Path) -> list[str]:
    """Lines (as laid out) that end in the middle of a date, with the line that follows."""
    layout = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    lines = [ln.strip() for ln in layout.splitlines() if ln.strip()]
    return [
        f"{a} / {b}"
        for a, b in itertools.pairwise(lines)
        if PARTIAL_END.search(a.replace(" ", "")) and PARTIAL_START.match(b.replace(" ", ""))
    ]


def test_dates_are_never_split_across_lines_nor_spaced(pdf):
    raw = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert "2024年11月4日" in raw  # written solid: no space inside
    assert dates_split_in(pdf) == []


def test_a_date_at_the_end_of_a_line_goes_down_whole(rollups, tmp_path, profile, cli):
    """Staff put {{ date }} in their own wording; wherever the line ends, after a character or
    after a colon, the date is never broken ("2024年11" / "月4日" was what the clerk saw)."""
    from docx import Document

    from tests.report.conftest import report

    template = tmp_path / "模板.docx"
    doc = Document(str(ROOT / "templates" / "docx" / "mem-stats.docx"))
    anchor = next(p for p in doc.paragraphs if p.text == "一、基本情况")
    filler = "各地认真落实专项治理工作要求扎实推进各项任务按期完成" * 2
    for n in range(20, 27):  # the date starts 2 + n characters into a 28-character line
        for before in ("", "："):
            p = anchor.insert_paragraph_before(filler[: n - len(before)] + before + "{{ date }}。")
            p.style = doc.styles["Normal"]
    doc.save(str(template))
    out = tmp_path / "r.docx"
    code, _ = report(cli, rollups["mem-final"], out, "--template", str(template))
    assert code == 0
    split = dates_split_in(to_pdf(out, tmp_path / "pdf", profile))
    assert split == []


# --- lines: never spread character by character ----------------------------------------------

BODY_PT = 16
A4_WIDTH = 595.28
TYPE_AREA_CENTRE = 28 / 25.4 * 72 + (A4_WIDTH - (28 + 26) / 25.4 * 72) / 2  # left 28, right 26 mm
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def lines_of(pdf: Path) -> list[tuple[int, float, list[tuple[float, float, str]]]]:
    """(page, height, words left to right) of every line, as poppler places the glyphs; a word
    ends where the gap to the next glyph is wider than a normal space."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    out = []
    for page, body in enumerate(xml.split("<page ")[1:], start=1):
        lines: dict[tuple[int, float], list[tuple[float, float, str]]] = {}
        for m in _WORD.finditer(body):
            x0, y0, x1, y1 = map(float, m.groups()[:4])
            lines.setdefault((round(y0), round(y1 - y0, 1)), []).append((x0, x1, m.group(5)))
        out += [(page, h, sorted(words)) for (_, h), words in lines.items()]
    return out


def widest_gap(pdf: Path) -> tuple[float, str]:
    """The widest space between two neighbouring Chinese characters on a body-size line, and
    the line (the 发文字号 line is left out: a tab and an ideographic space are meant there)."""
    widest = (0.0, "")
    for _, height, words in lines_of(pdf):
        text = "".join(w for *_, w in words)
        if abs(height - BODY_PT * 1.3) > 2 or "签发人" in text:
            continue
        for (_, a1, a), (b0, _, b) in itertools.pairwise(words):
            if _CJK.match(a[-1]) and _CJK.match(b[0]) and b0 - a1 > widest[0]:
                widest = (round(b0 - a1, 1), text)
    return widest


@pytest.fixture(scope="module")
def deploy_pdf(rollups, tmp_path_factory, cli, profile) -> Path:
    from tests.report.conftest import report

    work = tmp_path_factory.mktemp("deploy-pdf")
    code, _ = report(cli, rollups["deploy"], work / "deploy.docx")
    assert code == 0
    return to_pdf(work / "deploy.docx", work, profile)


def test_the_contact_line_is_not_spread_over_the_width(deploy_pdf):
    """ "本单位联络人：庄颂，联系电话：6993769、13053833566，电子邮箱：…": LibreOffice may not break
    between "、" and a figure, so the figures went down whole and the line above was spread."""
    assert "本单位联络人：庄颂" in text_of(deploy_pdf)
    gap, line = widest_gap(deploy_pdf)
    assert gap < BODY_PT / 2, line  # never half a character between two characters


@pytest.fixture(scope="module")
def compiled_pdf(rollups, tmp_path_factory, cli, profile) -> Path:
    from tests.report.conftest import report, wps_documents

    work = tmp_path_factory.mktemp("compiled-pdf")
    wps_documents(work / "docs")
    code, _ = report(cli, rollups["mem-final"], work / "r.docx", "--inbox", str(work / "docs"))
    assert code == 0
    return to_pdf(work / "r.docx", work, profile)


@pytest.mark.parametrize("title", ["泰山区应急管理局专项治理工作总结", "肥城市专项治理工作总结"])
def test_titles_of_appended_documents_stay_titles(compiled_pdf, title):
    line = next(
        (height, words)
        for _, height, words in lines_of(compiled_pdf)
        if "".join(w for *_, w in words) == title
    )
    height, words = line
    centre = (words[0][0] + words[-1][1]) / 2
    assert abs(centre - TYPE_AREA_CENTRE) < 3  # centred on the type area, not indented
    assert height > BODY_PT * 1.3 + 4  # in a title's size, not the body's


def test_appended_documents_are_not_spread_either(compiled_pdf):
    """A line ended by Shift+Enter and a 分散对齐 paragraph are set like any other line."""
    text = text_of(compiled_pdf)
    assert "一是全面自查。二是整改到位。" in text and "肥城市的总结，内容很短。" in text
    gap, line = widest_gap(compiled_pdf)
    assert gap < BODY_PT / 2, line
