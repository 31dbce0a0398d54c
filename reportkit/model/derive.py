"""Derived values, computed one way everywhere: the sums of a table's total rows and the rates
(numerator / denominator in percent, 2 places, half up).

The validator, the template's cached formula results, the roll-up and the report all use
these functions; what differs between them is only what a missing part means, which the
caller says (`missing`):

- UNKNOWN: a total with a missing part is unknown, and so is a rate without its numerator
  (one unit's own table: a blank cell is not a zero);
- SKIP: the total of the parts that are there, None when none is (a roll-up or a report over
  the subordinates who reported);
- ZERO: a blank counts 0, as Excel's SUM and arithmetic do (the cached results of a
  template's formulas, which a reader shows before Excel recalculates).

A rate needs a positive denominator under every policy. Rates are never summed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, NamedTuple

from reportkit.model.campaign import Form, RowDef, item_count
from reportkit.model.memo import by_identity

RATE_PLACES = Decimal("0.01")  # rates are shown and stored with 2 places, half up

Missing = Literal["unknown", "skip", "zero"]
UNKNOWN: Missing = "unknown"
SKIP: Missing = "skip"
ZERO: Missing = "zero"

SUMMED = ("count", "money", "quantity")  # the field types a total row adds up


def number(value: object) -> Decimal | None:
    """A value as a number, or None when it is none (blank, text, a date, a flag)."""
    if value is None or isinstance(value, (bool, str, dt.date)):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return None


def total(parts: Iterable[object], kind: str | None, missing: Missing) -> int | Decimal | None:
    """The sum of `parts` as a value of `kind` (count → int, money → Decimal); with `kind`
    None, an int when every part is one. None for a kind that is not summed (a rate)."""
    if kind is not None and kind not in SUMMED:
        return None
    items = list(parts)
    nums = [n for n in map(number, items) if n is not None]
    if len(nums) < len(items) and missing == UNKNOWN:
        return None
    if not nums and missing != ZERO:
        return None
    out = sum(nums, Decimal(0))
    whole = kind == "count" or (
        kind is None and all(type(p) is int for p in items if p is not None)
    )
    return int(out) if whole else out


def rate(
    numerator: object,
    denominator: object,
    missing: Missing = UNKNOWN,
    places: Decimal | None = RATE_PLACES,
) -> Decimal | None:
    """numerator / denominator in percent, rounded to `places` (None: exact); None when the
    denominator is missing or not positive, or (unless ZERO) the numerator is missing."""
    den = number(denominator)
    if den is None or den <= 0:
        return None
    num = number(numerator)
    if num is None:
        if missing != ZERO:
            return None
        num = Decimal(0)
    exact = num * 100 / den
    return exact if places is None else exact.quantize(places, ROUND_HALF_UP)


class TotalCell(NamedTuple):
    """A total row's cell, for one input column: its key, its kind, the keys of its parts."""

    key: str
    kind: str
    parts: tuple[str, ...]


class RateCell(NamedTuple):
    """A rate cell (total rows included): its key and its numerator's and denominator's."""

    key: str
    numerator: str
    denominator: str


@dataclass(frozen=True)
class Derivation:
    """Which cells of a form are derived and from what, worked out once per form."""

    sums: tuple[TotalCell, ...]
    rates: tuple[RateCell, ...]


def summed_rows(form: Form, row: RowDef) -> list[RowDef]:
    """The rows a total row adds up: those it names (`of`), else every row that is neither a
    total nor a 其中 part of another row (counted in its whole already)."""
    if row.of:
        return [r for r in form.rows if r.id in row.of]
    return [r for r in form.rows if not r.derived and r.part_of is None]


@by_identity
def derivation(form: Form) -> Derivation:
    # totals in order: the total rows over the input columns, then the total columns (an
    # indicator table's 合计 indicator, `of` named columns) over every row, totals included
    sums_list = [
        TotalCell(
            f"{row.id}.{col.id}",
            col.type,
            tuple(f"{r.id}.{col.id}" for r in summed_rows(form, row)),
        )
        for row in form.rows
        if row.derive == "sum"
        for col in form.columns
        if not col.derived and col.type in SUMMED  # a total row's 备注 or 是/否 stays blank
    ]
    sums_list += [
        TotalCell(f"{row.id}.{col.id}", col.type, tuple(f"{row.id}.{p}" for p in col.of))
        for col in form.columns
        if col.derive == "sum"
        for row in form.rows
    ]
    sums = tuple(sums_list)
    rates = [
        RateCell(f"{row.id}.{col.id}", f"{row.id}.{col.numerator}", f"{row.id}.{col.denominator}")
        for row in form.rows
        for col in form.columns
        if col.derive == "ratio"
    ]
    rates += [
        RateCell(f.id, f.numerator or "", f.denominator or "")
        for f in form.fields
        if f.derive == "ratio"
    ]
    return Derivation(sums, tuple(rates))


def sums(
    form: Form, values: Mapping[str, object], missing: Missing
) -> dict[str, int | Decimal | None]:
    """The total rows' (and total columns') cells of `form` from the other cells' `values`."""
    out: dict[str, int | Decimal | None] = {}
    for key, kind, parts in derivation(form).sums:
        out[key] = total([out[p] if p in out else values.get(p) for p in parts], kind, missing)
    return out


def rates(
    form: Form,
    values: Mapping[str, object],
    missing: Missing,
    exact: dict[str, Decimal | None] | None = None,
) -> dict[str, int | Decimal | None]:
    """Every rate cell of `form` from `values` (total rows' cells included); the unrounded
    rates are put in `exact` when given (to tell whether a typed rate is the right one)."""
    out: dict[str, int | Decimal | None] = {}
    for key, num, den in derivation(form).rates:
        value = rate(values.get(num), values.get(den), missing, places=None)
        if exact is not None:
            exact[key] = value
        out[key] = None if value is None else value.quantize(RATE_PLACES, ROUND_HALF_UP)
    return out


def derived_values(
    form: Form, values: Mapping[str, object], missing: Missing
) -> dict[str, int | Decimal | None]:
    """Every derived cell of `form`: the total rows' sums, then the rates (over the sums)."""
    out = sums(form, values, missing)
    out.update(rates(form, {**values, **out}, missing))
    return out


COUNT = "count"  # a list's totals: how many items …
TOTAL = "total."  # … and the sum of each numeric column ("total.<column>")


def list_totals(form: Form, values: Mapping[str, object]) -> dict[str, int | Decimal | None]:
    """A list form's items counted and each numeric column summed over the items that have a
    value in it (None when none has): one unit's list, or a roll-up's."""
    n = item_count(values)
    out: dict[str, int | Decimal | None] = {COUNT: n}
    for c in form.columns:
        if c.type in SUMMED:
            out[TOTAL + c.id] = total(
                [values.get(f"{i}.{c.id}") for i in range(1, n + 1)], c.type, SKIP
            )
    return out
