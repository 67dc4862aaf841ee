"""The same batch sent twice at the same moment loads once: the second request gets the first one's batch."""

import threading

import pytest
from django.db import connection

from billing_sync.models import FeedBatch, UsageMonthly, UsageRecord
from billing_sync.services import feeds
from billing_sync.services.feeds import feed_batch_load

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_same_batch_at_the_same_moment_loads_once(people, subscribe, monkeypatch):
    phone = subscribe(people["zhang"], "59", number="18900000001")
    records = [{"recordKey": f"R{i}", "serviceNumber": "18900000001", "startTime": f"2026-11-02T10:00:{i:02d}+08:00",
                "type": "voice", "duration": 10} for i in range(20)]  # fmt: skip
    second_started = threading.Event()
    original = feeds._loader

    def loader_waiting_for_the_second_request(kind):
        load = original(kind)

        def load_chunk(**kwargs):
            # the first request holds its uncommitted batch until the second one is on its way
            second_started.wait(timeout=10)
            return load(**kwargs)

        return load_chunk

    monkeypatch.setattr(feeds, "_loader", loader_waiting_for_the_second_request)
    results, errors = [], []

    def send(signal: bool):
        try:
            if signal:
                second_started.set()
            results.append(feed_batch_load(sender="billing", kind="usage", client_batch_id="SAME",
                                           records=[dict(r) for r in records]))  # fmt: skip
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=send, args=(False,))
    first.start()
    second = threading.Thread(target=send, args=(True,))
    second.start()
    first.join(30), second.join(30)

    assert errors == []
    assert sorted(created for _batch, created in results) == [False, True]
    assert len({batch.pk for batch, _created in results}) == 1
    assert FeedBatch.objects.get().rows_loaded == 20
    assert UsageRecord.objects.count() == 20
    assert UsageMonthly.objects.get(product=phone).voice_calls == 20
