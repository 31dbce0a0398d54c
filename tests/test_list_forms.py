"""List forms (layout = "list"): one row per item, any number of items — a register of typical
cases (典型案例登记表) and a liaison list (联络人名单) — rolled up by putting every subordinate's
items one after another, each with the unit it belongs to, and counted.

The campaign is tests/data/campaigns/cases-register. Expected values come from what the tests
type (or, for the samples, from the workbooks read with openpyxl, not with reportkit)."""

from __future__ import annotations

import datetime as dt
import json
import os
import textwrap
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from reportkit.io.intake import Options, read_one
from reportkit.io.xlsx_writer import write_form_workbook
from reportkit.model.campaign import CampaignError, load_campaign, parse_campaign

FOLDER = Path(__file__).parent / "data" / "campaigns" / "cases-register"
BEFORE = dt.datetime(2026, 6, 9, 10, 0).timestamp()  # before the counties' deadline 06-10

# two cases as a county types them: 案例名称, 案件类型, 立案日期, 涉案货值, 查扣货值, 罚没款, 处理结果
CASE_A = ("某超市销售过期食品案", "流通环节", dt.date(2026, 3, 2), 1.5, 0.5, 2, "罚款2万元")
CASE_B = ("某餐馆使用病死猪肉案", "餐饮环节", dt.date(2026, 4, 2), 3, 2.25, 10, "移送公安")
COLUMNS = ("title", "kind", "opened_on", "amount", "seized", "fine", "result")


@pytest.fixture(scope="module")
def campaign():
    return load_campaign(FOLDER)


def _template(campaign, tmp: Path, unit: str, form: str = "cases") -> Path:
    return write_form_workbook(
        tmp / f"{unit}-{form}.xlsx", campaign, campaign.forms[form], campaign.unit(unit), "samr"
    )


def _heading_row(ws) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "序号")


