"""Foundation figure: the request overhead of the stack (/readyz over gunicorn, a database check) next to a bare
``SELECT 1`` through psycopg, on the run's data set."""

from __future__ import annotations

import psycopg

from bench import dataset
from bench.common import gunicorn, percentiles, time_calls, time_requests

REQUESTS = 1000


def run(env: dict) -> list[dict]:
    db_url = dataset.prepare(env)
    results = []
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
