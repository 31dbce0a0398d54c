"""`reportkit status`: the completeness board from the ledger, without reading the inbox."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from reportkit.cli.base import UserError, command, emit_json
from reportkit.cli.board import render_board
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


@command(
    "status",
    "报送情况看板：各下级单位按时、逾期、缺报、退回或待报（依据台账，不读取收件箱、不写文件）。\n\n"
    "退出码：0 没有缺报、逾期或退回；1 有；2 用法错误。",
)
@target_options
@as_of_option
@ledger_option
@campaign_option
@json_option
def cmd(
    unit_text: str,
    form_id: str | None,
    milestone: str,
    line: str | None,
    as_of_text: str | None,
    ledger_path: str | None,
    campaign_file: str | None,
    as_json: bool,
) -> None:
    from reportkit.io.ledger import LedgerError
    from reportkit.rollup.job import status_from_ledger
    from reportkit.rollup.summary import summary

    campaign = load(campaign_file)
    target = resolve_target(campaign, unit_text, form_id, milestone, line)
    as_of = parse_as_of(as_of_text, campaign.timezone) or dt.datetime.now(
        ZoneInfo(campaign.timezone)
    )
    try:
        result = status_from_ledger(target, ledger_location(ledger_path), as_of)
    except LedgerError as e:
        raise UserError(str(e)) from e
    data = summary(campaign, result, as_of)
    if as_json:
        emit_json(data)
    else:
        render_board(campaign, data)
    raise SystemExit(1 if result.problems else 0)
