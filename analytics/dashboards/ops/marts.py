"""Refreshers of the operations aggregate tables (运营监控): work orders per day, trouble tickets per day, and the
backlog's ageing. ORM aggregates, one query per day and table (work orders and tickets are thousands a day, not the
millions of usage records), so the same code runs on PostgreSQL and on the SQLite of ``make run``.

Days are the operator's local days (settings.TIME_ZONE). A job is late ("breached") on the day its deadline fell when
its clock stopped after the deadline, or has not stopped and the deadline has passed: the same "on time = stopped no
later than due" as ``crm.sla.selectors.breach_kpis``, so a breach counts whether or not the sweep recorded it."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics.models import BacklogAgeing, TicketDaily, WorkOrderDaily
from callcenter.models import TroubleTicket
from crm.accounts.models import OrgUnit
from orders.models import WorkOrder

from ..marts import MartSpec, register_mart
from ..satisfaction import PRODUCT_LINES  # one grouping of specification kinds into product lines

WORK_ORDERS_DAILY = "work_orders_daily"
TICKETS_DAILY = "tickets_daily"
BACKLOG_AGEING = "backlog_ageing"

# Age buckets of open work orders: (label, lower bound in days); the first whose bound the age reaches.
AGE_BUCKETS = (("<1d", 0), ("1-3d", 1), ("3-7d", 3), (">7d", 7))
REPEAT_DAYS = 30  # a ticket is a repeat when the same customer opened another in the 30 days before
REGULATOR_TYPES = ("regulator_complaint",)


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The start of a local day and of the next one."""
    tz = timezone.get_default_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)


def days(since: datetime.date, until: datetime.date) -> Iterator[datetime.date]:
    day = since
    while day <= until:
        yield day
        day += datetime.timedelta(days=1)


def late_q(*, start: datetime.datetime, end: datetime.datetime, now: datetime.datetime) -> Q:
    """Jobs whose deadline fell in [start, end) and who missed it: stopped after it, or still running past it.

    A clock paused before its deadline is not late while paused (the deadline moves on resume); one paused after its
    deadline stays late ("the breach stands", crm.sla.services)."""
    running_late = Q(sla_stopped_at__isnull=True) & (Q(paused_at__isnull=True) | Q(paused_at__gte=F("due_at")))
    return Q(due_at__gte=start, due_at__lt=min(end, now)) & (Q(sla_stopped_at__gt=F("due_at")) | running_late)


def late_work_orders(queryset: QuerySet, *, start: datetime.datetime, end: datetime.datetime) -> QuerySet:
    """The work orders of ``queryset`` that missed a deadline falling in [start, end): the drill-down's leaf."""
    return queryset.filter(late_q(start=start, end=end, now=timezone.now()))


def _ended() -> Case:
    # When a work order stopped being open: completion, or cancellation (the clock stops then; else its creation).
    return Case(
        When(state=WorkOrder.State.COMPLETED, then=F("completed_at")),
        When(state=WorkOrder.State.CANCELLED, then=Coalesce(F("sla_stopped_at"), F("created_at"))),
        default=None,
        output_field=DateTimeField(),
    )


def _open_at(moment: datetime.datetime) -> Q:
    return Q(created_at__lt=moment) & (Q(ended__isnull=True) | Q(ended__gte=moment))


# --- work_orders_daily --------------------------------------------------------------------------------------------


