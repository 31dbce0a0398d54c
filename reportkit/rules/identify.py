"""Whose file is it: the unit, line and milestone a submission speaks for."""

from __future__ import annotations

from reportkit.messages import msg
from reportkit.model.campaign import Campaign
from reportkit.model.submission import Submission
from reportkit.rules.issues import ERROR, WARNING, Issue


def _issue(
    sub: Submission, code: str, severity: str = ERROR, field: str | None = None, **kw: object
) -> None:
    raw = sub.raw.get(field) if field else None
    sub.issues.append(
        Issue(
            code,
            severity,
            msg(code, **kw),
            file=sub.file,
            sheet=raw.sheet if raw else None,
            cell=raw.cell if raw else None,
            field=field,
        )
    )


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
    text = str(raw_name.value).strip() if raw_name and raw_name.value not in (None, "") else ""
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


def _milestone(sub: Submission, campaign: Campaign) -> str | None:
    if sub.meta.get("milestone") in campaign.milestones:
        return sub.meta["milestone"]
    raw = sub.raw.get("milestone")
    text = str(raw.value).strip() if raw and raw.value not in (None, "") else ""
    for m in campaign.milestones.values():
        if text in (m.id, m.name, m.what):
            return m.id
    return None
