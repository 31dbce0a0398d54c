"""Official working days: is a deadline on a weekend or public holiday, and the last working day."""

from __future__ import annotations

import datetime as dt

from reportkit.messages import HOLIDAY_NAMES, WEEKDAYS, msg
from reportkit.model.campaign import DayFacts


def day_facts(day: dt.date) -> DayFacts:
    """What the State Council's holiday arrangement says about `day` (调休 included)."""
    import chinese_calendar as cc

    try:
        if cc.is_workday(day):
            return DayFacts(day, True)
        _, name = cc.get_holiday_detail(day)
        last = cc.find_workday(-1, day)
    except NotImplementedError:
        first, last_year = _supported_years()
        return DayFacts(
            day, None, note=msg("day.no_data", year=day.year, first=first, last=last_year)
        )
    holiday = _holiday_name(name) if name else None
    key = "day.holiday" if holiday else "day.weekend"
    note = msg(
        key,
        date=day.isoformat(),
        weekday=WEEKDAYS[day.weekday()],
        holiday=holiday,
        last=last.isoformat(),
        last_weekday=WEEKDAYS[last.weekday()],
    )
    return DayFacts(day, False, holiday, last, note)


def _holiday_name(name: str) -> str:
    import chinese_calendar as cc

    for h in cc.Holiday:
        if h.value == name:
            return HOLIDAY_NAMES.get(h.name, name)
    return name


def _supported_years() -> tuple[int, int]:
    import chinese_calendar as cc

    years = sorted({d.year for d in cc.holidays})
    return years[0], years[-1]
