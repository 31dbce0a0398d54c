"""`reportkit campaign`: the campaign at a glance for one unit."""

from __future__ import annotations

import click

from reportkit.cli.base import command, echo, emit_json
from reportkit.cli.options import (
    campaign_option,
    json_option,
    line_option,
    load,
    pick_line,
    resolve_unit,
)

LEVEL_NAMES = {"national": "国家级", "province": "省级", "city": "市级", "county": "县级"}
ROLE = {"receives": "本单位接收", "report_to": "上级接收"}


@command(
    "campaign",
    "查看活动：各级单位、报送节点、截止日期（标出节假日）和联系人。\n\n"
    "截止日期遇周末或法定节假日时，给出之前最后一个工作日。",
)
@campaign_option
@click.option(
    "--unit",
    "unit_text",
    default="全国",
    show_default=True,
    help="单位名称或行政区划代码，如 泰安市、370900。",
)
@line_option
@json_option
def cmd(campaign_file: str | None, unit_text: str, line: str | None, as_json: bool) -> None:
    from reportkit.model.overview import overview

    campaign = load(campaign_file)
    region, office_line = resolve_unit(campaign, unit_text)
    data = overview(campaign, region, pick_line(campaign, line) or office_line)
    if as_json:
        emit_json(data)
        return
    render(data)


def render(d: dict) -> None:
    u = d["unit"]
    echo(f"{d['campaign']['name']}（{d['campaign']['year']}）")
    level = LEVEL_NAMES.get(u["level"], u["level"])
    parent = f"，上级：{u['parent']['name']}（{u['parent']['code']}）" if u["parent"] else ""
    echo(f"单位：{u['full_name']}（{u['code']}，{level}{parent}）")
    echo("报送机关：" + "；".join(u["agencies"].values()))
    echo()
    if d["own_deadlines"]:
        echo(f"本单位报送截止日期（报 {u['parent']['name']}）：")
        for x in d["own_deadlines"]:
            _deadline_line(x)
        echo()
    if d["subordinate_deadlines"]:
        echo(f"下级报送截止日期（{u['children']} 个下级单位报本单位）：")
        for x in d["subordinate_deadlines"]:
            _deadline_line(x, f"（{x['count']} 个单位）" if x["count"] != u["children"] else "")
        echo()
    for x in d["anytime"]:
        echo(f"随时报送：{x['what']}")
    echo("活动阶段：" + "；".join(f"{p['name']}（{p['ends']} 前）" for p in d["phases"]))
    if d["contacts"]:
        echo()
        echo("联系人：")
        for c in d["contacts"]:
            email = f"，邮箱 {c['email']}" if c["email"] else ""
            echo(
                f"  {ROLE[c['role']]}  {c['office']} {c['name']}，电话 {' '.join(c['phones'])}{email}"
            )


def _deadline_line(x: dict, suffix: str = "") -> None:
    mark = "  " if x["workday"] is not False else "! "
    echo(f"{mark}{x['date']}（{x['weekday']}）  {x['what']}{suffix}")
    if x["note"]:
        echo(f"      {x['note']}")
