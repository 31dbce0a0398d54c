"""`reportkit history`: every version of a unit's submissions the ledger holds, newest first."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import click

from reportkit.cli.base import (
    UserError,
    campaign_option,
    command,
    echo,
    emit_json,
    json_option,
    load,
    resolve_unit,
)
from reportkit.cli.rollup_cmd import ledger_location, ledger_option


@command(
    "history",
    "某单位报来的每一个版本（最新的在前）：收到时间、文件、内容哈希、是否有效、存档位置。",
)
@click.option("--unit", "unit_text", required=True, help="报送单位名称或代码，如 泰山区。")
@click.option("--form", "form_id", default=None, help="只看这张表格。")
@click.option("--milestone", default=None, help="只看这个报送节点。")
@ledger_option
@campaign_option
@json_option
def cmd(
    unit_text: str,
    form_id: str | None,
    milestone: str | None,
    ledger_path: str | None,
    campaign_file: str | None,
    as_json: bool,
) -> None:
    from reportkit.io.ledger import Ledger, LedgerError

    campaign = load(campaign_file)
    region, _ = resolve_unit(campaign, unit_text)
    tz = ZoneInfo(campaign.timezone)
    try:
        with Ledger.open(ledger_location(ledger_path)) as ledger:
            versions = ledger.versions(
                campaign.id, form=form_id, milestone=milestone, unit=region.code
            )
    except LedgerError as e:
        raise UserError(str(e)) from e
    rows = [
        {
            "received_at": dt.datetime.fromtimestamp(v.arrival, tz).isoformat(timespec="seconds"),
            "file": v.file,
            "sha256": v.sha256,
            "form": v.form,
            "milestone": v.milestone,
            "line": v.line,
            "valid": v.valid,
            "errors": sum(i.severity == "error" for i in v.issues),
            "warnings": sum(i.severity == "warning" for i in v.issues),
            "archived": v.archived,
        }
        for v in versions
    ]
    if as_json:
        emit_json({"unit": region.code, "name": region.name, "versions": rows})
        return
    echo(f"{region.name}（{region.code}）共 {len(rows)} 个版本：")
    for r in rows:
        verdict = "有效" if r["valid"] else f"无效（{r['errors']} 个错误）"
        echo(
            f"  {r['received_at'].replace('T', ' ')}  {r['form']} · {r['milestone']}  {verdict}  {r['sha256'][:12]}  {r['file']}"
        )
