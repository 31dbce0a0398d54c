"""List forms (layout = "list") filled in a real LibreOffice, as a clerk fills them.

The clerk opens the 典型案例登记表 template of 江岸区, types the header and more items than the
template has rows — inserting rows inside the list, leaving a blank row between two items —
and saves it as .xlsx, .xls and .ods. Each file reads back as exactly the items typed, in
order; the 合计 row LibreOffice recalculated counts and sums them; the .xlsx keeps the names,
the validations, the protection and the A4 page of the template; a 联络人名单 with nobody on it
is refused, one with rows deleted reads as the people typed; and a city rolls the two
counties' registers up into one list, each item with its county.

LibreOffice is driven through Python-UNO (tests/office/lo_list_edit.py, run with the system
Python that has python3-uno); the tests skip where it is not installed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from reportkit.io.intake import Options, read_one
from reportkit.io.xlsx_writer import write_form_workbook
from reportkit.model.campaign import item_count, load_campaign

CAMPAIGN = Path(__file__).resolve().parents[1] / "data" / "campaigns" / "cases-register"
LO_LIST_EDIT = Path(__file__).resolve().parents[1] / "office" / "lo_list_edit.py"
SYSTEM_PYTHON = "/usr/bin/python3"
FORMATS = {"xlsx": "Calc MS Excel 2007 XML", "xls": "MS Excel 97", "ods": "calc8"}
SHEET = "清单"
MILESTONE_NAME = "典型案例报送"


def _uno() -> bool:
    if not shutil.which("soffice") or not Path(SYSTEM_PYTHON).exists():
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0


uno_only = pytest.mark.skipif(
    not _uno(), reason="LibreOffice with python3-uno is not installed (CI installs both)"
)


@pytest.fixture(scope="module")
def cr():
    return load_campaign(CAMPAIGN)


def _libreoffice(jobs: list[dict], folder: Path) -> list[dict]:
    """LibreOffice runs `jobs` (see lo_list_edit.py); what each job's sheet showed."""
    for i, job in enumerate(jobs):
        job.setdefault("sheet", SHEET)
        job["report"] = str(folder / f"report-{i}.json")
    spec = folder / "lo-job.json"
    spec.write_text(
        json.dumps({"profile": str(folder / "lo-profile"), "jobs": jobs}, ensure_ascii=False),
        encoding="utf-8",
    )
    r = subprocess.run(
        [SYSTEM_PYTHON, str(LO_LIST_EDIT), str(spec)], capture_output=True, timeout=300
    )
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")[-2000:]
    return [json.loads(Path(job["report"]).read_text("utf-8")) for job in jobs]


def _saves(folder: Path, stem: str) -> list[dict]:
    return [{"output": str(folder / f"{stem}.{f}"), "filter": flt} for f, flt in FORMATS.items()]


# --- the 典型案例登记表 of 江岸区: 17 items in a template of 15 rows -------------------------

# The template (checked below, from the file itself): 填报人 H3, 填报日期 B4, 报送节点 H4;
# the heading in row 6 (序号 A, 填报单位 B, 案例名称 C … 备注 J); item rows 7-21; 合计 row 22.
COLUMNS = ("title", "kind", "opened_on", "amount", "seized", "fine", "result", "note")
LETTERS = dict(zip(("unit", *COLUMNS), "BCDEFGHIJ", strict=True))
HEADING = {"A": "序号", "B": "填报单位", "C": "案例名称", "D": "案件类型", "E": "立案日期",
           "F": "涉案货值(万元)", "G": "查扣货值(万元)", "H": "罚没款(万元)", "I": "处理结果",
           "J": "备注"}  # fmt: skip

