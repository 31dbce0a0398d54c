"""Roll-up: sums, recomputed rates, completeness and timeliness. Pure: no files, no database.

Counts are summed as integers and money as Decimal 万元. Rates are never summed or averaged:
they are recomputed from the summed numerators and denominators; a subordinate without a
denominator is left out of the parent's rate, and the result says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from reportkit.issues import Issue
from reportkit.messages import msg
from reportkit.model import derive
from reportkit.model.campaign import UNIT_COLUMN, Form, item_count
from reportkit.model.packed import PackedValues
from reportkit.model.registry import Region
from reportkit.model.submission import Value
from reportkit.model.target import Target

ON_TIME, LATE, MISSING, REJECTED, PENDING = "on_time", "late", "missing", "rejected", "pending"
STATUSES = (ON_TIME, LATE, MISSING, REJECTED, PENDING)


@dataclass(frozen=True, slots=True)
class Entry:
    """One version of one unit's submission, as the ledger recorded it."""

    unit: str
    file: str
    sha256: str
    received_at: dt.datetime  # timezone-aware
    valid: bool
    values: Mapping[str, Value] = field(default_factory=dict)
    header: Mapping[str, Value] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    built: bool = False  # made by rolling up the unit's own subordinates in this run
    complete: bool = True  # for a roll-up output: were all of its subordinates in?
    gone: bool = False  # no file of the inbox holds this version any more (the ledger does)


@dataclass(slots=True)
class ChildStatus:
    unit: Region
    status: str
    deadline: dt.date | None
    counted: Entry | None = None  # the version whose figures count
    versions: int = 0
    note: str | None = None
    latest: Entry | None = None  # the newest version received, valid or not

    @property
    def received_at(self) -> dt.datetime | None:
        return self.counted.received_at if self.counted else None


@dataclass
class RollupResult:
    target: Target  # the unit, form, milestone and line rolled up
    children: list[ChildStatus]
    totals: Mapping[str, Value]
    issues: list[Issue]
    deadline: dt.date | None  # the unit's own deadline to its parent
    built: list[RollupResult] = field(default_factory=list)  # intermediate levels made here

    @property
    def unit(self) -> Region:
        return self.target.unit

    @property
    def line(self) -> str:
        return self.target.line

    @property
    def form(self) -> Form:
        return self.target.form

    @property
    def milestone(self) -> str:
        return self.target.milestone

    @property
    def complete(self) -> bool:
        return all(c.status in (ON_TIME, LATE) for c in self.children) and all(
            c.counted is None or c.counted.complete for c in self.children
        )

    @property
    def problems(self) -> bool:
        """Anything missing, late or rejected: the CLI exits 1."""
        return any(c.status in (LATE, MISSING, REJECTED) for c in self.children)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for c in self.children:
            out[c.status] += 1
        return out


