"""Usage feed: COPY into the month's partition, duplicates skipped, monthly totals count each record once."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from billing_sync.models import FeedBatch, FeedRejection, UsageMonthly, UsageRecord
from billing_sync.services.feeds import FeedConflict, feed_batch_load

pytestmark = pytest.mark.django_db


def _usage(key, number, start, **extra):
    return {"recordKey": key, "serviceNumber": number, "startTime": start, "type": "voice",
            "otherNumber": "13900001111", "duration": 60, "cellId": "HF-001", "charge": "0.15", **extra}  # fmt: skip


@pytest.fixture
def phone(people, subscribe):
    product = subscribe(people["zhang"], "59", number="18900000001")
    product.billing_account = people["zhang"].accounts.get()
    product.save(update_fields=["billing_account"])
    return product


def test_usage_lands_in_its_monthly_partition_and_counts_once_when_resent(phone):
    records = [
        _usage("R1", "18900000001", "2026-10-31T23:59:00+08:00"),
        _usage("R2", "18900000001", "2026-11-01T00:01:00+08:00", duration=120),
        _usage("R3", "18900000001", "2026-11-02T10:00:00+08:00", type="data", duration=0, volumeKb=2048),
        _usage("R4", "18900000001", "2026-11-02T11:00:00+08:00", type="sms", roaming="domestic", outgoing=False),
    ]
    batch, created = feed_batch_load(sender="billing", kind="usage", client_batch_id="U1", records=records)

    assert created and batch.status == FeedBatch.Status.LOADED
    assert (batch.rows_received, batch.rows_loaded, batch.rows_duplicate, batch.rows_rejected) == (4, 4, 0, 0)
    assert batch.validated_at and batch.loaded_at and batch.duration_ms is not None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT tableoid::regclass::text, record_key FROM billing_sync_usagerecord ORDER BY 2")
            assert cursor.fetchall() == [
                ("billing_sync_usagerecord_202610", "R1"),
                ("billing_sync_usagerecord_202611", "R2"),
                ("billing_sync_usagerecord_202611", "R3"),
                ("billing_sync_usagerecord_202611", "R4"),
            ]
    november = UsageMonthly.objects.get(product=phone, month=datetime.date(2026, 11, 1))
    assert (november.voice_calls, november.voice_seconds, november.sms_count, november.data_kb) == (1, 120, 1, 2048)
    assert november.roaming_records == 1 and november.charge == Decimal("0.45")
    assert november.account_id == phone.billing_account_id and november.customer_id == phone.customer_id

    # the same records again under another batch id, with one new record: only the new one counts
    again, created_again = feed_batch_load(
        sender="billing", kind="usage", client_batch_id="U2",
        records=[*records, _usage("R5", "18900000001", "2026-11-03T09:00:00+08:00", duration=30)],
    )  # fmt: skip
    assert created_again and (again.rows_loaded, again.rows_duplicate) == (1, 4)
    november.refresh_from_db()
    assert (november.voice_calls, november.voice_seconds) == (2, 150)
    assert UsageRecord.objects.count() == 5

    # and the first batch again: the first report, nothing changes
    same, created_same = feed_batch_load(sender="billing", kind="usage", client_batch_id="U1", records=records)
    assert not created_same and same.pk == batch.pk
    november.refresh_from_db()
    assert november.voice_calls == 2 and UsageRecord.objects.count() == 5


def test_bad_usage_rows_are_rejected_with_row_and_reason_and_good_ones_load(phone, people, subscribe):
    old = subscribe(people["zhangw"], "19", number="18900000002", status="terminated")  # ended 2026-01-01
    old.billing_account = people["zhangw"].accounts.get()
    old.save(update_fields=["billing_account"])
    future = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)).isoformat()
    records = [
        _usage("G1", "18900000001", "2026-11-02T10:00:00+08:00"),
        _usage("B1", "18900009999", "2026-11-02T10:00:00+08:00"),  # unknown number
        _usage("B2", "18900000001", "2026-11-02T10:00:00+08:00", duration=-5),
        _usage("B3", "18900000001", future),
        _usage("B4", "18900000001", "2026-11-02T10:00:00+08:00", otherNumber="abc"),
        _usage("G1", "18900000001", "2026-11-02T10:00:00+08:00"),  # same key twice in the batch
        _usage("B5", "18900000001", "yesterday"),
        {"serviceNumber": "18900000001", "startTime": "2026-11-02T10:00:00+08:00", "type": "voice"},
        _usage("B7", "18900000001", "2026-11-02T10:00:00+08:00", type="video"),
        _usage("G2", "18900000002", "2025-12-31T10:00:00+08:00"),  # terminated later: still fine
        _usage("B8", "18900000002", "2026-01-02T10:00:00+08:00"),  # after its termination
        "not an object",
        _usage("B9", "18900000001", "2026-11-02T10:00:00+08:00", volumeKb=["x"]),
    ]
    batch, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id="U3", records=records)

    assert (batch.rows_received, batch.rows_loaded, batch.rows_rejected) == (13, 2, 11)
    rejected = {(r.row_no, r.record_key, r.field, r.code) for r in FeedRejection.objects.filter(batch=batch)}
    assert rejected == {
        (2, "B1", "serviceNumber", "unknownSubscription"),
        (3, "B2", "duration", "negative"),
        (4, "B3", "startTime", "inFuture"),
        (5, "B4", "otherNumber", "badNumber"),
        (6, "G1", "recordKey", "duplicateInBatch"),
        (7, "B5", "startTime", "badDate"),
        (8, "", "recordKey", "missing"),
        (9, "B7", "type", "badValue"),
        (11, "B8", "serviceNumber", "unknownSubscription"),
        (12, "", "", "badType"),
        (13, "B9", "volumeKb", "badNumber"),
    }
    assert all(r.reason for r in FeedRejection.objects.filter(batch=batch))
    loaded = dict(UsageRecord.objects.values_list("record_key", "product_id"))
    assert loaded == {"G1": phone.pk, "G2": old.pk}


def test_the_same_batch_id_with_other_content_is_a_conflict(phone):
    records = [_usage("R1", "18900000001", "2026-11-02T10:00:00+08:00")]
    feed_batch_load(sender="billing", kind="usage", client_batch_id="U9", records=records)
    with pytest.raises(FeedConflict):
        feed_batch_load(sender="billing", kind="usage", client_batch_id="U9", records=[{**records[0], "duration": 9}])
    # another sender may use the same id
    _other, created = feed_batch_load(sender="mediation", kind="usage", client_batch_id="U9", records=records)
    assert created


def test_a_batch_that_fails_as_a_whole_is_recorded_failed_and_may_be_sent_again(phone, monkeypatch):
    from billing_sync.services.feeds import usage

    records = [_usage("R1", "18900000001", "2026-11-02T10:00:00+08:00")]

    def broken(rows):
        raise RuntimeError("disk full")

    monkeypatch.setattr(usage, "_insert_postgres", broken)
    monkeypatch.setattr(usage, "_insert_portable", lambda rows, batch: broken(rows))
    failed, created = feed_batch_load(sender="billing", kind="usage", client_batch_id="F1", records=records)
    assert created and failed.status == FeedBatch.Status.FAILED and "disk full" in failed.error
    assert UsageRecord.objects.count() == 0 and failed.rows_loaded == 0

    monkeypatch.undo()
    again, created_again = feed_batch_load(sender="billing", kind="usage", client_batch_id="F1", records=records)
    assert created_again and again.pk == failed.pk and again.status == FeedBatch.Status.LOADED
    assert again.error == "" and again.rows_loaded == 1 and UsageRecord.objects.count() == 1


def test_the_portable_path_used_on_sqlite_also_counts_each_record_once(phone, monkeypatch):
    from types import SimpleNamespace

    from billing_sync.services.feeds import usage

    monkeypatch.setattr(usage, "connection", SimpleNamespace(vendor="sqlite"))  # as under `make run`
    records = [
        _usage("S1", "18900000001", "2026-11-02T10:00:00+08:00", otherNumber="", cellId="a\tb"),
        _usage("S2", "18900000001", "2026-11-02T11:00:00+08:00", type="data", duration=0, volumeKb=100),
    ]
    first, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id="L1", records=records)
    more = [*records, _usage("S3", "18900000001", "2026-11-03T10:00:00+08:00")]
    again, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id="L2", records=more)

    assert (first.rows_loaded, again.rows_loaded, again.rows_duplicate) == (2, 1, 2)
    month = UsageMonthly.objects.get(product=phone)
    assert (month.voice_calls, month.voice_seconds, month.data_kb) == (2, 120, 100)
    assert UsageRecord.objects.get(record_key="S1").cell_id == "a\tb"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")
def test_month_partitions_are_made_before_the_load_transaction(phone, monkeypatch):
    # Creating a partition locks the whole usage table until commit: it must not happen inside a long load.
    from billing_sync.services.feeds import usage

    def broken(rows):
        raise RuntimeError("stop before commit")

    monkeypatch.setattr(usage, "_insert_postgres", broken)
    records = [_usage("P1", "18900000001", "2026-07-15T10:00:00+08:00"), _usage("P2", "18900000001", "bad")]
    batch, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id="PART", records=records)

    assert batch.status == FeedBatch.Status.FAILED  # the load's transaction was rolled back…
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('billing_sync_usagerecord_202607')")
        assert cursor.fetchone()[0] is not None  # …but the July partition made before it stays
