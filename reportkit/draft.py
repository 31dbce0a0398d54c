"""A campaign draft from the official table a notice prints: table cells in, TOML text out.

The readers in reportkit/io/tables.py turn a .docx or .xlsx into `Table`s (the grid with its
merged cells, and the lines of text around it). This module reads the layout: the title above
the table, 附件N, the header rows and their merged group headers, the row labels (总计/合计,
其中), the units in the labels, the 填报单位/填报人… lines and the 备注 below. It writes a draft
campaign file in which every guess carries a comment saying what was guessed and from what, and
everything it cannot know (levels, lines, deadlines, rules) is a commented placeholder.

TOML is written here rather than with a TOML library: none is in the installed stack, and the
draft needs comments beside single entries of an array, which the writers handle awkwardly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from reportkit.messages import msg

# --- what is read ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One table as found in a document or on a sheet.

    `cells[r][c]` is the text shown at grid position (r, c): a merged cell's text at each of
    the positions it covers. `regions[r][c]` numbers the merged cell a position belongs to
    (positions of one merged cell share the number). `before` are the lines of text above the
    table (nearest last) since the previous table, `after` those below it up to the next one;
    `listed` the document's list of attachments as (title, "附件N") pairs."""

    cells: tuple[tuple[str, ...], ...]
    regions: tuple[tuple[int, ...], ...]
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    where: str = ""
    listed: tuple[tuple[str, str], ...] = ()


def table(
    rows: Sequence[Sequence[object]],
    merges: Iterable[tuple[int, int, int, int]] = (),
    *,
    before: Sequence[str] = (),
    after: Sequence[str] = (),
    where: str = "",
    listed: Sequence[tuple[str, str]] = (),
) -> Table:
    """A Table from rows of values and merged ranges (first row, first column, last row, last
    column; 0-based, inclusive): the value at a range's top-left is shown over all of it."""
    h = len(rows)
    w = max((len(r) for r in rows), default=0)
    cells = [[_text(r[c]) if c < len(r) else "" for c in range(w)] for r in rows]
    regions = [[r * w + c for c in range(w)] for r in range(h)]
    for r0, c0, r1, c1 in merges:
        r1, c1 = min(r1, h - 1), min(c1, w - 1)
        if not (0 <= r0 <= r1 and 0 <= c0 <= c1):
            continue
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                cells[r][c] = cells[r0][c0]
                regions[r][c] = regions[r0][c0]
    return Table(
        tuple(tuple(r) for r in cells),
        tuple(tuple(r) for r in regions),
        tuple(before),
        tuple(after),
        where,
        tuple(listed),
    )


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class DraftError(ValueError):
    """No table in the input could be drafted; the message is for the user."""


# --- what is written ------------------------------------------------------------------------


@dataclass
class Entry:
    """A row, column or field of the draft: its keys in order and the comments above it."""

    keys: dict[str, str | bool]
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(self.keys.get("label", ""))


@dataclass
class DraftForm:
    id: str
    name: str | None
    where: str
    attachment: str | None = None
    unit_label: str | None = None
    remark: str | None = None
    row_header: str = ""
    layout: str | None = None  # "indicators" (each row an indicator, typed) or "list" (items)
    unit_column: str | None = None  # the heading of an indicator table's 计量单位 column
    rows: list[Entry] = field(default_factory=list)
    columns: list[Entry] = field(default_factory=list)
    fields: list[Entry] = field(default_factory=list)
    header: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # comments under the [forms.<id>] line
    key_notes: dict[str, str] = field(default_factory=dict)  # a comment beside a form key


@dataclass
class Draft:
    source: str
    forms: list[DraftForm]
    header: list[Entry]
    header_note: str = ""


# --- text -----------------------------------------------------------------------------------

_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_CJK_GAP = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")
MAX_TEXT = 2000  # a cell or line longer than this is cut (an official table's labels are short)


def tidy(text: str) -> str:
    """Text as a label is written: line breaks and runs of spaces closed up, and no space
    beside a Chinese character (Word tables space out 合  计 and break long headers)."""
    s = _SPACES.sub(" ", text[:MAX_TEXT]).strip()
    return _CJK_GAP.sub("", s)


