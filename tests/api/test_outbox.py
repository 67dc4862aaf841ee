"""The outbound side of billing integration: product changes reach each downstream system through the hub's
per-system outbox, at least once, with the event id as Idempotency-Key; retries after an outage, a dead-letter list
and "replay all failed of this system" for operators."""

from __future__ import annotations

import datetime
import http.server
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from crm.accounts.roles import Role
from crm.api.models import EventDelivery
from crm.api.services import event_deliveries_replay_failed, event_delivery_replay
from crm.api.tasks import retry_due_event_deliveries_task
from crm.audit.models import AuditEntry
from orders.services.inventory import product_status_change
from tests.customers.conftest import people, subscribe  # noqa: F401

pytestmark = pytest.mark.django_db
HUB = "/tmf-api/productInventory/v4/hub"


def hub_subscribe(token_for, system: str, callback: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for('order:read', client=system)}")
    response = client.post(HUB, {"callback": callback, "query": "eventType=ProductStateChangeEvent"}, format="json")
    assert response.status_code == 201, response.content


def total(html: str) -> int:
    return int(re.search(r'data-testid="total">\D*(\d+)', html).group(1))


def make_due() -> None:
    EventDelivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


@pytest.fixture
def product(people, subscribe):  # noqa: F811
    product = subscribe(people["zhang"], "59", number="18955512345")
    product.billing_account = people["zhang"].accounts.get()
    product.start_date = datetime.date(2026, 1, 5)
    product.save(update_fields=["billing_account", "start_date"])
    return product


@dataclass
class DedupListener:
    """A receiving system that acts on each Idempotency-Key once (and answers 200 to repeats)."""

    url: str = ""
    requests: int = 0
    processed: list[dict] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    lose_first_answer: bool = False  # process the first event, then answer 500 as if the answer got lost


@pytest.fixture
def dedup_listener() -> Iterator[DedupListener]:
    state = DedupListener()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            key = self.headers.get("Idempotency-Key", "")
            with lock:
                state.requests += 1
                if key not in state.keys:
                    state.keys.add(key)
                    state.processed.append(body)
                status = 200
                if state.lose_first_answer:
                    state.lose_first_answer, status = False, 500
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/billing-events"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_suspension_reaches_billing_after_it_was_down_with_what_billing_needs(
    token_for, listener, product, django_capture_on_commit_callbacks
):
    hub_subscribe(token_for, "billing", listener.url)
    listener.fail_first = 1  # billing is down for the first attempt
    with django_capture_on_commit_callbacks(execute=True):
        product_status_change(product=product, status="suspended")
    delivery = EventDelivery.objects.get()
    assert delivery.status == "retrying" and delivery.attempts == 1 and delivery.last_status_code == 500
    assert listener.received == []
    assert retry_due_event_deliveries_task() == 0  # backed off: not due yet
    make_due()
    retry_due_event_deliveries_task()
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 2
    assert listener.paths == ["/crm-events/listener/productStateChangeEvent"]
    event = listener.received[0]
    assert event["eventType"] == "ProductStateChangeEvent"
    assert listener.headers[0]["Idempotency-Key"] == event["eventId"] == str(delivery.event_id)
    resource = event["event"]["product"]
    # What billing needs to stop charging: the number, the account, the offering, the state and the dates.
    assert resource["id"] == str(product.pk) and resource["status"] == "suspended"
    assert resource["productSerialNumber"] == "18955512345"
    assert resource["billingAccount"]["id"] == str(product.billing_account_id)
    assert resource["productOffering"]["id"] == str(product.offering_id)
    assert resource["startDate"] == "2026-01-05" and resource["terminationDate"] is None
    with django_capture_on_commit_callbacks(execute=True):
        product_status_change(product=product, status="terminated", when=datetime.date(2026, 11, 30))
    assert listener.received[-1]["event"]["product"]["terminationDate"] == "2026-11-30"
    assert listener.received[-1]["event"]["product"]["status"] == "terminated"


