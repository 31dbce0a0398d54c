"""What a file really is, from its first bytes and (for zips) its directory, before any parser runs.

Hostile input is stopped here cheaply: nothing is decompressed beyond small, capped reads, so a
zip bomb, a lying size header or an entity-expansion XML never reaches the spreadsheet parser.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass, field
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
HEAD_BYTES = 4096  # where an XML part's DTD is looked for
SCAN_CHUNK = 1 << 20  # parts are decompressed and scanned this much at a time
SST_COUNT_FROM = 1 << 20  # parts larger than this have their strings counted
COUNT_FROM = 256 * 1024  # sheet parts (or sheets so far) this large have rows and cells counted
MAX_CELLS = 1_000_000  # cells written in all sheets together (our forms have a few hundred)
MAX_KEPT = 8 * 1024 * 1024  # XML kept for the reader (see Sniffed.parts); larger is read again

SPREADSHEET_KINDS = ("xlsx", "xlsm", "xls", "ods")

# Elements as a parser counts them, with or without a namespace prefix (<x:row>, <x:si>).
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
# Parts no spreadsheet parser reads (a drawing's <c> is not a cell): only checked for a size
# that lies.
_NOT_SHEETS = ("docProps/", "xl/theme/", "xl/drawings/", "xl/charts/", "xl/media/", "customXml/")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
# Only references that may lie beyond the limits (three letters, or six or more digits) are
# examined one by one; the scan itself runs in the regex engine, not in Python, from the literal
# `r="` (no \b before it: the engine can then skip ahead; `ref="`/`sqref="` match too, which
# is as well, a far merged range or validation being as far).
_CELL_REF = re.compile(rb'r="([A-Z]{3}|[A-Z]{1,2}(?=\d{6}))(\d{1,7})"')


@dataclass(frozen=True)
class Sniffed:
    """The verdict on a file: its real kind, and a problem code when it cannot be read."""

    kind: str  # xlsx xlsm xls ods | docx doc html xml2003 csv text empty encrypted zip unknown
    problem: str | None = None  # an issue code (file.*) when the file must not be parsed
    detail: str = ""  # extra words for the message (the entry name, a size ...)
    # the workbook and sheet XML parts of an xlsx as decompressed here, for the reader's look
    # at what a person can see of the cells (see `sight`): decompressed once, not twice
    parts: dict[str, bytes] | None = field(default=None, compare=False, repr=False)

    @property
    def readable(self) -> bool:
        return self.problem is None and self.kind in SPREADSHEET_KINDS


def suffix_of(name: str) -> str:
    """`Path(name).suffix` for a base name, without making a Path."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def is_lock_file(path: Path | str) -> bool:
    """Excel and WPS leave `~$name.xlsx` (and WPS `.~name.xlsx`) beside an open workbook."""
    name = os.path.basename(path)
    return name.startswith("~$") or (name.startswith(".~") and bool(suffix_of(name)))


