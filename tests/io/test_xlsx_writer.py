"""The Excel writer of the official forms: layout, names, validation, formulas, protection,
printing, metadata, determinism, atomic writes. Files are read back with openpyxl (structure) and
python-calamine (values as a non-recalculating reader sees them)."""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from reportkit import __version__
from reportkit.io import workbook
from reportkit.io import xlsx_writer as xw
from reportkit.io.workbook import META_SHEET, TEMPLATE_VERSION, a1, layout, workbook_filename
from reportkit.io.xlsx_writer import write_form_workbook
from reportkit.model.campaign import FieldDef, defined_name, load_campaign

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_b492bffef467653c.txt"


# --------------------------------------------------------------------------------- helpers


def mem_values(campaign) -> dict[str, object]:
    """Every input of mem-stats: distinct numbers, fines as Decimal."""
    form = campaign.forms["mem-stats"]
    out: dict[str, object] = {}
    for i, cell in enumerate(c for c in form.cells if not c.derived):
        out[cell.key] = i + 1
    out["training.fines"] = Decimal("1.2345")
    out["exam.fines"] = Decimal("0.5")
    out["training.self_checked"] = 1
    out["training.in_scope"] = 160  # 1/160 = 0.625 % → 0.63 (half up, not half even)
    out["exam.self_checked"] = 7
    out["exam.inspected"] = 0
    out["exam.in_scope"] = 53  # 7/53 = 13.2075… % → 13.21
    return out


def samr_values() -> dict[str, object]:
    return {
        "false_publicity.cases": 3,
        "false_publicity.fines": Decimal("0.1"),
        "false_publicity.to_police": 1,
        "illegal_ads.cases": 5,
        "illegal_ads.fines": Decimal("0.2"),
        "illegal_ads.to_police": 0,
        "other.cases": 2,
        "other.fines": Decimal("12.3456"),
        "other.to_police": None,
        "joint_enforcement": 4,
        "exposed_cases": 1,
    }


HEADER = {"filled_by": "张三", "contact": "0538-6136817", "filled_on": dt.date(2024, 6, 20)}


def write(tmp_path, campaign, form_id, region, line, name=None, **kw) -> Path:
    form = campaign.forms[form_id]
    path = tmp_path / (name or workbook_filename(campaign, form, region, line, kw.get("milestone")))
    return write_form_workbook(path, campaign, form, region, line, **kw)


def grid(path: Path, sheet: str) -> list[list[object]]:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        wb.close()


def at(rows: list[list[object]], pos: tuple[int, int]) -> object:
    r, c = pos
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else ""


def input_positions(campaign, form) -> set[tuple[int, int]]:
    lay = layout(campaign, form)
    out = {lay.cells[c.key] for c in form.cells if not c.derived}
    out |= {p for h, p in lay.header.items() if h != "unit_name"}
    return out


def cells_of(sqref) -> set[tuple[int, int]]:
    out = set()
    for rng in sqref.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                out.add((r - 1, c - 1))
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory, campaign):
    """A blank and a filled workbook of each form for 泰山区."""
    d = tmp_path_factory.mktemp("wb")
    t = campaign.unit("泰山区")
    return {
        "samr-blank": write(d, campaign, "samr-stats", t, "samr", name="samr-blank.xlsx"),
        "samr": write(
            d,
            campaign,
            "samr-stats",
            t,
            "samr",
            name="samr.xlsx",
            milestone="midterm",
            values=samr_values(),
            header=HEADER,
        ),
        "mem-blank": write(d, campaign, "mem-stats", t, "mem", name="mem-blank.xlsx"),
        "mem": write(
            d,
            campaign,
            "mem-stats",
            t,
            "mem",
            name="mem.xlsx",
            milestone="final",
            values=mem_values(campaign),
            header=HEADER,
        ),
        "deploy": write(
            d,
            campaign,
            "deploy",
            t,
            "mem",
            name="deploy.xlsx",
            milestone="deploy",
            values={
                "plan_name": "泰山区特种作业人员安全技术培训考核专项治理实施方案",
                "doc_number": "泰山应急〔2024〕5号",
                "issued_on": dt.date(2024, 3, 25),
                "liaison_name": "李四",
                "liaison_title": "科长",
                "office_phone": "0538-8221234",
                "mobile": "13800000000",
                "email": "li@example.cn",
            },
            header=HEADER,
        ),
        "deploy-blank": write(d, campaign, "deploy", t, "samr", name="deploy-blank.xlsx"),
    }


