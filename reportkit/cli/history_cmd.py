"""`reportkit history`: every version of a unit's submissions the ledger holds, newest first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from reportkit.cli.base import UserError, command, echo, emit_json
from reportkit.cli.options import (
    campaign_option,
    json_option,
    ledger_location,
    ledger_option,
    load,
    pick_form,
    pick_milestone,
    resolve_unit,
)
from reportkit.io.names import shown
from reportkit.messages import chinese_time, msg

if TYPE_CHECKING:
    from reportkit.io.ledger import Ledger, Version
    from reportkit.model.campaign import Campaign


def _export(ledger: Ledger, versions: list[Version], folder: Path, tz: dt.tzinfo) -> dict[int, str]:
    """Copy each version's archived bytes out of the ledger; never overwrite a file."""
    from reportkit.io.atomic import atomic_write

    folder.mkdir(parents=True, exist_ok=True)
    out: dict[int, str] = {}
    for v in versions:
        when = dt.datetime.fromtimestamp(v.arrival, tz).strftime("%Y%m%d-%H%M%S")
        target = folder / f"{when}-{v.sha256[:12]}-{Path(v.file).stem[:60]}{v.suffix}"
        if not target.exists():
            data = ledger.content(v.sha256)
            if data is None:
                continue
            atomic_write(target, data)
        out[v.id] = str(target)
    return out


@command(
    "history",
    "某单位报来的每一个版本（最新的在前）：收到时间、文件、内容哈希、是否有效、存档位置。",
)
@click.option("--unit", "unit_text", required=True, help="报送单位名称或代码，如 泰山区。")
@click.option("--form", "form_id", default=None, help="只看这张表格（附件号、名称或代码）。")
@click.option("--milestone", default=None, help="只看这个报送节点。")
@click.option(
    "--export",
    "export_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="把每个版本的存档文件复制到这个目录（文件名前加收到时间和哈希前缀）。",
)
@ledger_option
@campaign_option
@json_option
def cmd(
    unit_text: str,
    form_id: str | None,
    milestone: str | None,
    export_dir: str | None,
    ledger_path: str | None,
    campaign_file: str | None,
    as_json: bool,
) -> None:
    from reportkit.io.ledger import Ledger, LedgerError, faults

    campaign = load(campaign_file)
    region, _ = resolve_unit(campaign, unit_text)
    if form_id is not None:
        form_id = pick_form(campaign, form_id).id
    if milestone is not None:
        milestone = pick_milestone(campaign, milestone)
    tz = ZoneInfo(campaign.timezone)
    try:
        where = ledger_location(ledger_path)
        with faults(where), Ledger.open(where) as ledger:
            versions = ledger.versions(
                campaign.id, form=form_id, milestone=milestone, unit=region.code
            )
            exported = _export(ledger, versions, Path(export_dir), tz) if export_dir else {}
    except LedgerError as e:
        raise UserError(str(e)) from e
    rows = [
        {
            "received_at": dt.datetime.fromtimestamp(v.arrival, tz).isoformat(timespec="seconds"),
            "file": shown(v.file),
            "sha256": v.sha256,
            "form": v.form,
            "milestone": v.milestone,
            "line": v.line,
            "valid": v.valid,
            "errors": sum(i.severity == "error" for i in v.issues),
            "warnings": sum(i.severity == "warning" for i in v.issues),
            "archived": f"{ledger_location(ledger_path)}#{v.sha256}",
            "exported": exported.get(v.id),
        }
        for v in versions
    ]
    if as_json:
        emit_json({"unit": region.code, "name": region.name, "versions": rows})
        return
    echo(msg("history.head", unit=region.name, code=region.code, count=len(rows)))
    for v, r in zip(versions, rows, strict=True):
        verdict = "有效" if r["valid"] else msg("history.invalid", errors=r["errors"])
        what = " · ".join(
            x
            for x in (
                _form_name(campaign, v.form),
                campaign.milestones[v.milestone].name if v.milestone in campaign.milestones else "",
            )
            if x
        )
        when = chinese_time(dt.datetime.fromtimestamp(v.arrival, tz))
        echo(f"  {when}  {what or '（未能识别的文件）'}  {verdict}  {r['file']}")
    if export_dir:
        done = [r["exported"] for r in rows if r["exported"]]
        echo(msg("history.exported", count=len(done), dir=export_dir))
        for path in done:
            echo(f"  {path}")


def _form_name(campaign: Campaign, form_id: str | None) -> str:
    form = campaign.forms.get(form_id) if form_id else None
    if form is None:
        return ""
    return f"{form.attachment} {form.name}" if form.attachment else form.name
