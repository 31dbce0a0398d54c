"""What the report says: figures, comparisons, statuses and problems from a roll-up. Pure.

The wording lives in the Word template (docxtpl placeholders); this module hands it the facts,
already formatted as they are printed (see ``numbers``), plus the tables and charts.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from reportkit.messages import STATUS_NAMES
from reportkit.model.campaign import Campaign
from reportkit.model.registry import Region
from reportkit.report.generic import item_noun
from reportkit.report.numbers import chinese_date, fmt, rate, total
from reportkit.report.source import Child, RollupData
from reportkit.report.spec import TITLE_WORDS, Chart, Compare, FormReport, report_spec
from reportkit.report.tables import (
    ChildRow,
    TableSpec,
    breakdown_tables,
    counts_table,
    list_table,
    official_table,
)

CHILDREN_LABEL = {"province": "各省（区、市）", "city": "各市", "county": "各县（市、区）"}
SCOPE = {"national": "全国", "province": "全省", "city": "全市", "county": "全县"}
# the word a region's name ends in says what it is: 上海市 全市, 宁夏回族自治区 全区, 恩施州 全州
SCOPE_BY_NAME = (
    ("自治区", "全区"), ("自治州", "全州"), ("自治县", "全县"), ("自治旗", "全旗"),
    ("地区", "全地区"), ("盟", "全盟"), ("旗", "全旗"), ("区", "全区"), ("省", "全省"),
    ("市", "全市"), ("县", "全县"),
)  # fmt: skip
MAX_PROBLEMS = 20
TITLE_LINE_CHARS = 20  # 22 pt characters in the 156 mm type area


@dataclass
class ChartSpec:
    """A horizontal bar chart by subordinate (one bar per series, or stacked)."""

    caption: str
    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    axis_label: str
    stacked: bool = False
    percent: bool = False


@dataclass
class AttachmentSpec:
    number: int
    title: str
    tables: list[TableSpec] = field(default_factory=list)
    intro: str | None = None  # 填报单位 line above an official table
    remark: str | None = None
    landscape: bool = False
    document: Any = None  # a compiled subordinate document (compile.Narrative)


@dataclass
class ReportContent:
    kind: str  # the form the report is on (names its Word template)
    context: dict[str, Any]
    charts: list[ChartSpec]
    attachments: list[AttachmentSpec]
    figures: dict[str, str]  # every figure the template may print, by name (for checking)
    body: list[Any] = field(default_factory=list)  # the template's paragraphs (report.toml)


def clean(text: Any) -> str:
    """Text from a subordinate, safe for a paragraph: no control characters (docxtpl turns
    \\a and \\f into paragraphs and page breaks)."""
    s = "" if text is None else str(text)
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in s
    ).strip()


def shown(value: Any) -> str:
    """A figure in a sentence: "—" where the roll-up has none (nobody reported it yet)."""
    return fmt(value) or "—"


def names(items: list[Child] | list[str]) -> str:
    return "、".join(i if isinstance(i, str) else i.name for i in items)


def title_text(
    agency: str, campaign_name: str, milestone: str, titles: Mapping[str, str] | None = None
) -> str:
    """<unit>关于<campaign><what>的报告, what the campaign's report.toml calls the milestone's
    report (工作情况 where it says nothing)."""
    what = (titles or {}).get(milestone, "工作情况")
    return f"{agency}关于{campaign_name}{what}的报告"


def title_lines(
    text: str, width: int = TITLE_LINE_CHARS, words: tuple[str, ...] = TITLE_WORDS
) -> str:
    """Break a long title into lines of about equal length (梯形 or 菱形), between words
    where possible (after one of `words`); "\n" between lines."""
    if len(text) <= width:
        return text
    cuts = {i + len(w) for w in words for i in _find_all(text, w)}
    cuts |= {i for i in _find_all(text, "关于")}
    out, rest = [], text
    while len(rest) > width:
        lines = -(-len(rest) // width)
        per = len(rest) / lines
        offset = len(text) - len(rest)
        options = [i - offset for i in cuts if 0 < i - offset <= width]
        fit = [i for i in options if len(rest) - i <= width * (lines - 1)]
        cut = min(fit or options or [round(per)], key=lambda i: (abs(i - per), -i))
        out.append(rest[:cut])
        rest = rest[cut:]
    out.append(rest)
    return "\n".join(out)


def _find_all(text: str, word: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(word), text)]


def build_content(
    campaign: Campaign,
    data: RollupData,
    *,
    date: dt.date,
    narratives: Sequence[Any] = (),  # compile.Narrative, appended as attachments
    letterhead: bool = True,
) -> ReportContent:
    from reportkit.report.template import body_of

    region = campaign.registry.get(data.unit_code)
    line = campaign.lines[data.line]
    form = data.form
    spec = report_spec(campaign)
    wording = spec.forms[form.id]
    parent = campaign.parent(region)
    counted = [c for c in data.children if c.values and c.status in ("on_time", "late")]
    ctx: dict[str, Any] = {
        "letterhead": letterhead,
        "agency": clean(data.agency),
        "region": region.name,
        "line_name": line.name,
        "campaign": campaign.name,
        "title": title_lines(
            title_text(clean(data.agency), campaign.name, data.milestone, spec.titles),
            words=spec.title_words,
        ),
        "recipient": (campaign.agency_name(parent, data.line) + "：") if parent else "",
        "basis": _basis(campaign, region),
        "scope": scope_word(region),
        "children_label": children_label(campaign, region),
        # one date everywhere: 成文日期, every 截至… and the 附件's 填报时间 (`as_of` is kept
        # for templates staff edited before the two were one)
        "as_of": chinese_date(date),
        "date": chinese_date(date),
        "year": date.year,
        "milestone": data.milestone,
        "complete": data.complete,
        "s": _statuses(data),
        "problems": _problems(data),
    }
    # one flag per milestone, for the wording's {% if final %}: the campaign's own ids
    for m in campaign.milestones:
        if m.isidentifier():
            ctx.setdefault(m, data.milestone == m)
    contact = campaign.contact(region, data.line)
    ctx["contact"] = (
        {"name": contact.name, "phones": "、".join(contact.phones), "email": contact.email or ""}
        if contact
        else None
    )
    figures: dict[str, str] = {}
    charts: list[ChartSpec] = []
    if form.is_table or form.fields:
        ctx.update(_figures(data, counted, wording, figures))
        charts += _charts(data, counted, wording, ctx["children_label"])
    attachments = _attachments(campaign, data, ctx, contact, narratives)
    ctx["attachments"] = [{"number": a.number, "title": a.title} for a in attachments]
    ctx["has_chart"] = bool(charts)
    ctx["chart_captions"] = [c.caption for c in charts]
    return ReportContent(form.id, ctx, charts, attachments, figures, body_of(campaign, form.id))


def children_label(campaign: Campaign, region: Region) -> str:
    """各县（市、区）, 各市, 各省（区、市）for the registry's tiers under their usual names; the
    campaign's own name for its level otherwise (市州级 → 各市州)."""
    kids = campaign.children(region)
    if not kids:
        return "各单位"
    level = kids[0].level
    name = campaign.levels[level].name if level in campaign.levels else ""
    if name in ("", "省级", "市级", "县级"):
        return CHILDREN_LABEL.get(level, "各单位")
    return "各" + name.removesuffix("级")


