"""The catalogue of user-visible text: every Chinese message reportkit prints lives here."""

from __future__ import annotations

# Holiday names as chinese_calendar's Holiday enum names them.
HOLIDAY_NAMES: dict[str, str] = {
    "new_years_day": "元旦",
    "spring_festival": "春节",
    "tomb_sweeping_day": "清明节",
    "labour_day": "劳动节",
    "dragon_boat_festival": "端午节",
    "national_day": "国庆节",
    "mid_autumn_festival": "中秋节",
    "anti_fascist_70th_day": "抗战胜利纪念日",
}

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

FIELD_TYPES: dict[str, str] = {
    "count": "整数",
    "money": "金额（万元）",
    "rate": "百分比",
    "text": "文字",
    "date": "日期",
    "phone": "电话号码",
    "email": "电子邮箱",
}

MESSAGES: dict[str, str] = {
    # campaign file
    "campaign.syntax": "活动配置文件格式错误：{detail}",
    "campaign.missing": "缺少必填的键“{key}”",
    "campaign.unknown_key": "未知的键“{key}”（可用的键：{allowed}）",
    "campaign.type": "键“{key}”的值应为{expected}，实际是“{value}”",
    "campaign.choice": "键“{key}”的值“{value}”无效，应为以下之一：{choices}",
    "campaign.ref": "键“{key}”引用了不存在的{kind}“{value}”",
    "campaign.date": "键“{key}”的值“{value}”不是有效日期（格式：2024-03-28）",
    "campaign.duplicate": "键“{key}”的值“{value}”重复",
    "campaign.rule": "规则“{rule}”的表达式“{expr}”无法解析：{detail}",
    "campaign.unreadable": "无法读取活动配置文件：{detail}",
    "campaign.location": "{file} 第 {line} 行，{key}：{message}",
    "campaign.location_noline": "{file}，{key}：{message}",
    # units and options
    "unit.unknown_form": "未知的表格“{form}”，可用的表格：{choices}",
    "unit.unknown_milestone": "未知的报送节点“{milestone}”，可用的节点：{choices}",
    "unit.form_not_for_line": "表格“{form}”属于{form_line}条线，不能按{line}条线生成",
    "unit.no_children": "{unit}没有下级报送单位",
    "template.exists": "{path} 已存在且内容不同，未覆盖（可能是已填写的报表）；确需覆盖请加 --force",
    "unit.national_template": "全国是汇总的最高一级，没有上报的模板；请用 --children 为各省生成模板",
    # calendar facts
    "day.holiday": "{date}（{weekday}）是{holiday}假期，之前最后一个工作日是 {last}（{last_weekday}）",
    "day.weekend": "{date}（{weekday}）是周末，之前最后一个工作日是 {last}（{last_weekday}）",
    "day.no_data": "节假日数据不含 {year} 年（chinesecalendar 仅支持 {first}–{last} 年），未能判断是否为节假日",
    # CLI
    "cli.error": "错误：{message}",
    "cli.usage_hint": "运行“{command} --help”查看用法。",
    "cli.wrote": "已写入 {path}",
    "cli.wrote_count": "共写入 {count} 个文件到 {dir}",
}


def msg(code: str, /, **values: object) -> str:
    """Format the catalogue message `code` with `values`."""
    return MESSAGES[code].format(**values)
