"""A campaign's report.toml, read and checked: for each form, the report's paragraphs and the
figures, comparisons and charts they print (the file itself says what each key means).

Checked when a report is made: an unknown key, a row, column or cell the form does not have,
a style the template does not know — each is a CampaignError naming the file and the key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reportkit.messages import msg
from reportkit.model.campaign import CAMPAIGN_FILE, EXTRAS, Campaign, CampaignError, Form
from reportkit.model.memo import by_identity

Para = tuple[str, str] | tuple[str, str, bool]  # (style id, text[, highlighted])

SECTIONS = ("@charts", "@status", "@problems", "@next")  # reportkit's own, placed by the body
BODY_STYLES = ("Normal", "Heading1", "Heading2", "RKPlain", "RKTodo")
KINDS = ("highest", "sources")
# the words reportkit itself breaks a title after; a campaign adds its own
TITLE_WORDS = ("关于", "工作", "情况", "管理局", "管理厅", "总局")


@dataclass(frozen=True)
class Series:
    name: str
    rate: tuple[str, str] | None = None  # (numerator, denominator) columns over the rows
    cell: str | None = None  # or one cell of each subordinate's table
    milestones: tuple[str, ...] | None = None  # only at these


@dataclass(frozen=True)
class Chart:
    caption: str
    axis: str
    series: tuple[Series, ...]
    captions: Mapping[str, str]  # by milestone, instead of `caption`
    stacked: bool = False
    percent: bool = False


@dataclass(frozen=True)
class Compare:
    name: str
    kind: str  # highest | sources
    rate: tuple[str, str] | None = None
    cell: str | None = None
    sum: str | None = None  # a column summed over the rows


@dataclass(frozen=True)
class FormReport:
    body: tuple[Para, ...]  # the campaign's paragraphs, reportkit's sections expanded later
    rows: tuple[str, ...]  # the rows `d` sums over
    rates: Mapping[str, tuple[str, str]]
    compare: tuple[Compare, ...]
    charts: tuple[Chart, ...]


@dataclass(frozen=True)
class Material:
    """A kind of Word material subordinates send, told by words in its name or title."""

    kind: str  # a milestone's id, or a kind of its own (experience)
    words: tuple[str, ...]
    rank: int  # its place among a unit's materials
    any_time: bool = False  # kept for every report, not only its milestone's


@dataclass(frozen=True)
class ReportSpec:
    titles: Mapping[str, str]  # by milestone: what a report is about
    title_words: tuple[str, ...]
    forms: Mapping[str, FormReport]
    materials: tuple[Material, ...] = ()

    def classify(self, text: str) -> str | None:
        """What a document is, from its file name or title (None: it does not say)."""
        for m in self.materials:
            if any(w in text for w in m.words):
                return m.kind
        return None

    def accepts(self, kind: str | None, milestone: str) -> bool:
        """Whether a document of `kind` belongs in `milestone`'s report."""
        m = next((x for x in self.materials if x.kind == kind), None)
        return kind is None or m is None or m.any_time or kind == milestone

    def rank(self, kind: str | None) -> int:
        m = next((x for x in self.materials if x.kind == kind), None)
        return m.rank if m is not None else max((x.rank for x in self.materials), default=0) + 1


@by_identity
def report_spec(campaign: Campaign) -> ReportSpec:
    """The campaign's report.toml, checked (an empty spec when it has none)."""
    return _Reader(campaign).spec()


