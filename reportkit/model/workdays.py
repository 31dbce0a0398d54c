"""Official working days: is a deadline on a weekend or public holiday, and the last working day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from reportkit.messages import HOLIDAY_NAMES, WEEKDAYS, msg
from reportkit.model.campaign import DayFacts, YearHolidays


def day_facts(day: dt.date, holidays: Mapping[int, YearHolidays] | None = None) -> DayFacts:
    """What the State Council's holiday arrangement says about `day` (调休 included): the
    campaign file's arrangement for its year when it gives one (a year chinesecalendar does
    not know yet), else chinesecalendar's; workday None when neither knows the year."""
    import chinese_calendar as cc

    if holidays and day.year in holidays:
        return _given(day, holidays)
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
    return _off_day(day, _holiday_name(name) if name else None, last)


def _off_day(day: dt.date, holiday: str | None, last: dt.date) -> DayFacts:
    """`day` is not a working day (a holiday's, or a weekend); `last` the working day before."""
    note = msg(
        "day.holiday" if holiday else "day.weekend",
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


def _given(day: dt.date, holidays: Mapping[int, YearHolidays]) -> DayFacts:
    """`day` by the arrangement a campaign file gives for its year."""

    def workday(d: dt.date) -> bool | None:
        known = holidays.get(d.year)
        if known is not None:
            return d in known.work or (d.weekday() < 5 and d not in known.off)
        import chinese_calendar as cc

        try:
            return bool(cc.is_workday(d))
        except NotImplementedError:
            return None

    if workday(day):
        return DayFacts(day, True)
    last = day - dt.timedelta(days=1)
    while workday(last) is False:
        last -= dt.timedelta(days=1)
    return _off_day(day, holidays[day.year].off.get(day), last)