FORM_OF = {
    "samr-blank": "samr-stats",
    "samr": "samr-stats",
    "mem-blank": "mem-stats",
    "mem": "mem-stats",
    "deploy": "deploy",
    "deploy-blank": "deploy",
}


# --------------------------------------------------------------------------------- names


def test_workbook_filename(campaign, taishan):
    f = campaign.forms
    assert (
        workbook_filename(campaign, f["mem-stats"], taishan, "mem")
        == "370902-mem-stats-泰山区应急管理局.xlsx"
    )
    assert (
        workbook_filename(campaign, f["deploy"], taishan, "mem")
        == "370902-deploy-mem-泰山区应急管理局.xlsx"
    )
    assert (
        workbook_filename(campaign, f["samr-stats"], taishan, "samr", "final")
        == "370902-samr-stats-final-泰山区市场监督管理局.xlsx"
    )
    assert (
        workbook_filename(campaign, f["deploy"], campaign.unit("泰安市"), "samr", "deploy")
        == "370900-deploy-samr-deploy-泰安市市场监督管理局.xlsx"
    )


# --------------------------------------------------------------------------------- layout


def test_layout_samr_positions(campaign):
    lay = layout(campaign, campaign.forms["samr-stats"])
    assert lay.sheet == "统计表" and lay.width == 4 and lay.last_col == 3
    assert lay.attachment == (0, 0) and lay.title == (1, 0, 1, 3)
    first, last = lay.header_rows
    assert first == last
    assert lay.cells["false_publicity.cases"] == (first + 1, 1)
    assert lay.cells["total.to_police"] == (first + 4, 3)
    # 执法联动(次) [input] 曝光典型案例(件) [input] on the row after the table's rows
    assert lay.field_labels["joint_enforcement"] == (first + 5, 0, first + 5, 0)
    assert lay.cells["joint_enforcement"] == (first + 5, 1)
    assert lay.field_labels["exposed_cases"] == (first + 5, 2, first + 5, 2)
    assert lay.cells["exposed_cases"] == (first + 5, 3)
    assert lay.remark == (first + 6, 0, first + 6, 3)
    assert lay.print_area == (0, 0, first + 6, 3)
    assert set(lay.header) == {"unit_name", "filled_by", "contact", "filled_on", "milestone"}
    # the defined names of the contract, written down: a cell by its row and column ids
    assert defined_name("total.cases") == "RK_total_cases"
    assert defined_name("milestone") == "RK_milestone"


def test_layout_mem_helper_column_beside_the_table(campaign):
    form = campaign.forms["mem-stats"]
    lay = layout(campaign, form)
    assert lay.width == 17  # row labels + the 16 official columns
    first, last = lay.header_rows
    assert last == first + 1
    official = [c.id for c in form.columns if c.official]
    assert [lay.cells[f"training.{c}"][1] for c in official] == list(range(1, 17))
    # in_scope: after one empty column, not inside the official table
    assert lay.cells["training.in_scope"] == (last + 1, 18)
    assert lay.cells["exam.in_scope"] == (last + 2, 18)
    # printed too (the rates need it), under its note that it is not part of the table
    assert lay.last_col == 18 and lay.print_area[3] == 18
    assert lay.column_labels["in_scope"] == (first, 18, last, 18)
    assert lay.notes["in_scope"] == (last + 3, 18)
    groups = {t: s for t, s in lay.headings if t in ("自查自改情况", "执法检查情况")}
    assert groups == {"自查自改情况": (first, 1, first, 4), "执法检查情况": (first, 5, first, 14)}
    assert lay.column_labels["exposed_cases"] == (first, 15, last, 15)
    assert lay.column_labels["institutions"] == (first, 16, last, 16)
    assert lay.column_labels["self_checked"] == (last, 1, last, 1)


def test_layout_is_pure_and_stable(campaign):
    again = load_campaign()  # the same file loaded again: equal forms, other objects
    for form in campaign.forms.values():
        lay = layout(campaign, form)
        # computed afresh (not the cached object compared with itself), and for the same form
        # loaded again: the same positions
        assert workbook._layout.__wrapped__(form) == lay
        assert again.forms[form.id] is not form
        assert layout(again, again.forms[form.id]) == lay
        positions = list(lay.cells.values()) + list(lay.header.values())
        assert len(positions) == len(set(positions))  # no two values share a cell