class _Reader:
    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        # the report.toml beside the campaign's campaign.toml, as the author knows it
        source = campaign.source
        self.file = (
            source[: -len(CAMPAIGN_FILE)] + EXTRAS["report"]
            if source.endswith(CAMPAIGN_FILE) and source != CAMPAIGN_FILE
            else EXTRAS["report"]
        )

    def fail(self, key: str, code: str, **kw: Any) -> CampaignError:
        return CampaignError(self.file, key, msg(code, key=key, **kw))

    def keys(self, table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for k in table:
            if k not in allowed:
                raise self.fail(f"{where}.{k}", "campaign.unknown_key", allowed="、".join(allowed))

    def strings(self, value: Any, key: str, n: int | None = None) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise self.fail(key, "campaign.type", expected="文字的列表", value=value)
        if n is not None and len(value) != n:
            raise self.fail(key, "campaign.type", expected=f"{n} 项的列表", value=value)
        return tuple(value)

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, "campaign.type", expected="文字", value=value)
        return value

    def spec(self) -> ReportSpec:
        data = self.campaign.report
        self.keys(data, ("titles", "title_words", "forms", "materials"), "report")
        titles = data.get("titles", {})
        for mid, title in titles.items():
            if mid not in self.campaign.milestones:
                raise self.fail(f"titles.{mid}", "campaign.ref", kind="报送节点", value=mid)
            self.text(title, f"titles.{mid}")
        words = self.strings(data.get("title_words", []), "title_words")
        forms = {}
        for fid, table in data.get("forms", {}).items():
            form = self.campaign.forms.get(fid)
            if form is None:
                raise self.fail(f"forms.{fid}", "campaign.ref", kind="表格", value=fid)
            if form.listed:  # a list's report counts: its figures are count and total_<column>
                from reportkit.report.generic import list_figures

                form = list_figures(form)
            forms[fid] = self.form(form, table, f"forms.{fid}")
        from reportkit.report.generic import generic_report

        for fid, form in self.campaign.forms.items():  # no wording of its own: reportkit's
            if fid not in forms or not forms[fid].body:
                forms[fid] = generic_report(form)
        materials = tuple(
            self.material(m, f"materials[{i}]") for i, m in enumerate(data.get("materials", []))
        )
        return ReportSpec(dict(titles), (*TITLE_WORDS, *words), forms, materials)

    def material(self, m: Any, where: str) -> Material:
        if not isinstance(m, dict):
            raise self.fail(where, "campaign.type", expected="表", value=m)
        self.keys(m, ("kind", "words", "rank", "any_time"), where)
        rank = m.get("rank", 0)
        if not isinstance(rank, int) or isinstance(rank, bool):
            raise self.fail(f"{where}.rank", "campaign.type", expected="整数", value=rank)
        return Material(
            self.text(m.get("kind"), f"{where}.kind"),
            self.strings(m.get("words", []), f"{where}.words"),
            rank,
            bool(m.get("any_time", False)),
        )

    def form(self, form: Form, table: Mapping[str, Any], where: str) -> FormReport:
        self.keys(table, ("body", "rows", "rates", "compare", "charts"), where)
        rows = self.strings(table.get("rows", []), f"{where}.rows") or tuple(
            r.id for r in form.rows if not r.derived
        )
        for r in rows:
            if r not in {x.id for x in form.rows}:
                raise self.fail(f"{where}.rows", "campaign.ref", kind="行", value=r)
        rates = {
            name: self.columns(form, pair, f"{where}.rates.{name}")
            for name, pair in table.get("rates", {}).items()
        }
        compare = tuple(
            self.compare(form, c, f"{where}.compare[{i}]")
            for i, c in enumerate(table.get("compare", []))
        )
        charts = tuple(
            self.chart(form, c, f"{where}.charts[{i}]")
            for i, c in enumerate(table.get("charts", []))
        )
        return FormReport(
            self.body(table.get("body", []), f"{where}.body"), rows, rates, compare, charts
        )

    def columns(self, form: Form, value: Any, key: str) -> tuple[str, str]:
        pair = self.strings(value, key, 2)
        for c in pair:
            if c not in {x.id for x in form.columns}:
                raise self.fail(key, "campaign.ref", kind="列", value=c)
        return pair[0], pair[1]

    def cell(self, form: Form, value: Any, key: str) -> str:
        text = self.text(value, key)
        try:
            form.cell(text)
        except KeyError:
            raise self.fail(key, "campaign.ref", kind="单元格", value=text) from None
        return text

    def compare(self, form: Form, c: Any, where: str) -> Compare:
        if not isinstance(c, dict):
            raise self.fail(where, "campaign.type", expected="表", value=c)
        self.keys(c, ("name", "kind", "rate", "cell", "sum"), where)
        kind = self.text(c.get("kind"), f"{where}.kind")
        if kind not in KINDS:
            raise self.fail(
                f"{where}.kind", "campaign.choice", value=kind, choices="、".join(KINDS)
            )
        return Compare(
            self.text(c.get("name"), f"{where}.name"),
            kind,
            rate=self.columns(form, c["rate"], f"{where}.rate") if "rate" in c else None,
            cell=self.cell(form, c["cell"], f"{where}.cell") if "cell" in c else None,
            sum=self.columns(form, [c["sum"], c["sum"]], f"{where}.sum")[0] if "sum" in c else None,
        )

    def chart(self, form: Form, c: Any, where: str) -> Chart:
        if not isinstance(c, dict):
            raise self.fail(where, "campaign.type", expected="表", value=c)
        self.keys(c, ("caption", "captions", "axis", "stacked", "percent", "series"), where)
        series = []
        for i, s in enumerate(c.get("series", [])):
            key = f"{where}.series[{i}]"
            self.keys(s, ("name", "rate", "cell", "milestones"), key)
            ms = self.strings(s["milestones"], f"{key}.milestones") if "milestones" in s else None
            series.append(
                Series(
                    self.text(s.get("name"), f"{key}.name"),
                    rate=self.columns(form, s["rate"], f"{key}.rate") if "rate" in s else None,
                    cell=self.cell(form, s["cell"], f"{key}.cell") if "cell" in s else None,
                    milestones=ms,
                )
            )
        return Chart(
            self.text(c.get("caption"), f"{where}.caption"),
            self.text(c.get("axis", ""), f"{where}.axis"),
            tuple(series),
            {k: self.text(v, f"{where}.captions.{k}") for k, v in c.get("captions", {}).items()},
            stacked=bool(c.get("stacked", False)),
            percent=bool(c.get("percent", False)),
        )

    def body(self, value: Any, where: str) -> tuple[Para, ...]:
        if not isinstance(value, list):
            raise self.fail(where, "campaign.type", expected="段落的列表", value=value)
        out: list[Para] = []
        for i, p in enumerate(value):
            key = f"{where}[{i}]"
            if isinstance(p, list) and len(p) == 1 and p[0] in SECTIONS:
                out.append((p[0], ""))
                continue
            if not (isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)):
                raise self.fail(key, "campaign.type", expected="[样式, 文字]", value=p)
            if p[0] not in BODY_STYLES:
                raise self.fail(key, "campaign.choice", value=p[0], choices="、".join(BODY_STYLES))
            out.append((p[0], p[1]))
        return tuple(out)
