"""Read one workbook into a Submission: by our defined names where they exist, else by labels.

python-calamine reads the values (xlsx, xlsm, xls, ods); the defined names of an xlsx are taken
from `xl/workbook.xml` with defusedxml. A workbook without our names (a county that retyped the
official table) is read by finding the official row and column labels anywhere on its sheets.
This module runs inside an isolated worker process (see `intake`): a file that crashes the
parser takes down only that worker.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportkit.io.workbook import META_SHEET, MILESTONE, TEMPLATE_VERSION, a1, layout, parse_a1
from reportkit.issues import Issue
from reportkit.messages import msg
from reportkit.model.campaign import Campaign, FieldDef, Form, defined_name, item_count
from reportkit.model.memo import by_identity
from reportkit.model.submission import RawCell, Submission

EXTENSIONS = {"xlsx": (".xlsx",), "xlsm": (".xlsm",), "xls": (".xls",), "ods": (".ods",)}
MAX_GRID_CELLS = 2_000_000  # a sheet larger than this is not searched for labels
MAX_TEXT = 50_000  # beyond Excel's 32,767 per cell; the value parser reports and cuts long text

# --- labels -----------------------------------------------------------------------------------

_SPACE = re.compile(r"[\s\u3000\u00a0_＿]+")
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")"})


# What clerks add to a label or a unit for the seal: 填报单位（盖章）, 岱岳区应急管理局（公章）
SEAL = r"[(（]\s*(?:加盖|盖|公|签|印)?\s*章\s*[)）]|[(（]\s*签\s*[字名](?:\s*盖\s*章)?\s*[)）]"
_SEAL = re.compile(SEAL)


def norm(text: Any) -> str:
    """A label as compared: full-width folded, no spaces or line breaks, unified brackets,
    no seal note (（盖章）)."""
    if not isinstance(text, str):
        return ""
    s = unicodedata.normalize("NFKC", text).translate(_BRACKETS)
    s = _SPACE.sub("", s)
    if "章" in s or "签" in s:
        s = _SEAL.sub("", s)
    return s.rstrip(":：").lower()


_LOOSE_DROP = re.compile(r"[的之\W_]+")
_UNIT_NOTE = re.compile(r"\([^()]{1,4}\)$")


def loose(label: str) -> str:
    """A normalised label as a near miss is compared: without 的, punctuation and a trailing
    unit note ("完成自查机构数量(家)", "完成自查的机构数量" and "完成自查的机构数量（家）。" agree)."""
    label = label.rstrip("。.，,；;:：!！?？、")
    return _LOOSE_DROP.sub("", _UNIT_NOTE.sub("", label))


# --- the sheet grid -----------------------------------------------------------------------------


@dataclass
class Sheet:
    name: str
    visible: bool
    rows: list[list[Any]]
    start: tuple[int, int] = (0, 0)  # (row, col) of rows[0][0] in the sheet

    def get(self, row: int, col: int) -> Any:
        r, c = row - self.start[0], col - self.start[1]
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            v = self.rows[r][c]
            return None if v == "" else v
        return None

    def cells(self) -> Any:
        r0, c0 = self.start
        for r, row in enumerate(self.rows):
            for c, v in enumerate(row):
                if v not in ("", None):
                    yield r + r0, c + c0, v


def load_sheets(data: bytes) -> list[Sheet]:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    # from_filelike picks the format from the content; from_path trusts the extension
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        out = []
        for meta in wb.sheets_metadata:
            sheet = wb.get_sheet_by_name(meta.name)
            h, w = sheet.height, sheet.width
            if h * w > MAX_GRID_CELLS:
                out.append(Sheet(meta.name, meta.visible == SheetVisibleEnum.Visible, []))
                continue
            rows = sheet.to_python(skip_empty_area=False)
            out.append(
                Sheet(
                    meta.name,
                    meta.visible == SheetVisibleEnum.Visible,
                    rows,
                    (0, 0),
                )
            )
        return out
    finally:
        wb.close()


def defined_names(data: bytes, kind: str = "xlsx") -> dict[str, tuple[str, int, int]]:
    """RK_* defined names of a workbook → (sheet, row, col); see `definednames`."""
    from reportkit.io.definednames import defined_names as names

    return names(data, kind)[0]


# --- reading ------------------------------------------------------------------------------------


def issue(code: str, file: str, **kw: Any) -> Issue:
    """The issue `code` found in `file`, its severity the registry's."""
    where = {k: kw[k] for k in ("sheet", "cell", "field", "hint") if k in kw}
    text = msg(code, file=file, **{k: v for k, v in kw.items() if k != "hint"})
    return Issue.of(code, text, file=file, **where)


