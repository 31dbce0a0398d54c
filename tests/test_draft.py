"""`reportkit campaign init`: a campaign draft from the official table a notice prints.

附件1 and 附件2 of the 2024 national notice (国市监稽发〔2024〕25号, shared/seeds) are built
here as the notice prints them, as Word tables (python-docx: the title paragraph above, the
填报单位… paragraphs, merged group headers) and as retyped sheets (openpyxl: a merged title row,
merged group headers); each draft must match the shipped campaign's form label for label."""

from __future__ import annotations

import os
import re
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from hypothesis import given, settings
from hypothesis import strategies as st

from reportkit.draft import Table, draft_toml, make_id, table, tidy, toml_string
from reportkit.model.campaign import Form, load_campaign
from tests.wide import examples

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# --- the two tables as the notice prints them ---------------------------------------------------

SAMR_TITLE = "工作情况统计表(市场监管)"
SAMR_HEADER = ["案件类型", "案件数量(件)", "罚没款(万元)", "移送公安(件)"]
SAMR_ROWS = ["虚假宣传案件", "违法广告案件", "其他", "总计"]
# the table's last row: label, blank, label, blank
SAMR_FIELDS = ["执法联动(次)", "曝光典型案例(件)"]
SAMR_REMARK = (
    "备注:各省级市场监管于6月30日、11月10日前将治理工作情况、工作情况统计表报市场监管总局。"
)
SAMR_ABOVE = ["填报单位: _____ 市场监管局(厅、委) 填报人:", "联系方式: _____ 填报时间:"]

MEM_TITLE = "工作情况统计表(应急管理)"
MEM_GROUPS = [("自查自改情况", 4), ("执法检查情况", 10)]
MEM_LEAVES = [
    "完成自查的机构数量(家)",
    "完成自查机构的覆盖率(%)",
    "自查出的问题总数(项)",
    "整改完成的问题数量(项)",
    "完成执法检查的机构数量(家)",
    "完成执法检查机构的覆盖率(%)",
    "查出问题的机构数量(家)",
    "给予处罚的机构数量(家)",
    "罚款总额(万元)",
    "限期整改的机构数量(家)",
    "停顿的机构数量(家)",
    "淘汰出的机构数量(家)",
    "查出的问题总数(项)",
    "整改完成的问题数量(项)",
]
MEM_UNGROUPED = ["曝光典型案例(件)", "机构数量(家)"]  # headers merged down both header rows
MEM_ROWS = ["培训机构", "考试机构"]
MEM_REMARK = (
    "备注：6月30日前填写报送自查自改情况，11月10日前填写报送执法检查情况和机构数量，"
    "机构数量是指专项治理后机构的数量。"
)
MEM_ABOVE = ["填报单位：_____应急管理厅(局)", "填报人：", "联系方式：", "填报时间："]


def _samr_table(d: Any) -> None:
    """附件1 as the seed prints it: the title, the lines above, the table, the 备注 below."""
    d.add_paragraph(SAMR_TITLE)
    for line in SAMR_ABOVE:
        d.add_paragraph(line)
    t = d.add_table(rows=6, cols=4)
    for c, v in enumerate(SAMR_HEADER):
        t.cell(0, c).text = v
    for r, v in enumerate(SAMR_ROWS, 1):
        t.cell(r, 0).text = v
    t.cell(5, 0).text, t.cell(5, 2).text = SAMR_FIELDS
    d.add_paragraph(SAMR_REMARK)


def samr_docx(path: Path) -> Path:
    d = docx.Document()
    # the seed's text lost the 附件1 line above this table; the notice lists it (附件：1. …)
    d.add_paragraph("附件1")
    _samr_table(d)
    d.save(path)
    return path


def mem_docx(path: Path, *, with_samr: bool = False) -> Path:
    d = docx.Document()
    if with_samr:  # the notice's own order: its list of attachments, then both tables
        d.add_paragraph("附件:1. 工作情况统计表(市场监管)")
        d.add_paragraph("2. 工作情况统计表(应急管理)")
        d.add_paragraph("2024年3月10日")
        _samr_table(d)
    d.add_paragraph("附件 2")
    d.add_paragraph(MEM_TITLE)
    for line in MEM_ABOVE:
        d.add_paragraph(line)
    width = 1 + len(MEM_LEAVES) + len(MEM_UNGROUPED)
    t = d.add_table(rows=2 + len(MEM_ROWS), cols=width)
    t.cell(0, 0).merge(t.cell(1, 0))  # the blank corner over the row labels
    c = 1
    for group, span in MEM_GROUPS:
        t.cell(0, c).merge(t.cell(0, c + span - 1)).text = group
        c += span
    for label in MEM_UNGROUPED:
        t.cell(0, c).merge(t.cell(1, c)).text = label
        c += 1
    for c, label in enumerate(MEM_LEAVES, 1):
        t.cell(1, c).text = label
    for r, label in enumerate(MEM_ROWS, 2):
        t.cell(r, 0).text = label
    d.add_paragraph(MEM_REMARK)
    d.save(path)
    return path


