"""Charts: Chinese labels drawn with the packaged OFL font, no missing glyph, ≥ 200 dpi."""

from __future__ import annotations

import warnings

from PIL import Image

from reportkit.report.charts import DPI, chart_font, render_chart
from reportkit.report.content import ChartSpec

UNITS = [
    "泰山区",
    "岱岳区",
    "宁阳县",
    "东平县",
    "泰安高新技术产业开发区",
    "徂汶景区",
    "新泰市",
    "肥城市",
]


def spec(**kw) -> ChartSpec:  # type: ignore[no-untyped-def]
    base = dict(
        caption="各县（市、区）自查和执法检查覆盖率（%）",
        categories=UNITS,
        series=[("自查覆盖率", [100, 78.57, 80, 90.48, 76.47, 84.62, None, 96.43]),
                ("执法检查覆盖率", [86.67, 92.86, 80, 90.48, 100, 100, 100, 78.57])],
        axis_label="覆盖率（%）",
        percent=True,
    )  # fmt: skip
    base.update(kw)
    return ChartSpec(**base)


def test_packaged_ofl_font_is_registered():
    font = chart_font()
    assert font.family == "Noto Sans SC"
    assert font.path.endswith("NotoSansSC-Regular.otf")


def test_bar_chart_has_no_missing_glyphs(tmp_path):
    out = tmp_path / "chart.png"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reported = render_chart(spec(), out, chart_font())
    messages = reported + [str(w.message) for w in caught]
    assert not [m for m in messages if "missing" in m.lower() or "glyph" in m.lower()], messages
    image = Image.open(out)
    assert round(image.info["dpi"][0]) == DPI >= 200
    assert image.width == 6 * DPI


def test_stacked_chart(tmp_path):
    s = spec(series=[("虚假宣传", [1, 2, 3, 4, 5, 6, 7, 8]), ("违法广告", [0] * 8),
                     ("其他", [2] * 8)], stacked=True, percent=False, axis_label="案件数量（件）")  # fmt: skip
    assert render_chart(s, tmp_path / "s.png", chart_font()) == []


def test_a_font_without_chinese_is_reported_not_silent(tmp_path):
    """The check above means something: DejaVu Sans has no 汉字 and matplotlib says so."""
    from matplotlib import font_manager

    from reportkit.report.charts import ChartFont

    dejavu = font_manager.findfont("DejaVu Sans")
    messages = render_chart(spec(), tmp_path / "x.png", ChartFont("DejaVu Sans", dejavu))
    assert any("missing from font" in m for m in messages)
