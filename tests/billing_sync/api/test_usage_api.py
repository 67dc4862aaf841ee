"""TMF635 usage over the month-partitioned usage table: a bounded window, filters, retrieve by key, capped counts."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from crm.accounts.roles import Role

pytestmark = pytest.mark.django_db
USAGE = "/tmf-api/usageManagement/v4/usage"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()]


def chars(row) -> dict:
    return {c["name"]: c["value"] for c in row["usageCharacteristic"]}


def test_usage_without_a_period_covers_the_last_31_days_newest_first(billing, usage):
    response = billing.get(USAGE)
    assert ids(response) == ["CDR-1", "CDR-2", "CDR-4"]  # CDR-3, 40 days old, is outside the default window
    assert response["X-Total-Count"] == "3"


def test_usage_representation(billing, usage, people, products):
    call = billing.get(f"{USAGE}/CDR-1").json()
    assert call["@type"] == "Usage" and call["id"] == "CDR-1" and call["href"].endswith(f"{USAGE}/CDR-1")
    assert call["status"] == "rated" and call["usageType"] == "voice"
    assert datetime.datetime.fromisoformat(call["usageDate"]) == usage["call"].started_at
    assert chars(call) == {
        "serviceNumber": "18955512345", "callingNumber": "18955512345", "calledNumber": "13912345678",
        "duration": 125, "volume": 0, "cellId": "46011-1234", "roaming": "none", "direction": "outgoing",
    }  # fmt: skip
    rated = call["ratedProductUsage"][0]
    assert rated["taxExcludedRatingAmount"] == {"unit": "CNY", "value": 0.3}
    assert rated["productRef"]["id"] == str(products["zhang"].pk)
    assert {"id": "A00000000001", "role": "billingAccount", "@referredType": "BillingAccount"} in call["relatedParty"]
    assert {"id": str(people["zhang"].pk), "role": "customer", "@referredType": "Customer"} in call["relatedParty"]
    # An incoming call: the other party called this number.
    incoming = chars(billing.get(f"{USAGE}/CDR-3").json())
    assert incoming["callingNumber"] == "13800000000" and incoming["calledNumber"] == "18955512345"
    assert incoming["direction"] == "incoming"
    assert billing.get(f"{USAGE}/NOPE").status_code == 404


def test_usage_period_filters_and_span_limit(billing, usage):
    now = timezone.now()
    since = (now - datetime.timedelta(days=45)).isoformat()
    assert ids(billing.get(USAGE, {"usageDate.gte": since})) == ["CDR-1", "CDR-2", "CDR-4", "CDR-3"]
    # With only an end, the window is the 31 days before it.
    assert ids(billing.get(USAGE, {"usageDate.lte": (now - datetime.timedelta(days=35)).isoformat()})) == ["CDR-3"]
    assert ids(billing.get(USAGE, {"usageDate.lte": (now - datetime.timedelta(days=75)).isoformat()})) == []
    until = (now - datetime.timedelta(days=30)).isoformat()
    assert ids(billing.get(USAGE, {"usageDate.gte": since, "usageDate.lte": until})) == ["CDR-3"]
    too_long = billing.get(USAGE, {"usageDate.gte": (now - datetime.timedelta(days=200)).date().isoformat()})
    assert too_long.status_code == 400 and "92 days" in str(too_long.json())
    assert billing.get(USAGE, {"usageDate.gte": "last week"}).status_code == 400


def test_usage_filters_by_account_product_number_and_type(billing, usage, products, people):
    assert ids(billing.get(USAGE, {"billingAccount.id": "A00000000002"})) == ["CDR-4"]
    assert ids(billing.get(USAGE, {"product.id": products["zhang"].pk})) == ["CDR-1", "CDR-2"]
    assert ids(billing.get(USAGE, {"serviceNumber": "18955500000"})) == ["CDR-4"]
    assert ids(billing.get(USAGE, {"usageType": "data"})) == ["CDR-2"]
    assert ids(billing.get(USAGE, {"relatedParty.id": people["zhang"].pk, "usageType": "voice,sms"})) == ["CDR-1"]
    assert ids(billing.get(USAGE, {"sort": "usageDate"})) == ["CDR-4", "CDR-2", "CDR-1"]


def test_usage_paging_fields_and_capped_count(billing, usage, monkeypatch):
    page = billing.get(USAGE, {"limit": 1, "offset": 1, "fields": "usageType"})
    assert ids(page) == ["CDR-2"] and page["X-Total-Count"] == "3" and page["X-Result-Count"] == "1"
    assert set(page.json()[0]) == {"id", "href", "@type", "usageType"}
    from billing_sync.api import views

    monkeypatch.setattr(views, "USAGE_COUNT_CAP", 2)
    capped = billing.get(USAGE, {"limit": 10})
    assert capped["X-Total-Count"] == "2" and len(ids(capped)) == 3  # the count stops at the cap, the rows do not
    assert ids(billing.get(USAGE, {"offset": 2})) == ["CDR-4"]  # paging goes on past a capped count


def test_usage_scope_and_region(client_with, usage, make_staff, wuhu):
    assert APIClient().get(USAGE).status_code == 401
    assert client_with("customer:read", "order:read").get(USAGE).status_code == 403
    staff = APIClient()
    staff.force_login(make_staff(Role.MANAGER, region=wuhu))
    assert ids(staff.get(USAGE)) == ["CDR-4"]
    assert staff.get(f"{USAGE}/CDR-1").status_code == 404


def test_usage_list_queries_are_bounded_and_read_one_window(billing, usage, django_assert_max_num_queries):
    with django_assert_max_num_queries(5) as queries:
        assert len(ids(billing.get(USAGE))) == 3
    listing = [q["sql"] for q in queries.captured_queries if "billing_sync_usagerecord" in q["sql"]]
    assert listing and all('"started_at" >=' in sql for sql in listing)


def test_an_account_window_reads_only_its_partitions_through_the_account_index(usage, make_staff):
    from django.db import connection

    from billing_sync.selectors.bills import usage_visible_to, usage_window
    from billing_sync.services.partitions import month_start, partition_name

    now = timezone.now()
    start, _end = usage_window(None, None, now=now)
    records = (
        usage_visible_to(make_staff(Role.ADMIN))
        .filter(account_id=usage["call"].account_id, started_at__gte=start)
        .order_by("-started_at", "-id")[:20]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: ask whether the index can serve it
    plan = records.explain()
    assert "usage_account_time" in plan or "account_id_started_at" in plan, plan
    assert partition_name(month_start(now)) in plan
    assert partition_name(month_start(now - datetime.timedelta(days=100))) not in plan, plan  # pruned
