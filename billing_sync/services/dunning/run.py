"""Arrears management (欠费管理): the daily run through the phases, and what a payment does to a case.

The policy is data: ``DunningPhase`` says what happens when an account has been overdue for so many days (reminders,
linked suspension 关联停机, disconnection 拆机 and legal collection), ``DunningRule`` the thresholds, extra grace and
exemptions by customer class and service level (the most specific row wins). Suspension, disconnection and resumption
go through the orders service like any other order. Every step is a ``DunningAction``, an entry on the customer's
timeline and an audit record. ``now`` is a parameter everywhere so tests (and replays) drive the clock."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import CharField, DecimalField, Exists, F, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.audit.services import audit_record
from crm.messaging.services import sms_send
from customers.models import BillingAccount, Customer, PartyInteraction
from customers.selectors import preferred_phone
from customers.services import interaction_record

from ..models import (
    CollectionTask,
    CustomerBill,
    DunningAction,
    DunningCase,
    DunningPhase,
    DunningRule,
    Instalment,
    InstalmentPlan,
    Payment,
    PromiseToPay,
)
from ..models.dunning import LIVE_CASE_STATES
from .accounts import account_arrears_refresh

logger = logging.getLogger(__name__)

CHUNK = 2000
ZERO = Decimal("0.00")
# When the rule table is empty: act from 10 yuan, automatics on.
DEFAULT_RULE = DunningRule(min_arrears=Decimal("10.00"))
# Resolved cases whose suspended services are checked for a pending resumption by the daily run.
RESUME_RETRY_DAYS = 30
Kind = DunningAction.Kind


@dataclass
class DunningReport:
    """What one run did."""

    opened: int = 0
    advanced: int = 0
    resolved: int = 0
    suspended: int = 0
    terminated: int = 0
    failed: int = 0
    reminded: int = 0
    resumed: int = 0


# --- Policy --------------------------------------------------------------------------------------------------------


def rules_table() -> dict[tuple[str, str], DunningRule]:
    return {(r.customer_class, r.service_level): r for r in DunningRule.objects.all()}


def rule_for(customer: Customer, rules: dict[tuple[str, str], DunningRule] | None = None) -> DunningRule:
    """The most specific rule for the customer: class and level, then level, then class, then the default row."""
    rules = rules_table() if rules is None else rules
    cls, level = customer.customer_class, customer.service_level
    for key in ((cls, level), ("", level), (cls, ""), ("", "")):
        if key in rules:
            return rules[key]
    return DEFAULT_RULE


def below_threshold(arrears: Decimal, rule: DunningRule) -> bool:
    return arrears <= 0 or arrears < rule.min_arrears


def account_products(account: BillingAccount):
    """The account's own subscriptions (top level; bundle components follow their bundle, services follow lines).

    Subscriptions without an account belong to the customer's first account."""
    from orders.models import Product

    first = account.customer.accounts.order_by("pk").values_list("pk", flat=True).first()
    mine = Q(billing_account=account)
    if first == account.pk:
        mine |= Q(billing_account__isnull=True, customer_id=account.customer_id)
    return (
        Product.objects.filter(mine, bundle__isnull=True)
        .exclude(specification__kind="vas")
        .select_related("customer__party")
        .order_by("pk")
    )


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


# --- The daily run ------------------------------------------------------------------------------------------------


