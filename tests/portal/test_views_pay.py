"""Online payment on the portal, through the simulated provider with the test client: approved posts one payment and
settles the bills, declined posts nothing, coming back to the provider's or the outcome page posts nothing more, and
nobody sees or pays through another customer's account or reference."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from billing_sync.models import CustomerBill, OnlinePayment, Payment
from billing_sync.services.online import online_payment_start
from customers.models import BillingAccount
from tests.billing_sync.conftest import make_bill  # noqa: F401

pytestmark = pytest.mark.django_db
PAY = "/portal/pay/"


@pytest.fixture
def owing(lines, people, make_bill):  # noqa: F811 - the imported fixture
    """张伟明 owes 58 on an overdue September bill and 30 on October's; 张伟 owes 46 on his own bill."""
    zhang = people["zhang"].accounts.get()
    zhangw = people["zhangw"].accounts.get()
    return {
        "account": zhang,
        "old": make_bill(zhang, "58.00", month=datetime.date(2026, 9, 1)),
        "new": make_bill(zhang, "30.00", month=datetime.date(2026, 10, 1), due=datetime.date(2099, 1, 1)),
        "theirs_account": zhangw,
        "theirs": make_bill(zhangw, "46.00", month=datetime.date(2026, 9, 1)),
    }


def _start(client, account_no: str, amount: str):
    """The pay form, the confirmation, then "Pay now": returns the provider URL the portal redirected to."""
    response = client.post(PAY, {"account": account_no, "amount": amount})
    assert response.status_code == 200 and b'data-testid="pay-confirm"' in response.content, response.content[:800]
    response = client.post(PAY, {"account": account_no, "amount": amount, "confirm": "1"})
    assert response.status_code == 302, response.content[:800]
    return response.url


def _reference(provider_url: str) -> str:
    return urlsplit(provider_url).path.rstrip("/").rsplit("/", 1)[-1]


def test_the_pay_page_defaults_to_what_my_open_bills_owe(portal_client, owing):
    client = portal_client("zhang")
    html = client.get(PAY).content.decode()
    assert 'value="88.00"' in html and owing["account"].account_no in html
    assert owing["theirs_account"].account_no not in html and "46.00" not in html
    # and the home page's balance card has a Pay button to it
    home = client.get("/portal/").content.decode()
    assert f'href="{PAY}?account={owing["account"].account_no}"' in home


def test_approved_payment_posts_once_settles_the_bills_and_shows_the_outcome(portal_client, owing):
    client = portal_client("zhang")
    # given the confirmation says which bills the money pays
    confirm = client.post(PAY, {"account": owing["account"].account_no, "amount": "100"}).content.decode()
    assert owing["old"].bill_no in confirm and owing["new"].bill_no in confirm and "12.00" in confirm
    assert not OnlinePayment.objects.exists()  # nothing starts before "Pay now"

    # when the customer pays 100 at the provider
    provider_url = _start(client, owing["account"].account_no, "100")
    reference = _reference(provider_url)
    back = parse_qs(urlsplit(provider_url).query)["next"][0]
    assert provider_url.startswith(reverse("payment_provider:simulated", args=[reference]))
    assert back == f"/portal/pay/{reference}/"
    assert client.get(provider_url).status_code == 200
    assert not Payment.objects.exists()
    pending = client.get(back).content.decode()
    assert 'data-state="pending"' in pending
    assert not Payment.objects.exists()  # the outcome page posts nothing
    response = client.post(provider_url, {"decision": "approve", "next": back})
    assert response.status_code == 302 and response.url == back

    # then one payment is posted, both bills are settled and the rest is on the balance
    payment = Payment.objects.get()
    assert (payment.account_id, payment.amount, payment.channel) == (owing["account"].pk, Decimal("100.00"), "portal")
    for key in ("old", "new"):
        owing[key].refresh_from_db()
        assert owing[key].state == CustomerBill.State.SETTLED
    owing["account"].refresh_from_db()
    assert owing["account"].balance == Decimal("12.00") and owing["account"].arrears_amount == 0
    html = client.get(back).content.decode()
    assert 'data-state="confirmed"' in html and payment.payment_no in html
    assert f'data-testid="paid-bill-{owing["old"].bill_no}"' in html
    assert f'data-testid="paid-bill-{owing["new"].bill_no}"' in html
    assert "¥12.00" in html  # the new balance

    # and coming back to the provider's page (a POST again) or the outcome page posts nothing more
    assert client.post(provider_url, {"decision": "approve", "next": back}).status_code == 200
    assert client.get(provider_url).status_code == 200
    assert client.get(back).status_code == 200
    assert Payment.objects.count() == 1
    owing["account"].refresh_from_db()
    assert owing["account"].balance == Decimal("12.00")
    assert OnlinePayment.objects.get().state == OnlinePayment.State.CONFIRMED


