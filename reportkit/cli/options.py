"""The options commands share, and turning what a clerk typed into the model's values (a
campaign, a unit, a form, a milestone, a target) or a UserError saying what is wrong.

Nothing here names a campaign's forms, lines or milestones: choices are checked against the
loaded campaign, whose own lists the error messages give."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reportkit.cli.base import UserError
from reportkit.messages import msg

if TYPE_CHECKING:
    from reportkit.model.campaign import Campaign, Form
    from reportkit.model.registry import Region
    from reportkit.model.target import Target

FORM_HELP = "表格：附件号、名称或代码（reportkit campaign 列出全部）；活动只有一张表格时可省略。"
MILESTONE_HELP = "报送节点：名称、代码或简称（reportkit campaign 列出全部）。"
LINE_HELP = (
    "条线代码（reportkit campaign 列出全部）；表格或单位（写成机关名称时）已确定条线时可省略。"
)


def campaign_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--campaign",
        "campaign_file",
        type=click.Path(),
        default=None,
        help="活动：活动文件夹（含 campaign.toml，可另有 report.toml、sample.toml）或单个活动配置文件"
        "（TOML）；默认使用内置的活动。",
    )(fn)


def json_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--json", "as_json", is_flag=True, help="以 JSON 格式输出到标准输出（供程序读取）。"
    )(fn)


def line_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    # the lines are the campaign's, known only once --campaign is read: checked then
    return click.option("--line", default=None, metavar="条线", help=LINE_HELP)(fn)


def form_option(fn: Callable[..., Any], required: bool = False) -> Callable[..., Any]:
    return click.option("--form", "form_id", required=required, help=FORM_HELP)(fn)


def ledger_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--ledger",
        "ledger_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="台账数据库路径（必须在本机磁盘上）；默认在用户数据目录，可用环境变量 REPORTKIT_HOME 指定。",
    )(fn)


def as_of_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--as-of",
        "as_of_text",
        default=None,
        help="按这一时刻判断报送状态，如 2024-11-02 或 2024-11-02T18:00（默认现在）。",
    )(fn)


def target_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--unit, --form, --milestone and --line: what a roll-up, a board or a report is about."""
    fn = line_option(fn)
    fn = click.option("--milestone", required=True, help=MILESTONE_HELP)(fn)
    fn = form_option(fn)
    fn = click.option("--unit", "unit_text", required=True, help="汇总单位名称或代码，如 泰安市。")(
        fn
    )
    return fn


def load(campaign_file: str | None) -> Campaign:
    """Load the campaign, turning a broken file into a UserError."""
    from reportkit.model.campaign import CampaignError, default_campaign, load_campaign

    try:
        return load_campaign(campaign_file) if campaign_file else default_campaign()
    except CampaignError as e:
        raise UserError(str(e)) from e


def pick_form(campaign: Campaign, text: str | None, milestone: str | None = None) -> Form:
    """The form a clerk named (附件2, 工作情况统计表(应急管理), mem-stats), the only one when
    none is named, or a UserError."""
    try:
        return campaign.form_for(text) if text else campaign.only_form(milestone)
    except LookupError as e:
        raise UserError(str(e.args[0])) from e


def pick_milestone(campaign: Campaign, text: str, form: Form | None = None) -> str:
    """The milestone id a clerk named (中期, 终期, final), among `form`'s, or a UserError."""
    try:
        return campaign.milestone_for(text, form.milestones if form is not None else None)
    except LookupError as e:
        raise UserError(str(e.args[0])) from e


def resolve_unit(campaign: Campaign, text: str) -> tuple[Region, str | None]:
    """A region (and the line, when written as an office name) or a UserError."""
    try:
        return campaign.resolve(text)
    except LookupError as e:  # UnknownRegion / AmbiguousRegion say what was meant, in Chinese
        raise UserError(getattr(e, "message", None) or str(e)) from e


def pick_line(campaign: Campaign, line: str | None) -> str | None:
    """--line checked against the campaign's lines (None stays None), or a UserError."""
    if line is not None and line not in campaign.lines:
        raise UserError(msg("unit.unknown_line", line=line, choices=campaign.line_choices()))
    return line


def pick_lines(
    campaign: Campaign, form: Form, line: str | None, office_line: str | None
) -> tuple[str, ...]:
    """The lines to make `form` for: the one asked for (by --line or an office name), else all
    the form's."""
    from reportkit.model.target import TargetError, form_lines

    try:
        return form_lines(campaign, form, line or office_line)
    except TargetError as e:
        raise UserError(e.message) from e


def resolve_target(
    campaign: Campaign, unit_text: str, form_text: str | None, milestone: str, line: str | None
) -> Target:
    """The target a clerk named (泰安市, 附件2, 终期), or a UserError saying what is wrong."""
    from reportkit.model.target import TargetError
    from reportkit.model.target import resolve_target as resolve

    try:
        return resolve(campaign, unit_text, form_text, milestone, line)
    except TargetError as e:
        raise UserError(e.message) from e


def parse_as_of(text: str | None, tz: str) -> dt.datetime | None:
    """--as-of: a date (the end of that day) or a moment, in the campaign's time zone."""
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


def ledger_location(value: str | None) -> Path:
    from reportkit.io.ledger import default_home

    return Path(value) if value else default_home() / "ledger.sqlite"
