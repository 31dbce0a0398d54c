"""`reportkit rollup`: a folder of subordinates' workbooks → the unit's official table."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from reportkit.cli.base import (
    MILESTONE_HELP,
    UserError,
    campaign_option,
    command,
    echo,
    emit_json,
    form_option,
    json_option,
    line_option,
    load,
    pick_form,
    pick_milestone,
    resolve_unit,
)
from reportkit.messages import chinese_date, chinese_time, describe_oserror, msg

COLOURS = {
    "on_time": "green",
    "late": "yellow",
    "missing": "red",
    "rejected": "red",
    "pending": "cyan",
}
SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}


def ledger_option(fn: Any) -> Any:
    return click.option(
        "--ledger",
        "ledger_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="台账数据库路径（必须在本机磁盘上）；默认在用户数据目录，可用环境变量 REPORTKIT_HOME 指定。",
    )(fn)


def as_of_option(fn: Any) -> Any:
    return click.option(
        "--as-of",
        "as_of_text",
        default=None,
        help="按这一时刻判断报送状态，如 2024-11-02 或 2024-11-02T18:00（默认现在）。",
    )(fn)


def target_options(fn: Any) -> Any:
    fn = click.option("--milestone", required=True, help=MILESTONE_HELP)(fn)
    fn = form_option(fn)
    fn = click.option("--unit", "unit_text", required=True, help="汇总单位名称或代码，如 泰安市。")(
        fn
    )
    return fn


def parse_as_of(text: str | None, tz: str) -> dt.datetime | None:
    from zoneinfo import ZoneInfo

    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        raise UserError(msg("cli.bad_datetime", text=text)) from None
    if value.tzinfo is None:
        if len(text.strip()) <= 10:  # a date alone: the end of that day
            value += dt.timedelta(days=1) - dt.timedelta(microseconds=1)
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value


def resolve_target(
    campaign: Any, unit_text: str, form_id: str, milestone: str, line: str | None
) -> tuple:
    """(unit, form, milestone id, line) as a clerk named them (泰安市, 附件2, 终期), or a
    UserError saying what is wrong."""
    form = pick_form(campaign, form_id)
    milestone = pick_milestone(campaign, milestone, form)
    region, office_line = resolve_unit(campaign, unit_text)
    lines = form.lines(campaign)
    chosen = line or office_line or (lines[0] if len(lines) == 1 else None)
    if chosen is None:
        raise UserError(msg("rollup.no_line", form=form.id))
    if chosen not in lines:
        raise UserError(
            msg(
                "unit.form_not_for_line",
                form=form.id,
                form_line="、".join(campaign.lines[x].name for x in lines),
                line=campaign.lines[chosen].name,
            )
        )
    if not campaign.children(region):
        raise UserError(msg("unit.no_children", unit=region.name))
    return region, form, milestone, chosen


def ledger_location(value: str | None) -> Path:
    from reportkit.io.ledger import default_home

    return Path(value) if value else default_home() / "ledger.sqlite"


class Progress:
    """A one-line progress display on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.on = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.on and total:
            sys.stderr.write(f"\r读取报表 {done}/{total} …")
            if done == total:
                sys.stderr.write("\r" + " " * 30 + "\r")
            sys.stderr.flush()


