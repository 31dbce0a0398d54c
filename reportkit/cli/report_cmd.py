"""`reportkit report`: a roll-up → the Word summary report in official-document format."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

import click

from reportkit.cli.base import (
    UserError,
    campaign_option,
    command,
    echo,
    emit_json,
    json_option,
    line_option,
    load,
)
from reportkit.cli.rollup_cmd import resolve_target, target_options
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
@line_option
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
    form_id: str,
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
    from reportkit.report.charts import ChartFontError
    from reportkit.report.compile import find_narratives
    from reportkit.report.content import build_content
    from reportkit.report.docx_writer import TemplateError, render_report
    from reportkit.report.fonts import ROLES, parse_overrides
    from reportkit.report.source import SourceError, load_rollup, rollup_date

    campaign = load(campaign_file)
    region, form, milestone, chosen = resolve_target(campaign, unit_text, form_id, milestone, line)
    if milestone not in ("midterm", "final", "deploy"):
        raise UserError(msg("report.no_report", milestone=milestone))
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
    day = _date(date_text) if date_text is not None else None
    try:
        data = load_rollup(campaign, Path(source), region.code, form.id, milestone, chosen)
    except SourceError as e:
        raise UserError(str(e)) from e
    if day is None:
        due = campaign.deadline(milestone, region)
        day = rollup_date(data, due.date if due else None, _today(campaign.timezone))
    out = Path(out_file)
    if out.suffix.lower() != ".docx":
        out = out.with_suffix(out.suffix + ".docx") if out.suffix else out.with_suffix(".docx")
    with contextlib.ExitStack() as stack:
        found, skipped = [], []
        if inbox:
            found, skipped = stack.enter_context(
                find_narratives(campaign, region, chosen, milestone, [Path(p) for p in inbox])
            )
        content = build_content(
            campaign, data, date=day, narratives=found, letterhead=not no_letterhead
        )
        word_fonts = {k: v for k, v in overrides.items() if k != "chart"}
        try:
            docx, written = render_report(
                content,
                template=Path(template) if template else None,
                font_overrides=word_fonts,
                chart_font=overrides.get("chart", ""),
            )
        except TemplateError as e:
            raise UserError(msg("report.bad_template", path=template, detail=e)) from e
        except ChartFontError as e:
            raise UserError(msg("report.no_chart_font")) from e
    try:
        state, kept = place(out, docx, force, campaign.timezone)
    except OSError as e:
        raise UserError(msg("report.output_failed", path=out, detail=e.strerror or e)) from e
    problems = any(data.counts.get(s, 0) for s in ("late", "missing", "rejected"))
    result: dict[str, Any] = {
        "output": str(out),
        "state": state,  # written | unchanged | replaced
        "kept": str(kept) if kept else None,  # the file it replaced, kept beside it
        "unit": data.agency,
        "form": form.id,
        "milestone": milestone,
        "line": chosen,
        "date": day.isoformat(),
        "complete": data.complete,
        "counts": data.counts,
        "attachments": written.attachments,
        "documents": [
            {"file": n.shown_as, "unit": n.source.name, "kind": n.kind, "title": n.title}
            for n in found
        ],
        "skipped": [{"file": s.shown_as, "reason": s.reason} for s in skipped],
        "warnings": written.warnings,
    }
    if as_json:
        emit_json(result)
    else:
        for s in skipped:
            echo(msg("report.skipped", file=s.shown_as, reason=s.reason), err=True)
        for w in written.warnings:
            echo(w, err=True)
        if not data.complete:
            detail = content.context["s"]["not_counted_names"] or "部分单位"
            echo(msg("report.incomplete", detail=detail))
        if state == "unchanged":
            echo(msg("report.unchanged", path=out))
        else:
            docs = written.documents
            echo(msg("report.wrote", path=out, count=len(written.attachments), docs=docs))
        if kept:
            echo(msg("report.kept", path=out, kept=kept))
    raise SystemExit(1 if problems else 0)


def place(out: Path, data: bytes, force: bool, tz: str) -> tuple[str, Path | None]:
    """Write the report to `out` without ever losing a file staff have worked on: the same
    bytes are left alone; different ones are refused unless forced, and then the file they
    replace is kept beside it first. (state, the kept file)"""
    from reportkit.io.atomic import atomic_write, keep_aside

    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, data)
        return "written", None
    if out.is_file() and out.read_bytes() == data:
        return "unchanged", None
    if not force:
        raise UserError(msg("report.exists", path=out, kept=_aside(out, tz).name))
    aside = keep_aside(out, _aside(out, tz))
    try:
        atomic_write(out, data)
    except OSError:
        aside.unlink(missing_ok=True)  # the original is still in place: no second copy
        raise
    return "replaced", aside


def _aside(out: Path, tz: str) -> Path:
    """报告.docx → 报告（原文件 20241104-153000）.docx, from when the file was last saved; a
    name already taken gets -2, -3…"""
    from zoneinfo import ZoneInfo

    saved = dt.datetime.fromtimestamp(out.stat().st_mtime, ZoneInfo(tz))
    stamp = saved.strftime("%Y%m%d-%H%M%S")
    name = msg("report.kept_name", stem=out.stem, stamp=stamp, suffix=out.suffix)
    n = 2
    while (out.parent / name).exists():
        name = msg("report.kept_name", stem=out.stem, stamp=f"{stamp}-{n}", suffix=out.suffix)
        n += 1
    return out.parent / name


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        raise UserError(msg("report.bad_date", text=text)) from None


def _today(tz: str) -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(tz)).date()
