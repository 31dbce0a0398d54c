"""Plausible filled submissions for demos and tests: values that satisfy the campaign's rules."""

from __future__ import annotations

import datetime as dt
import random
import re
from decimal import Decimal
from typing import Any

from reportkit.messages import msg
from reportkit.model.campaign import UNIT_COLUMN, Campaign, CampaignError, Cell, Form
from reportkit.model.formula import Functions, parse_formula
from reportkit.model.registry import Region

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
]
TITLES = ["科长", "副科长", "一级主任科员", "二级主任科员", "副局长", "科员"]
AREA_CODES = {"37": "0538"}  # Tai'an; others get a plausible four-digit code below


def _rng(seed: int, *parts: str) -> random.Random:
    # str seeds hash with SHA-512 in CPython: stable across runs and platforms
    return random.Random("|".join([str(seed), *parts]))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _money(rng: random.Random, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(0.05, high), 2)))


def _phone(rng: random.Random, region: Region) -> str:
    area = AREA_CODES.get(region.code[:2], f"0{rng.randint(310, 999)}")
    return f"{area}-{rng.randint(2000000, 8999999)}"


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def _deadline_day(campaign: Campaign, region: Region, milestone: str) -> dt.date:
    """The unit's deadline, or (where the campaign sets none for it) its nearest superior's."""
    for unit in (region, *campaign.ancestors(region)):
        deadline = campaign.deadline(milestone, unit)
        if deadline is not None:
            return deadline.date
    return campaign.starts + dt.timedelta(days=30)


def _drawn_header(
    campaign: Campaign, region: Region, line: str, milestone: str, seed: int
) -> dict[str, Any]:
    rng = _rng(seed, region.code, line, milestone, "header")
    day = _deadline_day(campaign, region, milestone)
    return {
        "filled_by": _name(rng),
        "contact": _phone(rng, region),
        "filled_on": day - dt.timedelta(days=rng.randint(1, 6)),
        "email": f"user{rng.randint(100, 999)}@example.cn",
    }


def sample_header(
    campaign: Campaign, region: Region, line: str, milestone: str, seed: int = 0
) -> dict[str, Any]:
    """The header fields the campaign declares: 填报人, 联系方式 and 填报时间 (a few days before the
    unit's deadline) where the campaign has them; a plausible value of its type for any other."""
    drawn = _drawn_header(campaign, region, line, milestone, seed)
    by_type: dict[str, Any] = {
        "text": drawn["filled_by"],
        "phone": drawn["contact"],
        "date": drawn["filled_on"],
        "email": drawn.pop("email"),
    }
    out: dict[str, Any] = {}
    header = next(iter(campaign.forms.values())).header if campaign.forms else ()
    for f in header:  # one header for every form
        if f.prefilled:
            continue
        value = drawn[f.id] if f.id in drawn else by_type.get(f.type)
        if value is not None:
            out[f.id] = value
    return out


def sample_values(
    campaign: Campaign, form: Form, region: Region, line: str, milestone: str, seed: int = 0
) -> dict[str, Any]:
    """Input values for `form` at `milestone`: only the cells that milestone requires (of a
    list, every column of each of a few items).

    Drawn as the campaign folder's sample.toml says for the form; a form it does not describe
    gets small whole numbers in every required count cell."""
    spec = campaign.samples.get("forms", {}).get(form.id)
    if form.listed:  # a few items (none, where the list may be empty), up to its template's
        rng = _rng(seed, region.code, form.id, line, milestone, "items")
        form = form.sized(rng.randint(form.min_items, max(form.min_items, min(form.capacity, 4))))
        spec = None
    # an item has something in it (a list whose columns the milestone does not require
    # would otherwise draw rows with nothing, which are no items): every column but its unit
    wanted = (
        tuple(c for c in form.cells if not c.derived and c.field.id != UNIT_COLUMN)
        if form.listed
        else form.required(milestone)
    )
    if spec is None:
        rng = _rng(seed, region.code, form.id, line, milestone)
        values: dict[str, Any] = {
            c.key: _any_value(campaign, c, rng, region, milestone) for c in wanted
        }
        values = satisfy_rules(campaign, form, values)
    else:
        per_milestone = spec.get("per_milestone", True)
        rng = _rng(seed, region.code, form.id, line, *([milestone] if per_milestone else []))
        values = _Draw(campaign, form, spec, rng, region, line, milestone).values()
    required = {c.key for c in wanted}
    return {k: v for k, v in values.items() if k in required}


