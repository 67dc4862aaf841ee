"""Reads of the SLA engine: the working calendar, the limit that applies to a job, a job's SLA state and the KPIs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Case, Count, F, IntegerField, Max, Q, QuerySet, Value, When
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .clock import CALENDAR, WorkCalendar, add_calendar, subtract_working_time
from .models import CalendarDay, ServiceLimit

SlaState = Literal["ok", "warning", "breached", "paused", "met", "late", "none"]

CALENDAR_CACHE_SECONDS = 300
_calendar_cache: dict[tuple[int | None, int | None], tuple[float, WorkCalendar]] = {}


def work_calendar(year_from: int | None = None, year_to: int | None = None) -> WorkCalendar:
    """The working calendar from the CalendarDay rows (all years, or ``year_from``–``year_to``), cached 5 minutes."""
    key = (year_from, year_to)
    cached = _calendar_cache.get(key)
    if cached and time.monotonic() - cached[0] < CALENDAR_CACHE_SECONDS:
        return cached[1]
    days = CalendarDay.objects.all()
    if year_from is not None:
        days = days.filter(date__gte=date(year_from, 1, 1))
    if year_to is not None:
        days = days.filter(date__lte=date(year_to, 12, 31))
    holidays: set[date] = set()
    workdays: set[date] = set()
    for day, kind in days.values_list("date", "kind"):
        (workdays if kind == CalendarDay.Kind.WORKDAY else holidays).add(day)
    # Working hours are the operator's (settings.TIME_ZONE), not whatever zone a request activated.
    cal = WorkCalendar(frozenset(holidays), frozenset(workdays), tz=timezone.get_default_timezone())
    _calendar_cache[key] = (time.monotonic(), cal)
    return cal


def work_calendar_cache_clear() -> None:
    _calendar_cache.clear()


# Signals only clear this process's cache; other processes pick up an admin's edit within CALENDAR_CACHE_SECONDS.
@receiver(post_save, sender=CalendarDay, dispatch_uid="sla_calendar_saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="sla_calendar_deleted")
def _calendar_changed(**kwargs: Any) -> None:
    work_calendar_cache_clear()


def limit_for(
    *, work_type: str, area_kind: str = "", service_level: str = "", variant: str = ""
) -> ServiceLimit | None:
    """The active limit for a job: blank columns match anything, the most specific row wins (variant > level > area)."""
    candidates = ServiceLimit.objects.filter(
        is_active=True,
        work_type=work_type,
        area_kind__in={"", area_kind},
        service_level__in={"", service_level},
        variant__in={"", variant},
    ).annotate(
        specificity=_exact(variant=variant, weight=4)
        + _exact(service_level=service_level, weight=2)
        + _exact(area_kind=area_kind, weight=1)
    )
    return candidates.order_by("-specificity").first()


def _exact(*, weight: int, **lookup: str) -> Case:
    ((field, value),) = lookup.items()
    if not value:  # a blank argument only ever matches blank rows: no bonus to give
        return Value(0, output_field=IntegerField())
    return Case(When(Q(**{field: value}), then=Value(weight)), default=Value(0), output_field=IntegerField())


def warn_at(obj: Any, cal: WorkCalendar | None = None) -> datetime | None:
    """When a running job should warn: the remaining (1 − warn_fraction) of its limit before ``due_at``."""
    limit = obj.sla_limit
    if limit is None or obj.due_at is None:
        return None
    margin = (1 - Decimal(limit.warn_fraction)) * limit.resolution_minutes
    if limit.clock == CALENDAR:
        return add_calendar(obj.due_at, -float(margin))
    return subtract_working_time(obj.due_at, timedelta(minutes=float(margin)), cal or work_calendar())


def time_left(obj: Any, now: datetime) -> timedelta | None:
    """Wall-clock time until ``due_at`` (negative when overdue), frozen while paused and once stopped."""
    if obj.sla_started_at is None or obj.due_at is None:
        return None
    reference = obj.sla_stopped_at or obj.paused_at or now
    return obj.due_at - reference


def sla_state(obj: Any, now: datetime, cal: WorkCalendar | None = None) -> SlaState:
    """ok / warning / breached / paused for a running job, met / late once stopped, none without a clock."""
    if obj.sla_started_at is None or obj.due_at is None:
        return "none"
    if obj.sla_stopped_at is not None:
        return "late" if obj.sla_stopped_at > obj.due_at else "met"
    if obj.paused_at is not None:
        return "paused"
    if obj.breached_at is not None or now > obj.due_at:
        return "breached"
    if obj.warned_at is not None:
        return "warning"
    warning_point = warn_at(obj, cal)
    if warning_point is not None and now >= warning_point:
        return "warning"
    return "ok"


@dataclass(frozen=True)
class KpiRow:
    """Timeliness of one work type over a period (及时率)."""

    work_type: str
    finished: int
    on_time: int
    late: int
    on_time_percent: Decimal | None
    target_percent: Decimal | None

    @property
    def meets_target(self) -> bool | None:
        if self.on_time_percent is None or self.target_percent is None:
            return None
        return self.on_time_percent >= self.target_percent


def breach_kpis(*, queryset: QuerySet, since: datetime, until: datetime, region: Any = None) -> list[KpiRow]:
    """On-time rates per work type of the SlaTracked jobs in ``queryset`` whose clock stopped in [since, until).

    Generic over any SlaTracked model (work orders, trouble tickets): the caller passes the queryset, already
    narrowed to what the user may see; ``region`` filters on the model's own ``region`` field. "On time" means
    stopped no later than ``due_at``, so a job is counted the same whether or not the sweep caught its breach."""
    finished = queryset.filter(
        sla_stopped_at__gte=since, sla_stopped_at__lt=until, sla_limit__isnull=False, due_at__isnull=False
    )
    if region is not None:
        finished = finished.filter(region=region)
    rows = (
        finished.values("sla_limit__work_type")
        .annotate(
            finished=Count("pk"),
            on_time=Count("pk", filter=Q(sla_stopped_at__lte=F("due_at"))),
            target=Max("sla_limit__target_percent"),  # the strictest target among the rows used
        )
        .order_by("sla_limit__work_type")
    )
    return [_kpi_row(row) for row in rows]


def _kpi_row(row: dict[str, Any]) -> KpiRow:
    finished, on_time = row["finished"], row["on_time"]
    percent = (Decimal(on_time) * 100 / finished).quantize(Decimal("0.01")) if finished else None
    return KpiRow(row["sla_limit__work_type"], finished, on_time, finished - on_time, percent, row["target"])
