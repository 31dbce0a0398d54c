"""Excel workbooks of the official forms: 附件1 (samr-stats), 附件2 (mem-stats) and deploy.

One writer serves blank templates, filled sample workbooks and (later) roll-up outputs. The first
sheet is the official table as the notice prints it; every input cell carries a defined name
(``RK_<row>_<col>``, ``RK_<field>``, ``RK_<header>``), a Chinese data validation and is the only
kind of cell left unlocked on the protected sheet. Totals and rates are formulas with their cached
values, so readers that never recalculate (python-calamine) see the right numbers. A hidden sheet
``_reportkit`` and the workbook's custom properties say which campaign, form, unit and milestone
the file belongs to. The same inputs always give byte-identical files.

:func:`layout` is the pure part: where every cell of a form sits. Readers and the roll-up writer
reuse it; it imports no file library.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from reportkit import __version__
from reportkit.io.atomic import atomic_write
from reportkit.io.workbook import (
    CUSTOM_PREFIX,
    META_KEYS,
    META_SHEET,
    MILESTONE,
    MILESTONE_LABEL,
    TEMPLATE_VERSION,
    Layout,
    Pos,
    Span,
    a1,
    col_letters,
    layout,
)
from reportkit.model import derive
from reportkit.model.campaign import (
    UNIT_COLUMN,
    Campaign,
    Cell,
    FieldDef,
    Form,
    defined_name,
    item_count,
)
from reportkit.model.registry import Region

FONT = "宋体"
TEXT_LIMITS = {"text": 200, "phone": 50, "email": 100}  # maximum length of a text input
NUM_FORMATS = {
    "count": "0",
    "money": "0.00##",
    "rate": "0.00",
    "date": "yyyy-mm-dd",
    "text": "@",
    "phone": "@",
    "email": "@",
    "choice": "@",
}


def num_format(f: FieldDef) -> str:
    """The cell format of field `f`: a quantity shows its own decimal places."""
    if f.type == "quantity":
        places = f.decimals
        return "0." + "#" * places if places else "0"
    return NUM_FORMATS.get(f.type, "General")


MAX_TITLE = 32  # Excel's limits for a data validation; xlsxwriter drops one that exceeds them
MAX_MESSAGE = 255


# --------------------------------------------------------------------------------- helpers


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    per_line = max(1.0, width - 1.5)
    return sum(max(1, math.ceil(_display_width(part) / per_line)) for part in text.split("\n"))


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> str:
    """`text` cut to `limit` UTF-16 units with an ellipsis (for titles made from labels)."""
    if _utf16_len(text) <= limit:
        return text
    out = ""
    for ch in text:
        if _utf16_len(out + ch + "…") > limit:
            break
        out += ch
    return out + "…"


# --------------------------------------------------------------------------------- validation


def _checked(opts: dict[str, Any]) -> dict[str, Any]:
    """Raise when a data validation exceeds Excel's limits (xlsxwriter would silently drop it)."""
    for key, limit in (
        ("input_title", MAX_TITLE),
        ("error_title", MAX_TITLE),
        ("input_message", MAX_MESSAGE),
        ("error_message", MAX_MESSAGE),
    ):
        text = opts.get(key)
        if not text:
            raise ValueError(f"data validation without {key}: {opts!r}")
        if _utf16_len(text) > limit:
            raise ValueError(f"data validation {key} longer than {limit}: {text!r}")
    if opts["validate"] == "list":
        items = opts["source"]
        if any("," in s or '"' in s for s in items) or _utf16_len(",".join(items)) > MAX_MESSAGE:
            raise ValueError(f"data validation list too long or with commas: {items!r}")
    return opts


def _unit_text(f: FieldDef) -> str:
    return f"（单位：{f.unit}）" if f.unit and f.type in ("count", "money", "quantity") else ""


