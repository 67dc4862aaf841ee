"""Portal selectors return only the logged-in customer's objects: another customer's numbers 404 exactly like
numbers that do not exist."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.http import Http404

from billing_sync.models import CustomerBill
from billing_sync.services.payments import payment_post
from crm.accounts.roles import Role
from portal import selectors

from .test_views_home import order, ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(sign_up, lines, people, make_staff):
    """Portal accounts of 张伟明 and 张伟, and for each customer a bill, a payment, an order and a ticket."""
    agent = make_staff(Role.CALL_AGENT)
    objects = {}
    for n, key in enumerate(("zhang", "zhangw"), start=1):
        customer = people[key]
        account = customer.accounts.get()
        bill = CustomerBill.objects.create(
            bill_no=f"BP{n:08d}", account=account, customer=customer, region_id=customer.region_id,
            period_start=datetime.date(2026, 9, 1), period_end=datetime.date(2026, 9, 30),
            bill_date=datetime.date(2026, 10, 1), due_date=datetime.date(2026, 10, 20), amount_due=Decimal("58.00"),
        )  # fmt: skip
        payment, _ = payment_post(account=account, amount=Decimal("10.00"), channel="counter", method="cash")
        objects[key] = {
            "portal": sign_up(key), "billing_account": account, "bill": bill, "payment": payment,
            "product": lines[key], "order": order(customer), "ticket": ticket(customer, agent),
        }  # fmt: skip
    return objects


GETTERS = [
    ("portal_billing_account_get", "billing_account", "account_no"),
    ("portal_bill_get", "bill", "bill_no"),
    ("portal_payment_get", "payment", "payment_no"),
    ("portal_product_get", "product", "product_no"),
    ("portal_order_get", "order", "order_no"),
    ("portal_ticket_get", "ticket", "ticket_no"),
]


@pytest.mark.parametrize("getter,kind,number", GETTERS, ids=[g[0] for g in GETTERS])
def test_a_getter_returns_the_customer_s_own_object_and_404s_on_anyone_else_s(both, getter, kind, number):
    read = getattr(selectors, getter)
    mine, theirs = both["zhang"], both["zhangw"]
    assert read(mine["portal"], getattr(mine[kind], number)) == mine[kind]
    with pytest.raises(Http404):
        read(mine["portal"], getattr(theirs[kind], number))
    with pytest.raises(Http404):
        read(mine["portal"], "NO-SUCH-NUMBER")
    assert read(theirs["portal"], getattr(theirs[kind], number)) == theirs[kind]


def test_lists_hold_only_the_customer_s_objects(both):
    mine, theirs = both["zhang"], both["zhangw"]
    account = mine["portal"]
    assert [a.pk for a in selectors.portal_billing_accounts(account)] == [mine["billing_account"].pk]
    assert list(selectors.portal_bills(account)) == [mine["bill"]]
    assert list(selectors.portal_payments(account)) == [mine["payment"]]
    assert selectors.portal_products(account) == [mine["product"]]  # the terminated line is left out
    assert selectors.portal_orders_open(account) == [mine["order"]]
    assert selectors.portal_tickets_open(account) == [mine["ticket"]]
    home = selectors.portal_home(theirs["portal"])
    assert [s.account for s in home.summaries] == [theirs["billing_account"]]
    assert home.products == [theirs["product"]] and home.orders == [theirs["order"]]
    assert home.tickets == [theirs["ticket"]]
