"""The workbook contract: what a reportkit workbook is, for the writer and the reader alike.

Templates already in the field are a persisted format: the sheet names, the hidden metadata
sheet and its keys, the template version, the defined names of the input cells and where every
cell of a form sits (the layout) are fixed here, in one place. The writer (`xlsx_writer`) makes
workbooks by it and the reader (`reader`) reads them by it; neither imports the other. Pure:
no file library.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reportkit.model.campaign import Campaign, Form
from reportkit.model.memo import by_identity
from reportkit.model.registry import Region

TEMPLATE_VERSION = "1"
META_SHEET = "_reportkit"  # hidden metadata sheet (key/value rows)
CUSTOM_PREFIX = "reportkit_"  # custom document properties carry the same keys, prefixed
META_KEYS = (
    "campaign",
    "form",
    "unit_code",
    "unit_name",
    "line",
    "milestone",
    "template_version",
    "generator",
)
MILESTONE = "milestone"  # the header id of the 报送节点 cell (defined name RK_milestone)
MILESTONE_LABEL = "报送节点"

SHEET_TABLE = "统计表"
SHEET_FIELDS = "填报表"  # a form without rows, unless the campaign names its sheet
SHEET_LIST = "清单"  # a list form's

Span = tuple[int, int, int, int]  # first row, first col, last row, last col (zero-based, inclusive)
Pos = tuple[int, int]  # row, col (zero-based)


# --------------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Layout:
    """Where everything of a form sits on its sheet (zero-based rows and columns).

    ``cells`` maps every cell key of the form ("row.col" table cells, derived ones included, and
    single field ids) to its cell; ``header`` maps each header id (unit_name, filled_by, contact,
    filled_on) and ``"milestone"`` to its value cell. ``header_rows`` is the first and last row
    of the table's heading (repeated on every printed page). ``width`` is the number of columns
    of the official table; columns that are not official (``in_scope``) sit beside it after one
    empty column, up to ``last_col``.
    """

    form: str
    sheet: str
    width: int
    last_col: int
    last_row: int  # last row of the printed area (the 备注 row)
    attachment: Pos
    title: Span
    header: Mapping[str, Pos]
    header_labels: Mapping[str, Span]
    header_rows: tuple[int, int]
    headings: tuple[tuple[str, Span], ...]  # every heading cell of the table with its text
    column_labels: Mapping[str, Span]  # column id → its heading cell(s)
    row_labels: Mapping[str, Pos]  # row id → its label cell
    field_labels: Mapping[str, Span]  # single field id → its label cell(s)
    cells: Mapping[str, Pos]
    value_spans: Mapping[str, Span]  # cell key / header id → merged extent, when wider than a cell
    notes: Mapping[str, Pos]  # non-official column id → the cell of its note
    remark: Span | None
    # an indicator table (form.transposed): the indicators' units in its 计量单位 column
    units: Mapping[str, Pos] = dataclasses.field(default_factory=dict)
    # a list form: the 合计 row's label cell (its count spans the rest of the row)
    count: Pos | None = None

    @property
    def print_area(self) -> Span:
        # the helper columns beside the table (纳入治理范围的机构数量, needed for the rates)
        # print too, under their note saying they are not part of the official table
        return (0, 0, self.last_row, self.last_col)


def _slots(width: int) -> list[tuple[int, int, int, int]]:
    """(label first col, label last col, value first col, value last col) per item of a line."""
    if width < 4:
        return [(0, 0, 1, max(1, width - 1))]
    half = width // 2
    if width < 8:
        return [(0, 0, 1, half - 1), (half, half, half + 1, width - 1)]
    return [(0, 0, 1, half - 1), (half, half + 1, half + 2, width - 1)]


def sheet_name(form: Form) -> str:
    """The worksheet's name: the campaign's for the form, else 清单 (a list form), 统计表 (a
    table) or 填报表."""
    if form.sheet:
        return form.sheet
    return SHEET_LIST if form.listed else SHEET_TABLE if form.is_table else SHEET_FIELDS


def layout(campaign: Campaign, form: Form) -> Layout:
    """The cell positions of `form` on its sheet. Pure: depends on the form definition only.

    Computed once per form (a frozen object) and shared: every reader of a county's workbook
    asks for it. The returned layout must not be modified.
    """
    del campaign  # the layout depends on the form alone; kept in the signature for symmetry
    return _layout(form)


@by_identity
def _layout(form: Form) -> Layout:
    if form.listed and form.size is None:  # a list as declared: its template's empty rows
        return _layout(form.sized(form.capacity))
    official = [c for c in form.columns if c.official]
    extra = [c for c in form.columns if not c.official]
    if form.transposed:  # the notice's rows are indicators: its columns are the methods
        width = (2 if form.unit_column else 1) + len(form.rows)
    else:
        width = 1 + len(official) if form.is_table or form.listed else 2
    slots = _slots(width)
    if form.transposed and width <= 4:  # one header field a line: the 单位 column stays narrow
        slots = [(0, 0, 1, width - 1)]

    header: dict[str, Pos] = {}
    header_labels: dict[str, Span] = {}
    value_spans: dict[str, Span] = {}
    header_ids = [h.id for h in form.header] + [MILESTONE]
    row = 2
    row = _in_slots(header_ids, slots, row, header_labels, header, value_spans)
    row += 1  # a thin empty row before the table

    headings: list[tuple[str, Span]] = []
    column_labels: dict[str, Span] = {}
    row_labels: dict[str, Pos] = {}
    field_labels: dict[str, Span] = {}
    cells: dict[str, Pos] = {}
    notes: dict[str, Pos] = {}
    last_col = width - 1
    count: Pos | None = None

    if form.transposed:
        return _indicator_layout(form, header, header_labels, value_spans, row)
    if form.is_table or form.listed:
        grouped = any(c.group for c in official)
        first, last = row, row + (1 if grouped else 0)
        headings.append((form.row_header, (first, 0, last, 0)))
        col_of: dict[str, int] = {c.id: 1 + i for i, c in enumerate(official)}
        col_of.update({c.id: width + 1 + i for i, c in enumerate(extra)})
        # group headings over runs of adjacent columns of the same group
        i = 0
        while i < len(official):
            g = official[i].group
            j = i
            while j + 1 < len(official) and g and official[j + 1].group == g:
                j += 1
            if g and grouped:
                headings.append((g, (first, 1 + i, first, 1 + j)))
                for c in official[i : j + 1]:
                    column_labels[c.id] = (last, col_of[c.id], last, col_of[c.id])
            else:
                for c in official[i : j + 1]:
                    column_labels[c.id] = (first, col_of[c.id], last, col_of[c.id])
            i = j + 1
        for c in extra:
            column_labels[c.id] = (first, col_of[c.id], last, col_of[c.id])
        for c in form.columns:
            headings.append((c.label, column_labels[c.id]))
        header_rows = (first, last)
        row = last + 1
        for rd in form.rows:
            row_labels[rd.id] = (row, 0)
            for c in form.columns:
                cells[f"{rd.id}.{c.id}"] = (row, col_of[c.id])
            row += 1
        if form.listed:
            count = (row, 0)
            row += 1
        row = _in_slots([f.id for f in form.fields], slots, row, field_labels, cells, value_spans)
        for c in extra:
            if c.note:
                notes[c.id] = (row, col_of[c.id])
        if extra:
            last_col = max(col_of[c.id] for c in extra)
    else:
        headings += [("项目", (row, 0, row, 0)), ("填报内容", (row, 1, row, width - 1))]
        header_rows = (row, row)
        row += 1
        for f in form.fields:
            field_labels[f.id] = (row, 0, row, 0)
            cells[f.id] = (row, 1)
            if width > 2:
                value_spans[f.id] = (row, 1, row, width - 1)
            row += 1

    return _finish(
        form,
        width,
        last_col,
        row,
        header=header,
        header_labels=header_labels,
        header_rows=header_rows,
        headings=tuple(headings),
        column_labels=column_labels,
        row_labels=row_labels,
        field_labels=field_labels,
        cells=cells,
        value_spans=value_spans,
        notes=notes,
        count=count,
    )


def _in_slots(
    ids: list[str],
    slots: list[tuple[int, int, int, int]],
    row: int,
    labels: dict[str, Span],
    values: dict[str, Pos],
    spans: dict[str, Span],
) -> int:
    """Label/value pairs (header fields, single fields) along lines from `row`, as many a line
    as there are slots; the row after the last line."""
    for i, key in enumerate(ids):
        lc0, lc1, vc0, vc1 = slots[i % len(slots)]
        r = row + i // len(slots)
        labels[key] = (r, lc0, r, lc1)
        values[key] = (r, vc0)
        if vc1 > vc0:
            spans[key] = (r, vc0, r, vc1)
    return row + math.ceil(len(ids) / len(slots))


def _finish(form: Form, width: int, last_col: int, row: int, **parts: Any) -> Layout:
    """The layout with the parts every form has at the same places: 附件 top left, the title
    across the table, the 备注 on `row` (the first row after the table) when the form has one."""
    remark = (row, 0, row, width - 1) if form.remark else None
    return Layout(
        form=form.id,
        sheet=sheet_name(form),
        width=width,
        last_col=last_col,
        last_row=row if remark else row - 1,
        attachment=(0, 0),
        title=(1, 0, 1, width - 1),
        remark=remark,
        **parts,
    )


def _indicator_layout(
    form: Form,
    header: dict[str, Pos],
    header_labels: dict[str, Span],
    value_spans: dict[str, Span],
    row: int,
) -> Layout:
    """An indicator table as the notice prints it: one row per indicator (the model's
    columns), its unit in the 计量单位 column when the notice has one, one column per method
    or period (the model's rows); indicators the notice does not print (the part a rate needs)
    below it after an empty row, each with its note beside."""
    official = [c for c in form.columns if c.official]
    extra = [c for c in form.columns if not c.official]
    first = 2 if form.unit_column else 1  # the first method's column
    width = first + len(form.rows)
    slots = _slots(width)
    headings: list[tuple[str, Span]] = [(form.row_header, (row, 0, row, 0))]
    if form.unit_column:
        headings.append((form.unit_column, (row, 1, row, 1)))
    row_labels: dict[str, Pos] = {}
    for i, m in enumerate(form.rows):
        row_labels[m.id] = (row, first + i)
        headings.append((m.label, (row, first + i, row, first + i)))
    header_rows = (row, row)
    row += 1
    column_labels: dict[str, Span] = {}
    units: dict[str, Pos] = {}
    cells: dict[str, Pos] = {}
    notes: dict[str, Pos] = {}
    for group, start in ((official, row), (extra, row + len(official) + 1)):
        for j, ind in enumerate(group):
            r = start + j
            column_labels[ind.id] = (r, 0, r, 0)
            if form.unit_column:
                units[ind.id] = (r, 1)
            for i, m in enumerate(form.rows):
                cells[f"{m.id}.{ind.id}"] = (r, first + i)
            if not ind.official and ind.note:
                notes[ind.id] = (r, width)
    row += len(official) + (len(extra) + 1 if extra else 0)
    field_labels: dict[str, Span] = {}
    row = _in_slots([f.id for f in form.fields], slots, row, field_labels, cells, value_spans)
    return _finish(
        form,
        width,
        width if notes else width - 1,
        row,
        header=header,
        header_labels=header_labels,
        header_rows=header_rows,
        headings=tuple(headings),
        column_labels=column_labels,
        row_labels=row_labels,
        field_labels=field_labels,
        cells=cells,
        value_spans=value_spans,
        notes=notes,
        units=units,
    )


# --------------------------------------------------------------------------------- cells


@functools.lru_cache(maxsize=8192)
def parse_a1(ref: str) -> tuple[int, int] | None:
    # cached: the same references recur in every file of a form
    m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})", ref.strip())
    if not m:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def col_letters(col: int) -> str:
    """0-based column index → Excel letters (0 → A)."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def a1(row: int, col: int, absolute: bool = False) -> str:
    d = "$" if absolute else ""
    return f"{d}{col_letters(col)}{d}{row + 1}"


_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def workbook_filename(
    campaign: Campaign, form: Form, region: Region, line: str, milestone: str | None = None
) -> str:
    """``<code>-<form>[-<line>][-<milestone>]-<agency name>.xlsx`` (line only for line-any forms)."""
    parts = [region.code, form.id]
    if form.line == "any":
        parts.append(line)
    if milestone:
        parts.append(milestone)
    agency = _UNSAFE_FILENAME.sub("_", campaign.agency_name(region, line)).strip(" .")
    return "-".join([*parts, agency]) + ".xlsx"
