"""Click plumbing: Chinese help, lazy sub-commands, shared options, safe console output."""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from reportkit.cli import chinese

chinese.install()  # click's own words (usage, help, errors) in Chinese

HELP_TEXT = "显示此帮助信息并退出。"


class UserError(Exception):
    """Bad usage or unusable input: printed in Chinese, exit code 2."""


# the words of the command line being run (reportkit.cli.main sets them): --help lists the
# choices of the campaign a `--campaign` among them names
ARGV: list[str] = []


def _campaign_choices() -> dict[str, str]:
    """--form, --milestone and --line's values in the campaign the command line names (the
    packaged one when it names none), for the help; empty when it cannot be read."""
    try:
        from reportkit.model.campaign import default_campaign, load_campaign

        path = next((ARGV[i + 1] for i, a in enumerate(ARGV[:-1]) if a == "--campaign"), None)
        for a in ARGV:
            if a.startswith("--campaign="):
                path = a.split("=", 1)[1]
        campaign = load_campaign(path) if path else default_campaign()
    except Exception:  # a broken campaign file is reported when the command runs, not here
        return {}
    milestones = [m for m in campaign.milestones if campaign.milestones[m].forms]
    return {
        "form_id": campaign.form_choices(),
        "milestone": "、".join(campaign.milestone_label(m) for m in milestones),
        "line": campaign.line_choices(),
    }


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
        rows = [
            _chinese_row(r)
            for p in self.get_params(ctx)
            if (r := p.get_help_record(ctx)) is not None
        ]
        names = {p.name for p in self.get_params(ctx)}
        if names & {"form_id", "milestone", "line"} and "campaign_file" in names:
            choices = _campaign_choices()
            by_option = {"--form": "form_id", "--milestone": "milestone", "--line": "line"}
            rows = [
                (opts, f"{text}本活动可选：{choices[by_option[opts.split()[0]]]}。")
                if opts.split()[0] in by_option and choices.get(by_option[opts.split()[0]])
                else (opts, text)
                for opts, text in rows
            ]
        if rows:
            section(formatter, "选项", rows)


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
        section(formatter, "命令", [(name, short) for name, (_, short) in self.lazy.items()])


def section(formatter: click.HelpFormatter, heading: str, rows: list[tuple[str, str]]) -> None:
    """A help section headed the Chinese way (full-width colon), its two columns aligned and
    wrapped by display width (a Chinese character takes two columns; click counts one)."""
    formatter.write_paragraph()
    indent = " " * (formatter.current_indent + 2)
    formatter.write(f"{'':>{formatter.current_indent}}{heading}：\n")
    first = min(max((_width(a) for a, _ in rows), default=0), 30)
    room = max((formatter.width or 80) - len(indent) - first - 2, 20)
    for left, right in rows:
        lines = _wrap(right, room) or [""]
        if _width(left) > first:
            formatter.write(f"{indent}{left}\n")
            head = " " * first
        else:
            head = left + " " * (first - _width(left))
        formatter.write(f"{indent}{head}  {lines[0]}\n")
        for more in lines[1:]:
            formatter.write(f"{indent}{' ' * first}  {more}\n")


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_NO_LINE_START = frozenset("，。、；：？！）》」』】”’…")


def _wrap(text: str, room: int) -> list[str]:
    """Lines of at most `room` display columns, broken between characters (Chinese) or at a
    space (words of Latin letters and option names are kept whole)."""
    out: list[str] = []
    for para in text.splitlines() or [""]:
        line, width = "", 0
        for token in re.findall(r"[\x21-\x7e]+|\s|.", para):
            w = _width(token)
            # a closing punctuation mark never starts a line (it stays with what it closes)
            if width + w > room and line.strip() and token not in _NO_LINE_START:
                out.append(line.rstrip())
                line, width = ("", 0) if token.isspace() else (token, w)
                continue
            line, width = line + token, width + w
        out.append(line.rstrip())
    return out


_EXTRA = re.compile(r"\s*\[([^\[\]]*)\]$")


def _chinese_row(row: tuple[str, str]) -> tuple[str, str]:
    """An option's help line with click's type names (TEXT, INTEGER) and its bracketed notes
    ([必填; 默认：60.0; 0<=x<=65535]) in Chinese."""
    opts, text = row
    words = opts.split(" ")
    if words[-1] in chinese.METAVARS or " ".join(words[-2:]) in chinese.METAVARS:
        tail = " ".join(words[-2:]) if " ".join(words[-2:]) in chinese.METAVARS else words[-1]
        opts = opts[: len(opts) - len(tail)] + chinese.METAVARS[tail]
    m = _EXTRA.search(text)
    if m:
        notes = [
            chinese.describe_range(n) if ("x" in n and "<" in n) or ">" in n else n
            for n in (x.strip() for x in m.group(1).split(";"))
        ]
        notes = [
            f"范围 {n}" if " 到 " in n or n.startswith(("不超过", "不小于")) else n for n in notes
        ]
        text = text[: m.start()] + "（" + "；".join(notes) + "）"
    return opts, text


def command(name: str, help: str) -> Callable[[Callable[..., Any]], click.Command]:
    return click.command(name, cls=RkCommand, help=help, short_help=help.split("\n")[0])


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


def echo_written(results: list[dict[str, Any]], folder: Any) -> None:
    """The files a command wrote (each path, "未变化" where the same file was already there),
    then how many were written and how many left as they were."""
    from reportkit.messages import msg

    for r in results:
        echo(r["path"] + ("（未变化）" if r["state"] == "unchanged" else ""))
    unchanged = sum(r["state"] == "unchanged" for r in results)
    echo(
        msg(
            "cli.wrote_count",
            count=len(results),
            dir=folder,
            written=len(results) - unchanged,
            unchanged=unchanged,
        )
    )


def write_new(path: Path, write: Callable[[Path], object], force: bool) -> str:
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
            from reportkit.messages import msg

            raise UserError(msg("template.exists", path=path))
        tmp.replace(path)
        return "written"
    finally:
        tmp.unlink(missing_ok=True)


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
