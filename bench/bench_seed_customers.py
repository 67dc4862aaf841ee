"""Customers at scale (issue 3): demo generation (1,000,000 customers in under 10 minutes on 2 cores), then on
that data the monthly service-level job, a 50,000-row customer import, and the 360 page over gunicorn."""

from __future__ import annotations

import datetime
import http.client
import random
import re
import tempfile
import time
from pathlib import Path

from bench.common import gunicorn, manage, percentiles, recreate_database, time_requests

SCALES = {"100k": 100_000, "1m": 1_000_000}
TARGET_SECONDS_PER_MILLION = 600
IMPORT_ROWS = 50_000
PAGE_REQUESTS = 200


def _result(name: str, value: float, unit: str, target: float | None = None, *, lower_is_better: bool = True) -> dict:
    met = None if target is None else (value <= target if lower_is_better else value >= target)
    return {"name": name, "value": value, "unit": unit, "target": target, "met": met, "raw_sql_value": None}


def _import_file(path: Path) -> None:
    from customers.identity import make_id_number

    rng = random.Random(9)
    lines = ["客户类型,姓名或单位名称,证件号码,性别,出生日期,手机号码,地址,地市,区县,服务等级"]
    for i in range(IMPORT_ROWS):
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=i % 15000)
        number = make_id_number(rng, "340111", birth, "male" if i % 2 else "female", 600 + i // 15000)
        lines.append(f"公众,导入客户{i},{number},,,1770{i:07d},合肥市包河区徽州大道{i}号,合肥,,")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")


def _session_cookie(db_url: str, username: str) -> str:
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


def run(env: dict) -> list[dict]:
    customers = SCALES.get(env["scale"], 100_000)
    db_url = recreate_database("crm_bench_seed")
    manage(db_url, "migrate", "--noinput")
    started = time.monotonic()
    out = manage(db_url, "seed_demo", "--customers", str(customers), "--seed", "1").stdout
    total = time.monotonic() - started
    steps = {name: float(sec) for name, sec in re.findall(r"^  ([\w-]+): ([\d.]+)s$", out, re.M)}
    target = TARGET_SECONDS_PER_MILLION * customers / 1_000_000
    results = [
        _result(f"seed_demo --customers {customers} (whole command)", total, "s", round(target, 1)),
        _result("  customers step (party, 2 contacts, customer, accounts)", steps.get("customers", 0), "s"),
        _result("  subscriptions step (product instances)", steps.get("subscriptions", 0), "s"),
    ]
    started = time.monotonic()
    manage(db_url, "recompute_service_levels")
    results.append(_result(f"monthly service-level job over {customers} customers", time.monotonic() - started, "s"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.csv"
        _import_file(path)
        out = manage(db_url, "import_customers", str(path), "--kind", "customers", "--user", "admin", "--apply").stdout
    checked = float(re.search(r"in ([\d.]+)s: ", out).group(1))
    imported = float(re.search(r"Imported \d+ rows in ([\d.]+)s", out).group(1))
    results.append(_result(f"import {IMPORT_ROWS} customers: dry-run check", checked, "s"))
    results.append(_result(f"import {IMPORT_ROWS} customers: apply (re-check and write)", imported, "s", 60))
    numbers = re.findall(
        r"\bC\d{11}\b",
        manage(
            db_url,
            "shell",
            "-c",
            (
                "from customers.models import Customer;"
                "print(' '.join(Customer.objects.filter(customer_class='key_account', region__code='340100')"
                ".exclude(status='prospect').order_by('id').values_list('customer_no', flat=True)[:20]))"
            ),
        ).stdout,
    )
    cookie = {"Cookie": f"sessionid={_session_cookie(db_url, 'manager')}"}
    with gunicorn(db_url) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", f"/customers/{numbers[0]}/", headers=cookie)
        if connection.getresponse().status != 200:
            raise RuntimeError("the 360 page did not answer 200 to the benchmark's session")
        for number in numbers:  # warm-up
            time_requests(port, f"/customers/{number}/", 1, cookie)
        samples = []
        for i in range(PAGE_REQUESTS):
            samples += time_requests(port, f"/customers/{numbers[i % len(numbers)]}/", 1, cookie)
    page = percentiles(samples)
    for key in ("p50", "p95"):
        results.append(
            _result(f"360 page of a key account (manager) {key}", page[key], "ms", 1000 if key == "p95" else None)
        )
    return results