def _any_value(
    campaign: Campaign, cell: Cell, rng: random.Random, region: Region, milestone: str
) -> Any:
    """A plausible value for a cell the campaign's sample.toml does not describe."""
    kind = cell.field.type
    if kind == "count":
        return rng.randint(0, 9)
    if kind == "money":
        return _money(rng, 20)
    if kind == "quantity":
        places = cell.field.decimals
        return Decimal(rng.randint(0, 500 * 10**places)).scaleb(-places)
    if kind == "choice":
        return rng.choice(cell.field.options)
    if kind == "rate":
        return Decimal(rng.randint(0, 10000)) / 100
    if kind == "date":
        day = _deadline_day(campaign, region, milestone) - dt.timedelta(days=rng.randint(5, 20))
        return max(day, campaign.starts)
    if kind == "phone":
        return _mobile(rng) if "手机" in cell.field.label else _phone(rng, region)
    if kind == "email":
        return f"user{rng.randint(100, 999)}@example.cn"
    if "姓名" in cell.field.label:
        return _name(rng)
    if "职务" in cell.field.label:
        return rng.choice(TITLES)
    item = cell.row.id if cell.row is not None and cell.row.id.isdigit() else ""  # a list's
    return f"{cell.field.label}（示例{item}）"


def satisfy_rules(
    campaign: Campaign, form: Form, values: dict[str, Any], rounds: int = 30
) -> dict[str, Any]:
    """`values` changed as little as needed for `form`'s rules to hold: a side that is too
    large is scaled down (its input cells, never below 0), one too small raised. Rules on
    derived cells (totals, rates) hold through their parts. Zeros where no repair converges."""
    from reportkit.model.derive import UNKNOWN, derived_values
    from reportkit.model.expr import compare, parse, parse_condition
    from reportkit.rules.validate import rule_applies_per_row

    plans = []
    for rule in campaign.rules:
        if rule.form != form.id:
            continue
        try:
            left, right = parse(rule.left), parse(rule.right)
            when = parse_condition(rule.when) if rule.when else None
        except ValueError:
            continue
        names = (*left.names, *right.names, *(when.left.names + when.right.names if when else ()))
        rows = (
            [r for r in form.rows if not r.derived] if rule_applies_per_row(form, names) else [None]
        )
        plans += [(rule, left, right, when, row) for row in rows]
    out = dict(values)

    def key(row: Any, name: str) -> str:
        return f"{row.id}.{name}" if row is not None and "." not in name else name

    def violated() -> list[Any]:
        every = {**out, **derived_values(form, out, UNKNOWN)}
        bad = []
        for rule, left, right, when, row in plans:
            get = lambda n, row=row: every.get(key(row, n))  # noqa: E731
            if when is not None and when.evaluate(get) is not True:
                continue
            a, b = left.evaluate(get), right.evaluate(get)
            if a is not None and b is not None and not compare(a, rule.op, b):
                bad.append((rule, left, right, row, a, b))
        return bad

    inputs = {c.key for c in form.cells if not c.derived}
    for _ in range(rounds):
        bad = violated()
        if not bad:
            return out
        for rule, left, right, row, a, b in bad:
            if rule.op in ("==", "!="):
                continue  # not repaired: zeros below if nothing else helps
            # `upper` must be the larger side: grow one of its input cells by what it lacks;
            # only a bound that is a constant (rate <= 100) shrinks the other side instead
            upper, lower, up, low = (
                (right, left, b, a) if rule.op in ("<=", "<") else (left, right, a, b)
            )
            strict = rule.op in ("<", ">")
            grow = [key(row, n) for n in upper.names if _number_cell(out, key(row, n), inputs)]
            if grow:
                k = grow[0]
                out[k] = _like(
                    out[k], Decimal(out[k]) + (low - up) + (1 if strict else 0), down=False
                )
                continue
            shrink = [key(row, n) for n in lower.names if _number_cell(out, key(row, n), inputs)]
            if shrink and low > 0:
                factor = max(Decimal(0), up) / low
                for k in shrink:
                    out[k] = _like(out[k], Decimal(out[k]) * factor, down=True, strict=strict)
    zeros = {k: (0 if isinstance(v, int) else Decimal(0)) for k, v in out.items()
             if isinstance(v, (int, Decimal)) and not isinstance(v, bool)}  # fmt: skip
    out.update(zeros)
    return out


