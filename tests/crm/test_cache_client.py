"""The Redis cache keeps one client per connection pool instead of making one per call."""

from __future__ import annotations

import threading
import uuid

from django.core.cache import cache

from crm.cache import ReusingRedisCacheClient


def test_every_cache_call_uses_the_same_client_and_still_works_across_threads():
    client = cache._cache
    assert isinstance(client, ReusingRedisCacheClient)
    assert client.get_client() is client.get_client(write=True)  # one server: reads and writes share its pool
    key = f"test-cache-client-{uuid.uuid4().hex}"
    found = []

    def work(i: int) -> None:
        cache.set(f"{key}-{i}", i, 30)
        found.append(cache.get(f"{key}-{i}"))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(found) == list(range(8))
    cache.delete_many([f"{key}-{i}" for i in range(8)])