def _bare(text: str) -> str:
    """Text as compared: full-width folded, no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


# --- units and types ------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split(" "))


# Units as printed in labels' brackets, by the field type they imply.
COUNT_UNITS = _words(
    "家 件 项 次 人次 个 人 名 户 种 批 批次 起 宗 台 套 份 处 所 场 期 条 篇 张 辆 艘 座 块 "
    "只 头 本 册 部 例 家次 班 类 支 队 轮 款 笔 枚 间 栋 吨次 车次 架次 户次"
)
MONEY_UNITS = _words("元 万元 亿元 千元 百万元")
RATE_UNITS = _words("% ‰ 百分比")
QUANTITY_UNITS = _words(
    "公斤 千克 kg 克 g 吨 万吨 t 斤 升 l 毫升 ml 立方米 m3 m³ 平方米 m2 m² 米 m 公里 km 千米 "
    "亩 万亩 公顷 千瓦时 度 小时 天"
)
_UNIT_TAIL = re.compile(r"^(.*?)\s*[(（]\s*([^()（）]{1,10}?)\s*[)）]\s*$")
_KEYWORD_TYPES = (
    (("日期", "时间"), "date"),
    (("电话", "手机", "联系方式"), "phone"),
    (("邮箱", "邮件"), "email"),
    (("姓名", "名称", "职务", "文号", "备注", "说明", "地址", "单位名称", "情况"), "text"),
)


def unit_type(unit: str) -> str | None:
    """The field type a unit implies ("家" → count), or None for a unit not known here."""
    u = _bare(unit).removeprefix("单位:").removeprefix("单位").strip()
    if u in COUNT_UNITS:
        return "count"
    if u in MONEY_UNITS:
        return "money"
    if u in RATE_UNITS:
        return "rate"
    if u in QUANTITY_UNITS:
        return "quantity"
    return None


def label_unit(label: str) -> tuple[str, str | None]:
    """A label's base and the unit in its closing brackets ("罚没款(万元)" → 罚没款, 万元);
    the unit is None when the brackets hold something else ("(含考试点)")."""
    m = _UNIT_TAIL.match(label)
    if not m:
        return label, None
    unit = unicodedata.normalize("NFKC", m.group(2)).strip()
    unit = re.sub(r"^单位\s*[:：]\s*", "", unit)
    if unit_type(unit) is None:
        return label, None
    return m.group(1), "%" if unit in ("%", "％") else unit


def _guess_type(label: str, default_unit: str | None) -> tuple[dict[str, str | bool], str]:
    """type/unit keys for a column or field from its label, and the comment saying why."""
    base, unit = label_unit(label)
    if unit is not None:
        kind = unit_type(unit) or "count"
        return {"type": kind, "unit": unit}, msg("draft.type_from_unit", unit=unit, type=kind)
    for words, kind in _KEYWORD_TYPES:
        hit = next((w for w in words if w in base), None)
        if hit is not None:
            return {"type": kind}, msg("draft.type_from_word", word=hit, type=kind)
    if default_unit is not None and unit_type(default_unit) is not None:
        kind = unit_type(default_unit) or "count"
        return {"type": kind, "unit": default_unit}, msg(
            "draft.type_from_table_unit", unit=default_unit, type=kind
        )
    return {"type": "count"}, msg("draft.type_guessed")


def _type_notes(keys: dict[str, str | bool]) -> list[str]:
    """What the author must know about a guessed type beyond the guess itself."""
    kind, unit = keys.get("type"), keys.get("unit")
    if kind == "rate":
        return [msg("draft.rate_derive")]
    if kind == "quantity":
        return [msg("draft.quantity")]
    if kind == "money" and unit != "万元":
        return [msg("draft.money_unit", unit=unit)]
    return []


# --- ids ------------------------------------------------------------------------------------

_ID_MAX = 24


def make_id(text: str, taken: set[str], fallback: str) -> str:
    """An id `[a-z][a-z0-9_]*` from the initials of a label's pinyin (完成自查的机构数量 →
    wczcdjgsl; ASCII words kept, brackets and punctuation as `_`), unique among `taken`
    (which it joins): a repeat gets _2, _3…"""
    from pypinyin import Style, lazy_pinyin

    base = label_unit(text)[0]
    out = []
    for part in lazy_pinyin(unicodedata.normalize("NFKC", base), style=Style.FIRST_LETTER):
        p = part.lower()
        out.append(p if re.fullmatch(r"[a-z0-9]+", p) else re.sub(r"[^a-z0-9]+", "_", p))
    ident = re.sub(r"_+", "_", "".join(out)).strip("_")
    if ident and not ident[0].isalpha():
        ident = f"n{ident}"
    ident = ident[:_ID_MAX].rstrip("_") or fallback
    unique, n = ident, 2
    while unique in taken:
        unique, n = f"{ident}_{n}", n + 1
    taken.add(unique)
    return unique


# --- lines around a table -------------------------------------------------------------------

# 填报单位：、填报人：… as label, id, type; longer labels first (单位负责人 before 负责人).
HEADER_FIELDS = (
    ("填报单位", "unit_name", "text"),
    ("单位负责人", "head", "text"),
    ("负责人", "head", "text"),
    ("审核人", "reviewed_by", "text"),
    ("制表人", "made_by", "text"),
    ("填报人", "filled_by", "text"),
    ("联系人", "contact_person", "text"),
    ("联系方式", "contact", "phone"),
    ("联系电话", "contact", "phone"),
    ("手机", "mobile", "phone"),
    ("电子邮箱", "email", "email"),
    ("邮箱", "email", "email"),
    ("填报时间", "filled_on", "date"),
    ("填报日期", "filled_on", "date"),
    ("报送日期", "filled_on", "date"),
)
_HEADER_RE = re.compile(
    r"(?<![\u4e00-\u9fff])("
    + "|".join(re.escape(k) for k, _, _ in HEADER_FIELDS)
    + r")\s*(?:[(（][^()（）]{0,6}[)）])?\s*(?:[:：]|(?=\s{2,}|$))"
)
_SEAL = re.compile(r"[(（]\s*(?:加盖|盖|公|签|印)?\s*章\s*[)）]")
_ATTACHMENT = re.compile(r"^附\s*件\s*([0-9０-９]+|[一二三四五六七八九十]+)\s*[:：]?\s*(.*)$")
_LIST_HEAD = re.compile(r"^附\s*件\s*[:：]\s*(.*)$")
_LIST_ITEM = re.compile(r"^([0-9０-９]+)\s*[.．、]\s*(.+)$")
_REMARK = re.compile(
    r"^(?:备\s*注|注|说\s*明|填表说明|填报说明)\s*(?:[:：]|[0-9０-９]|[一][、.．])"
)
_REMARK_MORE = re.compile(r"^(?:[0-9０-９]+\s*[.．、]|[(（][0-9０-９一二三四五六七八九十]+[)）])")
_TABLE_UNIT = re.compile(r"^(?:计量)?单位\s*[:：]\s*(\S{1,6})$")
_SENTENCE_END = ("。", "；", ";", "，", ",", "：", ":")
TITLE_MAX = 60


def _is_header_line(s: str) -> bool:
    return bool(_HEADER_RE.match(s.strip()))


def _is_attachment_only(s: str) -> bool:
    m = _ATTACHMENT.match(s.strip())
    return m is not None and not m.group(2)


def _attachment(s: str) -> tuple[str, str] | None:
    """("附件2", the rest) for a line that starts with 附件N, else None."""
    m = _ATTACHMENT.match(s.strip())
    if not m:
        return None
    return "附件" + unicodedata.normalize("NFKC", m.group(1)), m.group(2).strip()


def _aside(text: str) -> bool:
    """Text that goes around a table, not in it: 填报单位：…, 附件N, 单位：万元, 备注：…
    (a 填报… word without its colon may be a column label, as 联系电话 is in a contacts table)."""
    s = text.strip()
    m = _HEADER_RE.match(s)
    return (
        (m is not None and m.group(0).rstrip().endswith((":", "：")))
        or _is_attachment_only(s)
        or bool(_TABLE_UNIT.match(s))
        or bool(_REMARK.match(s))
    )


def _header_fields(lines: Sequence[str]) -> tuple[list[tuple[str, str, str]], str | None, str]:
    """The header fields the lines name, in order (label, id, type), the unit label after
    填报单位's blank ("____市场监管局(厅、委)" → 市场监管局(厅、委)), and the line it came from."""
    found: list[tuple[str, str, str]] = []
    unit_label, unit_line = None, ""
    ids = {k: (i, t) for k, i, t in HEADER_FIELDS}
    for line in lines:
        matches = list(_HEADER_RE.finditer(line))
        for j, m in enumerate(matches):
            label = m.group(1)
            fid, kind = ids[label]
            if all(f[1] != fid for f in found):
                found.append((label, fid, kind))
            if label == "填报单位" and unit_label is None:
                end = matches[j + 1].start() if j + 1 < len(matches) else len(line)
                rest = _SEAL.sub("", line[m.end() : end])
                if re.search(r"[_＿]", rest):
                    text = tidy(re.sub(r"^[\s_＿]+|[\s_＿]+$", "", rest))
                    if text and len(text) <= 20 and not re.search(r"[_＿]", text):
                        unit_label, unit_line = text, tidy(line)
    return found, unit_label, unit_line


