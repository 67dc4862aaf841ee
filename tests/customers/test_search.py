"""Customer search by every key, within the user's region, with personal data masked."""

import pytest
from django.urls import reverse

from crm.accounts.roles import Role
from customers.privacy import mask_id_number, mask_phone
from customers.selectors import customer_search

pytestmark = pytest.mark.django_db


def nos(customers) -> list[str]:
    return [c.customer_no for c in customers]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("18955512345", ["C00000000001"]),
        ("11010519491231002x", ["C00000000001"]),
        ("C00000000001", ["C00000000001"]),
        ("a00000000003", ["C00000000003"]),
        ("91350100M000100Y43", ["C00000000003"]),
        ("伟明", ["C00000000001"]),
        ("张伟", ["C00000000001", "C00000000002"]),
        ("华信科技", ["C00000000003"]),
        ("张", []),  # a single character is too little to search names
    ],
)
def test_province_staff_find_customers_by_every_key(make_staff, people, query, expected):
    assert nos(customer_search(make_staff(Role.MANAGER), query)) == expected


def test_hefei_clerk_cannot_find_wuhu_customers(make_staff, people, hefei):
    clerk = make_staff(Role.HALL_CLERK, region=hefei)
    assert nos(customer_search(clerk, "张伟")) == ["C00000000001"]
    assert customer_search(clerk, "18955500000") == []


def test_masking():
    assert mask_id_number("340102199001011234") == "3401**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == "" and mask_id_number(None) == ""


def test_global_search_box_shows_customers_masked(client, make_staff, people, hefei):
    client.force_login(make_staff(Role.HALL_CLERK, region=hefei))
    html = client.get(reverse("ui:search"), {"q": "18955512345"}).content.decode()
    assert "张伟明" in html and "189****2345" in html and "1101**********002X" in html
    assert "18955512345" not in html.split("search-results")[1]  # the full number is not shown back
    assert "11010519491231002X" not in html


def test_roles_without_customer_search_get_no_customers(client, make_staff, people):
    client.force_login(make_staff(Role.FIELD_TECHNICIAN))
    assert "张伟明" not in client.get(reverse("ui:search"), {"q": "张伟"}).content.decode()


def test_search_by_the_service_number_of_a_live_subscription_only(people, make_staff, subscribe, hefei):
    clerk = make_staff(Role.HALL_CLERK, region=hefei)
    subscribe(people["zhang"], 59, number="ah0551b1234567")  # a broadband account
    ended = subscribe(people["corp"], 59, number="05516661234", status="terminated")
    assert ended.status == "terminated"
    assert [c.customer_no for c in customer_search(clerk, "ah0551b1234567")] == ["C00000000001"]
    assert customer_search(clerk, "05516661234") == []  # terminated: the number is free, nobody has it
