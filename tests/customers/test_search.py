"""Customer search by every key, within the user's region, with personal data masked."""

import pytest
from django.urls import reverse

from crm.accounts.roles import Role
from customers.models import BillingAccount, ContactMedium, Customer, Party
from customers.privacy import mask_id_number, mask_phone
from customers.selectors import customer_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(hefei, wuhu):
    def make(no, name, region, *, id_number=None, credit_code=None, phone, account):
        kind = "individual" if id_number else "organization"
        party = Party.objects.create(kind=kind, name=name, id_number=id_number, credit_code=credit_code)
        ContactMedium.objects.create(party=party, kind="phone", value=phone, region=region)
        customer = Customer.objects.create(
            customer_no=no, party=party, region=region,
            customer_class="public" if id_number else "key_account", service_level="gold" if id_number else "3A",
        )  # fmt: skip
        BillingAccount.objects.create(account_no=account, customer=customer)
        return customer

    return {
        "zhang": make(
            "C00000000001", "张伟明", hefei, id_number="11010519491231002X", phone="18955512345", account="A00000000001"
        ),
        "zhangw": make(
            "C00000000002", "张伟", wuhu, id_number="440524188001010014", phone="18955500000", account="A00000000002"
        ),
        "corp": make(
            "C00000000003",
            "合肥华信科技有限公司",
            hefei,
            credit_code="91350100M000100Y43",
            phone="05515551234",
            account="A00000000003",
        ),
    }


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
