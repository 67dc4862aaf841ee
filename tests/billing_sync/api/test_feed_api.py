"""Billing feed API: batches load once, bad rows are reported, CSV bodies, conflicts, scopes, batch reports."""

import datetime
import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from billing_sync.models import BillItem, CustomerBill, FeedBatch, UsageMonthly, UsageRecord
from crm.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
FEED = "/tmf-api/billingFeed/v1"


@pytest.fixture
def feeder(client_with) -> APIClient:
    return client_with("billing:feed")


def _bill(no, account="A00000000001", *, amount="80.00", items=None, **extra):
    return {
        "billNo": no, "accountNo": account, "periodStart": "2026-09-01", "periodEnd": "2026-09-30",
        "billDate": "2026-10-01", "dueDate": "2026-10-21", "amountDue": amount, "taxAmount": "8.00",
        "items": items if items is not None else [
            {"itemNo": 1, "rateType": "recurring", "name": "月租", "amount": "59.00", "serviceNumber": "18955512345"},
            {"itemNo": 2, "rateType": "usage", "name": "国内通话", "amount": "21.00"},
        ],
        **extra,
    }  # fmt: skip


def _cdr(key, start="2026-11-02T10:00:00+08:00", number="18955512345", **extra):
    return {"recordKey": key, "serviceNumber": number, "startTime": start, "type": "voice",
            "otherNumber": "13912345678", "duration": 90, "charge": "0.20", **extra}  # fmt: skip


def test_a_bill_batch_posted_twice_loads_once(feeder, products, people):
    body = {"batchId": "BILL-2026-09", "records": [_bill("B2609001"), _bill("B2609002", "A00000000002", items=[])]}

    first = feeder.post(f"{FEED}/bills", body, format="json")
    again = feeder.post(f"{FEED}/bills", body, format="json")

    assert first.status_code == 201, first.content
    report = first.json()
    assert report["@type"] == "FeedBatch" and report["status"] == "loaded" and report["duplicate"] is False
    assert report["counts"] == {"received": 2, "loaded": 2, "duplicate": 0, "rejected": 0}
    assert report["href"].endswith(f"{FEED}/batch/{report['id']}") and first["Location"] == report["href"]
    assert again.status_code == 200 and again.json()["duplicate"] is True and again.json()["id"] == report["id"]
    assert CustomerBill.objects.count() == 2 and FeedBatch.objects.count() == 1
    bill = CustomerBill.objects.get(bill_no="B2609001")
    assert bill.account.account_no == "A00000000001" and bill.region_id == people["zhang"].region_id
    assert bill.amount_due == Decimal("80.00") and bill.tax_amount == Decimal("8.00")
    items = list(BillItem.objects.filter(bill=bill).order_by("item_no"))
    assert [(i.item_no, i.rate_type, i.amount) for i in items] == [
        (1, "recurring", Decimal("59.00")),
        (2, "usage", Decimal("21.00")),
    ]
    assert items[0].product == products["zhang"] and items[1].product is None
    # the bill is overdue (due 2026-10-21): the account's arrears follow
    assert people["zhang"].accounts.get().arrears_amount == Decimal("80.00")
    assert AuditEntry.objects.filter(object_type="billing_sync.feedbatch", object_id=report["id"]).count() == 1


def test_a_usage_batch_posted_twice_loads_once_and_a_new_id_counts_nothing_twice(feeder, products):
    body = {"batchId": "CDR-0001", "records": [_cdr("C1"), _cdr("C2", type="sms", duration=0)]}
    assert feeder.post(f"{FEED}/usage", body, format="json").status_code == 201
    again = feeder.post(f"{FEED}/usage", body, format="json")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    resent = feeder.post(f"{FEED}/usage", {**body, "batchId": "CDR-0002"}, format="json").json()
    assert resent["counts"] == {"received": 2, "loaded": 0, "duplicate": 2, "rejected": 0}
    month = UsageMonthly.objects.get(product=products["zhang"])
    assert (month.month, month.voice_calls, month.voice_seconds, month.sms_count) == (datetime.date(2026, 11, 1), 1,
                                                                                      90, 1)  # fmt: skip
    assert UsageRecord.objects.count() == 2