# What the clerk types, in the order the items stand on the sheet (money as typed, in 万元).
JIANGAN = [
    ("某食品厂超范围使用食品添加剂案", "生产环节", "2026-01-12", "12.5", "8", "3.2", "罚款并没收违法所得", ""),
    ("某超市销售过期乳制品案", "流通环节", "2026-01-20", "0.86", "0.86", "1.5", "罚款", "已结案"),
    ("某餐馆使用地沟油案", "餐饮环节", "2026-02-03", "3", "2.75", "5", "移送公安机关", ""),
    ("某批发部经营无标签预包装食品案", "流通环节", "2026-02-14", "1.2345", "1", "0.5", "罚款", ""),
    ("某网店销售假冒保健食品案", "其他", "2026-02-27", "45", "30", "20", "移送公安机关", "线上"),
    ("某学校食堂食品留样不全案", "餐饮环节", "2026-03-02", "0", "0", "0.2", "警告", ""),
    ("某豆制品作坊无证生产案", "生产环节", "2026-03-09", "2.4", "2.4", "1", "责令停产停业", ""),
    ("某冷库储存来源不明冻品案", "流通环节", "2026-03-18", "88.8", "60", "15", "罚款并没收", "跨区"),
    ("某烘焙店使用过期原料案", "餐饮环节", "2026-03-25", "0.3", "0.1", "0.8", "罚款", ""),
    ("某酒厂生产不合格白酒案", "生产环节", "2026-04-01", "150", "120", "50", "吊销许可证", ""),
    ("某农贸市场销售病死猪肉案", "流通环节", "2026-04-08", "6.66", "6", "10", "移送公安机关", ""),
    ("某外卖店无证经营案", "餐饮环节", "2026-04-15", "0.5", "0", "0.3", "取缔", ""),
    ("某调味品厂标签虚假标注案", "生产环节", "2026-04-22", "9.99", "9", "4", "罚款", "复查"),
    ("某便利店销售三无饮料案", "流通环节", "2026-04-29", "0.12", "0.12", "0.1", "罚款", ""),
    ("某火锅店回收使用火锅底料案", "餐饮环节", "2026-05-06", "1.8", "1.5", "6", "罚款并停业整顿", ""),
    ("某保健品会销虚假宣传案", "其他", "2026-05-13", "22.2", "20", "8.8", "罚款", ""),
    ("某粮油店销售霉变大米案", "流通环节", "2026-05-20", "4.0001", "4", "2", "罚款", "最后一条"),
]  # fmt: skip
JIANGAN_HEADER = {"H3": "王芳", "B4": "2026-06-05", "H4": MILESTONE_NAME}

# Where each item ends up (rows 7-24 after three rows are inserted; row 16 is left blank) and
# the clerk's steps: some items typed, rows inserted between items, the rest typed.
JIANGAN_ROWS = [7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24]
BLANK_ROW, LAST_ITEM_ROW, COUNT_ROW = 16, 24, 25


def _item_steps(item: tuple, row: int) -> list[dict]:
    """The cells of one item as a clerk types them: text as text, the choice one of the
    options, the date and the money typed (LibreOffice recognises them as it does keys)."""
    title, kind, opened_on, amount, seized, fine, result, note = item
    steps: list[dict] = [
        {"cell": f"C{row}", "value": title},
        {"cell": f"D{row}", "value": kind},
        {"cell": f"E{row}", "typed": opened_on},
        {"cell": f"F{row}", "typed": amount},
        {"cell": f"G{row}", "typed": seized},
        {"cell": f"H{row}", "typed": fine},
        {"cell": f"I{row}", "value": result},
    ]
    if note:
        steps.append({"cell": f"J{row}", "value": note})
    return steps


def _header_steps(header: dict[str, str]) -> list[dict]:
    return [
        {"cell": cell, "typed": v} if cell == "B4" else {"cell": cell, "value": v}
        for cell, v in header.items()
    ]


def _jiangan_steps() -> list[dict]:
    """The sheet is protected, with inserting and deleting rows allowed: LibreOffice inserts
    them without the sheet being unprotected (the report says whether a step was refused)."""
    items = JIANGAN
    steps = _header_steps(JIANGAN_HEADER)
    # items 1-3 and 6-7 typed in the template's rows 7-11 …
    for item, row in zip(items[0:3] + items[5:7], (7, 8, 9, 10, 11), strict=True):
        steps += _item_steps(item, row)
    # … two rows inserted between item 3 and item 6 (6-7 move down to rows 12-13), 4-5 typed
    steps.append({"insert_rows": 10, "count": 2})
    steps += _item_steps(items[3], 10) + _item_steps(items[4], 11)
    # items 8-9, a blank row 16, items 10-15 and the 17th in row 23 (the last of the 17 rows)
    for item, row in zip(items[7:15], (14, 15, 17, 18, 19, 20, 21, 22), strict=True):
        steps += _item_steps(item, row)
    steps += _item_steps(items[16], 23)
    # one more row inserted between items 15 and 17 (17 moves to row 24), item 16 typed in it
    steps.append({"insert_rows": 23, "count": 1})
    steps += _item_steps(items[15], 23)
    return steps