@pytest.mark.skipif(not SEED.exists(), reason="the seed documents (../shared/seeds) are not here")
@pytest.mark.parametrize(
    ("key", "start", "stop"),
    [("samr-blank", "案件类型\t", "执法联动"), ("mem-blank", "\t自查自改情况", "考试机构")],
)
def test_official_table_mirrors_the_notice(campaign, files, key, start, stop):
    """The official table's grid is the notice's table cell for cell (values blanked)."""
    lines = SEED.read_text("utf-8").splitlines()
    i = next(n for n, ln in enumerate(lines) if ln.startswith(start))
    j = next(n for n, ln in enumerate(lines) if n > i and ln.startswith(stop))
    table = [ln.split("\t") for ln in lines[i : j + 1]]
    form = campaign.forms[FORM_OF[key]]
    lay = layout(campaign, form)
    rows = grid(files[key], lay.sheet)
    values = set(lay.cells.values())
    for k, seed_row in enumerate(table):
        r = lay.header_rows[0] + k
        got = ["" if (r, c) in values else str(at(rows, (r, c))).strip() for c in range(lay.width)]
        assert got == [s.strip() for s in seed_row] + [""] * (lay.width - len(seed_row))


def test_sheet_layout_samr(campaign, files):
    lay = layout(campaign, campaign.forms["samr-stats"])
    wb = openpyxl.load_workbook(files["samr"])
    assert wb.sheetnames == ["统计表", META_SHEET]
    ws = wb.worksheets[0]
    assert ws["A1"].value == "附件1"
    assert ws["A2"].value == "工作情况统计表(市场监管)" and ws["A2"].font.b
    assert "A2:D2" in {str(m) for m in ws.merged_cells.ranges}
    labels = {ws.cell(s[0] + 1, s[1] + 1).value for s in lay.header_labels.values()}
    assert labels == {"填报单位：", "填报人：", "联系方式：", "填报时间：", "报送节点："}
    unit = ws.cell(*(x + 1 for x in lay.header["unit_name"]))
    assert unit.value == "泰山区市场监督管理局" and unit.protection.locked
    ms = ws.cell(*(x + 1 for x in lay.header["milestone"]))
    assert ms.value == "中期行动总结及统计表" and ms.protection.locked
    r = lay.header_rows[0] + 1
    assert [ws.cell(r, c).value for c in range(1, 5)] == [
        "案件类型",
        "案件数量(件)",
        "罚没款(万元)",
        "移送公安(件)",
    ]
    assert [ws.cell(r + k, 1).value for k in range(1, 5)] == [
        "虚假宣传案件",
        "违法广告案件",
        "其他",
        "总计",
    ]
    remark = ws.cell(lay.remark[0] + 1, 1)
    assert remark.value.startswith("备注:各省级市场监管") and remark.alignment.wrap_text
    # 宋体 everywhere, bordered and wrapped headings, set widths
    fonts = {ws.cell(r_, c_).font.name for r_ in range(1, 13) for c_ in range(1, 5)}
    assert fonts == {"宋体"}
    head = ws.cell(r, 2)
    assert head.border.left.style == head.border.bottom.style == "thin" and head.alignment.wrap_text
    assert all(ws.column_dimensions[x].width >= 10 for x in "ABCD")


def test_sheet_layout_mem(campaign, files):
    form = campaign.forms["mem-stats"]
    lay = layout(campaign, form)
    wb = openpyxl.load_workbook(files["mem"])
    ws = wb.worksheets[0]
    assert ws.title == "统计表" and ws["A1"].value == "附件2"
    merged = {str(m) for m in ws.merged_cells.ranges}
    f, last = (x + 1 for x in lay.header_rows)
    assert {f"B{f}:E{f}", f"F{f}:O{f}", f"P{f}:P{last}", f"Q{f}:Q{last}", f"A{f}:A{last}"} <= merged
    assert ws[f"B{f}"].value == "自查自改情况" and ws[f"F{f}"].value == "执法检查情况"
    assert ws[f"S{f}"].value == "纳入治理范围的机构数量(家)" and f"S{f}:S{last}" in merged
    assert all(ws[f"R{r}"].value is None for r in range(1, 15))  # the empty column
    note = ws.cell(*(x + 1 for x in lay.notes["in_scope"]))
    assert note.value == form.column("in_scope").note
    assert ws[f"A{last + 1}"].value == "培训机构" and ws[f"A{last + 2}"].value == "考试机构"
    assert ws.cell(*(x + 1 for x in lay.header["milestone"])).value == "专项行动总结报告及统计表"