def validation(f: FieldDef, label: str, campaign: Campaign) -> dict[str, Any]:
    """The data validation of an input cell of field `f` shown as `label` (Chinese texts)."""
    title = _fit(label, MAX_TITLE)
    if f.type == "count":
        opts = {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            "input_message": f"请填写大于或等于 0 的整数{_unit_text(f)}。",
            "error_title": "请输入非负整数",
            "error_message": f"“{label}”须为大于或等于 0 的整数，不能是负数、小数或文字。",
        }
    elif f.type in ("money", "rate"):
        opts = {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "input_message": (
                f"请填写大于或等于 0 的数{_unit_text(f)}，最多 4 位小数（0.0001 万元 = 1 元）。"
                if f.type == "money"
                else "请填写大于或等于 0 的百分数（不带 % 号）。"
            ),
            "error_title": "请输入非负数",
            "error_message": f"“{label}”须为大于或等于 0 的数，不能是负数或文字。",
        }
    elif f.type == "quantity":
        places = f.decimals
        opts = {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "input_message": f"请填写大于或等于 0 的数{_unit_text(f)}，最多 {places} 位小数。"
            if places
            else f"请填写大于或等于 0 的整数{_unit_text(f)}。",
            "error_title": "请输入非负数",
            "error_message": f"“{label}”须为大于或等于 0 的数，不能是负数或文字。",
        }
    elif f.type == "choice":
        opts = {
            "validate": "list",
            "source": list(f.options),
            "input_message": _fit("请从下拉列表中选择：" + "、".join(f.options), MAX_MESSAGE),
            "error_title": "请从列表中选择",
            "error_message": _fit(
                f"“{label}”只能填写：" + "、".join(f.options) + "。", MAX_MESSAGE
            ),
        }
    elif f.type == "date":
        lo, hi = campaign.date_window  # the validator's window: one rule, not two
        opts = {
            "validate": "date",
            "criteria": "between",
            "value": lo,
            "maximum": hi,
            "input_message": f"请按“年-月-日”格式填写日期，如 {campaign.starts.isoformat()}。",
            "error_title": "日期无效",
            "error_message": (
                f"“{label}”须为 {lo.isoformat()} 至 {hi.isoformat()} 之间的日期，"
                f"请按“年-月-日”格式填写，如 {campaign.starts.isoformat()}。"
            ),
        }
    else:
        limit = TEXT_LIMITS.get(f.type, TEXT_LIMITS["text"])
        what = {"phone": "电话号码", "email": "电子邮箱地址"}.get(f.type, "内容")
        opts = {
            "validate": "length",
            "criteria": "<=",
            "value": limit,
            "input_message": f"请填写{what}，不超过 {limit} 个字符。",
            "error_title": "内容过长",
            "error_message": f"“{label}”不能超过 {limit} 个字符。",
        }
    opts["input_title"] = title
    opts["error_type"] = "stop"
    return _checked(opts)


def _milestone_validation(names: list[str]) -> dict[str, Any]:
    return _checked(
        {
            "validate": "list",
            "source": names,
            "input_title": MILESTONE_LABEL,
            "input_message": "请从下拉列表中选择本表对应的报送节点。",
            "error_title": "报送节点无效",
            "error_message": "请从下拉列表中选择：" + "、".join(names) + "。",
            "error_type": "stop",
        }
    )


# --------------------------------------------------------------------------------- values