def _number_cell(values: dict[str, Any], key: str, inputs: set[str]) -> bool:
    v = values.get(key)
    return key in inputs and isinstance(v, (int, Decimal)) and not isinstance(v, bool)


def _like(old: int | Decimal, value: Decimal, down: bool, strict: bool = False) -> int | Decimal:
    """`value` in the kind of `old` (a whole number, or a decimal with its places), rounded toward
    what satisfies the rule, one step further when the rule is strict."""
    from decimal import ROUND_CEILING, ROUND_FLOOR

    if isinstance(old, int):
        step = Decimal(1)
    else:  # as many places as the drawn value has (money 2, a quantity its own), at least 2
        exponent = old.as_tuple().exponent
        step = Decimal(1).scaleb(min(exponent, -2) if isinstance(exponent, int) else -2)
    v = value.quantize(step, rounding=ROUND_FLOOR if down else ROUND_CEILING)
    if strict and down and v == value:
        v -= step
    v = max(v, Decimal(0))
    return int(v) if isinstance(old, int) else v


class _Draw:
    """One unit's figures drawn as a form's sample spec says (see sample.toml)."""

    def __init__(
        self,
        campaign: Campaign,
        form: Form,
        spec: dict[str, Any],
        rng: random.Random,
        region: Region,
        line: str,
        milestone: str,
    ) -> None:
        self.campaign, self.form, self.spec, self.rng = campaign, form, spec, rng
        self.region, self.line = region, line
        self.constants = {
            k: Decimal(v) for k, v in spec.get("constants", {}).get(milestone, {}).items()
        }
        self.functions: Functions = {
            "randint": lambda a, b: Decimal(rng.randint(int(a), int(b))),
            "money": lambda high: _money(rng, float(high)) if high else Decimal(0),
            "min": min,
            "max": max,
        }

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for row, own in self.spec.get("rows", {}).items():
            known = {**self.constants, **{k: Decimal(v) for k, v in own.items()}}
            for cell in self.spec.get("cells", []):
                value = self.number(cell, known)
                known[cell["id"]] = value
                out[f"{row}.{cell['id']}"] = self.typed(f"{row}.{cell['id']}", value)
        known = dict(self.constants)
        for f in self.spec.get("fields", []):
            if "text" in f:
                out[f["id"]] = self.text(f["text"], known)
            elif "days_before" in f:
                days = int(self.formula(f["days_before"], known))
                due = _deadline_day(self.campaign, self.region, f["milestone"])
                out[f["id"]] = due - dt.timedelta(days=days)
            else:
                known[f["id"]] = value = self.number(f, known)
                out[f["id"]] = self.typed(f["id"], value)
        return out

    def typed(self, key: str, value: Decimal) -> int | Decimal:
        """A drawn figure as its cell holds it: money as Decimal, anything else whole."""
        try:
            kind = self.form.cell(key).field.type
        except KeyError:
            kind = "count"
        return value if kind == "money" else int(value)

    def number(self, cell: dict[str, Any], known: dict[str, Decimal]) -> Decimal:
        gate = cell.get("unless_zero")
        if gate is not None and not self.formula(gate, known):
            return Decimal(0)
        return self.formula(cell["value"], known)

    def formula(self, text: str, known: dict[str, Decimal]) -> Decimal:
        return parse_formula(text).evaluate(known.__getitem__, self.functions)

    def text(self, template: str, known: dict[str, Decimal]) -> str:
        region, campaign = self.region, self.campaign
        words = {
            "agency": lambda: campaign.agency_name(region, self.line),
            "short": lambda: region.name.rstrip("市区县") if len(region.name) > 2 else region.name,
            "year": lambda: str(campaign.year),
            "line": lambda: self.line,
            "code": lambda: region.code,
            "line_word": lambda: self.spec.get("line_words", {}).get(self.line, ""),
            "name()": lambda: _name(self.rng),
            "title()": lambda: self.rng.choice(TITLES),
            "phone()": lambda: _phone(self.rng, region),
            "mobile()": lambda: _mobile(self.rng),
        }

        def fill(m: re.Match[str]) -> str:
            hole = m.group(1).strip()
            if hole in words:
                return words[hole]()
            return str(int(self.formula(hole, known)))

        return re.sub(r"\{([^{}]+)\}", fill, template)