def test_sheet_layout_deploy(campaign, files):
    form = campaign.forms["deploy"]
    lay = layout(campaign, form)
    wb = openpyxl.load_workbook(files["deploy"])
    ws = wb.worksheets[0]
    assert ws.title == "部署情况" and ws["A1"].value is None  # deploy is no 附件
    assert ws["A2"].value == form.name
    for f in form.fields:
        r, c = lay.cells[f.id]
        assert c == 1 and ws.cell(r + 1, 1).value == f.label
    assert ws.cell(*(x + 1 for x in lay.cells["issued_on"])).value == dt.datetime(2024, 3, 25)
    assert ws.cell(*(x + 1 for x in lay.header["unit_name"])).value == "泰山区应急管理局"
    blank = openpyxl.load_workbook(files["deploy-blank"]).worksheets[0]
    assert blank.cell(*(x + 1 for x in lay.header["unit_name"])).value == "泰山区市场监督管理局"


# --------------------------------------------------------------------------------- names


@pytest.mark.parametrize("key", sorted(FORM_OF))
def test_every_cell_has_its_defined_name(campaign, files, key):
    form = campaign.forms[FORM_OF[key]]
    lay = layout(campaign, form)
    wb = openpyxl.load_workbook(files[key])
    names = {n: d.attr_text for n, d in wb.defined_names.items() if n.startswith("RK_")}
    want = {c.name: lay.cells[c.key] for c in form.cells}
    want.update({f"RK_{h}": p for h, p in lay.header.items()})
    assert set(want) >= {
        "RK_unit_name",
        "RK_filled_by",
        "RK_contact",
        "RK_filled_on",
        "RK_milestone",
    }
    assert {n: f"'{lay.sheet}'!{a1(*p, absolute=True)}" for n, p in want.items()} == names
    if form.id == "mem-stats":
        assert names["RK_exam_in_scope"] == f"'统计表'!{a1(*lay.cells['exam.in_scope'], True)}"
        assert "RK_training_self_check_rate" in names  # derived cells are named too
    if form.id == "samr-stats":
        assert "RK_total_fines" in names and "RK_joint_enforcement" in names


# --------------------------------------------------------------------------------- validation


@pytest.mark.parametrize("key", sorted(FORM_OF))
def test_every_input_cell_is_validated_and_unlocked(campaign, files, key):
    form = campaign.forms[FORM_OF[key]]
    wb = openpyxl.load_workbook(files[key])
    ws = wb.worksheets[0]
    dvs = ws.data_validations.dataValidation
    covered: dict[tuple[int, int], int] = {}
    for dv in dvs:
        for pos in cells_of(dv.sqref):
            covered[pos] = covered.get(pos, 0) + 1
        assert dv.errorStyle in (None, "stop")  # stop: Excel refuses the value
        assert dv.showErrorMessage and dv.showInputMessage
        for text, limit in (
            (dv.promptTitle, 32),
            (dv.errorTitle, 32),
            (dv.prompt, 255),
            (dv.error, 255),
        ):
            assert text and len(text) <= limit and re.search(r"[\u4e00-\u9fff]", text)
    inputs = input_positions(campaign, form)
    milestone = layout(campaign, form).header["milestone"]
    if "blank" not in key:
        inputs.discard(milestone)  # pre-filled and locked when the milestone is given
    assert set(covered) == inputs and set(covered.values()) == {1}
    unlocked = {
        (c.row - 1, c.column - 1)
        for row in ws.iter_rows()
        for c in row
        if c.protection.locked is False
    }
    spans = layout(campaign, form).value_spans.values()
    merged = {(r, c) for s in spans for r in range(s[0], s[2] + 1) for c in range(s[1], s[3] + 1)}
    assert inputs <= unlocked <= inputs | merged  # merged value cells carry the input's format


