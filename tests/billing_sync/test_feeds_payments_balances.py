"""Payments and balances feeds: billing's payments pay bills as a counter payment does; balances apply once."""

import datetime
from decimal import Decimal

import pytest

from billing_sync.models import AccountBalance, CustomerBill, Payment
from billing_sync.services.accounts import account_arrears_refresh
from billing_sync.services.feeds import feed_batch_load
from crm.api.models import Event

pytestmark = pytest.mark.django_db


def _payment(no, amount, account="A00000000001", **extra):
    return {"paymentNo": no, "accountNo": account, "amount": amount, "paidAt": "2026-11-10T09:30:00+08:00",
            "channel": "bank", "method": "bank_debit", **extra}  # fmt: skip


def test_the_payments_feed_pays_the_oldest_bills_and_loads_once(people, make_bill):
    account = people["zhang"].accounts.get()
    old = make_bill(account, "80.00", month=datetime.date(2026, 8, 1))
    new = make_bill(account, "50.00", month=datetime.date(2026, 9, 1))
    account_arrears_refresh(account_ids=[account.pk], today=datetime.date(2026, 11, 22))
    records = [
        _payment("BK001", "100.00"),
        _payment("BK002", "0"),
        _payment("BK003", "10", channel="pigeon"),
        _payment("BK004", "10", account="A00000000404"),
        _payment("BK005", "10", paidAt="2099-01-01T00:00:00+08:00"),
    ]

    batch, _ = feed_batch_load(sender="billing", kind="payments", client_batch_id="P1", records=records)

    assert (batch.rows_loaded, batch.rows_rejected) == (1, 4)
    assert sorted(batch.rejections.values_list("row_no", "code")) == [
        (2, "badAmount"), (3, "badValue"), (4, "unknownAccount"), (5, "inFuture"),
    ]  # fmt: skip
    payment = Payment.objects.get(payment_no="BK001")
    assert payment.source == Payment.Source.BILLING and payment.batch == batch and payment.channel == "bank"
    old.refresh_from_db(), new.refresh_from_db()
    assert old.state == CustomerBill.State.SETTLED and new.amount_paid == Decimal("20.00")
    assert not Event.objects.filter(event_type="PaymentCreateEvent").exists()  # billing's own payment: no echo

    # the same payment in a later batch: already loaded; with another amount: a conflict row
    later, _ = feed_batch_load(sender="billing", kind="payments", client_batch_id="P2",
                               records=[_payment("BK001", "100.00"), _payment("BK001", "99.00")])  # fmt: skip
    assert (later.rows_loaded, later.rows_duplicate, later.rows_rejected) == (0, 1, 1)
    new.refresh_from_db()
    assert new.amount_paid == Decimal("20.00") and Payment.objects.count() == 1


def test_the_balances_feed_applies_each_snapshot_once_and_ends_on_the_newest(people):
    account = people["zhang"].accounts.get()
    records = [
        {"accountNo": "A00000000001", "asOf": "2026-11-20T00:00:00+08:00", "balance": "25.50"},
        {"accountNo": "A00000000001", "asOf": "2026-11-10T00:00:00+08:00", "balance": "99.00"},
        {"accountNo": "A00000000001", "asOf": "2026-11-20T00:00:00+08:00", "balance": "25.50"},
        {"accountNo": "A00000000002", "asOf": "2026-11-20T00:00:00+08:00", "balance": "abc"},
    ]
    batch, _ = feed_batch_load(sender="billing", kind="balances", client_batch_id="BAL1", records=records)

    assert (batch.rows_loaded, batch.rows_rejected) == (2, 2)
    assert sorted(batch.rejections.values_list("row_no", "code")) == [(3, "duplicateInBatch"), (4, "badAmount")]
    account.refresh_from_db()
    assert account.balance == Decimal("25.50") and AccountBalance.objects.filter(account=account).count() == 2
    again, _ = feed_batch_load(sender="billing", kind="balances", client_batch_id="BAL2", records=records[:1])
    assert (again.rows_loaded, again.rows_duplicate) == (0, 1)