@dataclass
class _Around:
    """What the lines around a table say."""

    title: str | None = None
    title_line: str = ""
    attachment: str | None = None
    attachment_from: str = ""  # the line, or "" when found in the document's list
    header: list[tuple[str, str, str]] = field(default_factory=list)
    unit_label: str | None = None
    unit_line: str = ""
    remark: str | None = None
    table_unit: str | None = None
    subtitle: str | None = None


def _read_around(
    before: Sequence[str], after: Sequence[str], listed: Sequence[tuple[str, str]]
) -> _Around:
    a = _Around()
    lines = [tidy(s) for s in before]
    field_lines: list[str] = []
    i = len(lines) - 1
    while i >= 0:
        s = lines[i]
        i -= 1
        if not s:
            continue
        if _is_header_line(s):
            field_lines.insert(0, s)
            continue
        m = _TABLE_UNIT.match(s)
        if m:
            a.table_unit = m.group(1)
            continue
        att = _attachment(s)
        if att and not att[1]:  # 附件N right above the table: no title
            a.attachment, a.attachment_from = att[0], s
            break
        if a.subtitle is None and re.fullmatch(r"[(（].{1,40}[)）]", s):
            a.subtitle = s  # （截至2024年10月底）under the title
            continue
        if att:
            a.attachment, a.attachment_from = att[0], s
            s = att[1]
        if len(s) <= TITLE_MAX and not s.endswith(_SENTENCE_END):
            a.title, a.title_line = s.strip("《》 "), lines[i + 1]
        break
    if a.title is not None and a.attachment is None:
        j = i
        while j >= 0 and not lines[j]:
            j -= 1
        att = _attachment(lines[j]) if j >= 0 else None
        if att and not att[1]:
            a.attachment, a.attachment_from = att[0], lines[j]
        else:
            bare = _bare(a.title)
            for title, number in listed:
                if _bare(title).strip("《》") == bare:
                    a.attachment = number
                    break
    # below: the remark (and its numbered lines), 填报人… lines; anything else ends it
    remark: list[str] = []
    for raw in after:
        s = tidy(raw)
        if not s:
            continue
        if _REMARK.match(s) or (remark and _REMARK_MORE.match(s) and not _is_header_line(s)):
            remark.append(s)
        elif _is_header_line(s):
            field_lines.append(s)
        else:
            break
    a.remark = "\n".join(remark) or None
    a.header, a.unit_label, a.unit_line = _header_fields(field_lines)
    return a


