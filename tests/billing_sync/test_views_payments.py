"""Payments at the counter: form, confirmation of what will be paid, posting once, the receipt; errors and scope."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing_sync.models import CustomerBill, DunningCase, Payment
from billing_sync.services.accounts import account_arrears_refresh
from crm.accounts.roles import Role
from customers.models import PartyInteraction

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"  # these tests read the English strings, not the catalogue's Chinese


@pytest.fixture
def overdue(people, make_bill):
    """Zhang owes an overdue August bill of 80 and a September bill of 50 not yet due (today 2026-10-10 for arrears)."""
    account = people["zhang"].accounts.get()
    old = make_bill(account, "80.00", month=datetime.date(2026, 8, 1))
    new = make_bill(account, "50.00", month=datetime.date(2026, 9, 1), due=datetime.date(2099, 1, 1))
    account_arrears_refresh(account_ids=[account.pk])
    account.refresh_from_db()
    return account, old, new


def new_url(account) -> str:
    return reverse("payments:new", args=[account.account_no])


def form_key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def test_the_form_offers_the_outstanding_amount_and_a_fresh_key(client, make_staff, overdue):
    account, old, new = overdue
    client.force_login(make_staff(Role.HALL_CLERK))
    first = client.get(new_url(account)).content.decode()
    second = client.get(new_url(account)).content.decode()
    assert 'value="130.00"' in first and old.bill_no in first and new.bill_no in first
    assert form_key(first).startswith("counter-") and form_key(first) != form_key(second)


def test_review_shows_what_will_be_paid_then_confirm_posts_and_shows_the_receipt(client, make_staff, overdue):
    account, old, new = overdue
    clerk = make_staff(Role.HALL_CLERK)
    client.force_login(clerk)
    key = form_key(client.get(new_url(account)).content.decode())
    data = {"amount": "100", "method": "qr", "idempotency_key": key}

    review = client.post(new_url(account), {**data, "step": "review"})
    html = review.content.decode()
    assert review.status_code == 200 and 'data-testid="confirmation"' in html
    assert re.search(rf'data-bill="{old.bill_no}">.*?<td>80.00</td><td>80.00</td>', html, re.S)
    assert re.search(rf'data-bill="{new.bill_no}">.*?<td>50.00</td><td>20.00</td>', html, re.S)
    assert not Payment.objects.exists()  # nothing is written before the confirmation

    posted = client.post(new_url(account), {**data, "step": "confirm"})
    payment = Payment.objects.get()
    assert posted.status_code == 302 and posted.url == reverse("payments:receipt", args=[payment.payment_no])
    assert (payment.channel, payment.method, payment.received_by, payment.amount) == (
        "counter", "qr", clerk, Decimal("100.00"),
    )  # fmt: skip
    old.refresh_from_db(), new.refresh_from_db()
    assert old.state == CustomerBill.State.SETTLED and new.amount_paid == Decimal("20.00")

    receipt = client.get(posted.url)
    html = receipt.content.decode()
    assert receipt.status_code == 200 and payment.payment_no in html and clerk.username in html
    assert re.search(r'data-testid="receipt-amount">100.00<', html)
    assert re.search(r'data-testid="receipt-arrears">0.00<', html)  # the overdue bill is paid
    assert old.bill_no in html and new.bill_no in html and "@media print" in html
    assert 'data-testid="receipt-dunning"' not in html
    timeline = PartyInteraction.objects.get(customer=account.customer, interaction_type="payment")
    assert payment.payment_no in timeline.description and timeline.channel == "hall"


def test_a_double_click_or_a_resubmitted_confirmation_posts_once(client, make_staff, overdue):
    account, _old, _new = overdue
    client.force_login(make_staff(Role.HALL_CLERK))
    key = form_key(client.get(new_url(account)).content.decode())
    data = {"amount": "80", "method": "cash", "idempotency_key": key, "step": "confirm"}

    first = client.post(new_url(account), data)
    again = client.post(new_url(account), data)

    assert Payment.objects.count() == 1 and first.url == again.url
    account.refresh_from_db()
    assert account.arrears_amount == 0 and account.balance == 0
    assert "not taken twice" in client.get(again.url).content.decode()
    # The same key with another amount (the clerk went back and changed it) is refused, nothing more is posted.
    changed = client.post(new_url(account), {**data, "amount": "90"})
    assert changed.status_code == 422 and "already posted" in changed.content.decode()
    assert 'data-testid="start-over"' in changed.content.decode()  # a fresh form (new key) for a new payment
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    "amount,message",
    [("0", "more than zero"), ("-5", "more than zero"), ("abc", "number of yuan"), ("1.234", "two decimals"),
     ("2000000", "cannot exceed")],
)  # fmt: skip
def test_bad_amounts_are_form_errors(client, make_staff, overdue, amount, message):
    account, _old, _new = overdue
    client.force_login(make_staff(Role.HALL_CLERK))
    for step in ("review", "confirm"):
        response = client.post(new_url(account), {"amount": amount, "method": "cash", "idempotency_key": "k" * 20,
                                                  "step": step})  # fmt: skip
        assert response.status_code == 422 and message in response.content.decode()
        assert 'data-testid="payment-form"' in response.content.decode()
    assert not Payment.objects.exists()


def test_change_goes_back_to_the_form_with_what_was_typed(client, make_staff, overdue):
    account, _old, _new = overdue
    client.force_login(make_staff(Role.HALL_CLERK))
    response = client.post(new_url(account), {"amount": "42.50", "method": "qr", "idempotency_key": "k" * 20,
                                              "step": "edit"})  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200 and 'value="42.50"' in html and 'value="kkkkkkkkkkkkkkkkkkkk"' in html
    assert re.search(r'value="qr" checked', html)


def test_only_staff_who_take_payments_and_only_in_their_region(client, make_staff, people, overdue, wuhu):
    account, _old, _new = overdue
    data = {"amount": "80", "method": "cash", "idempotency_key": "k" * 20, "step": "confirm"}
    client.force_login(make_staff(Role.CALL_AGENT))
    assert client.get(new_url(account)).status_code == 403
    assert client.post(new_url(account), data).status_code == 403

    client.force_login(make_staff(Role.HALL_CLERK, region=wuhu))  # a clerk of another region
    assert client.get(new_url(account)).status_code == 404
    assert client.post(new_url(account), data).status_code == 404
    assert not Payment.objects.exists()

    wuhu_account = people["zhangw"].accounts.get()
    client.force_login(make_staff(Role.HALL_CLERK))  # Hefei
    assert client.get(new_url(wuhu_account)).status_code == 404
    client.post(new_url(account), data)
    payment = Payment.objects.get()
    receipt = reverse("payments:receipt", args=[payment.payment_no])
    assert client.get(receipt).status_code == 200
    client.force_login(make_staff(Role.HALL_CLERK, region=wuhu))
    assert client.get(receipt).status_code == 404
    client.force_login(make_staff(Role.CALL_AGENT))
    assert client.get(receipt).status_code == 403


def test_a_closed_account_refuses_the_payment_as_a_form_error(client, make_staff, overdue):
    account, _old, _new = overdue
    account.status = "closed"
    account.save(update_fields=["status"])
    client.force_login(make_staff(Role.HALL_CLERK))
    response = client.post(new_url(account), {"amount": "80", "method": "cash", "idempotency_key": "k" * 20,
                                              "step": "confirm"})  # fmt: skip
    assert response.status_code == 422 and "is closed" in response.content.decode()
    assert not Payment.objects.exists()


def test_the_receipt_notes_the_dunning_case_the_payment_closed(client, make_staff, overdue):
    account, _old, _new = overdue
    long_ago = timezone.now() - datetime.timedelta(days=300)
    DunningCase.objects.create(  # an older case, closed long before: not this payment's doing
        account=account, customer=account.customer, region=account.customer.region, status="resolved", phase=1,
        overdue_since=datetime.date(2025, 9, 21), arrears=0, arrears_at_open=Decimal("10.00"),
        opened_at=long_ago - datetime.timedelta(days=100), closed_at=long_ago,
    )  # fmt: skip
    case = DunningCase.objects.create(
        account=account, customer=account.customer, region=account.customer.region, status="open", phase=1,
        overdue_since=datetime.date(2026, 9, 21), arrears=Decimal("80.00"), arrears_at_open=Decimal("80.00"),
        opened_at=timezone.now() - datetime.timedelta(days=30),
    )  # fmt: skip
    client.force_login(make_staff(Role.HALL_CLERK))
    data = {"method": "cash", "step": "confirm"}

    part = client.post(new_url(account), {**data, "amount": "30", "idempotency_key": "k" * 20})
    assert 'data-testid="receipt-dunning"' not in client.get(part.url).content.decode()  # 50 still overdue

    rest = client.post(new_url(account), {**data, "amount": "50", "idempotency_key": "j" * 20})
    case.refresh_from_db()
    assert case.status == DunningCase.Status.RESOLVED  # the dunning service closed it with the payment
    assert 'data-testid="receipt-dunning"' in client.get(rest.url).content.decode()
    assert 'data-testid="receipt-dunning"' not in client.get(part.url).content.decode()  # reprinted: still not its own


def test_the_counter_finds_the_payer_in_its_region_and_lists_my_payments_today(client, make_staff, people, overdue):
    account, _old, _new = overdue
    clerk = make_staff(Role.HALL_CLERK)
    client.force_login(clerk)
    index = reverse("payments:index")
    html = client.get(index, {"q": account.account_no}).content.decode()
    assert new_url(account) in html and "80.00" in html  # the arrears
    assert 'data-nav="payments"' in html
    other = people["zhangw"].accounts.get()
    html = client.get(index, {"q": other.account_no}).content.decode()
    assert new_url(other) not in html and "No customer of your region matches" in html

    for amount in ("30", "12.50"):
        key = f"key-{amount}-0123456789"
        client.post(new_url(account), {"amount": amount, "method": "cash", "idempotency_key": key, "step": "confirm"})
    someone_else = make_staff(Role.HALL_CLERK)
    client.force_login(someone_else)
    client.post(new_url(account), {"amount": "7", "method": "cash", "idempotency_key": "key-7-0123456789",
                                   "step": "confirm"})  # fmt: skip
    client.force_login(clerk)
    html = client.get(index).content.decode()
    html = re.search(r'data-testid="taken-today">(.*?)</table>', html, re.S).group(1)
    mine = Payment.objects.filter(received_by=clerk)
    assert all(p.payment_no in html for p in mine) and len(mine) == 2
    assert Payment.objects.get(received_by=someone_else).payment_no not in html
    assert re.search(r'data-testid="taken-total">42.50<', client.get(index).content.decode())
    client.force_login(make_staff(Role.CALL_AGENT))
    assert client.get(index).status_code == 403
