"""One row per Celery task a write enqueued: inserted in the writer's transaction, marked sent once published."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxTask(models.Model):
    """A task to publish to the broker after its transaction committed; pending while ``sent_at`` is empty."""

    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)  # the request id and actor of the writer
    dedup_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("outbox task")
        verbose_name_plural = _("outbox tasks")
        indexes = [models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="outbox_pending_idx")]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.sent_at is None
