"""Forms that real notices print: indicator tables (each row an indicator with its own type and
unit, the columns methods), quantities with a unit and decimal places, choices with a
drop-down, 其中 rows with their implied check, and totals of named rows or columns.

The shipped example campaign reportkit/campaigns/ncsp-monitor holds the indicator table; the
smaller forms are written here."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import textwrap
from decimal import Decimal
from importlib import resources
from pathlib import Path

import openpyxl
import pytest

from reportkit.io.intake import Options, read_one
from reportkit.io.workbook import a1, layout
from reportkit.io.xlsx_writer import write_form_workbook
from reportkit.model.campaign import load_campaign, parse_campaign

NCSP = Path(str(resources.files("reportkit.campaigns").joinpath("ncsp-monitor")))
HEADER = {"filled_by": "李明", "filled_on": dt.date(2025, 7, 28)}
# what a 市州局 types: rows are the notice's indicators, by method (定向监测, 快速检测)
TYPED = {
    "kinds": (12, 30),
    "batches": (40, 120),
    "seized": (Decimal("15.5"), Decimal("3.25")),
    "passed": (36, 111),
    "failed": (4, 9),
}


@pytest.fixture(scope="module")
def ncsp():
    return load_campaign(NCSP)


def _values() -> dict[str, object]:
    return {f"{m}.{ind}": v for ind, pair in TYPED.items() for m, v in zip(("targeted", "rapid"), pair, strict=True)}  # fmt: skip


def test_an_indicator_table_is_held_with_its_indicators_as_typed_columns(ncsp):
    form = ncsp.forms["monitor"]
    assert form.transposed and form.unit_column == "单位"
    assert [r.label for r in form.rows] == ["定向监测", "快速检测"]
    kinds = {c.id: (c.type, c.unit) for c in form.columns}
    assert kinds["kinds"] == ("count", "种") and kinds["seized"] == ("quantity", "公斤")
    assert form.column("seized").places == 2
    assert form.cell("rapid.pass_rate").derived and not form.cell("rapid.batches").derived


def test_the_template_prints_the_table_as_the_notice_does(ncsp, tmp_path):
    form = ncsp.forms["monitor"]
    path = write_form_workbook(tmp_path / "t.xlsx", ncsp, form, ncsp.unit("武汉市"), "samr")
    wb = openpyxl.load_workbook(path)
    ws = wb["统计表"]
    lay = layout(ncsp, form)
    head = lay.header_rows[0] + 1  # openpyxl rows are 1-based
    assert [ws.cell(head, c).value for c in range(1, 5)] == ["类别", "单位", "定向监测", "快速检测"]
    printed = [c for c in form.columns if c.official]
    for i, ind in enumerate(printed, start=1):
        assert ws.cell(head + i, 1).value == ind.label
        assert ws.cell(head + i, 2).value == ind.unit
    # the notice's five rows, in its order, with its units
    assert [ws.cell(head + i, 2).value for i in range(1, 6)] == ["种", "批", "%", "%", "公斤"]
    # every input cell has its defined name where the notice's row and column meet
    dest = dict(wb.defined_names["RK_rapid_seized"].destinations)
    assert dest["统计表"] == f"$D${head + 5}"
    # a quantity: decimal validation saying its unit; a rate: a formula, locked
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert rules[f"C{head + 5}"].type == "decimal" and "公斤" in rules[f"C{head + 5}"].prompt
    assert ws.cell(head + 3, 3).value.startswith("=IF(")
    assert ws.protection.sheet and int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.orientation == "landscape"


def test_a_filled_indicator_table_reads_back_and_rolls_up(ncsp, tmp_path, cli):
    form = ncsp.forms["monitor"]
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("武汉市", "仙桃市"):
        unit = ncsp.unit(name)
        write_form_workbook(inbox / f"{unit.code}.xlsx", ncsp, form, unit, "samr",
                            milestone="aug", values=_values(), header=HEADER)  # fmt: skip
        sent = dt.datetime(2025, 7, 30, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
        os.utime(inbox / f"{unit.code}.xlsx", (sent, sent))  # arrived before the deadline
    sub = read_one(inbox / "420100.xlsx", ncsp, Options(parent="420000"))
    assert [i.message for i in sub.issues if i.severity == "error"] == []
    assert sub.values["rapid.seized"] == Decimal("3.25")
    assert sub.values["targeted.pass_rate"] == Decimal("90.00")  # 36 / 40
    out = tmp_path / "out"
    r = cli("rollup", str(inbox), "--unit", "湖北省", "--form", "monitor", "--milestone", "aug",
            "-o", str(out), "--ledger", str(tmp_path / "l.sqlite"), "--as-of", "2025-08-01", "--settle", "0",
            "--campaign", str(NCSP))  # fmt: skip
    assert r.code == 0, r.out  # the other 15 市州 are not late yet: 待报
    text = (out / "420000-monitor-aug.json").read_text("utf-8")
    totals = json.loads(text, parse_float=Decimal)["totals"]
    assert totals["targeted.batches"] == 80 and totals["rapid.seized"] == Decimal("6.5")
    # a rate over the sums, never a sum of rates: (36 + 36) / (40 + 40)
    assert totals["targeted.pass_rate"] == Decimal("90")
    assert totals["rapid.fail_rate"] == (Decimal(18) * 100 / 240).quantize(Decimal("0.01"))


def test_an_indicator_table_retyped_by_hand_is_read_by_its_labels(ncsp, tmp_path):
    """A clerk's own sheet, typed as the notice prints the table (no defined names)."""
    form = ncsp.forms["monitor"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["农村食品市场监测情况统计表"])
    ws.append(["填报单位：武汉市市场监督管理局", None, "填报人：李明"])
    ws.append(["类别", "单位", "定向监测", "快速检测"])
    for ind in form.columns:
        if ind.id in TYPED:
            ws.append([ind.label, ind.unit, *map(_plain, TYPED[ind.id])])
    path = tmp_path / "手填.xlsx"
    wb.save(path)
    sub = read_one(path, ncsp, Options(parent="420000"))
    assert sub.form == "monitor"
    for ind, (targeted, rapid) in TYPED.items():
        assert sub.values[f"targeted.{ind}"] == targeted, ind
        assert sub.values[f"rapid.{ind}"] == rapid, ind