def samr_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "附件1"
    ws.append(["附件1"])
    ws.append([SAMR_TITLE])
    ws.merge_cells("A2:D2")
    ws.append(["填报单位：_____市场监管局(厅、委)", None, "填报人："])
    ws.append(["联系方式：", None, "填报时间："])
    ws.append(SAMR_HEADER)
    for label in SAMR_ROWS:
        ws.append([label])
    ws.append([SAMR_FIELDS[0], None, SAMR_FIELDS[1]])
    ws.append([SAMR_REMARK])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=4)
    wb.save(path)
    return path


def mem_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "附件2"
    width = 1 + len(MEM_LEAVES) + len(MEM_UNGROUPED)
    ws.append(["附件2"])
    ws.append([MEM_TITLE])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    for line in MEM_ABOVE:
        ws.append([line])
    top = ws.max_row + 1
    first = [None]
    for group, span in MEM_GROUPS:
        first += [group] + [None] * (span - 1)
    ws.append(first + MEM_UNGROUPED)
    ws.append([None, *MEM_LEAVES])
    ws.merge_cells(start_row=top, start_column=1, end_row=top + 1, end_column=1)
    c = 2
    for _, span in MEM_GROUPS:
        ws.merge_cells(start_row=top, start_column=c, end_row=top, end_column=c + span - 1)
        c += span
    for _ in MEM_UNGROUPED:
        ws.merge_cells(start_row=top, start_column=c, end_row=top + 1, end_column=c)
        c += 1
    for label in MEM_ROWS:
        ws.append([label])
    ws.append([MEM_REMARK])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    wb.save(path)
    return path


# --- helpers --------------------------------------------------------------------------------


def init(cli, source: Path, out: Path, *more: str) -> dict[str, Any]:
    code, stdout, err = cli("campaign", "init", "--from", str(source), "-o", str(out), *more)
    assert code == 0, stdout + err
    return tomllib.loads(out.read_text(encoding="utf-8"))


def only_form(doc: dict[str, Any]) -> dict[str, Any]:
    forms = {k: v for k, v in doc["forms"].items() if k != "header"}
    assert len(forms) == 1, list(forms)
    return next(iter(forms.values()))


def drafted_form(path: Path) -> Form:
    """The one form of the draft at `path`, loaded in a campaign with the parts its author
    adds (a chain, a line, a milestone)."""
    from reportkit.model.campaign import parse_campaign

    text = path.read_text("utf-8")
    fid = next(iter(tomllib.loads(text)["forms"].keys() - {"header"}))
    text = text.replace(f"[forms.{fid}]", f'[forms.{fid}]\nline = "x"\nmilestones = ["m"]', 1)
    text += textwrap.dedent(
        f"""
        [campaign]
        id = "t"
        name = "测试"
        year = 2025
        scope = "420000"
        starts = "2025-01-01"
        ends = "2025-12-31"
        [levels.province]
        name = "省级"
        [levels.city]
        name = "市级"
        submits_to = "province"
        [lines.x]
        name = "测试"
        agency = {{ province = "局", city = "局" }}
        [milestones.m]
        name = "上半年"
        forms = ["{fid}"]
        deadlines = [{{ level = "city", date = "2025-08-01" }}]
        """
    )
    return parse_campaign(text).forms[fid]


def shipped(form_id: str) -> Form:
    return load_campaign("reportkit/campaigns/tzzy-2024").forms[form_id]


