"""Saved (and shareable) filters of list pages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class SavedFilter(models.Model):
    """A named set of filters on one list page (保存的筛选), private or shared with colleagues."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters", verbose_name=_("owner")
    )
    list_key = models.CharField(_("list"), max_length=64)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    shared = models.BooleanField(_("shared with colleagues"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter (保存的筛选)")
        verbose_name_plural = _("saved filters")
        ordering = ["list_key", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "list_key", "name"], name="saved_filter_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ExportApproval(models.Model):
    """A manager's approval to export personal data in bulk (批量导出审批): one list, one filter, one use."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        USED = "used", _("Used")

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_requests", verbose_name=_("requester")
    )
    list_key = models.CharField(_("list"), max_length=64)
    list_path = models.CharField(_("page"), max_length=200, default="")
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    export_format = models.CharField(_("format"), max_length=8, default="xlsx")
    reason = models.CharField(_("reason"), max_length=255)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="export_approvals",
        verbose_name=_("approver"),
    )
    decision_note = models.CharField(_("decision note"), max_length=255, blank=True)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("export approval (导出审批)")
        verbose_name_plural = _("export approvals")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected", "used"]), name="export_approval_status_valid"
            ),
            # Nobody approves their own request.
            models.CheckConstraint(condition=~Q(approver=F("requester")), name="export_approval_not_self"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(approver__isnull=False), name="export_approval_decided_by_someone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.list_key} · {self.requester_id} · {self.status}"
