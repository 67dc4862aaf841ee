"""Batches of the billing feeds (计费数据批次) and the rows each rejected."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FeedBatch(models.Model):
    """One batch of a billing feed: who sent it, what it held, what was loaded and what was rejected.

    The sender's batch id is unique per sender and kind, so a batch sent twice is recognised and loads once."""

    class Kind(models.TextChoices):
        BILLS = "bills", _("Bills (账单)")
        PAYMENTS = "payments", _("Payments (缴费)")
        BALANCES = "balances", _("Balances (余额)")
        USAGE = "usage", _("Usage records (详单)")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        VALIDATED = "validated", _("Validated")
        LOADED = "loaded", _("Loaded")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        CSV = "csv", "CSV"

    sender = models.CharField(_("sender"), max_length=64, help_text=_("API client name, or file-drop"))
    client_batch_id = models.CharField(_("batch id"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    body_format = models.CharField(_("format"), max_length=8, choices=Format.choices, default=Format.JSON)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    content_sha256 = models.CharField(_("content hash"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    rows_received = models.PositiveIntegerField(_("rows received"), default=0)
    rows_loaded = models.PositiveIntegerField(_("rows loaded"), default=0)
    rows_duplicate = models.PositiveIntegerField(_("rows already loaded"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    error = models.CharField(_("error"), max_length=1000, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received"))
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)
    loaded_at = models.DateTimeField(_("loaded"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)

    class Meta:
        verbose_name = _("feed batch (数据批次)")
        verbose_name_plural = _("feed batches")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sender", "kind", "client_batch_id"], name="feed_batch_once"),
            models.CheckConstraint(
                condition=Q(kind__in=["bills", "payments", "balances", "usage"]), name="feed_batch_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["received", "validated", "loaded", "failed"]), name="feed_batch_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}/{self.kind}/{self.client_batch_id}"

    @property
    def is_final(self) -> bool:
        return self.status in (self.Status.LOADED, self.Status.FAILED)


class FeedRejection(models.Model):
    """One rejected row of a batch: its row number (1 = first record), its key if it had one, and why."""

    batch = models.ForeignKey(FeedBatch, on_delete=models.CASCADE, related_name="rejections", verbose_name=_("batch"))
    row_no = models.PositiveIntegerField(_("row"))
    record_key = models.CharField(_("record key"), max_length=100, blank=True)
    field = models.CharField(_("field"), max_length=64, blank=True)
    code = models.CharField(_("reason code"), max_length=32)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("rejected row (拒收记录)")
        verbose_name_plural = _("rejected rows")
        ordering = ["batch", "row_no", "id"]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.row_no} {self.code}"
