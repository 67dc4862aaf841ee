"""The portal home shows the logged-in customer's balances, usage, subscriptions, open orders and tickets and
offers, only theirs, in a bounded number of queries."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from billing_sync.models import UsageMonthly
from callcenter.models import TroubleTicket
from crm.accounts.roles import Role
from customers.models import BillingAccount, Customer
from orders.models import NextBestOfferRule, ProductOffering, ProductOrder

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


def order(customer, *, state="inProgress", order_type="new"):
    return ProductOrder.objects.create(
        order_no=f"D2026P{next(_numbers):06d}", order_type=order_type, customer=customer, channel="own_hall",
        region=customer.region, state=state, completed_at=timezone.now() if state == "completed" else None,
    )  # fmt: skip


def ticket(customer, owner, *, status="inProgress"):
    now = timezone.now()
    return TroubleTicket.objects.create(
        ticket_no=f"TP{next(_numbers):08d}", ticket_type="fault", customer=customer, description="无法上网",
        owner=owner, region=customer.region, status=status, sla_started_at=now,
        due_at=now + datetime.timedelta(hours=8), resolved_at=now if status in ("resolved", "closed") else None,
    )  # fmt: skip


def usage(product, *, minutes: int, mb: int, charge: str, month=None):
    return UsageMonthly.objects.create(
        product=product, customer=product.customer, account=product.customer.accounts.get(),
        month=month or timezone.localdate().replace(day=1), voice_calls=3, voice_seconds=minutes * 60,
        sms_count=2, data_kb=mb * 1024, charge=Decimal(charge),
    )  # fmt: skip


@pytest.fixture
def two_customers(lines, people, make_staff, hefei, wuhu):
    """张伟明 and 张伟 each with a balance, arrears, usage, an open and a finished order and ticket."""
    agent = make_staff(Role.CALL_AGENT, region=hefei)
    BillingAccount.objects.filter(customer=people["zhang"]).update(balance=Decimal("88.50"))
    BillingAccount.objects.filter(customer=people["zhangw"]).update(
        balance=Decimal("7.25"), arrears_amount=Decimal("46.00")
    )
    for key in ("zhang", "zhangw"):
        customer = people[key]
        lines[key].open_order = order(customer)
        lines[key].done_order = order(customer, state="completed")
        lines[key].open_ticket = ticket(customer, agent)
        lines[key].closed_ticket = ticket(customer, agent, status="closed")
    usage(lines["zhang"], minutes=120, mb=2048, charge="12.30")
    usage(lines["zhang"], minutes=999, mb=9999, charge="99.00", month=datetime.date(2026, 1, 1))  # an older month
    usage(lines["zhangw"], minutes=777, mb=7777, charge="77.70")
    return lines


def test_home_shows_the_customer_s_own_figures_and_nothing_of_anyone_else(portal_client, two_customers):
    client = portal_client("zhang")
    html = client.get("/portal/").content.decode()
    mine, theirs = two_customers["zhang"], two_customers["zhangw"]
    # mine
    assert "张伟明" in html and "A00000000001" in html and "88.50" in html
    assert mine.service_number in html
    assert "120.0" in html and "2048.0" in html and "12.30" in html  # this month's usage only
    assert mine.open_order.order_no in html and mine.open_ticket.ticket_no in html
    assert mine.done_order.order_no not in html and mine.closed_ticket.ticket_no not in html
    assert two_customers["old"].service_number not in html  # terminated
    # nothing of 张伟's
    for text in ("A00000000002", "46.00", "7.25", theirs.service_number, theirs.open_order.order_no,
                 theirs.open_ticket.ticket_no, "777.0"):  # fmt: skip
        assert text not in html


def test_home_shows_arrears_when_there_are_some(portal_client, two_customers):
    html = portal_client("zhangw").get("/portal/").content.decode()
    assert 'data-testid="arrears"' in html and "46.00" in html and "7.25" in html
    assert "88.50" not in html


def test_home_links_only_to_pages_that_exist(portal_client, two_customers):
    import re

    from django.urls import Resolver404, resolve

    html = portal_client("zhang").get("/portal/").content.decode()
    links = [h for h in re.findall(r'href="(/[^"]*)"', html) if not h.startswith("/static/")]
    broken = []
    for href in links:
        try:
            resolve(href.split("?")[0])
        except Resolver404:
            broken.append(href)
    assert len(links) >= 5  # the header navigation and the cards' links are there
    assert broken == [], f"links to pages that do not exist: {broken}"


@pytest.fixture
def offer_rule(lines):
    offering = ProductOffering.objects.create(
        code="t-fuse", name="融合宽带199", specification=lines["zhang"].specification, lifecycle_status="Active"
    )
    return NextBestOfferRule.objects.create(offering=offering, reason="加宽带更划算", reason_en="Broadband costs less")


def test_home_shows_next_best_offers_unless_the_customer_opted_out_of_portal_marketing(
    portal_client, offer_rule, people
):
    client = portal_client("zhang")
    html = client.get("/portal/").content.decode()
    assert 'data-testid="offers"' in html and "融合宽带199" in html
    Customer.objects.filter(pk=people["zhang"].pk).update(marketing_opt_outs=["sms", "portal"])
    html = client.get("/portal/").content.decode()
    assert 'data-testid="offers"' not in html and "融合宽带199" not in html


def test_home_query_count_does_not_grow_with_the_customer_s_history(
    portal_client, two_customers, people, subscribe, make_staff, django_assert_max_num_queries
):
    client = portal_client("zhang")
    client.get("/portal/")  # warm the session cache
    agent = make_staff(Role.CALL_AGENT)
    for n in range(6):
        product = subscribe(people["zhang"], "29", number=f"1770000{n:04d}")
        usage(product, minutes=n, mb=n, charge="1.00")
        order(people["zhang"])
        ticket(people["zhang"], agent)
    with django_assert_max_num_queries(10):
        response = client.get("/portal/")
    assert response.status_code == 200 and "17700000005" in response.content.decode()


def test_home_is_not_cached_chinese_by_default_and_switches_to_english(portal_client, settings):
    client = portal_client("zhang")
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]  # no choice made: the default language
    response = client.get("/portal/")
    assert "no-store" in response["Cache-Control"]
    assert '<html lang="zh-hans">' in response.content.decode()
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    assert switched["Location"] == "/portal/"
    html = client.get("/portal/").content.decode()
    assert '<html lang="en">' in html and "Balance and arrears" in html and "张伟明" in html
