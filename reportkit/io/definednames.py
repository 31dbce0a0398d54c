"""A workbook's RK_* defined names, in every format a clerk saves: xlsx, xls and ods.

Our templates name every input cell (RK_<row>_<col>, RK_<field>); the names move with the cells
when a clerk inserts a row or retypes a label, so a workbook read by its names needs nothing
else to be in place. Excel keeps them in xl/workbook.xml; LibreOffice keeps them when it saves
.xls (BIFF NAME records) and .ods (table:named-range): all three are read here, so a copy saved
from LibreOffice is read as robustly as the .xlsx it came from.

Each reader returns the names (name → sheet, row, col; 0-based) and the names given more than
once for different cells (name → their references), which cannot be trusted.
"""

from __future__ import annotations

import html
import io
import re
import struct
import zipfile

from reportkit.model.campaign import NAME_PREFIX

Where = tuple[str, int, int]
Names = tuple[dict[str, Where], dict[str, list[str]]]
MAX_PART = 8 * 1024 * 1024


def defined_names(data: bytes, kind: str) -> Names:
    """The RK_* names of a workbook of `kind` (xlsx, xlsm, xls, ods); empty where none."""
    if kind in ("xlsx", "xlsm"):
        return _xlsx(data)
    if kind == "ods":
        return _ods(data)
    if kind == "xls":
        return _xls(data)
    return {}, {}


def _collect(items: list[tuple[str, Where]]) -> Names:
    from reportkit.io.workbook import a1

    out: dict[str, Where] = {}
    twice: dict[str, list[str]] = {}
    for name, where in items:
        if not name.startswith(NAME_PREFIX):
            continue
        if out.get(name, where) != where:
            first = out[name]
            twice.setdefault(name, [f"{first[0]}!{a1(*first[1:])}"]).append(
                f"{where[0]}!{a1(*where[1:])}"
            )
        out[name] = where
    return out, twice


def _a1(ref: str) -> tuple[int, int] | None:
    from reportkit.io.workbook import parse_a1

    return parse_a1(ref.replace("$", ""))


# --- xlsx ------------------------------------------------------------------------------------


def _xlsx(data: bytes) -> Names:
    """From xl/workbook.xml, parsed with defusedxml, DTDs forbidden (the sniffer has already
    refused any: this is the second line of defence against entity expansion)."""
    from defusedxml import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open("xl/workbook.xml") as f:
        xml_bytes = f.read(MAX_PART)
    root = ElementTree.fromstring(xml_bytes, forbid_dtd=True)
    items = []
    for el in root.iter():
        name = el.get("name") or ""
        if not el.tag.endswith("}definedName") or not name.startswith(NAME_PREFIX):
            continue
        ref = (el.text or "").strip()
        if "!" not in ref or "," in ref:
            continue
        sheet, cell = ref.rsplit("!", 1)
        pos = _a1(cell.split(":")[0])
        if pos:
            items.append((name, (sheet.strip("'").replace("''", "'"), *pos)))
    return _collect(items)


# --- ods -------------------------------------------------------------------------------------

_RANGE = re.compile(rb"<table:named-range\b([^>]*)>")
_ATTR = re.compile(rb'table:(name|cell-range-address)="([^"]*)"')
# $统计表.$B$9, $'my sheet'.$B$9:.$C$9
_ADDRESS = re.compile(r"^\$?('(?:[^']|'')*'|[^.]+)\.\$?([A-Za-z]{1,3})\$?(\d{1,7})")


def _ods(data: bytes) -> Names:
    with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open("content.xml") as f:
        xml = f.read(96 * 1024 * 1024)
    items = []
    for m in _RANGE.finditer(xml):
        attrs = {
            k.decode(): html.unescape(v.decode("utf-8", "replace"))
            for k, v in _ATTR.findall(m.group(1))
        }
        name, address = attrs.get("name", ""), attrs.get("cell-range-address", "")
        a = _ADDRESS.match(address)
        if not name.startswith(NAME_PREFIX) or not a:
            continue
        sheet = a.group(1)
        if sheet.startswith("'"):
            sheet = sheet[1:-1].replace("''", "'")
        pos = _a1(a.group(2) + a.group(3))
        if pos:
            items.append((name, (sheet, *pos)))
    return _collect(items)


# --- xls (BIFF8) -----------------------------------------------------------------------------

NAME, EXTERNSHEET, BOUNDSHEET, EOF = 0x0018, 0x0017, 0x0085, 0x000A
_REF3D = {0x3A, 0x5A, 0x7A}
_AREA3D = {0x3B, 0x5B, 0x7B}


def _xls(data: bytes) -> Names:
    import olefile

    from reportkit.io.sight import _records, _short_string

    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        stream = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        if stream is None:
            return {}, {}
        wb = ole.openstream(stream).read(MAX_PART * 12)
    sheets: list[str] = []
    xti: list[int] = []  # EXTERNSHEET entry → first sheet index
    raw: list[tuple[str, bytes]] = []
    for rt, body, _ in _records(wb, 0):
        if rt == BOUNDSHEET and len(body) >= 8:
            sheets.append(_short_string(body, 6))
        elif rt == EXTERNSHEET and len(body) >= 2:
            (n,) = struct.unpack_from("<H", body)
            xti = [
                struct.unpack_from("<HHH", body, 2 + 6 * i)[1]
                for i in range(min(n, (len(body) - 2) // 6))
            ]
        elif rt == NAME and len(body) >= 15:
            grbit, _key, cch, cce = struct.unpack_from("<HBBH", body)
            if grbit & 0x20:  # a built-in name (Print_Area …)
                continue
            high = body[14] & 1
            size = cch * (2 if high else 1)
            text = body[15 : 15 + size]
            name = text.decode("utf-16-le" if high else "latin-1", "replace")
            raw.append((name, body[15 + size : 15 + size + cce]))
        elif rt == EOF:
            break
    items = []
    for name, rgce in raw:
        if not rgce:
            continue
        ptg = rgce[0]
        if ptg in _REF3D and len(rgce) >= 7:
            ixti, row, col = struct.unpack_from("<HHH", rgce, 1)
        elif ptg in _AREA3D and len(rgce) >= 11:
            ixti, row, _last, col, _lastcol = struct.unpack_from("<HHHHH", rgce, 1)
        else:
            continue
        if ixti < len(xti) and xti[ixti] < len(sheets):
            items.append((name, (sheets[xti[ixti]], row, col & 0x3FFF)))
    return _collect(items)
