"""check_values: value issues located by cell, required cells, derived cells, and every rule."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportkit.issues import Issue
from reportkit.model.campaign import Rule, default_campaign
from reportkit.model.submission import RawCell
from reportkit.rules import validate
from reportkit.rules.validate import check_values
from tests.wide import examples

D = Decimal
CAMPAIGN = default_campaign()
MEM = CAMPAIGN.forms["mem-stats"]
SAMR = CAMPAIGN.forms["samr-stats"]
DEPLOY = CAMPAIGN.forms["deploy"]
SHEET = "附件2"
FILE = "泰山区应急管理局.xlsx"

# Where the test workbooks keep their cells: tables start at column C, rows at 8 (mem) / 5 (samr).
MEM_ROWS = {"training": 8, "exam": 9}
SAMR_ROWS = {"false_publicity": 5, "illegal_ads": 6, "other": 7, "total": 8}
SINGLE = {"joint_enforcement": "C10", "exposed_cases": "C11"}
HEADER_CELLS = {"filled_by": "B3", "contact": "D3", "filled_on": "F3"}


def a1(form, key: str) -> str:
    if key in HEADER_CELLS:
        return HEADER_CELLS[key]
    if key in SINGLE:
        return SINGLE[key]
    if "." not in key:  # the deploy form: one field a row
        return f"B{[f.id for f in form.fields].index(key) + 3}"
    row, col = key.split(".")
    rows = MEM_ROWS if form is MEM else SAMR_ROWS
    idx = [c.id for c in form.columns].index(col)
    return f"{chr(ord('C') + idx)}{rows[row]}"


MEM_FINAL = {
    "training": dict(
        self_checked=7, self_check_rate=13.21, self_problems=20, self_fixed=18, inspected=10,
        inspection_rate=18.87, with_problems=4, penalized=2, fines=1.5, ordered_to_fix=3,
        suspended=1, eliminated=0, problems=12, fixed=10, exposed_cases=1, institutions=50,
        in_scope=53,
    ),
    "exam": dict(
        self_checked=3, self_check_rate=60, self_problems=2, self_fixed=2, inspected=5,
        inspection_rate=100, with_problems=0, penalized=0, fines=0, ordered_to_fix=0,
        suspended=0, eliminated=0, problems=0, fixed=0, exposed_cases=0, institutions=5,
        in_scope=5,
    ),
}  # fmt: skip
SAMR_VALUES = {
    "false_publicity.cases": 10, "false_publicity.fines": 12.5, "false_publicity.to_police": 2,
    "illegal_ads.cases": 5, "illegal_ads.fines": 3.2, "illegal_ads.to_police": 1,
    "other.cases": 2, "other.fines": 0, "other.to_police": 0,
    "total.cases": 17, "total.fines": 15.7, "total.to_police": 3,
    "joint_enforcement": 4, "exposed_cases": 2,
}  # fmt: skip
HEADER = {"filled_by": "王五", "contact": "0538-6136817", "filled_on": dt.date(2024, 10, 30)}


def mem_values(milestone="final", **changes):
    out = {f"{r}.{c}": v for r, cols in MEM_FINAL.items() for c, v in cols.items()}
    if milestone == "midterm":
        keep = {c.id for c in MEM.columns if "midterm" in c.milestones}
        out = {k: v for k, v in out.items() if k.split(".")[1] in keep}
    out.update(HEADER)
    out.update({k.replace("__", "."): v for k, v in changes.items()})
    return out


def raw_cells(form, values: dict, formulas=()) -> dict[str, RawCell]:
    return {
        k: RawCell(v, sheet=SHEET, cell=a1(form, k), formula=k in formulas)
        for k, v in values.items()
        if v is not ...
    }


def run(form, values, milestone="final", formulas=(), campaign=CAMPAIGN):
    return check_values(campaign, form, milestone, raw_cells(form, values, formulas), file=FILE)


def codes(issues: list[Issue]) -> list[str]:
    return [i.code for i in issues]


def only(issues: list[Issue], code: str) -> Issue:
    found = [i for i in issues if i.code == code]
    assert len(found) == 1, issues
    return found[0]


# --- clean submissions -------------------------------------------------------------------------


@pytest.mark.parametrize("milestone", ["final", None])
def test_clean_mem_final(milestone):
    values, issues = run(MEM, mem_values(), milestone)
    assert issues == []
    assert values["training.self_checked"] == 7
    assert values["training.fines"] == D("1.5000")
    assert values["training.self_check_rate"] == D("13.21")
    assert values["exam.inspection_rate"] == D("100.00")
    assert values["filled_on"] == dt.date(2024, 10, 30)
    assert values["contact"] == "0538-6136817"
    assert "unit_name" not in values


def test_clean_mem_midterm_has_no_final_columns():
    values, issues = run(MEM, mem_values("midterm"), "midterm")
    assert issues == []
    assert values["training.inspected"] is None and values["training.inspection_rate"] is None


def test_clean_samr():
    values, issues = run(SAMR, {**SAMR_VALUES, **HEADER}, "midterm")
    assert issues == []
    assert values["total.cases"] == 17 and values["total.fines"] == D("15.7")


# --- value issues, located and worded ----------------------------------------------------------


def test_not_a_number_names_the_cell_in_words():
    _, issues = run(MEM, mem_values(training__self_checked="五"))
    i = only(issues, "value.not_number")
    assert i.message == "培训机构 · 完成自查的机构数量(家)（单元格 C8）：“五”不是数字。"
    assert (i.severity, i.file, i.sheet, i.cell, i.field) == (
        "error",
        FILE,
        SHEET,
        "C8",
        "training.self_checked",
    )
    assert i.hint and "阿拉伯数字" in i.hint


def test_long_text_is_quoted_truncated():
    _, issues = run(
        MEM, mem_values(training__self_checked="本单位今年共完成了自查的机构有七家左右请核对")
    )
    i = only(issues, "value.not_number")
    assert "“本单位今年共完成了自查的机构有七家左右请…”" in i.message


@pytest.mark.parametrize(
    ("key", "raw", "code", "severity"),
    [
        ("training.self_checked", 1.5, "value.not_whole", "error"),
        ("training.self_checked", -1, "value.negative", "error"),
        ("training.self_checked", True, "value.not_number", "error"),
        ("training.self_checked", "5项", "value.wrong_unit", "error"),
        ("training.self_checked", 10**10, "value.too_large", "error"),
        ("training.self_checked", "7家", "value.normalized", "warning"),
        ("training.fines", "1.5元", "value.wrong_unit", "error"),
        ("training.fines", 1.50001, "value.rounded", "warning"),
        ("training.fines", "-1", "value.negative", "error"),
        ("contact", "张三", "value.phone_shape", "warning"),
        ("filled_on", "六月", "value.not_date", "warning"),  # a header: flagged, not blocking
        ("filled_on", 45595, "value.normalized", "warning"),
        ("filled_by", "王\x00五", "value.control_chars", "warning"),
        ("filled_by", "王" * 600, "value.too_long", "warning"),
        ("training.self_checked", b"7", "value.unsupported", "error"),
    ],
)
def test_value_issue_codes_and_cells(key, raw, code, severity):
    _, issues = run(MEM, mem_values(**{key.replace(".", "__"): raw}))
    i = only(issues, code)
    assert (i.severity, i.cell, i.field, i.sheet, i.file) == (
        severity,
        a1(MEM, key),
        key,
        SHEET,
        FILE,
    )
    assert f"（单元格 {a1(MEM, key)}）：" in i.message


def test_normalized_message_says_what_was_done():
    values, issues = run(MEM, mem_values(training__self_checked="７家"))
    i = only(issues, "value.normalized")
    assert (
        i.message
        == "培训机构 · 完成自查的机构数量(家)（单元格 C8）：“７家”已按 7 读取（全角字符转为半角；去掉了单位“家”）。"
    )
    assert values["training.self_checked"] == 7


def test_wrong_unit_message_names_both_units():
    _, issues = run(MEM, mem_values(training__fines="15000元"))
    i = only(issues, "value.wrong_unit")
    assert "单位是“元”，但本栏以“万元”计" in i.message


def test_email_shape_on_deploy_form():
    _, issues = run(DEPLOY, {"email": "tagksm163.com", "mobile": "13053833566"}, milestone=None)
    i = only(issues, "value.email_shape")
    assert (i.field, i.severity) == ("email", "warning")


def test_error_in_a_derived_cell_is_only_a_warning():
    values, issues = run(SAMR, {**SAMR_VALUES, **HEADER, "total.cases": "十七"}, "midterm")
    i = only(issues, "value.not_number")
    assert (i.severity, i.cell) == ("warning", "C8")
    assert values["total.cases"] == 17


# --- required ----------------------------------------------------------------------------------


def test_required_missing_one_issue_per_cell():
    _, issues = run(MEM, mem_values(training__fines=..., exam__fixed=None, training__problems="  "))
    missing = [i for i in issues if i.code == "required.missing"]
    assert {i.field for i in missing} == {"training.fines", "exam.fixed", "training.problems"}
    assert all(i.severity == "error" for i in missing)
    i = next(i for i in missing if i.field == "exam.fixed")
    assert i.cell == a1(MEM, "exam.fixed")
    assert (
        i.message
        == f"考试机构 · 整改完成的问题数量(项)（单元格 {a1(MEM, 'exam.fixed')}）：未填写。"
    )
    assert "专项行动总结报告及统计表" in i.hint and "0" in i.hint
    assert next(i for i in missing if i.field == "training.fines").cell is None  # no such cell read


def test_midterm_does_not_require_final_columns():
    _, issues = run(MEM, mem_values("midterm"), "midterm")
    assert "required.missing" not in codes(issues)
    _, issues = run(MEM, mem_values("midterm"), "final")
    missing = {i.field for i in issues if i.code == "required.missing"}
    assert "training.inspected" in missing and "training.self_checked" not in missing
    assert not any(k.endswith("_rate") for k in missing)  # derived, never asked for


def test_nothing_required_without_milestone():
    _, issues = run(MEM, {}, milestone=None)
    assert "required.missing" not in codes(issues) and "required.header" not in codes(issues)


def test_header_missing_is_a_warning():
    values = mem_values()
    del values["filled_by"], values["contact"]
    values["filled_on"] = ""
    _, issues = run(MEM, values)
    header = [i for i in issues if i.code == "required.header"]
    assert [(i.field, i.severity) for i in header] == [
        ("filled_by", "warning"),
        ("contact", "warning"),
        ("filled_on", "warning"),
    ]
    assert header[2].cell == "F3" and header[2].message == "填报时间（单元格 F3）：未填写。"


def test_unit_name_is_not_checked_here():
    """The unit is identify's business: even a unit name of control characters, which any
    other text cell would be warned about, gives check_values nothing to say."""
    raw = raw_cells(MEM, mem_values())
    raw["unit_name"] = RawCell("\x00" * 3, sheet=SHEET, cell="B3")
    values, issues = check_values(CAMPAIGN, MEM, "final", raw, file=FILE)
    assert issues == []
    assert "unit_name" not in values


@pytest.mark.parametrize(
    ("day", "warned"),
    [
        (dt.date(2024, 3, 1), False),
        (dt.date(2024, 2, 29), True),
        (dt.date(2025, 3, 1), False),  # campaign ends 2024-12-31, + 60 days
        (dt.date(2025, 3, 2), True),
        (dt.date(2023, 10, 30), True),
    ],
)
def test_filled_on_outside_the_campaign(day, warned):
    _, issues = run(MEM, mem_values(filled_on=day))
    found = [i for i in issues if i.code == "value.date_out_of_campaign"]
    assert bool(found) == warned
    if warned:
        assert (found[0].severity, found[0].cell, found[0].field) == ("warning", "F3", "filled_on")
        assert "2024-03-01 至 2025-03-01" in found[0].message


# --- derived cells -----------------------------------------------------------------------------


def test_total_row_is_recomputed_and_a_wrong_total_flagged():
    values, issues = run(
        SAMR, {**SAMR_VALUES, **HEADER, "total.cases": 18, "total.fines": "15.7"}, "midterm"
    )
    i = only(issues, "derived.mismatch")
    assert (i.severity, i.cell, i.field) == ("warning", "C8", "total.cases")
    assert (
        "18" in i.message
        and "17" in i.message
        and "虚假宣传案件、违法广告案件、其他相加" in i.message
    )
    assert values["total.cases"] == 17


def test_total_money_is_exact():
    vals = {
        **SAMR_VALUES,
        **HEADER,
        "false_publicity.fines": 0.1,
        "illegal_ads.fines": 0.2,
        "other.fines": "0.0001",
        "total.fines": 0.3001,
    }
    values, issues = run(SAMR, vals, "midterm")
    assert issues == []
    assert values["total.fines"] == D("0.3001")


@pytest.mark.parametrize("cached", [0, None])
def test_formula_never_calculated_is_info(cached):
    vals = {
        **SAMR_VALUES,
        **HEADER,
        "total.cases": cached,
        "total.fines": cached,
        "total.to_police": cached,
    }
    values, issues = run(
        SAMR, vals, "midterm", formulas={"total.cases", "total.fines", "total.to_police"}
    )
    found = [i for i in issues if i.code == "derived.not_calculated"]
    assert [(i.field, i.severity) for i in found] == [
        ("total.cases", "info"),
        ("total.fines", "info"),
        ("total.to_police", "info"),
    ]
    assert found[0].cell == "C8" and "17" in found[0].message
    assert values["total.cases"] == 17 and values["total.fines"] == D("15.7")


def test_formula_cached_zero_that_is_right_is_fine():
    vals = {
        **SAMR_VALUES,
        **HEADER,
        "other.to_police": 0,
        "illegal_ads.to_police": 0,
        "false_publicity.to_police": 0,
        "total.to_police": 0,
    }
    _, issues = run(SAMR, vals, "midterm", formulas={"total.to_police"})
    assert issues == []


def test_typed_zero_total_is_a_mismatch_not_info():
    _, issues = run(SAMR, {**SAMR_VALUES, **HEADER, "total.cases": 0}, "midterm")
    assert only(issues, "derived.mismatch").field == "total.cases"


def test_total_unknown_when_a_row_is_missing():
    values, _ = run(SAMR, {**SAMR_VALUES, **HEADER, "other.cases": None}, "midterm")
    assert values["total.cases"] is None


@pytest.mark.parametrize("typed", [13.21, "13.21%", 13.2, 13, 0.1321, 0.132075471698113, None, ""])
def test_rate_typed_close_enough_or_as_excel_fraction(typed):
    values, issues = run(MEM, mem_values(training__self_check_rate=typed))
    assert issues == []
    assert values["training.self_check_rate"] == D("13.21")


def test_rate_mismatch_names_both_values():
    _, issues = run(MEM, mem_values(training__self_check_rate=50))
    i = only(issues, "derived.mismatch")
    assert (i.field, i.cell, i.severity) == ("training.self_check_rate", "D8", "warning")
    assert "表中的数是 50" in i.message and "7 ÷ 53" in i.message and "13.21%" in i.message


def test_rate_formula_not_calculated():
    _, issues = run(
        MEM, mem_values(training__self_check_rate=0), formulas={"training.self_check_rate"}
    )
    assert only(issues, "derived.not_calculated").field == "training.self_check_rate"


def test_rate_none_when_denominator_is_zero():
    values, issues = run(
        MEM,
        mem_values(
            exam__in_scope=0,
            exam__self_checked=0,
            exam__inspected=0,
            exam__self_check_rate=None,
            exam__inspection_rate=None,
        ),
    )
    assert values["exam.self_check_rate"] is None and values["exam.inspection_rate"] is None
    assert issues == []


@pytest.mark.parametrize("typed", [13.21, "13.21%", 0.1321])
def test_in_scope_derived_from_typed_rate(typed):
    values, issues = run(MEM, mem_values(training__in_scope=..., training__self_check_rate=typed))
    i = only(issues, "derived.denominator_from_rate")
    assert (i.field, i.severity, i.cell) == ("training.in_scope", "warning", None)
    assert "53 = 7 ÷ 13.21%" in i.message
    assert values["training.in_scope"] == 53
    assert values["training.self_check_rate"] == D("13.21")
    assert "required.missing" not in codes(issues)


def test_in_scope_derived_from_the_other_rate():
    values, issues = run(MEM, mem_values(training__in_scope=None, training__self_check_rate=None))
    i = only(issues, "derived.denominator_from_rate")
    assert "53 = 10 ÷ 18.87%" in i.message and i.cell == a1(MEM, "training.in_scope")
    assert values["training.self_check_rate"] == D("13.21")


def test_no_denominator():
    values, issues = run(
        MEM,
        mem_values(
            training__in_scope=..., training__self_check_rate=..., training__inspection_rate=...
        ),
    )
    i = only(issues, "derived.no_denominator")
    assert (i.field, i.severity) == ("training.in_scope", "warning")
    assert "完成自查机构的覆盖率(%)、完成执法检查机构的覆盖率(%)" in i.message
    assert values["training.in_scope"] is None and values["training.self_check_rate"] is None
    assert "required.missing" not in codes(issues)


def test_no_denominator_at_midterm_names_only_midterm_rate():
    _, issues = run(
        MEM, mem_values("midterm", training__in_scope=..., training__self_check_rate=...), "midterm"
    )
    assert "完成执法检查" not in only(issues, "derived.no_denominator").message


# --- rules: one test per rule of the campaign --------------------------------------------------

RULE_CASES = {
    # rule id: (form, changes, cell key named, other rules that fire with it)
    "samr-police-le-cases": (SAMR, {"false_publicity.to_police": 11}, "false_publicity.to_police", set()),
    "mem-self-fixed-le-problems": (MEM, {"training.self_fixed": 21}, "training.self_fixed", set()),
    "mem-fixed-le-problems": (MEM, {"exam.fixed": 1}, "exam.fixed", set()),
    "mem-with-problems-le-inspected": (MEM, {"training.with_problems": 11, "training.problems": 12}, "training.with_problems", set()),
    "mem-penalized-le-with-problems": (MEM, {"training.penalized": 5}, "training.penalized", set()),
    "mem-ordered-le-with-problems": (MEM, {"training.ordered_to_fix": 5}, "training.ordered_to_fix", set()),
    "mem-suspended-le-with-problems": (MEM, {"exam.suspended": 1}, "exam.suspended", set()),
    "mem-eliminated-le-with-problems": (MEM, {"training.eliminated": 5}, "training.eliminated", set()),
    "mem-with-problems-le-problems": (MEM, {"training.problems": 3, "training.fixed": 3}, "training.with_problems", set()),
    "mem-self-checked-le-in-scope": (MEM, {"exam.self_checked": 6, "exam.self_check_rate": None}, "exam.self_checked", {"mem-self-check-rate-le-100"}),
    "mem-inspected-le-in-scope": (MEM, {"exam.inspected": 6, "exam.inspection_rate": None}, "exam.inspected", {"mem-inspection-rate-le-100"}),
    "mem-self-check-rate-le-100": (MEM, {"training.self_checked": 54, "training.self_check_rate": None}, "training.self_check_rate", {"mem-self-checked-le-in-scope"}),
    "mem-inspection-rate-le-100": (MEM, {"training.inspected": 60, "training.inspection_rate": None}, "training.inspection_rate", {"mem-inspected-le-in-scope"}),
    "mem-fines-need-penalty": (MEM, {"exam.fines": "0.5"}, "exam.penalized", set()),
    "mem-penalty-without-fines": (MEM, {"training.fines": 0}, "training.fines", set()),
}  # fmt: skip


def test_every_campaign_rule_has_a_case():
    assert set(RULE_CASES) == {r.id for r in CAMPAIGN.rules}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule(rule_id):
    form, changes, key, others = RULE_CASES[rule_id]
    rule = next(r for r in CAMPAIGN.rules if r.id == rule_id)
    base = {**SAMR_VALUES, **HEADER} if form is SAMR else mem_values()
    _, issues = run(form, {**base, **changes}, "final")
    fired = [i for i in issues if i.code == "rule.violated"]
    assert {i.rule for i in fired} == {rule_id} | others
    i = next(i for i in fired if i.rule == rule_id)
    row = form.cell(key).row
    assert (i.severity, i.field, i.cell, i.sheet, i.file) == (
        rule.severity,
        key,
        a1(form, key),
        SHEET,
        FILE,
    )
    assert i.message.startswith(f"{row.label}（单元格 {a1(form, key)}）：")
    assert "{" not in i.message and i.hint


def test_rule_message_values_rendered_without_trailing_zeros():
    _, issues = run(MEM, mem_values(training__self_fixed=21))
    assert only(issues, "rule.violated").message == (
        "培训机构（单元格 F8）：整改完成的问题数量（21）不能多于自查出的问题总数（20）。"
    )
    _, issues = run(MEM, mem_values(training__fines=0))
    assert "给予处罚的机构有 2 家，但罚款总额为 0" in only(issues, "rule.violated").message
    _, issues = run(MEM, mem_values(training__self_checked=60, training__self_check_rate=None))
    rate = next(i for i in issues if i.rule == "mem-self-check-rate-le-100")
    assert "覆盖率（113.21%）不能超过100%" in rate.message


def test_rule_applies_to_the_total_row():
    _, issues = run(
        SAMR,
        {
            **SAMR_VALUES,
            **HEADER,
            "false_publicity.to_police": 10,
            "illegal_ads.to_police": 5,
            "other.to_police": 3,
        },
        "final",
    )
    fired = [(i.field, i.cell) for i in issues if i.code == "rule.violated"]
    assert fired == [("other.to_police", "E7"), ("total.to_police", "E8")]


def test_when_gates_the_rule():
    # fines > 0 with nobody penalized is an error; with fines 0 the rule does not apply
    _, issues = run(MEM, mem_values(exam__fines=0, exam__penalized=0))
    assert issues == []


def test_rule_skipped_when_a_value_is_missing():
    _, issues = run(MEM, mem_values(training__self_fixed=None, training__self_problems=3))
    assert "rule.violated" not in codes(issues)
    assert only(issues, "required.missing").field == "training.self_fixed"


def test_rule_skipped_when_its_fields_are_not_due_at_the_milestone():
    bad = mem_values("midterm", training__fixed=99, training__problems=1)
    _, issues = run(MEM, bad, "midterm")
    assert "rule.violated" not in codes(issues)
    _, issues = run(MEM, bad, None)
    assert [i.rule for i in issues if i.code == "rule.violated"] == ["mem-fixed-le-problems"]


def test_single_field_rule_applies_once():
    rule = Rule(
        "samr-exposed-le-total",
        "samr-stats",
        "exposed_cases",
        "<=",
        "total.cases + 0",
        "warning",
        "曝光（{left}）多于案件（{right}）。",
    )
    campaign = dataclasses.replace(CAMPAIGN, rules=(rule,))
    _, issues = run(
        SAMR, {**SAMR_VALUES, **HEADER, "exposed_cases": 20}, "final", campaign=campaign
    )
    i = only(issues, "rule.violated")
    assert (i.severity, i.field, i.cell, i.rule) == ("warning", "exposed_cases", "C11", rule.id)
    assert i.message == "曝光（20）多于案件（17）。"


@pytest.mark.parametrize(
    ("left", "when"), [("cases *", None), ("cases", "cases"), ("nonexistent", None)]
)
def test_broken_rule_is_reported_not_raised(left, when):
    rule = Rule("broken", "samr-stats", left, "<=", "1", "error", "x", when)
    campaign = dataclasses.replace(CAMPAIGN, rules=(rule,))
    _, issues = run(SAMR, {**SAMR_VALUES, **HEADER}, "final", campaign=campaign)
    i = only(issues, "rule.invalid")
    assert (i.rule, i.severity) == ("broken", "warning")


def test_bad_placeholder_in_a_rule_message_is_kept_as_is():
    rule = Rule("odd", "samr-stats", "cases", ">", "100", "warning", "案件 {left} {nope} {0}")
    campaign = dataclasses.replace(CAMPAIGN, rules=(rule,))
    _, issues = run(SAMR, {**SAMR_VALUES, **HEADER}, "final", campaign=campaign)
    assert len(issues) == 4  # every row, total included
    assert all(i.message.endswith("：案件 {left} {nope} {0}") for i in issues)


def test_raw_cells_without_location():
    raw = {"training.self_checked": RawCell("五")}
    _, issues = check_values(CAMPAIGN, MEM, None, raw)
    i = only(issues, "value.not_number")
    assert i.message == "培训机构 · 完成自查的机构数量(家)：“五”不是数字。"
    assert (i.file, i.sheet, i.cell) == (None, None, None)


# --- the rules, parsed once per form, say what each rule checked on its own says ---------------

EXTRA_RULES = (
    Rule("x-sum", "mem-stats", "fixed + self_fixed - (problems - 1)", "<=", "self_problems", "warning", "{left} {right}"),
    Rule("x-cell", "samr-stats", "total.cases - other.cases", "==", "false_publicity.cases + illegal_ads.cases", "error", "{left}"),
    Rule("x-field", "samr-stats", "exposed_cases", "<=", "joint_enforcement + 2.5", "warning", "{right}"),
    Rule("x-when", "mem-stats", "penalized", "<", "with_problems", "warning", "{when_left}", "fines + 1 > -(-1)"),
    Rule("x-bad", "mem-stats", "penalized *", "<", "1", "warning", "x"),
    Rule("x-unknown", "mem-stats", "nope", "<", "1", "warning", "x"),
    Rule("x-op", "mem-stats", "fixed", "=<", "1", "warning", "x"),
    Rule("x-deploy", "deploy", "1", "<", "2", "warning", "x"),
)  # fmt: skip
WITH_EXTRA = dataclasses.replace(CAMPAIGN, rules=CAMPAIGN.rules + EXTRA_RULES)
number = st.one_of(
    st.none(),
    st.integers(0, 30),
    st.sampled_from([0, 1, 100, 10**9, -1, 2.5, "3", "x", D("0.5")]),
)


@settings(max_examples=examples(150), deadline=None)
@given(
    form=st.sampled_from([MEM, SAMR, DEPLOY]),
    milestone=st.sampled_from([None, "final", "midterm", "deploy"]),
    data=st.data(),
    campaign=st.sampled_from([CAMPAIGN, WITH_EXTRA]),
)
def test_rules_parsed_once_agree_with_each_rule_checked_alone(form, milestone, data, campaign):
    raw = {
        c.key: RawCell(data.draw(number), sheet=SHEET, cell="A1", formula=data.draw(st.booleans()))
        for c in form.cells
    }
    values, issues = check_values(campaign, form, milestone, raw, file=FILE)
    ref = validate._Check(campaign, form, milestone, raw, FILE)
    ref.parse_cells()
    ref.parse_header()
    ref.derive_denominators()
    ref.sum_rows()
    ref.ratios()
    ref.check_derived()
    for rule in (r for r in campaign.rules if r.form == form.id):
        ref.check_parsed(rule, validate._parse_rule(rule, form))  # each rule parsed afresh
    assert repr(values) == repr(ref.values)
    assert issues == ref.issues
