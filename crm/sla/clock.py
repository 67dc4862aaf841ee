"""Deadline arithmetic on the two SLA clocks: calendar time (自然时) and working hours (工作时). Pure Python, no ORM.

Every datetime is timezone-aware; working hours are reckoned in the calendar's local time zone (Asia/Shanghai)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.utils import timezone

CALENDAR = "calendar"
WORKING = "working"

# A calendar with no working day at all would loop forever; ten years of search is plenty for any real deadline.
_MAX_DAYS = 3660


def _current_timezone() -> tzinfo:
    return timezone.get_current_timezone()


@dataclass(frozen=True)
class WorkCalendar:
    """Working days and hours: Monday–Friday unless a holiday (放假), plus make-up working days (调休上班)."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    day_start: time = time(8, 30)
    day_end: time = time(17, 30)
    tz: tzinfo = field(default_factory=_current_timezone)

    def __post_init__(self) -> None:
        if self.day_start >= self.day_end:
            raise ValueError("day_start must be before day_end")

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def opening(self, d: date) -> datetime:
        return datetime.combine(d, self.day_start, tzinfo=self.tz)

    def closing(self, d: date) -> datetime:
        return datetime.combine(d, self.day_end, tzinfo=self.tz)


def _require_aware(*values: datetime) -> None:
    for value in values:
        if timezone.is_naive(value):
            raise ValueError(f"naive datetime {value!r}: SLA arithmetic needs timezone-aware datetimes")


def add_calendar(start: datetime, minutes: float) -> datetime:
    """Elapsed time: holidays and nights count."""
    _require_aware(start)
    # Through UTC so the result is real elapsed time even in a zone with daylight saving.
    return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)


def _next_opening(moment: datetime, cal: WorkCalendar) -> datetime:
    """``moment`` itself when inside working hours, else the next time a working day opens."""
    day = moment.date()
    for _ in range(_MAX_DAYS):
        if cal.is_working_day(day):
            if moment < cal.opening(day):
                return cal.opening(day)
            if moment < cal.closing(day):
                return moment
        day += timedelta(days=1)
        moment = cal.opening(day)
    raise ValueError("no working day in the calendar")


def _previous_closing(moment: datetime, cal: WorkCalendar) -> datetime:
    """``moment`` itself when inside working hours, else the last time a working day closed."""
    day = moment.date()
    for _ in range(_MAX_DAYS):
        if cal.is_working_day(day):
            if moment > cal.closing(day):
                return cal.closing(day)
            if moment > cal.opening(day):
                return moment
        day -= timedelta(days=1)
        moment = cal.closing(day)
    raise ValueError("no working day in the calendar")


def add_working_time(start: datetime, delta: timedelta, cal: WorkCalendar) -> datetime:
    """``start`` plus ``delta`` of working time; a start outside working hours rolls to the next opening."""
    _require_aware(start)
    if delta < timedelta(0):
        return subtract_working_time(start, -delta, cal)
    cursor = _next_opening(start.astimezone(cal.tz), cal)
    remaining = delta
    for _ in range(_MAX_DAYS):
        available = cal.closing(cursor.date()) - cursor
        if remaining <= available:
            return cursor + remaining
        remaining -= available
        cursor = _next_opening(cal.closing(cursor.date()) + timedelta(microseconds=1), cal)
    raise ValueError("deadline too far away")


def subtract_working_time(end: datetime, delta: timedelta, cal: WorkCalendar) -> datetime:
    """The moment ``delta`` of working time before ``end`` (the warning point before a working-hours deadline)."""
    _require_aware(end)
    if delta < timedelta(0):
        return add_working_time(end, -delta, cal)
    cursor = _previous_closing(end.astimezone(cal.tz), cal)
    remaining = delta
    for _ in range(_MAX_DAYS):
        available = cursor - cal.opening(cursor.date())
        if remaining <= available:
            return cursor - remaining
        remaining -= available
        cursor = _previous_closing(cal.opening(cursor.date()) - timedelta(microseconds=1), cal)
    raise ValueError("deadline too far away")


def add_working(start: datetime, minutes: float, cal: WorkCalendar) -> datetime:
    """``start`` plus ``minutes`` counted only inside working hours on working days."""
    return add_working_time(start, timedelta(minutes=minutes), cal)


def working_time_between(a: datetime, b: datetime, cal: WorkCalendar) -> timedelta:
    """Working time in [a, b); zero when b is not after a."""
    _require_aware(a, b)
    a, b = a.astimezone(cal.tz), b.astimezone(cal.tz)
    total = timedelta(0)
    day = a.date()
    while day <= b.date():
        if cal.is_working_day(day):
            low, high = max(a, cal.opening(day)), min(b, cal.closing(day))
            if high > low:
                total += high - low
        day += timedelta(days=1)
    return total


def working_minutes_between(a: datetime, b: datetime, cal: WorkCalendar) -> float:
    """Working minutes in [a, b); zero when b is not after a."""
    return working_time_between(a, b, cal).total_seconds() / 60


def _need(cal: WorkCalendar | None) -> WorkCalendar:
    if cal is None:
        raise ValueError("the working clock needs a WorkCalendar")
    return cal


def deadline(start: datetime, limit_minutes: float, clock: str, cal: WorkCalendar | None) -> datetime:
    """When a limit of ``limit_minutes`` on ``clock`` ("calendar" or "working") started at ``start`` runs out."""
    if clock == CALENDAR:
        return add_calendar(start, limit_minutes)
    if clock == WORKING:
        return add_working(start, limit_minutes, _need(cal))
    raise ValueError(f"unknown clock {clock!r}")


def minutes_used(start: datetime, now: datetime, clock: str, cal: WorkCalendar | None) -> float:
    """Minutes of the limit used between ``start`` and ``now`` on ``clock`` (pauses are the caller's business)."""
    _require_aware(start, now)
    if clock == CALENDAR:
        return max((now - start).total_seconds() / 60, 0.0)
    if clock == WORKING:
        return working_minutes_between(start, now, _need(cal))
    raise ValueError(f"unknown clock {clock!r}")
