"""API test fixtures: tokens with chosen scopes, an API client, a local HTTP listener for hub events."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from rest_framework.test import APIClient

from crm.accounts.models import OrgUnit
from crm.api.services import api_token_create


@pytest.fixture
def token_for(db):
    def _make(*scopes: str, client: str = "billing") -> str:
        _token, raw = api_token_create(client_name=client, scopes=list(scopes))
        return raw

    return _make


@pytest.fixture
def api(token_for) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for('customer:read', 'customer:write')}")
    return client


@pytest.fixture
def units(hefei, wuhu) -> list[OrgUnit]:
    return [
        OrgUnit.objects.create(code="A1", name="合肥一厅", kind="own_hall", region=hefei),
        OrgUnit.objects.create(code="A2", name="合肥代销点", kind="agent_outlet", region=hefei),
        OrgUnit.objects.create(code="B1", name="芜湖一厅", kind="own_hall", region=wuhu),
        OrgUnit.objects.create(code="B2", name="芜湖装维", kind="field_crew", region=wuhu, is_active=False),
    ]


@dataclass
class Listener:
    url: str
    received: list[dict] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)
    fail_first: int = 0  # answer 500 to this many requests before accepting


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A real HTTP server on 127.0.0.1 that records the events posted to it."""
    state = Listener(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if state.fail_first > 0:
                state.fail_first -= 1
                self.send_response(500)
                self.end_headers()
                return
            state.received.append(json.loads(body))
            state.paths.append(self.path)
            state.headers.append(dict(self.headers))
            self.send_response(201)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/crm-events"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
