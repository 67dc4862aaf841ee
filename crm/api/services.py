"""Writes of the integration API: tokens, hub subscriptions, event publishing and delivery."""

from __future__ import annotations

import datetime
import json
import logging
import random
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.accounts.roles import Role
from crm.accounts.services import staff_user_create
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record

from . import scopes as scope_names
from .authentication import hash_token
from .models import ApiClient, ApiToken, Event, EventDelivery, HubSubscription

logger = logging.getLogger("crm.api.events")
LOST_AFTER = datetime.timedelta(minutes=2)


@transaction.atomic
def api_token_create(
    *, client_name: str, scopes: list[str], created_by=None, expires_at: datetime.datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for an API client (created with its own user if new); returns the token and its raw value."""
    unknown = scope_names.validate(scopes)
    if unknown:
        raise ValueError(f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(sorted(scope_names.SCOPES))}, all")
    if not client_name or len(client_name) > 64:
        raise ValueError("A client name of 1 to 64 characters is required")
    client = ApiClient.objects.select_for_update().filter(name=client_name).first()
    if client is None:
        user = staff_user_create(username=f"api-{client_name}"[:150], password=None, role=Role.API_CLIENT)
        client = ApiClient.objects.create(name=client_name, user=user, scopes=sorted(set(scopes)))
    else:
        client.scopes = sorted(set(scopes))
        client.save(update_fields=["scopes"])
    prefix = secrets.token_hex(4)
    raw = f"crm_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        client=client, prefix=prefix, token_hash=hash_token(raw), created_by=created_by, expires_at=expires_at
    )
    audit_record(
        action=AuditEntry.Action.TOKEN_CREATE,
        obj=token,
        changes={"client": client.name, "scopes": client.scopes},
        actor=created_by,
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token_id: int, actor=None) -> ApiToken:
    """Revoke a token at once; requests with it get 401 from now on."""
    token = ApiToken.objects.select_for_update().get(pk=token_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action=AuditEntry.Action.TOKEN_REVOKE, obj=token, actor=actor)
    return token


@transaction.atomic
def hub_subscribe(*, api_name: str, callback: str, query: str, owner) -> HubSubscription:
    """Register a listener for the events of one API."""
    return HubSubscription.objects.create(api_name=api_name, callback=callback, query=query or "", owner=owner)


@transaction.atomic
def hub_unsubscribe(*, subscription: HubSubscription) -> None:
    subscription.delete()


@dataclass(frozen=True)
class _Query:
    event_types: frozenset[str]
    attributes: dict[str, frozenset[str]]

    @classmethod
    def parse(cls, text: str) -> _Query:
        event_types: set[str] = set()
        attributes: dict[str, frozenset[str]] = {}
        for part in (text or "").split("&"):
            if "=" not in part:
                continue
            key, value = part.split("=", 1)
            values = frozenset(v.strip() for v in value.replace(";", ",").split(",") if v.strip())
            if key.strip() == "eventType":
                event_types |= values
            else:
                attributes[key.strip().removeprefix("event.")] = values
        return cls(frozenset(event_types), attributes)

    def matches(self, event_type: str, resource: dict) -> bool:
        if self.event_types and event_type not in self.event_types:
            return False
        for attribute, values in self.attributes.items():
            name = attribute.split(".")[-1]
            if str(resource.get(name)) not in values:
                return False
        return True


def event_publish(*, api_name: str, event_type: str, resource_name: str, resource: dict) -> Event:
    """Record an event and a delivery per matching subscriber; deliveries start after the caller's commit."""
    # Inside the caller's transaction no savepoint of its own (two queries per event): a failure here fails the
    # caller's whole action, as it should, since the event is that action's outbox record.
    with transaction.atomic(savepoint=False):
        event = Event.objects.create(
            api_name=api_name,
            event_type=event_type,
            resource_name=resource_name,
            event_time=timezone.now(),
            payload=resource,
        )
        subscriptions = [
            s
            for s in HubSubscription.objects.filter(api_name=api_name)
            if _Query.parse(s.query).matches(event_type, resource)
        ]
        deliveries = EventDelivery.objects.bulk_create(
            [EventDelivery(event=event, subscription=s) for s in subscriptions]
        )
    from .tasks import deliver_event_task

    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: deliver_event_task.delay(pk), robust=True)
    return event


def event_body(event: Event) -> dict:
    return {
        "eventId": str(event.event_id),
        "eventTime": event.event_time.isoformat(),
        "eventType": event.event_type,
        "event": {event.resource_name: event.payload},
    }


def listener_url(callback: str, event_type: str) -> str:
    return f"{callback.rstrip('/')}/listener/{event_type[:1].lower()}{event_type[1:]}"


def backoff_seconds(attempts: int) -> float:
    """Exponential back-off with jitter: base, 2×base, 4×base … capped at an hour."""
    base = settings.TMF_API["EVENT_BACKOFF_SECONDS"]
    delay = min(base * 2 ** max(attempts - 1, 0), 3600)
    return delay * random.uniform(0.8, 1.2)


