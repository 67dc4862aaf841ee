"""Event subscriptions through /hub and delivery to a real local listener, with retries and replay."""

import datetime

import pytest
from django.utils import timezone

from crm.api.models import EventDelivery, HubSubscription
from crm.api.services import event_delivery_replay, event_publish
from crm.api.tasks import retry_due_event_deliveries_task

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]
HUB = "/tmf-api/testOrganisation/v4/hub"
URL = "/tmf-api/testOrganisation/v4/orgUnit"


def subscribe(api, callback: str, query: str = "") -> dict:
    response = api.post(HUB, {"callback": callback, "query": query}, format="json")
    assert response.status_code == 201, response.content
    return response


def test_subscribe_get_and_unsubscribe(api, listener):
    response = subscribe(api, listener.url, "eventType=OrgUnitCreateEvent")
    body = response.json()
    assert response["Location"].endswith(f"{HUB}/{body['id']}")
    assert body["callback"] == listener.url and body["query"] == "eventType=OrgUnitCreateEvent"
    assert api.get(f"{HUB}/{body['id']}").json()["id"] == body["id"]
    assert api.delete(f"{HUB}/{body['id']}").status_code == 204
    assert not HubSubscription.objects.exists()
    assert api.delete(f"{HUB}/{body['id']}").status_code == 404


def test_hub_rejects_bad_callbacks_and_unknown_apis(api):
    assert api.post(HUB, {"callback": "ftp://x/y"}, format="json").status_code == 400
    assert api.post(HUB, {"query": "x"}, format="json").status_code == 400
    response = api.post("/tmf-api/noSuchApi/v4/hub", {"callback": "http://x"}, format="json")
    assert response.status_code == 404 and response.json()["@type"] == "Error"


def test_hub_needs_the_api_read_scope(token_for):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for('billing:feed')}")
    assert client.post(HUB, {"callback": "http://127.0.0.1:9/x"}, format="json").status_code == 403


def test_event_is_delivered_to_a_real_listener(api, listener, hefei, django_capture_on_commit_callbacks):
    subscribe(api, listener.url, "eventType=OrgUnitCreateEvent")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, {"code": "E1", "name": "事件厅", "kind": "own_hall"}, format="json")
    assert response.status_code == 201
    assert listener.paths == ["/crm-events/listener/orgUnitCreateEvent"]
    event = listener.received[0]
    assert event["eventType"] == "OrgUnitCreateEvent"
    assert event["event"]["orgUnit"] == {"id": response.json()["id"], "kind": "own_hall"}
    assert {"eventId", "eventTime"} <= set(event)
    assert listener.headers[0]["X-Event-Id"] == event["eventId"]
    delivery = EventDelivery.objects.get()
    assert delivery.status == "delivered" and delivery.attempts == 1 and delivery.last_status_code == 201


def test_query_filters_which_events_a_subscriber_gets(api, listener, django_capture_on_commit_callbacks):
    subscribe(api, listener.url, "eventType=OrgUnitDeleteEvent")
    subscribe(api, listener.url + "/halls", "kind=own_hall")
    with django_capture_on_commit_callbacks(execute=True):
        event_publish(
            api_name="testOrganisation",
            event_type="OrgUnitCreateEvent",
            resource_name="orgUnit",
            resource={"kind": "own_hall"},
        )
        event_publish(
            api_name="testOrganisation",
            event_type="OrgUnitCreateEvent",
            resource_name="orgUnit",
            resource={"kind": "field_crew"},
        )
    assert listener.paths == ["/crm-events/halls/listener/orgUnitCreateEvent"]


def test_failed_delivery_is_retried_with_backoff_then_delivered_once(api, listener, django_capture_on_commit_callbacks):
    subscribe(api, listener.url)
    listener.fail_first = 2
    with django_capture_on_commit_callbacks(execute=True):
        event_publish(
            api_name="testOrganisation", event_type="OrgUnitCreateEvent", resource_name="orgUnit", resource={"id": "1"}
        )
    delivery = EventDelivery.objects.get()
    assert delivery.status == "retrying" and delivery.attempts == 1 and delivery.last_status_code == 500
    assert delivery.next_attempt_at > timezone.now()  # backed off, not hammering the listener
    assert retry_due_event_deliveries_task() == 0  # not due yet: nothing sent
    assert listener.received == []

    for expected_attempts in (2, 3):
        EventDelivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
        retry_due_event_deliveries_task()
        delivery.refresh_from_db()
        assert delivery.attempts == expected_attempts
    assert delivery.status == "delivered"
    assert len(listener.received) == 1
    # Sweeping again never re-sends a delivered event.
    EventDelivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    retry_due_event_deliveries_task()
    assert len(listener.received) == 1


def test_delivery_fails_after_max_attempts_and_can_be_replayed(
    api, listener, settings, django_capture_on_commit_callbacks
):
    settings.TMF_API = {**settings.TMF_API, "EVENT_MAX_ATTEMPTS": 2}
    subscribe(api, listener.url)
    listener.fail_first = 5
    with django_capture_on_commit_callbacks(execute=True):
        event_publish(
            api_name="testOrganisation", event_type="OrgUnitCreateEvent", resource_name="orgUnit", resource={}
        )
    EventDelivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    retry_due_event_deliveries_task()
    delivery = EventDelivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == 2
    listener.fail_first = 0
    with django_capture_on_commit_callbacks(execute=True):
        event_delivery_replay(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and len(listener.received) == 1


def test_unreachable_listener_is_recorded(api, django_capture_on_commit_callbacks):
    subscribe(api, "http://127.0.0.1:9/nothing-listens")
    with django_capture_on_commit_callbacks(execute=True):
        event_publish(
            api_name="testOrganisation", event_type="OrgUnitCreateEvent", resource_name="orgUnit", resource={}
        )
    delivery = EventDelivery.objects.get()
    assert delivery.status == "retrying" and "Connection" in delivery.last_error
