"""What a person can see of a workbook's cells: hidden rows and columns, merged ranges, formulas.

python-calamine gives the values; it does not say that a value sits in a hidden row, under a
merged cell, or is the cached result of a formula (perhaps one that fetches it from another
file or program). Those values are counted all the same, so the reader warns about each one,
naming the cell, and refuses values that come from outside the workbook. The facts are taken
from the file itself, bounded by content (the sniffer has already refused DTDs, bombs and
far cells): the sheet XML of an xlsx (scanned with regular expressions, not parsed into a
tree), the content.xml of an ods (streamed), and the BIFF records of an xls.
"""

from __future__ import annotations

import functools
import html
import io
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from reportkit.io.workbook import parse_a1 as _pos

Pos = tuple[int, int]  # (row, col), 0-based


@dataclass
class SheetSight:
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: list[tuple[int, int]] = field(default_factory=list)  # inclusive ranges
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    formulas: dict[Pos, str] = field(default_factory=dict)  # "" when the text is not known

    def col_hidden(self, col: int) -> bool:
        return any(a <= col <= b for a, b in self.hidden_cols)

    def covering(self, row: int, col: int) -> tuple[int, int, int, int] | None:
        """The merged range that hides (row, col): one holding it, not at its top left."""
        return self.covered({(row, col)}).get((row, col))

    def covered(self, cells: set[Pos]) -> dict[Pos, tuple[int, int, int, int]]:
        """Of `cells`, those a merged range hides (it holds them, not at its top left)."""
        rows: dict[int, list[int]] = {}
        for r, c in cells:
            rows.setdefault(r, []).append(c)
        out = {}
        for m in self.merges:
            r0, c0, r1, c1 = m
            for r, cols in rows.items():
                if r0 <= r <= r1:
                    for c in cols:
                        if c0 <= c <= c1 and (r, c) != (r0, c0):
                            out[(r, c)] = m
        return out


@dataclass
class Sight:
    sheets: dict[str, SheetSight] = field(default_factory=dict)
    external: bool = False  # the workbook links to other files or programs

    def sheet(self, name: str) -> SheetSight:
        return self.sheets.get(name) or SheetSight()


_EXTERNAL = re.compile(r"\[[^\]]*\]|\|")  # [1]Sheet1!A1, '[book.xlsx]S'!A1, cmd|'/c x'!A0


def is_external(formula: str) -> bool:
    """A formula that takes its value from another file or program (a link or DDE)."""
    return bool(_EXTERNAL.search(formula))


def sight(data: bytes, kind: str, sheets: set[str], parts: dict[str, bytes] | None = None) -> Sight:
    """The facts for `sheets` of a workbook of `kind`; an empty Sight where they cannot be had.
    `parts`: XML parts of an xlsx already decompressed (by the sniffer)."""
    try:
        if kind in ("xlsx", "xlsm"):
            return _xlsx(data, sheets, parts or {})
        if kind == "ods":
            return _ods(data, sheets)
        if kind == "xls":
            return _xls(data, sheets)
    except Exception:  # the values were readable; a structure we cannot follow is not an error
        return Sight()
    return Sight()


# --- xlsx ----------------------------------------------------------------------------------------

_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
_SHEET = re.compile(rb"<" + _P + rb"sheet\b([^>]*)>")
_REL = re.compile(rb"<" + _P + rb"Relationship\b([^>]*)>")
_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_ROW = re.compile(rb"<" + _P + rb"row\b([^>]*)>")
_COL = re.compile(rb"<" + _P + rb"col\b([^>]*)>")
# literal first, so the engine can skip to it: the tag's optional prefix is not matched
_MERGE = re.compile(rb'mergeCell\b[^>]*?\bref="([A-Z$]+[0-9$]+)(?::([A-Z$]+[0-9$]+))?"')
_F = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_R = re.compile(rb'\br="([A-Z]{1,3}[0-9]{1,7})"')
MAX_SCAN = 96 * 1024 * 1024


def _attrs(text: bytes) -> dict[str, str]:
    out = {}
    for m in _ATTR.finditer(text):
        key = m.group(1).decode("utf-8", "replace").rsplit(":", 1)[-1]
        out[key] = html.unescape((m.group(2) or m.group(3) or b"").decode("utf-8", "replace"))
    return out