def _plain(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def computed_values(form: Form, values: Mapping[str, Any]) -> dict[str, Any]:
    """The cached results of the derived cells' formulas: what Excel shows before it
    recalculates (a blank counts 0; a rate with no positive denominator is blank; text in a
    rate's operands is #VALUE!)."""
    derived = derive.derived_values(form, values, derive.ZERO)
    # a sum as Excel shows it (12.6456, not 12.645600000000002); a rate is always a float
    out: dict[str, Any] = {
        key: "" if value is None else _plain(Decimal(value)) for key, value in derived.items()
    }
    merged = {**values, **out}
    for key, num, den in derive.derivation(form).rates:
        d = merged.get(den)
        if isinstance(d, str) or (out[key] != "" and isinstance(merged.get(num), str)):
            out[key] = "#VALUE!"
        elif out[key] != "":
            out[key] = float(out[key])
    return out


def _formula(form: Form, lay: Layout, cell: Cell) -> str:
    f, rd = cell.field, cell.row
    if f.derive == "ratio":
        prefix = f"{rd.id}." if rd is not None else ""
        num = a1(*lay.cells[prefix + str(f.numerator)])
        den = a1(*lay.cells[prefix + str(f.denominator)])
        return f'=IF({den}>0,ROUND({num}/{den}*100,2),"")'
    # a total row's cell, or a total column's: the sum of its parts, as the model derives it
    parts = next(t.parts for t in derive.derivation(form).sums if t.key == cell.key)
    refs = [lay.cells[k] for k in parts]
    rows, cols = [r for r, _ in refs], [c for _, c in refs]
    if len(set(cols)) == 1 and rows == list(range(rows[0], rows[0] + len(rows))):
        return f"=SUM({a1(rows[0], cols[0])}:{a1(rows[-1], cols[0])})"
    if len(set(rows)) == 1 and cols == list(range(cols[0], cols[0] + len(cols))):
        return f"=SUM({a1(rows[0], cols[0])}:{a1(rows[0], cols[-1])})"
    return "=SUM(" + ",".join(a1(r, c) for r, c in refs) + ")"


# --------------------------------------------------------------------------------- writing


class _Styles:
    """Cell formats, created once per distinct property set."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.cache: dict[tuple[tuple[str, Any], ...], Any] = {}

    def __call__(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            self.cache[key] = self.wb.add_format(props)
        return self.cache[key]

    # named styles
    def attachment(self) -> Any:
        return self(font_size=12, bold=True, align="left", valign="vcenter")

    def title(self) -> Any:
        return self(font_size=16, bold=True, align="center", valign="vcenter", text_wrap=True)

    def label(self) -> Any:
        return self(align="right", valign="vcenter")

    def heading(self) -> Any:
        return self(bold=True, border=1, align="center", valign="vcenter", text_wrap=True)

    def row_label(self) -> Any:
        return self(border=1, align="center", valign="vcenter", text_wrap=True)

    def value(self, f: FieldDef, *, locked: bool, boxed: bool, wide: bool = False) -> Any:
        props: dict[str, Any] = {
            "num_format": num_format(f),
            "valign": "vcenter",
            "align": "left" if wide or not f.numeric else "center",
            "text_wrap": not f.numeric,
        }
        if boxed:
            props["border"] = 1
        else:
            props["bottom"] = 1
        if not locked:
            props["locked"] = False
        return self(**props)

    def item_number(self) -> Any:
        return self(border=1, align="center", valign="vcenter", locked=False)

    def count(self) -> Any:
        return self(border=1, align="left", valign="vcenter", bold=True)

    def remark(self) -> Any:
        return self(align="left", valign="top", text_wrap=True)

    def note(self) -> Any:
        return self(font_size=9, italic=True, font_color="#595959", valign="top", text_wrap=True)

    def banner(self) -> Any:
        return self(bold=True, font_color="#C00000", text_wrap=True, valign="vcenter")

    def table_head(self) -> Any:
        return self(
            bold=True,
            border=1,
            text_wrap=True,
            align="center",
            valign="vcenter",
            bg_color="#F2F2F2",
        )

    def table_cell(self) -> Any:
        return self(border=1, valign="vcenter", text_wrap=True)

    def table_number(self) -> Any:
        return self(border=1, valign="vcenter", num_format="#,##0.####")

    def table_date(self) -> Any:
        return self(border=1, valign="vcenter", num_format="yyyy-mm-dd")

    def meta(self) -> Any:
        return self(num_format="@")


def _write_value(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    """Write one input value by its Python type; text always as a string, never a formula."""
    if value is None:
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        raise TypeError(f"not a cell value: {value!r}")
    elif isinstance(value, str):
        if ws.write_string(r, c, value, fmt) == -2:
            raise ValueError(f"text longer than Excel's 32,767 characters at {a1(r, c)}")
    elif isinstance(value, (int, float, Decimal)):
        try:
            number = float(value)
        except (OverflowError, InvalidOperation) as e:
            raise ValueError(f"not a finite number at {a1(r, c)}: {value!r}") from e
        if not math.isfinite(number):
            raise ValueError(f"not a finite number at {a1(r, c)}: {value!r}")
        ws.write_number(r, c, int(value) if isinstance(value, int) else number, fmt)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(r, c, value.replace(tzinfo=None), fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), fmt)
    else:
        raise TypeError(f"not a cell value at {a1(r, c)}: {value!r}")


def _column_widths(form: Form, lay: Layout, agency: str) -> dict[int, float]:
    widths: dict[int, float] = {}
    if form.listed:  # 序号, then each column as wide as its heading or its kind of value
        labels = [form.row_header] + [h.label + "：" for h in form.header]
        widths[0] = min(16.0, max(6.0, max(_display_width(t) for t in labels) + 2.0))
        for item in form.columns:
            col = lay.column_labels[item.id][1]
            kind = 12.0 if item.numeric or item.type in ("date", "choice") else 16.0
            # a heading wraps onto two lines at most
            widths[col] = min(30.0, max(kind, math.ceil(_display_width(item.label) / 2) + 3.0))
        widths[1] = max(widths.get(1, 10.0), min(24.0, _display_width(agency) + 2.0))
    elif form.transposed:
        labels = [c.label for c in form.columns] + [form.row_header]
        labels += [h.label + "：" for h in form.header]
        widths[0] = min(30.0, max(12.0, max(_display_width(t) for t in labels) + 2.0))
        first = 1
        if form.unit_column:
            units = [c.unit or "" for c in form.columns] + [form.unit_column]
            widths[1] = max(6.0, max(_display_width(t) for t in units) + 2.0)
            first = 2
        for c in range(first, lay.width):
            widths[c] = 16.0 if lay.width - first <= 4 else 10.0
        if lay.notes:
            widths[lay.width] = 24.0
    elif form.is_table:
        labels = [r.label for r in form.rows] + [form.row_header]
        labels += [h.label + "：" for h in form.header]
        widths[0] = min(24.0, max(10.0, max(_display_width(t) for t in labels) + 2.0))
        for c in range(1, lay.width):
            widths[c] = 18.0 if lay.width <= 5 else 9.0
        for _, c0, _, _ in lay.column_labels.values():
            if c0 >= lay.width:
                widths[c0 - 1] = 2.0  # the empty column between the table and its helpers
                widths[c0] = 14.0
    else:
        labels = [f.label for f in form.fields] + [h.label + "：" for h in form.header]
        widths[0] = max(14.0, max(_display_width(t) for t in labels) + 4.0)
        widths[1] = 50.0
    # the pre-filled unit name must be readable in a single (unmerged) value cell
    if "unit_name" in lay.header and "unit_name" not in lay.value_spans:
        c = lay.header["unit_name"][1]
        widths[c] = min(40.0, max(widths.get(c, 10.0), _display_width(agency) + 2.0))
    return widths


def _span_width(widths: Mapping[int, float], span: Span) -> float:
    return sum(widths.get(c, 8.43) for c in range(span[1], span[3] + 1))


def _write_form_sheet(
    wb: Any,
    styles: _Styles,
    campaign: Campaign,
    form: Form,
    region: Region,
    line: str,
    milestone: str | None,
    values: Mapping[str, Any],
    header: Mapping[str, Any],
    banner: str | None = None,
    fixed: Collection[str] = (),
) -> Layout:
    lay = layout(campaign, form)
    ws = wb.add_worksheet(lay.sheet)
    agency = campaign.agency_name(region, line)
    widths = _column_widths(form, lay, agency)
    for c, w in sorted(widths.items()):
        ws.set_column(c, c, w)
    heights: dict[int, float] = {}

    def put(span: Span, text: str, fmt: Any) -> None:
        if span[0] == span[2] and span[1] == span[3]:
            ws.write_string(span[0], span[1], text, fmt)
        else:
            ws.merge_range(*span, "", fmt)
            ws.write_string(span[0], span[1], text, fmt)

    def need(row: int, points: float) -> None:
        heights[row] = max(heights.get(row, 0.0), points)

    # 附件 and title
    if form.attachment:
        ws.write_string(*lay.attachment, form.attachment, styles.attachment())
    put(lay.title, form.name, styles.title())
    need(lay.title[0], 36.0)

    names: dict[str, Pos] = {}

    # header: 填报单位 (locked), 填报人, 联系方式, 填报时间, 报送节点
    header_defs = {h.id: h for h in form.header}
    for hid, span in lay.header_labels.items():
        text = header_defs[hid].label if hid in header_defs else MILESTONE_LABEL
        put(span, text + "：", styles.label())
        need(span[0], 24.0)
    for hid, (r, c) in lay.header.items():
        names[defined_name(hid)] = (r, c)
        span = lay.value_spans.get(hid, (r, c, r, c))
        wide = span[3] > span[1]
        if hid == MILESTONE:
            fd = FieldDef(MILESTONE, MILESTONE_LABEL, "text")
            ms_names = [campaign.milestones[m].name for m in form.milestones]
            if milestone is not None:
                fmt = styles.value(fd, locked=True, boxed=False, wide=wide)
                value: Any = campaign.milestones[milestone].name
            else:
                fmt = styles.value(fd, locked=False, boxed=False, wide=wide)
                value = None
                ws.data_validation(r, c, r, c, _milestone_validation(ms_names))
        else:
            fd = header_defs[hid]
            locked = fd.prefilled
            fmt = styles.value(fd, locked=locked, boxed=False, wide=True)
            value = agency if hid == "unit_name" else header.get(hid)
            if not locked:
                _add_validation(ws, r, c, validation(fd, fd.label, campaign))
        if wide:
            ws.merge_range(*span, "", fmt)
        _write_value(ws, r, c, value, fmt)

    # the table heading and labels
    for text, span in lay.headings:
        put(span, text, styles.heading())
    h0, h1 = lay.header_rows
    need(h0 - 1, 6.0)  # the thin empty row between the header fields and the table
    if form.is_table:
        for text, span in lay.headings:
            if span[1] == 0:
                continue
            rows = list(range(span[0], span[2] + 1))
            lines = _lines(text, _span_width(widths, span))
            per_row = (lines * 14.5 + 6.0) / len(rows)
            for r in rows:
                need(r, per_row)
    if form.transposed:  # the indicators are the rows, each with its unit; the methods headings
        for cid, span in lay.column_labels.items():
            put(span, form.column(cid).label, styles.row_label())
            need(span[0], 26.0)
        for cid, (r, c) in lay.units.items():
            put((r, c, r, c), form.column(cid).unit or "", styles.row_label())
    for rid, (r, c) in lay.row_labels.items() if not form.transposed else ():
        if form.listed:  # an item's 序号; unlocked, so that a clerk may delete the row
            ws.write_number(r, c, int(rid), styles.item_number())
            need(r, 22.0)
            continue
        rd = next(x for x in form.rows if x.id == rid)
        put((r, c, r, c), rd.label, styles.row_label())
        need(r, 26.0)
    for fid, span in lay.field_labels.items():
        f = next(x for x in form.fields if x.id == fid)
        put(span, f.label, styles.row_label())
        need(span[0], 26.0 if form.is_table else 24.0)
        if not form.is_table:
            need(span[0], _lines(f.label, _span_width(widths, span)) * 14.5 + 6.0)

    # the values: inputs, then derived cells as formulas with their cached values
    derived = computed_values(form, {k: v for k, v in values.items() if k not in fixed})
    for cell in form.cells:
        r, c = lay.cells[cell.key]
        if not form.listed:  # a list's columns are named as ranges, below
            names[cell.name] = (r, c)
        span = lay.value_spans.get(cell.key, (r, c, r, c))
        wide = span[3] > span[1] or not form.is_table
        if cell.derived:
            fmt = styles.value(cell.field, locked=True, boxed=True, wide=wide)
            if span != (r, c, r, c):
                ws.merge_range(*span, "", fmt)
            if cell.key in fixed:  # the roll-up's own figure, not the formula's
                _write_value(ws, r, c, values.get(cell.key), fmt)
            elif cell.key in derived:
                ws.write_formula(r, c, _formula(form, lay, cell), fmt, derived[cell.key])
            else:  # a total row's cell of a column that is not summed (备注, 是/否): blank
                ws.write_blank(r, c, None, fmt)
            continue
        fmt = styles.value(cell.field, locked=False, boxed=True, wide=wide)
        if span != (r, c, r, c):
            ws.merge_range(*span, "", fmt)
        _write_value(ws, r, c, values.get(cell.key), fmt)
        if not form.listed:  # a list's are set once for each column (in _write_count)
            _add_validation(ws, r, c, validation(cell.field, cell.label, campaign))
        if form.listed and isinstance(values.get(cell.key), str):  # an item's text, whole
            need(r, _lines(values[cell.key], widths.get(c, 8.43)) * 14.5 + 6.0)
        if not form.is_table and not cell.field.numeric and isinstance(values.get(cell.key), str):
            need(r, _lines(values[cell.key], _span_width(widths, span)) * 14.5 + 6.0)

    # notes of the helper columns, 备注
    texts_at_row: dict[int, float] = {}
    for cid, (r, c) in lay.notes.items():
        note = form.column(cid).note or ""
        ws.write_string(r, c, note, styles.note())
        texts_at_row[r] = max(texts_at_row.get(r, 0.0), _lines(note, widths.get(c, 8.43)) * 12.0)
    if lay.remark is not None and form.remark:
        text = form.remark if form.remark.startswith("备注") else "备注：" + form.remark
        put(lay.remark, text, styles.remark())
        r = lay.remark[0]
        texts_at_row[r] = max(
            texts_at_row.get(r, 0.0), _lines(text, _span_width(widths, lay.remark)) * 14.5
        )
    for r, pts in texts_at_row.items():
        need(r, pts + 6.0)

    # a list's item rows unlocked to the sheet's edge: a protected sheet deletes a row only
    # when none of its cells is locked
    items = {lay.row_labels[rd.id][0] for rd in form.rows} if form.listed else set()
    for r in sorted(set(heights) | items):
        height = round(heights[r], 2) if r in heights else None
        ws.set_row(r, height, styles(locked=False) if r in items else None)

    sheet = _quote_sheet(lay.sheet)
    refs = {name: f"={sheet}!{a1(r, c, absolute=True)}" for name, (r, c) in names.items()}
    if form.listed and lay.count is not None:
        refs.update(_write_count(ws, styles, campaign, form, lay, values))
    for name, ref in sorted(refs.items()):
        if wb.define_name(name, ref) == -1:
            raise ValueError(f"invalid defined name {name!r}")

    # protection and printing
    ws.protect(
        "",
        {
            "select_locked_cells": True,
            "select_unlocked_cells": True,
            "format_columns": True,
            "format_rows": True,
            # a list takes any number of items: rows may be inserted and deleted
            "insert_rows": form.listed,
            "delete_rows": form.listed,
        },
    )
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(h0, h1)
    area = lay.print_area
    if banner:
        # a roll-up that is not complete says so on the printed page, below the 备注
        ws.merge_range(lay.last_row + 1, 0, lay.last_row + 1, lay.width - 1, "", styles.banner())
        ws.write_string(lay.last_row + 1, 0, banner, styles.banner())
        ws.set_row(lay.last_row + 1, 30)
        area = (area[0], area[1], area[2] + 1, area[3])
    ws.print_area(*area)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    first_input = lay.header.get("filled_by", lay.header[MILESTONE])
    ws.set_selection(*first_input, *first_input)
    ws.activate()
    return lay


def _write_count(
    ws: Any,
    styles: _Styles,
    campaign: Campaign,
    form: Form,
    lay: Layout,
    values: Mapping[str, Any],
) -> dict[str, str]:
    """A list's 合计 row: the number of items (a formula over the item rows: a row counts when
    any of its cells is filled, as the reader counts) and the sum of each numeric column; and
    the columns' range names (RK_list_<column>), which Excel grows when rows are inserted."""
    assert lay.count is not None
    r, _ = lay.count
    n = len(form.rows)
    ws.write_string(r, 0, "合计", styles.row_label())
    col_of = {c.id: lay.column_labels[c.id][1] for c in form.columns}
    summed = [c for c in form.columns if c.type in derive.SUMMED]
    end = min([col_of[c.id] for c in summed], default=lay.width) - 1
    if end > 1:
        ws.merge_range(r, 1, r, end, "", styles.count())
    top, bottom = lay.header_rows[1] + 1, lay.header_rows[1] + n
    filled = sum(
        1
        for rd in form.rows
        if any(values.get(f"{rd.id}.{c.id}") not in (None, "") for c in form.columns
               if not c.derived)
    )  # fmt: skip

    def down_to_here(col: int) -> str:
        # from the first item row to the row above this one, however many rows a clerk
        # inserts (even right above the 合计 row, which a plain range would not take in)
        letters = col_letters(col)
        return f"{a1(top, col)}:INDEX({letters}:{letters},ROW()-1)"

    if n:  # a row counts when a column a clerk types into has something (not a formula's)
        typed = sorted(col_of[c.id] for c in form.columns if not c.derived)
        ranges = "&".join(down_to_here(c) for c in typed)
        formula = f'="共 "&SUMPRODUCT(--(({ranges})<>""))&" 条"'
        ws.write_formula(r, 1, formula, styles.count(), f"共 {filled} 条")
    else:
        ws.write_string(r, 1, "共 0 条", styles.count())
    for c in form.columns:
        col = col_of[c.id]
        if col <= end:
            continue
        fmt = styles.value(c, locked=True, boxed=True)
        if c.type not in derive.SUMMED:
            ws.write_blank(r, col, None, fmt)
            continue
        parts = [values.get(f"{rd.id}.{c.id}") for rd in form.rows]
        got = derive.total(parts, c.type, derive.ZERO) or 0
        if n:
            ws.write_formula(r, col, f"=SUM({down_to_here(col)})", fmt, _plain(Decimal(got)))
        else:
            ws.write_number(r, col, 0, fmt)
    ws.set_row(r, 24)
    if not n:
        return {}
    for c in form.columns:  # one data validation a column, over every item row
        opts = validation(c, c.label, campaign)
        if c.id == UNIT_COLUMN and c.note:  # blank: the unit itself
            opts["input_message"] = _fit(c.note + "。", MAX_MESSAGE)
        if opts and ws.data_validation(top, col_of[c.id], bottom, col_of[c.id], opts) != 0:
            raise ValueError(f"data validation rejected for column {c.id}: {opts!r}")
    # each column's items: from the first item row down to the row above 合计, however many
    # rows are inserted (a plain range would not take in one inserted right above 合计)
    sheet = _quote_sheet(lay.sheet)
    out = {}
    for c in form.columns:
        col, letters = col_of[c.id], col_letters(col_of[c.id])
        out[defined_name(f"list.{c.id}")] = (
            f"={sheet}!{a1(top, col, absolute=True)}:"
            f"INDEX({sheet}!${letters}:${letters},ROW({sheet}!{a1(r, 0, absolute=True)})-1)"
        )
    return out


