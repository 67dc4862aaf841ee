"""The search box answers an exact identifier with the customer lookup alone: a fixed, small number of queries (it
asked four providers in 9 to 11 queries before), the same for the full page and the search-as-you-type fragment."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.accounts.roles import Role
from customers.models import BillingAccount, ContactMedium, Customer, Party
from orders.models import Product, ProductOffering, ProductSpecification

pytestmark = pytest.mark.django_db

# the user row, the customers, their contact media (the staff profile and permissions come from the principal cache)
EXACT_LOOKUP_QUERIES = 3


@pytest.fixture
def customer(hefei) -> Customer:
    party = Party.objects.create(kind="individual", name="王五", id_number="340101199001011234")
    ContactMedium.objects.create(party=party, kind="phone", value="18955501234", region=hefei)
    customer = Customer.objects.create(
        customer_no="C00000000021", party=party, region=hefei, customer_class="public", service_level="gold"
    )
    BillingAccount.objects.create(account_no="A00000000021", customer=customer)
    spec = ProductSpecification.objects.create(code="x-mobile", name="移动", kind="mobile")
    offering = ProductOffering.objects.create(code="x-plan", name="套餐", specification=spec)
    Product.objects.create(
        product_no="P000000210001", customer=customer, offering=offering, specification=spec,
        service_number="13355501234", region=hefei, status="active",
    )  # fmt: skip
    return customer


def _queries(client, query: str, **headers) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("ui:search"), {"q": query}, **headers)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


@pytest.mark.parametrize("query", ["18955501234", "13355501234", "340101199001011234", "A00000000021", "C00000000021"])
def test_an_exact_identifier_costs_a_fixed_few_queries(client, make_staff, hefei, customer, query):
    client.force_login(make_staff(Role.HALL_CLERK, region=hefei))
    client.get(reverse("ui:search"), {"q": "warm"})  # the session is read and cached
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        count, html = _queries(client, query, **headers)
        assert "王五" in html
        assert count <= EXACT_LOOKUP_QUERIES, (query, headers, count)


def test_a_name_still_asks_every_provider(client, make_staff, hefei, customer):
    client.force_login(make_staff(Role.HALL_CLERK, region=hefei))
    client.get(reverse("ui:search"), {"q": "warm"})
    exact, _html = _queries(client, "C00000000021")
    count, html = _queries(client, "王五")
    assert "王五" in html
    assert count > exact  # staff, teams and outlets are searched by name too
