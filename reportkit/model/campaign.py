"""The campaign model: lines, levels, milestones, deadlines, contacts and forms, loaded from TOML."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from reportkit.messages import msg
from reportkit.model.expr import ExprError, parse, parse_condition
from reportkit.model.registry import (
    LEVELS,
    NATIONAL_CODE,
    Region,
    Registry,
    default_registry,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_CAMPAIGN = "tzzy-2024"  # the packaged campaign's folder under reportkit/campaigns/
CAMPAIGN_FILE = "campaign.toml"  # a campaign folder's definition
# A campaign folder's other files, each optional: the report's wording and figures, the demo
# figures of `reportkit sample`. A campaign without them still works: generic wording, small
# whole numbers.
EXTRAS = {"report": "report.toml", "samples": "sample.toml"}
FIELD_TYPES = ("count", "money", "quantity", "rate", "text", "date", "phone", "email", "choice")
NUMERIC_TYPES = ("count", "money", "quantity", "rate")
QUANTITY_PLACES = 2  # a quantity's decimal places unless the campaign says (公斤, 吨, 人次)
MAX_PLACES = 6
LAYOUTS = ("grid", "indicators", "list")  # [forms.x] layout: columns typed, rows typed, items
LIST_CAPACITY = 20  # a list form's empty rows in a template, unless the campaign says
MAX_CAPACITY = 1000
UNIT_COLUMN = "unit"  # a list form's own first column: the unit an item belongs to
UNIT_COLUMN_LABEL = "填报单位"
SEVERITIES = ("error", "warning")
OPERATORS = ("<=", "<", ">=", ">", "==", "!=")
MUNICIPALITIES = ("110000", "120000", "310000", "500000")


class CampaignError(ValueError):
    """A problem in a campaign file, located by file, line and key."""

    def __init__(self, file: str, key: str, message: str, line: int | None = None) -> None:
        self.file, self.key, self.message, self.line = file, key, message, line
        if line is None:
            text = msg("campaign.location_noline", file=file, key=key, message=message)
        else:
            text = msg("campaign.location", file=file, line=line, key=key, message=message)
        super().__init__(text)


class Refused(LookupError):
    """What a person named does not fit the campaign; `message` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotInCampaign(Refused):
    """A real unit that takes no part in the campaign (a tier its chain leaves out)."""


@dataclass(frozen=True)
class Level:
    id: str
    name: str
    submits_to: str | None


@dataclass(frozen=True)
class Line:
    id: str
    name: str
    agency: dict[str, str]
    agency_municipality: dict[str, str]
    short: dict[str, str]
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deadline:
    level: str  # the level that submits
    date: dt.date
    scope: str = NATIONAL_CODE
    what: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Milestone:
    id: str
    name: str
    what: str
    forms: tuple[str, ...]
    deadlines: tuple[Deadline, ...]
    anytime: bool = False
    # the words people use for it (中期, 终期): accepted on the command line, and read in a
    # workbook's 报送节点 cell, in the order given (the first milestone whose word a text
    # holds wins, so 中期行动总结 is midterm before 总结 makes it final)
    aliases: tuple[str, ...] = ()

    def called(self, text: str) -> bool:
        """Whether `text` names this milestone exactly (id, name, what, or an alias)."""
        key = _key(text)
        return key in {_key(self.id), _key(self.name), _key(self.what), *map(_key, self.aliases)}


NAME_PREFIX = "RK_"


def defined_name(key: str) -> str:
    """The defined name a workbook gives the cell of `key`: a table cell "training.fines" is
    RK_training_fines, a single field or header field "filled_by" RK_filled_by. Templates in
    the field carry these names: the rule is part of the workbook contract (io/workbook)."""
    return NAME_PREFIX + key.replace(".", "_")


def item_count(keys: Iterable[str]) -> int:
    """How many items the keys "k.column" of a list form's values hold (the largest k)."""
    n = 0
    for key in keys:
        head, dot, _ = key.partition(".")
        if dot and head.isdigit():
            n = max(n, int(head))
    return n


DATE_GRACE = dt.timedelta(days=60)  # a date may fall this long after the campaign ends


def _key(text: str) -> str:
    """A name as compared: full-width folded, no spaces, case ignored."""
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


@dataclass(frozen=True)
class Phase:
    id: str
    name: str
    ends: dt.date


@dataclass(frozen=True)
class Contact:
    unit: str
    line: str
    office: str
    name: str
    phones: tuple[str, ...]
    email: str | None = None


@dataclass(frozen=True)
class FieldDef:
    """A column of a table or a single field; the same description serves both."""

    id: str
    label: str
    type: str
    unit: str | None = None
    milestones: tuple[str, ...] = ()
    group: str | None = None
    aliases: tuple[str, ...] = ()
    official: bool = True
    derive: str | None = None  # "ratio" for rates
    numerator: str | None = None
    denominator: str | None = None
    note: str | None = None
    prefilled: bool = False
    places: int | None = None  # a quantity's decimal places
    options: tuple[str, ...] = ()  # a choice's options (是/否, a list)
    part_of: str | None = None  # 其中: the column (an indicator) this one is a part of
    of: tuple[str, ...] = ()  # derive = "sum": the columns it adds up
    optional: bool = False  # may be left blank (a 备注/说明 column): never 未填写

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def decimals(self) -> int:
        """A quantity's decimal places (the campaign's `places`, else QUANTITY_PLACES)."""
        return QUANTITY_PLACES if self.places is None else self.places

    @property
    def derived(self) -> bool:
        return self.derive is not None


@dataclass(frozen=True)
class RowDef:
    id: str
    label: str
    derive: str | None = None  # "sum": the sum of `of`, or of the rows that are not derived
    of: tuple[str, ...] = ()  # the rows a total adds up (default: every row but totals and 其中)
    part_of: str | None = None  # 其中: the row this one is a part of (part ≤ whole)
    aliases: tuple[str, ...] = ()

    @property
    def derived(self) -> bool:
        return self.derive is not None


@dataclass(frozen=True)
class Cell:
    """One value of a form: a table cell (row, column) or a single field (row None)."""

    key: str  # "row.col" or "field"
    name: str  # defined name in templates: RK_<row>_<col> or RK_<field>
    field: FieldDef
    row: RowDef | None = None

    @property
    def derived(self) -> bool:
        return self.field.derived or (self.row is not None and self.row.derived)

    @property
    def label(self) -> str:
        return f"{self.row.label} · {self.field.label}" if self.row else self.field.label


@dataclass(frozen=True)
class Rule:
    id: str
    form: str
    left: str
    op: str
    right: str
    severity: str
    message: str
    when: str | None = None


