"""Reading workbooks: our templates by defined names, a retyped table by its labels."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.styles import Alignment

from reportkit.io.intake import Options, read_many
from reportkit.io.xlsx_writer import write_form_workbook
from reportkit.messages import MESSAGES
from reportkit.sample import sample_values
from tests.wide import examples

HEADER = {"filled_by": "王伟", "contact": "0538-6993769", "filled_on": dt.date(2024, 10, 28)}


def _template(
    tmp_path: Path, campaign, form_id: str, line: str, values: dict, name: str = "t.xlsx"
) -> Path:
    path = tmp_path / name
    unit = campaign.unit("泰山区")
    write_form_workbook(
        path,
        campaign,
        campaign.forms[form_id],
        unit,
        line,
        milestone="final",
        values=values,
        header=HEADER,
    )
    return path


def _read(*paths: Path, **opts) -> dict:
    return dict(read_many(list(paths), Options(**opts), jobs=1))


def _read_here(*paths: Path, **opts) -> dict:
    """In this process, keeping the raw cells (workers send back values and issues only);
    only for our own well-formed test workbooks."""
    from reportkit.io.intake import read_one
    from reportkit.model.campaign import default_campaign

    return {p: read_one(p, default_campaign(), Options(**opts)) for p in paths}


def _retyped_mem(path: Path, values: dict, with_in_scope: bool = True) -> None:
    """The official 附件2 as a county might retype it: other positions, merged headers,
    full-width brackets, line breaks and spaces inside labels, header in single cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["B2"] = "工作情况统计表（应急管理）"
    ws["B3"] = "填报单位：泰山区应急管理局"
    ws["F3"] = "填报人："
    ws["G3"] = "王伟"
    ws["B4"] = "联系方式： 0538-6993769"
    ws["F4"] = "填报时间：2024年10月28日"
    top, left = 6, 2  # header rows 6-7, data rows 8-9, first column B
    ws.cell(top, left + 1, "自查自改情况")
    ws.merge_cells(start_row=top, start_column=left + 1, end_row=top, end_column=left + 4)
    ws.cell(top, left + 5, "执法检查情况")
    ws.merge_cells(start_row=top, start_column=left + 5, end_row=top, end_column=left + 14)
    labels = [
        "完成自查的\n机构数量（家）", "完成自查机构的覆盖率（%）", "自查出的问题总数（项）",
        "整改完成的问题数量（项）", "完成执法检查的机构数量（家）", "完成执法检查机构的覆盖率（%）",
        "查出问题的机构数量（家）", "给予处罚的机构数量（家）", "罚款总额（万元）",
        "限期整改的机构数量（家）", "停业整顿的机构数量（家）", "淘汰退出的机构数量（家）",
        "查出的问题总数（项）", "整改完成的 问题数量（项）", "曝光典型\n案例（件）", "机构数量（家）",
    ]  # fmt: skip
    ids = [
        "self_checked", "self_check_rate", "self_problems", "self_fixed", "inspected",
        "inspection_rate", "with_problems", "penalized", "fines", "ordered_to_fix", "suspended",
        "eliminated", "problems", "fixed", "exposed_cases", "institutions",
    ]  # fmt: skip
    if with_in_scope:
        labels.append("纳入治理范围的机构数量(家)")
        ids.append("in_scope")
    for i, label in enumerate(labels):
        c = ws.cell(top + 1, left + 1 + i, label)
        c.alignment = Alignment(wrap_text=True)
    for j, (row_id, row_label) in enumerate((("training", "培 训 机 构"), ("exam", "考试机构"))):
        ws.cell(top + 2 + j, left, row_label)
        for i, col in enumerate(ids):
            key = f"{row_id}.{col}"
            if col.endswith("_rate"):
                num, den = (
                    values[f"{row_id}.{'self_checked' if col.startswith('self') else 'inspected'}"],
                    values[f"{row_id}.in_scope"],
                )
                v = round(num / den * 100, 2)
            else:
                v = values[key]
            ws.cell(top + 2 + j, left + 1 + i, float(v) if isinstance(v, Decimal) else v)
    wb.save(path)


@pytest.fixture
def mem_values(campaign):
    unit = campaign.unit("泰山区")
    return sample_values(campaign, campaign.forms["mem-stats"], unit, "mem", "final", seed=3)


def test_template_is_read_by_defined_names(tmp_path, campaign, mem_values):
    sub = _read_here(_template(tmp_path, campaign, "mem-stats", "mem", mem_values))[
        tmp_path / "t.xlsx"
    ]
    assert sub.issues == []
    assert (sub.form, sub.unit_code, sub.line, sub.milestone) == (
        "mem-stats",
        "370902",
        "mem",
        "final",
    )
    for key, v in mem_values.items():
        assert sub.values[key] == v
    assert sub.raw["training.self_checked"].cell == "B9"
    assert sub.header == {
        "filled_by": "王伟",
        "contact": "0538-6993769",
        "filled_on": dt.date(2024, 10, 28),
    }


