"""The model registry (模型版本库): every trained model with its data period, features, parameters and quality; the
model itself is a file the workers load by version. One version per kind is promoted and used for scoring."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ModelKind(models.TextChoices):
    CHURN = "churn", _("Churn (流失)")
    FRAUD = "fraud", _("Fraud (欺诈)")
    CREDIT = "credit", _("Credit / bad debt (信用/坏账)")


class ModelVersion(models.Model):
    """A trained model version (模型版本) with its evaluation; managers promote the one scoring uses."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        PROMOTED = "promoted", _("In use")
        RETIRED = "retired", _("Retired")

    kind = models.CharField(_("kind"), max_length=8, choices=ModelKind.choices)
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CANDIDATE)
    algorithm = models.CharField(_("algorithm"), max_length=64)
    train_from = models.DateField(_("training data from"))
    train_to = models.DateField(_("training data to"))
    features = models.JSONField(_("features"), default=list)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # e.g. {"auc": .., "pr_auc": .., "lift_top_decile": .., "calibration": [[pred, observed, n], ..],
    #       "baseline": {"auc": ..}, "ks": .., "n_train": .., "n_test": .., "positive_rate": ..}
    metrics = models.JSONField(_("quality"), default=dict, blank=True)
    file = models.CharField(_("model file"), max_length=255)
    job = models.ForeignKey(
        "analytics.AnalyticsJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trained_at = models.DateTimeField(_("trained"), auto_now_add=True)
    promoted_at = models.DateTimeField(_("promoted"), null=True, blank=True)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("model version (模型版本)")
        verbose_name_plural = _("model versions")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="model_version_once"),
            models.UniqueConstraint(fields=["kind"], condition=Q(status="promoted"), name="model_one_promoted"),
            models.CheckConstraint(condition=Q(train_from__lte=models.F("train_to")), name="model_train_period"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"
