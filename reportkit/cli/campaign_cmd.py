"""`reportkit campaign`: the campaign at a glance for one unit; `reportkit campaign check`:
every mistake in a campaign file."""

from __future__ import annotations

import sys
from typing import Any

import click

from reportkit.cli.base import RkCommand, UserError, echo, emit_json, section
from reportkit.cli.options import (
    campaign_option,
    json_option,
    line_option,
    load,
    pick_line,
    resolve_unit,
)

ROLE = {"receives": "本单位接收", "report_to": "上级接收"}


class CampaignGroup(RkCommand, click.Group):
    """`reportkit campaign` shows the campaign; its sub-commands work on campaign files."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        kw.setdefault("subcommand_metavar", "[子命令 [参数]...]")
        super().__init__(*args, **kw)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        RkCommand.format_options(self, ctx, formatter)
        rows = [(name, c.get_short_help_str(200)) for name, c in self.commands.items()]
        section(formatter, "子命令", rows)


@click.group(
    "campaign",
    cls=CampaignGroup,
    invoke_without_command=True,
    help="查看活动：各级单位、报送节点、截止日期（标出节假日）和联系人。\n\n"
    "截止日期遇周末或法定节假日时，给出之前最后一个工作日。",
    short_help="查看活动：各级单位、报送节点、截止日期（标出节假日）和联系人。",
)
@campaign_option
@click.option(
    "--unit",
    "unit_text",
    default=None,
    help="单位名称或行政区划代码，如 泰安市、370900（默认：活动的最高单位，如全国）。",
)
@line_option
@json_option
@click.pass_context
def cmd(
    ctx: click.Context,
    campaign_file: str | None,
    unit_text: str | None,
    line: str | None,
    as_json: bool,
) -> None:
    from reportkit.model.overview import overview

    if ctx.invoked_subcommand is not None:
        return
    campaign = load(campaign_file)
    if unit_text is None:
        region, office_line = campaign.top, None
    else:
        region, office_line = resolve_unit(campaign, unit_text)
    data = overview(campaign, region, pick_line(campaign, line) or office_line)
    if as_json:
        emit_json(data)
        return
    render(data)


def render(d: dict) -> None:
    u = d["unit"]
    echo(f"{d['campaign']['name']}（{d['campaign']['year']}）")
    level = u["level_name"]
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
    if d["phases"]:
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
    # ! a weekend or holiday; ? a year whose holiday arrangement nobody here knows yet
    mark = {False: "! ", None: "? "}.get(x["workday"], "  ")
    echo(f"{mark}{x['date']}（{x['weekday']}）  {x['what']}{suffix}")
    if x["note"]:
        echo(f"      {x['note']}")


@cmd.command(
    "check",
    cls=RkCommand,
    help="检查活动文件：逐条列出每个错误（哪一行、哪个键、错在哪里）。\n\n"
    "路径可以是活动文件夹（含 campaign.toml，同时检查 report.toml 和 sample.toml）或单个活动"
    "文件。没有错误时退出码为 0，有错误时为 1。",
    short_help="检查活动文件，逐条列出错误（行号、键、原因）。",
)
@click.argument("path", metavar="路径", type=click.Path())
@json_option
def check_cmd(path: str, as_json: bool) -> None:
    from pathlib import Path

    from reportkit.messages import msg
    from reportkit.model.campaign import check_campaign

    if not Path(path).exists():
        raise UserError(msg("cli.no_such_path", path=path))
    errors = check_campaign(path)
    if as_json:
        emit_json(
            {
                "path": path,
                "ok": not errors,
                "errors": [
                    {"file": e.file, "line": e.line, "key": e.key, "message": e.message}
                    for e in errors
                ],
            }
        )
    else:
        for e in errors:
            echo(str(e))
        echo(
            msg("campaign.check_ok", path=path)
            if not errors
            else msg("campaign.check_errors", path=path, count=len(errors))
        )
    if errors:
        sys.exit(1)


@cmd.command(
    "init",
    cls=RkCommand,
    help="由通知中的官方统计表起草活动文件：读取 Word 文档（.docx）里的表格或录入 Excel（.xlsx）"
    "的表格，写出活动草稿（TOML）。\n\n"
    "草稿含表名、附件号、行（总计/合计行标为合计，“其中”行注明属于哪一行）、列（跨列的合并表头"
    "作为分组，类型和单位按标签中的“(家)”“(万元)”“(%)”等猜出）、单个数值和表头字段；每个猜测都有"
    "注释写明依据。id 由拼音首字母生成，请作者改名；报送链、条线、截止日期和校验规则留给作者填写。"
    "输出文件已存在且内容不同时不覆盖，除非加 --force（原文件先另存一份）。",
    short_help="由官方统计表（.docx/.xlsx）起草活动文件（TOML）。",
)
@click.option(
    "--from",
    "source",
    required=True,
    metavar="TABLE",
    type=click.Path(dir_okay=False),
    help="官方统计表：Word 文档（.docx）或 Excel 工作簿（.xlsx）。",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="写出的活动草稿，如 campaign.toml。",
)
@click.option(
    "--force",
    is_flag=True,
    help="输出文件已存在且内容不同时也覆盖（原文件先另存为“文件名（原文件 修改时间）.toml”）。",
)
@json_option
def init_cmd(source: str, output: str, force: bool, as_json: bool) -> None:
    import datetime as dt
    import os
    from pathlib import Path

    from reportkit.draft import DraftError, draft_toml
    from reportkit.io.atomic import atomic_write, keep_aside
    from reportkit.io.tables import MAX_TABLES, TableFileError, read_tables
    from reportkit.messages import msg
    from reportkit.model.campaign import tomllib

    src, out = Path(source), Path(output)
    if not src.exists():
        raise UserError(msg("cli.no_such_path", path=source))
    if out.exists() and os.path.samefile(src, out):
        raise UserError(msg("draft.same_file", path=output))
    try:
        found = read_tables(src)
        text, draft = draft_toml(found.tables, src.name)
    except (TableFileError, DraftError) as e:
        raise UserError(str(e)) from None
    tomllib.loads(text)  # the draft is valid TOML whatever the table held (a bug otherwise)
    data = text.encode("utf-8")

    state, kept = "written", None
    if out.exists():
        saved = dt.datetime.fromtimestamp(out.stat().st_mtime)
        stamp = saved.strftime("%Y%m%d-%H%M%S")
        aside = out.with_name(msg("draft.kept_name", stem=out.stem, stamp=stamp, suffix=out.suffix))
        n = 2
        while aside.exists():
            aside = out.with_name(
                msg("draft.kept_name", stem=out.stem, stamp=f"{stamp}-{n}", suffix=out.suffix)
            )
            n += 1
        if out.is_file() and out.read_bytes() == data:
            state = "unchanged"
        elif not force:
            raise UserError(msg("draft.exists", path=output, kept=aside.name))
        else:
            kept = keep_aside(out, aside)
            try:
                atomic_write(out, data)
            except OSError:
                kept.unlink(missing_ok=True)  # the original is still in place
                raise
            state = "replaced"
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, data)

    forms = [
        {
            "id": f.id,
            "name": f.name,
            "attachment": f.attachment,
            "rows": [e.label for e in f.rows],
            "columns": [e.label for e in f.columns],
            "fields": [e.label for e in f.fields],
        }
        for f in draft.forms
    ]
    if as_json:
        emit_json(
            {
                "path": output,
                "state": state,
                "kept": str(kept) if kept else None,
                "forms": forms,
                "left_out": found.left_out,
            }
        )
        return
    if state == "unchanged":
        echo(msg("draft.unchanged", path=output))
    else:
        echo(msg("draft.wrote", path=output, count=len(forms)))
    for f in draft.forms:
        if f.layout == "list":
            name = f.name or msg("draft.no_name_short")
            echo(msg("draft.wrote_list", id=f.id, name=name, columns=len(f.columns)))
            continue
        echo(
            msg(
                "draft.wrote_form",
                id=f.id,
                name=f.name or msg("draft.no_name_short"),
                rows=len(f.rows),
                columns=len(f.columns),
                fields=len(f.fields),
            )
        )
    if kept is not None:
        echo(msg("draft.kept", path=output, kept=kept))
    if found.left_out:
        echo(msg("draft.left_out", count=found.left_out, limit=MAX_TABLES), err=True)
    echo(msg("draft.next", path=output))
