"""Query counts that must not grow with the data: the 360 view of a customer with history, and the TMF list
endpoints (every one within a fixed budget; the main ones the same count for 3 rows as for 15)."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from callcenter.services import ticket_open
from crm.accounts.roles import Role
from crm.api.services import api_token_create
from customers.models import BillingAccount, ContactMedium, Customer, Party, PartyInteraction, ServiceLevelChange
from orders.models import Product, ProductOffering, ProductSpecification

pytestmark = pytest.mark.django_db
LIST_BUDGET = 12  # auth and token (2-3), count, page, a few prefetches: never one per row
_seq = itertools.count(1)


def _customer(region, *, products: int = 1, interactions: int = 1, tickets: int = 1, owner=None) -> Customer:
    n = next(_seq)
    party = Party.objects.create(kind="individual", name=f"客户{n}", id_number=f"3401011990010{n:05d}")
    ContactMedium.objects.create(party=party, kind="phone", value=f"1895550{n:04d}", region=region)
    customer = Customer.objects.create(
        customer_no=f"C{n:011d}", party=party, region=region, customer_class="public", service_level="gold"
    )
    BillingAccount.objects.create(account_no=f"A{n:011d}", customer=customer)
    spec, _ = ProductSpecification.objects.get_or_create(code="q-mobile", defaults={"name": "移动", "kind": "mobile"})
    offering, _ = ProductOffering.objects.get_or_create(code="q-plan", defaults={"name": "套餐", "specification": spec})
    for i in range(products):
        Product.objects.create(
            product_no=f"P{n:08d}{i:04d}", customer=customer, offering=offering, specification=spec,
            service_number=f"133{n:04d}{i:04d}", region=region, status="active",
        )  # fmt: skip
    for i in range(interactions):
        PartyInteraction.objects.create(
            customer=customer, channel="hall", interaction_type="inquiry", reason=f"{i}", occurred_at=timezone.now()
        )
    for i in range(tickets):
        ticket_open(customer=customer, ticket_type="complaint", description=f"投诉 {i}", owner=owner)
    for level in ("silver", "gold")[: min(2, interactions)]:
        ServiceLevelChange.objects.create(customer=customer, from_level="basic", to_level=level, source="computed")
    return customer


def _queries(client, path: str, **extra) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **extra)
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return len(queries.captured_queries)


def test_360_page_queries_do_not_grow_with_a_customers_history(client, make_staff, hefei):
    manager = make_staff(Role.MANAGER)
    client.force_login(manager)
    small = _customer(hefei, owner=manager)
    busy = _customer(hefei, products=8, interactions=40, tickets=6, owner=manager)
    page = lambda c: reverse("customers:detail", args=[c.customer_no])  # noqa: E731
    _queries(client, page(small))  # session, permissions and caches warmed
    assert _queries(client, page(busy)) == _queries(client, page(small))


def _list_routes() -> list[str]:
    """Every TMF list endpoint (DRF router routes named '<basename>-list' under /tmf-api/)."""
    found = []

    def walk(patterns, prefix: str):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and (p.name or "").endswith("-list"):
                route = (prefix + str(p.pattern)).replace("^", "").replace("$", "")
                if route.startswith("tmf-api/") and "<" not in route and "(?P" not in route:
                    found.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


@pytest.fixture
def api(db) -> APIClient:
    _token, raw = api_token_create(client_name="bounds", scopes=["all"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_every_tmf_list_stays_within_a_fixed_query_budget(api, make_staff, hefei, wuhu):
    owner = make_staff(Role.CALL_AGENT)
    for region in (hefei, wuhu, hefei):
        _customer(region, products=2, interactions=2, tickets=2, owner=owner)
    routes = _list_routes()
    api.get(routes[0])  # the token's first use is recorded once
    assert len(routes) >= 15, routes
    over = {}
    for route in routes:
        with CaptureQueriesContext(connection) as queries:
            response = api.get(route, {"limit": 20})
        if response.status_code == 400:  # a list that needs a filter (e.g. usage by product) answers 400 without one
            continue
        assert response.status_code == 200, (route, response.content[:300])
        if len(queries.captured_queries) > LIST_BUDGET:
            over[route] = len(queries.captured_queries)
    assert over == {}


MAIN_LISTS = [
    "/tmf-api/customerManagement/v4/customer",
    "/tmf-api/party/v4/individual",
    "/tmf-api/accountManagement/v4/billingAccount",
    "/tmf-api/partyInteraction/v4/partyInteraction",
    "/tmf-api/troubleTicket/v4/troubleTicket",
    "/tmf-api/productInventory/v4/product",
]


def test_main_lists_cost_the_same_queries_for_3_rows_as_for_15(api, make_staff, hefei):
    owner = make_staff(Role.CALL_AGENT)
    _customer(hefei, products=3, interactions=3, tickets=3, owner=owner)
    _queries(api, MAIN_LISTS[0])  # the token's first use is recorded once
    few = {route: _queries(api, route) for route in MAIN_LISTS}
    for _ in range(4):
        _customer(hefei, products=3, interactions=3, tickets=3, owner=owner)
    many = {route: _queries(api, route) for route in MAIN_LISTS}
    assert many == few


def test_a_regional_agents_ticket_list_by_status_stays_bounded(client, make_staff, hefei, wuhu):
    agent = make_staff(Role.CALL_AGENT, region=hefei)
    for region in (hefei, wuhu):
        _customer(region, tickets=5, owner=agent)
    client.force_login(agent)
    path = "/tmf-api/troubleTicket/v4/troubleTicket"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"status": "acknowledged,inProgress,new,pending", "limit": 20})
    assert response.status_code == 200
    assert int(response["X-Total-Count"]) == len(response.json())
    assert len(queries.captured_queries) <= LIST_BUDGET
