"""Saved (and shareable) filters of list pages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
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
