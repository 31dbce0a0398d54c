"""`reportkit template`: blank workbooks for a unit or for each of its subordinates."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from reportkit.cli.base import UserError, command, echo_written, emit_json, write_new
from reportkit.cli.options import (
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


def units_for(campaign: Campaign, region: Region, children: bool) -> list[Region]:
    """The unit itself, or each of its subordinates (--children)."""
    if children:
        kids = campaign.children(region)
        if not kids:
            raise UserError(msg("unit.no_children", unit=region.name))
        return kids
    if region.level == "national":
        raise UserError(msg("unit.national_template"))
    return [region]


@command(
    "template",
    "生成空白填报模板（单位已预填，带数据校验）。\n\n"
    "每个输入单元格都有定义名称（RK_行代码_列代码，单项为 RK_字段代码），工作表受保护，只有输入单元格可编辑；"
    "A4 横向打印。使用 --children 为每个下级单位各生成一份。",
)
@campaign_option
@click.option(
    "--unit", "unit_text", required=True, help="单位名称或行政区划代码，如 泰安市、370900。"
)
@form_option
@line_option
@click.option("--milestone", default=None, help="预填报送节点；省略则由填报人选择。")
@click.option("--children", is_flag=True, help="为该单位的每个下级单位各生成一份模板。")
@click.option(
    "-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False), help="输出目录。"
)
@click.option(
    "--force", is_flag=True, help="允许覆盖内容不同的同名文件（默认拒绝，以免覆盖已填写的报表）。"
)
@json_option
def cmd(
    campaign_file: str | None,
    unit_text: str,
    form_id: str | None,
    line: str | None,
    milestone: str | None,
    children: bool,
    out_dir: str,
    force: bool,
    as_json: bool,
) -> None:
    from reportkit.io.workbook import workbook_filename
    from reportkit.io.xlsx_writer import write_form_workbook

    campaign = load(campaign_file)
    form = pick_form(campaign, form_id, milestone)
    region, office_line = resolve_unit(campaign, unit_text)
    lines = pick_lines(campaign, form, line, office_line)
    if milestone is not None:
        milestone = pick_milestone(campaign, milestone, form)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for unit in units_for(campaign, region, children):
        for ln in lines:
            path = out / workbook_filename(campaign, form, unit, ln, milestone)

            def write(p: Path, unit: Region = unit, ln: str = ln) -> None:
                write_form_workbook(p, campaign, form, unit, ln, milestone=milestone)

            state = write_new(path, write, force)
            results.append(
                {
                    "unit": unit.code,
                    "name": campaign.agency_name(unit, ln),
                    "line": ln,
                    "path": str(path),
                    "state": state,
                }
            )
    if as_json:
        emit_json({"form": form.id, "outputs": results})
        return
    echo_written(results, out)