def _expected(items: list[tuple]) -> dict[str, object]:
    """The values the items typed are, keyed as reportkit keys list items ("k.column")."""
    out: dict[str, object] = {}
    for k, (title, kind, opened_on, amount, seized, fine, result, note) in enumerate(items, 1):
        out.update(
            {
                f"{k}.unit": None,  # blank: the submitting unit
                f"{k}.title": title,
                f"{k}.kind": kind,
                f"{k}.opened_on": dt.date.fromisoformat(opened_on),
                f"{k}.amount": Decimal(amount),
                f"{k}.seized": Decimal(seized),
                f"{k}.fine": Decimal(fine),
                f"{k}.result": result,
                f"{k}.note": note or None,
            }
        )
    return out


def _sum(items: list[tuple], column: str) -> Decimal:
    i = COLUMNS.index(column)
    return sum((Decimal(item[i]) for item in items), Decimal(0))


@pytest.fixture(scope="module")
def jiangan(cr, tmp_path_factory) -> dict:
    """江岸区's register as LibreOffice saved it, in three formats, and what its sheet showed."""
    folder = tmp_path_factory.mktemp("jiangan")
    template = folder / "江岸区 附件1 模板.xlsx"
    write_form_workbook(template, cr, cr.forms["cases"], cr.unit("江岸区"), "samr")
    # the template is as this test's cell addresses assume
    ws = openpyxl.load_workbook(template)[SHEET]
    assert {c: ws[f"{c}6"].value for c in HEADING} == HEADING
    assert [ws[f"A{r}"].value for r in range(7, 22)] == list(range(1, 16))
    assert ws["A22"].value == "合计" and ws["F3"].value == "填报人：" and ws["E4"].value is None
    reads = [f"{c}{COUNT_ROW}" for c in "ABFGH"]
    (report,) = _libreoffice(
        [{"input": str(template), "steps": _jiangan_steps(), "read": reads,
          "saves": _saves(folder, "江岸区 附件1 典型案例")}],
        folder,
    )  # fmt: skip
    files = {f: folder / f"江岸区 附件1 典型案例.{f}" for f in FORMATS}
    return {"files": files, "report": report}


@uno_only
@pytest.mark.guarantee("LibreOffice 插入行填写另存的清单与所填条目相同")
def test_a_register_with_rows_inserted_in_libreoffice_reads_back_every_item(cr, jiangan, cli):
    assert jiangan["report"]["errors"] == []  # no step refused: rows insert under protection
    assert jiangan["report"]["protected_before"] and jiangan["report"]["protected"]
    want = _expected(JIANGAN)
    for f, path in jiangan["files"].items():
        sub = read_one(path, cr, Options(parent="420100"))
        problems = [(i.code, i.message) for i in sub.issues if i.severity in ("error", "warning")]
        assert not problems, (f, problems)
        assert sub.valid, f
        assert (sub.form, sub.unit_code, sub.line, sub.milestone) == (
            "cases", "420102", "samr", "cases",
        ), f  # fmt: skip
        assert sub.header["filled_by"] == "王芳", f
        assert sub.header["filled_on"] == dt.date(2026, 6, 5), f
        assert item_count(sub.values) == 17, f
        assert sub.values == want, f  # every item, in order, the blank row not one of them
        # each item was read from the row it stands in (the blank row is skipped)
        rows = [int(sub.raw[f"{k}.title"].cell[1:]) for k in range(1, 18)]
        assert rows == JIANGAN_ROWS, f
    # the command line says the same of the three files
    r = cli("validate", "--campaign", str(CAMPAIGN), "--json", "--unit", "武汉市",
            *map(str, jiangan["files"].values()))  # fmt: skip
    assert r.code == 0, r.out + r.err
    doc = r.json()
    assert [(x["valid"], x["form"], x["unit"]) for x in doc["files"]] == [
        (True, "cases", "420102")
    ] * 3


def _cached(path: Path, cell: str) -> object:
    """What a cell of the sheet shows, as the file keeps it (a formula's cached result)."""
    if path.suffix == ".xlsx":
        return openpyxl.load_workbook(path, data_only=True)[SHEET][cell].value
    m = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    assert m
    col = ord(m[1]) - ord("A")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python()
    return rows[int(m[2]) - 1][col]


