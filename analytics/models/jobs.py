"""Analytics jobs (分析作业) split into chunks over customer-id ranges, so more workers finish sooner and a job that
lost a worker resumes where it stopped: a chunk's results are written in the same transaction that marks it done."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    FEATURES = "features", _("Feature store (特征宽表)")
    CHURN_TRAIN = "churn_train", _("Churn model training (流失模型训练)")
    CHURN_SCORE = "churn_score", _("Churn scoring (流失评分)")
    FRAUD_DAILY = "fraud_daily", _("Fraud daily run (反欺诈日检)")
    FRAUD_TRAIN = "fraud_train", _("Fraud model training (反欺诈自学习)")
    SEGMENTATION = "segmentation", _("Segmentation (客户细分)")
    CREDIT = "credit", _("Credit and bad-debt scoring (信用度/坏账)")
    MARTS = "marts", _("Dashboard aggregates (报表集市)")
    SIMULATION = "simulation", _("Offer simulation (优惠策略仿真)")


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


LIVE_STATUSES = ("pending", "running")


class AnalyticsJob(models.Model):
    """One run of an analytics job (分析作业) for a cut-off date, with its progress and result summary."""

    kind = models.CharField(_("kind"), max_length=16, choices=JobKind.choices)
    # The idempotency key of the run, e.g. "features:2026-11-30": a schedule delivered twice starts it once.
    run_key = models.CharField(_("run key"), max_length=80, unique=True)
    as_of = models.DateField(_("cut-off date"))
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=JobStatus.choices, default=JobStatus.PENDING)
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    rows_done = models.PositiveBigIntegerField(_("rows done"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)

    class Meta:
        verbose_name = _("analytics job (分析作业)")
        verbose_name_plural = _("analytics jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "-created_at"], name="analytics_job_kind_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["pending", "running", "done", "failed"]), name="job_status"),
            models.CheckConstraint(condition=Q(chunks_done__lte=models.F("chunks_total")), name="job_chunks_done_le"),
        ]

    def __str__(self) -> str:
        return self.run_key

    @property
    def progress(self) -> float:
        return self.chunks_done / self.chunks_total if self.chunks_total else (1.0 if self.status == "done" else 0.0)


class JobChunk(models.Model):
    """A slice of a job over customers with ``lo <= id < hi`` (or one named step), done at most once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    job = models.ForeignKey(AnalyticsJob, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField(_("number"))
    lo = models.BigIntegerField(_("from id"))
    hi = models.BigIntegerField(_("to id (exclusive)"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("job chunk")
        verbose_name_plural = _("job chunks")
        ordering = ["job", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["job", "seq"], name="job_chunk_once"),
            models.CheckConstraint(condition=Q(lo__lt=models.F("hi")), name="job_chunk_range"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.seq} [{self.lo}, {self.hi})"
