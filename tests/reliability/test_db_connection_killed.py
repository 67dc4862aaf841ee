"""The database connection is killed (pg_terminate_backend) while requests run: the request in flight answers 503
with Retry-After (the TMF error body on the API, a plain page in the UI), and the following requests succeed on a
new connection, without a restart.

Requests go through Django's WSGI handler in this thread, as in a synchronous worker: one persistent connection
(CONN_MAX_AGE, health checks) reused request after request, with the request_started/finished signals that recycle
connections (the test client switches those off). The kill comes from another connection, at the moment the
request sends a chosen query (a query hook installed with ``connection.execute_wrapper``).
"""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from wsgiref.util import setup_testing_defaults

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.db.backends.signals import connection_created
from django.test import Client

from crm.api.services import api_token_create
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

API = "/tmf-api/customerManagement/v4/customer"


class Response:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes):
        self.status_code = int(status.split()[0])
        self.headers = dict(headers)
        self.body = body

    def json(self) -> dict:
        return json.loads(self.body)


def wsgi_get(path: str, **headers: str) -> Response:
    """One GET through the WSGI handler, closed like a server closes it (which fires request_finished)."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "wsgi.input": io.BytesIO(), **headers}
    setup_testing_defaults(environ)
    started: dict = {}

    def start_response(status, response_headers, exc_info=None):
        started.update(status=status, headers=response_headers)

    result = WSGIHandler()(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()
    return Response(started["status"], started["headers"], body)


def backend_pid() -> int | None:
    raw = connection.connection
    return None if raw is None or raw.closed else raw.info.backend_pid


def terminate(pid: int) -> None:
    """pg_terminate_backend from a connection of its own, as an operator (or a failover) would."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


class KillOnQuery:
    """A query hook: the first query mentioning ``table`` has its connection terminated just before it is sent."""

    def __init__(self, table: str):
        self.table = table
        self.killed_pid: int | None = None

    def __call__(self, execute, sql, params, many, context):
        if self.killed_pid is None and self.table in sql:
            self.killed_pid = context["connection"].connection.info.backend_pid
            terminate(self.killed_pid)
        return execute(sql, params, many, context)


@pytest.fixture
def bearer(hefei) -> dict[str, str]:
    _token, raw = api_token_create(client_name="reliability", scopes=["customer:read"])
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def staff_cookie(make_staff) -> dict[str, str]:
    user = make_staff("hall_clerk")
    client = Client()
    assert client.login(username=user.username, password=STAFF_PASSWORD)
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    return {"HTTP_COOKIE": cookie, "HTTP_ACCEPT_LANGUAGE": "en"}


def test_an_api_request_whose_connection_is_killed_gets_503_and_the_next_one_reconnects(bearer):
    # Given a worker whose persistent connection served a request,
    assert wsgi_get(API, **bearer).status_code == 200
    first_pid = backend_pid()
    assert first_pid is not None

    # when the connection is terminated while the next request reads customers,
    killer = KillOnQuery('"customers_customer"')
    with connection.execute_wrapper(killer):
        response = wsgi_get(API, **bearer)

    # then that request answers 503 with the TMF error body and Retry-After,
    assert killer.killed_pid == first_pid
    assert response.status_code == 503, response.body[:500]
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["@type"] == "Error" and body["status"] == "503" and body["code"] == "serviceUnavailable"
    assert body["reason"] == "Service Unavailable"
    assert int(response.headers["Retry-After"]) > 0

    # and the following requests succeed on a new connection, in the same process.
    for _ in range(3):
        assert wsgi_get(API, **bearer).status_code == 200
    assert backend_pid() not in (None, first_pid)


def test_a_page_whose_connection_is_killed_in_a_middleware_gets_the_503_page(staff_cookie):
    assert wsgi_get("/customers/", **staff_cookie).status_code == 200
    first_pid = backend_pid()

    # The staff user is loaded by the authentication middleware, before any view runs.
    killer = KillOnQuery('"auth_user"')
    with connection.execute_wrapper(killer):
        response = wsgi_get("/customers/", **staff_cookie)

    assert killer.killed_pid == first_pid
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("text/html")
    assert int(response.headers["Retry-After"]) > 0
    page = response.body.decode()
    assert "Service temporarily unavailable" in page and "Try again" in page
    assert "Traceback" not in page and "auth_user" not in page

    page_after = wsgi_get("/customers/", **staff_cookie)
    assert page_after.status_code == 200
    assert backend_pid() not in (None, first_pid)


def test_the_503_page_follows_the_language_of_the_request(staff_cookie):
    killer = KillOnQuery('"auth_user"')
    with connection.execute_wrapper(killer):
        response = wsgi_get("/customers/", **{**staff_cookie, "HTTP_ACCEPT_LANGUAGE": "zh-hans"})
    assert response.status_code == 503
    assert '<html lang="zh-hans">' in response.body.decode()


def test_a_connection_killed_between_requests_is_replaced_before_the_next_request_uses_it(bearer):
    # An idle persistent connection dies (a database restart between two requests): the health check at the start
    # of the next request notices and reconnects, so that request does not fail at all.
    assert wsgi_get(API, **bearer).status_code == 200
    first_pid = backend_pid()
    terminate(first_pid)

    response = wsgi_get(API, **bearer)

    assert response.status_code == 200, response.body[:500]
    assert backend_pid() not in (None, first_pid)


def test_over_http_on_a_live_server_the_killed_request_gets_503_and_the_next_one_succeeds(live_server, bearer):
    # The threaded test server opens a connection per request thread: the hook goes onto the next one it opens.
    killer = KillOnQuery('"customers_customer"')

    def arm(sender, connection, **kwargs):
        if killer.killed_pid is None:
            connection.execute_wrappers.append(killer)

    def get(path: str) -> tuple[int, dict, bytes]:
        headers = {"Authorization": bearer["HTTP_AUTHORIZATION"]}
        request = urllib.request.Request(live_server.url + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    connection_created.connect(arm, dispatch_uid="reliability-kill")
    try:
        status, headers, body = get(API)
    finally:
        connection_created.disconnect(dispatch_uid="reliability-kill")

    assert killer.killed_pid is not None
    assert status == 503, body[:500]
    assert json.loads(body)["code"] == "serviceUnavailable" and int(headers["Retry-After"]) > 0
    assert [get(API)[0] for _ in range(3)] == [200, 200, 200]
