"""TMF678 customerBill and appliedCustomerBillingRate: representation, filters, paging, fields, scopes, regions."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from crm.accounts.roles import Role

pytestmark = pytest.mark.django_db
BILLS = "/tmf-api/customerBillManagement/v4/customerBill"
RATES = "/tmf-api/customerBillManagement/v4/appliedCustomerBillingRate"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()]


def test_bill_list_is_newest_first_with_the_tmf678_representation(billing, bills, people):
    response = billing.get(BILLS)
    september, august, wuhu = bills["september"], bills["august"], bills["wuhu"]
    assert response["X-Total-Count"] == "3"
    assert ids(response)[0] in (september.bill_no, wuhu.bill_no) and ids(response)[-1] == august.bill_no
    bill = next(row for row in response.json() if row["id"] == september.bill_no)
    assert bill["@type"] == "CustomerBill" and bill["href"].endswith(f"{BILLS}/{september.bill_no}")
    assert bill["billNo"] == september.bill_no and bill["state"] == "sent"
    assert bill["amountDue"] == {"unit": "CNY", "value": 80.0}
    assert bill["remainingAmount"] == {"unit": "CNY", "value": 80.0}
    assert bill["taxExcludedAmount"]["value"] == 72.0 and bill["taxIncludedAmount"]["value"] == 80.0
    assert bill["taxItem"][0]["taxAmount"]["value"] == 8.0
    assert bill["billingPeriod"]["startDateTime"].startswith("2026-09-01T00:00:00")
    assert bill["billingPeriod"]["endDateTime"].startswith("2026-10-01T00:00:00")
    assert bill["billDate"].startswith("2026-10-01") and bill["paymentDueDate"].startswith("2026-10-20")
    assert bill["billingAccount"]["id"] == "A00000000001"
    assert bill["relatedParty"][0] == {
        "id": str(people["zhang"].pk), "name": "张伟明", "role": "customer", "@referredType": "Customer",
    }  # fmt: skip
    rates = bill["appliedCustomerBillingRate"]
    assert [r["name"] for r in rates] == ["月租", "国内通话"] and rates[0]["href"].endswith(f"{RATES}/{rates[0]['id']}")
    august_row = next(row for row in response.json() if row["id"] == august.bill_no)
    assert august_row["state"] == "settled" and august_row["remainingAmount"]["value"] == 0.0


def test_bill_is_retrieved_by_its_number(billing, bills):
    bill = bills["august"]
    response = billing.get(f"{BILLS}/{bill.bill_no}")
    assert response.status_code == 200
    assert response.json()["id"] == bill.bill_no and response.json()["href"].endswith(f"{BILLS}/{bill.bill_no}")
    missing = billing.get(f"{BILLS}/B-NO-SUCH")
    assert missing.status_code == 404 and missing.json()["@type"] == "Error"


def test_bill_filters(billing, bills, people):
    september, august, wuhu = bills["september"], bills["august"], bills["wuhu"]
    assert sorted(ids(billing.get(BILLS, {"billingAccount.id": "A00000000001"}))) == sorted(
        [september.bill_no, august.bill_no]
    )
    assert ids(billing.get(BILLS, {"state": "settled"})) == [august.bill_no]
    assert sorted(ids(billing.get(BILLS, {"state": "sent,partiallyPaid"}))) == sorted([september.bill_no, wuhu.bill_no])
    assert ids(billing.get(BILLS, {"relatedParty.id": people["zhangw"].pk})) == [wuhu.bill_no]
    assert ids(billing.get(BILLS, {"relatedParty.customerNumber": "C00000000002"})) == [wuhu.bill_no]
    assert ids(billing.get(BILLS, {"billDate.lte": "2026-09-30"})) == [august.bill_no]
    assert len(ids(billing.get(BILLS, {"billingPeriod.startDateTime.gte": "2026-09-01"}))) == 2
    bad = billing.get(BILLS, {"colour": "red"})
    assert bad.status_code == 400 and bad.json()["@type"] == "Error"
    assert billing.get(BILLS, {"billDate.gte": "yesterday"}).status_code == 400


def test_bill_paging_and_fields(billing, bills):
    everything = ids(billing.get(BILLS))
    page = billing.get(BILLS, {"offset": 1, "limit": 1})
    assert page["X-Total-Count"] == "3" and page["X-Result-Count"] == "1"
    assert ids(page) == everything[1:2]
    selected = billing.get(BILLS, {"fields": "state,amountDue"}).json()[0]
    assert set(selected) == {"id", "href", "@type", "state", "amountDue"}


def test_bill_api_needs_a_token_with_billing_read(client_with, bills):
    assert APIClient().get(BILLS).status_code == 401
    forbidden = client_with("customer:read").get(BILLS)
    assert forbidden.status_code == 403 and "billing:read" in str(forbidden.json())
    assert client_with("billing:read").post(BILLS, {}, format="json").status_code in (403, 405)


def test_regional_staff_see_only_their_region(make_staff, bills, hefei, wuhu):
    client = APIClient()
    client.force_login(make_staff(Role.MANAGER, region=wuhu))
    assert ids(client.get(BILLS)) == [bills["wuhu"].bill_no]
    assert client.get(f"{BILLS}/{bills['august'].bill_no}").status_code == 404
    assert len(ids(client.get(RATES))) == 1
    province = APIClient()
    province.force_login(make_staff(Role.MANAGER))
    assert len(ids(province.get(BILLS))) == 3
    clerk = APIClient()
    clerk.force_login(make_staff(Role.HALL_CLERK, region=hefei))
    assert clerk.get(BILLS).status_code == 403


def test_bill_list_queries_do_not_grow_with_rows(billing, bills, people, make_bill, django_assert_max_num_queries):
    with django_assert_max_num_queries(6) as few:
        billing.get(BILLS)
    account = people["corp"].accounts.get()
    for month in range(1, 8):
        make_bill(account, "10.00", month=datetime.date(2026, month, 1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(ids(billing.get(BILLS))) == 10


def test_rates_list_retrieve_and_filters(billing, bills, products):
    september = bills["september"]
    response = billing.get(RATES, {"bill.id": september.bill_no})
    assert response["X-Total-Count"] == "2"
    fee, calls = sorted(response.json(), key=lambda r: r["name"] != "月租")
    assert fee["@type"] == "AppliedCustomerBillingRate" and fee["type"] == "recurring" and fee["isBilled"] is True
    assert fee["bill"]["id"] == september.bill_no and fee["bill"]["href"].endswith(f"{BILLS}/{september.bill_no}")
    assert fee["product"] == {"id": str(products["zhang"].pk), "name": "18955512345", "@referredType": "Product"}
    assert fee["date"].startswith("2026-10-01") and fee["taxIncludedAmount"]["value"] == 59.0
    # The bill's 8.00 VAT on 80.00 is spread over the items: 5.90 on 59.00, 2.10 on 21.00.
    assert fee["appliedTax"][0]["taxAmount"]["value"] == 5.9 and fee["taxExcludedAmount"]["value"] == 53.1
    assert Decimal(str(calls["appliedTax"][0]["taxAmount"]["value"])) == Decimal("2.10")
    assert billing.get(f"{RATES}/{fee['id']}").json()["name"] == "月租"
    assert len(ids(billing.get(RATES, {"product.id": products["zhangw"].pk}))) == 1
    assert len(ids(billing.get(RATES, {"type": "usage"}))) == 1
    assert len(ids(billing.get(RATES, {"billingAccount.id": "A00000000001"}))) == 3
    assert len(ids(billing.get(RATES, {"serviceNumber": "18955500000"}))) == 1


def test_rate_list_queries_are_bounded(billing, bills, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        assert len(ids(billing.get(RATES))) == 4


def test_billing_apis_are_in_the_openapi_schema(client, make_staff):
    client.force_login(make_staff(Role.ADMIN))
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in (BILLS, f"{BILLS}/{{id}}", RATES, "/tmf-api/usageManagement/v4/usage",
                 "/tmf-api/paymentManagement/v4/payment"):  # fmt: skip
        assert path in paths, path
    params = {p["name"] for p in paths[BILLS]["get"]["parameters"]}
    assert {"billingAccount.id", "state", "billDate", "fields", "limit"} <= params