def _plain(v: object) -> object:
    return float(v) if isinstance(v, Decimal) else v


SMALL = textwrap.dedent(
    """\
    [campaign]
    id = "t"
    name = "测试"
    year = 2025
    scope = "370900"
    starts = "2025-01-01"
    ends = "2025-12-31"
    [levels.city]
    name = "市级"
    [levels.county]
    name = "县级"
    submits_to = "city"
    [lines.x]
    name = "测试"
    agency = { city = "局", county = "局" }
    [milestones.m]
    name = "一季度"
    forms = ["f"]
    deadlines = [{ level = "county", date = "2025-04-10" }]
    [forms.header]
    fields = [{ id = "unit_name", label = "填报单位", type = "text", prefilled = true }]
    [forms.f]
    name = "检查情况表"
    line = "x"
    milestones = ["m"]
    row_header = "项目"
    rows = [
      { id = "shops", label = "检查经营户" },
      { id = "schools", label = "其中：校园周边经营户", part_of = "shops" },
      { id = "markets", label = "检查市场" },
      { id = "total", label = "合计", derive = "sum" },
    ]
    columns = [
      { id = "times", label = "检查次数(次)", type = "count", unit = "次" },
      { id = "weight", label = "查扣食品(公斤)", type = "quantity", unit = "公斤", places = 1 },
      { id = "sealed", label = "是否查封", type = "choice", options = ["是", "否"] },
      { id = "note", label = "备注", type = "text", optional = true },
    ]
    """
)


@pytest.fixture(scope="module")
def small():
    return parse_campaign(SMALL)


def _check(campaign, values):
    from reportkit.model.submission import RawCell
    from reportkit.rules.validate import check_values

    form = campaign.forms["f"]
    raw = {k: RawCell(v) for k, v in values.items()}
    return check_values(campaign, form, "m", raw)


def _full(**over: object) -> dict[str, object]:
    values: dict[str, object] = {}
    for row in ("shops", "schools", "markets"):
        values |= {
            f"{row}.times": 3,
            f"{row}.weight": 1.5,
            f"{row}.sealed": "否",
            f"{row}.note": "",
        }
    values |= over
    return values


