"""Payments (缴费): one service for the counter, the portal, the hotline and billing's own feed.

A payment locks the account, pays the oldest open bills first and puts the rest on the balance, so two payments at
once can never both pay the same bill or lose an update. The CRM's own payments are announced to billing (TMF676
PaymentCreateEvent through the hub); payments billing reported are not echoed back."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.api.registry import register_api
from crm.api.services import event_publish
from crm.audit.services import audit_record
from customers.models import BillingAccount
from customers.services import interaction_record

from ..models import CustomerBill, Payment
from .accounts import account_arrears_refresh

PAYMENT_API = register_api(
    "paymentManagement", title="TMF676 Payment Management", read_scope="billing:read", write_scope="billing:feed"
)
MAX_PAYMENT = Decimal("1000000.00")
CENT = Decimal("0.01")
# Where a payment came from, as a channel of the customer's timeline.
TIMELINE_CHANNELS = {"counter": "hall", "agent": "hall", "portal": "portal", "hotline": "hotline"}


class PaymentRefused(ValueError):
    """The payment cannot be taken (bad amount, closed account, key reused for another payment)."""


def payment_amount(value) -> Decimal:
    """A payment amount from user or feed input: positive, in fen, at most a million yuan."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise PaymentRefused(_("The amount must be a number of yuan, such as 50 or 49.90.")) from None
    if not amount.is_finite() or amount <= 0:
        raise PaymentRefused(_("The amount must be more than zero."))
    if amount != amount.quantize(CENT):
        raise PaymentRefused(_("The amount cannot have more than two decimals (fen)."))
    if amount > MAX_PAYMENT:
        raise PaymentRefused(_("A single payment cannot exceed %(max)s yuan.") % {"max": MAX_PAYMENT})
    return amount


def payment_resource(payment: Payment) -> dict:
    """The TMF676 Payment representation used in events and by the API."""
    return {
        "id": payment.payment_no,
        "href": f"/tmf-api/paymentManagement/v4/payment/{payment.payment_no}",
        "@type": "Payment",
        "paymentDate": payment.paid_at.isoformat(),
        "totalAmount": {"unit": "CNY", "value": float(payment.amount)},
        "channel": {"name": payment.channel},
        "paymentMethod": {"@type": payment.method},
        "account": {"id": payment.account.account_no, "@referredType": "BillingAccount"},
        "paymentItem": [
            {
                "item": {"id": a["bill"], "@referredType": "CustomerBill"},
                "amount": {"unit": "CNY", "value": float(a["amount"])},
            }
            for a in payment.allocations
        ],
        "status": "posted",
        "idempotencyKey": payment.idempotency_key or payment.payment_no,
    }


def payment_post(
    *,
    account: BillingAccount,
    amount,
    channel: str,
    method: str,
    actor=None,
    idempotency_key: str = "",
    payment_no: str = "",
    paid_at: datetime.datetime | None = None,
    source: str = Payment.Source.CRM,
    batch=None,
) -> tuple[Payment, bool]:
    """Post a payment to an account; returns (payment, created).

    The same ``idempotency_key`` (counter, portal) or ``payment_no`` (billing's feed) posts once: a repeat returns
    the first payment and ``created`` False. A repeat with another account or amount is refused."""
    amount = payment_amount(amount)
    key = idempotency_key.strip()[:100]
    existing = _existing(key=key, payment_no=payment_no)
    if existing is not None:
        return _same_or_refuse(existing, account=account, amount=amount), False
    try:
        return _post(account=account, amount=amount, channel=channel, method=method, actor=actor, key=key,
                     payment_no=payment_no, paid_at=paid_at, source=source, batch=batch), True  # fmt: skip
    except IntegrityError as exc:  # the same payment posted at the same moment by another request
        existing = _existing(key=key, payment_no=payment_no)
        if existing is None or not any(n in str(exc) for n in ("payment_idempotency_key_once", "payment_no")):
            raise
        return _same_or_refuse(existing, account=account, amount=amount), False


def _existing(*, key: str, payment_no: str) -> Payment | None:
    if key:
        return Payment.objects.select_related("account").filter(idempotency_key=key).first()
    if payment_no:
        return Payment.objects.select_related("account").filter(payment_no=payment_no).first()
    return None


def _same_or_refuse(payment: Payment, *, account: BillingAccount, amount: Decimal) -> Payment:
    if payment.account_id != account.pk or payment.amount != amount:
        raise PaymentRefused(
            _("Payment %(no)s was already posted with this key for another account or amount.")
            % {"no": payment.payment_no}
        )
    return payment


@transaction.atomic
def _post(*, account, amount, channel, method, actor, key, payment_no, paid_at, source, batch) -> Payment:
    from .dunning import dunning_on_payment

    account = BillingAccount.objects.select_for_update().select_related("customer").get(pk=account.pk)
    if account.status == BillingAccount.Status.CLOSED:
        raise PaymentRefused(_("Account %(account)s is closed.") % {"account": account.account_no})
    left, allocations = amount, []
    bills = (
        CustomerBill.objects.select_for_update()
        .filter(account=account)
        .exclude(state=CustomerBill.State.SETTLED)
        .order_by("due_date", "id")
    )
    now = timezone.now()
    for bill in bills:
        share = min(left, bill.outstanding)
        if share <= 0:
            continue
        bill.amount_paid += share
        if bill.outstanding == 0:
            bill.state, bill.settled_at = CustomerBill.State.SETTLED, now
        else:
            bill.state = CustomerBill.State.PARTIALLY_PAID
        bill.save(update_fields=["amount_paid", "state", "settled_at"])
        allocations.append({"bill": bill.bill_no, "amount": str(share)})
        left -= share
        if left == 0:
            break
    payment = Payment.objects.create(
        payment_no=payment_no or f"P{secrets.token_hex(8)}",
        idempotency_key=key,
        account=account,
        customer=account.customer,
        amount=amount,
        paid_at=paid_at or now,
        channel=channel,
        method=method,
        source=source,
        allocations=allocations,
        to_balance=left,
        received_by=actor if actor is not None and actor.is_authenticated else None,
        batch=batch,
    )
    if not payment_no:
        payment.payment_no = f"PAY{timezone.localdate():%Y%m%d}{payment.pk:08d}"
        payment.save(update_fields=["payment_no"])
    if left:
        account.balance += left
        account.save(update_fields=["balance"])
    account_arrears_refresh(account_ids=[account.pk])
    account.refresh_from_db(fields=["arrears_amount", "balance"])
    payment.balance_after, payment.arrears_after = account.balance, account.arrears_amount
    payment.save(update_fields=["balance_after", "arrears_after"])
    interaction_record(
        customer=account.customer,
        channel=TIMELINE_CHANNELS.get(channel, "system"),
        interaction_type="payment",
        reason=payment.get_method_display(),
        description=_("Paid %(amount)s yuan to account %(account)s (%(payment)s).")
        % {"amount": amount, "account": account.account_no, "payment": payment.payment_no},
        staff=payment.received_by,
        related_entities=[{"@referredType": "Payment", "id": payment.payment_no}],
        occurred_at=payment.paid_at,
    )
    if source == Payment.Source.CRM:
        audit_record(action="create", obj=payment, changes={"amount": str(amount), "account": account.account_no,
                     "allocations": allocations}, actor=actor)  # fmt: skip
        event_publish(api_name=PAYMENT_API.name, event_type="PaymentCreateEvent", resource_name="payment",
                      resource=payment_resource(payment))  # fmt: skip
    dunning_on_payment(account=account, payment=payment)
    return payment