def test_validation_kinds(campaign, files):
    lay = layout(campaign, campaign.forms["mem-stats"])
    ws = openpyxl.load_workbook(files["mem-blank"]).worksheets[0]
    by_cell = {p: dv for dv in ws.data_validations.dataValidation for p in cells_of(dv.sqref)}
    count = by_cell[lay.cells["exam.self_checked"]]
    assert (count.type, count.operator, count.formula1) == ("whole", "greaterThanOrEqual", "0")
    money = by_cell[lay.cells["training.fines"]]
    assert (money.type, money.operator, money.formula1) == ("decimal", "greaterThanOrEqual", "0")
    day = by_cell[lay.header["filled_on"]]
    assert day.type == "date" and day.operator in (None, "between")  # between is the default
    excel_epoch = dt.date(1899, 12, 30)
    lo = excel_epoch + dt.timedelta(days=int(day.formula1))
    hi = excel_epoch + dt.timedelta(days=int(day.formula2))
    # the validator's window (campaign starts 2024-03-01, ends 2024-12-31, 60 days' grace):
    # a date the template accepts is never one the validator then flags
    assert (lo, hi) == (dt.date(2024, 3, 1), dt.date(2025, 3, 1))
    phone = by_cell[lay.header["contact"]]
    assert (phone.type, phone.operator, phone.formula1) == ("textLength", "lessThanOrEqual", "50")
    ms = by_cell[lay.header["milestone"]]
    assert ms.type == "list" and ms.formula1 == '"中期行动总结及统计表,专项行动总结报告及统计表"'
    assert "培训机构" in by_cell[lay.cells["training.in_scope"]].promptTitle
    dep = openpyxl.load_workbook(files["deploy-blank"]).worksheets[0]
    dlay = layout(campaign, campaign.forms["deploy"])
    by_cell = {p: dv for dv in dep.data_validations.dataValidation for p in cells_of(dv.sqref)}
    assert by_cell[dlay.cells["issued_on"]].type == "date"
    assert by_cell[dlay.cells["email"]].type == "textLength"
    assert by_cell[dlay.header["milestone"]].formula1 == '"工作部署情况及联络人"'


def test_validation_texts_respect_excel_limits(campaign):
    long_label = "很长的标签" * 10
    opts = xw.validation(FieldDef("x", long_label, "count"), long_label, campaign)
    assert len(opts["input_title"]) <= 32 and opts["input_title"].endswith("…")
    with pytest.raises(ValueError, match="error_message"):
        xw.validation(FieldDef("x", "标" * 300, "count"), "标" * 300, campaign)
    with pytest.raises(ValueError, match="list"):
        xw._milestone_validation(["甲,乙", "丙"])


# --------------------------------------------------------------------------------- formulas


def test_formulas_and_cached_values_mem(campaign, files):
    form = campaign.forms["mem-stats"]
    lay = layout(campaign, form)
    ws = openpyxl.load_workbook(files["mem"]).worksheets[0]
    for row in ("training", "exam"):
        r = lay.cells[f"{row}.self_checked"][0] + 1
        assert ws[f"C{r}"].value == f'=IF(S{r}>0,ROUND(B{r}/S{r}*100,2),"")'
        assert ws[f"G{r}"].value == f'=IF(S{r}>0,ROUND(F{r}/S{r}*100,2),"")'
        assert ws[f"C{r}"].protection.locked and ws[f"G{r}"].protection.locked
    rows = grid(files["mem"], lay.sheet)
    assert at(rows, lay.cells["training.self_check_rate"]) == 0.63  # half up
    assert at(rows, lay.cells["exam.self_check_rate"]) == 13.21
    assert at(rows, lay.cells["exam.inspection_rate"]) == 0.0  # 0 inspected of 53
    values = mem_values(campaign)
    expect = round(values["training.inspected"] / 160 * 100, 2)
    assert at(rows, lay.cells["training.inspection_rate"]) == expect
    blank = grid(files["mem-blank"], lay.sheet)
    assert at(blank, lay.cells["training.self_check_rate"]) == ""  # no denominator: empty


def test_formulas_and_cached_values_samr(campaign, files):
    form = campaign.forms["samr-stats"]
    lay = layout(campaign, form)
    ws = openpyxl.load_workbook(files["samr"]).worksheets[0]
    top = lay.cells["false_publicity.cases"][0] + 1
    for col in "BCD":
        cell = ws[f"{col}{top + 3}"]
        assert cell.value == f"=SUM({col}{top}:{col}{top + 2})" and cell.protection.locked
    rows = grid(files["samr"], lay.sheet)
    assert at(rows, lay.cells["total.cases"]) == 10
    assert at(rows, lay.cells["total.fines"]) == 12.6456  # Decimal sum, not 12.645600000000002
    assert at(rows, lay.cells["total.to_police"]) == 1
    blank = grid(files["samr-blank"], lay.sheet)
    assert at(blank, lay.cells["total.cases"]) == 0


