"""Arrears management after the run: pauses (promises to pay, instalment plans), closing a paid case, resuming
the services it suspended, and what a payment does to a live case."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, Sum, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.outbox.services import outbox_enqueue
from customers.models import BillingAccount

from ...models import CollectionTask, DunningAction, DunningCase, Instalment, InstalmentPlan, Payment, PromiseToPay
from ...models.dunning import LIVE_CASE_STATES
from ..accounts import account_arrears_refresh
from .policy import below_threshold, rule_for
from .steps import Kind, step_record

logger = logging.getLogger(__name__)

# Resolved cases whose suspended services are checked for a pending resumption by the daily run.
RESUME_RETRY_DAYS = 30


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
        _enqueue_resume(case.pk)
    return case


def _close_open_work(case: DunningCase, *, now: datetime.datetime, kept: bool) -> None:
    case.tasks.filter(state=CollectionTask.State.OPEN).update(state=CollectionTask.State.CANCELLED, done_at=now)
    case.promises.filter(state=PromiseToPay.State.PENDING).update(
        state=PromiseToPay.State.KEPT if kept else PromiseToPay.State.BROKEN, checked_at=now
    )
    case.instalment_plans.filter(state=InstalmentPlan.State.ACTIVE).update(state=InstalmentPlan.State.COMPLETED)


def _enqueue_resume(case_id: int) -> None:
    """Queue the resumption through the outbox, with the payment's transaction: if the broker is down the payment
    still commits and the resumption runs once it is back (the daily run also retries what is left)."""
    from ...tasks import dunning_resume_task

    outbox_enqueue(dunning_resume_task, case_id)


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