def end_of_day(day: dt.date, tz: str) -> dt.datetime:
    """'X月X日前' means by the end of that day in the campaign's timezone."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), ZoneInfo(tz))


def child_status(
    unit: Region,
    entries: Iterable[Entry],
    deadline: dt.date | None,
    tz: str,
    as_of: dt.datetime,
) -> ChildStatus:
    """Status of one subordinate at `as_of`: the newest valid version counts; it is on time
    when a valid version had arrived by the end of the deadline day."""
    # oldest first; of two versions that arrived in the same second (a zip's two-second
    # clock, a quick resubmission), the one given first is the newer (entries come newest
    # first), so it is the later one here
    given = [e for e in entries if e.received_at <= as_of]
    order = sorted(range(len(given)), key=lambda i: (given[i].received_at, -i))
    seen = [given[i] for i in order]
    valid = [e for e in seen if e.valid]
    due = end_of_day(deadline, tz) if deadline else None
    if valid:
        counted = valid[-1]
        first = valid[0]
        status = ON_TIME if due is None or first.received_at < due else LATE
        note = None
        if due is not None and first.received_at < due <= counted.received_at:
            note = msg("rollup.corrected_late", date=counted.received_at.date().isoformat())
        if counted.built:
            note = msg("rollup.built_note")
        if counted.gone:
            note = "；".join(x for x in (note, msg("rollup.file_gone")) if x)
        return ChildStatus(unit, status, deadline, counted, len(seen), note, seen[-1])
    if seen:
        return ChildStatus(unit, REJECTED, deadline, None, len(seen), None, seen[-1])
    status = PENDING if due is None or as_of < due else MISSING
    return ChildStatus(unit, status, deadline, None, 0, None)


def aggregate(
    form: Form, children: list[tuple[Region, Mapping[str, Value]]]
) -> tuple[dict[str, Value], list[Issue]]:
    """Totals of `form` over the children's values; rates recomputed, never summed."""
    totals: dict[str, Value] = {}
    issues: list[Issue] = []
    # over the subordinates who reported a value: one who left a cell blank adds nothing
    inputs = [c for c in form.cells if not c.derived and c.field.numeric]
    for cell in inputs:
        parts = [vals.get(cell.key) for _, vals in children]
        totals[cell.key] = derive.total(parts, cell.field.type, derive.SKIP)
    totals.update(derive.sums(form, totals, derive.SKIP))
    # every rate: a table's, column by column over its rows (total rows included), and a
    # single field's
    rates = [
        (f"{row.id}.{col.id}", f"{row.id}.{col.numerator}", f"{row.id}.{col.denominator}")
        for col in form.columns
        if col.derive == "ratio"
        for row in form.rows
    ]
    rates += [(f.id, f.numerator or "", f.denominator or "") for f in form.fields if f.derived]
    for key, num_key, den_key in rates:
        num_sum, den_sum, left_out = Decimal(0), Decimal(0), []
        for region, vals in children:
            num, den = derive.number(vals.get(num_key)), derive.number(vals.get(den_key))
            if num is None:
                continue
            if den is None or den == 0:
                left_out.append(region)
                continue
            num_sum += num
            den_sum += den
        cell = form.cell(key)
        if left_out:
            issues.append(
                Issue.of(
                    "rollup.rate_left_out",
                    msg(
                        "rollup.rate_left_out",
                        row=cell.row.label if cell.row is not None else form.name,
                        rate=cell.field.label,
                        denominator=form.cell(den_key).field.label,
                        units="、".join(r.name for r in left_out),
                    ),
                    field=key,
                )
            )
        totals[key] = derive.rate(num_sum, den_sum)
    return totals, issues


def concatenate(
    form: Form, children: list[tuple[Region, Mapping[str, Value]]], unit_name: Any
) -> dict[str, Value]:
    """A list form's roll-up: every child's items one after another, each with the unit it
    belongs to (its own unit column, else the child's name: `unit_name(region)`), counted,
    and each numeric column summed."""
    out: dict[str, Value] = {}
    k = 0
    for region, vals in children:
        for i in range(1, item_count(vals) + 1):
            k += 1
            for c in form.columns:
                v = vals.get(f"{i}.{c.id}")
                if c.id == UNIT_COLUMN and _own_unit(v):
                    v = unit_name(region)
                out[f"{k}.{c.id}"] = v
    sums = derive.list_totals(form, out)
    if not k:  # no items at all: nothing to add up is 0, not unknown
        sums = {key: 0 for key in sums}
    return {**out, **sums}


# what a clerk writes in a list's unit column for "this unit": blank, 本单位, 同上, a ditto mark
_OWN_UNIT = frozenset({"", "本单位", "本局", "同上", "同左", "〃", '"', "”", "-", "—", "/"})


def _own_unit(value: Value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in _OWN_UNIT)


