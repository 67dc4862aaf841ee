"""Churn scores (流失评分) per customer and cut-off date, with the model version and the readable reasons."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RiskBand(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class ChurnScore(models.Model):
    """A customer's churn probability (流失概率) from one model version, and its top three reasons."""

    id = models.BigAutoField(primary_key=True)
    as_of = models.DateField(_("cut-off date"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    model = models.ForeignKey("analytics.ModelVersion", on_delete=models.PROTECT, related_name="+")
    probability = models.FloatField(_("probability"))
    band = models.CharField(_("risk band"), max_length=8, choices=RiskBand.choices)
    # [{"feature": "data_trend_3m", "value": -0.6, "contribution": 0.12, "text": "usage down 60 % in 3 months"}, ...]
    reasons = models.JSONField(_("reasons"), default=list)
    region_id = models.IntegerField(_("region"), null=True)

    class Meta:
        verbose_name = _("churn score (流失评分)")
        verbose_name_plural = _("churn scores")
        ordering = ["as_of", "-probability"]
        indexes = [models.Index(fields=["as_of", "region_id", "band"], name="churn_score_worklist_idx")]
        constraints = [
            models.UniqueConstraint(fields=["customer", "as_of", "model"], name="churn_score_once"),
            models.CheckConstraint(condition=Q(probability__gte=0) & Q(probability__lte=1), name="churn_probability"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}@{self.as_of}: {self.probability:.3f}"
