"""API clients and their scoped tokens, and TMF event subscriptions (hub) with a delivery record per event."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiClient(models.Model):
    """An external system that calls the API (billing, the 97 system, network management) (接口系统)."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client", verbose_name=_("user")
    )
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("API client (接口系统)")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token of an API client. Only a SHA-256 hash is stored; the token is shown once."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("client"))
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    # Tokens are 256-bit random values, so a fast hash is enough (no dictionary to guess from).
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token (接口令牌)")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.client.name} {self.prefix}…"


class HubSubscription(models.Model):
    """A listener registered through POST /tmf-api/<api>/v4/hub (TMF630 event subscription)."""

    api_name = models.CharField(_("API"), max_length=64, db_index=True)
    callback = models.URLField(_("callback"), max_length=500)
    query = models.CharField(_("query"), max_length=500, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hub_subscriptions", verbose_name=_("owner")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("event subscription (事件订阅)")
        verbose_name_plural = _("event subscriptions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.api_name} → {self.callback}"


class Event(models.Model):
    """One business event (e.g. CustomerCreateEvent) published to the hub subscribers of its API."""

    event_id = models.UUIDField(_("event id"), primary_key=True, default=uuid.uuid4, editable=False)
    api_name = models.CharField(_("API"), max_length=64)
    event_type = models.CharField(_("event type"), max_length=100)
    resource_name = models.CharField(_("resource"), max_length=64)
    event_time = models.DateTimeField(_("event time"), db_index=True)
    payload = models.JSONField(_("resource"), default=dict)

    class Meta:
        verbose_name = _("event (事件)")
        verbose_name_plural = _("events")
        ordering = ["-event_time"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class EventDelivery(models.Model):
    """Delivering one event to one subscriber: attempts, back-off and outcome, replayable by an operator."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event"))
    subscription = models.ForeignKey(
        HubSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("subscription")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("event delivery (事件投递)")
        verbose_name_plural = _("event deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="delivery_once_per_subscription"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "retrying", "delivered", "failed"]), name="delivery_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscription_id} ({self.status})"
