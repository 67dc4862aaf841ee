"""Daily outbound calls (UsageDaily) kept by the usage feed in the load's transaction: per line and local day, a
second batch adds to the day, records loaded before count once, a failed batch changes nothing; the SQLite path does
the same; the rebuild recomputes them from the records."""

import datetime
import io

import pytest
from django.core.management import call_command

from billing_sync.models import FeedBatch, UsageDaily, UsageRecord
from billing_sync.services.feeds import feed_batch_load
from billing_sync.services.usage_daily import usage_daily_rebuild

pytestmark = pytest.mark.django_db
NOV_2, NOV_3 = datetime.date(2026, 11, 2), datetime.date(2026, 11, 3)


def _usage(key, start, **extra):
    return {"recordKey": key, "serviceNumber": "18900000001", "startTime": start, "type": "voice",
            "otherNumber": "13900001111", "duration": 60, "charge": "0.10", **extra}  # fmt: skip


@pytest.fixture
def phone(people, subscribe):
    product = subscribe(people["zhang"], "59", number="18900000001")
    product.billing_account = people["zhang"].accounts.get()
    product.save(update_fields=["billing_account"])
    return product


def days(product) -> dict:
    rows = UsageDaily.objects.filter(product=product).values_list("day", "voice_out_calls", "voice_out_seconds")
    return {day: (calls, seconds) for day, calls, seconds in rows}


FIRST = [
    _usage("R1", "2026-11-02T00:00:00+08:00", duration=30),  # local midnight: Nov 2 (UTC: Nov 1)
    _usage("R2", "2026-11-02T15:59:59Z", duration=45),  # 23:59:59 local: Nov 2
    _usage("R3", "2026-11-02T16:00:00Z", duration=0),  # 00:00 local on Nov 3: a call of 0 seconds is a call
    _usage("R4", "2026-11-02T10:00:00+08:00", outgoing=False, duration=500),  # incoming: not counted
    _usage("R5", "2026-11-02T11:00:00+08:00", type="sms", duration=0),
    _usage("R6", "2026-11-02T12:00:00+08:00", type="data", duration=3600, volumeKb=10),
]


def test_a_batch_adds_its_outbound_calls_per_local_day_and_a_second_batch_adds_to_them(phone):
    first, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id="U1", records=FIRST)
    assert first.rows_loaded == 6
    assert days(phone) == {NOV_2: (2, 75), NOV_3: (1, 0)}

    more = [_usage("R7", "2026-11-02T20:00:00+08:00", duration=100), _usage("R8", "2026-11-04T09:00:00+08:00")]
    second, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id="U2", records=more)
    assert second.rows_loaded == 2
    assert days(phone) == {NOV_2: (3, 175), NOV_3: (1, 0), datetime.date(2026, 11, 4): (1, 60)}


def test_records_loaded_before_count_once_through_the_staging_table(phone):
    feed_batch_load(sender="billing", kind="usage", client_batch_id="U1", records=FIRST)
    # the same records again under a new id, with one new one: the COPY stops, the staging path adds the new one only
    again, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id="U2",
                               records=[*FIRST, _usage("R9", "2026-11-02T21:00:00+08:00", duration=7)])  # fmt: skip
    assert (again.rows_loaded, again.rows_duplicate) == (1, 6)
    assert days(phone) == {NOV_2: (3, 82), NOV_3: (1, 0)}


def test_a_batch_in_several_chunks_adds_each_chunk_once(phone, monkeypatch):
    from billing_sync.services import feeds

    monkeypatch.setattr(feeds, "CHUNK_ROWS", 2)
    batch, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id="U1", records=FIRST)
    assert batch.rows_loaded == 6
    assert days(phone) == {NOV_2: (2, 75), NOV_3: (1, 0)}


def test_a_batch_that_fails_after_its_records_were_written_leaves_the_days_as_they_were(phone, monkeypatch):
    from billing_sync.services import feeds

    feed_batch_load(sender="billing", kind="usage", client_batch_id="U1", records=FIRST)

    def broken(batch_id):  # the last step of the load's transaction, after the records and the sums were written
        raise RuntimeError("broker gone")

    monkeypatch.setattr(feeds, "_fraud_check", broken)
    failed, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id="U2",
                                records=[_usage("R7", "2026-11-02T20:00:00+08:00", duration=100)])  # fmt: skip
    assert failed.status == FeedBatch.Status.FAILED and "broker gone" in failed.error
    assert UsageRecord.objects.count() == 6
    assert days(phone) == {NOV_2: (2, 75), NOV_3: (1, 0)}


def test_the_portable_path_used_on_sqlite_keeps_the_same_days(phone, monkeypatch):
    from types import SimpleNamespace

    from billing_sync.services.feeds import usage

    monkeypatch.setattr(usage, "connection", SimpleNamespace(vendor="sqlite"))  # as under `make run`
    feed_batch_load(sender="billing", kind="usage", client_batch_id="L1", records=FIRST)
    again, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id="L2",
                               records=[*FIRST, _usage("R9", "2026-11-02T21:00:00+08:00", duration=7)])  # fmt: skip
    assert (again.rows_loaded, again.rows_duplicate) == (1, 6)
    assert days(phone) == {NOV_2: (3, 82), NOV_3: (1, 0)}


def test_the_rebuild_recomputes_the_days_from_the_records(phone):
    feed_batch_load(sender="billing", kind="usage", client_batch_id="U1", records=FIRST)
    kept = days(phone)
    # given: one day lost, one wrong, one that has no records
    UsageDaily.objects.filter(day=NOV_3).delete()
    UsageDaily.objects.filter(day=NOV_2).update(voice_out_calls=99)
    UsageDaily.objects.create(product=phone, day=datetime.date(2026, 11, 5), voice_out_calls=1, voice_out_seconds=1)
    # when
    written = usage_daily_rebuild(start=datetime.date(2026, 10, 25), end=datetime.date(2026, 12, 2))
    # then
    assert written == 2 and days(phone) == kept
    # and the command does the same for the days it is given (a day outside them stays as it is)
    UsageDaily.objects.filter(day=NOV_2).update(voice_out_calls=99)
    out = io.StringIO()
    call_command("usage_daily_rebuild", "--since", "2026-11-03", "--until", "2026-11-10", stdout=out)
    assert "1 daily rows" in out.getvalue()
    assert days(phone) == {**kept, NOV_2: (99, 75)}