def test_computed_values_rules(campaign):
    """The cached results are what Excel's =IF(den>0,ROUND(num/den*100,2),"") and =SUM(...)
    show: a blank numerator counts 0, no positive denominator is blank, text is #VALUE!, SUM
    skips blanks and text and adds decimals exactly."""
    mem, samr = campaign.forms["mem-stats"], campaign.forms["samr-stats"]

    def rate(num, den):
        got = xw.computed_values(mem, {"training.self_checked": num, "training.in_scope": den})
        return got["training.self_check_rate"]

    assert rate(1, 160) == 0.63
    assert rate(1, 8) == 12.5
    assert rate(None, 53) == 0.0
    assert rate(5, None) == "" and rate(5, 0) == ""
    assert rate(5, "x") == "#VALUE!" and rate("x", 5) == "#VALUE!"

    def total(*parts):
        rows = ("false_publicity", "illegal_ads", "other")
        got = xw.computed_values(samr, {f"{r}.fines": v for r, v in zip(rows, parts, strict=True)})
        return got["total.fines"]

    assert total(1, None, "x") == 1 and total(1, 2, None) == 3
    assert total(Decimal("0.1"), Decimal("0.2"), None) == 0.3


def test_values_for_derived_cells_are_ignored(campaign, taishan, tmp_path):
    vals = {**samr_values(), "total.cases": 999}
    p = write(tmp_path, campaign, "samr-stats", taishan, "samr", values=vals)
    lay = layout(campaign, campaign.forms["samr-stats"])
    assert at(grid(p, lay.sheet), lay.cells["total.cases"]) == 10


# --------------------------------------------------------------------------------- protection, printing


@pytest.mark.parametrize("key", ["samr", "mem-blank", "deploy"])
def test_protection_and_print_setup(campaign, files, key):
    form = campaign.forms[FORM_OF[key]]
    lay = layout(campaign, form)
    wb = openpyxl.load_workbook(files[key])
    ws = wb.worksheets[0]
    prot = ws.protection
    assert prot.sheet and not prot.password
    assert not prot.selectLockedCells and not prot.selectUnlockedCells  # selecting is allowed
    ps = ws.page_setup
    assert int(ps.paperSize) == 9 and ps.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ps.fitToWidth in (None, 1) and int(ps.fitToHeight) == 0
    h0, h1 = lay.header_rows
    assert ws.print_title_rows == f"${h0 + 1}:${h1 + 1}"
    assert ws.print_area == f"'{lay.sheet}'!$A$1:{a1(lay.last_row, lay.last_col, True)}"
    assert ws.print_options.horizontalCentered


# --------------------------------------------------------------------------------- metadata


def test_metadata_sheet_and_properties(campaign, files):
    wb = openpyxl.load_workbook(files["mem"])
    meta_ws = wb[META_SHEET]
    assert meta_ws.sheet_state == "hidden"
    meta = {r[0]: r[1] for r in meta_ws.iter_rows(values_only=True)}
    want = {
        "campaign": "tzzy-2024",
        "form": "mem-stats",
        "unit_code": "370902",
        "unit_name": "泰山区",
        "line": "mem",
        "milestone": "final",
        "template_version": TEMPLATE_VERSION,
        "generator": f"reportkit {__version__}",
    }
    assert meta == want
    custom = {p.name: p.value for p in wb.custom_doc_props}
    assert custom == {f"reportkit_{k}": v for k, v in want.items()}
    props = wb.properties
    assert props.title == "工作情况统计表(应急管理)（泰山区应急管理局）"
    assert props.subject == campaign.name
    assert props.created == dt.datetime(2024, 3, 1)
    app = zipfile.ZipFile(files["mem"]).read("docProps/app.xml").decode()
    assert "<Company>泰山区应急管理局</Company>" in app
    blank = {
        r[0]: r[1]
        for r in openpyxl.load_workbook(files["samr-blank"])[META_SHEET].iter_rows(values_only=True)
    }
    assert blank["milestone"] is None and blank["line"] == "samr"


