"""Arrears management steps: recording a step (case history, timeline, audit) and what entering a phase does
(reminder SMS, collection tasks, suspension and disconnection orders)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.audit.services import audit_record
from crm.messaging.services import sms_send
from customers.models import PartyInteraction
from customers.selectors import preferred_phone
from customers.services import interaction_record

from ...models import CollectionTask, DunningAction, DunningCase, DunningPhase, DunningRule
from .policy import account_products

if TYPE_CHECKING:
    from .run import DunningReport

Kind = DunningAction.Kind


# --- Steps: the case's history, the timeline and the audit log --------------------------------------------------


TIMELINE_CHANNELS = {Kind.SMS: "sms", Kind.CALL_TASK: "outbound_call", Kind.CONTACT: "outbound_call"}


def step_record(
    case: DunningCase,
    kind: str,
    *,
    now: datetime.datetime,
    note: str = "",
    orders=(),
    product_ids=(),
    actor=None,
    phase: int | None = None,
    channel: str = "",
) -> DunningAction:
    """One step of a case: a DunningAction, an entry on the customer's timeline and an audit record."""
    action = DunningAction.objects.create(
        case=case,
        kind=kind,
        phase=case.phase if phase is None else phase,
        at=now,
        note=note[:500],
        orders=list(orders),
        product_ids=list(product_ids),
        actor=actor if _is_user(actor) else None,
    )
    related = [{"@referredType": "DunningCase", "id": str(case.pk)}]
    related += [{"@referredType": "ProductOrder", "id": no} for no in orders]
    open_task = kind in (Kind.CALL_TASK, Kind.MANAGER_TASK)
    interaction_record(
        customer=case.customer,
        channel=channel or TIMELINE_CHANNELS.get(kind, "system"),
        interaction_type="dunning",
        direction=PartyInteraction.Direction.OUTBOUND,
        reason=str(Kind(kind).label)[:200],
        description=note or str(Kind(kind).label),
        status=PartyInteraction.Status.OPEN if open_task else PartyInteraction.Status.COMPLETED,
        staff=actor if _is_user(actor) else None,
        related_entities=related,
        occurred_at=now,
    )
    audit_record(
        action="create" if kind == Kind.OPENED else "update",
        obj=case,
        changes={
            "step": kind,
            "phase": action.phase,
            "status": case.status,
            "arrears": str(case.arrears),
            **({"orders": list(orders)} if orders else {}),
            **({"products": list(product_ids)} if product_ids else {}),
        },
        detail=note,
        actor=actor if _is_user(actor) else None,
    )
    return action


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _sms(case: DunningCase, phase: DunningPhase, *, now: datetime.datetime) -> None:
    phone = preferred_phone(case.customer)
    values = {"account": case.account.account_no, "amount": case.arrears, "since": case.overdue_since.isoformat()}
    with translation.override("zh-hans"):
        if phase.terminate_services:
            body = (
                _(
                    "[China Telecom] Account %(account)s has owed %(amount)s yuan since %(since)s. Its services are "
                    "being disconnected and the debt handed over for collection."
                )
                % values
            )
        elif phase.suspend_services:
            body = (
                _(
                    "[China Telecom] Account %(account)s has owed %(amount)s yuan since %(since)s; its services are "
                    "suspended. Pay now and they resume automatically."
                )
                % values
            )
        else:
            body = (
                _(
                    "[China Telecom] Account %(account)s owes %(amount)s yuan (overdue since %(since)s). Please pay "
                    "soon to keep your services."
                )
                % values
            )
    sms_send(
        recipient=phone, body=body, purpose="dunning", related=[{"@referredType": "DunningCase", "id": str(case.pk)}]
    )
    note = _("Reminder SMS to %(phone)s (phase %(phase)s).") % {"phone": phone or "—", "phase": phase.number}
    if not phone:
        note = _("No phone on file for the reminder SMS (phase %(phase)s).") % {"phase": phase.number}
    step_record(case, Kind.SMS, now=now, note=note)


