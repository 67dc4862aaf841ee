"""Online payments (在线交费): start one at a provider, and post it when the provider's notification approves it.

The payment itself goes through ``payments.payment_post`` like a counter payment, with the online payment's reference
as idempotency key, so a repeated or concurrent notification never posts twice and a declined one posts nothing."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import BillingAccount

from ..models import OnlinePayment
from ..providers import InvalidNotification, Notification, payment_provider
from .payments import PaymentRefused, payment_amount, payment_post


@transaction.atomic
def online_payment_start(*, account: BillingAccount, amount, description: str = "") -> tuple[OnlinePayment, str]:
    """Record a pending online payment for the account; returns it and the provider URL to send the payer to."""
    amount = payment_amount(amount)
    if account.status == BillingAccount.Status.CLOSED:
        raise PaymentRefused(_("Account %(account)s is closed.") % {"account": account.account_no})
    provider = payment_provider()
    online = OnlinePayment.objects.create(
        reference=f"OP{timezone.localdate():%Y%m%d}{secrets.token_hex(6).upper()}",
        account=account,
        customer_id=account.customer_id,
        amount=amount,
        provider=provider.name,
    )
    return online, provider.start_url(reference=online.reference, amount=amount, description=description)


def online_payment_notify(*, payload: dict) -> OnlinePayment:
    """Apply a provider notification: verified, matched to its pending payment, posted once if approved.

    Raises ``InvalidNotification`` for a bad signature, an unknown reference, another amount, or a second transaction
    id for a payment already decided."""
    note = payment_provider().verify(payload)
    return _apply(note)


@transaction.atomic
def _apply(note: Notification) -> OnlinePayment:
    online = (
        OnlinePayment.objects.select_for_update().select_related("account").filter(reference=note.reference).first()
    )
    if online is None:
        raise InvalidNotification("unknown reference")
    if online.state != OnlinePayment.State.PENDING:
        if online.transaction_id != note.transaction_id:
            raise InvalidNotification("this payment was already decided by another transaction")
        return online  # the same notification again: nothing more to do
    if note.amount != online.amount:
        raise InvalidNotification("the amount differs from the payment started")
    online.transaction_id, online.completed_at = note.transaction_id, timezone.now()
    if note.approved:
        payment, _created = payment_post(
            account=online.account,
            amount=online.amount,
            channel="portal",
            method="online",
            idempotency_key=f"online-{online.reference}",
        )
        online.state, online.payment = OnlinePayment.State.CONFIRMED, payment
    else:
        online.state = OnlinePayment.State.DECLINED
    online.save(update_fields=["state", "transaction_id", "completed_at", "payment"])
    return online
