"""Calendar entries for one reporting unit: its deadlines, its subordinates', the campaign phases.

Pure: no file format here. `reportkit.io.ics` turns a `Feed` into iCalendar; anything else (a
web page, JSON) can render the same entries.

Every entry has a stable id ``<campaign>.<unit code>.<line>.<milestone or phase>.<kind>``, from
which the iCalendar UID is derived, so a changed date updates the same event instead of adding one.
Kinds:

- ``own``: what the unit must send upward (to whom, the receiving contact);
- ``receive``: what the unit's subordinates must send to it (how many units, which templates).
  When the subordinates fall under different deadlines (a campaign with a narrower `scope` for
  some of them) each group is its own entry, ``receive-<level>-<scope code>``;
- ``phase``: the end of a campaign phase;
- ``remind-own`` / ``remind-receive``: optional reminder entries N working days before a deadline
  (for clients that ignore alarms in subscribed calendars, such as Google and Outlook).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from reportkit.messages import WEEKDAYS, msg
from reportkit.model.campaign import (
    Campaign,
    Contact,
    DayFacts,
    Deadline,
    Form,
    Milestone,
    YearHolidays,
)
from reportkit.model.registry import Region
from reportkit.model.workdays import day_facts

KINDS = ("own", "receive", "phase", "remind-own", "remind-receive")
_ORDER = {"remind-own": 0, "remind-receive": 1, "own": 2, "receive": 3, "phase": 4}


@dataclass(frozen=True)
class Entry:
    """One all-day calendar entry."""

    id: str  # <campaign>.<unit>.<line>.<key>.<kind>
    kind: str
    key: str  # milestone id, or phase id for kind "phase"
    date: dt.date
    summary: str
    description: str
    facts: DayFacts
    deadline: dt.date  # the deadline an entry is about (a reminder's deadline, else `date`)
    counterpart: str | None = None  # own: the receiving office; receive: None
    contact: Contact | None = None  # own: who receives; receive: the unit's own contact
    count: int = 0  # receive: how many subordinate units
    forms: tuple[str, ...] = ()
    source: str | None = None

    @property
    def is_deadline(self) -> bool:
        return self.kind in ("own", "receive")


@dataclass(frozen=True)
class Feed:
    """Everything one unit × line calendar holds."""

    id: str  # <campaign>.<unit>.<line>
    campaign: str
    region: Region
    line: str
    agency: str
    name: str
    description: str
    starts: dt.date  # the campaign's start: the base of derived time stamps
    timezone: str  # the campaign's time zone ("X月X日前" = by the end of that day there)
    entries: tuple[Entry, ...] = field(default_factory=tuple)


# ------------------------------------------------------------------------------------ building


def build_feed(campaign: Campaign, region: Region, line: str, remind: int = 0) -> Feed:
    """The calendar of `region` × `line`; `remind` > 0 adds reminders that many working days ahead."""
    agency = campaign.agency_name(region, line)
    entries = [*_own(campaign, region, line), *_receive(campaign, region, line)]
    if remind > 0:
        entries += [_reminder(e, remind, campaign.holidays) for e in list(entries)]
    entries += _phases(campaign, region, line)
    entries.sort(key=lambda e: (e.date, _ORDER[e.kind], e.key, e.id))
    anytime = "".join(
        "\n" + msg("calendar.anytime", what=ms.what)
        for ms in campaign.milestones.values()
        if ms.anytime
    )
    return Feed(
        id=f"{campaign.id}.{region.code}.{line}",
        campaign=campaign.id,
        region=region,
        line=line,
        agency=agency,
        name=msg("calendar.name", campaign=campaign.name, agency=agency),
        description=msg(
            "calendar.description", campaign=campaign.name, year=campaign.year, agency=agency
        )
        + anytime,
        starts=campaign.starts,
        timezone=campaign.timezone,
        entries=tuple(entries),
    )


def _id(campaign: Campaign, region: Region, line: str, key: str, kind: str) -> str:
    return f"{campaign.id}.{region.code}.{line}.{key}.{kind}"


def _own(campaign: Campaign, region: Region, line: str) -> list[Entry]:
    parent = campaign.parent(region)
    if parent is None:
        return []
    to = campaign.agency_name(parent, line)
    contact = campaign.contact(parent, line)
    out = []
    for ms in campaign.milestones.values():
        d = campaign.deadline(ms.id, region)
        if d is None:
            continue
        facts = day_facts(d.date, campaign.holidays)
        forms = _forms(campaign, ms, line)
        summary = msg("calendar.own.summary", milestone=ms.name, to=to) + _offday(facts)
        lines = [
            *_date_lines(facts),
            msg("calendar.line.what", what=d.what or ms.what),
        ]
        if forms:
            lines.append(msg("calendar.line.forms", forms="；".join(forms)))
        lines += [
            msg("calendar.line.sender", agency=campaign.agency_name(region, line)),
            msg("calendar.line.to", agency=to),
            _contact_line("calendar.line.contact", contact, to),
        ]
        lines += _tail(campaign, d)
        out.append(
            Entry(
                id=_id(campaign, region, line, ms.id, "own"),
                kind="own",
                key=ms.id,
                date=d.date,
                summary=summary,
                description="\n".join(lines),
                facts=facts,
                deadline=d.date,
                counterpart=to,
                contact=contact,
                forms=tuple(f.id for f in campaign.forms_for(ms.id, line)),
                source=d.source,
            )
        )
    return out


def _receive(campaign: Campaign, region: Region, line: str) -> list[Entry]:
    children = campaign.children(region)
    if not children:
        return []
    mine = campaign.contact(region, line)
    agency = campaign.agency_name(region, line)
    out = []
    for ms in campaign.milestones.values():
        ordered = campaign.children_by_deadline(ms.id, region)
        for d, units in ordered:
            kind = "receive" if len(ordered) == 1 else f"receive-{d.level}-{d.scope}"
            facts = day_facts(d.date, campaign.holidays)
            summary = msg(
                "calendar.receive.summary", milestone=ms.name, count=len(units)
            ) + _offday(facts)
            lines = [
                *_date_lines(facts),
                msg("calendar.line.what", what=d.what or ms.what),
                msg(
                    "calendar.line.senders",
                    count=len(units),
                    names="、".join(u.name for u in units),
                ),
                msg("calendar.line.to", agency=agency),
            ]
            for f in campaign.forms_for(ms.id, line):
                lines.append(
                    msg(
                        "calendar.line.template",
                        form=_form_label(f),
                        unit=region.name,
                        form_id=f.id,
                        line=line,
                    )
                )
            if mine is not None:
                lines.append(_contact_line("calendar.line.own_contact", mine, agency))
            lines += _tail(campaign, d)
            out.append(
                Entry(
                    id=_id(campaign, region, line, ms.id, kind),
                    kind="receive",
                    key=ms.id,
                    date=d.date,
                    summary=summary,
                    description="\n".join(lines),
                    facts=facts,
                    deadline=d.date,
                    contact=mine,
                    count=len(units),
                    forms=tuple(f.id for f in campaign.forms_for(ms.id, line)),
                    source=d.source,
                )
            )
    return out


def _phases(campaign: Campaign, region: Region, line: str) -> list[Entry]:
    out = []
    for p in campaign.phases:
        facts = day_facts(p.ends, campaign.holidays)
        lines = [
            msg(
                "calendar.line.phase",
                phase=p.name,
                date=p.ends.isoformat(),
                weekday=WEEKDAYS[p.ends.weekday()],
            )
        ]
        if facts.note:
            lines.append(msg("calendar.line.note", note=facts.note))
        lines.append(msg("calendar.line.campaign", campaign=campaign.name, year=campaign.year))
        out.append(
            Entry(
                id=_id(campaign, region, line, p.id, "phase"),
                kind="phase",
                key=p.id,
                date=p.ends,
                summary=msg("calendar.phase.summary", phase=p.name),
                description="\n".join(lines),
                facts=facts,
                deadline=p.ends,
            )
        )
    return out


def _reminder(e: Entry, days: int, holidays: Mapping[int, YearHolidays]) -> Entry:
    # a deadline on a weekend or holiday is in practice its last working day before: count
    # the lead time from there, or a 1-day reminder would fall on that very working day
    base = e.deadline
    if e.facts is not None and e.facts.workday is False and e.facts.last_workday is not None:
        base = e.facts.last_workday
    day, exact = workdays_before(base, days, holidays)
    lead = msg(
        "calendar.remind.lead",
        days=days,
        date=e.deadline.isoformat(),
        weekday=WEEKDAYS[e.deadline.weekday()],
    )
    extra = "" if exact else "\n" + msg("calendar.remind.no_data", year=e.deadline.year, days=days)
    return Entry(
        id=e.id.rsplit(".", 1)[0] + ".remind-" + e.id.rsplit(".", 1)[1],
        kind="remind-" + e.kind,
        key=e.key,
        date=day,
        summary=msg("calendar.remind.summary", days=days, summary=e.summary),
        description=lead + extra + "\n" + e.description,
        facts=day_facts(day, holidays),
        deadline=e.deadline,
        counterpart=e.counterpart,
        contact=e.contact,
        count=e.count,
        forms=e.forms,
        source=e.source,
    )


# ------------------------------------------------------------------------------------- helpers


def workdays_before(
    day: dt.date, n: int, holidays: Mapping[int, YearHolidays] | None = None
) -> tuple[dt.date, bool]:
    """The date `n` official working days before `day` (调休 included), and whether the holiday
    data covered it; for a year neither the campaign file nor chinesecalendar knows, Monday to
    Friday are counted instead."""
    import chinese_calendar as cc

    if holidays and any(y in holidays for y in (day.year, day.year - 1)):
        out, left, exact = day, n, True
        while left:
            out -= dt.timedelta(days=1)
            facts = day_facts(out, holidays)
            exact = exact and facts.workday is not None
            if facts.workday is not False and (facts.workday or out.weekday() < 5):
                left -= 1
        return out, exact
    try:
        return cc.find_workday(-n, day), True
    except NotImplementedError:
        out = day
        left = n
        while left:
            out -= dt.timedelta(days=1)
            if out.weekday() < 5:
                left -= 1
        return out, False


def _offday(facts: DayFacts) -> str:
    if facts.workday is not False or facts.last_workday is None:
        return ""
    reason = (
        msg("calendar.offday.holiday", holiday=facts.holiday)
        if facts.holiday
        else msg("calendar.offday.weekend")
    )
    last = facts.last_workday
    return msg("calendar.offday", reason=reason, month=last.month, day=last.day)


def _date_lines(facts: DayFacts) -> list[str]:
    out = [
        msg(
            "calendar.line.date",
            date=facts.date.isoformat(),
            weekday=WEEKDAYS[facts.date.weekday()],
        )
    ]
    if facts.note:
        out.append(msg("calendar.line.note", note=facts.note))
    return out


def _form_label(f: Form) -> str:
    return f"{f.attachment} {f.name}" if f.attachment else f.name


def _forms(campaign: Campaign, ms: Milestone, line: str) -> list[str]:
    return [_form_label(f) for f in campaign.forms_for(ms.id, line)]


def _contact_line(key: str, c: Contact | None, agency: str) -> str:
    if c is None:
        return msg("calendar.line.no_contact", agency=agency)
    email = msg("calendar.line.email", email=c.email) if c.email else ""
    return msg(key, office=c.office, name=c.name, phones="、".join(c.phones), email=email)


def _tail(campaign: Campaign, d: Deadline) -> list[str]:
    out = []
    if d.source:
        out.append(msg("calendar.line.source", source=d.source))
    out.append(msg("calendar.line.campaign", campaign=campaign.name, year=campaign.year))
    return out


# ---------------------------------------------------------------------------------- which units


def feed_units(campaign: Campaign, unit: Region | None = None) -> list[Region]:
    """The units `reportkit calendar --all` writes feeds for, top first.

    With `unit`: that unit, its direct subordinates and its superiors up to the campaign's top —
    everyone it sends to or receives from. Without: the same for each lowest unit the campaign
    names a receiving contact for (for the 2024 campaign: 泰安市, so 全国, 山东省, 泰安市 and its
    10 county-level units); a campaign without contacts gives its top unit (全国) and its direct
    subordinates.
    """
    registry = campaign.registry
    if unit is not None:
        anchors = [unit]
    else:
        named = {c.unit for c in campaign.contacts}
        anchors = [
            registry.get(code)
            for code in sorted(named)
            if not any(o != code and registry.is_descendant(o, code) for o in named)
            if registry.get(code).code == campaign.scope
            or registry.is_descendant(code, campaign.scope)
        ] or [campaign.top]
    seen: dict[str, Region] = {}
    for a in anchors:
        for r in [*reversed(campaign.ancestors(a)), a, *campaign.children(a)]:
            seen.setdefault(r.code, r)
    depth = {code: len(registry.ancestors(code)) for code in seen}
    return sorted(seen.values(), key=lambda r: (depth[r.code], r.code))


def all_feeds(
    campaign: Campaign,
    unit: Region | None = None,
    lines: list[str] | None = None,
    remind: int = 0,
) -> list[Feed]:
    """Every feed `reportkit calendar --all` writes (and `reportkit serve` serves): each unit of
    `feed_units` × each line (all of the campaign's when `lines` is None)."""
    wanted = lines if lines else list(campaign.lines)
    return [
        build_feed(campaign, u, ln, remind) for u in feed_units(campaign, unit) for ln in wanted
    ]
