"""`reportkit rollup`: a folder of subordinates' workbooks → the unit's official table."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reportkit.cli.base import UserError, command, echo, emit_json
from reportkit.cli.board import now, render_board
from reportkit.cli.options import (
    as_of_option,
    campaign_option,
    json_option,
    ledger_location,
    ledger_option,
    load,
    parse_as_of,
    resolve_target,
    target_options,
)
from reportkit.messages import describe_oserror, msg


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
    form_id: str | None,
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
    from reportkit.rollup.job import job_summary, run_rollup

    campaign = load(campaign_file)
    target = resolve_target(campaign, unit_text, form_id, milestone, line)
    missing = [p for p in inbox if not Path(p).exists()]
    if missing:
        raise UserError(msg("cli.no_such_path", path="、".join(missing)))
    as_of = parse_as_of(as_of_text, campaign.timezone)
    try:
        job = run_rollup(
            target,
            [Path(p) for p in inbox],
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
    data = job_summary(job, as_of or now(campaign))
    if as_json:
        emit_json(data)
    else:
        render_board(campaign, data)
        if job.ignored:
            echo(msg("rollup.ignored_count", count=len(job.ignored)))
        echo(msg("rollup.parsed_count", parsed=job.ingested, reused=job.reused))
        echo(msg("rollup.outputs", paths="、".join(p for p in job.outputs if p.endswith(".xlsx"))))
        for notice in job.notices:
            echo(msg("rollup.notice", notice=notice))
    raise SystemExit(1 if job.failed else 0)
