"""The unit registry: China's administrative divisions (GB/T 2260) as a reporting hierarchy.

Every reporting unit is a :class:`Region`: the top unit 全国 (``000000``), the 31 mainland
provinces, the prefecture-level units and the county-level units, each with the code of the unit
it reports to. Placeholder rows of the code table (110100 市辖区, 429000 省直辖县级行政区划 ...) are
not units: their counties report to the province directly. The data is
``reportkit/campaigns/regions.csv`` (see REGIONS.md there); a campaign adds its own county-level
units (功能区) with :meth:`Registry.with_extra`.

:meth:`Registry.lookup` turns what people type into a unit: a code, an official name (泰山区), a
name qualified by its ancestors (山东省泰安市泰山区, 山东泰安泰山区), or a short form (泰安, 山东,
内蒙古, 广西). It is pure Python with dict indexes built once; :func:`default_registry` is cached.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources

LEVELS = ("national", "province", "city", "county")
NATIONAL_CODE = "000000"
NATIONAL_NAME = "全国"
KINDS = ("division", "zone")

_MAX_SUGGESTIONS = 5

MESSAGES = {
    "unknown": "未找到单位“{query}”。",
    "unknown_within": "在{within}范围内未找到单位“{query}”。",
    "suggest": "您是不是要找：{choices}？",
    "ambiguous": (
        "“{query}”对应多个单位：{choices}。请写出上级单位（如“{example}”）或使用单位代码。"
    ),
}


@dataclass(frozen=True)
class Region:
    """One reporting unit (a division or a campaign's functional zone)."""

    code: str  # 6 digits
    name: str  # official full name, e.g. "泰安市", "泰山区", "全国"
    level: str  # one of LEVELS
    parent: str | None  # None only for 全国
    kind: str = "division"  # "division" or "zone" (功能区 etc. added by a campaign)


NATIONAL = Region(NATIONAL_CODE, NATIONAL_NAME, "national", None)


def _describe(regions: Iterable[Region], registry: Registry | None) -> str:
    parts = []
    for r in regions:
        label = (
            registry.full_name(r.code) if registry is not None and r.code in registry else r.name
        )
        parts.append(f"{label}（{r.code}）")
    return "、".join(parts)


class UnknownRegion(KeyError):  # KeyError is a LookupError
    """No unit matches ``query``; ``suggestions`` lists units with close names.

    Suggestions may be given as a callable: they are then computed only when the message or
    the list is asked for (a fuzzy search costs milliseconds; callers that only try a name
    and move on should not pay for it).
    """

    def __init__(
        self,
        query: str,
        suggestions: Iterable[Region] | Callable[[], Iterable[Region]] = (),
        *,
        registry: Registry | None = None,
        within: Region | None = None,
    ) -> None:
        self.query = query
        self.within = within
        self._registry = registry
        self._pending = suggestions if callable(suggestions) else None
        self._suggestions: list[Region] | None = (
            None if callable(suggestions) else list(suggestions)
        )
        super().__init__(query)

    @property
    def suggestions(self) -> list[Region]:
        if self._suggestions is None:
            assert self._pending is not None
            self._suggestions = list(self._pending())
        return self._suggestions

    @property
    def message(self) -> str:
        registry, within = self._registry, self.within
        if within is not None:
            head = MESSAGES["unknown_within"].format(
                query=self.query,
                within=registry.full_name(within.code) if registry else within.name,
            )
        else:
            head = MESSAGES["unknown"].format(query=self.query)
        if self.suggestions:
            head += MESSAGES["suggest"].format(choices=_describe(self.suggestions, registry))
        return head

    def __str__(self) -> str:  # KeyError would show the repr
        return self.message


class AmbiguousRegion(LookupError):
    """Several units match ``query``; ``candidates`` lists them (sorted by code)."""

    def __init__(
        self, query: str, candidates: Iterable[Region], *, registry: Registry | None = None
    ) -> None:
        self.query = query
        self.candidates: list[Region] = sorted(candidates, key=lambda r: r.code)
        first = self.candidates[0] if self.candidates else None
        example = query
        if first is not None and registry is not None and first.parent:
            parent = registry.get(first.parent)
            if parent.level != "national":
                example = parent.name + first.name
        self.message = MESSAGES["ambiguous"].format(
            query=query, choices=_describe(self.candidates, registry), example=example
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- name handling

_SPACE_RE = re.compile(r"[\s\u200b\u200c\u200d\ufeff]+")
_CODE_RE = re.compile(r"[0-9]{6}")

# Suffixes stripped to form short names, longest first (山东省 → 山东, 浦东新区 → 浦东).
_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "新区",
    "地区",
    "林区",
    "特区",
    "省",
    "市",
    "县",
    "区",
    "盟",
    "旗",
)
_AUTONOMOUS = ("自治区", "自治州", "自治县", "自治旗")
# Ethnic groups as they appear in the names of autonomous units (with and without 族).
_ETHNIC_GROUPS = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡",
    "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬",
    "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安",
    "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)  # fmt: skip
# Names say "苗族"; a few use the bare name (博尔塔拉蒙古自治州, 新疆维吾尔自治区).
_ETHNIC_BARE = ("蒙古", "维吾尔", "哈萨克", "柯尔克孜", "塔吉克", "锡伯", "各族")
_ETHNIC = tuple(sorted({*(f"{n}族" for n in _ETHNIC_GROUPS), *_ETHNIC_BARE}, key=len, reverse=True))


def normalize(text: str) -> str:
    """Fold full-width characters (NFKC) and drop all whitespace."""
    return _SPACE_RE.sub("", unicodedata.normalize("NFKC", text))


def _strip_ethnic(stem: str) -> str:
    """恩施土家族苗族 → 恩施; keeps at least two characters (鄂温克族 stays)."""
    changed = True
    while changed:
        changed = False
        for ethnic in _ETHNIC:
            if stem.endswith(ethnic) and len(stem) - len(ethnic) >= 2:
                stem = stem[: -len(ethnic)]
                changed = True
                break
    return stem


def short_forms(region: Region) -> set[str]:
    """Common short names of a unit: 山东省 → 山东, 广西壮族自治区 → 广西, 泰安市 → 泰安,
    恩施土家族苗族自治州 → 恩施 and 恩施州."""
    name = normalize(region.name)
    forms: set[str] = set()
    if region.kind != "division":
        return forms
    for suffix in _SUFFIXES:
        stem = name[: -len(suffix)]
        if not name.endswith(suffix) or len(stem) < 2:
            continue  # 金林区 is 金林, not 金 + 林区
        forms.add(stem)
        if suffix in _AUTONOMOUS:
            short = _strip_ethnic(stem)
            forms.add(short)
            if suffix != "自治区":  # 恩施州, 石柱县, 莫力达瓦旗
                forms.add(short + suffix[-1])
        break
    forms.discard(name)
    return forms


# --------------------------------------------------------------------------- the registry


class Registry:
    """An immutable set of units with their hierarchy and name indexes."""

    def __init__(self, regions: Iterable[Region]) -> None:
        by_code: dict[str, Region] = {}
        for r in regions:
            if not isinstance(r, Region):
                raise TypeError(f"not a Region: {r!r}")
            if not (len(r.code) == 6 and r.code.isascii() and r.code.isdigit()):
                raise ValueError(f"bad code {r.code!r} for {r.name}")
            if r.level not in LEVELS:
                raise ValueError(f"bad level {r.level!r} for {r.code} {r.name}")
            if r.kind not in KINDS:
                raise ValueError(f"bad kind {r.kind!r} for {r.code} {r.name}")
            if r.code in by_code:
                raise ValueError(f"duplicate code {r.code} ({by_code[r.code].name} / {r.name})")
            by_code[r.code] = r
        if NATIONAL_CODE not in by_code:
            by_code[NATIONAL_CODE] = NATIONAL
        for r in by_code.values():
            if r.level == "national" or r.code == NATIONAL_CODE:
                if r.code != NATIONAL_CODE or r.parent is not None:
                    raise ValueError(f"the national unit must be {NATIONAL_CODE} with no parent")
                continue
            parent = by_code.get(r.parent) if r.parent else None
            if parent is None:
                raise ValueError(f"{r.code} {r.name}: unknown parent {r.parent!r}")
            if LEVELS.index(parent.level) >= LEVELS.index(r.level):
                raise ValueError(
                    f"{r.code} {r.name} ({r.level}) cannot report to "
                    f"{parent.code} {parent.name} ({parent.level})"
                )

        self._by_code: dict[str, Region] = dict(sorted(by_code.items()))
        children: dict[str, list[Region]] = {code: [] for code in self._by_code}
        for r in self._by_code.values():
            if r.parent is not None:
                children[r.parent].append(r)  # already in code order
        self._children = children

    # Name indexes, in order of preference: official names; short forms of provinces (山东, 吉林,
    # 海南 mean the province); other short forms (泰安, 宁阳, 朝阳). Built when first needed, the
    # short forms only when an official name did not answer: a run that names its unit in full
    # (or by code) never pays for them.

    @functools.cached_property
    def _official(self) -> dict[str, list[Region]]:
        official: dict[str, list[Region]] = {}
        for r in self._by_code.values():
            official.setdefault(normalize(r.name), []).append(r)
        return official

    @functools.cached_property
    def _tiers(self) -> tuple[dict[str, list[Region]], ...]:
        province_short: dict[str, list[Region]] = {}
        other_short: dict[str, list[Region]] = {}
        for r in self._by_code.values():
            target = province_short if r.level == "province" else other_short
            for form in short_forms(r):
                target.setdefault(form, []).append(r)
            for form in self._zone_forms(r):
                other_short.setdefault(form, []).append(r)
        return (self._official, province_short, other_short)

    @functools.cached_property
    def _prefix_lengths(self) -> list[int]:
        return sorted({len(k) for tier in self._tiers for k in tier}, reverse=True)

    @functools.cached_property
    def _names_for_suggestions(self) -> list[str]:
        return sorted({k for tier in self._tiers for k in tier})

    def _zone_forms(self, r: Region) -> set[str]:
        """泰安高新技术产业开发区 under 泰安市 is also 高新技术产业开发区 and 高新区."""
        if r.kind != "zone" or r.parent is None:
            return set()
        name = normalize(r.name)
        forms: set[str] = set()
        parent = self._by_code[r.parent]
        for prefix in (normalize(parent.name), *short_forms(parent)):
            rest = name[len(prefix) :] if name.startswith(prefix) else ""
            if len(rest) >= 3:
                forms.add(rest)
        for form in (name, *forms):
            if "高新技术产业开发区" in form:
                forms.add(form.replace("高新技术产业开发区", "高新区"))
        forms.discard(name)
        return forms

    # ---- basic access

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Region]:
        return iter(self._by_code.values())

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._by_code

    def __repr__(self) -> str:
        return f"<Registry of {len(self)} units>"

    def get(self, code: str) -> Region:
        """The unit with this code; :class:`UnknownRegion` if there is none."""
        region = self._by_code.get(code)
        if region is not None:
            return region
        key = normalize(code) if isinstance(code, str) else str(code)
        region = self._by_code.get(key)
        if region is not None:
            return region
        raise UnknownRegion(key, self._code_suggestions(key), registry=self)

    def _code_suggestions(self, code: str) -> list[Region]:
        if not _CODE_RE.fullmatch(code):
            return []
        out = []
        for guess in (code[:4] + "00", code[:2] + "0000"):
            if guess != code and guess in self._by_code:
                out.append(self._by_code[guess])
        return out

    def children(self, code: str) -> list[Region]:
        """Units reporting directly to ``code``, sorted by code."""
        return list(self._children[self.get(code).code])

    def parent(self, code: str) -> Region | None:
        region = self.get(code)
        return self._by_code[region.parent] if region.parent is not None else None

    def ancestors(self, code: str) -> list[Region]:
        """Nearest first, ending with 全国 (empty for 全国 itself)."""
        out: list[Region] = []
        region = self.get(code)
        while region.parent is not None:
            region = self._by_code[region.parent]
            out.append(region)
        return out

    def descendants(self, code: str, level: str | None = None) -> list[Region]:
        """All units below ``code`` (optionally only those of ``level``), sorted by code."""
        if level is not None and level not in LEVELS:
            raise ValueError(f"unknown level {level!r}; expected one of {LEVELS}")
        out: list[Region] = []
        stack = list(self._children[self.get(code).code])
        while stack:
            r = stack.pop()
            if level is None or r.level == level:
                out.append(r)
            stack.extend(self._children[r.code])
        out.sort(key=lambda r: r.code)
        return out

    def is_descendant(self, code: str, ancestor: str) -> bool:
        """True if ``code`` is strictly below ``ancestor``."""
        target = self.get(ancestor).code
        region = self.get(code)
        while region.parent is not None:
            if region.parent == target:
                return True
            region = self._by_code[region.parent]
        return False

    def _within(self, region: Region, scope: str) -> bool:
        return region.code == scope or self.is_descendant(region.code, scope)

    def full_name(self, code: str) -> str:
        """山东省泰安市泰山区: the names from the province down (全国 for the national unit)."""
        region = self.get(code)
        if region.level == "national":
            return region.name
        chain = [region, *self.ancestors(region.code)]
        return "".join(r.name for r in reversed(chain) if r.level != "national")

    def with_extra(self, extra: Iterable[Region]) -> Registry:
        """A new registry with ``extra`` units (e.g. a campaign's functional zones) added."""
        return Registry([*self._by_code.values(), *extra])

    def with_changes(self, changed: Iterable[Region], dropped: Iterable[str] = ()) -> Registry:
        """A new registry with units replaced by those of the same code in `changed` (a
        campaign reporting a unit at another level or to another unit) and without `dropped`."""
        new = {r.code: r for r in changed}
        gone = set(dropped)
        return Registry([new.get(r.code, r) for r in self._by_code.values() if r.code not in gone])

    # ---- lookup

    def lookup(self, text: str, within: str | None = None) -> Region:
        """Resolve what a person typed (code, name, qualified name, short form) to one unit.

        ``within`` (a code) keeps only that unit and the units below it, which resolves names
        such as 鼓楼区 or 朝阳区 that several units share.
        """
        if not isinstance(text, str):
            raise TypeError(f"lookup() needs a str, not {type(text).__name__}")
        query = normalize(text)
        scope = self.get(within) if within is not None else None
        if _CODE_RE.fullmatch(query):
            region = self._by_code.get(query)
            if region is None:
                raise UnknownRegion(query, self._code_suggestions(query), registry=self)
            if scope is not None and not self._within(region, scope.code):
                raise UnknownRegion(query, [region], registry=self, within=scope)
            return region
        if not query:
            raise UnknownRegion(text.strip(), registry=self)

        unscoped: list[Region] = []
        for tier, candidates in enumerate(self._match_tiers(query)):
            if not candidates:
                continue
            unscoped.extend(candidates)
            if scope is not None:
                candidates = [r for r in candidates if self._within(r, scope.code)]
            if len(candidates) == 1 and tier > 0:
                # a short form that also starts a sibling's name (泰山: 泰山区, 泰山景区) is
                # not settled by the one it happens to abbreviate
                candidates = [*candidates, *self._rivals(candidates[0], query)]
            if len(candidates) == 1:
                return candidates[0]
            if len(candidates) > 1:
                raise AmbiguousRegion(query, candidates, registry=self)
        if scope is not None and unscoped:
            seen = {r.code: r for r in unscoped}
            raise UnknownRegion(
                query,
                sorted(seen.values(), key=lambda r: r.code)[:_MAX_SUGGESTIONS],
                registry=self,
                within=scope,
            )
        raise UnknownRegion(query, lambda: self._suggest(query), registry=self, within=scope)

    def _homophones(self, query: str) -> list[Region]:
        sound = _sound(query)
        if not sound:
            return []
        return [
            r for key, sounds in self._sounds.items() if sounds == sound for r in self._names(key)
        ]

    @functools.cached_property
    def _sounds(self) -> dict[str, str]:
        return {key: _sound(key) for key in self._names_for_suggestions}

    def _rivals(self, region: Region, query: str) -> list[Region]:
        """Units beside `region` (same parent, same level) whose names begin with `query`."""
        if region.parent is None:
            return []
        return [
            r
            for r in self._children[region.parent]
            if r.code != region.code
            and r.level == region.level
            and normalize(r.name).startswith(query)
        ]

    def _match_tiers(self, query: str) -> Iterator[list[Region]]:
        """Candidate lists in order of preference: whole-name tiers, then qualified names."""
        yield list(self._official.get(query, ()))
        for tier in self._tiers[1:]:
            yield list(tier.get(query, ()))
        found = {r.code: r for r in self._qualified(query)}
        yield sorted(found.values(), key=lambda r: r.code)

    def _names(self, key: str) -> list[Region]:
        out: list[Region] = []
        for tier in self._tiers:
            out.extend(tier.get(key, ()))
        return out

    def _qualified(self, query: str, depth: int = 0) -> list[Region]:
        """Units named by ``<ancestor><...><name>``, e.g. 山东泰安泰山区 or 泰安市泰山区."""
        if depth > 4:
            return []
        out: list[Region] = []
        for size in self._prefix_lengths:
            if size >= len(query):
                continue
            heads = self._names(query[:size])
            if not heads:
                continue
            rest = query[size:]
            tails = self._names(rest) + self._qualified(rest, depth + 1)
            for head in heads:
                out.extend(t for t in tails if self.is_descendant(t.code, head.code))
        return out

    def _suggest(self, query: str) -> list[Region]:
        seen: dict[str, Region] = {}

        def add(regions: Iterable[Region]) -> None:
            for r in sorted(regions, key=lambda r: (LEVELS.index(r.level), r.code)):
                if len(seen) < _MAX_SUGGESTIONS and r.code not in seen:
                    seen[r.code] = r

        # Names that sound the same (a pinyin input method's slip: 太安市 for 泰安市).
        add(self._homophones(query))
        # The longest start of the query that names units (泰安市泰山区市场监管局 → 泰山区).
        for end in range(len(query) - 1, 1, -1):
            found = next((tier for tier in self._match_tiers(query[:end]) if tier), None)
            if found:
                add(found)
                break
        # Names the query contains or is part of.
        containing = [key for key in self._names_for_suggestions if len(key) >= 2 and key in query]
        containing.sort(key=len, reverse=True)
        for key in containing[:_MAX_SUGGESTIONS]:
            add(self._names(key))
        if len(query) >= 2:
            add(r for key in self._names_for_suggestions if query in key for r in self._names(key))
        for key in difflib.get_close_matches(query, self._names_for_suggestions, n=5, cutoff=0.6):
            add(self._names(key))
        return list(seen.values())


def _sound(text: str) -> str:
    """A name as it is typed with a pinyin input method (tones left out), or "" without
    pypinyin."""
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # pragma: no cover - a declared dependency
        return ""
    return " ".join(lazy_pinyin(text))


# --------------------------------------------------------------------------- loading


def load_csv(text: str) -> list[Region]:
    """Parse regions.csv text (``code,name,level,parent``) into regions."""
    out = []
    for row in csv.DictReader(io.StringIO(text)):
        out.append(
            Region(
                code=row["code"].strip(),
                name=row["name"].strip(),
                level=row["level"].strip(),
                parent=row["parent"].strip() or None,
            )
        )
    return out


@functools.lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The packaged GB/T 2260 units (reportkit/campaigns/regions.csv) plus 全国."""
    text = (
        resources.files("reportkit.campaigns").joinpath("regions.csv").read_text(encoding="utf-8")
    )
    return Registry([NATIONAL, *load_csv(text)])
