"""Redis is stopped: staff pages, the API (with its throttle) and log-in keep working, the readiness check says the
broker is down, and the cache comes back by itself with Redis.

A private ``redis-server`` on a free port is started for these tests and killed on purpose; the machine's shared
Redis is never touched. The cache and the Celery broker point at the private one for the test.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest
import redis
from django.core.cache import cache
from django.test import Client

from crm.api.services import api_token_create
from crm.cache import breaker
from tests.conftest import STAFF_PASSWORD, _reset_celery_connections

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
API = "/tmf-api/customerManagement/v4/customer"


class PrivateRedis:
    """A redis-server of this test only (no persistence), which the test may kill and start again on its port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.dir = tempfile.mkdtemp(prefix="crm-test-redis-")
        self.proc: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen([*command, "--dir", self.dir], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the private redis-server did not start") from None
                time.sleep(0.05)

    def kill(self) -> None:
        """Stop it the hard way, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def is_up(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.2).ping())
        except redis.ConnectionError:
            return False


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.kill()
        shutil.rmtree(server.dir, ignore_errors=True)


@contextlib.contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Tasks published to ``url`` (not run eagerly) in this process, for the block."""
    from crm.celery import app

    saved = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    app.conf.update(task_always_eager=False, broker_url=url)
    _reset_celery_connections(app)
    try:
        yield
    finally:
        app.conf.update(**saved)
        _reset_celery_connections(app)


@pytest.fixture
def on_private_redis(settings, private_redis) -> Iterator[PrivateRedis]:
    """The cache, the sessions' cache and the Celery broker on the private Redis."""
    settings.CACHES = {"default": {"BACKEND": "crm.cache.TolerantRedisCache", "LOCATION": private_redis.url(0)}}
    settings.CELERY_BROKER_URL = private_redis.url(1)
    breaker.reset()
    with celery_broker(private_redis.url(1)):
        yield private_redis
    breaker.reset()


@pytest.fixture
def staff(make_staff):
    return make_staff("hall_clerk")


@pytest.fixture
def bearer(hefei) -> dict[str, str]:
    _token, raw = api_token_create(client_name="redis-down", scopes=["customer:read"])
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.django_db
def test_pages_the_api_and_log_in_keep_working_with_redis_stopped(on_private_redis, staff, bearer, caplog):
    # Given a staff member logged in while Redis was up (the session is in the cache and in the database),
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert browser.login(username=staff.username, password=STAFF_PASSWORD)
    assert browser.get("/customers/").status_code == 200
    assert on_private_redis.is_up()

    # when Redis dies,
    on_private_redis.kill()
    assert not on_private_redis.is_up()

    # then the logged-in staff member still gets pages (the session is read from the database),
    with caplog.at_level(logging.WARNING, logger="crm.cache"):
        for path in ("/customers/", "/", "/customers/"):
            assert browser.get(path).status_code == 200, path
    assert any("treated as a miss" in r.getMessage() for r in caplog.records)  # logged, not raised

    # the API answers (its rate limit, kept in the cache, lets requests through instead of failing),
    api = Client(HTTP_ACCEPT_LANGUAGE="en", **bearer)
    for _ in range(3):
        response = api.get(API)
        assert response.status_code == 200, response.content[:300]

    # another member of staff can log in (a new session, stored in the database),
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = other.post("/accounts/login/", {"username": staff.username, "password": STAFF_PASSWORD})
    assert response.status_code == 302, response.content[:300]
    assert other.get("/customers/").status_code == 200

    # and the readiness check says the broker is down while the liveness check stays up.
    assert browser.get("/healthz").status_code == 200
    ready = browser.get("/readyz")
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["database"] == "ok" and checks["broker"] != "ok"


@pytest.mark.django_db
def test_the_cache_reads_as_empty_while_redis_is_down_and_works_again_when_it_is_back(on_private_redis):
    cache.set("reliability:k", "v", 60)
    assert cache.get("reliability:k") == "v"

    on_private_redis.kill()
    started = time.monotonic()
    assert cache.get("reliability:k", "missing") == "missing"
    assert cache.set("reliability:k", "w", 60) is None
    assert cache.add("reliability:new", 1) is False
    assert cache.get_many(["reliability:k"]) == {}
    with pytest.raises(ValueError):
        cache.incr("reliability:counter")  # what a missing key does
    assert cache.get_or_set("reliability:computed", 42) == 42
    assert time.monotonic() - started < 3  # no reconnect loop per call

    # Redis comes back (empty: it kept nothing); once the back-off is over, the cache is used again.
    on_private_redis.start()
    breaker.reset()  # instead of waiting RETRY_AFTER seconds
    assert cache.get("reliability:k", "missing") == "missing"
    cache.set("reliability:k", "x", 60)
    assert cache.get("reliability:k") == "x"
    assert redis.Redis.from_url(on_private_redis.url(0)).dbsize() >= 1
