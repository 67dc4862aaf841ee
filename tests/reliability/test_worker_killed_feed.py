"""A real Celery worker is SIGKILLed while it loads a usage feed file (the billing queue's feed_file_load_task): the
killed load leaves nothing behind (the batch commits all its rows or none), and running it again — the broker
delivering the message again (acks_late) and the drop directory swept again, both here — loads every record exactly
once: rows counted against the file, monthly totals equal to a hand sum."""

from __future__ import annotations

import datetime
import json
import signal
import time
from collections import defaultdict
from decimal import Decimal

import pytest
import redis
from django.db import connection

from billing_sync.models import FeedBatch, UsageMonthly, UsageRecord
from billing_sync.services.feeds import feed_batch_load
from billing_sync.tasks import feed_file_load_task
from tests.conftest import celery_worker
from tests.customers.conftest import people, subscribe  # noqa: F401

from . import slow_feed

INCLUDE = ("tests.reliability.slow_feed",)
ROWS = 1500
EARLIER = 40  # the first records were already loaded by an earlier batch of the billing system


@pytest.fixture
def phones(transactional_db, django_db_serialized_rollback, people, subscribe):  # noqa: F811
    made = {}
    for i, key in enumerate(("zhang", "zhangw", "corp")):
        product = subscribe(people[key], "59", number=f"1890000000{i + 1}")
        product.billing_account = people[key].accounts.get()
        product.save(update_fields=["billing_account"])
        made[product.service_number] = product
    return made


def usage_records(numbers: list[str]) -> list[dict]:
    """ROWS records over November and the first two days of December 2026: voice, SMS and data, some roaming."""
    records = []
    for i in range(ROWS):
        kind = ("voice", "sms", "data")[i % 3]
        day = datetime.date(2026, 11, 1) + datetime.timedelta(days=i % 32)  # up to 12-02, before "now" (12-03)
        start = datetime.datetime.combine(day, datetime.time(8)) + datetime.timedelta(seconds=17 * i)
        records.append({
            "recordKey": f"K{i:06d}", "serviceNumber": numbers[i % len(numbers)],
            "startTime": start.strftime("%Y-%m-%dT%H:%M:%S+08:00"), "type": kind, "otherNumber": "13900001111",
            "duration": 30 + i % 300 if kind == "voice" else 0, "volumeKb": 100 + i if kind == "data" else 0,
            "roaming": "domestic" if i % 7 == 0 else "none", "charge": f"{(i % 50) / 10:.2f}",
        })  # fmt: skip
    return records


def hand_totals(records: list[dict], phones: dict) -> dict:
    """What UsageMonthly must hold: per subscription and local month, summed here by hand."""
    totals: dict = defaultdict(lambda: [0, 0, 0, 0, 0, Decimal("0")])
    for r in records:
        t = totals[(phones[r["serviceNumber"]].pk, datetime.date.fromisoformat(r["startTime"][:8] + "01"))]
        t[0] += r["type"] == "voice"
        t[1] += r["duration"] if r["type"] == "voice" else 0
        t[2] += r["type"] == "sms"
        t[3] += r["volumeKb"] if r["type"] == "data" else 0
        t[4] += r["roaming"] != "none"
        t[5] += Decimal(r["charge"])
    return {key: tuple(value) for key, value in totals.items()}


def stored_totals() -> dict:
    rows = UsageMonthly.objects.values_list("product_id", "month", "voice_calls", "voice_seconds", "sms_count",
                                            "data_kb", "roaming_records", "charge")  # fmt: skip
    return {(product, month): tuple(values) for product, month, *values in rows}