def test_bad_rows_are_reported_with_row_and_reason_and_good_rows_kept(feeder, products, client_with):
    records = [
        _bill("B1"),
        _bill("B2", "A99999999999"),  # unknown account
        _bill("B3", amount="12.345"),
        _bill("B4", billDate="2099-01-01", dueDate="2099-01-21"),
        _bill("B5", items=[{"itemNo": 1, "rateType": "recurring", "name": "月租", "amount": "9",
                            "serviceNumber": "18955500000"}]),  # another customer's number
        _bill("B1"),
        {"accountNo": "A00000000001"},
    ]  # fmt: skip
    response = feeder.post(f"{FEED}/bills", {"batchId": "MIXED", "records": records}, format="json")

    assert response.status_code == 201
    report = response.json()
    assert report["counts"] == {"received": 7, "loaded": 1, "duplicate": 0, "rejected": 6}
    assert [(r["row"], r["key"], r["field"], r["code"]) for r in report["rejection"]] == [
        (2, "B2", "accountNo", "unknownAccount"),
        (3, "B3", "amountDue", "badAmount"),
        (4, "B4", "billDate", "inFuture"),
        (5, "B5", "items[0].serviceNumber", "unknownSubscription"),
        (6, "B1", "billNo", "duplicateInBatch"),
        (7, "", "billNo", "missing"),
    ]
    assert "A99999999999" in report["rejection"][0]["reason"]
    assert list(CustomerBill.objects.values_list("bill_no", flat=True)) == ["B1"]

    # the rejections page through, readable with billing:read
    reader = client_with("billing:read")
    page = reader.get(f"{FEED}/batch/{report['id']}/rejection", {"offset": 2, "limit": 2})
    assert page.status_code == 200 and page["X-Total-Count"] == "6"
    assert [r["row"] for r in page.json()] == [4, 5]


def test_a_csv_body_loads_like_json(feeder, products):
    csv_body = (
        "billNo,accountNo,periodStart,periodEnd,billDate,dueDate,amountDue,taxAmount,itemNo,rateType,itemName,"
        "itemAmount,serviceNumber\n"
        "B10,A00000000001,2026-09-01,2026-09-30,2026-10-01,2026-10-21,80.00,8.00,1,recurring,月租,59.00,18955512345\n"
        "B10,A00000000001,2026-09-01,2026-09-30,2026-10-01,2026-10-21,80.00,8.00,2,usage,通话,21.00,\n"
        "B11,A00000000009,2026-09-01,2026-09-30,2026-10-01,2026-10-21,10.00,,1,recurring,月租,10.00,\n"
        "B12,A00000000001,2026-09-01\n"
    )
    response = feeder.post(f"{FEED}/bills?batchId=CSV-1", csv_body.encode(), content_type="text/csv")

    assert response.status_code == 201, response.content
    report = response.json()
    assert report["format"] == "csv" and report["counts"]["loaded"] == 1 and report["counts"]["rejected"] == 2
    assert [(r["row"], r["code"]) for r in report["rejection"]] == [(3, "unknownAccount"), (4, "badFormat")]
    assert BillItem.objects.filter(bill__bill_no="B10").count() == 2

    usage_csv = "recordKey,serviceNumber,startTime,type,outgoing,duration,volumeKb,roaming,charge\n" \
        "U1,18955512345,2026-11-02T10:00:00+08:00,voice,false,61,,none,0.10\n" \
        "U2,18955512345,2026-11-02T11:00:00+08:00,data,,,1024,domestic,1.00\n"  # fmt: skip
    usage = feeder.post(f"{FEED}/usage?batchId=CSV-2", usage_csv.encode(), content_type="text/csv").json()
    assert usage["counts"]["loaded"] == 2
    call = UsageRecord.objects.get(record_key="U1")
    assert call.outgoing is False and call.duration_s == 61 and call.charge == Decimal("0.10")


