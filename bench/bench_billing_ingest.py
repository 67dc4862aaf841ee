"""Usage ingest (issue 6; target set by the performance issue): records per second through the feed API over
gunicorn (JSON and CSV bodies, 50,000 records a batch, validation + COPY into staging + insert into the month
partition + monthly totals), next to a raw psycopg COPY of as many rows straight into the same partitioned table in
the same run. Also: re-sending a loaded batch (idempotent answer) and the same rows under a new batch id (every
record recognised as a duplicate). gunicorn runs with a broker (BENCH_REDIS_URL), as deployed: the fast fraud rules
the feed queues after its commit are timed on their own, as a worker runs them, over one loaded batch.

On the run's data set (bench/dataset.py), into yesterday's partition beside the day's generated records; batch ids
and record keys carry the run's time, and the benchmark deletes the records it wrote when it is done (the monthly
totals the feed raised stay raised: a benchmark data set's totals are not checked against its records)."""

from __future__ import annotations

import csv
import datetime
import http.client
import io
import json
import random
import re
import subprocess
import time

import psycopg

from bench import dataset
from bench.common import BROKER_URL, gunicorn, manage

BATCH = 50_000
BATCHES = 4  # per body format
TARGET_RATE = 100_000  # records/s (issue 11)
TARGET_SHARE = 0.5  # of a raw COPY of the same rows in the same run


def _result(name: str, value: float, unit: str, raw: float | None = None, *, target: float | None = None) -> dict:
    """A figure; a target here is a floor (records per second, share of COPY)."""
    met = None if target is None else value >= target
    return {"name": name, "value": value, "unit": unit, "target": target, "met": met, "raw_sql_value": raw}


def _numbers(db_url: str) -> list[tuple[int, int, int, str]]:
    with psycopg.connect(db_url) as conn:
        return conn.execute(
            "SELECT p.id, p.billing_account_id, p.customer_id, p.service_number FROM orders_product p "
            "JOIN orders_productspecification s ON s.id = p.specification_id "
            "WHERE p.status = 'active' AND s.kind = 'mobile' AND p.billing_account_id IS NOT NULL"
        ).fetchall()


def _records(numbers, n: int, prefix: str, day: datetime.date) -> list[dict]:
    rng = random.Random(prefix)
    start = datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    rows = []
    for i in range(n):
        _pid, _acc, _cust, number = numbers[rng.randrange(len(numbers))]
        kind = rng.choice(("voice", "voice", "sms", "data"))
        rows.append({
            "recordKey": f"{prefix}-{i}",
            "serviceNumber": number,
            "startTime": (start + datetime.timedelta(seconds=rng.randrange(86_000))).isoformat(),
            "type": kind,
            "outgoing": True,
            "otherNumber": f"139{rng.randrange(10**8):08d}" if kind != "data" else "",
            "duration": rng.randrange(1, 600) if kind == "voice" else 0,
            "volumeKb": rng.randrange(1, 50_000) if kind == "data" else 0,
            "cellId": f"C{rng.randrange(5000):05d}",
            "roaming": "none",
            "charge": "0.10",
        })  # fmt: skip
    return rows


def _csv(records: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]))
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


def _post(conn, token: str, path: str, body: str, content_type: str) -> tuple[int, dict, float]:
    started = time.perf_counter()
    conn.request("POST", path, body=body.encode(), headers={"Authorization": f"Bearer {token}",
                                                            "Content-Type": content_type})  # fmt: skip
    response = conn.getresponse()
    raw = response.read()
    try:
        answer = json.loads(raw)
    except ValueError:
        raise RuntimeError(f"usage feed answered {response.status} without JSON: {raw[:300]!r}") from None
    return response.status, answer, time.perf_counter() - started


FRAUD_CHECK = """
import time
from analytics.fraud.services import fraud_batch_check
from billing_sync.models import FeedBatch
batch = FeedBatch.objects.get(client_batch_id="{batch}")
started = time.perf_counter()
alerts = fraud_batch_check(batch_id=batch.pk)
print(f"FRAUD {{time.perf_counter() - started:.3f}} {{alerts}}")
"""


def run(env: dict) -> list[dict]:
    db_url = dataset.prepare(env)
    run_id = f"b{int(time.time())}"
    try:
        results = _measure(db_url, run_id)
        # The fast fraud rules over one loaded batch: queued by the feed after commit, run here as a worker would.
        out = manage(db_url, "shell", "-c", FRAUD_CHECK.format(batch=f"{run_id}-json-0")).stdout
        seconds, _alerts = re.search(r"FRAUD ([\d.]+) (\d+)", out).groups()
        results.append(_result(f"fast fraud rules over one {BATCH:,}-record batch (a worker's task)",
                               round(float(seconds), 2), "s"))  # fmt: skip
        return results
    finally:
        with psycopg.connect(db_url, autocommit=True) as pg:
            pg.execute("DELETE FROM billing_sync_usagerecord WHERE record_key LIKE %s", [f"{run_id}-%"])
        subprocess.run(["redis-cli", "-u", BROKER_URL, "flushdb"], check=False, capture_output=True)


