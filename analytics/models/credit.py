"""Credit scores (信用度) and bad-debt probabilities (坏账风险) per customer, from payment behaviour."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CreditScore(models.Model):
    """A customer's scorecard result: points (0–100, as ``Customer.credit_rating``), grade and bad-debt probability."""

    id = models.BigAutoField(primary_key=True)
    as_of = models.DateField(_("cut-off date"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    model = models.ForeignKey("analytics.ModelVersion", on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"))
    grade = models.CharField(_("grade"), max_length=2)
    bad_debt_probability = models.FloatField(_("bad-debt probability"))
    reasons = models.JSONField(_("reasons"), default=list)

    class Meta:
        verbose_name = _("credit score (信用评分)")
        verbose_name_plural = _("credit scores")
        ordering = ["as_of", "customer"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "as_of", "model"], name="credit_score_once"),
            models.CheckConstraint(condition=Q(score__lte=100), name="credit_score_range"),
            models.CheckConstraint(
                condition=Q(bad_debt_probability__gte=0) & Q(bad_debt_probability__lte=1), name="bad_debt_probability"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}@{self.as_of}: {self.score}"
