"""Reads behind the staff home page's role widgets: a few rows and counts per role, each scoped to the user's
region (and grid) through the same selectors as the full page it links to, in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics.churn.selectors import churn_scores_visible_to
from analytics.fraud.selectors import alerts_visible_to
from analytics.models import FraudAlert
from analytics.models.scores import RiskBand
from analytics.segments.selectors import segment_totals
from analytics.selectors import jobs_recent
from billing_sync.selectors.collections import cases_visible_to
from callcenter.models.tickets import OPEN_TICKET_STATUSES
from callcenter.selectors import callbacks_due, open_tickets_owned_by, sla_condition, tickets_visible_to
from crm.accounts.roles import Role
from crm.sla import selectors as sla_selectors
from crm.sla.display import SLA_LABELS, time_left_text
from customers.models import Customer
from feedback.selectors import care_tasks_open
from orders.models import ProductOrder, WorkOrder
from orders.selectors import orders_visible_to
from orders.selectors.reports import work_order_kpis
from orders.selectors.work import (
    CARD_RELATED,
    FIELD_OPEN_STATES,
    card_for,
    field_work_of,
    overdue_condition,
    start_of_today,
    work_orders_visible_to,
)

ROWS = 6  # rows a widget lists; its link leads to the full page
CARE_TASK_DAYS = 7  # "due soon" for an account manager's care tasks
SLA_LOOKAHEAD = datetime.timedelta(hours=24)  # candidates for "near due" before the sweep has marked them
QUEUE_STATES = (WorkOrder.State.OPEN, WorkOrder.State.ASSIGNED, WorkOrder.State.IN_PROGRESS, WorkOrder.State.HELD)
# The selectors of the call desk cap their lists at this many rows.
DESK_LIST_CAP = 100


def _tickets_labelled(tickets, now: datetime.datetime):
    """Each ticket gets ``sla`` (state), ``sla_label`` and ``left_text`` as the call desk shows them."""
    for ticket in tickets:
        ticket.sla = sla_selectors.sla_state(ticket, now)
        ticket.sla_label = SLA_LABELS[ticket.sla]
        ticket.left_text = time_left_text(sla_selectors.time_left(ticket, now))
    return tickets


def _cards_labelled(cards):
    """Each work-order card gets ``sla_label`` and ``left_text`` as the board and the field list show them."""
    for card in cards:
        card.sla_label = SLA_LABELS.get(card.sla_state, "")
        card.left_text = time_left_text(card.time_left) if card.sla_state not in ("met", "late", "none") else ""
    return cards


# --- Hall clerk ------------------------------------------------------------------------------------------------


def clerk_orders_today(user, *, now: datetime.datetime | None = None) -> dict:
    """The orders the clerk took today (newest first) and how many are in each state."""
    now = now or timezone.now()
    mine = orders_visible_to(user).filter(created_by=user, created_at__gte=start_of_today(now))
    counts = dict(mine.order_by().values_list("state").annotate(n=Count("pk")))
    rows = list(mine.select_related("customer__party", "offering").order_by("-created_at", "-id")[:ROWS])
    by_state = [(state.label, counts[state.value]) for state in ProductOrder.State if counts.get(state.value)]
    return {
        "orders": rows,
        "total": sum(counts.values()),
        "by_state": by_state,
        "today": timezone.localdate(now),
    }


# --- Call agent ------------------------------------------------------------------------------------------------


def agent_desk(user, *, now: datetime.datetime | None = None) -> dict:
    """My open tickets under first-contact ownership (earliest deadline first) and my callbacks due by tonight."""
    now = now or timezone.now()
    tickets = _tickets_labelled(open_tickets_owned_by(user), now)
    callbacks = callbacks_due(user, now=now)
    return {
        "tickets": tickets[:ROWS],
        "ticket_count": len(tickets),
        "tickets_capped": len(tickets) >= DESK_LIST_CAP,
        "late_tickets": sum(1 for t in tickets if t.sla == "breached"),
        "callbacks": callbacks[:ROWS],
        "callback_count": len(callbacks),
        "callbacks_capped": len(callbacks) >= DESK_LIST_CAP,
        "callbacks_overdue": sum(1 for cb in callbacks if cb.due_at <= now),
        "now": now,
    }


# --- Dispatcher ------------------------------------------------------------------------------------------------


def dispatch_overview(user, *, now: datetime.datetime | None = None) -> dict:
    """Work orders per queue state (and completed today) in the dispatcher's scope, how many are past or near their
    deadline, and the most urgent of them, soonest deadline first."""
    now = now or timezone.now()
    today = start_of_today(now)
    visible = work_orders_visible_to(user)
    running = Q(state__in=QUEUE_STATES, sla_stopped_at__isnull=True)
    late = overdue_condition(now)
    # The sweep marks a work order warned once it enters the last part of its time limit.
    near = running & Q(paused_at__isnull=True, warned_at__isnull=False) & ~late
    counts = visible.filter(
        Q(state__in=QUEUE_STATES) | Q(state=WorkOrder.State.COMPLETED, completed_at__gte=today)
    ).aggregate(
        **{f"n_{state.value}": Count("pk", filter=Q(state=state)) for state in QUEUE_STATES},
        completed_today=Count("pk", filter=Q(state=WorkOrder.State.COMPLETED)),
        past_due=Count("pk", filter=running & late),
        near_due=Count("pk", filter=near),
    )
    queues = [{"state": s.value, "label": s.label, "count": counts[f"n_{s.value}"]} for s in QUEUE_STATES]
    # Candidates: overdue, warned, or due within the lookahead (a warning the sweep has not marked yet); the SLA
    # state computed as on the board decides which of them show.
    candidates = (
        visible.filter(running, paused_at__isnull=True, due_at__isnull=False)
        .filter(late | Q(warned_at__isnull=False) | Q(due_at__lte=now + SLA_LOOKAHEAD))
        .select_related(*CARD_RELATED)
        .order_by("due_at", "id")[: ROWS * 4]
    )
    cal = sla_selectors.work_calendar()
    cards = [card_for(wo, now, cal) for wo in candidates]
    warnings = _cards_labelled([c for c in cards if c.sla_state in ("breached", "warning")][:ROWS])
    return {
        "queues": queues,
        "queued": sum(q["count"] for q in queues),
        "completed_today": counts["completed_today"],
        "past_due": counts["past_due"],
        "near_due": counts["near_due"],
        "warnings": warnings,
    }


# --- Field technician ----------------------------------------------------------------------------------------


def technician_day(user, *, now: datetime.datetime | None = None) -> dict:
    """The technician's work as the field list shows it (appointments first), with today's appointments counted."""
    now = now or timezone.now()
    cards = _cards_labelled(field_work_of(user, now=now))
    today = timezone.localdate(now)
    open_cards = [c for c in cards if c.work_order.state in FIELD_OPEN_STATES]
    appointments = [c.work_order.appointment_at for c in open_cards if c.work_order.appointment_at]
    return {
        "cards": cards[:ROWS],
        "total": len(cards),
        "open": len(open_cards),
        "appointments_today": sum(1 for at in appointments if timezone.localdate(at) == today),
        "reports_owed": sum(1 for c in cards if c.work_order.finished_at and not c.work_order.reported_at),
        "today": today,
    }


# --- Account manager -----------------------------------------------------------------------------------------


def account_manager_focus(user, *, now: datetime.datetime | None = None) -> dict:
    """Open care tasks of my accounts (or given to me) due within a week, and my key accounts in the high churn band
    of the newest scoring run, likeliest first."""
    now = now or timezone.now()
    due_by = now + datetime.timedelta(days=CARE_TASK_DAYS)
    tasks = care_tasks_open(user).filter(Q(customer__account_manager=user) | Q(assigned_to=user), due_at__lte=due_by)
    risky = churn_scores_visible_to(user).filter(
        band=RiskBand.HIGH, customer__account_manager=user, customer__customer_class=Customer.CustomerClass.KEY_ACCOUNT
    )
    return {
        "care_tasks": list(tasks[:ROWS]),
        "care_task_count": tasks.count(),
        "care_task_days": CARE_TASK_DAYS,
        "churn_risks": list(risky.order_by("-probability", "id")[:ROWS]),
        "churn_risk_count": risky.count(),
        "now": now,
    }


# --- Manager and marketing analyst ------------------------------------------------------------------------------


def _open_fraud_alerts(user) -> int:
    return alerts_visible_to(user).filter(status=FraudAlert.Status.OPEN).count()


def _high_churn_risk(user) -> int:
    return churn_scores_visible_to(user).filter(band=RiskBand.HIGH).count()


def _on_time_today(user, now: datetime.datetime) -> dict:
    """Today's on-time rate of finished work orders against the target those work types carry (each type's target
    weighted by its finished work orders), and how many work types are below their own target."""
    today = start_of_today(now)
    kpis = work_order_kpis(user, since=today, until=today + datetime.timedelta(days=1))
    finished = sum(k.finished for k in kpis)
    on_time = sum(k.on_time for k in kpis)
    targeted = [k for k in kpis if k.target_percent is not None]
    weight = sum(k.finished for k in targeted)
    target = sum(k.target_percent * k.finished for k in targeted) / weight if weight else None
    return {
        "finished": finished,
        "late": finished - on_time,
        "percent": (Decimal(on_time) * 100 / finished).quantize(Decimal("0.1")) if finished else None,
        "target": target.quantize(Decimal("0.1")) if target is not None else None,
        "below_target": sum(1 for k in kpis if k.meets_target is False),
    }


def manager_figures(user, *, now: datetime.datetime | None = None) -> dict:
    """Key figures of the manager's scope: today's work-order on-time rate against target, open and late tickets,
    arrears of the live collection cases, open fraud alerts and customers in the high churn band."""
    now = now or timezone.now()
    on_time = _on_time_today(user, now)
    tickets = (
        tickets_visible_to(user)
        .filter(status__in=OPEN_TICKET_STATUSES)
        .order_by()
        .aggregate(open=Count("pk"), late=Count("pk", filter=sla_condition("breached", now)))
    )
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    arrears = cases_visible_to(user).order_by().aggregate(total=Coalesce(Sum("arrears"), zero), cases=Count("pk"))
    return {
        "on_time": on_time,
        "on_time_ok": None if on_time["percent"] is None or on_time["target"] is None
        else on_time["percent"] >= on_time["target"],
        "tickets_open": tickets["open"],
        "tickets_late": tickets["late"],
        "arrears_total": arrears["total"],
        "arrears_cases": arrears["cases"],
        "fraud_open": _open_fraud_alerts(user),
        "churn_high": _high_churn_risk(user),
    }  # fmt: skip


def analyst_overview(user) -> dict:
    """The largest RFM segments of the analyst's scope, high churn risk, open fraud alerts and the latest jobs."""
    segments = sorted((s for s in segment_totals(user) if s["count"]), key=lambda s: -s["count"])[:5]
    return {
        "segments": segments,
        "churn_high": _high_churn_risk(user),
        "fraud_open": _open_fraud_alerts(user),
        "jobs": list(jobs_recent()[:5]),
    }


WIDGETS: dict[str, Callable[..., dict]] = {
    Role.HALL_CLERK: clerk_orders_today,
    Role.CALL_AGENT: agent_desk,
    Role.DISPATCHER: dispatch_overview,
    Role.FIELD_TECHNICIAN: technician_day,
    Role.ACCOUNT_MANAGER: account_manager_focus,
    Role.MANAGER: manager_figures,
    Role.MARKETING_ANALYST: analyst_overview,
}


def home_widgets(role: str, user) -> dict:
    """What the role's home widget shows; roles without live figures get nothing."""
    read = WIDGETS.get(role)
    return read(user) if read else {}