def _fill(path: Path, rows: dict[int, tuple], out: Path, milestone: str = "典型案例报送") -> Path:
    """Type the header and items into a template with openpyxl: `rows` maps an item row's
    offset under the heading (1 = the first empty row) to the values of columns C…I."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    for name, value in {
        "RK_filled_by": "张三",
        "RK_filled_on": dt.date(2026, 6, 5),
        "RK_milestone": milestone,
    }.items():
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        wb[sheet][ref.replace("$", "")].value = value
    head = _heading_row(ws)
    for offset, values in rows.items():
        for k, v in enumerate(values):
            ws.cell(head + offset, 3 + k).value = v
    wb.save(out)
    os.utime(out, (BEFORE, BEFORE))
    return out


def _read(campaign, path: Path):
    return read_one(path, campaign, Options(default_milestone="cases"))


# --- the model ----------------------------------------------------------------------------------


def test_a_list_form_has_its_unit_column_first_and_no_rows_of_its_own(campaign):
    form = campaign.forms["cases"]
    assert form.listed and not form.rows and form.capacity == 15 and form.min_items == 0
    assert [c.id for c in form.columns] == ["unit", *COLUMNS, "note"]
    assert form.columns[0].label == "填报单位" and form.columns[0].optional
    assert campaign.forms["liaison"].columns[0].label == "所在单位"  # its unit_label
    assert campaign.forms["liaison"].min_items == 1
    sized = form.sized(3)
    assert [r.label for r in sized.rows] == ["第1条", "第2条", "第3条"]
    assert form.sized(3) is sized  # kept: what is worked out per form is worked out once


LIST = """
schema = 1
[campaign]
id = "t"
name = "测试"
year = 2026
starts = "2026-01-01"
ends = "2026-12-31"
[levels.national]
name = "国家级"
[levels.province]
name = "省级"
submits_to = "national"
[lines.a]
name = "甲"
agency = { national = "部", province = "厅" }
[milestones.m]
name = "报送"
forms = ["l"]
deadlines = [{ level = "province", date = "2026-06-01" }]
[forms.l]
name = "名单"
line = "a"
layout = "list"
milestones = ["m"]
"""


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ('rows = [{ id = "a", label = "甲" }]\ncolumns = [{ id = "n", label = "姓名", type = "text" }]',
         "不能写“rows”"),
        ('columns = [{ id = "unit", label = "单位", type = "text" }]', "“unit”是清单自带的填报单位列"),
        ('capacity = 0\ncolumns = [{ id = "n", label = "姓名", type = "text" }]', "不小于 1、不大于 1000 的整数"),
        ("", "缺少必填的键“columns”"),
    ],
)  # fmt: skip
def test_a_list_form_the_file_gets_wrong_is_said_in_chinese(extra, words):
    with pytest.raises(CampaignError) as e:
        parse_campaign(textwrap.dedent(LIST) + extra + "\n")
    assert words in str(e.value)


# --- the template -------------------------------------------------------------------------------


def test_the_template_prints_the_list_with_empty_rows_a_count_and_names(campaign, tmp_path):
    path = _template(campaign, tmp_path, "江岸区")
    wb = openpyxl.load_workbook(path)
    ws = wb["清单"]
    head = _heading_row(ws)
    labels = [ws.cell(head, c).value for c in range(1, 11)]
    assert labels == ["序号", "填报单位", "案例名称", "案件类型", "立案日期", "涉案货值(万元)",
                      "查扣货值(万元)", "罚没款(万元)", "处理结果", "备注"]  # fmt: skip
    assert [ws.cell(head + k, 1).value for k in range(1, 16)] == list(range(1, 16))
    total = head + 16
    assert ws.cell(total, 1).value == "合计"
    assert "SUMPRODUCT" in ws.cell(total, 2).value and "B" in ws.cell(total, 2).value
    # 涉案货值: down to the row above, so that a row inserted right above 合计 counts too
    assert ws.cell(total, 6).value == f"=SUM(F{head + 1}:INDEX(F:F,ROW()-1))"
    # each column's item rows are named
    # … down to the row above 合计, wherever that is after rows are inserted
    name = wb.defined_names["RK_list_amount"].attr_text
    assert name == f"'清单'!$F${head + 1}:INDEX('清单'!$F:$F,ROW('清单'!$A${total})-1)"
    # protected, but rows may be inserted and deleted; one validation a column
    assert ws.protection.sheet and not ws.protection.insertRows and not ws.protection.deleteRows
    kinds = {str(dv.sqref): dv.type for dv in ws.data_validations.dataValidation}
    assert kinds[f"F{head + 1}:F{head + 15}"] == "decimal"
    assert kinds[f"D{head + 1}:D{head + 15}"] == "list"
    assert ws.page_setup.paperSize == 9
    assert not ws.cell(head + 1, 3).protection.locked  # an item cell is an input
    prompts = {str(dv.sqref): dv.prompt for dv in ws.data_validations.dataValidation}
    assert prompts[f"B{head + 1}:B{head + 15}"].startswith("不填即为本单位")


# --- reading and checking -----------------------------------------------------------------------


def test_items_are_read_in_order_with_blank_rows_skipped(campaign, tmp_path):
    path = _fill(
        _template(campaign, tmp_path, "江岸区"), {1: CASE_A, 3: CASE_B}, tmp_path / "f.xlsx"
    )
    sub = _read(campaign, path)
    assert sub.valid, [i.message for i in sub.issues]
    assert sub.values["1.title"] == CASE_A[0] and sub.values["2.title"] == CASE_B[0]
    assert sub.values["2.seized"] == Decimal("2.25") and sub.values["1.opened_on"] == CASE_A[2]
    assert sub.values["1.unit"] is None  # blank: the county itself
    assert not any(k.startswith("3.") for k in sub.values)


def test_rows_inserted_beyond_the_template_are_items_too(campaign, tmp_path):
    template = _template(campaign, tmp_path, "江岸区")
    wb = openpyxl.load_workbook(template)
    ws = wb["清单"]
    head = _heading_row(ws)
    for merged in list(ws.merged_cells.ranges):  # openpyxl does not move merges as Excel does
        if merged.min_row >= head + 16:
            ws.unmerge_cells(str(merged))
    ws.insert_rows(head + 16, amount=5)  # five more rows above the 合计 row
    wb.save(tmp_path / "more.xlsx")
    rows = {k: (f"案例{k}", "其他", dt.date(2026, 5, k), k, 0, 1, "警告") for k in range(1, 21)}
    sub = _read(campaign, _fill(tmp_path / "more.xlsx", rows, tmp_path / "f.xlsx"))
    assert sub.valid, [i.message for i in sub.issues]
    assert [sub.values[f"{k}.title"] for k in range(1, 21)] == [f"案例{k}" for k in range(1, 21)]
    assert "21.title" not in sub.values


def test_a_wrong_item_is_named_by_its_number_column_and_cell(campaign, tmp_path):
    bad_rule = (*CASE_B[:4], 5, *CASE_B[5:])  # 查扣货值 5 > 涉案货值 3
    blank_result = (*CASE_A[:6], None)
    path = _fill(_template(campaign, tmp_path, "江岸区"), {1: blank_result, 2: bad_rule},
                 tmp_path / "f.xlsx")  # fmt: skip
    sub = _read(campaign, path)
    head = _heading_row(openpyxl.load_workbook(path)["清单"])
    texts = {i.cell: i.message for i in sub.issues}
    assert texts[f"I{head + 1}"] == f"第1条 · 处理结果（单元格 I{head + 1}）：未填写。"
    assert texts[f"G{head + 2}"].startswith(f"第2条（单元格 G{head + 2}）：查扣货值（5）")
    assert not sub.valid


def test_a_liaison_list_without_anyone_is_refused(campaign, tmp_path):
    path = _fill(_template(campaign, tmp_path, "江岸区", "liaison"), {}, tmp_path / "f.xlsx")
    sub = _read(campaign, path)
    assert [i.code for i in sub.issues if i.severity == "error"] == ["list.too_few"]
    assert "清单只填了 0 条，“联络人名单”至少要填 1 条" in sub.issues[-1].message


def test_a_list_retyped_by_hand_is_read_by_its_heading(campaign, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["食品安全典型案例登记表"])
    ws.append(["填报单位：江岸区市场监督管理局", None, None, "填报人：李四"])
    ws.append([])
    ws.append(["序号", "案例名称", "案件类型", "立案日期", "涉案货值（万元）", "查扣货值(万元)",
               "罚没款(万元)", "处理结果"])  # fmt: skip
    ws.append([1, *CASE_A])
    ws.append([2, *CASE_B])
    ws.append(["备注：无"])
    ws.append([None, "不是条目"])
    wb.save(tmp_path / "hand.xlsx")
    sub = _read(campaign, tmp_path / "hand.xlsx")
    assert sub.values["1.amount"] == Decimal("1.5") and sub.values["2.result"] == "移送公安"
    assert "3.title" not in sub.values  # the list ends at its 备注


def test_a_sheet_without_the_list_heading_says_so(campaign, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["食品安全典型案例登记表"])
    ws.append(["填报单位：", "江岸区市场监督管理局"])
    for label in ("案例名称", "案件类型", "立案日期", "涉案货值(万元)", "处理结果", "备注"):
        ws.append([label, "某"])  # every label, but down a column: no heading row
    wb.save(tmp_path / "no.xlsx")
    sub = _read(campaign, tmp_path / "no.xlsx")
    assert "list.no_heading" in [i.code for i in sub.issues]


def test_a_list_longer_than_the_reader_takes_is_cut_with_an_error(campaign, tmp_path, monkeypatch):
    import reportkit.io.lists as lists

    monkeypatch.setattr(lists, "MAX_ITEMS", 3)
    rows = {k: (f"案例{k}", "其他", dt.date(2026, 5, 1), 1, 0, 1, "警告") for k in range(1, 6)}
    sub = _read(campaign, _fill(_template(campaign, tmp_path, "江岸区"), rows, tmp_path / "f.xlsx"))
    cut = next(i for i in sub.issues if i.code == "list.too_many")
    head = _heading_row(openpyxl.load_workbook(tmp_path / "f.xlsx")["清单"])
    assert cut.message.endswith(f"清单超过 3 条，第 3 条以后（自第 {head + 4} 行起）未读取。")
    assert not sub.valid


# --- roll-up, sample and report, through the command line --------------------------------------


def _openpyxl_items(path: Path) -> list[dict[str, object]]:
    """A workbook's items by column label, read with openpyxl (not reportkit's reader)."""
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    head = _heading_row(ws)
    labels = [ws.cell(head, c).value for c in range(1, ws.max_column + 1)]
    out = []
    for r in range(head + 1, ws.max_row + 1):
        if ws.cell(r, 1).value == "合计":
            break
        row = {lb: ws.cell(r, c + 1).value for c, lb in enumerate(labels) if lb}
        if any(v not in (None, "") for k, v in row.items() if k != "序号"):
            out.append(row)
    return out


def test_two_levels_of_roll_up_keep_every_item_with_its_unit(cli, campaign, tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    _fill(_template(campaign, tmp_path, "江岸区"), {1: CASE_A, 2: CASE_B}, inbox / "ja.xlsx")
    _fill(_template(campaign, tmp_path, "江汉区"), {1: CASE_B}, inbox / "jh.xlsx")
    _fill(_template(campaign, tmp_path, "黄石港区"), {2: CASE_A}, inbox / "hs.xlsx")
    ledger = str(tmp_path / "l.db")
    r = cli("rollup", "--campaign", str(FOLDER), "--unit", "湖北省", "--form", "cases",
            "--milestone", "cases", str(inbox), "-o", str(tmp_path / "out"), "--ledger", ledger,
            "--as-of", "2026-06-20")  # fmt: skip
    assert "内部错误" not in r.out + r.err
    city = json.loads((tmp_path / "out" / "420100-cases-cases.json").read_text("utf-8"))
    t = city["totals"]
    assert t["count"] == 3
    assert [t[f"{k}.unit"] for k in (1, 2, 3)] == ["江岸区市场监督管理局"] * 2 + [
        "江汉区市场监督管理局"
    ]
    assert [t[f"{k}.title"] for k in (1, 2, 3)] == [CASE_A[0], CASE_B[0], CASE_B[0]]
    assert Decimal(str(t["total.amount"])) == Decimal("1.5") + 3 + 3
    province = json.loads((tmp_path / "out" / "420000-cases-cases.json").read_text("utf-8"))
    p = province["totals"]
    assert p["count"] == 4
    units = [p[f"{k}.unit"] for k in range(1, 5)]
    assert units.count("黄石港区市场监督管理局") == 1 and units.count("江岸区市场监督管理局") == 2
    # the city's workbook is a submission one level up: read back with its units in place
    items = _openpyxl_items(tmp_path / "out" / "420100-cases-cases.xlsx")
    assert [i["填报单位"] for i in items] == units[:3] or [i["填报单位"] for i in items] == [
        "江岸区市场监督管理局", "江岸区市场监督管理局", "江汉区市场监督管理局"]  # fmt: skip
    detail = openpyxl.load_workbook(tmp_path / "out" / "420100-cases-cases.xlsx")["明细"]
    counts = {row[1]: row[2] for row in detail.iter_rows(min_row=2, values_only=True)}
    assert counts["江岸区市场监督管理局"] == 2 and counts["合计"] == 3


def test_samples_roll_up_to_the_sum_of_their_items_and_report(cli, tmp_path):
    inbox = tmp_path / "in"
    for form in ("cases", "liaison"):
        r = cli("sample", "--campaign", str(FOLDER), "--unit", "武汉市", "--form", form,
                "--milestone", "cases", "-o", str(inbox))  # fmt: skip
        assert r.code == 0, r.out + r.err
    r = cli("validate", "--campaign", str(FOLDER), str(inbox))
    assert "26 个通过" in r.out, r.out
    files = sorted(inbox.glob("*-cases-cases-*.xlsx"))
    typed = [_openpyxl_items(f) for f in files]
    assert len({len(t) for t in typed}) > 1  # units report different numbers of cases
    out, ledger = tmp_path / "out", str(tmp_path / "l.db")
    for form in ("cases", "liaison"):
        r = cli("rollup", "--campaign", str(FOLDER), "--unit", "武汉市", "--form", form,
                "--milestone", "cases", str(inbox), "-o", str(out), "--ledger", ledger,
                "--as-of", "2026-06-20")  # fmt: skip
        assert r.code == 0, r.out + r.err
    totals = json.loads((out / "420100-cases-cases.json").read_text("utf-8"))["totals"]
    assert totals["count"] == sum(len(t) for t in typed)
    amounts = sum(Decimal(str(i["涉案货值(万元)"])) for t in typed for i in t)
    assert Decimal(str(totals["total.amount"])) == amounts
    liaison = json.loads((out / "420100-liaison-cases.json").read_text("utf-8"))["totals"]
    assert liaison["count"] >= 13  # at least one person a unit
    docx_path = tmp_path / "r.docx"
    r = cli("report", "--campaign", str(FOLDER), "--unit", "武汉市", "--form", "cases",
            "--milestone", "cases", "--from", str(out), "-o", str(docx_path))  # fmt: skip
    assert r.code == 0, r.out + r.err
    import docx

    document = docx.Document(str(docx_path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"共报送食品安全典型案例{totals['count']}条" in text
    assert "各地情况" in text and "报送情况" in text
    # 附件1 is the whole list: a row per item plus its heading and 合计 rows
    listed = next(t for t in document.tables if t.rows[0].cells[0].text == "序号")
    assert len(listed.rows) == totals["count"] + 2
    assert listed.rows[-1].cells[1].text == f"共 {totals['count']} 条"
    titles = {i["案例名称"] for t in typed for i in t}
    assert {row.cells[2].text for row in listed.rows[1:-1]} == titles


def test_every_other_command_runs_on_a_campaign_of_lists(cli, tmp_path):
    def run(*args: str) -> str:
        r = cli(*args, *(() if args[:2] == ("campaign", "check") else ("--campaign", str(FOLDER))))
        assert "内部错误" not in r.out + r.err and r.code == 0, r.out + r.err
        return r.out

    assert "没有发现错误" in run("campaign", "check", str(FOLDER))
    assert "典型案例报送" in run("campaign")
    run("template", "--unit", "武汉市", "--form", "liaison", "-o", str(tmp_path / "t"))
    assert len(list((tmp_path / "t").glob("*-liaison-*.xlsx"))) == 1
    inbox, out, ledger = tmp_path / "in", tmp_path / "out", str(tmp_path / "l.db")
    run("sample", "--unit", "武汉市", "--form", "cases", "--milestone", "cases", "-o", str(inbox))
    run("rollup", "--unit", "武汉市", "--form", "cases", "--milestone", "cases", str(inbox),
        "-o", str(out), "--ledger", ledger, "--as-of", "2026-06-20")  # fmt: skip
    board = run("status", "--unit", "武汉市", "--form", "cases", "--milestone", "cases",
                "--ledger", ledger, "--as-of", "2026-06-20")  # fmt: skip
    assert "按时 13" in board
    assert "食品安全典型案例登记表" in run("history", "--unit", "江岸区", "--ledger", ledger)
    run("calendar", "--unit", "湖北省", "-o", str(tmp_path / "c.ics"))
    from reportkit.serve import prepare_feeds, status_page

    campaign = load_campaign(FOLDER)
    feeds, _ = prepare_feeds(campaign, tmp_path / "home")
    page = status_page(feeds, out, "127.0.0.1:8000", campaign=campaign)
    assert campaign.name in page and "共 13 个下级单位" in page


def test_what_a_list_cannot_have_is_said_by_campaign_check(tmp_path):
    text = (FOLDER / "campaign.toml").read_text("utf-8")
    grouped = text.replace('{ id = "result", label = "处理结果", type = "text" }',
                           '{ id = "result", label = "处理结果", type = "text", group = "处理" }')  # fmt: skip
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "campaign.toml").write_text(
        grouped.replace("min_items = 1", "min_items = 6"), "utf-8"
    )
    (folder / "sample.toml").write_text("[forms.cases]\nper_milestone = false\n", "utf-8")
    from reportkit.model.campaign import check_campaign

    said = [e.message for e in check_campaign(folder)]
    assert any("列不能分组（group）" in m for m in said), said
    (folder / "campaign.toml").write_text(text.replace("min_items = 1", "min_items = 6"), "utf-8")
    said = [str(e) for e in check_campaign(folder)]
    assert any("min_items（6）大于 capacity（5）" in m for m in said), said
    (folder / "campaign.toml").write_text(text, "utf-8")  # sample.toml is read once it is right
    said = [str(e) for e in check_campaign(folder)]
    assert any("sample.toml" in m and "清单的演示数据按列的类型生成" in m for m in said), said


def test_an_item_below_the_lists_end_is_not_dropped_without_a_word(campaign, tmp_path):
    path = _fill(
        _template(campaign, tmp_path, "江岸区"), {1: CASE_A, 18: CASE_B}, tmp_path / "f.xlsx"
    )  # fmt: skip  (row 18: below the 合计 and 备注 rows)
    sub = _read(campaign, path)
    late = [i for i in sub.issues if i.code == "list.after_end"]
    assert len(late) == 1 and "不算作清单的条目" in late[0].message
    assert "2.title" not in sub.values


def _with_derived_column(folder: Path):
    """The campaign with a derived column in its register: 合计货值 = 涉案货值 + 查扣货值."""
    text = (
        (FOLDER / "campaign.toml")
        .read_text("utf-8")
        .replace(
            '  { id = "result", label = "处理结果", type = "text" },',
            '  { id = "result", label = "处理结果", type = "text" },\n'
            '  { id = "both", label = "合计货值(万元)", type = "money", unit = "万元", derive = "sum",'
            ' of = ["amount", "seized"] },',
        )
    )
    (folder / "campaign.toml").write_text(text, "utf-8")
    return load_campaign(folder / "campaign.toml")


def test_a_derived_column_does_not_make_an_empty_row_an_item(tmp_path):
    camp = _with_derived_column(tmp_path)
    path = _fill(_template(camp, tmp_path, "江岸区"), {1: CASE_A}, tmp_path / "f.xlsx")
    sub = _read(camp, path)
    assert sub.valid, [i.message for i in sub.issues]
    assert "2.title" not in sub.values and sub.values["1.both"] == Decimal("2")


# --- what a review found (each broke the list before its fix) ---------------------------------


def _hand_list(rows: list[list[object]], header: bool = True) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "清单"
    ws.append(["食品安全典型案例登记表"])
    if header:
        ws.append(["填报单位：江岸区市场监督管理局"])
    ws.append(["序号", "填报单位", "案例名称", "案件类型", "立案日期", "涉案货值(万元)",
               "查扣货值(万元)", "罚没款(万元)", "处理结果"])  # fmt: skip
    for r in rows:
        ws.append(r)
    return wb


def test_a_list_carried_on_in_a_second_sheet_is_said_not_dropped(campaign, tmp_path):
    wb = _hand_list([[1, None, *CASE_A]])
    more = wb.copy_worksheet(wb["清单"])
    more.title = "清单 (2)"
    more.append([2, None, *CASE_B])
    more.append([3, None, *CASE_A])
    wb.save(tmp_path / "two.xlsx")
    sub = _read(campaign, tmp_path / "two.xlsx")
    # the sheet with most items is read; the other is said
    assert sub.values["1.title"] == CASE_A[0] and sub.values["3.title"] == CASE_A[0]
    other = [i.message for i in sub.issues if i.code == "list.other_sheet"]
    assert other and "工作表“清单”上也有这张清单（1 条），未读取" in other[0]


def test_a_list_without_any_header_label_is_still_read(campaign, tmp_path):
    wb = _hand_list([[1, "江岸区市场监督管理局", *CASE_A]], header=False)
    wb.save(tmp_path / "bare.xlsx")
    sub = _read(campaign, tmp_path / "bare.xlsx")
    assert "file.no_form" not in [i.code for i in sub.issues]
    assert sub.values["1.title"] == CASE_A[0]


def test_a_unit_copied_down_and_a_repeated_heading_make_no_items(campaign, tmp_path):
    heading = ["序号", "填报单位", "案例名称", "案件类型", "立案日期", "涉案货值(万元)",
               "查扣货值(万元)", "罚没款(万元)", "处理结果"]  # fmt: skip
    rows = [[1, "本单位", *CASE_A], heading, [2, "本单位", *CASE_B]]
    rows += [[k, "本单位"] for k in range(3, 10)]  # the unit dragged down the empty rows
    _hand_list(rows).save(tmp_path / "drag.xlsx")
    sub = _read(campaign, tmp_path / "drag.xlsx")
    assert sub.valid, [i.message for i in sub.issues]
    assert [sub.values.get(f"{k}.title") for k in (1, 2, 3)] == [CASE_A[0], CASE_B[0], None]


def test_an_item_marked_as_the_units_own_gets_the_units_name(campaign):
    from reportkit.rollup.core import concatenate

    form = campaign.forms["cases"]
    jiangan = campaign.unit("江岸区")
    typed = {"1.unit": "本单位", "1.title": "甲", "2.unit": "同上", "2.title": "乙"}
    typed |= {"3.unit": "江岸区食品安全稽查大队", "3.title": "丙"}
    got = concatenate(form, [(jiangan, typed)], lambda r: campaign.agency_name(r, "samr"))
    assert [got[f"{k}.unit"] for k in (1, 2, 3)] == [
        "江岸区市场监督管理局", "江岸区市场监督管理局", "江岸区食品安全稽查大队"]  # fmt: skip


def test_the_template_count_leaves_a_derived_column_out(tmp_path):
    camp = _with_derived_column(tmp_path)
    ws = openpyxl.load_workbook(_template(camp, tmp_path, "江岸区"))["清单"]
    head = _heading_row(ws)
    formula = ws.cell(head + 16, 2).value
    derived = next(c for c in range(1, 13) if ws.cell(head, c).value == "合计货值(万元)")
    letter = openpyxl.utils.get_column_letter(derived)
    assert f"{letter}{head + 1}:" not in formula and f"C{head + 1}:" in formula


def test_the_report_shows_a_unit_that_sent_nothing_by_its_status(cli, tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    campaign = load_campaign(FOLDER)
    _fill(_template(campaign, tmp_path, "江岸区"), {1: CASE_A}, inbox / "ja.xlsx")
    out, ledger = tmp_path / "out", str(tmp_path / "l.db")
    cli("rollup", "--campaign", str(FOLDER), "--unit", "武汉市", "--form", "cases",
        "--milestone", "cases", str(inbox), "-o", str(out), "--ledger", ledger,
        "--as-of", "2026-06-20")  # fmt: skip
    r = cli("report", "--campaign", str(FOLDER), "--unit", "武汉市", "--form", "cases",
            "--milestone", "cases", "--from", str(out), "-o", str(tmp_path / "r.docx"))  # fmt: skip
    assert "内部错误" not in r.out + r.err
    import docx

    tables = docx.Document(str(tmp_path / "r.docx")).tables
    counts = next(t for t in tables if t.rows[0].cells[1].text == "条目数(条)")
    rows = {row.cells[0].text: row.cells[1].text for row in counts.rows[1:]}
    assert rows["江岸区"] == "1" and rows["江汉区"] == "缺报" and rows["合计"] == "1"


def test_a_report_toml_for_a_list_may_use_its_count(tmp_path):
    import shutil

    folder = tmp_path / "c"
    shutil.copytree(FOLDER, folder)
    (folder / "report.toml").write_text(
        '[forms.cases]\nbody = [["Normal", "共{{ t.count }}条。"]]\n'
        'compare = [{ name = "most", kind = "highest", cell = "count" }]\n',
        "utf-8",
    )
    from reportkit.model.campaign import check_campaign

    assert check_campaign(folder) == []


def test_a_roll_up_of_no_items_writes_a_list_of_none(cli, campaign, tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    _fill(_template(campaign, tmp_path, "江岸区"), {}, inbox / "ja.xlsx")  # 没有案例：空表
    out, ledger = tmp_path / "out", str(tmp_path / "l.db")
    cli("rollup", "--campaign", str(FOLDER), "--unit", "武汉市", "--form", "cases",
        "--milestone", "cases", str(inbox), "-o", str(out), "--ledger", ledger,
        "--as-of", "2026-06-20")  # fmt: skip
    summary = json.loads((out / "420100-cases-cases.json").read_text("utf-8"))
    assert summary["counts"]["on_time"] == 1 and summary["totals"]["count"] == 0
    ws = openpyxl.load_workbook(out / "420100-cases-cases.xlsx")["清单"]
    head = _heading_row(ws)
    assert ws.cell(head + 1, 1).value == "合计" and ws.cell(head + 1, 2).value == "共 0 条"
    # the city's empty list is a submission one level up all the same
    sub = read_one(out / "420100-cases-cases.xlsx", campaign, Options(default_milestone="cases"))
    assert sub.valid and sub.unit_code == "420100", [i.message for i in sub.issues]
