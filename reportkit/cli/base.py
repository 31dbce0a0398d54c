"""Click plumbing: Chinese help, lazy sub-commands, shared options, safe console output."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from typing import Any

import click

HELP_TEXT = "显示此帮助信息并退出。"


class UserError(Exception):
    """Bad usage or unusable input: printed in Chinese, exit code 2."""


class RkCommand(click.Command):
    """A command whose help is laid out in Chinese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        opt = super().get_help_option(ctx)
        if opt is not None:
            opt.help = HELP_TEXT
        return opt

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="用法：")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [r for p in self.get_params(ctx) if (r := p.get_help_record(ctx)) is not None]
        if rows:
            with formatter.section("选项"):
                formatter.write_dl(rows)


class RkGroup(RkCommand, click.Group):
    """The top-level group; sub-commands are imported only when used, so --help starts fast."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]] | None = None, **kw: Any):
        kw.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kw)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy, *super().list_commands(ctx)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, _ = self.lazy[name]
            return importlib.import_module(module).cmd
        return super().get_command(ctx, name)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        RkCommand.format_options(self, ctx, formatter)
        rows = [(name, short) for name, (_, short) in self.lazy.items()]
        with formatter.section("命令"):
            formatter.write_dl(rows)


def command(name: str, help: str) -> Callable[[Callable[..., Any]], click.Command]:
    return click.command(name, cls=RkCommand, help=help, short_help=help.split("\n")[0])


# --- shared options ----------------------------------------------------------------------------


def campaign_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--campaign",
        "campaign_file",
        type=click.Path(dir_okay=False),
        default=None,
        help="活动配置文件（TOML）；默认使用内置的 2024 年专项治理活动。",
    )(fn)


def json_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--json", "as_json", is_flag=True, help="以 JSON 格式输出到标准输出（供程序读取）。"
    )(fn)


def line_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--line",
        type=click.Choice(["samr", "mem"]),
        default=None,
        help="条线：samr 市场监管，mem 应急管理（表格已确定条线时可省略）。",
    )(fn)


def load(campaign_file: str | None) -> Any:
    """Load the campaign, turning a broken file into a UserError."""
    from reportkit.model.campaign import CampaignError, default_campaign, load_campaign

    try:
        return load_campaign(campaign_file) if campaign_file else default_campaign()
    except CampaignError as e:
        raise UserError(str(e)) from e


def resolve_unit(campaign: Any, text: str) -> tuple[Any, str | None]:
    """A region (and the line, when written as an office name) or a UserError."""
    try:
        return campaign.resolve(text)
    except LookupError as e:
        raise UserError(str(e.args[0]) if e.args else str(e)) from e


# --- output ------------------------------------------------------------------------------------


def echo(text: str = "", err: bool = False, raw: bool = False) -> None:
    """Print text; a console that cannot show a character (GBK) gets a replacement, not a crash.

    Control characters (ESC, CR, OSC sequences, bidirectional overrides) that came from a file
    or its name are printed as visible escapes, so nothing a sender wrote can rewrite the
    screen; `raw` is for text whose only escapes are our own colours (already made safe)."""
    if not raw:
        from reportkit.io.names import printable

        text = printable(text)
    stream = sys.stderr if err else sys.stdout
    try:
        stream.write(text + "\n")
    except UnicodeEncodeError:
        enc = getattr(stream, "encoding", None) or "ascii"
        stream.write((text + "\n").encode(enc, "replace").decode(enc))
    stream.flush()


def emit_json(obj: Any) -> None:
    """JSON on stdout; escaped to ASCII where the console cannot show a character (a GBK
    console and an emoji in a file name), so a program reading it gets the exact text."""
    # indented for a person at a console; one line for a program (the C encoder: a national
    # validate's JSON indented cost more than a tenth of the run)
    indent = 2 if sys.stdout.isatty() else None
    text = json.dumps(obj, ensure_ascii=False, indent=indent, default=str)
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = json.dumps(obj, ensure_ascii=True, indent=indent, default=str)
    echo(text)
