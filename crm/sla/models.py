"""Time limits as data (时限标准), the working calendar (节假日/调休), and the SLA fields every tracked job carries."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Region


class Clock(models.TextChoices):
    CALENDAR = "calendar", _("Calendar time (自然时)")
    WORKING = "working", _("Working hours (工作时)")


class ServiceLimit(models.Model):
    """One time limit (时限标准): a work type in an area kind for a service level (and variant), on one clock.

    Blank ``area_kind``, ``service_level`` or ``variant`` match anything; the most specific row wins."""

    work_type = models.CharField(_("work type"), max_length=32)  # install, move, remove, fault_broadband, …
    area_kind = models.CharField(_("area kind"), max_length=8, blank=True)  # "", urban, county
    service_level = models.CharField(_("service level"), max_length=8, blank=True)  # "", diamond, 1A, …
    variant = models.CharField(_("variant"), max_length=32, blank=True)  # cable_short, dia_gold, after_14 …
    name = models.CharField(_("name"), max_length=120)
    clock = models.CharField(_("clock"), max_length=8, choices=Clock.choices, default=Clock.CALENDAR)
    response_minutes = models.PositiveIntegerField(_("response limit (minutes)"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution limit (minutes)"))
    warn_fraction = models.DecimalField(
        _("warn when this fraction of the time is used"), max_digits=3, decimal_places=2, default=0.8
    )
    target_percent = models.DecimalField(_("on-time target (%)"), max_digits=5, decimal_places=2, default=99)
    priority = models.PositiveSmallIntegerField(_("queue priority"), default=0)  # green channel: higher first
    source = models.CharField(_("source"), max_length=120, blank=True)  # the standard and article it comes from
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("time limit (时限标准)")
        verbose_name_plural = _("time limits")
        ordering = ["work_type", "area_kind", "service_level", "variant"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_type", "area_kind", "service_level", "variant"], name="service_limit_unique_key"
            ),
            models.CheckConstraint(condition=Q(area_kind__in=["", "urban", "county"]), name="service_limit_area_kind"),
            models.CheckConstraint(condition=Q(clock__in=["calendar", "working"]), name="service_limit_clock_valid"),
            models.CheckConstraint(condition=Q(resolution_minutes__gt=0), name="service_limit_positive"),
            models.CheckConstraint(
                condition=Q(warn_fraction__gt=0) & Q(warn_fraction__lt=1), name="service_limit_warn_fraction"
            ),
            models.CheckConstraint(
                condition=Q(target_percent__gt=0) & Q(target_percent__lte=100), name="service_limit_target_percent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a statutory holiday (法定节假日) or a make-up working day (调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (放假)")
        WORKDAY = "workday", _("Make-up working day (调休上班)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=40)  # 春节, 国庆节 …

    class Meta:
        verbose_name = _("calendar day (节假日/调休)")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=["holiday", "workday"]), name="calendar_day_kind")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaTracked(models.Model):
    """The SLA clock of a job (a work order, a trouble ticket): its limit, deadlines, pauses, warning and breach."""

    sla_limit = models.ForeignKey(
        ServiceLimit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("time limit")
    )
    sla_started_at = models.DateTimeField(_("clock started"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    paused_at = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    paused_minutes = models.PositiveIntegerField(_("minutes paused"), default=0)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    sla_stopped_at = models.DateTimeField(_("clock stopped"), null=True, blank=True)

    class Meta:
        abstract = True


class SlaBreach(models.Model):
    """A breached time limit, counted in the KPIs (超时记录): what, where, how late."""

    class Kind(models.TextChoices):
        RESPONSE = "response", _("Response")
        RESOLUTION = "resolution", _("Resolution")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    tracked = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.RESOLUTION)
    limit = models.ForeignKey(ServiceLimit, on_delete=models.PROTECT, related_name="breaches", verbose_name=_("limit"))
    work_type = models.CharField(_("work type"), max_length=32)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    due_at = models.DateTimeField(_("due"))
    breached_at = models.DateTimeField(_("breached"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    escalated_to = models.JSONField(_("escalated to"), default=list, blank=True)  # usernames

    class Meta:
        verbose_name = _("time-limit breach (超时记录)")
        verbose_name_plural = _("time-limit breaches")
        ordering = ["-breached_at", "-id"]
        indexes = [models.Index(fields=["work_type", "breached_at"], name="sla_breach_kpi_idx")]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "kind"], name="sla_breach_once"),
            models.CheckConstraint(condition=Q(kind__in=["response", "resolution"]), name="sla_breach_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.work_type} {self.breached_at:%Y-%m-%d %H:%M}"
