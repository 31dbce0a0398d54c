"""`reportkit validate`: check files or folders and say which file, which cell, what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reportkit.cli.base import UserError, command, echo, emit_json
from reportkit.cli.options import campaign_option, json_option, load, pick_milestone, resolve_unit
from reportkit.messages import SEVERITY_NAMES, msg

if TYPE_CHECKING:
    from reportkit.model.campaign import Campaign
    from reportkit.model.submission import Submission


@command(
    "validate",
    "校验报表文件或文件夹，指出哪个文件、哪个单元格、什么问题。\n\n"
    "不写入任何状态。退出码：0 全部通过；1 有文件存在错误；2 用法错误或找不到文件。",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(), metavar="文件或文件夹...")
@campaign_option
@click.option(
    "--milestone",
    default=None,
    help="按此报送节点检查必填项；省略则按文件自己的节点。",
)
@click.option("--unit", "unit_text", default=None, help="汇总单位：文件的报送单位必须是它的下级。")
@click.option("--jobs", type=int, default=None, help="并行读取的进程数（默认等于 CPU 核数）。")
@json_option
def cmd(
    paths: tuple[str, ...],
    campaign_file: str | None,
    milestone: str | None,
    unit_text: str | None,
    jobs: int | None,
    as_json: bool,
) -> None:
    from reportkit.io.intake import Options, collect, expand, read_many, renamed
    from reportkit.io.scratch import scratch_dir

    campaign = load(campaign_file)
    if milestone is not None:
        milestone = pick_milestone(campaign, milestone)
    parent = resolve_unit(campaign, unit_text)[0].code if unit_text else None
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UserError(msg("cli.no_such_path", path="、".join(missing)))
    files, notes = collect(paths)
    if not files and not notes:
        raise UserError(msg("cli.no_files", path="、".join(paths)))
    options = Options(campaign_file=campaign_file, milestone=milestone, parent=parent)
    # whatever a roll-up reads, validate reads: the members of a .zip too
    with scratch_dir() as tmp:
        readable, archive_notes = expand(files, tmp, campaign.timezone)
        shown_as = dict(readable)
        read = [
            renamed(sub, shown_as[path])
            for path, sub in read_many([p for p, _ in readable], options, jobs)
        ]
    results = sorted([*notes, *archive_notes, *read], key=lambda s: s.file)
    records = [_record(campaign, s) for s in results]
    bad = [r for r in records if r["status"] == "invalid"]
    summary = {
        "files": len(records),
        "valid": sum(r["status"] == "valid" for r in records),
        "invalid": len(bad),
        "skipped": sum(r["status"] == "skipped" for r in records),
        "warnings": sum(1 for r in records for i in r["issues"] if i["severity"] == "warning"),
    }
    if as_json:
        emit_json({"files": records, "summary": summary})
    else:
        _render(campaign, records, summary)
    raise SystemExit(1 if bad else 0)


def _record(campaign: Campaign, sub: Submission) -> dict[str, Any]:
    skipped = (
        sub.form is None
        and bool(sub.issues)
        and all(i.code in ("file.lock_file", "file.document") for i in sub.issues)
    )
    status = "skipped" if skipped else ("valid" if sub.valid and sub.form else "invalid")
    unit_name = None
    if sub.unit_code:
        region = campaign.registry.get(sub.unit_code)
        unit_name = campaign.agency_name(region, sub.line) if sub.line else region.name
    return {
        "file": sub.file,
        "status": status,
        "valid": status == "valid",
        "form": sub.form,
        "unit": sub.unit_code,
        "unit_name": unit_name,
        "line": sub.line,
        "milestone": sub.milestone,
        "sha256": sub.sha256,
        "issues": [i.to_dict() for i in sub.issues],
    }


def _render(campaign: Campaign, records: list[dict[str, Any]], summary: dict[str, int]) -> None:
    for r in records:
        head = {"valid": "[通过]", "invalid": "[错误]", "skipped": "[跳过]"}[r["status"]]
        form = campaign.forms.get(r["form"]) if r["form"] else None
        ms = campaign.milestones.get(r["milestone"]) if r["milestone"] else None
        who = " · ".join(
            x
            for x in (
                r["unit_name"],
                (form.attachment or form.name) if form else None,
                campaign.milestone_label(ms.id).split("（")[0] if ms else None,
            )
            if x
        )
        echo(f"{head} {r['file']}" + (f"  （{who}）" if who else ""))
        for i in r["issues"]:
            where = "!".join(x for x in (i["sheet"], i["cell"]) if x)
            where = f"{where}  " if where else ""
            echo(f"    {SEVERITY_NAMES[i['severity']]}  {where}{i['message']}")
            if i.get("hint"):
                echo(f"          提示：{i['hint']}")
    echo()
    echo(
        f"共 {summary['files']} 个文件：{summary['valid']} 个通过，{summary['invalid']} 个有错误"
        + (f"，{summary['skipped']} 个已跳过" if summary["skipped"] else "")
        + (f"；警告 {summary['warnings']} 条" if summary["warnings"] else "")
        + "。"
    )