@dataclass(frozen=True)
class Form:
    id: str
    name: str
    line: str  # a line id, or "any" when the form is filled by both lines
    milestones: tuple[str, ...]
    rows: tuple[RowDef, ...] = ()
    columns: tuple[FieldDef, ...] = ()
    fields: tuple[FieldDef, ...] = ()
    header: tuple[FieldDef, ...] = ()
    attachment: str | None = None
    unit_label: str | None = None
    remark: str | None = None
    row_header: str = ""
    sheet: str | None = None  # the worksheet's name in a template (a form's own, or the default)
    # An indicator table (layout = "indicators" in the file): the notice prints each indicator
    # as a row with its own type and unit and the methods or periods as columns. The model
    # holds it the other way round — `columns` are the indicators (typed fields), `rows` the
    # methods — so that sums, rates, rules and roll-ups work on it as on any table; the
    # template, the reader and the report print it as the notice does.
    transposed: bool = False
    unit_column: str | None = None  # the heading of its 计量单位 column, when it prints one
    # A list form (layout = "list"): one row per item, any number of items (典型案例登记表,
    # 联络人名单). `columns` are an item's fields, the first the unit it belongs to (`unit`,
    # blank in a unit's own submission: the unit itself). The form as declared has no rows;
    # `sized(n)` is the same form with n rows "1".."n", a grid table the validator, the
    # template and the roll-up output handle as any other.
    listed: bool = False
    capacity: int = 0  # the empty rows of its template
    min_items: int = 0  # fewer items than this is an error (a 联络人名单 needs one)
    size: int | None = None  # a list sized to its items (`sized`); None: the list as declared

    @property
    def is_table(self) -> bool:
        return bool(self.rows)

    @cached_property
    def _sizes(self) -> dict[int, Form]:
        return {}

    def sized(self, n: int) -> Form:
        """A list form with `n` item rows (row ids "1".."n", labels 第k条); kept, so that
        what is worked out per form (its layout, its parsing plan) is worked out once."""
        if not self.listed:
            return self
        got = self._sizes.get(n)
        if got is None:
            rows = tuple(RowDef(str(k), f"第{k}条") for k in range(1, n + 1))
            got = dataclasses.replace(self, rows=rows, size=n)
            if n <= 2000 and len(self._sizes) < 4096:  # a huge list's is built when needed
                self._sizes[n] = got
        return got

    def lines(self, campaign: Campaign) -> tuple[str, ...]:
        return tuple(campaign.lines) if self.line == "any" else (self.line,)

    @cached_property
    def cells(self) -> tuple[Cell, ...]:
        """Every value of the form, table cells row by row, then single fields."""
        out = [
            Cell(f"{r.id}.{c.id}", defined_name(f"{r.id}.{c.id}"), c, r)
            for r in self.rows
            for c in self.columns
        ]
        out += [Cell(f.id, defined_name(f.id), f) for f in self.fields]
        return tuple(out)

    def cell(self, key: str) -> Cell:
        for c in self.cells:
            if c.key == key:
                return c
        raise KeyError(key)

    def required(self, milestone: str) -> tuple[Cell, ...]:
        """The input cells (not derived) a submission for `milestone` must fill."""
        return tuple(
            c
            for c in self.cells
            if not c.derived and not c.field.optional and milestone in c.field.milestones
        )

    def column(self, col_id: str) -> FieldDef:
        for c in self.columns:
            if c.id == col_id:
                return c
        raise KeyError(col_id)


@dataclass(frozen=True)
class DayFacts:
    """What the official calendar says about a deadline day."""

    date: dt.date
    workday: bool | None  # None: no holiday data for that year
    holiday: str | None = None  # Chinese holiday name
    last_workday: dt.date | None = None  # the last working day before, when not a workday
    note: str | None = None


@dataclass(frozen=True)
class YearHolidays:
    """One year's holiday arrangement as a campaign file gives it (the State Council's notice
    for a year chinesecalendar does not know yet): the days off by holiday name, and the
    weekend days that are working days (调休)."""

    off: Mapping[dt.date, str]
    work: frozenset[dt.date]
    source: str | None = None


@dataclass
class Campaign:
    id: str
    name: str
    year: int
    timezone: str
    starts: dt.date
    ends: dt.date
    levels: dict[str, Level]
    lines: dict[str, Line]
    milestones: dict[str, Milestone]
    phases: tuple[Phase, ...]
    contacts: tuple[Contact, ...]
    forms: dict[str, Form]
    rules: tuple[Rule, ...]
    zones: tuple[Region, ...]
    documents: tuple[dict[str, Any], ...] = ()
    # the unit at the top of the chain: 全国 for a national campaign, a province's (or a
    # city's) code for one that ends there
    scope: str = NATIONAL_CODE
    holidays: Mapping[int, YearHolidays] = field(default_factory=dict)
    source: str = DEFAULT_CAMPAIGN
    registry: Registry = field(default_factory=default_registry, repr=False)
    # the campaign folder's report.toml and sample.toml, as read (their users check them)
    report: dict[str, Any] = field(default_factory=dict, repr=False)
    samples: dict[str, Any] = field(default_factory=dict, repr=False)

    # --- units -----------------------------------------------------------------------------
    @property
    def date_window(self) -> tuple[dt.date, dt.date]:
        """The dates a 填报时间 (or any date a template asks for) may take: the campaign's own
        span, and a grace after it for the last reports. One window, for the template's data
        validation and the validator alike."""
        return self.starts, self.ends + DATE_GRACE

    def form_for(self, text: str) -> Form:
        """The form a person names by its id, its attachment number (附件2) or its name;
        LookupError (with a Chinese message) if none or several."""
        key = _key(text)
        found = [
            f
            for f in self.forms.values()
            if key in {_key(f.id), _key(f.name), *([_key(f.attachment)] if f.attachment else [])}
        ]
        if len(found) == 1:
            return found[0]
        raise LookupError(msg("unit.unknown_form", form=text, choices=self.form_choices()))

    def only_form(self, milestone: str | None = None) -> Form:
        """The form meant when none is named: the campaign's only form (or the named
        milestone's only one); LookupError listing them when there are several."""
        forms = [f for f in self.forms.values() if f.milestones]
        if milestone is not None:
            mid = next((m.id for m in self.milestones.values() if m.called(milestone)), None)
            if mid is not None:
                forms = [f for f in forms if mid in f.milestones]
        if len(forms) == 1:
            return forms[0]
        raise LookupError(msg("unit.need_form", choices=self.form_choices(forms or None)))

    def form_choices(self, forms: list[Form] | None = None) -> str:
        """附件1 工作情况统计表(市场监管)（samr-stats）、…: how a person can name each form."""
        items = forms if forms is not None else list(self.forms.values())
        return "、".join(
            f"{f.attachment + ' ' if f.attachment else ''}{f.name}（{f.id}）" for f in items
        )

    def form_names(self) -> str:
        """附件1、附件2、专项治理行动工作部署情况及联络人: the forms as a file may carry them."""
        return "、".join(f.attachment or f.name for f in self.forms.values())

    def line_choices(self, lines: tuple[str, ...] | None = None) -> str:
        """samr 市场监管、mem 应急管理: the values --line takes, with what each is."""
        return "、".join(f"{x} {self.lines[x].name}" for x in (lines or tuple(self.lines)))

    def milestone_for(self, text: str, allowed: tuple[str, ...] | None = None) -> str:
        """The milestone id a person names by its id, name or a word for it (中期, 终期), among
        `allowed`; LookupError (with a Chinese message) if none."""
        choices = allowed if allowed is not None else tuple(self.milestones)
        for mid in choices:
            if self.milestones[mid].called(text):
                return mid
        other = next((m for m in self.milestones.values() if m.called(text)), None)
        listed = "、".join(self.milestone_label(m) for m in choices)
        if other is not None and not other.forms:  # 典型案例: documents, no table to roll up
            raise LookupError(msg("unit.milestone_no_form", milestone=other.name, choices=listed))
        raise LookupError(msg("unit.unknown_milestone", milestone=text, choices=listed))

    def milestone_label(self, mid: str) -> str:
        """终期（final）: the shortest word people use for it, with its id."""
        ms = self.milestones[mid]
        word = min(ms.aliases, key=len) if ms.aliases else ms.name
        return f"{word}（{mid}）"

    def unit(self, text: str, within: str | None = None) -> Region:
        """Resolve a region by name or GB/T 2260 code (functional zones included), among the
        campaign's scope; NotInCampaign for a unit of a tier the campaign leaves out."""
        return self._taking_part(self._lookup(text, within))

    def _lookup(self, text: str, within: str | None) -> Region:
        """The campaign's unit `text` names; NotInCampaign for a real unit in the campaign's
        scope that its chain passes over (郑州市 when counties report straight to 河南省)."""
        try:
            return self.registry.lookup(text, within=within or self._within)
        except LookupError as e:
            if type(e).__name__ != "UnknownRegion":
                raise
            try:
                real = default_registry().lookup(text, within=within or self._within)
            except LookupError:
                raise e from None
            if real.code in self.registry:
                raise
            raise self._not_taking_part(real) from None

    def _not_taking_part(self, region: Region) -> NotInCampaign:
        levels = "、".join(self.levels[lv].name for lv in self.chain)
        return NotInCampaign(msg("unit.not_in_campaign", unit=region.name, levels=levels))

    def _taking_part(self, region: Region) -> Region:
        if not self.takes_part(region):
            raise self._not_taking_part(region)
        return region

    @property
    def _within(self) -> str | None:
        return None if self.scope == NATIONAL_CODE else self.scope

    def resolve(self, text: str, within: str | None = None) -> tuple[Region, str | None]:
        """Resolve a unit written as a region or as an office (泰安市应急管理局 → 泰安市, mem).

        `within` (a region code) settles names that several regions share (市中区, 鼓楼区).
        """
        text = text.strip()
        error: LookupError | None = None
        # an office name (泰山区应急管理局) is the common case in a 填报单位 cell: try it first
        for line, suffix in self._suffixes:
            if text.endswith(suffix) and len(text) > len(suffix):
                try:
                    found = self._lookup(text[: -len(suffix)], within)
                    return self._taking_part(found), line
                except NotInCampaign:
                    raise
                except LookupError as e:
                    # an office name that names a real but ambiguous region says more
                    if type(e).__name__ == "AmbiguousRegion":
                        error = e
        try:
            found = self._lookup(text, within)
        except NotInCampaign:
            raise
        except LookupError as e:
            raise (error or e) from None
        return self._taking_part(found), None

    @cached_property
    def _suffixes(self) -> list[tuple[str, str]]:
        out = [
            (line.id, name)
            for line in self.lines.values()
            for name in {*line.agency.values(), *line.agency_municipality.values(), *line.aliases}
        ]
        return sorted(out, key=lambda p: -len(p[1]))

    def agency_name(self, region: Region, line: str) -> str:
        """The office that reports for `region` on `line`: 泰安市 × mem → 泰安市应急管理局."""
        spec = self.lines[line]
        if region.level == "national":
            return spec.agency["national"]
        suffix = spec.agency[region.level]
        if region.level == "province" and region.code in MUNICIPALITIES:
            suffix = spec.agency_municipality.get("province", suffix)
        return region.name + suffix

    @property
    def top(self) -> Region:
        """The unit at the top of the chain, that reports to no one in this campaign."""
        return self.registry.get(self.scope)

    @cached_property
    def chain(self) -> tuple[str, ...]:
        """The level ids, top first (the parser has checked they form one chain)."""
        below = {lv.submits_to: lv.id for lv in self.levels.values()}
        out = [next(lv.id for lv in self.levels.values() if lv.submits_to is None)]
        while out[-1] in below:
            out.append(below[out[-1]])
        return tuple(out)

    def takes_part(self, region: Region) -> bool:
        """Whether `region` is one of the campaign's units: at one of its levels, in its scope."""
        if region.level not in self.levels:
            return False
        if self.scope == NATIONAL_CODE:  # every unit of the registry is under 全国
            return True
        return region.code == self.scope or self.registry.is_descendant(region.code, self.scope)

    def parent(self, region: Region) -> Region | None:
        if region.code == self.scope:
            return None
        return self.registry.parent(region.code)

    def ancestors(self, region: Region) -> list[Region]:
        """The units above `region` in this campaign, nearest first, ending with the top."""
        out: list[Region] = []
        while (up := self.parent(region)) is not None:
            out.append(up)
            region = up
        return out

    def children(self, region: Region) -> list[Region]:
        """The units that report to `region` in this campaign (not the registry's units of a
        level the campaign leaves out)."""
        return [r for r in self.registry.children(region.code) if r.level in self.levels]

    # --- deadlines -------------------------------------------------------------------------
    def deadline(self, milestone: str, region: Region) -> Deadline | None:
        """The deadline by which `region` must submit `milestone` to its parent."""
        ms = self.milestones[milestone]
        if ms.anytime or region.code == self.scope or not self.takes_part(region):
            return None
        scopes = {a.code for a in self.registry.ancestors(region.code)} | {region.code}
        best: Deadline | None = None
        best_depth = -1
        for d in ms.deadlines:
            if d.level != region.level or d.scope not in scopes:
                continue
            depth = len(self.registry.ancestors(d.scope)) if d.scope != NATIONAL_CODE else 0
            if depth > best_depth:
                best, best_depth = d, depth
        return best

    def children_by_deadline(
        self, milestone: str, region: Region
    ) -> list[tuple[Deadline, list[Region]]]:
        """`region`'s subordinates grouped by the deadline that applies to them (usually one
        group; several where a campaign sets different dates for some of them)."""
        groups: dict[Deadline, list[Region]] = {}
        for child in self.children(region):
            d = self.deadline(milestone, child)
            if d is not None:
                groups.setdefault(d, []).append(child)
        return sorted(groups.items(), key=lambda kv: (kv[0].level, kv[0].scope, kv[0].date))

    def contact(self, region: Region, line: str) -> Contact | None:
        for c in self.contacts:
            if c.unit == region.code and c.line == line:
                return c
        return None

    def forms_for(self, milestone: str, line: str | None = None) -> list[Form]:
        out = [self.forms[f] for f in self.milestones[milestone].forms]
        if line:
            out = [f for f in out if f.line in (line, "any")]
        return out


