"""Render a report: the docxtpl template filled with the content, then python-docx for what a
template cannot do (落款 placement, attachment tables with merged headers, landscape pages,
appending the subordinates' documents with docxcompose, font overrides)."""

from __future__ import annotations

import contextlib
import copy
import io
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from reportkit.report import template as tpl_mod
from reportkit.report.breaks import breakable, split_dates, visible
from reportkit.report.content import AttachmentSpec, ReportContent
from reportkit.report.fonts import FontSet
from reportkit.report.tables import TableSpec

if TYPE_CHECKING:
    from lxml.etree import _Element

TEXT_WIDTH = {False: Mm(156), True: Mm(225)}  # portrait, landscape type area width
CHART_WIDTH = Mm(140)


class TemplateError(ValueError):
    pass


@dataclass
class Written:
    path: Path | None
    attachments: list[str] = field(default_factory=list)
    documents: int = 0
    warnings: list[str] = field(default_factory=list)


def write_report(content: ReportContent, out: Path, **options: Any) -> Written:
    """Write the report to `out` (atomically: a temporary file renamed into place)."""
    from reportkit.io.atomic import atomic_write

    data, written = render_report(content, **options)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, data)
    written.path = out
    return written


def render_report(
    content: ReportContent,
    *,
    template: Path | None = None,
    fonts: FontSet | None = None,
    font_overrides: dict[str, str] | None = None,
    chart_font: str = "",
) -> tuple[bytes, Written]:
    """The report as .docx bytes: the same content gives the same bytes (so a report that
    is already there can be told unchanged from one staff have edited)."""
    from docxtpl import DocxTemplate, InlineImage
    from jinja2 import TemplateError as JinjaError

    fonts = (fonts or FontSet()).with_overrides(font_overrides or {})
    if template is not None:
        try:
            source = template.read_bytes()
        except OSError as e:
            raise TemplateError(str(e)) from e
    else:
        source = tpl_mod.build_template(content.body, content.kind, fonts)
    written = Written(None)
    with tempfile.TemporaryDirectory(prefix="reportkit-report-") as tmp:
        charts = []
        if content.charts:
            from reportkit.report.charts import chart_font as find_font
            from reportkit.report.charts import render_chart

            font = find_font(chart_font)
            for n, spec in enumerate(content.charts, start=1):
                png = Path(tmp) / f"chart{n}.png"
                written.warnings += render_chart(spec, png, font)
                charts.append((png, spec.caption))
        try:
            tpl = DocxTemplate(io.BytesIO(source))
            context = dict(content.context)
            context["charts"] = [
                {"image": InlineImage(tpl, str(png), width=CHART_WIDTH), "caption": caption}
                for png, caption in charts
            ]
            tpl.render(context, autoescape=True)
            buf = io.BytesIO()
            tpl.save(buf)
        except (JinjaError, KeyError, ValueError) as e:
            raise TemplateError(str(e)) from e
        except Exception as e:  # a template that is not a Word document at all
            raise TemplateError(f"{type(e).__name__}: {e}") from e
        document = Document(io.BytesIO(buf.getvalue()))
        tpl_mod.set_properties(
            document,
            str(content.context.get("title", "")).replace("\n", ""),
            str(content.context.get("agency", "")),
        )
        place_signature(document)
        append_attachments(document, content.attachments)
        written.attachments = [a.title for a in content.attachments]
        written.documents = sum(1 for a in content.attachments if a.document is not None)
        tie_lines(document)
        if font_overrides:
            tpl_mod.apply_fonts(document, fonts, font_overrides)
        else:  # a template staff saved in Word: its font table may have lost the fallbacks
            tpl_mod.font_table(document, fonts)
        for root in _xml_roots(document):
            tpl_mod.strip_theme_fonts(root)
        buf = io.BytesIO()
        document.save(buf)
    return tpl_mod.deterministic_zip(buf.getvalue()), written


def _xml_roots(document: DocumentObject) -> Iterable[_Element]:
    yield document.element
    yield document.styles.element
    for section in document.sections:
        for hf in (section.footer, section.even_page_footer, section.header):
            if hf._has_definition:
                yield hf._element
    with contextlib.suppress(NotImplementedError, KeyError, AttributeError):
        yield document.part.numbering_part.element


def tie_lines(document: DocumentObject) -> None:
    """Everywhere in the body (text, tables, appended documents): a break allowed after 、，…
    before a figure, and every date written solid in a run of its own (see `breaks`)."""
    body = document.element.body
    for t in body.iter(qn("w:t")):
        if t.text:
            t.text = breakable(t.text)
    for r in list(body.iter(qn("w:r"))):
        texts = [t.text or "" for t in r.iterchildren(qn("w:t"))]
        if any(date for text in texts for _, date in split_dates(text)):
            _split_at_dates(r)