def assert_matches(drafted: dict[str, Any], form: Form, header: list[dict[str, Any]]) -> None:
    """The drafted form is the shipped one, field for field, ids aside (and the shipped
    columns marked official = false, which the notice does not print)."""
    assert drafted["name"] == form.name
    assert drafted["attachment"] == form.attachment
    assert drafted["unit_label"] == form.unit_label
    assert drafted["remark"] == form.remark
    assert drafted["row_header"] == form.row_header
    rows = [(r["label"], r.get("derive")) for r in drafted["rows"]]
    assert rows == [(r.label, r.derive) for r in form.rows]
    official = [c for c in form.columns if c.official]
    columns = [(c["label"], c.get("group"), c["type"], c.get("unit")) for c in drafted["columns"]]
    assert columns == [(c.label, c.group, c.type, c.unit) for c in official]
    fields = [(f["label"], f["type"], f.get("unit")) for f in drafted.get("fields", [])]
    assert fields == [(f.label, f.type, f.unit) for f in form.fields]
    assert [(h["label"], h["type"]) for h in header] == [(h.label, h.type) for h in form.header]
    ids = [x["id"] for x in drafted["rows"] + drafted["columns"] + drafted.get("fields", [])]
    for kind in ("rows", "columns", "fields"):
        mine = [x["id"] for x in drafted.get(kind, [])]
        assert len(set(mine)) == len(mine), mine
    assert all(i.isascii() and i[0].isalpha() and i == i.lower() for i in ids), ids


# --- the 2024 notice's tables -----------------------------------------------------------------

BUILDERS = {
    "samr-docx": ("samr-stats", samr_docx, "a1.docx"),
    "samr-xlsx": ("samr-stats", samr_xlsx, "a1.xlsx"),
    "mem-docx": ("mem-stats", mem_docx, "a2.docx"),
    "mem-xlsx": ("mem-stats", mem_xlsx, "a2.xlsx"),
}


@pytest.mark.parametrize("case", sorted(BUILDERS))
def test_the_notice_tables_draft_as_the_shipped_forms(cli, tmp_path, case):
    form_id, build, name = BUILDERS[case]
    doc = init(cli, build(tmp_path / name), tmp_path / "campaign.toml")
    assert doc["schema"] == 1
    assert_matches(only_form(doc), shipped(form_id), doc["forms"]["header"]["fields"])


def test_the_draft_keys_are_the_campaign_files_keys(cli, tmp_path):
    """Everything the draft writes is a key a campaign file has (it loads once the author adds
    what it leaves to them), and the draft's text says what is left to them."""
    out = tmp_path / "campaign.toml"
    doc = init(cli, mem_docx(tmp_path / "a2.docx"), out)
    text = out.read_text(encoding="utf-8")
    form = only_form(doc)
    assert set(form) <= {"name", "attachment", "unit_label", "remark", "row_header", "rows",
                         "columns", "fields"}  # fmt: skip
    assert all(set(r) <= {"id", "label", "derive"} for r in form["rows"])
    assert all(set(c) <= {"id", "label", "group", "type", "unit"} for c in form["columns"])
    for placeholder in ("# [campaign]", "# [levels.province]", "# [lines.samr]",
                        "# [milestones.final]", "# [[rules]]", '# line = "…"'):  # fmt: skip
        assert placeholder in text
    assert "拼音首字母" in text  # ids are the author's to rename
    assert "猜测：分组取自跨列的合并表头“自查自改情况”" in text
    assert "猜测：类型 rate、单位“%”取自标签中的单位" in text


def test_a_notice_with_both_tables_drafts_both_forms(cli, tmp_path):
    """The notice's own layout: its list of attachments gives 附件1 (no 附件1 line above the
    first table, as in the seed's text), and each table gets its own title and remark."""
    doc = init(cli, mem_docx(tmp_path / "notice.docx", with_samr=True), tmp_path / "c.toml")
    forms = [v for k, v in doc["forms"].items() if k != "header"]
    assert [f["name"] for f in forms] == [SAMR_TITLE, MEM_TITLE]
    assert [f["attachment"] for f in forms] == ["附件1", "附件2"]
    assert [f["remark"] for f in forms] == [SAMR_REMARK, MEM_REMARK]
    assert_matches(forms[0], shipped("samr-stats"), doc["forms"]["header"]["fields"])
    assert_matches(forms[1], shipped("mem-stats"), doc["forms"]["header"]["fields"])
    assert len(set(doc["forms"])) == 3


# --- other layouts ----------------------------------------------------------------------------

INDICATORS = [
    ("监测农村食品品种(种)", "种", "count"),
    ("抽样批次(批)", "批", "count"),
    ("合格率(%)", "%", "rate"),
    ("清查不合格食品(公斤)", "公斤", "quantity"),
]


