"""Sending SMS: recorded first, handed to the gateway by a worker after the caller's transaction commits."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from .gateway import sms_gateway
from .models import OutboundMessage

# A message still queued this long after it was recorded lost its task (a broker outage at commit, a worker killed
# mid-send): the sweep hands it to the gateway again.
STALE_AFTER = datetime.timedelta(minutes=2)
SWEEP_BATCH = 1000
# A text still not with the gateway after this long is news no longer (a code expired, an order moved on): given up.
GIVE_UP_AFTER = datetime.timedelta(days=1)

logger = logging.getLogger(__name__)


def sms_send(
    *, recipient: str, body: str, purpose: str, related: list | None = None, body_after_send: str = ""
) -> OutboundMessage | None:
    """Queue an SMS; a worker delivers it after commit, so a rolled-back change never texts anyone and the caller
    never waits for the operator's gateway (a slow gateway must not slow an order or a ticket). ``body_after_send``
    replaces the text in the log once the gateway has had it, sent or not (a one-time code masked)."""
    if not recipient:
        return None
    message = OutboundMessage.objects.create(
        recipient=recipient, body=body[:500], purpose=purpose, related=related or [],
        body_after_send=body_after_send[:500],
    )  # fmt: skip
    transaction.on_commit(lambda: _hand_to_worker(message.pk))
    return message


def _hand_to_worker(message_id: int) -> None:
    """The queued message is the task's outbox record: with the broker down it stays queued for the sweep."""
    from crm.outbox.services import publish_once

    from .tasks import sms_deliver_task

    publish_once(sms_deliver_task, message_id)


def sms_deliver(*, message_id: int) -> OutboundMessage:
    """Hand one queued message to the gateway and record the outcome (safe to call twice, and from two workers: the
    row is locked while the gateway is asked, so the customer gets one text)."""
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message_id)
        if message.status != OutboundMessage.Status.QUEUED:
            return message
        gateway = sms_gateway()
        result = gateway.send(recipient=message.recipient, body=message.body)
        message.gateway = gateway.name
        message.status = OutboundMessage.Status.SENT if result.ok else OutboundMessage.Status.FAILED
        message.gateway_ref, message.error = result.reference, result.error[:255]
        message.sent_at = timezone.now() if result.ok else None
        if message.body_after_send:
            message.body, message.body_after_send = message.body_after_send, ""
        message.save(update_fields=["gateway", "status", "gateway_ref", "error", "sent_at", "body", "body_after_send"])
    return message


def stale_queued_messages(*, now: datetime.datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Messages queued longer than STALE_AFTER, oldest first (the partial index on queued messages serves this)."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    queued = OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED, created_at__lt=cutoff)
    return list(queued.order_by("created_at", "id").values_list("id", flat=True)[:limit])


def sms_sweep(*, now: datetime.datetime | None = None) -> int:
    """The every-minute sweep: hand the stale queued messages to the gateway, oldest first; one the gateway fails on
    is logged and left for the next sweep, never in the way of the others, and one queued for more than
    GIVE_UP_AFTER is marked failed. Returns the number handed over."""
    now = now or timezone.now()
    OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED, created_at__lt=now - GIVE_UP_AFTER).update(
        status=OutboundMessage.Status.FAILED, error="not handed to the gateway within a day"
    )
    handed = 0
    for message_id in stale_queued_messages(now=now):
        try:
            sms_deliver(message_id=message_id)
        except Exception:  # the gateway raised: the next sweep tries again, until GIVE_UP_AFTER
            logger.warning("SMS %s not delivered; tried again by the next sweep", message_id, exc_info=True)
            continue
        handed += 1
    return handed
