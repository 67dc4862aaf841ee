"""Ordering at scale (issue 4): on the run's data set (100,000 customers, or 1m), how long taking an order takes
through the same service as the counter and the API (checks, fees, port reservation, work order, SLA, events, SMS),
and the dispatch board, the technician's list and an order page over gunicorn."""

from __future__ import annotations

import http.client
import re
import time

from bench import dataset
from bench.common import gunicorn, manage, percentiles, session_cookie, time_requests

ORDERS = 100
PAGE_REQUESTS = 40

SUBMIT_SCRIPT = r"""
import random, time, statistics
from django.contrib.auth import get_user_model
from orders.eligibility import OrderRequest
from orders.models import ProductOffering, StandardAddress
from orders.services import intake
from customers.models import Customer
clerk = get_user_model().objects.get(username="clerk")
mobile, broadband = ProductOffering.objects.get(code="mob-59"), ProductOffering.objects.get(code="bb-300")
addresses = list(StandardAddress.objects.filter(region__code="340100", access_point__isnull=False)[:200])
customers = list(Customer.objects.filter(region__code="340100", customer_class="public", status="active",
                 accounts__arrears_amount=0, fraud_flag=False).exclude(credit_rating__lt=60).distinct()[:{n}])
rng, samples = random.Random(4), []
for i, customer in enumerate(customers):
    kind = i % 2
    request = OrderRequest(order_type="new", customer=customer, offering=broadband if kind else mobile,
                           address=rng.choice(addresses) if kind else None, payment_method="cash",
                           idempotency_key=f"bench-{stamp}-{{i}}")
    started = time.perf_counter()
    try:
        intake.order_submit(request=request, actor=clerk)
    except intake.OrderRefused:
        continue
    samples.append((time.perf_counter() - started) * 1000)
q = statistics.quantiles(samples, n=100, method="inclusive")
print(f"SUBMIT n={{len(samples)}} p50={{q[49]:.1f}} p95={{q[94]:.1f}}")
"""


def _result(name: str, value: float, unit: str, target: float | None = None) -> dict:
    met = None if target is None else value <= target
    return {"name": name, "value": value, "unit": unit, "target": target, "met": met, "raw_sql_value": None}


def _session(db_url: str, username: str) -> dict[str, str]:
    return {"Cookie": f"sessionid={session_cookie(db_url, username)}"}


def run(env: dict) -> list[dict]:
    db_url = dataset.prepare(env)
    results = []
    out = manage(db_url, "shell", "-c", SUBMIT_SCRIPT.format(n=ORDERS, stamp=int(time.time()))).stdout
    found = re.search(r"SUBMIT n=(\d+) p50=([\d.]+) p95=([\d.]+)", out)
    results.append(
        _result(f"take an order (service, {found.group(1)} new mobile/broadband) p50", float(found.group(2)), "ms")
    )
    results.append(_result("take an order p95", float(found.group(3)), "ms", 1000))
    order_no = re.search(
        r"D\d{16}",
        manage(db_url, "shell", "-c", "from orders.models import ProductOrder;"
               "print(ProductOrder.objects.filter(region__code='340100').latest('id').order_no)").stdout,
    ).group(0)  # fmt: skip
    pages = [
        ("dispatch board (Hefei dispatcher)", "dispatcher", "/orders/dispatch/"),
        ("technician's work orders", "technician", "/orders/field/"),
        ("order page (clerk)", "clerk", f"/orders/{order_no}/"),
    ]
    with gunicorn(db_url) as port:
        for label, user, path in pages:
            cookie = _session(db_url, user)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", path, headers=cookie)
            if connection.getresponse().status != 200:
                raise RuntimeError(f"{path} did not answer 200 to {user}")
            time_requests(port, path, 3, cookie)  # warm-up
            timing = percentiles(time_requests(port, path, PAGE_REQUESTS, cookie))
            results.append(_result(f"{label} p50", timing["p50"], "ms"))
            results.append(_result(f"{label} p95", timing["p95"], "ms", 1000))
    return results
