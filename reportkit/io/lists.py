"""Read the items of a list form (典型案例登记表, 联络人名单): one row per item, any number.

A list is found by its heading row (the columns' labels, wherever they are), not by cell
positions: a clerk inserts rows, deletes the template's empty ones, or retypes the list, and
every item is still read. Items are the rows below the heading that have anything in the
form's columns, up to the 合计/备注 row or the end of the sheet; blank rows are skipped and
the 序号 column is not an item's content. Pure over the sheet grid: no file library.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from reportkit.io.reader import META_SHEET, Note, Sheet, _clip, loose, norm
from reportkit.io.workbook import a1, sheet_name
from reportkit.messages import msg
from reportkit.model.campaign import UNIT_COLUMN, FieldDef, Form
from reportkit.model.submission import RawCell

MAX_ITEMS = 100_000  # items read from one workbook: as many rows as the sniff lets a sheet hold
HEADING_ROWS = 200  # the heading is looked for in a sheet's first rows
_ENDS = ("备注", "填表说明", "合计", "总计", "共计")
_NOTE = re.compile(r"^\s*(?:注|说明)\s*\d*\s*[:：.]")


def read_items(form: Form, sheets: list[Sheet]) -> tuple[dict[str, RawCell], list[Note]]:
    """The items of list form `form` as raw cells keyed "k.column" (k from 1), and notes.

    Every sheet with the list's heading is read; the one with most items counts (the form's
    own sheet on a tie), and any other that holds items is said (a clerk who carried the list
    on in a copied sheet), never dropped without a word."""
    found = _headings(form, sheets)
    if not found:
        own = next((s for s in sheets if s.name == sheet_name(form)), None)
        where = own.name if own else sheet_name(form)
        labels = "、".join(c.label for c in form.columns if c.id != UNIT_COLUMN)
        hint = msg("list.no_heading.hint")
        return {}, [("list.no_heading", {"sheet": where, "labels": labels, "hint": hint})]
    read = [_items_below(form, s, head, cols) for s, head, cols in found]
    best = max(range(len(read)), key=lambda i: (read[i][2], -i))
    out, notes, _ = read[best]
    for i, (_, _, n) in enumerate(read):
        if i != best and n:
            other = {"sheet": found[i][0].name, "count": n, "used": found[best][0].name}
            notes = [*notes, ("list.other_sheet", other)]
    return out, notes


def _items_below(
    form: Form, s: Sheet, head: int, cols: dict[str, int]
) -> tuple[dict[str, RawCell], list[Note], int]:
    """The items under the heading row `head` of sheet `s`, its notes and how many."""
    out: dict[str, RawCell] = {}
    notes: list[Note] = []
    # what makes a row an item: a typed column other than its unit (a formula is no content,
    # and a unit copied down the empty rows makes no item)
    typed = [cid for cid in cols if not form.column(cid).derived and cid != UNIT_COLUMN]
    need = _need(form)
    k = 0
    last = s.start[0] + len(s.rows)
    for r in range(head + 1, last):
        if _ends(s, r):
            notes += _after_end(s, r, last, [cols[cid] for cid in typed])
            break
        got = {cid: _clip(s.get(r, c)) for cid, c in cols.items()}
        if all(_blank(got[cid]) for cid in typed):
            continue
        row = s.rows[r - s.start[0]]
        words = sum(isinstance(v, str) for v in got.values())
        if words >= need and _score(_match(form.columns, row, s.start[1])) >= need:
            continue  # the heading again (a page's heading pasted with the items)
        if k == MAX_ITEMS:
            notes.append(("list.too_many", {"sheet": s.name, "max": MAX_ITEMS, "row": r + 1}))
            break
        k += 1
        for cid, v in got.items():
            out[f"{k}.{cid}"] = RawCell(v, s.name, a1(r, cols[cid]))
    return out, notes, k


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _after_end(s: Sheet, end: int, last: int, cols: list[int]) -> list[Note]:
    """A row below the list's end (its 合计 or 备注 row) that looks like an item — most of the
    columns filled — is not read: say so, so that nothing is dropped without a word."""
    need = max(2, math.ceil(len(cols) / 2)) if len(cols) > 1 else 1
    for r in range(end + 1, min(last, end + 1 + HEADING_ROWS)):
        if sum(1 for c in cols if not _blank(s.get(r, c))) >= need:
            text = str(_first(s, end) or "")[:20]
            where = {"sheet": s.name, "cell": a1(r, cols[0]), "row": r + 1, "end": end + 1}
            return [("list.after_end", {**where, "text": text})]
    return []


def _need(form: Form) -> int:
    """How many of its columns' labels a row must hold to be the list's heading."""
    return max(1, math.ceil(sum(1 for c in form.columns if c.id != UNIT_COLUMN) * 0.6))


def _score(cols: dict[str, int]) -> int:
    return sum(1 for cid in cols if cid != UNIT_COLUMN)


def heading_rows(form: Form, s: Sheet) -> set[int]:
    """The rows of sheet `s` that are the list's heading (a page's heading may be repeated)."""
    need = _need(form)
    return {
        s.start[0] + i
        for i, row in enumerate(s.rows)
        if sum(isinstance(v, str) for v in row) >= need
        and _score(_match(form.columns, row, s.start[1])) >= need
    }


def _headings(form: Form, sheets: list[Sheet]) -> list[tuple[Sheet, int, dict[str, int]]]:
    """Each sheet's heading of the list — its first row with most of the form's column
    labels — with the row and the columns (the form's own sheet first, hidden ones last)."""
    need = _need(form)
    own = sheet_name(form)
    order = sorted(
        (s for s in sheets if s.name != META_SHEET),
        key=lambda s: (s.name != own, not s.visible),
    )
    out = []
    for s in order:
        best: tuple[int, int, dict[str, int]] | None = None
        r0 = s.start[0]
        for i, row in enumerate(s.rows[:HEADING_ROWS]):
            cols = _match(form.columns, row, s.start[1])
            score = _score(cols)
            if score >= need and (best is None or score > best[0]):
                best = (score, r0 + i, cols)
        if best is not None:
            out.append((s, best[1], best[2]))
    return out


def _match(columns: tuple[FieldDef, ...], row: list[Any], c0: int) -> dict[str, int]:
    """Column id → sheet column for the labels found in `row` (exactly, else loosely);
    a repeated label is taken left to right."""
    texts = [(c0 + j, norm(v)) for j, v in enumerate(row) if isinstance(v, str) and v.strip()]
    out: dict[str, int] = {}
    taken: set[int] = set()
    for exact in (True, False):
        for col in columns:
            if col.id in out:
                continue
            want = {norm(w) for w in (col.label, *col.aliases)}
            if not exact:
                want = {loose(w) for w in want}
            for j, t in texts:
                if j not in taken and (t if exact else loose(t)) in want:
                    out[col.id] = j
                    taken.add(j)
                    break
    return out


def _first(s: Sheet, r: int) -> Any:
    """The first value of sheet row `r`."""
    row = s.rows[r - s.start[0]]
    return next((v for v in row if v not in (None, "")), None)


def _ends(s: Sheet, r: int) -> bool:
    """A row that ends the list: its first text is 合计, 备注 or a 说明."""
    first = _first(s, r)
    if not isinstance(first, str):
        return False
    text = norm(first)
    return any(text.startswith(e) for e in _ENDS) or bool(
        _NOTE.match(unicodedata.normalize("NFKC", first))
    )
