"""The campaign model: lines, levels, milestones, deadlines, contacts and forms, loaded from TOML."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from reportkit.messages import msg
from reportkit.model.expr import ExprError, parse, parse_condition
from reportkit.model.registry import NATIONAL_CODE, Region, Registry, default_registry

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
FIELD_TYPES = ("count", "money", "rate", "text", "date", "phone", "email")
NUMERIC_TYPES = ("count", "money", "rate")
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

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def derived(self) -> bool:
        return self.derive is not None


@dataclass(frozen=True)
class RowDef:
    id: str
    label: str
    derive: str | None = None  # "sum": the sum of the other, non-derived rows

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

    @property
    def is_table(self) -> bool:
        return bool(self.rows)

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
        return tuple(c for c in self.cells if not c.derived and milestone in c.field.milestones)

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
        """Resolve a region by name or GB/T 2260 code (functional zones included)."""
        return self.registry.lookup(text, within=within)

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
                    return self.registry.lookup(text[: -len(suffix)], within=within), line
                except LookupError as e:
                    # an office name that names a real but ambiguous region says more
                    if type(e).__name__ == "AmbiguousRegion":
                        error = e
        try:
            return self.registry.lookup(text, within=within), None
        except LookupError as e:
            raise (error or e) from None

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

    def parent(self, region: Region) -> Region | None:
        return self.registry.parent(region.code)

    def children(self, region: Region) -> list[Region]:
        return self.registry.children(region.code)

    # --- deadlines -------------------------------------------------------------------------
    def deadline(self, milestone: str, region: Region) -> Deadline | None:
        """The deadline by which `region` must submit `milestone` to its parent."""
        ms = self.milestones[milestone]
        if ms.anytime or region.level == "national":
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
        m = re.search(r"line (\d+)", str(e))
        line = int(m.group(1)) if m else None
        raise CampaignError(name, "-", msg("campaign.syntax", detail=e), line) from e


_default_cache: dict[str, Campaign] = {}


def default_campaign() -> Campaign:
    """The packaged 2024 campaign, loaded once."""
    if "default" not in _default_cache:
        _default_cache["default"] = load_campaign()
    return _default_cache["default"]


def parse_campaign(
    text: str, name: str = "campaign.toml", registry: Registry | None = None
) -> Campaign:
    data = _toml(text, name)
    return _Parser(data, text, name, registry or default_registry()).campaign()


class _Parser:
    """Checks the TOML document key by key, so every error names its key and line."""

    def __init__(self, data: dict[str, Any], text: str, name: str, registry: Registry) -> None:
        self.data, self.text, self.name, self.registry = data, text, name, registry
        self.lines = text.splitlines()

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
                raise self.fail(
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
            {"id", "name", "year", "timezone", "starts", "ends", "documents"},
        )
        levels = self.levels(self.get(top, "levels", (), dict))
        lines = self.parse_lines(self.get(top, "lines", (), dict), levels)
        zones = self.zones(self.get(top, "zones", (), list, []))
        registry = self.registry.with_extra(zones) if zones else self.registry
        milestones_raw = self.get(top, "milestones", (), dict)
        forms = self.forms(self.get(top, "forms", (), dict), lines, set(milestones_raw))
        milestones = self.milestones(milestones_raw, levels, set(forms), registry)
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
        documents = tuple(self.get(meta, "documents", meta_p, list, []))
        return Campaign(
            id=self.get(meta, "id", meta_p, str),
            name=self.get(meta, "name", meta_p, str),
            year=self.get(meta, "year", meta_p, int),
            timezone=self.get(meta, "timezone", meta_p, str, "Asia/Shanghai"),
            starts=self.date(meta, "starts", meta_p),
            ends=self.date(meta, "ends", meta_p),
            levels=levels,
            lines=lines,
            milestones=milestones,
            phases=phases,
            contacts=contacts,
            forms=forms,
            rules=rules,
            zones=zones,
            documents=documents,
            source=self.name,
            registry=registry,
        )

    def levels(self, raw: dict[str, Any]) -> dict[str, Level]:
        out: dict[str, Level] = {}
        for lid, d in raw.items():
            p = ("levels", lid)
            self.choice(lid, ("national", "province", "city", "county"), p)
            self.table(d, p, {"name", "submits_to"})
            out[lid] = Level(
                lid, self.get(d, "name", p, str), self.get(d, "submits_to", p, str, None)
            )
        for lid, lv in out.items():
            if lv.submits_to is not None:
                self.choice(lv.submits_to, tuple(out), ("levels", lid, "submits_to"), "级别")
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

    def zones(self, raw: list[Any]) -> tuple[Region, ...]:
        out = []
        for i, z in enumerate(raw):
            p = ("zones", i)
            self.table(z, p, {"code", "name", "parent"})
            code = self.get(z, "code", p, str)
            if not re.fullmatch(r"\d{6}", code):
                raise self.fail(
                    (*p, "code"), msg("campaign.type", key="code", expected="6 位代码", value=code)
                )
            parent = self.get(z, "parent", p, str)
            if parent not in self.registry:
                raise self.fail(
                    (*p, "parent"), msg("campaign.ref", key="parent", kind="单位", value=parent)
                )
            out.append(Region(code, self.get(z, "name", p, str), "county", parent, "zone"))
        return tuple(out)

    def milestones(
        self, raw: dict[str, Any], levels: dict[str, Level], forms: set[str], registry: Registry
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
                scope = self.get(dd, "scope", dp, str, NATIONAL_CODE)
                if scope not in registry:
                    raise self.fail(
                        (*dp, "scope"), msg("campaign.ref", key="scope", kind="单位", value=scope)
                    )
                deadlines.append(
                    Deadline(
                        level,
                        self.date(dd, "date", dp),
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

    def field_def(self, d: Any, p: tuple[Any, ...], milestones: set[str]) -> FieldDef:
        self.table(
            d,
            p,
            {
                "id", "label", "type", "unit", "milestones", "group", "aliases", "official",
                "derive", "numerator", "denominator", "note", "prefilled",
            },
        )  # fmt: skip
        fid = self.get(d, "id", p, str)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", fid):
            raise self.fail(
                (*p, "id"), msg("campaign.type", key="id", expected="小写英文标识", value=fid)
            )
        ms = self.strs(d, "milestones", p)
        for i, m in enumerate(ms):
            self.choice(m, sorted(milestones), (*p, "milestones", i), "报送节点")
        derive = self.get(d, "derive", p, str, None)
        if derive is not None:
            self.choice(derive, ("ratio",), (*p, "derive"))
            self.get(d, "numerator", p, str)
            self.get(d, "denominator", p, str)
        return FieldDef(
            id=fid,
            label=self.get(d, "label", p, str),
            type=self.choice(self.get(d, "type", p, str), FIELD_TYPES, (*p, "type")),
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
                },
            )
            rows = []
            for i, r in enumerate(self.get(d, "rows", p, list, [])):
                rp = (*p, "rows", i)
                self.table(r, rp, {"id", "label", "derive"})
                derive = self.get(r, "derive", rp, str, None)
                if derive is not None:
                    self.choice(derive, ("sum",), (*rp, "derive"))
                rows.append(
                    RowDef(self.get(r, "id", rp, str), self.get(r, "label", rp, str), derive)
                )
            columns = tuple(
                self.field_def(c, (*p, "columns", i), milestones)
                for i, c in enumerate(self.get(d, "columns", p, list, []))
            )
            fields = tuple(
                self.field_def(c, (*p, "fields", i), milestones)
                for i, c in enumerate(self.get(d, "fields", p, list, []))
            )
            kinds: tuple[tuple[str, Sequence[RowDef | FieldDef]], ...] = (
                ("rows", rows),
                ("columns", columns),
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
            col_ids = {c.id for c in columns} | {f.id for f in fields}
            for kind, items in (("columns", columns), ("fields", fields)):
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
            form_ms = self.strs(d, "milestones", p)
            for i, m in enumerate(form_ms):
                self.choice(m, sorted(milestones), (*p, "milestones", i), "报送节点")
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
                row_header=self.get(d, "row_header", p, str, ""),
                sheet=self.get(d, "sheet", p, str, None),
            )
        return out

    def check_rule(self, rule: Rule, form: Form, p: tuple[Any, ...]) -> None:
        for part, expr, detail in _rule_refs(rule, form):
            raise self.fail(
                (*p, part), msg("campaign.rule", rule=rule.id, expr=expr, detail=detail)
            )

    def rules(self, raw: list[Any], forms: dict[str, Form]) -> tuple[Rule, ...]:
        out = []
        for i, r in enumerate(raw):
            p = ("rules", i)
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
            self.check_rule(rule, forms[form], p)
            out.append(rule)
        return tuple(out)


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