def test_an_indicator_table_types_its_rows(cli, tmp_path):
    d = docx.Document()
    d.add_paragraph("农村食品安全监测情况表")
    t = d.add_table(rows=1 + len(INDICATORS), cols=4)
    for c, v in enumerate(["指标", "单位", "定向监测", "快速检测"]):
        t.cell(0, c).text = v
    for r, (label, unit, _) in enumerate(INDICATORS, 1):
        t.cell(r, 0).text, t.cell(r, 1).text = label, unit
    d.save(tmp_path / "ind.docx")
    out = tmp_path / "ind.toml"
    form = only_form(init(cli, tmp_path / "ind.docx", out))
    assert [(r["label"], r["unit"], r["type"]) for r in form["rows"]] == INDICATORS
    assert [c["label"] for c in form["columns"]] == ["定向监测", "快速检测"]
    assert all(set(c) == {"id", "label"} for c in form["columns"])
    assert "这是指标表" in out.read_text(encoding="utf-8")
    assert form["layout"] == "indicators" and form["unit_column"] == "单位"


def test_a_drafted_indicator_table_is_a_form_reportkit_runs(cli, tmp_path):
    """The draft's form, put in a campaign with the parts the author adds (chain, line,
    milestone), loads: an indicator table with the notice's units on its indicators."""
    d = docx.Document()
    d.add_paragraph("农村食品安全监测情况表")
    t = d.add_table(rows=1 + len(INDICATORS), cols=4)
    for c, v in enumerate(["指标", "单位", "定向监测", "快速检测"]):
        t.cell(0, c).text = v
    for r, (label, unit, _) in enumerate(INDICATORS, 1):
        t.cell(r, 0).text, t.cell(r, 1).text = label, unit
    d.save(tmp_path / "ind.docx")
    init(cli, tmp_path / "ind.docx", tmp_path / "ind.toml")
    form = drafted_form(tmp_path / "ind.toml")
    assert form.transposed and form.unit_column == "单位"
    assert [(c.label, c.unit, c.type) for c in form.columns] == INDICATORS


def test_part_rows_total_rows_and_a_sheet_unit(tmp_path):
    """其中 rows are rows with a comment naming the row they belong to; 合  计 (spaced out, as
    Word tables are) is the total; a column without a unit is a guessed count, said so."""
    t = table(
        [
            ["项目", "案件数(件)", "办理情况"],
            ["案件总数", "", ""],
            ["其中：网络案件", "", ""],
            ["其他案件", "", ""],
            ["合  计", "", ""],
        ],
        before=["案件情况表"],
    )
    text, _ = draft_toml([t], "t.docx")
    doc = tomllib.loads(text)
    form = only_form(doc)
    assert [r["label"] for r in form["rows"]] == ["案件总数", "其中：网络案件", "其他案件", "合计"]
    assert form["rows"][-1]["derive"] == "sum"
    assert "# 其中：“其中：网络案件”是“案件总数”的一部分" in text
    assert form["rows"][1]["part_of"] == form["rows"][0]["id"]  # left out of the total, checked
    assert "不加 其中：网络案件" in text
    assert form["columns"][1] == {"id": "blqk", "label": "办理情况", "type": "text"}
    assert "猜测：标签含“情况”，类型猜为 text" in text


def test_a_column_without_a_unit_is_a_count_said_to_be_guessed(tmp_path):
    text, _ = draft_toml([table([["地区", "检查次数"], ["甲", ""]], before=["检查表"])], "x")
    assert only_form(tomllib.loads(text))["columns"][0]["type"] == "count"
    assert "猜测：标签没有单位，类型猜为 count" in text


def test_hostile_text_in_cells_stays_valid_toml(tmp_path):
    """Quotes, backslashes, control characters and a fake TOML line in a label."""
    nasty = 'a"b\\c\x01\x7f]\n[forms.evil]\nname = "x"'
    t = table([["项目", nasty], [nasty, ""]], before=[nasty, "标题"])
    text, _ = draft_toml([t], 'f"\n[x]')
    doc = tomllib.loads(text)
    assert "evil" not in doc["forms"]
    assert only_form(doc)["columns"][0]["label"] == tidy(nasty)


def test_ids_are_identifiers_and_unique():
    taken: set[str] = set()
    ids = [make_id(x, taken, "c") for x in ["整改完成的问题数量(项)", "整改完成的问题数量(项)",
                                            "2024年", "GDP增速(%)", "（）", "其中：移送"]]  # fmt: skip
    assert ids == ["zgwcdwtsl", "zgwcdwtsl_2", "n2024n", "gdpzs", "c", "qz_ys"]
    assert toml_string('"\\\x00') == '"\\"\\\\\\u0000"'


