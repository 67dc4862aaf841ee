"""Exact keys in the search box and the customer list's "name or number" filter: the same customers as before, by
index lookups only, within the user's region."""

import pytest
from django.db.models import Q
from django.urls import reverse

from crm.accounts.roles import Role
from customers.models import Party
from customers.selectors import customer_search, customers_visible_to, is_unique_key

pytestmark = pytest.mark.django_db

# Every kind of exact key of Hefei's 张伟明 (C00000000001); 13355501234 is the service number of a live subscription.
ZHANG_KEYS = [
    ("mobile on file", "18955512345"),
    ("service number", "13355501234"),
    ("ID-card number", "11010519491231002X"),
    ("ID-card number, lower-case x", "11010519491231002x"),
    ("account number", "A00000000001"),
    ("customer number", "c00000000001"),
]


@pytest.fixture
def zhang_subscribed(people, subscribe):
    subscribe(people["zhang"], 59, number="13355501234")
    return people["zhang"]


def _search_results(client, query: str, **headers) -> str:
    response = client.get(reverse("ui:search"), {"q": query}, **headers)
    assert response.status_code == 200
    return response.content.decode().split('data-testid="search-results"')[1]


@pytest.mark.parametrize("kind,query", ZHANG_KEYS)
def test_every_exact_key_finds_the_customer_in_the_search_box_and_its_fragment(
    client, make_staff, zhang_subscribed, hefei, kind, query
):
    client.force_login(make_staff(Role.HALL_CLERK, region=hefei))
    detail = reverse("customers:detail", args=["C00000000001"])
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        html = _search_results(client, query, **headers)
        assert f'href="{detail}"' in html and "张伟明" in html, kind
        assert html.count("<li>") == 1  # the one customer, nothing from other providers


@pytest.mark.parametrize("kind,query", ZHANG_KEYS)
def test_another_regions_clerk_does_not_find_the_customer_by_any_key(
    client, make_staff, zhang_subscribed, wuhu, kind, query
):
    clerk = make_staff(Role.HALL_CLERK, region=wuhu)
    assert customer_search(clerk, query) == []
    client.force_login(clerk)
    html = _search_results(client, query)
    assert "张伟明" not in html and "C00000000001" not in html, kind


def test_credit_code_and_a_province_manager_find_customers_of_every_region(client, make_staff, people):
    client.force_login(make_staff(Role.MANAGER))
    assert "合肥华信科技有限公司" in _search_results(client, "91350100m000100y43")
    assert "张伟" in _search_results(client, "18955500000")  # Wuhu's customer, for province-level staff


def test_a_terminated_service_number_finds_nobody(make_staff, people, subscribe, hefei):
    subscribe(people["zhang"], 59, number="13355509999", status="terminated")
    assert customer_search(make_staff(Role.HALL_CLERK, region=hefei), "13355509999") == []


def test_only_unique_identifiers_skip_the_other_providers():
    for query in ("18955512345", "11010519491231002x", "A00000000001", "C00000000001", "91350100M000100Y43"):
        assert is_unique_key(query), query
    # a name, a fixed line, a broadband account, an order, a username, an employee number, a unit: all are asked
    shared = ["张伟", "05515551234", "ah0551b1234567", "D0000000000000001", "s3401000011", "E0000001", "340100-001"]
    for query in shared:
        assert not is_unique_key(query), query


def test_a_staff_member_is_still_found_by_username_or_employee_number(client, make_staff):
    make_staff(Role.CALL_AGENT, username="s3401000011", employee_no="E0000001")
    client.force_login(make_staff(Role.MANAGER))
    assert "s3401000011" in _search_results(client, "s3401000011")
    assert "s3401000011" in _search_results(client, "E0000001")


# --- The customer list's q filter --------------------------------------------------------------------------------


def _before(queryset, value: str):
    """The list filter as it was: an OR across the customer and party tables (a scan of every customer)."""
    upper = value.upper()
    return queryset.filter(
        Q(customer_no=upper) | Q(party__name__contains=value) | Q(party__credit_code=upper) | Q(party__id_number=upper)
    )


def _listed(client, query: str) -> set[str]:
    response = client.get(reverse("customers:list"), {"q": query})
    assert response.status_code == 200
    return {c.customer_no for c in response.context["object_list"]}


@pytest.mark.parametrize(
    "query",
    ["C00000000001", "c00000000003", "11010519491231002x", "91350100M000100Y43", "张伟", "张", "华信科技", "伟明", "x"],
)
@pytest.mark.parametrize("role", [Role.MANAGER, Role.HALL_CLERK])
def test_the_list_filter_finds_the_same_customers_as_before(client, make_staff, people, query, role):
    user = make_staff(role)
    client.force_login(user)
    expected = {c.customer_no for c in _before(customers_visible_to(user), query)}
    assert _listed(client, query) == expected


def test_the_list_filter_also_finds_a_customer_by_phone_or_account_within_the_region(client, make_staff, people, hefei):
    client.force_login(make_staff(Role.HALL_CLERK, region=hefei))
    assert _listed(client, "18955512345") == {"C00000000001"}
    assert _listed(client, "A00000000003") == {"C00000000003"}
    assert _listed(client, "18955500000") == set()  # Wuhu's customer


def test_a_name_containing_a_key_shaped_text_is_still_listed(client, make_staff, people, hefei):
    Party.objects.filter(pk=people["corp"].party_id).update(name="ah0551b1234567 网络")
    client.force_login(make_staff(Role.MANAGER))
    assert _listed(client, "ah0551b1234567") == {"C00000000003"}  # shaped like a broadband account, matched by name
