"""Segment profiles (细分画像): what each behaviour cluster of a segmentation run looks like, in words and numbers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SegmentProfile(models.Model):
    """One behaviour cluster of a segmentation run: its size, centre and a human-readable label."""

    job = models.ForeignKey("analytics.AnalyticsJob", on_delete=models.CASCADE, related_name="segment_profiles")
    cluster = models.PositiveSmallIntegerField(_("cluster"))
    label = models.CharField(_("label"), max_length=120)
    size = models.PositiveIntegerField(_("customers"))
    # Feature → mean in the cluster, and how far from the population mean in standard deviations.
    profile = models.JSONField(_("profile"), default=dict)

    class Meta:
        verbose_name = _("segment profile (细分画像)")
        verbose_name_plural = _("segment profiles")
        ordering = ["job", "cluster"]
        constraints = [models.UniqueConstraint(fields=["job", "cluster"], name="segment_profile_once")]

    def __str__(self) -> str:
        return self.label