def test_tables_are_read_as_table_values():
    t = table([["a", "b"], ["c", None]], [(0, 0, 0, 1)])
    assert t == Table((("a", "a"), ("c", "")), ((0, 0), (2, 3)))


# --- refusals ---------------------------------------------------------------------------------


def _refused(cli, source: Path, tmp_path: Path, *words: str) -> str:
    out = tmp_path / "out.toml"
    code, stdout, err = cli("campaign", "init", "--from", str(source), "-o", str(out))
    assert code == 2, stdout + err
    assert "Traceback" not in err and "内部错误" not in err, err
    assert err.startswith("错误："), err
    for w in words:
        assert w in err, err
    assert not out.exists()
    return err


def test_a_file_that_is_not_a_table_is_refused(cli, tmp_path):
    (tmp_path / "notes.docx").write_text("这不是 Word 文档", encoding="utf-8")
    _refused(cli, tmp_path / "notes.docx", tmp_path, "不是 Word 文档（.docx）或 Excel 工作簿")
    (tmp_path / "empty.xlsx").write_bytes(b"")
    _refused(cli, tmp_path / "empty.xlsx", tmp_path, "空文件")
    with zipfile.ZipFile(tmp_path / "bad.docx", "w") as z:
        z.writestr("word/document.xml", "<w:document>not closed")
        z.writestr("[Content_Types].xml", "<Types/>")
    _refused(cli, tmp_path / "bad.docx", tmp_path, "无法读取")
    _refused(cli, tmp_path / "missing.docx", tmp_path, "找不到")


def test_a_document_without_a_table_is_refused(cli, tmp_path):
    d = docx.Document()
    d.save(tmp_path / "empty.docx")
    _refused(cli, tmp_path / "empty.docx", tmp_path, "没有表格")
    d = docx.Document()
    d.add_paragraph("关于开展专项治理的通知")
    d.save(tmp_path / "text.docx")
    _refused(cli, tmp_path / "text.docx", tmp_path, "没有表格")
    d = docx.Document()
    d.add_table(rows=3, cols=3)
    d.save(tmp_path / "blank.docx")
    _refused(cli, tmp_path / "blank.docx", tmp_path, "都是空的")


def test_a_huge_table_or_file_is_refused(cli, tmp_path):
    d = docx.Document()
    d.add_table(rows=201, cols=2).cell(0, 0).text = "项目"
    d.save(tmp_path / "long.docx")
    _refused(cli, tmp_path / "long.docx", tmp_path, "201 行", "超过上限")
    wb = openpyxl.Workbook()
    wb.active.cell(row=1, column=61, value="太宽")
    wb.active.cell(row=1, column=1, value="项目")
    wb.save(tmp_path / "wide.xlsx")
    _refused(cli, tmp_path / "wide.xlsx", tmp_path, "61 列", "超过上限")
    d = docx.Document()
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text = "项目"
    span = OxmlElement("w:gridSpan")  # a cell python-docx would repeat a billion times
    span.set(qn("w:val"), "1000000000")
    t.rows[1].cells[1]._tc.get_or_add_tcPr().append(span)
    d.save(tmp_path / "span.docx")
    _refused(cli, tmp_path / "span.docx", tmp_path, "1000000001 列", "超过上限")
    big = tmp_path / "big.docx"
    with open(big, "wb") as f:
        f.truncate(21 * 1024 * 1024)
    _refused(cli, big, tmp_path, "超过上限 20.0 MB")
    with zipfile.ZipFile(tmp_path / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<a>" + b" " * (120 * 1024 * 1024) + b"</a>")
    _refused(cli, tmp_path / "bomb.docx", tmp_path, "未读取")


# --- the output file --------------------------------------------------------------------------


def test_an_existing_output_is_kept_unless_forced(cli, tmp_path):
    source = samr_docx(tmp_path / "a1.docx")
    out = tmp_path / "campaign.toml"
    out.write_text("# 作者改过的活动文件\n", encoding="utf-8")
    code, stdout, err = cli("campaign", "init", "--from", str(source), "-o", str(out))
    assert code == 2 and "已存在" in err and "--force" in err, err
    assert out.read_text(encoding="utf-8") == "# 作者改过的活动文件\n"
    code, stdout, err = cli("campaign", "init", "--from", str(source), "-o", str(out), "--force")
    assert code == 0, err
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("campaign（原文件 ")]
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "# 作者改过的活动文件\n"
    assert "原有的" in stdout and kept[0].name in stdout
    assert tomllib.loads(out.read_text(encoding="utf-8"))["schema"] == 1
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert not leftovers  # the atomic write left no temporary file
    # the same draft again: nothing to replace
    code, stdout, _ = cli("campaign", "init", "--from", str(source), "-o", str(out))
    assert code == 0 and "内容相同" in stdout


