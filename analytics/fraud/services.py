"""Fraud writes: an analyst's verdict on an alert (with the line's suspension), and the fast check of a usage batch."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit.services import audit_record
from customers.models import Customer, PartyInteraction

from ..models import FraudAlert
from .loader import Scope, batch_product_days
from .run import enabled_rules, scan_day
from .writer import alerts_write

log = logging.getLogger(__name__)
REVIEW_PERMISSION = "accounts.review_fraud_alerts"
VERDICTS = (FraudAlert.Status.CONFIRMED, FraudAlert.Status.DISMISSED)


class FraudReviewError(Exception):
    """The verdict cannot be recorded (already reviewed, not allowed, or the suspension was refused)."""


@transaction.atomic
def fraud_alert_review(*, alert: FraudAlert, verdict: str, note: str, actor, suspend: bool = False) -> FraudAlert:
    """Record an analyst's verdict on an open alert (audited). Confirmed fraud flags the customer (and its timeline);
    with ``suspend`` the alert's line — or every live line of a customer alert — is suspended through the orders
    service, as the arrears process does. A refused suspension records nothing, so the analyst can decide again."""
    if actor is None or not actor.has_perm(REVIEW_PERMISSION):
        raise FraudReviewError(_("You may not review fraud alerts."))
    if verdict not in VERDICTS:
        raise FraudReviewError(_("Choose confirm or dismiss."))
    if suspend and verdict != FraudAlert.Status.CONFIRMED:
        raise FraudReviewError(_("Only confirmed fraud suspends the line."))
    alert = FraudAlert.objects.select_for_update(of=("self",)).select_related("customer", "product").get(pk=alert.pk)
    if alert.status != FraudAlert.Status.OPEN:
        raise FraudReviewError(_("Alert %(no)s was already reviewed.") % {"no": alert.alert_no})
    note = (note or "").strip()
    orders = _suspend(alert, actor=actor) if suspend else []
    alert.status, alert.reviewed_by, alert.reviewed_at = verdict, actor, timezone.now()
    alert.review_note = note[:500]
    alert.suspension_order = orders[0] if orders else None
    alert.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note", "suspension_order"])
    audit_record(
        action="update",
        obj=alert,
        changes={"status": ["open", verdict], **({"orders": [o.order_no for o in orders]} if orders else {})},
        detail=note,
        actor=actor,
    )
    if verdict == FraudAlert.Status.CONFIRMED:
        _flag(alert, actor=actor, note=note, orders=orders)
    return alert


def _suspend(alert: FraudAlert, *, actor) -> list:
    """Suspension orders for the alert's line (or the customer's live lines), submitted like the arrears process's."""
    from orders.eligibility import OrderRequest
    from orders.models import OrderType, Product
    from orders.services.intake import OrderRefused, order_submit

    if alert.product is not None:
        products = [alert.product] if alert.product.status == Product.Status.ACTIVE else []
    else:
        products = list(Product.objects.filter(customer=alert.customer, status=Product.Status.ACTIVE, bundle=None))
    if not products:
        raise FraudReviewError(_("There is no active line to suspend."))
    orders = []
    for product in products:
        request = OrderRequest(
            order_type=OrderType.SUSPEND,
            customer=product.customer,
            product=product,
            channel="api",
            description="欺诈停机",
            idempotency_key=f"fraud-{alert.pk}-suspend-{product.pk}",
        )
        try:
            orders.append(order_submit(request=request, actor=actor))
        except OrderRefused as exc:
            number = product.service_number or product.product_no
            raise FraudReviewError(
                _("Suspension of %(number)s was refused: %(reason)s") % {"number": number, "reason": exc}
            ) from exc
    return orders


def _flag(alert: FraudAlert, *, actor, note: str, orders: list) -> None:
    from customers.services import interaction_record

    customer = alert.customer
    if not customer.fraud_flag:
        Customer.objects.filter(pk=customer.pk).update(fraud_flag=True)
        customer.fraud_flag = True
        audit_record(action="update", obj=customer, changes={"fraud_flag": [False, True]},
                     detail=f"fraud alert {alert.alert_no}", actor=actor)  # fmt: skip
    description = _("Fraud confirmed (%(reason)s) on %(subject)s.") % {
        "reason": alert.reason_code,
        "subject": alert.subject,
    }
    if orders:
        description += " " + _("Suspension ordered: %(orders)s.") % {"orders": ", ".join(o.order_no for o in orders)}
    if note:
        description += " " + note
    interaction_record(
        customer=customer,
        channel="system",
        interaction_type="fraud",
        direction=PartyInteraction.Direction.OUTBOUND,
        reason=_("Fraud confirmed"),
        description=description,
        staff=actor,
        related_entities=[{"@referredType": "FraudAlert", "id": alert.alert_no}]
        + [{"@referredType": "ProductOrder", "id": o.order_no} for o in orders],
    )


def fraud_batch_check(*, batch_id: int) -> int:
    """Run the fast rules on the lines and days a loaded usage batch brought (the whole day of each line, so a
    burst split over two batches is seen); returns the alerts written. Alerts the daily run raises again are kept."""
    rules = enabled_rules(fast_only=True)
    if not rules:
        return 0
    written = 0
    for day, product_ids in sorted(batch_product_days(batch_id).items()):
        with transaction.atomic():
            hits = scan_day(day, Scope(product_ids=tuple(sorted(product_ids))), rules=rules)
            written += alerts_write(day=day, hits=hits)
    if written:
        log.info("usage batch %s: %s fraud alerts", batch_id, written)
    return written
