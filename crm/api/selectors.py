"""Reads of the integration API's operational records."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import EventDelivery


def event_deliveries() -> QuerySet[EventDelivery]:
    """Every delivery with its event and subscription (operators see all: deliveries are not regional)."""
    return EventDelivery.objects.select_related("event", "subscription")
