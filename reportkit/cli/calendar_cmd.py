"""`reportkit calendar`: deadline calendars (.ics) to import or subscribe to."""

from __future__ import annotations

from pathlib import Path

import click

from reportkit.cli.base import UserError, command, echo, emit_json
from reportkit.cli.options import (
    campaign_option,
    json_option,
    line_option,
    load,
    pick_line,
    resolve_unit,
)
from reportkit.messages import msg


@command(
    "calendar",
    "生成截止日期日历（.ics），可导入或订阅到 Outlook、苹果日历、Google 日历等。\n\n"
    "日历包含：本单位的报送截止日期（报给谁、接收联系人和电话）、下级单位报本单位的截止日期"
    "（多少个单位、用哪个模板）和活动阶段；截止日遇周末或节假日时注明，并给出之前最后一个工作日。"
    "截止日期调整后重新生成，同一事项的序号（SEQUENCE）递增，订阅的日历会更新而不会重复。\n\n"
    "单个日历：--unit U --line L -o 文件.ics。\n\n"
    "--all -o 文件夹：每个单位、每条线各一个日历。不写 --unit 时，为活动文件列出接收联系人的"
    "最低一级单位（内置活动为泰安市）、它的直属下级单位和它的各级上级（内置活动：泰安市、"
    "其 10 个县级单位、山东省和全国）；写 --unit U 时，为 U、U 的直属下级单位和 U 的各级上级。"
    "不写 --line 时每条线都生成。",
)
@campaign_option
@click.option(
    "--unit",
    "unit_text",
    default=None,
    help="单位名称或行政区划代码，如 泰安市、370900；写成机关名称（泰安市应急管理局）时即确定条线。",
)
@line_option
@click.option(
    "--all",
    "all_units",
    is_flag=True,
    help="为多个单位各生成一个日历，写入 -o 指定的文件夹（范围见上文）。",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(),
    help="输出的 .ics 文件；使用 --all 时为输出文件夹。",
)
@click.option(
    "--remind",
    type=click.IntRange(0, 30),
    default=0,
    show_default=True,
    help="另加提醒事项：每个截止日期前 N 个工作日（按国务院节假日安排，含调休）。"
    "Google、Outlook 等不执行订阅日历中的闹钟提醒，需要提醒时使用。",
)
@json_option
def cmd(
    campaign_file: str | None,
    unit_text: str | None,
    line: str | None,
    all_units: bool,
    output: str,
    remind: int,
    as_json: bool,
) -> None:
    from reportkit.io.ics import NotACalendar, feed_filename, write_calendar
    from reportkit.model.deadlines import all_feeds, build_feed

    campaign = load(campaign_file)
    region, office_line = resolve_unit(campaign, unit_text) if unit_text else (None, None)
    wanted = pick_line(campaign, line) or office_line
    if wanted is None and len(campaign.lines) == 1:  # one line: nothing to choose
        wanted = next(iter(campaign.lines))
    out = Path(output)
    jobs = []
    if all_units:
        if out.exists() and not out.is_dir():
            raise UserError(msg("calendar.output_is_file", path=out))
        for feed in all_feeds(campaign, region, [wanted] if wanted else None, remind):
            jobs.append((out / feed_filename(feed), feed))
    else:
        if region is None:
            raise UserError(msg("calendar.need_unit"))
        if wanted is None:
            example = campaign.agency_name(region, next(iter(campaign.lines)))
            raise UserError(
                msg("calendar.need_line", choices=campaign.line_choices(), example=example)
            )
        if out.is_dir():
            raise UserError(msg("calendar.output_is_dir", path=out))
        jobs.append((out, build_feed(campaign, region, wanted, remind)))
    results = []
    for path, feed in jobs:
        try:
            w = write_calendar(path, feed)
        except NotACalendar as e:
            raise UserError(str(e)) from e
        except OSError as e:
            raise UserError(f"{path}：{e.strerror or e}") from e
        results.append(
            {
                "unit": feed.region.code,
                "name": feed.agency,
                "line": feed.line,
                "calendar": feed.name,
                "path": str(w.path),
                "events": w.events,
                "state": w.state,
                "changed": list(w.changed),
            }
        )
    if as_json:
        emit_json({"campaign": campaign.id, "remind": remind, "outputs": results})
        return
    for r in results:
        key = "calendar.unchanged" if r["state"] == "unchanged" else "calendar.wrote"
        echo(msg(key, path=r["path"], events=r["events"]))
    if all_units:
        written = sum(r["state"] == "written" for r in results)
        echo(
            msg(
                "calendar.wrote_count",
                count=len(results),
                written=written,
                unchanged=len(results) - written,
                dir=out,
            )
        )
