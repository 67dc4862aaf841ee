"""The rows of the demo orders: each order with its item, work order, steps, dispatch records, breach, commission
and port, generated from the plans and written table by table with COPY."""

from __future__ import annotations

import datetime
import random
from collections import Counter

from django.db.models import F

from crm.demo.engine import SeedContext
from crm.sla.models import SlaBreach

from ..models import (
    AccessPoint,
    CommissionEntry,
    PortReservation,
    ProductOrder,
    ProductOrderItem,
    TeamCoverage,
    WorkOrder,
    WorkOrderAssignment,
    WorkOrderStep,
)
from ..services.intake import ITEM_ACTIONS
from .pools import WINDOW_DAYS
from .timeline import HOUR, LOCAL, MINUTE, LifeMaker, Plan, between, shift, to_local
from .world import World

PAYMENT = {"own_hall": ("cash", "bank_card", "qr", "qr"), "partner_hall": ("cash", "qr"),
           "agent_outlet": ("cash", "qr"), "hotline": ("account",), "portal": ("qr",)}  # fmt: skip
OPENING_HOURS = {"own_hall": (8 * 60 + 30, 18 * 60 + 30), "hotline": (8 * 60, 22 * 60), "portal": (7 * 60, 24 * 60 - 1)}
NOTES = ("客户要求周末上门", "需提前电话联系", "客户白天上班，晚上方便", "老客户推荐办理", "")
CHECKS = {
    "new": ["blacklist", "arrears", "credit_lines", "offering", "address"], "port_in": ["blacklist", "arrears",
    "credit_lines", "offering"], "change": ["blacklist", "arrears", "offering", "product", "open_order"],
    "vas_add": ["blacklist", "arrears", "offering", "product", "open_order"], "move": ["product", "open_order",
    "address"], "suspend": ["product", "open_order"], "resume": ["product", "open_order"], "terminate": ["product",
    "open_order", "owner_id"], "transfer": ["blacklist", "product", "open_order", "owner_id"],
    "port_out": ["product", "open_order", "owner_id"],
}  # fmt: skip
ORDER_COLUMNS = [
    "id", "order_no", "order_type", "state", "customer_id", "billing_account_id", "product_id", "offering_id",
    "new_owner_id", "service_number", "address_id", "channel", "outlet_id", "created_by_id", "idempotency_key",
    "region_id", "area_id", "grid_id", "priority", "description", "requested_date", "appointment_at", "eligibility",
    "arrears_override", "override_reason", "sensitive_reasons", "second_checker_id", "second_checked_at",
    "one_off_fee", "paid_amount", "payment_method", "paid_at", "signature", "signed_at", "authorization_code",
    "created_at", "submitted_at", "completed_at", "cancelled_at", "cancellation_reason", "updated_at",
]  # fmt: skip
WO_COLUMNS = [
    "id", "sla_limit_id", "sla_started_at", "response_due_at", "responded_at", "due_at", "paused_at",
    "paused_minutes", "warned_at", "breached_at", "sla_stopped_at", "wo_no", "order_id", "template_id", "work_type",
    "state", "region_id", "area_id", "grid_id", "priority", "needs_field_visit", "team_id", "technician_id",
    "dispatched_at", "appointment_at", "started_at", "finished_at", "completed_at", "notes", "materials",
    "signature", "rating", "rating_comment", "report", "report_due_at", "reported_at", "created_at", "customer_id",
    "product_id",
]  # fmt: skip