def test_a_total_leaves_out_the_of_which_rows(small):
    values, issues = _check(
        small, _full(**{"shops.times": 10, "schools.times": 4, "markets.times": 2})
    )
    assert [i.message for i in issues if i.severity == "error"] == []
    assert values["total.times"] == 12  # 10 + 2: the 4 are among the 10 already


def test_an_of_which_row_more_than_its_whole_is_an_error(small):
    _, issues = _check(small, _full(**{"shops.times": 3, "schools.times": 5}))
    broken = [i.message for i in issues if i.code == "rule.violated"]
    assert len(broken) == 1 and "其中：校园周边经营户" in broken[0] and "（5）" in broken[0]


def test_a_quantity_keeps_its_places_and_says_when_it_rounds(small):
    values, issues = _check(small, _full(**{"shops.weight": "12.46"}))
    assert values["shops.weight"] == Decimal("12.5")
    said = [i for i in issues if i.field == "shops.weight" or (i.cell and "weight" in str(i))]
    assert any(i.code == "value.rounded_places" and "1 位小数" in i.message for i in issues), said
    values, _ = _check(small, _full(**{"shops.weight": "3公斤"}))
    assert values["shops.weight"] == Decimal("3.0")


@pytest.mark.parametrize(("typed", "read"), [("是", "是"), (" 否 ", "否"), (True, "是"), (0, "否")])
def test_a_choice_takes_its_options(small, typed, read):
    values, issues = _check(small, _full(**{"markets.sealed": typed}))
    assert values["markets.sealed"] == read
    assert not [i for i in issues if i.code == "value.not_option"]


def test_a_choice_outside_its_options_is_an_error_naming_them(small):
    _, issues = _check(small, _full(**{"markets.sealed": "可能"}))
    bad = [i for i in issues if i.code == "value.not_option"]
    assert len(bad) == 1 and bad[0].severity == "error" and "是、否" in bad[0].message


def test_the_template_has_a_drop_down_and_a_free_text_column(small, tmp_path):
    form = small.forms["f"]
    path = write_form_workbook(tmp_path / "t.xlsx", small, form, small.unit("泰山区"), "x")
    ws = openpyxl.load_workbook(path)["统计表"]
    lay = layout(small, form)
    sealed = a1(*lay.cells["shops.sealed"])
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any(sealed in str(dv.sqref) and dv.formula1 == '"是,否"' for dv in lists)
    # a total row adds up numbers only: its 是否查封 and 备注 cells stay blank, no =SUM
    assert ws[a1(*lay.cells["total.sealed"])].value is None
    assert ws[a1(*lay.cells["total.note"])].value is None
    assert str(ws[a1(*lay.cells["total.times"])].value).startswith("=SUM(")
    note = a1(*lay.cells["shops.note"])
    assert any(
        note in str(dv.sqref) and dv.type == "textLength"
        for dv in ws.data_validations.dataValidation
    )


def test_a_total_column_of_named_columns():
    assert '{ id = "note", label = "备注", type = "text", optional = true },' in SMALL
    text = SMALL.replace(
        '{ id = "note", label = "备注", type = "text", optional = true },',
        '{ id = "note", label = "备注", type = "text", optional = true },\n'
        '  { id = "again", label = "复查次数(次)", type = "count", unit = "次" },\n'
        '  { id = "all", label = "合计次数(次)", type = "count", unit = "次", derive = "sum", of = ["times", "again"] },',
    )
    campaign = parse_campaign(text)
    values, issues = _check(
        campaign, _full(**{"shops.again": 2, "schools.again": 1, "markets.again": 5})
    )
    assert values["shops.all"] == 5 and values["markets.all"] == 8
    assert values["total.all"] == 3 + 2 + 3 + 5  # shops and markets, both columns
    assert [i.message for i in issues if i.severity == "error"] == []


# --- LibreOffice saves the indicator template -----------------------------------------------

LO_EDIT = Path(__file__).resolve().parents[1] / "office" / "lo_edit.py"
SYSTEM_PYTHON = "/usr/bin/python3"


def _uno() -> bool:
    import shutil

    if not shutil.which("soffice") or not Path(SYSTEM_PYTHON).exists():
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0