def _wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _no_other_transaction() -> bool:
    """No other session of this database is inside a transaction (the killed worker's has been rolled back)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND xact_start IS NOT NULL"
        )
        return cursor.fetchone()[0] == 0


@pytest.mark.worker
def test_a_feed_load_whose_worker_is_killed_loads_every_record_once_when_run_again(phones, settings, tmp_path):
    # Given a usage file in the drop directory, whose first records an earlier batch already loaded
    records = usage_records(sorted(phones))
    drop = tmp_path / "drop"
    drop.mkdir()
    file = drop / "usage_U20261202.jsonl"
    file.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    earlier, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id="U-earlier",
                                 records=[dict(r) for r in records[:EARLIER]])  # fmt: skip
    assert earlier.rows_loaded == EARLIER and stored_totals() == hand_totals(records[:EARLIER], phones)

    # When the worker loading it is killed after three chunks of 200 rows (of eight),
    with celery_worker(settings, include=INCLUDE) as worker:
        broker = redis.Redis.from_url(_broker_url())
        feed_file_load_task.delay(str(file))
        _wait_for(lambda: int(broker.get(slow_feed.CHUNKS_DONE) or 0) >= 3, timeout=90, what="three chunks loaded")
        worker.proc.send_signal(signal.SIGKILL)
        worker.proc.wait(timeout=10)
    assert int(broker.get(slow_feed.CHUNKS_DONE)) < ROWS // slow_feed.feeds.CHUNK_ROWS  # it really stopped half way

    # then nothing of the killed load is left: no batch, no record, no total; the file waits to be loaded again
    _wait_for(_no_other_transaction, timeout=30, what="the killed worker's transaction to end")
    assert not FeedBatch.objects.filter(client_batch_id="U20261202").exists()
    assert UsageRecord.objects.count() == EARLIER
    assert stored_totals() == hand_totals(records[:EARLIER], phones)
    assert file.is_file()

    # When it runs again — the message delivered again and the drop directory swept again: two runs of the task —
    with celery_worker(settings, include=INCLUDE, flush=False):
        broker.set(slow_feed.TASKS_DONE, 0)
        feed_file_load_task.delay(str(file))
        feed_file_load_task.delay(str(file))
        _wait_for(lambda: int(broker.get(slow_feed.TASKS_DONE) or 0) >= 2, timeout=120, what="both runs")

        # then the batch is loaded once, counted against the file, and the file is moved to done/
        batch = FeedBatch.objects.get(sender="file-drop", kind="usage", client_batch_id="U20261202")
        assert batch.status == FeedBatch.Status.LOADED
        assert (batch.rows_received, batch.rows_loaded, batch.rows_duplicate, batch.rows_rejected) == (
            ROWS, ROWS - EARLIER, EARLIER, 0)  # fmt: skip
        assert not file.exists() and (drop / "done" / file.name).is_file()
        # every record of the file is there exactly once, each under the batch that loaded it first
        stored = list(UsageRecord.objects.values_list("record_key", "batch_id"))
        assert len(stored) == ROWS and {key for key, _ in stored} == {r["recordKey"] for r in records}
        assert sum(batch_id == batch.pk for _, batch_id in stored) == ROWS - EARLIER
        # and the monthly totals are the hand sum of the file, each record counted once
        assert stored_totals() == hand_totals(records, phones)

        # When the billing system sends the same file again, nothing changes
        (drop / file.name).write_bytes((drop / "done" / file.name).read_bytes())
        feed_file_load_task.delay(str(file))
        _wait_for(lambda: int(broker.get(slow_feed.TASKS_DONE) or 0) >= 3, timeout=60, what="the third run")
    assert FeedBatch.objects.filter(client_batch_id="U20261202").count() == 1
    assert UsageRecord.objects.count() == ROWS and stored_totals() == hand_totals(records, phones)
    assert not file.exists()


def _broker_url() -> str:
    from crm.celery import app

    return app.conf.broker_url


@pytest.mark.django_db
def test_the_drop_directory_is_queued_file_by_file_and_each_file_loads_once(people, subscribe, tmp_path):  # noqa: F811
    # Given two usage files (the second repeating the first's records) and a file that names no feed
    import io

    from django.core.management import call_command

    product = subscribe(people["zhang"], "59", number="18900000001")
    product.billing_account = people["zhang"].accounts.get()
    product.save(update_fields=["billing_account"])
    records = usage_records(["18900000001"])[:30]
    for name in ("usage_A1.jsonl", "usage_A2.jsonl"):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a feed", encoding="utf-8")

    # When the directory is handed to the billing queue (tasks run inline in tests)
    out = io.StringIO()
    call_command("billing_import", "--dir", str(tmp_path), "--queue", stdout=out)

    # Then both files were loaded and moved, each record stored once, the stray file left alone
    assert "2 file(s) queued" in out.getvalue()
    first, second = (FeedBatch.objects.get(client_batch_id=b) for b in ("A1", "A2"))
    assert (first.rows_loaded, second.rows_loaded, second.rows_duplicate) == (30, 0, 30)
    assert UsageRecord.objects.count() == 30 and stored_totals() == hand_totals(records, {"18900000001": product})
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["usage_A1.jsonl", "usage_A2.jsonl"]
    assert (tmp_path / "notes.txt").is_file()
    # and a task delivered again for a file already moved changes nothing
    assert feed_file_load_task.delay(str(tmp_path / "usage_A1.jsonl")).get() == first.pk
    assert UsageRecord.objects.count() == 30
