"""TMF676 payment (read): the event representation, filters by account and date, retrieve by payment number."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from billing_sync.services.payments import payment_post
from crm.accounts.roles import Role

pytestmark = pytest.mark.django_db
PAYMENTS = "/tmf-api/paymentManagement/v4/payment"


@pytest.fixture
def payments(people, make_bill):
    zhang = people["zhang"].accounts.get()
    make_bill(zhang, "30.00")
    now = timezone.now()
    first, _ = payment_post(account=zhang, amount="50", channel="counter", method="cash",
                            paid_at=now - datetime.timedelta(days=10))  # fmt: skip
    second, _ = payment_post(account=people["zhangw"].accounts.get(), amount="20.50", channel="portal", method="qr")
    return {"zhang": first, "zhangw": second}


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()]


def test_payment_list_and_representation(billing, payments, people):
    response = billing.get(PAYMENTS)
    zhang, zhangw = payments["zhang"], payments["zhangw"]
    assert ids(response) == [zhangw.payment_no, zhang.payment_no] and response["X-Total-Count"] == "2"
    row = billing.get(f"{PAYMENTS}/{zhang.payment_no}").json()
    assert row["@type"] == "Payment" and row["href"].endswith(f"{PAYMENTS}/{zhang.payment_no}")
    assert row["totalAmount"] == {"unit": "CNY", "value": 50.0} and row["account"]["id"] == "A00000000001"
    assert row["paymentItem"][0]["amount"]["value"] == 30.0 and row["channel"] == {"name": "counter"}
    assert row["relatedParty"][0]["id"] == str(people["zhang"].pk)
    assert billing.get(f"{PAYMENTS}/PAY-NONE").status_code == 404


def test_payment_filters(billing, payments):
    zhang, zhangw = payments["zhang"], payments["zhangw"]
    assert ids(billing.get(PAYMENTS, {"account.id": "A00000000002"})) == [zhangw.payment_no]
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert ids(billing.get(PAYMENTS, {"paymentDate.gte": since})) == [zhangw.payment_no]
    assert ids(billing.get(PAYMENTS, {"paymentDate.lt": since})) == [zhang.payment_no]
    assert ids(billing.get(PAYMENTS, {"channel.name": "counter"})) == [zhang.payment_no]
    assert set(billing.get(PAYMENTS, {"fields": "totalAmount"}).json()[0]) == {"id", "href", "@type", "totalAmount"}


def test_payment_scope_region_and_queries(
    client_with, billing, payments, people, make_staff, hefei, django_assert_max_num_queries
):
    assert APIClient().get(PAYMENTS).status_code == 401
    assert client_with("billing:feed").get(PAYMENTS).status_code == 403
    staff = APIClient()
    staff.force_login(make_staff(Role.MANAGER, region=hefei))
    assert ids(staff.get(PAYMENTS)) == [payments["zhang"].payment_no]
    with django_assert_max_num_queries(5) as few:
        assert len(ids(billing.get(PAYMENTS))) == 2
    for _ in range(5):
        payment_post(account=people["corp"].accounts.get(), amount="1", channel="bank", method="bank_debit")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(ids(billing.get(PAYMENTS))) == 7