def dunning_run(*, now: datetime.datetime | None = None) -> DunningReport:
    """The daily run: refresh arrears, open cases, move cases through the phases, check promises and instalment
    plans, resolve what was paid, retry failed steps and pending resumptions. Running twice at the same ``now``
    does nothing the second time."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = DunningReport()
    account_arrears_refresh(today=today)
    rules = rules_table()
    phases = list(DunningPhase.objects.order_by("number"))
    _arrears_sync()
    for case_id in _paid_case_ids(rules):
        if _guarded(_resolve_if_paid, case_id, rules=rules, now=now, report=report):
            report.resolved += 1
    report.opened += _cases_open(now=now, today=today, rules=rules)
    for case_id in _due_case_ids(now=now, today=today, phases=phases):
        _guarded(_case_step, case_id, now=now, today=today, rules=rules, phases=phases, report=report)
    for case_id in _resume_pending_case_ids(now=now):
        report.resumed += len(dunning_resume(case_id=case_id, now=now))
    return report


def _guarded(func, case_id: int, *, report: DunningReport, **kwargs):
    """One case's work in its own transaction; an error is logged and counted, and the run goes on."""
    try:
        with transaction.atomic():
            return func(case_id, report=report, **kwargs)
    except Exception:
        logger.exception("Dunning step failed for case %s", case_id)
        report.failed += 1
        return None


def _arrears_sync() -> int:
    """Live cases carry their account's current arrears (set-based)."""
    current = BillingAccount.objects.filter(pk=OuterRef("account_id")).values("arrears_amount")[:1]
    return (
        DunningCase.objects.filter(status__in=LIVE_CASE_STATES)
        .exclude(arrears=F("account__arrears_amount"))
        .update(arrears=Subquery(current, output_field=DecimalField(max_digits=12, decimal_places=2)))
    )