def test_declined_payment_posts_nothing_and_offers_to_try_again(portal_client, owing):
    client = portal_client("zhang")
    provider_url = _start(client, owing["account"].account_no, "58")
    back = parse_qs(urlsplit(provider_url).query)["next"][0]
    assert client.post(provider_url, {"decision": "decline", "next": back}).url == back
    assert client.post(provider_url, {"decision": "approve", "next": back}).status_code == 200  # too late
    assert not Payment.objects.exists()
    owing["old"].refresh_from_db()
    assert owing["old"].state != CustomerBill.State.SETTLED
    html = client.get(back).content.decode()
    assert 'data-state="declined"' in html and 'data-testid="pay-retry"' in html
    assert f"account={owing['account'].account_no}" in html and "amount=58.00" in html
    assert not Payment.objects.exists()


def test_another_customer_s_reference_or_account_is_not_found(portal_client, owing):
    theirs, _url = online_payment_start(account=owing["theirs_account"], amount="46")
    client = portal_client("zhang")
    assert client.get(f"/portal/pay/{theirs.reference}/").status_code == 404
    assert client.get("/portal/pay/OP-NO-SUCH/").status_code == 404
    assert client.get(PAY, {"account": owing["theirs_account"].account_no}).status_code == 404
    for data in ({"account": owing["theirs_account"].account_no, "amount": "46"},
                 {"account": owing["theirs_account"].account_no, "amount": "46", "confirm": "1"}):  # fmt: skip
        assert client.post(PAY, data).status_code == 404
    assert OnlinePayment.objects.count() == 1 and not Payment.objects.exists()


def test_the_pages_need_a_portal_log_in(client, owing):
    theirs, _url = online_payment_start(account=owing["theirs_account"], amount="46")
    for url in (PAY, f"/portal/pay/{theirs.reference}/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/portal/login/?next=")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "The amount must be a number of yuan"),
        ("0", "The amount must be more than zero."),
        ("-5", "The amount must be more than zero."),
        ("1.234", "more than two decimals"),
        ("2000000", "A single payment cannot exceed"),
    ],
)
def test_bad_amounts_are_refused_on_the_form(portal_client, owing, amount, message):
    client = portal_client("zhang")
    for confirm in ({}, {"confirm": "1"}):
        response = client.post(PAY, {"account": owing["account"].account_no, "amount": amount, **confirm})
        assert response.status_code == 200
        assert 'data-testid="error-amount"' in response.content.decode() and message in response.content.decode()
    assert not OnlinePayment.objects.exists()


def test_a_closed_account_cannot_be_paid_into(portal_client, owing):
    BillingAccount.objects.filter(pk=owing["account"].pk).update(status=BillingAccount.Status.CLOSED)
    client = portal_client("zhang")
    response = client.post(PAY, {"account": owing["account"].account_no, "amount": "10", "confirm": "1"})
    assert response.status_code == 200 and "is closed" in response.content.decode()
    assert not OnlinePayment.objects.exists()
    assert 'data-testid="pay-' + owing["account"].account_no not in client.get("/portal/").content.decode()
