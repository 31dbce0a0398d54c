"""The editable Word template of a report: GB/T 9704-2012 page, styles, letterhead, footers and
the narrative wording with docxtpl placeholders ({{ … }}, {%p … %}).

`build_template(kind)` is the one source: `scripts/make_docx_template.py` writes its output to
``templates/docx/`` for staff to copy and edit in Word or WPS, and `reportkit report` uses it
when no ``--template`` is given. The bytes are deterministic (fixed zip times and properties).

Layout facts (GB/T 9704-2012): A4; margins top 37 mm, bottom 35, left 28, right 26 (a 156 ×
225 mm type area); body 三号 (16 pt) 仿宋, 22 lines of 28 characters (a 28.95 pt line pitch and
a character grid of 15.79 pt); title 二号 (22 pt) 小标宋; page number 四号 (14 pt) 半角宋体
"— 1 —", 7 mm below the type area, odd pages right and even pages left, one character in.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm

from reportkit.report.fonts import KNOWN_FONTS, ROLE_DESIGN, FontSet, design, fallbacks
from reportkit.report.spec import Para

if TYPE_CHECKING:
    from docx.oxml.text.run import CT_RPr
    from docx.section import Section
    from docx.text.paragraph import Paragraph
    from lxml.etree import _Element

PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
FOOTER_DISTANCE = Mm(21.5)  # the page number's top edge sits ~7 mm below the type area
LINE_PITCH = 579  # twips: 28.95 pt, 22 lines in the 225 mm type area
# 28 characters in 156 mm need a 15.79 pt pitch: the body is set 0.25 pt tighter (15.75 pt).
# A character grid (w:charSpace) would do it in Word, but LibreOffice spreads CJK text over two
# grid cells when a character is wider than a cell; condensed spacing reads the same everywhere.
CONDENSE = -5  # twentieths of a point
BODY_SZ = 32  # half-points: 三号 16 pt
TITLE_SZ = 44  # 二号 22 pt
PAGE_SZ = 28  # 四号 14 pt
CHAR = 320  # twips of one 16 pt character
RED = "FF0000"

# style id → (name, role of its East Asian font or None to inherit, size in half-points or None)
STYLES: dict[str, tuple[str, str | None, int | None]] = {
    "Normal": ("Normal", "body", BODY_SZ),
    "Title": ("Title", "title", TITLE_SZ),
    "Heading1": ("heading 1", "heading1", BODY_SZ),
    "Heading2": ("heading 2", "heading2", BODY_SZ),
    "Footer": ("footer", "page", PAGE_SZ),
    "RKLetterhead": ("RK 发文机关标志", "title", 52),
    "RKDocNumber": ("RK 发文字号", None, None),
    "RKRecipient": ("RK 主送机关", None, None),
    "RKPlain": ("RK 顶格", None, None),
    "RKFigure": ("RK 图", None, None),
    "RKCaption": ("RK 图题", None, 28),
    "RKAttachFirst": ("RK 附件说明", None, None),
    "RKAttachNext": ("RK 附件说明续", None, None),
    "RKSignature": ("RK 发文机关署名", None, None),
    "RKDate": ("RK 成文日期", None, None),
    "RKAttachLabel": ("RK 附件标记", "heading1", BODY_SZ),
    "RKAttachTitle": ("RK 附件标题", "title", TITLE_SZ),
    "RKTableIntro": ("RK 表头说明", None, 24),
    "RKTableText": ("RK 表格文字", "table", 21),
    "RKTodo": ("RK 待填写", None, None),
}
# Styles whose Latin font is the role's own font rather than FontSet.latin (半角宋体 page number).
OWN_LATIN = {"Footer"}


# --- XML helpers ---------------------------------------------------------------------------------


def _el(tag: str, **attrs: str | int) -> _Element:
    e = OxmlElement(tag)
    for k, v in attrs.items():
        e.set(qn(f"w:{k}"), str(v))
    return e


def _replace(parent: _Element, child: _Element) -> _Element:
    """Put `child` into `parent`, replacing an element of the same tag, keeping schema order
    loosely (python-docx's own setters are used where order matters)."""
    for old in parent.findall(child.tag):
        parent.remove(old)
    parent.append(child)
    return child


def set_fonts(rpr: _Element, east_asia: str, latin: str) -> None:
    """Explicit fonts for every script, and no theme fonts (they would win over these)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = _el("w:rFonts")
        rpr.insert(0, fonts)
    # lxml gives attribute names as str; lxml-stubs types them str | bytes
    for attr in cast("list[str]", list(fonts.attrib)):
        if attr.endswith("Theme") or attr.endswith("theme"):
            del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


def strip_theme_fonts(root: _Element) -> int:
    """Remove w:asciiTheme, w:eastAsiaTheme, w:hAnsiTheme, w:cstheme wherever they are."""
    n = 0
    for fonts in root.iter(qn("w:rFonts")):
        for attr in cast("list[str]", list(fonts.attrib)):  # str, as in set_fonts
            local = attr.split("}")[-1]
            if local in ("asciiTheme", "eastAsiaTheme", "hAnsiTheme", "cstheme"):
                del fonts.attrib[attr]
                n += 1
    return n


def apply_fonts(
    document: DocumentObject, fonts: FontSet, roles: Iterable[str] | None = None
) -> None:
    """Set the fonts of the report's styles (all roles, or only `roles`)."""
    wanted = set(roles) if roles is not None else None
    styles = document.styles.element
    for style_id, (_, role, _) in STYLES.items():
        if role is None:
            continue
        if wanted is not None and role not in wanted and "latin" not in wanted:
            continue
        style = styles.find(f"{qn('w:style')}[@{qn('w:styleId')}='{style_id}']")
        if style is None:
            continue
        rpr = style.get_or_add_rPr()
        east = getattr(fonts, role)
        set_fonts(rpr, east, east if style_id in OWN_LATIN else fonts.latin)
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is not None:
            set_fonts(rpr, fonts.body, fonts.latin)
    strip_theme_fonts(styles)
    font_table(document, fonts)


def font_table(document: DocumentObject, fonts: FontSet) -> None:
    """Declare each role's font as Simplified Chinese (charset 86) with what to use where it
    is missing (fonts.fallbacks: w:altName, tried in turn, and panose), so Word and WPS
    substitute 仿宋 or Noto Serif CJK SC for a missing 仿宋_GB2312 rather than a Latin font.
    An entry the table already has (a template saved by Word) keeps its own data and gets
    the fallbacks it lacks."""
    try:
        part = next(
            p for p in document.part.package.iter_parts() if p.partname.endswith("fontTable.xml")
        )
    except StopIteration:
        return
    root = parse_xml(part.blob)
    have = {f.get(qn("w:name")): f for f in root.findall(qn("w:font"))}
    role_of: dict[str, str] = {}  # each font once, with the first role that uses it
    for role in ROLE_DESIGN:
        if getattr(fonts, role) != fonts.latin:
            role_of.setdefault(getattr(fonts, role), role)
    for name, role in role_of.items():
        wanted = fallbacks(name, role)
        font = have.get(name)
        if font is None:
            font = _el("w:font", name=name)
            panose = KNOWN_FONTS.get(name, (None, None, None))[2]
            if panose:
                font.append(_el("w:panose1", val=panose))
            font.append(_el("w:charset", val="86"))
            family = "modern" if design(name, role) in ("fangsong", "kai", "hei") else "auto"
            font.append(_el("w:family", val=family))
            font.append(_el("w:pitch", val="variable"))
            root.append(font)
        alt = font.find(qn("w:altName"))
        if alt is None:
            alt = _el("w:altName")
            font.insert(0, alt)  # first in CT_Font's order
        names = [n.strip() for n in (alt.get(qn("w:val")) or "").split(",") if n.strip()]
        alt.set(qn("w:val"), ",".join(dict.fromkeys([*names, *wanted])))
    from lxml import etree

    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# --- styles --------------------------------------------------------------------------------------


def _style(document: DocumentObject, style_id: str) -> tuple[_Element, _Element]:
    """The style `style_id`, emptied of Word's defaults (theme fonts, colours, borders)."""
    name = STYLES[style_id][0]
    styles = document.styles.element
    style = styles.find(f"{qn('w:style')}[@{qn('w:styleId')}='{style_id}']")
    if style is None:
        style = parse_xml(
            f'<w:style {nsdecls("w")} w:type="paragraph" w:customStyle="1" w:styleId="{style_id}">'
            f'<w:name w:val="{name}"/></w:style>'
        )
        styles.append(style)
    for tag in ("w:pPr", "w:rPr", "w:basedOn", "w:next", "w:link", "w:qFormat", "w:uiPriority"):
        for old in style.findall(qn(tag)):
            style.remove(old)
    if style_id != "Normal":
        style.insert(1, _el("w:basedOn", val="Normal"))
    style.append(_el("w:qFormat"))
    ppr = _el("w:pPr")
    rpr = _el("w:rPr")
    style.append(ppr)
    style.append(rpr)
    size = STYLES[style_id][2]
    if size is not None:
        rpr.append(_el("w:sz", val=size))
        rpr.append(_el("w:szCs", val=size))
    return ppr, rpr


def _ppr(ppr: _Element, *children: _Element) -> None:
    """Paragraph properties in schema order."""
    order = ["keepNext", "pageBreakBefore", "pBdr", "tabs", "snapToGrid", "spacing", "ind",
             "jc", "outlineLvl"]  # fmt: skip
    for child in sorted(children, key=lambda c: order.index(c.tag.split("}")[1])):
        ppr.append(child)


def _indent(
    first_chars: int = 0, left_chars: int = 0, right_chars: int = 0, hanging: int = 0
) -> _Element:
    ind = _el("w:ind")
    if left_chars:
        ind.set(qn("w:leftChars"), str(left_chars))
        ind.set(qn("w:left"), str(left_chars * CHAR // 100))
    if right_chars:
        ind.set(qn("w:rightChars"), str(right_chars))
        ind.set(qn("w:right"), str(right_chars * CHAR // 100))
    if hanging:
        ind.set(qn("w:hangingChars"), str(hanging))
        ind.set(qn("w:hanging"), str(hanging * CHAR // 100))
    else:
        ind.set(qn("w:firstLineChars"), str(first_chars))
        ind.set(qn("w:firstLine"), str(first_chars * CHAR // 100))
    return ind


def _exact(before: int = 0) -> _Element:
    return _el("w:spacing", before=before, after=0, line=LINE_PITCH, lineRule="exact")


def _single(before: int = 0, after: int = 0) -> _Element:
    return _el("w:spacing", before=before, after=after, line=240, lineRule="auto")


def build_styles(document: DocumentObject, fonts: FontSet) -> None:
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    # The character grid is measured in the default size (LibreOffice reads it here): 三号.
    _replace(rpr, _el("w:sz", val=BODY_SZ))
    _replace(rpr, _el("w:szCs", val=BODY_SZ))
    _replace(rpr, _el("w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA"))
    ppr_default = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}")
    for child in list(ppr_default):
        ppr_default.remove(child)
    ppr_default.append(_el("w:spacing", after=0, line=240, lineRule="auto"))

    ppr, rpr = _style(document, "Normal")
    _ppr(ppr, _el("w:snapToGrid", val=1), _exact(), _indent(200), _el("w:jc", val="both"))
    rpr.append(_el("w:spacing", val=CONDENSE))
    rpr.append(_el("w:kern", val=0))

    ppr, _ = _style(document, "Title")
    _ppr(ppr, _exact(), _indent(0), _el("w:jc", val="center"), _el("w:outlineLvl", val=0))
    for sid, level in (("Heading1", 1), ("Heading2", 2)):
        ppr, rpr = _style(document, sid)
        _ppr(ppr, _el("w:keepNext"), _exact(), _indent(200), _el("w:outlineLvl", val=level))
        rpr.append(_el("w:b", val=0))
        rpr.append(_el("w:bCs", val=0))

    ppr, _ = _style(document, "Footer")
    _ppr(ppr, _el("w:snapToGrid", val=0), _single(), _indent(0))

    ppr, rpr = _style(document, "RKLetterhead")
    _ppr(ppr, _el("w:snapToGrid", val=0), _single(before=1700), _indent(0),
         _el("w:jc", val="center"))  # fmt: skip
    rpr.append(_el("w:color", val=RED))
    rpr.append(_el("w:spacing", val=20))
    ppr, _ = _style(document, "RKDocNumber")  # 发文字号 and 签发人, the red line 4 mm below
    border = _el("w:pBdr")
    border.append(_el("w:bottom", val="single", sz=12, space=11, color=RED))
    tabs = _el("w:tabs")
    tabs.append(_el("w:tab", val="right", pos=156 * 5670 // 100 - CHAR))
    _ppr(ppr, border, tabs, _exact(before=LINE_PITCH * 2), _indent(0, left_chars=100),
         _el("w:jc", val="left"))  # fmt: skip
    for sid in ("RKRecipient", "RKPlain"):
        ppr, _ = _style(document, sid)
        _ppr(ppr, _exact(), _indent(0))
    ppr, _ = _style(document, "RKFigure")
    _ppr(ppr, _el("w:keepNext"), _el("w:snapToGrid", val=0), _single(before=120), _indent(0),
         _el("w:jc", val="center"))  # fmt: skip
    ppr, _ = _style(document, "RKCaption")
    _ppr(ppr, _el("w:snapToGrid", val=0), _single(after=240), _indent(0), _el("w:jc", val="center"))
    # 附件：1．… (names aligned under the first one: "附件：" 3 characters, "1．" 1.5)
    ppr, _ = _style(document, "RKAttachFirst")
    _ppr(ppr, _exact(), _indent(left_chars=650, hanging=450))
    ppr, _ = _style(document, "RKAttachNext")
    _ppr(ppr, _exact(), _indent(left_chars=650, hanging=150))
    ppr, _ = _style(document, "RKSignature")  # never parted from its date
    _ppr(ppr, _el("w:keepNext"), _exact(), _indent(0, right_chars=400), _el("w:jc", val="right"))
    ppr, _ = _style(document, "RKDate")
    _ppr(ppr, _exact(), _indent(0, right_chars=400), _el("w:jc", val="right"))
    ppr, _ = _style(document, "RKAttachLabel")
    _ppr(ppr, _exact(), _indent(0), _el("w:jc", val="left"))
    ppr, _ = _style(document, "RKAttachTitle")
    _ppr(ppr, _exact(before=LINE_PITCH), _indent(0), _el("w:jc", val="center"))
    ppr, _ = _style(document, "RKTableIntro")  # flush left: a short line is never spread
    _ppr(ppr, _el("w:snapToGrid", val=0), _single(before=120, after=120), _indent(0),
         _el("w:jc", val="left"))  # fmt: skip
    ppr, rpr = _style(document, "RKTableText")
    _ppr(ppr, _el("w:snapToGrid", val=0), _single(), _indent(0), _el("w:jc", val="center"))
    ppr, rpr = _style(document, "RKTodo")  # a paragraph left for staff to write
    _ppr(ppr, _exact(), _indent(200))
    rpr.append(_el("w:highlight", val="yellow"))
    for sid in ("Title", "Footer", "RKLetterhead", "RKCaption", "RKAttachTitle", "RKTableIntro",
                "RKTableText"):  # fmt: skip
        rpr = _style_rpr(document, sid)
        if rpr.find(qn("w:spacing")) is None:
            rpr.append(_el("w:spacing", val=0))
    apply_fonts(document, fonts)
    for style in styles.findall(qn("w:style")):
        rpr = style.find(qn("w:rPr"))
        if rpr is not None:
            sort_rpr(rpr)


RPR_ORDER = [
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
]


def sort_rpr(rpr: _Element) -> None:
    """Run properties in the order the schema requires (Word rejects others)."""
    children = sorted(
        rpr, key=lambda c: RPR_ORDER.index(c.tag.split("}")[1]) if "}" in c.tag else 99
    )
    for c in children:
        rpr.append(c)


def _style_rpr(document: DocumentObject, style_id: str) -> CT_RPr:
    style = document.styles.element.find(f"{qn('w:style')}[@{qn('w:styleId')}='{style_id}']")
    return style.get_or_add_rPr()


# --- page ----------------------------------------------------------------------------------------


def page_setup(section: Section, landscape: bool = False) -> None:
    """A4 with the standard's margins; a landscape page (wide tables) turns them with it, so
    the binding edge keeps its 28 mm."""
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = PAGE_H, PAGE_W
        section.top_margin, section.bottom_margin = MARGINS["left"], MARGINS["right"]
        section.left_margin, section.right_margin = MARGINS["bottom"], MARGINS["top"]
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_W, PAGE_H
        section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
        section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.header_distance = Mm(15)
    section.footer_distance = FOOTER_DISTANCE if not landscape else Mm(12)
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = _el("w:docGrid")
        sect.append(grid)
    for attr in list(grid.attrib):
        del grid.attrib[attr]
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))


def _page_number(paragraph: Paragraph, even: bool) -> None:
    """ "— N —" with N a PAGE field; odd pages right, even pages left, one character in."""
    paragraph.style = "Footer"
    ppr = paragraph._p.get_or_add_pPr()
    indent = _el("w:ind", firstLine=0)
    indent.set(qn("w:left" if even else "w:right"), str(PAGE_SZ * 10))
    ppr.append(indent)
    ppr.append(_el("w:jc", val="left" if even else "right"))
    p = paragraph._p

    def run(*children: _Element) -> None:
        r = _el("w:r")
        for c in children:
            r.append(c)
        p.append(r)

    def text(value: str) -> _Element:
        t = _el("w:t")
        t.text = value
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        return t

    run(text("— "))
    run(_el("w:fldChar", fldCharType="begin"))
    instr = _el("w:instrText")
    instr.text = " PAGE "
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    run(instr)
    run(_el("w:fldChar", fldCharType="separate"))
    run(text("1"))
    run(_el("w:fldChar", fldCharType="end"))
    run(text(" —"))


def footers(document: DocumentObject) -> None:
    settings = document.settings.element
    if settings.find(qn("w:evenAndOddHeaders")) is None:
        settings.insert(0, _el("w:evenAndOddHeaders"))
    section = document.sections[0]
    section.footer.is_linked_to_previous = False
    _page_number(section.footer.paragraphs[0], even=False)
    section.even_page_footer.is_linked_to_previous = False
    _page_number(section.even_page_footer.paragraphs[0], even=True)


# --- the narrative -------------------------------------------------------------------------------

# (style, text[, highlight]) — one run per paragraph, so Word keeps each placeholder whole.

HEAD: list[Para] = [
    ("RKPlain", "{%p if letterhead %}"),
    ("RKLetterhead", "{{ agency }}"),
    ("RKDocNumber", "〔{{ year }}〕　号\t签发人：", True),
    ("RKPlain", ""),
    ("RKPlain", "{%p endif %}"),
    ("Title", "{{ title }}"),
    ("RKPlain", ""),
    ("RKRecipient", "{{ recipient }}"),
]

STATUS: list[Para] = [
    ("Heading1", "二、报送情况"),
    ("Normal",
     "截至{{ as_of }}，{{ children_label }}应报送{{ s.expected }}个单位"
     "{% if s.all_on_time %}，均已按时报送。"
     "{% else %}，按时报送{{ s.on_time }}个"
     "{% if s.late %}，逾期报送{{ s.late }}个（{{ s.late_names }}）{% endif %}"
     "{% if s.rejected %}，报表未通过校验被退回{{ s.rejected }}个（{{ s.rejected_names }}）{% endif %}"
     "{% if s.missing %}，缺报{{ s.missing }}个（{{ s.missing_names }}）{% endif %}"
     "{% if s.pending %}，尚未到截止时间未报{{ s.pending }}个（{{ s.pending_names }}）{% endif %}。"
     "{% endif %}"
     "{% if not complete %}以上数据未包含{{ s.not_counted_names }}，待其报送后更新。{% endif %}"),
]  # fmt: skip

PROBLEMS: list[Para] = [
    ("Heading1", "三、存在问题"),
    ("RKPlain", "{%p if problems %}"),
    ("Normal", "汇总校验发现以下数据问题，已反馈有关单位核实："),
    ("RKPlain", "{%p for p in problems %}"),
    ("Normal", "{{ loop.index }}．{{ p }}"),
    ("RKPlain", "{%p endfor %}"),
    ("RKPlain", "{%p else %}"),
    ("Normal", "各单位报送的报表均通过校验，未发现数据问题。"),
    ("RKPlain", "{%p endif %}"),
    ("RKTodo", "【待补充：工作中发现的主要问题。定稿前删除本提示。】", True),
]

NEXT: list[Para] = [
    ("Heading1", "四、下一步工作"),
    ("RKTodo", "【待填写：下一步工作打算。本段由工作人员撰写，定稿前删除本提示。】", True),
]

CHARTS: list[Para] = [
    ("RKPlain", "{%p for chart in charts %}"),
    ("RKFigure", "{{ chart.image }}"),
    ("RKCaption", "图{{ loop.index }}　{{ chart.caption }}"),
    ("RKPlain", "{%p endfor %}"),
]

TAIL: list[Para] = [
    ("RKPlain", "{%p if attachments %}"),
    ("RKPlain", ""),
    ("RKPlain", "{%p for a in attachments %}"),
    ("RKPlain", "{%p if loop.first %}"),
    ("RKAttachFirst",
     "附件：{% if attachments|length > 1 %}{{ a.number }}．{% endif %}{{ a.title }}"),
    ("RKPlain", "{%p else %}"),
    ("RKAttachNext", "{{ a.number }}．{{ a.title }}"),
    ("RKPlain", "{%p endif %}"),
    ("RKPlain", "{%p endfor %}"),
    ("RKPlain", "{%p endif %}"),
    ("RKPlain", ""),
    ("RKSignature", "{{ agency }}"),
    ("RKDate", "{{ date }}"),
]  # fmt: skip

SECTIONS: dict[str, list[Para]] = {
    "@charts": CHARTS,
    "@status": STATUS,
    "@problems": PROBLEMS,
    "@next": NEXT,
}


def report_forms(campaign: Any) -> list[str]:
    """The forms the campaign's report.toml writes a report for, in its order."""
    from reportkit.report.spec import report_spec

    return [fid for fid, f in report_spec(campaign).forms.items() if f.body]


def has_report(campaign: Any, form: Any) -> bool:
    """Whether the campaign's report.toml writes a report for `form`."""
    return form.id in report_forms(campaign)


def body_of(campaign: Any, form_id: str) -> list[Para]:
    """The report's paragraphs for the form, reportkit's own sections put where it says."""
    from reportkit.report.spec import report_spec

    out: list[Para] = []
    for para in report_spec(campaign).forms[form_id].body:
        out += SECTIONS.get(para[0], [para])
    return out


def _fill(document: DocumentObject, paragraphs: list[Para]) -> None:
    body = document.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    for para in [*HEAD, *paragraphs, *TAIL]:
        style, text = para[0], para[1]
        p = document.add_paragraph(style=document.styles[STYLES[style][0]])
        if text:
            run = p.add_run(text)
            if len(para) > 2 and para[2]:
                run._r.get_or_add_rPr().append(_el("w:highlight", val="yellow"))


# --- the whole template --------------------------------------------------------------------------


def template_for(campaign: Any, form_id: str, fonts: FontSet | None = None) -> bytes:
    """The Word template of the campaign's report on `form_id`, as .docx bytes."""
    return build_template(body_of(campaign, form_id), form_id, fonts)


def build_template(paragraphs: list[Para], kind: str, fonts: FontSet | None = None) -> bytes:
    """A report template with `paragraphs` between the head and the tail, as .docx bytes
    (`kind` names it in the document's properties)."""
    fonts = fonts or FontSet()
    document = Document()
    _drop_extras(document)
    build_styles(document, fonts)
    page_setup(document.sections[0])
    footers(document)
    _fill(document, paragraphs)
    set_properties(document, f"reportkit 报告模板（{kind}）", "reportkit")
    buf = io.BytesIO()
    document.save(buf)
    return deterministic_zip(buf.getvalue())


def _drop_extras(document: DocumentObject) -> None:
    """python-docx's default package carries a thumbnail and a Word 2010 style copy with theme
    fonts; neither belongs in a report."""
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package.rels.pop(rel_id)
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            document.part.rels.pop(rel_id)
    settings = document.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    rsids = settings.find(qn("w:rsids"))
    if rsids is not None:
        settings.remove(rsids)
    # a line ended by a manual line break (Shift+Enter, common in documents subordinates
    # send) is not spread across the width in a justified paragraph (Word and LibreOffice)
    compat = settings.find(qn("w:compat"))
    if compat is None:
        compat = _el("w:compat")
        settings.append(compat)
    if compat.find(qn("w:doNotExpandShiftReturn")) is None:
        compat.insert(0, _el("w:doNotExpandShiftReturn"))  # first in CT_Compat's order here


CORE_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
STAMP = dt.datetime(2024, 1, 1)  # the fixed time a document's properties carry


def set_properties(document: Any, title: str, author: str) -> None:
    """The document's properties, through python-docx, with fixed times (python-docx and
    docxcompose would stamp the time of the run: an unchanged document must be byte-identical).

    docxcompose maps the prefix "cp" to the custom-properties namespace for the whole process
    (docxcompose#101; python-docx#1037): a core property set after it is imported lands in a
    second, wrong element. The mapping is put back first."""
    from docx.oxml.ns import nsmap

    nsmap["cp"] = CORE_NS
    props = document.core_properties
    props.title, props.author, props.last_modified_by = title, author, "reportkit"
    props.comments = props.subject = props.keywords = props.category = ""
    props.revision = 1
    props.created = props.modified = STAMP
    if props.last_printed is not None:
        props.last_printed = STAMP


def deterministic_zip(data: bytes) -> bytes:
    """The same package with fixed member times (see `set_properties` for the properties)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
