"""Operators see event deliveries with their outcome and replay a failed one from the staff UI."""

import pytest
from django.urls import reverse

from crm.accounts.roles import Role
from crm.api.models import Event, EventDelivery, HubSubscription
from crm.audit.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]


@pytest.fixture
def failed_delivery(make_staff, listener):
    owner = make_staff(Role.ADMIN, username="owner")
    subscription = HubSubscription.objects.create(api_name="testOrganisation", callback=listener.url, owner=owner)
    from django.utils import timezone

    event = Event.objects.create(
        api_name="testOrganisation",
        event_type="OrgUnitCreateEvent",
        resource_name="orgUnit",
        event_time=timezone.now(),
        payload={"id": "1"},
    )
    return EventDelivery.objects.create(
        event=event, subscription=subscription, status="failed", attempts=8, last_error="HTTP 503"
    )


def test_only_admins_see_event_deliveries(client, make_staff, failed_delivery):
    client.force_login(make_staff(Role.MANAGER))
    assert client.get(reverse("api-ops:event_deliveries")).status_code == 403
    client.force_login(make_staff(Role.ADMIN))
    html = client.get(reverse("api-ops:event_deliveries"), {"status": "failed"}).content.decode()
    assert "OrgUnitCreateEvent" in html and "HTTP 503" in html and 'data-testid="row-action"' in html


def test_replay_sends_a_failed_delivery_again(
    client, make_staff, failed_delivery, listener, django_capture_on_commit_callbacks
):
    admin = make_staff(Role.ADMIN)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api-ops:event_delivery_replay", args=[failed_delivery.pk]), {"query": "status=failed"}
        )
    assert response.status_code == 302 and response["Location"].endswith("?status=failed")
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == "delivered" and len(listener.received) == 1
    assert AuditEntry.objects.filter(action="replay", actor=admin).exists()
    assert client.get(reverse("api-ops:event_delivery_replay", args=[failed_delivery.pk])).status_code == 405