@pytest.mark.parametrize("with_in_scope", [True, False])
def test_retyped_table_reads_the_same_values_as_the_template(
    tmp_path, campaign, mem_values, with_in_scope
):
    tpl = _template(tmp_path, campaign, "mem-stats", "mem", mem_values)
    retyped = tmp_path / "泰山区 重新录入.xlsx"
    _retyped_mem(retyped, mem_values, with_in_scope)
    got = _read_here(tpl, retyped, milestone="final", parent="370900")
    a, b = got[tpl], got[retyped]
    assert (b.form, b.unit_code, b.line) == ("mem-stats", "370902", "mem")
    assert b.values == a.values
    assert b.header == a.header
    assert b.valid, b.issues
    codes = {i.code for i in b.issues}
    if with_in_scope:
        # a retyped table has no 报送节点: it is judged from the filled columns (final here)
        assert codes <= {"derived.mismatch", "milestone.inferred"}
        assert not [i for i in b.issues if i.severity == "error"]
        assert b.milestone == "final"
    else:
        assert "derived.denominator_from_rate" in codes
    assert b.raw["training.self_checked"].cell == "C8"
    assert b.raw["exam.fixed"].cell == "P9"  # the second 整改完成的问题数量 column


def test_xlsx_renamed_xls_is_read_with_a_warning(tmp_path, campaign, mem_values):
    tpl = _template(tmp_path, campaign, "mem-stats", "mem", mem_values)
    renamed = tmp_path / "renamed.xls"
    shutil.copy(tpl, renamed)
    sub = _read(renamed)[renamed]
    assert [i.code for i in sub.issues] == ["file.extension_mismatch"]
    assert sub.issues[0].severity == "warning" and sub.valid
    assert sub.values == _read(tpl)[tpl].values


def _samr(tmp_path, campaign, name="samr.xlsx"):
    unit = campaign.unit("泰山区")
    form = campaign.forms["samr-stats"]
    values = sample_values(campaign, form, unit, "samr", "final", seed=1)
    return _template(tmp_path, campaign, "samr-stats", "samr", values, name), values


def test_moved_table_is_still_read_by_names(tmp_path, campaign):
    # A clerk inserted two rows and a column above the table: Excel moves the defined names.
    path, values = _samr(tmp_path, campaign)
    wb = openpyxl.load_workbook(path)
    ws = wb["统计表"]
    ws.insert_rows(1, 2)
    for name in list(wb.defined_names):
        dn = wb.defined_names[name]
        if name.startswith("RK_"):
            sheet, ref = dn.attr_text.split("!")
            col, row = ref.replace("$", " ").split()
            dn.attr_text = f"{sheet}!${col}${int(row) + 2}"
    wb.save(path)
    sub = _read_here(path)[path]
    assert sub.values["false_publicity.cases"] == values["false_publicity.cases"]
    assert sub.raw["false_publicity.cases"].cell == "B10"


def _known(code: str) -> bool:
    return code in MESSAGES


@settings(
    max_examples=examples(40, wide=400),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.binary(max_size=4096))
def test_arbitrary_bytes_give_only_our_own_errors(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "x.xlsx"
    path.write_bytes(data)
    sub = _read(path)[path]
    assert sub.issues and all(_known(i.code) for i in sub.issues)
    assert not sub.valid or sub.form is not None


@settings(
    max_examples=examples(40, wide=400),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.integers(0, 10**6),
)
def test_mutated_templates_give_only_our_own_errors(tmp_path_factory, campaign, flips, cut):
    base = tmp_path_factory.mktemp("mut")
    path, _ = _samr(base, campaign, "m.xlsx")
    data = bytearray(path.read_bytes())
    for pos, byte in flips:
        data[pos % len(data)] = byte
    if cut % 3 == 0:
        data = data[: cut % len(data)]
    path.write_bytes(bytes(data))
    sub = _read(path)[path]
    assert all(_known(i.code) for i in sub.issues), [i.code for i in sub.issues]


def _retyped_samr(path: Path, header_cells: dict[str, str], joint: object, exposed: object) -> None:
    """附件1 retyped as printed in the notice, with the header as the clerk typed it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "工作情况统计表(市场监管)"
    for ref, text in header_cells.items():
        ws[ref] = text
    ws.append([])
    ws.append(["案件类型", "案件数量(件)", "罚没款(万元)", "移送公安(件)"])
    for label, n in (("虚假宣传案件", 1), ("违法广告案件", 2), ("其他", 0)):
        ws.append([label, n, 0.5 * n, 0])
    ws.append(["总计", 3, 1.5, 0])
    ws.append(["执法联动(次)", joint, "曝光典型案例(件)", exposed])
    wb.save(path)


def test_retyped_blank_single_value_is_blank_not_the_next_label(tmp_path, campaign):
    path = tmp_path / "r.xlsx"
    header = {"A2": "填报单位:", "B2": "泰山区市场监督管理局", "C2": "填报人:", "D2": "张三",
              "A3": "联系方式:", "C3": "填报时间:", "D3": "2024-10-28"}  # fmt: skip
    _retyped_samr(path, header, None, 2)
    sub = _read_here(path, milestone="final")[path]
    assert sub.unit_code == "370902"
    missing = {i.field: i for i in sub.issues if i.code == "required.missing"}
    assert "joint_enforcement" in missing and missing["joint_enforcement"].cell == "B10"
    assert not [i for i in sub.issues if i.code == "value.not_number"]
    assert sub.header["contact"] is None  # 联系方式 left blank, not "填报时间:"
    assert sub.values["exposed_cases"] == 2


def test_retyped_one_line_header(tmp_path, campaign):
    path = tmp_path / "r.xlsx"
    header = {"A2": "填报单位：泰山区市场监督管理局    填报人：张三",
              "A3": "联系方式：0538-6222222    填报时间：2024年10月28日"}  # fmt: skip
    _retyped_samr(path, header, 4, 2)
    sub = _read_here(path, milestone="final")[path]
    assert sub.unit_code == "370902" and sub.valid, sub.issues
    assert sub.header == {
        "filled_by": "张三",
        "contact": "0538-6222222",
        "filled_on": dt.date(2024, 10, 28),
    }
