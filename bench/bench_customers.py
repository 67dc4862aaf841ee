"""Customers at scale (issue 3), on the run's data set (whose generation time bench/dataset.py reports): the monthly
service-level job over every customer, the check of a 50,000-row customer import against them (the dry run: the
benchmark does not add the rows to the shared data set), and a key account's 360 page over gunicorn."""

from __future__ import annotations

import datetime
import http.client
import random
import re
import tempfile
import time
from pathlib import Path

from bench import dataset
from bench.common import gunicorn, manage, percentiles, session_cookie, time_requests

IMPORT_ROWS = 50_000
PAGE_REQUESTS = 60


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


def run(env: dict) -> list[dict]:
    db_url = dataset.prepare(env)
    customers = env["dataset"]["customers"]
    results = []
    started = time.monotonic()
    manage(db_url, "recompute_service_levels")
    results.append(_result(f"monthly service-level job over {customers:,} customers", time.monotonic() - started, "s"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.csv"
        _import_file(path)
        out = manage(db_url, "import_customers", str(path), "--kind", "customers", "--user", "admin").stdout
    checked = float(re.search(r"in ([\d.]+)s: ", out).group(1))
    results.append(_result(f"import {IMPORT_ROWS:,} customers: the check (dry run)", checked, "s"))
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
    cookie = {"Cookie": f"sessionid={session_cookie(db_url, 'manager')}"}
    with gunicorn(db_url) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
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