def _measure(db_url: str, run_id: str) -> list[dict]:
    token = re.search(r"crm_\S+", manage(db_url, "create_api_token", "--client", f"billing-{run_id}", "--scopes",
                                          "billing:feed").stdout).group(0)  # fmt: skip
    numbers = _numbers(db_url)
    day = datetime.date.today() - datetime.timedelta(days=1)
    timings: dict[str, float] = {"json": 0.0, "csv": 0.0}
    loaded = {"json": 0, "csv": 0}
    # With a broker, as deployed: the feed answers after its commit and the fast fraud rules it queues wait for a
    # worker (timed on their own below); without one, Celery would run them inside the request.
    broker = {"REDIS_URL": BROKER_URL, "CELERY_TASK_ALWAYS_EAGER": "0"}
    subprocess.run(["redis-cli", "-u", BROKER_URL, "flushdb"], check=False, capture_output=True)
    with gunicorn(db_url, workers=1, extra_env=broker) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        for fmt in ("json", "csv"):
            for b in range(BATCHES):
                records = _records(numbers, BATCH, f"{run_id}-{fmt}{b}", day)
                if fmt == "json":
                    body, ctype, path = (
                        json.dumps({"batchId": f"{run_id}-{fmt}-{b}", "records": records}),
                        "application/json",
                        ("/tmf-api/billingFeed/v1/usage"),
                    )
                else:
                    path = f"/tmf-api/billingFeed/v1/usage?batchId={run_id}-{fmt}-{b}"
                    body, ctype = _csv(records), "text/csv"
                status, answer, seconds = _post(conn, token, path, body, ctype)
                if status != 201:
                    raise RuntimeError(f"usage feed answered {status}: {str(answer)[:500]}")
                timings[fmt] += seconds
                loaded[fmt] += answer.get("rowsLoaded", answer.get("counts", {}).get("loaded", 0)) or BATCH
        # The same batch again (idempotent answer), and the same rows under a new id (all duplicates).
        records = _records(numbers, BATCH, f"{run_id}-json0", day)
        again_status, _a, again_s = _post(
            conn,
            token,
            "/tmf-api/billingFeed/v1/usage",
            json.dumps({"batchId": f"{run_id}-json-0", "records": records}),
            "application/json",
        )
        dup_status, _d, dup_s = _post(conn, token, "/tmf-api/billingFeed/v1/usage",
                                      json.dumps({"batchId": f"{run_id}-json-0-resent", "records": records}),
                                      "application/json")  # fmt: skip
    raw_rows = BATCH * BATCHES
    raw_records = _records(numbers, raw_rows, f"{run_id}-raw", day)
    by_number = {n[3]: n for n in numbers}
    started = time.perf_counter()
    with (
        psycopg.connect(db_url) as pg,
        pg.cursor() as cursor,
        cursor.copy(
            "COPY billing_sync_usagerecord (record_key, started_at, account_id, customer_id, product_id,"
            " service_number, usage_type, outgoing, other_number, duration_s, volume_kb, cell_id, roaming, charge)"
            " FROM STDIN"
        ) as copy,
    ):
        for r in raw_records:
            pid, acc, cust, number = by_number[r["serviceNumber"]]
            copy.write_row((r["recordKey"], r["startTime"], acc, cust, pid, number, r["type"], True, r["otherNumber"],
                            r["duration"], r["volumeKb"], r["cellId"], r["roaming"], r["charge"]))  # fmt: skip
    raw_seconds = time.perf_counter() - started
    raw_rate = raw_rows / raw_seconds
    rates = {fmt: BATCH * BATCHES / timings[fmt] for fmt in ("json", "csv")}
    return [
        *(
            row
            for fmt in ("json", "csv")
            for row in (
                _result(f"usage feed API, {fmt.upper()}, {BATCH:,}-record batches (records/s)", round(rates[fmt]),
                        "rec/s", round(raw_rate), target=TARGET_RATE),
                _result(f"  {fmt.upper()}: share of a raw COPY of the same rows", round(rates[fmt] / raw_rate, 3), "",
                        target=TARGET_SHARE),
            )
        ),
        _result(f"same batch sent again (HTTP {again_status}, nothing loaded)", round(again_s * 1000), "ms"),
        _result(f"same {BATCH:,} rows under a new batch id (HTTP {dup_status}, all duplicates)", round(dup_s * 1000),
                "ms"),
    ]  # fmt: skip