def scope_word(region: Region) -> str:
    """全国, 全省, or the word of the region's own kind: 全市 for a 直辖市, 全区 for an
    autonomous region or a district, 全州, 全盟, 全旗 …"""
    if region.level != "national":
        for suffix, word in SCOPE_BY_NAME:
            if region.name.endswith(suffix):
                return word
    return SCOPE.get(region.level, "全")


def _basis(campaign: Campaign, region: Region) -> str:
    """The notices the work follows: the national one and those of the unit's superiors."""
    scopes = {a.code for a in campaign.registry.ancestors(region.code)}
    parts = []
    for doc in campaign.documents:
        if doc.get("level") == "national" or doc.get("scope") in scopes:
            title = clean(doc.get("title"))
            number = clean(doc.get("number"))
            parts.append(f"《{title}》（{number}）" if number else f"《{title}》")
    return "和".join(parts)


def _statuses(data: RollupData) -> dict[str, Any]:
    by: dict[str, list[Child]] = {s: [] for s in STATUS_NAMES}
    for c in data.children:
        by.setdefault(c.status, []).append(c)
    not_counted = [c for c in data.children if c.status not in ("on_time", "late")]
    return {
        "expected": len(data.children),
        "counted": len(data.children) - len(not_counted),
        "all_on_time": len(by["on_time"]) == len(data.children),
        "not_counted_names": names(not_counted),
        **{s: len(v) for s, v in by.items()},
        **{f"{s}_names": names(v) for s, v in by.items()},
    }