def _paid_case_ids(rules) -> list[int]:
    highest = max([r.min_arrears for r in rules.values()] + [DEFAULT_RULE.min_arrears])
    return list(
        DunningCase.objects.filter(status__in=LIVE_CASE_STATES, arrears__lt=highest)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _resolve_if_paid(case_id: int, *, rules, now, report) -> bool:
    case = DunningCase.objects.select_for_update().select_related("customer", "account").get(pk=case_id)
    if not case.is_live or not below_threshold(case.arrears, rule_for(case.customer, rules)):
        return False
    case_resolve(case, now=now)
    return True


def _cases_open(*, now: datetime.datetime, today: datetime.date, rules) -> int:
    """A case for each account owing at least its rule's minimum with no live case, in chunks of accounts."""
    lowest = min([r.min_arrears for r in rules.values()] or [DEFAULT_RULE.min_arrears])
    oldest = (
        CustomerBill.objects.filter(account_id=OuterRef("pk"), due_date__lt=today)
        .exclude(state=CustomerBill.State.SETTLED)
        .order_by("due_date")
        .values("due_date")[:1]
    )
    live = DunningCase.objects.filter(account_id=OuterRef("pk"), status__in=LIVE_CASE_STATES)
    candidates = (
        BillingAccount.objects.filter(arrears_amount__gt=0, arrears_amount__gte=lowest)
        .exclude(Exists(live))
        .annotate(oldest_due=Subquery(oldest))
        .order_by("pk")
    )
    fields = (
        "pk",
        "customer_id",
        "customer__region_id",
        "customer__customer_class",
        "customer__service_level",
        "arrears_amount",
        "oldest_due",
    )
    opened, last = 0, 0
    while True:
        rows = list(candidates.filter(pk__gt=last).values_list(*fields)[:CHUNK])
        if not rows:
            return opened
        last = rows[-1][0]
        cases = []
        for pk, customer_id, region_id, cls, level, arrears, oldest_due in rows:
            rule = rule_for(Customer(customer_class=cls, service_level=level), rules)
            if below_threshold(arrears, rule):
                continue
            cases.append(
                DunningCase(
                    account_id=pk,
                    customer_id=customer_id,
                    region_id=region_id,
                    overdue_since=oldest_due or today,
                    arrears=arrears,
                    arrears_at_open=arrears,
                    opened_at=now,
                    status=DunningCase.Status.OPEN,
                    exempt=not (rule.automatic_suspension and rule.automatic_disconnection),
                )
            )
        with transaction.atomic():
            created = DunningCase.objects.bulk_create(cases, batch_size=CHUNK)
            DunningAction.objects.bulk_create(
                [
                    DunningAction(
                        case=c, kind=Kind.OPENED, phase=0, at=now, note=f"{c.arrears} / {c.overdue_since.isoformat()}"
                    )
                    for c in created
                ],
                batch_size=CHUNK,
            )
            for c in created:  # audited one by one (one insert each); the timeline starts with the first phase
                audit_record(action="create", obj=c, changes={"step": Kind.OPENED, "arrears": str(c.arrears),
                             "overdue_since": c.overdue_since.isoformat(), "exempt": c.exempt})  # fmt: skip
        opened += len(created)


def _due_case_ids(*, now: datetime.datetime, today: datetime.date, phases: list[DunningPhase]) -> list[int]:
    """Live cases with something due: a phase reached (grace is checked per case), a reminder, the end of a pause,
    or a failed step to retry."""
    due = Q(status=DunningCase.Status.OPEN, next_reminder_at__lte=now)
    due |= Q(status=DunningCase.Status.PAUSED) & (Q(paused_until__lt=today) | Q(paused_until__isnull=True))
    for phase in phases:
        since = today - datetime.timedelta(days=phase.starts_after_days)
        due |= Q(status=DunningCase.Status.OPEN, phase__lt=phase.number, overdue_since__lte=since)
    ids = set(DunningCase.objects.filter(due).values_list("pk", flat=True))
    return sorted(ids | set(_retry_case_ids()))


def _retry_case_ids(case_id: int | None = None) -> list[int]:
    """Cases whose last suspension or disconnection attempt in their current phase failed."""
    last_ok = (
        DunningAction.objects.filter(
            case_id=OuterRef("case_id"), phase=OuterRef("phase"), kind__in=(Kind.SUSPEND, Kind.TERMINATE)
        )
        .order_by()
        .values("case_id")
        .annotate(m=Max("pk"))
        .values("m")
    )
    failed = DunningAction.objects.filter(case_id=case_id) if case_id else DunningAction.objects.all()
    return list(
        failed.filter(
            kind=Kind.FAILED,
            case__status__in=(DunningCase.Status.OPEN, DunningCase.Status.LEGAL),
            phase=F("case__phase"),
        )
        .annotate(last_ok=Subquery(last_ok))
        .filter(Q(last_ok__isnull=True) | Q(pk__gt=F("last_ok")))
        .values_list("case_id", flat=True)
        .distinct()
    )


def _case_step(case_id: int, *, now, today, rules, phases, report) -> None:
    case = DunningCase.objects.select_for_update().select_related("customer", "account").get(pk=case_id)
    if not case.is_live:
        return
    rule = rule_for(case.customer, rules)
    retry = bool(_retry_case_ids(case.pk))  # failures of earlier runs (not the ones this run is about to make)
    if case.status == DunningCase.Status.PAUSED:
        _pause_check(case, now=now, today=today)
    if case.status == DunningCase.Status.OPEN:
        days = (today - case.overdue_since).days
        entered = False
        for phase in phases:
            if phase.number > case.phase and days >= phase.starts_after_days + rule.grace_days:
                _phase_enter(case, phase, rule, now=now, report=report)
                entered = True
                if case.status != DunningCase.Status.OPEN:
                    break
        current = next((p for p in phases if p.number == case.phase), None)
        if (
            not entered
            and current is not None
            and current.send_sms
            and current.remind_every_days
            and case.next_reminder_at is not None
            and case.next_reminder_at <= now
        ):
            _sms(case, current, now=now)
            report.reminded += 1
            case.next_reminder_at = now + datetime.timedelta(days=current.remind_every_days)
            case.save(update_fields=["next_reminder_at", "updated_at"])
    if case.status in (DunningCase.Status.OPEN, DunningCase.Status.LEGAL) and retry:
        current = next((p for p in phases if p.number == case.phase), None)
        if current is not None and current.terminate_services and rule.automatic_disconnection:
            _services(case, terminate=True, now=now, report=report)
        elif current is not None and current.suspend_services and rule.automatic_suspension:
            _services(case, terminate=False, now=now, report=report)


def _paid_since(case: DunningCase, since: datetime.datetime) -> Decimal:
    return Payment.objects.filter(account_id=case.account_id, paid_at__gte=since).aggregate(t=Sum("amount"))[
        "t"
    ] or Decimal(0)


def _pause_check(case: DunningCase, *, now: datetime.datetime, today: datetime.date) -> None:
    """A paused case: a promise whose date passed is kept or broken; an instalment not paid on time breaks the plan.
    With nothing left to wait for, the case is back in progress and the process continues."""
    promise = case.promises.filter(state=PromiseToPay.State.PENDING).first()
    if promise is not None and promise.promised_on < today:
        kept = _paid_since(case, promise.created_at) >= promise.amount
        promise.state = PromiseToPay.State.KEPT if kept else PromiseToPay.State.BROKEN
        promise.checked_at = now
        promise.save(update_fields=["state", "checked_at"])
        values = {"date": promise.promised_on.isoformat(), "amount": promise.amount}
        if kept:
            step_record(
                case, Kind.PROMISE_KEPT, now=now, note=_("Promise of %(amount)s yuan by %(date)s kept.") % values
            )
        else:
            step_record(
                case,
                Kind.PROMISE_BROKEN,
                now=now,
                note=_("Promise of %(amount)s yuan by %(date)s broken; the process continues.") % values,
            )
    plan = case.instalment_plans.filter(state=InstalmentPlan.State.ACTIVE).first()
    if plan is not None:
        late = plan.instalments.filter(due_on__lt=today, paid__lt=F("amount")).order_by("seq").first()
        if late is not None:
            plan.state = InstalmentPlan.State.BROKEN
            plan.save(update_fields=["state"])
            step_record(
                case,
                Kind.INSTALMENT_BROKEN,
                now=now,
                note=_("Instalment %(seq)s of %(amount)s yuan due %(date)s not paid; the process continues.")
                % {"seq": late.seq, "amount": late.amount, "date": late.due_on.isoformat()},
            )
        elif not plan.instalments.filter(paid__lt=F("amount")).exists():
            plan.state = InstalmentPlan.State.COMPLETED
            plan.save(update_fields=["state"])
    pause_refresh(case)


def pause_refresh(case: DunningCase) -> None:
    """Paused until the pending promise's date or the next unpaid instalment; back in progress when neither."""
    if case.status not in (DunningCase.Status.PAUSED, DunningCase.Status.OPEN):
        return
    dates = list(case.promises.filter(state=PromiseToPay.State.PENDING).values_list("promised_on", flat=True))
    plan = case.instalment_plans.filter(state=InstalmentPlan.State.ACTIVE).first()
    if plan is not None:
        nxt = plan.instalments.filter(paid__lt=F("amount")).order_by("seq").values_list("due_on", flat=True).first()
        if nxt is not None:
            dates.append(nxt)
    if dates:
        case.status, case.paused_until = DunningCase.Status.PAUSED, min(dates)
    else:
        case.status, case.paused_until = DunningCase.Status.OPEN, None
    case.save(update_fields=["status", "paused_until", "updated_at"])


# --- Closing a case and resuming its services ---------------------------------------------------------------------


def case_resolve(case: DunningCase, *, now: datetime.datetime, actor=None) -> DunningCase:
    """The arrears fell below the threshold: the case is closed as paid, its open work cancelled, and (after commit)
    the services it suspended are resumed."""
    case.status, case.closed_at = DunningCase.Status.RESOLVED, now
    case.paused_until = case.next_reminder_at = None
    case.save(update_fields=["status", "closed_at", "paused_until", "next_reminder_at", "updated_at"])
    _close_open_work(case, now=now, kept=True)
    step_record(
        case,
        Kind.RESOLVED,
        now=now,
        actor=actor,
        note=_("Arrears cleared (%(amount)s yuan left); the case is closed.") % {"amount": case.arrears},
    )
    if case.actions.filter(kind=Kind.SUSPEND).exists():
        case_id = case.pk
        transaction.on_commit(lambda: _enqueue_resume(case_id))
    return case


def _close_open_work(case: DunningCase, *, now: datetime.datetime, kept: bool) -> None:
    case.tasks.filter(state=CollectionTask.State.OPEN).update(state=CollectionTask.State.CANCELLED, done_at=now)
    case.promises.filter(state=PromiseToPay.State.PENDING).update(
        state=PromiseToPay.State.KEPT if kept else PromiseToPay.State.BROKEN, checked_at=now
    )
    case.instalment_plans.filter(state=InstalmentPlan.State.ACTIVE).update(state=InstalmentPlan.State.COMPLETED)


def _enqueue_resume(case_id: int) -> None:
    from ..tasks import dunning_resume_task

    try:
        dunning_resume_task.delay(case_id)
    except Exception:  # the payment is committed; the daily run retries the resumption
        logger.exception("Could not enqueue the resumption of case %s", case_id)


def _resume_pending_case_ids(*, now: datetime.datetime) -> list[int]:
    """Cases paid in the last 30 days with a subscription they suspended still suspended (narrowed in SQL through
    the suspension orders' keys), then checked one by one for a missing resumption order."""
    from orders.models import OrderType, ProductOrder

    since = now - datetime.timedelta(days=RESUME_RETRY_DAYS)
    prefix = Concat(Value("dunning-"), Cast(OuterRef("pk"), CharField()), Value("-suspend-"))
    still_suspended = ProductOrder.objects.filter(
        order_type=OrderType.SUSPEND, product__status="suspended", idempotency_key__startswith=prefix
    )
    ids = (
        DunningCase.objects.filter(status=DunningCase.Status.RESOLVED, closed_at__gte=since)
        .filter(Exists(still_suspended))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return [pk for pk in ids if _products_to_resume(pk)]


def _suspended_by(case_id: int) -> set[int]:
    ids: set[int] = set()
    for chunk in DunningAction.objects.filter(case_id=case_id, kind=Kind.SUSPEND).values_list("product_ids", flat=True):
        ids.update(chunk)
    return ids


def _products_to_resume(case_id: int):
    """Subscriptions the case suspended that are still suspended and have no resumption order yet."""
    from orders.models import Product, ProductOrder

    suspended_ids = _suspended_by(case_id)
    keys = {f"dunning-{case_id}-resume-{pk}" for pk in suspended_ids}
    asked = set(ProductOrder.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    products = Product.objects.filter(pk__in=suspended_ids, status=Product.Status.SUSPENDED)
    return [
        p for p in products.select_related("customer").order_by("pk") if f"dunning-{case_id}-resume-{p.pk}" not in asked
    ]


def dunning_resume(*, case_id: int, now: datetime.datetime | None = None) -> list[str]:
    """Resume every subscription this (closed) case suspended, through RESUME orders; returns the order numbers.

    Subscriptions already disconnected stay disconnected (said on the timeline); a refused order is a FAILED step
    and the daily run tries again. Never raises for one subscription."""
    from orders.eligibility import OrderRequest
    from orders.models import OrderType, Product
    from orders.services.intake import order_submit

    now = now or timezone.now()
    case = DunningCase.objects.select_related("customer", "account").get(pk=case_id)
    if case.is_live:
        return []
    orders, resumed, failures = [], [], []
    gone = list(
        Product.objects.filter(
            pk__in=_suspended_by(case_id), status__in=(Product.Status.TERMINATED, Product.Status.PENDING_TERMINATE)
        )
    )
    for product in _products_to_resume(case_id):
        request = OrderRequest(
            order_type=OrderType.RESUME,
            customer=product.customer,
            product=product,
            channel="api",
            description="缴费复机",
            idempotency_key=f"dunning-{case.pk}-resume-{product.pk}",
        )
        try:
            order = order_submit(request=request, actor=None)
        except Exception as exc:
            failures.append((product, str(exc) or exc.__class__.__name__))
        else:
            orders.append(order.order_no)
            resumed.append(product)
    with transaction.atomic():
        already_said = set()
        for ids in case.actions.filter(kind=Kind.RESUME).values_list("product_ids", flat=True):
            already_said.update(ids)
        if resumed:
            step_record(
                case,
                Kind.RESUME,
                now=now,
                orders=orders,
                product_ids=[p.pk for p in resumed],
                note=_("Services resumed (复机) for %(numbers)s.")
                % {"numbers": ", ".join(p.service_number or p.product_no for p in resumed)},
            )
        gone = [p for p in gone if p.pk not in already_said]
        if gone:
            step_record(
                case,
                Kind.RESUME,
                now=now,
                product_ids=[p.pk for p in gone],
                note=_("%(numbers)s stay disconnected (拆机 cannot be undone by a payment).")
                % {"numbers": ", ".join(p.service_number or p.product_no for p in gone)},
            )
        for product, reason in failures:
            step_record(
                case,
                Kind.FAILED,
                now=now,
                product_ids=[product.pk],
                note=f"resume {product.service_number or product.product_no}: {reason}",
            )
    return orders


# --- Payments ------------------------------------------------------------------------------------------------------


def dunning_on_payment(*, account, payment) -> None:
    """A payment arrived for the account (in the payment's transaction): the live case follows the arrears; a pending
    promise it covers is kept; it pays the instalments in order; below the threshold the case is resolved and its
    suspended services resume after commit."""
    case = (
        DunningCase.objects.select_for_update()
        .select_related("customer", "account")
        .filter(account_id=account.pk, status__in=LIVE_CASE_STATES)
        .first()
    )
    if case is None:
        return
    now = max(timezone.now(), payment.paid_at) if payment.paid_at else timezone.now()
    day = timezone.localdate(now)
    if day != timezone.localdate():
        account_arrears_refresh(account_ids=[account.pk], today=day)
    case.arrears = BillingAccount.objects.values_list("arrears_amount", flat=True).get(pk=account.pk)
    case.save(update_fields=["arrears", "updated_at"])
    DunningAction.objects.create(
        case=case, kind=Kind.PAYMENT, phase=case.phase, at=now, note=f"{payment.payment_no} {payment.amount}"
    )
    promise = case.promises.filter(state=PromiseToPay.State.PENDING).first()
    if promise is not None and _paid_since(case, promise.created_at) >= promise.amount:
        promise.state, promise.checked_at = PromiseToPay.State.KEPT, now
        promise.save(update_fields=["state", "checked_at"])
        step_record(
            case,
            Kind.PROMISE_KEPT,
            now=now,
            note=_("Promise of %(amount)s yuan by %(date)s kept.")
            % {"amount": promise.amount, "date": promise.promised_on.isoformat()},
        )
    plan = case.instalment_plans.filter(state=InstalmentPlan.State.ACTIVE).first()
    if plan is not None:
        _instalments_pay(plan, payment.amount)
    if below_threshold(case.arrears, rule_for(case.customer)):
        case_resolve(case, now=now)
    elif case.status == DunningCase.Status.PAUSED:
        pause_refresh(case)


def _instalments_pay(plan: InstalmentPlan, amount: Decimal) -> None:
    left = amount
    for instalment in plan.instalments.select_for_update().filter(paid__lt=F("amount")).order_by("seq"):
        share = min(left, instalment.amount - instalment.paid)
        if share <= 0:
            break
        Instalment.objects.filter(pk=instalment.pk).update(paid=F("paid") + share)
        left -= share
    if not plan.instalments.filter(paid__lt=F("amount")).exists():
        plan.state = InstalmentPlan.State.COMPLETED
        plan.save(update_fields=["state"])