def test_the_same_batch_id_with_other_content_is_409(feeder, products):
    feeder.post(f"{FEED}/usage", {"batchId": "X1", "records": [_cdr("C1")]}, format="json")
    response = feeder.post(f"{FEED}/usage", {"batchId": "X1", "records": [_cdr("C1", duration=5)]}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["@type"] == "Error" and body["status"] == "409" and "X1" in body["message"]


@pytest.mark.parametrize(
    ("body", "kwargs", "where"),
    [
        ({"records": []}, {"format": "json"}, "batchId"),
        (b"{not json", {"content_type": "application/json"}, "JSON"),
        ({"batchId": "B", "records": "nope"}, {"format": "json"}, "records"),
        (b"recordKey\n", {"content_type": "text/csv"}, "batchId"),
    ],
)
def test_unreadable_bodies_are_400(feeder, body, kwargs, where):
    response = feeder.post(f"{FEED}/usage", body, **kwargs)
    assert response.status_code == 400 and response.json()["@type"] == "Error"
    assert where in response.json()["message"]
    assert FeedBatch.objects.count() == 0


def test_too_many_rows_are_400(feeder, monkeypatch):
    from billing_sync.api import feeds

    monkeypatch.setattr(feeds, "MAX_ROWS", 3)
    response = feeder.post(f"{FEED}/usage", {"batchId": "BIG", "records": [_cdr(f"C{i}") for i in range(4)]},
                           format="json")  # fmt: skip
    assert response.status_code == 400 and "file drop" in response.json()["message"]


def test_a_body_larger_than_django_keeps_in_memory_still_loads(feeder, products, settings):
    # Django refuses request.body above DATA_UPLOAD_MAX_MEMORY_SIZE; the feed reads the stream itself.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    records = [_cdr(f"C{i}", start=f"2026-11-02T10:{i // 60:02d}:{i % 60:02d}+08:00") for i in range(50)]
    response = feeder.post(f"{FEED}/usage", {"batchId": "LARGE", "records": records}, format="json")
    assert response.status_code == 201 and response.json()["counts"]["loaded"] == 50


def test_scopes(client_with, products):
    body = {"batchId": "S1", "records": [_cdr("C1")]}
    assert APIClient().post(f"{FEED}/usage", body, format="json").status_code == 401
    assert client_with("billing:read").post(f"{FEED}/usage", body, format="json").status_code == 403
    assert client_with("customer:read").get(f"{FEED}/batch").status_code == 403
    feeder = client_with("billing:feed")
    created = feeder.post(f"{FEED}/usage", body, format="json").json()
    assert created["sender"].startswith("system-")
    for scope in ("billing:feed", "billing:read"):
        assert client_with(scope).get(f"{FEED}/batch/{created['id']}").status_code == 200


def test_batch_list_filters_and_bounded_queries(client_with, products, django_assert_max_num_queries):
    feeder = client_with("billing:feed")
    for n in range(3):
        feeder.post(f"{FEED}/usage", {"batchId": f"L{n}", "records": [_cdr(f"C{n}")]}, format="json")
    feeder.post(f"{FEED}/balances", {"batchId": "BAL", "records": []}, format="json")
    reader = client_with("billing:read")
    with django_assert_max_num_queries(6):
        response = reader.get(f"{FEED}/batch")
    assert response.status_code == 200 and response["X-Total-Count"] == "4"
    assert [r["batchId"] for r in response.json()] == ["BAL", "L2", "L1", "L0"]  # newest first
    assert "rejection" not in response.json()[0]
    usage = reader.get(f"{FEED}/batch", {"kind": "usage", "status": "loaded", "fields": "batchId"}).json()
    assert [r["batchId"] for r in usage] == ["L2", "L1", "L0"] and set(usage[0]) == {"id", "href", "@type", "batchId"}
    detail = reader.get(f"{FEED}/batch/{usage[0]['id']}").json()
    assert detail["rejection"] == [] and detail["rejectionHref"].endswith("/rejection")


def test_schema_lists_the_feed_endpoints(client, make_staff):
    client.force_login(make_staff("admin"))
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/tmf-api/billingFeed/v1/{kind}" in paths or any(p.startswith("/tmf-api/billingFeed/v1/") for p in paths)
    assert "/tmf-api/billingFeed/v1/batch/{id}/rejection" in paths
    assert json.dumps(paths).count("billingFeed") >= 3
