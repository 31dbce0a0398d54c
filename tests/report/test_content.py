"""The pure parts: how figures are written, titles broken, roll-up outputs read back."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest

from reportkit.model.target import resolve_target
from reportkit.report.content import build_content, title_lines, title_text
from reportkit.report.numbers import chinese_date, fmt, rate, total
from reportkit.report.source import SourceError, load_rollup


@pytest.mark.parametrize(
    ("value", "text"),
    [(150, "150"), (Decimal("30.1500"), "30.15"), (Decimal("3E+1"), "30"), (Decimal("0.0000"), "0"),
     (87.21, "87.21"), (None, ""), (Decimal("100.00"), "100")],
)  # fmt: skip
def test_fmt(value, text):
    assert fmt(value) == text


def test_rates_are_recomputed_half_up():
    assert rate(174, 201) == Decimal("86.57")
    assert rate(1, 8) == Decimal("12.50")  # 12.5 exactly
    assert rate(2, 3) == Decimal("66.67")
    assert rate(1, 0) is None and rate(None, 3) is None


def test_a_total_over_rows_counts_the_rows_that_have_a_figure():
    """Both rows' figure in a sentence: a row nobody reported adds nothing, it does not make
    the total unknown; with no row reported there is no figure."""
    assert total(3, None, 4) == 7 and isinstance(total(3, None, 4), int)
    assert total(Decimal("1.5"), None, 2) == Decimal("3.5")
    assert total(None, None) is None


def test_date_has_no_leading_zeros():
    assert chinese_date(dt.date(2024, 11, 4)) == "2024年11月4日"


@pytest.mark.parametrize("agency", ["泰安市应急管理局", "泰安市市场监督管理局", "应急管理部"])
@pytest.mark.parametrize("milestone", ["midterm", "final", "deploy"])
def test_title_lines_balanced_and_between_words(agency, milestone, campaign):
    from reportkit.report.spec import report_spec

    spec = report_spec(campaign)
    text = title_text(agency, "特种作业人员安全技术培训考核专项治理", milestone, spec.titles)
    lines = title_lines(text, words=spec.title_words).split("\n")
    assert "".join(lines) == text
    assert all(len(x) <= 20 for x in lines)
    for a, b in itertools.pairwise(lines):
        assert not (a.endswith("安全") and b.startswith("技术"))
        assert not a.endswith(("特种", "培训")), lines


def test_values_from_the_json_when_the_rollup_writes_them(rollups, campaign, tmp_path):
    """A roll-up that puts children[].values in its JSON needs no workbook."""
    r = rollups["samr-final"]
    data = json.loads((r.out / "370900-samr-stats-final.json").read_text("utf-8"))
    for c in data["children"]:
        c["values"] = {"total.cases": 5, "total.fines": 1.25}
    out = tmp_path / "out"
    out.mkdir()
    (out / "370900-samr-stats-final.json").write_text(json.dumps(data, ensure_ascii=False))
    loaded = load_rollup(resolve_target(campaign, "370900", "samr-stats", "final", "samr"), out)
    assert {c.values["total.fines"] for c in loaded.children} == {Decimal("1.25")}
    content = build_content(campaign, loaded, date=dt.date(2024, 11, 4))
    assert content.context["cmp"]["cases"]["same"] is True


def test_values_from_the_detail_sheet(rollups, campaign, tmp_path):
    r = rollups["mem-final"]
    loaded = load_rollup(resolve_target(campaign, "370900", "mem-stats", "final", "mem"), r.out)
    taishan = loaded.children[0]
    assert taishan.name == "泰山区" and taishan.agency == "泰山区应急管理局"
    # 整改完成的问题数量 is the label of two columns: both are read, in order
    assert {"training.self_fixed", "training.fixed"} <= set(taishan.values)
    assert (
        sum(c.values["training.self_checked"] for c in loaded.children)
        == (r.data["totals"]["training.self_checked"])
    )
    # a summary without per-child values (an older roll-up) and without its workbook: a clear error
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    data = json.loads((r.out / "370900-mem-stats-final.json").read_text("utf-8"))
    for child in data["children"]:
        child.pop("values", None)
    (lonely / "370900-mem-stats-final.json").write_text(
        json.dumps(data, ensure_ascii=False), "utf-8"
    )
    with pytest.raises(SourceError, match="无法读取汇总结果"):
        load_rollup(resolve_target(campaign, "370900", "mem-stats", "final", "mem"), lonely)


@pytest.mark.parametrize(
    ("code", "word"),
    [
        ("000000", "全国"),
        ("370000", "全省"),
        ("310000", "全市"),  # a 直辖市 is not a 省
        ("640000", "全区"),  # nor is an autonomous region
        ("370900", "全市"),
        ("422800", "全州"),  # 恩施土家族苗族自治州
        ("542500", "全地区"),  # 阿里地区
        ("152900", "全盟"),  # 阿拉善盟
        ("310101", "全区"),
        ("370921", "全县"),
    ],
)
def test_the_scope_word_is_the_regions_own(code, word):
    from reportkit.model.registry import default_registry
    from reportkit.report.content import scope_word

    assert scope_word(default_registry().get(code)) == word
