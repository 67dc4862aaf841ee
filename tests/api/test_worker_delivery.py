"""A real Celery worker delivers a hub event through Redis, retrying after the listener failed once."""

import time

import pytest

from crm.api.models import EventDelivery, HubSubscription
from crm.api.services import event_publish

pytestmark = [pytest.mark.worker, pytest.mark.urls("tests.api.urls")]


def test_real_worker_delivers_and_retries(celery_worker_process, listener, make_staff):
    owner = make_staff("admin")
    HubSubscription.objects.create(api_name="testOrganisation", callback=listener.url, query="", owner=owner)
    listener.fail_first = 1
    event = event_publish(
        api_name="testOrganisation", event_type="OrgUnitCreateEvent", resource_name="orgUnit", resource={"id": "42"}
    )
    deadline = time.monotonic() + 30
    delivery = EventDelivery.objects.get(event=event)
    while delivery.status != "delivered" and time.monotonic() < deadline:
        time.sleep(0.2)
        delivery.refresh_from_db()
    assert delivery.status == "delivered", celery_worker_process.read_text()[-2000:]
    # The first answer was a 500; the worker retried after its back-off (this process never ran the task).
    assert delivery.attempts == 2
    assert [e["event"]["orgUnit"]["id"] for e in listener.received] == ["42"]