def _split_at_dates(r: _Element) -> None:
    """Replace run `r` by runs of the same properties, each date alone in one whose East
    Asian language is not Chinese: LibreOffice then breaks it by the Unicode rules, which keep
    the word joiners, instead of by its CJK breaker, which ignores them."""
    rpr = r.find(qn("w:rPr"))
    runs: list[_Element] = []

    def run(date: bool = False) -> _Element:
        new = OxmlElement("w:r")
        if rpr is not None or date:
            props = copy.deepcopy(rpr) if rpr is not None else OxmlElement("w:rPr")
            if date:
                lang = props.find(qn("w:lang"))
                if lang is None:
                    lang = OxmlElement("w:lang")
                    props.append(lang)
                lang.set(qn("w:eastAsia"), DATE_LANGUAGE)
                tpl_mod.sort_rpr(props)
            new.append(props)
        runs.append(new)
        return new

    current = None
    for child in list(r):
        if child.tag == qn("w:rPr"):
            continue
        if child.tag != qn("w:t"):
            current = current if current is not None else run()
            current.append(child)
            continue
        for text, date in split_dates(child.text or ""):
            t = OxmlElement("w:t")
            t.text = text
            t.set(qn("xml:space"), "preserve")
            run(date).append(t)
        current = None
    for new in runs:
        r.addprevious(new)
    parent = r.getparent()
    assert parent is not None  # a run of the body
    parent.remove(r)


# A language LibreOffice breaks lines for by the Unicode rules (a date is figures and 年月日).
DATE_LANGUAGE = "en-US"


# --- 落款 ----------------------------------------------------------------------------------------


