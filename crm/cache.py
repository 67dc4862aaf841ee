"""A Redis cache that degrades instead of failing: with Redis down, reads are misses and writes are no-ops.

Everything the CRM keeps in the cache can be lost: sessions are ``cached_db`` (the database has them), DRF's
throttle history starts over, computed values are recomputed. So a Redis outage must cost speed, not pages. After an
error the backend stops asking Redis for ``RETRY_AFTER`` seconds (per process), so a dead server does not add a
connect timeout to every call of every request.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import wraps

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger("crm.cache")

RETRY_AFTER = 5.0  # seconds without trying Redis after an error
DEFAULT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}


class _Breaker:
    """Remembers, per server, until when Redis is considered down."""

    def __init__(self) -> None:
        self._down_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def is_open(self, location: str) -> bool:
        return self._down_until.get(location, 0.0) > time.monotonic()

    def trip(self, location: str, exc: Exception, operation: str) -> None:
        with self._lock:
            first = not self.is_open(location)
            self._down_until[location] = time.monotonic() + RETRY_AFTER
        if first:
            logger.warning(
                "Cache %s failed (%s: %s); treated as a miss for %ss", operation, type(exc).__name__, exc, RETRY_AFTER
            )

    def reset(self, location: str | None = None) -> None:
        with self._lock:
            if location is None:
                self._down_until.clear()
            else:
                self._down_until.pop(location, None)


breaker = _Breaker()


def _tolerant(fallback):
    """Run the cache operation unless Redis is known to be down; on a Redis error, trip the breaker and return
    ``fallback(*args, **kwargs)`` instead."""

    def decorate(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            if breaker.is_open(self._location_key):
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except RedisError as exc:
                breaker.trip(self._location_key, exc, method.__name__)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _missing_for_incr(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found")  # what Django's incr() says of a missing key


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client keeping one ``redis.Redis`` per connection pool. Django's makes a new one for every
    cache call, building its 170 response callbacks each time (about 0.3 ms): two to four times a staff request
    (the session, the staff principal, the API throttle). A ``redis.Redis`` is safe to share between threads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class TolerantRedisCache(RedisCache):
    """Django's RedisCache with short socket timeouts whose Redis errors are logged and read as cache misses."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._location_key = ",".join(self._servers)

    add = _tolerant(lambda *a, **k: False)(RedisCache.add)
    get = _tolerant(lambda key, default=None, *a, **k: default)(RedisCache.get)
    set = _tolerant(lambda *a, **k: None)(RedisCache.set)
    touch = _tolerant(lambda *a, **k: False)(RedisCache.touch)
    delete = _tolerant(lambda *a, **k: False)(RedisCache.delete)
    get_many = _tolerant(lambda *a, **k: {})(RedisCache.get_many)
    has_key = _tolerant(lambda *a, **k: False)(RedisCache.has_key)
    incr = _tolerant(_missing_for_incr)(RedisCache.incr)
    set_many = _tolerant(lambda data, *a, **k: list(data))(RedisCache.set_many)
    delete_many = _tolerant(lambda *a, **k: None)(RedisCache.delete_many)
    clear = _tolerant(lambda *a, **k: False)(RedisCache.clear)