def rollup(target: Target, entries: Mapping[str, list[Entry]], as_of: dt.datetime) -> RollupResult:
    """Roll the target unit's subordinates up. `entries` maps a unit code to every version received.

    A subordinate with no file of its own but with files of its own subordinates (a province
    collecting county files directly) is built first, recursively; its own file wins where it
    exists, and the choice is reported.
    """
    # which units have files below each unit: computed once, not per child and level
    campaign = target.campaign
    below_index: dict[str, list[str]] = {}
    for code, es in entries.items():
        if es and code in campaign.registry:
            for anc in campaign.registry.ancestors(code):
                below_index.setdefault(anc.code, []).append(code)
    return _rollup(target, entries, as_of, below_index)


def _rollup(
    target: Target,
    entries: Mapping[str, list[Entry]],
    as_of: dt.datetime,
    below_index: Mapping[str, list[str]],
) -> RollupResult:
    campaign, unit, form, milestone = target.campaign, target.unit, target.form, target.milestone
    statuses: list[ChildStatus] = []
    issues: list[Issue] = []
    built: list[RollupResult] = []
    for child in campaign.children(unit):
        own = entries.get(child.code, [])
        below = below_index.get(child.code, [])
        due = campaign.deadline(milestone, child)
        deadline = due.date if due else None
        if below and any(e.valid and e.received_at <= as_of for e in own):
            issues.append(
                Issue.of(
                    "rollup.own_file_wins",
                    msg("rollup.own_file_wins", unit=child.name, count=len(below)),
                    field=None,
                )
            )
        elif below and campaign.children(child):
            sub = _rollup(target.at(child), entries, as_of, below_index)
            built.append(sub)
            used = [c.counted for c in sub.children if c.counted is not None]
            if used:
                arrival = max(e.received_at for e in used)
                own = [
                    *own,
                    Entry(
                        child.code,
                        msg("rollup.built_file", unit=child.name),
                        "",
                        arrival,
                        True,
                        sub.totals,
                        built=True,
                        complete=sub.complete,
                    ),
                ]
                issues.append(
                    Issue.of(
                        "rollup.built",
                        msg("rollup.built", unit=child.name, count=len(used)),
                    )
                )
        statuses.append(child_status(child, own, deadline, campaign.timezone, as_of))
    counted = [(c.unit, c.counted.values) for c in statuses if c.counted is not None]
    if form.listed:
        totals = concatenate(form, counted, lambda r: campaign.agency_name(r, target.line))
    elif form.is_table or any(f.numeric for f in form.fields):
        totals, agg_issues = aggregate(form, counted)
        issues.extend(agg_issues)
    else:
        totals = {}
    for c in statuses:
        if c.counted is not None and not c.counted.complete:
            issues.append(
                Issue.of(
                    "rollup.child_incomplete",
                    msg("rollup.child_incomplete", unit=c.unit.name),
                )
            )
    return RollupResult(
        target=target,
        children=statuses,
        totals=PackedValues(totals),  # one per level: hundreds in a national roll-up
        issues=issues,
        deadline=own_due.date if (own_due := campaign.deadline(milestone, unit)) else None,
        built=built,
    )


def plain(value: Value) -> Any:
    """A value for JSON: Decimal as a number whose text is exactly the decimal (a float is
    written with the shortest digits that give it back: exact for up to 15 significant digits,
    far beyond any sum of 万元), or — beyond that — as its exact decimal text; dates as ISO."""
    kind = type(value)
    if kind is int or kind is str or value is None:  # most figures: as they are, quickly
        return value
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        f = float(value)
        return f if Decimal(repr(f)) == value else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def output_name(result: RollupResult) -> str:
    """<code>-<form>-<milestone>; a form both lines fill (deploy) also names the line."""
    line = f"-{result.line}" if result.form.line == "any" else ""
    return f"{result.unit.code}-{result.form.id}{line}-{result.milestone}"


def child_issues(result: RollupResult) -> list[tuple[Region, Issue]]:
    """The issues of each subordinate's counted version, or of its rejected one."""
    out = []
    for c in result.children:
        entry = c.counted or (c.latest if c.status == "rejected" else None)
        if entry is not None:
            out += [(c.unit, i) for i in entry.issues]
    return out
