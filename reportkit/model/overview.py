"""The campaign at a glance for one unit: its deadlines, its subordinates', contacts, phases."""

from __future__ import annotations

from typing import Any

from reportkit.messages import WEEKDAYS
from reportkit.model.campaign import Campaign, Deadline, Milestone
from reportkit.model.registry import Region
from reportkit.model.workdays import day_facts


def _region(r: Region | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {"code": r.code, "name": r.name, "level": r.level}


def _deadline(campaign: Campaign, ms: Milestone, d: Deadline) -> dict[str, Any]:
    facts = day_facts(d.date, campaign.holidays)
    return {
        "milestone": ms.id,
        "name": ms.name,
        "what": d.what or ms.what,
        "forms": list(ms.forms),
        "date": d.date.isoformat(),
        "weekday": WEEKDAYS[d.date.weekday()],
        "workday": facts.workday,
        "holiday": facts.holiday,
        "last_workday": facts.last_workday.isoformat() if facts.last_workday else None,
        "note": facts.note,
        "source": d.source,
    }


def overview(campaign: Campaign, region: Region, line: str | None = None) -> dict[str, Any]:
    """Everything `reportkit campaign` shows, as plain data (the CLI renders text or JSON)."""
    lines = [line] if line else list(campaign.lines)
    parent = campaign.parent(region)
    children = campaign.children(region)
    own = []
    if parent is not None:
        for ms in campaign.milestones.values():
            d = campaign.deadline(ms.id, region)
            if d is not None:
                own.append({**_deadline(campaign, ms, d), "to": _region(parent)})
    subs = []
    for ms in campaign.milestones.values():
        for d, units in campaign.children_by_deadline(ms.id, region):
            subs.append(
                {
                    **_deadline(campaign, ms, d),
                    "from_level": d.level,
                    "count": len(units),
                    "units": [u.code for u in units],
                }
            )
    contacts = []
    for ln in lines:
        mine = campaign.contact(region, ln)
        if mine is not None and children:
            contacts.append({"role": "receives", **_contact(mine)})
        up = campaign.contact(parent, ln) if parent is not None else None
        if up is not None:
            contacts.append({"role": "report_to", **_contact(up)})
    return {
        "campaign": {"id": campaign.id, "name": campaign.name, "year": campaign.year},
        "unit": {
            **(_region(region) or {}),
            "full_name": campaign.registry.full_name(region.code) or region.name,
            "level_name": campaign.levels[region.level].name,
            "parent": _region(parent),
            "agencies": {ln: campaign.agency_name(region, ln) for ln in lines},
            "children": len(children),
        },
        "lines": lines,
        "own_deadlines": own,
        "subordinate_deadlines": subs,
        "anytime": [
            {"milestone": ms.id, "name": ms.name, "what": ms.what}
            for ms in campaign.milestones.values()
            if ms.anytime
        ],
        "phases": [
            {"id": p.id, "name": p.name, "ends": p.ends.isoformat()} for p in campaign.phases
        ],
        "contacts": contacts,
    }


def _contact(c: Any) -> dict[str, Any]:
    return {
        "line": c.line,
        "office": c.office,
        "name": c.name,
        "phones": list(c.phones),
        "email": c.email,
    }