def test_the_output_is_never_the_input(cli, tmp_path):
    source = samr_docx(tmp_path / "a1.docx")
    before = source.read_bytes()
    code, _, err = cli("campaign", "init", "--from", str(source), "-o", str(source), "--force")
    assert code == 2 and "就是输入的表格文件" in err
    assert source.read_bytes() == before


def test_json_lists_the_drafted_forms(cli, tmp_path):
    r = cli("campaign", "init", "--from", str(mem_xlsx(tmp_path / "a2.xlsx")), "-o",
            str(tmp_path / "c.toml"), "--json")  # fmt: skip
    assert r.code == 0, r.err
    data = r.json()
    assert data["state"] == "written"
    assert data["forms"][0]["rows"] == MEM_ROWS
    assert data["forms"][0]["columns"] == MEM_LEAVES + MEM_UNGROUPED
    assert os.path.exists(data["path"])


# --- any table at all -------------------------------------------------------------------------

WORDS = ["", "", "", "合计", "其中：甲", "数量(家)", "金额(万元)", "比率(%)", "填报人：", "附件1",
         "备注：x", "单位", "种", '"', "\\", "\n", "\x00", "序号", "标题", "执法检查情况", "1.5"]  # fmt: skip


@given(
    rows=st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6), min_size=1, max_size=7),
    merges=st.lists(
        st.tuples(*(st.integers(0, 6) for _ in range(4))).map(
            lambda m: (min(m[0], m[2]), min(m[1], m[3]), max(m[0], m[2]), max(m[1], m[3]))
        ),
        max_size=3,
    ),
    before=st.lists(st.sampled_from(WORDS), max_size=3),
)
@settings(max_examples=examples(300), deadline=None)
def test_any_table_drafts_valid_toml_or_says_why(rows, merges, before):
    from reportkit.draft import DraftError

    try:
        text, _ = draft_toml([table(rows, merges, before=before)], "t.xlsx")
    except DraftError as e:
        assert "都是空的" in str(e)
        return
    doc = tomllib.loads(text)
    for key, form in doc["forms"].items():
        for kind in ("rows", "columns", "fields"):
            ids = [x["id"] for x in form.get(kind, [])]
            assert len(set(ids)) == len(ids), (key, kind, ids)
            assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids


def test_a_numbered_register_drafts_as_the_list_form(cli, tmp_path):
    """序号 | 填报单位 | columns, blank numbered rows below (a 典型案例登记表 as a notice prints
    it): the draft is a list form whose columns are the test campaign's, field for field."""
    want = load_campaign("tests/data/campaigns/cases-register").forms["cases"]
    d = docx.Document()
    d.add_paragraph("附件1")
    d.add_paragraph(want.name)
    d.add_paragraph("填报单位（盖章）：　　　　填报人：　　　　填报日期：")
    heads = ["序号", "填报单位", *(c.label for c in want.columns[1:])]
    t = d.add_table(rows=4, cols=len(heads))
    for c, v in enumerate(heads):
        t.cell(0, c).text = v
    for r in (1, 2, 3):
        t.cell(r, 0).text = str(r)
    d.add_paragraph("备注：每个案例填一行。")
    d.save(tmp_path / "list.docx")
    out = tmp_path / "list.toml"
    form = only_form(init(cli, tmp_path / "list.docx", out))
    assert form["layout"] == "list" and form["unit_label"] == "填报单位"
    got = [(c["label"], c["type"], c.get("unit")) for c in form["columns"]]
    # a choice's options are not printed in a notice's table: it drafts as words
    kinds = [(c.label, "text" if c.type == "choice" else c.type, c.unit) for c in want.columns[1:]]
    assert got == kinds
    assert "一行一条的清单" in out.read_text("utf-8")
    said = cli("campaign", "init", "--from", str(tmp_path / "list.docx"), "-o", str(out)).out
    assert "：清单（一行一条），8 列" in said, said
    loaded = drafted_form(out)
    assert loaded.listed and loaded.columns[0].label == "填报单位"
    assert [c.label for c in loaded.columns] == [c.label for c in want.columns]
