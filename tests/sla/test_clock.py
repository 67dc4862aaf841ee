"""Deadline arithmetic on both clocks, without the database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm.sla.clock import (
    WorkCalendar,
    add_calendar,
    add_working,
    deadline,
    minutes_used,
    subtract_working_time,
    working_minutes_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLAIN = WorkCalendar(tz=SHANGHAI)  # no holidays: an ordinary week


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_weekdays_work_weekends_rest_unless_made_up():
    cal = WorkCalendar(holidays=frozenset({date(2026, 10, 1)}), workdays=frozenset({date(2026, 10, 10)}), tz=SHANGHAI)

    assert cal.is_working_day(date(2026, 9, 30))  # Wednesday
    assert not cal.is_working_day(date(2026, 10, 1))  # Thursday, a holiday
    assert not cal.is_working_day(date(2026, 10, 4))  # Sunday
    assert cal.is_working_day(date(2026, 10, 10))  # Saturday, a make-up working day


def test_friday_afternoon_plus_two_working_hours_lands_on_monday_morning():
    # Friday 16:00–17:30 gives 90 minutes, the other 30 come after Monday's 08:30 opening.
    assert add_working(at(2025, 11, 21, 16, 0), 120, PLAIN) == at(2025, 11, 24, 9, 0)
    assert add_working(at(2025, 11, 21, 16, 30), 120, PLAIN) == at(2025, 11, 24, 9, 30)


def test_a_start_outside_working_hours_rolls_to_the_next_opening():
    assert add_working(at(2025, 11, 24, 7, 0), 30, PLAIN) == at(2025, 11, 24, 9, 0)
    assert add_working(at(2025, 11, 24, 20, 0), 30, PLAIN) == at(2025, 11, 25, 9, 0)
    assert add_working(at(2025, 11, 22, 10, 0), 30, PLAIN) == at(2025, 11, 24, 9, 0)  # Saturday


def test_a_limit_that_fills_the_day_ends_at_closing_time():
    assert add_working(at(2025, 11, 21, 16, 0), 90, PLAIN) == at(2025, 11, 21, 17, 30)


def test_working_minutes_between_counts_only_open_hours():
    assert working_minutes_between(at(2025, 11, 21, 16, 0), at(2025, 11, 24, 9, 0), PLAIN) == 120
    assert working_minutes_between(at(2025, 11, 24, 9, 0), at(2025, 11, 21, 16, 0), PLAIN) == 0


def test_subtracting_working_time_undoes_adding_it():
    start = at(2025, 11, 21, 16, 0)

    assert subtract_working_time(add_working(start, 600, PLAIN), timedelta(minutes=600), PLAIN) == start


def test_calendar_time_counts_nights_and_holidays():
    start = at(2026, 9, 30, 10, 0)

    assert add_calendar(start, 2880) == at(2026, 10, 2, 10, 0)
    assert deadline(start, 2880, "calendar", None) == at(2026, 10, 2, 10, 0)
    assert minutes_used(start, at(2026, 10, 1, 10, 0), "calendar", None) == 1440


def test_the_working_clock_needs_a_calendar_and_aware_datetimes():
    with pytest.raises(ValueError, match="WorkCalendar"):
        deadline(at(2026, 9, 30, 10, 0), 60, "working", None)
    with pytest.raises(ValueError, match="naive"):
        add_working(datetime(2026, 9, 30, 10, 0), 60, PLAIN)


def test_a_result_is_in_the_calendars_zone_whatever_zone_the_start_was_in():
    start_utc = at(2025, 11, 21, 16, 0).astimezone(ZoneInfo("UTC"))

    assert add_working(start_utc, 120, PLAIN) == at(2025, 11, 24, 9, 0)
