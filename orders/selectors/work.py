"""Reads of the back office: which work orders a user sees, the dispatch board, a technician's day, the
back-office queue. Each applies the user's visibility and loads what its page shows in a bounded number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import OrgUnit
from crm.accounts.roles import Role
from crm.accounts.selectors import staff_profile, visibility_scope
from crm.sla import selectors as sla_selectors
from customers.models import ContactMedium

from ..models import StepKind, WorkOrder, WorkOrderAssignment, WorkOrderStep

# The board's columns, left to right; completed work shows only for today.
BOARD_STATES = (
    WorkOrder.State.OPEN,
    WorkOrder.State.ASSIGNED,
    WorkOrder.State.IN_PROGRESS,
    WorkOrder.State.HELD,
    WorkOrder.State.COMPLETED,
)
# A column shows at most this many cards (most urgent first) and says how many more there are.
BOARD_COLUMN_LIMIT = 200
GREEN_LEVELS = {"diamond", "1A"}
FIELD_TEAM_KINDS = (OrgUnit.Kind.FIELD_CREW, OrgUnit.Kind.MAINTENANCE_CONTRACTOR)
CARD_RELATED = (
    "customer__party",
    "product",
    "order__address",
    "team",
    "technician",
    "grid",
    "sla_limit",
    "template",
)


def work_orders_visible_to(user) -> QuerySet[WorkOrder]:
    """Technicians: their own work and their team's unassigned work; others: their region (and grid) or all."""
    profile = staff_profile(user)
    if profile is not None and profile.role == Role.FIELD_TECHNICIAN and not user.is_superuser:
        mine = Q(technician_id=user.pk)
        if profile.org_unit_id:
            mine |= Q(technician__isnull=True, team_id=profile.org_unit_id)
        return WorkOrder.objects.filter(mine)
    return visibility_scope(user).filter(WorkOrder.objects.all(), grid_lookup="grid_id")


def work_order_detail(user, wo_no: str) -> WorkOrder:
    """One visible work order with its steps, dispatch records and what its page shows; DoesNotExist otherwise."""
    return (
        work_orders_visible_to(user)
        .select_related(*CARD_RELATED, "order__created_by", "region", "area")
        .prefetch_related(
            Prefetch("steps", queryset=WorkOrderStep.objects.select_related("completed_by").order_by("seq")),
            Prefetch(
                "assignments",
                queryset=WorkOrderAssignment.objects.select_related("team", "technician", "assigned_by").order_by(
                    "assigned_at", "id"
                ),
            ),
        )
        .get(wo_no=wo_no)
    )


# --- Cards -----------------------------------------------------------------------------------------------


@dataclass
class Card:
    """A work order as the board and the field list show it: its SLA state, time left and who it is for."""

    work_order: WorkOrder
    sla_state: str
    time_left: datetime.timedelta | None
    green: bool
    customer_name: str
    address: str

    @property
    def overdue(self) -> bool:
        return self.sla_state in ("breached", "late")


def card_for(work_order: WorkOrder, now: datetime.datetime, cal=None) -> Card:
    order, customer = work_order.order, work_order.customer  # a repair work order has no order
    if order is not None and order.address_id:
        address = order.address.text
    else:
        address = work_order.product.install_address if work_order.product_id else ""
    return Card(
        work_order=work_order,
        sla_state=sla_selectors.sla_state(work_order, now, cal),
        time_left=sla_selectors.time_left(work_order, now),
        green=work_order.priority > 0 or customer.service_level in GREEN_LEVELS,
        customer_name=customer.party.name,
        address=address,
    )


def _overdue_condition(now: datetime.datetime) -> Q:
    running_late = Q(sla_stopped_at__isnull=True) & (
        Q(breached_at__isnull=False)
        | Q(paused_at__isnull=True, due_at__lt=now)
        | Q(paused_at__isnull=False, due_at__lt=F("paused_at"))
    )
    return running_late | Q(sla_stopped_at__gt=F("due_at"))


def _search_condition(q: str) -> Q:
    q = q.strip()
    upper = q.upper()
    return (
        Q(wo_no=upper)
        | Q(order__order_no=upper)
        | Q(order__address__text__contains=q)
        | Q(order__product__install_address__contains=q)
    )


# --- Dispatch board (调度看板) ----------------------------------------------------------------------------


@dataclass
class BoardColumn:
    state: str
    label: str
    cards: list[Card] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.cards)


@dataclass
class Board:
    columns: list[BoardColumn]

    @property
    def total(self) -> int:
        return sum(c.total for c in self.columns)