@uno_only
@pytest.mark.guarantee("LibreOffice 重算的清单合计行计入插入的行")
def test_the_total_row_counts_and_sums_the_inserted_items(jiangan):
    sums = {c: _sum(JIANGAN, c) for c in ("amount", "seized", "fine")}
    # the typed sums, added up by hand
    assert sums == {"amount": Decimal("349.3646"), "seized": Decimal("265.73"),
                    "fine": Decimal("128.4")}  # fmt: skip
    shown = jiangan["report"]["cells"]
    assert shown[f"A{COUNT_ROW}"]["string"] == "合计"
    assert shown[f"B{COUNT_ROW}"]["string"] == "共 17 条"
    for c, total in sums.items():
        got = shown[f"{LETTERS[c]}{COUNT_ROW}"]
        assert got["type"] == "FORMULA", (c, got)
        assert Decimal(str(round(got["value"], 6))) == total, (c, got)
    for f, path in jiangan["files"].items():  # and as each saved file keeps it
        assert _cached(path, f"A{COUNT_ROW}") == "合计", f
        assert _cached(path, f"B{COUNT_ROW}") == "共 17 条", f
        for c, total in sums.items():
            v = _cached(path, f"{LETTERS[c]}{COUNT_ROW}")
            assert isinstance(v, (int, float)) and Decimal(str(round(v, 6))) == total, (f, c, v)


# a list column's defined name: its first item row down to the row above 合计
# (清单!$C$7:INDEX(清单!$C:$C,ROW(清单!$A$25)-1)), however many rows were inserted
_RANGE = re.compile(
    r"^'?(?P<sheet>[^'!]+)'?!\$(?P<c0>[A-Z]+)\$(?P<r0>\d+):INDEX\('?[^'!]+'?!\$(?P<c1>[A-Z]+):"
    r"\$[A-Z]+,ROW\('?[^'!]+'?!\$A\$(?P<total>\d+)\)-1\)$"
)


def _name_rows(text: str) -> tuple[str, str, str, int, int] | None:
    """(sheet, first column, last column, first row, last row) a list column's name covers."""
    m = _RANGE.match(text)
    if m is None:
        return None
    return m["sheet"], m["c0"], m["c1"], int(m["r0"]), int(m["total"]) - 1


@uno_only
@pytest.mark.guarantee("LibreOffice 另存的清单 .xlsx 保留名称、有效性、保护和 A4 页面")
def test_the_libreoffice_xlsx_keeps_names_validations_protection_and_a4(cr, jiangan):
    wb = openpyxl.load_workbook(jiangan["files"]["xlsx"])
    ws = wb[SHEET]
    assert ws[f"A{COUNT_ROW}"].value == "合计"
    item_rows = range(7, LAST_ITEM_ROW + 1)
    columns = [c.id for c in cr.forms["cases"].columns]
    assert columns == list(LETTERS)
    for cid, letter in LETTERS.items():
        name = f"RK_list_{cid}"
        assert name in wb.defined_names, name
        got = _name_rows(wb.defined_names[name].attr_text)
        assert got, (name, wb.defined_names[name].attr_text)
        # every item row, the inserted ones too, and neither the heading nor the 合计 row
        assert got == (SHEET, letter, letter, 7, LAST_ITEM_ROW), name
    kinds = {"unit": "textLength", "title": "textLength", "kind": "list", "opened_on": "date",
             "amount": "decimal", "seized": "decimal", "fine": "decimal",
             "result": "textLength", "note": "textLength"}  # fmt: skip
    for cid, letter in LETTERS.items():
        for r in item_rows:
            got = [dv for dv in ws.data_validations.dataValidation if f"{letter}{r}" in dv.sqref]
            assert [dv.type for dv in got] == [kinds[cid]], (cid, f"{letter}{r}")
            if cid == "kind":
                assert got[0].formula1 == '"生产环节,流通环节,餐饮环节,其他"'
    prot = ws.protection
    assert prot.sheet is True
    # openpyxl's insertRows/deleteRows say the action is locked: False = a clerk may do it
    assert prot.insertRows is False and prot.deleteRows is False
    assert ws[f"C{LAST_ITEM_ROW}"].protection.locked is False  # an inserted row takes input
    assert ws[f"A{COUNT_ROW}"].protection.locked is True
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == "landscape"


