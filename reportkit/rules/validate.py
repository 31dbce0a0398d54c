"""Check one submission's values: parse every cell, required cells, derived cells, then the rules.

Pure core: readers hand over `RawCell`s keyed by cell key ("row.col" or field id) and header id;
this module returns the parsed values (derived cells recomputed) and `Issue` records. It opens no
file and imports no spreadsheet library.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeGuard

from reportkit.issues import ERROR, WARNING, Issue
from reportkit.messages import MESSAGES, msg
from reportkit.model import derive
from reportkit.model.campaign import Campaign, FieldDef, Form, RowDef, Rule, item_count
from reportkit.model.expr import Condition, Expr, ExprError, compare, parse, parse_condition
from reportkit.model.memo import by_identity
from reportkit.model.submission import RawCell, Value
from reportkit.rules.values import EMPTY, MAX_NUMBER, MAX_TEXT, Parsed, parse_value, quote, render


def check_values(
    campaign: Campaign,
    form: Form,
    milestone: str | None,
    raw: Mapping[str, RawCell],
    file: str | None = None,
    own_output: bool = False,
) -> tuple[dict[str, Value], list[Issue]]:
    """Parse and check one submission of `form`.

    Returns the values of every cell of the form (derived cells recomputed from the inputs) plus
    the header fields by id (填报人, 联系方式, 填报时间; 填报单位 is checked elsewhere), and the
    issues found. `milestone` None checks what is there without asking for anything.
    """
    n = 0
    if form.listed:  # a list of n items is checked as a table of n rows
        n = item_count(raw)
        form = form.sized(n)
    check = _Check(campaign, form, milestone, raw, file)
    check.own_output = own_output  # reportkit's own roll-up output: its dates are ours
    values, issues = check.run()
    if form.listed and milestone is not None and n < form.min_items:
        issues.append(
            Issue.of(
                "list.too_few",
                msg("list.too_few", count=n, form=form.name, min=form.min_items),
                file=file,
                hint=msg("list.too_few.hint"),
            )
        )
    return values, issues


def rule_applies_per_row(form: Form, names: tuple[str, ...]) -> bool:
    """A rule that names a column without a row applies to every row of the table."""
    columns = {c.id for c in form.columns}
    return form.is_table and any("." not in n and n in columns for n in names)


class _Check:
    def __init__(
        self,
        campaign: Campaign,
        form: Form,
        milestone: str | None,
        raw: Mapping[str, RawCell],
        file: str | None,
    ) -> None:
        self.campaign, self.form, self.milestone, self.raw, self.file = (
            campaign,
            form,
            milestone,
            raw,
            file,
        )
        self.values: dict[str, Value] = {}
        self.own_output = False
        self.parsed: dict[str, Parsed] = {}
        self.exact: dict[str, Decimal | None] = {}  # unrounded rates, for comparisons
        self.issues: list[Issue] = []
        plan = self.plan = _form_plan(form)
        self.columns = plan.columns
        self.fields = plan.fields
        self.row_ids = plan.row_ids
        self.data_rows = plan.data_rows
        self.required = plan.required(milestone) if milestone else frozenset()
        ms = campaign.milestones.get(milestone) if milestone else None
        self.milestone_name = ms.name if ms else (milestone or "")
        # Denominators that are not in the official table (纳入治理范围的机构数量): when missing they
        # are derived from the typed rate, or reported as such, never as a missing required cell.
        self.soft = plan.soft

    def run(self) -> tuple[dict[str, Value], list[Issue]]:
        self.parse_cells()
        self.parse_header()
        self.derive_denominators()
        self.sum_rows()
        self.ratios()
        self.check_derived()
        self.check_rules()
        return self.values, self.issues

    # --- helpers -------------------------------------------------------------------------------
    @staticmethod
    def key(row: RowDef | None, fid: str) -> str:
        return f"{row.id}.{fid}" if row is not None else fid

    def rc(self, key: str | None) -> RawCell | None:
        if key is None:
            return None
        got = self.raw.get(key)
        return got if isinstance(got, RawCell) else None

    def where(self, label: str, key: str | None) -> str:
        rc = self.rc(key)
        if rc is not None and rc.cell:
            return msg("value.where", label=label, cell=rc.cell)
        return label

    def add(
        self,
        code: str,
        severity: str | None,
        key: str | None,
        where_label: str,
        *,
        hint: str | None = None,
        rule: str | None = None,
        message: str | None = None,
        **fmt: Any,
    ) -> None:
        rc = self.rc(key)
        fmt.setdefault("label", where_label)
        hint_key = hint or f"{code}.hint"
        self.issues.append(
            Issue.of(
                code,
                message or msg(code, where=self.where(where_label, key), **fmt),
                severity,
                file=self.file,
                sheet=rc.sheet if rc else None,
                cell=rc.cell if rc else None,
                field=key,
                hint=msg(hint_key, **fmt) if hint_key in MESSAGES else None,
                rule=rule,
            )
        )

    def value_issue(
        self, p: Parsed, severity: str, key: str, label: str, field: FieldDef, raw: object
    ) -> None:
        code = p.issue_code or "value.unsupported"
        hint = f"{code}.hint"
        if code == "value.normalized" and field.type == "date":
            hint = "value.normalized.hint_date"
        self.add(
            code,
            severity,
            key,
            label,
            hint=hint,
            text=quote(raw),
            value=render(p.value),
            detail=p.detail or "",
            unit=field.unit or "",
            limit=MAX_NUMBER if field.numeric else MAX_TEXT,
        )

    # --- parsing -------------------------------------------------------------------------------
    def parse_cells(self) -> None:
        raw_cells, parsed, values, required = self.raw, self.parsed, self.values, self.required
        for cell, key, field, derived, soft in self.plan.cells:
            rc = raw_cells.get(key)
            raw = rc.value if isinstance(rc, RawCell) else None
            p = parse_value(raw, field)
            parsed[key] = p
            values[key] = p.value if p.ok else None
            if p.issue_code:
                # a derived cell is recomputed anyway: what was typed there cannot block the file
                sev = WARNING if derived and p.severity == ERROR else (p.severity or ERROR)
                self.value_issue(p, sev, key, cell.label, field, raw)
            unread = isinstance(rc, RawCell) and rc.unread  # its missing label is an error
            if p.value is None and p.ok and key in required and not soft and not unread:
                hint = "required.missing.hint_number" if field.numeric else None
                self.add(
                    "required.missing",
                    None,
                    key,
                    cell.label,
                    hint=hint,
                    milestone=self.milestone_name,
                )

    def parse_header(self) -> None:
        for f in self.form.header:
            if f.prefilled:
                continue  # 填报单位 identifies the unit; checked where the unit is resolved
            rc = self.rc(f.id)
            raw = rc.value if rc is not None else None
            p = parse_value(raw, f)
            self.values[f.id] = p.value if p.ok else None
            if p.issue_code:
                # a header the parser cannot read is flagged, not blocking: an empty one is too
                self.value_issue(p, WARNING, f.id, f.label, f, raw)
            if p.value is None and p.ok and self.milestone:
                self.add("required.header", None, f.id, f.label)
            if f.type == "date" and isinstance(p.value, dt.date) and not self.own_output:
                first, last = self.campaign.date_window
                if not first <= p.value <= last:
                    self.add(
                        "value.date_out_of_campaign",
                        None,
                        f.id,
                        f.label,
                        value=render(p.value),
                        starts=first.isoformat(),
                        ends=last.isoformat(),
                    )

    # --- derived cells -------------------------------------------------------------------------
    def ratio_specs(self) -> tuple[tuple[RowDef | None, FieldDef], ...]:
        return self.plan.ratio_specs

    def field_def(self, row: RowDef | None, fid: str) -> FieldDef | None:
        return self.columns.get(fid) if row is not None else self.fields.get(fid)

    def typed_percent(self, key: str) -> Decimal | None:
        """The rate typed in a rate cell, in percent (0.1321 from a %-formatted cell is 13.21)."""
        p = self.parsed.get(key, EMPTY)
        if not p.ok or not isinstance(p.value, Decimal):
            return None
        rc = self.rc(key)
        return p.value * 100 if rc is not None and _fraction_like(rc.value) else p.value

    def derive_denominators(self) -> None:
        groups: dict[str, list[tuple[RowDef | None, FieldDef]]] = {}
        for row, rate in self.ratio_specs():
            if (row is None or not row.derived) and rate.denominator:
                groups.setdefault(self.key(row, rate.denominator), []).append((row, rate))
        for dkey, specs in groups.items():
            row = specs[0][0]
            den = self.field_def(row, specs[0][1].denominator or "")
            if den is None or self.values.get(dkey) is not None:
                continue
            if not self.parsed.get(dkey, EMPTY).ok:
                continue  # something unreadable was typed there: reported already
            label = f"{row.label} · {den.label}" if row is not None else den.label
            for _, rate in specs:
                num = self.values.get(self.key(row, rate.numerator or ""))
                pct = self.typed_percent(self.key(row, rate.id))
                if not _is_number(num) or pct is None or num <= 0 or pct <= 0:
                    continue
                n = (Decimal(num) * 100 / pct).to_integral_value(ROUND_HALF_UP)
                if n > MAX_NUMBER:
                    continue
                value: Value = int(n) if den.type == "count" else n
                self.values[dkey] = value
                self.add(
                    "derived.denominator_from_rate",
                    None,
                    dkey,
                    label,
                    value=render(value),
                    count=render(num),
                    rate=render(pct),
                    rate_label=rate.label,
                    label=den.label,
                )
                break
            else:
                relevant = [
                    rate
                    for _, rate in specs
                    if (
                        self.milestone in rate.milestones
                        if self.milestone
                        else self.values.get(self.key(row, rate.numerator or "")) is not None
                    )
                ]
                if relevant:
                    self.add(
                        "derived.no_denominator",
                        None,
                        dkey,
                        label,
                        rates="、".join(r.label for r in relevant),
                        label=den.label,
                    )

    def sum_rows(self) -> None:
        # a county's own table: a total with a blank part is unknown, not a smaller total
        self.values.update(derive.sums(self.form, self.values, derive.UNKNOWN))

    def ratios(self) -> None:
        self.values.update(derive.rates(self.form, self.values, derive.UNKNOWN, self.exact))

    def check_derived(self) -> None:
        for cell in self.plan.derived_cells:
            p = self.parsed[cell.key]
            computed = self.values.get(cell.key)
            if not p.ok or computed is None or not _is_number(computed):
                continue
            rc = self.rc(cell.key)
            typed = p.value
            is_rate = cell.field.derive == "ratio"
            if rc is not None and rc.formula and (typed is None or typed == 0) and computed != 0:
                shown = render(computed) + ("%" if is_rate else "")
                self.add(
                    "derived.not_calculated",
                    None,
                    cell.key,
                    cell.label,
                    typed=quote(rc.value) if rc.value is not None else msg("derived.empty"),
                    computed=shown,
                )
                continue
            if typed is None or not _is_number(typed):
                continue
            if self.same(cell.key, is_rate, typed, computed):
                continue
            if is_rate:
                row = cell.row
                how = msg(
                    "derived.how_ratio",
                    numerator=render(self.values.get(self.key(row, cell.field.numerator or ""))),
                    denominator=render(
                        self.values.get(self.key(row, cell.field.denominator or ""))
                    ),
                )
            else:
                how = msg("derived.how_sum", rows="、".join(r.label for r in self.data_rows))
            shown = render(computed) + ("%" if is_rate else "")
            self.add(
                "derived.mismatch",
                None,
                cell.key,
                cell.label,
                typed=quote(rc.value) if rc is not None else render(typed),
                computed=shown,
                how=how,
            )

    def same(self, key: str, is_rate: bool, typed: Any, computed: Any) -> bool:
        if not is_rate:
            return Decimal(typed) == Decimal(computed)
        exact = self.exact.get(key)
        if exact is None:
            return True
        candidates = [Decimal(typed)]
        rc = self.rc(key)
        if rc is not None and _fraction_like(rc.value):
            candidates.append(Decimal(typed) * 100)
        return any(_rate_matches(t, exact) for t in candidates)

    # --- rules ---------------------------------------------------------------------------------
    def lookup(self, row: RowDef | None) -> Any:
        def get(name: str) -> Value:
            if "." in name:
                return self.values.get(name)
            if row is not None and name in self.columns:
                return self.values.get(f"{row.id}.{name}")
            if name in self.fields:
                return self.values.get(name)
            return None

        return get

    def cell_key(self, row: RowDef | None, name: str) -> str:
        if "." not in name and row is not None and name in self.columns:
            return f"{row.id}.{name}"
        return name

    def check_rules(self) -> None:
        for rule, parsed in _rule_plan(self.campaign.rules, self.form):
            self.check_parsed(rule, parsed)

    def check_parsed(self, rule: Rule, parsed: _ParsedRule | str) -> None:
        if isinstance(parsed, str):  # a rule that does not parse: reported on every file
            self.rule_invalid(rule, parsed)
            return
        left, right, when, milestones, rows = parsed
        if self.milestone and any(self.milestone not in m for m in milestones):
            return  # e.g. a midterm submission has no 执法检查 columns
        for row in rows:
            self.apply_rule(rule, left, right, when, row)

    def rule_invalid(self, rule: Rule, detail: str) -> None:
        self.add(
            "rule.invalid",
            None,
            None,
            rule.id,
            rule=rule.id,
            message=msg("rule.invalid", rule=rule.id, detail=detail),
        )

    def apply_rule(
        self, rule: Rule, left: Expr, right: Expr, when: Condition | None, row: RowDef | None
    ) -> None:
        get = self.lookup(row)
        fmt: dict[str, str] = {}
        if when is not None:
            wl, wr = when.left.evaluate(get), when.right.evaluate(get)
            if wl is None or wr is None or not compare(wl, when.op, wr):
                return
            fmt.update(when_left=render(wl), when_right=render(wr))
        a, b = left.evaluate(get), right.evaluate(get)
        if a is None or b is None or compare(a, rule.op, b):
            return
        fmt.update(left=render(a), right=render(b))
        text = _format_template(rule.message, fmt)
        anchor = (left.names or right.names or (None,))[0]
        key = self.cell_key(row, anchor) if anchor else None
        if row is not None:
            message = msg("rule.violated", where=self.where(row.label, key), message=text)
        else:
            message = text
        self.add(
            "rule.violated",
            rule.severity,
            key,
            row.label if row else "",
            rule=rule.id,
            message=message,
        )


# --- what is worked out once per form (and per campaign's rules) ------------------------------
#
# Forms, rows, columns and rules are frozen: what depends on them alone is computed once and kept
# with the very objects it was computed from (compared by identity, so a campaign or a form made
# later, perhaps at the same address, never sees another's plan).


class _FormPlan:
    def __init__(self, form: Form) -> None:
        self.form = form
        self.columns = {c.id: c for c in form.columns}
        self.fields = {f.id: f for f in form.fields}
        self.row_ids = {r.id for r in form.rows}
        self.data_rows = [r for r in form.rows if not r.derived]
        self.soft = frozenset(
            f.denominator
            for f in (*form.columns, *form.fields)
            if f.derive == "ratio"
            and f.denominator
            and not (self.columns.get(f.denominator) or self.fields.get(f.denominator, f)).official
        )
        self.cells = tuple(
            (c, c.key, c.field, c.derived, c.field.id in self.soft) for c in form.cells
        )
        self.derived_cells = tuple(c for c in form.cells if c.derived)
        specs: list[tuple[RowDef | None, FieldDef]] = [
            (row, c) for row in form.rows for c in form.columns if c.derive == "ratio"
        ]
        specs += [(None, f) for f in form.fields if f.derive == "ratio"]
        self.ratio_specs = tuple(specs)
        self._required = {m: frozenset(c.key for c in form.required(m)) for m in form.milestones}

    def resolve(self, name: str) -> FieldDef | None:
        """The column or field a name in a rule reads ("row.col", a column, or a field)."""
        if "." in name:
            row, col = name.split(".", 1)
            return self.columns.get(col) if row in self.row_ids else None
        return self.columns.get(name) or self.fields.get(name)

    def required(self, milestone: str) -> frozenset[str]:
        got = self._required.get(milestone)
        return got if got is not None else frozenset(c.key for c in self.form.required(milestone))


@by_identity
def _form_plan(form: Form) -> _FormPlan:
    return _FormPlan(form)


# left, right, condition, the milestones of the fields it reads, the rows it is checked on
_ParsedRule = tuple[
    Expr, Expr, Condition | None, tuple[tuple[str, ...], ...], tuple[RowDef | None, ...]
]


def _parse_rule(rule: Rule, form: Form) -> _ParsedRule | str:
    """`rule` parsed and resolved against `form`, or why it cannot be checked."""
    try:
        left, right = parse(rule.left), parse(rule.right)
        when = parse_condition(rule.when) if rule.when else None
        compare(Decimal(0), rule.op, Decimal(0))
    except (ExprError, ValueError) as e:
        return str(e)
    names = tuple(dict.fromkeys((*left.names, *right.names, *(when.names if when else ()))))
    defs = [_form_plan(form).resolve(n) for n in names]
    unknown = [n for n, d in zip(names, defs, strict=True) if d is None]
    if unknown:
        return msg("rule.unknown_field", name=unknown[0], form=rule.form)
    rows: tuple[RowDef | None, ...] = (
        tuple(form.rows) if rule_applies_per_row(form, names) else (None,)
    )
    return left, right, when, tuple(d.milestones for d in defs if d), rows


@by_identity
def _rule_plan(rules: tuple[Rule, ...], form: Form) -> list[tuple[Rule, _ParsedRule | str]]:
    """The form's rules parsed and resolved once (rules and form are frozen)."""
    return [(rule, _parse_rule(rule, form)) for rule in rules if rule.form == form.id]


# ---------------------------------------------------------------------------------------------


def _is_number(v: object) -> TypeGuard[int | Decimal]:
    return isinstance(v, (int, Decimal)) and not isinstance(v, bool)


def _fraction_like(raw: object) -> bool:
    """A number between 0 and 1 in a rate cell: Excel's stored value of a %-formatted cell."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal)):
        return False
    try:
        return 0 < raw <= 1
    except Exception:  # a signalling NaN
        return False


def _rate_matches(typed: Decimal, exact: Decimal) -> bool:
    """A typed rate matches when it is the exact rate rounded to as many places as it shows."""
    exponent = typed.normalize().as_tuple().exponent
    places = min(max(-exponent, 0), 2) if isinstance(exponent, int) else 2
    q = Decimal(1).scaleb(-places)
    return typed.quantize(q, ROUND_HALF_UP) == exact.quantize(q, ROUND_HALF_UP)


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _format_template(template: str, values: dict[str, str]) -> str:
    try:
        return template.format_map(_Keep(values))
    except (ValueError, IndexError, AttributeError, KeyError, TypeError):
        return template
