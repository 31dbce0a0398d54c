"""What a file really is, from its first bytes and (for zips) its directory, before any parser runs.

Hostile input is stopped here cheaply: nothing is decompressed beyond small, capped reads, so a
zip bomb, a lying size header or an entity-expansion XML never reaches the spreadsheet parser.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"

# Limits for one workbook. Our forms are a few kilobytes; these leave a wide margin for a
# county's own workbook while keeping memory and time per file bounded.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 2_000
MAX_TOTAL_UNCOMPRESSED = 256 * 1024 * 1024
MAX_PART_UNCOMPRESSED = 96 * 1024 * 1024
MAX_RATIO = 400  # uncompressed / compressed for one part; XML of real workbooks stays under ~100
MAX_CELL_ROW = 100_000
MAX_CELL_COL = 1_000
MAX_SHARED_STRINGS = 500_000
HEAD_BYTES = 64 * 1024  # how much of an XML part is decompressed to look for DTDs and dimensions

SPREADSHEET_KINDS = ("xlsx", "xlsm", "xls", "ods")

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})(\d{1,7})"')


@dataclass(frozen=True)
class Sniffed:
    """The verdict on a file: its real kind, and a problem code when it cannot be read."""

    kind: str  # xlsx xlsm xls ods | docx doc html xml2003 csv text empty encrypted zip unknown
    problem: str | None = None  # an issue code (file.*) when the file must not be parsed
    detail: str = ""  # extra words for the message (the entry name, a size ...)

    @property
    def readable(self) -> bool:
        return self.problem is None and self.kind in SPREADSHEET_KINDS


def is_lock_file(path: Path) -> bool:
    """Excel and WPS leave `~$name.xlsx` (and WPS `.~name.xlsx`) beside an open workbook."""
    return path.name.startswith("~$") or (path.name.startswith(".~") and path.suffix)


def sniff(path: Path) -> Sniffed:
    """Identify `path` from its content; never raises for a bad file (OSError aside)."""
    size = path.stat().st_size
    if size == 0:
        return Sniffed("empty", "file.empty")
    if size > MAX_FILE_BYTES:
        return Sniffed("unknown", "file.too_big", f"{size // (1024 * 1024)} MB")
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        return _sniff_zip(path)
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(path)
    return _sniff_text(head)


def _sniff_ole(path: Path) -> Sniffed:
    # An OLE2 compound file: Excel 97-2003 (.xls), an encrypted OOXML workbook, or a Word .doc.
    # The directory names are UTF-16LE; looking for them avoids a full OLE parser here.
    with path.open("rb") as f:
        data = f.read(min(path.stat().st_size, 8 * 1024 * 1024))
    names = {
        n: n.encode("utf-16-le") in data
        for n in ("EncryptedPackage", "EncryptionInfo", "Workbook", "Book", "WordDocument")
    }
    if names["EncryptedPackage"] or names["EncryptionInfo"]:
        return Sniffed("encrypted", "file.encrypted")
    if names["WordDocument"]:
        return Sniffed("doc", "file.word")
    if names["Workbook"] or names["Book"]:
        return Sniffed("xls")
    return Sniffed("unknown", "file.unknown_ole")


def _sniff_text(head: bytes) -> Sniffed:
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff \t\r\n\x00").lower()
    if text.startswith(b"<?xml") and b'progid="excel.sheet"' in text.replace(b"'", b'"'):
        return Sniffed("xml2003", "file.xml2003")
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) or b"<html" in text:
        return Sniffed("html", "file.html")
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in text:
            return Sniffed("xml2003", "file.xml2003")
        return Sniffed("unknown", "file.unknown")
    if b"\x00" not in head:
        lines = head.splitlines()[:5]
        if lines and all(b"," in ln or b"\t" in ln for ln in lines if ln.strip()):
            return Sniffed("csv", "file.csv")
        return Sniffed("text", "file.text")
    return Sniffed("unknown", "file.unknown")


def _sniff_zip(path: Path) -> Sniffed:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return Sniffed("zip", "file.corrupt_zip")
    with zf:
        try:
            infos = zf.infolist()
        except Exception:  # pragma: no cover - zipfile raises assorted errors on broken archives
            return Sniffed("zip", "file.corrupt_zip")
        names = [i.filename for i in infos]
        kind = _zip_kind(zf, names)
        if kind not in SPREADSHEET_KINDS:
            return Sniffed(kind, "file.word" if kind == "docx" else "file.not_spreadsheet")
        problem = _check_zip(zf, infos, names)
        if problem:
            return Sniffed(kind, *problem)
        problem = _check_parts(zf, infos, kind)
        if problem:
            return Sniffed(kind, *problem)
    return Sniffed(kind)


def _zip_kind(zf: zipfile.ZipFile, names: list[str]) -> str:
    if "mimetype" in names:
        try:
            mime = _read_capped(zf, zf.getinfo("mimetype"), 200)
        except Exception:
            return "zip"
        if b"opendocument.spreadsheet" in mime:
            return "ods"
        return "zip"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        if "xl/workbook.bin" in names:
            return "xlsb"
        return "xlsm" if "xl/vbaProject.bin" in names else "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return "zip"


def _check_zip(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], names: list[str]
) -> tuple[str, str] | None:
    if len(infos) > MAX_ENTRIES:
        return "file.zip_entries", str(len(infos))
    seen: set[str] = set()
    for n in names:
        if n in seen:
            return "file.zip_duplicate", n
        seen.add(n)
    total = 0
    for i in infos:
        if i.flag_bits & 0x1:
            return "file.encrypted", i.filename
        total += i.file_size
        if i.file_size > MAX_PART_UNCOMPRESSED or total > MAX_TOTAL_UNCOMPRESSED:
            return "file.zip_bomb", i.filename
        ratio = i.file_size / i.compress_size if i.compress_size else 0
        # sharedStrings is exempt: repetitive text compresses well and is counted while streamed
        if ratio > MAX_RATIO and i.file_size > 1 << 20 and i.filename != "xl/sharedStrings.xml":
            return "file.zip_bomb", i.filename
    return None


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Decompress at most `limit` bytes of one entry, whatever its header claims."""
    with zf.open(info) as f:
        return f.read(limit)