def write_orders(ctx: SeedContext, world: World, plans: list[Plan], extra_coverage, rng: random.Random) -> Counter:
    """Generate every order's rows and write each table with one COPY."""
    maker = LifeMaker(world, rng, ctx.now)
    outlet_kind = {unit: kind for (_region, kind), units in world.outlets.items() for unit in units}
    order_ids, wo_ids = ctx.reserve_ids(ProductOrder, len(plans)), ctx.reserve_ids(WorkOrder, len(plans))
    orders, items, work_orders, steps, assignments, breaches, commissions, ports = [], [], [], [], [], [], [], []
    counts: Counter = Counter()
    for plan, order_id, wo_id in zip(plans, order_ids, wo_ids, strict=True):
        template = world.template(plan.order_type, plan.offering.main_kind)
        if template is None:
            continue
        order, life = _order(ctx, world, maker, plan, template, order_id, wo_id, rng)
        orders.append(order)
        items.append((order_id, 1, ITEM_ACTIONS.get(plan.order_type, "modify"), plan.offering.id,
                      plan.item_product_id, order["state"]))  # fmt: skip
        work_orders.append(tuple(life.work_order[c] for c in WO_COLUMNS))
        steps += life.steps
        assignments += life.assignments
        if life.breach:
            breaches.append(life.breach)
            counts["late"] += 1
        counts["open"] += plan.state is not None
        kind = outlet_kind.get(plan.outlet_id)
        if order["state"] == "completed" and kind in ("partner_hall", "agent_outlet"):
            day = to_local(order["completed_at"]).date()
            rule = world.commission_rule(kind, plan.order_type, plan.offering, day)
            if rule:
                commissions.append((plan.outlet_id, order_id, rule[0], rule[5], day.replace(day=1),
                                    order["completed_at"]))  # fmt: skip
        if plan.state is not None and plan.address is not None:
            ports.append((plan.address.access_point_id, order_id, None, "reserved", order["created_at"], None))
    counts["orders"] = ctx.copy_rows(ProductOrder, ORDER_COLUMNS, ([o[c] for c in ORDER_COLUMNS] for o in orders))
    ctx.copy_rows(ProductOrderItem, ["order_id", "item_no", "action", "offering_id", "product_id", "state"], items)
    counts["work_orders"] = ctx.copy_rows(WorkOrder, WO_COLUMNS, work_orders)
    ctx.copy_rows(
        WorkOrderStep,
        ["work_order_id", "seq", "code", "name", "kind", "state", "limit_minutes", "opened_at", "due_at",
         "completed_at", "completed_by_id", "note"],
        steps,
    )  # fmt: skip
    ctx.copy_rows(
        WorkOrderAssignment,
        ["work_order_id", "team_id", "technician_id", "assigned_by_id", "automatic", "reason", "assigned_at"],
        assignments,
    )
    ctx.copy_rows(
        SlaBreach,
        ["content_type_id", "object_id", "kind", "limit_id", "work_type", "region_id", "due_at", "breached_at",
         "finished_at", "escalated_to"],
        breaches,
    )  # fmt: skip
    counts["commissions"] = ctx.copy_rows(
        CommissionEntry, ["outlet_id", "order_id", "rule_id", "amount", "month", "created_at"], commissions
    )
    counts["ports"] = ctx.copy_rows(
        PortReservation, ["access_point_id", "order_id", "product_id", "state", "created_at", "released_at"], ports
    )
    for point, held in sorted(Counter(p[0] for p in ports).items()):
        AccessPoint.objects.filter(pk=point).update(used_ports=F("used_ports") + held)
    existing = set(
        TeamCoverage.objects.filter(grid_id__in={g for _t, g in extra_coverage}).values_list("team_id", "grid_id")
    )
    ctx.copy_rows(TeamCoverage, ["team_id", "grid_id"], sorted(extra_coverage - existing))
    return counts


def _open_at(channel: str, moment: datetime.datetime) -> bool:
    opening, closing = OPENING_HOURS.get(channel, OPENING_HOURS["own_hall"])
    local = to_local(moment)
    return opening <= local.hour * 60 + local.minute <= closing


def _created_at(ctx: SeedContext, plan: Plan, rng: random.Random) -> datetime.datetime:
    """When the customer asked: within opening hours of the channel, on a day that fits the product's dates."""
    lag = rng.choice((0, 1, 1, 2)) if plan.offering.installs and plan.order_type in ("new", "terminate") else 0
    if plan.day:
        day = max(plan.day - datetime.timedelta(days=lag), ctx.today - datetime.timedelta(days=WINDOW_DAYS - 1))
    else:
        day = ctx.today - datetime.timedelta(days=rng.randint(1, WINDOW_DAYS - 3))
    minute = rng.randint(*OPENING_HOURS.get(plan.channel, OPENING_HOURS["own_hall"]))
    moment = datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60), tzinfo=LOCAL)
    return moment + rng.randint(0, 59) * datetime.timedelta(seconds=1)