def test_metadata_as_calamine_sees_it(files):
    wb = CalamineWorkbook.from_path(str(files["deploy"]))
    try:
        vis = {m.name: m.visible for m in wb.sheets_metadata}
        rows = wb.get_sheet_by_name(META_SHEET).to_python()
    finally:
        wb.close()
    assert vis == {"部署情况": SheetVisibleEnum.Visible, META_SHEET: SheetVisibleEnum.Hidden}
    meta = dict((r[0], r[1]) for r in rows)
    assert meta["unit_code"] == "370902" and meta["form"] == "deploy" and meta["line"] == "mem"


# --------------------------------------------------------------------------------- determinism, safety


def test_same_inputs_give_identical_bytes(campaign, taishan, tmp_path):
    a = write(
        tmp_path,
        campaign,
        "mem-stats",
        taishan,
        "mem",
        name="a.xlsx",
        values=mem_values(campaign),
        header=HEADER,
        milestone="final",
    )
    b = write(
        tmp_path,
        campaign,
        "mem-stats",
        taishan,
        "mem",
        name="b.xlsx",
        values=mem_values(campaign),
        header=HEADER,
        milestone="final",
    )
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = zf.read("docProps/core.xml").decode()
    assert "2024-03-01T00:00:00Z" in core
    c = write(tmp_path, campaign, "mem-stats", taishan, "mem", name="c.xlsx")
    assert c.read_bytes() != a.read_bytes()


def test_user_text_is_written_as_text(campaign, taishan, tmp_path):
    hostile = {
        "plan_name": '=HYPERLINK("http://x","点我")',
        "doc_number": "+1+2",
        "liaison_name": "-张三",
        "liaison_title": "@SUM(A1)",
        "office_phone": "=1+1",
        "mobile": "13800000000",
        "email": "mailto:a@b.cn",
    }
    header = {"filled_by": "=cmd|' /C calc'!A0", "contact": "http://example.cn"}
    p = write(tmp_path, campaign, "deploy", taishan, "samr", values=hostile, header=header)
    lay = layout(campaign, campaign.forms["deploy"])
    with zipfile.ZipFile(p) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
        assert not any("hyperlink" in n or "externalLink" in n for n in zf.namelist())
    assert "<f>" not in sheet and "<hyperlink" not in sheet  # deploy has no formulas at all
    rows = grid(p, lay.sheet)
    for k, v in hostile.items():
        assert at(rows, lay.cells[k]) == v
    assert at(rows, lay.header["filled_by"]) == header["filled_by"]
    assert at(rows, lay.header["contact"]) == header["contact"]
    wb = openpyxl.load_workbook(p)
    ws = wb.worksheets[0]
    cell = ws.cell(*(x + 1 for x in lay.cells["office_phone"]))
    assert cell.data_type == "s"


def test_write_is_atomic(campaign, taishan, tmp_path, monkeypatch):
    path = tmp_path / "表.xlsx"
    path.write_bytes(b"old content")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(xw.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_form_workbook(path, campaign, campaign.forms["samr-stats"], taishan, "samr")
    assert path.read_bytes() == b"old content"
    assert sorted(os.listdir(tmp_path)) == ["表.xlsx"]
    monkeypatch.undo()
    out = write_form_workbook(path, campaign, campaign.forms["samr-stats"], taishan, "samr")
    assert out == path and zipfile.is_zipfile(path)
    assert sorted(os.listdir(tmp_path)) == ["表.xlsx"]


def test_bad_arguments_are_refused(campaign, taishan, tmp_path):
    samr = campaign.forms["samr-stats"]
    p = tmp_path / "x.xlsx"
    with pytest.raises(ValueError, match="line"):
        write_form_workbook(p, campaign, samr, taishan, "mem")
    with pytest.raises(ValueError, match="milestone"):
        write_form_workbook(p, campaign, samr, taishan, "samr", milestone="deploy")
    with pytest.raises(ValueError, match="unknown cells"):
        write_form_workbook(p, campaign, samr, taishan, "samr", values={"total.casez": 1})
    with pytest.raises(ValueError, match="unknown header"):
        write_form_workbook(p, campaign, samr, taishan, "samr", header={"phone": "1"})
    with pytest.raises(TypeError):
        write_form_workbook(p, campaign, samr, taishan, "samr", values={"other.cases": True})
    with pytest.raises(ValueError, match="finite"):
        write_form_workbook(
            p, campaign, samr, taishan, "samr", values={"other.fines": Decimal("NaN")}
        )
    assert not p.exists() and os.listdir(tmp_path) == []