def _check_parts(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], kind: str
) -> tuple[str, str] | None:
    """Stream every part once, capped at its declared size + 1 byte.

    Catches a lying size header (more data than declared, or a CRC that does not match), a DTD
    (entity expansion, external entities), cells beyond the sheet limits (python-calamine aborts
    the whole process on a cell at XFD1048576) and millions of shared strings.
    """
    for info in infos:
        name = info.filename
        is_xml = name.endswith((".xml", ".rels", ".vml"))
        is_sheet = kind in ("xlsx", "xlsm") and name.startswith("xl/worksheets/") and is_xml
        is_sst = name == "xl/sharedStrings.xml"
        try:
            with zf.open(info) as f:
                remaining = info.file_size + 1
                first = True
                tail = b""
                strings = 0
                while remaining > 0:
                    chunk = f.read(min(remaining, 1 << 20))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                    if first and is_xml:
                        first = False
                        if _DTD.search(chunk[:HEAD_BYTES]):
                            return "file.xml_dtd", name
                        m = _DIMENSION.search(chunk[:HEAD_BYTES]) if is_sheet else None
                        if m and m.group(3) and _too_far(m.group(3), m.group(4)):
                            where = f"{name}: {m.group(3).decode()}{m.group(4).decode()}"
                            return "file.sheet_too_large", where
                    if is_sheet:
                        for m in _CELL_REF.finditer(tail + chunk):
                            if _too_far(m.group(1), m.group(2)):
                                where = f"{name}: {m.group(1).decode()}{m.group(2).decode()}"
                                return "file.sheet_too_large", where
                    if is_sst:
                        strings += chunk.count(b"<si>") + chunk.count(b"<si ")
                        if strings > MAX_SHARED_STRINGS:
                            return "file.too_many_strings", f"{strings:,}"
                    tail = chunk[-32:]
            if remaining <= 0:
                return "file.zip_size_lie", name
        except zipfile.BadZipFile as e:
            code = "file.zip_size_lie" if "CRC" in str(e) else "file.corrupt_zip"
            return code, name
        except Exception:
            return "file.corrupt_zip", name
    return None


def _too_far(col: bytes, row: bytes) -> bool:
    n = 0
    for ch in col:
        n = n * 26 + (ch - 64)
    return n > MAX_CELL_COL or int(row) > MAX_CELL_ROW