# --- inserting rows directly above the 合计 row --------------------------------------------


@pytest.fixture(scope="module")
def above_total(cr, tmp_path_factory) -> dict:
    """江岸区's first 17 items: the template's 15 rows filled, then 2 rows inserted above the
    合计 row (where a clerk who has run out of rows inserts them) and the last 2 typed."""
    folder = tmp_path_factory.mktemp("above-total")
    template = folder / "江岸区 附件1 模板.xlsx"
    write_form_workbook(template, cr, cr.forms["cases"], cr.unit("江岸区"), "samr")
    steps = _header_steps(JIANGAN_HEADER)
    for k, item in enumerate(JIANGAN[:15]):
        steps += _item_steps(item, 7 + k)
    steps.append({"insert_rows": 22, "count": 2})  # 合计 moves from row 22 to row 24
    steps += _item_steps(JIANGAN[15], 22) + _item_steps(JIANGAN[16], 23)
    (report,) = _libreoffice(
        [{"input": str(template), "steps": steps, "read": ["A24", "B24", "F24"],
          "saves": _saves(folder, "江岸区 附件1 典型案例")}],
        folder,
    )  # fmt: skip
    return {"files": {f: folder / f"江岸区 附件1 典型案例.{f}" for f in FORMATS}, "report": report}


@uno_only
def test_rows_inserted_above_the_total_row_are_read(cr, above_total):
    assert above_total["report"]["errors"] == []
    for f, path in above_total["files"].items():
        sub = read_one(path, cr, Options(parent="420100"))
        assert sub.valid, (f, [(i.code, i.message) for i in sub.issues])
        assert sub.values == _expected(JIANGAN), f


@uno_only
def test_rows_inserted_above_the_total_row_are_counted_and_summed(above_total):
    shown = above_total["report"]["cells"]
    assert shown["A24"]["string"] == "合计"
    assert shown["B24"]["string"] == "共 17 条", shown["B24"]
    assert Decimal(str(round(shown["F24"]["value"], 6))) == _sum(JIANGAN, "amount")
    for f, path in above_total["files"].items():
        assert _cached(path, "B24") == "共 17 条", f


@uno_only
def test_rows_inserted_above_the_total_row_are_in_the_list_names(above_total):
    wb = openpyxl.load_workbook(above_total["files"]["xlsx"])
    for cid, letter in LETTERS.items():
        text = wb.defined_names[f"RK_list_{cid}"].attr_text
        assert _name_rows(text) == (SHEET, letter, letter, 7, 23), text


# --- the 联络人名单: at least one person ----------------------------------------------------

# liaison template: 填报人 E3, 填报日期 B4, 报送节点 E4; heading row 6 (序号, 所在单位, 姓名,
# 职务, 办公电话, 手机, 电子邮箱 in A-G); item rows 7-11; 合计 row 12.
LIAISON_HEADER = {"E3": "李强", "B4": "2026-06-03", "E4": MILESTONE_NAME}
PEOPLE = [
    ("张伟", "科长", "027-82771234", "13800138000", "zhangwei@example.cn"),
    ("刘洋", "科员", "027-82775678", "13912345678", ""),
]


