"""Sending SMS: recorded first, handed to the gateway after the caller's transaction commits."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .gateway import sms_gateway
from .models import OutboundMessage


def sms_send(*, recipient: str, body: str, purpose: str, related: list | None = None) -> OutboundMessage | None:
    """Queue an SMS; it is delivered after commit, so a rolled-back change never texts anyone."""
    if not recipient:
        return None
    message = OutboundMessage.objects.create(
        recipient=recipient, body=body[:500], purpose=purpose, related=related or []
    )
    transaction.on_commit(lambda: sms_deliver(message_id=message.pk))
    return message


def sms_deliver(*, message_id: int) -> OutboundMessage:
    """Hand one queued message to the gateway and record the outcome (safe to call twice)."""
    message = OutboundMessage.objects.get(pk=message_id)
    if message.status != OutboundMessage.Status.QUEUED:
        return message
    gateway = sms_gateway()
    result = gateway.send(recipient=message.recipient, body=message.body)
    message.gateway = gateway.name
    message.status = OutboundMessage.Status.SENT if result.ok else OutboundMessage.Status.FAILED
    message.gateway_ref, message.error = result.reference, result.error[:255]
    message.sent_at = timezone.now() if result.ok else None
    message.save(update_fields=["gateway", "status", "gateway_ref", "error", "sent_at"])
    return message