def text_width(text: str) -> float:
    """Width in characters of the body size: Latin letters and digits are half a character."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in visible(text))


def place_signature(document: DocumentObject) -> None:
    """GB/T 9704-2012 7.3.5.1 (a sealed document): 成文日期 four characters from the right;
    发文机关署名 centred above it."""
    sig = next(
        (
            p
            for p in document.paragraphs
            if p.style is not None and p.style.style_id == "RKSignature"
        ),
        None,
    )
    date = next(
        (p for p in document.paragraphs if p.style is not None and p.style.style_id == "RKDate"),
        None,
    )
    if sig is None or date is None:
        return
    date_right = 4.0
    sig_right = max(0.0, date_right + (text_width(date.text) - text_width(sig.text)) / 2)
    for p, right in ((date, date_right), (sig, sig_right)):
        ppr = p._p.get_or_add_pPr()
        for old in ppr.findall(qn("w:ind")):
            ppr.remove(old)
        ind = tpl_mod._el("w:ind", rightChars=round(right * 100), right=round(right * tpl_mod.CHAR))
        ind.set(qn("w:firstLineChars"), "0")
        ind.set(qn("w:firstLine"), "0")
        jc = ppr.find(qn("w:jc"))
        (jc.addprevious if jc is not None else ppr.append)(ind)


# --- attachments ---------------------------------------------------------------------------------


def _body_end(document: DocumentObject) -> Any:  # a CT_P, CT_Tbl… or None
    body = document.element.body
    children = list(body)
    if children and children[-1].tag == qn("w:sectPr"):
        children = children[:-1]
    return children[-1] if children else None


def new_section(document: DocumentObject, landscape: bool) -> None:
    """End the current section at the last paragraph and start a new page in `landscape` or
    portrait; footers (page numbers) carry on."""
    last = _body_end(document)
    if last is None or last.tag != qn("w:p"):
        last = document.add_paragraph(style=document.styles["RK 顶格"])._p
    body_sect = document.element.body.sectPr
    last.get_or_add_pPr().append(copy.deepcopy(body_sect))
    tpl_mod.page_setup(document.sections[-1], landscape)


def append_attachments(document: DocumentObject, attachments: list[AttachmentSpec]) -> None:
    landscape = False
    composer = None
    for att in attachments:
        if att.landscape != landscape:
            new_section(document, att.landscape)
            landscape = att.landscape
            label = document.add_paragraph(f"附件{att.number}", style="RK 附件标记")
        else:
            label = document.add_paragraph(f"附件{att.number}", style="RK 附件标记")
            label.paragraph_format.page_break_before = True
        if att.document is not None:
            from docx import Document as Open
            from docxcompose.composer import Composer

            composer = composer or Composer(document)
            with _seeded(att.document.sha256):
                composer.append(Open(str(att.document.path)))
            fit_appended(list(label._p.itersiblings(qn("w:p"), qn("w:tbl"))), att.document.title)
            continue
        document.add_paragraph(att.title, style="RK 附件标题")
        if att.intro:
            intro = document.add_paragraph(att.intro, style="RK 表头说明")
            intro.paragraph_format.keep_with_next = True
        for spec in att.tables:
            if spec.subtitle:
                sub = document.add_paragraph(spec.subtitle, style="RK 表头说明")
                sub.paragraph_format.keep_with_next = True
            add_table(document, spec, TEXT_WIDTH[att.landscape])
        if att.remark:
            document.add_paragraph(att.remark, style="RK 表头说明")


def fit_appended(elements: list[Any], title: str) -> None:
    """A subordinate's document in the report's styles (docxcompose maps its Normal to ours:
    仿宋, first line indented two characters, justified), keeping what it is: its title
    paragraph — in whatever style it was typed: Normal made big and centred, 标题 1 — takes the
    attachment title style, centred and never indented; any other centred or right-aligned
    line is not indented either (or it stands off centre); and 分散对齐 (distribute), which
    spreads every line to the margins character by character, becomes justified."""
    wanted = visible(title).strip()
    titled = False
    for n, el in enumerate(elements):
        if el.tag != qn("w:p"):
            continue  # tables keep their own layout
        ppr = el.get_or_add_pPr()
        text = visible("".join(t.text or "" for t in el.iter(qn("w:t")))).strip()
        if not titled and n < 6 and text and text == wanted:
            titled = True
            for tag in ("w:ind", "w:jc", "w:spacing", "w:outlineLvl", "w:numPr"):
                for old in ppr.findall(qn(tag)):
                    ppr.remove(old)
            ppr.style = "RKAttachTitle"
            continue
        jc = ppr.find(qn("w:jc"))
        align = jc.get(qn("w:val")) if jc is not None else None
        if align == "distribute":
            jc.set(qn("w:val"), "both")
        elif align in ("center", "right", "end") and ppr.find(qn("w:ind")) is None:
            ind = ppr.get_or_add_ind()
            ind.set(qn("w:firstLine"), "0")
            ind.set(qn("w:firstLineChars"), "0")


@contextlib.contextmanager
def _seeded(seed: str) -> Iterator[None]:
    """docxcompose gives each appended list a random w:nsid; seeded by the document, the
    same inputs give the same report (the interpreter's random state is given back)."""
    import random

    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


def add_table(document: DocumentObject, spec: TableSpec, width: int) -> None:
    table = document.add_table(rows=spec.nrows, cols=spec.ncols)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    weights = spec.widths or [1.0] * spec.ncols
    widths = [int(width * w / sum(weights)) for w in weights]
    for k, col in enumerate(table.columns):
        col.width = widths[k]
    for row in table.rows:
        for k, cell in enumerate(row.cells):
            cell.width = widths[k]
    tblpr = table._tbl.tblPr
    for old in tblpr.findall(qn("w:tblW")):
        tblpr.remove(old)
    tblpr.append(tpl_mod._el("w:tblW", w=sum(widths) // 635, type="dxa"))  # EMU → twips
    margins = tpl_mod._el("w:tblCellMar")  # narrow cell margins: dense official tables
    for side in ("left", "right"):
        margins.append(tpl_mod._el(f"w:{side}", w=40, type="dxa"))
    tblpr.append(margins)
    _sort_tblpr(tblpr)
    for r, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(tpl_mod._el("w:cantSplit"))  # a row never breaks across pages
        if r < spec.header_rows:  # header rows repeat on every page
            trpr.append(tpl_mod._el("w:tblHeader"))
    # the cells once, before any merge (table.cell() walks the whole table on every call:
    # quadratic in the cells of a 31-province table); placed cells never overlap, so a merge
    # only ever swallows cells that are not looked up again
    grid = table._cells
    n = spec.ncols
    # the style's id, looked up once: python-docx looks a style up among all of them each
    # time one is set (minutes for a list of tens of thousands of items)
    style_id = document.part.get_style_id(document.styles["RK 表格文字"], WD_STYLE_TYPE.PARAGRAPH)
    for placed in spec.cells:
        cell = grid[placed.row * n + placed.col]
        if placed.rowspan > 1 or placed.colspan > 1:
            last = (placed.row + placed.rowspan - 1) * n + placed.col + placed.colspan - 1
            cell = cell.merge(grid[last])
        for extra in cell.paragraphs[1:]:
            extra._p.getparent().remove(extra._p)
        p = cell.paragraphs[0]
        p._p.style = style_id
        if placed.align == "left":
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        run = p.add_run(placed.text)
        run.font.size = Pt(spec.font_pt)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


TBLPR_ORDER = (
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
    "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
    "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription",
)  # fmt: skip


def _sort_tblpr(tblpr: _Element) -> None:
    for c in sorted(tblpr, key=lambda c: TBLPR_ORDER.index(c.tag.split("}")[1])):
        tblpr.append(c)