def attachment_list(lines: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The (title, "附件N") pairs of a notice's list of attachments ("附件：1. 工作情况统计表
    (市场监管)" and the numbered lines after it)."""
    out: list[tuple[str, str]] = []
    inside = False
    for raw in lines:
        s = tidy(raw)
        head = _LIST_HEAD.match(s)
        if head:
            inside, s = True, head.group(1)
        if not inside:
            continue
        m = _LIST_ITEM.match(s)
        if m:
            out.append(
                (m.group(2).strip("《》 "), "附件" + unicodedata.normalize("NFKC", m.group(1)))
            )
        elif s and not head:
            inside = False
    return tuple(out)


# --- the grid -------------------------------------------------------------------------------


@dataclass
class _Grid:
    text: list[list[str]]
    reg: list[list[int]]

    @property
    def h(self) -> int:
        return len(self.text)

    @property
    def w(self) -> int:
        return len(self.text[0]) if self.text else 0

    def boxes(self) -> dict[int, tuple[int, int, int, int]]:
        """Each merged cell's extent in this grid: first row, first column, last row, last."""
        out: dict[int, tuple[int, int, int, int]] = {}
        for r, row in enumerate(self.reg):
            for c, g in enumerate(row):
                b = out.get(g)
                out[g] = (r, c, r, c) if b is None else (b[0], min(b[1], c), r, max(b[3], c))
        return out

    def regions(self, r: int, lo: int = 0) -> list[tuple[int, int, str]]:
        """The merged cells of row `r` with text, from column `lo`: (region, column, text)."""
        out: list[tuple[int, int, str]] = []
        seen: set[int] = set()
        for c in range(lo, self.w):
            g = self.reg[r][c]
            if g not in seen:
                seen.add(g)
                if self.text[r][c]:
                    out.append((g, c, self.text[r][c]))
        return out

    def line(self, r: int) -> str:
        return "  ".join(t for _, _, t in self.regions(r))

    def rows(self, lo: int, hi: int) -> _Grid:
        return _Grid(self.text[lo:hi], self.reg[lo:hi])

    def without_columns(self, drop: set[int]) -> _Grid:
        keep = [c for c in range(self.w) if c not in drop]
        return _Grid(
            [[row[c] for c in keep] for row in self.text],
            [[row[c] for c in keep] for row in self.reg],
        )


def _grid(t: Table) -> _Grid:
    text = [[tidy(s) for s in row] for row in t.cells]
    reg = [list(row) for row in t.regions]
    w = max((len(r) for r in text), default=0)
    for r, (row, regs) in enumerate(zip(text, reg, strict=True)):
        while len(row) < w:  # a short row's missing cells: empty, each its own
            row.append("")
            regs.append(-1 - r * w - len(regs))
    return _Grid(text, reg)


def _split(g: _Grid) -> tuple[int, int, list[str], list[str]]:
    """Where the table proper starts and ends in `g` (rows [start, end)), and the lines of
    text above and below it that are inside the grid: a sheet's merged title row, 填报单位…
    rows, a Word table's own title row, a 备注 row."""
    boxes = g.boxes()
    counts = [len(g.regions(r)) for r in range(g.h)]
    aside = [any(_aside(t) for _, _, t in g.regions(r)) for r in range(g.h)]
    multi = [r for r in range(g.h) if counts[r] >= 2 and not aside[r]]
    lead: list[str] = []
    start = 0
    while start < g.h:
        r, line = start, g.line(start)
        if counts[r] == 0:
            start += 1
            continue
        if aside[r]:
            lead.append(line)
            start += 1
            continue
        if counts[r] >= 2:
            break
        reg, _, _ = g.regions(r)[0]
        _, c0, _, c1 = boxes[reg]
        if _group_row(g, r, c0, c1, boxes):
            break
        if (multi and r < multi[0]) or (c1 > c0 and g.w >= 2):
            lead.append(line)
            start += 1
            continue
        break
    end = g.h
    tail: list[str] = []
    while end > start + 1:
        r = end - 1
        line = g.line(r)
        if counts[r] == 0:
            end -= 1
            continue
        full = counts[r] == 1 and g.w >= 2 and _spans_row(g, r, boxes)
        if aside[r] or full:
            tail.insert(0, line)
            end -= 1
            continue
        break
    return start, end, lead, tail


def _spans_row(g: _Grid, r: int, boxes: dict[int, tuple[int, int, int, int]]) -> bool:
    reg = g.regions(r)[0][0]
    _, c0, _, c1 = boxes[reg]
    return c0 == 0 and c1 == g.w - 1


def _group_row(
    g: _Grid, r: int, c0: int, c1: int, boxes: dict[int, tuple[int, int, int, int]]
) -> bool:
    """Whether the one merged cell of row `r` (columns c0..c1) heads a group of columns: it
    leaves column 0 to the row labels and the next row has several labels under it."""
    if c0 == 0 or c1 == c0 or r + 1 >= g.h:
        return False
    under = [x for x in g.regions(r + 1) if c0 <= x[1] <= c1]
    return len(under) >= 2


# --- drafting -------------------------------------------------------------------------------

_TOTAL = re.compile(r"^(?:总计|合计|总合计|[\u4e00-\u9fff]{1,4}(?:合计|总计))$")
_PART = re.compile(r"^其中\s*[:：,，、]?")
_NOT_LABEL = re.compile(r"^[\s\d.,，%％/／\\\-—–_＿×xX*＊无]*$")
_SEQUENCE = ("序号", "编号")
_LIST_UNIT = ("单位", "填报单位", "所在单位", "报送单位", "工作单位")  # a list's own unit column
_UNIT_COLUMN = ("单位", "计量单位")


def _label_like(s: str) -> bool:
    return bool(s) and not _NOT_LABEL.match(s)


def draft(tables: Sequence[Table], source: str) -> Draft:
    """The draft of every table that has a header and at least one row or field."""
    forms: list[DraftForm] = []
    form_ids: set[str] = set()
    for n, t in enumerate(tables, 1):
        f = _draft_form(t, form_ids, n)
        if f is not None:
            forms.append(f)
    if not forms:
        raise DraftError(msg("draft.nothing", source=source))
    header: list[Entry] = []
    header_note = ""
    for f in forms:
        for e in f.header:
            if all(h.keys["id"] != e.keys["id"] for h in header):
                header.append(e)
        if f.header and not header_note:
            header_note = msg("draft.header_from", where=f.where)
    return Draft(source, forms, header, header_note)


def _draft_form(t: Table, form_ids: set[str], n: int) -> DraftForm | None:
    g = _grid(t)
    if g.h == 0 or g.w == 0:
        return None
    start, end, lead, tail = _split(g)
    body = g.rows(start, end)
    empty = {c for c in range(body.w) if not any(body.text[r][c] for r in range(body.h))}
    body = body.without_columns(empty)
    while body.h and not body.regions(body.h - 1):
        body = body.rows(0, body.h - 1)
    while body.h and not body.regions(0):
        body = body.rows(1, body.h)
    if body.h == 0 or body.w == 0:
        return None
    around = _read_around([*t.before, *lead], [*tail, *t.after], t.listed)
    where = t.where or msg("draft.table_n", n=n)
    name = around.title
    fid = make_id(name or "", form_ids, f"form{n}")
    form = DraftForm(fid, name, where)
    if name is not None:
        form.notes.append(msg("draft.name_from", line=around.title_line))
    else:
        form.notes.append(msg("draft.no_name"))
    if around.subtitle:
        form.notes.append(msg("draft.subtitle", line=around.subtitle))
    if around.attachment:
        form.attachment = around.attachment
        form.key_notes["attachment"] = (
            msg("draft.attachment_from", line=around.attachment_from)
            if around.attachment_from
            else msg("draft.attachment_listed")
        )
    if around.unit_label:
        form.unit_label = around.unit_label
        form.key_notes["unit_label"] = msg("draft.unit_label_from", line=around.unit_line)
    if around.remark:
        form.remark = around.remark
        form.key_notes["remark"] = msg("draft.remark_from")
    if around.table_unit:
        form.notes.append(msg("draft.table_unit", unit=around.table_unit))
    for label, hid, kind in around.header:
        keys: dict[str, str | bool] = {"id": hid, "label": label, "type": kind}
        if hid == "unit_name":
            keys["prefilled"] = True
        form.header.append(Entry(keys))
    _layout(body, form, around.table_unit)
    if not (form.rows or form.columns or form.fields):
        form_ids.discard(fid)
        return None
    return form


def _layout(g: _Grid, form: DraftForm, table_unit: str | None) -> None:
    """Rows, columns and single fields of the table proper."""
    boxes = g.boxes()
    numbered = g.w > 1 and _bare(g.text[0][0]) in _SEQUENCE
    if numbered:
        form.notes.append(msg("draft.sequence_dropped", label=g.text[0][0]))
        g = g.without_columns({0})
        boxes = g.boxes()
    if all(len(g.regions(r)) <= 1 and all(c == 0 for _, c, _ in g.regions(r)) for r in range(g.h)):
        _key_value(g, form, table_unit)
        return
    corner = g.reg[0][0]
    _, _, corner_r1, corner_c1 = boxes[corner]
    labels_to = min(corner_c1 + 1, g.w - 1) if g.w > 1 else 1  # columns [0, labels_to): row labels
    depth = max(1, corner_r1 + 1)
    r = 0
    while r < depth < g.h:
        for reg, _, _ in g.regions(r, labels_to):
            _, c0, r1, c1 = boxes[reg]
            if r1 > r:
                depth = max(depth, r1 + 1)
            elif c1 > c0 and r + 1 < g.h:
                under = [x for x in g.regions(r + 1) if c0 <= x[1] <= c1]
                if len(under) >= 2:
                    depth = max(depth, r + 2)
        r += 1
    depth = min(depth, g.h)
    form.row_header = g.text[0][0] if labels_to >= 1 else ""

    # columns: one per merged cell of the lowest header row; the cells above spanning several
    # columns are its groups
    # (leaf region, grid columns, label, groups)
    cols: list[tuple[int, list[int], str, list[str]]] = []
    for c in range(labels_to, g.w):
        stack: list[int] = []
        for rr in range(depth):
            if not stack or stack[-1] != g.reg[rr][c]:
                stack.append(g.reg[rr][c])
        texts = {rr_reg: "" for rr_reg in stack}
        for rr in range(depth):
            texts[g.reg[rr][c]] = g.text[rr][c]
        with_text = [x for x in stack if texts[x]]
        leaf = with_text[-1] if with_text else stack[-1]
        groups = [
            texts[x] for x in stack[: stack.index(leaf)] if texts[x] and boxes[x][3] > boxes[x][1]
        ]
        if cols and cols[-1][0] == leaf:
            cols[-1][1].append(c)
        else:
            cols.append((leaf, [c], texts[leaf], groups))
    unit_col = next((i for i, x in enumerate(cols) if _bare(x[2]) in _UNIT_COLUMN), None)

    body = range(depth, g.h)
    row_units = [label_unit(g.text[r][labels_to - 1])[1] for r in body]
    indicator = unit_col is not None
    if not indicator and not any(label_unit(x[2])[1] for x in cols):
        with_units = sum(u is not None for u in row_units)
        indicator = with_units > 0 and with_units * 2 >= len(row_units)
        if indicator:
            form.notes.append(msg("draft.indicator_from_rows"))
    if indicator:
        form.notes.append(msg("draft.indicator"))
        form.layout = "indicators"
    if unit_col is not None:
        form.notes.append(msg("draft.unit_column", label=cols[unit_col][2]))
        form.unit_column = cols[unit_col][2]

    col_ids: set[str] = set()
    data_cols = [x for i, x in enumerate(cols) if i != unit_col]
    for k, (_, _, label, groups) in enumerate(data_cols, 1):
        notes: list[str] = []
        if not label:
            label = msg("draft.column_n", n=k)
            notes.append(msg("draft.no_column_label"))
        keys: dict[str, str | bool] = {"id": make_id(label, col_ids, f"c{k}"), "label": label}
        if groups:
            keys["group"] = " · ".join(groups)
            notes.append(
                msg("draft.group_from", group=groups[-1])
                if len(groups) == 1
                else msg("draft.groups_joined", groups="、".join(groups))
            )
        if not indicator:
            typed, why = _guess_type(label, table_unit)
            keys.update(typed)
            notes += [why, *_type_notes(typed)]
        if _PART.match(label) and k >= 2:
            notes.append(msg("draft.part_column", label=label, whole=data_cols[k - 2][2]))
        form.columns.append(Entry(keys, notes))

    unit_grid_cols = set(cols[unit_col][1]) if unit_col is not None else set()
    row_ids: set[str] = set()
    field_ids = {str(c.keys["id"]) for c in form.columns}
    last_whole, last_label = "", ""  # the id and label of the row a 其中 row is part of
    for r in body:
        regions = g.regions(r)
        if not regions:
            continue
        label_cells = [x for x in regions if x[1] < labels_to]
        data_cells = [
            x
            for x in regions
            if x[1] >= labels_to and boxes[x[0]][1] >= labels_to and x[1] not in unit_grid_cols
        ]
        if any(_label_like(t) for _, _, t in data_cells):
            for _, _, text in regions:
                if _label_like(text):
                    _add_field(form, text, field_ids, table_unit, r)
            continue
        if not label_cells:
            form.notes.append(msg("draft.row_no_label", n=r + 1))
            continue
        label = label_cells[-1][2]
        notes = []
        if len(label_cells) > 1:
            notes.append(msg("draft.row_group", group=label_cells[0][2]))
        keys = {"id": make_id(label, row_ids, f"r{r + 1}"), "label": label}
        if indicator:
            unit_text = ""
            if unit_col is not None:
                unit_text = next((g.text[r][c] for c in cols[unit_col][1] if g.text[r][c]), "")
            if unit_text:
                kind = unit_type(unit_text)
                keys["type"] = kind or "count"
                keys["unit"] = "%" if unit_text in ("%", "％") else unit_text
                notes.append(
                    msg("draft.row_type_from_column", unit=unit_text, type=kind)
                    if kind
                    else msg("draft.row_unit_unknown", unit=unit_text)
                )
            else:
                typed, why = _guess_type(label, table_unit)
                keys.update(typed)
                notes.append(why)
            notes += _type_notes(keys)
        if _TOTAL.match(_bare(label)):
            keys["derive"] = "sum"
            notes.append(msg("draft.total", label=label))
        elif _PART.match(label):
            if last_whole:
                keys["part_of"] = last_whole
                notes.append(msg("draft.part_row", label=label, whole=last_label))
            else:
                notes.append(msg("draft.part_row_first", label=label))
        else:
            last_whole, last_label = str(keys["id"]), label
        form.rows.append(Entry(keys, notes))
    if not form.rows and form.columns and not indicator and numbered:
        _as_list(form)
    elif not form.rows and form.columns and not indicator:
        form.notes.append(msg("draft.columns_as_fields"))
        form.fields = form.columns + form.fields
        form.columns = []
    parts = [e.label for e in form.rows if _PART.match(e.label)]
    for e in form.rows:
        if e.keys.get("derive") == "sum":
            if parts:
                e.notes.append(msg("draft.total_with_parts", parts="、".join(parts)))
            if e is not form.rows[-1] and e is not form.rows[0]:
                e.notes.append(msg("draft.total_not_last"))


def _as_list(form: DraftForm) -> None:
    """A numbered table with headings and no row labels (序号 | 姓名 | 职务 …, blank rows
    below): a list form, one row per item. Its 单位 column is the list's own unit column; a
    column whose type nothing hints at is words, as most of a register's columns are."""
    form.layout = "list"
    form.notes.append(msg("draft.list"))
    first, form.row_header = form.row_header, ""  # the first column read as row labels
    if first:
        typed, why = _guess_type(first, None)
        ids = {str(c.keys["id"]) for c in form.columns}
        keys: dict[str, str | bool] = {"id": make_id(first, ids, "c0"), "label": first, **typed}
        form.columns.insert(0, Entry(keys, [why, *_type_notes(typed)]))
    for e in list(form.columns):
        if _bare(e.label) in _LIST_UNIT:
            form.columns.remove(e)
            form.unit_label = e.label
            form.key_notes["unit_label"] = msg("draft.list_unit", label=e.label)
        elif e.keys.get("type") == "count" and "unit" not in e.keys:
            e.keys["type"] = "text"
            e.notes = [msg("draft.list_text") if n == msg("draft.type_guessed") else n
                       for n in e.notes]  # fmt: skip


def _add_field(form: DraftForm, text: str, ids: set[str], table_unit: str | None, r: int) -> None:
    typed, why = _guess_type(text, table_unit)
    keys: dict[str, str | bool] = {"id": make_id(text, ids, f"f{len(form.fields) + 1}")}
    keys["label"] = text
    keys.update(typed)
    notes = [msg("draft.field_from_row", label=text, n=r + 1), why, *_type_notes(typed)]
    form.fields.append(Entry(keys, notes))


def _key_value(g: _Grid, form: DraftForm, table_unit: str | None) -> None:
    """A table of labels down its first column and blanks beside them: single fields."""
    form.notes.append(msg("draft.key_value"))
    ids: set[str] = set()
    for r in range(g.h):
        for _, _, text in g.regions(r):
            if _label_like(text):
                _add_field(form, text, ids, table_unit, r)


# --- TOML -----------------------------------------------------------------------------------

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def toml_string(s: str) -> str:
    """A TOML basic string: quotes, backslashes and every control character escaped."""
    out = []
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _value(v: str | bool) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return toml_string(v)


def _comment(text: str, indent: str = "") -> list[str]:
    """Comment lines: one per line of `text`, control characters made spaces."""
    out = []
    for line in text.splitlines() or [""]:
        clean = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in line)
        out.append(f"{indent}# {clean}".rstrip())
    return out


