"""Online payments through the provider interface: approved once, declined posts nothing, repeated or forged
notifications change nothing, and the simulated provider's page works end to end."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from billing_sync.models import CustomerBill, OnlinePayment, Payment
from billing_sync.providers import InvalidNotification, SimulatedProvider
from billing_sync.services.online import online_payment_notify, online_payment_start
from billing_sync.services.payments import PaymentRefused

pytestmark = pytest.mark.django_db
PROVIDER = SimulatedProvider()


def _notice(online, *, approved=True, txn="T1", amount=None):
    return PROVIDER.notification(reference=online.reference, transaction_id=txn, approved=approved,
                                 amount=amount if amount is not None else online.amount)  # fmt: skip


def test_an_approved_payment_posts_once_however_often_the_provider_says_so(people, make_bill):
    account = people["zhang"].accounts.get()
    bill = make_bill(account, "58.00")
    online, url = online_payment_start(account=account, amount="58")
    assert online.state == "pending" and url == reverse("payment_provider:simulated", args=[online.reference])
    assert not Payment.objects.exists()  # nothing is paid before the provider says so

    first = online_payment_notify(payload=_notice(online))
    again = online_payment_notify(payload=_notice(online))
    assert first.state == again.state == "confirmed" and first.payment_id == again.payment_id
    payment = Payment.objects.get()
    assert (payment.channel, payment.method, payment.amount) == ("portal", "online", Decimal("58.00"))
    bill.refresh_from_db()
    assert bill.state == CustomerBill.State.SETTLED
    with pytest.raises(InvalidNotification):  # another transaction for an already decided payment
        online_payment_notify(payload=_notice(online, txn="T2"))
    assert Payment.objects.count() == 1


def test_a_declined_payment_posts_nothing(people, make_bill):
    account = people["zhang"].accounts.get()
    make_bill(account, "58.00")
    online, _url = online_payment_start(account=account, amount="58")
    assert online_payment_notify(payload=_notice(online, approved=False)).state == "declined"
    assert not Payment.objects.exists()
    account.refresh_from_db()
    assert account.balance == 0


@pytest.mark.parametrize("tamper", ["signature", "amount", "reference"])
def test_forged_or_mismatched_notifications_are_refused(people, tamper):
    online, _url = online_payment_start(account=people["zhang"].accounts.get(), amount="30")
    payload = _notice(online)
    if tamper == "signature":
        payload["signature"] = "0" * 64
    elif tamper == "amount":
        payload = _notice(online, amount=Decimal("3000"))  # correctly signed, but not what was started
    else:
        payload = PROVIDER.notification(reference="OP-NOPE", transaction_id="T1", approved=True, amount=Decimal("30"))
    with pytest.raises(InvalidNotification):
        online_payment_notify(payload=payload)
    online.refresh_from_db()
    assert online.state == "pending" and not Payment.objects.exists()


def test_bad_amounts_are_refused_before_anything_starts(people):
    with pytest.raises(PaymentRefused):
        online_payment_start(account=people["zhang"].accounts.get(), amount="-1")
    assert not OnlinePayment.objects.exists()


def test_the_notification_endpoint_answers_400_for_forgeries_and_200_for_repeats(client, people):
    online, _url = online_payment_start(account=people["zhang"].accounts.get(), amount="20")
    url = reverse("payment_provider:notify")
    assert client.post(url, {**_notice(online), "signature": "x"}).status_code == 400
    assert client.post(url, _notice(online)).json()["state"] == "confirmed"
    assert client.post(url, _notice(online)).status_code == 200
    assert Payment.objects.count() == 1


def test_the_simulated_provider_page_confirms_and_sends_the_payer_back(client, people, make_bill):
    account = people["zhang"].accounts.get()
    make_bill(account, "20.00")
    online, url = online_payment_start(account=account, amount="20")
    page = client.get(url, {"next": "/portal/"})
    assert page.status_code == 200 and online.reference in page.content.decode()
    done = client.post(url, {"decision": "approve", "next": "https://evil.example/"})
    assert done.status_code == 302 and done.url == "/portal/"  # never off-site
    online.refresh_from_db()
    assert online.state == "confirmed" and online.payment.amount == Decimal("20.00")


def test_the_simulated_provider_page_is_closed_unless_allowed(client, people, make_bill, settings):
    """Anyone with a reference could approve a payment on it: production keeps it closed unless a demo opens it."""
    settings.CRM_SIMULATED_PAYMENTS = False
    online, url = online_payment_start(account=people["zhang"].accounts.get(), amount="20")
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "approve"}).status_code == 404
    online.refresh_from_db()
    assert online.state == "pending"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_notifications_at_once_post_one_payment(people):
    online, _url = online_payment_start(account=people["zhang"].accounts.get(), amount="45")
    payload, errors = _notice(online), []

    def notify():
        try:
            online_payment_notify(payload=payload)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=notify) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and Payment.objects.count() == 1