def _add_validation(ws: Any, r: int, c: int, opts: dict[str, Any]) -> None:
    if ws.data_validation(r, c, r, c, opts) != 0:
        raise ValueError(f"data validation rejected at {a1(r, c)}: {opts!r}")


def _meta(
    campaign: Campaign, form: Form, region: Region, line: str, milestone: str | None
) -> list[tuple[str, str]]:
    values = {
        "campaign": campaign.id,
        "form": form.id,
        "unit_code": region.code,
        "unit_name": region.name,
        "line": line,
        "milestone": milestone or "",
        "template_version": TEMPLATE_VERSION,
        "generator": f"reportkit {__version__}",
    }
    return [(k, values[k]) for k in META_KEYS]


def _write_meta(wb: Any, styles: _Styles, meta: list[tuple[str, str]]) -> None:
    ws = wb.add_worksheet(META_SHEET)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 40)
    fmt = styles.meta()
    for i, (k, v) in enumerate(meta):
        ws.write_string(i, 0, k, fmt)
        if v:
            ws.write_string(i, 1, v, fmt)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
    ws.hide()
    for k, v in meta:
        wb.set_custom_property(CUSTOM_PREFIX + k, v, "text")


@dataclass(frozen=True)
class ExtraSheet:
    """A plain table after the form (明细, 校验问题, 报送情况 of a roll-up)."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    widths: tuple[float, ...] = ()


PAGE_WIDTH = 128.0  # column-width units across an A4 landscape page at 100 % (our margins)
LINE_POINTS = 14.5  # one line of wrapped 10.5-point text


def _write_extra_sheet(wb: Any, styles: _Styles, sheet: ExtraSheet) -> None:
    """A plain table that prints legibly on A4 landscape: its header repeated on every page,
    rows as tall as their wrapped text, and split across pages (first columns repeated) when
    wider than one, never shrunk into an unreadable strip."""
    ws = wb.add_worksheet(sheet.name)
    head, cell, number, date = (
        styles.table_head(),
        styles.table_cell(),
        styles.table_number(),
        styles.table_date(),
    )
    widths = []
    for c, title in enumerate(sheet.columns):
        # a wide title wraps in its heading rather than making its column wide
        width = (
            sheet.widths[c]
            if c < len(sheet.widths)
            else min(12.0, max(9.0, _display_width(title) / 2 + 2))
        )
        widths.append(width)
        ws.write_string(0, c, title, head)
        ws.set_column(c, c, width)
    ws.set_row(
        0, max(_lines(t, w) for t, w in zip(sheet.columns, widths, strict=True)) * LINE_POINTS + 6
    )
    for r, row in enumerate(sheet.rows, start=1):
        tallest = 1
        for c, v in enumerate(row):
            if isinstance(v, dt.date):
                _write_value(ws, r, c, v, date)
            elif isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
                _write_value(ws, r, c, v, number)
            else:  # text that came from a county is always text, never a formula or a link
                text = "" if v is None else str(v)[:32_000]
                _write_value(ws, r, c, text, cell)
                if text and c < len(widths):
                    tallest = max(tallest, min(_lines(text, widths[c]), 30))
        if tallest > 1:  # wrapped text gets the room it needs, not the next rows'
            ws.set_row(r, tallest * LINE_POINTS + 4)
    ws.freeze_panes(1, 0)
    if sheet.rows:
        ws.autofilter(0, 0, len(sheet.rows), len(sheet.columns) - 1)
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.repeat_rows(0, 0)
    total = sum(widths)
    if total <= PAGE_WIDTH * 1.35:
        ws.fit_to_pages(1, 0)  # shrunk to no less than about 75 %: still legible
    else:
        # across pages: the unit columns on every page, pages numbered across then down
        ws.repeat_columns(0, min(1, len(widths) - 1))
        ws.print_across()
        ws.set_footer("&C第 &P 页，共 &N 页")


def _check_args(
    campaign: Campaign,
    form: Form,
    line: str,
    milestone: str | None,
    values: Mapping[str, Any],
    header: Mapping[str, Any],
) -> None:
    if line not in form.lines(campaign):
        raise ValueError(f"form {form.id!r} is not filled on line {line!r}")
    if milestone is not None and milestone not in form.milestones:
        raise ValueError(f"form {form.id!r} has no milestone {milestone!r}")
    known = {c.key for c in form.cells}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown cells of form {form.id!r}: {', '.join(unknown)}")
    head = {h.id for h in form.header}
    unknown = sorted(set(header) - head)
    if unknown:
        raise ValueError(f"unknown header fields: {', '.join(unknown)}")


def build_workbook(
    campaign: Campaign,
    form: Form,
    region: Region,
    line: str,
    *,
    milestone: str | None = None,
    values: Mapping[str, object] | None = None,
    header: Mapping[str, object] | None = None,
    banner: str | None = None,
    extra_sheets: Sequence[ExtraSheet] = (),
    extra_meta: Mapping[str, str] | None = None,
    fixed: Mapping[str, object] | None = None,
    items: int | None = None,
) -> bytes:
    """The workbook's bytes (see :func:`write_form_workbook`). `fixed`: derived cells written
    as these values instead of their formulas (a roll-up's rate that left a unit out, which
    the formula over the totals would not). A list form gets a row per item of `values`, and
    empty rows up to its capacity unless `items` (a roll-up's, exactly its items) is given."""
    import xlsxwriter

    values = dict(values or {})
    header = dict(header or {})
    if form.listed and form.size is None:  # a list: its items, or the template's empty rows
        n = item_count(values)
        form = form.sized(n if items is not None and items <= n else max(n, form.capacity))
    _check_args(campaign, form, line, milestone, values, header)
    # derived cells are formulas computed from the inputs; values given for them are ignored
    derived_keys = {c.key for c in form.cells if c.derived}
    values = {k: v for k, v in values.items() if k not in derived_keys}
    values.update({k: v for k, v in (fixed or {}).items() if k in derived_keys})
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,  # zip entries get the fixed 1980-01-01 timestamp
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_format_properties": {
                "font_name": FONT,
                "font_size": 11,
                "font_scheme": "none",
                "font_family": 3,
                "font_charset": 134,
            },
        },
    )
    styles = _Styles(wb)
    agency = campaign.agency_name(region, line)
    _write_form_sheet(
        wb,
        styles,
        campaign,
        form,
        region,
        line,
        milestone,
        values,
        header,
        banner,
        set(fixed or ()),
    )
    for extra in extra_sheets:
        _write_extra_sheet(wb, styles, extra)
    meta = _meta(campaign, form, region, line, milestone)
    meta += sorted((extra_meta or {}).items())
    _write_meta(wb, styles, meta)
    wb.set_properties(
        {
            "title": f"{form.name}（{agency}）",
            "subject": campaign.name,
            "author": agency,
            "company": agency,
            "category": "统计报表" if form.is_table else "填报表",
            "keywords": f"{campaign.name}, {form.name}, {campaign.id}, {form.id}",
            "comments": f"{campaign.name}（{campaign.year}年）由 reportkit 生成",
            "created": dt.datetime.combine(campaign.starts, dt.time()),
        }
    )
    wb.close()
    return buf.getvalue()


def write_form_workbook(
    path: str | os.PathLike[str],
    campaign: Campaign,
    form: Form,
    region: Region,
    line: str,
    *,
    milestone: str | None = None,
    values: Mapping[str, object] | None = None,
    header: Mapping[str, object] | None = None,
    banner: str | None = None,
    extra_sheets: Sequence[ExtraSheet] = (),
    extra_meta: Mapping[str, str] | None = None,
) -> Path:
    """Write the workbook of `form` for `region` × `line` to `path` atomically; return the path.

    `values`: cell key ("row.col" or field id) → int | Decimal | str | date | None; `header`:
    filled_by / contact / filled_on → value (the unit name is always the agency's name).
    The file is written to a temporary file in the same directory, then moved into place.
    """
    path = Path(path)
    data = build_workbook(
        campaign,
        form,
        region,
        line,
        milestone=milestone,
        values=values,
        header=header,
        banner=banner,
        extra_sheets=extra_sheets,
        extra_meta=extra_meta,
    )
    return atomic_write(path, data)
