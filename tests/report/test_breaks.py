"""Where a line may break: dates tied together, a break allowed after 、，… before a figure."""

from __future__ import annotations

import pytest

from reportkit.report.breaks import WORD_JOINER, ZERO_WIDTH_SPACE, breakable, solid_dates, visible


@pytest.mark.parametrize(
    ("text", "solid"),
    [
        ("截至2024年11月4日，", "截至2024|年|11|月|4|日，"),
        ("2024 年 12 月 1 日", "2024|年|12|月|1|日"),  # spaces typed inside are dropped
        ("6月30日前填写", "6|月|30|日前填写"),
        ("2024年3月", "2024|年|3|月"),
        ("第10个月，共3天", "第10个月，共3天"),
    ],
)
def test_dates_are_tied_together(text, solid):
    assert solid_dates(text) == solid.replace("|", WORD_JOINER)
    assert visible(solid_dates(text)) == text.replace(" ", "")


@pytest.mark.parametrize(
    ("text", "broken"),
    [
        (
            "联系电话：6993769、13053833566，电子邮箱：a@b.cn",
            "联系电话：6993769、|13053833566，电子邮箱：a@b.cn",
        ),
        ("覆盖率分别为87.21%、85.71%；", "覆盖率分别为87.21%、|85.71%；"),
        ("（国市监稽发〔2024〕25号）", "（国市监稽发〔2024〕25号）"),  # a 文号 stays whole
        ("培训机构172家、考试机构35家", "培训机构172家、考试机构35家"),
    ],
)
def test_a_break_is_allowed_after_closing_punctuation_before_a_figure(text, broken):
    assert breakable(text) == broken.replace("|", ZERO_WIDTH_SPACE)
    assert visible(breakable(text)) == text
