"""What a roll-up, a status board or a report is about: one unit's table for one form, one
milestone and one line of the campaign, resolved once from what a clerk typed."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from reportkit.messages import msg
from reportkit.model.campaign import Campaign, Form, Refused
from reportkit.model.registry import Region


class TargetError(Refused):
    """What a clerk named does not make a target; `message` says why, in Chinese."""


@dataclass(frozen=True)
class Target:
    campaign: Campaign
    unit: Region
    line: str
    form: Form
    milestone: str

    def at(self, unit: Region) -> Target:
        """The same form, milestone and line one level down (a subordinate built here)."""
        return dataclasses.replace(self, unit=unit)


def _lookup_message(e: LookupError) -> str:
    # UnknownRegion / AmbiguousRegion carry `message`; the campaign's lookups their first arg
    return getattr(e, "message", None) or str(e.args[0] if e.args else e)


def form_lines(campaign: Campaign, form: Form, line: str | None) -> tuple[str, ...]:
    """The lines `form` is made for: `line` alone when given (TargetError if the campaign has
    no such line or the form is not that line's), else every line that fills it."""
    lines = form.lines(campaign)
    if line is None:
        return lines
    if line not in campaign.lines:
        raise TargetError(msg("unit.unknown_line", line=line, choices=campaign.line_choices()))
    if line not in lines:
        raise TargetError(
            msg(
                "unit.form_not_for_line",
                form=form.id,
                form_line="、".join(campaign.lines[x].name for x in lines),
                line=campaign.lines[line].name,
            )
        )
    return (line,)


def resolve_target(
    campaign: Campaign,
    unit: str,
    form: str | None,
    milestone: str,
    line: str | None = None,
) -> Target:
    """The target a clerk named (泰安市 or 泰安市应急管理局, 附件2, 终期, and a line where the
    form and the unit leave it open; no form: the milestone's only one); TargetError saying
    what is wrong otherwise."""
    try:
        chosen_form = campaign.form_for(form) if form else campaign.only_form(milestone)
        chosen_milestone = campaign.milestone_for(milestone, chosen_form.milestones)
        region, office_line = campaign.resolve(unit)
    except LookupError as e:
        raise TargetError(_lookup_message(e)) from e
    lines = chosen_form.lines(campaign)
    chosen = line or office_line or (lines[0] if len(lines) == 1 else None)
    if chosen is None:
        raise TargetError(
            msg(
                "rollup.no_line",
                form=chosen_form.id,
                count=len(lines),
                choices=campaign.line_choices(lines),
            )
        )
    form_lines(campaign, chosen_form, chosen)
    if not campaign.children(region):
        raise TargetError(msg("unit.no_children", unit=region.name))
    return Target(campaign, region, chosen, chosen_form, chosen_milestone)
