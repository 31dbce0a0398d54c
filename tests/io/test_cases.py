"""Every workbook in tests/data/{rules,values,units,good}: the issue it reports, and where.

The files are written by `python tests/data/make_cases.py`. Each case names the issue code, its
severity, and the field; the sheet and A1 cell are computed from the form's layout, so a change
of the template layout moves the expectation with it. Besides the expected issue, a case may
carry no ERROR other than those it lists.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from reportkit.io.intake import Options, read_many
from reportkit.io.workbook import a1, layout
from reportkit.issues import ERROR, INFO, WARNING
from reportkit.model.campaign import default_campaign
from reportkit.model.submission import Submission

DATA = Path(__file__).resolve().parents[1] / "data"
CAMPAIGN = default_campaign()
SAMR, MEM, DEPLOY = "samr-stats", "mem-stats", "deploy"
IN_TAIAN = Options(parent="370900")  # reading as 泰安市 rolling up its counties


@dataclass(frozen=True)
class Case:
    file: str  # relative to tests/data
    form: str
    code: str
    severity: str
    field: str | None  # cell key or header id; None for a file-level issue
    sheet: str | None = None  # only for file-level issues; else the form's sheet
    rule: str | None = None
    options: Options = dataclasses.field(default_factory=Options)
    also: tuple[tuple[str, str | None, str | None], ...] = ()  # other ERRORs: (code, field, rule)

    @property
    def where(self) -> tuple[str | None, str | None]:
        """(sheet, A1 cell) the issue must name."""
        if self.field is None:
            return self.sheet, None
        lay = layout(CAMPAIGN, CAMPAIGN.forms[self.form])
        pos = lay.cells.get(self.field) or lay.header[self.field]
        return lay.sheet, a1(*pos)

    @property
    def errors(self) -> set[tuple[str, str | None, str | None]]:
        own = {(self.code, self.field, self.rule)} if self.severity == ERROR else set()
        return own | set(self.also)


# Files whose expectations wait on a known bug elsewhere: file → reason (none open).
KNOWN_BUGS: dict[str, str] = {}

# --------------------------------------------------------------------------------- rules
# rule id → (the cell the issue names: the rule's left-hand field, in the row that breaks it;
# other errors that come with it). A rate above 100 % is a count above in_scope: both rules fire.
RULES: dict[str, tuple[str, tuple[tuple[str, str | None, str | None], ...]]] = {
    "samr-police-le-cases": ("false_publicity.to_police", ()),
    "mem-self-fixed-le-problems": ("training.self_fixed", ()),
    "mem-fixed-le-problems": ("training.fixed", ()),
    "mem-with-problems-le-inspected": ("training.with_problems", ()),
    "mem-penalized-le-with-problems": ("training.penalized", ()),
    "mem-ordered-le-with-problems": ("training.ordered_to_fix", ()),
    "mem-suspended-le-with-problems": ("training.suspended", ()),
    "mem-eliminated-le-with-problems": ("training.eliminated", ()),
    "mem-with-problems-le-problems": ("training.with_problems", ()),
    "mem-self-checked-le-in-scope": ("training.self_checked", ()),
    "mem-inspected-le-in-scope": ("training.inspected", ()),
    "mem-self-check-rate-le-100": (
        "training.self_check_rate",
        (("rule.violated", "training.self_checked", "mem-self-checked-le-in-scope"),),
    ),
    "mem-inspection-rate-le-100": (
        "training.inspection_rate",
        (("rule.violated", "training.inspected", "mem-inspected-le-in-scope"),),
    ),
    "mem-fines-need-penalty": ("exam.penalized", ()),
    "mem-penalty-without-fines": ("exam.fines", ()),
}


def _rule_case(rule_id: str) -> Case:
    rule = next(r for r in CAMPAIGN.rules if r.id == rule_id)
    field, also = RULES[rule_id]
    return Case(
        f"rules/{rule_id}.xlsx",
        rule.form,
        "rule.violated",
        rule.severity,
        field,
        rule=rule_id,
        also=also,
    )


RULE_CASES = [_rule_case(r) for r in RULES]

# --------------------------------------------------------------------------------- values
VALUE_CASES = [
    Case("values/text-in-count.xlsx", SAMR, "value.not_number", ERROR, "false_publicity.cases"),
    Case("values/fraction-in-count.xlsx", SAMR, "value.not_whole", ERROR, "illegal_ads.cases"),
    Case("values/negative-count.xlsx", SAMR, "value.negative", ERROR, "other.to_police"),
    Case("values/fullwidth-digits.xlsx", SAMR, "value.normalized", WARNING, "joint_enforcement"),
    Case("values/thousands-separator.xlsx", SAMR, "value.normalized", WARNING, "exposed_cases"),
    Case("values/unit-suffix.xlsx", MEM, "value.normalized", WARNING, "training.institutions"),
    Case("values/wrong-unit.xlsx", MEM, "value.wrong_unit", ERROR, "training.institutions"),
    Case("values/money-five-decimals.xlsx", MEM, "value.rounded", WARNING, "training.fines"),
    Case(
        "values/required-empty-final.xlsx", MEM, "required.missing", ERROR, "training.institutions"
    ),
    Case("values/typed-total-mismatch.xlsx", SAMR, "derived.mismatch", WARNING, "total.cases"),
    Case(
        "values/in-scope-from-rate.xlsx",
        MEM,
        "derived.denominator_from_rate",
        WARNING,
        "training.in_scope",
    ),
    Case("values/bad-date.xlsx", SAMR, "value.not_date", WARNING, "filled_on"),  # a header: flagged
    Case("values/bad-phone.xlsx", SAMR, "value.phone_shape", WARNING, "contact"),
    Case("values/control-chars.xlsx", SAMR, "value.control_chars", WARNING, "filled_by"),
    Case("values/long-text.xlsx", DEPLOY, "value.too_long", WARNING, "plan_name"),
    Case("values/hidden-sheet.xlsx", SAMR, "file.hidden_sheet", WARNING, None, sheet="草稿"),
    Case("values/table-hidden.xlsx", SAMR, "file.table_hidden", WARNING, None, sheet="统计表"),
]

# --------------------------------------------------------------------------------- units
UNIT_CASES = [
    Case("units/meta-mismatch.xlsx", MEM, "unit.meta_mismatch", ERROR, "unit_name"),
    Case("units/unknown-unit.xlsx", SAMR, "unit.unknown_unit", ERROR, "unit_name"),
    Case(
        "units/not-subordinate.xlsx",
        SAMR,
        "unit.not_subordinate",
        ERROR,
        "unit_name",
        options=IN_TAIAN,
    ),
    Case("units/wrong-line.xlsx", MEM, "unit.wrong_line", ERROR, "unit_name"),
    Case("units/wrong-line-with-metadata.xlsx", MEM, "unit.wrong_line", ERROR, "unit_name"),
]

# --------------------------------------------------------------------------------- good
GOOD = {
    "good/370902-samr-stats-final-泰山区市场监督管理局.xlsx": (SAMR, "samr", "final"),
    "good/370902-mem-stats-final-泰山区应急管理局.xlsx": (MEM, "mem", "final"),
    "good/370902-deploy-mem-deploy-泰山区应急管理局.xlsx": (DEPLOY, "mem", "deploy"),
}

ALL_CASES = RULE_CASES + VALUE_CASES + UNIT_CASES


def _params(cases: list[Case]) -> list:
    out = []
    for c in cases:
        marks = (
            [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[c.file])]
            if c.file in KNOWN_BUGS
            else []
        )
        out.append(pytest.param(c, id=c.file, marks=marks))
    return out


@pytest.fixture(scope="module")
def results() -> dict[str, Submission]:
    """Every case file read once through the intake, with the options its case asks for."""
    by_options: dict[Options, list[Path]] = {}
    for c in ALL_CASES:
        by_options.setdefault(c.options, []).append(DATA / c.file)
    by_options.setdefault(Options(), []).extend(DATA / f for f in GOOD)
    out: dict[str, Submission] = {}
    for options, files in by_options.items():
        for path, sub in read_many(files, options):
            out[path.relative_to(DATA).as_posix()] = sub
    return out


def check(case: Case, sub: Submission) -> None:
    path = DATA / case.file
    sheet, cell = case.where
    found = [
        i for i in sub.issues if (i.code, i.field, i.rule) == (case.code, case.field, case.rule)
    ]
    assert len(found) == 1, [(i.code, i.field, i.rule) for i in sub.issues]
    got = found[0]
    assert (got.severity, got.sheet, got.cell, got.field) == (
        case.severity,
        sheet,
        cell,
        case.field,
    )
    assert got.file == str(path)
    assert got.message
    if cell and case.code.split(".")[0] in ("value", "required", "derived", "rule"):
        assert f"单元格 {cell}" in got.message  # the clerk is told which cell
    errors = {(i.code, i.field, i.rule) for i in sub.issues if i.severity == ERROR}
    assert errors == case.errors, sub.issues
    assert all(i.severity in (ERROR, WARNING, INFO) for i in sub.issues)


@pytest.mark.parametrize("case", _params(RULE_CASES))
def test_rule_workbooks(case, results):
    check(case, results[case.file])


@pytest.mark.parametrize("case", _params(VALUE_CASES))
def test_value_workbooks(case, results):
    check(case, results[case.file])


@pytest.mark.parametrize("case", _params(UNIT_CASES))
def test_unit_workbooks(case, results):
    check(case, results[case.file])


@pytest.mark.parametrize("name", list(GOOD))
def test_good_workbooks(name, results):
    sub = results[name]
    form, line, milestone = GOOD[name]
    assert (sub.form, sub.unit_code, sub.line, sub.milestone) == (form, "370902", line, milestone)
    assert sub.issues == []
    assert sub.values


def test_not_subordinate_is_only_an_error_below_a_parent(results):
    # the 济南市 county's workbook is fine on its own; only 泰安市 must not roll it up
    [(_, sub)] = read_many([DATA / "units/not-subordinate.xlsx"], Options())
    assert sub.issues == [] and sub.unit_code == "370102"
    assert not results["units/not-subordinate.xlsx"].valid


def test_long_text_message_gives_the_real_length(results):
    [issue] = [i for i in results["values/long-text.xlsx"].issues if i.code == "value.too_long"]
    assert "40000" in issue.message


# --------------------------------------------------------------------------------- the official table
# Where a few key inputs of 附件1 and 附件2 sit in our template, written down by reading the
# template against the notice's tables (not computed from layout(), which the reader uses too):
# a layout change that moves a cell is seen here. key → (its cell, the label cell heading its row
# and that label, the label cell heading its column and that label). A label spanning two cells
# (merged) is read from its first cell.
OFFICIAL_CELLS: dict[str, dict[str, tuple[str, tuple[str, str], tuple[str, str]]]] = {
    MEM: {
        "training.self_checked": ("B9", ("A9", "培训机构"), ("B8", "完成自查的机构数量(家)")),
        "training.self_check_rate": ("C9", ("A9", "培训机构"), ("C8", "完成自查机构的覆盖率(%)")),
        "exam.self_problems": ("D10", ("A10", "考试机构"), ("D8", "自查出的问题总数(项)")),
        "training.inspected": ("F9", ("A9", "培训机构"), ("F8", "完成执法检查的机构数量(家)")),
        "exam.penalized": ("I10", ("A10", "考试机构"), ("I8", "给予处罚的机构数量(家)")),
        "exam.fines": ("J10", ("A10", "考试机构"), ("J8", "罚款总额(万元)")),
        "training.suspended": ("L9", ("A9", "培训机构"), ("L8", "停顿的机构数量(家)")),
        "exam.fixed": ("O10", ("A10", "考试机构"), ("O8", "整改完成的问题数量(项)")),
        "training.exposed_cases": ("P9", ("A9", "培训机构"), ("P7", "曝光典型案例(件)")),
        "exam.institutions": ("Q10", ("A10", "考试机构"), ("Q7", "机构数量(家)")),
        "training.in_scope": ("S9", ("A9", "培训机构"), ("S7", "纳入治理范围的机构数量(家)")),
        "unit_name": ("B3", ("A3", "填报单位："), ("A3", "填报单位：")),
        "filled_by": ("K3", ("I3", "填报人："), ("I3", "填报人：")),
        "contact": ("B4", ("A4", "联系方式："), ("A4", "联系方式：")),
        "filled_on": ("K4", ("I4", "填报时间："), ("I4", "填报时间：")),
    },
    SAMR: {
        "false_publicity.cases": ("B8", ("A8", "虚假宣传案件"), ("B7", "案件数量(件)")),
        "illegal_ads.fines": ("C9", ("A9", "违法广告案件"), ("C7", "罚没款(万元)")),
        "other.to_police": ("D10", ("A10", "其他"), ("D7", "移送公安(件)")),
        "total.cases": ("B11", ("A11", "总计"), ("B7", "案件数量(件)")),
        "joint_enforcement": ("B12", ("A12", "执法联动(次)"), ("A12", "执法联动(次)")),
        "exposed_cases": ("D12", ("C12", "曝光典型案例(件)"), ("C12", "曝光典型案例(件)")),
        "filled_by": ("D3", ("C3", "填报人："), ("C3", "填报人：")),
        "filled_on": ("D4", ("C4", "填报时间："), ("C4", "填报时间：")),
    },
}


@pytest.mark.parametrize("form_id", [MEM, SAMR])
def test_key_inputs_sit_where_the_official_table_puts_them(tmp_path, form_id):
    import openpyxl

    from reportkit.io.xlsx_writer import write_form_workbook

    path = tmp_path / "blank.xlsx"
    form = CAMPAIGN.forms[form_id]
    write_form_workbook(path, CAMPAIGN, form, CAMPAIGN.unit("泰山区"), form.line, milestone="final")
    wb = openpyxl.load_workbook(path)
    ws = wb["统计表"]
    assert wb.sheetnames[0] == "统计表"
    for key, (cell, (row_at, row_label), (col_at, col_label)) in OFFICIAL_CELLS[form_id].items():
        name = "RK_" + key.replace(".", "_")
        assert wb.defined_names[name].attr_text == f"'统计表'!${cell[0]}${cell[1:]}", key
        assert (ws[row_at].value, ws[col_at].value) == (row_label, col_label), key


# case file → the cell its issue must name, read off the template as above
CASE_CELLS = {
    "values/text-in-count.xlsx": "B8",  # 虚假宣传案件 × 案件数量(件)
    "values/fraction-in-count.xlsx": "B9",  # 违法广告案件 × 案件数量(件)
    "values/negative-count.xlsx": "D10",  # 其他 × 移送公安(件)
    "values/typed-total-mismatch.xlsx": "B11",  # 总计 × 案件数量(件)
    "values/fullwidth-digits.xlsx": "B12",  # 执法联动(次)
    "values/thousands-separator.xlsx": "D12",  # 曝光典型案例(件)
    "values/control-chars.xlsx": "D3",  # 填报人
    "values/bad-phone.xlsx": "B4",  # 联系方式
    "values/bad-date.xlsx": "D4",  # 填报时间
    "rules/mem-self-checked-le-in-scope.xlsx": "B9",  # 培训机构 × 完成自查的机构数量(家)
    "rules/mem-self-check-rate-le-100.xlsx": "C9",  # 培训机构 × 完成自查机构的覆盖率(%)
    "rules/mem-fixed-le-problems.xlsx": "O9",  # 培训机构 × 整改完成的问题数量(项), the 2nd
    "rules/mem-fines-need-penalty.xlsx": "I10",  # 考试机构 × 给予处罚的机构数量(家)
    "rules/mem-penalty-without-fines.xlsx": "J10",  # 考试机构 × 罚款总额(万元)
    "values/money-five-decimals.xlsx": "J9",  # 培训机构 × 罚款总额(万元)
    "values/wrong-unit.xlsx": "Q9",  # 培训机构 × 机构数量(家)
    "values/in-scope-from-rate.xlsx": "S9",  # 培训机构 × 纳入治理范围的机构数量(家)
    "units/meta-mismatch.xlsx": "B3",  # 填报单位
    "values/long-text.xlsx": "B10",  # 部署情况: 实施方案名称
}
SHEETS = {SAMR: "统计表", MEM: "统计表", DEPLOY: "部署情况"}


@pytest.mark.parametrize(("file", "cell"), list(CASE_CELLS.items()), ids=list(CASE_CELLS))
def test_an_issue_names_the_cell_where_the_official_table_has_it(results, file, cell):
    case = next(c for c in ALL_CASES if c.file == file)
    [got] = [i for i in results[file].issues if (i.code, i.field) == (case.code, case.field)]
    assert (got.sheet, got.cell) == (SHEETS[case.form], cell)


# --------------------------------------------------------------------------------- guards


def _files(folder: str) -> set[str]:
    return {f"{folder}/{p.name}" for p in (DATA / folder).iterdir() if p.suffix == ".xlsx"}


def test_every_rule_has_a_workbook():
    ids = {r.id for r in CAMPAIGN.rules}
    assert set(RULES) == ids
    assert _files("rules") == {f"rules/{i}.xlsx" for i in ids}


def test_every_workbook_has_a_case():
    assert _files("values") == {c.file for c in VALUE_CASES}
    assert _files("units") == {c.file for c in UNIT_CASES}
    assert _files("good") == set(GOOD)


def test_case_files_are_small():
    for folder in ("rules", "values", "units", "good"):
        for p in (DATA / folder).iterdir():
            assert p.stat().st_size < 32 * 1024, p


# --------------------------------------------------------------------------------- CLI


def _listing(root: Path) -> list[tuple[str, int, int]]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in [*dirnames, *sorted(filenames)]:
            p = Path(dirpath) / name
            st = p.lstat()
            out.append((p.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns))
    return out


def test_validate_cli_sorts_good_from_bad_and_writes_nothing(tmp_path, monkeypatch, cli):
    folders = [DATA / "good", DATA / "values"]
    before = [_listing(f) for f in folders]
    monkeypatch.chdir(tmp_path)
    result = cli("validate", *map(str, folders), "--json")
    assert result.code == 1
    report = result.json()
    records = {Path(r["file"]).relative_to(DATA).as_posix(): r for r in report["files"]}
    assert set(records) == set(GOOD) | {c.file for c in VALUE_CASES}
    for name in GOOD:
        assert records[name]["status"] == "valid", records[name]["issues"]
    for case in VALUE_CASES:
        if case.file in KNOWN_BUGS:
            continue
        r = records[case.file]
        # a file is invalid exactly when its case has an error; warnings leave it valid
        assert r["status"] == ("invalid" if case.errors else "valid"), (case.file, r["issues"])
        sheet, cell = case.where
        assert any(
            (i["code"], i["severity"], i["sheet"], i["cell"])
            == (case.code, case.severity, sheet, cell)
            for i in r["issues"]
        ), (case.file, r["issues"])
    assert report["summary"]["invalid"] == sum(r["status"] == "invalid" for r in records.values())
    assert [_listing(f) for f in folders] == before
    assert list(tmp_path.iterdir()) == []
