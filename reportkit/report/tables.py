"""Tables of the report's attachments as plain data: cells placed on a grid, with spans.

The official table keeps the merged headers of 附件1 / 附件2 (a column group such as 自查自改情况
spans its columns; an ungrouped column spans both header rows). Pure: no Word here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from reportkit.model.campaign import FieldDef, Form
from reportkit.model.derive import SKIP, SUMMED
from reportkit.model.derive import total as total_of
from reportkit.report.numbers import chinese_date, fmt


class ChildRow(NamedTuple):
    """One subordinate in a table by subordinate: its figures, or why there are none."""

    name: str
    status: str  # the status as shown (缺报, 退回…): the row's text when it has no figures
    values: dict[str, Any] | None


@dataclass(frozen=True)
class Placed:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    align: str = "center"  # center | left


@dataclass
class TableSpec:
    ncols: int
    header_rows: int
    cells: list[Placed] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)  # relative column widths
    font_pt: float = 10.5
    subtitle: str | None = None  # printed above the table, e.g. （一）培训机构

    @property
    def nrows(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)

    def grid(self) -> list[list[str]]:
        """Text per grid position (merged cells repeat their text): what a reader sees."""
        out = [[""] * self.ncols for _ in range(self.nrows)]
        for c in self.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    out[r][k] = c.text
        return out


def _header(
    spec: TableSpec,
    first: str,
    columns: list[FieldDef],
    start_col: int = 1,
    first_width: float = 2.2,
) -> None:
    """Two header rows: groups spanning their columns, ungrouped columns spanning both rows."""
    spec.cells.append(Placed(0, 0, first, rowspan=2, header=True))
    col = start_col
    i = 0
    while i < len(columns):
        group = columns[i].group
        if group is None:
            spec.cells.append(Placed(0, col, columns[i].label, rowspan=2, header=True))
            i += 1
            col += 1
            continue
        j = i
        while j < len(columns) and columns[j].group == group:
            spec.cells.append(Placed(1, col + (j - i), columns[j].label, header=True))
            j += 1
        spec.cells.append(Placed(0, col, group, colspan=j - i, header=True))
        col += j - i
        i = j
    spec.widths = [first_width] + [1.0] * (spec.ncols - 1)


def official_table(form: Form, totals: dict[str, Any]) -> TableSpec:
    """The official statistics table (附件1 / 附件2) filled with the roll-up's totals."""
    if form.transposed:
        return _indicator_table(form, totals)
    columns = [c for c in form.columns if c.official]
    grouped = any(c.group for c in columns)
    spec = TableSpec(ncols=len(columns) + 1, header_rows=2 if grouped else 1)
    if grouped:
        _header(spec, form.row_header, columns)
        spec.font_pt = 9
    else:
        spec.cells.append(Placed(0, 0, form.row_header, header=True))
        for k, c in enumerate(columns, start=1):
            spec.cells.append(Placed(0, k, c.label, header=True))
        spec.widths = [1.6] + [1.0] * len(columns)
        spec.font_pt = 14 if len(columns) <= 4 else 10.5
    r = spec.header_rows
    for row in form.rows:
        spec.cells.append(Placed(r, 0, row.label, header=True))
        for k, c in enumerate(columns, start=1):
            spec.cells.append(Placed(r, k, fmt(totals.get(f"{row.id}.{c.id}"))))
        r += 1
    # single values (执法联动, 曝光典型案例) in label/value pairs along a last row, as printed
    pairs = [(f.label, fmt(totals.get(f.id))) for f in form.fields]
    per_row = max(1, spec.ncols // 2)
    for start in range(0, len(pairs), per_row):
        chunk = pairs[start : start + per_row]
        span = spec.ncols // (2 * len(chunk)) or 1
        col = 0
        for label, value in chunk:
            spec.cells.append(Placed(r, col, label, colspan=span, header=True))
            spec.cells.append(Placed(r, col + span, value, colspan=span))
            col += 2 * span
        if col < spec.ncols:  # stretch the last value cell to the edge
            last = spec.cells.pop()
            spec.cells.append(Placed(last.row, last.col, last.text, colspan=spec.ncols - last.col))
        r += 1
    return spec


def list_table(form: Form, items: tuple[dict[str, Any], ...]) -> TableSpec:
    """A list form's items as the notice prints the list: 序号 and its columns, one row per
    item, and a 合计 row with their number and the sum of each numeric column."""
    columns = list(form.columns)
    spec = TableSpec(ncols=len(columns) + 1, header_rows=1)
    spec.cells.append(Placed(0, 0, form.row_header or "序号", header=True))
    for k, c in enumerate(columns, start=1):
        spec.cells.append(Placed(0, k, c.label, header=True))
    for r, item in enumerate(items, start=1):
        spec.cells.append(Placed(r, 0, str(r)))
        for k, c in enumerate(columns, start=1):
            align = "center" if c.numeric or c.type in ("date", "choice") else "left"
            spec.cells.append(Placed(r, k, fmt(item.get(c.id)), align=align))
    r = len(items) + 1
    summed = [k for k, c in enumerate(columns, start=1) if c.type in SUMMED]
    end = min(summed, default=spec.ncols)
    spec.cells.append(Placed(r, 0, "合计", header=True))
    spec.cells.append(Placed(r, 1, f"共 {len(items)} 条", colspan=max(1, end - 1), align="left"))
    for k, c in enumerate(columns, start=1):
        if k >= end and k > 1:
            got = total_of([i.get(c.id) for i in items], c.type, SKIP) if k in summed else None
            spec.cells.append(Placed(r, k, fmt(got if got is not None else "")))
    spec.widths = [0.5] + [
        1.2 if c.type == "date" else 0.9 if c.numeric or c.type == "choice" else 1.4
        for c in columns
    ]
    spec.font_pt = 10.5 if len(columns) <= 6 else 9
    return spec


def _indicator_table(form: Form, totals: dict[str, Any]) -> TableSpec:
    """An indicator table as the notice prints it: one row per indicator, with its unit when
    the notice has a 计量单位 column, one column per method or period."""
    indicators = [c for c in form.columns if c.official]
    first = 2 if form.unit_column else 1
    spec = TableSpec(ncols=first + len(form.rows), header_rows=1)
    spec.cells.append(Placed(0, 0, form.row_header, header=True))
    if form.unit_column:
        spec.cells.append(Placed(0, 1, form.unit_column, header=True))
    for k, m in enumerate(form.rows, start=first):
        spec.cells.append(Placed(0, k, m.label, header=True))
    for r, ind in enumerate(indicators, start=1):
        spec.cells.append(Placed(r, 0, ind.label, header=True))
        if form.unit_column:
            spec.cells.append(Placed(r, 1, ind.unit or ""))
        for k, m in enumerate(form.rows, start=first):
            spec.cells.append(Placed(r, k, fmt(totals.get(f"{m.id}.{ind.id}"))))
    spec.widths = [2.6] + ([0.6] if form.unit_column else []) + [1.0] * len(form.rows)
    spec.font_pt = 14 if len(form.rows) <= 4 else 10.5
    return spec


def breakdown_tables(
    form: Form,
    milestone: str,
    children: list[ChildRow],
    totals: dict[str, Any],
    unit_header: str = "单位",
) -> list[TableSpec]:
    """Figures by subordinate: `children` is (name, status text, values or None)."""
    columns = [c for c in form.columns if c.official and milestone in c.milestones]
    if not form.is_table:
        return [_directory(form, children, unit_header)]
    if any(c.group for c in columns):  # 附件2: one table per row (培训机构, 考试机构)
        out = []
        numerals = "一二三四五六七八九十"
        for n, row in enumerate(form.rows):
            spec = TableSpec(ncols=len(columns) + 1, header_rows=2, font_pt=9)
            spec.subtitle = f"（{numerals[n % 10]}）{row.label}"
            _header(spec, unit_header, columns, first_width=2.6)
            _body(spec, children, totals, [f"{row.id}.{c.id}" for c in columns])
            out.append(spec)
        return out
    # 附件1: rows become column groups
    fields = [f for f in form.fields if milestone in f.milestones]
    keys = [f"{r.id}.{c.id}" for r in form.rows for c in columns] + [f.id for f in fields]
    spec = TableSpec(ncols=len(keys) + 1, header_rows=2, font_pt=9)
    spec.cells.append(Placed(0, 0, unit_header, rowspan=2, header=True))
    col = 1
    for row in form.rows:
        spec.cells.append(Placed(0, col, row.label, colspan=len(columns), header=True))
        for k, c in enumerate(columns):
            spec.cells.append(Placed(1, col + k, c.label, header=True))
        col += len(columns)
    for f in fields:
        spec.cells.append(Placed(0, col, f.label, rowspan=2, header=True))
        col += 1
    spec.widths = [2.6] + [1.0] * len(keys)
    _body(spec, children, totals, keys)
    return [spec]


def counts_table(
    form: Form, children: list[ChildRow], totals: dict[str, Any], unit_header: str = "单位"
) -> TableSpec:
    """A list's figures by subordinate (its number of items, each numeric column summed: the
    single fields of `generic.list_figures`), with their 合计 row."""
    keys = [f.id for f in form.fields]
    spec = TableSpec(ncols=len(keys) + 1, header_rows=1, font_pt=10.5)
    spec.cells.append(Placed(0, 0, unit_header, header=True))
    for k, f in enumerate(form.fields, start=1):
        spec.cells.append(Placed(0, k, f.label, header=True))
    spec.widths = [2.6] + [1.0] * len(keys)
    _body(spec, children, totals, keys)
    return spec


def _body(
    spec: TableSpec,
    children: list[ChildRow],
    totals: dict[str, Any],
    keys: list[str],
) -> None:
    r = spec.header_rows
    for name, status, values in children:
        spec.cells.append(Placed(r, 0, name, header=True))
        if values is None:
            spec.cells.append(Placed(r, 1, status, colspan=len(keys)))
        else:
            for k, key in enumerate(keys, start=1):
                spec.cells.append(Placed(r, k, fmt(values.get(key))))
        r += 1
    spec.cells.append(Placed(r, 0, "合计", header=True))
    for k, key in enumerate(keys, start=1):
        spec.cells.append(Placed(r, k, fmt(totals.get(key))))


def _directory(form: Form, children: list[ChildRow], unit_header: str) -> TableSpec:
    """The deploy milestone: each subordinate's plan and liaison."""
    fields = list(form.fields)
    spec = TableSpec(ncols=len(fields) + 1, header_rows=1, font_pt=9)
    spec.cells.append(Placed(0, 0, unit_header, header=True))
    for k, f in enumerate(fields, start=1):
        spec.cells.append(Placed(0, k, f.label, header=True))
    # a date is printed whole on one line (2024年3月19日): its column is wide enough for it
    width = {"plan_name": 3.0, "email": 2.0, "doc_number": 1.8, "issued_on": 1.7}
    spec.widths = [2.2] + [width.get(f.id, 1.1) for f in fields]
    for r, (name, status, values) in enumerate(children, start=1):
        spec.cells.append(Placed(r, 0, name, header=True))
        if values is None:
            spec.cells.append(Placed(r, 1, status, colspan=len(fields)))
            continue
        for k, f in enumerate(fields, start=1):
            align = "left" if f.id == "plan_name" else "center"
            value = values.get(f.id)
            text = _date_text(value) if f.type == "date" else fmt(value)
            spec.cells.append(Placed(r, k, text, align=align))
    return spec


def _date_text(value: Any) -> str:
    """A date as the report writes it everywhere (2024年3月19日); other text as it came."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return fmt(value)
    return chinese_date(value) if isinstance(value, dt.date) else fmt(value)
