"""Font names of the report: configuration, since 方正小标宋 and the _GB2312 fonts are not on
every PC. Word and WPS substitute a missing font; the font table tells them with what."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

ROLES = {
    "title": "标题（小标宋）",
    "body": "正文（仿宋）",
    "heading1": "一级标题（黑体）",
    "heading2": "二级标题（楷体）",
    "page": "页码（宋体）",
    "latin": "数字和西文",
    "table": "表格",
    "chart": "图表（字体名或字体文件路径；默认自动查找开源中文字体）",
}

# What Word/WPS should use when a font is not installed (w:altName in the font table).
ALTERNATIVES = {
    "方正小标宋简体": "宋体",
    "方正小标宋_GBK": "宋体",
    "仿宋_GB2312": "仿宋",
    "楷体_GB2312": "楷体",
    "方正仿宋_GBK": "仿宋",
    "方正楷体_GBK": "楷体",
    "方正黑体_GBK": "黑体",
}


@dataclass(frozen=True)
class FontSet:
    """East Asian font per role; `latin` is used for digits and Latin letters everywhere."""

    title: str = "方正小标宋简体"
    body: str = "仿宋_GB2312"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    page: str = "宋体"
    latin: str = "Times New Roman"
    table: str = "仿宋_GB2312"
    chart: str = ""  # empty: an OFL font found at run time (see charts.chart_font)

    def names(self) -> list[str]:
        """The Word font names (the chart font is not a Word font)."""
        return list(dict.fromkeys(getattr(self, f.name) for f in fields(self) if f.name != "chart"))

    def with_overrides(self, overrides: dict[str, str]) -> FontSet:
        return replace(self, **overrides)


def parse_overrides(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`title=华文中宋` pairs → {role: name}; ValueError names the bad item."""
    out: dict[str, str] = {}
    for item in items:
        role, sep, name = item.partition("=")
        role, name = role.strip(), name.strip()
        if not sep or role not in ROLES or not name:
            raise ValueError(item)
        out[role] = name
    return out
