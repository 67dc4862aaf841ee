"""Foundation figures: demo organisation seeding, and the request overhead of the stack (/readyz over gunicorn)."""

from __future__ import annotations

import time

import psycopg

from bench.common import gunicorn, manage, percentiles, recreate_database, time_calls, time_requests

REQUESTS = 1000


def run(env: dict) -> list[dict]:
    db_url = recreate_database("crm_bench_foundation")
    manage(db_url, "migrate", "--noinput")
    started = time.monotonic()
    manage(db_url, "seed_demo", "--customers", "0", "--seed", "1")
    seed_seconds = time.monotonic() - started
    results = [
        {
            "name": "seed_demo organisation (16 regions, ~600 staff)",
            "value": seed_seconds,
            "unit": "s",
            "target": None,
            "met": None,
            "raw_sql_value": None,
        }
    ]
    with psycopg.connect(db_url) as conn:
        raw = percentiles(time_calls(lambda: conn.execute("SELECT 1").fetchone(), REQUESTS))
    with gunicorn(db_url) as port:
        time_requests(port, "/readyz", 100)  # warm-up
        web = percentiles(time_requests(port, "/readyz", REQUESTS))
    for key in ("p50", "p95", "p99"):
        results.append(
            {
                "name": f"/readyz (database check) {key}",
                "value": web[key],
                "unit": "ms",
                "target": None,
                "met": None,
                "raw_sql_value": raw[key],
            }
        )
    return results
