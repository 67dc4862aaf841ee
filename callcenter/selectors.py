"""Reads of the call centre pages: the agent's call and queues, tickets in the user's region, supervisor figures."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.accounts.selectors import visibility_scope
from crm.sla.models import SlaBreach
from customers.models import Customer

from .models import Call, Callback, Outage, ReasonCategory, TroubleTicket
from .models.tickets import OPEN_TICKET_STATUSES

COMPLAINT_TYPES = ("complaint", "regulator_complaint")
SLA_STATES = ("ok", "warning", "breached", "paused", "none")


def sla_condition(state: str, now: datetime.datetime) -> Q:
    """The SLA state of a running ticket as a database condition, so counts and drill-down lists agree."""
    running = Q(sla_started_at__isnull=False, due_at__isnull=False, sla_stopped_at__isnull=True)
    late = Q(breached_at__isnull=False) | Q(due_at__lt=now)
    conditions = {
        "none": Q(sla_started_at__isnull=True) | Q(due_at__isnull=True),
        "paused": running & Q(paused_at__isnull=False),
        "breached": running & Q(paused_at__isnull=True) & late,
        "warning": running & Q(paused_at__isnull=True, warned_at__isnull=False) & ~late,
        "ok": running & Q(paused_at__isnull=True, warned_at__isnull=True) & ~late,
    }
    return conditions[state]


def tickets_visible_to(user) -> QuerySet[TroubleTicket]:
    """Tickets of the user's region, with what the list and pages show."""
    queryset = TroubleTicket.objects.select_related("customer__party", "owner", "reason__parent", "sla_limit")
    return visibility_scope(user).filter(queryset)


def open_tickets_owned_by(user) -> list[TroubleTicket]:
    """My open tickets as first-contact owner (首问), earliest deadline first."""
    tickets = tickets_visible_to(user).filter(owner=user, status__in=OPEN_TICKET_STATUSES)
    return list(tickets.order_by(Coalesce("due_at", timezone.now() + datetime.timedelta(days=3650)), "pk")[:100])


def callbacks_due(user, *, now: datetime.datetime | None = None) -> list[Callback]:
    """My callbacks still to make, up to the end of today (overdue and missed ones included)."""
    now = now or timezone.now()
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    return list(
        Callback.objects.filter(agent=user, state__in=["scheduled", "missed"], due_at__lte=end_of_day)
        .select_related("customer__party", "ticket")
        .order_by("due_at", "pk")[:100]
    )


def risky_complaints(user, *, limit: int = 50) -> list[TroubleTicket]:
    """Open complaints of the region, those at risk of going to the regulator first."""
    tickets = tickets_visible_to(user).filter(ticket_type__in=COMPLAINT_TYPES, status__in=OPEN_TICKET_STATUSES)
    return list(tickets.order_by("-regulator_risk", "-priority", "due_at", "pk")[:limit])


def current_call(user) -> Call | None:
    """The agent's ringing or active call (the latest one)."""
    return (
        Call.objects.filter(agent=user)
        .exclude(state=Call.State.ENDED)
        .select_related("customer__party")
        .order_by("-started_at", "-pk")
        .first()
    )


def customer_visible(user, customer_no: str) -> Customer | None:
    queryset = Customer.objects.select_related("party").filter(customer_no=customer_no.strip().upper())
    return visibility_scope(user).filter(queryset).first()


def live_products(customer) -> QuerySet:
    from orders.models import Product

    return (
        Product.objects.filter(customer=customer)
        .exclude(status="terminated")
        .select_related("offering", "specification")
        .order_by("service_number", "pk")
    )


def vas_offerings() -> QuerySet:
    from orders.models import ProductOffering

    return ProductOffering.objects.filter(specification__kind="vas", lifecycle_status__in=["Active", "Launched"])


def reasons_for(interaction_type: str) -> list[tuple[ReasonCategory, list[ReasonCategory]]]:
    """The two levels of reason codes of an interaction type: (top category, its detailed reasons)."""
    reasons = list(ReasonCategory.objects.filter(interaction_type=interaction_type, is_active=True))
    children: dict[int, list[ReasonCategory]] = {}
    for reason in reasons:
        if reason.parent_id:
            children.setdefault(reason.parent_id, []).append(reason)
    return [(r, children.get(r.pk, [])) for r in reasons if r.parent_id is None]


def hotline_staff(region_id: int | None) -> QuerySet:
    """Agents of a region and province-level hotline supervisors, to whom a ticket may be transferred."""
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(
        Q(staff_profile__role="call_agent", staff_profile__region_id=region_id) | Q(staff_profile__role="manager")
    ).order_by("username")


def supervisor_overview(user, *, now: datetime.datetime | None = None) -> dict:
    """Open tickets by SLA state, workload per owner, breaches today, top complaint reasons, risky complaints."""
    now = now or timezone.now()
    open_tickets = tickets_visible_to(user).filter(status__in=OPEN_TICKET_STATUSES)
    by_state = open_tickets.aggregate(**{s: Count("pk", filter=sla_condition(s, now)) for s in SLA_STATES})
    workload = list(
        open_tickets.values("owner_id", "owner__username")
        .annotate(open=Count("pk"), breached=Count("pk", filter=sla_condition("breached", now)))
        .order_by("-open", "owner__username")
    )
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    breaches = visibility_scope(user).filter(
        SlaBreach.objects.filter(
            content_type=ContentType.objects.get_for_model(TroubleTicket), breached_at__gte=start_of_day
        ).select_related("limit", "region")
    )
    breach_list = list(breaches[:100])
    tickets_by_pk = {t.pk: t for t in TroubleTicket.objects.filter(pk__in=[b.object_id for b in breach_list])}
    for breach in breach_list:
        breach.ticket = tickets_by_pk.get(breach.object_id)
    since = now - datetime.timedelta(days=30)
    top_reasons = list(
        tickets_visible_to(user)
        .filter(ticket_type__in=COMPLAINT_TYPES, created_at__gte=since)
        .annotate(category=Coalesce("reason__parent__name", "reason__name"))
        .values("category")
        .annotate(count=Count("pk"))
        .order_by("-count", "category")[:10]
    )
    return {
        "by_state": by_state,
        "workload": workload,
        "breaches": breach_list,
        "breach_count": breaches.count(),
        "top_reasons": top_reasons,
        "risky": risky_complaints(user, limit=30),
    }


def outages_visible_to(user) -> QuerySet[Outage]:
    queryset = Outage.objects.select_related("region", "area", "access_point", "parent_ticket", "declared_by")
    return visibility_scope(user).filter(queryset).order_by("status", "-started_at", "-pk")
