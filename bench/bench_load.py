"""Mixed staff load (issue 11): locust, headless, against gunicorn on the run's data set (bench/dataset.py):
40 % search, 40 % 360 view, 10 % ticket create, 10 % order submit (bench/locustfile.py). Reports throughput, p95,
errors, and the resident memory of the gunicorn workers at the start, every 10 seconds, and at the end (a growth
trend shows as a slope in MiB per minute).

Environment: BENCH_LOAD_USERS (default 50), BENCH_LOAD_SECONDS (default 300), BENCH_LOAD_WAIT (most seconds a user
waits between requests, default 0.2), BENCH_LOAD_WORKERS (gunicorn workers, default 5 = 2 × cores + 1).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import psycopg

from bench import dataset
from bench.bench_requests import _samples, _token
from bench.common import ROOT, VENV_BIN, gunicorn, session_cookie, time_http, workers_rss_mib

TARGET_RPS = 150
TARGET_P95_MS = 300


def _result(name: str, value: float, unit: str, target: float | None = None, *, higher_is_better: bool = False):
    met = None if target is None else (value >= target if higher_is_better else value <= target)
    return {"name": name, "value": round(value, 3), "unit": unit, "target": target, "met": met, "raw_sql_value": None}


def _slope_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB) in MiB per minute."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_m = sum(m for _, m in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return 0.0 if var == 0 else 60 * sum((t - mean_t) * (m - mean_m) for t, m in points) / var


def run(env: dict) -> list[dict]:
    users = int(os.environ.get("BENCH_LOAD_USERS", "50"))
    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "300"))
    url = dataset.prepare(env)
    with psycopg.connect(url, autocommit=True) as conn:
        s = _samples(conn, 2000)
        all_active = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM customers_customer WHERE status = 'active' ORDER BY id DESC LIMIT 5000"
            ).fetchall()
        ]
        hefei = [
            r[0]
            for r in conn.execute(
                "SELECT customer_no FROM customers_customer WHERE region_id = %s AND status = 'active' ORDER BY id "
                "LIMIT 500",
                [s["region"]],
            ).fetchall()
        ]
    stamp = str(int(time.time()))
    samples = {
        "stamp": stamp,
        "clerk_session": session_cookie(url, "clerk"),
        "token": _token(url, f"load-{stamp}", "ticket:write order:write"),
        "search_keys": s["service_numbers"][:300]
        + s["id_numbers"][:300]
        + s["names2"][:300]
        + s["names3"][:300]
        + s["org_parts"][:100],
        "customer_numbers": [row[1] for row in s["history"]] + hefei,
        "ticket_customers": all_active,
        "order_customers": s["order_customers"],
        "addresses": s["addresses"],
        "broadband": s["broadband"],
    }
    pids: list[int] = []
    results: list[dict] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        gunicorn(url, workers=int(os.environ.get("BENCH_LOAD_WORKERS", "5")), pids=pids) as port,
    ):
        sample_file, refusals_file = Path(tmp) / "samples.json", Path(tmp) / "refused.json"
        sample_file.write_text(json.dumps(samples, ensure_ascii=False), encoding="utf-8")
        # Warm-up: every worker imports its views and fills its caches before the memory at the start is read.
        warm = [f"/customers/{no}/" for no in samples["customer_numbers"][:20]]
        warm += [f"/search/?q={quote(q)}" for q in samples["search_keys"][::60]]
        time_http(port, [("GET", path, None, {"Cookie": f"sessionid={samples['clerk_session']}"}) for path in warm])
        memory: list[tuple[float, float]] = [(0.0, workers_rss_mib(pids[0]))]
        started = time.monotonic()
        done = threading.Event()

        def watch_memory():
            while not done.wait(10):
                memory.append((time.monotonic() - started, workers_rss_mib(pids[0])))

        watcher = threading.Thread(target=watch_memory, daemon=True)
        watcher.start()
        command = [
            str(VENV_BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(max(users // 5, 1)),
            "-t",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(Path(tmp) / "load"),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ]
        environment = {**os.environ, "BENCH_LOAD_SAMPLES": str(sample_file), "BENCH_LOAD_REFUSALS": str(refusals_file)}
        finished = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False)
        done.set()
        watcher.join()
        memory.append((time.monotonic() - started, workers_rss_mib(pids[0])))
        if finished.returncode != 0 or not (Path(tmp) / "load_stats.csv").exists():
            print(finished.stdout[-2000:], finished.stderr[-4000:], file=sys.stderr)
            raise RuntimeError(f"locust exited with {finished.returncode}")
        with open(Path(tmp) / "load_stats.csv", encoding="utf-8") as stats_file:
            rows = {row["Name"]: row for row in csv.DictReader(stats_file)}
        refused = json.loads(refusals_file.read_text()).get("orders", 0) if refusals_file.exists() else 0
    total = rows["Aggregated"]
    label = f"mixed load, {users} users for {seconds} s"
    results.append(
        _result(f"{label}: throughput", float(total["Requests/s"]), "req/s", TARGET_RPS, higher_is_better=True)
    )
    results.append(_result("  p95, all requests", float(total["95%"]), "ms", TARGET_P95_MS))
    results.append(_result("  errors (5xx, timeouts)", float(total["Failure Count"]), "requests", 0))
    results.append(_result("  requests", float(total["Request Count"]), "requests"))
    for name in ("search", "360 view", "ticket create", "order submit"):
        if name in rows:
            results.append(_result(f"  p95, {name}", float(rows[name]["95%"]), "ms"))
    results.append(_result("  orders refused (4xx: no port, line limit; not errors)", float(refused), "requests"))
    results.append(_result("  gunicorn workers' memory at start", memory[0][1], "MiB"))
    results.append(_result("  gunicorn workers' memory at end", memory[-1][1], "MiB"))
    results.append(_result("  memory trend (least squares)", _slope_per_minute(memory[1:]), "MiB/min"))
    # The samples themselves go into the run's JSON file, so a trend can be looked at, not only its slope.
    env.setdefault("series", {})[f"{label}: gunicorn workers' memory (s, MiB)"] = [
        [round(t, 1), round(m, 1)] for t, m in memory
    ]
    return results
