"""Usage feed load paths: rows copied straight into the table when all are new, through the staging table when some
were loaded before, and over several chunks of one batch; the monthly totals count every record once."""

import datetime
from decimal import Decimal

import pytest

from billing_sync.models import FeedBatch, UsageMonthly, UsageRecord
from billing_sync.services.feeds import feed_batch_load

pytestmark = pytest.mark.django_db


def _usage(key, start, **extra):
    return {"recordKey": key, "serviceNumber": "18900000001", "startTime": start, "type": "voice", "duration": 60,
            "charge": "0.10", **extra}  # fmt: skip


@pytest.fixture
def phone(people, subscribe):
    product = subscribe(people["zhang"], "59", number="18900000001")
    product.billing_account = people["zhang"].accounts.get()
    product.save(update_fields=["billing_account"])
    return product


def _november(phone) -> UsageMonthly:
    return UsageMonthly.objects.get(product=phone, month=datetime.date(2026, 11, 1))


def test_a_batch_in_several_chunks_adds_each_chunk_once_to_the_totals(phone, monkeypatch):
    from billing_sync.services import feeds

    # given chunks of two rows, so the five records load in three chunks of one batch
    monkeypatch.setattr(feeds, "CHUNK_ROWS", 2)
    records = [_usage(f"C{i}", f"2026-11-02T10:0{i}:00+08:00", duration=10 * (i + 1)) for i in range(5)]

    batch, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id="CH1", records=records)

    assert (batch.status, batch.rows_loaded, batch.rows_duplicate) == (FeedBatch.Status.LOADED, 5, 0)
    november = _november(phone)
    assert (november.voice_calls, november.voice_seconds, november.charge) == (5, 150, Decimal("0.50"))
    assert set(UsageRecord.objects.values_list("batch_id", flat=True)) == {batch.pk}


def test_records_loaded_before_send_the_batch_through_the_staging_table(phone, monkeypatch):
    from billing_sync.services import feeds

    first = [_usage("D1", "2026-11-02T10:00:00+08:00"), _usage("D2", "2026-11-02T10:01:00+08:00")]
    feed_batch_load(sender="billing", kind="usage", client_batch_id="D-1", records=first)

    # when a second batch of three chunks repeats one of them in its middle chunk
    monkeypatch.setattr(feeds, "CHUNK_ROWS", 2)
    second = [
        _usage("D3", "2026-11-02T10:02:00+08:00", duration=5),
        _usage("D4", "2026-11-02T10:03:00+08:00", duration=7),
        _usage("D5", "2026-11-02T10:04:00+08:00", duration=11),
        first[1],
        _usage("D6", "2026-11-02T10:05:00+08:00", duration=13),
    ]
    batch, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id="D-2", records=second)

    # then only the new ones load, and the totals count each record once
    assert (batch.rows_loaded, batch.rows_duplicate, batch.rows_rejected) == (4, 1, 0)
    november = _november(phone)
    assert (november.voice_calls, november.voice_seconds) == (6, 60 + 60 + 5 + 7 + 11 + 13)
    assert UsageRecord.objects.filter(batch_id=batch.pk).count() == 4
    assert UsageRecord.objects.count() == 6


def test_the_same_records_under_a_new_batch_id_change_nothing(phone):
    records = [_usage(f"S{i}", f"2026-11-02T11:0{i}:00+08:00") for i in range(3)]
    feed_batch_load(sender="billing", kind="usage", client_batch_id="S-1", records=records)
    before = _november(phone)

    again, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id="S-2", records=records)

    assert (again.status, again.rows_loaded, again.rows_duplicate) == (FeedBatch.Status.LOADED, 0, 3)
    after = _november(phone)
    assert (after.voice_calls, after.voice_seconds, after.charge) == (before.voice_calls, before.voice_seconds,
                                                                      before.charge)  # fmt: skip
    assert UsageRecord.objects.count() == 3