def _inline(keys: dict[str, str | bool]) -> str:
    return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in keys.items()) + " }"


def _array(name: str, entries: Sequence[Entry]) -> list[str]:
    out = [f"{name} = ["]
    for e in entries:
        for note in e.notes:
            out += _comment(note, "  ")
        out.append(f"  {_inline(e.keys)},")
    out.append("]")
    return out


def to_toml(d: Draft) -> str:
    """The draft campaign file."""
    lines = _comment(msg("draft.head", source=d.source))
    lines += ["", "schema = 1", ""]
    lines += _comment(msg("draft.placeholders"))
    lines.append("")
    if d.header:
        lines.append("[forms.header]")
        lines += _comment(d.header_note)
        lines += _array("fields", d.header)
        lines.append("")
    for f in d.forms:
        lines.append(f"[forms.{f.id}]")
        lines += _comment(msg("draft.form_where", where=f.where))
        for note in f.notes:
            lines += _comment(note)
        if f.name is not None:
            lines.append(f"name = {toml_string(f.name)}")
        else:
            lines.append('# name = "…"')
        for key in ("attachment", "unit_label"):
            v = getattr(f, key)
            if v is not None:
                lines.append(f"{key} = {toml_string(v)}  " + _comment(f.key_notes[key])[0])
        lines += _comment(msg("draft.line_placeholder"))
        if f.remark is not None:
            lines += _comment(f.key_notes["remark"])
            lines.append(f"remark = {toml_string(f.remark)}")
        if f.layout is not None:
            lines.append(f"layout = {toml_string(f.layout)}")
        if f.unit_column is not None:
            lines.append(f"unit_column = {toml_string(f.unit_column)}")
        if f.rows:
            lines.append(f"row_header = {toml_string(f.row_header)}")
            lines += _array("rows", f.rows)
        if f.columns:
            lines += _array("columns", f.columns)
        if f.fields:
            lines += _array("fields", f.fields)
        lines.append("")
    lines += _comment(msg("draft.rules_placeholder", form=d.forms[0].id))
    return "\n".join(lines) + "\n"


def draft_toml(tables: Sequence[Table], source: str) -> tuple[str, Draft]:
    """The draft campaign file of `tables` read from `source`, and the draft itself."""
    d = draft(tables, source)
    return to_toml(d), d