def _post(url: str, body: dict, event_id: str) -> int:
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - callback URLs are validated as http(s) on subscribe
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", "X-Event-Id": event_id, "Idempotency-Key": event_id},
    )
    with urllib.request.urlopen(request, timeout=settings.TMF_API["EVENT_TIMEOUT_SECONDS"]) as response:  # noqa: S310
        return response.status


def event_delivery_attempt(*, delivery_id: int) -> EventDelivery | None:
    """Send one delivery if it is due; record the outcome. Safe to call twice: a delivered one is never re-sent.

    Returns the delivery when a retry should be scheduled, else None.
    """
    with transaction.atomic():
        delivery = (
            EventDelivery.objects.select_for_update(skip_locked=True)
            .select_related("event", "subscription")
            .filter(pk=delivery_id, status__in=[EventDelivery.Status.PENDING, EventDelivery.Status.RETRYING])
            .first()
        )
        if delivery is None:
            return None  # delivered, failed, gone, or another worker holds it
        now = timezone.now()
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            return None  # not due yet
        url = listener_url(delivery.subscription.callback, delivery.event.event_type)
        delivery.attempts += 1
        try:
            status_code = _post(url, event_body(delivery.event), str(delivery.event_id))
            error = ""
        except urllib.error.HTTPError as exc:
            status_code, error = exc.code, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            status_code, error = None, f"{type(exc).__name__}: {exc}"[:500]
        delivery.last_status_code = status_code
        delivery.last_error = error
        if status_code is not None and 200 <= status_code < 300:
            delivery.status = EventDelivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif delivery.attempts >= settings.TMF_API["EVENT_MAX_ATTEMPTS"]:
            delivery.status = EventDelivery.Status.FAILED
            delivery.next_attempt_at = None
            logger.warning(
                "Event delivery %s failed for good after %s attempts: %s", delivery.pk, delivery.attempts, error
            )
        else:
            delivery.status = EventDelivery.Status.RETRYING
            delivery.next_attempt_at = now + datetime.timedelta(seconds=backoff_seconds(delivery.attempts))
        delivery.save()
        return delivery if delivery.status == EventDelivery.Status.RETRYING else None


def due_event_deliveries(*, now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """Deliveries whose retry is due, and pending ones whose first enqueue may have been lost (broker down)."""
    now = now or timezone.now()
    lost = Q(status=EventDelivery.Status.PENDING, next_attempt_at__isnull=True, created_at__lte=now - LOST_AFTER)
    return list(
        EventDelivery.objects.filter(
            Q(status__in=[EventDelivery.Status.PENDING, EventDelivery.Status.RETRYING], next_attempt_at__lte=now) | lost
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def event_delivery_replay(*, delivery_id: int, actor=None) -> EventDelivery:
    """Send a delivery again (after the receiving system was fixed): resets it to pending and enqueues it."""
    from .tasks import deliver_event_task

    delivery = EventDelivery.objects.select_for_update().get(pk=delivery_id)
    delivery.status = EventDelivery.Status.PENDING
    delivery.next_attempt_at = None
    delivery.attempts = 0
    delivery.save(update_fields=["status", "next_attempt_at", "attempts"])
    audit_record(action=AuditEntry.Action.REPLAY, obj=delivery, actor=actor)
    transaction.on_commit(lambda: deliver_event_task.delay(delivery.pk), robust=True)
    return delivery


# --- The per-system outbox ------------------------------------------------------------------------------------


def delivery_system():
    """The downstream system a delivery goes to, as an ORM expression: the subscription owner's API client name
    (billing, the 97 system …), or the owner's username for a subscription a staff member made."""
    from django.db.models import F
    from django.db.models.functions import Coalesce

    return Coalesce(F("subscription__owner__api_client__name"), F("subscription__owner__username"))


REPLAY_ALL_LIMIT = 5000


@transaction.atomic
def event_deliveries_replay_failed(*, system: str, actor=None, limit: int = REPLAY_ALL_LIMIT) -> int:
    """Send again every failed (dead-letter) delivery of one downstream system, oldest first, once it is back.

    Each delivery is reset to pending, audited as a replay and enqueued after the commit; returns how many. Receivers
    see the same Idempotency-Key (the event id) as before, so a replay never makes them act twice."""
    from .tasks import deliver_event_task

    deliveries = list(
        EventDelivery.objects.select_for_update(of=("self",))
        .annotate(system=delivery_system())
        .filter(status=EventDelivery.Status.FAILED, system=system)
        .order_by("created_at", "pk")[:limit]
    )
    if not deliveries:
        return 0
    for delivery in deliveries:
        delivery.status = EventDelivery.Status.PENDING
        delivery.next_attempt_at = None
        delivery.attempts = 0
    EventDelivery.objects.bulk_update(deliveries, ["status", "next_attempt_at", "attempts"])
    for delivery in deliveries:
        audit_record(
            action=AuditEntry.Action.REPLAY, obj=delivery, changes={"system": system, "bulk": True}, actor=actor
        )
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: [deliver_event_task.delay(pk) for pk in ids], robust=True)
    return len(ids)
