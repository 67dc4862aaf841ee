"""Payments feed (缴费): each payment billing reports is posted through ``payments.payment_post`` with source
billing, so it pays the oldest bills and stops dunning exactly as a payment at the counter does."""

from __future__ import annotations

from customers.models import BillingAccount

from ...models import FeedBatch, Payment
from ..payments import PaymentRefused, payment_post
from .values import Chunk, RowError, amount, choice, mark_validated, moment, text

CHANNELS = frozenset({"bank", "agent", "billing", "counter", "portal", "hotline"})
METHODS = frozenset(Payment.Method.values)


def load_chunk(*, batch: FeedBatch, rows: list[tuple[int, dict]], context: dict) -> Chunk:
    chunk = Chunk()
    seen: set = context["seen"]
    numbers = {str(r.get("accountNo")) for _n, r in rows if r.get("accountNo")}
    accounts = {a.account_no: a for a in BillingAccount.objects.filter(account_no__in=numbers)}
    keys = [str(r.get("paymentNo")) for _n, r in rows if r.get("paymentNo")]
    existing = {p.payment_no: p for p in Payment.objects.filter(payment_no__in=keys).only("payment_no", "account",
                                                                                          "amount")}  # fmt: skip
    valid = []
    for row_no, record in rows:
        key = str(record.get("paymentNo") or "")[:100]
        try:
            payment_no = text(record, "paymentNo", max_length=40)
            if payment_no in seen:
                raise RowError("paymentNo", "duplicateInBatch", f"payment {payment_no} appears twice in the batch")
            account_no = text(record, "accountNo", max_length=20)
            account = accounts.get(account_no)
            if account is None:
                raise RowError("accountNo", "unknownAccount", f"no billing account {account_no}")
            value = amount(record, "amount")
            if value <= 0:
                raise RowError("amount", "badAmount", "amount must be more than zero")
            paid_at = moment(record, "paidAt", now=context["now"], tz=context["tz"])
            channel = choice(record, "channel", CHANNELS)
            method = choice(record, "method", METHODS)
            earlier = existing.get(payment_no)
            if earlier is not None and (earlier.account_id != account.pk or earlier.amount != value):
                raise RowError("paymentNo", "conflict",
                               f"payment {payment_no} was loaded before with another account or amount")  # fmt: skip
        except RowError as error:
            chunk.reject(batch, row_no, key, error)
            continue
        seen.add(payment_no)
        if payment_no in existing:
            chunk.duplicate += 1
            continue
        valid.append((row_no, payment_no, account, value, paid_at, channel, method))
    mark_validated(context)
    for row_no, payment_no, account, value, paid_at, channel, method in valid:
        try:
            _payment, created = payment_post(account=account, amount=value, channel=channel, method=method,
                                             payment_no=payment_no, paid_at=paid_at, source=Payment.Source.BILLING,
                                             batch=batch)  # fmt: skip
        except PaymentRefused as exc:
            chunk.reject(batch, row_no, payment_no, RowError("", "refused", str(exc)))
            continue
        if created:
            chunk.loaded += 1
        else:
            chunk.duplicate += 1
    return chunk
