"""The README's command table against the command line itself: every command has a row, every
option a row writes exists (and takes a value exactly when the row gives it one), and every
option of a command is written in one of its rows, so the table cannot drift from the code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from reportkit.cli import COMMANDS
from reportkit.cli import cli as reportkit_cli  # the click group (not the cli fixture)

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## 命令"


@dataclass(frozen=True)
class Row:
    """One row of the table: its usage line, split into what a reader sees."""

    usage: str  # the first cell, without its backticks
    tokens: tuple[str, ...]  # the words after `reportkit`, square brackets removed


def command_rows(text: str) -> list[Row]:
    """The rows of the table under "## 命令" (its header and separator rows left out)."""
    body = text.split(f"\n{SECTION}\n", 1)[1] if f"\n{SECTION}\n" in text else ""
    body = re.split(r"\n## ", body, maxsplit=1)[0]
    rows = []
    for line in body.splitlines():
        m = re.match(r"\|\s*`(reportkit\b[^`]*)`\s*\|", line)
        if m:
            usage = m.group(1)
            tokens = tuple(usage.replace("[", " ").replace("]", " ").split())
            rows.append(Row(usage, tokens[1:]))
    return rows


ROWS = command_rows(README.read_text(encoding="utf-8"))


def _split(row: Row) -> tuple[list[str], list[str], list[tuple[str, bool]]]:
    """(command words, positional words, [(option, takes a value)]) as the row writes them."""
    words, rest = [], list(row.tokens)
    command: click.Command | None = reportkit_cli
    ctx = click.Context(reportkit_cli, info_name="reportkit")
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        command = command.get_command(ctx, rest[0])
        if command is None:
            break
        words.append(rest.pop(0))
        ctx = click.Context(command, info_name=words[-1], parent=ctx)
    positional = []
    while rest and not rest[0].startswith("-"):
        positional.append(rest.pop(0))
    options: list[tuple[str, bool]] = []
    while rest:
        name, eq, _ = rest.pop(0).partition("=")
        takes_value = bool(eq) or bool(rest and not rest[0].startswith("-"))
        if takes_value and not eq:
            rest.pop(0)  # its value, as the row spells it (U, FILE.ics, 2024-11-04)
        options.append((name, takes_value))
    return words, positional, options


def _resolve(words: list[str]) -> click.Command | None:
    command: click.Command | None = reportkit_cli
    ctx = click.Context(reportkit_cli, info_name="reportkit")
    for word in words:
        if not isinstance(command, click.Group):
            return None
        command = command.get_command(ctx, word)
        if command is None:
            return None
        ctx = click.Context(command, info_name=word, parent=ctx)
    return command


def _leaf_commands() -> list[str]:
    """Every runnable command as its words after `reportkit` ("calendar"; "campaign check" for
    a sub-command, and "campaign" too when the group runs by itself)."""
    found = []

    def walk(group: click.Group, ctx: click.Context, prefix: str) -> None:
        for name in group.list_commands(ctx):
            sub = group.get_command(ctx, name)
            if isinstance(sub, click.Group):
                if sub.invoke_without_command:  # runnable by itself too (reportkit campaign)
                    found.append(f"{prefix}{name}")
                walk(sub, click.Context(sub, info_name=name, parent=ctx), f"{prefix}{name} ")
            else:
                found.append(f"{prefix}{name}")

    walk(reportkit_cli, click.Context(reportkit_cli, info_name="reportkit"), "")
    return found


def _options(command: click.Command) -> list[click.Option]:
    """The options a user can write (not --help / -h, which click adds itself, nor hidden ones)."""
    return [p for p in command.params if isinstance(p, click.Option) and not p.hidden]


def _row_id(row: Row) -> str:
    words, _, options = _split(row)
    earlier = ROWS[: ROWS.index(row)]
    if any(_split(r)[0] == words for r in earlier):  # a second row of one command: its first option
        return " ".join([*words, *[o for o, _ in options[:1]]])
    return " ".join(words) or " ".join(row.tokens[:1]) or "reportkit"  # (no such command)


def test_the_table_is_found_and_every_row_is_a_usage_line():
    assert ROWS, f"no `reportkit …` rows found in the table under {SECTION!r} in {README}"
    table = README.read_text(encoding="utf-8").split(f"\n{SECTION}\n", 1)[1]
    table = re.split(r"\n## ", table, maxsplit=1)[0]
    body = [line for line in table.splitlines() if line.startswith("|")][2:]  # header, separator
    assert len(body) == len(ROWS), "a row of the 命令 table does not start with `reportkit …`"
    # the commands checked below are the group's, which are reportkit.cli.COMMANDS
    assert {leaf.split()[0] for leaf in _leaf_commands()} >= set(COMMANDS)


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_a_readme_row_names_a_command_and_only_its_options(row):
    words, positional, options = _split(row)
    assert words, f"README row `{row.usage}`: reportkit has no command {row.tokens[0]!r}"
    name = " ".join(words)
    command = _resolve(words)
    assert command is not None
    assert not isinstance(command, click.Group) or command.invoke_without_command, (
        f"README row `{row.usage}`: `reportkit {name}` is a group; write its sub-command"
    )
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    assert len(positional) == len(arguments), (
        f"README row for `reportkit {name}` writes {len(positional)} positional argument(s) "
        f"({' '.join(positional) or 'none'}); the command takes {len(arguments)} "
        f"({', '.join(a.name or '?' for a in arguments) or 'none'})"
    )
    by_name = {n: p for p in _options(command) for n in (*p.opts, *p.secondary_opts)}
    unknown = [option for option, _ in options if option not in by_name]
    assert not unknown, (
        f"README row for `reportkit {name}` writes {', '.join(unknown)}, which "
        f"`reportkit {name} --help` does not have (its options: {', '.join(by_name)})"
    )
    for option, takes_value in options:
        param = by_name[option]
        flag = param.is_flag or param.count
        wrong = "with a value, but it is a flag" if flag else "without a value, but it takes one"
        assert takes_value != flag, f"README row for `reportkit {name}` writes {option} {wrong}"


@pytest.mark.parametrize("name", _leaf_commands())
def test_every_option_of_a_command_is_in_its_readme_row(name):
    rows = [r for r in ROWS if " ".join(_split(r)[0]) == name]
    assert rows, f"`reportkit {name}` has no row in the table under {SECTION!r} in README.md"
    written = {option for r in rows for option, _ in _split(r)[2]}
    command = _resolve(name.split())
    assert command is not None, f"`reportkit {name}` is in reportkit.cli.COMMANDS but does not load"
    missing = [
        " / ".join(names)
        for param in _options(command)
        if not written & set(names := [*param.opts, *param.secondary_opts])
    ]
    assert not missing, (
        f"`reportkit {name}` has option(s) {', '.join(missing)}, which no README row for it "
        f"writes (add them to the row: `{rows[0].usage}`)"
    )
