"""`reportkit report`: a roll-up → the Word summary report in official-document format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from reportkit.cli.base import UserError, command, echo, emit_json
from reportkit.cli.options import (
    campaign_option,
    json_option,
    load,
    resolve_target,
    target_options,
)
from reportkit.messages import msg


@command(
    "report",
    "生成总结报告（Word，公文格式）：数字全部取自汇总结果。\n\n"
    "按 GB/T 9704-2012 排版（A4，上 37、下 35、左 28、右 26 毫米；标题二号小标宋，正文三号仿宋，"
    "每页 22 行、每行 28 字；页码“— 1 —”单页居右、双页居左）。内容：基本情况（由统计数字写成）、"
    "各地对比和图表、报送情况、存在问题（来自校验警告）、下一步工作（留给工作人员填写）；附件为"
    "官方统计表和各下级单位明细表。--inbox 中下级单位报来的 Word 材料（总结、经验做法、典型案例）"
    "按单位顺序编为后续附件。\n\n"
    "措辞在 Word 模板里，可在 Word/WPS 中修改后用 --template 指定（模板见仓库 templates/docx/）。\n\n"
    "退出码：0 正常；1 报告已生成，但汇总有缺报、逾期或退回；2 用法错误或输入无法使用。",
)
@target_options
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(),
    help="reportkit rollup 的输出目录（或其中的 .json 文件）。",
)
@click.option(
    "-o",
    "--output",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="输出的 Word 文件（.docx）。",
)
@click.option(
    "--inbox",
    multiple=True,
    type=click.Path(),
    help="收件箱（文件夹或 .zip）：其中下级单位的 .docx 材料编为附件；可写多次。",
)
@click.option("--template", type=click.Path(dir_okay=False), help="修改过的 Word 模板（.docx）。")
@click.option(
    "--date",
    "date_text",
    default=None,
    help="报告的日期，如 2024-11-04：成文日期、正文的“截至…”和附件的填报时间都用它（默认取汇总结果的"
    "填报时间，即汇总时的 --as-of 或最后一个下级单位报来的日期，不晚于本单位的报送截止日期）。",
)
@click.option(
    "--font",
    "fonts",
    multiple=True,
    metavar="角色=字体",
    help="更换字体，如 --font title=华文中宋；角色：title body heading1 heading2 page latin "
    "table chart（chart 可写字体文件路径）。可写多次。",
)
@click.option(
    "--force",
    is_flag=True,
    help="报告文件已存在且内容不同（可能已有人填写）时仍重新生成；原文件先另存为“文件名（原文件 "
    "修改时间）.docx”，不会丢失。",
)
@click.option(
    "--no-letterhead", is_flag=True, help="不要版头（发文机关标志、发文字号和红色分隔线）。"
)
@campaign_option
@json_option
def cmd(
    unit_text: str,
    form_id: str | None,
    milestone: str,
    line: str | None,
    source: str,
    out_file: str,
    inbox: tuple[str, ...],
    template: str | None,
    date_text: str | None,
    fonts: tuple[str, ...],
    force: bool,
    no_letterhead: bool,
    campaign_file: str | None,
    as_json: bool,
) -> None:
    from reportkit.report.fonts import ROLES, parse_overrides
    from reportkit.report.job import ReportError, make_report, summary

    campaign = load(campaign_file)
    target = resolve_target(campaign, unit_text, form_id, milestone, line)
    # a --from that does not exist is a roll-up not yet run: load_rollup says which to run
    missing = [p for p in inbox if not Path(p).exists()]
    if template:
        missing += [template] if not Path(template).is_file() else []
    if missing:
        raise UserError(msg("cli.no_such_path", path="、".join(missing)))
    try:
        overrides = parse_overrides(fonts)
    except ValueError as e:
        raise UserError(msg("report.bad_font", item=e.args[0], roles=" ".join(ROLES))) from e
    try:
        job = make_report(
            target,
            Path(source),
            Path(out_file),
            inbox=[Path(p) for p in inbox],
            template=Path(template) if template else None,
            day=_date(date_text) if date_text is not None else None,
            fonts=overrides,
            letterhead=not no_letterhead,
            force=force,
        )
    except ReportError as e:
        raise UserError(str(e)) from e
    if as_json:
        emit_json(summary(job))
    else:
        for s in job.skipped:
            echo(msg("report.skipped", file=s.shown_as, reason=s.reason), err=True)
        for w in job.warnings:
            echo(w, err=True)
        if not job.data.complete:
            detail = job.content.context["s"]["not_counted_names"] or "部分单位"
            echo(msg("report.incomplete", detail=detail))
        if job.state == "unchanged":
            echo(msg("report.unchanged", path=job.out))
        else:
            echo(msg("report.wrote", path=job.out, count=len(job.attachments), docs=job.documents))
        if job.kept:
            echo(msg("report.kept", path=job.out, kept=job.kept))
    raise SystemExit(1 if job.problems else 0)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        raise UserError(msg("report.bad_date", text=text)) from None