def read_submission(
    path: Path,
    campaign: Campaign,
    kind: str,
    *,
    display: str | None = None,
    data: bytes | None = None,
    parts: dict[str, bytes] | None = None,
) -> Submission:
    """Read `path` (already sniffed as `kind`) into a Submission with raw cells and issues."""
    name = display or str(path)
    sub = Submission(file=name)
    if path.suffix.lower() not in EXTENSIONS.get(kind, ()):
        sub.issues.append(
            issue("file.extension_mismatch", name, ext=path.suffix or "（无）", kind=kind)
        )
    if data is None:
        data = path.read_bytes()
    try:
        sheets = load_sheets(data)
    except Exception as e:  # calamine raises its own error classes for broken content
        code = "file.encrypted" if type(e).__name__ == "PasswordError" else "file.unreadable"
        sub.issues.append(issue(code, name, detail=_short(e)))
        return sub
    except BaseException as e:  # a Rust panic reaches Python as PanicException, a BaseException
        if isinstance(e, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        sub.issues.append(issue("file.unreadable", name, detail="解析程序内部错误"))
        return sub
    meta_sheet = next((s for s in sheets if s.name == META_SHEET), None)
    if meta_sheet is not None:
        sub.meta = {
            str(r[0]).strip(): "" if len(r) < 2 or r[1] is None else str(r[1]).strip()
            for r in meta_sheet.rows
            if r and isinstance(r[0], str)
        }
    if sub.meta.get("rollup") == "1" and sub.meta.get("complete") == "0":
        sub.issues.append(issue("rollup.input_incomplete", name))
    form = _pick_form(campaign, sub.meta, sheets)
    if form is None:
        sub.issues.append(issue("file.no_form", name, forms=campaign.form_names()))
        return sub
    sub.form = form.id
    # Fastest first: our template where its labels are all still in place (then every cell is
    # where the template put it); else the defined names, which Excel moves with the cells;
    # else the official labels wherever they are.
    located = _by_layout(campaign, form, sheets, sub.meta)
    if located is None:
        from reportkit.io.definednames import defined_names as read_names

        try:
            names, twice = read_names(data, kind)
        except Exception:  # names we cannot follow: the labels still can be
            names, twice = {}, {}
        wanted = {c.name for c in form.cells}
        for dname, refs in sorted(twice.items()):
            if dname in wanted:  # which cell counts cannot be told: not read by these names
                sub.issues.append(
                    issue("file.duplicate_name", name, detail=dname, refs="、".join(refs))
                )
        located = _by_names(form, sheets, names) if names and not twice else None
    if located is None:
        found = _by_labels(form, sheets)
        if found is None and form.listed:  # no header labels: the list itself may be there
            found = ({}, [])
        if found is None:
            sub.issues.append(issue("file.no_form", name, forms=campaign.form_names()))
            return sub
        located, notes = found
        if meta_sheet is not None:
            sub.issues.append(issue("read.by_labels", name))
        sub.issues += [issue(code, name, **kw) for code, kw in notes]
    sight_form = form
    if form.listed:  # the items, wherever the rows are: the layout's cells are the header's
        from reportkit.io.lists import read_items

        items, notes = read_items(form, sheets)
        located = {**located, **items}
        sub.issues += [issue(code, name, **kw) for code, kw in notes]
        sight_form = form.sized(item_count(items))
    sub.raw = located
    _check_sight(sub, sight_form, kind, data, name, parts)
    by_sheet = {s.name: s for s in sheets}
    used = {c.sheet for c in located.values()}
    for s in sheets:
        if s.name == META_SHEET:
            continue
        if s.name in used and not s.visible:
            sub.issues.append(issue("file.table_hidden", name, sheet=s.name))
        elif not s.visible and any(_is_number(v) for _, _, v in s.cells()):
            sub.issues.append(issue("file.hidden_sheet", name, sheet=s.name))
    del by_sheet
    return sub


def _check_sight(
    sub: Submission,
    form: Form,
    kind: str,
    data: bytes,
    name: str,
    parts: dict[str, bytes] | None = None,
) -> None:
    """Warn about each value a person cannot see (hidden row or column, under a merged cell)
    or did not type (a formula); refuse one taken from another file or program."""
    from reportkit.io.sight import is_external, sight

    cells = _input_cells(form)
    by_sheet: dict[str, list[tuple[str, Any, tuple[int, int]]]] = {}
    for key, rc in sub.raw.items():
        if key in cells and rc.sheet and rc.cell and rc.value not in (None, ""):
            pos = parse_a1(rc.cell)
            if pos is not None:
                by_sheet.setdefault(rc.sheet, []).append((key, rc, pos))
    if not by_sheet:
        return

    def add(code: str, key: str, rc: Any, **kw: Any) -> None:
        where = msg("value.where", label=cells[key].label, cell=rc.cell)
        sub.issues.append(
            issue(code, name, sheet=rc.sheet, cell=rc.cell, field=key, where=where,
                  value=rc.value, **kw)
        )  # fmt: skip

    facts = sight(data, kind, set(by_sheet), parts)
    for sheet, wanted in by_sheet.items():
        s = facts.sheet(sheet)
        if not (s.formulas or s.hidden_rows or s.hidden_cols or s.merges):
            continue  # nothing hidden, merged or computed on this sheet: the usual case
        covered = s.covered({pos for _, _, pos in wanted}) if s.merges else {}
        for key, rc, pos in wanted:
            formula = s.formulas.get(pos)
            if formula is not None:
                text = f"“={formula}”" if formula else ""
                if is_external(formula) or (facts.external and not formula):
                    add("cell.external", key, rc, formula=text)
                else:
                    add("cell.formula", key, rc, formula=text)
            if pos[0] in s.hidden_rows:
                add("cell.hidden_row", key, rc, row=pos[0] + 1)
            elif s.hidden_cols and s.col_hidden(pos[1]):
                add("cell.hidden_col", key, rc, col=a1(0, pos[1]).rstrip("0123456789"))
            merge = covered.get(pos)
            if merge is not None:
                span = f"{a1(merge[0], merge[1])}:{a1(merge[2], merge[3])}"
                add("cell.under_merge", key, rc, range=span)


@by_identity
def _input_cells(form: Form) -> dict[str, Any]:
    return {c.key: c for c in form.cells if not c.derived}


def _short(e: Exception) -> str:
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    return text[:120]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _pick_form(campaign: Campaign, meta: dict[str, str], sheets: list[Sheet]) -> Form | None:
    if meta.get("form") in campaign.forms:
        return campaign.forms[meta["form"]]
    best, best_score = None, 0.0
    texts = {norm(v) for s in sheets if s.name != META_SHEET for _, _, v in s.cells()}
    for form in campaign.forms.values():
        labels = _form_labels(form)
        if not labels:
            continue
        score = sum(1 for lb in labels if lb & texts) / len(labels)
        if score > best_score:
            best, best_score = form, score
    return best if best_score >= 0.6 else None


def _form_labels(form: Form) -> list[set[str]]:
    out = [{norm(r.label)} for r in form.rows]
    out += [{norm(c.label), *map(norm, c.aliases)} for c in form.columns if c.official]
    out += [{norm(f.label), *map(norm, f.aliases)} for f in form.fields]
    return out


def _by_names(
    form: Form, sheets: list[Sheet], names: dict[str, tuple[str, int, int]]
) -> dict[str, RawCell] | None:
    by_name = {s.name: s for s in sheets}
    out: dict[str, RawCell] = {}
    wanted = [(c.key, c.name, c.derived) for c in form.cells]
    wanted += [(h.id, defined_name(h.id), False) for h in form.header]
    wanted += [(MILESTONE, defined_name(MILESTONE), False)]
    for key, dname, derived in wanted:
        if dname not in names:
            if key in {c.key for c in form.cells}:
                return None  # not our template (or names lost): read by labels instead
            continue
        sheet, row, col = names[dname]
        s = by_name.get(sheet)
        if s is None:
            return None
        out[key] = RawCell(_clip(s.get(row, col)), sheet, a1(row, col), derived)
    return out


def _by_layout(
    campaign: Campaign, form: Form, sheets: list[Sheet], meta: dict[str, str]
) -> dict[str, RawCell] | None:
    """Our template saved where names do not survive (LibreOffice .xls/.ods): the cell positions
    of the template version named in its metadata, used only if the labels are still in place."""
    if meta.get("form") != form.id or meta.get("template_version") != TEMPLATE_VERSION:
        return None
    sheet_name, labels, cells = _layout_plan(campaign, form)
    s = next((x for x in sheets if x.name == sheet_name), None)
    if s is None:
        return None
    for r, c, label in labels:
        v = s.get(r, c)
        if type(v) is str and _NORMS.get(v) == label:
            continue  # the label as seen before, in another file
        if norm(v) != label:
            return None
        if type(v) is str:
            if len(_NORMS) > 4096:
                _NORMS.clear()
            _NORMS[v] = label
    # what Sheet.get and _clip do, cell by cell, without a call for each
    rows, (r0, c0), name = s.rows, s.start, s.name
    n = len(rows)
    out = {}
    for key, r, c, ref, derived in cells:
        v = None
        r -= r0
        if 0 <= r < n:
            row = rows[r]
            c -= c0
            if 0 <= c < len(row):
                v = row[c]
                if v == "":
                    v = None
                elif type(v) is not float:
                    v = _clip(v)
        out[key] = RawCell(v, name, ref, derived)
    return out


# Per form (kept alive here, compared by identity): the template's sheet, its labels normalised
# where the layout puts them, and every value cell (key, row, col, A1, derived) in reading order.
# Label texts found in place, with what `norm` gives for them (a pure function of the text).
_NORMS: dict[str, str] = {}


@by_identity
def _layout_plan(
    campaign: Campaign, form: Form
) -> tuple[str, list[tuple[int, int, str]], list[tuple[str, int, int, str, bool]]]:
    lay = layout(campaign, form)
    labels = _layout_labels(campaign, form)
    cells = [(c.key, *lay.cells[c.key], a1(*lay.cells[c.key]), c.derived) for c in form.cells]
    cells += [(key, r, c, a1(r, c), False) for key, (r, c) in lay.header.items()]
    return lay.sheet, labels, cells


def _layout_labels(campaign: Campaign, form: Form) -> list[tuple[int, int, str]]:
    """Every row, column, field and header label of the template, where the layout puts it."""
    lay = layout(campaign, form)
    out = [(r, c, norm(rd.label)) for rd in form.rows for (r, c) in [lay.row_labels[rd.id]]]
    out += [
        (lay.column_labels[col.id][0], lay.column_labels[col.id][1], norm(col.label))
        for col in form.columns
        if col.id in lay.column_labels
    ]
    out += [
        (lay.field_labels[f.id][0], lay.field_labels[f.id][1], norm(f.label))
        for f in form.fields
        if f.id in lay.field_labels
    ]
    return out


def _clip(v: Any) -> Any:
    if isinstance(v, str) and len(v) > MAX_TEXT:
        return v[:MAX_TEXT]
    if isinstance(v, dt.time):
        return None
    return v


Note = tuple[str, dict[str, Any]]  # an issue about the labels: code, values


def _by_labels(form: Form, sheets: list[Sheet]) -> tuple[dict[str, RawCell], list[Note]] | None:
    """Find the form by its official labels on the sheet where most of them are."""
    best: tuple[int, dict[str, RawCell], list[Note]] | None = None
    for s in sorted(sheets, key=lambda s: (not s.visible, s.name == META_SHEET)):
        if s.name == META_SHEET:
            continue
        found, notes = _labels_on_sheet(form, s)
        score = sum(1 for c in found.values() if c.value is not None or c.cell)
        if found and (best is None or score > best[0]):
            best = (score, found, notes)
    if best is None or best[0] == 0:
        return None
    return best[1], best[2]


class _Labels:
    """The labels of one sheet, found exactly, else as near misses (one form label only)."""

    def __init__(self, form: Form, s: Sheet) -> None:
        self.s = s
        self.index: dict[str, list[tuple[int, int]]] = {}
        for r, c, v in s.cells():
            key = norm(v)
            if key:
                self.index.setdefault(key, []).append((r, c))
        self.notes: list[Note] = []
        self.used: set[tuple[int, int]] = set()
        # every label of the form, loosely: a near miss counts only if it is no other label's
        self.known = {loose(k) for k in _all_labels(form)}
        self._near: dict[str, list[tuple[int, int]]] | None = None

    def near(self, label: str) -> list[tuple[int, int]]:
        """Cells whose text is a near miss of `label` (and of no other label of the form)."""
        if self._near is None:
            self._near = {}
            for key, hits in self.index.items():
                self._near.setdefault(loose(key), []).extend(hits)
        hits = self._near.get(loose(norm(label)), [])
        for r, c in hits:
            text = str(self.s.get(r, c))
            self.notes.append(
                ("read.near_label", {"sheet": self.s.name, "cell": a1(r, c),
                                           "text": text, "label": label})
            )  # fmt: skip
        return sorted(hits)

    def find(self, label: str, aliases: tuple[str, ...] = ()) -> list[tuple[int, int]]:
        hits = [h for w in (label, *aliases) for h in self.index.get(norm(w), [])]
        return sorted(hits) if hits else self.near(label)

    def missing(self, kind: str, label: str) -> None:
        """A label of the form not on the sheet: say so, and which cell may have meant it."""
        import difflib

        want = loose(norm(label))
        best, best_ratio = None, 0.5
        for key, hits in self.index.items():
            lk = loose(key)
            if lk in self.known or not 2 <= len(lk) <= 40:
                continue
            ratio = difflib.SequenceMatcher(None, want, lk).ratio()
            if ratio > best_ratio:
                best, best_ratio = min(hits), ratio
        kw: dict[str, Any] = {"label": label, "kind": kind}
        if best is not None:
            kw.update(sheet=self.s.name, cell=a1(*best))
            kw["where"] = msg("read.label_guess", cell=a1(*best), text=str(self.s.get(*best)))
        else:
            kw["where"] = ""
        self.notes.append(("read.label_missing", kw))


def _labels_on_sheet(form: Form, s: Sheet) -> tuple[dict[str, RawCell], list[Note]]:
    labels = _Labels(form, s)
    out: dict[str, RawCell] = {}
    if form.rows:
        # the sheet row (or, in an indicator table, the sheet column) of each model row, and
        # the sheet column (row) of each model column: an indicator table prints its
        # indicators (the model's columns) down the side and its methods across the top
        flip = form.transposed
        rows: dict[str, int] = {}
        for rd in form.rows:
            hits = labels.find(rd.label, rd.aliases)
            if hits:
                rows[rd.id] = hits[0][1] if flip else hits[0][0]
        cols = _columns(form.columns, labels, across=not flip)
        if len(rows) < max(1, len(form.rows) // 2) or len(cols) < max(1, len(form.columns) // 2):
            return {}, []
        row_word, col_word = ("列", "行") if flip else ("行", "列")
        for rd in form.rows:
            if rd.id not in rows and not rd.derived:
                labels.missing(row_word, rd.label)
        for col in form.columns:
            # a helper column beside the official table (纳入治理范围的机构数量) may be left out
            if col.id not in cols and not col.derived and col.official:
                labels.missing(col_word, col.label)
        for cell in form.cells:
            if cell.row is None:
                continue
            r, c = rows.get(cell.row.id), cols.get(cell.field.id)
            if flip:
                r, c = c, r
            if r is None or c is None:
                # its label is not there: not read, and said once for the row or column
                out[cell.key] = RawCell(None, s.name, None, cell.derived, unread=True)
                continue
            out[cell.key] = RawCell(_clip(s.get(r, c)), s.name, a1(r, c), cell.derived)
    for f in form.fields:
        pos = _value_beside(f.label, f.aliases, labels.index, s, _other_labels(form, f.id))
        if pos is None and form.is_table:
            near = labels.near(f.label)
            pos = (
                _value_beside(str(s.get(*near[0])), (), labels.index, s, _other_labels(form, f.id))
                if near
                else None
            )
        if pos is not None:
            out[f.id] = RawCell(pos[0], s.name, pos[1], False)
        elif form.is_table:
            labels.missing("项", f.label)
    index = labels.index
    if form.listed:  # a list's heading (填报单位 | 案例名称 …) is not the header's 填报单位：
        from reportkit.io.lists import heading_rows

        heads = heading_rows(form, s)
        kept = {k: [p for p in v if p[0] not in heads] for k, v in index.items()}
        index = {k: v for k, v in kept.items() if v}
    for h in form.header:
        pos = _value_beside(h.label, (), index, s, _other_labels(form, h.id))
        if pos is None and h.prefilled:
            pos = _sealed(s)  # no 填报单位 label: the unit as signed, "岱岳区应急管理局（盖章）"
        if pos is not None:
            out[h.id] = RawCell(pos[0], s.name, pos[1], False)
    return out, labels.notes


def _sealed(s: Sheet) -> tuple[Any, str] | None:
    """A cell that names a unit with its seal note (a 落款), the first on the sheet."""
    for r, c, v in s.cells():
        if isinstance(v, str) and ("章" in v) and _SEAL.search(unicodedata.normalize("NFKC", v)):
            text = _SEAL.sub("", unicodedata.normalize("NFKC", v)).strip(" :：")
            if 2 <= len(text) <= 60:
                return text, a1(r, c)
    return None


@by_identity
def _all_labels(form: Form) -> frozenset[str]:
    out = {norm(r.label) for r in form.rows}
    for f in (*form.columns, *form.fields, *form.header):
        out |= {norm(f.label), *map(norm, f.aliases)}
    return frozenset(out)


def _columns(columns: tuple[FieldDef, ...], labels: _Labels, across: bool = True) -> dict[str, int]:
    """Column id → sheet column; repeated labels (整改完成的问题数量) are taken left to right.
    Not `across` (an indicator table's indicators): id → sheet row, taken top to bottom."""
    groups: dict[str, list[FieldDef]] = {}
    for c in columns:
        groups.setdefault(norm(c.label), []).append(c)
    out: dict[str, int] = {}
    for defs in groups.values():
        hits = labels.find(defs[0].label, tuple(a for d in defs for a in d.aliases))
        hits.sort(key=lambda rc: (rc[1], rc[0]) if across else rc)
        for d, (r, col) in zip(defs, hits, strict=False):
            out[d.id] = col if across else r
    return out


def _value_beside(
    label: str,
    aliases: tuple[str, ...],
    index: dict[str, list[tuple[int, int]]],
    s: Sheet,
    labels: frozenset[str] = frozenset(),
) -> tuple[Any, str] | None:
    """A single value next to its label, or after a colon in the label's own cell.

    `labels` are the form's other labels: a neighbour cell that is one of them means this
    value was left blank (执法联动(次) | (blank) | 曝光典型案例(件)), and in a one-line header
    (填报单位：… 填报人：…) the value ends where the next label begins.
    """
    want = [norm(label), *map(norm, aliases)]
    for w in want:
        if w in index:
            r, c = min(index[w])
            for dc in (1, 2, 3):
                v = s.get(r, c + dc)
                if v is None:
                    continue
                if isinstance(v, str) and _starts_with_label(norm(v), labels):
                    break  # the next label: this value is blank
                return _clip(v), a1(r, c + dc)
            return None, a1(r, c + 1)
    # "填报人：张三" in a cell of its own, or inside a one-line header with other labels
    for inside in (False, True):
        for key, hits in index.items():
            for w in want:
                at = key.find(w + ":") if inside else (0 if key.startswith(w + ":") else -1)
                if at < 0 or (inside and at == 0):
                    continue
                r, c = min(hits)
                text = unicodedata.normalize("NFKC", str(s.get(r, c)))
                m = re.search(_spaced(w) + rf"\s*(?:{SEAL})?\s*:\s*(.*)$", text, flags=re.S)
                value = m.group(1) if m else ""
                value = _cut_at_label(value, labels).strip().strip("_＿").strip()
                return (_clip(value) or None), a1(r, c)
    return None


def _spaced(label: str) -> str:
    """A regex for a normalised label as it may be typed: spaces allowed between characters."""
    return r"\s*".join(re.escape(ch) for ch in label)


def _other_labels(form: Form, own: str) -> frozenset[str]:
    """The form's labels other than `own`'s, as compared (normalised)."""
    items = [*form.header, *form.fields, *form.columns]
    out = {norm(f.label) for f in items if f.id != own}
    out |= {norm(a) for f in items if f.id != own for a in f.aliases}
    out |= {norm(r.label) for r in form.rows}
    out.add(norm("报送节点"))
    return frozenset(x for x in out if x)


def _starts_with_label(text: str, labels: frozenset[str]) -> bool:
    return any(text == lb or text.startswith(lb + ":") for lb in labels)


def _cut_at_label(value: str, labels: frozenset[str]) -> str:
    """'张三   填报时间:2024-06-20' → '张三' when 填报时间 is another label of the form."""
    cut = len(value)
    for lb in labels:
        for m in re.finditer(re.escape(lb) + r"\s*[:：]", value):
            cut = min(cut, m.start())
    # labels are compared without spaces; look for them with spaces too
    squeezed = re.sub(r"\s+", "", value)
    if len(squeezed) != len(value):
        for lb in labels:
            pos = squeezed.find(lb + ":")
            if pos >= 0:
                # map the squeezed position back to the original text
                seen = 0
                for i, ch in enumerate(value):
                    if not ch.isspace():
                        if seen == pos:
                            cut = min(cut, i)
                            break
                        seen += 1
    return value[:cut]
