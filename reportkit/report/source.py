"""Read a roll-up's outputs (`OUT/<code>-<form>-<milestone>.json` and its workbook) back.

The JSON summary carries totals, statuses and issues. Per-subordinate figures come from the
JSON's ``children[].values`` when the roll-up writes them, otherwise from the workbook's 明细
sheet (one row per subordinate, columns labelled "<row> · <column>").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from reportkit.messages import msg
from reportkit.model import derive
from reportkit.model.campaign import Campaign, Form, item_count
from reportkit.model.derive import SUMMED
from reportkit.model.target import Target
from reportkit.report.generic import COUNT, TOTAL, list_figures

Number = int | Decimal


class SourceError(ValueError):
    """The roll-up output is missing, for another target, or unreadable (a Chinese message)."""


@dataclass(frozen=True)
class Child:
    """One subordinate as the roll-up saw it."""

    code: str
    name: str  # the region's name (泰山区)
    agency: str  # the reporting office (泰山区应急管理局)
    status: str  # on_time | late | missing | rejected | pending
    deadline: dt.date | None
    received_at: dt.datetime | None
    file: str | None
    note: str | None
    values: dict[str, Any] = field(default_factory=dict)  # cell key → int | Decimal | str | date


@dataclass(frozen=True)
class RollupData:
    """Everything a report needs from one roll-up."""

    form: Form
    milestone: str
    line: str
    unit_code: str
    agency: str
    as_of: dt.datetime
    deadline: dt.date | None
    filled_on: dt.date | None  # the 填报时间 its workbook carries (roll-ups before it: None)
    complete: bool
    counts: dict[str, int]
    totals: dict[str, Number | None]
    children: tuple[Child, ...]
    issues: tuple[dict[str, Any], ...]
    path: Path
    # a list form: every item (column id → value) in the roll-up's order, and the form itself
    # (`form` is then the figures a report counts: see generic.list_figures)
    items: tuple[dict[str, Any], ...] = ()
    listed: Form | None = None

    def child_of_file(self, file: str | None) -> Child | None:
        if not file:
            return None
        for c in self.children:
            if c.file and (c.file == file or Path(c.file).name == Path(file).name):
                return c
        return None


def output_name(code: str, form: Form, milestone: str, line: str) -> str:
    """The name `reportkit rollup` gives its JSON (rollup.core.output_name): only a form both
    lines fill (deploy) has the line in it, <code>-deploy-<line>-<milestone>.json."""
    both = f"-{line}" if form.line == "any" else ""
    return f"{code}-{form.id}{both}-{milestone}.json"


def find_output(
    campaign: Campaign, out: Path, code: str, form: Form, milestone: str, line: str
) -> Path:
    """The JSON summary in OUT (a folder, or the .json / .xlsx itself); when there is none,
    the error says which `reportkit rollup` to run first."""
    named = out.is_file() or out.suffix.lower() in (".json", ".xlsx")
    path = out.with_suffix(".json") if named else out / output_name(code, form, milestone, line)
    if not path.is_file():
        folder = out.parent if named else out
        unit = campaign.registry.get(code).name
        raise SourceError(
            msg(
                "report.no_rollup",
                path=path,
                unit=unit,
                form=form.id,
                name=form.name,
                ms=milestone,
                line=f" --line {line}" if form.line == "any" else "",
                out=shell_word(str(folder)),
            )
        )
    return path


def shell_word(text: str) -> str:
    """`text` as one word of a command line in cmd.exe and POSIX shells alike."""
    if text and all(ch.isalnum() or ch in "-_./:\\" for ch in text):
        return text
    return '"' + text.replace('"', '\\"') + '"'


def rollup_date(data: RollupData, deadline: dt.date | None, today: dt.date) -> dt.date:
    """The roll-up's own date, the one a report is dated with when the clerk gives none: the
    填报时间 of its workbook; for a roll-up written before that was recorded, the latest
    arrival among the counted subordinates, else today — never after the unit's own deadline
    (a report drafted after the campaign is dated as it was due)."""
    if data.filled_on is not None:
        return data.filled_on
    arrivals = [
        c.received_at.date()
        for c in data.children
        if c.received_at is not None and c.status in ("on_time", "late")
    ]
    day = max(arrivals) if arrivals else today
    return min(day, deadline) if deadline else day


def load_rollup(target: Target, out: Path) -> RollupData:
    """The roll-up of `target` that `reportkit rollup` wrote to `out` (its folder, or the
    .json / .xlsx itself); SourceError when there is none or it is for another target."""
    campaign, form, milestone, line = target.campaign, target.form, target.milestone, target.line
    code, form_id = target.unit.code, form.id
    path = find_output(campaign, out, code, form, milestone, line)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SourceError(msg("report.bad_rollup", path=path, detail=e)) from e
    expected = {"campaign": campaign.id, "code": code, "form": form_id, "milestone": milestone}
    for key, want in expected.items():
        if data.get(key) != want:
            raise SourceError(
                msg("report.rollup_mismatch", path=path, key=key, got=data.get(key), want=want)
            )
    if data.get("line") != line:
        raise SourceError(
            msg("report.rollup_mismatch", path=path, key="line", got=data.get("line"), want=line)
        )
    listed = form if form.listed else None
    items: tuple[dict[str, Any], ...] = ()
    if listed is not None:
        per_child = {  # a unit that sent nothing (缺报, 退回) has no figures, not 0 items
            c["code"]: _list_figures(listed, _items(listed, c["values"]))
            for c in data.get("children", [])
            if c.get("values") is not None
        }
        items = _items(listed, data.get("totals", {}))
        data["totals"] = _list_figures(listed, items)
        form = list_figures(listed)
    else:
        per_child = _child_values(campaign, form, data, path)
    children = []
    for c in data.get("children", []):
        region = campaign.registry.get(c["code"])
        children.append(
            Child(
                code=c["code"],
                name=region.name,
                agency=c.get("unit") or region.name,
                status=c["status"],
                deadline=_date(c.get("deadline")),
                received_at=_datetime(c.get("received_at")),
                file=c.get("file"),
                note=c.get("note"),
                values=per_child.get(c["code"], {}),
            )
        )
    return RollupData(
        form=form,
        milestone=milestone,
        line=data["line"],
        unit_code=code,
        agency=data["unit"],
        as_of=dt.datetime.fromisoformat(data["as_of"]),
        deadline=_date(data.get("deadline")),
        filled_on=_date(data.get("filled_on")),
        complete=bool(data.get("complete")),
        counts=dict(data.get("counts", {})),
        totals={k: _typed(form, k, v) for k, v in data.get("totals", {}).items()},
        children=tuple(children),
        issues=tuple(data.get("issues", [])),
        path=path,
        items=items,
        listed=listed,
    )


def _items(form: Form, values: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """A list form's items from a roll-up's JSON values ("k.column"), typed."""
    types = {c.id: c for c in form.columns}
    out: list[dict[str, Any]] = [{} for _ in range(item_count(values))]
    for key, v in values.items():
        head, _, col = key.partition(".")
        if head.isdigit() and col in types and 1 <= int(head) <= len(out):
            kind = types[col].type
            if kind == "date" and isinstance(v, str):
                with contextlib.suppress(ValueError):
                    v = dt.date.fromisoformat(v)
            elif kind == "quantity" and isinstance(v, (int, float)):
                v = Decimal(str(v))
            out[int(head) - 1][col] = _as(kind, v)
    return tuple(out)


def _list_figures(form: Form, items: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    """What a report counts of a list: its number of items, each numeric column summed."""
    out: dict[str, Any] = {COUNT: len(items)}
    for c in form.columns:
        if c.type in SUMMED:
            got = derive.total([i.get(c.id) for i in items], c.type, derive.SKIP)
            out[TOTAL + c.id] = got if got is not None else (0 if c.type == "count" else Decimal(0))
    return out


def _child_values(
    campaign: Campaign, form: Form, data: dict[str, Any], path: Path
) -> dict[str, dict[str, Any]]:
    if any("values" in c for c in data.get("children", [])):
        return {
            c["code"]: {k: _typed(form, k, v) for k, v in (c.get("values") or {}).items()}
            for c in data["children"]
        }
    counted = [c for c in data.get("children", []) if c.get("file")]
    if not counted:
        return {}
    workbook = path.with_suffix(".xlsx")
    try:
        rows = _detail_rows(workbook)
    except Exception as e:  # python-calamine raises its own error types
        raise SourceError(msg("report.bad_rollup", path=workbook, detail=e)) from e
    if not rows:
        raise SourceError(msg("report.no_detail", path=workbook))
    header, body = rows[0], rows[1:]
    # Labels repeat (整改完成的问题数量 is both self_fixed and fixed): match them in order.
    if form.is_table:
        known = [(c.label, c.key) for c in form.cells]
    else:
        known = [(f.label, f.id) for f in form.fields]
        known += [(h.label, f"header.{h.id}") for h in form.header]
    keys: list[str | None] = []
    for h in header:
        hit = next((k for label, k in known if label == str(h) and k not in keys), None)
        keys.append(hit)
    out: dict[str, dict[str, Any]] = {}
    for row in body:
        code = str(row[0]).strip() if row else ""
        if not code:
            continue  # the 合计 row
        out[code] = {
            k: _typed(form, k, v)
            for k, v in zip(keys, row, strict=False)
            if k is not None and v != ""
        }
    return out


def _detail_rows(workbook: Path) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(workbook))
    if "明细" not in wb.sheet_names:
        return []
    return wb.get_sheet_by_name("明细").to_python()


def _typed(form: Form, key: str, value: Any) -> Any:
    """JSON/workbook numbers as the campaign types them: counts int, money and rates Decimal."""
    if value is None or isinstance(value, (dt.date, bool)):
        return value
    try:
        ftype = form.cell(key).field.type
    except KeyError:
        return value
    return _as(ftype, value)


def _as(ftype: str, value: Any) -> Any:
    """A JSON or workbook value as a field of type `ftype` holds it (dates as dates)."""
    if value is None or isinstance(value, (dt.date, bool)):
        return value
    if ftype in ("count", "money", "rate") and isinstance(value, (int, float, str)):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return value
        if ftype == "count" and number == number.to_integral_value():
            return int(number)
        # the workbook stores floats: 4 places is 1 元 for money, rates have 2
        return number.quantize(Decimal("0.0001")).normalize() if ftype == "money" else number
    return value


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _datetime(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None