@pytest.fixture(scope="module")
def liaison(cr, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("liaison")
    template = folder / "江岸区 附件2 模板.xlsx"
    write_form_workbook(template, cr, cr.forms["liaison"], cr.unit("江岸区"), "samr")
    ws = openpyxl.load_workbook(template)[SHEET]
    assert [ws[f"{c}6"].value for c in "ABCDEFG"] == [
        "序号", "所在单位", "姓名", "职务", "办公电话", "手机", "电子邮箱",
    ]  # fmt: skip
    assert ws["D3"].value == "填报人：" and ws["A12"].value == "合计"
    header = [
        {"cell": c, "typed": v} if c == "B4" else {"cell": c, "value": v}
        for c, v in LIAISON_HEADER.items()
    ]
    # two people: rows 8-10 of the five empty ones deleted (合计 moves up to row 9), the
    # people typed in rows 7 and 8; phones typed as a clerk keys them (the cells are text)
    people: list[dict] = [{"delete_rows": 8, "count": 3}]
    for row, person in zip((7, 8), PEOPLE, strict=True):
        people += [
            {"cell": f"{c}{row}", "typed": v} for c, v in zip("CDEFG", person, strict=True) if v
        ]
    # one clerk first unprotects the sheet (Tools ▸ Protect Sheet: no password), as the
    # template lets anyone do; the other deletes the rows on the protected sheet, which
    # allows it (every cell of an item row is unlocked)
    reports = _libreoffice(
        [
            {"input": str(template), "steps": header, "read": ["B12"],
             "saves": _saves(folder, "江岸区 附件2 空")},
            {"input": str(template), "steps": [{"unprotect": ""}, *header, *people],
             "read": ["A9", "B9", "A10"], "saves": _saves(folder, "江岸区 附件2 两人")},
            {"input": str(template), "steps": header + people, "read": ["A9", "B9"],
             "saves": _saves(folder, "江岸区 附件2 两人 保护")},
        ],
        folder,
    )  # fmt: skip
    return {
        "empty": {f: folder / f"江岸区 附件2 空.{f}" for f in FORMATS},
        "two": {f: folder / f"江岸区 附件2 两人.{f}" for f in FORMATS},
        "two_protected": {f: folder / f"江岸区 附件2 两人 保护.{f}" for f in FORMATS},
        "reports": reports,
    }


@uno_only
@pytest.mark.guarantee("LibreOffice 另存的空联络人名单被退回")
def test_a_liaison_list_with_nobody_on_it_is_refused(cr, liaison):
    assert liaison["reports"][0]["cells"]["B12"]["string"] == "共 0 条"
    for f, path in liaison["empty"].items():
        sub = read_one(path, cr, Options(parent="420100"))
        assert sub.form == "liaison" and sub.unit_code == "420102", f
        assert not sub.valid, f
        errors = [(i.code, i.message) for i in sub.issues if i.severity == "error"]
        assert [code for code, _ in errors] == ["list.too_few"], (f, errors)
        assert "清单只填了 0 条" in errors[0][1], (f, errors)
        assert "联络人名单" in errors[0][1] and "至少要填 1 条" in errors[0][1], (f, errors)
        assert item_count(sub.values) == 0, f


def _people() -> dict[str, object]:
    want: dict[str, object] = {}
    for k, (name, title, office, mobile, email) in enumerate(PEOPLE, 1):
        want.update({f"{k}.unit": None, f"{k}.name": name, f"{k}.title": title,
                     f"{k}.office_phone": office, f"{k}.mobile": mobile,
                     f"{k}.email": email or None})  # fmt: skip
    return want


def _reads_the_two_people(cr, liaison, fmt: str) -> None:  # type: ignore[no-untyped-def]
    report = liaison["reports"][1]
    assert report["errors"] == []
    assert report["cells"]["A9"]["string"] == "合计"  # three rows fewer
    assert report["cells"]["B9"]["string"] == "共 2 条"
    path = liaison["two"][fmt]
    sub = read_one(path, cr, Options(parent="420100"))
    problems = [(i.code, i.message) for i in sub.issues if i.severity in ("error", "warning")]
    assert not problems, problems
    assert sub.valid and sub.form == "liaison" and item_count(sub.values) == 2
    assert sub.values == _people()
    assert _cached(path, "A9") == "合计" and _cached(path, "B9") == "共 2 条"


@uno_only
@pytest.mark.guarantee("LibreOffice 删除空行后填写的联络人名单与所填条目相同")
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_liaison_list_with_rows_deleted_reads_the_people_typed(cr, liaison, fmt):
    # the .xlsx declares <dimension ref="A1:G1048576"> once rows are deleted: read all the same
    _reads_the_two_people(cr, liaison, fmt)


@uno_only
def test_a_liaison_list_rows_delete_under_the_templates_protection(cr, liaison):
    report = liaison["reports"][2]
    assert report["protected_before"] and report["protected"]
    assert report["errors"] == [], report["errors"]
    assert report["cells"]["A9"]["string"] == "合计"
    assert report["cells"]["B9"]["string"] == "共 2 条"
    for f in ("xlsx", "xls", "ods"):
        sub = read_one(liaison["two_protected"][f], cr, Options(parent="420100"))
        assert sub.valid and sub.values == _people(), f


# --- a city rolls the counties' registers up -------------------------------------------------

JIANGHAN = [
    ("某肉联厂注水牛肉案", "生产环节", "2026-02-10", "18.6", "18.6", "9", "罚款并没收", ""),
    ("某水产摊销售孔雀石绿超标鳜鱼案", "流通环节", "2026-03-16", "0.45", "0.4", "1", "罚款", ""),
    ("某奶茶店使用过期原料案", "餐饮环节", "2026-04-21", "0.07", "0", "0.5", "警告", "首次"),
    ("某电商平台销售未备案进口食品案", "其他", "2026-05-28", "31.25", "25", "12", "罚款", ""),
]  # fmt: skip


@uno_only
@pytest.mark.guarantee("LibreOffice 另存的两县清单汇总为一张清单")
def test_two_counties_libreoffice_registers_roll_up_into_one_list(cr, jiangan, tmp_path, cli):
    # 江汉区's own template, four items typed (fits its 15 rows), saved as .ods
    template = tmp_path / "江汉区 附件1 模板.xlsx"
    write_form_workbook(template, cr, cr.forms["cases"], cr.unit("江汉区"), "samr")
    steps = _header_steps({"H3": "陈静", "B4": "2026-06-08", "H4": MILESTONE_NAME})
    for k, item in enumerate(JIANGHAN):
        steps += _item_steps(item, 7 + k)
    (report,) = _libreoffice(
        [{"input": str(template), "steps": steps, "read": ["B22"],
          "saves": [{"output": str(tmp_path / "江汉区 典型案例.ods"), "filter": "calc8"}]}],
        tmp_path,
    )  # fmt: skip
    assert report["errors"] == [] and report["cells"]["B22"]["string"] == "共 4 条"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(jiangan["files"]["xlsx"], inbox / "江岸区 典型案例.xlsx")
    shutil.copy(tmp_path / "江汉区 典型案例.ods", inbox / "江汉区 典型案例.ods")
    china = dt.timezone(dt.timedelta(hours=8))
    for name, day in (("江岸区 典型案例.xlsx", 6), ("江汉区 典型案例.ods", 9)):
        sent = dt.datetime(2026, 6, day, 10, tzinfo=china).timestamp()  # before 2026-06-10
        os.utime(inbox / name, (sent, sent))
    out = tmp_path / "out"
    r = cli("rollup", "--campaign", str(CAMPAIGN), "--unit", "武汉市", "--form", "cases",
            "--milestone", "cases", str(inbox), "-o", str(out), "--ledger", str(tmp_path / "l.db"),
            "--as-of", "2026-06-20", "--settle", "0", "--json")  # fmt: skip
    assert r.code == 1, r.err  # 武汉市's other districts sent nothing: 缺报
    doc = r.json(parse_float=Decimal)
    status = {c["code"]: c["status"] for c in doc["children"]}
    assert status["420102"] == status["420103"] == "on_time", status
    totals = doc["totals"]
    assert totals["count"] == len(JIANGAN) + len(JIANGHAN) == 21
    by_unit: dict[str, list[str]] = {}
    for k in range(1, totals["count"] + 1):
        by_unit.setdefault(totals[f"{k}.unit"], []).append(totals[f"{k}.title"])
    assert f"{totals['count'] + 1}.title" not in totals
    assert by_unit == {
        "江岸区市场监督管理局": [item[0] for item in JIANGAN],
        "江汉区市场监督管理局": [item[0] for item in JIANGHAN],
    }
    amounts = sum(Decimal(item[3]) for item in JIANGAN + JIANGHAN)
    assert amounts == Decimal("349.3646") + Decimal("50.37")  # the typed amounts, by hand
    assert Decimal(str(totals["total.amount"])) == amounts
    assert Decimal(str(totals["total.fine"])) == Decimal("128.4") + Decimal("22.5")
    # the city's workbook is itself a list of the 21 items, its 合计 row the count
    built = openpyxl.load_workbook(out / "420100-cases-cases.xlsx", data_only=True)[SHEET]
    assert built["A6"].value == "序号"
    cells = [built[f"C{r}"].value for r in range(7, 28)]
    assert sorted(cells) == sorted(item[0] for item in JIANGAN + JIANGHAN)
    assert built["A28"].value == "合计" and built["B28"].value == "共 21 条"
