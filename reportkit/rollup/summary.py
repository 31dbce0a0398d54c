"""The JSON summary of a roll-up: what `rollup --json` prints and what is written beside each
output workbook (read back by `report` and `serve`). Versioned: `summary_version`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from reportkit.model.campaign import Campaign
from reportkit.rollup.core import RollupResult, child_issues, output_name, plain

if TYPE_CHECKING:
    from reportkit.rollup.outputs import Output

SUMMARY_VERSION = 1  # bumped when a key changes meaning (report and serve read these files)


def summary(
    campaign: Campaign, result: RollupResult, as_of: dt.datetime, out: Output | None = None
) -> dict[str, Any]:
    """The contract's JSON document for one roll-up (also written beside the workbook).

    `filled_on` is the date the output carries as 填报时间 (the one moment, see `moment`): a
    report made from the roll-up is dated by it."""
    form = result.form
    if form.listed:  # its items, their count and the columns' sums
        totals = {k: plain(v) for k, v in result.totals.items()}
    else:
        totals = {c.key: plain(result.totals[c.key]) for c in form.cells if c.key in result.totals}
    children = []
    for c in result.children:
        e = c.counted
        seen = e or c.latest  # a rejected file was received all the same: when, and which
        children.append(
            {
                "unit": campaign.agency_name(c.unit, result.line),
                "code": c.unit.code,
                "status": c.status,
                "deadline": c.deadline.isoformat() if c.deadline else None,
                "received_at": seen.received_at.isoformat(timespec="seconds") if seen else None,
                "file": seen.file if seen else None,
                "sha256": (seen.sha256 or None) if seen else None,
                "versions": c.versions,
                "note": c.note,
                "values": {k: plain(v) for k, v in e.values.items()} if e else None,
                "header": {k: plain(v) for k, v in e.header.items()} if e else None,
            }
        )
    issues = [i.to_dict() for _, i in child_issues(result)]
    issues += [i.to_dict() for i in result.issues]
    doc = {
        "summary_version": SUMMARY_VERSION,
        "campaign": campaign.id,
        "unit": campaign.agency_name(result.unit, result.line),
        "code": result.unit.code,
        "line": result.line,
        "form": form.id,
        "milestone": result.milestone,
        "as_of": as_of.isoformat(timespec="seconds"),
        "deadline": result.deadline.isoformat() if result.deadline else None,
        "complete": result.complete,
        "counts": result.counts(),
        "totals": totals,
        "children": children,
        "issues": issues,
        "built": [output_name(b) for b in result.built],
    }
    if out is not None:
        doc["moment"] = out.moment.isoformat(timespec="seconds")
        doc["filled_on"] = plain(out.header.get("filled_on"))
        doc["header"] = {k: plain(v) for k, v in out.header.items()}
        doc["kept_header"] = out.kept
    return doc
