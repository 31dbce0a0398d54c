"""The `reportkit` command line: a thin layer over the library; errors become Chinese text."""

from __future__ import annotations

import os
import re
import sys

import click

from reportkit import __version__
from reportkit.cli.base import RkGroup, UserError, echo

# name -> (module, one-line help). Modules are imported only when their command runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "campaign": (
        "reportkit.cli.campaign_cmd",
        "查看活动：各级单位、报送节点、截止日期（标出节假日）和联系人。",
    ),
    "template": ("reportkit.cli.template_cmd", "生成空白填报模板（单位已预填，带数据校验）。"),
    "validate": (
        "reportkit.cli.validate_cmd",
        "校验报表文件或文件夹，指出哪个文件、哪个单元格、什么问题。",
    ),
    "rollup": (
        "reportkit.cli.rollup_cmd",
        "汇总下级报表：生成本单位统计表和报送情况，所有文件存档入台账。",
    ),
    "status": ("reportkit.cli.status_cmd", "报送情况看板：按时、逾期、缺报、退回、待报。"),
    "history": ("reportkit.cli.history_cmd", "某单位报来的每一个版本（最新的在前）。"),
    "sample": ("reportkit.cli.sample_cmd", "为下级单位生成已填写的演示工作簿。"),
    "report": ("reportkit.cli.report_cmd", "生成公文格式的总结报告（Word），数字取自汇总结果。"),
    "calendar": (
        "reportkit.cli.calendar_cmd",
        "生成截止日期日历（.ics），供 Outlook、苹果、Google 等日历订阅。",
    ),
    "serve": ("reportkit.cli.serve_cmd", "只读的日历订阅服务和报送情况页面。"),
}


@click.group(
    cls=RkGroup,
    lazy=COMMANDS,
    help="reportkit：报送活动（专项治理、监测统计等）报表的模板、校验、汇总、日历和报告工具。",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(
    __version__, "-V", "--version", message="reportkit %(version)s", help="显示版本并退出。"
)
def cli() -> None:
    pass


_QUOTED_OPTION = re.compile(r"'(-{1,2}[\w-]+)'")


def _chinese(message: str) -> str:
    """A click error (already in Chinese, see cli.chinese) with its English quoting tidied:
    "缺少必填选项 '-o' / '--output'." → "缺少必填选项 -o / --output"."""
    text = _QUOTED_OPTION.sub(r"\1", message.strip())
    return text[:-1] if text.endswith(".") else text


def main(argv: list[str] | None = None) -> None:
    """Console entry point: exit 0 ok, 1 findings, 2 bad usage or unusable input."""
    from reportkit.cli import base

    base.ARGV = list(sys.argv[1:] if argv is None else argv)
    try:
        rc = cli.main(args=argv, prog_name="reportkit", standalone_mode=False)
    except click.exceptions.Exit as e:
        rc = e.exit_code
    except click.exceptions.Abort:
        echo("已取消。", err=True)
        rc = 130
    except click.UsageError as e:
        if e.ctx is not None:
            echo(e.ctx.get_usage(), err=True)
            echo(f"运行“{e.ctx.command_path} --help”查看用法。", err=True)
        echo(f"错误：{_chinese(e.format_message())}", err=True)
        rc = 2
    except click.ClickException as e:
        echo(f"错误：{_chinese(e.format_message())}", err=True)
        rc = e.exit_code
    except UserError as e:
        echo(f"错误：{e}", err=True)
        rc = 2
    except OSError as e:  # the machine said no (a path, a permission, a full disk): not our bug
        from reportkit.messages import describe_oserror, msg

        echo(f"错误：{msg('cli.oserror', detail=describe_oserror(e))}", err=True)
        rc = 2
    except KeyboardInterrupt:
        echo("已中断。", err=True)
        rc = 130
    except Exception as e:  # a bug of ours: say so plainly; the traceback only on request
        if os.environ.get("REPORTKIT_DEBUG"):
            raise
        echo(f"reportkit 内部错误：{type(e).__name__}: {e}", err=True)
        echo(
            "这是程序的问题，不是您的文件的问题。设置环境变量 REPORTKIT_DEBUG=1 可看到详细信息。",
            err=True,
        )
        rc = 3
    sys.exit(rc if isinstance(rc, int) else 0)
