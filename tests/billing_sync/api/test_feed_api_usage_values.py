"""Usage feed values on the fast paths (digit strings and true/false spellings passed to COPY as text, the JSON
parser's fallback): good values load as the general validators read them, bad ones are reported with their row
and field, and a batch that fails as a whole leaves nothing behind."""

import json
from decimal import Decimal

import pytest

from billing_sync.models import FeedBatch, FeedRejection, UsageMonthly, UsageRecord

pytestmark = pytest.mark.django_db
FEED = "/tmf-api/billingFeed/v1"
HEADER = "recordKey,serviceNumber,startTime,type,outgoing,otherNumber,duration,volumeKb,cellId,roaming,charge\n"


@pytest.fixture
def feeder(client_with):
    return client_with("billing:feed")


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\n" for row in rows)).encode()


def test_csv_text_values_load_as_the_validators_read_them(feeder, products):
    # given CSV rows whose numbers and flags are text in the spellings the feed accepts
    body = _csv(
        "K1,18955512345,2026-11-02T10:00:00+08:00,voice,True,13900001111,0061,,C1,none,0.10",
        "K2,18955512345,2026-11-02T10:01:00+08:00,voice,no,,\u0663,,,domestic,1",
        "K3,18955512345,2026-11-02T10:02:00+08:00,data,1,,,\u0662048,C2,none,\u0661.50",
        "K4,18955512345,2026-11-02T10:03:00+08:00,sms,FALSE,10086, 7 ,0,,,",
    )

    # when they are posted
    response = feeder.post(f"{FEED}/usage?batchId=T1", body, content_type="text/csv")

    # then all load, with the values the general validators give
    assert response.status_code == 201, response.content
    assert response.json()["counts"] == {"received": 4, "loaded": 4, "duplicate": 0, "rejected": 0}
    rows = {r.record_key: r for r in UsageRecord.objects.all()}
    assert (rows["K1"].outgoing, rows["K1"].duration_s, rows["K1"].charge) == (True, 61, Decimal("0.10"))
    assert (rows["K2"].outgoing, rows["K2"].duration_s, rows["K2"].roaming) == (False, 3, "domestic")
    assert (rows["K3"].outgoing, rows["K3"].volume_kb, rows["K3"].cell_id) == (True, 2048, "C2")
    assert rows["K3"].charge == Decimal("1.50")
    assert (rows["K4"].outgoing, rows["K4"].duration_s, rows["K4"].charge) == (False, 7, Decimal("0.00"))
    month = UsageMonthly.objects.get(product=products["zhang"])
    assert (month.voice_calls, month.voice_seconds, month.sms_count, month.data_kb) == (2, 64, 1, 2048)
    assert month.charge == Decimal("2.60")


def test_bad_csv_values_are_reported_with_row_and_field_and_good_rows_load(feeder, products):
    body = _csv(
        "G1,18955512345,2026-11-02T10:00:00+08:00,voice,true,,60,,,none,0.10",
        "B1,18955512345,2026-11-02T10:01:00+08:00,voice,maybe,,60,,,none,0.10",
        "B2,18955512345,2026-11-02T10:02:00+08:00,voice,true,,-5,,,none,0.10",
        "B3,18955512345,2026-11-02T10:03:00+08:00,data,true,,,1.5,,none,0.10",
        "B4,18955512345,2026-11-02T10:04:00+08:00,voice,true,,99999999999,,,none,0.10",
        "B5,18955512345,2026-11-02T10:05:00+08:00,data,true,,,99999999999999999999,,none,0.10",
        "B6,18955512345,2026-11-02T10:06:00+08:00,voice,true,,60,,,none,0.105",
        "B7,18955512345,2026-11-02T10:07:00+08:00,voice,true,,60,,,none,\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",
        "B8,18955512345,2026-11-02T10:08:00+08:00,voice,true",
    )

    response = feeder.post(f"{FEED}/usage?batchId=T2", body, content_type="text/csv")

    assert response.status_code == 201, response.content
    report = response.json()
    assert report["counts"] == {"received": 9, "loaded": 1, "duplicate": 0, "rejected": 8}
    assert [(r["row"], r["key"], r["field"], r["code"]) for r in report["rejection"]] == [
        (2, "B1", "outgoing", "badType"),
        (3, "B2", "duration", "negative"),
        (4, "B3", "volumeKb", "badNumber"),
        (5, "B4", "duration", "badNumber"),
        (6, "B5", "volumeKb", "badNumber"),
        (7, "B6", "charge", "badAmount"),
        (8, "B7", "charge", "badAmount"),
        (9, "", "", "badFormat"),
    ]
    assert list(UsageRecord.objects.values_list("record_key", flat=True)) == ["G1"]


def test_json_beyond_the_fast_parser_is_read_by_the_standard_one(feeder, products):
    # an integer beyond 64 bits is a bad row, not an unreadable body
    records = [
        {"recordKey": "J1", "serviceNumber": "18955512345", "startTime": "2026-11-02T10:00:00+08:00", "type": "data",
         "volumeKb": 2**70},
        {"recordKey": "J2\tx", "serviceNumber": "18955512345", "startTime": "2026-11-02T10:01:00+08:00",
         "type": "voice", "duration": 30, "cellId": "a\\b"},
    ]  # fmt: skip
    body = json.dumps({"batchId": "T3", "records": records}).encode()

    response = feeder.post(f"{FEED}/usage", body, content_type="application/json")

    assert response.status_code == 201, response.content
    report = response.json()
    assert report["counts"]["loaded"] == 1 and report["counts"]["rejected"] == 1
    assert [(r["row"], r["field"], r["code"]) for r in report["rejection"]] == [(1, "volumeKb", "badNumber")]
    loaded = UsageRecord.objects.get()
    assert (loaded.record_key, loaded.cell_id, loaded.duration_s) == ("J2\tx", "a\\b", 30)


def test_unreadable_json_is_still_400_with_the_parsers_message(feeder):
    response = feeder.post(f"{FEED}/usage", b'{"batchId": "T4", "records": [', content_type="application/json")
    assert response.status_code == 400 and "not valid JSON" in response.json()["message"]
    assert FeedBatch.objects.count() == 0


def test_a_batch_failing_in_the_database_leaves_no_rows_totals_or_rejections(feeder, products, monkeypatch):
    # given a row that passes validation but that PostgreSQL refuses while loading
    from billing_sync.services.feeds import usage

    real = usage._insert_postgres

    def corrupt(rows):
        return real([*rows, rows[0].replace("\t0.10\t", "\tnot-a-number\t")])

    monkeypatch.setattr(usage, "_insert_postgres", corrupt)
    body = _csv(
        "F1,18955512345,2026-11-02T10:00:00+08:00,voice,true,,60,,,none,0.10",
        "F2,18955512345,2026-11-02T10:01:00+08:00,voice,maybe,,60,,,none,0.10",
    )

    response = feeder.post(f"{FEED}/usage?batchId=T5", body, content_type="text/csv")

    # then the batch is failed and nothing of it is kept
    assert response.status_code == 500
    batch = FeedBatch.objects.get(client_batch_id="T5")
    assert batch.status == FeedBatch.Status.FAILED and batch.rows_loaded == 0
    assert not UsageRecord.objects.exists() and not UsageMonthly.objects.exists()
    assert not FeedRejection.objects.filter(batch=batch).exists()