def _xlsx(data: bytes, wanted: set[str], have: dict[str, bytes]) -> Sight:
    out = Sight()
    zf: zipfile.ZipFile | None = None

    def part(name: str) -> bytes:
        nonlocal zf
        if name in have:
            return have[name]
        if zf is None:
            zf = zipfile.ZipFile(io.BytesIO(data))
        return _part(zf, name)

    try:
        book, rels = part("xl/workbook.xml"), part("xl/_rels/workbook.xml.rels")
        parts, linked = _sheet_parts(book, rels)
        out.external = linked
        for name, target in parts:
            if name in wanted and target:
                out.sheets[name] = _xlsx_sheet(part(target))
    finally:
        if zf is not None:
            zf.close()
    return out


@functools.lru_cache(maxsize=64)
def _sheet_parts(book: bytes, rels: bytes) -> tuple[tuple[tuple[str, str], ...], bool]:
    """(sheet name, part) in workbook order, and whether any external link is related.
    Cached: the workbook part of every file made from one template is the same."""
    targets, linked = {}, False
    for m in _REL.finditer(rels):
        a = _attrs(m.group(1))
        if a.get("Type", "").endswith("/externalLink"):
            linked = True
        target = a.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[a.get("Id", "")] = re.sub(r"[^/]+/\.\./", "", target)
    parts = []
    for m in _SHEET.finditer(book):
        a = _attrs(m.group(1))
        parts.append((a.get("name", ""), targets.get(a.get("id", ""), "")))
    return tuple(parts), linked