def _order(ctx, world: World, maker: LifeMaker, plan: Plan, template, order_id: int, wo_id: int, rng) -> tuple:
    now = ctx.now
    sensitive = []
    if plan.order_type == "transfer":
        sensitive = ["ownership_transfer"]
    elif plan.order_type == "terminate" and plan.customer_class == "key_account":
        sensitive = ["key_account_termination"]
    check_delay = (
        between(rng, 10 * MINUTE, 4 * HOUR) if sensitive else rng.randint(5, 60) * datetime.timedelta(seconds=1)
    )
    if plan.state is None:
        created = _created_at(ctx, plan, rng)
        life = maker.make(plan, template, created + check_delay, wo_id)
        finished = life.work_order["completed_at"]
        if finished > now - 10 * MINUTE:  # it would finish after today: the same hours, a few days earlier
            delta = datetime.timedelta(days=(finished - now + 10 * MINUTE).days + 1)
            shift(life, delta)
            created -= delta
    else:
        limit = maker.limit_of(plan, template)
        minutes = limit.resolution_minutes if limit else 48 * 60
        span = minutes * MINUTE
        for _attempt in range(20):  # taken during the channel's opening hours
            if plan.overdue:
                age = span + between(rng, HOUR, 20 * HOUR)
            elif plan.state == "held":
                age = between(rng, 2 * HOUR, span * 0.5)
            else:
                age = between(rng, 3 * HOUR if plan.state == "inProgress" else HOUR / 2, min(30 * HOUR, span * 0.8))
            created = now - age - check_delay
            if _open_at(plan.channel, created):
                break
        life = maker.make(plan, template, now - age, wo_id)
    wo = life.work_order
    life.work_order["order_id"] = order_id
    life.work_order["customer_id"], life.work_order["product_id"] = plan.customer_id, plan.product_id
    started = created + check_delay
    state = "completed" if plan.state is None else ("pending" if wo["state"] == "held" else "inProgress")
    completed = wo["completed_at"] + rng.randint(1, 30) * datetime.timedelta(seconds=1) if plan.state is None else None
    fee = plan.offering.one_off if plan.order_type in ("new", "port_in", "change", "move") else 0
    payment = rng.choice(PAYMENT[plan.channel]) if fee else ""
    checks = [c for c in CHECKS[plan.order_type] if c != "credit_lines" or plan.customer_class == "public"]
    if plan.order_type == "new" and not plan.offering.installs:
        checks.remove("address")
    checkers = world.region_staff.get((plan.region_id, "manager")) or world.province_managers
    order = {
        "id": order_id, "order_no": f"D{to_local(created):%Y%m%d}{order_id:08d}",
        "order_type": plan.order_type, "state": state, "customer_id": plan.customer_id,
        "billing_account_id": plan.account_id, "product_id": plan.product_id, "offering_id": plan.offering.id,
        "new_owner_id": plan.new_owner_id, "service_number": plan.service_number,
        "address_id": plan.address.id if plan.address else None, "channel": plan.channel, "outlet_id": plan.outlet_id,
        "created_by_id": plan.created_by_id, "idempotency_key": "", "region_id": plan.region_id,
        "area_id": plan.area_id, "grid_id": plan.grid_id, "priority": wo["priority"],
        "description": rng.choice(NOTES) if template.needs_field_visit and rng.random() < 0.2 else "",
        "requested_date": to_local(created).date() + datetime.timedelta(days=1)
        if template.needs_field_visit else None,
        "appointment_at": wo["appointment_at"],
        "eligibility": [{"code": c, "ok": True, "reason": "", "overridable": False} for c in checks],
        "arrears_override": False, "override_reason": "", "sensitive_reasons": sensitive,
        "second_checker_id": rng.choice(checkers) if sensitive and checkers else None,
        "second_checked_at": started if sensitive and checkers else None,
        "one_off_fee": fee, "paid_amount": fee if payment else 0, "payment_method": payment,
        "paid_at": created + rng.randint(30, 300) * datetime.timedelta(seconds=1) if payment else None,
        "signature": "", "signed_at": None,
        "authorization_code": f"{rng.randrange(10**6):06d}" if plan.order_type == "port_out" and completed else "",
        "created_at": created, "submitted_at": created, "completed_at": completed, "cancelled_at": None,
        "cancellation_reason": "", "updated_at": completed or wo["dispatched_at"] or started,
    }  # fmt: skip
    return order, life
