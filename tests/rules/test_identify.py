"""Which milestone a workbook is for: the 报送节点 cell, the template's metadata, or its content."""

from __future__ import annotations

import openpyxl
import pytest

from reportkit.io.intake import Options, read_one
from reportkit.io.workbook import layout
from reportkit.io.xlsx_writer import write_form_workbook
from reportkit.sample import sample_header, sample_values


def _book(tmp_path, campaign, milestone_meta, values_for, cell_text):  # type: ignore[no-untyped-def]
    form = campaign.forms["mem-stats"]
    unit = campaign.unit("泰山区")
    path = tmp_path / "b.xlsx"
    write_form_workbook(
        path, campaign, form, unit, "mem", milestone=milestone_meta,
        values=sample_values(campaign, form, unit, "mem", values_for, 1),
        header=sample_header(campaign, unit, "mem", values_for, 1),
    )  # fmt: skip
    wb = openpyxl.load_workbook(path)
    r, c = layout(campaign, form).header["milestone"]
    wb["统计表"].cell(r + 1, c + 1).value = cell_text
    wb.save(path)
    return read_one(path, campaign, Options())


@pytest.mark.parametrize(
    ("text", "expected"), [("中期", "midterm"), ("专项行动总结报告", "final"), ("final", "final")]
)
def test_short_forms_of_the_milestone_are_understood(tmp_path, campaign, text, expected):
    sub = _book(tmp_path, campaign, None, expected, text)
    assert sub.milestone == expected and sub.valid


def test_blank_milestone_is_judged_from_the_filled_cells(tmp_path, campaign):
    sub = _book(tmp_path, campaign, None, "midterm", None)
    assert sub.milestone == "midterm"
    # (openpyxl, which edited the cell, drops formulas' saved results: derived.not_calculated)
    assert "milestone.inferred" in [i.code for i in sub.issues] and sub.valid
    sub = _book(tmp_path, campaign, None, "final", None)
    assert sub.milestone == "final"


def test_unknown_milestone_text_is_flagged_and_inferred(tmp_path, campaign):
    sub = _book(tmp_path, campaign, None, "midterm", "第二季度")
    codes = [i.code for i in sub.issues]
    assert "milestone.unknown" in codes and sub.milestone == "midterm"
    issue = next(i for i in sub.issues if i.code == "milestone.unknown")
    assert issue.cell == "B5" and "第二季度" in issue.message


def test_visible_cell_contradicting_the_metadata_is_an_error(tmp_path, campaign):
    sub = _book(tmp_path, campaign, "final", "final", "中期行动总结及统计表")
    assert not sub.valid
    issue = next(i for i in sub.issues if i.code == "milestone.mismatch")
    assert issue.severity == "error" and issue.cell == "B5"
