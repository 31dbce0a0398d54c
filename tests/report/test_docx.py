"""The generated report read back: GB/T 9704 page and fonts, the PAGE field, the tables, and
every figure in the text equal to the roll-up's."""

from __future__ import annotations

import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from PIL import Image
from python_calamine import CalamineWorkbook

from reportkit.report.breaks import visible

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ROWS = ("training", "exam")


def num(v) -> str:  # type: ignore[no-untyped-def]
    """A figure as printed: no trailing zeros."""
    d = Decimal(str(v)).normalize()
    return format(d, "f")


def pct(a, b) -> str:  # type: ignore[no-untyped-def]
    q = (Decimal(str(a)) / Decimal(str(b)) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return num(q)


def body_paragraphs(doc) -> list:  # type: ignore[no-untyped-def]
    """The paragraphs of the report itself (up to the first attachment)."""
    out = []
    for p in doc.paragraphs:
        if p.style.style_id == "RKAttachLabel":
            break
        out.append(p)
    return out


def style_font(doc, style_id: str) -> tuple[str | None, int | None]:  # type: ignore[no-untyped-def]
    """(East Asian font, size in half-points) a style ends up with, following basedOn."""
    styles = doc.styles.element
    east = size = None
    sid = style_id
    while sid:
        st = styles.find(f"{W}style[@{W}styleId='{sid}']")
        rpr = st.find(f"{W}rPr")
        if rpr is not None:
            f = rpr.find(f"{W}rFonts")
            if east is None and f is not None and f.get(f"{W}eastAsia"):
                east = f.get(f"{W}eastAsia")
            s = rpr.find(f"{W}sz")
            if size is None and s is not None:
                size = int(s.get(f"{W}val"))
        based = st.find(f"{W}basedOn")
        sid = based.get(f"{W}val") if based is not None else None
    return east, size


def test_page_is_gbt9704_a4(mem_final_docx):
    doc = Document(str(mem_final_docx))
    s = doc.sections[0]
    assert abs(s.page_width - Mm(210)) < Mm(0.5) and abs(s.page_height - Mm(297)) < Mm(0.5)
    for side, mm in (("top", 37), ("bottom", 35), ("left", 28), ("right", 26)):
        assert abs(getattr(s, f"{side}_margin") - Mm(mm)) < Mm(0.1), side
    grid = s._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"  # 28.95 pt: 22 lines in the 225 mm type area


def test_fonts_are_east_asian_and_sized(mem_final_docx):
    doc = Document(str(mem_final_docx))
    assert style_font(doc, "Normal") == ("仿宋_GB2312", 32)
    assert style_font(doc, "Title") == ("方正小标宋简体", 44)
    assert style_font(doc, "Heading1") == ("黑体", 32)
    assert style_font(doc, "Heading2") == ("楷体_GB2312", 32)
    assert style_font(doc, "Footer") == ("宋体", 28)
    # theme fonts would override the explicit ones: none is left anywhere
    with zipfile.ZipFile(mem_final_docx) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                text = z.read(name).decode("utf-8")
                assert not re.search(r"w:(ascii|eastAsia|hAnsi)Theme=|w:cstheme=", text), name
        fonts = z.read("word/fontTable.xml").decode()
    # where an official font is missing: the Windows font of its design, then an open one
    for name, alt in (("仿宋_GB2312", "仿宋,Noto Serif CJK SC"), ("楷体_GB2312", "楷体,LXGW WenKai"),
                      ("方正小标宋简体", "宋体,Noto Serif CJK SC"), ("黑体", "Noto Sans CJK SC")):  # fmt: skip
        assert re.search(f'<w:font w:name="{name}"><w:altName w:val="{alt}"/>', fonts), name
    # the body's paragraphs use the styles: 一、 in 黑体, （一） in 楷体, the rest 仿宋
    paras = body_paragraphs(doc)
    headings1 = [p for p in paras if re.match(r"^[一二三四五六七八九十]+、", p.text)]
    headings2 = [p for p in paras if re.match(r"^（[一二三四五六七八九十]+）", p.text)]
    assert [p.text for p in headings1] == [
        "一、基本情况",
        "二、报送情况",
        "三、存在问题",
        "四、下一步工作",
    ]
    assert all(p.style.style_id == "Heading1" for p in headings1)
    assert len(headings2) == 3 and all(p.style.style_id == "Heading2" for p in headings2)
    for p in paras:  # no run carries a font of its own that would undo the styles
        for r in p.runs:
            fonts_el = r._r.find(f"{W}rPr/{W}rFonts")
            assert fonts_el is None, p.text


def test_title_recipient_signature_and_date(mem_final_docx):
    doc = Document(str(mem_final_docx))
    paras = body_paragraphs(doc)
    title = next(p for p in paras if p.style.style_id == "Title")
    assert title.text.replace("\n", "") == (
        "泰安市应急管理局关于特种作业人员安全技术培训考核专项治理工作情况的报告"
    )
    assert any(p.text == "山东省应急管理厅：" for p in paras)
    sig = next(p for p in paras if p.style.style_id == "RKSignature")
    date = next(p for p in paras if p.style.style_id == "RKDate")
    assert sig.text == "泰安市应急管理局" and visible(date.text) == "2024年11月4日"
    # 成文日期 four characters from the right; 署名 centred above it (GB/T 9704 7.3.5.1)
    d_ind = date._p.pPr.find(qn("w:ind"))
    s_ind = sig._p.pPr.find(qn("w:ind"))
    assert d_ind.get(qn("w:rightChars")) == "400"
    # date 2024年11月4日: 3 characters + 7 half-width digits = 6.5; name: 8 characters
    assert s_ind.get(qn("w:rightChars")) == str(round((4 + (6.5 - 8) / 2) * 100))
    letterhead = next(p for p in paras if p.style.style_id == "RKLetterhead")
    assert letterhead.text == "泰安市应急管理局"


def test_page_number_is_a_page_field_odd_right_even_left(mem_final_docx):
    doc = Document(str(mem_final_docx))
    assert doc.settings.element.find(qn("w:evenAndOddHeaders")) is not None
    s = doc.sections[0]
    for footer, jc in ((s.footer, "right"), (s.even_page_footer, "left")):
        p = footer.paragraphs[0]
        xml = p._p.xml
        assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", xml)
        assert xml.count('w:fldCharType="begin"') == 1 and 'w:fldCharType="end"' in xml
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert p._p.pPr.find(qn("w:jc")).get(qn("w:val")) == jc
        ind = p._p.pPr.find(qn("w:ind"))
        assert ind.get(qn("w:right" if jc == "right" else "w:left")) == "280"  # one character


def test_every_figure_in_the_text_is_the_rollups(mem_final_docx, rollups):
    r = rollups["mem-final"]
    totals = r.data["totals"]
    doc = Document(str(mem_final_docx))
    text = "\n".join(visible(p.text) for p in body_paragraphs(doc))
    t = {k: num(v) for k, v in totals.items() if v is not None}

    def both(col):  # type: ignore[no-untyped-def]
        return sum(Decimal(str(totals[f"{row}.{col}"])) for row in ROWS)

    # the sentences a reader checks first
    for phrase in (
        f"纳入治理范围的培训机构{t['training.in_scope']}家、考试机构{t['exam.in_scope']}家",
        f"完成自查的培训机构{t['training.self_checked']}家",
        f"覆盖率分别为{t['training.self_check_rate']}%、{t['exam.self_check_rate']}%",
        f"自查出问题{num(both('self_problems'))}项",
        f"整改率{pct(both('self_fixed'), both('self_problems'))}%",
        f"完成执法检查的培训机构{t['training.inspected']}家、考试机构{t['exam.inspected']}家",
        f"给予处罚的机构{num(both('penalized'))}家，罚款{num(both('fines'))}万元",
        f"淘汰退出{num(both('eliminated'))}家",
        f"整改率{pct(both('fixed'), both('problems'))}%",
        f"应报送{len(r.data['children'])}个单位",
    ):
        assert phrase in text, phrase
    # per subordinate, read independently from the roll-up workbook's 明细 sheet
    wb = CalamineWorkbook.from_path(str(next(r.out.glob("370900-mem-stats-final.xlsx"))))
    rows = wb.get_sheet_by_name("明细").to_python()
    header, units = rows[0], [x for x in rows[1:] if x[0]]

    def col(row_label: str, label: str) -> int:
        return header.index(f"{row_label} · {label}")

    def unit_rate(u, label: str) -> str:  # type: ignore[no-untyped-def]
        n = u[col("培训机构", label)] + u[col("考试机构", label)]
        d = (
            u[col("培训机构", "纳入治理范围的机构数量(家)")]
            + u[col("考试机构", "纳入治理范围的机构数量(家)")]
        )
        return pct(n, d)

    allowed = set(t.values()) | {num(v) for v in r.data["counts"].values()}
    for c in ("self_problems", "self_fixed", "with_problems", "penalized", "fines",
              "ordered_to_fix", "suspended", "eliminated", "problems", "fixed",
              "exposed_cases", "institutions", "in_scope", "self_checked", "inspected"):  # fmt: skip
        allowed.add(num(both(c)))
    allowed |= {pct(both(a), both(b)) for a, b in (("self_fixed", "self_problems"),
                                                    ("fixed", "problems"))}  # fmt: skip
    coverage = {"self": {}, "insp": {}}
    fines = {}
    for u in units:
        name = u[1].removesuffix("应急管理局")
        coverage["self"][name] = unit_rate(u, "完成自查的机构数量(家)")
        coverage["insp"][name] = unit_rate(u, "完成执法检查的机构数量(家)")
        fines[name] = Decimal(str(u[col("培训机构", "罚款总额(万元)")])) + Decimal(
            str(u[col("考试机构", "罚款总额(万元)")])
        )
    allowed |= set(coverage["self"].values()) | set(coverage["insp"].values())
    top = sorted(fines.items(), key=lambda kv: -kv[1])[:3]
    allowed |= {num(v) for _, v in top}
    allowed |= {num(sum(v for _, v in top)), pct(sum(v for _, v in top), both("fines"))}
    # the comparisons name the right units with the right figures
    best = max(Decimal(v) for v in coverage["insp"].values())
    best_names = "、".join(n for n, v in coverage["insp"].items() if Decimal(v) == best)
    assert f"执法检查覆盖率最高的是{best_names}（{num(best)}%）" in text
    assert f"罚款主要来自{top[0][0]}（{num(top[0][1])}万元）" in text
    # and no other number appears (the notices' numbers, dates and list numbers aside)
    scrubbed = re.sub(r"《[^》]*》（[^）]*）", "", text)
    scrubbed = re.sub(r"\d{4}年\d{1,2}月\d{1,2}日|〔\d{4}〕", "", scrubbed)
    scrubbed = re.sub(r"^\d+．|^附件：\d+．|^\d+．", "", scrubbed, flags=re.M)
    scrubbed = re.sub(r"图\d+", "", scrubbed)
    for figure in re.findall(r"\d+(?:\.\d+)?", scrubbed):
        assert figure in allowed, figure


def test_official_table_has_the_merged_headers_of_attachment_2(mem_final_docx, rollups):
    totals = rollups["mem-final"].data["totals"]
    doc = Document(str(mem_final_docx))
    table = doc.tables[0]
    assert len(table.columns) == 17  # row label + 16 official columns (not in_scope)
    top = table.rows[0].cells
    # 自查自改情况 spans 4 columns, 执法检查情况 10; the last two span both header rows
    assert [c.text for c in top[1:5]] == ["自查自改情况"] * 4
    assert top[1]._tc is top[4]._tc
    assert [c.text for c in top[5:15]] == ["执法检查情况"] * 10
    assert table.cell(0, 15)._tc is table.cell(1, 15)._tc
    assert table.cell(0, 15).text == "曝光典型案例(件)"
    assert table.cell(0, 16).text == "机构数量(家)"
    assert table.cell(1, 1).text == "完成自查的机构数量(家)"
    assert table.cell(1, 14).text == "整改完成的问题数量(项)"
    labels = [table.cell(1, k).text for k in range(1, 15)] + ["曝光典型案例(件)", "机构数量(家)"]
    ids = ["self_checked", "self_check_rate", "self_problems", "self_fixed", "inspected",
           "inspection_rate", "with_problems", "penalized", "fines", "ordered_to_fix",
           "suspended", "eliminated", "problems", "fixed", "exposed_cases", "institutions"]  # fmt: skip
    assert len(labels) == len(ids)
    for r, row in ((2, "training"), (3, "exam")):
        assert table.cell(r, 0).text == {"training": "培训机构", "exam": "考试机构"}[row]
        for k, cid in enumerate(ids, start=1):
            assert table.cell(r, k).text == num(totals[f"{row}.{cid}"]), (row, cid)
    # header rows repeat on each page; rows never split
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_breakdown_by_subordinate(mem_final_docx, rollups):
    data = rollups["mem-final"].data
    doc = Document(str(mem_final_docx))
    training, exam = doc.tables[1], doc.tables[2]
    names = [c["unit"].removesuffix("应急管理局") for c in data["children"]]
    assert [training.cell(r, 0).text for r in range(2, 2 + len(names))] == names
    last = len(training.rows) - 1
    assert training.cell(last, 0).text == "合计"
    assert training.cell(last, 1).text == num(data["totals"]["training.self_checked"])
    assert exam.cell(len(exam.rows) - 1, 1).text == num(data["totals"]["exam.self_checked"])


def test_attachment_pages_are_landscape_and_numbered_on(mem_final_docx):
    doc = Document(str(mem_final_docx))
    assert len(doc.sections) >= 2
    wide = doc.sections[1]
    assert wide.page_width > wide.page_height
    labels = [p.text for p in doc.paragraphs if p.style.style_id == "RKAttachLabel"]
    assert labels == ["附件1", "附件2"]
    note = [p.text for p in doc.paragraphs if p.style.style_id in ("RKAttachFirst", "RKAttachNext")]
    assert note == ["附件：1．工作情况统计表(应急管理)", "2．各县（市、区）工作情况统计明细表"]


def test_chart_is_embedded_at_300_dpi(mem_final_docx):
    with zipfile.ZipFile(mem_final_docx) as z:
        pngs = [n for n in z.namelist() if n.startswith("word/media/") and n.endswith(".png")]
        assert len(pngs) == 1
        image = Image.open(BytesIO(z.read(pngs[0])))
    dpi = image.info.get("dpi")
    assert dpi and round(dpi[0]) >= 200
    assert image.width >= 1500  # 6 inches at 300 dpi
    doc = Document(str(mem_final_docx))
    caption = next(p for p in doc.paragraphs if p.style.style_id == "RKCaption")
    assert caption.text == "图1　各县（市、区）自查和执法检查覆盖率（%）"


@pytest.mark.parametrize("key", ["mem-midterm", "samr-final", "deploy"])
def test_other_milestones_and_lines(key, rollups, tmp_path, cli):
    from tests.report.conftest import report

    r = rollups[key]
    out = tmp_path / f"{key}.docx"
    code, data = report(cli, r, out)
    assert code == 0
    doc = Document(str(out))
    text = "\n".join(visible(p.text) for p in body_paragraphs(doc))
    totals = r.data["totals"]
    title = next(p for p in doc.paragraphs if p.style.style_id == "Title").text.replace("\n", "")
    if key == "mem-midterm":
        assert title.endswith("中期工作情况的报告")
        assert "执法检查情况" not in text  # not due at midterm
        assert f"完成自查的培训机构{num(totals['training.self_checked'])}家" in text
        assert len(doc.tables[1].columns) == 1 + 4  # the breakdown: only the midterm columns
    elif key == "samr-final":
        assert f"案件{num(totals['total.cases'])}件" in text
        assert f"罚没款{num(totals['total.fines'])}万元" in text
        assert f"执法联动{num(totals['joint_enforcement'])}次" in text
        table = doc.tables[0]
        assert [c.text for c in table.rows[0].cells] == [
            "案件类型",
            "案件数量(件)",
            "罚没款(万元)",
            "移送公安(件)",
        ]
        assert table.cell(4, 0).text == "总计"
        assert table.cell(5, 0).text == "执法联动(次)"
        assert table.cell(5, 1).text == num(totals["joint_enforcement"])
        assert table.cell(5, 3).text == num(totals["exposed_cases"])
    else:
        assert title.endswith("工作部署情况的报告")
        assert data["attachments"] == ["各县（市、区）专项治理行动工作部署情况及联络人"]
        table = doc.tables[0]
        assert table.cell(0, 1).text == "实施方案名称"
        # every subordinate's plan, as the roll-up's workbook lists it
        wb = CalamineWorkbook.from_path(str(r.out / "370900-deploy-mem-deploy.xlsx"))
        detail = wb.get_sheet_by_name("明细").to_python()[1:]
        assert [table.cell(i + 1, 1).text for i in range(len(detail))] == [d[2] for d in detail]


def test_problems_and_statuses_from_the_rollup(troubled, tmp_path, cli):
    from tests.report.conftest import report

    out = tmp_path / "troubled.docx"
    code, data = report(cli, troubled, out)
    assert code == 1  # written, but the roll-up has late and missing units
    assert Path(data["output"]).exists()
    doc = Document(str(out))
    text = "\n".join(visible(p.text) for p in body_paragraphs(doc))
    assert "按时报送8个，逾期报送1个（新泰市），缺报1个（肥城市）" in text
    assert "以上数据未包含肥城市" in text
    warning = next(i for i in troubled.data["issues"] if i["severity"] == "warning")
    assert f"1．泰山区：{warning['message']}" in text
    breakdown = doc.tables[1]
    row = next(r for r in breakdown.rows if r.cells[0].text == "肥城市")
    assert {c.text for c in row.cells[1:]} == {"缺报"}  # one merged cell across the figures
    todo = [p for p in doc.paragraphs if p.style.style_id == "RKTodo"]
    assert len(todo) == 2 and all("待" in p.text for p in todo)
    highlight = todo[1].runs[0]._r.find(f"{W}rPr/{W}highlight")
    assert highlight is not None and highlight.get(f"{W}val") == "yellow"
