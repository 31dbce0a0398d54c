"""Deadlines on weekends and public holidays."""

import datetime as dt

from reportkit.model.workdays import day_facts


def test_qingming_2024_is_a_holiday():
    f = day_facts(dt.date(2024, 4, 5))
    assert (f.workday, f.holiday, f.last_workday) == (False, "清明节", dt.date(2024, 4, 3))
    assert "清明节" in f.note and "2024-04-03" in f.note


def test_sunday_deadlines():
    for day, last in (
        (dt.date(2024, 6, 30), dt.date(2024, 6, 28)),
        (dt.date(2024, 11, 10), dt.date(2024, 11, 8)),
    ):
        f = day_facts(day)
        assert f.workday is False and f.holiday is None and f.last_workday == last
        assert "周末" in f.note


def test_working_weekend_counts_as_workday():
    # 2024-04-07 was a Sunday worked in lieu of the Qingming holiday (调休)
    assert day_facts(dt.date(2024, 4, 7)).workday is True


def test_year_without_data_gives_a_note_not_a_crash():
    f = day_facts(dt.date(2099, 6, 30))
    assert f.workday is None and "2099" in f.note