def sniff(path: Path) -> Sniffed:
    """Identify `path` from its content; never raises for a bad file (OSError aside)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return Sniffed("unknown", "file.too_big", f"{size // (1024 * 1024)} MB")
    return sniff_data(path.read_bytes())


def sniff_data(data: bytes) -> Sniffed:
    """Identify a file from its bytes (read once by the caller, who also hashes and parses
    them: a workbook is decompressed here and by the parser, and nowhere else)."""
    if not data:
        return Sniffed("empty", "file.empty")
    if len(data) > MAX_FILE_BYTES:
        return Sniffed("unknown", "file.too_big", f"{len(data) // (1024 * 1024)} MB")
    head = data[:4096]
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        return _sniff_zip(data)
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(data)
    return _sniff_text(head)


def sniff_docx(data: bytes) -> Sniffed:
    """The verdict on a Word document (.docx) from its bytes, before python-docx sees it: the
    limits a workbook is held to (size, entries, encryption, zip bombs, lying sizes, DTDs in
    any part) applied to its parts. A document to open has kind "docx" and no problem; any
    other kind says what the file is instead (a .doc, a workbook, a damaged zip…)."""
    if len(data) > MAX_FILE_BYTES or not data.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return sniff_data(data)  # empty, too big, or not a zip at all
    return _sniff_zip(data, word=True)


def _sniff_ole(data: bytes) -> Sniffed:
    # An OLE2 compound file: Excel 97-2003 (.xls), an encrypted OOXML workbook, or a Word .doc.
    # The directory names are UTF-16LE; looking for them avoids a full OLE parser here.
    data = data[: 8 * 1024 * 1024]
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


def _sniff_zip(data: bytes, word: bool = False) -> Sniffed:
    """A zip's verdict, as a workbook (or, `word`, as a Word document)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        # NotImplementedError: an entry that claims a zip version newer than zipfile reads
        return Sniffed("zip", "file.corrupt_zip")
    with zf:
        try:
            infos = zf.infolist()
        except Exception:  # pragma: no cover - zipfile raises assorted errors on broken archives
            return Sniffed("zip", "file.corrupt_zip")
        names = [i.filename for i in infos]
        kind = _zip_kind(zf, names)
        if word and kind != "docx":
            return Sniffed(kind, "file.unknown")
        if not word and kind not in SPREADSHEET_KINDS:
            return Sniffed(kind, "file.word" if kind == "docx" else "file.not_spreadsheet")
        problem = _check_zip(zf, infos, names)
        if problem:
            return Sniffed(kind, *problem)
        parts: dict[str, bytes] | None = None if word else {}
        problem = _check_parts(zf, infos, kind, parts)
        if problem:
            return Sniffed(kind, *problem)
    return Sniffed(kind, parts=parts)


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
    zf: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    kind: str,
    keep: dict[str, bytes] | None = None,
) -> tuple[str, str] | None:
    """Look at every part's content, streamed in bounded chunks (never more than its declared
    size, which is itself capped above), and bound what a parser would build by what is there,
    not by what the file declares:

    - a DTD in the head of any XML part (entity expansion, external entities);
    - every cell reference of a sheet (python-calamine aborts the whole process on a cell at
      XFD1048576) and the number of rows and cells actually written. Not its declared
      dimension: a false one can hide millions, and a true sheet may declare the whole grid
      (LibreOffice writes A1:G1048576 once a row has been deleted); python-calamine sizes a
      sheet by the cells it holds, not by what it declares;
    - the number of shared strings, whatever namespace prefix they are written with;
    - a part holding more data than its header declares (a lying size, or a failed CRC).
    """
    cells = 0  # cells counted in all sheets
    sheet_bytes = 0  # sheet XML seen so far
    kept = 0
    xlsx = kind in ("xlsx", "xlsm")
    # the sheets are where the workbook's relationships say (a crafted file may put one
    # anywhere), and wherever Excel puts them
    sheets = _sheet_parts(zf) if xlsx else frozenset()
    for info in infos:
        name = info.filename
        liar = info.compress_size > info.file_size + 64
        if name.startswith(_NOT_SHEETS) and not liar:
            continue  # no parser reads it, and it does not claim to be smaller than it is
        sheet = xlsx and (name in sheets or name.startswith("xl/worksheets/"))
        # Counting tags costs time; a part too small to hold more than a cap is not counted
        # (100,000 rows take 500 KB; 1,000,000 cells, 4 MB; 500,000 strings, 2 MB).
        count = sheet and (info.file_size >= COUNT_FROM or sheet_bytes >= COUNT_FROM)
        count_strings = info.file_size > SST_COUNT_FROM
        rows = strings = 0
        xml: bool | None = None
        pieces: list[bytes] | None = None
        if (
            keep is not None
            and (sheet or name in _BOOK_PARTS)
            and kept + info.file_size <= MAX_KEPT
        ):
            pieces = []
            kept += info.file_size
        if not (sheet or liar or count_strings or pieces is not None):
            # styles, strings and the like of ordinary size: the head is enough (a DTD)
            try:
                with zf.open(info) as f:
                    head = f.read(HEAD_BYTES)
            except zipfile.BadZipFile as e:
                return ("file.zip_size_lie" if "CRC" in str(e) else "file.corrupt_zip"), name
            except Exception:
                return "file.corrupt_zip", name
            if _DTD.search(head):
                return "file.xml_dtd", name
            continue
        try:
            with zf.open(info) as f:
                total, carry = 0, b""
                while chunk := f.read(SCAN_CHUNK):
                    total += len(chunk)
                    if total > info.file_size:
                        return "file.zip_size_lie", name
                    if pieces is not None:
                        pieces.append(chunk)
                    if xml is None:
                        head = chunk[:HEAD_BYTES]
                        xml = name.endswith((".xml", ".rels")) or head.lstrip().startswith(b"<")
                        if xml and _DTD.search(head):
                            return "file.xml_dtd", name
                    if not xml:
                        continue  # a picture or a macro project: only its size is checked
                    # whole tags only: what follows the last '>' waits for the next chunk
                    text = carry + chunk if carry else chunk
                    cut = text.rfind(b">") + 1
                    if cut == 0 and len(text) < SCAN_CHUNK:
                        carry = text
                        continue
                    body, carry = (text[:cut], text[cut:]) if cut else (text, b"")
                    if count_strings:
                        strings += len(_STRING.findall(body))
                        if strings > MAX_SHARED_STRINGS:
                            return "file.too_many_strings", f"{strings:,}"
                    if not sheet:
                        continue
                    for m in _CELL_REF.finditer(body):
                        if _too_far(m.group(1), m.group(2)):
                            ref = (m.group(1) + m.group(2)).decode()
                            return "file.sheet_too_large", f"{name}: {ref}"
                    if count:
                        rows += len(_ROW.findall(body))
                        cells += len(_CELL.findall(body))
                        if rows > MAX_CELL_ROW or cells > MAX_CELLS:
                            return (
                                "file.sheet_too_large",
                                f"{name}: {rows:,} 行、{cells:,} 个单元格",
                            )
        except zipfile.BadZipFile as e:
            return ("file.zip_size_lie" if "CRC" in str(e) else "file.corrupt_zip"), name
        except Exception:
            return "file.corrupt_zip", name
        if sheet and xml:
            sheet_bytes += info.file_size
        if pieces is not None and keep is not None:
            keep[name] = b"".join(pieces)
    return None


_BOOK_PARTS = frozenset({"xl/workbook.xml", "xl/_rels/workbook.xml.rels"})
_WORKSHEET_REL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\b[^>]*>")
_TARGET = re.compile(rb'\bTarget\s*=\s*"([^"]*)"')


def _sheet_parts(zf: zipfile.ZipFile) -> frozenset[str]:
    """The parts the workbook's relationships name as worksheets (or chart sheets)."""
    try:
        with zf.open("xl/_rels/workbook.xml.rels") as f:
            rels = f.read(1 << 20)
    except Exception:
        return frozenset()
    out = set()
    for m in _WORKSHEET_REL.finditer(rels):
        tag = m.group()
        if b"/worksheet" not in tag and b"/chartsheet" not in tag:
            continue
        t = _TARGET.search(tag)
        if t:
            target = t.group(1).decode("utf-8", "replace")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            out.add(re.sub(r"[^/]+/\.\./", "", target))
    return frozenset(out)


def _too_far(col: bytes, row: bytes) -> bool:
    n = 0
    for ch in col:
        n = n * 26 + (ch - 64)
    return n > MAX_CELL_COL or int(row) > MAX_CELL_ROW
