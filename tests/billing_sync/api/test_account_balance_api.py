"""TMF666 billingAccount carries accountBalance (deposit and arrears) as of billing's newest balance snapshot."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing_sync.models import AccountBalance
from customers.models import BillingAccount

pytestmark = pytest.mark.django_db
ACCOUNTS = "/tmf-api/accountManagement/v4/billingAccount"


def balances(row) -> dict:
    return {b["balanceType"]: b for b in row["accountBalance"]}


def test_balances_carry_the_newest_snapshot_time(client_with, people):
    api = client_with("customer:read")
    zhang = people["zhang"].accounts.get()
    BillingAccount.objects.filter(pk=zhang.pk).update(balance=Decimal("12.50"), arrears_amount=Decimal("30.00"))
    now = timezone.now().replace(microsecond=0)
    for days, value in ((3, "40.00"), (1, "12.50")):
        AccountBalance.objects.create(account=zhang, as_of=now - datetime.timedelta(days=days), balance=Decimal(value))
    row = api.get(f"{ACCOUNTS}/{zhang.pk}").json()
    deposit, arrears = balances(row)["deposit"], balances(row)["arrears"]
    assert deposit["amount"] == {"unit": "CNY", "value": 12.5} and arrears["amount"] == {"unit": "CNY", "value": 30.0}
    newest = datetime.datetime.fromisoformat(deposit["validFor"]["startDateTime"])
    assert newest == now - datetime.timedelta(days=1) and arrears["validFor"] == deposit["validFor"]
    listed = {r["name"]: balances(r) for r in api.get(ACCOUNTS).json()}
    assert listed["A00000000001"]["deposit"]["validFor"] == deposit["validFor"]
    assert listed["A00000000002"]["deposit"]["validFor"] == {"startDateTime": None}  # billing never reported it


def test_balances_cost_no_query_per_account(client_with, people, django_assert_max_num_queries):
    api = client_with("customer:read")
    with django_assert_max_num_queries(9) as few:
        assert len(api.get(ACCOUNTS).json()) == 3
    customer = people["corp"]
    for n in range(6):
        account = BillingAccount.objects.create(account_no=f"A9000000000{n}", customer=customer)
        AccountBalance.objects.create(account=account, as_of=timezone.now(), balance=Decimal(n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(ACCOUNTS).json()) == 9