def _problems(data: RollupData) -> list[str]:
    """存在问题: the validation warnings (and a rejected file's errors), by unit."""
    out: list[str] = []
    for issue in data.issues:
        if issue.get("severity") not in ("warning", "error"):
            continue
        child = data.child_of_file(issue.get("file"))
        message = clean(issue.get("message"))
        text = f"{child.name}：{message}" if child else message
        if text and text not in out:
            out.append(text)
    if len(out) > MAX_PROBLEMS:
        rest = len(out) - MAX_PROBLEMS
        out = [*out[:MAX_PROBLEMS], f"另有 {rest} 条，详见汇总表的“校验问题”工作表。"]
    return out


# --- figures -----------------------------------------------------------------------------------


def _figures(
    data: RollupData, counted: list[Child], wording: FormReport, figures: dict[str, str]
) -> dict[str, Any]:
    """t: every figure of the table; d: each column summed over the rows, and the rates over
    those sums (and row by row); cmp: the comparisons between subordinates (report.toml)."""
    t = data.totals
    form = data.form
    out_t: dict[str, Any] = {}
    for cell in form.cells:
        if cell.row:
            out_t.setdefault(cell.row.id, {})[cell.field.id] = shown(t.get(cell.key))
        else:
            out_t[cell.field.id] = shown(t.get(cell.key))
    rows = wording.rows
    both = {
        col.id: total(*(t.get(f"{r}.{col.id}") for r in rows))
        for col in form.columns
        if col.numeric and not col.derived
    }
    d: dict[str, Any] = {row: {} for row in rows}
    for name, (num, den) in wording.rates.items():
        for row in rows:
            d[row][name] = shown(rate(t.get(f"{row}.{num}"), t.get(f"{row}.{den}")))
    d.update({k: shown(v) for k, v in both.items()})
    for name, (num, den) in wording.rates.items():
        d[name] = shown(rate(both.get(num), both.get(den)))
    cmp: dict[str, Any] = {}
    for c in wording.compare:
        value = _measure(c, rows)
        if c.kind == "highest":
            cmp[c.name] = _extremes(counted, value, unit="%" if c.rate else "")
        else:
            grand = both.get(c.sum) if c.sum else t.get(c.cell or "")
            cmp[c.name] = _sources(counted, value, grand)
    _collect(figures, "t", out_t)
    _collect(figures, "d", d)
    _collect(figures, "cmp", cmp)
    return {"t": out_t, "d": d, "cmp": cmp}


def _measure(what: Compare | Any, rows: tuple[str, ...]) -> Callable[[Child], Any]:
    """A subordinate's figure for a comparison or a chart series: its rate over the rows, its
    column summed over the rows, or one cell."""
    if what.rate:
        num, den = what.rate
        return lambda c: _child_rate(c, rows, num, den)
    if getattr(what, "sum", None):
        col = what.sum
        return lambda c: total(*(c.values.get(f"{r}.{col}") for r in rows))
    return lambda c: c.values.get(what.cell or "")


def _child_rate(child: Child, rows: tuple[str, ...], numerator: str, denominator: str) -> Any:
    """A subordinate's rate over the rows, from its own numerators and denominators."""
    nums = [child.values.get(f"{r}.{numerator}") for r in rows]
    dens = [child.values.get(f"{r}.{denominator}") for r in rows]
    if any(n is not None and den is None for n, den in zip(nums, dens, strict=True)):
        return None  # a row without its denominator: no honest rate for the unit
    return rate(total(*nums), total(*dens))


def _charts(
    data: RollupData, counted: list[Child], wording: FormReport, label: str
) -> list[ChartSpec]:
    if len(counted) < 2:
        return []
    out = []
    for chart in wording.charts:
        out += _chart(data, counted, chart, wording.rows, label)
    return out


def _chart(
    data: RollupData, counted: list[Child], chart: Chart, rows: tuple[str, ...], label: str
) -> list[ChartSpec]:
    series = [
        (s.name, [_float(_measure(s, rows)(c)) for c in counted])
        for s in chart.series
        if s.milestones is None or data.milestone in s.milestones
    ]
    if all(v is None for _, vals in series for v in vals):
        return []
    caption = chart.captions.get(data.milestone, chart.caption).replace("{label}", label)
    return [
        ChartSpec(
            caption,
            [c.name for c in counted],
            series,
            chart.axis,
            stacked=chart.stacked,
            percent=chart.percent,
        )
    ]


# --- comparisons -------------------------------------------------------------------------------


