"""Demo truth labels: what the demo generator made customers do, for evaluating the models only."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DemoTruthLabel(models.Model):
    """What the demo generator made a customer do (churn, fraud, bad debt), for evaluating models only.

    Never a feature and never read by scoring: the models must find these customers from behaviour alone."""

    class Label(models.TextChoices):
        CHURN = "churn", _("Churn (流失)")
        FRAUD = "fraud", _("Fraud (欺诈)")
        BAD_DEBT = "bad_debt", _("Bad debt (坏账)")

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    label = models.CharField(_("label"), max_length=16, choices=Label.choices)
    event_date = models.DateField(_("event date"), help_text=_("When it happened (churned, fraud began, defaulted)."))
    scenario = models.CharField(_("scenario"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("demo truth label (仿真真值)")
        verbose_name_plural = _("demo truth labels")
        ordering = ["label", "event_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "label"], name="truth_label_once"),
            models.CheckConstraint(condition=Q(label__in=["churn", "fraud", "bad_debt"]), name="truth_label_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.label}"
