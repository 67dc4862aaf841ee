"""The seeded time limits and holidays, the most specific limit, and deadlines over the 2026 holidays."""

from __future__ import annotations

import importlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps

from crm.sla.clock import add_working, deadline, working_minutes_between
from crm.sla.models import CalendarDay, ServiceLimit
from crm.sla.selectors import limit_for, work_calendar

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_the_data_migration_seeds_the_standard_the_green_channel_and_the_holidays():
    standard = ServiceLimit.objects.filter(source="装维服务规范 第六条")

    assert standard.filter(work_type="fault_outage", resolution_minutes=300, response_minutes=30).exists()
    assert standard.filter(work_type="fault_report", resolution_minutes=1440).exists()
    assert standard.filter(work_type="onsite_arrival", resolution_minutes=120).exists()
    assert ServiceLimit.objects.filter(service_level__in=["diamond", "1A"]).exclude(priority=10).count() == 0
    assert set(ServiceLimit.objects.values_list("work_type", flat=True)) >= {
        "change", "transfer", "suspend", "resume", "terminate", "vas", "port_out", "port_in",
    }  # fmt: skip
    assert CalendarDay.objects.get(date=date(2026, 2, 14)).kind == CalendarDay.Kind.WORKDAY
    assert CalendarDay.objects.get(date=date(2025, 10, 8)).name == "国庆节、中秋节"
    assert CalendarDay.objects.filter(date__year=2026, kind=CalendarDay.Kind.HOLIDAY).count() == 33


def test_the_data_migration_reverses_to_exactly_nothing():
    migration = importlib.import_module("crm.sla.migrations.0002_default_limits_and_holidays")
    ServiceLimit.objects.create(work_type="install", area_kind="urban", variant="own_row", name="x",
                                resolution_minutes=60)  # fmt: skip

    importlib.import_module("crm.sla.migrations.0003_complaint_limits").unseed(apps, None)  # reversed in order
    migration.unseed(apps, None)

    assert list(ServiceLimit.objects.values_list("variant", flat=True)) == ["own_row"]
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "minutes"),
    [
        ({"work_type": "install", "area_kind": "urban"}, 2880),
        ({"work_type": "install", "area_kind": "county"}, 4320),
        ({"work_type": "move", "area_kind": "county", "service_level": "gold"}, 4320),
        ({"work_type": "install", "area_kind": "urban", "variant": "cable_short"}, 4 * 1440),
        ({"work_type": "install", "area_kind": "county", "variant": "cable_long"}, 5 * 1440),
        ({"work_type": "install", "area_kind": "urban", "service_level": "diamond"}, 1440),
        ({"work_type": "remove", "area_kind": "county", "service_level": "1A"}, 2880),
        ({"work_type": "port_in", "area_kind": "county"}, 4320),
        ({"work_type": "suspend", "area_kind": "urban"}, 1440),
        ({"work_type": "fault_fixed", "area_kind": "county"}, 48 * 60),
        ({"work_type": "fault_fixed", "area_kind": "urban", "service_level": "diamond"}, 12 * 60),
        ({"work_type": "fault_dia", "variant": "dia_gold"}, 120),
        ({"work_type": "fault_dia", "variant": "dia_silver", "area_kind": "urban"}, 180),
        ({"work_type": "fault_dia", "variant": "dia_ordinary"}, 300),
        ({"work_type": "fault_dia", "variant": "dia_gold", "service_level": "1A"}, 60),
        ({"work_type": "fault_ip_supermarket", "variant": "before_14"}, 8 * 60),
        ({"work_type": "fault_ip_supermarket", "variant": "after_14"}, 24 * 60),
    ],
)
def test_the_most_specific_limit_wins(kwargs, minutes):
    assert limit_for(**kwargs).resolution_minutes == minutes


def test_the_green_channel_beats_the_generic_row_and_answers_faster():
    generic = limit_for(work_type="fault_broadband", area_kind="urban")
    green = limit_for(work_type="fault_broadband", area_kind="urban", service_level="diamond")

    assert (generic.resolution_minutes, generic.response_minutes, generic.priority) == (480, 30, 0)
    assert (green.resolution_minutes, green.response_minutes, green.priority) == (240, 15, 10)


def test_an_inactive_row_gives_way_and_an_unknown_job_has_no_limit():
    ServiceLimit.objects.filter(work_type="install", area_kind="urban", service_level="diamond").update(is_active=False)

    assert limit_for(work_type="install", area_kind="urban", service_level="diamond").resolution_minutes == 2880
    assert limit_for(work_type="install") is None  # no area kind: the caller must know it
    assert limit_for(work_type="teleport", area_kind="urban") is None


def test_calendar_days_city_and_county_over_national_day():
    start = at(2026, 9, 30, 10, 0)
    city = limit_for(work_type="install", area_kind="urban")
    county = limit_for(work_type="install", area_kind="county")

    assert deadline(start, city.resolution_minutes, city.clock, None) == at(2026, 10, 2, 10, 0)
    assert deadline(start, county.resolution_minutes, county.clock, None) == at(2026, 10, 3, 10, 0)


def test_working_hours_skip_the_2026_spring_festival_but_not_its_saturday_make_up_day():
    cal = work_calendar()

    # Friday 2/13 16:00: 90 minutes on Friday, the rest on the make-up Saturday 2/14.
    assert add_working(at(2026, 2, 13, 16, 0), 120, cal) == at(2026, 2, 14, 9, 0)
    # Saturday 2/14 17:00: 30 minutes that day, then nothing until Tuesday 2/24 after the 2/15–2/23 holiday.
    assert add_working(at(2026, 2, 14, 17, 0), 60, cal) == at(2026, 2, 24, 9, 0)
    assert working_minutes_between(at(2026, 2, 14, 8, 30), at(2026, 2, 24, 17, 30), cal) == 2 * 540


def test_working_hours_skip_national_day_2026():
    cal = work_calendar()

    assert not cal.is_working_day(date(2026, 10, 1))
    assert cal.is_working_day(date(2026, 9, 20))  # Sunday, made up
    assert add_working(at(2026, 9, 30, 17, 0), 60, cal) == at(2026, 10, 8, 9, 0)


def test_the_calendar_cache_is_invalidated_when_a_day_is_added():
    assert work_calendar(2027, 2027).holidays == frozenset()

    CalendarDay.objects.create(date=date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")

    assert work_calendar(2027, 2027).holidays == frozenset({date(2027, 1, 1)})