def _extremes(
    children: list[Child], value: Callable[[Child], Any], unit: str = "%"
) -> dict[str, Any] | None:
    """Highest and lowest subordinates by `value` (ties named together); None when fewer than
    two subordinates have a value."""
    scored = [(c, v) for c in children if (v := value(c)) is not None]
    if len(scored) < 2:
        return None
    high = max(v for _, v in scored)
    low = min(v for _, v in scored)
    return {
        "high_names": names([c for c, v in scored if v == high]),
        "high": fmt(high),
        "low_names": names([c for c, v in scored if v == low]),
        "low": fmt(low),
        "same": high == low,
        "full_names": names([c for c, v in scored if unit == "%" and v == 100]),
        "none_names": names([c for c, v in scored if v == 0]),
        "left_out_names": names([c for c in children if value(c) is None]),
    }


def _sources(
    children: list[Child], value: Callable[[Child], Any], grand_total: Any, top: int = 3
) -> dict[str, Any] | None:
    """Where a total came from: the largest contributors and their share of the total."""
    scored = [(c, v) for c in children if (v := value(c)) is not None]
    if grand_total is None or Decimal(grand_total) == 0 or not scored:
        return None
    scored.sort(key=lambda p: (-Decimal(p[1]), p[0].code))
    leaders = [(c, v) for c, v in scored[:top] if Decimal(v) > 0]
    part = total(*(v for _, v in leaders))
    return {
        "top": [{"name": c.name, "value": fmt(v)} for c, v in leaders],
        "top_names": names([c for c, _ in leaders]),
        "top_count": len(leaders),
        "top_total": fmt(part),
        "share": fmt(rate(part, grand_total)),
        "total": fmt(grand_total),
        "none_names": names([c for c, v in scored if Decimal(v) == 0]),
    }


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


def _collect(out: dict[str, str], prefix: str, value: Any) -> None:
    """Flatten the figures handed to the template (name → printed text), for checking."""
    if isinstance(value, dict):
        for k, v in value.items():
            _collect(out, f"{prefix}.{k}", v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _collect(out, f"{prefix}.{i}", v)
    elif isinstance(value, str) and value and re.fullmatch(r"-?\d+(\.\d+)?", value):
        out[prefix] = value


# --- attachments -------------------------------------------------------------------------------


def _attachments(
    campaign: Campaign,
    data: RollupData,
    ctx: dict[str, Any],
    contact: Any,
    narratives: Sequence[Any],
) -> list[AttachmentSpec]:
    form = data.form
    rows = [
        ChildRow(c.name, STATUS_NAMES.get(c.status, c.status), c.values if c.values else None)
        for c in data.children
    ]
    out: list[AttachmentSpec] = []
    if data.listed is not None:  # the list itself, then each unit's number of items
        table = list_table(data.listed, data.items)
        out.append(
            AttachmentSpec(
                1,
                data.listed.name,
                [table],
                intro=f"填报单位：{clean(data.agency)}　填报时间：{ctx['as_of']}",
                remark=data.listed.remark,
                landscape=table.ncols > 5,
            )
        )
        out.append(
            AttachmentSpec(
                2,
                f"{ctx['children_label']}报送{item_noun(data.listed)}条目数",
                [counts_table(form, rows, data.totals)],
                landscape=len(form.fields) > 4,
            )
        )
    elif form.is_table:
        official = official_table(form, data.totals)
        # one line above the table: items one ideographic space apart (two did not fit in
        # 225 mm at 小四 with a long unit name and two phone numbers)
        intro = f"填报单位：{clean(data.agency)}"
        if contact is not None:
            intro += f"　填报人：{contact.name}　联系方式：{' '.join(contact.phones)}"
        intro += f"　填报时间：{ctx['as_of']}"
        out.append(
            AttachmentSpec(
                1,
                form.name,
                [official],
                intro=intro,
                remark=form.remark,
                landscape=official.ncols > 6,
            )
        )
        out.append(
            AttachmentSpec(
                2,
                f"{ctx['children_label']}{form.name.split('(')[0].removesuffix('表')}明细表",
                breakdown_tables(form, data.milestone, rows, data.totals),
                landscape=True,
            )
        )
    else:
        out.append(
            AttachmentSpec(
                1,
                f"{ctx['children_label']}{form.name}",
                breakdown_tables(form, data.milestone, rows, data.totals),
                landscape=True,
            )
        )
    for doc in narratives:
        out.append(AttachmentSpec(len(out) + 1, doc.title, document=doc))
    return out
