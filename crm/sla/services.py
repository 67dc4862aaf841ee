"""Writes of the SLA engine: start, pause, resume, respond to and stop a job's clock; the warning/breach sweep.

The clock functions only set the SlaTracked fields of ``obj``: the caller saves it (one save in its own service,
with ``update_fields=[*SLA_FIELDS, ...]``). Only the breach records are written here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from .clock import CALENDAR, WorkCalendar, add_working_time, deadline, working_time_between
from .models import ServiceLimit, SlaBreach
from .selectors import warn_at, work_calendar

SLA_FIELDS = (
    "sla_limit",
    "sla_started_at",
    "response_due_at",
    "responded_at",
    "due_at",
    "paused_at",
    "paused_minutes",
    "warned_at",
    "breached_at",
    "sla_stopped_at",
)


def _calendar_for(limit: ServiceLimit, cal: WorkCalendar | None) -> WorkCalendar | None:
    # The calendar clock never looks at holidays, so it needs no query.
    return None if limit.clock == CALENDAR else cal or work_calendar()


def sla_start(*, obj: Any, limit: ServiceLimit, started_at: datetime, cal: WorkCalendar | None = None) -> None:
    """Start (or restart) a job's clock on ``limit``: deadlines computed, pause/warning/breach state cleared."""
    calendar = _calendar_for(limit, cal)
    obj.sla_limit = limit
    obj.sla_started_at = started_at
    obj.due_at = deadline(started_at, limit.resolution_minutes, limit.clock, calendar)
    obj.response_due_at = (
        deadline(started_at, limit.response_minutes, limit.clock, calendar) if limit.response_minutes else None
    )
    obj.responded_at = obj.paused_at = obj.warned_at = obj.breached_at = obj.sla_stopped_at = None
    obj.paused_minutes = 0


def _running(obj: Any) -> bool:
    return obj.sla_started_at is not None and obj.sla_stopped_at is None


def sla_pause(*, obj: Any, when: datetime) -> None:
    """Pause the clock (waiting for the customer, an appointment); pausing a paused or stopped clock does nothing."""
    if _running(obj) and obj.paused_at is None:
        obj.paused_at = when


def _pushed(due: datetime | None, *, paused_at: datetime, when: datetime, limit: ServiceLimit, cal: Any) -> Any:
    # A deadline that had already passed when the clock was paused stays where it is: the breach stands.
    if due is None or due <= paused_at:
        return due
    if limit.clock == CALENDAR:
        return due + (when - paused_at)
    return add_working_time(when, working_time_between(paused_at, due, cal), cal)


def sla_resume(*, obj: Any, when: datetime, cal: WorkCalendar | None = None) -> None:
    """Resume a paused clock: the deadlines move by the time paused (on the limit's clock)."""
    if obj.paused_at is None:
        return
    paused_at, limit = obj.paused_at, obj.sla_limit
    when = max(when, paused_at)
    calendar = _calendar_for(limit, cal)
    obj.due_at = _pushed(obj.due_at, paused_at=paused_at, when=when, limit=limit, cal=calendar)
    if obj.responded_at is None:
        obj.response_due_at = _pushed(obj.response_due_at, paused_at=paused_at, when=when, limit=limit, cal=calendar)
    obj.paused_minutes += round((when - paused_at) / timedelta(minutes=1))
    obj.paused_at = None


@transaction.atomic
def sla_respond(*, obj: Any, when: datetime) -> None:
    """Record the first response (接单/响应); a late one records a response breach unless the sweep already did."""
    if obj.responded_at is not None:
        return
    obj.responded_at = when
    if obj.response_due_at is not None and when > obj.response_due_at:
        _record_breach(obj, kind=SlaBreach.Kind.RESPONSE, when=when, due=obj.response_due_at)


@transaction.atomic
def sla_stop(*, obj: Any, when: datetime, region: Any = None, cal: WorkCalendar | None = None) -> None:
    """Stop the clock (the job is done); a late finish records a resolution breach unless the sweep already did."""
    if not _running(obj):
        return
    if obj.paused_at is not None:
        sla_resume(obj=obj, when=when, cal=cal)
    obj.sla_stopped_at = when
    if obj.due_at is None:
        return
    region_id = region.pk if region is not None else getattr(obj, "region_id", None)
    if when > obj.due_at:
        obj.breached_at = obj.breached_at or when
        _record_breach(obj, kind=SlaBreach.Kind.RESOLUTION, when=when, due=obj.due_at, region_id=region_id)
    if obj.pk is not None:
        # How late a breach ended up being is finished_at − due_at.
        SlaBreach.objects.filter(**_breach_key(obj), finished_at__isnull=True).update(finished_at=when)


