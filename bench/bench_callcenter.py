"""Screen pop (issue 5): "an incoming call pops the caller's 360 view within a second". On the run's data set over
gunicorn: the telephony system's POST of the call, the agent desktop's poll that finds it (every 750 ms), and
the call page with the caller. Worst case = poll interval + POST p95 + poll p95 + call page p95."""

from __future__ import annotations

import http.client
import json
import re
import time

from bench import dataset
from bench.common import gunicorn, manage, percentiles, session_cookie, time_requests

CALLS = 100
POLL_INTERVAL_MS = 750


def _result(name: str, value: float, unit: str, target: float | None = None) -> dict:
    met = None if target is None else value <= target
    return {"name": name, "value": value, "unit": unit, "target": target, "met": met, "raw_sql_value": None}


def run(env: dict) -> list[dict]:
    db_url = dataset.prepare(env)
    stamp = int(time.time())
    token = re.search(r"crm_\S+", manage(db_url, "create_api_token", "--client", f"pbx-{stamp}", "--scopes",
                                          "telephony:write").stdout).group(0)  # fmt: skip
    phones = manage(db_url, "shell", "-c", (
        "from customers.models import ContactMedium;"
        "print(' '.join(ContactMedium.objects.filter(kind='phone', party__customers__region__code='340100')"
        ".values_list('value', flat=True)[:200]))")).stdout.split()  # fmt: skip
    cookie = {"Cookie": f"sessionid={session_cookie(db_url, 'agent')}"}
    api = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    posts, polls, pages = [], [], []
    with gunicorn(db_url) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(CALLS):
            body = json.dumps(
                {"callId": f"bench-{stamp}-{i}", "callingNumber": phones[i % len(phones)], "agent": "agent"}
            )
            started = time.perf_counter()
            connection.request("POST", "/tmf-api/troubleTicket/v4/incomingCall", body=body, headers=api)
            response = connection.getresponse()
            answer = json.loads(response.read())
            posts.append((time.perf_counter() - started) * 1000)
            if response.status != 201:
                raise RuntimeError(f"incomingCall answered {response.status}: {answer}")
            polls += time_requests(port, "/callcenter/poll/", 1, {**cookie, "HX-Request": "true"})
            pages += time_requests(port, answer["popUrl"], 1, cookie)
    post_p, poll_p, page_p = percentiles(posts), percentiles(polls), percentiles(pages)
    worst = POLL_INTERVAL_MS + post_p["p95"] + poll_p["p95"] + page_p["p95"]
    return [
        _result("telephony POST incomingCall p50", post_p["p50"], "ms"),
        _result("  p95", post_p["p95"], "ms"),
        _result("desktop poll that finds the call p50", poll_p["p50"], "ms"),
        _result("  p95", poll_p["p95"], "ms"),
        _result("call page with the caller p50", page_p["p50"], "ms"),
        _result("  p95", page_p["p95"], "ms"),
        _result(f"screen pop, worst case (poll every {POLL_INTERVAL_MS} ms + p95s)", worst, "ms", 1000),
    ]