@command(
    "rollup",
    "汇总：把下级单位报来的工作簿汇总成本单位的统计表，并给出报送情况。\n\n"
    "递归读取收件箱（文件夹或 .zip 压缩包），逐个校验；有效报表按最新有效版本汇总（数量相加，罚没款按"
    "万元精确相加，覆盖率按分子分母重新计算）。输出 OUT/<代码>-<表格>-<节点>.xlsx（可直接作为本单位向上级的"
    "报送）和同名 .json。每个收到的文件都按内容存档并记入台账。\n\n"
    "退出码：0 全部按时有效；1 有缺报、逾期、退回或无法读取的文件；2 用法错误。",
)
@click.argument("inbox", nargs=-1, required=True, type=click.Path(), metavar="收件箱...")
@target_options
@line_option
@click.option(
    "-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False), help="输出目录。"
)
@as_of_option
@ledger_option
@campaign_option
@click.option("--jobs", type=int, default=None, help="并行读取的进程数（默认等于 CPU 核数）。")
@click.option(
    "--wait",
    type=float,
    default=60.0,
    show_default=True,
    help="台账被另一次汇总占用时最多等待的秒数。",
)
@click.option(
    "--settle",
    type=float,
    default=2.0,
    show_default=True,
    help="修改时间距今不到这么多秒的文件视为正在写入，本次跳过、下次再读。",
)
@json_option
def cmd(
    inbox: tuple[str, ...],
    unit_text: str,
    form_id: str,
    milestone: str,
    line: str | None,
    out_dir: str,
    as_of_text: str | None,
    ledger_path: str | None,
    campaign_file: str | None,
    jobs: int | None,
    wait: float,
    settle: float,
    as_json: bool,
) -> None:
    from reportkit.io.ledger import LedgerError
    from reportkit.rollup.job import run_rollup
    from reportkit.rollup.summary import summary

    campaign = load(campaign_file)
    region, form, milestone, chosen = resolve_target(campaign, unit_text, form_id, milestone, line)
    missing = [p for p in inbox if not Path(p).exists()]
    if missing:
        raise UserError(msg("cli.no_such_path", path="、".join(missing)))
    as_of = parse_as_of(as_of_text, campaign.timezone)
    try:
        job = run_rollup(
            campaign,
            [Path(p) for p in inbox],
            region,
            form,
            milestone,
            chosen,
            Path(out_dir),
            ledger_location(ledger_path),
            as_of=as_of,
            campaign_file=campaign_file,
            jobs=jobs,
            wait=wait,
            settle=settle,
            progress=None if as_json else Progress(),
        )
    except LedgerError as e:
        raise UserError(str(e)) from e
    except OSError as e:
        raise UserError(
            msg(
                "rollup.output_failed",
                path=e.filename or out_dir,
                detail=describe_oserror(e, with_file=False),
            )
        ) from e
    data = summary(campaign, job.result, job.as_of or as_of or _now(campaign))
    if job.moment is not None:
        data["moment"] = job.moment.isoformat(timespec="seconds")
        data["filled_on"] = job.moment.date().isoformat()
    data["notices"] = list(job.notices)
    data["outputs"] = list(job.outputs)
    data["inbox_issues"] = [i.to_dict() for i in job.issues]
    data["ignored"] = [i.to_dict() for i in job.ignored]
    data["files"] = {"parsed": job.ingested, "unchanged": job.reused}
    failed = job.result.problems or any(i.severity == "error" for i in job.issues)
    if as_json:
        emit_json(data)
    else:
        render_board(campaign, data)
        if job.ignored:
            echo(f"另有 {len(job.ignored)} 个文件属于其他表格或报送节点，已忽略。")
        echo(
            f"本次解析 {job.ingested} 个文件；{job.reused} 个文件的内容台账中已有（未变化或重复），"
            "直接使用台账记录。"
        )
        echo("输出：" + "、".join(p for p in job.outputs if p.endswith(".xlsx")))
        for notice in job.notices:
            echo("注意：" + notice)
    raise SystemExit(1 if failed else 0)


def _now(campaign: Any) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(campaign.timezone))


def _pad(text: str, width: int) -> str:
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def render_board(campaign: Any, data: dict) -> None:
    """The completeness board: one line per subordinate, then the problems."""
    from reportkit.io.names import printable
    from reportkit.rollup import STATUS_NAMES

    colour = sys.stdout.isatty()
    ms = campaign.milestones[data["milestone"]]
    form = campaign.forms[data["form"]]
    echo(f"{data['unit']} · {form.name} · {ms.name}")
    as_of = chinese_time(dt.datetime.fromisoformat(data["as_of"]))
    echo(f"截至 {as_of}" + ("" if data["complete"] else "  （不完整）"))
    echo()
    width = max([len(c["unit"]) for c in data["children"]] + [4])
    for c in data["children"]:
        status = STATUS_NAMES[c["status"]]
        text = f"{status:<4}"
        if colour:
            text = click.style(text, fg=COLOURS[c["status"]])
        due = chinese_date(dt.date.fromisoformat(c["deadline"])) if c["deadline"] else "—"
        got = chinese_time(dt.datetime.fromisoformat(c["received_at"])) if c["received_at"] else "—"
        pad = " " * (2 * (width - len(c["unit"])))
        # dates of one more or one fewer digit keep the columns: padded by display width
        line = f"  {printable(c['unit'])}{pad}  {text}  截止 {_pad(due, 15)}  收到 {_pad(got, 21)}"
        if c["note"]:
            line += f"  {printable(c['note'])}"
        echo(line, raw=True)  # the colour is ours; everything else was made printable
    counts = data["counts"]
    echo()
    echo(
        "，".join(
            f"{STATUS_NAMES[s]} {counts[s]}"
            for s in ("on_time", "late", "missing", "rejected", "pending")
        )
    )
    problems = [i for i in data["issues"] + data.get("inbox_issues", []) if i["severity"] != "info"]
    if problems:
        echo()
        echo("问题：")
        for i in problems:
            where = "!".join(x for x in (i.get("sheet"), i.get("cell")) if x)
            name = Path(i["file"]).name if i.get("file") else ""
            echo(
                f"  {SEVERITY[i['severity']]}  {name}  {where}  {i['message']}".replace(
                    "    ", "  "
                )
            )