def _task(case: DunningCase, kind: str, *, now: datetime.datetime, assigned_to=None) -> CollectionTask | None:
    """An open task of this kind for the case (one at a time)."""
    if case.tasks.filter(kind=kind, state=CollectionTask.State.OPEN).exists():
        return None
    task = CollectionTask.objects.create(
        case=case,
        customer=case.customer,
        region_id=case.region_id,
        kind=kind,
        phase=case.phase,
        assigned_to=assigned_to,
        due_at=now + datetime.timedelta(days=1),
    )
    if kind == CollectionTask.Kind.MANAGER:
        who = assigned_to.get_username() if assigned_to else _("the branch (no account manager)")
        note = _("Task for %(who)s: contact the customer about %(amount)s yuan instead of automatic action.") % {
            "who": who,
            "amount": case.arrears,
        }
        step_record(case, Kind.MANAGER_TASK, now=now, note=note)
    else:
        note = _("Outbound call to make about %(amount)s yuan of arrears.") % {"amount": case.arrears}
        step_record(case, Kind.CALL_TASK, now=now, note=note)
    return task


def _services(case: DunningCase, *, terminate: bool, now: datetime.datetime, report: DunningReport) -> None:
    """Suspend (or disconnect) every live subscription of the account through the orders service.

    A refused order is a FAILED step for that subscription; the next run tries again."""
    from orders.eligibility import OrderRequest, _identifier
    from orders.models import OrderType
    from orders.services.intake import order_submit

    order_type = OrderType.TERMINATE if terminate else OrderType.SUSPEND
    word = "terminate" if terminate else "suspend"
    states = ("active", "suspended") if terminate else ("active",)
    done_orders, done_products, failures = [], [], []
    for product in account_products(case.account).filter(status__in=states):
        request = OrderRequest(
            order_type=order_type,
            customer=product.customer,
            product=product,
            channel="api",
            description="欠费拆机" if terminate else "欠费关联停机",
            idempotency_key=f"dunning-{case.pk}-{word}-{product.pk}",
            presented_id=_identifier(product.customer) if terminate else "",
        )
        try:
            order = order_submit(request=request, actor=None)
        except Exception as exc:  # one subscription's refusal never stops the case or the run
            failures.append((product, str(exc) or exc.__class__.__name__))
        else:
            done_orders.append(order.order_no)
            done_products.append(product.pk)
    if done_orders:
        numbers = ", ".join(
            p.service_number or p.product_no for p in account_products(case.account).filter(pk__in=done_products)
        )
        if terminate:
            note = _("Disconnection (拆机) ordered for %(numbers)s.") % {"numbers": numbers}
            report.terminated += len(done_orders)
        else:
            note = _("Linked suspension (关联停机) ordered for %(numbers)s.") % {"numbers": numbers}
            report.suspended += len(done_orders)
        step_record(
            case,
            Kind.TERMINATE if terminate else Kind.SUSPEND,
            now=now,
            note=note,
            orders=done_orders,
            product_ids=done_products,
        )
    for product, reason in failures:
        step_record(
            case,
            Kind.FAILED,
            now=now,
            product_ids=[product.pk],
            note=f"{word} {product.service_number or product.product_no}: {reason}",
        )
        report.failed += 1


def _phase_enter(
    case: DunningCase, phase: DunningPhase, rule: DunningRule, *, now: datetime.datetime, report: DunningReport
) -> None:
    case.phase, case.phase_entered_at = phase.number, now
    case.next_reminder_at = now + datetime.timedelta(days=phase.remind_every_days) if phase.remind_every_days else None
    case.save(update_fields=["phase", "phase_entered_at", "next_reminder_at", "updated_at"])
    days = (timezone.localdate(now) - case.overdue_since).days
    step_record(
        case,
        Kind.PHASE,
        now=now,
        note=_("Phase %(number)s %(name)s: %(days)s days overdue, %(amount)s yuan.")
        % {"number": phase.number, "name": phase.name, "days": days, "amount": case.arrears},
    )
    report.advanced += 1
    if phase.send_sms:
        _sms(case, phase, now=now)
        report.reminded += 1
    if phase.create_call_task:
        _task(case, CollectionTask.Kind.REMINDER_CALL, now=now, assigned_to=case.assigned_to)
    if phase.suspend_services:
        if rule.automatic_suspension:
            _services(case, terminate=False, now=now, report=report)
        else:
            _task(case, CollectionTask.Kind.MANAGER, now=now, assigned_to=case.customer.account_manager)
    if phase.terminate_services:
        if rule.automatic_disconnection:
            _services(case, terminate=True, now=now, report=report)
        else:
            _task(case, CollectionTask.Kind.MANAGER, now=now, assigned_to=case.customer.account_manager)
    if phase.hand_to_legal and rule.automatic_disconnection:
        case.status = DunningCase.Status.LEGAL
        case.save(update_fields=["status", "updated_at"])
        step_record(case, Kind.LEGAL, now=now, note=_("Handed over to legal collection (法律清缴)."))
