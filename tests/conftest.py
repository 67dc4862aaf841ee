"""Fixtures every app's tests share: regions and staff users of each role."""

from __future__ import annotations

import contextlib
import itertools

import pytest

from crm.accounts.models import Area, Region
from crm.accounts.roles import PROVINCE_ROLES
from crm.accounts.services import staff_user_create

STAFF_PASSWORD = "Test-pass-2026!"
_counter = itertools.count(1)


@pytest.fixture
def hefei(db) -> Region:
    region, _ = Region.objects.get_or_create(
        code="340100", defaults={"name": "合肥", "name_en": "Hefei", "area_code": "0551"}
    )
    Area.objects.get_or_create(code="340102", defaults={"region": region, "name": "瑶海区", "kind": "urban"})
    Area.objects.get_or_create(code="340121", defaults={"region": region, "name": "长丰县", "kind": "county"})
    return region


@pytest.fixture
def wuhu(db) -> Region:
    region, _ = Region.objects.get_or_create(
        code="340200", defaults={"name": "芜湖", "name_en": "Wuhu", "area_code": "0553"}
    )
    Area.objects.get_or_create(code="340202", defaults={"region": region, "name": "镜湖区", "kind": "urban"})
    return region


@pytest.fixture
def make_staff(db, hefei):
    """make_staff(role, region=..., username=...) -> User with a profile; regional roles default to Hefei."""

    def _make(role: str, *, region: Region | str | None = "default", username: str | None = None, **kwargs):
        if region == "default":
            region = None if role in PROVINCE_ROLES else hefei
        username = username or f"{role}{next(_counter)}"
        return staff_user_create(username=username, password=STAFF_PASSWORD, role=role, region=region, **kwargs)

    return _make


def _reset_celery_connections(app) -> None:
    """Drop cached broker connections so a changed broker_url takes effect in this process."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps producer pools per connection globally: a closed one would be handed out again for the same URL.
    import kombu.pools

    kombu.pools.reset()


@contextlib.contextmanager
def celery_worker(settings, *, include: tuple[str, ...] = (), flush: bool = True):
    """Run a real Celery worker in a subprocess on the test database and a Redis database of this test process.

    Yields the worker (``.proc``, ``.log``); it is killed on exit, whatever happens. ``include`` names extra modules
    the worker imports (test-only job kinds); ``flush=False`` keeps what a killed worker left in the queue.
    """
    import os
    import subprocess
    import sys
    import tempfile
    import time
    from pathlib import Path
    from types import SimpleNamespace

    from crm.celery import app

    db = settings.DATABASES["default"]
    db_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    redis_base = settings.REDIS_URL.rsplit("/", 1)[0]
    broker_url = f"{redis_base}/{10 + int(worker_id.removeprefix('gw') or 0) % 6}"
    log = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.test",
        "CRM_ENV": "test",
        "DATABASE_URL": db_url,
        "REDIS_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "TMF_EVENT_BACKOFF_SECONDS": "1",  # retries within a test's patience
        "ANALYTICS_MODEL_DIR": str(settings.ANALYTICS_MODEL_DIR),
    }
    import redis

    if flush:
        redis.Redis.from_url(broker_url).flushdb()
    celery_bin = Path(sys.executable).parent / "celery"
    name = f"test-{worker_id}-{os.getpid()}-{time.monotonic_ns()}@localhost"
    log_file = log.open("w")
    command = [str(celery_bin), "-A", "crm", "worker", "--pool=solo", "-Q", "default,billing,analytics", "-n", name]
    for module in include:
        command += ["--include", module]
    proc = subprocess.Popen(command, env={**env, "LOG_LEVEL": "INFO"}, stdout=log_file, stderr=subprocess.STDOUT)
    saved = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    app.conf.update(task_always_eager=False, broker_url=broker_url)
    _reset_celery_connections(app)
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[name], timeout=0.5):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Celery worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield SimpleNamespace(proc=proc, log=log, name=name)
    finally:
        proc.kill()
        proc.wait(timeout=10)
        log_file.close()
        app.conf.update(**saved)
        _reset_celery_connections(app)


@pytest.fixture
def celery_worker_process(django_db_serialized_rollback, transactional_db, settings):
    """A real Celery worker in a subprocess, on the test database and a Redis database of this test process.

    Tasks enqueued by the test (no longer eager) go through Redis to the worker; committed data only
    (hence transactional_db). The worker is killed at the end, whatever happens.
    """
    with celery_worker(settings) as worker:
        yield worker.log
