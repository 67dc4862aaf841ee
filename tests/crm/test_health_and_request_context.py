"""Health checks, request ids and JSON log lines."""

import io
import json
import logging

import pytest
from django.test import override_settings

from crm.logging import JsonFormatter, RequestContextFilter

pytestmark = pytest.mark.django_db


def test_healthz_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_database_and_broker(client, settings):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] in ("ok", "in-process")


def test_readyz_reports_an_unreachable_broker(client):
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "ok"
    assert "ConnectionError" in response.json()["checks"]["broker"]


def test_request_id_is_echoed_or_generated(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="trace-42")["X-Request-ID"] == "trace-42"
    generated = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert len(generated) == 32 and " " not in generated


def test_log_lines_are_json_with_the_request_id():
    from crm import context

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with context.acting_as(channel="task", request_id="rid-7"):
            logger.warning("order %s late", "A1")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "order A1 late"
    assert line["request_id"] == "rid-7" and line["channel"] == "task" and line["level"] == "WARNING"
