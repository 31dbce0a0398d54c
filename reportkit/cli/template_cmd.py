"""`reportkit template`: blank workbooks for a unit or for each of its subordinates."""

from __future__ import annotations

from pathlib import Path

import click

from reportkit.cli.base import (
    UserError,
    campaign_option,
    command,
    echo_written,
    emit_json,
    form_option,
    json_option,
    line_option,
    load,
    pick_form,
    pick_milestone,
    resolve_unit,
)
from reportkit.messages import msg


def pick_lines(campaign, form, line: str | None, office_line: str | None) -> list[str]:  # type: ignore[no-untyped-def]
    wanted = line or office_line
    lines = list(form.lines(campaign))
    if wanted is None:
        return lines
    if wanted not in lines:
        names = {k: v.name for k, v in campaign.lines.items()}
        raise UserError(
            msg(
                "unit.form_not_for_line",
                form=form.id,
                form_line="、".join(names[x] for x in lines),
                line=names[wanted],
            )
        )
    return [wanted]


def targets(campaign, region, children: bool):  # type: ignore[no-untyped-def]
    if children:
        kids = campaign.children(region)
        if not kids:
            raise UserError(msg("unit.no_children", unit=region.name))
        return kids
    if region.level == "national":
        raise UserError(msg("unit.national_template"))
    return [region]


def write_new(path: Path, write, force: bool) -> str:  # type: ignore[no-untyped-def]
    """Write via `write(tmp_path)`; never replace a different existing file unless forced."""
    if not path.exists():
        write(path)
        return "written"
    tmp = path.with_name(f".{path.name}.new")
    try:
        write(tmp)
        if tmp.read_bytes() == path.read_bytes():
            return "unchanged"
        if not force:
            raise UserError(msg("template.exists", path=path))
        tmp.replace(path)
        return "written"
    finally:
        tmp.unlink(missing_ok=True)


@command(
    "template",
    "生成空白填报模板（单位已预填，带数据校验）。\n\n"
    "每个输入单元格都有定义名称（如 RK_training_self_checked），工作表受保护，只有输入单元格可编辑；"
    "A4 横向打印。使用 --children 为每个下级单位各生成一份。",
)
@campaign_option
@click.option(
    "--unit", "unit_text", required=True, help="单位名称或行政区划代码，如 泰安市、370900。"
)
@form_option
@line_option
@click.option(
    "--milestone", default=None, help="预填报送节点（如 中期、终期）；省略则由填报人选择。"
)
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
    form_id: str,
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
    form = pick_form(campaign, form_id)
    region, office_line = resolve_unit(campaign, unit_text)
    lines = pick_lines(campaign, form, line, office_line)
    if milestone is not None:
        milestone = pick_milestone(campaign, milestone, form)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for unit in targets(campaign, region, children):
        for ln in lines:
            path = out / workbook_filename(campaign, form, unit, ln, milestone)
            state = write_new(
                path,
                lambda p, unit=unit, ln=ln: write_form_workbook(
                    p, campaign, form, unit, ln, milestone=milestone
                ),
                force,
            )
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