def start_of_today(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def dispatch_board(
    user,
    *,
    state: str | None = None,
    grid=None,
    team=None,
    overdue: bool = False,
    q: str = "",
    now: datetime.datetime | None = None,
) -> Board:
    """The dispatcher's kanban: one column per state (completed: today only), green channel first, then by due time.

    One query per column (plus a count when a column is full), whatever the number of cards."""
    now = now or timezone.now()
    base = work_orders_visible_to(user)
    if grid is not None:
        base = base.filter(grid=grid)
    if team is not None:
        base = base.filter(team=team)
    if overdue:
        base = base.filter(_overdue_condition(now))
    if q.strip():
        base = base.filter(_search_condition(q))
    cal = sla_selectors.work_calendar()
    columns = []
    for column_state in BOARD_STATES:
        if state and state != column_state:
            continue
        rows = base.filter(state=column_state)
        if column_state == WorkOrder.State.COMPLETED:
            rows = rows.filter(completed_at__gte=start_of_today(now)).order_by("-completed_at", "-id")
        else:
            rows = rows.order_by("-priority", F("due_at").asc(nulls_last=True), "id")
        page = list(rows.select_related(*CARD_RELATED)[: BOARD_COLUMN_LIMIT + 1])
        total = len(page) if len(page) <= BOARD_COLUMN_LIMIT else rows.count()
        columns.append(
            BoardColumn(
                state=column_state,
                label=_("Completed today")
                if column_state == WorkOrder.State.COMPLETED
                else WorkOrder.State(column_state).label,
                cards=[card_for(wo, now, cal) for wo in page[:BOARD_COLUMN_LIMIT]],
                total=total,
            )
        )
    return Board(columns=columns)


def grids_for_board(user):
    """The grids a dispatcher may filter the board by."""
    from crm.accounts.models import Grid

    return visibility_scope(user).filter(Grid.objects.all(), region_lookup="region_id", grid_lookup="id")


def field_teams_for(user) -> QuerySet[OrgUnit]:
    """The active field crews and contractors of the user's scope (the board's team filter)."""
    teams = OrgUnit.objects.filter(is_active=True, kind__in=FIELD_TEAM_KINDS)
    return visibility_scope(user).filter(teams).order_by("code")


# --- A technician's day (装维工作台) ------------------------------------------------------------------------


FIELD_OPEN_STATES = (WorkOrder.State.ASSIGNED, WorkOrder.State.IN_PROGRESS, WorkOrder.State.HELD)


def field_work_of(technician, *, now: datetime.datetime | None = None) -> list[Card]:
    """The technician's open work, work finished today and reports still owed; appointments first, then due time."""
    now = now or timezone.now()
    today = start_of_today(now)
    mine = work_orders_visible_to(technician).filter(
        Q(state__in=FIELD_OPEN_STATES)
        | Q(finished_at__gte=today)
        | Q(finished_at__isnull=False, reported_at__isnull=True, technician_id=technician.pk)
    )
    rows = (
        mine.select_related(*CARD_RELATED)
        .prefetch_related(_phones_prefetch())
        .order_by(F("appointment_at").asc(nulls_last=True), F("due_at").asc(nulls_last=True), "id")
    )
    cal = sla_selectors.work_calendar()
    return [card_for(wo, now, cal) for wo in rows[:BOARD_COLUMN_LIMIT]]


def _phones_prefetch() -> Prefetch:
    return Prefetch(
        "customer__party__contact_media",
        queryset=ContactMedium.objects.filter(kind=ContactMedium.Kind.PHONE).order_by("-is_preferred", "id"),
        to_attr="phones",
    )


def field_work_order(technician, wo_no: str) -> WorkOrder:
    """One of the technician's work orders with its steps and the customer's phones; DoesNotExist otherwise."""
    return (
        work_orders_visible_to(technician)
        .select_related(*CARD_RELATED)
        .prefetch_related(_phones_prefetch(), Prefetch("steps", queryset=WorkOrderStep.objects.order_by("seq")))
        .get(wo_no=wo_no)
    )


def customer_phone(work_order: WorkOrder) -> str:
    """The customer's (preferred) phone, from a work order loaded by field_work_of or field_work_order."""
    party = work_order.customer.party
    phones = getattr(party, "phones", None)
    if phones is None:
        phones = [c for c in party.contact_media.all() if c.kind == ContactMedium.Kind.PHONE]
    return phones[0].value if phones else ""


# --- Back-office queue (后台处理) ----------------------------------------------------------------------------


def back_office_queue(user) -> QuerySet[WorkOrderStep]:
    """Open back-office and care steps of the work orders in the user's region (and grid), earliest due first."""
    steps = WorkOrderStep.objects.filter(
        state=WorkOrderStep.State.OPEN, kind__in=[StepKind.BACK_OFFICE, StepKind.CARE]
    ).select_related(
        "work_order__order__customer__party", "work_order__order__product", "work_order__order__new_owner__party"
    )
    steps = visibility_scope(user).filter(
        steps, region_lookup="work_order__region_id", grid_lookup="work_order__grid_id"
    )
    return steps.order_by(F("due_at").asc(nulls_last=True), "opened_at", "id")


def overdue_condition(now: datetime.datetime) -> Q:
    """Work orders past their deadline as a database condition (the board's "overdue only"), for counts elsewhere."""
    return _overdue_condition(now)


# The work types of the work-order templates and time limits (crm/sla, orders/migrations/0003), as people say them:
# one table for the time-limit KPI page and the operations dashboard.
WORK_TYPE_LABELS = {
    "install": _("Install"),
    "move": _("Move"),
    "remove": _("Remove"),
    "change": _("Change"),
    "transfer": _("Transfer of ownership"),
    "terminate": _("Terminate"),
    "suspend": _("Suspend"),
    "resume": _("Resume"),
    "vas": _("Value-added service"),
    "port_in": _("Port in"),
    "port_out": _("Port out"),
    "fault_outage": _("Fault: machine room outage"),
    "fault_fixed": _("Fault: fixed line"),
    "fault_broadband": _("Fault: broadband"),
    "fault_dia": _("Fault: dedicated line"),
    "fault_ip_supermarket": _("Fault: IP supermarket"),
}


def work_type_label(work_type: str) -> str:
    return str(WORK_TYPE_LABELS.get(work_type, work_type))