# ---------------------------------------------------------------------------------------------
# Loading


def load_campaign(path: str | Path | None = None, registry: Registry | None = None) -> Campaign:
    """Load and check a campaign: a campaign folder (its campaign.toml, and report.toml and
    sample.toml when there), a campaign.toml in one, or a single campaign file; the packaged
    default when `path` is None."""
    folder: Any
    if path is None:
        folder = resources.files("reportkit.campaigns").joinpath(DEFAULT_CAMPAIGN)
        main: Any = folder.joinpath(CAMPAIGN_FILE)
        name = f"{DEFAULT_CAMPAIGN}/{CAMPAIGN_FILE}"
    else:
        path = Path(path)
        main = path / CAMPAIGN_FILE if path.is_dir() else path
        folder = main.parent if main.name == CAMPAIGN_FILE else None
        name = str(main)
    text = _read(main, name)
    campaign = parse_campaign(text, name, registry)
    if folder is not None:
        for attr, filename in EXTRAS.items():
            extra = folder.joinpath(filename)
            if extra.is_file():
                where = f"{name.rsplit(CAMPAIGN_FILE, 1)[0]}{filename}"
                setattr(campaign, attr, _toml(_read(extra, where), where))
    return campaign


def _read(path: Any, name: str) -> str:
    try:
        return str(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as e:
        raise CampaignError(name, "-", msg("campaign.unreadable", detail=e)) from e


def _toml(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        line = int(m.group(1)) if m else None
        what = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(e))
        detail = _TOML_WORDS.get(what.split(" '", 1)[0].split(" (", 1)[0], what)
        if m:
            detail = msg("campaign.syntax_at", column=m.group(2), detail=detail)
        raise CampaignError(name, "-", msg("campaign.syntax", detail=detail), line) from e


# tomllib's messages (Python 3.11–3.13), as a campaign author reads them
_TOML_WORDS = {
    "Illegal character": "这里有不允许的字符（字符串没有写完？引号要成对）",
    "Invalid value": "值的写法不对（文字要加引号，日期写成 2025-03-28）",
    "Invalid statement": "这一行不是“键 = 值”，也不是 [表名]",
    "Expected '=' after a key in a key/value pair": "键后面缺少“=”",
    "Cannot overwrite a value": "同一个键写了两次",
    "Cannot declare": "同一个表写了两次",
    "Unclosed array": "方括号 [ ] 没有配对",
    "Unclosed inline table": "花括号 { } 没有配对",
    "Unterminated string": "字符串没有写完（缺少结尾的引号）",
    "Expected newline or end of document after a statement": "一行只能写一个“键 = 值”",
    "Invalid initial character for a key part": "键的名字不对（只能用英文字母、数字、- 和 _，或加引号）",
}


_default_cache: dict[str, Campaign] = {}


def default_campaign() -> Campaign:
    """The packaged 2024 campaign, loaded once."""
    if "default" not in _default_cache:
        _default_cache["default"] = load_campaign()
    return _default_cache["default"]


def parse_campaign(
    text: str, name: str = "campaign.toml", registry: Registry | None = None
) -> Campaign:
    """The campaign `text` defines; CampaignError (the first, by line) if it has mistakes."""
    data = _toml(text, name)
    parser = _Parser(data, text, name, registry or default_registry())
    try:
        campaign = parser.campaign()
    except CampaignError as e:
        # the first mistake met: a key misspelt before the missing key it left behind
        raise (parser.errors[0] if parser.errors else e) from None
    if parser.errors:
        raise parser.errors[0]
    return campaign


def check_campaign(path: str | Path) -> list[CampaignError]:
    """Every mistake found in a campaign folder or file, in file order (empty: none). What a
    mistake stops (a section that cannot be read) hides only what depends on it."""
    path = Path(path)
    main = path / CAMPAIGN_FILE if path.is_dir() else path
    name = str(main)
    try:
        text = _read(main, name)
        data = _toml(text, name)
    except CampaignError as e:
        return [e]
    parser = _Parser(data, text, name, default_registry())
    try:
        campaign = parser.campaign()
    except CampaignError as e:
        parser.errors.append(e)
        campaign = None
    errors = sorted(parser.errors, key=lambda e: e.line or 0)
    if campaign is not None and not errors and main.name == CAMPAIGN_FILE:
        errors += _check_extras(campaign, main.parent, name)
    return errors


def _check_extras(campaign: Campaign, folder: Path, name: str) -> list[CampaignError]:
    """report.toml and sample.toml beside campaign.toml: read and checked as their users do."""
    errors: list[CampaignError] = []
    for attr, filename in EXTRAS.items():
        extra = folder / filename
        if not extra.is_file():
            continue
        where = f"{name.rsplit(CAMPAIGN_FILE, 1)[0]}{filename}"
        try:
            setattr(campaign, attr, _toml(_read(extra, where), where))
        except CampaignError as e:
            errors.append(e)
    if not errors:
        from reportkit.report.spec import report_spec
        from reportkit.sample import check_samples

        try:
            report_spec(campaign)
        except CampaignError as e:
            errors.append(e)
        if campaign.samples:
            errors += check_samples(campaign, str(folder / EXTRAS["samples"]))
    return errors


class _Parser:
    """Checks the TOML document key by key, so every error names its key and line."""

    def __init__(self, data: dict[str, Any], text: str, name: str, registry: Registry) -> None:
        self.data, self.text, self.name, self.registry = data, text, name, registry
        self.lines = text.splitlines()
        # mistakes that do not stop the reading (an unknown key, a rule on a missing field, a
        # date outside the campaign): all of them are reported, not only the first
        self.errors: list[CampaignError] = []

    def soft(self, path: tuple[Any, ...], message: str) -> None:
        self.errors.append(self.fail(path, message))

    # -- error helpers ----------------------------------------------------------------------
    def fail(self, path: tuple[Any, ...], message: str) -> CampaignError:
        return CampaignError(self.name, _dotted(path), message, self.locate(path))

    def locate(self, path: tuple[Any, ...]) -> int | None:
        """Best-effort line of `path` in the source text (tomllib keeps no positions)."""
        start, lo = 0, 0
        # Find the deepest table header that is a prefix of the path.
        for i in range(len(path), 0, -1):
            prefix = [p for p in path[:i] if not isinstance(p, int)]
            idx = [p for p in path[:i] if isinstance(p, int)]
            header = ".".join(_toml_key(p) for p in prefix)
            if isinstance(path[i - 1], int):
                pattern = re.compile(r"^\s*\[\[\s*" + re.escape(header) + r"\s*\]\]")
                hits = [n for n, ln in enumerate(self.lines) if pattern.match(ln)]
                if hits and idx[-1] < len(hits):
                    start, lo = hits[idx[-1]], i
                    break
            else:
                pattern = re.compile(r"^\s*\[\s*" + re.escape(header) + r"\s*\]")
                hits = [n for n, ln in enumerate(self.lines) if pattern.match(ln)]
                if hits:
                    start, lo = hits[0], i
                    break
        n = start
        rest = path[lo:]
        for j, part in enumerate(rest):
            if isinstance(part, int):
                value = self.lines[n].split("=", 1)[-1] if n < len(self.lines) else ""
                if "{" not in value and "]" in value:
                    continue  # an array of plain values on one line: the item is on it
                # the part-th inline table of an array that started at line n
                count = -1
                for m in range(n, len(self.lines)):
                    count += (
                        self.lines[m].count("{")
                        if m > n
                        else self.lines[m].split("=", 1)[-1].count("{")
                    )
                    if count >= part:
                        n = m
                        break
                continue
            key = re.compile(r"(^|[{,\s])" + re.escape(_toml_key(part)) + r"\s*=")
            for m in range(n, len(self.lines)):
                if m > n and j == 0 and lo and self.lines[m].lstrip().startswith("["):
                    break
                if key.search(self.lines[m]):
                    n = m
                    break
        return n + 1 if self.lines else None

    # -- typed getters ----------------------------------------------------------------------
    def table(self, d: Any, path: tuple[Any, ...], allowed: set[str]) -> dict[str, Any]:
        if not isinstance(d, dict):
            raise self.fail(path, msg("campaign.type", key=_dotted(path), expected="表", value=d))
        for k in d:
            if k not in allowed:
                self.soft(
                    (*path, k),
                    msg("campaign.unknown_key", key=k, allowed="、".join(sorted(allowed))),
                )
        return d

    def get(
        self, d: dict[str, Any], key: str, path: tuple[Any, ...], kind: type, default: Any = ...
    ) -> Any:
        if key not in d:
            if default is ...:
                raise self.fail((*path, key), msg("campaign.missing", key=key))
            return default
        v = d[key]
        ok = isinstance(v, kind) and not (kind is int and isinstance(v, bool))
        if not ok:
            names = {str: "文字", int: "整数", bool: "true/false", list: "列表", dict: "表"}
            raise self.fail(
                (*path, key),
                msg("campaign.type", key=key, expected=names.get(kind, kind.__name__), value=v),
            )
        return v

    def date(self, d: dict[str, Any], key: str, path: tuple[Any, ...], default: Any = ...) -> Any:
        v = d.get(key, default)
        if v is ...:
            raise self.fail((*path, key), msg("campaign.missing", key=key))
        if v is None or (isinstance(v, dt.date) and not isinstance(v, dt.datetime)):
            return v
        try:
            return dt.date.fromisoformat(str(v))
        except ValueError:
            raise self.fail((*path, key), msg("campaign.date", key=key, value=v)) from None

    def choice(
        self, value: Any, choices: Any, path: tuple[Any, ...], kind: str | None = None
    ) -> Any:
        if value not in choices:
            if kind:
                raise self.fail(
                    path, msg("campaign.ref", key=_dotted(path), kind=kind, value=value)
                )
            raise self.fail(
                path,
                msg("campaign.choice", key=_dotted(path), value=value, choices="、".join(choices)),
            )
        return value

    def strs(self, d: dict[str, Any], key: str, path: tuple[Any, ...]) -> tuple[str, ...]:
        v = self.get(d, key, path, list, [])
        for i, x in enumerate(v):
            if not isinstance(x, str):
                raise self.fail(
                    (*path, key, i), msg("campaign.type", key=key, expected="文字", value=x)
                )
        return tuple(v)

    # -- sections ---------------------------------------------------------------------------
    def campaign(self) -> Campaign:
        top = self.table(
            self.data,
            (),
            {
                "schema",
                "campaign",
                "levels",
                "lines",
                "zones",
                "units",
                "holidays",
                "milestones",
                "phases",
                "contacts",
                "forms",
                "rules",
            },
        )
        meta_p = ("campaign",)
        meta = self.table(
            self.get(top, "campaign", (), dict),
            meta_p,
            {"id", "name", "year", "timezone", "starts", "ends", "documents", "scope"},
        )
        starts, ends = self.date(meta, "starts", meta_p), self.date(meta, "ends", meta_p)
        if ends < starts:
            self.soft((*meta_p, "ends"), msg("campaign.date_order", first=starts, last=ends))
        self.window = (starts, ends)
        levels = self.levels(self.get(top, "levels", (), dict))
        lines = self.parse_lines(self.get(top, "lines", (), dict), levels)
        zones = self.zones(self.get(top, "zones", (), list, []), levels, "zones")
        zones += self.zones(self.get(top, "units", (), list, []), levels, "units")
        known = tuple(z for z in zones if z.code in self.registry)
        zones = tuple(z for z in zones if z.code not in self.registry)
        registry = self.registry.with_extra(zones) if zones else self.registry
        if known:  # registry units the campaign reports at another level or place
            registry = registry.with_changes(known)
        scope = self.scope(meta, meta_p, levels, registry)
        for key, items in (("zones", top.get("zones", [])), ("units", top.get("units", []))):
            for i, z in enumerate(items if isinstance(items, list) else []):
                code = z.get("code") if isinstance(z, dict) else None
                if not isinstance(code, str) or code not in registry:
                    continue
                if not (code == scope or registry.is_descendant(code, scope)):
                    self.soft(
                        (key, i, "code"),
                        msg("campaign.out_of_scope", unit=code, scope=registry.get(scope).name),
                    )
        registry = _campaign_units(registry, levels, scope)
        milestones_raw = self.get(top, "milestones", (), dict)
        forms = self.forms(self.get(top, "forms", (), dict), lines, set(milestones_raw))
        milestones = self.milestones(milestones_raw, levels, set(forms), registry, scope)
        for mid, ms in milestones.items():
            for i, fid in enumerate(ms.forms):
                if mid not in forms[fid].milestones:
                    self.soft(
                        ("milestones", mid, "forms", i),
                        msg("campaign.not_listed", form=fid, milestone=mid),
                    )
        for fid, form in forms.items():
            for i, mid in enumerate(form.milestones):
                if mid in milestones and fid not in milestones[mid].forms:
                    self.soft(
                        ("forms", fid, "milestones", i),
                        msg("campaign.not_listed", form=fid, milestone=mid),
                    )
        phases = tuple(
            Phase(
                self.get(p, "id", ("phases", i), str),
                self.get(p, "name", ("phases", i), str),
                self.date(p, "ends", ("phases", i)),
            )
            for i, p in enumerate(self.get(top, "phases", (), list, []))
            if self.table(p, ("phases", i), {"id", "name", "ends"})
        )
        contacts = self.contacts(self.get(top, "contacts", (), list, []), lines, registry)
        rules = self.rules(self.get(top, "rules", (), list, []), forms)
        rules += tuple(r for f in forms.values() for r in part_rules(f))
        documents = self.documents(self.get(meta, "documents", meta_p, list, []), registry)
        timezone = self.get(meta, "timezone", meta_p, str, "Asia/Shanghai")
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(timezone)
        except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            raise self.fail(
                (*meta_p, "timezone"), msg("campaign.timezone", value=timezone)
            ) from None
        return Campaign(
            id=self.get(meta, "id", meta_p, str),
            name=self.get(meta, "name", meta_p, str),
            year=self.get(meta, "year", meta_p, int),
            timezone=timezone,
            starts=starts,
            ends=ends,
            levels=levels,
            lines=lines,
            milestones=milestones,
            phases=phases,
            contacts=contacts,
            forms=forms,
            rules=rules,
            zones=zones,
            documents=documents,
            scope=scope,
            holidays=self.holidays(self.get(top, "holidays", (), dict, {})),
            source=self.name,
            registry=registry,
        )

    def levels(self, raw: dict[str, Any]) -> dict[str, Level]:
        """The levels of the chain: any contiguous run of national → province → city → county
        (a level may skip a registry tier, as a 直辖市's districts report to it), one top."""
        out: dict[str, Level] = {}
        if not raw:
            raise self.fail(("levels",), msg("campaign.missing", key="levels"))
        for lid, d in raw.items():
            p = ("levels", lid)
            self.choice(lid, LEVELS, p)
            self.table(d, p, {"name", "submits_to"})
            out[lid] = Level(
                lid, self.get(d, "name", p, str), self.get(d, "submits_to", p, str, None)
            )
        tops = [lv.id for lv in out.values() if lv.submits_to is None]
        for lid, lv in out.items():
            sp = ("levels", lid, "submits_to")
            if lv.submits_to is None:
                if len(tops) > 1:
                    raise self.fail(sp, msg("campaign.two_tops", levels="、".join(tops)))
                continue
            self.choice(lv.submits_to, tuple(out), sp, "级别")
            if LEVELS.index(lv.submits_to) >= LEVELS.index(lid):
                raise self.fail(sp, msg("campaign.level_up", level=lid, to=lv.submits_to))
        if not tops:
            raise self.fail(("levels",), msg("campaign.no_top"))
        feeding: dict[str, list[str]] = {}
        for lv in out.values():
            if lv.submits_to is not None:
                feeding.setdefault(lv.submits_to, []).append(lv.id)
        for to, lids in feeding.items():
            if len(lids) > 1:
                raise self.fail(
                    ("levels", lids[1], "submits_to"),
                    msg("campaign.level_branch", levels="、".join(lids), to=to),
                )
        return out

    def parse_lines(self, raw: dict[str, Any], levels: dict[str, Level]) -> dict[str, Line]:
        out: dict[str, Line] = {}
        for lid, d in raw.items():
            p = ("lines", lid)
            self.table(d, p, {"name", "agency", "agency_municipality", "short", "aliases"})
            agency = self.get(d, "agency", p, dict)
            for lv in levels:
                if lv not in agency:
                    raise self.fail((*p, "agency", lv), msg("campaign.missing", key=f"agency.{lv}"))
            out[lid] = Line(
                lid,
                self.get(d, "name", p, str),
                dict(agency),
                dict(self.get(d, "agency_municipality", p, dict, {})),
                dict(self.get(d, "short", p, dict, {})),
                self.strs(d, "aliases", p),
            )
        return out

    def zones(self, raw: list[Any], levels: dict[str, Level], key: str) -> tuple[Region, ...]:
        """[[zones]] and [[units]]: units the registry does not have (功能区, with a code the
        campaign assigns, a name and the unit they report to), or a registry unit that reports
        at another level or to another unit than its registry place (a province-administered
        county-level city reporting as a city: code and level)."""
        out = []
        for i, z in enumerate(raw):
            p = (key, i)
            self.table(z, p, {"code", "name", "parent", "level"})
            code = self.get(z, "code", p, str)
            if not re.fullmatch(r"\d{6}", code):
                raise self.fail(
                    (*p, "code"), msg("campaign.type", key="code", expected="6 位代码", value=code)
                )
            known = self.registry.get(code) if code in self.registry else None
            bottom = next(lv for lv in LEVELS[::-1] if lv in levels)
            level = self.get(z, "level", p, str, known.level if known else bottom)
            self.choice(level, tuple(levels), (*p, "level"), "级别")
            parent = self.get(z, "parent", p, str, known.parent if known else ...)
            if parent not in self.registry:
                raise self.fail(
                    (*p, "parent"), msg("campaign.ref", key="parent", kind="单位", value=parent)
                )
            up = self.registry.get(parent).level
            if LEVELS.index(up) >= LEVELS.index(level):
                raise self.fail(
                    (*p, "level"), msg("campaign.unit_level", unit=code, level=level, parent=parent)
                )
            name = self.get(z, "name", p, str, known.name if known else ...)
            out.append(Region(code, name, level, parent, known.kind if known else "zone"))
        return tuple(out)

    def documents(self, raw: list[Any], registry: Registry) -> tuple[dict[str, Any], ...]:
        """[campaign] documents: the notices the work follows, each a table."""
        out = []
        for i, d in enumerate(raw):
            p = ("campaign", "documents", i)
            self.table(d, p, {"level", "scope", "number", "title", "issued_on"})
            self.get(d, "title", p, str)
            self.get(d, "number", p, str, None)
            if "level" in d:
                self.choice(self.get(d, "level", p, str), LEVELS, (*p, "level"))
            scope = self.get(d, "scope", p, str, None)
            if scope is not None and scope not in registry:
                self.soft((*p, "scope"), msg("campaign.ref", key="scope", kind="单位", value=scope))
            issued = self.date(d, "issued_on", p, None)
            out.append({**d, **({"issued_on": issued.isoformat()} if issued else {})})
        return tuple(out)

    def holidays(self, raw: dict[str, Any]) -> dict[int, YearHolidays]:
        """[holidays.<year>]: off = [{ name, from, to }], work = [dates], source."""
        out: dict[int, YearHolidays] = {}
        for year_text, d in raw.items():
            p = ("holidays", year_text)
            if not re.fullmatch(r"\d{4}", year_text):
                raise self.fail(
                    p, msg("campaign.type", key=year_text, expected="四位年份", value=year_text)
                )
            year = int(year_text)
            self.table(d, p, {"off", "work", "source"})
            off: dict[dt.date, str] = {}
            for i, h in enumerate(self.get(d, "off", p, list, [])):
                hp = (*p, "off", i)
                self.table(h, hp, {"name", "from", "to"})
                first = self.date(h, "from", hp)
                last = self.date(h, "to", hp, first)
                for key, day in (("from", first), ("to", last)):
                    if day.year != year:
                        raise self.fail(
                            (*hp, key), msg("campaign.wrong_year", year=year, value=day)
                        )
                if last < first:
                    raise self.fail((*hp, "to"), msg("campaign.date_order", first=first, last=last))
                name = self.get(h, "name", hp, str)
                day = first
                while day <= last:
                    off[day] = name
                    day += dt.timedelta(days=1)
            work = set()
            for i, v in enumerate(self.get(d, "work", p, list, [])):
                day = self.date({"work": v}, "work", (*p, "work", i))
                if day.year != year:
                    raise self.fail(
                        (*p, "work", i), msg("campaign.wrong_year", year=year, value=day)
                    )
                work.add(day)
            out[year] = YearHolidays(off, frozenset(work), self.get(d, "source", p, str, None))
        return out

    def scope(
        self, meta: dict[str, Any], p: tuple[Any, ...], levels: dict[str, Level], registry: Registry
    ) -> str:
        """[campaign] scope: the unit at the top (全国 unless the chain ends below it)."""
        top = next(lv.id for lv in levels.values() if lv.submits_to is None)
        if top != "national" and "scope" not in meta:
            raise self.fail((*p, "scope"), msg("campaign.need_scope", level=top))
        code = self.get(meta, "scope", p, str, NATIONAL_CODE)
        if code not in registry:
            raise self.fail(
                (*p, "scope"), msg("campaign.ref", key="scope", kind="单位", value=code)
            )
        return code

    def milestones(
        self,
        raw: dict[str, Any],
        levels: dict[str, Level],
        forms: set[str],
        registry: Registry,
        top: str,
    ) -> dict[str, Milestone]:
        out: dict[str, Milestone] = {}
        for mid, d in raw.items():
            p = ("milestones", mid)
            self.table(d, p, {"name", "what", "forms", "deadlines", "anytime", "aliases"})
            form_ids = self.strs(d, "forms", p)
            for i, f in enumerate(form_ids):
                self.choice(f, sorted(forms), (*p, "forms", i), "表格")
            deadlines = []
            for i, dd in enumerate(self.get(d, "deadlines", p, list, [])):
                dp = (*p, "deadlines", i)
                self.table(dd, dp, {"level", "date", "scope", "what", "source"})
                level = self.choice(
                    self.get(dd, "level", dp, str), tuple(levels), (*dp, "level"), "级别"
                )
                scope = self.get(dd, "scope", dp, str, top)
                if scope not in registry:
                    raise self.fail(
                        (*dp, "scope"), msg("campaign.ref", key="scope", kind="单位", value=scope)
                    )
                if not (scope == top or registry.is_descendant(scope, top)):
                    raise self.fail(
                        (*dp, "scope"),
                        msg("campaign.out_of_scope", unit=scope, scope=registry.get(top).name),
                    )
                day = self.date(dd, "date", dp)
                if not self.window[0] <= day <= self.window[1]:
                    self.soft(
                        (*dp, "date"),
                        msg(
                            "campaign.outside",
                            value=day,
                            starts=self.window[0],
                            ends=self.window[1],
                        ),
                    )
                deadlines.append(
                    Deadline(
                        level,
                        day,
                        scope,
                        self.get(dd, "what", dp, str, None),
                        self.get(dd, "source", dp, str, None),
                    )
                )
            out[mid] = Milestone(
                mid,
                self.get(d, "name", p, str),
                self.get(d, "what", p, str, self.get(d, "name", p, str)),
                form_ids,
                tuple(deadlines),
                self.get(d, "anytime", p, bool, False),
                self.strs(d, "aliases", p) if "aliases" in d else (),
            )
        return out

    def contacts(
        self, raw: list[Any], lines: dict[str, Line], registry: Registry
    ) -> tuple[Contact, ...]:
        out = []
        for i, c in enumerate(raw):
            p = ("contacts", i)
            self.table(c, p, {"unit", "line", "office", "name", "phones", "email"})
            unit = self.get(c, "unit", p, str)
            if unit not in registry:
                raise self.fail(
                    (*p, "unit"), msg("campaign.ref", key="unit", kind="单位", value=unit)
                )
            out.append(
                Contact(
                    unit,
                    self.choice(self.get(c, "line", p, str), tuple(lines), (*p, "line"), "条线"),
                    self.get(c, "office", p, str),
                    self.get(c, "name", p, str),
                    self.strs(c, "phones", p),
                    self.get(c, "email", p, str, None),
                )
            )
        return tuple(out)

    def field_def(
        self,
        d: Any,
        p: tuple[Any, ...],
        milestones: set[str],
        default_ms: tuple[str, ...] = (),
    ) -> FieldDef:
        """A column, a single field, a header field or an indicator; `milestones` not written
        means the form's (`default_ms`)."""
        self.table(
            d,
            p,
            {
                "id", "label", "type", "unit", "milestones", "group", "aliases", "official",
                "derive", "numerator", "denominator", "note", "prefilled", "places", "options",
                "part_of", "of", "optional",
            },
        )  # fmt: skip
        fid = self.get(d, "id", p, str)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", fid):
            raise self.fail(
                (*p, "id"), msg("campaign.type", key="id", expected="小写英文标识", value=fid)
            )
        ms = self.strs(d, "milestones", p) if "milestones" in d else default_ms
        for i, m in enumerate(ms):
            self.choice(m, sorted(milestones), (*p, "milestones", i), "报送节点")
        kind = self.choice(self.get(d, "type", p, str), FIELD_TYPES, (*p, "type"))
        derive = self.get(d, "derive", p, str, None)
        if derive is not None:
            self.choice(derive, ("ratio", "sum"), (*p, "derive"))
            if derive == "ratio":
                self.get(d, "numerator", p, str)
                self.get(d, "denominator", p, str)
            elif not self.strs(d, "of", p):
                raise self.fail((*p, "of"), msg("campaign.missing", key="of"))
        places = self.get(d, "places", p, int, None)
        if places is not None and not 0 <= places <= MAX_PLACES:
            raise self.fail(
                (*p, "places"),
                msg(
                    "campaign.type",
                    key="places",
                    expected=f"0 到 {MAX_PLACES} 的整数",
                    value=places,
                ),
            )
        if places is not None and kind != "quantity":
            self.soft((*p, "places"), msg("campaign.only_for", key="places", kind="quantity"))
        options = self.strs(d, "options", p)
        if kind == "choice" and not options:
            raise self.fail((*p, "options"), msg("campaign.missing", key="options"))
        if options and kind != "choice":
            self.soft((*p, "options"), msg("campaign.only_for", key="options", kind="choice"))
        if any("," in o or '"' in o for o in options) or len(",".join(options)) > 255:
            self.soft((*p, "options"), msg("campaign.options_excel"))
        if len(set(options)) != len(options):
            self.soft(
                (*p, "options"), msg("campaign.duplicate", key="options", value="、".join(options))
            )
        if kind == "quantity" and "unit" not in d:
            self.soft((*p, "unit"), msg("campaign.quantity_unit"))
        return FieldDef(
            id=fid,
            label=self.get(d, "label", p, str),
            type=kind,
            unit=self.get(d, "unit", p, str, None),
            milestones=ms,
            group=self.get(d, "group", p, str, None),
            aliases=self.strs(d, "aliases", p),
            official=self.get(d, "official", p, bool, True),
            derive=derive,
            numerator=self.get(d, "numerator", p, str, None),
            denominator=self.get(d, "denominator", p, str, None),
            note=self.get(d, "note", p, str, None),
            prefilled=self.get(d, "prefilled", p, bool, False),
            places=places if kind == "quantity" else None,
            options=options,
            part_of=self.get(d, "part_of", p, str, None),
            of=self.strs(d, "of", p),
            optional=self.get(d, "optional", p, bool, False),
        )

    def row_def(self, r: Any, rp: tuple[Any, ...]) -> RowDef:
        self.table(r, rp, {"id", "label", "derive", "of", "part_of", "aliases"})
        derive = self.get(r, "derive", rp, str, None)
        if derive is not None:
            self.choice(derive, ("sum",), (*rp, "derive"))
        rid = self.get(r, "id", rp, str)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", rid):
            raise self.fail(
                (*rp, "id"), msg("campaign.type", key="id", expected="小写英文标识", value=rid)
            )
        return RowDef(
            rid,
            self.get(r, "label", rp, str),
            derive,
            self.strs(r, "of", rp),
            self.get(r, "part_of", rp, str, None),
            self.strs(r, "aliases", rp),
        )

    def forms(
        self, raw: dict[str, Any], lines: dict[str, Line], milestones: set[str]
    ) -> dict[str, Form]:
        header_raw = raw.get("header", {"fields": []})
        self.table(header_raw, ("forms", "header"), {"fields"})
        header = tuple(
            self.field_def(f, ("forms", "header", "fields", i), milestones)
            for i, f in enumerate(self.get(header_raw, "fields", ("forms", "header"), list, []))
        )
        out: dict[str, Form] = {}
        for fid, d in raw.items():
            if fid == "header":
                continue
            p = ("forms", fid)
            self.table(
                d,
                p,
                {
                    "name",
                    "attachment",
                    "line",
                    "milestones",
                    "unit_label",
                    "remark",
                    "row_header",
                    "sheet",
                    "rows",
                    "columns",
                    "fields",
                    "layout",
                    "unit_column",
                    "capacity",
                    "min_items",
                },
            )
            form_ms = self.strs(d, "milestones", p)
            for i, m in enumerate(form_ms):
                self.choice(m, sorted(milestones), (*p, "milestones", i), "报送节点")
            kind = self.choice(self.get(d, "layout", p, str, "grid"), LAYOUTS, (*p, "layout"))
            transposed = kind == "indicators"
            listed = kind == "list"
            if listed:  # an item is a row: nothing else has a place (said, then left out)
                d = dict(d)
                for key in ("rows", "fields"):
                    if key in d:
                        self.soft((*p, key), msg("campaign.list_key", key=key))
                        del d[key]
            # an indicator table is held the other way round: the notice's rows (indicators,
            # each typed) are the model's columns, its columns (methods, periods) the rows
            rows_key, cols_key = ("columns", "rows") if transposed else ("rows", "columns")
            rows = [
                self.row_def(r, (*p, rows_key, i))
                for i, r in enumerate(self.get(d, rows_key, p, list, []))
            ]
            columns = tuple(
                self.field_def(c, (*p, cols_key, i), milestones, form_ms)
                for i, c in enumerate(self.get(d, cols_key, p, list, []))
            )
            fields = tuple(
                self.field_def(c, (*p, "fields", i), milestones, form_ms)
                for i, c in enumerate(self.get(d, "fields", p, list, []))
            )
            if transposed and not rows:
                raise self.fail((*p, "columns"), msg("campaign.missing", key="columns"))
            capacity, min_items = 0, 0
            if listed:
                columns, capacity, min_items = self.list_parts(d, p, columns, form_ms)
            self.parts(rows, columns, p, rows_key, cols_key)
            kinds: tuple[tuple[str, Sequence[RowDef | FieldDef]], ...] = (
                (rows_key, rows),
                (cols_key, columns),
                ("fields", fields),
            )
            for kind, items in kinds:
                seen: set[str] = set()
                for i, it in enumerate(items):
                    if it.id in seen:
                        raise self.fail(
                            (*p, kind, i, "id"), msg("campaign.duplicate", key="id", value=it.id)
                        )
                    seen.add(it.id)
            # a single field's defined name is RK_<id>: a header's id (or 报送节点's) is taken
            reserved = {h.id for h in header} | {"milestone"}
            for i, f in enumerate(fields):
                if f.id in reserved:
                    self.soft((*p, "fields", i, "id"), msg("campaign.reserved_id", value=f.id))
            col_ids = {c.id for c in columns} | {f.id for f in fields}
            for kind, items in ((cols_key, columns), ("fields", fields)):
                for i, c in enumerate(items):
                    for part in ("numerator", "denominator"):
                        ref = getattr(c, part)
                        if ref is not None and ref not in col_ids:
                            raise self.fail(
                                (*p, kind, i, part),
                                msg("campaign.ref", key=part, kind="字段", value=ref),
                            )
            line = self.get(d, "line", p, str)
            self.choice(line, (*lines, "any"), (*p, "line"), "条线")
            out[fid] = Form(
                id=fid,
                name=self.get(d, "name", p, str),
                line=line,
                milestones=form_ms,
                rows=tuple(rows),
                columns=columns,
                fields=fields,
                header=header,
                attachment=self.get(d, "attachment", p, str, None),
                unit_label=self.get(d, "unit_label", p, str, None),
                remark=self.get(d, "remark", p, str, None),
                row_header=self.get(d, "row_header", p, str, "序号" if listed else ""),
                sheet=self.get(d, "sheet", p, str, None),
                transposed=transposed,
                unit_column=self.get(d, "unit_column", p, str, None),
                listed=listed,
                capacity=capacity,
                min_items=min_items,
            )
            names: dict[str, str] = {defined_name(h.id): h.id for h in header}
            names[defined_name("milestone")] = "milestone"
            for cell in out[fid].cells:
                other = names.setdefault(cell.name, cell.key)
                if other != cell.key:
                    self.soft(
                        (*p, "rows" if cell.row else "fields"),
                        msg("campaign.same_name", key=cell.key, other=other, name=cell.name),
                    )
        return out

    def list_parts(
        self,
        d: dict[str, Any],
        p: tuple[Any, ...],
        columns: tuple[FieldDef, ...],
        form_ms: tuple[str, ...],
    ) -> tuple[tuple[FieldDef, ...], int, int]:
        """A list form's columns with its unit column first, its capacity and its minimum."""
        # every mistake said (soft), the form kept as far as it goes, so that all are found
        for i, c in enumerate(columns):
            if c.id == UNIT_COLUMN:
                self.soft((*p, "columns", i, "id"), msg("campaign.list_unit_id"))
            if c.group is not None:  # a list has one heading row: the reader finds it by it
                self.soft((*p, "columns", i, "group"), msg("campaign.list_group"))
        columns = tuple(c for c in columns if c.id != UNIT_COLUMN)
        out: dict[str, int] = {}
        for key, default, low in (("capacity", LIST_CAPACITY, 1), ("min_items", 0, 0)):
            n = self.get(d, key, p, int, default)
            if not low <= n <= MAX_CAPACITY:
                self.soft(
                    (*p, key),
                    msg("campaign.type", key=key,
                        expected=f"不小于 {low}、不大于 {MAX_CAPACITY} 的整数", value=n),
                )  # fmt: skip
                n = default
            out[key] = n
        if not columns:
            raise self.fail((*p, "columns"), msg("campaign.missing", key="columns"))
        if out["min_items"] > out["capacity"]:
            self.soft((*p, "min_items"), msg("campaign.list_min", **out))
        label = self.get(d, "unit_label", p, str, None) or UNIT_COLUMN_LABEL
        unit = FieldDef(
            UNIT_COLUMN, label, "text", milestones=form_ms, optional=True,
            note="不填即为本单位；汇总时填入条目所属单位",
        )  # fmt: skip
        return (unit, *columns), out["capacity"], out["min_items"]

    def parts(
        self,
        rows: list[RowDef],
        columns: tuple[FieldDef, ...],
        p: tuple[Any, ...],
        rows_key: str,
        cols_key: str,
    ) -> None:
        """A total's `of` and a 其中's `part_of` name rows (or columns) of the same table, a
        part is of the same kind as its whole, and nothing is part of itself."""
        row_ids = {r.id for r in rows}
        for i, r in enumerate(rows):
            for ref in r.of:
                if ref not in row_ids or ref == r.id:
                    self.soft(
                        (*p, rows_key, i, "of"), msg("campaign.ref", key="of", kind="行", value=ref)
                    )
            if r.part_of is not None and (r.part_of not in row_ids or r.part_of == r.id):
                self.soft(
                    (*p, rows_key, i, "part_of"),
                    msg("campaign.ref", key="part_of", kind="行", value=r.part_of),
                )
        by_id = {c.id: c for c in columns}
        for i, c in enumerate(columns):
            for ref in c.of:
                if ref not in by_id or ref == c.id:
                    self.soft(
                        (*p, cols_key, i, "of"), msg("campaign.ref", key="of", kind="列", value=ref)
                    )
            if c.part_of is not None:
                whole = by_id.get(c.part_of)
                if whole is None or whole is c:
                    self.soft(
                        (*p, cols_key, i, "part_of"),
                        msg("campaign.ref", key="part_of", kind="列", value=c.part_of),
                    )
                elif not (c.numeric and whole.numeric):
                    self.soft((*p, cols_key, i, "part_of"), msg("campaign.part_numeric"))

    def check_rule(self, rule: Rule, form: Form, p: tuple[Any, ...]) -> bool:
        """Whether every reference of `rule` is to a field of `form` (each one that is not is
        reported)."""
        bad = _rule_refs(rule, form)
        for part, expr, detail in bad:
            self.soft((*p, part), msg("campaign.rule", rule=rule.id, expr=expr, detail=detail))
        return not bad

    def rules(self, raw: list[Any], forms: dict[str, Form]) -> tuple[Rule, ...]:
        out = []
        for i, r in enumerate(raw):
            try:  # a rule stands alone: a mistake in one leaves the others to be checked
                rule = self.rule(r, ("rules", i), forms)
            except CampaignError as e:
                self.errors.append(e)
                continue
            if rule is not None:
                out.append(rule)
        return tuple(out)

    def rule(self, r: Any, p: tuple[Any, ...], forms: dict[str, Form]) -> Rule | None:
        self.table(r, p, {"id", "form", "left", "op", "right", "severity", "message", "when"})
        form = self.choice(self.get(r, "form", p, str), tuple(forms), (*p, "form"), "表格")
        rule = Rule(
            id=self.get(r, "id", p, str),
            form=form,
            left=self.get(r, "left", p, str),
            op=self.choice(self.get(r, "op", p, str), OPERATORS, (*p, "op")),
            right=self.get(r, "right", p, str),
            severity=self.choice(
                self.get(r, "severity", p, str, "error"), SEVERITIES, (*p, "severity")
            ),
            message=self.get(r, "message", p, str),
            when=self.get(r, "when", p, str, None),
        )
        return rule if self.check_rule(rule, forms[form], p) else None


def part_rules(form: Form) -> list[Rule]:
    """The check a 其中 (of which) row or column implies: a part is not more than its whole,
    in every column (or every row) of the table."""

    def plain(text: str) -> str:
        return text.replace("{", "｛").replace("}", "｝")

    out = []
    for r in form.rows:
        if r.part_of is None:
            continue
        whole = next((w for w in form.rows if w.id == r.part_of), None)
        if whole is None:
            continue
        for c in form.columns:
            if not c.numeric or c.derive == "ratio":
                continue
            out.append(
                Rule(
                    id=f"{form.id}.{r.id}.{c.id}.part-of.{whole.id}",
                    form=form.id,
                    left=f"{r.id}.{c.id}",
                    op="<=",
                    right=f"{whole.id}.{c.id}",
                    severity="error",
                    message=msg(
                        "rule.part_of",
                        part=plain(f"{r.label} · {c.label}"),
                        whole=plain(f"{whole.label} · {c.label}"),
                    ),
                )
            )
    by_id = {c.id: c for c in form.columns}
    for c in form.columns:
        whole_col = by_id.get(c.part_of or "")
        if whole_col is None or whole_col is c or not (c.numeric and whole_col.numeric):
            continue
        out.append(
            Rule(
                id=f"{form.id}.{c.id}.part-of.{whole_col.id}",
                form=form.id,
                left=c.id,
                op="<=",
                right=whole_col.id,
                severity="error",
                message=msg("rule.part_of", part=plain(c.label), whole=plain(whole_col.label)),
            )
        )
    return out


def _rule_refs(rule: Rule, form: Form) -> list[tuple[str, str, str]]:
    """(part, expression, problem) for every reference in `rule` that `form` does not have."""
    columns = {c.id for c in form.columns}
    singles = {f.id for f in form.fields}
    rows = {r.id for r in form.rows}
    bad = []
    for part in ("left", "right", "when"):
        expr = getattr(rule, part)
        if expr is None:
            continue
        try:
            names = (parse_condition(expr) if part == "when" else parse(expr)).names
        except ExprError as e:
            bad.append((part, expr, str(e)))
            continue
        for name in names:
            row, _, col = name.rpartition(".")
            if (row and (row not in rows or col not in columns)) or (
                not row and col not in columns | singles
            ):
                bad.append((part, expr, f"“{name}”不是表格“{form.id}”的字段"))
    return bad


def _toml_key(part: Any) -> str:
    s = str(part)
    return s if re.fullmatch(r"[A-Za-z0-9_-]+", s) else f'"{s}"'


def _dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "-"


def _campaign_units(registry: Registry, levels: dict[str, Level], scope: str) -> Registry:
    """The registry as the campaign's chain sees it. The top unit is at the top level. A unit
    whose registry tier the chain leaves out is, when units of the chain's tiers are below it,
    passed over (its subordinates report to its superior: counties straight to the province
    when a chain has no cities); otherwise it reports at the level below its superior's (仙桃市,
    a county-level city under 湖北省, is a city in a chain of provinces and cities), or, below
    the chain's lowest level, takes no part. The same registry when every tier is in the chain."""
    top_level = next(lv.id for lv in levels.values() if lv.submits_to is None)
    root = registry.get(scope)
    if set(levels) == set(LEVELS) and root.level == top_level:
        return registry
    below = {lv.submits_to: lv.id for lv in levels.values() if lv.submits_to is not None}
    changed: dict[str, Region] = {}
    dropped: set[str] = set()
    if root.level != top_level:
        changed[scope] = dataclasses.replace(root, level=top_level)
    level_of: dict[str, str | None] = {scope: top_level}

    def reaches_chain(code: str) -> bool:
        return any(r.level in levels for r in registry.descendants(code))

    # (unit, the nearest unit above it that stays, that unit's level in the campaign)
    stack = [(c, scope) for c in registry.children(scope)]
    while stack:
        child, up = stack.pop()
        up_level = level_of.get(up)
        level: str | None
        if child.level in levels:
            level = child.level
        elif reaches_chain(child.code):
            dropped.add(child.code)
            stack += [(c, up) for c in registry.children(child.code)]
            continue
        else:
            level = below.get(up_level) if up_level is not None else None
        new = dataclasses.replace(child, parent=up, level=level or child.level)
        if new != child:
            changed[child.code] = new
        level_of[child.code] = level
        stack += [(c, child.code) for c in registry.children(child.code)]
    if not changed and not dropped:
        return registry
    return registry.with_changes(changed.values(), dropped)
