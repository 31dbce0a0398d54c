"""Reading the official table a notice prints, from a Word document (.docx) or a sheet (.xlsx),
into reportkit.draft.Table: the grid with its merged cells, and the text around it.

Every input is treated as hostile: the file's size is capped before it is read, its content is
identified and its zip checked (reportkit.io.sniff: zip bombs, lying sizes, DTDs) before
python-docx or openpyxl sees it, and a table larger than an official table can be is refused.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportkit.draft import MAX_TEXT, Table, attachment_list, table
from reportkit.messages import msg

MAX_FILE_BYTES = 20 * 1024 * 1024  # a notice with its tables is well under 1 MB
MAX_UNPACKED = 64 * 1024 * 1024  # what its parts may unpack to, all together
MAX_ROWS = 200  # an official statistics table: a few dozen rows at most
MAX_COLS = 60
MAX_SHEET_ROWS = MAX_ROWS + 20  # a sheet holds the title, 填报… and 备注 rows as well
MAX_TABLES = 20  # tables (or sheets) drafted from one file; the rest are left out
MAX_PARAGRAPHS = 20_000


class TableFileError(Exception):
    """The file cannot be read for a table; the message is for the user (exit code 2)."""


@dataclass(frozen=True)
class TableFile:
    kind: str  # "docx" or "xlsx"
    tables: list[Table]
    left_out: int = 0  # tables past MAX_TABLES


def read_tables(path: Path) -> TableFile:
    """The tables of a .docx or .xlsx (identified by content, not by name)."""
    from reportkit.io.files import NotRegular, read_capped
    from reportkit.io.sniff import sniff_data, sniff_docx

    try:
        data, st = read_capped(path, MAX_FILE_BYTES)
    except NotRegular:
        raise TableFileError(msg("file.not_regular")) from None
    if data is None:
        raise TableFileError(
            msg("draft.too_big", path=path, size=_mb(st.st_size), limit=_mb(MAX_FILE_BYTES))
        )
    verdict = sniff_data(data)
    if verdict.kind == "docx":
        verdict = sniff_docx(data)
    kind, problem = verdict.kind, verdict.problem
    if kind == "empty":
        raise TableFileError(msg("draft.empty", path=path))
    if kind == "encrypted" or problem == "file.encrypted":
        raise TableFileError(msg("draft.encrypted", path=path))
    if kind == "doc":
        raise TableFileError(msg("draft.old_doc", path=path))
    if kind in ("xls", "ods", "xlsb"):
        raise TableFileError(msg("draft.old_sheet", path=path, kind=kind))
    if kind not in ("docx", "xlsx", "xlsm"):
        raise TableFileError(msg("draft.not_table_file", path=path))
    if problem is not None:
        raise TableFileError(msg("draft.hostile", path=path, detail=_why(problem, verdict.detail)))
    unpacked = _unpacked(data)
    if unpacked > MAX_UNPACKED:
        raise TableFileError(
            msg("draft.unpacked_too_big", path=path, size=_mb(unpacked), limit=_mb(MAX_UNPACKED))
        )
    try:
        if kind == "docx":
            tables, left_out = docx_tables(data)
            if not tables:
                raise TableFileError(msg("draft.no_table", path=path))
            out = TableFile("docx", tables, left_out)
        else:
            tables, left_out = xlsx_tables(data)
            if not tables:
                raise TableFileError(msg("draft.no_sheet", path=path))
            out = TableFile("xlsx", tables, left_out)
    except TableFileError:
        raise
    except _TooBig as e:
        raise TableFileError(
            msg(
                "draft.table_too_big",
                path=path,
                where=e.where,
                rows=e.rows,
                cols=e.cols,
                max_rows=MAX_ROWS,
                max_cols=MAX_COLS,
            )
        ) from None
    except Exception as e:  # python-docx and openpyxl raise assorted errors on broken files
        raise TableFileError(msg("draft.unreadable", path=path, detail=_short(e))) from None
    return out


class _TooBig(Exception):
    def __init__(self, where: str, rows: int, cols: int) -> None:
        super().__init__(where)
        self.where, self.rows, self.cols = where, rows, cols


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0][:200] if str(e).strip() else ""
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _why(code: str, detail: str) -> str:
    """What the sniffer found, in words that fit a document as well as a workbook."""
    if code in ("file.sheet_too_large", "file.too_many_strings"):
        return msg(code, detail=detail).rstrip("。")
    return document_words(code, detail) or msg("file.corrupt_zip").rstrip("。")


def document_words(code: str, detail: str) -> str | None:
    """A zip-level problem the sniffer found, said of a Word document or workbook (None for
    a code that is not one of them)."""
    words = {
        "file.zip_entries": ("report.doc_entries", "count"),
        "file.zip_bomb": ("report.doc_part_big", "part"),
        "file.zip_size_lie": ("report.doc_part_lie", "part"),
        "file.zip_duplicate": ("report.doc_part_duplicate", "part"),
        "file.xml_dtd": ("report.doc_part_dtd", "part"),
    }
    if code not in words:
        return None
    key, name = words[code]
    return msg(key, **{name: detail})


def _unpacked(data: bytes) -> int:
    """What a checked zip's entries unpack to (their sizes were checked not to lie)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sum(i.file_size for i in zf.infolist())


# --- Word -----------------------------------------------------------------------------------