FORMATS = {"xls": "MS Excel 97", "ods": "calc8", "xlsx": "Calc MS Excel 2007 XML"}


def _libreoffice_saves(template: Path, edits: list[dict], folder: Path) -> dict[str, Path]:
    """LibreOffice types `edits` into `template` and saves it as .xls, .ods and .xlsx."""
    jobs = [{"input": str(template), "output": str(folder / f"填好.{f}"), "filter": flt,
             "edits": edits} for f, flt in FORMATS.items()]  # fmt: skip
    job = folder / "job.json"
    job.write_text(
        json.dumps({"profile": str(folder / "profile"), "jobs": jobs}, ensure_ascii=False)
    )
    r = subprocess.run([SYSTEM_PYTHON, str(LO_EDIT), str(job)], capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")[-2000:]
    return {f: folder / f"填好.{f}" for f in FORMATS}


@pytest.mark.skipif(
    not _uno(), reason="LibreOffice with python3-uno is not installed (CI installs both)"
)
@pytest.mark.guarantee("LibreOffice 填写另存的指标表与 .xlsx 读法相同")
def test_an_indicator_template_libreoffice_saved_reads_back_what_was_typed(ncsp, tmp_path):
    form = ncsp.forms["monitor"]
    lay = layout(ncsp, form)
    template = tmp_path / "武汉 模板.xlsx"
    write_form_workbook(template, ncsp, form, ncsp.unit("武汉市"), "samr")
    edits = [
        {"sheet": lay.sheet, "cell": a1(*lay.cells[k]), "value": float(v)}
        for k, v in _values().items()
    ]
    edits += [
        {"sheet": lay.sheet, "cell": a1(*lay.header["filled_by"]), "value": "李明"},
        {"sheet": lay.sheet, "cell": a1(*lay.header["filled_on"]), "value": "2025-07-28"},
        {
            "sheet": lay.sheet,
            "cell": a1(*lay.header["milestone"]),
            "value": ncsp.milestones["aug"].name,
        },
    ]
    for f, path in _libreoffice_saves(template, edits, tmp_path).items():
        sub = read_one(path, ncsp, Options(parent="420000"))
        problems = [(i.code, i.message) for i in sub.issues if i.code != "value.normalized"]
        assert not problems, (f, problems)
        assert (sub.form, sub.unit_code, sub.milestone) == ("monitor", "420100", "aug")
        for k, v in _values().items():
            assert sub.values[k] == v, (f, k)


@pytest.mark.skipif(
    not _uno(), reason="LibreOffice with python3-uno is not installed (CI installs both)"
)
@pytest.mark.guarantee("LibreOffice 填写另存的选项、数量和其中行与 .xlsx 读法相同")
def test_choices_quantities_and_parts_libreoffice_saved_read_back(small, tmp_path):
    form = small.forms["f"]
    lay = layout(small, form)
    template = tmp_path / "泰山区 模板.xlsx"
    write_form_workbook(template, small, form, small.unit("泰山区"), "x")
    typed = {
        "shops.times": 10, "shops.weight": 12.5, "shops.sealed": "是", "shops.note": "含夜市",
        "schools.times": 4, "schools.weight": 0.5, "schools.sealed": "否",
        "markets.times": 2, "markets.weight": 3, "markets.sealed": "否",
    }  # fmt: skip
    edits = [{"sheet": lay.sheet, "cell": a1(*lay.cells[k]), "value": v} for k, v in typed.items()]
    edits.append(
        {
            "sheet": lay.sheet,
            "cell": a1(*lay.header["milestone"]),
            "value": small.milestones["m"].name,
        }
    )
    for f, path in _libreoffice_saves(template, edits, tmp_path).items():
        sub = read_one(path, small, Options(parent="370900"))
        problems = [(i.code, i.message) for i in sub.issues if i.severity == "error"]
        assert not problems, (f, problems)
        assert sub.values["shops.sealed"] == "是" and sub.values["shops.note"] == "含夜市", f
        assert (
            sub.values["shops.weight"] == Decimal("12.5") and sub.values["markets.weight"] == 3
        ), f
        assert sub.values["total.times"] == 12 and sub.values["total.weight"] == Decimal("15.5"), f
