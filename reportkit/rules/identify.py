"""Whose file is it: the unit, line and milestone a submission speaks for."""

from __future__ import annotations

import re
import unicodedata

from reportkit.issues import WARNING, Issue
from reportkit.messages import msg
from reportkit.model.campaign import Campaign, Form
from reportkit.model.submission import Submission


def _issue(
    sub: Submission, code: str, severity: str | None = None, field: str | None = None, **kw: object
) -> None:
    raw = sub.raw.get(field) if field else None
    sub.issues.append(
        Issue.of(
            code,
            msg(code, **kw),
            severity,
            file=sub.file,
            sheet=raw.sheet if raw else None,
            cell=raw.cell if raw else None,
            field=field,
        )
    )


_SEAL = re.compile(
    r"[(（]\s*(?:加盖|盖|公|签|印)?\s*章\s*[)）]|[(（]\s*签\s*[字名](?:\s*盖\s*章)?\s*[)）]"
)
_EDGE = " \t\r\n\u3000:：,，.。;；、_＿"


def unit_text(value: object) -> str:
    """What a clerk wrote for 填报单位, without the seal note and the punctuation around it:
    "岱岳区应急管理局（盖章）。" → "岱岳区应急管理局"."""
    text = unicodedata.normalize("NFKC", str(value))
    return _SEAL.sub("", text).strip(_EDGE)


def identify(sub: Submission, campaign: Campaign, parent: str | None = None) -> None:
    """Fill sub.unit_code, sub.line and sub.milestone from metadata and header; add issues.

    The unit comes from the template's hidden metadata, else from 填报单位. When both exist and
    disagree, or the unit is unknown, or it is not below the unit rolling up, that is an error
    naming both.
    """
    form = campaign.forms[sub.form] if sub.form else None
    meta = sub.meta
    if meta.get("campaign") and meta["campaign"] != campaign.id:
        _issue(sub, "unit.unknown_campaign", campaign=meta["campaign"])
        return
    meta_region = None
    if meta.get("unit_code"):
        try:
            meta_region = campaign.registry.get(meta["unit_code"])
        except LookupError:
            _issue(
                sub,
                "unit.unknown_unit",
                text=meta["unit_code"],
                detail="模板信息中的单位代码不存在",
            )
    raw_name = sub.raw.get("unit_name")
    text = unit_text(raw_name.value) if raw_name and raw_name.value not in (None, "") else ""
    header_region, header_line = None, None
    if text:
        try:
            scope = meta_region.parent if meta_region else parent
            header_region, header_line = campaign.resolve(text, within=scope)
        except LookupError as e:
            if meta_region is None:
                _issue(sub, "unit.unknown_unit", field="unit_name", text=text, detail=str(e))
                return
            _issue(sub, "unit.unknown_unit", WARNING, field="unit_name", text=text, detail=str(e))
    if meta_region and header_region and meta_region.code != header_region.code:
        _issue(
            sub,
            "unit.meta_mismatch",
            field="unit_name",
            meta=f"{meta_region.name}（{meta_region.code}）",
            text=text,
            header=f"{header_region.name}，{header_region.code}",
        )
        return
    region = meta_region or header_region
    if region is None:
        _issue(sub, "unit.no_unit", field="unit_name" if raw_name else None)
        return
    sub.unit_code = region.code
    if meta.get("line") and header_line and meta["line"] != header_line:
        names = {k: v.name for k, v in campaign.lines.items()}
        _issue(
            sub,
            "unit.wrong_line",
            field="unit_name",
            office=text,
            line=names.get(header_line, header_line),
            form=form.name if form else "",
            form_line=names.get(meta["line"], meta["line"]),
        )
        return
    line = meta.get("line") or header_line or (form.line if form and form.line != "any" else None)
    if form and line and form.line not in ("any", line):
        names = {k: v.name for k, v in campaign.lines.items()}
        _issue(
            sub,
            "unit.wrong_line",
            field="unit_name",
            office=text or campaign.agency_name(region, line),
            line=names.get(line, line),
            form=form.name,
            form_line=names.get(form.line, form.line),
        )
        return
    sub.line = line
    sub.milestone = _milestone(sub, campaign)
    if parent is not None and not campaign.registry.is_descendant(region.code, parent):
        p = campaign.registry.get(parent)
        _issue(
            sub,
            "unit.not_subordinate",
            field="unit_name",
            unit=f"{region.name}（{region.code}）",
            parent=f"{p.name}（{p.code}）",
        )


# Short ways clerks write 报送节点, checked in order: the first word found wins.
def _milestone(sub: Submission, campaign: Campaign) -> str | None:
    """The milestone the file is for: the visible 报送节点 cell, the template's metadata, or
    (neither saying) what the filled cells show. A contradiction between the two is an error."""
    form = campaign.forms[sub.form] if sub.form else None
    allowed = form.milestones if form else tuple(campaign.milestones)
    meta = sub.meta.get("milestone") if sub.meta.get("milestone") in allowed else None
    raw = sub.raw.get("milestone")
    text = str(raw.value).strip() if raw and raw.value not in (None, "") else ""
    cell = _milestone_of_text(text, campaign, allowed) if text else None
    if text and cell is None:
        names = "、".join(campaign.milestones[m].name for m in allowed)
        _issue(sub, "milestone.unknown", field="milestone", text=text[:40], choices=names)
    if meta and cell and meta != cell:
        _issue(
            sub,
            "milestone.mismatch",
            field="milestone",
            text=text[:40],
            meta=campaign.milestones[meta].name,
        )
        return None
    found = cell or meta
    if found is None and form is not None:
        found = _infer_milestone(sub, form)
        if found is not None:
            name = campaign.milestones[found].name
            _issue(sub, "milestone.inferred", field="milestone", name=name)
    return found


def _milestone_of_text(text: str, campaign: Campaign, allowed: tuple[str, ...]) -> str | None:
    for m in allowed:
        if campaign.milestones[m].called(text):
            return m
    # the words the campaign gives for each milestone, in its order (中期 before 总结)
    for ms in campaign.milestones.values():
        if ms.id in allowed and any(word in text for word in ms.aliases):
            return ms.id
    return None


def _infer_milestone(sub: Submission, form: Form) -> str | None:
    """A form due at one milestone is for that one; a statistics table with any column filled
    that only the final milestone asks for is final, else midterm if anything is filled."""
    if len(form.milestones) == 1:
        return form.milestones[0]
    filled = {k for k, rc in sub.raw.items() if rc.value not in (None, "")}
    by_stage = sorted(form.milestones, key=lambda m: -len(form.required(m)))
    for m in by_stage:  # the milestone that asks for most first (final before midterm)
        only_here = {c.key for c in form.required(m)} - {
            c.key for other in form.milestones if other != m for c in form.required(other)
        }
        if filled & only_here:
            return m
    if filled & {c.key for c in form.cells}:
        return by_stage[-1]
    return None
