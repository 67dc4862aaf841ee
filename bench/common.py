"""Shared helpers for benchmarks: a scratch database, a gunicorn server, percentiles."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/crm")


def database_url(name: str) -> str:
    return BASE_URL.rsplit("/", 1)[0] + "/" + name


def recreate_database(name: str) -> str:
    """Drop and create a scratch database for a benchmark; returns its URL."""
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def var_dir(db_url: str) -> str:
    """The CRM's var directory (model files, exports) of a benchmark database: one per database, so a model the data
    set's generation trained is there for every later process that reads it."""
    path = ROOT / "var" / "bench" / db_url.rsplit("/", 1)[1]
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def manage(db_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "CRM_ENV": "development",
        "DATABASE_URL": db_url,
        "CRM_VAR_DIR": var_dir(db_url),
        "DJANGO_SETTINGS_MODULE": "crm.settings.main",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )


def session_cookie(db_url: str, username: str) -> str:
    out = manage(
        db_url,
        "shell",
        "-c",
        (
            "from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY;"
            "from django.contrib.sessions.backends.db import SessionStore; from django.conf import settings;"
            f"u = get_user_model().objects.get(username='{username}'); s = SessionStore();"
            "s[SESSION_KEY] = str(u.pk); s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0];"
            "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.create(); print('KEY=' + s.session_key)"
        ),
    ).stdout
    return re.search(r"KEY=(\w+)", out).group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The Redis database benchmarks use as a Celery broker (flushed by the benchmarks that use it).
BROKER_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


@contextlib.contextmanager
def gunicorn(
    db_url: str, *, workers: int = 2, pids: list[int] | None = None, extra_env: dict[str, str] | None = None
) -> Iterator[int]:
    """A gunicorn on a free local port (yielded); ``pids`` receives the master's pid, for reading workers' memory;
    ``extra_env`` adds settings (a broker, say)."""
    port = free_port()
    env = {
        **os.environ,
        "CRM_ENV": "development",
        "DEBUG": "0",
        "DATABASE_URL": db_url,
        "CRM_VAR_DIR": var_dir(db_url),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "crm.settings.main",
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "crm.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--timeout",
            "120",
        ],  # a 50,000-record feed batch on a loaded machine can pass gunicorn's default 30 s
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if pids is not None:
        pids.append(proc.pid)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()  # graceful: workers finish what a load test left queued (gunicorn waits up to 30 s)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def workers_rss_mib(master_pid: int) -> float:
    """Resident memory of a gunicorn master's worker processes, summed, in MiB (Linux /proc)."""
    total_kib = 0
    for child in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        with contextlib.suppress(FileNotFoundError):
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
    return total_kib / 1024


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    q = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {"p50": q[49], "p95": q[94], "p99": q[98]}


def time_requests(port: int, path: str, n: int, headers: dict[str, str] | None = None) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        samples.append((time.perf_counter() - started) * 1000)
        if response.status >= 500:
            raise RuntimeError(f"{path} answered {response.status}")
    conn.close()
    return samples


def time_http(
    port: int, requests: list[tuple[str, str, bytes | None, dict[str, str]]], *, ok: tuple[int, ...] = (200, 201)
) -> tuple[list[float], list[int]]:
    """Send (method, path, body, headers) requests one after another on one keep-alive connection; returns the times
    in ms of the answers whose status is in ``ok`` and every status (so the caller can count refusals and errors)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples, statuses = [], []
    for method, path, body, headers in requests:
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
        statuses.append(response.status)
        if response.status in ok:
            samples.append(elapsed)
        if response.will_close:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()
    return samples, statuses


def time_calls(func: Callable[[], object], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return samples
