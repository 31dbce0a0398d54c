"""The completeness board a clerk reads at the console (`rollup` and `status` print it)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from reportkit.cli.base import echo
from reportkit.messages import SEVERITY_NAMES, STATUS_NAMES, chinese_date, chinese_time

COLOURS = {
    "on_time": "green",
    "late": "yellow",
    "missing": "red",
    "rejected": "red",
    "pending": "cyan",
}


def now(campaign: Any) -> dt.datetime:
    """Now, in the campaign's time zone."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(campaign.timezone))


def _pad(text: str, width: int) -> str:
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def render_board(campaign: Any, data: dict) -> None:
    """The completeness board: one line per subordinate, then the problems."""
    from reportkit.io.names import printable

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
                f"  {SEVERITY_NAMES[i['severity']]}  {name}  {where}  {i['message']}".replace(
                    "    ", "  "
                )
            )