def _handling_minutes(elapsed: datetime.timedelta | None, paused: int | None) -> int:
    # Handling time is the customer's wait less the time the clock stood still waiting for them.
    return max(0, int((elapsed or datetime.timedelta()).total_seconds() // 60) - (paused or 0))


def _work_order_rows(day: datetime.date, now: datetime.datetime) -> list[WorkOrderDaily]:
    start, end = day_bounds(day)
    created = Q(created_at__gte=start, created_at__lt=end)
    completed = Q(state=WorkOrder.State.COMPLETED, completed_at__gte=start, completed_at__lt=end)
    # Jobs without a time limit have nothing to be late against: on time.
    on_time = completed & (Q(due_at__isnull=True) | Q(stopped__lte=F("due_at")))
    breached = late_q(start=start, end=end, now=now)
    still_open = _open_at(min(end, now))
    rows = (
        WorkOrder.objects.annotate(
            ended=_ended(),
            stopped=Coalesce(F("sla_stopped_at"), F("completed_at")),
            contractor=Case(
                When(team__kind=OrgUnit.Kind.MAINTENANCE_CONTRACTOR, then=F("team_id")),
                default=None,
                output_field=IntegerField(),
            ),
        )
        .filter(created | completed | breached | still_open)
        .values("region_id", "grid_id", "team_id", "contractor", "work_type")
        .annotate(
            n_created=Count("pk", filter=created),
            n_completed=Count("pk", filter=completed),
            n_on_time=Count("pk", filter=on_time),
            n_breached=Count("pk", filter=breached),
            n_open=Count("pk", filter=still_open),
            handling=Sum(
                ExpressionWrapper(F("completed_at") - F("created_at"), output_field=DurationField()), filter=completed
            ),
            paused=Sum("paused_minutes", filter=completed),
        )
        .order_by()
    )
    return [
        WorkOrderDaily(
            day=day,
            region_id=row["region_id"],
            grid_id=row["grid_id"],
            team_id=row["team_id"],
            contractor_id=row["contractor"],
            work_type=row["work_type"] or "",
            created=row["n_created"],
            completed=row["n_completed"],
            completed_on_time=row["n_on_time"],
            breached=row["n_breached"],
            handling_minutes=_handling_minutes(row["handling"], row["paused"]),
            open_at_end=row["n_open"],
        )
        for row in rows
    ]


def refresh_work_orders_daily(since: datetime.date, until: datetime.date) -> int:
    """Rebuild the work orders per day of [since, until]: created, completed (on time), breached, handling, open."""
    WorkOrderDaily.objects.filter(day__gte=since, day__lte=until).delete()
    now = timezone.now()
    rows = [row for day in days(since, until) for row in _work_order_rows(day, now)]
    WorkOrderDaily.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# --- tickets_daily ------------------------------------------------------------------------------------------------


def _ticket_channel() -> Case:
    # Tickets do not store their channel: a call means the hotline, the portal desk's account the portal.
    return Case(
        When(call_id__isnull=False, then=Value("hotline")),
        When(owner__username=getattr(settings, "PORTAL_TICKET_OWNER", "portal-desk"), then=Value("portal")),
        default=Value("staff"),
    )


def _product_line() -> Case:
    # Reads the ``kind`` annotation: the subscription's specification kind, or its offering's.
    whens = [When(kind=kind, then=Value(line)) for kind, line in PRODUCT_LINES.items()]
    return Case(*whens, When(kind__isnull=False, then=Value("other")), default=Value(""))


def _ticket_rows(day: datetime.date, now: datetime.datetime) -> list[TicketDaily]:
    start, end = day_bounds(day)
    opened = Q(created_at__gte=start, created_at__lt=end)
    resolved = Q(resolved_at__gte=start, resolved_at__lt=end)
    late = late_q(start=start, end=end, now=now)
    earlier = TroubleTicket.objects.filter(
        customer_id=OuterRef("customer_id"),
        created_at__lt=OuterRef("created_at"),
        created_at__gte=OuterRef("created_at") - datetime.timedelta(days=REPEAT_DAYS),
    )
    rows = (
        TroubleTicket.objects.filter(opened | resolved | late)
        .annotate(
            kind=Coalesce(F("product__specification__kind"), F("product__offering__specification__kind")),
        )
        .annotate(
            category=Coalesce(F("reason__parent__code"), F("reason__code"), Value("")),
            channel=_ticket_channel(),
            line=_product_line(),
            had_earlier=Exists(earlier),
        )
        .values("region_id", "grid_id", "ticket_type", "category", "channel", "line")
        .annotate(
            n_opened=Count("pk", filter=opened),
            n_resolved=Count("pk", filter=resolved),
            n_late=Count("pk", filter=late),
            n_repeat=Count("pk", filter=opened & Q(had_earlier=True)),
            n_regulator=Count("pk", filter=opened & (Q(ticket_type__in=REGULATOR_TYPES) | Q(regulator_risk=True))),
        )
        .order_by()
    )
    return [
        TicketDaily(
            day=day,
            region_id=row["region_id"],
            grid_id=row["grid_id"],
            ticket_type=row["ticket_type"],
            category=row["category"] or "",
            channel=row["channel"],
            product_line=row["line"] or "",
            opened=row["n_opened"],
            resolved=row["n_resolved"],
            breached=row["n_late"],
            repeat=row["n_repeat"],
            regulator=row["n_regulator"],
        )
        for row in rows
    ]


def refresh_tickets_daily(since: datetime.date, until: datetime.date) -> int:
    """Rebuild the trouble tickets per day of [since, until]: opened, resolved, late, repeat, regulator."""
    TicketDaily.objects.filter(day__gte=since, day__lte=until).delete()
    now = timezone.now()
    rows = [row for day in days(since, until) for row in _ticket_rows(day, now)]
    TicketDaily.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# --- backlog_ageing -----------------------------------------------------------------------------------------------


def _age_bucket(moment: datetime.datetime) -> Case:
    whens = [
        When(created_at__lte=moment - datetime.timedelta(days=lower), then=Value(label))
        for label, lower in reversed(AGE_BUCKETS[1:])
    ]
    return Case(*whens, default=Value(AGE_BUCKETS[0][0]))


def _backlog_rows(day: datetime.date, now: datetime.datetime) -> list[BacklogAgeing]:
    # The backlog at the end of the day (now for today): what was open then, by how long it had been open.
    moment = min(day_bounds(day)[1], now)
    late = Q(due_at__lt=moment) & (Q(paused_at__isnull=True) | Q(paused_at__gte=F("due_at")))
    rows = (
        WorkOrder.objects.annotate(ended=_ended())
        .filter(_open_at(moment))
        .annotate(bucket=_age_bucket(moment))
        .values("region_id", "grid_id", "team_id", "work_type", "bucket")
        .annotate(n_open=Count("pk"), n_late=Count("pk", filter=late))
        .order_by()
    )
    return [
        BacklogAgeing(
            as_of=day,
            region_id=row["region_id"],
            grid_id=row["grid_id"],
            team_id=row["team_id"],
            work_type=row["work_type"] or "",
            age_bucket=row["bucket"],
            open_items=row["n_open"],
            late_items=row["n_late"],
        )
        for row in rows
    ]


def refresh_backlog_ageing(since: datetime.date, until: datetime.date) -> int:
    """Rebuild the backlog ageing as of the end of each day of [since, until] (today: as of now)."""
    BacklogAgeing.objects.filter(as_of__gte=since, as_of__lte=until).delete()
    now = timezone.now()
    rows = [row for day in days(since, until) for row in _backlog_rows(day, now)]
    BacklogAgeing.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


register_mart(MartSpec(name=WORK_ORDERS_DAILY, refresh=refresh_work_orders_daily))
register_mart(MartSpec(name=TICKETS_DAILY, refresh=refresh_tickets_daily))
register_mart(MartSpec(name=BACKLOG_AGEING, refresh=refresh_backlog_ageing))
