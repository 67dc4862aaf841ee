"""Payments: oldest bills first, the rest to the balance, arrears follow, idempotent, race-safe, announced."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from billing_sync.models import CustomerBill, Payment
from billing_sync.services.accounts import account_arrears_refresh
from billing_sync.services.payments import PaymentRefused, payment_post
from crm.api.models import Event
from customers.models import PartyInteraction

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 22)


def test_a_payment_settles_the_oldest_bill_first_and_tops_up_the_balance(people, make_bill, make_staff):
    account = people["zhang"].accounts.get()
    old = make_bill(account, "80.00", month=datetime.date(2026, 8, 1))
    new = make_bill(account, "50.00", month=datetime.date(2026, 9, 1))
    account_arrears_refresh(account_ids=[account.pk], today=TODAY)
    account.refresh_from_db()
    assert account.arrears_amount == Decimal("130.00")

    clerk = make_staff("hall_clerk")
    payment, created = payment_post(account=account, amount="100", channel="counter", method="cash", actor=clerk)

    assert created and payment.payment_no.startswith("PAY")
    old.refresh_from_db(), new.refresh_from_db()
    assert (old.state, old.amount_paid) == (CustomerBill.State.SETTLED, Decimal("80.00"))
    assert (new.state, new.amount_paid) == (CustomerBill.State.PARTIALLY_PAID, Decimal("20.00"))
    assert payment.allocations == [{"bill": old.bill_no, "amount": "80.00"}, {"bill": new.bill_no, "amount": "20.00"}]
    account.refresh_from_db()
    assert account.arrears_amount == Decimal("30.00") and account.balance == 0
    assert (payment.arrears_after, payment.balance_after) == (Decimal("30.00"), Decimal("0.00"))  # for the receipt

    more, _ = payment_post(account=account, amount="40", channel="counter", method="qr", actor=clerk)
    account.refresh_from_db()
    assert more.to_balance == Decimal("10.00") and account.balance == Decimal("10.00")
    assert account.arrears_amount == 0
    assert PartyInteraction.objects.filter(customer=people["zhang"], interaction_type="payment").count() == 2
    assert Event.objects.filter(event_type="PaymentCreateEvent").count() == 2


def test_the_same_key_posts_once_and_a_reused_key_for_another_amount_is_refused(people, make_bill):
    account = people["zhang"].accounts.get()
    make_bill(account, "50.00")
    first, created = payment_post(account=account, amount="50", channel="portal", method="online", idempotency_key="k1")
    again, created_again = payment_post(
        account=account, amount="50.00", channel="portal", method="online", idempotency_key="k1"
    )
    assert created and not created_again and again.pk == first.pk
    assert Payment.objects.count() == 1
    with pytest.raises(PaymentRefused):
        payment_post(account=account, amount="60", channel="portal", method="online", idempotency_key="k1")


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1.234", "2000000", "NaN"])
def test_bad_amounts_are_refused_and_nothing_is_written(people, amount):
    with pytest.raises(PaymentRefused):
        payment_post(account=people["zhang"].accounts.get(), amount=amount, channel="counter", method="cash")
    assert not Payment.objects.exists()


def test_billing_reported_payments_are_not_echoed_back(people, make_bill):
    account = people["zhang"].accounts.get()
    make_bill(account, "50.00")
    payment, _ = payment_post(account=account, amount="50", channel="bank", method="bank_debit",
                              payment_no="BANK-1", source="billing")  # fmt: skip
    assert payment.payment_no == "BANK-1"
    assert not Event.objects.filter(event_type="PaymentCreateEvent").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_payments_at_once_never_pay_the_same_bill_twice(people, make_bill):
    account = people["zhang"].accounts.get()
    bill = make_bill(account, "100.00")
    errors = []

    def pay(key):
        try:
            payment_post(account=account, amount="100", channel="counter", method="cash", idempotency_key=key)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(f"race-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    bill.refresh_from_db()
    account.refresh_from_db()
    assert bill.amount_paid == Decimal("100.00") and bill.state == "settled"
    assert account.balance == Decimal("100.00")  # the second payment went to the balance, not to the bill again
    assert sorted(Payment.objects.values_list("to_balance", flat=True)) == [Decimal("0.00"), Decimal("100.00")]