def docx_tables(data: bytes) -> tuple[list[Table], int]:
    """Each table of the document's body with the paragraphs around it (nested tables and
    text boxes are not read), the first MAX_TABLES; and how many more there are."""
    from docx import Document
    from docx.table import Table as WordTable

    doc = Document(io.BytesIO(data))
    items: list[str | WordTable] = []
    paragraphs: list[str] = []
    for block in doc.iter_inner_content():
        if isinstance(block, WordTable):
            items.append(block)
        elif len(paragraphs) < MAX_PARAGRAPHS:
            text = block.text[:MAX_TEXT]
            items.append(text)
            paragraphs.append(text)
    listed = attachment_list(paragraphs)
    out: list[Table] = []
    n = left_out = 0
    for i, item in enumerate(items):
        if not isinstance(item, WordTable):
            continue
        n += 1
        if n > MAX_TABLES:
            left_out += 1
            continue
        before: list[str] = []
        j = i - 1
        while j >= 0 and isinstance(items[j], str):
            before.insert(0, str(items[j]))
            j -= 1
        after: list[str] = []
        j = i + 1
        while j < len(items) and isinstance(items[j], str):
            after.append(str(items[j]))
            j += 1
        where = msg("draft.table_n", n=n)
        rows, regions = _word_grid(item, where)
        out.append(Table(rows, regions, tuple(before), tuple(after), where, listed))
    return out, left_out


def _word_grid(
    t: Any, where: str
) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[int, ...], ...]]:
    """The grid of a Word table: a merged cell (gridSpan across, vMerge down) shows its text
    at every position it covers, and its positions share one region number."""
    trs = t._tbl.tr_lst
    width = len(t.columns)
    if len(trs) > MAX_ROWS or width > MAX_COLS:
        raise _TooBig(where, len(trs), width)
    for tr in trs:  # before python-docx repeats a cell gridSpan times (a crafted 10**9)
        span = tr.grid_before + sum(tc.grid_span for tc in tr.tc_lst)
        if span > MAX_COLS:
            raise _TooBig(where, len(trs), span)
    numbers: dict[int, int] = {}
    keep: list[Any] = []  # the cells' elements stay referenced, so their ids stay theirs
    grid: list[list[tuple[str, int]]] = []
    for r, row in enumerate(t.rows):
        line: list[tuple[str, int]] = []
        for _ in range(row.grid_cols_before):
            line.append(("", -1 - r * (MAX_COLS * 4) - len(line)))
        for cell in row.cells:
            tc = cell._tc
            keep.append(tc)
            key = id(tc)
            if key not in numbers:
                numbers[key] = len(numbers)
            line.append((cell.text[:MAX_TEXT], numbers[key]))
            if len(line) > MAX_COLS:
                raise _TooBig(where, len(trs), len(line))
        grid.append(line)
    width = max((len(x) for x in grid), default=0)
    for r, line in enumerate(grid):
        while len(line) < width:
            line.append(("", -1 - r * (MAX_COLS * 4) - len(line)))
    return (
        tuple(tuple(text for text, _ in line) for line in grid),
        tuple(tuple(g for _, g in line) for line in grid),
    )


# --- Excel ----------------------------------------------------------------------------------


def xlsx_tables(data: bytes) -> tuple[list[Table], int]:
    """One table per visible sheet that has any text: the sheet's used range with its merged
    ranges (its title and 填报… rows are told from the table by reportkit.draft), the first
    MAX_TABLES; and how many more sheets there are."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    out: list[Table] = []
    left_out = 0
    try:
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            if len(out) >= MAX_TABLES:
                left_out += 1
                continue
            t = _sheet(ws)
            if t is not None:
                out.append(t)
    finally:
        wb.close()
    return out, left_out


def _sheet(ws: Any) -> Table | None:
    where = msg("draft.sheet_where", sheet=ws.title)
    # at most one row and column past the limits is looked at: enough to know a sheet is too
    # large without making openpyxl create a million empty cells for a far formatted cell
    max_row = min(ws.max_row or 0, MAX_SHEET_ROWS + 1)
    max_col = min(ws.max_column or 0, MAX_COLS + 1)
    values = [
        list(row)
        for row in ws.iter_rows(min_row=1, max_row=max_row, max_col=max_col, values_only=True)
    ]
    used = [
        (r, c)
        for r, row in enumerate(values)
        for c, v in enumerate(row)
        if v is not None and str(v).strip()
    ]
    if not used:
        return None
    r0, r1 = min(r for r, _ in used), max(r for r, _ in used)
    c0, c1 = min(c for _, c in used), max(c for _, c in used)
    if r1 - r0 + 1 > MAX_SHEET_ROWS or c1 - c0 + 1 > MAX_COLS:
        raise _TooBig(where, r1 - r0 + 1, c1 - c0 + 1)
    rows = [[_cell(v) for v in row[c0 : c1 + 1]] for row in values[r0 : r1 + 1]]
    merges = []
    for rng in ws.merged_cells.ranges:
        a, b = rng.min_row - 1 - r0, rng.min_col - 1 - c0
        merges.append((a, b, rng.max_row - 1 - r0, rng.max_col - 1 - c0))
    # a range starting above or left of the used area keeps only its visible part
    merges = [(max(a, 0), max(b, 0), c, d) for a, b, c, d in merges if c >= 0 and d >= 0]
    return table(rows, merges, where=where)


def _cell(v: object) -> object:
    if isinstance(v, str):
        return v[:MAX_TEXT]
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return v