def _breach_key(obj: Any) -> dict[str, Any]:
    if obj.pk is None:
        raise ValueError("save the job before its SLA breaches can be recorded")
    return {"content_type": ContentType.objects.get_for_model(obj), "object_id": obj.pk}


def _record_breach(
    obj: Any, *, kind: str, when: datetime, due: datetime, region_id: int | None = None
) -> tuple[SlaBreach, bool]:
    if region_id is None:
        region_id = getattr(obj, "region_id", None)
    # get_or_create on the unique (content type, object, kind) key: concurrent sweeps record a breach once.
    return SlaBreach.objects.get_or_create(
        **_breach_key(obj),
        kind=kind,
        defaults={
            "limit": obj.sla_limit,
            "work_type": obj.sla_limit.work_type,
            "region_id": region_id,
            "due_at": due,
            "breached_at": when,
        },
    )


def sla_sweep(
    *,
    queryset: QuerySet,
    now: datetime,
    on_warn: Callable[[Any], None],
    on_breach: Callable[[Any, SlaBreach], None],
) -> tuple[list[int], list[int]]:
    """Warn and record breaches for the running jobs of ``queryset`` (any SlaTracked model); safe to run concurrently.

    Returns (warned ids, ids with a new breach). Each job is handled in its own transaction together with its
    callback, so a failing callback leaves that job for the next sweep and does not undo the others."""
    running = queryset.filter(
        sla_started_at__isnull=False, sla_stopped_at__isnull=True, paused_at__isnull=True, sla_limit__isnull=False
    ).select_related("sla_limit")
    warned = _sweep_warnings(running, now, on_warn)
    breached = _sweep_breaches(running, now, on_breach)
    breached += [pk for pk in _sweep_response_breaches(running, now, on_breach) if pk not in breached]
    return warned, breached


def _sweep_warnings(running: QuerySet, now: datetime, on_warn: Callable[[Any], None]) -> list[int]:
    warned: list[int] = []
    cal = work_calendar()
    # The warning point depends on the limit's clock and calendar, so it is computed here rather than in SQL;
    # only jobs not yet warned and not yet overdue are candidates (an overdue one gets a breach instead).
    for obj in running.filter(warned_at__isnull=True, breached_at__isnull=True, due_at__gt=now).iterator(
        chunk_size=500
    ):
        point = warn_at(obj, cal)
        if point is None or point > now:
            continue
        with transaction.atomic():
            if running.filter(pk=obj.pk, warned_at__isnull=True).update(warned_at=now) != 1:
                continue  # another sweep got there first
            obj.warned_at = now
            on_warn(obj)
        warned.append(obj.pk)
    return warned


def _sweep_breaches(running: QuerySet, now: datetime, on_breach: Callable[[Any, SlaBreach], None]) -> list[int]:
    breached: list[int] = []
    for obj in running.filter(breached_at__isnull=True, due_at__lt=now).iterator(chunk_size=500):
        with transaction.atomic():
            if running.filter(pk=obj.pk, breached_at__isnull=True).update(breached_at=now) != 1:
                continue
            obj.breached_at = now
            breach, _ = _record_breach(obj, kind=SlaBreach.Kind.RESOLUTION, when=now, due=obj.due_at)
            on_breach(obj, breach)
        breached.append(obj.pk)
    return breached


def _sweep_response_breaches(
    running: QuerySet, now: datetime, on_breach: Callable[[Any, SlaBreach], None]
) -> list[int]:
    # No response_breached_at field: the SlaBreach row itself is the "already recorded" flag.
    recorded = SlaBreach.objects.filter(
        content_type=ContentType.objects.get_for_model(running.model),
        object_id=OuterRef("pk"),
        kind=SlaBreach.Kind.RESPONSE,
    )
    overdue = running.filter(responded_at__isnull=True, response_due_at__lt=now).exclude(Exists(recorded))
    breached: list[int] = []
    for obj in overdue.iterator(chunk_size=500):
        with transaction.atomic():
            breach, created = _record_breach(obj, kind=SlaBreach.Kind.RESPONSE, when=now, due=obj.response_due_at)
            if not created:
                continue
            on_breach(obj, breach)
        breached.append(obj.pk)
    return breached
