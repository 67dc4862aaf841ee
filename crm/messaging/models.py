"""Every SMS the CRM sends (短信记录), whatever gateway carries it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboundMessage(models.Model):
    """One SMS to a customer or a staff member, as handed to the gateway, with its delivery status."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.CharField(_("phone number"), max_length=20)
    body = models.CharField(_("text"), max_length=500)
    # What the log keeps once the gateway has had the text (a one-time code masked); blank: the text itself.
    body_after_send = models.CharField(_("text kept after sending"), max_length=500, blank=True)
    purpose = models.CharField(_("purpose"), max_length=32)  # order_status, escalation, …
    related = models.JSONField(_("related"), default=list, blank=True)  # [{"@referredType", "id"}]
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    gateway = models.CharField(_("gateway"), max_length=32, blank=True)
    gateway_ref = models.CharField(_("gateway reference"), max_length=64, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS (短信)")
        verbose_name_plural = _("SMS messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["queued", "sent", "failed"]), name="sms_status_valid")
        ]
        # The sweep's read: the few messages still queued among millions sent.
        indexes = [models.Index(fields=["created_at"], condition=Q(status="queued"), name="sms_queued_idx")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.body[:30]}"