def test_a_deduplicating_listener_acts_on_each_event_once(
    token_for, dedup_listener, product, django_capture_on_commit_callbacks
):
    hub_subscribe(token_for, "billing", dedup_listener.url)
    dedup_listener.lose_first_answer = True  # billing took the event but its answer never came back
    with django_capture_on_commit_callbacks(execute=True):
        product_status_change(product=product, status="suspended")
    delivery = EventDelivery.objects.get()
    assert delivery.status == "retrying"  # at least once: the CRM cannot know it arrived, so it sends it again
    make_due()
    retry_due_event_deliveries_task()
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    # An operator replays it although it was delivered: a third send, still the same key.
    with django_capture_on_commit_callbacks(execute=True):
        event_delivery_replay(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert dedup_listener.requests == 3
    assert len(dedup_listener.processed) == 1 and dedup_listener.keys == {str(delivery.event_id)}
    assert dedup_listener.processed[0]["event"]["product"]["status"] == "suspended"


def test_dead_letters_are_replayed_per_system_once_it_is_back(
    token_for, listener, dedup_listener, product, settings, client, make_staff, django_capture_on_commit_callbacks
):
    settings.TMF_API = {**settings.TMF_API, "EVENT_MAX_ATTEMPTS": 2}
    hub_subscribe(token_for, "billing", listener.url)
    hub_subscribe(token_for, "crm97", dedup_listener.url)
    listener.fail_first = 100  # billing is down; the 97 system is fine
    with django_capture_on_commit_callbacks(execute=True):
        product_status_change(product=product, status="suspended")
        product_status_change(product=product, status="active")
    make_due()
    retry_due_event_deliveries_task()
    billing = EventDelivery.objects.filter(subscription__owner__api_client__name="billing")
    assert sorted(billing.values_list("status", flat=True)) == ["failed", "failed"]
    assert set(EventDelivery.objects.exclude(pk__in=billing).values_list("status", flat=True)) == {"delivered"}
    assert len(dedup_listener.processed) == 2

    admin = make_staff(Role.ADMIN)
    client.force_login(admin)
    page = client.get(reverse("api-ops:event_deliveries"), {"system": "billing", "status": "failed"})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="dead-letters"' in html
    assert html.count("ProductStateChangeEvent") == 2 and "HTTP 500" in html
    assert 'data-testid="system-billing"' in html and 'data-testid="system-crm97"' in html

    listener.fail_first = 0  # billing is back
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("api-ops:event_deliveries_replay_failed"), {"system": "billing"})
    assert response.status_code == 302 and response["Location"].endswith("?system=billing")
    assert sorted(billing.values_list("status", flat=True)) == ["delivered", "delivered"]
    assert [e["event"]["product"]["status"] for e in listener.received] == ["suspended", "active"]
    assert AuditEntry.objects.filter(action="replay", actor=admin).count() == 2
    assert len(dedup_listener.processed) == 2  # the other system was not sent anything again
    # Nothing failed is left: a second click replays nothing and sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert event_deliveries_replay_failed(system="billing", actor=admin) == 0
    assert len(listener.received) == 2


def test_outbox_page_counts_by_system_filters_and_permissions(
    token_for, listener, dedup_listener, product, client, make_staff, django_capture_on_commit_callbacks
):
    hub_subscribe(token_for, "billing", listener.url)
    hub_subscribe(token_for, "crm97", dedup_listener.url)
    listener.fail_first = 1
    with django_capture_on_commit_callbacks(execute=True):
        product_status_change(product=product, status="suspended")
    client.force_login(make_staff(Role.MANAGER))
    assert client.get(reverse("api-ops:event_deliveries")).status_code == 403
    assert client.post(reverse("api-ops:event_deliveries_replay_failed"), {"system": "billing"}).status_code == 403
    client.force_login(make_staff(Role.ADMIN))
    from crm.api.ops_views import outbox_summary

    summary = {s["system"]: s for s in outbox_summary()}
    assert (summary["billing"]["retrying"], summary["billing"]["delivered"], summary["billing"]["total"]) == (1, 0, 1)
    assert (summary["crm97"]["delivered"], summary["crm97"]["failed"]) == (1, 0)
    html = client.get(reverse("api-ops:event_deliveries"), {"system": "crm97"}).content.decode()
    assert total(html) == 1 and str(EventDelivery.objects.get(status="delivered").event_id) in html
    retrying = client.get(reverse("api-ops:event_deliveries"), {"status": "retrying", "event_type": "StateChange"})
    assert total(retrying.content.decode()) == 1
    assert 'data-testid="replay-failed"' not in retrying.content.decode()  # nothing failed yet
