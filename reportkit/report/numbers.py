"""How figures are written in a report: whole numbers as they are, money and rates without
trailing zeros, rates recomputed from numerators and denominators (never averaged)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from reportkit.model import derive


def fmt(value: Any) -> str:
    """A value as it appears in the text and tables ("" when there is none)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def rate(numerator: Any, denominator: Any) -> Decimal | None:
    """numerator / denominator in percent, 2 places, half up; None when undefined."""
    return derive.rate(numerator, denominator, derive.SKIP)


def total(*values: Any) -> Any:
    """The sum of the values that are there (None when none is)."""
    return derive.total(values, None, derive.SKIP)


def chinese_date(day: dt.date) -> str:
    """成文日期 as GB/T 9704-2012 writes it: Arabic numerals, no leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"