def _part(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        with zf.open(name) as f:
            return f.read(MAX_SCAN)
    except KeyError:
        return b""


def _xlsx_sheet(xml: bytes) -> SheetSight:
    s = SheetSight()
    if b"hidden" in xml:  # rows and columns are only walked when something is hidden
        row = -1
        for m in _ROW.finditer(xml):
            a = _attrs(m.group(1))
            row = int(a["r"]) - 1 if a.get("r", "").isdigit() else row + 1
            if a.get("hidden") in ("1", "true"):
                s.hidden_rows.add(row)
        for m in _COL.finditer(xml):
            a = _attrs(m.group(1))
            if a.get("hidden") in ("1", "true") and a.get("min", "").isdigit():
                lo = int(a["min"]) - 1
                hi = int(a["max"]) - 1 if a.get("max", "").isdigit() else lo
                s.hidden_cols.append((lo, hi))
    for m in _MERGE.finditer(xml):
        first, last = _pos(m.group(1).decode()), _pos((m.group(2) or m.group(1)).decode())
        if first and last:
            s.merges.append((first[0], first[1], last[0], last[1]))
    for m in _F.finditer(xml):
        # a formula is the first child of its cell: the tag before it is <c r="B9" …>
        start = xml.rfind(b"<", 0, m.start())
        r = _R.search(xml, start, m.start())
        at = _pos(r.group(1).decode()) if r else None
        if at is None:
            continue
        text = b""
        if xml[m.end() - 1 : m.end()] == b">":  # not <f …/>: the text runs to the next tag
            text = xml[m.end() : xml.find(b"<", m.end())]
        s.formulas[at] = html.unescape(text.decode("utf-8", "replace"))
    return s


# --- ods -----------------------------------------------------------------------------------------

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE_LINKS = ("{urn:oasis:names:tc:opendocument:xmlns:table:1.0}table-source",)


def _ods(data: bytes, wanted: set[str]) -> Sight:
    from defusedxml.ElementTree import iterparse

    out = Sight()
    with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open("content.xml") as f:
        current: SheetSight | None = None
        row = col = 0
        row_hidden = False
        for event, el in iterparse(f, events=("start", "end"), forbid_dtd=True):
            tag = el.tag
            if event == "start":
                if tag == _TABLE + "table":
                    name = el.get(_TABLE + "name", "")
                    current = out.sheets.setdefault(name, SheetSight()) if name in wanted else None
                    row, col = 0, 0
                elif tag in _OFFICE_LINKS:
                    out.external = True
                elif current is None:
                    continue
                elif tag == _TABLE + "table-column":
                    n = _count(el.get(_TABLE + "number-columns-repeated"))
                    if el.get(_TABLE + "visibility", "visible") != "visible":
                        current.hidden_cols.append((col, col + n - 1))
                    col += n
                elif tag == _TABLE + "table-row":
                    row_hidden = el.get(_TABLE + "visibility", "visible") != "visible"
                    col = 0
                elif tag in (_TABLE + "table-cell", _TABLE + "covered-table-cell"):
                    formula = el.get(_TABLE + "formula")
                    if formula is not None:
                        current.formulas[(row, col)] = formula.split(":", 1)[-1].lstrip("=")
                    rs = _count(el.get(_TABLE + "number-rows-spanned"))
                    cs = _count(el.get(_TABLE + "number-columns-spanned"))
                    if rs > 1 or cs > 1:
                        current.merges.append((row, col, row + rs - 1, col + cs - 1))
            else:
                if current is not None and tag == _TABLE + "table-row":
                    n = _count(el.get(_TABLE + "number-rows-repeated"))
                    if row_hidden:
                        current.hidden_rows.update(range(row, row + min(n, 1000)))
                    row += n
                elif current is not None and tag in (
                    _TABLE + "table-cell",
                    _TABLE + "covered-table-cell",
                ):
                    col += _count(el.get(_TABLE + "number-columns-repeated"))
                elif tag == _TABLE + "table":
                    current = None
                el.clear()
    return out


def _count(text: str | None) -> int:
    try:
        return max(1, min(int(text or 1), 1 << 20))
    except ValueError:
        return 1


# --- xls (BIFF8) ---------------------------------------------------------------------------------

BOF, EOF, BOUNDSHEET, SUPBOOK = 0x0809, 0x000A, 0x0085, 0x01AE
ROW, COLINFO, MERGEDCELLS, FORMULA = 0x0208, 0x007D, 0x00E5, 0x0006
_SELF, _ADDIN = 0x0401, 0x3A01  # SUPBOOK markers of this workbook and of add-in functions


def _xls(data: bytes, wanted: set[str]) -> Sight:
    import olefile

    out = Sight()
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        stream = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        if stream is None:
            return out
        wb = ole.openstream(stream).read(MAX_SCAN)
    offsets: dict[int, str] = {}
    for rt, body, _ in _records(wb, 0):
        if rt == BOUNDSHEET and len(body) >= 8:
            offsets[struct.unpack_from("<I", body)[0]] = _short_string(body, 6)
        elif rt == SUPBOOK and len(body) >= 4:
            if struct.unpack_from("<H", body, 2)[0] not in (_SELF, _ADDIN):
                out.external = True
        elif rt == EOF:
            break
    for offset, name in offsets.items():
        if name in wanted:
            out.sheets[name] = _xls_sheet(wb, offset)
    return out


def _records(wb: bytes, at: int) -> Iterator[tuple[int, bytes, int]]:
    while at + 4 <= len(wb):
        rt, size = struct.unpack_from("<HH", wb, at)
        yield rt, wb[at + 4 : at + 4 + size], at
        at += 4 + size


def _short_string(body: bytes, at: int) -> str:
    cch, flags = body[at], body[at + 1]
    raw = body[at + 2 :]
    if flags & 1:
        return raw[: 2 * cch].decode("utf-16-le", "replace")
    return raw[:cch].decode("latin-1")


def _xls_sheet(wb: bytes, offset: int) -> SheetSight:
    s = SheetSight()
    depth = 0  # a chart inside the sheet is a BOF…EOF of its own
    for rt, body, _ in _records(wb, offset):
        if rt == BOF:
            depth += 1
        elif rt == EOF:
            depth -= 1
            if depth <= 0:
                break
        elif depth > 1:
            continue
        elif rt == ROW and len(body) >= 14:
            row, flags = struct.unpack_from("<H", body)[0], struct.unpack_from("<H", body, 12)[0]
            if flags & 0x20:
                s.hidden_rows.add(row)
        elif rt == COLINFO and len(body) >= 10:
            first, last, _, _, flags = struct.unpack_from("<HHHHH", body)
            if flags & 1:
                s.hidden_cols.append((first, last))
        elif rt == MERGEDCELLS and len(body) >= 2:
            (n,) = struct.unpack_from("<H", body)
            for i in range(min(n, (len(body) - 2) // 8)):
                r0, r1, c0, c1 = struct.unpack_from("<HHHH", body, 2 + 8 * i)
                s.merges.append((r0, c0, r1, c1))
        elif rt == FORMULA and len(body) >= 4:
            row, col = struct.unpack_from("<HH", body)
            s.formulas[(row, col)] = ""  # its tokens are not decompiled: only that it is one
    return s