def check_samples(campaign: Campaign, file: str = "sample.toml") -> list[CampaignError]:
    """Every mistake in the campaign folder's sample.toml: a form, row, cell or field the
    campaign does not have, an unknown key, a formula that does not parse."""
    errors: list[CampaignError] = []

    def bad(key: str, code: str, **kw: Any) -> None:
        errors.append(CampaignError(file, key, msg(code, key=key, **kw)))

    data = campaign.samples
    for k in data:
        if k != "forms":
            bad(k, "campaign.unknown_key", allowed="forms")
    forms = data.get("forms", {})
    if not isinstance(forms, dict):
        bad("forms", "campaign.type", expected="表", value=forms)
        return errors
    for fid, spec in forms.items():
        where = f"forms.{fid}"
        form = campaign.forms.get(fid)
        if form is None:
            bad(where, "campaign.ref", kind="表格", value=fid)
            continue
        if not isinstance(spec, dict):
            bad(where, "campaign.type", expected="表", value=spec)
            continue
        if form.listed:  # its items are drawn by type, as many as it takes (see sample_values)
            bad(where, "campaign.list_samples")
            continue
        allowed = ("constants", "rows", "cells", "fields", "per_milestone", "line_words")
        for k in spec:
            if k not in allowed:
                bad(f"{where}.{k}", "campaign.unknown_key", allowed="、".join(allowed))
        rows = {r.id for r in form.rows}
        for rid in spec.get("rows", {}) if isinstance(spec.get("rows"), dict) else ():
            if rid not in rows:
                bad(f"{where}.rows.{rid}", "campaign.ref", kind="行", value=rid)
        for part, ids in (
            ("cells", {c.id for c in form.columns}),
            ("fields", {f.id for f in form.fields}),
        ):
            items = spec.get(part, [])
            for i, item in enumerate(items if isinstance(items, list) else []):
                key = f"{where}.{part}[{i}]"
                if not isinstance(item, dict) or "id" not in item:
                    errors.append(CampaignError(file, key, msg("campaign.missing", key="id")))
                    continue
                milestone = item.get("milestone")
                if milestone is not None and milestone not in campaign.milestones:
                    bad(f"{key}.milestone", "campaign.ref", kind="报送节点", value=milestone)
                if item["id"] not in ids:
                    bad(
                        f"{key}.id",
                        "campaign.ref",
                        kind="列" if part == "cells" else "字段",
                        value=item["id"],
                    )
                for fk in ("value", "unless_zero", "days_before"):
                    if fk in item:
                        try:
                            parse_formula(str(item[fk]))
                        except ValueError as e:
                            bad(f"{key}.{fk}", "campaign.formula", detail=str(e))
    return errors
