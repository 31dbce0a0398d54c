"""The sheets after the official table in a roll-up's workbook: 明细, 校验问题, 报送情况."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportkit.issues import INFO
from reportkit.messages import SEVERITY_NAMES, STATUS_NAMES, chinese_time
from reportkit.model.campaign import Campaign
from reportkit.model.derive import COUNT, SUMMED, TOTAL, list_totals
from reportkit.rollup.core import (
    RollupResult,
    child_issues,
    plain,
)


def sheets(campaign: Campaign, result: RollupResult) -> list[Any]:
    from reportkit.io.xlsx_writer import ExtraSheet

    form = result.form
    counted = [(c, e) for c in result.children if (e := c.counted) is not None]
    if form.listed:  # the items are the official table: here each unit's count
        summed = [c for c in form.columns if c.type in SUMMED]
        columns = ("单位代码", "单位", "条目数", *(f"{c.label}合计" for c in summed))
        rows = []
        for c, e in counted:
            t = list_totals(form, e.values)
            rows.append(
                (c.unit.code, campaign.agency_name(c.unit, result.line), t[COUNT],
                 *(plain(t[TOTAL + col.id]) for col in summed))
            )  # fmt: skip
        rows.append(
            ("", "合计", result.totals.get(COUNT),
             *(plain(result.totals.get(TOTAL + col.id)) for col in summed))
        )  # fmt: skip
    elif form.is_table:
        cells = [c for c in form.cells if c.field.official or not c.derived]
        columns = ("单位代码", "单位", *(c.label for c in cells))
        rows = [
            (
                c.unit.code,
                campaign.agency_name(c.unit, result.line),
                *(plain(e.values.get(k.key)) for k in cells),
            )
            for c, e in counted
        ]
        rows.append(("", "合计", *(plain(result.totals.get(k.key)) for k in cells)))
    else:
        fields = list(form.fields)
        heads = [h.id for h in form.header if h.id in ("filled_by", "contact", "filled_on")]
        labels = [h.label for h in form.header if h.id in heads]
        columns = ("单位代码", "单位", *(f.label for f in fields), *labels)
        rows = [
            (
                c.unit.code,
                campaign.agency_name(c.unit, result.line),
                *(plain(e.values.get(f.id)) for f in fields),
                *(plain(e.header.get(h)) for h in heads),
            )
            for c, e in counted
        ]
    detail = ExtraSheet("明细", tuple(columns), tuple(tuple(r) for r in rows), (9, 22))
    problems = [
        (u.name, Path(i.file or "").name, i) for u, i in child_issues(result) if i.severity != INFO
    ]
    problems += [("", "", i) for i in result.issues]
    issue_rows = tuple(
        (
            unit,
            file or (Path(i.file).name if i.file else ""),
            SEVERITY_NAMES[i.severity],
            i.sheet or "",
            i.cell or "",
            i.message,
        )
        for unit, file, i in problems
    )
    issues_sheet = ExtraSheet(
        "校验问题",
        ("单位", "文件", "级别", "工作表", "单元格", "问题"),
        issue_rows,
        (18, 36, 6, 8, 8, 80),
    )
    status_rows = tuple(
        (
            c.unit.code,
            campaign.agency_name(c.unit, result.line),
            STATUS_NAMES[c.status],
            c.deadline,
            chinese_time(seen.received_at) if (seen := c.counted or c.latest) else "",
            Path(seen.file).name if seen else "",
            c.versions,
            c.note or "",
        )
        for c in result.children
    )
    status_sheet = ExtraSheet(
        "报送情况",
        ("单位代码", "单位", "状态", "截止日期", "收到时间", "文件", "版本数", "说明"),
        status_rows,
        (10, 24, 8, 12, 21, 40, 8, 40),
    )
    return [detail, issues_sheet, status_sheet]
