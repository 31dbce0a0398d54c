"""`reportkit sample`: filled demo workbooks for a unit's subordinates."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from reportkit.cli.base import UserError, command, echo_written, emit_json, write_new
from reportkit.cli.options import (
    MILESTONE_HELP,
    campaign_option,
    form_option,
    json_option,
    line_option,
    load,
    pick_form,
    pick_lines,
    pick_milestone,
    resolve_unit,
)
from reportkit.messages import msg

if TYPE_CHECKING:
    from reportkit.model.campaign import Campaign
    from reportkit.model.registry import Region


@command(
    "sample",
    "为下级单位生成已填写的演示工作簿。\n\n数值符合活动的校验规则；相同的 --seed 生成相同的文件。"
    "文件修改时间设为填报时间，便于演示按时/逾期判断。",
)
@campaign_option
@click.option(
    "--unit", "unit_text", required=True, help="上级单位名称或代码；为其每个下级单位生成一份。"
)
@form_option
@click.option("--milestone", required=True, help=MILESTONE_HELP)
@line_option
@click.option("--seed", default=0, show_default=True, type=int, help="随机种子。")
@click.option(
    "-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False), help="输出目录。"
)
@click.option("--force", is_flag=True, help="允许覆盖内容不同的同名文件。")
@json_option
def cmd(
    campaign_file: str | None,
    unit_text: str,
    form_id: str | None,
    milestone: str,
    line: str | None,
    seed: int,
    out_dir: str,
    force: bool,
    as_json: bool,
) -> None:
    from reportkit.io.workbook import workbook_filename
    from reportkit.io.xlsx_writer import write_form_workbook
    from reportkit.sample import sample_header, sample_values

    campaign = load(campaign_file)
    form = pick_form(campaign, form_id, milestone)
    milestone = pick_milestone(campaign, milestone, form)
    region, office_line = resolve_unit(campaign, unit_text)
    lines = pick_lines(campaign, form, line, office_line)
    kids = campaign.children(region)
    if not kids:
        raise UserError(msg("unit.no_children", unit=region.name))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tz = ZoneInfo(campaign.timezone)
    results = []
    for unit in kids:
        for ln in lines:
            values = sample_values(campaign, form, unit, ln, milestone, seed)
            header = sample_header(campaign, unit, ln, milestone, seed)
            path = out / workbook_filename(campaign, form, unit, ln, milestone)

            def write(
                p: Path,
                unit: Region = unit,
                ln: str = ln,
                values: dict[str, Any] = values,
                header: dict[str, Any] = header,
            ) -> None:
                write_form_workbook(
                    p, campaign, form, unit, ln, milestone=milestone, values=values, header=header
                )

            state = write_new(path, write, force)
            filled = _filled_on(campaign, unit, milestone, header)
            stamp = dt.datetime.combine(filled, dt.time(16, 0), tz).timestamp()
            os.utime(path, (stamp, stamp))
            results.append({"unit": unit.code, "line": ln, "path": str(path), "state": state})
    if as_json:
        emit_json({"form": form.id, "milestone": milestone, "outputs": results})
        return
    echo_written(results, out)


def _filled_on(campaign: Campaign, unit: Region, milestone: str, header: dict[str, Any]) -> dt.date:
    """The day the file is dated: its 填报时间; where the campaign's header has none, the day
    before the unit's deadline (its nearest superior's where it has none), else the campaign's
    first day."""
    filled = header.get("filled_on")
    if isinstance(filled, dt.date):
        return filled
    for u in (unit, *campaign.ancestors(unit)):
        deadline = campaign.deadline(milestone, u)
        if deadline is not None:
            return deadline.date - dt.timedelta(days=1)
    return campaign.starts
